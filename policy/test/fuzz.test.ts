import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { UNKNOWN_SENTINELS } from "../lib/unknowns";
import { POLICY_MODULES, TYPES } from "../../lib/contract";
import { runResourcePolicy, runStackPolicy, StackFixture } from "./support";

/**
 * Property-based tests of the pack: malformed resource inputs (wrong types, nulls, unknown
 * sentinels in odd places, huge and unicode values, deep nesting) give a violation or an advisory,
 * never an exception out of a policy. Every policy the pack assembles (lib/contract.ts POLICY_MODULES) runs on
 * every generated resource of a type the pack names (lib/contract.ts TYPES), as the analyzer would call it.
 */

const POLICY_DIR = path.resolve(__dirname, "..");
const SEED = 20261129;
const RESOURCE_RUNS = 150;
const STACK_RUNS = 40;

/** The policy modules policy/index.ts assembles (the platform contract's list), as the pack loads them. */
function packPolicies(): (ResourceValidationPolicy | StackValidationPolicy)[] {
    const found = new Map<string, ResourceValidationPolicy | StackValidationPolicy>();
    for (const m of POLICY_MODULES) {
        const { policies } = require(path.join(POLICY_DIR, m)) as {
            policies: (ResourceValidationPolicy | StackValidationPolicy)[];
        };
        for (const p of policies) found.set(p.name, p);
    }
    return [...found.values()];
}

/** Every source file of the pack (tests excluded), for the property names it reads. */
function packSources(dir = POLICY_DIR): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return e.name === "test" || e.name === "node_modules" ? [] : packSources(p);
        return e.name.endsWith(".ts") ? [fs.readFileSync(p, "utf8")] : [];
    });
}

