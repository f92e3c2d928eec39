import { strict as assert } from "assert";
import {
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    UnknownValueError,
    unknownCheckingProxy,
} from "@pulumi/policy";

/**
 * Calls a policy's validate function directly, the way @pulumi/policy's analyzer server does: props go
 * through the same unknown-checking proxy, config comes from `getConfig`, and violations are collected.
 * An UnknownValueError (a preview unknown) is reported like the server does, as an advisory
 * "can't run policy ... during preview" line, so tests can assert no mandatory failure.
 */

export interface Violation {
    policy: string;
    message: string;
    urn?: string;
    enforcementLevel: string;
}

export interface PolicyRun {
    violations: Violation[];
    /** Only the messages (without the description prefix the server adds). */
    messages: string[];
    /** Violations that would block (the policy's own level, unless a violation carries its own). */
    mandatory: string[];
    advisory: string[];
    /** True when the policy stopped on a preview unknown. */
    unknown: boolean;
}

type AnyPolicy = ResourceValidationPolicy | StackValidationPolicy;

function collector(policy: AnyPolicy, level: string): { report: ReportViolation; violations: Violation[] } {
    const violations: Violation[] = [];
    const report = ((message: string | Record<string, any>, urn?: string) => {
        if (typeof message === "object") {
            const text = String(message.message ?? "");
            const stripped = text.startsWith(`${policy.description}\n`)
                ? text.slice(policy.description.length + 1)
                : text;
            violations.push({
                policy: message.name ?? policy.name,
                message: stripped,
                urn: message.urn,
                enforcementLevel: message.enforcementLevel ?? level,
            });
        } else {
            violations.push({ policy: policy.name, message: message ?? "", urn, enforcementLevel: level });
        }
    }) as ReportViolation;
    return { report, violations };
}

function summarise(violations: Violation[], unknown: boolean): PolicyRun {
    return {
        violations,
        messages: violations.map((v) => v.message),
        mandatory: violations.filter((v) => v.enforcementLevel === "mandatory").map((v) => v.message),
        advisory: violations.filter((v) => v.enforcementLevel !== "mandatory").map((v) => v.message),
        unknown,
    };
}

function levelOf(policy: AnyPolicy, config: Record<string, any>): string {
    return (config.enforcementLevel as string | undefined) ?? policy.enforcementLevel ?? "advisory";
}

function withoutLevel(config: Record<string, any>): Record<string, any> {
    const { enforcementLevel: _ignored, ...rest } = config;
    void _ignored;
    return rest;
}

const isOfType = (cls: unknown, type: string): boolean => (cls as { __pulumiType?: string }).__pulumiType === type;

const urnOf = (type: string, name: string) => `urn:pulumi:test::aws-platform::${type}::${name}`;

/** Runs a resource policy against one resource; returns the violations. */
export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    type: string,
    props: Record<string, any>,
    config: Record<string, any> = {},
    name = "subject",
): Promise<PolicyRun> {
    const level = levelOf(policy, config);
    const { report, violations } = collector(policy, level);
    const proxied = unknownCheckingProxy(JSON.parse(JSON.stringify(props)));
    const args: ResourceValidationArgs = {
        type,
        props: proxied,
        urn: urnOf(type, name),
        name,
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        // As @pulumi/policy's server does (isTypeOf): a provider class matches by its `__pulumiType`.
        isType: (cls) => isOfType(cls, type),
        asType: (cls) => (isOfType(cls, type) ? (proxied as any) : undefined),
        getConfig: <T extends object>() => withoutLevel(config) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason}`);
        },
    };
    let unknown = false;
    const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : policy.validateResource
          ? [policy.validateResource]
          : [];
    for (const v of validations) {
        try {
            await v(args, report);
        } catch (e) {
            if (!(e instanceof UnknownValueError)) throw e;
            unknown = true;
        }
    }
    return summarise(violations, unknown);
}

/** A stack resource fixture: `deps` maps an input name to the `name`s of the resources it references. */
export interface StackFixture {
    type: string;
    name: string;
    props: Record<string, any>;
    deps?: Record<string, string[]>;
    parent?: string;
}

/** Builds PolicyResources (with resolved propertyDependencies/dependencies) the way the server does. */
export function stackResources(fixtures: StackFixture[]): PolicyResource[] {
    const byName = new Map<string, PolicyResource>();
    const out: PolicyResource[] = fixtures.map((f) => {
        const r: PolicyResource = {
            type: f.type,
            name: f.name,
            urn: urnOf(f.type, f.name),
            props: unknownCheckingProxy(JSON.parse(JSON.stringify(f.props))),
            opts: {
                protect: false,
                ignoreChanges: [],
                aliases: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
                additionalSecretOutputs: [],
            },
            dependencies: [],
            propertyDependencies: {},
            isType: (cls) => isOfType(cls, f.type),
            asType: (cls) => (isOfType(cls, f.type) ? (r.props as any) : undefined),
        };
        if (byName.has(f.name)) throw new Error(`duplicate fixture name ${f.name}`);
        byName.set(f.name, r);
        return r;
    });
    fixtures.forEach((f, i) => {
        const r = out[i];
        for (const [input, names] of Object.entries(f.deps ?? {})) {
            const targets = names.map((n) => {
                const t = byName.get(n);
                if (!t) throw new Error(`fixture ${f.name}: unknown dependency ${n}`);
                return t;
            });
            r.propertyDependencies[input] = targets;
            for (const t of targets) if (!r.dependencies.includes(t)) r.dependencies.push(t);
        }
        if (f.parent) r.parent = byName.get(f.parent);
    });
    return out;
}

/** Runs a stack policy over fixtures (or ready PolicyResources); returns the violations. */
export async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: StackFixture[] | PolicyResource[],
    config: Record<string, any> = {},
): Promise<PolicyRun> {
    const level = levelOf(policy, config);
    const { report, violations } = collector(policy, level);
    const list =
        resources.length > 0 && "urn" in resources[0]
            ? (resources as PolicyResource[])
            : stackResources(resources as StackFixture[]);
    const args: StackValidationArgs = {
        resources: list,
        stackTags: new Map(),
        getConfig: <T extends object>() => withoutLevel(config) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason}`);
        },
    };
    let unknown = false;
    try {
        await policy.validateStack(args, report);
    } catch (e) {
        if (!(e instanceof UnknownValueError)) throw e;
        unknown = true;
    }
    return summarise(violations, unknown);
}

