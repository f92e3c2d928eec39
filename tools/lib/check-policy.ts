import { AnalyzerInfoSummary, Diagnostic, Level, Pack, PackConfig, ResolvedConfig, ResourceInput } from "./analyzer";

/**
 * The policy side of `check`: configures the pack like the CLI (every policy, with its schema
 * defaults), then streams each resource to Analyze as the program registers it — the engine also
 * analyzes per registration — so the pack works while the program runs; AnalyzeStack follows once
 * the program is done.
 */

export class PolicyError extends Error {
    constructor(
        readonly kind: "config" | "pack",
        message: string,
    ) {
        super(message);
    }
}

/** A policy that threw instead of returning a verdict (e.g. it needs live AWS): reported, never hiding the other results. */
export interface PolicyFailure {
    policyName: string;
    /** The resource it threw on ('' for a stack policy). */
    urn: string;
    /** The error message and the first stack frames, as the pack reported them. */
    message: string;
}

export interface PolicyVerdict {
    info: AnalyzerInfoSummary;
    diagnostics: Diagnostic[];
    /** Policies that threw; each was then disabled and the affected resources analyzed again for every other policy. */
    failures: PolicyFailure[];
    /** Each policy's level after the stack's policy config. */
    levels: Map<string, Level>;
    timings: { packWaitMs: number; policyMs: number; analyzeStackMs: number };
}

// eslint-disable-next-line no-control-regex
const plainText = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");

/** A pack failure with the pack's own last words (a policy's stack trace, a compile error). */
export function packFailure(e: unknown, pack?: Pack): PolicyError {
    if (e instanceof PolicyError) return e;
    const err = e as Error & { details?: string };
    const detail = plainText(err?.details ?? err?.message ?? String(e));
    const log = pack ? plainText(pack.stderr()).trim().split("\n").slice(-15).join("\n") : "";
    return new PolicyError("pack", `${detail}${log ? `\n--- policy pack stderr (last lines) ---\n${log}` : ""}`);
}

/** ConfigureStack tells the pack which stack it judges (the CLI sends it; a pack may not implement it). */
function configureStack(pack: Pack, stack: string, project: string): Promise<void> {
    const pb = require("@pulumi/pulumi/proto/analyzer_pb");
    const req = new pb.AnalyzerStackConfigureRequest();
    req.setStack(stack);
    req.setProject(project);
    req.setDryRun(true);
    return new Promise<void>((resolve) => (pack.client as any).configureStack(req, () => resolve()));
}

interface Ready {
    pack: Pack;
    info: AnalyzerInfoSummary;
    levels: Map<string, Level>;
    resolved: ResolvedConfig;
}

// @pulumi/policy server.ts wraps an exception of a policy as "Error validating resource with policy '<name>' from policy pack ..."
// (asGrpcError keeps the stack), and the whole Analyze/AnalyzeStack call fails.
const THROWN = /Error (?:validating|remediating) (?:resource|stack) with (?:policy|remediation) '([^']+)'/;

/** The policy named in a pack error, with the error text after the wrapper line (trimmed to the first frames). */
export function thrownPolicy(e: unknown): { policyName: string; message: string } | undefined {
    const err = e as Error & { details?: string };
    const text = plainText(err?.details ?? err?.message ?? String(e));
    const m = THROWN.exec(text);
    if (!m) return undefined;
    const rest = text.slice(text.indexOf(m[0]) + m[0].length).replace(/^[^\n]*\n/, "");
    const lines = rest.split("\n").filter((l) => l.trim() !== "");
    return { policyName: m[1], message: lines.slice(0, 4).join("\n").trim() || text };
}

export class PolicySession {
    private readonly ready: Promise<Ready>;
    private readonly pending: Promise<void>[] = [];
    private readonly diagnostics: Diagnostic[] = [];
    private readonly waiting: (() => void)[] = [];
    private inFlight = 0;
    private analyzed = 0;
    private failure: unknown;
    private readonly analyzedUrns = new Set<string>();
    /** Resources whose Analyze call failed because a policy threw: analyzed again once the throwing policies are disabled. */
    private readonly retry: ResourceInput[] = [];
    private readonly failures: PolicyFailure[] = [];

