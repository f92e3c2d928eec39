import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { POLICY_MODULES } from "../lib/contract";

/**
 * `npm run controls`: the control → policy → enforcement → tests table, generated from the pack's code.
 * Control ids come from each policy's typed `controls` field; tests are the policy/test files that name the policy;
 * catalogue rows (CONTROLS.md) with no policy are listed with the reason the pack README gives.
 * Flags: --json (machine-readable), --catalogue <path> (default: ../shared/CONTROLS.md, then docs/CONTROLS.md).
 */

interface PolicyLike {
    name: string;
    description: string;
    controls?: readonly string[];
    enforcementLevel?: string;
    validateStack?: unknown;
}

const ROOT = path.resolve(__dirname, "..");
const PACK = path.join(ROOT, "policy");
const MODULES = POLICY_MODULES;

function loadPolicies(): { module: string; policy: PolicyLike }[] {
    const out: { module: string; policy: PolicyLike }[] = [];
    for (const m of MODULES) {
        // A domain is a module file or a folder with an index (policy/kubernetes/).
        const file = [path.join(PACK, `${m}.ts`), path.join(PACK, m, "index.ts")].find((f) => fs.existsSync(f));
        if (!file) continue;
        // The modules only build policy objects; index.ts (which starts the gRPC server) is never loaded.
        const mod = require(file) as { policies?: PolicyLike[] };
        for (const policy of mod.policies ?? []) out.push({ module: m, policy });
    }
    return out;
}

function testFiles(): { file: string; text: string }[] {
    const dir = path.join(PACK, "test");
    if (!fs.existsSync(dir)) return [];
    return fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".test.ts"))
        .map((f) => ({ file: `policy/test/${f}`, text: fs.readFileSync(path.join(dir, f), "utf8") }));
}

interface CatalogueRow {
    id: string;
    /** Every policy the row names, in the row's order (K8S-31 and K8S-34 name two). */
    policies: string[];
    enforcement: string;
}

function findCatalogue(given: string | undefined): string | undefined {
    const candidates = [
        given,
        path.join(ROOT, "..", "shared", "CONTROLS.md"),
        path.join(ROOT, "docs", "CONTROLS.md"),
        path.join(PACK, "CONTROLS.md"),
    ];
    return candidates.find((c): c is string => !!c && fs.existsSync(c));
}

/** Headings of policy/README.md whose tables extend the catalogue (new ids continuing each domain). */
const PACK_CATALOGUE_HEADINGS = ["## New controls", "## Project controls", "## Controls added"];
const readPackCatalogue = (file: string): CatalogueRow[] =>
    PACK_CATALOGUE_HEADINGS.flatMap((h) => readCatalogue(file, h));

/**
 * Catalogue rows of `file`; with `heading`, only the tables under every `## ` heading that starts with it (one
 * "## Controls added …" section per round of additions).
 */
function readCatalogue(file: string, heading?: string): CatalogueRow[] {
    const rows: CatalogueRow[] = [];
    let inside = !heading;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (heading && line.startsWith("## ")) inside = line.startsWith(heading);
        if (!inside) continue;
        // | ID | `policy`[, `policy`…] | …: ids are NET-01 style, or K8S-HELM for the section-0 Helm rule.
        const m = /^\|\s*([A-Z0-9]+-(?:\d{2}|[A-Z]+))\s*\|\s*(`[a-z0-9-]+`(?:\s*,\s*`[a-z0-9-]+`)*)\s*\|(.*)$/.exec(
            line,
        );
        if (!m) continue;
        const policies = [...m[2].matchAll(/`([a-z0-9-]+)`/g)].map((p) => p[1]);
        const cells = m[3].split("|").map((c) => c.trim());
        rows.push({ id: m[1], policies, enforcement: cells[cells.length - 3] ?? "" });
    }
    return rows;
}

