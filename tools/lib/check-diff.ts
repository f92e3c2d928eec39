import { CostDelta, costDelta, renderCostDeltaMarkdown, signed, usd } from "./cost";
import type { CheckResult, Violation } from "../check";

/**
 * `check --base <ref>`: what a change does, from two checks of the same stack — the base commit's program
 * and the working tree's, judged by the same policy pack and pack config. Resources are matched by URN
 * (what `pulumi preview` matches on); inputs are compared path by path; violations are matched by policy
 * and resource, so a reworded message is the same finding and a moved resource (new URN) is a new one.
 */

/** The marker Pulumi puts on a secret value (runtime/rpc.ts specialSigKey / specialSecretSig). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Keys whose values are credentials even when the program forgot to mark them secret. */
const SECRET_KEY = /(password|passphrase|privatekey|secretstring|apikey|authtoken|^token)$/i;

export const SECRET = "[secret]";

export function isSecret(v: unknown): boolean {
    return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** A copy with every secret value (Pulumi-marked, or under a credential-like key) replaced by "[secret]". */
export function redact(v: unknown, key = ""): unknown {
    if (isSecret(v)) return SECRET;
    if (typeof v === "string" && SECRET_KEY.test(key)) return SECRET;
    if (Array.isArray(v)) return v.map((x) => redact(x, key));
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x, k)]));
    return v;
}

export interface InputChange {
    /** `ingress[0].cidrBlocks[1]`, `tags.Name`, `spec.template.spec.containers[0].image`. */
    path: string;
    /** Absent on an added path; "[secret]" for a secret value. */
    before?: unknown;
    /** Absent on a removed path. */
    after?: unknown;
}

export interface ResourceRef {
    urn: string;
    type: string;
    name: string;
    /** Where the working tree declares it (added, changed) or the base did (removed). */
    file?: string;
    line?: number;
}

export interface CheckDiff {
    base: { ref: string; commit: string; exitCode: number; error?: string };
    resources: {
        added: ResourceRef[];
        removed: ResourceRef[];
        changed: (ResourceRef & { changes: InputChange[] })[];
        unchanged: number;
    };
    violations: { new: Violation[]; fixed: Violation[]; unchanged: number };
    /** Absent when either side has no estimate (its program did not finish). */
    cost?: CostDelta;
}

/** Input paths that differ between two plain values; secret values are compared but never shown. */
export function inputChanges(before: unknown, after: unknown, at = "", out: InputChange[] = []): InputChange[] {
    // A credential-like key hides strings only (manageMasterUserPassword: true is not a secret).
    const credential = SECRET_KEY.test(lastKey(at)) && (typeof before === "string" || typeof after === "string");
    const secret = isSecret(before) || isSecret(after) || credential;
    if (secret) {
        const b = isSecret(before) ? (before as { value: unknown }).value : before;
        const a = isSecret(after) ? (after as { value: unknown }).value : after;
        if (!same(b, a))
            out.push({
                path: at,
                ...(before === undefined ? {} : { before: SECRET }),
                ...(after === undefined ? {} : { after: SECRET }),
            });
        return out;
    }
    if (isObject(before) && isObject(after)) {
        for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort())
            inputChanges(before[k], after[k], at ? `${at}.${k}` : k, out);
        return out;
    }
    if (Array.isArray(before) && Array.isArray(after)) {
        for (let i = 0; i < Math.max(before.length, after.length); i++)
            inputChanges(before[i], after[i], `${at}[${i}]`, out);
        return out;
    }
    if (!same(before, after))
        out.push({
            path: at,
            ...(before === undefined ? {} : { before: redact(before, lastKey(at)) }),
            ...(after === undefined ? {} : { after: redact(after, lastKey(at)) }),
        });
    return out;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);
const lastKey = (p: string) => /([^.[\]]+)\]?$/.exec(p)?.[1] ?? "";

function same(a: unknown, b: unknown): boolean {
    if (a === b) return true;
    if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
    return JSON.stringify(a) === JSON.stringify(b);
}

/** A violation's identity across the two runs: its policy and resource (stack-level ones also by message). */
const findingKey = (v: Violation) => `${v.policyName}\u0000${v.urn}\u0000${v.urn ? "" : v.message}`;

