import * as assert from "assert";
import { StackValidationPolicy } from "@pulumi/policy";
import { UNKNOWN } from "../lib/unknowns";
import { policies } from "../stack";
import { policyNamed, runStackPolicy, StackFixture } from "./support";
import { TYPES } from "../../lib/contract";

const p = (name: string) => policyNamed<StackValidationPolicy>(policies, name);
const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/data-key";

/** A VPC with one isolated and one public subnet; ids are unknown (first deploy) so only the graph links them. */
function network(): StackFixture[] {
    return [
        { type: TYPES.vpc, name: "vpc", props: { cidrBlock: "10.0.0.0/16", id: UNKNOWN } },
        {
            type: TYPES.internetGateway,
            name: "igw",
            props: { vpcId: UNKNOWN },
            deps: { vpcId: ["vpc"] },
        },
        {
            type: TYPES.subnet,
            name: "isolated-0",
            props: { vpcId: UNKNOWN, mapPublicIpOnLaunch: false },
            deps: { vpcId: ["vpc"] },
        },
        {
            type: TYPES.subnet,
            name: "public-0",
            props: { vpcId: UNKNOWN, mapPublicIpOnLaunch: false },
            deps: { vpcId: ["vpc"] },
        },
        {
            type: TYPES.routeTable,
            name: "isolated-rt",
            props: { vpcId: UNKNOWN },
            deps: { vpcId: ["vpc"] },
        },
        {
            type: TYPES.routeTable,
            name: "public-rt",
            props: { vpcId: UNKNOWN },
            deps: { vpcId: ["vpc"] },
        },
        {
            type: TYPES.route,
            name: "public-default",
            props: { routeTableId: UNKNOWN, destinationCidrBlock: "0.0.0.0/0", gatewayId: UNKNOWN },
            deps: { routeTableId: ["public-rt"], gatewayId: ["igw"] },
        },
        {
            type: TYPES.routeTableAssociation,
            name: "isolated-0-rta",
            props: { subnetId: UNKNOWN, routeTableId: UNKNOWN },
            deps: { subnetId: ["isolated-0"], routeTableId: ["isolated-rt"] },
        },
        {
            type: TYPES.routeTableAssociation,
            name: "public-0-rta",
            props: { subnetId: UNKNOWN, routeTableId: UNKNOWN },
            deps: { subnetId: ["public-0"], routeTableId: ["public-rt"] },
        },
        {
            type: TYPES.defaultSecurityGroup,
            name: "default-sg",
            props: { vpcId: UNKNOWN, ingress: [], egress: [] },
            deps: { vpcId: ["vpc"] },
        },
        {
            type: TYPES.flowLog,
            name: "flow",
            props: { vpcId: UNKNOWN, trafficType: "ALL" },
            deps: { vpcId: ["vpc"] },
        },
    ];
}

function database(subnets: string[]): StackFixture[] {
    return [
        {
            type: TYPES.rdsSubnetGroup,
            name: "db-subnets",
            props: { name: "db-subnets", subnetIds: subnets.map(() => UNKNOWN) },
            deps: { subnetIds: subnets },
        },
        {
            type: TYPES.rdsParameterGroup,
            name: "db-params",
            props: { name: "db-params", family: "postgres16", parameters: [{ name: "rds.force_ssl", value: "1" }] },
        },
        {
            type: TYPES.rdsInstance,
            name: "db",
            props: {
                engine: "postgres",
                dbSubnetGroupName: "db-subnets",
                parameterGroupName: "db-params",
                kmsKeyId: UNKNOWN,
            },
            deps: { dbSubnetGroupName: ["db-subnets"], parameterGroupName: ["db-params"] },
        },
    ];
}

