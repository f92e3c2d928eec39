import { strict as assert } from "assert";
import { CheckOptions, readPolicyConfig, runCheck, toInput } from "../../tools/check";
import { Diagnostic, Pack, PackConfig, ResourceInput, startPack } from "../../tools/lib/analyzer";
import { PolicySession } from "../../tools/lib/check-policy";

/**
 * Insecure changes to this program, judged by the real policy pack as `check` judges the program.
 *
 * The program runs once (prod, under mocks, through `runCheck`); each mutation then edits a copy of what it
 * registered, the way a code change would make it register something else (an input changed, a resource
 * added or dropped), and the pack judges the copy over the analyzer protocol: Analyze for every resource the
 * mutation changed or added, AnalyzeStack for the whole stack, with the stack's own policy config. A mutation
 * is blocked when it brings a mandatory violation the unchanged program does not have.
 *
 *   const h = await MutationHarness.start();
 *   const v = await h.judge({ name: "RDS made public", apply: (rs) => set(one(rs, RDS_INSTANCE), "publiclyAccessible", true) });
 *   assert.ok(v.blockedBy.includes("rds-not-public"));
 */

export interface Mutation {
    /** The insecure change, in a reviewer's words. */
    name: string;
    /** Edits the copies in place (may push or splice resources); throws when the resource it targets is absent. */
    apply(resources: ResourceInput[]): void;
}

export interface MutationVerdict {
    /** Names of the policies with a mandatory violation the unchanged program does not have. */
    blockedBy: string[];
    /** Those violations, with their messages. */
    violations: Diagnostic[];
}

const key = (d: Diagnostic) => `${d.policyName}\0${d.urn}\0${d.urn ? "" : d.message}`;

export class MutationHarness {
    private constructor(
        private readonly pack: Pack,
        private readonly stack: string,
        private readonly project: string,
        private readonly config: PackConfig,
        /** What the program registers, unchanged. */
        readonly resources: ResourceInput[],
        private readonly baseline: Set<string>,
        /** Each unchanged resource as JSON, by URN: what a mutation's copy is compared with. */
        private readonly unchanged = new Map(resources.map((r) => [r.urn!, JSON.stringify(r)])),
    ) {}

    static async start(stack = "prod", options: Partial<CheckOptions> = {}): Promise<MutationHarness> {
        const pack = await startPack();
        const io = { out: () => undefined, err: () => undefined };
        const args: CheckOptions = {
            stack,
            verbose: false,
            quiet: true,
            help: false,
            color: false,
            progress: false,
            pack,
            ...options,
        };
        const result = await runCheck(args, io);
        if (result.error) {
            await pack.stop();
            throw new Error(`check --stack ${stack} failed: ${result.error.message}`);
        }
        // The pack config and the project name the check itself used.
        const { config } = readPolicyConfig(args);
        const baseline = new Set(
            result.violations
                .filter((v) => v.enforcementLevel === "mandatory")
                .map((v) => key({ ...v, urn: v.urn ?? "" } as Diagnostic)),
        );
        return new MutationHarness(pack, stack, result.project, config, result.resources.map(toInput), baseline);
    }

    /** Applies `m` to a copy of the program's resources and runs the pack over the result. */
    async judge(m: Mutation): Promise<MutationVerdict> {
        const copy = structuredClone(this.resources);
        m.apply(copy);
        const changed = copy.filter((r) => this.unchanged.get(r.urn!) !== JSON.stringify(r));
        if (changed.length === 0 && copy.length === this.resources.length)
            throw new Error(`mutation "${m.name}" changed nothing`);
        const session = new PolicySession(Promise.resolve(this.pack), this.config, this.stack, this.project);
        for (const r of changed) session.submit(r);
        const verdict = await session.finish(copy);
        if (verdict.failures.length)
            throw new Error(
                `mutation "${m.name}": policies threw: ${verdict.failures.map((f) => `${f.policyName}: ${f.message}`).join("; ")}`,
            );
        const violations = verdict.diagnostics.filter(
            (d) => d.enforcementLevel === "mandatory" && !this.baseline.has(key(d)),
        );
        return { blockedBy: [...new Set(violations.map((v) => v.policyName))].sort(), violations };
    }

    stop(): Promise<void> {
        return this.pack.stop();
    }
}