const policies = packPolicies();
const resourcePolicies = policies.filter(
    (p): p is ResourceValidationPolicy => "validateResource" in p && p.validateResource !== undefined,
);
const stackPolicies = policies.filter((p): p is StackValidationPolicy => "validateStack" in p);
const sources = packSources().join("\n");
const contract = path.resolve(POLICY_DIR, "..", "lib", "contract.ts");
const allText = sources + (fs.existsSync(contract) ? fs.readFileSync(contract, "utf8") : "");
/** The pack names every type token through the contract. */
const TYPE_TOKENS: string[] = [...new Set(Object.values(TYPES))].sort();
const KEYS = [...new Set([...allText.matchAll(/["'`.]([a-zA-Z][a-zA-Z0-9]{1,40})\b/g)].map((m) => m[1]))].sort();

const sentinel = fc.constantFrom(...UNKNOWN_SENTINELS);
const scalar: fc.Arbitrary<unknown> = fc.oneof(
    fc.constantFrom<unknown>(
        null,
        true,
        false,
        0,
        -1,
        1e308,
        -0,
        "",
        " ",
        "*",
        "0.0.0.0/0",
        "::/0",
        "true",
        "false",
        "22",
        "arn:aws:iam::*:root",
        "{",
        "[]",
        "\u0000",
        "😀".repeat(200),
        "a1".repeat(5_000),
    ),
    fc.string({ unit: "grapheme", maxLength: 30 }),
    fc.double(),
    fc.integer(),
    sentinel,
);
const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
    tree: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        { weight: 4, arbitrary: scalar },
        { weight: 2, arbitrary: fc.array(tie("tree"), { maxLength: 4 }) },
        {
            weight: 3,
            arbitrary: fc.dictionary(
                fc.oneof(
                    fc.constantFrom(...KEYS),
                    fc.string({ maxLength: 8 }),
                    fc.constantFrom("__proto__", "constructor"),
                ),
                tie("tree"),
                { maxKeys: 6 },
            ),
        },
    ),
}));
const deep = fc
    .tuple(fc.integer({ min: 50, max: 400 }), fc.constantFrom(...KEYS), fc.boolean())
    .map(([depth, key, arr]) => {
        let v: unknown = "x";
        for (let i = 0; i < depth; i++) v = arr ? [v] : { [key]: v };
        return v;
    });
/** Props: known property names (as the pack reads them) with malformed values, plus noise. */
const props = fc.dictionary(
    fc.constantFrom(...KEYS),
    fc.oneof({ weight: 5, arbitrary: tree }, { weight: 1, arbitrary: deep }),
    { minKeys: 1, maxKeys: 10 },
);

function checkRun(run: Awaited<ReturnType<typeof runResourcePolicy>>, policy: string) {
    for (const v of run.violations) {
        assert.ok(typeof v.message === "string" && v.message.trim().length > 0, `${policy}: empty violation message`);
        assert.ok(
            ["mandatory", "advisory", "remediate", "disabled"].includes(v.enforcementLevel),
            `${policy}: level ${v.enforcementLevel}`,
        );
    }
}

describe("policy pack under fuzzed resource inputs", function () {
    this.timeout(120_000);

    it("finds the assembled policies and the types they cover", () => {
        assert.ok(
            resourcePolicies.length >= 30,
            `only ${resourcePolicies.length} resource policies found through POLICY_MODULES`,
        );
        assert.ok(stackPolicies.length >= 1, "no stack policy found");
        for (const t of [
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:rds/instance:Instance",
            "kubernetes:apps/v1:Deployment",
        ])
            assert.ok(TYPE_TOKENS.includes(t), `type ${t} not found in the contract's TYPES`);
    });

    it(`runs every resource policy on ${RESOURCE_RUNS} malformed resources without an exception escaping`, async () => {
        await fc.assert(
            fc.asyncProperty(fc.constantFrom(...TYPE_TOKENS), props, async (type, p) => {
                // As @pulumi/policy does: a validator tagged with one type (validateResourceOfType) only sees that type.
                const applicable = resourcePolicies.filter((x) => {
                    const tag = (x.validateResource as { __pulumiType?: string }).__pulumiType;
                    return tag === undefined || tag === type;
                });
                for (const policy of applicable) {
                    let run;
                    try {
                        run = await runResourcePolicy(policy, type, p);
                    } catch (e) {
                        assert.fail(`${policy.name} threw on ${type}: ${(e as Error)?.stack ?? String(e)}`);
                    }
                    checkRun(run, policy.name);
                }
            }),
            { numRuns: RESOURCE_RUNS, seed: SEED, endOnFailure: true },
        );
    });

    it(`runs every stack policy on ${STACK_RUNS} malformed stacks of up to 8 resources without an exception escaping`, async () => {
        const fixture = fc.record({
            type: fc.constantFrom(...TYPE_TOKENS),
            props,
            deps: fc.array(fc.nat(), { maxLength: 3 }),
            parent: fc.option(fc.nat(), { nil: undefined }),
        });
        await fc.assert(
            fc.asyncProperty(fc.array(fixture, { minLength: 1, maxLength: 8 }), async (drafts) => {
                const names = drafts.map((_, i) => `r${i}`);
                const fixtures: StackFixture[] = drafts.map((d, i) => ({
                    type: d.type,
                    name: names[i],
                    props: d.props,
                    deps:
                        d.deps.length > 0
                            ? { [KEYS[d.deps[0] % KEYS.length]]: d.deps.map((n) => names[n % names.length]) }
                            : undefined,
                    parent: d.parent === undefined ? undefined : names[d.parent % names.length],
                }));
                for (const policy of stackPolicies) {
                    let run;
                    try {
                        run = await runStackPolicy(policy, fixtures);
                    } catch (e) {
                        assert.fail(`${policy.name} threw: ${(e as Error)?.stack ?? String(e)}`);
                    }
                    checkRun(run, policy.name);
                }
            }),
            { numRuns: STACK_RUNS, seed: SEED, endOnFailure: true },
        );
    });
});
