import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { CapturedResource, PROJECT_NAME, PROJECT_ROOT, readStackConfig, runProgram, stackFrame } from "../lib/engine";
import { OPAQUE_TYPE_PATTERNS } from "../lib/contract";
import { Diagnostic, Level, Pack, PackConfig, PolicySummary, ResourceInput, startPack } from "./lib/analyzer";
import { PolicyError, PolicyFailure, PolicySession } from "./lib/check-policy";
import { CheckArgs, DEFAULT_TIMEOUT_S, EXIT, ExitCode, parseArgs, USAGE, UsageError } from "./lib/check-args";
import { BaseRefError, resolveBase, withBaseWorktree } from "./lib/base-worktree";
import { CheckDiff, diffResults, newBlocking, redact, renderDiff, renderDiffMarkdown } from "./lib/check-diff";
import { buildSarif } from "./lib/check-sarif";
import { colorEnabled, progress, style, Style } from "./lib/check-term";
import { buildTree, renderTree } from "./lib/check-tree";
import { CostEstimate, estimateCost, renderCost } from "./lib/cost";
import {
    beforeDeadline,
    DeadlineExceeded,
    describePending,
    PendingOutputs,
    PendingResource,
    PROGRAM_HANG_HINT,
    RegistrationTracker,
} from "./lib/watchdog";

/**
 * `npm run check -- --stack <name>`: the offline preview and policy gate. Runs the real program
 * under the shared Pulumi mocks (provider-like ids, ARNs and endpoints), prints what the stack
 * declares, sends every resource to the policy pack over the analyzer gRPC protocol exactly as the
 * Pulumi CLI does (Configure, Analyze per resource, AnalyzeStack), and exits non-zero on a
 * mandatory violation. No cloud credentials, no backend, no Pulumi CLI.
 */

export interface CheckOptions extends CheckArgs {
    /** Config values layered over the stack file (bench: synthetic team counts). */
    overrides?: Record<string, unknown>;
    /** Show progress on stderr (default: when stderr is a terminal). */
    progress?: boolean;
    /** An already started pack (tests, bench): reconfigured for this run and left running. */
    pack?: Pack;
    /** Stop cleanly on SIGINT/SIGTERM (the CLI; in-process callers keep their own handlers). */
    handleSignals?: boolean;
    /**
     * The checkout whose program and stack config are checked (default: this repository). --base points it at
     * a temporary worktree of the base commit; the policy pack and its config are always this repository's.
     */
    root?: string;
}

/** What the check reports of each captured resource: the engine's view, without mock state or ids. */
export type CheckedResource = Pick<
    CapturedResource,
    | "type"
    | "name"
    | "urn"
    | "parent"
    | "custom"
    | "remote"
    | "protect"
    | "inputs"
    | "dependencies"
    | "propertyDependencies"
> & {
    /** Repository-relative file and line of the registration call (the SDK's sourcePosition). */
    source?: { file: string; line: number };
};

export interface Violation {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    enforcementLevel: Level;
    /** What to change, without the policy description. */
    message: string;
    description: string;
    urn: string;
    resourceType: string;
    resourceName: string;
    /** Repository-relative file declaring the resource, and the line. */
    file: string;
    line: number;
}

export interface CheckResult {
    exitCode: ExitCode;
    stack: string;
    project: string;
    program: string;
    configFile: string;
    policyPack: { dir: string; name: string; version: string; config: string | null };
    resources: CheckedResource[];
    violations: Violation[];
    /**
     * What offline cannot see inside: remote components (eks:index:*) and provider-rendered charts and
     * manifests register their inputs only; their children exist only in a real preview.
     */
    opaque: { urn: string; type: string; name: string; reason: string }[];
    /** Policies that threw instead of judging (exit 4); every other result is still reported. */
    policyErrors: (PolicyFailure & { file: string; line: number })[];
    policies: { name: string; description: string; enforcementLevel: Level; policyType: string }[];
    /**
     * programMs: the program under mocks (Analyze calls run meanwhile); packStartMs: spawn to listening
     * (overlapped); packWaitMs: time the finished program still waited for the pack to start;
     * policyMs: from then to the verdict (remaining Analyze calls + AnalyzeStack); totalMs: the whole check.
     */
    timings: {
        programMs: number;
        packStartMs: number;
        packWaitMs: number;
        policyMs: number;
        analyzeStackMs: number;
        totalMs: number;
    };
    error?: { kind: FailureKind; message: string };
    /**
     * Set when the check stopped before its verdict (--timeout, a signal): the violations above are the
     * verdicts reached so far, not a pass. Absent on a complete run.
     */
    incomplete?: {
        reason: string;
        /** The program's resources and component outputs still waiting for a value (program timeout). */
        pending?: { resources: PendingResource[]; outputs: PendingOutputs[] };
        /** Policy calls in progress when the check stopped (policy timeout), oldest first. */
        running?: { policy: string; urn: string; type: string; seconds: number }[];
        /** URNs the pack had not finished analyzing. */
        notAnalyzed?: string[];
    };
    /** Peak resident memory in MiB: this process (program, tools) and the policy pack process (Linux only). */
    memory?: { checkPeakRssMb: number; packPeakRssMb?: number };
    /** Estimated monthly cost of what the program declared (tools/lib/cost.ts); absent when the program did not finish. */
    cost?: CostEstimate;
    /** With --base: what this change does against the base commit (tools/lib/check-diff.ts). */
    diff?: CheckDiff;
}

