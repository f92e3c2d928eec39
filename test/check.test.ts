import * as assert from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import { AnalyzerInfoSummary, Pack, resolvePackConfig, startPack } from "../tools/lib/analyzer";
import { CheckOptions, CheckResult, main, opaqueResources, runCheck } from "../tools/check";
import { parseArgs } from "../tools/lib/check-args";
import { buildSarif } from "../tools/lib/check-sarif";
import { style } from "../tools/lib/check-term";
import { buildTree, renderTree, shortType } from "../tools/lib/check-tree";
import { PROJECT_ROOT } from "./support/harness";

/**
 * The offline preview and policy gate (`npm run check`): real program under mocks, real policy pack
 * over the analyzer protocol. One pack process is shared by the in-process runs (it is reconfigured
 * per run, as the CLI would); the insecure fixture runs as the user runs it, as a separate process.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "check-test-"));
// The OASIS SARIF 2.1.0 schema (final, "rtm.5"; JSON Schema draft-04) as Microsoft's SARIF test tooling ships it.
const schema = require("@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");

function sarifValidator() {
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false }); // the schema has a non-Unicode pattern
    addFormats(ajv);
    return ajv.compile(schema);
}

function capture() {
    const out: string[] = [];
    const err: string[] = [];
    return {
        io: { out: (l: string) => out.push(l), err: (l: string) => err.push(l) },
        out: () => out.join("\n"),
        err: () => err.join("\n"),
    };
}

async function check(
    args: Partial<CheckOptions>,
    pack?: Pack,
): Promise<{ result: CheckResult; out: string; err: string }> {
    const c = capture();
    const result = await runCheck(
        { stack: "dev", verbose: false, quiet: false, help: false, color: false, progress: false, pack, ...args },
        c.io,
    );
    return { result, out: c.out(), err: c.err() };
}

/** Runs the CLI as a user would (own process, own pack), returning exit code and output. */
function cli(
    args: string[],
    loader = "ts-node/register/transpile-only",
): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
        const child = spawn(process.execPath, ["-r", loader, "tools/check.ts", ...args], {
            cwd: PROJECT_ROOT,
            env: { ...process.env, NO_COLOR: "1" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
}

describe("check (offline preview and policy gate)", function () {
    this.timeout(180_000);
    let pack: Pack;
    let insecure: Promise<{ code: number | null; stdout: string; stderr: string }>;
    const insecureSarif = path.join(tmp, "insecure.sarif");
    const insecureJson = path.join(tmp, "insecure.json");

    before(async () => {
        // The separate-process run and the shared pack start together: both are mostly ts-node compile time.
        insecure = cli([
            "--stack",
            "dev",
            "--program",
            "test/fixtures/insecure/index.ts",
            "--sarif",
            insecureSarif,
            "--json",
            insecureJson,
        ]);
        pack = await startPack(path.join(PROJECT_ROOT, "policy"));
    });

    after(async () => {
        await pack?.stop();
        await insecure?.catch(() => undefined);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    const stacks = new Map<string, CheckResult>();
    for (const stack of ["dev", "prod"]) {
        it(`passes the ${stack} stack with every resource analyzed by the project's pack`, async () => {
            const { result, out, err } = await check({ stack }, pack);
            stacks.set(stack, result);
            assert.strictEqual(result.exitCode, 0, `${out}\n${err}`);
            assert.strictEqual(result.error, undefined);
            assert.strictEqual(result.configFile, `Pulumi.${stack}.yaml`);
            assert.deepStrictEqual(
                result.violations.filter((v) => v.enforcementLevel === "mandatory"),
                [],
            );
            assert.ok(result.policies.length > 10, "the project's pack reported its policies");
            // Generic over whatever index.ts declares: at least the keys and network tiers, grouped by component.
            const vpc = result.resources.find((r) => r.type === "aws:ec2/vpc:Vpc");
            assert.ok(vpc, "the VPC was captured");
            assert.match(vpc.parent, /platform:network:Network::network$/);
            assert.match(out, /^ {2}network platform:network:Network \d+$/m);
            assert.match(out, /ec2:Subnet ×\d/);
            assert.match(out, /^PASS no mandatory violations/m);
            // Both processes are measured; a pack past 1 GiB on this stack is a leak (a probe worker that
            // spawned workers once took it to 1.4 GiB at 250 resources).
            assert.ok(result.memory?.packPeakRssMb !== undefined, "the pack's peak RSS is reported");
            assert.ok(result.memory.packPeakRssMb < 1024, `pack peak ${result.memory.packPeakRssMb} MiB`);
        });
    }

    it("passes the bootstrap state-backend program through the same pack (--project bootstrap)", async () => {
        const { result, out, err } = await check({ stack: "prod", project: "bootstrap" }, pack);
        assert.strictEqual(result.exitCode, 0, `${out}\n${err}`);
        assert.strictEqual(result.project, "aws-platform-state");
        assert.strictEqual(result.configFile, "bootstrap/Pulumi.prod.yaml");
        assert.deepStrictEqual(
            result.violations.filter((v) => v.enforcementLevel === "mandatory"),
            [],
        );
        const bucket = result.resources.find((r) => r.type === "aws:s3/bucket:Bucket");
        assert.match(
            bucket?.urn ?? "",
            /^urn:pulumi:prod::aws-platform-state::platform:bootstrap:StateBackend\$aws:s3\/bucket:Bucket::/,
        );
        assert.ok(
            result.resources.some(
                (r) =>
                    r.type === "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            ),
        );
    });

    it("captures the stacks' differences: three AZs with a NAT gateway each in prod, one in dev", async () => {
        const [dev, prod] = [
            stacks.get("dev") ?? (await check({ stack: "dev" }, pack)).result,
            stacks.get("prod") ?? (await check({ stack: "prod" }, pack)).result,
        ];
        const count = (r: CheckResult, type: string) => r.resources.filter((x) => x.type === type).length;
        assert.strictEqual(count(dev, "aws:ec2/natGateway:NatGateway"), 1);
        assert.strictEqual(count(prod, "aws:ec2/natGateway:NatGateway"), 3);
        assert.strictEqual(count(prod, "aws:ec2/subnet:Subnet"), 9);
        assert.ok(prod.resources.every((r) => r.urn.startsWith("urn:pulumi:prod::aws-platform::")));
    });

    it("fails the insecure fixture with exit 1 and names the violated policies, resources and messages", async () => {
        const { code, stdout, stderr } = await insecure;
        assert.strictEqual(code, 1, `${stdout}\n${stderr}`);
        assert.match(stdout, /^MANDATORY \d+ violations/m);
        for (const policy of ["rds-not-publicly-accessible", "alb-http-redirects-to-https", "kms-key-rotation-enabled"])
            assert.match(stdout, new RegExp(`✖ ${policy} `), policy);
        assert.match(
            stdout,
            /urn:pulumi:dev::aws-platform::platform:fixture:Insecure\$aws:rds\/instance:Instance::insecure-db/,
        );
        assert.match(stdout, /Set publiclyAccessible to false/);
        assert.match(stdout, /^FAIL \d+ mandatory violations/m);
    });

    it("writes the full result as JSON: resources with inputs and dependencies, violations, policies, timings", async () => {
        assert.strictEqual((await insecure).code, 1);
        const json = JSON.parse(fs.readFileSync(insecureJson, "utf8")) as CheckResult;
        assert.strictEqual(json.stack, "dev");
        assert.strictEqual(json.exitCode, 1);
        const db = json.resources.find((r) => r.name === "insecure-db")!;
        assert.strictEqual(db.inputs.publiclyAccessible, true);
        const listener = json.resources.find((r) => r.name === "insecure-http")!;
        assert.ok(listener.propertyDependencies.loadBalancerArn.some((u) => u.endsWith("::insecure-alb")));
        const v = json.violations.find((x) => x.policyName === "rds-not-publicly-accessible")!;
        assert.strictEqual(v.enforcementLevel, "mandatory");
        assert.strictEqual(v.urn, db.urn);
        assert.strictEqual(v.file, "test/fixtures/insecure/index.ts");
        assert.ok(json.policies.some((p) => p.name === "alb-http-redirects-to-https"));
        assert.ok(json.timings.totalMs >= json.timings.programMs + json.timings.policyMs);
    });

    it("writes SARIF 2.1.0 that validates: one rule per policy, one result per violation, located in the declaring file", async () => {
        assert.strictEqual((await insecure).code, 1);
        // Typed (not `any`), so the validator's type guard does not narrow it to `unknown`.
        const sarif: Record<string, any> = JSON.parse(fs.readFileSync(insecureSarif, "utf8"));
        const json = JSON.parse(fs.readFileSync(insecureJson, "utf8")) as CheckResult;
        const validate = sarifValidator();
        assert.ok(validate(sarif), JSON.stringify(validate.errors, null, 2));
        const run = sarif.runs[0];
        assert.deepStrictEqual(
            run.tool.driver.rules.map((r: { id: string }) => r.id),
            json.policies.map((p) => p.name),
        );
        assert.strictEqual(run.results.length, json.violations.length);
        const rds = run.results.find((r: { ruleId: string }) => r.ruleId === "rds-not-publicly-accessible");
        assert.strictEqual(rds.level, "error");
        assert.strictEqual(run.tool.driver.rules[rds.ruleIndex].id, "rds-not-publicly-accessible");
        assert.strictEqual(rds.locations[0].physicalLocation.artifactLocation.uri, "test/fixtures/insecure/index.ts");
        assert.strictEqual(
            rds.locations[0].logicalLocations[0].fullyQualifiedName,
            "urn:pulumi:dev::aws-platform::platform:fixture:Insecure$aws:rds/instance:Instance::insecure-db",
        );
        // The key is declared in the program itself: SARIF points at the line that names it.
        const key = run.results.find((r: { ruleId: string }) => r.ruleId === "kms-key-rotation-enabled");
        const line = fs.readFileSync(path.join(PROJECT_ROOT, "test/fixtures/insecure/index.ts"), "utf8").split("\n")[
            key.locations[0].physicalLocation.region.startLine - 1
        ];
        assert.match(line, /"insecure-key"/);
        assert.strictEqual(run.automationDetails.id, "pulumi-check/dev/");
    });

    it("rejects SARIF that breaks the schema (the validator can fail)", () => {
        const validate = sarifValidator();
        const bad = buildSarif({
            stack: "dev",
            toolVersion: "1",
            packName: "p",
            packVersion: "1",
            policies: [],
            violations: [],
        }) as any;
        bad.runs[0].results = [{ ruleId: "x", level: "fatal", message: { text: "m" } }];
        assert.ok(!validate(bad));
        assert.ok(validate.errors!.some((e) => e.instancePath === "/runs/0/results/0/level"));
    });

    it("exits 2 with the config message on an invalid stack config, before starting the pack", async () => {
        const { result, err } = await check({ configFile: "test/fixtures/bad-config/Pulumi.dev.yaml" });
        assert.strictEqual(result.exitCode, 2);
        assert.match(err, /config error Invalid stack config: platform:azCount must be 2 or 3, got 5/);
        assert.strictEqual(result.timings.packStartMs, 0);
    });

    it("exits 2 when the stack has no config file, listing the stacks that do", async () => {
        const { result, err } = await check({ stack: "staging" });
        assert.strictEqual(result.exitCode, 2);
        assert.match(err, /no stack config Pulumi\.staging\.yaml \(stacks here: .*dev.*prod/);
    });

    it("exits 2 when the policy config names a policy the pack does not have", async () => {
        const file = path.join(tmp, "policy-config.json");
        fs.writeFileSync(file, JSON.stringify({ "rds-not-publicy-accessible": "mandatory" }));
        const { result, err } = await check({ policyConfig: file, quiet: true }, pack);
        assert.strictEqual(result.exitCode, 2);
        assert.match(err, /rds-not-publicy-accessible: no such policy/);
    });

    it("exits 3 when the program throws, never a silent pass", async () => {
        const { result, err, out } = await check({ program: "test/fixtures/throws/index.ts" }, pack);
        assert.strictEqual(result.exitCode, 3);
        assert.match(err, /program error test\/fixtures\/throws\/index\.ts threw: fixture: no subnet plan for 7 AZs/);
        assert.doesNotMatch(out, /PASS/);
    });

    it("reports .ts lines as `npm run check` runs it (compile cache, no global source maps)", async () => {
        const json = path.join(tmp, "throws.json");
        const run = await cli(
            ["--stack", "dev", "--program", "test/fixtures/throws/index.ts", "--json", json],
            "./lib/engine/register.js",
        );
        assert.strictEqual(run.code, 3, run.stderr);
        // The throw is on line 6 and the bucket on line 5 of the fixture: TypeScript lines, not compiled ones.
        assert.match(
            run.stderr,
            /threw: fixture: no subnet plan for 7 AZs\n\s+at test\/fixtures\/throws\/index\.ts:6:\d+/,
        );
        const report = JSON.parse(fs.readFileSync(json, "utf8")) as CheckResult;
        assert.deepStrictEqual(
            report.resources.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.source),
            [{ file: "test/fixtures/throws/index.ts", line: 5 }],
        );
    });

    it("exits 4 when the policy pack fails to start, with the pack's own error", async () => {
        const { result, err } = await check({ policyPack: "test/fixtures/broken-pack" });
        assert.strictEqual(result.exitCode, 4);
        assert.match(err, /policy pack error .*broken-pack exited with code \d+ before listening/);
        assert.match(err, /fixture: the pack cannot load its policy catalogue/);
    });

    it("exits 4 when a policy throws while validating, naming the policy and its error", async () => {
        const json = path.join(tmp, "crash.json");
        const sarif = path.join(tmp, "crash.sarif");
        const { result, out } = await check({ policyPack: "test/fixtures/crashing-pack", quiet: true, json, sarif });
        assert.strictEqual(result.exitCode, 4);
        assert.strictEqual(result.error, undefined, "a throwing policy is a result, not a failed check");
        assert.deepStrictEqual(
            result.policyErrors.map((f) => [f.policyName, f.urn.split("::").pop()]),
            [["throws-on-vpc", "network-vpc"]],
        );
        assert.match(result.policyErrors[0].message, /fixture: policy bug while reading cidrBlock/);
        assert.strictEqual(result.policyErrors[0].file, "components/network.ts");
        // The policy after the throwing one still judged the VPC (the resource was analyzed again without the thrower).
        assert.deepStrictEqual(
            result.violations.map((v) => [v.policyName, v.resourceName, v.enforcementLevel]),
            [["reports-on-vpc", "network-vpc", "advisory"]],
        );
        assert.match(out, /^POLICY ERRORS 1 policy threw instead of judging/m);
        assert.match(
            out,
            /✖ throws-on-vpc on urn:pulumi:dev::aws-platform::platform:network:Network\$aws:ec2\/vpc:Vpc::network-vpc/,
        );
        assert.match(out, /^ERROR 1 policy error, 0 mandatory violations, 1 advisory/m);
        const written = JSON.parse(fs.readFileSync(json, "utf8")) as CheckResult;
        assert.deepStrictEqual(
            written.policyErrors.map((f) => f.policyName),
            ["throws-on-vpc"],
        );
        assert.deepStrictEqual(
            written.violations.map((v) => v.policyName),
            ["reports-on-vpc"],
        );
        const log = JSON.parse(fs.readFileSync(sarif, "utf8"));
        assert.strictEqual(log.runs[0].invocations[0].executionSuccessful, false);
        assert.match(
            log.runs[0].invocations[0].toolExecutionNotifications[0].message.text,
            /^policy throws-on-vpc threw on urn:.*network-vpc: /,
        );
        assert.deepStrictEqual(
            log.runs[0].results.map((r: { ruleId: string }) => r.ruleId),
            ["reports-on-vpc"],
        );
        assert.ok(sarifValidator()(log), "valid SARIF");
    });

    it("exits 4 when the policy pack directory does not exist", async () => {
        const { result, err } = await check({ policyPack: "test/fixtures/no-such-pack" });
        assert.strictEqual(result.exitCode, 4);
        assert.match(err, /no policy pack directory test\/fixtures\/no-such-pack/);
    });

    it("documents the exit codes in --help and exits 64 on a usage error", async () => {
        const help = capture();
        assert.strictEqual(await main(["--help"], help.io), 0);
        for (const code of ["0", "1", "2", "3", "4", "64"])
            assert.match(help.out(), new RegExp(`^ {2}${code} +\\S`, "m"));
        const bad = capture();
        assert.strictEqual(await main(["--stack"], bad.io), 64);
        assert.match(bad.err(), /--stack needs a value/);
        assert.strictEqual(await main(["--frobnicate"], capture().io), 64);
    });

    it("refuses stack names that are paths", () => {
        assert.throws(() => parseArgs(["--stack", "../prod"]), /--stack must be a stack name/);
        assert.deepStrictEqual(parseArgs(["--stack=prod", "--json", "r.json", "-q"]).json, "r.json");
    });

    it("groups resources under their top-level component with counts per type", () => {
        const urn = (t: string, n: string) => `urn:pulumi:dev::p::${t}::${n}`;
        const tier = urn("platform:data:Database", "db");
        const tree = buildTree([
            { type: "platform:data:Database", name: "db", urn: tier, parent: "", custom: false, remote: false },
            {
                type: "aws:rds/instance:Instance",
                name: "db-instance",
                urn: urn("aws:rds/instance:Instance", "db-instance"),
                parent: tier,
                custom: true,
                remote: false,
            },
            {
                type: "aws:ec2/subnet:Subnet",
                name: "db-a",
                urn: urn("aws:ec2/subnet:Subnet", "db-a"),
                parent: tier,
                custom: true,
                remote: false,
            },
            {
                type: "aws:ec2/subnet:Subnet",
                name: "db-b",
                urn: urn("aws:ec2/subnet:Subnet", "db-b"),
                parent: tier,
                custom: true,
                remote: false,
            },
            {
                type: "eks:index:Cluster",
                name: "eks",
                urn: urn("eks:index:Cluster", "eks"),
                parent: "",
                custom: false,
                remote: true,
            },
        ]);
        assert.strictEqual(tree.resourceCount, 4);
        assert.strictEqual(tree.componentCount, 1);
        const lines = renderTree(tree, style(false));
        assert.deepStrictEqual(lines, [
            "  db platform:data:Database 3",
            "    ec2:Subnet ×2  rds:Instance",
            "  (declared in the program) 1",
            "    eks:Cluster",
        ]);
        assert.strictEqual(shortType("kubernetes:apps/v1:Deployment"), "k8s:Deployment");
    });

    it("lists what offline cannot see: remote EKS components and provider-rendered charts", async () => {
        const dev = stacks.get("dev") ?? (await check({ stack: "dev" }, pack)).result;
        const types = new Set(dev.opaque.map((o) => o.type));
        assert.ok(types.has("eks:index:Cluster"), [...types].join(", "));
        assert.ok(
            dev.opaque.every(
                (o) =>
                    /^eks:index:|^kubernetes:helm\.sh\/|^kubernetes:yaml/.test(o.type) ||
                    dev.resources.find((r) => r.urn === o.urn)?.remote,
            ),
        );
        assert.deepStrictEqual(
            opaqueResources([
                {
                    type: "kubernetes:helm.sh/v4:Chart",
                    name: "c",
                    urn: "u1",
                    parent: "",
                    custom: false,
                    remote: false,
                    protect: false,
                    inputs: {},
                    dependencies: [],
                    propertyDependencies: {},
                },
                {
                    type: "aws:s3/bucket:Bucket",
                    name: "b",
                    urn: "u2",
                    parent: "",
                    custom: true,
                    remote: false,
                    protect: false,
                    inputs: {},
                    dependencies: [],
                    propertyDependencies: {},
                },
            ]).map((o) => o.urn),
            ["u1"],
        );
    });

    it("locates every resource at its registration call (the SDK's sourcePosition), not by searching text", async () => {
        const dev = stacks.get("dev") ?? (await check({ stack: "dev" }, pack)).result;
        assert.deepStrictEqual(
            dev.resources.filter((r) => !r.source).map((r) => r.urn),
            [],
        );
        const vpc = dev.resources.find((r) => r.type === "aws:ec2/vpc:Vpc")!;
        assert.strictEqual(vpc.source!.file, "components/network.ts");
        assert.match(
            fs.readFileSync(path.join(PROJECT_ROOT, vpc.source!.file), "utf8").split("\n")[vpc.source!.line - 1],
            /new aws\.ec2\.Vpc\(/,
        );
        const network = dev.resources.find((r) => r.type === "platform:network:Network")!;
        assert.strictEqual(network.source!.file, "index.ts");
        assert.match(
            fs.readFileSync(path.join(PROJECT_ROOT, "index.ts"), "utf8").split("\n")[network.source!.line - 1],
            /new Network\(/,
        );
    });

    describe("pack config exactly as pulumi preview --policy-pack --policy-pack-config", () => {
        const info = (initialConfig: AnalyzerInfoSummary["initialConfig"] = {}): AnalyzerInfoSummary => ({
            name: "fixture",
            version: "1.0.0",
            supportsConfig: true,
            initialConfig,
            policies: [
                {
                    name: "a",
                    description: "",
                    enforcementLevel: "advisory",
                    policyType: "resource",
                    configSchema: {
                        properties: {
                            limit: { type: "integer", default: 3 },
                            names: { type: "array", default: ["x"] },
                        },
                        required: [],
                    },
                },
                { name: "b", description: "", enforcementLevel: "mandatory", policyType: "resource" },
            ],
        });
        const levels = (r: ReturnType<typeof resolvePackConfig>) =>
            Object.fromEntries(Object.entries(r.resolved).map(([k, v]) => [k, v.enforcementLevel]));

        it("applies defaults, then the pack's initialConfig, then the config file; `all` before named entries", () => {
            const r = resolvePackConfig(
                { a: { limit: 5 } },
                info({
                    all: { enforcementLevel: "mandatory", props: {} },
                    b: { enforcementLevel: "remediate", props: {} },
                }),
            );
            assert.deepStrictEqual(r.errors, []);
            assert.deepStrictEqual(levels(r), { a: "mandatory", b: "remediate" });
            assert.deepStrictEqual(
                r.resolved.a.props,
                { limit: 5, names: ["x"] },
                "properties merge key by key over the schema defaults",
            );
            assert.deepStrictEqual(levels(resolvePackConfig({ all: "mandatory", a: "advisory" }, info())), {
                a: "advisory",
                b: "mandatory",
            });
        });

        it("refuses to lower a level the pack set in code, against the levels after initialConfig", () => {
            const coded = info({ a: { enforcementLevel: "mandatory", props: {} } });
            assert.deepStrictEqual(resolvePackConfig({ a: "advisory" }, coded).errors, [
                "a: is mandatory in the pack; a stack may raise a control, never lower it (got advisory)",
            ]);
            assert.deepStrictEqual(resolvePackConfig({ all: "advisory" }, info()).errors, [
                "b: is mandatory in the pack; a stack may raise a control, never lower it (got advisory via all)",
            ]);
            assert.deepStrictEqual(
                resolvePackConfig({ a: "advisory" }, info()).errors,
                [],
                "a was advisory before the stack config",
            );
            // A pack may lower its own policy in code: then the stack may keep it there.
            assert.deepStrictEqual(
                resolvePackConfig({ b: "advisory" }, info({ b: { enforcementLevel: "advisory", props: {} } })).errors,
                [],
            );
        });

        it("grades with the levels a pack sets only in code (initialConfig)", async () => {
            const { result, out } = await check({
                program: "test/fixtures/insecure/index.ts",
                policyPack: "test/fixtures/code-levels-pack",
                quiet: true,
            });
            assert.strictEqual(result.exitCode, 1, out);
            assert.deepStrictEqual(
                result.policies.map((p) => [p.name, p.enforcementLevel]),
                [
                    ["db-not-public", "mandatory"],
                    ["key-rotation-advice", "advisory"],
                ],
            );
            assert.deepStrictEqual(
                result.violations.map((v) => [v.policyName, v.resourceName, v.enforcementLevel]),
                [
                    ["db-not-public", "insecure-db", "mandatory"],
                    ["key-rotation-advice", "insecure-key", "advisory"],
                ],
            );
            const raised = await check({
                program: "test/fixtures/insecure/index.ts",
                policyPack: "test/fixtures/code-levels-pack",
                policyConfig: "test/fixtures/code-levels-pack/raise.json",
                quiet: true,
            });
            assert.deepStrictEqual(
                raised.result.violations.map((v) => v.enforcementLevel),
                ["mandatory", "mandatory"],
            );
        });

        it("exits 2 when the config tries to lower a mandatory the pack set in code", async () => {
            for (const file of ["lower.json", "lower-all.json"]) {
                const { result, err } = await check({
                    program: "test/fixtures/insecure/index.ts",
                    policyPack: "test/fixtures/code-levels-pack",
                    policyConfig: `test/fixtures/code-levels-pack/${file}`,
                });
                assert.strictEqual(result.exitCode, 2, err);
                assert.match(
                    err,
                    /db-not-public: is mandatory in the pack; a stack may raise a control, never lower it \(got advisory/,
                );
            }
        });
    });
});