export function diffResults(base: CheckResult, head: CheckResult, ref: { ref: string; commit: string }): CheckDiff {
    const refOf = (r: CheckResult["resources"][number]): ResourceRef => ({
        urn: r.urn,
        type: r.type,
        name: r.name,
        ...(r.source ? { file: r.source.file, line: r.source.line } : {}),
    });
    const before = new Map(base.resources.map((r) => [r.urn, r]));
    const after = new Map(head.resources.map((r) => [r.urn, r]));
    const resources: CheckDiff["resources"] = { added: [], removed: [], changed: [], unchanged: 0 };
    for (const r of head.resources) {
        const b = before.get(r.urn);
        if (!b) {
            resources.added.push(refOf(r));
            continue;
        }
        const changes = inputChanges(b.inputs, r.inputs);
        if (changes.length > 0) resources.changed.push({ ...refOf(r), changes });
        else resources.unchanged++;
    }
    for (const r of base.resources) if (!after.has(r.urn)) resources.removed.push(refOf(r));

    const baseFindings = new Set(base.violations.map(findingKey));
    const headFindings = new Set(head.violations.map(findingKey));
    const fresh = head.violations.filter((v) => !baseFindings.has(findingKey(v)));
    const fixed = base.violations.filter((v) => !headFindings.has(findingKey(v)));
    return {
        base: {
            ref: ref.ref,
            commit: ref.commit,
            exitCode: base.exitCode,
            ...(base.error ? { error: base.error.message } : {}),
        },
        resources,
        violations: { new: fresh, fixed, unchanged: head.violations.length - fresh.length },
        ...(base.cost && head.cost ? { cost: costDelta(base.cost, head.cost) } : {}),
    };
}

const isBlocking = (v: Violation) => v.enforcementLevel === "mandatory" || v.enforcementLevel === "remediate";

/** New violations that block (mandatory or remediate): what `--new-only` fails on. */
export const newBlocking = (d: CheckDiff) => d.violations.new.filter(isBlocking);

const show = (v: unknown) => {
    const s = JSON.stringify(v);
    return s === undefined ? "undefined" : s.length > 80 ? `${s.slice(0, 77)}…` : s;
};

export function describeChange(c: InputChange): string {
    if (!("before" in c)) return `${c.path}: + ${show(c.after)}`;
    if (!("after" in c)) return `${c.path}: − ${show(c.before)}`;
    return `${c.path}: ${show(c.before)} → ${show(c.after)}`;
}

interface Paint {
    bold(s: string): string;
    dim(s: string): string;
    red(s: string): string;
    green(s: string): string;
    yellow(s: string): string;
}

/** At most this many input paths per changed resource in the human and Markdown views (the JSON has all). */
const PATHS_SHOWN = 8;

/** The human view: one line per resource change, then new and fixed violations. */
export function renderDiff(d: CheckDiff, s: Paint, { verbose = false } = {}): string[] {
    const out: string[] = [];
    const r = d.resources;
    out.push(
        `${s.bold(`Change against ${d.base.ref}`)} ${s.dim(`(${d.base.commit.slice(0, 12)})`)}: ${r.added.length} to add, ${r.changed.length} to change, ${r.removed.length} to delete, ${r.unchanged} unchanged`,
    );
    if (d.base.error)
        out.push(
            s.yellow(`  the base did not reach a verdict (exit ${d.base.exitCode}): ${d.base.error.split("\n")[0]}`),
        );
    for (const x of r.added) out.push(`  ${s.green("+")} ${x.type} ${x.name}${where(x, s)}`);
    for (const x of r.changed) {
        out.push(`  ${s.yellow("~")} ${x.type} ${x.name}${where(x, s)}`);
        const shown = verbose ? x.changes : x.changes.slice(0, PATHS_SHOWN);
        for (const c of shown) out.push(`      ${s.dim(describeChange(c))}`);
        if (shown.length < x.changes.length) out.push(s.dim(`      … ${x.changes.length - shown.length} more paths`));
    }
    for (const x of r.removed) out.push(`  ${s.red("-")} ${x.type} ${x.name}`);
    const v = d.violations;
    out.push(
        `${s.bold("Violations")}: ${v.new.length} new (${newBlocking(d).length} mandatory), ${v.fixed.length} fixed, ${v.unchanged} already on ${d.base.ref}`,
    );
    for (const x of v.new)
        out.push(
            `  ${isBlocking(x) ? s.red("✖ new") : s.yellow("⚠ new")} ${x.enforcementLevel} ${s.bold(x.policyName)} ${x.urn || "(stack)"}: ${x.message.split("\n")[0]} ${s.dim(`[${x.file}:${x.line}]`)}`,
        );
    for (const x of v.fixed)
        out.push(`  ${s.green("✔ fixed")} ${x.enforcementLevel} ${x.policyName} ${x.urn || "(stack)"}`);
    if (d.cost) {
        const c = d.cost;
        out.push(`${s.bold("Estimated monthly cost")}: ${usd(c.baseUsd)} → ${usd(c.headUsd)} (${signed(c.deltaUsd)})`);
        for (const k of c.contributors) out.push(s.dim(`  ${signed(k.deltaUsd)} ${k.name} (${k.type})`));
    }
    return out;
}

