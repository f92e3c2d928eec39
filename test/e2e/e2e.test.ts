import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseConfig } from "../../config";
import { PROJECT_ROOT } from "../support/harness";
import {
    E2eDeps,
    E2eOptions,
    Probe,
    StackLike,
    parseE2eArgs,
    rbacExpectations,
    runE2e,
    smoke,
    throwAwayConfig,
} from "./e2e";

/**
 * The e2e run's logic with the Automation API and the network STUBBED. These tests prove the
 * orchestration (config, always-destroy, verdicts); they do not prove the platform works in AWS.
 */

const BASE = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.dev.yaml"), "utf8");
const OPTIONS: E2eOptions = {
    stack: "e2e-pr42",
    account: "999988887777",
    domain: "e2e.sandbox.example.org",
    region: "eu-west-1",
    set: {},
    baseConfig: "Pulumi.dev.yaml",
};
const TEAMS = [
    { name: "payments", developersGroup: "payments-developers" },
    { name: "catalog", developersGroup: "catalog-developers" },
];
const OUTPUTS = {
    appUrl: { value: "https://app.e2e.sandbox.example.org" },
    databaseEndpoint: { value: "db.abc.eu-west-1.rds.amazonaws.com:5432" },
    teamNamespaces: { value: { payments: "payments", catalog: "catalog" } },
};

/** A platform that behaves: the probe answers like the edge and cluster are meant to. */
function healthyProbe(overrides: Partial<Probe> = {}): Probe {
    const expected = new Map(
        rbacExpectations(TEAMS, OUTPUTS.teamNamespaces.value).map((r) => [
            `${r.verb} ${r.resource} ${r.namespace} ${r.group}`,
            r.expect,
        ]),
    );
    return {
        request: async (url) =>
            url.startsWith("http:")
                ? { status: 301, headers: { location: url.replace("http:", "https:") } }
                : { status: 200, headers: { "strict-transport-security": "max-age=63072000; includeSubDomains" } },
        tlsHandshake: async (_h, min) => min === "TLSv1.2" || min === "TLSv1.3",
        tcpOpen: async () => false,
        canI: async (verb, resource, ns, group) => expected.get(`${verb} ${resource} ${ns} ${group}`)!,
        ...overrides,
    };
}

function stubStack(behaviour: { upFails?: boolean; destroyFails?: boolean } = {}) {
    const calls: string[] = [];
    const stack: StackLike = {
        up: async (o) => {
            calls.push(`up ${o.policyPacks.join(",")} ${o.policyPackConfigs.join(",")}`);
            if (behaviour.upFails) throw new Error("creating EKS cluster: AccessDenied");
            return { outputs: OUTPUTS };
        },
        destroy: async () => {
            calls.push("destroy");
            if (behaviour.destroyFails) throw new Error("DependencyViolation");
        },
        remove: async () => void calls.push("remove"),
    };
    return { stack, calls };
}

function deps(stack: StackLike, probe: Probe, calls: string[]): E2eDeps {
    return {
        createStack: async (name, yaml) => {
            calls.push(`create ${name} ${parse(yaml).config["aws:allowedAccountIds"][0]}`);
            return stack;
        },
        cleanupConfig: (name) => void calls.push(`cleanup ${name}`),
        probe,
        policyPack: "/repo/policy",
        policyPackConfig: "/repo/policy/config/dev.json",
        teams: TEAMS,
        log: () => undefined,
    };
}

describe("e2e (Automation API stubbed): throw-away stack lifecycle", () => {
    it("deploys with the policy pack, passes every smoke check, then destroys and removes the stack", async () => {
        const { stack, calls } = stubStack();
        const r = await runE2e(OPTIONS, BASE, deps(stack, healthyProbe(), calls));
        assert.equal(r.exitCode, 0, JSON.stringify(r.checks.filter((c) => !c.ok)));
        assert.deepEqual(calls, [
            "create e2e-pr42 999988887777",
            "up /repo/policy /repo/policy/config/dev.json",
            "destroy",
            "remove",
            "cleanup e2e-pr42",
        ]);
        assert.ok(r.checks.length >= 5 + rbacExpectations(TEAMS, OUTPUTS.teamNamespaces.value).length);
    });

    it("still destroys when the deploy fails, and reports failure", async () => {
        const { stack, calls } = stubStack({ upFails: true });
        const r = await runE2e(OPTIONS, BASE, deps(stack, healthyProbe(), calls));
        assert.equal(r.exitCode, 1);
        assert.match(r.error!, /AccessDenied/);
        assert.ok(calls.includes("destroy") && calls.includes("cleanup e2e-pr42"));
    });

    it("still destroys when a smoke check fails", async () => {
        const { stack, calls } = stubStack();
        const r = await runE2e(OPTIONS, BASE, deps(stack, healthyProbe({ tcpOpen: async () => true }), calls));
        assert.equal(r.exitCode, 1);
        assert.deepEqual(
            r.checks.filter((c) => !c.ok).map((c) => c.name),
            ["database port unreachable from outside"],
        );
        assert.ok(calls.includes("destroy"));
    });

    it("exits 2 and says how to clean up when the destroy itself fails", async () => {
        const { stack, calls } = stubStack({ destroyFails: true });
        const lines: string[] = [];
        const d = { ...deps(stack, healthyProbe(), calls), log: (l: string) => void lines.push(l) };
        const r = await runE2e(OPTIONS, BASE, d);
        assert.equal(r.exitCode, 2);
        assert.match(lines.join("\n"), /DESTROY FAILED for e2e-pr42[\s\S]*pulumi destroy --stack e2e-pr42/);
    });
});

