import { AnalyzerInfoSummary, Diagnostic, Level, Pack, PackConfig, ResourceInput } from "./analyzer";

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

export interface PolicyVerdict {
    info: AnalyzerInfoSummary;
    diagnostics: Diagnostic[];
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
                try {
                    await pack.configure(config);
                } catch (e) {
                    if (/invalid policy pack config/.test((e as Error).message)) throw new PolicyError("config", (e as Error).message);
                    throw packFailure(e, pack);
                }
                await configureStack(pack, stack, project);
                const levels = new Map<string, Level>();
                const all = typeof config.all === "string" ? config.all : undefined;
                for (const p of info.policies) {
                    const entry = config[p.name];
                    levels.set(p.name, (typeof entry === "string" ? entry : entry?.enforcementLevel) ?? all ?? p.enforcementLevel);
                }
                return { pack, info, levels };
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
                    const res = await pack.analyze(resource);
                    this.diagnostics.push(...res.diagnostics.map((d) => ({ ...d, urn: d.urn || resource.urn || "" })));
                    this.analyzedUrns.add(resource.urn ?? "");
                    this.onAnalyzed(++this.analyzed);
                } catch (e) {
                    throw packFailure(e, pack);
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
    async readyState(): Promise<{ info: AnalyzerInfoSummary; levels: Map<string, Level>; pack: Pack } | undefined> {
        return Promise.race([this.ready.catch(() => undefined), new Promise<undefined>((r) => setImmediate(() => r(undefined)))]);
    }

    /** Waits for the pack and the queued Analyze calls, then runs AnalyzeStack over the whole stack. */
    async finish(resources: ResourceInput[]): Promise<PolicyVerdict> {
        const t0 = Date.now();
        const { pack, info, levels } = await this.ready;
        const tReady = Date.now();
        await Promise.all(this.pending);
        if (this.failure) throw this.failure;
        const tStack = Date.now();
        try {
            this.diagnostics.push(...(await pack.analyzeStack(resources)).diagnostics);
        } catch (e) {
            throw packFailure(e, pack);
        }
        const end = Date.now();
        return { info, diagnostics: this.diagnostics, levels, timings: { packWaitMs: tReady - t0, policyMs: end - tReady, analyzeStackMs: end - tStack } };
    }
}
