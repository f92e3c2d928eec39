import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stackFrame } from "../../lib/engine";

/**
 * Time limits for `check`: what the program is still waiting for when it does not finish, and a
 * deadline helper. Under mocks a program hangs when it awaits a value nothing ever provides (an
 * apply() on a value unknown in a preview, an output of a remote component, an invoke the mocks do
 * not answer); the engine then never hears of the resources declared with such inputs. The tracker
 * sees them earlier: the SDK's `Resource` constructor calls `runtime/resource.registerResource`
 * synchronously (resource.ts: `resource_1.registerResource(this, parent, t, name, ...)`) before it
 * waits for the inputs, so a wrapper there knows every declared resource, its declaring line and
 * its inputs; a resource the engine has not captured by the deadline is pending.
 */

export const PROGRAM_HANG_HINT =
    "Under mocks this usually means the program awaits a value nothing provides: an apply() on an output that is unknown in a preview, " +
    "an output of a remote component (eks:index:*, a Helm chart) that only a real deployment returns, or an invoke the mocks do not answer. " +
    "Give the mock a value (lib/engine/mocks.ts) or stop awaiting that output in the program.";

export interface PendingResource {
    type: string;
    name: string;
    urn: string;
    /** Repository-relative file and line of the `new` that declared it. */
    file: string;
    line: number;
    /** Top-level inputs whose values had not resolved at the deadline. */
    waitingFor: string[];
}

export interface PendingOutputs {
    type: string;
    name: string;
    urn: string;
    file: string;
    line: number;
    /** Output names passed to registerOutputs that had not resolved at the deadline. */
    keys: string[];
}

interface Declared {
    type: string;
    name: string;
    urn: string;
    /** Where the registration was made; resolved to file:line only when reported. */
    site: Error;
    props: Record<string, unknown>;
    captured: boolean;
    outputs?: Record<string, unknown>;
}

const runtimeResource = require("@pulumi/pulumi/runtime/resource") as {
    registerResource: (...args: any[]) => unknown;
    registerResourceOutputs: (res: any, outputs: unknown) => unknown;
};

/**
 * The declaring line: the first stack frame in the repository outside node_modules, lib/engine and tools/lib.
 * `site` is an Error created at the registration: V8 records its frames then, but the text (the costly part)
 * is only formatted here, for the few resources a report names.
 */
function declaringLine(root: string, site: Error): { file: string; line: number } {
    const frames = (site.stack ?? "").split("\n").slice(1);
    for (const f of frames) {
        const p = stackFrame(f);
        if (!p) continue;
        const file = p.file;
        if (
            !file.startsWith(root) ||
            file.includes(`${path.sep}node_modules${path.sep}`) ||
            file.includes(path.join(root, "lib", "engine")) ||
            file.includes(path.join(root, "tools", "lib"))
        )
            continue;
        return { file: path.relative(root, file).split(path.sep).join("/"), line: p.line };
    }
    return { file: "(unknown)", line: 0 };
}

/** Whether a value settles within one macrotask: an Output or promise that is still pending is what the program waits for. */
async function settles(v: unknown): Promise<boolean> {
    const p = pulumi.Output.isInstance(v) ? (v as any).promise() : v instanceof Promise ? v : undefined;
    if (!p) return true;
    let done = false;
    (p as Promise<unknown>).then(
        () => (done = true),
        () => (done = true),
    );
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    return done;
}

/**
 * Records every resource the program declares (through the SDK's registerResource) while installed.
 * One tracker at a time: `install` returns the function that removes the wrappers.
 */
export class RegistrationTracker {
    private readonly declared: Declared[] = [];
    private readonly chains = new WeakMap<object, string>();
    private readonly byKey = new Map<string, Declared[]>();
    private readonly byResource = new WeakMap<object, Declared>();

    constructor(
        private readonly root: string,
        private readonly stack: string,
        private readonly project: string,
    ) {}

    install(): () => void {
        const originalRegister = runtimeResource.registerResource;
        const originalOutputs = runtimeResource.registerResourceOutputs;
        // eslint-disable-next-line @typescript-eslint/no-this-alias
        const tracker = this;
        runtimeResource.registerResource = function (
            res: object,
            parent: object | undefined,
            t: string,
            name: string,
            ...rest: unknown[]
        ) {
            try {
                tracker.record(res, parent, t, name, (rest[3] ?? {}) as Record<string, unknown>);
            } catch {
                // tracking never changes what the program does
            }
            return originalRegister.call(this, res, parent, t, name, ...rest);
        };
        runtimeResource.registerResourceOutputs = function (res: object, outputs: unknown) {
            const d = tracker.byResource.get(res);
            if (d) d.outputs = (outputs ?? {}) as Record<string, unknown>;
            return originalOutputs.call(this, res, outputs);
        };
        return () => {
            runtimeResource.registerResource = originalRegister;
            runtimeResource.registerResourceOutputs = originalOutputs;
        };
    }