/** Reasons from the README's "not implemented" table: `| ID | reason |`. */
function readmeReasons(): Map<string, string> {
    const file = path.join(PACK, "README.md");
    const out = new Map<string, string>();
    if (!fs.existsSync(file)) return out;
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^\|\s*([A-Z0-9]+-(?:\d{2}|[A-Z]+))\s*\|\s*`?([^|`]*)`?\s*\|\s*(.+?)\s*\|\s*$/.exec(line);
        if (m && /not implemented|partial|deviat/i.test(m[3] + m[2])) out.set(m[1], m[3]);
    }
    return out;
}

function pad(s: string, n: number): string {
    return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function main(argv: string[]): void {
    const { values: opts } = parseArgs({
        args: argv,
        options: { catalogue: { type: "string" }, json: { type: "boolean" } },
        strict: true,
        allowPositionals: false,
    });
    const policies = loadPolicies();
    const tests = testFiles();
    const rows = policies.flatMap(({ module, policy }) => {
        const ids = [...new Set(policy.controls ?? [])];
        const mentioned = tests.filter((t) => t.text.includes(`"${policy.name}"`)).map((t) => t.file);
        return (ids.length ? ids : ["(none)"]).map((id) => ({
            id,
            policy: policy.name,
            module,
            kind: policy.validateStack ? "stack" : "resource",
            enforcement: policy.enforcementLevel ?? "advisory",
            tests: mentioned,
        }));
    });
    rows.sort((a, b) => a.id.localeCompare(b.id, "en", { numeric: true }) || a.policy.localeCompare(b.policy));

    const cataloguePath = findCatalogue(opts.catalogue);
    const packCataloguePath = path.join(PACK, "README.md");
    // Both catalogues: the shared one (read-only) and the pack's own rows in policy/README.md.
    const catalogue = [
        ...(cataloguePath ? readCatalogue(cataloguePath) : []),
        ...(fs.existsSync(packCataloguePath) ? readPackCatalogue(packCataloguePath) : []),
    ];
    const packRows = fs.existsSync(packCataloguePath) ? readPackCatalogue(packCataloguePath).length : 0;
    const covered = new Set(rows.map((r) => r.id));
    const missing = catalogue.filter((c) => !covered.has(c.id));
    // A row naming several policies expects each of them to carry its id.
    const renamed = catalogue.flatMap((c) =>
        c.policies
            .filter((p) => covered.has(c.id) && !rows.some((r) => r.id === c.id && r.policy === p))
            .map((policy) => ({ id: c.id, policy })),
    );
    const untested = rows.filter((r) => r.tests.length === 0);
    const uncatalogued = [...covered].filter((id) => id !== "(none)" && !catalogue.some((c) => c.id === id));
    const reasons = readmeReasons();

    if (opts.json) {
        console.log(
            JSON.stringify(
                {
                    controls: rows,
                    missing: missing.map((m) => ({ ...m, reason: reasons.get(m.id) })),
                    renamed,
                    uncatalogued,
                    untested: untested.map((u) => u.policy),
                },
                null,
                2,
            ),
        );
        return;
    }
    const w = { id: 10, policy: 44, kind: 9, enf: 10 };
    console.log(
        `${pad("Control", w.id)} ${pad("Policy", w.policy)} ${pad("Kind", w.kind)} ${pad("Level", w.enf)} Tests`,
    );
    console.log("-".repeat(w.id + w.policy + w.kind + w.enf + 40));
    for (const r of rows)
        console.log(
            `${pad(r.id, w.id)} ${pad(r.policy, w.policy)} ${pad(r.kind, w.kind)} ${pad(r.enforcement, w.enf)} ${r.tests.join(", ") || "NONE"}`,
        );
    console.log("");
    console.log(
        `${new Set(policies.map((p) => p.policy.name)).size} policies in ${new Set(policies.map((p) => p.module)).size} modules cover ${covered.size} control ids.`,
    );
    if (!cataloguePath)
        console.log(
            "Catalogue CONTROLS.md not found (looked in ../shared, docs/, policy/); pass --catalogue <path> to list its uncovered rows.",
        );
    else console.log(`Catalogue ${path.relative(ROOT, cataloguePath)}: ${catalogue.length - packRows} rows.`);
    console.log(
        `Catalogue policy/README.md (${PACK_CATALOGUE_HEADINGS.map((h) => h.slice(3)).join(", ")}): ${packRows} rows.`,
    );
    console.log(
        `Both: ${catalogue.length} rows, ${catalogue.length - missing.length} covered, ${missing.length} without a policy.`,
    );
    for (const m of missing)
        console.log(
            `  - ${m.id} ${m.policies.join(", ")} (${m.enforcement}): ${reasons.get(m.id) ?? "no reason recorded in policy/README.md"}`,
        );
    for (const r of renamed)
        console.log(`  ~ ${r.id} is covered under a different policy name than the catalogue's ${r.policy}`);
    if (cataloguePath && uncatalogued.length)
        console.log(`Control ids in the code but in neither catalogue: ${uncatalogued.join(", ")}`);
    if (untested.length)
        console.log(`Policies no test names: ${[...new Set(untested.map((u) => u.policy))].join(", ")}`);
}

main(process.argv.slice(2));