/** Finds a policy by name in a module's `policies` array (fails loudly so a renamed policy breaks its test). */
export function policyNamed<T extends AnyPolicy>(policies: AnyPolicy[], name: string): T {
    const p = policies.find((x) => x.name === name);
    if (!p) throw new Error(`no policy named ${name}`);
    return p as T;
}

export interface Case {
    /** Behaviour, e.g. "rejects SSH open to the world". */
    it: string;
    type: string;
    props: Record<string, any>;
    config?: Record<string, any>;
    /** Expected mandatory-level message (regex); omit for a passing case. */
    rejects?: RegExp;
    /** Expected advisory-level message (regex). */
    warns?: RegExp;
}

/**
 * Runs one table case: a rejecting case must produce a violation named after the policy whose message
 * matches; a passing case must produce no blocking violation (and no advisory unless `warns`).
 */
export async function checkCase(policy: ResourceValidationPolicy, c: Case): Promise<PolicyRun> {
    const run = await runResourcePolicy(policy, c.type, c.props, c.config);
    const blocking = run.violations.filter(
        (v) => v.enforcementLevel === (c.config?.enforcementLevel ?? policy.enforcementLevel),
    );
    const show = () => JSON.stringify(run.violations, null, 1);
    if (c.rejects) {
        if (!blocking.some((v) => v.policy === policy.name && c.rejects!.test(v.message)))
            throw new Error(
                `${policy.name}: expected a ${policy.enforcementLevel} violation matching ${c.rejects}, got ${show()}`,
            );
    } else if (blocking.length > 0) {
        throw new Error(`${policy.name}: expected no ${policy.enforcementLevel} violation, got ${show()}`);
    }
    if (c.warns) {
        if (!run.violations.some((v) => v.enforcementLevel === "advisory" && c.warns!.test(v.message)))
            throw new Error(`${policy.name}: expected an advisory matching ${c.warns}, got ${show()}`);
    } else if (!c.rejects && policy.enforcementLevel === "mandatory" && run.advisory.length > 0 && !run.unknown) {
        throw new Error(`${policy.name}: expected no advisory, got ${show()}`);
    }
    return run;
}

const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/**
 * Section 0 "unknown values": for a passing case, every top-level input in turn (and every nested field of
 * object inputs) is made unknown, as in a first-deploy preview; the policy must not block on any of them.
 */
export async function checkUnknownsNeverBlock(policy: ResourceValidationPolicy, c: Case): Promise<void> {
    const variants: Array<[string, Record<string, any>]> = [];
    for (const [k, v] of Object.entries(c.props)) {
        variants.push([k, { ...c.props, [k]: UNKNOWN_STRING }]);
        if (v && typeof v === "object" && !Array.isArray(v))
            for (const k2 of Object.keys(v))
                variants.push([`${k}.${k2}`, { ...c.props, [k]: { ...v, [k2]: UNKNOWN_STRING } }]);
        if (Array.isArray(v) && v.length > 0)
            variants.push([`${k}[0]`, { ...c.props, [k]: [UNKNOWN_STRING, ...v.slice(1)] }]);
    }
    const level = c.config?.enforcementLevel ?? policy.enforcementLevel;
    for (const [path, props] of variants) {
        const run = await runResourcePolicy(policy, c.type, props, c.config);
        const blocking = run.violations.filter((v) => v.enforcementLevel === level);
        if (blocking.length > 0)
            throw new Error(`${policy.name}: unknown ${path} caused ${JSON.stringify(blocking.map((b) => b.message))}`);
    }
}

/** A mandatory violation of `policy` whose message contains `fragment`. */
export function assertRejected(run: PolicyRun, policy: string, fragment: string): void {
    const hit = run.violations.find((v) => v.policy === policy && v.message.includes(fragment));
    assert.ok(hit, `expected ${policy} to report "${fragment}", got ${JSON.stringify(run.violations)}`);
    assert.equal(hit.enforcementLevel, "mandatory", `${policy} blocks: ${hit.message}`);
}

/** No violation at all, and every value was known. */
export function assertClean(run: PolicyRun): void {
    assert.deepEqual(run.violations, [], `expected no violations, got ${JSON.stringify(run.violations)}`);
    assert.equal(run.unknown, false);
}

/** The policy stopped on a preview unknown without blocking. */
export function assertDeferred(run: PolicyRun): void {
    assert.equal(run.unknown, true, "stops on the preview unknown");
    assert.deepEqual(run.mandatory, [], "no mandatory violation from an unknown value");
}
