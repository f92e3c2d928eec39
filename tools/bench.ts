import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseArgs } from "util";
import * as YAML from "yaml";
import type { CheckResult } from "./check";

/**
 * `npm run bench`: times `npm run check` as a user runs it (a fresh process per run, pack included)
 * for dev, prod and synthetic prod configs with many teams, and, in the same run, the bare Pulumi mock
 * runtime declaring the same number of resources with the same SDKs loaded (tools/bench-baseline.js, plain node).
 * Prints a markdown table for the README: wall and CPU seconds, the check/baseline ratio (target ≤ 2.0),
 * ms per resource, the policy pack's share, and the marginal cost per added resource (target ≤ 2 ms), in total and
 * net of what the bare runtime itself costs per added resource.
 * CPU time (check + its pack, summed from each process's own cpuUsage) is the figure that survives a
 * loaded machine; wall time is what a user waits.
 *
 *   npm run bench [-- --teams 100,300] [--runs 3]
 */

const ROOT = path.resolve(__dirname, "..");
const TARGET_RATIO = 2.0;
const TARGET_MARGINAL_MS = 2.0;
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
    /** User + system CPU of every process of the run (check and its pack, or the baseline). */
    cpuMs: number;
    result: CheckResult;
}

interface Baseline {
    wallMs: number;
    cpuMs: number;
    /**
     * Median over the runs of each run's check/baseline ratio. A check and its baseline run back to back, under the
     * same load, so the ratio of a pair is steadier than the ratio of the two medians on a shared machine.
     */
    ratioWall?: number;
    ratioCpu?: number;
}

function parse(argv: string[]): { teams: number[]; runs: number } {
    const { values } = parseArgs({
        args: argv,
        options: { teams: { type: "string", default: "100,300" }, runs: { type: "string", default: "3" } },
        strict: true,
        allowPositionals: false,
    });
    const teams = values.teams.split(",").map(Number);
    const runs = Number(values.runs);
    if (teams.some((n) => !Number.isInteger(n) || n <= 0))
        throw new Error(`--teams must be positive integers such as 100,300, got ${values.teams}`);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`);
    return { teams, runs };
}

const REGISTER = path.join(ROOT, "lib", "engine", "register.js");

/**
 * Spawns `node -r register.js <args>` (or plain `node <args>` for the baseline) and returns wall and summed CPU
 * time of it and its children.
 */
function timed(
    args: string[],
    label: string,
    preload = true,
): Promise<{ wallMs: number; cpuMs: number; code: number | null; out: string }> {
    const cpuFile = path.join(
        os.tmpdir(),
        `bench-cpu-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
    );
    const start = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, preload ? ["-r", REGISTER, ...args] : args, {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
            env: { ...process.env, NO_COLOR: "1", PLATFORM_BENCH_CPU_FILE: cpuFile },
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (out += d));
        child.on("error", reject);
        child.on("close", (code) => {
            const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
            const lines = fs.existsSync(cpuFile) ? fs.readFileSync(cpuFile, "utf8").trim().split("\n") : [];
            fs.rmSync(cpuFile, { force: true });
            const cpuMs = lines.reduce((a, l) => a + Number(l.split(" ")[1] ?? 0), 0);
            if (lines.length === 0) return reject(new Error(`${label}: no CPU figure recorded (exit ${code})\n${out}`));
            resolve({ wallMs, cpuMs, code, out });
        });
    });
}

async function runBaseline(count: number): Promise<Baseline> {
    const r = await timed(["tools/bench-baseline.js", String(count)], `baseline ${count}`, false);
    if (r.code !== 0) throw new Error(`baseline with ${count} resources failed (exit ${r.code})\n${r.out}`);
    return { wallMs: r.wallMs, cpuMs: r.cpuMs };
}

/** Pulumi.prod.yaml with `count` teams: the configured ones plus generated ones, each with its own role and quota. */
function syntheticTeams(count: number, dir: string): string {
    const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "Pulumi.prod.yaml"), "utf8")) as {
        config: Record<string, any>;
    };
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

