/**
 * The dependency-audit gate: reads an `npm audit --json` report (npm 7+ format, `auditReportVersion: 2`, as built by
 * @npmcli/arborist `lib/audit-report.js` `toJSON()`, `lib/vuln.js` and @npmcli/metavuln-calculator `advisory.js`) and
 * the reviewed allowlist (`audit-allowlist.json`), and decides: a high or critical advisory that no live allowlist
 * entry covers fails the gate; so does an expired or malformed allowlist entry.
 *
 * Findings are advisories, not packages: npm lists every package on the path to a vulnerable one ("Depends on
 * vulnerable versions of …", `via` as a string) with the worst severity below it. Only the advisory objects
 * (`via[i]` with `source`/`url`) are findings, each judged by its own severity, so allowing one advisory never
 * hides a second one on the same package, and a moderate advisory is not promoted by a high one beneath it.
 */

export const SEVERITIES = ["info", "low", "moderate", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** One advisory in the report, as the gate judges it. */
export interface Finding {
    /** GitHub advisory id (GHSA-xxxx-xxxx-xxxx) from the advisory URL, else npm's numeric `source` id. */
    id: string;
    package: string;
    severity: Severity;
    title: string;
    url: string;
    /** The vulnerable version range. */
    range: string;
    /** Where the package sits in node_modules. */
    nodes: string[];
    /** npm's verdict on a fix: `true` (npm audit fix), `false`, or the package + version `--force` would install. */
    fix: string;
}

export interface AllowlistEntry {
    /** The advisory: GHSA id (preferred) or npm's numeric advisory id. */
    id: string;
    /** The package the advisory is filed against. */
    package: string;
    /** Why the finding does not apply or cannot be fixed yet (reachability, no fix upstream, …). */
    reason: string;
    /** Who reviewed it (a person, not a team alias). */
    reviewer: string;
    /** Last day the exception holds (YYYY-MM-DD, UTC). After it, the gate fails until the entry is renewed or removed. */
    expires: string;
}

export interface GateResult {
    /** Findings at or above the level that no live entry allows: each fails the gate. */
    blocking: Finding[];
    /** Findings at or above the level that a live entry allows. */
    allowed: { finding: Finding; entry: AllowlistEntry }[];
    /** Findings below the level (reported, never blocking). */
    below: Finding[];
    /** Entries past their expiry date: each fails the gate. */
    expired: AllowlistEntry[];
    /** Live entries that match no finding any more: a warning to remove them. */
    unused: AllowlistEntry[];
    passed: boolean;
}

/** A malformed report or allowlist: the gate cannot decide and fails closed (exit 2). */
export class AuditInputError extends Error {}

/** Longest exception a reviewer may grant: an allowlist entry is a dated decision, not a permanent waiver. */
export const MAX_EXPIRY_DAYS = 180;
const GHSA = /^GHSA(-[a-z0-9]{4}){3}$/;
const NPM_ID = /^\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ENTRY_KEYS = ["id", "package", "reason", "reviewer", "expires"] as const;

const rank = (s: Severity) => SEVERITIES.indexOf(s);

export function isSeverity(value: unknown): value is Severity {
    return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

/** The advisories in an `npm audit --json` report; throws AuditInputError when it is not a v2 report. */
export function parseReport(report: unknown): Finding[] {
    const r = report as {
        auditReportVersion?: unknown;
        vulnerabilities?: unknown;
        error?: { summary?: string };
        message?: string;
    };
    if (!r || typeof r !== "object") throw new AuditInputError("the audit report is not a JSON object");
    if (r.auditReportVersion !== 2 || typeof r.vulnerabilities !== "object" || r.vulnerabilities === null) {
        // `npm audit --json` prints `{ message, error, ... }` when the registry's audit endpoint fails: fail closed.
        const why = r.message ?? r.error?.summary;
        throw new AuditInputError(
            why
                ? `npm audit could not run: ${why}`
                : "the audit report is not npm's v2 format (auditReportVersion 2 with a vulnerabilities object)",
        );
    }
    const findings = new Map<string, Finding>();
    for (const [name, v] of Object.entries(r.vulnerabilities as Record<string, any>)) {
        const via: unknown[] = Array.isArray(v?.via) ? v.via : [];
        for (const a of via) {
            if (typeof a === "string") continue; // "depends on vulnerable versions of <a>": reported under <a>
            const adv = a as Record<string, any>;
            if (!isSeverity(adv.severity))
                throw new AuditInputError(
                    `advisory ${JSON.stringify(adv.url ?? adv.source)} on ${name} has severity ${JSON.stringify(adv.severity)}`,
                );
            const url = typeof adv.url === "string" ? adv.url : "";
            const ghsa = /\/(GHSA(?:-[a-z0-9]{4}){3})$/i.exec(url)?.[1];
            const id = ghsa ?? (adv.source !== undefined ? String(adv.source) : "");
            if (!id) throw new AuditInputError(`an advisory on ${name} has neither a GHSA url nor a source id`);
            const pkg = typeof adv.name === "string" ? adv.name : name;
            const key = `${id} ${pkg}`;
            const prior = findings.get(key);
            const nodes: string[] = Array.isArray(v.nodes) ? v.nodes : [];
            if (prior) {
                prior.nodes = [...new Set([...prior.nodes, ...nodes])].sort();
                continue;
            }
            findings.set(key, {
                id,
                package: pkg,
                severity: adv.severity,
                title: String(adv.title ?? ""),
                url,
                range: String(adv.range ?? v.range ?? "*"),
                nodes: [...nodes].sort(),
                fix: describeFix(v.fixAvailable),
            });
        }
    }
    return [...findings.values()].sort(
        (a, b) => rank(b.severity) - rank(a.severity) || a.package.localeCompare(b.package) || a.id.localeCompare(b.id),
    );
}

function describeFix(fix: unknown): string {
    if (fix === true) return "npm audit fix";
    if (fix && typeof fix === "object") {
        const f = fix as { name?: string; version?: string; isSemVerMajor?: boolean };
        return `npm audit fix --force (installs ${f.name}@${f.version}${f.isSemVerMajor ? ", a breaking change" : ""})`;
    }
    return "no fix available";
}

function parseDate(text: string): Date | undefined {
    const m = DATE.exec(text);
    if (!m) return undefined;
    const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
    return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? d : undefined;
}

const DAY = 86_400_000;
const today = (now: Date) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());

/**
 * The allowlist file: `{ "entries": [ { id, package, reason, reviewer, expires } ] }`. Every problem is collected
 * and thrown at once, each naming the entry, the field, the value and what is allowed.
 */
export function parseAllowlist(doc: unknown, now: Date): AllowlistEntry[] {
    const problems: string[] = [];
    const d = doc as { entries?: unknown };
    if (!d || typeof d !== "object" || Array.isArray(d) || !Array.isArray(d.entries)) {
        throw new AuditInputError('the allowlist must be an object with an "entries" array');
    }
    const unknownTop = Object.keys(d).filter((k) => k !== "entries" && k !== "$comment");
    if (unknownTop.length)
        problems.push(`unknown top-level key(s) ${unknownTop.join(", ")}: allowed are entries, $comment`);
    const seen = new Set<string>();
    const out: AllowlistEntry[] = [];
    d.entries.forEach((raw, i) => {
        const at = `entries[${i}]`;
        if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
            problems.push(`${at} must be an object with ${ENTRY_KEYS.join(", ")}`);
            return;
        }
        const e = raw as Record<string, unknown>;
        for (const k of Object.keys(e))
            if (!(ENTRY_KEYS as readonly string[]).includes(k))
                problems.push(`${at}.${k} is not a known field: allowed are ${ENTRY_KEYS.join(", ")}`);
        for (const k of ENTRY_KEYS) {
            if (typeof e[k] !== "string" || !(e[k] as string).trim())
                problems.push(`${at}.${k} = ${JSON.stringify(e[k])}: a non-empty string is required`);
        }
        if (typeof e.id === "string" && e.id.trim() && !GHSA.test(e.id) && !NPM_ID.test(e.id)) {
            problems.push(
                `${at}.id = ${JSON.stringify(e.id)}: a GHSA id (GHSA-xxxx-xxxx-xxxx) or npm's numeric advisory id is required`,
            );
        }
        if (typeof e.expires === "string" && e.expires.trim()) {
            const date = parseDate(e.expires);
            if (!date)
                problems.push(`${at}.expires = ${JSON.stringify(e.expires)}: a calendar date YYYY-MM-DD is required`);
            else if (date.getTime() - today(now) > MAX_EXPIRY_DAYS * DAY) {
                problems.push(
                    `${at}.expires = ${JSON.stringify(e.expires)}: at most ${MAX_EXPIRY_DAYS} days ahead; review it again then`,
                );
            }
        }
        const key = `${e.id} ${e.package}`;
        if (seen.has(key)) problems.push(`${at}: ${e.id} on ${e.package} is listed twice`);
        seen.add(key);
        out.push({
            id: String(e.id),
            package: String(e.package),
            reason: String(e.reason),
            reviewer: String(e.reviewer),
            expires: String(e.expires),
        });
    });
    if (problems.length) throw new AuditInputError(`audit-allowlist.json is invalid:\n  ${problems.join("\n  ")}`);
    return out;
}

