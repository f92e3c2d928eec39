import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import fc from "fast-check";
import { ConfigError, loadConfig, parseConfig } from "../config";
import { readStackConfig } from "./support/harness";

/**
 * Property-based tests of stack config validation: random mutations of the valid dev and prod
 * configs (wrong types, out-of-range and huge values, unknown keys, deep nesting, unicode, prototype
 * keys) must give either a valid config or exactly one ConfigError naming a `platform:` key, never an
 * internal exception, and never hang. The seed is fixed so a failure reproduces; fast-check prints
 * the shrunk counterexample.
 */

const STRUCTURED = ["edge", "cluster", "teams", "app", "database", "costAssumptions"];
const RUNS = 400;

function rawOf(stack: string): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(readStackConfig(stack))) {
        if (!k.startsWith("platform:")) continue;
        const key = k.slice("platform:".length);
        raw[key] = STRUCTURED.includes(key) ? JSON.parse(v) : v;
    }
    return raw;
}

const BASES = { dev: rawOf("dev"), prod: rawOf("prod") };

function nested(depth: number, leaf: unknown, asArray: boolean): unknown {
    let v = leaf;
    for (let i = 0; i < depth; i++) v = asArray ? [v] : { nested: v };
    return v;
}

const text = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.string({ maxLength: 40 }),
);
const huge = fc.constantFrom<unknown>(
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    -0,
    0.5,
    "9".repeat(400),
    "1e400",
    "a1".repeat(20_000), // long values must not make any pattern backtrack for seconds
    `db.${"m6g".repeat(5_000)}`,
    "x".repeat(100_000),
    "\u0000",
    "\u202e",
    "😀".repeat(1_000),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 2, arbitrary: text },
    { weight: 2, arbitrary: huge },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, true, false, "true", "false", "", " ", [], {}) },
    {
        weight: 1,
        arbitrary: fc
            .tuple(fc.integer({ min: 50, max: 2_000 }), fc.jsonValue({ maxDepth: 1 }), fc.boolean())
            .map(([d, leaf, arr]) => nested(d, leaf, arr)),
    },
);
const key = fc.oneof(
    text,
    fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "", "platform:azCount", "multiAZ"),
);

type Op = "set" | "delete" | "addKey" | "wrap" | "stringify";
interface Mutation {
    stack: "dev" | "prod";
    steps: number[];
    op: Op;
    value: unknown;
    key: string;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
    stack: fc.constantFrom("dev" as const, "prod" as const),
    steps: fc.array(fc.nat(), { maxLength: 5 }),
    op: fc.constantFrom<Op>("set", "set", "delete", "addKey", "wrap", "stringify"),
    value,
    key,
});

/** Applies a mutation at a random path of a copy of the base config (1 to 3 mutations per case). */
function mutate(base: Record<string, unknown>, ms: Mutation[]): Record<string, unknown> {
    const root = structuredClone(base);
    for (const m of ms) {
        let parent: any = root;
        let at: string | number = Object.keys(root)[m.steps[0] % Object.keys(root).length];
        for (const step of m.steps.slice(1)) {
            const node: any = parent[at];
            if (node === null || typeof node !== "object") break;
            const keys: (string | number)[] = Array.isArray(node)
                ? node.map((_: unknown, i: number) => i)
                : Object.keys(node);
            if (keys.length === 0) break;
            parent = node;
            at = keys[step % keys.length];
        }
        switch (m.op) {
            case "set":
                parent[at] = m.value;
                break;
            case "delete":
                if (Array.isArray(parent)) parent.splice(Number(at), 1);
                else delete parent[at];
                break;
            case "addKey":
                if (parent[at] && typeof parent[at] === "object" && !Array.isArray(parent[at]))
                    Object.defineProperty(parent[at], m.key, {
                        value: m.value,
                        enumerable: true,
                        writable: true,
                        configurable: true,
                    });
                else
                    Object.defineProperty(parent, m.key, {
                        value: m.value,
                        enumerable: true,
                        writable: true,
                        configurable: true,
                    });
                break;
            case "wrap":
                parent[at] = Array.isArray(m.value) ? [parent[at]] : { [String(m.key)]: parent[at] };
                break;
            case "stringify":
                parent[at] = typeof parent[at] === "object" ? JSON.stringify(parent[at]) : String(parent[at]);
                break;
        }
    }
    return root;
}