interface Io {
    out(line: string): void;
    err(line: string): void;
}

const stdio: Io = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) };

type FailureKind = "config" | "program" | "pack" | "usage" | "interrupted";

/** A failure with its exit code, raised inside runCheck and reported once by it. */
class CheckFailure extends Error {
    constructor(
        readonly kind: FailureKind,
        message: string,
        readonly code?: ExitCode,
    ) {
        super(message);
    }
}

const CODE = {
    config: EXIT.config,
    program: EXIT.program,
    pack: EXIT.pack,
    usage: EXIT.usage,
    interrupted: EXIT.interrupted,
} as const;

class Interrupted extends Error {
    constructor(readonly signal: NodeJS.Signals) {
        super(`interrupted by ${signal}`);
    }
}

/** A promise that rejects on the first SIGINT/SIGTERM; a second one exits at once (the pack exits with its parent). */
function interruption(enabled: boolean): { promise: Promise<never>; dispose(): void } {
    let fire: (signal: NodeJS.Signals) => void = () => undefined;
    const promise = new Promise<never>((_, reject) => (fire = (signal) => reject(new Interrupted(signal))));
    promise.catch(() => undefined);
    if (!enabled) return { promise, dispose: () => undefined };
    let count = 0;
    const onSignal = (signal: NodeJS.Signals) => {
        if (++count > 1) process.exit(signal === "SIGINT" ? EXIT.interrupted : EXIT.terminated);
        fire(signal);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    return {
        promise,
        dispose: () => {
            process.off("SIGINT", onSignal);
            process.off("SIGTERM", onSignal);
        },
    };
}

/** `p` relative to `root` (the repository, or the base commit's worktree for --base), with forward slashes. */
const relTo = (root: string, p: string) => path.relative(root, path.resolve(root, p)).split(path.sep).join("/");
const rel = (p: string) => relTo(PROJECT_ROOT, p);

/** The Pulumi project in `dir` (relative to the repository root): its name and main program. */
function readProject(root: string, dir: string): { name: string; main: string } {
    const file = path.join(root, dir, "Pulumi.yaml");
    if (!fs.existsSync(file))
        throw new CheckFailure("config", `no Pulumi.yaml in ${relTo(root, path.join(root, dir)) || "."}`);
    const doc = (YAML.parse(fs.readFileSync(file, "utf8")) ?? {}) as { name?: string; main?: string };
    if (!doc.name) throw new CheckFailure("config", `${relTo(root, file)} has no project name`);
    return { name: doc.name, main: path.join(dir, doc.main ?? "index.ts") };
}

function stackConfigFile(root: string, args: CheckOptions): string {
    const dir = args.project ?? ".";
    const file = args.configFile ?? path.join(dir, `Pulumi.${args.stack}.yaml`);
    if (!fs.existsSync(path.resolve(root, file))) {
        const stacks = fs
            .readdirSync(path.join(root, dir))
            .filter((f) => /^Pulumi\.[^.]+\.yaml$/.test(f))
            .map((f) => f.slice(7, -5));
        throw new CheckFailure(
            "config",
            `no stack config ${file}${args.configFile ? "" : ` (stacks here: ${stacks.join(", ") || "none"})`}`,
        );
    }
    return relTo(root, file);
}

export function readPolicyConfig(args: CheckOptions): { file: string | null; config: PackConfig } {
    // Each pack keeps its per-stack config beside it (policy/config/<stack>.json for the project's pack).
    const file = args.policyConfig ?? path.join(args.policyPack ?? "policy", "config", `${args.stack}.json`);
    const abs = path.resolve(PROJECT_ROOT, file);
    if (!fs.existsSync(abs)) {
        if (args.policyConfig) throw new CheckFailure("config", `no policy config file ${args.policyConfig}`);
        return { file: null, config: {} };
    }
    try {
        const config = JSON.parse(fs.readFileSync(abs, "utf8")) as unknown;
        if (!config || typeof config !== "object" || Array.isArray(config))
            throw new Error("must be a JSON object of policy name → level or settings");
        return { file: rel(file), config: config as PackConfig };
    } catch (e) {
        throw new CheckFailure("config", `invalid policy config ${rel(file)}: ${(e as Error).message}`);
    }
}

/**
 * Validates the stack's `platform:*` config exactly as the program's first line does, before any
 * process is started: a config error exits 2 in milliseconds.
 */
function validateStackConfig(
    root: string,
    stack: string,
    configFile: string,
    overrides?: Record<string, unknown>,
): { region?: string; costAssumptions?: Record<string, number>; firstDeploy?: string } {
    const { ConfigError, firstDeploySummary, loadConfig } = require(
        path.join(root, "config.ts"),
    ) as typeof import("../config");
    let values: Record<string, string>;
    try {
        values = readStackConfig(stack, path.resolve(root, configFile), overrides);
    } catch (e) {
        throw new CheckFailure("config", `cannot read ${configFile}: ${(e as Error).message}`);
    }
    pulumi.runtime.setAllConfig(values, []);
    try {
        const config = loadConfig();
        return {
            region: values["aws:region"],
            costAssumptions: config.costAssumptions,
            firstDeploy: firstDeploySummary(config),
        };
    } catch (e) {
        if (e instanceof ConfigError || (e as Error).name === "ConfigError")
            throw new CheckFailure("config", (e as Error).message);
        throw e;
    }
}

/** The engine never sends class instances: plain JSON, with resources referenced by URN. */
function plain(v: unknown): unknown {
    if (v === null || typeof v !== "object") return v;
    if (Array.isArray(v)) return v.map(plain);
    if (pulumi.Resource.isInstance(v)) return "[resource reference]";
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plain(x);
    return out;
}

function toChecked(root: string, r: CapturedResource): CheckedResource {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        parent: r.parent,
        custom: r.custom,
        remote: r.remote,
        protect: r.protect,
        inputs: plain(r.inputs) as Record<string, unknown>,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
        source: r.source ? { file: relTo(root, r.source.file), line: r.source.line } : undefined,
    };
}

