import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as YAML from "yaml";
import { createMocks, MOCK_ACCOUNT } from "./mocks";

/**
 * The shared mock harness: runs the real program (or one component) under `pulumi.runtime.setMocks`
 * and captures every resource registration as the engine would see it — type, name, URN, parent,
 * inputs, dependencies — so tests and the offline `check` tool assert on the same records.
 */

export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT_NAME = "aws-platform";

export interface CapturedResource {
    type: string;
    name: string;
    urn: string;
    /** URN of the parent resource ('' for the stack's direct children). */
    parent: string;
    /** True for provider-managed resources, false for components. */
    custom: boolean;
    /** Remote component (e.g. eks:index:Cluster): inputs only, children live in the provider. */
    remote: boolean;
    id: string;
    inputs: Record<string, any>;
    /** The inputs plus mock provider outputs. */
    state: Record<string, any>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    provider: string;
    protect: boolean;
    /** What a component registered with `registerOutputs` ({} for custom resources); set when the run settles. */
    outputs: Record<string, any>;
}

export class Capture {
    readonly resources: CapturedResource[] = [];

    ofType(type: string): CapturedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of `type` whose logical name is `name` (or ends with `-name`). */
    one(type: string, name?: string): CapturedResource {
        const hits = this.ofType(type).filter((r) => name === undefined || r.name === name || r.name.endsWith(`-${name}`));
        if (hits.length !== 1) {
            const names = this.ofType(type).map((r) => r.name).join(", ") || "none";
            throw new Error(`expected one ${type}${name ? ` named ${name}` : ""}, found ${hits.length} (have: ${names})`);
        }
        return hits[0];
    }

    byUrn(urn: string): CapturedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }

    /** The resources whose parent is `urn`. */
    childrenOf(urn: string): CapturedResource[] {
        return this.resources.filter((r) => r.parent === urn);
    }

    /** The resource `r` names by id/ARN in one of its inputs (mock ids are unique). */
    referenced(value: unknown): CapturedResource | undefined {
        return this.resources.find((r) => r.id === value || r.state.arn === value);
    }
}

export interface RunOptions {
    /** Config values layered over Pulumi.<stack>.yaml, keyed without namespace for `platform:` keys (e.g. { azCount: "3" }) or with it ("aws:region"). */
    overrides?: Record<string, unknown>;
    /** Use this config file instead of Pulumi.<stack>.yaml (fixtures). */
    configFile?: string;
    preview?: boolean;
    /** Program file to run instead of index.ts (`runProgram` only; fixture programs for the `check` tool). */
    program?: string;
    /** Pulumi project name for URNs and unprefixed config keys (default aws-platform; bootstrap/ is aws-platform-state). */
    project?: string;
    /** Called as each resource is captured (progress output for the `check` tool). */
    onResource?: (resource: CapturedResource) => void;
}

