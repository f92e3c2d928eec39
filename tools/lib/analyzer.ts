import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { fromJson, install as installStructCodec } from "../../lib/engine/struct-codec";
import Ajv from "ajv";

/**
 * Drives a CrossGuard policy pack over the analyzer gRPC protocol exactly as the Pulumi CLI does:
 * `node @pulumi/pulumi/cmd/run-policy-pack <engine-address> <pack-dir>` (cwd = the pack), which registers
 * ts-node with type-checking, loads the pack's `main`, and prints the port of its Analyzer server.
 * The engine address is only shifted off argv by run-policy-pack; logging goes to stderr.
 * Used by policy/test/analyzer.test.ts and the offline `npm run check`.
 */

export type Level = "advisory" | "mandatory" | "disabled" | "remediate";

export interface Diagnostic {
    policyName: string;
    policyPackName: string;
    policyPackVersion: string;
    description: string;
    /** Description + "\n" + the violation message, as the CLI prints it. */
    message: string;
    enforcementLevel: Level;
    urn: string;
}

export interface AnalyzeResult {
    diagnostics: Diagnostic[];
    notApplicable: { policyName: string; reason: string }[];
}

export interface PolicySummary {
    name: string;
    description: string;
    enforcementLevel: Level;
    /** JSON-schema `properties` of the policy's config (undefined when the policy takes none). */
    configSchema?: { properties: Record<string, any>; required: string[] };
    /** "resource" or "stack" (0/1 in the protocol). */
    policyType: "resource" | "stack" | "unknown";
}

export interface AnalyzerInfoSummary {
    name: string;
    version: string;
    supportsConfig: boolean;
    policies: PolicySummary[];
    /**
     * Levels and properties the pack sets in code (`new PolicyPack(name, args, initialConfig)`), as the CLI
     * decodes GetAnalyzerInfo's initialConfig: every entry carries a level, ADVISORY when the pack set only
     * properties (proto3 enums have no presence; sdk/go/common/resource/plugin/analyzer_plugin.go GetAnalyzerInfo
     * converts `v.GetEnforcementLevel()` unconditionally).
     */
    initialConfig: Record<string, PolicyConfigEntry>;
}

/** One policy's effective config: what Configure sends. */
export interface PolicyConfigEntry {
    enforcementLevel: Level;
    props: Record<string, unknown>;
}

export type ResolvedConfig = Record<string, PolicyConfigEntry>;

/** One resource as the engine describes it. `props` are inputs (Analyze) or outputs/state (AnalyzeStack). */
export interface ResourceInput {
    type: string;
    name: string;
    /** Defaults to urn:pulumi:<stack>::<project>::<type>::<name>. */
    urn?: string;
    props: Record<string, unknown>;
    parent?: string;
    protect?: boolean;
    /** URNs this resource depends on. */
    dependencies?: string[];
    /** Top-level input name → URNs it references. */
    propertyDependencies?: Record<string, string[]>;
    provider?: { type: string; name: string; urn: string; props: Record<string, unknown> };
}

/** Pack config as in --policy-pack-config: `{ "all": "mandatory", "<policy>": "advisory" | { enforcementLevel, ...props } }`. */
export type PackConfig = Record<string, Level | ({ enforcementLevel?: Level } & Record<string, unknown>)>;

export interface Pack {
    client: AnalyzerClient;
    port: number;
    /** Everything the pack process wrote to stderr (ts-node errors, logs). */
    stderr(): string;
    getAnalyzerInfo(): Promise<AnalyzerInfoSummary>;
    /**
     * Reconciles `config` with the pack's defaults and initialConfig as the CLI does, validates it (throws
     * "invalid policy pack config" with every problem listed), sends Configure and returns what it sent.
     */
    configure(config: PackConfig): Promise<ResolvedConfig>;
    /** Sends an already resolved config (check: the same config with throwing policies disabled). */
    configureResolved(resolved: ResolvedConfig): Promise<void>;
    analyze(resource: ResourceInput): Promise<AnalyzeResult>;
    analyzeStack(resources: ResourceInput[]): Promise<AnalyzeResult>;
    /** Policy calls in progress in the pack process (tools/lib/pack-probe.js), oldest first. */
    running(): RunningPolicy[];
    /** Process id of the pack (run-policy-pack). */
    pid?: number;
    /** The pack process's peak resident memory so far, in MiB (Linux /proc VmHWM; undefined elsewhere). */
    peakRssMb(): number | undefined;
    stop(): Promise<void>;
}

