import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Capture, CapturedResource } from "./capture";
import { createMocks, MOCK_ACCOUNT } from "./mocks";
import { CapturingMonitor } from "./monitor";
import { PROJECT_NAME, PROJECT_ROOT, readStackConfig } from "./stack-config";
import { install as installStructCodec } from "./struct-codec";

/**
 * The engine: runs the real program (or one component) under Pulumi mocks and captures every
 * resource registration as the Pulumi engine would see it — type, name, URN, parent, inputs,
 * dependencies, source position, component outputs — so the offline `check`, `diagram`, `bench`
 * and the tests all work from the same records.
 */

const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };

/**
 * Every registration under mocks converts its inputs and its outputs to google.protobuf.Struct and back
 * (the SDK's request, the mock monitor's response). struct-codec.js keeps the JavaScript value instead of a
 * message object per value, with the same results (its tests compare them with google-protobuf's).
 */
installStructCodec();

/**
 * The SDK's debuggablePromise (runtime/debuggable.ts) stores `new Error().stack` on every promise it tracks, for
 * one purpose: printing leaked promises when PULUMI_DEBUG_PROMISE_LEAKS is set. Formatting those stacks was the
 * largest single cost of a program run under mocks (a fifth of the check process's CPU on a 1,300-resource
 * stack). The engine keeps the tracking and drops the frames, unless that variable asks for them.
 */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    debuggablePromise<T>(p: Promise<T>, ctx: unknown): Promise<T>;
    __framesDropped?: boolean;
};
if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS && !debuggable.__framesDropped) {
    const original = debuggable.debuggablePromise;
    debuggable.debuggablePromise = function <T>(p: Promise<T>, ctx: unknown): Promise<T> {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return original(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
    debuggable.__framesDropped = true;
}
const runtimeState = require("@pulumi/pulumi/runtime/state") as { getStore(): { settings: { monitor: unknown } } };

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
    /** Called as each resource is captured (progress output and streaming Analyze for the `check` tool). */
    onResource?: (resource: CapturedResource) => void;
}

/**
 * Runs `body` under mocks for `stack` (config from Pulumi.<stack>.yaml plus overrides) and
 * returns every resource it registered, after all registrations have settled.
 */
export async function runUnderMocks(
    stack: string,
    body: () => unknown,
    options: RunOptions = {},
): Promise<{ capture: Capture; outputs: unknown }> {
    const config = readStackConfig(stack, options.configFile, options.overrides, options.project);
    const region = config["aws:region"] ?? "eu-west-1";
    const capture = new Capture();
    // The stack's own account (aws:allowedAccountIds), so ARNs and ECR URLs match its policy config.
    const accounts = config["aws:allowedAccountIds"] ? (JSON.parse(config["aws:allowedAccountIds"]) as string[]) : [];
    const world = { accountId: accounts[0] ?? MOCK_ACCOUNT, region };
    const project = options.project ?? PROJECT_NAME;
    const preview = options.preview ?? false;

    // The monitor is built from the mocks, and the mocks read the registration the monitor is handling.
    const installed: { monitor?: CapturingMonitor } = {};
    const mocks = createMocks(world, (args, id, state) => {
        const meta = installed.monitor?.current;
        const captured: CapturedResource = {
            type: args.type,
            name: args.name,
            urn: meta?.urn ?? "",
            parent: meta?.parent ?? "",
            custom: args.custom ?? true,
            remote: meta?.remote ?? false,
            id,
            inputs: args.inputs,
            state,
            dependencies: meta?.dependencies ?? [],
            propertyDependencies: meta?.propertyDependencies ?? {},
            provider: args.provider ?? "",
            protect: meta?.protect ?? false,
            outputs: {},
            source: meta?.source,
        };
        capture.resources.push(captured);
        options.onResource?.(captured);
    });
    pulumi.runtime.setAllConfig(config, []);
    // setMocks sets the runtime's options and feature flags for a mock monitor. Its monitor is then
    // swapped for the capturing subclass in the slot setMocks filled (settings.setMockOptions writes
    // store.settings.monitor, which getMonitor() returns in mock mode); calling setMockOptions again
    // would reset the feature flags setMocks just set.
    await pulumi.runtime.setMocks(mocks, project, stack, preview);
    const monitor = new CapturingMonitor(mocks);
    installed.monitor = monitor;
    runtimeState.getStore().settings.monitor = monitor;

    let outputs: unknown;
    try {
        const result = await body();
        outputs = await resolveDeep(result);
    } finally {
        await settings.waitForRPCs();
    }
    for (const r of capture.resources) r.outputs = monitor.registeredOutputs.get(r.urn) ?? {};
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

export type ProgramRun = { capture: Capture; outputs: Record<string, unknown> };

/** Runs of the unmodified program per stack: many test files assert on the same dev and prod stacks. */
const plainRuns = new Map<string, Promise<ProgramRun>>();

/**
 * Runs the real program (index.ts) for `stack`: the same code path as `pulumi up`. A run with no
 * options is made once per stack and shared, so treat its capture as read-only.
 */
export function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    const plain = Object.values(options).every(
        (v) => v === undefined || (typeof v === "object" && Object.keys(v).length === 0),
    );
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