/**
 * Where a violation points: the registration call of the resource (the SDK's sourcePosition), else of
 * its nearest ancestor that has one (remote children), else the stack config (stack-level results).
 */
function locate(urn: string, byUrn: Map<string, CheckedResource>, configFile: string): { file: string; line: number } {
    for (let r = byUrn.get(urn); r; r = r.parent ? byUrn.get(r.parent) : undefined) if (r.source) return r.source;
    return { file: configFile, line: 1 };
}

/** Runs the program, capturing every resource; unhandled rejections during the run count as program errors, never a silent pass. */
async function collect(
    root: string,
    args: CheckOptions,
    projectName: string,
    program: string,
    configFile: string,
    resources: CheckedResource[],
    onResource: (r: CheckedResource) => void,
): Promise<CheckedResource[]> {
    const stray: unknown[] = [];
    const onStray = (e: unknown) => stray.push(e);
    process.on("unhandledRejection", onStray);
    try {
        await runProgram(args.stack, {
            project: projectName,
            program: path.resolve(root, program),
            configFile: path.resolve(root, configFile),
            overrides: args.overrides,
            onResource: (captured) => {
                const r = toChecked(root, captured);
                resources.push(r);
                onResource(r);
            },
        });
        // Let rejections raised in the last apply callbacks surface before judging the run.
        await new Promise((r) => setImmediate(r));
        if (stray.length > 0) throw stray[0];
        return resources;
    } catch (e) {
        const err = e as Error;
        if (err?.name === "ConfigError") throw new CheckFailure("config", err.message);
        const frame = err?.stack
            ?.split("\n")
            .find(
                (l) =>
                    l.includes(root) &&
                    !l.includes("node_modules") &&
                    !l.includes(`${path.sep}lib${path.sep}engine${path.sep}`),
            );
        const at = frame ? stackFrame(frame) : undefined;
        const where = at ? `at ${relTo(root, at.file)}:${at.line}:${at.column}` : frame?.trim();
        throw new CheckFailure(
            "program",
            `${program} threw: ${err?.message ?? String(e)}${where ? `\n    ${where}` : ""}`,
        );
    } finally {
        process.off("unhandledRejection", onStray);
    }
}

/** What the engine sends the pack for a registered resource (Analyze and AnalyzeStack). */
export function toInput(r: CheckedResource): ResourceInput {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        // Inputs, as in a preview: outputs of resources not yet created are not known to the engine either.
        props: r.inputs,
        parent: r.parent || undefined,
        protect: r.protect,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
    };
}

