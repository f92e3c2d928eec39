import { strict as assert } from "assert";
import * as path from "path";
import {
    eksVersionAtLeast,
    EXEMPTION_PREFIX,
    EXEMPTIONS,
    MIN_EKS_VERSION,
    POLICY_MODULES,
    TLS_POLICIES,
    TYPES,
} from "../lib/contract";
import { PROJECT_ROOT, runProgram } from "../lib/engine";

/** The platform contract (lib/contract.ts): the literals program, pack and tools share must agree with each other. */

function packPolicyNames(): string[] {
    // The domain modules only build policy objects; policy/index.ts (which starts the gRPC server) is never loaded.
    return POLICY_MODULES.flatMap((m) =>
        ((require(path.join(PROJECT_ROOT, "policy", m)) as { policies: { name: string }[] }).policies ?? []).map(
            (p) => p.name,
        ),
    );
}

/** Every tag / label / annotation key under the exemption prefix anywhere in `value`. */
function exemptionKeysIn(value: unknown, out = new Set<string>()): Set<string> {
    if (Array.isArray(value)) value.forEach((v) => exemptionKeysIn(v, out));
    else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) {
            if (k.startsWith(EXEMPTION_PREFIX)) out.add(k);
            exemptionKeysIn(v, out);
        }
    }
    return out;
}

describe("platform contract", () => {
    it("names an existing policy of the pack in every exemption key", () => {
        const names = new Set(packPolicyNames());
        assert.ok(names.size > 50, `expected the whole pack, got ${names.size} policies`);
        for (const [key, value] of Object.entries(EXEMPTIONS)) {
            assert.ok(value.startsWith(EXEMPTION_PREFIX), `${key} must start with ${EXEMPTION_PREFIX}`);
            const policy = value.slice(EXEMPTION_PREFIX.length);
            assert.ok(names.has(policy), `EXEMPTIONS.${key} = ${value} names no policy of the pack`);
        }
    });

    it("lists every exemption key the program writes (dev and prod)", async () => {
        const known = new Set<string>(Object.values(EXEMPTIONS));
        for (const stack of ["dev", "prod"]) {
            const { capture } = await runProgram(stack);
            const written = new Set<string>();
            for (const r of capture.resources) exemptionKeysIn(r.inputs, written);
            assert.ok(
                written.has(EXEMPTIONS.s3SseKmsRequired),
                `${stack}: the ALB access log bucket carries its STO-01 exemption`,
            );
            for (const key of written)
                assert.ok(
                    known.has(key),
                    `${stack}: ${key} is written by the program but missing from lib/contract.ts EXEMPTIONS`,
                );
        }
    });

    it("allows only TLS 1.3 ELB policies, the 1.2-fallback one first", () => {
        assert.deepEqual(
            [...TLS_POLICIES],
            [
                "ELBSecurityPolicy-TLS13-1-2-2021-06",
                "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
                "ELBSecurityPolicy-TLS13-1-3-2021-06",
            ],
        );
    });

    it("compares EKS versions numerically from the minimum 1.31", () => {
        assert.equal(MIN_EKS_VERSION, "1.31");
        const table: [string, boolean][] = [
            ["1.31", true],
            ["1.32", true],
            ["1.100", true],
            ["2.0", true],
            ["1.30", false],
            ["1.4", false],
            ["latest", false],
            ["", false],
        ];
        for (const [v, ok] of table) assert.equal(eksVersionAtLeast(v), ok, `eksVersionAtLeast(${JSON.stringify(v)})`);
    });

    it("names each resource type token once, in the <package>:<module>:<Type> form", () => {
        const seen = new Map<string, string>();
        for (const [key, token] of Object.entries(TYPES)) {
            assert.match(token, /^(aws|eks|kubernetes|platform):[A-Za-z0-9./-]+:[A-Z][A-Za-z0-9]*$/, `TYPES.${key}`);
            assert.ok(!seen.has(token), `TYPES.${key} repeats TYPES.${seen.get(token)} (${token})`);
            seen.set(token, key);
        }
    });

    it("assembles the pack from the contract's module list", () => {
        for (const m of POLICY_MODULES) {
            const mod = require(path.join(PROJECT_ROOT, "policy", m)) as { policies?: unknown[] };
            assert.ok(Array.isArray(mod.policies) && mod.policies.length > 0, `policy/${m} exports no policies`);
        }
    });
});