function where(x: ResourceRef, s: Paint): string {
    return x.file ? ` ${s.dim(`[${x.file}:${x.line}]`)}` : "";
}

// GitHub splits table cells on "|" even inside code spans: escaped there too.
const md = (text: string) => text.replace(/\|/g, "\\|").replace(/\n/g, " ");
const code = (text: string) => `\`${md(text.replace(/`/g, "'"))}\``;

/**
 * The PR comment: one Markdown document per stack, beside the real `pulumi preview`. A hidden marker lets
 * the pipeline update its own comment instead of adding one per push.
 */
export function renderDiffMarkdown(d: CheckDiff, head: CheckResult, { maxRows = 50 } = {}): string {
    const r = d.resources;
    const blocking = newBlocking(d);
    const verdict =
        head.exitCode === 0
            ? "✅ passes the policy pack"
            : blocking.length > 0
              ? `❌ ${blocking.length} new mandatory violation${blocking.length === 1 ? "" : "s"}`
              : head.error
                ? `⚠️ ${head.error.kind} error: ${md(head.error.message.split("\n")[0])}`
                : "⚠️ fails on violations already on the base branch";
    const out: string[] = [
        `<!-- platform-check:${head.project}:${head.stack} -->`,
        `### Offline check · \`${head.stack}\` · ${verdict}`,
        "",
        `Against \`${d.base.ref}\` (${d.base.commit.slice(0, 12)}), judged by ${head.policyPack.name}@${head.policyPack.version}: **${r.added.length}** to add, **${r.changed.length}** to change, **${r.removed.length}** to delete, ${r.unchanged} unchanged.`,
    ];
    if (d.base.error)
        out.push(
            "",
            `> The base did not reach a verdict (exit ${d.base.exitCode}): ${md(d.base.error.split("\n")[0])}. Every finding below counts as new.`,
        );
    const v = d.violations;
    out.push("", `#### Violations: ${v.new.length} new, ${v.fixed.length} fixed, ${v.unchanged} unchanged`);
    if (v.new.length + v.fixed.length > 0) {
        out.push("", "| | Level | Policy | Resource | What to change | Where |", "|---|---|---|---|---|---|");
        const rows = [
            ...v.new.map(
                (x) =>
                    `| ${isBlocking(x) ? "❌ new" : "⚠️ new"} | ${x.enforcementLevel} | ${code(x.policyName)} | ${code(x.resourceName || "(stack)")} | ${md(x.message.split("\n")[0])} | ${code(`${x.file}:${x.line}`)} |`,
            ),
            ...v.fixed.map(
                (x) =>
                    `| ✅ fixed | ${x.enforcementLevel} | ${code(x.policyName)} | ${code(x.resourceName || "(stack)")} | | |`,
            ),
        ];
        out.push(...rows.slice(0, maxRows));
        if (rows.length > maxRows) out.push("", `… and ${rows.length - maxRows} more in the JSON report.`);
    }
    if (r.added.length + r.changed.length + r.removed.length > 0) {
        out.push(
            "",
            "<details><summary>Resources</summary>",
            "",
            "| | Type | Name | Changed inputs |",
            "|---|---|---|---|",
        );
        const rows = [
            ...r.added.map((x) => `| + | ${code(x.type)} | ${code(x.name)} | |`),
            ...r.changed.map(
                (x) =>
                    `| ~ | ${code(x.type)} | ${code(x.name)} | ${x.changes
                        .slice(0, PATHS_SHOWN)
                        .map((c) => code(describeChange(c)))
                        .join(
                            "<br>",
                        )}${x.changes.length > PATHS_SHOWN ? `<br>… ${x.changes.length - PATHS_SHOWN} more` : ""} |`,
            ),
            ...r.removed.map((x) => `| − | ${code(x.type)} | ${code(x.name)} | |`),
        ];
        out.push(...rows.slice(0, maxRows));
        if (rows.length > maxRows) out.push("", `… and ${rows.length - maxRows} more in the JSON report.`);
        out.push("", "</details>");
    }
    if (d.cost) out.push("", ...renderCostDeltaMarkdown(d.cost));
    out.push(
        "",
        `<sub>Offline: the program ran under mocks, no cloud account was used. Remote components and charts are judged on their inputs only; the real \`pulumi preview\` beside this comment is authoritative.</sub>`,
    );
    return out.join("\n") + "\n";
}