export interface RunningPolicy {
    policy: string;
    /** The resource's URN, or "(stack)" for a stack policy. */
    urn: string;
    type: string;
    sinceMs: number;
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const RUN_POLICY_PACK = require.resolve("@pulumi/pulumi/cmd/run-policy-pack/index.js", { paths: [REPO_ROOT] });
const PACK_PROBE = path.join(__dirname, "pack-probe.js");
const PACK_HOST = path.join(REPO_ROOT, "lib", "engine", "pack-host.js");
const LEVELS: Level[] = ["advisory", "mandatory", "disabled", "remediate"];

export function defaultUrn(type: string, name: string, stack = "check", project = "aws-platform"): string {
    return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

/**
 * Starts the pack in `packDir` (default: the repo's policy/). Resolves once the Analyzer server listens.
 * host "cached" (default): lib/engine/pack-host.js, run-policy-pack's loader with the content-hash compile
 * cache; "cli": the CLI's own host, which type-checks the pack with ts-node on every start.
 */
export async function startPack(
    packDir = path.join(REPO_ROOT, "policy"),
    opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; host?: "cached" | "cli"; signal?: AbortSignal } = {},
): Promise<Pack> {
    const dir = path.resolve(packDir);
    const argv = opts.host === "cli" ? [RUN_POLICY_PACK, "127.0.0.1:0", dir] : [PACK_HOST, dir];
    // tools/lib/pack-probe.js is preloaded: fd 3 carries its start/end line for each policy call.
    // --heap-growing-percent=50: the pack's RSS follows its live heap rather than garbage (V8 otherwise lets the heap
    // grow up to 4x between major collections while allocation is fast). The check process no longer sets it: since
    // struct-codec.js its heap is smaller, and the flag cost it ~10 % CPU at 3,090 resources for ~20 MiB less RSS.
    const child = spawn(process.execPath, ["--heap-growing-percent=50", "--require", PACK_PROBE, ...argv], {
        cwd: dir,
        env: { ...process.env, ...opts.env, CHECK_PACK_PROBE_FD: "3" },
        stdio: ["ignore", "pipe", "pipe", "pipe"],
    });
    let err = "";
    child.stderr!.on("data", (d) => (err += d.toString()));
    const running = new Map<number, RunningPolicy>();
    let probeBuffer = "";
    (child.stdio[3] as NodeJS.ReadableStream | null)?.on("data", (d: Buffer) => {
        probeBuffer += d.toString();
        let nl: number;
        while ((nl = probeBuffer.indexOf("\n")) >= 0) {
            const line = probeBuffer.slice(0, nl);
            probeBuffer = probeBuffer.slice(nl + 1);
            try {
                const ev = JSON.parse(line) as {
                    e: string;
                    id: number;
                    policy?: string;
                    urn?: string;
                    type?: string;
                    ms?: number;
                };
                // The probe reports a call once it has run for a moment (ms: how long so far).
                if (ev.e === "start")
                    running.set(ev.id, {
                        policy: ev.policy ?? "",
                        urn: ev.urn ?? "",
                        type: ev.type ?? "",
                        sinceMs: Date.now() - (ev.ms ?? 0),
                    });
                else running.delete(ev.id);
            } catch {
                // a partial or foreign line: ignore
            }
        }
    });
    const port = await new Promise<number>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => {
            child.kill();
            reject(new Error(`policy pack in ${dir} did not start within ${opts.timeoutMs ?? 300000} ms\n${err}`));
        }, opts.timeoutMs ?? 300000);
        child.stdout!.on("data", (d) => {
            out += d.toString();
            const m = /^(\d+)\s*$/m.exec(out);
            if (m) {
                clearTimeout(timer);
                resolve(Number(m[1]));
            }
        });
        child.on("exit", (code) => {
            clearTimeout(timer);
            reject(new Error(`policy pack in ${dir} exited with code ${code} before listening\n${err}${out}`));
        });
        // A check that stops (timeout, Ctrl-C) while the pack still compiles does not wait for it.
        const abort = () => {
            clearTimeout(timer);
            child.kill("SIGTERM");
            reject(new Error(`policy pack in ${dir} stopped before it listened`));
        };
        if (opts.signal?.aborted) abort();
        else opts.signal?.addEventListener("abort", abort, { once: true });
    });
    const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    return makePack(
        client,
        port,
        child,
        () => err,
        () => [...running.values()].sort((a, b) => a.sinceMs - b.sinceMs),
    );
}