async function runCheck(s: Scenario, jsonFile: string): Promise<Measurement> {
    const args = ["tools/check.ts", "--stack", s.stack, "--quiet", "--no-color", "--json", jsonFile];
    if (s.configFile) args.push("--config-file", s.configFile);
    const r = await timed(args, s.label);
    if (!fs.existsSync(jsonFile)) throw new Error(`${s.label}: check wrote no result (exit ${r.code})\n${r.out}`);
    const result = JSON.parse(fs.readFileSync(jsonFile, "utf8")) as CheckResult;
    if (result.error) throw new Error(`${s.label}: check failed (exit ${r.code}): ${result.error.message}`);
    return { scenario: s, wallMs: r.wallMs, cpuMs: r.cpuMs, result };
}

const sec = (ms: number) => (ms / 1000).toFixed(1);
const peak = (m: Measurement) =>
    m.result.memory ? m.result.memory.checkPeakRssMb + (m.result.memory.packPeakRssMb ?? 0) : undefined;
const rss = (m: Measurement) =>
    m.result.memory ? `${m.result.memory.checkPeakRssMb} + ${m.result.memory.packPeakRssMb ?? "?"}` : "n/a";

function median<T extends { wallMs: number }>(ms: T[]): T {
    const sorted = [...ms].sort((a, b) => a.wallMs - b.wallMs);
    return sorted[Math.floor(sorted.length / 2)];
}
const medianOf = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
    // Both processes count: a sum without the pack's figure would understate the peak.
    if (largest.result.memory?.packPeakRssMb === undefined)
        return `Memory: ${largest.scenario.label} (${n} resources): check process ${mb} MiB; the policy pack's peak was not reported, so the target is not judged.`;
    const verdict =
        n >= MEMORY_TARGET_RESOURCES
            ? mb < TARGET_PEAK_RSS_MB
                ? "met"
                : "MISSED"
            : `not reached: add teams until a row has ${MEMORY_TARGET_RESOURCES} resources`;
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
    const baselines = new Map<string, Baseline>();
    try {
        // Warm the compile cache once, so every measured run is a run where nothing changed.
        process.stderr.write("bench: warming the compile cache (check dev)...\n");
        await runCheck(scenarios[0], path.join(dir, "warm.json"));
        for (const s of scenarios) {
            const runs: Measurement[] = [];
            const base: Baseline[] = [];
            for (let i = 0; i < opts.runs; i++) {
                process.stderr.write(`bench: ${s.label} (run ${i + 1}/${opts.runs})...\n`);
                runs.push(await runCheck(s, path.join(dir, `result-${rows.length}-${i}.json`)));
                // The baseline runs right after, for the same resource count: both see the same machine load.
                base.push(await runBaseline(runs[i].result.resources.length));
            }
            rows.push(median(runs));
            baselines.set(s.label, {
                wallMs: medianOf(base.map((b) => b.wallMs)),
                cpuMs: medianOf(base.map((b) => b.cpuMs)),
                ratioWall: medianOf(runs.map((r, i) => r.wallMs / base[i].wallMs)),
                ratioCpu: medianOf(runs.map((r, i) => r.cpuMs / base[i].cpuMs)),
            });
            rows[rows.length - 1].cpuMs = medianOf(runs.map((r) => r.cpuMs));
            const m = rows[rows.length - 1];
            const b = baselines.get(s.label)!;
            // Each row as soon as it is measured: a later scenario that fails does not lose the earlier figures.
            process.stderr.write(
                `bench: ${s.label}: ${m.result.resources.length} resources, check ${sec(m.wallMs)} s wall / ${sec(m.cpuMs)} s CPU, baseline ${sec(b.wallMs)} s / ${sec(b.cpuMs)} s\n`,
            );
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }

    const lines = [
        `Machine: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? "cpu"}, Node ${process.version}, load average ${os
            .loadavg()
            .map((l) => l.toFixed(1))
            .join(
                " / ",
            )} at the end; ${opts.runs} run(s) per row: times are medians, ratios the median of each run's check/baseline pair; compile cache warm.`,
        "",
        "| Scenario | Resources | Check wall s | Baseline wall s | Ratio (wall) | Check CPU s | Baseline CPU s | Ratio (CPU) | Program s | Policy s | ms / resource (CPU) | Peak RSS MiB (check + pack) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ];
    for (const m of rows) {
        const t = m.result.timings;
        const n = m.result.resources.length;
        const b = baselines.get(m.scenario.label)!;
        lines.push(
            `| ${m.scenario.label} | ${n} | ${sec(m.wallMs)} | ${sec(b.wallMs)} | ${b.ratioWall!.toFixed(2)} | ${sec(m.cpuMs)} | ${sec(b.cpuMs)} | ${b.ratioCpu!.toFixed(2)} | ${sec(t.programMs)} | ${sec(t.policyMs)} | ${(m.cpuMs / n).toFixed(1)} | ${rss(m)} |`,
        );
    }
    // Marginal cost: CPU per added resource across the prod family (fixed start-up cost cancels out).
    const prodRows = rows
        .filter((m) => m.scenario.stack === "prod")
        .sort((a, b) => a.result.resources.length - b.result.resources.length);
    const marginal: string[] = [];
    let worst = 0;
    let worstOwn = 0;
    for (let i = 1; i < prodRows.length; i++) {
        const [a, b] = [prodRows[i - 1], prodRows[i]];
        const dn = b.result.resources.length - a.result.resources.length;
        if (dn <= 0) continue;
        const ms = (b.cpuMs - a.cpuMs) / dn;
        // The bare runtime's own cost per added resource, from its rows at the same two counts: what check adds on top.
        const sdk = (baselines.get(b.scenario.label)!.cpuMs - baselines.get(a.scenario.label)!.cpuMs) / dn;
        worst = Math.max(worst, ms);
        worstOwn = Math.max(worstOwn, ms - sdk);
        marginal.push(
            `${a.scenario.label} → ${b.scenario.label}: ${ms.toFixed(2)} ms CPU per added resource, of which the bare runtime ${sdk.toFixed(2)} ms and check's own ${(ms - sdk).toFixed(2)} ms (${dn} added)`,
        );
    }
    const fit = leastSquares(prodRows.map((m) => [m.result.resources.length, m.cpuMs]));
    const prod = rows.find((m) => m.scenario.label === "prod")!;
    const pb = baselines.get("prod")!;
    const ratioWall = pb.ratioWall!;
    const ratioCpu = pb.ratioCpu!;
    lines.push(
        "",
        `Ratio check --stack prod / bare mock runtime (${prod.result.resources.length} resources): wall ${ratioWall.toFixed(2)}, CPU ${ratioCpu.toFixed(2)} (target ≤ ${TARGET_RATIO.toFixed(1)}: ${ratioCpu <= TARGET_RATIO ? "met" : "MISSED"} on CPU, ${ratioWall <= TARGET_RATIO ? "met" : "MISSED"} on wall).`,
        `Scaling (CPU, prod family): ${fit ? `${sec(fit.intercept)} s fixed + ${fit.slope.toFixed(2)} ms per resource, r² ${fit.r2.toFixed(2)}` : "n/a"}; marginal: ${marginal.join("; ") || "n/a"}. Target ≤ ${TARGET_MARGINAL_MS} ms per added resource: ${marginal.length && worst <= TARGET_MARGINAL_MS ? "met" : "MISSED"} in total, ${marginal.length && worstOwn <= TARGET_MARGINAL_MS ? "met" : "MISSED"} for check's own share.`,
        memoryLine(rows),
        "Check = `node -r lib/engine/register.js tools/check.ts --stack <s> --quiet --json` as a separate process, its policy pack included; Baseline = `node tools/bench-baseline.js`, " +
            "the bare Pulumi mock runtime (plain node, none of the engine's changes) declaring the same number of resources with the same SDKs loaded. CPU = user + system of every process of the run.",
    );
    console.log(lines.join("\n"));
}

main().catch((e) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(1);
});