/** Resources whose children only a real preview sees: remote components and provider-rendered charts/manifests. */
export function opaqueResources(resources: CheckedResource[]): CheckResult["opaque"] {
    return resources
        .filter((r) => r.remote || OPAQUE_TYPE_PATTERNS.some((p) => p.test(r.type)))
        .map((r) => ({
            urn: r.urn,
            type: r.type,
            name: r.name,
            reason: r.remote
                ? "remote component: its provider creates the children; the pack judges its inputs only"
                : "rendered by the provider (no hooks for Chart v4): the pack judges its inputs only",
        }));
}

/** What `pulumi preview` with the pack checks beyond this tool. */
export const PREVIEW_ALSO = [
    "the children of the components listed above (cluster, node groups, chart objects) against every resource policy",
    "provider validation of inputs (names, enum values, conflicting arguments) and the real state diff (replacements, drift)",
    "outputs that are unknown until creation; the pack treats them as advisory offline",
    "remediations (enforcementLevel remediate) applied to the planned inputs",
];

function stripDescription(d: Diagnostic): string {
    if (d.description && d.message.startsWith(`${d.description}\n`))
        return d.message.slice(d.description.length + 1).trim();
    return d.message.trim();
}

const ORDER: Level[] = ["mandatory", "remediate", "advisory", "disabled"];

function printReport(io: Io, s: Style, result: CheckResult, verbose: boolean, quiet: boolean, packName: string) {
    const tree = buildTree(result.resources);
    if (!quiet) {
        io.out(
            `${s.bold(`${result.project} · ${result.stack}`)}  ${tree.resourceCount} resources in ${tree.componentCount} components ${s.dim(`(program ${result.program}, config ${result.configFile})`)}`,
        );
        for (const line of renderTree(tree, s, { verbose })) io.out(line);
        io.out("");
        if (result.cost) {
            for (const line of renderCost(result.cost, s, { verbose })) io.out(line);
            io.out("");
        }
    }
    const counts = new Map<Level, number>();
    for (const p of result.policies) counts.set(p.enforcementLevel, (counts.get(p.enforcementLevel) ?? 0) + 1);
    const levelSummary = ORDER.filter((l) => counts.get(l))
        .map((l) => `${counts.get(l)} ${l}`)
        .join(", ");
    io.out(
        `${s.bold("Policy")} ${packName}@${result.policyPack.version}: ${result.policies.length} policies (${levelSummary}) · ${result.resources.length} resources + stack analyzed ${s.dim(`(${result.policyPack.config ?? "no policy config file: pack defaults"})`)}`,
    );
    for (const level of ORDER) {
        const vs = result.violations.filter((v) => v.enforcementLevel === level);
        if (vs.length === 0) continue;
        const mark = level === "advisory" ? s.yellow("⚠") : s.red("✖");
        const policies = [...new Set(vs.map((v) => v.policyName))];
        io.out(
            `${(level === "advisory" ? s.yellow : s.red)(s.bold(level.toUpperCase()))} ${vs.length} violation${vs.length === 1 ? "" : "s"} of ${policies.length} polic${policies.length === 1 ? "y" : "ies"}`,
        );
        for (const name of policies) {
            const mine = vs.filter((v) => v.policyName === name);
            io.out(`  ${mark} ${s.bold(name)} ${s.dim(`— ${mine[0].description}`)}`);
            for (const v of mine) {
                io.out(`      ${v.urn || "(stack)"}`);
                io.out(`        ${v.message.split("\n").join("\n        ")} ${s.dim(`[${v.file}:${v.line}]`)}`);
            }
        }
    }
    if (result.policyErrors.length > 0) {
        io.out(
            `${s.red(s.bold("POLICY ERRORS"))} ${result.policyErrors.length} polic${result.policyErrors.length === 1 ? "y" : "ies"} threw instead of judging; each was disabled and every other policy still ran`,
        );
        for (const f of result.policyErrors) {
            io.out(
                `  ${s.red("✖")} ${s.bold(f.policyName)} on ${f.urn || "(stack)"} ${s.dim(`[${f.file}:${f.line}]`)}`,
            );
            io.out(`        ${f.message.split("\n").join("\n        ")}`);
        }
    }
    if (result.opaque.length > 0 && !quiet) {
        io.out(
            `${s.bold("Not visible offline")} ${result.opaque.length} opaque resource${result.opaque.length === 1 ? "" : "s"}; their inputs were judged, their children were not:`,
        );
        for (const o of result.opaque) io.out(`  ${s.dim("·")} ${o.name} ${s.dim(o.type)} — ${o.reason}`);
        io.out(`  A real \`pulumi preview --policy-pack policy\` also checks: ${PREVIEW_ALSO.join("; ")}.`);
    }
    const mandatory = result.violations.filter(
        (v) => v.enforcementLevel === "mandatory" || v.enforcementLevel === "remediate",
    ).length;
    const advisory = result.violations.length - mandatory;
    const t = result.timings;
    const timing = s.dim(
        `(${(t.totalMs / 1000).toFixed(1)} s: program ${(t.programMs / 1000).toFixed(1)} s, policy ${(t.policyMs / 1000).toFixed(1)} s)`,
    );
    if (result.policyErrors.length > 0)
        io.out(
            `${s.red(s.bold("ERROR"))} ${result.policyErrors.length} policy error${result.policyErrors.length === 1 ? "" : "s"}, ${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}${advisory ? `, ${advisory} advisory` : ""} ${timing}`,
        );
    else if (mandatory > 0)
        io.out(
            `${s.red(s.bold("FAIL"))} ${mandatory} mandatory violation${mandatory === 1 ? "" : "s"}${advisory ? `, ${advisory} advisory` : ""} ${timing}`,
        );
    else
        io.out(
            `${s.green(s.bold("PASS"))} no mandatory violations${advisory ? `, ${advisory} advisory` : ""} ${timing}`,
        );
}