describe("policy pack: stack policies (STK)", () => {
    describe("rds-private-subnets-only", () => {
        it("passes a database in isolated subnets, resolved through the graph while ids are unknown", async () => {
            const run = await runStackPolicy(p("rds-private-subnets-only"), [
                ...network(),
                ...database(["isolated-0"]),
            ]);
            assert.deepStrictEqual(run.messages, []);
        });
        it("rejects a subnet whose route table reaches an internet gateway", async () => {
            const run = await runStackPolicy(p("rds-private-subnets-only"), [
                ...network(),
                ...database(["isolated-0", "public-0"]),
            ]);
            assert.strictEqual(run.violations[0].policy, "rds-private-subnets-only");
            assert.match(
                run.mandatory[0],
                /subnet public-0 of SubnetGroup 'db-subnets' is routed through an internet gateway by route public-default \(0\.0\.0\.0\/0\)/,
            );
        });
        it("rejects an inline IGW route matched by known ids, whatever the destination", async () => {
            const fx = network().map((f) =>
                f.name === "isolated-rt"
                    ? {
                          ...f,
                          props: { vpcId: "vpc-1", routes: [{ cidrBlock: "192.0.2.0/24", gatewayId: "igw-0abc" }] },
                      }
                    : f,
            );
            const run = await runStackPolicy(p("rds-private-subnets-only"), [...fx, ...database(["isolated-0"])]);
            assert.match(run.mandatory[0], /isolated-rt's inline routes/);
        });
        it("rejects a subnet that maps public IPs", async () => {
            const fx = network().map((f) =>
                f.name === "isolated-0" ? { ...f, props: { ...f.props, mapPublicIpOnLaunch: true } } : f,
            );
            const run = await runStackPolicy(p("rds-private-subnets-only"), [...fx, ...database(["isolated-0"])]);
            assert.match(run.mandatory[0], /maps public IPs on launch/);
        });
        it("cannot verify a subnet the stack does not declare unless config lists it", async () => {
            const fx = [
                {
                    type: TYPES.rdsSubnetGroup,
                    name: "g",
                    props: { name: "g", subnetIds: ["subnet-0ext"] },
                },
                { type: TYPES.rdsInstance, name: "db", props: { dbSubnetGroupName: "g" } },
            ];
            const run = await runStackPolicy(p("rds-private-subnets-only"), fx);
            assert.match(run.mandatory[0], /cannot verify subnet "subnet-0ext"/);
            const ok = await runStackPolicy(p("rds-private-subnets-only"), fx, { externalSubnetIds: ["subnet-0ext"] });
            assert.deepStrictEqual(ok.messages, []);
        });
    });

    describe("alb-port80-listeners-redirect", () => {
        const lb: StackFixture = {
            type: TYPES.loadBalancer,
            name: "alb",
            props: { loadBalancerType: "application" },
        };
        const redirect = [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }];
        const http = (actions: object[]): StackFixture => ({
            type: TYPES.listener,
            name: "http",
            props: { port: 80, protocol: "HTTP", defaultActions: actions },
            deps: { loadBalancerArn: ["alb"] },
        });
        const https: StackFixture = {
            type: TYPES.albListener,
            name: "https",
            props: { port: 443, protocol: "HTTPS" },
            deps: { loadBalancerArn: ["alb"] },
        };
        it("passes a redirecting port-80 listener beside HTTPS:443", async () => {
            assert.deepStrictEqual(
                (await runStackPolicy(p("alb-port80-listeners-redirect"), [lb, http(redirect), https])).messages,
                [],
            );
        });
        it("rejects a port-80 listener without an HTTPS listener to redirect to", async () => {
            const run = await runStackPolicy(p("alb-port80-listeners-redirect"), [lb, http(redirect)]);
            assert.match(run.mandatory[0], /LoadBalancer 'alb' has a plain-HTTP listener but no HTTPS listener on 443/);
        });
        it("does not demand an HTTPS listener while listener ports are unknown", async () => {
            const run = await runStackPolicy(p("alb-port80-listeners-redirect"), [
                lb,
                http(redirect),
                { ...https, props: { port: UNKNOWN, protocol: "HTTPS" } },
            ]);
            assert.deepStrictEqual(run.mandatory, []);
        });
        it("rejects a forwarding port-80 listener and a forwarding rule on it", async () => {
            const run = await runStackPolicy(p("alb-port80-listeners-redirect"), [
                lb,
                http([{ type: "forward" }]),
                https,
                {
                    type: TYPES.albListenerRule,
                    name: "r",
                    props: { actions: [{ type: "forward" }] },
                    deps: { listenerArn: ["http"] },
                },
            ]);
            assert.match(run.mandatory.join("\n"), /Listener 'http' forwards plain HTTP/);
            assert.match(run.mandatory.join("\n"), /ListenerRule 'r' on Listener 'http' has action "forward"/);
        });
    });

    describe("kms-referenced-keys-rotate", () => {
        const key = (rotate: boolean): StackFixture => ({
            type: TYPES.kmsKey,
            name: "data",
            props: { arn: KEY_ARN, keyId: "data-key", enableKeyRotation: rotate },
        });
        it("passes a log group whose key (found by ARN) rotates", async () => {
            const run = await runStackPolicy(p("kms-referenced-keys-rotate"), [
                key(true),
                { type: TYPES.logGroup, name: "lg", props: { kmsKeyId: KEY_ARN } },
            ]);
            assert.deepStrictEqual(run.messages, []);
        });
        it("rejects a bucket whose key (found through the graph) does not rotate", async () => {
            const run = await runStackPolicy(p("kms-referenced-keys-rotate"), [
                key(false),
                {
                    type: TYPES.bucketSse,
                    name: "sse",
                    props: {
                        rules: [
                            {
                                applyServerSideEncryptionByDefault: {
                                    sseAlgorithm: "aws:kms",
                                    kmsMasterKeyId: UNKNOWN,
                                },
                            },
                        ],
                    },
                    deps: { rules: ["data"] },
                },
            ]);
            assert.match(
                run.mandatory[0],
                /rules\[0\]\.applyServerSideEncryptionByDefault\.kmsMasterKeyId uses Key 'data', which has enableKeyRotation off/,
            );
        });
        it("resolves an alias to its key", async () => {
            const run = await runStackPolicy(p("kms-referenced-keys-rotate"), [
                key(false),
                {
                    type: TYPES.kmsAlias,
                    name: "alias",
                    props: { name: "alias/platform-data", targetKeyId: "data-key" },
                },
                { type: TYPES.ebsVolume, name: "v", props: { kmsKeyId: "alias/platform-data" } },
            ]);
            assert.match(run.mandatory[0], /uses Key 'data'/);
        });
        it("rejects AWS-managed aliases and keys it cannot find, unless configured as external", async () => {
            const run = await runStackPolicy(p("kms-referenced-keys-rotate"), [
                {
                    type: TYPES.rdsInstance,
                    name: "db",
                    props: {
                        kmsKeyId: "alias/aws/rds",
                        performanceInsightsKmsKeyId: "arn:aws:kms:eu-west-1:1:key/other",
                    },
                },
            ]);
            assert.match(run.mandatory[0], /AWS-managed key alias\/aws\/rds/);
            assert.match(run.mandatory[1], /cannot verify performanceInsightsKmsKeyId/);
            const ok = await runStackPolicy(
                p("kms-referenced-keys-rotate"),
                [
                    {
                        type: TYPES.rdsInstance,
                        name: "db",
                        props: { kmsKeyId: "arn:aws:kms:eu-west-1:1:key/other" },
                    },
                ],
                { externalKmsKeyArns: ["arn:aws:kms:eu-west-1:1:key/other"] },
            );
            assert.deepStrictEqual(ok.messages, []);
        });
    });

    describe("s3-bucket-guardrails-complete", () => {
        const bucket = (tags: Record<string, string> = {}): StackFixture => ({
            type: TYPES.bucket,
            name: "logs",
            props: { bucket: "logs-123", arn: "arn:aws:s3:::logs-123", tags },
        });
        const side = (alg: string): StackFixture[] => [
            {
                type: TYPES.bucketSse,
                name: "sse",
                props: {
                    bucket: "logs-123",
                    rules: [
                        {
                            applyServerSideEncryptionByDefault:
                                alg === "AES256"
                                    ? { sseAlgorithm: alg }
                                    : { sseAlgorithm: alg, kmsMasterKeyId: KEY_ARN },
                            bucketKeyEnabled: true,
                        },
                    ],
                },
            },
            {
                type: TYPES.bucketPublicAccessBlock,
                name: "pab",
                props: {
                    bucket: "logs-123",
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                },
            },
            {
                type: TYPES.bucketOwnershipControls,
                name: "own",
                props: { bucket: "logs-123", rule: { objectOwnership: "BucketOwnerEnforced" } },
            },
            {
                type: TYPES.bucketPolicy,
                name: "pol",
                props: {
                    bucket: "logs-123",
                    policy: JSON.stringify({
                        Statement: [
                            {
                                Effect: "Deny",
                                Principal: "*",
                                Action: "s3:*",
                                Resource: ["arn:aws:s3:::logs-123", "arn:aws:s3:::logs-123/*"],
                                Condition: { Bool: { "aws:SecureTransport": "false" } },
                            },
                        ],
                    }),
                },
            },
        ];
        it("passes a bucket with all four guardrails", async () => {
            assert.deepStrictEqual(
                (await runStackPolicy(p("s3-bucket-guardrails-complete"), [bucket(), ...side("aws:kms")])).messages,
                [],
            );
        });
        it("rejects a bare bucket, naming each missing guardrail", async () => {
            const run = await runStackPolicy(p("s3-bucket-guardrails-complete"), [bucket()]);
            assert.strictEqual(run.mandatory.length, 4);
            assert.match(
                run.mandatory.join("\n"),
                /no default-encryption configuration \(STO-01\)[\s\S]*no public access block \(STO-02\)[\s\S]*TLS[\s\S]*ownership controls \(STO-05\)/,
            );
        });
        it("rejects SSE-S3 unless the bucket carries a ticketed exemption", async () => {
            const run = await runStackPolicy(p("s3-bucket-guardrails-complete"), [bucket(), ...side("AES256")]);
            assert.match(run.mandatory[0], /"AES256".*policy\.exempt\/s3-sse-kms-required/);
            const exempt = await runStackPolicy(p("s3-bucket-guardrails-complete"), [
                bucket({ "policy.exempt/s3-sse-kms-required": "SEC-42: ALB access logs require SSE-S3" }),
                ...side("AES256"),
            ]);
            assert.deepStrictEqual(exempt.mandatory, []);
            assert.match(exempt.advisory[0], /exempted by SEC-42: ALB access logs require SSE-S3/);
        });
        it("finds the guardrails through the graph while the bucket name is unknown (first deploy)", async () => {
            const firstDeploy = side("aws:kms").map((f) => ({
                ...f,
                props: { ...f.props, bucket: UNKNOWN },
                deps: { bucket: ["logs"] },
            }));
            const run = await runStackPolicy(p("s3-bucket-guardrails-complete"), [
                { ...bucket(), props: { bucket: UNKNOWN, arn: UNKNOWN, tags: {} } },
                ...firstDeploy,
            ]);
            assert.deepStrictEqual(run.violations, []);
        });
        it("defers a bucket whose encryption rules are unknown and still reports a bare bucket", async () => {
            const unknownRules = side("aws:kms").map((f) =>
                f.name === "sse" ? { ...f, props: { ...f.props, rules: UNKNOWN } } : f,
            );
            const bare: StackFixture = { type: TYPES.bucket, name: "data", props: { bucket: "data-123" } };
            const run = await runStackPolicy(p("s3-bucket-guardrails-complete"), [bucket(), ...unknownRules, bare]);
            assert.strictEqual(run.mandatory.length, 4, JSON.stringify(run.violations));
            assert.ok(
                run.violations.every(
                    (v) => v.policy === "s3-bucket-guardrails-complete" && v.message.startsWith("Bucket 'data' has no"),
                ),
                JSON.stringify(run.violations),
            );
            assert.ok(
                run.violations.every((v) => v.urn === "urn:pulumi:test::aws-platform::aws:s3/bucket:Bucket::data"),
            );
        });
    });

    describe("public-alb-has-waf", () => {
        const acl: StackFixture = {
            type: TYPES.webAcl,
            name: "acl",
            props: {
                scope: "REGIONAL",
                visibilityConfig: { cloudwatchMetricsEnabled: true },
                rules: [
                    {
                        name: "c",
                        statement: { managedRuleGroupStatement: { name: "AWSManagedRulesCommonRuleSet" } },
                        visibilityConfig: { cloudwatchMetricsEnabled: true },
                    },
                ],
            },
        };
        const lb: StackFixture = { type: TYPES.loadBalancer, name: "alb", props: { internal: false } };
        it("rejects a public ALB without a Web ACL", async () => {
            assert.match(
                (await runStackPolicy(p("public-alb-has-waf"), [lb])).mandatory[0],
                /internet-facing without a WAF Web ACL/,
            );
        });
        it("passes a public ALB associated with a baseline Web ACL", async () => {
            const run = await runStackPolicy(p("public-alb-has-waf"), [
                lb,
                acl,
                {
                    type: TYPES.webAclAssociation,
                    name: "a",
                    props: { resourceArn: UNKNOWN, webAclArn: UNKNOWN },
                    deps: { resourceArn: ["alb"], webAclArn: ["acl"] },
                },
            ]);
            assert.deepStrictEqual(run.messages, []);
        });
    });

    describe("vpc-level guardrails", () => {
        it("passes a VPC with a flow log and an adopted default SG", async () => {
            for (const name of ["vpc-flow-logs-enabled", "vpc-default-sg-adopted"])
                assert.deepStrictEqual((await runStackPolicy(p(name), network())).messages, [], name);
        });
        it("rejects a VPC without a flow log (vpc-flow-logs-enabled)", async () => {
            const run = await runStackPolicy(
                p("vpc-flow-logs-enabled"),
                network().filter((f) => f.name !== "flow"),
            );
            assert.match(run.mandatory[0], /Vpc 'vpc' has no flow log with trafficType ALL/);
        });
        it("rejects a VPC whose default SG is not adopted (vpc-default-sg-adopted)", async () => {
            const run = await runStackPolicy(
                p("vpc-default-sg-adopted"),
                network().filter((f) => f.name !== "default-sg"),
            );
            assert.match(run.mandatory[0], /keeps the allow-all rules/);
        });
        it("counts a flow log whose trafficType is unknown at preview and still reports a VPC without one", async () => {
            const fx: StackFixture[] = [
                ...network().map((f) =>
                    f.name === "flow" ? { ...f, props: { vpcId: UNKNOWN, trafficType: UNKNOWN } } : f,
                ),
                { type: TYPES.vpc, name: "other", props: { cidrBlock: "10.1.0.0/16", id: UNKNOWN } },
            ];
            const run = await runStackPolicy(p("vpc-flow-logs-enabled"), fx);
            assert.deepStrictEqual(run.mandatory, [
                "Vpc 'other' has no flow log with trafficType ALL; add an aws.ec2.FlowLog.",
            ]);
            assert.strictEqual(run.violations[0].policy, "vpc-flow-logs-enabled");
        });
    });

    describe("rds-uses-tls-parameter-group", () => {
        it("passes a database on a TLS-forcing group", async () => {
            assert.deepStrictEqual(
                (await runStackPolicy(p("rds-uses-tls-parameter-group"), database([]))).messages,
                [],
            );
        });
        it("rejects the engine default group", async () => {
            const run = await runStackPolicy(p("rds-uses-tls-parameter-group"), [
                { type: TYPES.rdsInstance, name: "db", props: { parameterGroupName: "default.postgres16" } },
            ]);
            assert.match(run.mandatory[0], /default parameter group, which does not force TLS/);
        });
        it("rejects a group without rds.force_ssl", async () => {
            const fx = database([]).map((f) =>
                f.name === "db-params" ? { ...f, props: { ...f.props, parameters: [] } } : f,
            );
            assert.match(
                (await runStackPolicy(p("rds-uses-tls-parameter-group"), fx)).mandatory[0],
                /parameter group db-params family postgres16 lacks/,
            );
        });
        it("defers a database whose parameter group is unknown at preview and still reports the engine default", async () => {
            const run = await runStackPolicy(p("rds-uses-tls-parameter-group"), [
                { type: TYPES.rdsInstance, name: "db", props: { engine: "postgres", parameterGroupName: UNKNOWN } },
                {
                    type: TYPES.rdsInstance,
                    name: "legacy",
                    props: { engine: "postgres", parameterGroupName: "default.postgres16" },
                },
            ]);
            assert.strictEqual(run.mandatory.length, 1, JSON.stringify(run.violations));
            assert.strictEqual(run.violations[0].policy, "rds-uses-tls-parameter-group");
            assert.match(run.mandatory[0], /^Instance 'legacy' uses the engine's default parameter group/);
        });
        it("defers a linked parameter group whose parameters are unknown at preview", async () => {
            const fx = database([]).map((f) =>
                f.name === "db-params"
                    ? { ...f, props: { ...f.props, parameters: UNKNOWN } }
                    : f.name === "db"
                      ? { ...f, props: { ...f.props, parameterGroupName: UNKNOWN } }
                      : f,
            );
            assert.deepStrictEqual((await runStackPolicy(p("rds-uses-tls-parameter-group"), fx)).violations, []);
        });
    });

    describe("waf-logging-enabled, ecr-lifecycle-policy-present, public-zone-query-logging, s3-access-logging", () => {
        it("reports each missing companion resource", async () => {
            const fx: StackFixture[] = [
                { type: TYPES.webAcl, name: "acl", props: {} },
                { type: TYPES.ecrRepository, name: "repo", props: { name: "shop-api" } },
                { type: TYPES.zone, name: "zone", props: { name: "example.com" } },
                { type: TYPES.bucket, name: "data", props: { bucket: "data-1" } },
            ];
            assert.match(
                (await runStackPolicy(p("waf-logging-enabled"), fx)).mandatory[0],
                /WebAcl 'acl' has no logging configuration/,
            );
            assert.match(
                (await runStackPolicy(p("ecr-lifecycle-policy-present"), fx)).mandatory[0],
                /Repository 'repo' has no lifecycle policy/,
            );
            assert.match(
                (await runStackPolicy(p("public-zone-query-logging"), fx)).advisory[0],
                /Zone 'zone' is public and has no query log/,
            );
            assert.match(
                (await runStackPolicy(p("s3-access-logging"), fx)).advisory[0],
                /Bucket 'data' has no access logging/,
            );
        });
        it("passes when each companion is present", async () => {
            const fx: StackFixture[] = [
                { type: TYPES.webAcl, name: "acl", props: { arn: "arn:acl" } },
                {
                    type: TYPES.webAclLogging,
                    name: "acl-log",
                    props: { resourceArn: "arn:acl" },
                },
                { type: TYPES.ecrRepository, name: "repo", props: { name: "shop-api" } },
                { type: TYPES.ecrLifecyclePolicy, name: "repo-lc", props: { repository: "shop-api" } },
                { type: TYPES.zone, name: "zone", props: { zoneId: "Z1" } },
                { type: TYPES.route53QueryLog, name: "zone-ql", props: { zoneId: "Z1" } },
                { type: TYPES.bucket, name: "data", props: { bucket: "data-1" } },
                { type: TYPES.bucket, name: "logs", props: { bucket: "logs-1" } },
                {
                    type: TYPES.bucketLogging,
                    name: "data-log",
                    props: { bucket: "data-1", targetBucket: "logs-1" },
                },
            ];
            for (const name of [
                "waf-logging-enabled",
                "ecr-lifecycle-policy-present",
                "public-zone-query-logging",
                "s3-access-logging",
            ])
                assert.deepStrictEqual((await runStackPolicy(p(name), fx)).messages, [], name);
        });
        it("finds each companion through the graph while ids are unknown, and reports the one without", async () => {
            const fx: StackFixture[] = [
                { type: TYPES.webAcl, name: "acl", props: { arn: UNKNOWN } },
                {
                    type: TYPES.webAclLogging,
                    name: "acl-log",
                    props: { resourceArn: UNKNOWN },
                    deps: { resourceArn: ["acl"] },
                },
                { type: TYPES.webAcl, name: "acl-2", props: { arn: UNKNOWN } },
                { type: TYPES.ecrRepository, name: "repo", props: { name: UNKNOWN } },
                {
                    type: TYPES.ecrLifecyclePolicy,
                    name: "repo-lc",
                    props: { repository: UNKNOWN },
                    deps: { repository: ["repo"] },
                },
                { type: TYPES.ecrRepository, name: "repo-2", props: { name: UNKNOWN } },
                { type: TYPES.zone, name: "zone", props: { zoneId: UNKNOWN } },
                {
                    type: TYPES.route53QueryLog,
                    name: "zone-ql",
                    props: { zoneId: UNKNOWN },
                    deps: { zoneId: ["zone"] },
                },
                { type: TYPES.zone, name: "zone-2", props: { zoneId: UNKNOWN } },
                { type: TYPES.bucket, name: "data", props: { bucket: UNKNOWN } },
                { type: TYPES.bucket, name: "logs", props: { bucket: UNKNOWN } },
                {
                    type: TYPES.bucketLogging,
                    name: "data-log",
                    props: { bucket: UNKNOWN, targetBucket: UNKNOWN },
                    deps: { bucket: ["data"], targetBucket: ["logs"] },
                },
                { type: TYPES.bucket, name: "data-2", props: { bucket: UNKNOWN } },
            ];
            const expected: Record<string, string> = {
                "waf-logging-enabled":
                    "WebAcl 'acl-2' has no logging configuration; add an aws.wafv2.WebAclLoggingConfiguration.",
                "ecr-lifecycle-policy-present":
                    "Repository 'repo-2' has no lifecycle policy; add one so untagged and old images expire.",
                "public-zone-query-logging":
                    "Zone 'zone-2' is public and has no query log; add an aws.route53.QueryLog (log group in us-east-1).",
                "s3-access-logging":
                    "Bucket 'data-2' has no access logging; add an aws.s3.BucketLogging to the log bucket.",
            };
            for (const [name, message] of Object.entries(expected)) {
                const run = await runStackPolicy(p(name), fx);
                assert.deepStrictEqual(
                    run.violations.map((v) => [v.policy, v.message]),
                    [[name, message]],
                    name,
                );
            }
        });
    });

    describe("account-ebs-default-encryption", () => {
        it("is not evaluated outside the account-baseline stack", async () => {
            assert.deepStrictEqual((await runStackPolicy(p("account-ebs-default-encryption"), [])).messages, []);
        });
        it("rejects an account-baseline stack without EBS default encryption", async () => {
            const run = await runStackPolicy(p("account-ebs-default-encryption"), [], {
                stackRole: "account-baseline",
            });
            assert.match(run.mandatory[0], /no aws\.ec2\.EbsEncryptionByDefault/);
        });
        it("passes an account-baseline stack with both settings", async () => {
            const run = await runStackPolicy(
                p("account-ebs-default-encryption"),
                [
                    {
                        type: TYPES.ebsEncryptionByDefault,
                        name: "e",
                        props: { enabled: true },
                    },
                    { type: TYPES.ebsDefaultKmsKey, name: "k", props: { keyArn: KEY_ARN } },
                ],
                { stackRole: "account-baseline" },
            );
            assert.deepStrictEqual(run.messages, []);
        });
        it("accepts a setting and a key that are unknown at preview (judged at up)", async () => {
            const run = await runStackPolicy(
                p("account-ebs-default-encryption"),
                [
                    { type: TYPES.ebsEncryptionByDefault, name: "e", props: { enabled: UNKNOWN } },
                    { type: TYPES.ebsDefaultKmsKey, name: "k", props: { keyArn: UNKNOWN } },
                ],
                { stackRole: "account-baseline" },
            );
            assert.deepStrictEqual(run.violations, []);
        });
        it("still rejects an AWS-managed default key while the setting is unknown", async () => {
            const run = await runStackPolicy(
                p("account-ebs-default-encryption"),
                [
                    { type: TYPES.ebsEncryptionByDefault, name: "e", props: { enabled: UNKNOWN } },
                    { type: TYPES.ebsDefaultKmsKey, name: "k", props: { keyArn: "alias/aws/ebs" } },
                ],
                { stackRole: "account-baseline" },
            );
            assert.deepStrictEqual(
                run.violations.map((v) => [v.policy, v.message, v.enforcementLevel]),
                [
                    [
                        "account-ebs-default-encryption",
                        "The account-baseline stack has no aws.ebs.DefaultKmsKey pointing at a customer-managed key.",
                        "mandatory",
                    ],
                ],
            );
        });
    });

    it("skips only the resource whose value is unknown and still reports the others", async () => {
        const fx: StackFixture[] = [
            { type: TYPES.vpc, name: "a", props: {} },
            {
                type: TYPES.defaultSecurityGroup,
                name: "sg-a",
                props: { ingress: UNKNOWN, egress: [] },
                deps: { vpcId: ["a"] },
            },
            { type: TYPES.vpc, name: "b", props: {} },
            {
                type: TYPES.defaultSecurityGroup,
                name: "sg-b",
                props: { ingress: [{ protocol: "-1" }], egress: [] },
                deps: { vpcId: ["b"] },
            },
        ];
        const run = await runStackPolicy(p("vpc-default-sg-adopted"), fx);
        assert.deepStrictEqual(run.mandatory, [
            "Vpc 'b': the adopted default security group sg-b still has rules (NET-02).",
        ]);
        assert.strictEqual(run.violations[0].urn, "urn:pulumi:test::aws-platform::aws:ec2/vpc:Vpc::b");
    });
});
