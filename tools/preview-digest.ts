/**
 * `npm run preview-digest -- <preview.json> [--markdown] [--expect <digest>]`
 *
 * Makes a prod approval bind to what the approver saw. The pipeline runs `pulumi preview --json`
 * (through scripts/pulumi.sh, so with the pack) before the approval and again right before `up`:
 *   - no flag:      prints the digest: sha256 over the sorted `op urn [diff keys]` of every step that
 *                   changes something (`same` steps are not changes);
 *   - --markdown:   the approver's view: counts per operation and one table row per change;
 *   - --expect D:   exits 1 when the digest is not D (prod moved, or the commit differs), so the
 *                   deploy stops and a new preview + approval is needed.
 * The JSON shape is the CLI's display.PreviewDigest (pulumi/pulumi pkg/display/json.go: `steps[]` with
 * `op`, `urn`, `diffReasons`; `changeSummary`; `diagnostics`).
 */
import { createHash } from "crypto";
import * as fs from "fs";
import { parseArgs } from "util";

export interface PreviewStep {
    op: string;
    urn: string;
    diffReasons?: string[];
}

export interface Change {
    op: string;
    urn: string;
    type: string;
    name: string;
    keys: string[];
}

const UNCHANGED = new Set(["same"]);

/** The steps that change something, in a stable order. Throws when the input is not a preview. */
export function changes(preview: unknown): Change[] {
    if (
        typeof preview !== "object" ||
        preview === null ||
        ("steps" in preview && !Array.isArray((preview as { steps: unknown }).steps))
    )
        throw new Error("not a `pulumi preview --json` document (expected an object with a steps array)");
    const steps = ((preview as { steps?: PreviewStep[] }).steps ?? []).filter((s) => !UNCHANGED.has(s.op));
    return steps
        .map((s) => {
            // urn:pulumi:<stack>::<project>::<qualified type>::<name>; the type may carry `$` parents.
            const parts = s.urn.split("::");
            const type = (parts[2] ?? "").split("$").pop() ?? "";
            return {
                op: s.op,
                urn: s.urn,
                type,
                name: parts.slice(3).join("::"),
                keys: [...(s.diffReasons ?? [])].sort(),
            };
        })
        .sort((a, b) => (a.urn === b.urn ? a.op.localeCompare(b.op) : a.urn.localeCompare(b.urn)));
}

export function digest(list: Change[]): string {
    const canonical = list.map((c) => `${c.op} ${c.urn} [${c.keys.join(",")}]`).join("\n");
    return `sha256:${createHash("sha256").update(canonical).digest("hex")}`;
}

export function markdown(list: Change[], stack = "prod"): string {
    const counts = new Map<string, number>();
    for (const c of list) counts.set(c.op, (counts.get(c.op) ?? 0) + 1);
    const lines = [`## \`${stack}\` preview for approval`, "", `Steps digest: \`${digest(list)}\``, ""];
    if (list.length === 0) {
        lines.push("No changes: approving deploys nothing new.");
        return lines.join("\n") + "\n";
    }
    lines.push(
        [...counts].map(([op, n]) => `**${op}** ${n}`).join(" · "),
        "",
        "| op | type | name | changed keys |",
        "| --- | --- | --- | --- |",
    );
    const cell = (s: string) => s.replace(/\|/g, "\\|");
    for (const c of list)
        lines.push(`| ${c.op} | \`${cell(c.type)}\` | ${cell(c.name)} | ${cell(c.keys.join(", "))} |`);
    return lines.join("\n") + "\n";
}

export function main(argv: string[]): number {
    const { values, positionals } = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
            markdown: { type: "boolean", default: false },
            expect: { type: "string" },
            stack: { type: "string", default: "prod" },
        },
    });
    if (positionals.length !== 1) {
        console.error(
            "usage: npm run preview-digest -- <preview.json> [--markdown] [--expect <sha256:...>] [--stack <name>]",
        );
        return 64;
    }
    let list: Change[];
    try {
        list = changes(JSON.parse(fs.readFileSync(positionals[0], "utf8")));
    } catch (e) {
        console.error(`preview-digest: ${positionals[0]}: ${(e as Error).message}`);
        return 65;
    }
    const d = digest(list);
    if (values.expect !== undefined) {
        if (values.expect !== d) {
            console.error(
                `preview-digest: the ${values.stack} preview changed since it was approved (approved ${values.expect}, now ${d}); run the pipeline again for a fresh preview and approval`,
            );
            console.error(markdown(list, values.stack));
            return 1;
        }
        console.log(`preview-digest: ${values.stack} steps match the approved preview (${d})`);
        return 0;
    }
    console.log(values.markdown ? markdown(list, values.stack) : d);
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