/** Writes a report atomically (temp file + rename): a reader, or a Ctrl-C, never sees half a JSON. */
function writeFile(file: string, text: string) {
    const target = path.resolve(file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, target);
}

function toolVersion(): string {
    try {
        return (JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8")) as { version: string })
            .version;
    } catch {
        return "0.0.0";
    }
}

/** The whole check; never throws: every failure becomes an exit code and one message on stderr. */
export async function runCheck(args: CheckOptions, io: Io = stdio): Promise<CheckResult> {
    const t0 = Date.now();
    const root = args.root ?? PROJECT_ROOT;
    const s = style(colorEnabled(args.color));
    // Progress only on a terminal and never in a --quiet run (scripts read that output).
    const bar = args.progress === false || args.quiet ? progress({ isTTY: false } as NodeJS.WriteStream) : progress();
    const result: CheckResult = {
        exitCode: EXIT.pass,
        stack: args.stack,
        project: PROJECT_NAME,
        program: "",
        configFile: "",
        policyPack: { dir: rel(args.policyPack ?? "policy"), name: "", version: "", config: null },
        resources: [],
        violations: [],
        opaque: [],
        policyErrors: [],
        policies: [],
        timings: { programMs: 0, packStartMs: 0, packWaitMs: 0, policyMs: 0, analyzeStackMs: 0, totalMs: 0 },
    };
    const timeoutS = args.timeout ?? DEFAULT_TIMEOUT_S;
    const deadline = t0 + timeoutS * 1000;
    const signals = interruption(args.handleSignals ?? false);
    /** A phase of the check, bounded by the deadline and by Ctrl-C/SIGTERM. */
    const guard = <T>(work: Promise<T>) => Promise.race([beforeDeadline(work, deadline, timeoutS), signals.promise]);
    let packStart: Promise<Pack> | undefined;
    let startedPack: Pack | undefined;
    const packAbort = new AbortController();
    let uninstall: (() => void) | undefined;
    let session: PolicySession | undefined;

    const toViolations = (diagnostics: Diagnostic[]): Violation[] => {
        const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
        return diagnostics
            .filter((d) => d.enforcementLevel !== "disabled")
            .map((d) => {
                const r = byUrn.get(d.urn);
                const where = locate(d.urn, byUrn, result.configFile);
                return {
                    policyName: d.policyName,
                    policyPackName: d.policyPackName,
                    policyPackVersion: d.policyPackVersion,
                    enforcementLevel: d.enforcementLevel,
                    message: stripDescription(d),
                    description: d.description,
                    urn: d.urn,
                    resourceType: r?.type ?? "",
                    resourceName: r?.name ?? "",
                    file: where.file,
                    line: where.line,
                };
            })
            .sort(
                (a, b) =>
                    ORDER.indexOf(a.enforcementLevel) - ORDER.indexOf(b.enforcementLevel) ||
                    a.policyName.localeCompare(b.policyName) ||
                    a.urn.localeCompare(b.urn),
            );
    };
    /** Verdicts the pack reached before the check stopped: reported, marked incomplete. */
    const keepPartialVerdicts = async () => {
        if (!session) return;
        const partial = session.partial();
        const ready = await session.readyState();
        if (ready) {
            result.policyPack.name = ready.info.name;
            result.policyPack.version = ready.info.version;
            result.policies = ready.info.policies.map((p: PolicySummary) => ({
                name: p.name,
                description: p.description,
                enforcementLevel: ready.levels.get(p.name) ?? p.enforcementLevel,
                policyType: p.policyType,
            }));
        }
        result.violations = toViolations(partial.diagnostics);
        if (result.incomplete)
            result.incomplete.notAnalyzed = result.resources
                .map((r) => r.urn)
                .filter((u) => !partial.analyzedUrns.has(u));
    };
    const interrupted = (e: Interrupted) => {
        result.incomplete = { ...(result.incomplete ?? {}), reason: `interrupted by ${e.signal}` };
        return new CheckFailure(
            "interrupted",
            `interrupted by ${e.signal}: the policy pack was stopped; reports are marked incomplete`,
            e.signal === "SIGINT" ? EXIT.interrupted : EXIT.terminated,
        );
    };

    try {
        const project = readProject(root, args.project ?? ".");
        result.project = project.name;
        result.program = relTo(root, args.program ?? project.main);
        if (!fs.existsSync(path.resolve(root, result.program)))
            throw new CheckFailure("usage", `no program file ${result.program}`);
        result.configFile = stackConfigFile(root, args);
        // A --base that names no commit here is a usage error before anything runs.
        const baseCommit = args.base ? resolveBase(PROJECT_ROOT, args.base) : undefined;
        const policyConfig = readPolicyConfig(args);
        result.policyPack.config = policyConfig.file;
        // The root program's config is validated before the pack starts; another project (bootstrap/)
        // validates its own config as its program starts, which still exits 2.
        const stackConfig =
            project.name === PROJECT_NAME
                ? validateStackConfig(root, args.stack, result.configFile, args.overrides)
                : {};
        // Issues 16/17: the deploy phase and the first deploy's preconditions.
        if (stackConfig.firstDeploy && !args.quiet) io.out(stackConfig.firstDeploy);

        const packDir = path.resolve(PROJECT_ROOT, result.policyPack.dir);
        if (!fs.existsSync(packDir))
            throw new CheckFailure("pack", `no policy pack directory ${result.policyPack.dir}`);
        // The pack compiles (ts-node, type-checked, as under the CLI) while the program runs, and
        // analyzes each resource as the program registers it.
        const tPack = Date.now();
        bar.update("starting policy pack and running the program");
        packStart = (args.pack ? Promise.resolve(args.pack) : startPack(packDir, { signal: packAbort.signal })).then(
            (p) => {
                result.timings.packStartMs = Date.now() - tPack;
                startedPack = p;
                return p;
            },
        );
        packStart.catch(() => undefined); // judged by the session after the program; never an unhandled rejection
        let registered = 0;
        let analyzed = 0;
        const status = () =>
            bar.update(
                `running ${result.program} under mocks: ${registered} resources declared, ${analyzed} analyzed by the policy pack`,
            );
        const activeSession = new PolicySession(packStart, policyConfig.config, args.stack, project.name, (n) => {
            analyzed = n;
            if (registered > 0 && result.timings.programMs > 0)
                bar.update(`policy pack: ${n}/${registered} resources analyzed`);
            else status();
        });
        session = activeSession;

        const tProgram = Date.now();
        const tracker = new RegistrationTracker(root, args.stack, result.project);
        uninstall = tracker.install();
        const captured: CheckedResource[] = [];
        try {
            await guard(
                collect(root, args, result.project, result.program, result.configFile, captured, (r) => {
                    registered++;
                    tracker.captured(r.type, r.name);
                    status();
                    activeSession.submit(toInput(r));
                }),
            );
        } catch (e) {
            result.resources = captured;
            if (e instanceof Interrupted) throw interrupted(e);
            if (!(e instanceof DeadlineExceeded)) throw e;
            const resources = await tracker.pendingResources();
            const outputs = await tracker.pendingOutputs();
            result.incomplete = {
                reason: `the program did not finish within ${timeoutS} s (--timeout)`,
                pending: { resources, outputs },
            };
            // Registrations in the last seconds mean a big or slow run, not a stuck one: the advice differs.
            const progressing = tracker.recentCaptures(5_000) >= 20;
            const hint = progressing
                ? `The program was still registering resources when the time ran out (the last one ${((Date.now() - tracker.lastCaptureAt) / 1000).toFixed(1)} s before): raise --timeout for a stack this size.`
                : PROGRAM_HANG_HINT;
            throw new CheckFailure(
                "program",
                [
                    `${result.program} did not finish within ${timeoutS} s (--timeout); ${captured.length} resources were registered.`,
                    ...describePending(resources, outputs),
                    hint,
                ].join("\n"),
            );
        } finally {
            uninstall();
            uninstall = undefined;
        }
        result.resources = captured;
        result.timings.programMs = Date.now() - tProgram;
        result.opaque = opaqueResources(result.resources);
        result.cost = estimateCost(
            result.resources,
            stackConfig.region ??
                readStackConfig(args.stack, path.resolve(root, result.configFile), args.overrides)["aws:region"] ??
                "us-east-1",
            stackConfig.costAssumptions,
        );

        bar.update(`policy pack: ${analyzed}/${registered} resources analyzed, then the stack policies`);
        let verdict: Awaited<ReturnType<PolicySession["finish"]>>;
        try {
            verdict = await guard(
                activeSession.finish(result.resources.map(toInput)).catch((e) => {
                    throw e instanceof PolicyError ? new CheckFailure(e.kind, e.message) : e;
                }),
            );
        } catch (e) {
            if (e instanceof Interrupted) throw interrupted(e);
            if (!(e instanceof DeadlineExceeded)) throw e;
            const ready = await activeSession.readyState();
            const now = Date.now();
            const running = (ready?.pack.running() ?? []).map((r) => ({
                policy: r.policy,
                urn: r.urn,
                type: r.type,
                seconds: Math.round((now - r.sinceMs) / 1000),
            }));
            result.incomplete = { reason: `the policy pack did not return within ${timeoutS} s (--timeout)`, running };
            const stuck = running[0];
            throw new CheckFailure(
                "pack",
                stuck
                    ? `policy ${stuck.policy} did not return within ${timeoutS} s (--timeout) while evaluating ${stuck.urn} (${stuck.type}); it has been running ${stuck.seconds} s.` +
                      (running.length > 1
                          ? `\nAlso still running: ${running
                                .slice(1)
                                .map((r) => `${r.policy} on ${r.urn}`)
                                .join("; ")}`
                          : "") +
                      "\nThe verdicts reached so far are reported, marked incomplete."
                    : `the policy pack did not ${ready ? "finish" : "start"} within ${timeoutS} s (--timeout); no policy call was in progress.`,
            );
        }
        const { info, diagnostics, levels } = verdict;
        Object.assign(result.timings, verdict.timings);
        result.policyPack.name = info.name;
        result.policyPack.version = info.version;
        result.policies = info.policies.map((p: PolicySummary) => ({
            name: p.name,
            description: p.description,
            enforcementLevel: levels.get(p.name) ?? p.enforcementLevel,
            policyType: p.policyType,
        }));
        result.violations = toViolations(diagnostics);
        const byUrn = new Map(result.resources.map((r) => [r.urn, r]));
        result.policyErrors = verdict.failures.map((f) => ({ ...f, ...locate(f.urn, byUrn, result.configFile) }));
        const mandatory = result.violations.some(
            (v) => v.enforcementLevel === "mandatory" || v.enforcementLevel === "remediate",
        );
        // A policy that threw gave no verdict: the check cannot pass, whatever the others found.
        result.exitCode = result.policyErrors.length > 0 ? EXIT.pack : mandatory ? EXIT.violations : EXIT.pass;

        if (args.base) {
            bar.update(`checking ${args.base}: the same stack at the base commit`);
            const pack = await packStart;
            result.diff = await Promise.race([checkBase(args, baseCommit!, result, pack), signals.promise]);
            // --new-only: what the base already has is not this change's to fix.
            if (args.newOnly && result.exitCode === EXIT.violations && newBlocking(result.diff).length === 0)
                result.exitCode = EXIT.pass;
        }
    } catch (e) {
        const failure =
            e instanceof CheckFailure
                ? e
                : e instanceof BaseRefError // --base names no commit here, or it cannot be checked out
                  ? new CheckFailure("usage", e.message)
                  : e instanceof Interrupted
                    ? interrupted(e)
                    : new CheckFailure("program", `unexpected error: ${(e as Error)?.stack ?? String(e)}`);
        result.error = { kind: failure.kind, message: failure.message };
        result.exitCode = failure.code ?? CODE[failure.kind];
        if (result.incomplete) await keepPartialVerdicts().catch(() => undefined);
    } finally {
        uninstall?.();
        bar.done();
        // Read before the pack stops; a pack that never started has no figure (not waited for).
        const packPeak = startedPack?.peakRssMb();
        result.memory = { checkPeakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), packPeakRssMb: packPeak };
        // A pack still starting after a failure is stopped (not waited for): no orphaned analyzer process.
        if (result.error) packAbort.abort();
        if (packStart && !args.pack) await packStart.then((p) => p.stop()).catch(() => undefined);
        else if (packStart && result.incomplete?.running?.length)
            await packStart.then((p) => p.stop()).catch(() => undefined); // a shared pack stuck in a policy is useless
    }
    result.timings.totalMs = Date.now() - t0;

    if (result.error) {
        const label = {
            config: "config error",
            program: "program error",
            pack: "policy pack error",
            usage: "usage error",
            interrupted: "interrupted",
        }[result.error.kind];
        io.err(`${s.red(s.bold(`check: ${label}`))} ${result.error.message}`);
        if (result.incomplete && result.violations.length > 0) {
            io.err(
                s.yellow(
                    s.bold(
                        `INCOMPLETE: ${result.violations.length} violation${result.violations.length === 1 ? "" : "s"} reached before the check stopped (${result.incomplete.notAnalyzed?.length ?? "?"} resources not analyzed):`,
                    ),
                ),
            );
            for (const v of result.violations)
                io.err(
                    `  ${v.enforcementLevel} ${v.policyName} ${v.urn || "(stack)"}: ${v.message.split("\n")[0]} ${s.dim(`[${v.file}:${v.line}]`)}`,
                );
        }
        io.err(
            s.dim(
                `exit ${result.exitCode}; ${result.incomplete ? "the check is incomplete" : "no policy verdict was reached"}`,
            ),
        );
    } else {
        printReport(io, s, result, args.verbose, args.quiet, result.policyPack.name);
        if (result.diff) {
            io.out("");
            const lines = renderDiff(result.diff, s, { verbose: args.verbose });
            for (const line of args.quiet ? lines.filter((l) => !l.startsWith(" ")) : lines) io.out(line);
            if (args.newOnly)
                io.out(
                    result.exitCode === EXIT.pass
                        ? s.green(s.bold("PASS (--new-only): no new mandatory violations"))
                        : s.red(
                              s.bold(`FAIL (--new-only): ${newBlocking(result.diff).length} new mandatory violations`),
                          ),
                );
        }
    }
    if (args.json)
        writeFile(
            args.json,
            JSON.stringify(
                { ...result, resources: result.resources.map((r) => ({ ...r, inputs: redact(r.inputs) })) },
                null,
                2,
            ) + "\n",
        );
    if (args.sarif) {
        if (result.error) io.err(`check: ${args.sarif} not written: the check did not reach a complete policy verdict`);
        else
            writeFile(
                args.sarif,
                JSON.stringify(
                    buildSarif({
                        stack: result.stack,
                        toolVersion: toolVersion(),
                        packName: result.policyPack.name,
                        packVersion: result.policyPack.version,
                        policies: result.policies,
                        // With --base the SARIF carries what this change introduced: code scanning shows it on the PR.
                        violations: result.diff ? result.diff.violations.new : result.violations,
                        policyErrors: result.policyErrors,
                    }),
                    null,
                    2,
                ) + "\n",
            );
    }
    if (args.markdown) {
        if (result.diff) writeFile(args.markdown, renderDiffMarkdown(result.diff, result));
        else
            io.err(
                `check: ${args.markdown} not written: the check did not reach a verdict to compare with ${args.base}`,
            );
    }
    signals.dispose();
    return result;
}