    private record(
        res: object,
        parent: object | undefined,
        type: string,
        name: string,
        props: Record<string, unknown>,
    ) {
        const parentChain = parent ? this.chains.get(parent) : undefined;
        const chain = parentChain ? `${parentChain}$${type}` : type;
        this.chains.set(res, chain);
        const d: Declared = {
            type,
            name,
            urn: `urn:pulumi:${this.stack}::${this.project}::${chain}::${name}`,
            site: new Error(),
            props,
            captured: false,
        };
        this.declared.push(d);
        this.byResource.set(res, d);
        const key = `${type}::${name}`;
        this.byKey.set(key, [...(this.byKey.get(key) ?? []), d]);
    }

    /** When the engine last captured a registration: a program still registering is slow, not stuck. */
    lastCaptureAt = 0;
    private readonly recent: number[] = [];

    /** Registrations in the last `ms`: a large or slow run still registers many per second near the deadline. */
    recentCaptures(ms = 5_000): number {
        const since = Date.now() - ms;
        return this.recent.filter((t) => t >= since).length;
    }

    /** The engine captured this registration (its inputs resolved). */
    captured(type: string, name: string) {
        this.lastCaptureAt = Date.now();
        this.recent.push(this.lastCaptureAt);
        if (this.recent.length > 200) this.recent.splice(0, this.recent.length - 200);
        const d = this.byKey.get(`${type}::${name}`)?.find((x) => !x.captured);
        if (d) d.captured = true;
    }

    get declaredCount(): number {
        return this.declared.length;
    }

    /** Declared resources the engine never received, with the inputs still unresolved. */
    async pendingResources(): Promise<PendingResource[]> {
        const out: PendingResource[] = [];
        for (const d of this.declared.filter((x) => !x.captured)) {
            const waitingFor: string[] = [];
            for (const [k, v] of Object.entries(d.props ?? {})) if (!(await settles(v))) waitingFor.push(k);
            out.push({ type: d.type, name: d.name, urn: d.urn, ...declaringLine(this.root, d.site), waitingFor });
        }
        return out;
    }

    /** Components whose registerOutputs values have not all resolved. */
    async pendingOutputs(): Promise<PendingOutputs[]> {
        const out: PendingOutputs[] = [];
        for (const d of this.declared.filter((x) => x.outputs)) {
            const keys: string[] = [];
            for (const [k, v] of Object.entries(d.outputs ?? {})) if (!(await settles(v))) keys.push(k);
            if (keys.length > 0)
                out.push({ type: d.type, name: d.name, urn: d.urn, ...declaringLine(this.root, d.site), keys });
        }
        return out;
    }
}

export class DeadlineExceeded extends Error {
    constructor(readonly seconds: number) {
        super(`did not finish within ${seconds} s`);
        this.name = "DeadlineExceeded";
    }
}

/** `work`, or a DeadlineExceeded rejection once `deadline` (epoch ms) passes; the timer never keeps the process alive. */
export function beforeDeadline<T>(work: Promise<T>, deadline: number, seconds: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new DeadlineExceeded(seconds)), Math.max(0, deadline - Date.now()));
        timer.unref();
    });
    return Promise.race([work, limit]).finally(() => clearTimeout(timer));
}

/** At most this many pending resources or outputs are printed; the JSON report has them all. */
const SHOWN = 20;

/** Human lines for a program that did not finish: each pending resource or output with its declaring line. */
export function describePending(resources: PendingResource[], outputs: PendingOutputs[]): string[] {
    const lines: string[] = [];
    const more = (n: number) =>
        n > SHOWN ? [`  … and ${n - SHOWN} more (all listed in the --json report under incomplete.pending)`] : [];
    if (resources.length > 0) {
        lines.push(
            `${resources.length} resource${resources.length === 1 ? "" : "s"} declared but never registered (inputs still unresolved):`,
        );
        for (const r of resources.slice(0, SHOWN))
            lines.push(
                `  ${r.type} ${r.name} ${r.urn} [${r.file}:${r.line}]${r.waitingFor.length ? ` waiting for: ${r.waitingFor.join(", ")}` : ""}`,
            );
        lines.push(...more(resources.length));
    }
    if (outputs.length > 0) {
        lines.push(`${outputs.length} component${outputs.length === 1 ? "" : "s"} with outputs still pending:`);
        for (const o of outputs.slice(0, SHOWN))
            lines.push(`  ${o.type} ${o.name} ${o.urn} [${o.file}:${o.line}] outputs: ${o.keys.join(", ")}`);
        lines.push(...more(outputs.length));
    }
    if (lines.length === 0)
        lines.push(
            "every declared resource was registered: the program itself (or its stack outputs) awaits a value that never resolves.",
        );
    return lines;
}