/** The only acceptable failure: one ConfigError that names a `platform:` key. */
function assertConfigOutcome(run: () => unknown, context: () => string) {
    try {
        run();
    } catch (e) {
        const err = e as Error;
        assert.ok(
            e instanceof ConfigError,
            `internal ${err?.name ?? typeof e} instead of a config error: ${err?.stack ?? String(e)}\n${context()}`,
        );
        // The key path right after the namespace; unusual keys are JSON-quoted, so empty or invisible ones still show.
        assert.match(
            err.message,
            /^Invalid stack config: platform:([A-Za-z0-9_.\-[\]]+|"(?:[^"\\]|\\.)*")+ /,
            `the error names no key: ${err.message}`,
        );
        assert.ok(!err.message.includes("\n    at "), "no stack trace in the message");
        assert.ok(err.message.length < 2_000, `one bounded message, got ${err.message.length} characters`);
    }
}

/** What the engine hands the program: every value a string, objects as JSON (as readStackConfig does). */
function asEngineConfig(raw: Record<string, unknown>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw))
        out[`platform:${k}`] =
            typeof v === "string" ? v : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
    return out;
}

describe("stack config validation under fuzzed input", function () {
    this.timeout(120_000);
    const params = { numRuns: RUNS, seed: 20261129, endOnFailure: true };

    it(`gives a valid config or one error naming a key for ${RUNS} random mutations of the dev and prod configs`, () => {
        fc.assert(
            fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
                const raw = mutate(BASES[ms[0].stack], ms);
                const started = Date.now();
                assertConfigOutcome(
                    () => parseConfig(raw),
                    () => JSON.stringify(ms).slice(0, 500),
                );
                assert.ok(Date.now() - started < 1_000, `validation took ${Date.now() - started} ms`);
            }),
            params,
        );
    });

    it(`gives a valid config or one error naming a key for ${RUNS} mutations read through the engine's string config`, () => {
        fc.assert(
            fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (ms, truncateJson) => {
                const config = asEngineConfig(mutate(BASES[ms[0].stack], ms));
                // A structured key whose YAML did not survive as JSON (e.g. cut off): the engine still hands over a string.
                if (truncateJson) config["platform:cluster"] = (config["platform:cluster"] ?? "{").slice(0, 17);
                pulumi.runtime.setAllConfig(config, []);
                assertConfigOutcome(
                    () => loadConfig(),
                    () => JSON.stringify(config).slice(0, 500),
                );
            }),
            params,
        );
    });

    // Not a speed test: a pattern that backtracks turns one pasted 50 kB value into a check that hangs for minutes.
    const LONG = 50_000;
    const PATHOLOGICAL = [
        "a" + "1".repeat(LONG) + "!",
        "a" + "-1".repeat(LONG / 2) + "!",
        "1".repeat(LONG) + "x",
        "db.a" + "1".repeat(LONG) + "!",
        "a.".repeat(LONG / 2),
        "sun:" + "0".repeat(LONG),
    ];
    const leaves = (v: unknown, at: (string | number)[] = []): (string | number)[][] =>
        typeof v === "string"
            ? [at]
            : v && typeof v === "object"
              ? Object.entries(v).flatMap(([k, x]) => leaves(x, [...at, Array.isArray(v) ? Number(k) : k]))
              : [];
    const paths = leaves(BASES.prod);

    it(`rejects ${PATHOLOGICAL.length} kinds of ${LONG.toLocaleString("en-US")}-character values at each of the ${paths.length} string keys of prod without hanging`, () => {
        for (const at of paths)
            for (const evil of PATHOLOGICAL) {
                const raw: any = structuredClone(BASES.prod);
                let node = raw;
                for (const k of at.slice(0, -1)) node = node[k];
                node[at[at.length - 1]] = evil;
                const started = Date.now();
                assertConfigOutcome(
                    () => parseConfig(raw),
                    () => `${at.join(".")} = ${evil.slice(0, 12)}…`,
                );
                const ms = Date.now() - started;
                assert.ok(
                    ms < 2_000,
                    `platform:${at.join(".")}: a ${evil.length}-character value took ${ms} ms to validate`,
                );
            }
    });

    after(() => pulumi.runtime.setAllConfig({}, []));
});
