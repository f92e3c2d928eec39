import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { Pack, ResourceInput, startPack } from "../../tools/lib/analyzer";
import { UNKNOWN } from "../lib/unknowns";
import { TYPES } from "../../lib/contract";

/**
 * Integration: the pack started exactly as the Pulumi CLI starts it (run-policy-pack, ts-node with
 * type-checking, cwd = policy/), driven over the analyzer gRPC protocol.
 */

const PACK_DIR = path.resolve(__dirname, "..");
const readConfig = (stack: string) =>
    JSON.parse(fs.readFileSync(path.join(PACK_DIR, "config", `${stack}.json`), "utf8"));
const urn = (type: string, name: string) => `urn:pulumi:dev::aws-platform::${type}::${name}`;

describe("policy pack over the analyzer gRPC protocol", function () {
    this.timeout(180000);
    let pack: Pack;

    before(async () => {
        pack = await startPack(PACK_DIR, { host: "cli" }); // the CLI's own host: type-checks the pack (and lib/contract.ts) with ts-node
    });
    after(async () => {
        await pack?.stop();
    });

    it("lists every policy with its control ids and config schema (GetAnalyzerInfo)", async () => {
        const info = await pack.getAnalyzerInfo();
        assert.strictEqual(info.name, "platform-policy");
        assert.strictEqual(info.version, "0.1.0");
        assert.ok(info.supportsConfig);
        const names = info.policies.map((p) => p.name);
        assert.strictEqual(new Set(names).size, names.length, "policy names are unique");
        for (const name of [
            "subnet-no-auto-public-ip",
            "alb-http-redirects-to-https",
            "rds-not-publicly-accessible",
            "s3-sse-kms-required",
            "kms-key-rotation-enabled",
            "rds-private-subnets-only",
            "kms-referenced-keys-rotate",
        ])
            assert.ok(names.includes(name), name);
        for (const p of info.policies)
            assert.match(
                p.description,
                /\b(IAM|NET|EDGE|EKS|K8S|RDS|STO|KMS|LOG|STK|BAK)-(\d{2}|[A-Z]+)\b/,
                `${p.name} names its control`,
            );
        const tls = info.policies.find((p) => p.name === "alb-https-listener-tls-policy")!;
        assert.deepStrictEqual(tls.configSchema?.properties.allowedTlsPolicies.default, [
            "ELBSecurityPolicy-TLS13-1-2-2021-06",
            "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
            "ELBSecurityPolicy-TLS13-1-3-2021-06",
        ]);
        assert.strictEqual(info.policies.find((p) => p.name === "rds-private-subnets-only")!.policyType, "stack");
    });

    it("accepts the dev and prod config files and rejects bad config clearly (Configure)", async () => {
        await pack.configure(readConfig("dev"));
        await pack.configure(readConfig("prod"));
        await assert.rejects(
            pack.configure({ "alb-https-listener-tls-policy": { allowedTlsPolicies: "TLS13" } }),
            /alb-https-listener-tls-policy\.allowedTlsPolicies: must be array/,
        );
        await assert.rejects(
            pack.configure({ "rds-not-publicly-accessible": "advisory" }),
            /rds-not-publicly-accessible: is mandatory in the pack; a stack may raise a control, never lower it \(got advisory\)/,
        );
        await assert.rejects(pack.configure({ "no-such-policy": "mandatory" }), /no-such-policy: no such policy/);
    });

    it("blocks a bad resource and passes a good one (Analyze)", async () => {
        await pack.configure(readConfig("prod"));
        const bad = await pack.analyze({
            type: TYPES.listener,
            name: "http",
            urn: urn(TYPES.listener, "http"),
            props: { port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }] },
        });
        const d = bad.diagnostics.find((x) => x.policyName === "alb-http-redirects-to-https");
        assert.ok(d, JSON.stringify(bad.diagnostics));
        assert.strictEqual(d.enforcementLevel, "mandatory");
        assert.match(d.message, /EDGE-01[\s\S]*forwards plain HTTP/);
        const good = await pack.analyze({
            type: TYPES.albListener,
            name: "http",
            props: {
                port: 80,
                protocol: "HTTP",
                defaultActions: [
                    { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
                ],
            },
        });
        assert.deepStrictEqual(good.diagnostics, []);
    });

    it("applies prod config: deletion protection becomes mandatory", async () => {
        await pack.configure(readConfig("prod"));
        const prod = await pack.analyze({
            type: TYPES.rdsInstance,
            name: "db",
            props: { deletionProtection: false },
        });
        assert.strictEqual(
            prod.diagnostics.find((x) => x.policyName === "rds-deletion-protection")?.enforcementLevel,
            "mandatory",
        );
        await pack.configure(readConfig("dev"));
        const dev = await pack.analyze({
            type: TYPES.rdsInstance,
            name: "db",
            props: { deletionProtection: false },
        });
        assert.strictEqual(
            dev.diagnostics.find((x) => x.policyName === "rds-deletion-protection")?.enforcementLevel,
            "advisory",
        );
    });

    it("does not fail mandatory policies on preview unknowns, nor crash on malformed properties", async () => {
        await pack.configure(readConfig("dev"));
        const unknown = await pack.analyze({
            type: TYPES.rdsInstance,
            name: "db",
            props: { storageEncrypted: true, kmsKeyId: UNKNOWN, dbSubnetGroupName: UNKNOWN, publiclyAccessible: false },
        });
        assert.deepStrictEqual(
            unknown.diagnostics.filter(
                (x) => x.enforcementLevel === "mandatory" && x.policyName === "rds-storage-encrypted-with-cmk",
            ),
            [],
        );
        const malformed = await pack.analyze({
            type: TYPES.securityGroup,
            name: "sg",
            props: { ingress: "not-a-list", egress: { x: 1 } },
        });
        // Nothing readable is open to the world: no verdict, and the security-group policies still ran (they are applicable).
        assert.deepStrictEqual(malformed.diagnostics, []);
        const notApplicable = malformed.notApplicable.map((n) => n.policyName);
        for (const name of ["sg-no-public-admin-ports", "sg-public-ingress-only-https"])
            assert.ok(!notApplicable.includes(name), `${name} must judge security groups`);
        // Junk entries beside a readable rule do not hide the readable rule's violations.
        const mixed = await pack.analyze({
            type: TYPES.securityGroup,
            name: "sg",
            props: {
                ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: "0.0.0.0/0" }, 7, null],
                egress: { x: 1 },
            },
        });
        assert.deepStrictEqual(mixed.diagnostics.map((d) => [d.policyName, d.enforcementLevel]).sort(), [
            ["sg-no-public-admin-ports", "mandatory"],
            ["sg-public-ingress-only-https", "mandatory"],
        ]);
        assert.match(
            mixed.diagnostics.find((d) => d.policyName === "sg-no-public-admin-ports")!.message,
            /ingress\[0\]: 0\.0\.0\.0\/0 may reach admin port 22/,
        );
        const policy = await pack.analyze({
            type: TYPES.bucketPolicy,
            name: "p",
            props: { policy: "{broken" },
        });
        assert.match(
            policy.diagnostics.find((x) => x.policyName === "s3-bucket-policy-tls-only")!.message,
            /not valid JSON/,
        );
    });

    it("joins resources through propertyDependencies (AnalyzeStack)", async () => {
        await pack.configure(readConfig("dev"));
        const T = {
            vpc: TYPES.vpc,
            igw: TYPES.internetGateway,
            subnet: TYPES.subnet,
            rt: TYPES.routeTable,
            route: TYPES.route,
            rta: TYPES.routeTableAssociation,
            group: TYPES.rdsSubnetGroup,
            db: TYPES.rdsInstance,
        };
        const stack = (routeToIgw: boolean): ResourceInput[] => [
            { type: T.vpc, name: "vpc", urn: urn(T.vpc, "vpc"), props: { id: "vpc-1" } },
            { type: T.igw, name: "igw", urn: urn(T.igw, "igw"), props: { id: "igw-1", vpcId: "vpc-1" } },
            {
                type: T.subnet,
                name: "db-0",
                urn: urn(T.subnet, "db-0"),
                props: { id: "subnet-1", vpcId: "vpc-1", mapPublicIpOnLaunch: false },
            },
            { type: T.rt, name: "rt", urn: urn(T.rt, "rt"), props: { id: "rtb-1", vpcId: "vpc-1" } },
            ...(routeToIgw
                ? [
                      {
                          type: T.route,
                          name: "default",
                          urn: urn(T.route, "default"),
                          props: { routeTableId: UNKNOWN, gatewayId: UNKNOWN, destinationCidrBlock: "0.0.0.0/0" },
                          propertyDependencies: { routeTableId: [urn(T.rt, "rt")], gatewayId: [urn(T.igw, "igw")] },
                      },
                  ]
                : []),
            {
                type: T.rta,
                name: "rta",
                urn: urn(T.rta, "rta"),
                props: { subnetId: "subnet-1", routeTableId: "rtb-1" },
            },
            {
                type: T.group,
                name: "db-subnets",
                urn: urn(T.group, "db-subnets"),
                props: { name: "db-subnets", subnetIds: ["subnet-1"] },
            },
            {
                type: T.db,
                name: "db",
                urn: urn(T.db, "db"),
                props: { dbSubnetGroupName: "db-subnets" },
                propertyDependencies: { dbSubnetGroupName: [urn(T.group, "db-subnets")] },
            },
        ];
        const bad = await pack.analyzeStack(stack(true));
        const v = bad.diagnostics.find((x) => x.policyName === "rds-private-subnets-only");
        assert.ok(v, JSON.stringify(bad.diagnostics.map((x) => x.policyName)));
        assert.strictEqual(v.enforcementLevel, "mandatory");
        assert.strictEqual(v.urn, urn(T.db, "db"));
        assert.match(
            v.message,
            /subnet db-0 of SubnetGroup 'db-subnets' is routed through an internet gateway by route default/,
        );
        const good = await pack.analyzeStack(stack(false));
        assert.strictEqual(
            good.diagnostics.find((x) => x.policyName === "rds-private-subnets-only"),
            undefined,
        );
    });
});