function call<Req, Res>(
    fn: (req: Req, cb: (e: grpc.ServiceError | null, res: Res) => void) => unknown,
    req: Req,
): Promise<Res> {
    return new Promise((resolve, reject) => fn(req, (e, res) => (e ? reject(e) : resolve(res))));
}

// Requests carry their properties through lib/engine/struct-codec.js: the same bytes, without building a
// google-protobuf message per value.
installStructCodec();

function struct(v: Record<string, unknown>): Struct {
    // JSON round-trip drops undefined and class instances the way the engine's marshalling does.
    return fromJson(Struct, JSON.parse(JSON.stringify(v ?? {})));
}

/**
 * The properties Analyze sent for a props object, kept for AnalyzeStack, which sends every resource again: the
 * check hands both the same (never mutated) inputs object, so each is encoded once (protobuf encoding is a
 * visible share of the check process in a CPU profile of a 1,300-resource stack).
 */
const sentProperties = new WeakMap<object, Struct>();

function propertiesOf(v: Record<string, unknown>, remember: boolean): Struct {
    const cached = v ? sentProperties.get(v) : undefined;
    if (cached) return cached;
    const s = struct(v);
    if (remember && v) sentProperties.set(v, s);
    return s;
}

function options(r: ResourceInput): pb.AnalyzerResourceOptions {
    const o = new pb.AnalyzerResourceOptions();
    o.setProtect(!!r.protect);
    if (r.parent) o.setParent(r.parent);
    return o;
}

function provider(r: ResourceInput): pb.AnalyzerProviderResource | undefined {
    if (!r.provider) return undefined;
    const p = new pb.AnalyzerProviderResource();
    p.setType(r.provider.type);
    p.setName(r.provider.name);
    p.setUrn(r.provider.urn);
    p.setProperties(struct(r.provider.props));
    return p;
}

function levelName(l: number): Level {
    return (["advisory", "mandatory", "disabled", "remediate"] as Level[])[l] ?? "advisory";
}

function levelEnum(l: Level): pb.EnforcementLevel {
    return {
        advisory: pb.EnforcementLevel.ADVISORY,
        mandatory: pb.EnforcementLevel.MANDATORY,
        disabled: pb.EnforcementLevel.DISABLED,
        remediate: pb.EnforcementLevel.REMEDIATE,
    }[l];
}

function result(res: pb.AnalyzeResponse): AnalyzeResult {
    return {
        diagnostics: res.getDiagnosticsList().map((d) => ({
            policyName: d.getPolicyname(),
            policyPackName: d.getPolicypackname(),
            policyPackVersion: d.getPolicypackversion(),
            description: d.getDescription(),
            message: d.getMessage(),
            enforcementLevel: levelName(d.getEnforcementlevel()),
            urn: d.getUrn(),
        })),
        notApplicable: res
            .getNotApplicableList()
            .map((n) => ({ policyName: n.getPolicyName(), reason: n.getReason() })),
    };
}

const isLevel = (v: unknown): v is Level => typeof v === "string" && (LEVELS as string[]).includes(v);
const blocks = (l: Level | undefined) => l === "mandatory" || l === "remediate";

/** The CLI's createConfigWithDefaults: each policy's level from GetAnalyzerInfo and its schema's property defaults. */
function configWithDefaults(info: AnalyzerInfoSummary): ResolvedConfig {
    const out: ResolvedConfig = {};
    for (const p of info.policies) {
        const props: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(p.configSchema?.properties ?? {}))
            if (v && typeof v === "object" && "default" in v) props[k] = v.default;
        out[p.name] = { enforcementLevel: p.enforcementLevel, props };
    }
    return out;
}

/** The CLI's applyConfig: `all` sets every level first, then each entry sets its level and merges its properties key by key. */
function applyConfig(
    result: ResolvedConfig,
    config: Record<string, { enforcementLevel?: Level; props: Record<string, unknown> }>,
): ResolvedConfig {
    const out: ResolvedConfig = {};
    const all = config.all?.enforcementLevel;
    for (const [k, v] of Object.entries(result))
        out[k] = { enforcementLevel: all ?? v.enforcementLevel, props: { ...v.props } };
    for (const [name, given] of Object.entries(config)) {
        if (name === "all" || !out[name]) continue; // the CLI keeps unknown names (the pack ignores them); check reports them as errors
        if (given.enforcementLevel) out[name].enforcementLevel = given.enforcementLevel;
        Object.assign(out[name].props, given.props);
    }
    return out;
}