    constructor(
        packStart: Promise<Pack>,
        config: PackConfig,
        stack: string,
        project: string,
        private readonly onAnalyzed: (count: number) => void = () => undefined,
        /** Analyze calls in flight: the pack is one Node process, so parallelism hides round trips, not CPU. */
        private readonly limit = 16,
    ) {
        this.ready = packStart.then(
            async (pack) => {
                let info: AnalyzerInfoSummary;
                try {
                    info = await pack.getAnalyzerInfo();
                } catch (e) {
                    throw packFailure(e, pack);
                }
                let resolved: ResolvedConfig;
                try {
                    resolved = await pack.configure(config);
                } catch (e) {
                    if (/invalid policy pack config/.test((e as Error).message))
                        throw new PolicyError("config", (e as Error).message);
                    throw packFailure(e, pack);
                }
                await configureStack(pack, stack, project);
                // The levels the pack now applies: defaults, then the pack's initialConfig, then the stack's config (as the CLI).
                const levels = new Map<string, Level>(
                    info.policies.map((p) => [p.name, resolved[p.name]?.enforcementLevel ?? p.enforcementLevel]),
                );
                return { pack, info, levels, resolved };
            },
            (e) => {
                throw packFailure(e);
            },
        );
        this.ready.catch(() => undefined); // judged in finish(); never an unhandled rejection
    }

    private async slot(): Promise<void> {
        if (this.inFlight < this.limit) {
            this.inFlight++;
            return;
        }
        await new Promise<void>((resolve) => this.waiting.push(resolve));
    }

    private release() {
        const next = this.waiting.shift();
        if (next) next();
        else this.inFlight--;
    }

    /** Queues Analyze for one resource; violations the policy reports without a URN belong to it, as in the engine. */
    submit(resource: ResourceInput) {
        const done = this.ready
            .then(async ({ pack }) => {
                await this.slot();
                try {
                    await this.analyzeOne(pack, resource);
                    this.onAnalyzed(++this.analyzed);
                } finally {
                    this.release();
                }
            })
            .catch((e) => {
                this.failure ??= e;
            });
        this.pending.push(done);
    }

    /** What the pack has reported so far (a check stopped by its --timeout or a signal still reports these). */
    partial(): { diagnostics: Diagnostic[]; analyzedUrns: Set<string> } {
        return { diagnostics: [...this.diagnostics], analyzedUrns: new Set(this.analyzedUrns) };
    }

    /** Levels and pack info, when the pack got as far as being configured. */
    async readyState(): Promise<Ready | undefined> {
        return Promise.race([
            this.ready.catch(() => undefined),
            new Promise<undefined>((r) => setImmediate(() => r(undefined))),
        ]);
    }

    private async analyzeOne(pack: Pack, resource: ResourceInput) {
        try {
            const res = await pack.analyze(resource);
            this.diagnostics.push(...res.diagnostics.map((d) => ({ ...d, urn: d.urn || resource.urn || "" })));
            this.analyzedUrns.add(resource.urn ?? "");
        } catch (e) {
            const thrown = thrownPolicy(e);
            if (!thrown) throw packFailure(e, pack);
            this.failures.push({ ...thrown, urn: resource.urn ?? "" });
            this.retry.push(resource);
        }
    }

    /** Disables every policy that threw so far (the pack stops at the first throwing policy of a call), keeping all other settings. */
    private async disableThrowers(pack: Pack, resolved: ResolvedConfig) {
        const off: ResolvedConfig = {};
        const thrown = new Set(this.failures.map((f) => f.policyName));
        for (const [name, c] of Object.entries(resolved))
            off[name] = thrown.has(name) ? { ...c, enforcementLevel: "disabled" } : c;
        try {
            await pack.configureResolved(off);
        } catch (e) {
            throw packFailure(e, pack);
        }
    }

    /**
     * Waits for the pack and the queued Analyze calls, analyzes again (with the throwing policies disabled)
     * the resources a throwing policy cut short, then runs AnalyzeStack over the whole stack the same way.
     */
    async finish(resources: ResourceInput[]): Promise<PolicyVerdict> {
        const t0 = Date.now();
        const { pack, info, levels, resolved } = await this.ready;
        const tReady = Date.now();
        await Promise.all(this.pending);
        if (this.failure) throw this.failure;
        // Each round disables at least one more policy, so this ends within the number of policies.
        for (let round = 0; this.retry.length > 0 && round <= info.policies.length; round++) {
            await this.disableThrowers(pack, resolved);
            const again = this.retry.splice(0);
            for (const r of again) await this.analyzeOne(pack, r);
        }
        const tStack = Date.now();
        for (let round = 0; round <= info.policies.length; round++) {
            try {
                this.diagnostics.push(...(await pack.analyzeStack(resources)).diagnostics);
                break;
            } catch (e) {
                const thrown = thrownPolicy(e);
                if (!thrown || this.failures.some((f) => f.policyName === thrown.policyName && f.urn === ""))
                    throw packFailure(e, pack);
                this.failures.push({ ...thrown, urn: "" });
                await this.disableThrowers(pack, resolved);
            }
        }
        const end = Date.now();
        return {
            info,
            diagnostics: this.diagnostics,
            failures: this.failures,
            levels,
            timings: { packWaitMs: tReady - t0, policyMs: end - tReady, analyzeStackMs: end - tStack },
        };
    }
}
