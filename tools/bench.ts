import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import type { CheckResult } from "./check";

/**
 * `npm run bench`: times `npm run check` as a user runs it (a fresh process per run, pack included)
 * for dev, prod and synthetic prod configs with many teams, and prints a markdown table for the
 * README: wall seconds, ms per resource, the policy pack's share, and the marginal cost per added
 * resource (linear scaling means the marginal cost stays flat as the stack grows).
 *
 *   npm run bench [-- --teams 50,150] [--runs 1]
 */

const ROOT = path.resolve(__dirname, "..");
const TARGET_PROD_SECONDS = 15;
const TARGET_POLICY_SHARE = 0.2;
/** Peak resident memory (check process + pack process) for a stack of MEMORY_TARGET_RESOURCES resources. */
const TARGET_PEAK_RSS_MB = 1024;
const MEMORY_TARGET_RESOURCES = 3000;

interface Scenario {
    label: string;
    stack: string;
    configFile?: string;
}

interface Measurement {
    scenario: Scenario;
    wallMs: number;
    result: CheckResult;
}

function parse(argv: string[]): { teams: number[]; runs: number } {
    const opts = { teams: [50, 150], runs: 1 };
    for (let i = 0; i < argv.length; i++) {
        if (argv[i] === "--teams") opts.teams = argv[++i].split(",").map(Number).filter((n) => n > 0);
        else if (argv[i] === "--runs") opts.runs = Math.max(1, Number(argv[++i]));
        else throw new Error(`unknown argument ${argv[i]} (use --teams 50,150 --runs 1)`);
    }
    return opts;
}

/** Pulumi.prod.yaml with `count` teams: the configured ones plus generated ones, each with its own role and quota. */
function syntheticTeams(count: number, dir: string): string {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as { config: Record<string, any> };
    const teams = [...(doc.config["platform:teams"] as any[])];
    const account = (doc.config["aws:allowedAccountIds"] as string[])[0];
    for (let i = teams.length; i < count; i++) {
        const name = `team-${String(i).padStart(3, "0")}`;
        teams.push({
            name,
            developersGroup: `${name}-developers`,
            developerRoleArns: [`arn:aws:iam::${account}:role/${name}-developer`],
            quota: { requestsCpu: "2", requestsMemory: "4Gi", limitsCpu: "4", limitsMemory: "8Gi", pods: 20 },
        });
    }
    doc.config["platform:teams"] = teams;
    const file = path.join(dir, `Pulumi.prod-${count}-teams.yaml`);
    fs.writeFileSync(file, YAML.stringify(doc));
    return file;
}

function runCheck(s: Scenario, jsonFile: string): Promise<Measurement> {
    const args = ["-r", "ts-node/register/transpile-only", "tools/check.ts", "--stack", s.stack, "--quiet", "--no-color", "--json", jsonFile];
    if (s.configFile) args.push("--config-file", s.configFile);
    const start = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, NO_COLOR: "1" } });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("close", (code) => {
            const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
            if (!fs.existsSync(jsonFile)) return reject(new Error(`${s.label}: check wrote no result (exit ${code})\n${out}`));
            const result = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as CheckResult;
            if (result.error) return reject(new Error(`${s.label}: check failed (exit ${code}): ${result.error.message}`));
            resolve({ scenario: s, wallMs, result });
        });
    });
}

const sec = (ms: number) => (ms / 1000).toFixed(1);
const peak = (m: Measurement) => (m.result.memory ? m.result.memory.checkPeakRssMb + (m.result.memory.packPeakRssMb ?? 0) : undefined);
const rss = (m: Measurement) => (m.result.memory ? `${m.result.memory.checkPeakRssMb} + ${m.result.memory.packPeakRssMb ?? "?"}` : "n/a");
const pct = (x: number) => `${(x * 100).toFixed(0)} %`;

function median(ms: Measurement[]): Measurement {
    const sorted = [...ms].sort((a, b) => a.wallMs - b.wallMs);
    return sorted[Math.floor(sorted.length / 2)];
}

/** y = intercept + slope·x over the points; r² says how well a straight line explains them. */
function leastSquares(points: number[][]): { slope: number; intercept: number; r2: number } | undefined {
    const n = points.length;
    if (n < 2) return undefined;
    const mx = points.reduce((a, [x]) => a + x, 0) / n;
    const my = points.reduce((a, [, y]) => a + y, 0) / n;
    const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
    if (sxx === 0) return undefined;
    const slope = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
    const intercept = my - slope * mx;
    const ssTot = points.reduce((a, [, y]) => a + (y - my) ** 2, 0);
    const ssRes = points.reduce((a, [x, y]) => a + (y - intercept - slope * x) ** 2, 0);
    return { slope, intercept, r2: ssTot === 0 ? 1 : 1 - ssRes / ssTot };
}