/** An entry is live through its expiry day (UTC). */
export function isExpired(entry: AllowlistEntry, now: Date): boolean {
    return (parseDate(entry.expires)?.getTime() ?? 0) < today(now);
}

export function evaluate(findings: Finding[], allowlist: AllowlistEntry[], level: Severity, now: Date): GateResult {
    const expired = allowlist.filter((e) => isExpired(e, now));
    const live = allowlist.filter((e) => !isExpired(e, now));
    const used = new Set<AllowlistEntry>();
    const result: GateResult = { blocking: [], allowed: [], below: [], expired, unused: [], passed: false };
    for (const f of findings) {
        if (rank(f.severity) < rank(level)) {
            result.below.push(f);
            continue;
        }
        const entry = live.find((e) => e.id.toLowerCase() === f.id.toLowerCase() && e.package === f.package);
        if (entry) {
            used.add(entry);
            result.allowed.push({ finding: f, entry });
        } else result.blocking.push(f);
    }
    result.unused = live.filter((e) => !used.has(e));
    result.passed = result.blocking.length === 0 && expired.length === 0;
    return result;
}

/** The gate's report, one line per decision; the caller prints it. */
export function format(result: GateResult, level: Severity): string[] {
    const lines: string[] = [];
    const show = (f: Finding) =>
        `${f.severity.toUpperCase()} ${f.package} ${f.range} ${f.id} ${f.title} (${f.url || "no url"}); ${f.fix}; in ${f.nodes.join(", ") || "?"}`;
    for (const f of result.blocking) lines.push(`BLOCKING  ${show(f)}`);
    for (const e of result.expired)
        lines.push(
            `EXPIRED   allowlist entry ${e.id} on ${e.package} expired ${e.expires} (reviewer ${e.reviewer}): renew it after a new review, or remove it`,
        );
    for (const { finding, entry } of result.allowed)
        lines.push(`ALLOWED   ${show(finding)}; until ${entry.expires} by ${entry.reviewer}: ${entry.reason}`);
    for (const e of result.unused)
        lines.push(`UNUSED    allowlist entry ${e.id} on ${e.package} matches no finding: remove it`);
    if (result.below.length)
        lines.push(
            `below ${level}: ${result.below.length} advisories (${result.below.map((f) => `${f.package} ${f.id} ${f.severity}`).join(", ")})`,
        );
    lines.push(
        result.passed
            ? `audit gate: passed (${result.blocking.length} blocking, ${result.allowed.length} allowed, level ${level})`
            : `audit gate: FAILED (${result.blocking.length} blocking at ${level} or above, ${result.expired.length} expired allowlist entries)`,
    );
    return lines;
}