describe("e2e (network stubbed): smoke checks fail on the insecure variants", () => {
    const outputs = Object.fromEntries(Object.entries(OUTPUTS).map(([k, v]) => [k, v.value])) as any;
    const failing = async (probe: Probe) =>
        (await smoke(outputs, TEAMS, probe)).filter((c) => !c.ok).map((c) => c.name);

    it("flags a 302, TLS 1.0, a short HSTS, an unhealthy app and an RBAC leak", async () => {
        assert.deepEqual(
            await failing(
                healthyProbe({
                    request: async (u) =>
                        u.startsWith("http:")
                            ? { status: 302, headers: { location: u.replace("http:", "https:") } }
                            : { status: 200, headers: { "strict-transport-security": "max-age=63072000" } },
                }),
            ),
            ["HTTP answers 301 to the same URL over HTTPS"],
        );
        assert.deepEqual(await failing(healthyProbe({ tlsHandshake: async () => true })), [
            "TLS 1.2+ only (1.0/1.1 refused, 1.2 accepted)",
        ]);
        assert.deepEqual(
            await failing(
                healthyProbe({
                    request: async (u) =>
                        u.startsWith("http:")
                            ? { status: 301, headers: { location: u.replace("http:", "https:") } }
                            : { status: 200, headers: { "strict-transport-security": "max-age=300" } },
                }),
            ),
            ["HSTS for at least a year"],
        );
        assert.deepEqual(
            await failing(
                healthyProbe({
                    request: async (u) =>
                        u.startsWith("http:")
                            ? { status: 301, headers: { location: u.replace("http:", "https:") } }
                            : {
                                  status: u.endsWith("/readiness") ? 503 : 200,
                                  headers: { "strict-transport-security": "max-age=31536000" },
                              },
                }),
            ),
            ["app health through the ALB"],
        );
        const leak = await failing(
            healthyProbe({ canI: async (verb, resource) => verb === "get" && resource === "secrets" }),
        );
        assert.ok(
            leak.some((n) => /can-i get secrets -n payments as payments-developers: no/.test(n)),
            leak.join("\n"),
        );
    });

    it("turns a probe error into a failed check instead of crashing the run", async () => {
        const names = await failing(healthyProbe({ tcpOpen: async () => Promise.reject(new Error("EHOSTUNREACH")) }));
        assert.deepEqual(names, ["database port unreachable from outside"]);
    });
});

describe("e2e: arguments and throw-away config", () => {
    it("accepts only e2e-* stacks in a 12-digit account", () => {
        assert.deepEqual(
            parseE2eArgs([
                "--stack",
                "e2e-pr42",
                "--account",
                "999988887777",
                "--domain",
                "e2e.sandbox.example.org",
                "--set",
                "natMode=single",
            ]).set,
            { natMode: "single" },
        );
        for (const argv of [
            ["--stack", "dev", "--account", "999988887777", "--domain", "x.example.org"],
            ["--stack", "prod", "--account", "999988887777", "--domain", "x.example.org"],
            ["--stack", "e2e-x1y", "--account", "123", "--domain", "x.example.org"],
            ["--stack", "e2e-x1y", "--account", "999988887777"],
        ])
            assert.throws(
                () => parseE2eArgs(argv),
                /--stack must be e2e-|--account must be|--domain must be/,
                argv.join(" "),
            );
    });

    it("derives a valid, disposable, sandbox-only config from dev", () => {
        const yaml = throwAwayConfig(BASE, OPTIONS);
        const config = parse(yaml).config;
        assert.deepEqual(config["aws:allowedAccountIds"], ["999988887777"]);
        assert.equal(config["platform:protect"], "false");
        assert.equal(config["platform:database"].multiAz, false);
        assert.ok(!JSON.stringify(config).includes("111122223333"), "no ARN of the dev account survives");
        assert.equal(config.encryptedkey, undefined);
        // The platform's own validator accepts it (strings, as the engine hands them over).
        const raw = Object.fromEntries(
            Object.entries(config)
                .filter(([k]) => k.startsWith("platform:"))
                .map(([k, v]) => [k.slice("platform:".length), typeof v === "object" ? v : String(v)]),
        );
        const parsed = parseConfig(raw);
        assert.equal(parsed.domain, "e2e.sandbox.example.org");
    });
});
