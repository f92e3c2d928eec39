import * as fs from "fs";
import * as path from "path";
import { spawnSync } from "child_process";
import { parseArgs } from "util";
import { AuditInputError, evaluate, format, isSeverity, parseAllowlist, parseReport, type Severity } from "./lib/audit";

/**
 * `npm run audit-gate`: the dependency-audit gate of the PR pipelines (Jenkins and GitHub Actions).
 * Runs `npm audit --json` over production AND dev dependencies (the pipelines execute dev tooling with the
 * deploy role's credentials), or reads a saved report, and fails on a high/critical advisory that the reviewed
 * allowlist (`audit-allowlist.json`) does not cover, or on an expired allowlist entry.
 *
 * Exit: 0 passed · 1 blocking finding or expired entry · 2 the audit could not run or an input is malformed
 * (fail closed: an unreachable registry never passes the gate) · 64 usage.
 */

const ROOT = path.resolve(__dirname, "..");
const USAGE = `usage: npm run audit-gate -- [--report <npm-audit.json>] [--allowlist <file>] [--level high|critical|moderate|low] [--json <out>]
  --report     read a saved \`npm audit --json\` report instead of running npm audit
  --allowlist  default: audit-allowlist.json at the repository root
  --level      lowest severity that blocks (default: high)
  --json       also write the decision as JSON`;

function main(argv: string[]): number {
    let values: { report?: string; allowlist?: string; level?: string; json?: string; help?: boolean };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                report: { type: "string" },
                allowlist: { type: "string", default: path.join(ROOT, "audit-allowlist.json") },
                level: { type: "string", default: "high" },
                json: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
            allowPositionals: false,
        }));
    } catch (e) {
        console.error(`${(e as Error).message}\n${USAGE}`);
        return 64;
    }
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    const level = values.level as string;
    if (!isSeverity(level) || level === "info") {
        console.error(`--level ${JSON.stringify(level)}: allowed are low, moderate, high, critical\n${USAGE}`);
        return 64;
    }
    try {
        const now = new Date();
        const allowlist = parseAllowlist(readJson(values.allowlist as string, "allowlist"), now);
        const report = values.report ? readJson(values.report, "audit report") : runNpmAudit(level as Severity);
        const result = evaluate(parseReport(report), allowlist, level as Severity, now);
        for (const line of format(result, level as Severity)) console.log(line);
        if (values.json) fs.mkdirSync(path.dirname(path.resolve(values.json)), { recursive: true });
        if (values.json) fs.writeFileSync(values.json, JSON.stringify({ level, ...result }, null, 2) + "\n");
        return result.passed ? 0 : 1;
    } catch (e) {
        if (e instanceof AuditInputError) {
            console.error(`audit gate: cannot decide: ${e.message}`);
            return 2;
        }
        throw e;
    }
}

function readJson(file: string, what: string): unknown {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new AuditInputError(`cannot read the ${what} ${file}: ${(e as Error).message}`);
    }
    try {
        return JSON.parse(text);
    } catch (e) {
        throw new AuditInputError(`the ${what} ${file} is not JSON: ${(e as Error).message}`);
    }
}

/** `npm audit --json` exits 1 when it finds anything: the gate decides from the JSON, not from npm's exit code. */
function runNpmAudit(level: Severity): unknown {
    const r = spawnSync("npm", ["audit", "--json", `--audit-level=${level}`, "--include=prod", "--include=dev"], {
        cwd: ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw new AuditInputError(`npm audit could not start: ${r.error.message}`);
    try {
        return JSON.parse(r.stdout);
    } catch {
        throw new AuditInputError(
            `npm audit printed no JSON (exit ${r.status}): ${(r.stderr || r.stdout).trim().split("\n").slice(-3).join(" | ")}`,
        );
    }
}

process.exitCode = main(process.argv.slice(2));