/** Flattens a Pulumi.<stack>.yaml into the key → string map the engine hands to a program. */
export function readStackConfig(stack: string, file?: string, overrides: Record<string, unknown> = {}, project = PROJECT_NAME): Record<string, string> {
    const configPath = file ?? path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(configPath)) throw new Error(`no stack config file ${configPath}`);
    const doc = (YAML.parse(fs.readFileSync(configPath, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, unknown> = { ...(doc.config ?? {}) };
    for (const [k, v] of Object.entries(overrides)) {
        const key = k.includes(":") ? k : `platform:${k}`;
        if (v === undefined) delete values[key];
        else values[key] = v;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
        const key = k.includes(":") ? k : `${project}:${k}`;
        out[key] = typeof v === "string" ? v : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
    }
    return out;
}

function toPlain(v: any): any {
    return v && typeof v.toJavaScript === "function" ? v.toJavaScript() : v;
}

const settings = require("@pulumi/pulumi/runtime/settings");

/**
 * Runs `body` under mocks for `stack` (config from Pulumi.<stack>.yaml plus overrides) and
 * returns every resource it registered, after all registrations have settled.
 */
export async function runUnderMocks(stack: string, body: () => unknown, options: RunOptions = {}): Promise<{ capture: Capture; outputs: unknown }> {
    const config = readStackConfig(stack, options.configFile, options.overrides, options.project);
    const region = config["aws:region"] ?? "eu-west-1";
    const capture = new Capture();
    // The stack's own account (aws:allowedAccountIds), so ARNs and ECR URLs match its policy config.
    const accounts = config["aws:allowedAccountIds"] ? (JSON.parse(config["aws:allowedAccountIds"]) as string[]) : [];
    const world = { accountId: accounts[0] ?? MOCK_ACCOUNT, region };
    const pending = new Map<string, Partial<CapturedResource>>();

    pulumi.runtime.setAllConfig(config, []);
    await pulumi.runtime.setMocks(
        createMocks(world, (args, id, state) => {
            const key = `${args.type}::${args.name}`;
            const meta = pending.get(key) ?? {};
            pending.delete(key);
            const captured: CapturedResource = {
                type: args.type,
                name: args.name,
                urn: meta.urn ?? "",
                parent: meta.parent ?? "",
                custom: args.custom ?? true,
                remote: meta.remote ?? false,
                id,
                inputs: args.inputs,
                state,
                dependencies: meta.dependencies ?? [],
                propertyDependencies: meta.propertyDependencies ?? {},
                provider: args.provider ?? "",
                protect: meta.protect ?? false,
                outputs: {},
            };
            capture.resources.push(captured);
            options.onResource?.(captured);
        }),
        options.project ?? PROJECT_NAME,
        stack,
        options.preview ?? false,
    );

    // Wrap the mock monitor to see what the engine sees: parent, dependencies, protect, component outputs.
    const monitor = settings.getMonitor();
    const registeredOutputs = new Map<string, Record<string, any>>();
    const registerOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req: any, callback: any) => {
        registeredOutputs.set(req.getUrn(), toPlain(req.getOutputs()) ?? {});
        return registerOutputs(req, callback);
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: any) => {
        try {
            remember(req);
        } catch (e) {
            return callback(e, undefined);
        }
        return register(req, callback);
    };
    const remember = (req: any) => {
        const parent = req.getParent();
        const urn = monitor.newUrn(parent, req.getType(), req.getName());
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
            propertyDependencies[key] = deps.getUrnsList();
        });
        pending.set(`${req.getType()}::${req.getName()}`, {
            urn,
            parent,
            remote: req.getRemote(),
            dependencies: req.getDependenciesList(),
            propertyDependencies,
            protect: toPlain(req.getProtect()) === true,
        });
    };

    let outputs: unknown;
    try {
        const result = await body();
        outputs = await resolveDeep(result);
    } finally {
        await settings.waitForRPCs();
    }
    for (const r of capture.resources) r.outputs = registeredOutputs.get(r.urn) ?? {};
    return { capture, outputs };
}

async function resolveDeep(v: unknown): Promise<unknown> {
    if (pulumi.Output.isInstance(v)) return resolveDeep(await outputValue(v));
    if (v instanceof Promise) return resolveDeep(await v);
    if (Array.isArray(v)) return Promise.all(v.map(resolveDeep));
    if (v && typeof v === "object" && !(v instanceof pulumi.Resource)) {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) out[k] = await resolveDeep(x);
        return out;
    }
    return v;
}

/** The value of an Output under mocks; undefined when unknown (never hangs on an unknown). */
export async function outputValue<T>(o: pulumi.Output<T> | pulumi.Input<T>): Promise<T> {
    const out = pulumi.output(o) as any; // isKnown/promise are the SDK's internal accessors
    if (!(await out.isKnown)) return undefined as T;
    return (await out.promise()) as T;
}

type ProgramRun = { capture: Capture; outputs: Record<string, unknown> };

/** Runs of the unmodified program per stack: many test files assert on the same dev and prod stacks. */
const plainRuns = new Map<string, Promise<ProgramRun>>();

/**
 * Runs the real program (index.ts) for `stack`: the same code path as `pulumi up`. A run with no
 * options is made once per stack and shared, so treat its capture as read-only.
 */
export function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    const plain = Object.values(options).every((v) => v === undefined || (typeof v === "object" && Object.keys(v).length === 0));
    if (!plain) return executeProgram(stack, options);
    let run = plainRuns.get(stack);
    if (!run) {
        run = executeProgram(stack, options);
        plainRuns.set(stack, run);
        run.catch(() => plainRuns.delete(stack)); // a failed run is not remembered
    }
    return run;
}

async function executeProgram(stack: string, options: RunOptions): Promise<ProgramRun> {
    const { capture, outputs } = await runUnderMocks(
        stack,
        () => {
            // Fresh module state per run: the program reads config at call time.
            const program = require(path.resolve(PROJECT_ROOT, options.program ?? "index.ts"));
            const main = typeof program === "function" ? program : program.default;
            return main();
        },
        options,
    );
    return { capture, outputs: outputs as Record<string, unknown> };
}