/**
 * Config precedence exactly as `pulumi preview --policy-pack <dir> --policy-pack-config <file>`
 * (pulumi/pulumi pkg/resource/analyzer/config.go ReconcilePolicyPackConfig, called by the engine with the
 * pack's GetAnalyzerInfo initialConfig): the policies' own levels and schema defaults, then the pack's
 * initialConfig (levels set in code), then the config file; `all` before named entries at each step; the
 * merged properties validated against each policy's schema.
 *
 * On top of the CLI, and reported as config errors: a stack config may never lower a policy that the
 * pack makes mandatory (its level after defaults and initialConfig: the base), unknown policy names and
 * properties a schema does not declare (the CLI would silently ignore a typo).
 */
export function resolvePackConfig(
    config: PackConfig,
    info: AnalyzerInfoSummary,
): { resolved: ResolvedConfig; base: ResolvedConfig; errors: string[] } {
    const errors: string[] = [];
    const byName = new Map(info.policies.map((p) => [p.name, p]));
    const given: Record<string, { enforcementLevel?: Level; props: Record<string, unknown> }> = {};
    for (const [name, entry] of Object.entries(config)) {
        if (name !== "all" && !byName.has(name)) {
            errors.push(`${name}: no such policy in pack ${info.name}`);
            continue;
        }
        if (typeof entry === "string") {
            if (isLevel(entry)) given[name] = { enforcementLevel: entry, props: {} };
            else
                errors.push(
                    `${name}: enforcement level must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(entry)}`,
                );
        } else if (entry && typeof entry === "object" && !Array.isArray(entry)) {
            const { enforcementLevel, ...props } = entry;
            if (enforcementLevel !== undefined && !isLevel(enforcementLevel))
                errors.push(
                    `${name}: enforcementLevel must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(enforcementLevel)}`,
                );
            given[name] = {
                enforcementLevel: isLevel(enforcementLevel) ? enforcementLevel : undefined,
                props: name === "all" ? {} : props,
            };
        } else errors.push(`${name}: expected an enforcement level or an object, got ${JSON.stringify(entry)}`);
    }
    const base = applyConfig(configWithDefaults(info), info.initialConfig ?? {});
    const resolved = applyConfig(base, given);
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const p of info.policies) {
        const before = base[p.name].enforcementLevel;
        const after = resolved[p.name].enforcementLevel;
        if (blocks(before) && !blocks(after)) {
            const via = config[p.name] !== undefined ? "" : " via all";
            errors.push(
                `${p.name}: is ${before} in the pack; a stack may raise a control, never lower it (got ${after}${via})`,
            );
        }
        const props = resolved[p.name].props;
        // No properties and nothing required is valid against any schema here: skip compiling one (most policies).
        if (Object.keys(props ?? {}).length === 0 && (p.configSchema?.required ?? []).length === 0) continue;
        const schema = {
            type: "object",
            properties: p.configSchema?.properties ?? {},
            required: p.configSchema?.required ?? [],
            additionalProperties: false,
        };
        const validate = ajv.compile(schema);
        if (!validate(resolved[p.name].props)) {
            for (const e of validate.errors ?? [])
                errors.push(
                    `${p.name}${e.instancePath.replace(/\//g, ".")}: ${e.message}${e.params && "additionalProperty" in e.params ? ` (${(e.params as any).additionalProperty})` : ""}`,
                );
        }
    }
    return { resolved, base, errors };
}