/** A path given for the working tree, as the base worktree has it when the repository tracks it there. */
function inBase(baseRoot: string, p: string | undefined): string | undefined {
    if (p === undefined) return undefined;
    const abs = path.resolve(PROJECT_ROOT, p);
    const inside = path.relative(PROJECT_ROOT, abs);
    if (inside.startsWith("..") || path.isAbsolute(inside)) return abs; // outside the repository: the same file
    return fs.existsSync(path.join(baseRoot, inside)) ? inside : abs;
}

/**
 * The same check on the base commit: its program and stack config from a temporary worktree, this
 * checkout's pack (already running) and pack config, no reports of its own. A base that fails (a config
 * error, a program error) still gives a diff: everything in the working tree then counts as new.
 */
async function checkBase(args: CheckOptions, commit: string, head: CheckResult, pack: Pack): Promise<CheckDiff> {
    const silent: Io = { out: () => undefined, err: () => undefined };
    const base = await withBaseWorktree(PROJECT_ROOT, commit, (baseRoot) =>
        runCheck(
            {
                ...args,
                root: baseRoot,
                program: inBase(baseRoot, args.program),
                configFile: inBase(baseRoot, args.configFile),
                base: undefined,
                newOnly: false,
                json: undefined,
                sarif: undefined,
                markdown: undefined,
                quiet: true,
                progress: false,
                handleSignals: false,
                pack,
            },
            silent,
        ),
    );
    return diffResults(base, head, { ref: args.base!, commit });
}

export async function main(argv: string[], io: Io = stdio): Promise<number> {
    let args: CheckOptions;
    try {
        args = parseArgs(argv);
    } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        io.err(`check: ${e.message}\n`);
        io.err(USAGE);
        return EXIT.usage;
    }
    if (args.help) {
        io.out(USAGE);
        return EXIT.pass;
    }
    return (await runCheck({ ...args, handleSignals: true }, io)).exitCode;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e);
            process.exit(EXIT.program);
        },
    );
}