/** Peak RSS of the largest stack measured, against the target for MEMORY_TARGET_RESOURCES resources. */
function memoryLine(rows: Measurement[]): string {
    const largest = [...rows].sort((a, b) => b.result.resources.length - a.result.resources.length)[0];
    const mb = largest ? peak(largest) : undefined;
    if (!largest || mb === undefined) return "Memory: n/a (no peak RSS reported).";
    const n = largest.result.resources.length;
    const verdict = n >= MEMORY_TARGET_RESOURCES ? (mb < TARGET_PEAK_RSS_MB ? "met" : "MISSED") : `not reached: add teams until a row has ${MEMORY_TARGET_RESOURCES} resources`;
    return `Memory: ${largest.scenario.label} (${n} resources) peaks at ${mb} MiB (check + pack processes; target < ${TARGET_PEAK_RSS_MB} MiB at ${MEMORY_TARGET_RESOURCES.toLocaleString("en-US")} resources: ${verdict}).`;
}

async function main() {
    const opts = parse(process.argv.slice(2));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bench-"));
    const scenarios: Scenario[] = [
        { label: "dev", stack: "dev" },
        { label: "prod", stack: "prod" },
        ...opts.teams.map((n) => ({ label: `prod + ${n} teams`, stack: "prod", configFile: syntheticTeams(n, dir) })),
    ];
    const rows: Measurement[] = [];
    try {
        for (const s of scenarios) {
            const runs: Measurement[] = [];
            for (let i = 0; i < opts.runs; i++) {
                process.stderr.write(`bench: ${s.label} (run ${i + 1}/${opts.runs})...\n`);
                runs.push(await runCheck(s, path.join(dir, `result-${rows.length}-${i}.json`)));
            }
            rows.push(median(runs));
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }

    const lines = [
        `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(" / ")} at the end; ${opts.runs} run(s) per row (median).`,
        "",
        "| Scenario | Resources | Wall s | Check s | Program s | Pack wait s | Policy s | of which AnalyzeStack s | ms / resource | Policy share | Peak RSS MiB (check + pack) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    for (const m of rows) {
        const t = m.result.timings;
        const n = m.result.resources.length;
        lines.push(
            `| ${m.scenario.label} | ${n} | ${sec(m.wallMs)} | ${sec(t.totalMs)} | ${sec(t.programMs)} | ${sec(t.packWaitMs)} | ${sec(t.policyMs)} | ${sec(t.analyzeStackMs)} | ${(t.totalMs / n).toFixed(1)} | ${pct(t.policyMs / t.totalMs)} | ${rss(m)} |`,
        );
    }
    // Linearity: the work that grows with the stack (program + policy; startup and the overlapped pack
    // compile are fixed) fitted by least squares over the prod family, plus the marginal cost per step.
    const prodRows = rows.filter((m) => m.scenario.stack === "prod").sort((a, b) => a.result.resources.length - b.result.resources.length);
    const work = (m: Measurement) => m.result.timings.programMs + m.result.timings.policyMs;
    const marginal: string[] = [];
    for (let i = 1; i < prodRows.length; i++) {
        const [a, b] = [prodRows[i - 1], prodRows[i]];
        const dn = b.result.resources.length - a.result.resources.length;
        if (dn > 0) marginal.push(`${a.scenario.label} → ${b.scenario.label}: ${((work(b) - work(a)) / dn).toFixed(1)} ms per added resource (${dn} added)`);
    }
    const fit = leastSquares(prodRows.map((m) => [m.result.resources.length, work(m)]));
    const prod = rows.find((m) => m.scenario.label === "prod")!;
    const share = prod.result.timings.policyMs / prod.result.timings.totalMs;
    lines.push(
        "",
        `Scaling (program + policy, prod family): ${fit ? `${sec(fit.intercept)} s fixed + ${fit.slope.toFixed(1)} ms per resource, r² ${fit.r2.toFixed(2)}` : "n/a"}; marginal: ${marginal.join("; ") || "n/a (the synthetic teams added no resources)"}.`,
        `Targets: prod wall ${sec(prod.wallMs)} s (target < ${TARGET_PROD_SECONDS} s: ${prod.wallMs < TARGET_PROD_SECONDS * 1000 ? "met" : "MISSED"}); ` +
            `policy share ${pct(share)} (target < ${pct(TARGET_POLICY_SHARE)}: ${share < TARGET_POLICY_SHARE ? "met" : "MISSED"}).`,
        memoryLine(rows),
        "Wall = the whole process (Node + ts-node start, program, pack); Check = inside the tool. The pack compiles (type-checked, as under the CLI) and " +
            "analyzes each resource while the program runs; Pack wait = time the finished program still waited for the pack to listen; Policy = from then to " +
            "the verdict (remaining Analyze calls + AnalyzeStack); Policy share = Policy / Check, the time the policy pack adds to the check.",
    );
    console.log(lines.join("\n"));
}

main().catch((e) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(1);
});