/** A row of a mutation table: the insecure change and the policy that must block it. */
export interface MutationRow extends Mutation {
    blockedBy: string;
    /** The program it changes: this project's (default) or bootstrap/'s. */
    project?: "platform" | "bootstrap";
}

/**
 * A mocha suite over a mutation table, on the prod stack: each row must be blocked by the policy it names (among
 * any others), and each `harmless` change must be blocked by none.
 */
export function mutationSuite(title: string, rows: MutationRow[], harmless: Mutation[] = []): void {
    describe(title, function () {
        this.timeout(300_000);
        const harness: Partial<Record<NonNullable<MutationRow["project"]>, MutationHarness>> = {};
        before(async () => {
            harness.platform = await MutationHarness.start("prod");
            if (rows.some((r) => r.project === "bootstrap"))
                harness.bootstrap = await MutationHarness.start("prod", { project: "bootstrap" });
        });
        after(async () => {
            await harness.platform?.stop();
            await harness.bootstrap?.stop();
        });
        for (const m of harmless)
            it(`lets through: ${m.name}`, async () => {
                assert.deepEqual((await harness.platform!.judge(m)).blockedBy, []);
            });
        for (const row of rows)
            it(`blocks: ${row.name} (${row.blockedBy})`, async () => {
                const v = await harness[row.project ?? "platform"]!.judge(row);
                assert.ok(
                    v.blockedBy.includes(row.blockedBy),
                    `expected ${row.blockedBy} to block "${row.name}"; blocked by [${v.blockedBy.join(", ")}]`,
                );
            });
    });
}

// ---------------------------------------------------------------- editing helpers

/** The resources of `type` (a TYPES token), optionally whose name matches. */
export function all(resources: ResourceInput[], type: string, name?: RegExp): ResourceInput[] {
    return resources.filter((r) => r.type === type && (!name || name.test(r.name)));
}

/** The one resource of `type` (and name): throws when there is none, so a mutation never silently misses. */
export function one(resources: ResourceInput[], type: string, name?: RegExp): ResourceInput {
    const found = all(resources, type, name);
    if (found.length === 0) throw new Error(`no ${type}${name ? ` named ${name}` : ""} in the program`);
    return found[0];
}

/** Sets `value` at a dotted path of a resource's inputs (`"spec.template.spec.hostNetwork"`, `"rules.0.cidr"`). */
export function set(r: ResourceInput, dotted: string, value: unknown): void {
    const parts = dotted.split(".");
    let o: any = r.props;
    for (const p of parts.slice(0, -1)) {
        if (o[p] === undefined || o[p] === null) o[p] = /^\d+$/.test(p) ? [] : {};
        o = o[p];
    }
    if (value === undefined) delete o[parts[parts.length - 1]];
    else o[parts[parts.length - 1]] = value;
}

/** The value at a dotted path of a resource's inputs. */
export function get(r: ResourceInput, dotted: string): any {
    return dotted.split(".").reduce((o: any, p) => (o === undefined || o === null ? undefined : o[p]), r.props);
}

/** Drops every resource of `type` (and name); throws when there is none. */
export function drop(resources: ResourceInput[], type: string, name?: RegExp): void {
    const before = resources.length;
    for (let i = resources.length - 1; i >= 0; i--)
        if (resources[i].type === type && (!name || name.test(resources[i].name))) resources.splice(i, 1);
    if (resources.length === before) throw new Error(`no ${type}${name ? ` named ${name}` : ""} to drop`);
}

/** Adds a resource next to `like` (same parent and URN prefix), as a changed program would register it. */
export function add(
    resources: ResourceInput[],
    like: ResourceInput,
    r: { type: string; name: string; props: Record<string, unknown> },
): ResourceInput {
    const prefix = like.urn!.slice(0, like.urn!.lastIndexOf("::", like.urn!.lastIndexOf("::") - 1));
    const parentType = like.urn!.split("::")[2].split("$").slice(0, -1).join("$");
    const added: ResourceInput = {
        ...r,
        urn: `${prefix}::${parentType ? `${parentType}$` : ""}${r.type}::${r.name}`,
        parent: like.parent,
        dependencies: [],
        propertyDependencies: {},
    };
    resources.push(added);
    return added;
}