function makePack(
    client: AnalyzerClient,
    port: number,
    child: ChildProcess,
    stderr: () => string,
    running: () => RunningPolicy[],
): Pack {
    let info: AnalyzerInfoSummary | undefined;
    const pack: Pack = {
        client,
        port,
        stderr,
        running,
        pid: child.pid,
        peakRssMb() {
            try {
                const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, "utf8"));
                return m ? Math.round(Number(m[1]) / 1024) : undefined;
            } catch {
                return undefined;
            }
        },
        async getAnalyzerInfo() {
            const res = await call<Empty, pb.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
            const initialConfig: Record<string, PolicyConfigEntry> = {};
            res.getInitialconfigMap().forEach((pc, key) => {
                initialConfig[key] = {
                    enforcementLevel: levelName(pc.getEnforcementlevel()),
                    props: (pc.getProperties()?.toJavaScript() as Record<string, unknown>) ?? {},
                };
            });
            info = {
                initialConfig,
                name: res.getName(),
                version: res.getVersion(),
                supportsConfig: res.getSupportsconfig(),
                policies: res.getPoliciesList().map((p) => {
                    const s = p.getConfigschema();
                    return {
                        name: p.getName(),
                        description: p.getDescription(),
                        enforcementLevel: levelName(p.getEnforcementlevel()),
                        configSchema: s
                            ? { properties: s.getProperties()?.toJavaScript() ?? {}, required: s.getRequiredList() }
                            : undefined,
                        policyType: (["unknown", "resource", "stack"] as const)[p.getPolicyType()] ?? "unknown",
                    };
                }),
            };
            return info;
        },
        async configure(config) {
            const { resolved, errors } = resolvePackConfig(config, info ?? (await pack.getAnalyzerInfo()));
            if (errors.length > 0) throw new Error(`invalid policy pack config:\n  ${errors.join("\n  ")}`);
            await pack.configureResolved(resolved);
            return resolved;
        },
        async configureResolved(resolved) {
            // Like the CLI, every policy is configured (with its schema defaults), so none runs on bare defaults.
            const req = new pb.ConfigureAnalyzerRequest();
            const map = req.getPolicyconfigMap();
            for (const [name, c] of Object.entries(resolved)) {
                const pc = new pb.PolicyConfig();
                pc.setEnforcementlevel(levelEnum(c.enforcementLevel));
                pc.setProperties(struct(c.props));
                map.set(name, pc);
            }
            await call(client.configure.bind(client), req);
        },
        async analyze(r) {
            const req = new pb.AnalyzeRequest();
            req.setType(r.type);
            req.setName(r.name);
            req.setUrn(r.urn ?? defaultUrn(r.type, r.name));
            req.setProperties(propertiesOf(r.props, true));
            req.setOptions(options(r));
            const prov = provider(r);
            if (prov) req.setProvider(prov);
            return result(await call<pb.AnalyzeRequest, pb.AnalyzeResponse>(client.analyze.bind(client), req));
        },
        async analyzeStack(resources) {
            const req = new pb.AnalyzeStackRequest();
            req.setResourcesList(
                resources.map((r) => {
                    const ar = new pb.AnalyzerResource();
                    ar.setType(r.type);
                    ar.setName(r.name);
                    ar.setUrn(r.urn ?? defaultUrn(r.type, r.name));
                    ar.setProperties(propertiesOf(r.props, false));
                    ar.setOptions(options(r));
                    if (r.parent) ar.setParent(r.parent);
                    ar.setDependenciesList(r.dependencies ?? []);
                    const deps = ar.getPropertydependenciesMap();
                    for (const [k, urns] of Object.entries(r.propertyDependencies ?? {})) {
                        const d = new pb.AnalyzerPropertyDependencies();
                        d.setUrnsList(urns);
                        deps.set(k, d);
                    }
                    const prov = provider(r);
                    if (prov) ar.setProvider(prov);
                    return ar;
                }),
            );
            return result(
                await call<pb.AnalyzeStackRequest, pb.AnalyzeResponse>(client.analyzeStack.bind(client), req),
            );
        },
        async stop() {
            client.close();
            if (child.exitCode === null && child.signalCode === null) {
                const exited = new Promise((r) => child.once("exit", r));
                child.kill("SIGTERM");
                // A policy stuck in a synchronous loop still dies on SIGTERM (Node installs no handler); SIGKILL if not.
                const t = setTimeout(() => child.kill("SIGKILL"), 2000);
                await Promise.race([exited, new Promise((r) => setTimeout(r, 4000))]);
                clearTimeout(t);
            }
        },
    };
    return pack;
}

/** Standalone wrappers (same as the Pack methods) for callers holding a Pack. */
export const getAnalyzerInfo = (pack: Pack) => pack.getAnalyzerInfo();
export const configure = (pack: Pack, config: PackConfig) => pack.configure(config);
export const analyze = (pack: Pack, resource: ResourceInput) => pack.analyze(resource);
export const analyzeStack = (pack: Pack, resources: ResourceInput[]) => pack.analyzeStack(resources);
