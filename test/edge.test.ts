import { strict as assert } from "assert";
import { INGRESS_HEALTH_PATH } from "../components/edge";
import { TLS_POLICIES } from "../lib/contract";
import { Capture, readStackConfig, runProgram } from "./support/harness";

const LISTENER = "aws:lb/listener:Listener";
const ALB = "aws:lb/loadBalancer:LoadBalancer";
const RECORD = "aws:route53/record:Record";
const SG = "aws:ec2/securityGroup:SecurityGroup";
/** The zone id the mocks return for a zone looked up by name. */
const LOOKED_UP_ZONE = "ZMOCKZONE";

/** The real program (index.ts) for `stack`: the edge tier as it is wired, next to the tiers it feeds. */
async function edgeStack(stack: "dev" | "prod", overrides?: Record<string, unknown>): Promise<Capture> {
    return (await runProgram(stack, { overrides })).capture;
}

function listenerOn(c: Capture, port: number) {
    const hits = c.ofType(LISTENER).filter((l) => l.inputs.port === port);
    assert.equal(hits.length, 1, `one listener on port ${port}`);
    return hits[0];
}

describe("edge tier", () => {
    let dev: Capture;
    let prod: Capture;
    before(async () => {
        dev = await edgeStack("dev");
        prod = await edgeStack("prod");
    });

    it("answers port 80 only with a permanent redirect to HTTPS on 443", () => {
        for (const c of [dev, prod]) {
            const http = listenerOn(c, 80);
            assert.equal(http.inputs.protocol, "HTTP");
            assert.deepEqual(
                http.inputs.defaultActions.map((a: any) => [
                    a.type,
                    a.redirect?.protocol,
                    a.redirect?.port,
                    a.redirect?.statusCode,
                    a.targetGroupArn,
                ]),
                [["redirect", "HTTPS", "443", "HTTP_301", undefined]],
            );
            assert.equal(
                c.ofType("aws:lb/listenerRule:ListenerRule").length,
                0,
                "no rule can add a forward to port 80",
            );
        }
        assert.deepEqual(
            dev
                .ofType(LISTENER)
                .map((l) => l.inputs.port)
                .sort(),
            [443, 80],
            "no other listener",
        );
    });

    it("serves 443 with a TLS 1.3/1.2 policy and only the DNS-validated certificate", () => {
        const https = listenerOn(prod, 443);
        const validation = prod.one("aws:acm/certificateValidation:CertificateValidation");
        const cert = prod.one("aws:acm/certificate:Certificate");
        assert.equal(https.inputs.protocol, "HTTPS");
        assert.equal(https.inputs.sslPolicy, "ELBSecurityPolicy-TLS13-1-2-2021-06");
        assert.ok(
            (TLS_POLICIES as readonly string[]).includes(https.inputs.sslPolicy),
            "EDGE-02's default allowedTlsPolicies accept the policy",
        );
        assert.equal(https.inputs.certificateArn, cert.state.arn);
        assert.match(https.inputs.certificateArn, /^arn:aws:acm:eu-west-1:444455556666:certificate\//);
        assert.deepEqual(
            https.propertyDependencies.certificateArn,
            [validation.urn],
            "the ARN comes from the validation, not the bare certificate",
        );
        assert.equal(https.inputs.loadBalancerArn, prod.one(ALB).state.arn);
    });

    it("forwards 443 to an HTTPS target group on the ingress node port, health-checked on NGINX's readiness node port", () => {
        const tg = prod.one("aws:lb/targetGroup:TargetGroup");
        assert.deepEqual(listenerOn(prod, 443).inputs.defaultActions, [
            { type: "forward", targetGroupArn: tg.state.arn },
        ]);
        assert.deepEqual([tg.inputs.protocol, tg.inputs.port, tg.inputs.targetType], ["HTTPS", 30443, "instance"]);
        assert.equal(tg.inputs.vpcId, prod.one("aws:ec2/vpc:Vpc").id);
        assert.deepEqual(
            [tg.inputs.healthCheck.protocol, tg.inputs.healthCheck.path, tg.inputs.healthCheck.port],
            ["HTTP", "/readyz", "30444"],
        );
        assert.equal(INGRESS_HEALTH_PATH, "/readyz");
    });

    it("places an internet-facing ALB in exactly the public subnets", () => {
        for (const c of [dev, prod]) {
            const alb = c.one(ALB);
            const publicIds = c
                .ofType("aws:ec2/subnet:Subnet")
                .filter((s) => s.inputs.tags["subnet-layer"] === "public")
                .map((s) => s.id);
            assert.deepEqual([...alb.inputs.subnets].sort(), [...publicIds].sort());
            assert.ok(alb.inputs.subnets.length >= 2);
            assert.equal(alb.inputs.internal, false);
            assert.equal(alb.inputs.loadBalancerType, "application");
            assert.equal(alb.inputs.tags.exposure, "public", "EDGE-07 declares the exposure");
        }
    });

    it("drops invalid headers, mitigates desync and keeps a sane idle timeout", () => {
        const alb = dev.one(ALB);
        assert.equal(alb.inputs.dropInvalidHeaderFields, true);
        assert.ok(["defensive", "strictest"].includes(alb.inputs.desyncMitigationMode));
        assert.equal(alb.inputs.idleTimeout, 60);
        assert.equal(alb.inputs.enableWafFailOpen, false);
    });

    it("admits only 80 and 443 from the internet and sends only to the ingress node port in the private subnets", () => {
        const sg = prod.one(SG, "alb");
        assert.deepEqual(prod.one(ALB).inputs.securityGroups, [sg.id]);
        assert.equal(sg.inputs.tags["sg-role"], "alb-public", "NET-04 allows world ingress only on this role");
        assert.deepEqual(
            sg.inputs.ingress
                .map((r: any) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks, r.ipv6CidrBlocks ?? []])
                .sort(),
            [
                ["tcp", 443, 443, ["0.0.0.0/0"], []],
                ["tcp", 80, 80, ["0.0.0.0/0"], []],
            ],
        );
        const privateCidrs = prod
            .ofType("aws:ec2/subnet:Subnet")
            .filter((s) => s.inputs.tags["subnet-layer"] === "private")
            .map((s) => s.inputs.cidrBlock);
        assert.deepEqual(
            sg.inputs.egress.map((r: any) => [r.protocol, r.fromPort, r.toPort, r.cidrBlocks]),
            [["tcp", 30443, 30444, privateCidrs]],
        );
    });

    it("follows the configured ingress node port on both sides of the hop", async () => {
        const c = await edgeStack("dev", {
            cluster: { ...JSON.parse(readStackConfig("dev")["platform:cluster"]), ingressNodePort: 31443 },
        });
        assert.equal(c.one("aws:lb/targetGroup:TargetGroup").inputs.port, 31443);
        const alb = c.one(SG, "alb");
        assert.deepEqual(
            alb.inputs.egress.map((r: any) => [r.fromPort, r.toPort]),
            [[31443, 31444]],
        );
        assert.equal(c.one("aws:lb/targetGroup:TargetGroup").inputs.healthCheck.port, "31444");
        // The far side of the hop, as the program wires it: the node SG admits the ALB SG on those ports, and NGINX's Service uses them.
        const fromAlb = c
            .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
            .filter((r) => r.inputs.referencedSecurityGroupId === alb.id);
        assert.deepEqual(
            fromAlb.map((r) => [r.inputs.securityGroupId, r.inputs.fromPort, r.inputs.toPort]),
            [[c.one(SG, "nodes").id, 31443, 31444]],
        );
        const proxy = c.one("kubernetes:gateway.nginx.org/v1alpha2:NginxProxy").inputs.spec.kubernetes.service;
        assert.deepEqual(proxy.nodePorts, [
            { port: 31443, listenerPort: 443 },
            { port: 31444, listenerPort: 8081 },
        ]);
    });

    it("associates a WAF web ACL with the ALB: rate limit from config, AWS managed rules, metrics on", () => {
        for (const [c, limit] of [
            [dev, 1000],
            [prod, 5000],
        ] as const) {
            const acl = c.one("aws:wafv2/webAcl:WebAcl");
            const assoc = c.one("aws:wafv2/webAclAssociation:WebAclAssociation");
            assert.equal(assoc.inputs.resourceArn, c.one(ALB).state.arn);
            assert.equal(assoc.inputs.webAclArn, acl.state.arn);
            assert.equal(acl.inputs.scope, "REGIONAL");
            assert.equal(acl.inputs.visibilityConfig.cloudwatchMetricsEnabled, true);
            const groups = acl.inputs.rules
                .map((r: any) => r.statement.managedRuleGroupStatement?.name)
                .filter(Boolean);
            for (const g of [
                "AWSManagedRulesCommonRuleSet",
                "AWSManagedRulesKnownBadInputsRuleSet",
                "AWSManagedRulesSQLiRuleSet",
            ])
                assert.ok(groups.includes(g), g);
            const rate = acl.inputs.rules.filter((r: any) => r.statement.rateBasedStatement);
            assert.equal(rate.length, 1);
            assert.deepEqual(
                [rate[0].statement.rateBasedStatement.limit, rate[0].statement.rateBasedStatement.aggregateKeyType],
                [limit, "IP"],
            );
            assert.ok(rate[0].action.block, "the rate limit blocks");
            for (const r of acl.inputs.rules) assert.equal(r.visibilityConfig.cloudwatchMetricsEnabled, true, r.name);
            const priorities = acl.inputs.rules.map((r: any) => r.priority);
            assert.equal(new Set(priorities).size, priorities.length, "unique rule priorities");
        }
    });

    it("logs WAF traffic to a KMS-encrypted aws-waf-logs- group with credentials redacted", () => {
        const logging = prod.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration");
        const group = prod.one("aws:cloudwatch/logGroup:LogGroup", "waf-logs");
        assert.equal(logging.inputs.resourceArn, prod.one("aws:wafv2/webAcl:WebAcl").state.arn);
        assert.deepEqual(logging.inputs.logDestinationConfigs, [group.state.arn]);
        assert.match(group.inputs.name, /^aws-waf-logs-/);
        assert.equal(group.inputs.kmsKeyId, prod.one("aws:kms/key:Key", "logs").state.arn);
        assert.equal(group.inputs.retentionInDays, 365);
        assert.deepEqual(logging.inputs.redactedFields.map((f: any) => f.singleHeader.name).sort(), [
            "authorization",
            "cookie",
        ]);
        const policy = JSON.parse(
            prod.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "waf-logs").inputs.policyDocument,
        );
        assert.deepEqual(
            policy.Statement.map((s: any) => [s.Principal.Service, s.Resource]),
            [["delivery.logs.amazonaws.com", `${group.state.arn}:*`]],
        );
    });

    it("points A and AAAA alias records for every host at the ALB", () => {
        const alb = prod.one(ALB);
        const aliases = prod.ofType(RECORD).filter((r) => r.inputs.aliases);
        assert.deepEqual(aliases.map((r) => `${r.inputs.type} ${r.inputs.name}`).sort(), [
            "A app.shop.example.com",
            "A www.shop.example.com",
            "AAAA app.shop.example.com",
            "AAAA www.shop.example.com",
        ]);
        for (const r of aliases) {
            assert.equal(r.inputs.zoneId, LOOKED_UP_ZONE);
            assert.deepEqual(r.inputs.aliases, [
                { name: alb.state.dnsName, zoneId: alb.state.zoneId, evaluateTargetHealth: true },
            ]);
            assert.equal(r.inputs.records, undefined, "no static IPs");
        }
    });

    it("issues a DNS-validated certificate for every host, validated through records in the zone", () => {
        const cert = prod.one("aws:acm/certificate:Certificate");
        assert.equal(cert.inputs.domainName, "app.shop.example.com");
        assert.deepEqual(cert.inputs.subjectAlternativeNames, ["www.shop.example.com"]);
        assert.equal(cert.inputs.validationMethod, "DNS");
        assert.equal(cert.inputs.options.certificateTransparencyLoggingPreference, "ENABLED");
        const records = prod.ofType(RECORD).filter((r) => r.name.includes("-validation-"));
        assert.deepEqual(
            records.map((r) => [r.inputs.name, r.inputs.type, r.inputs.records]).sort(),
            cert.state.domainValidationOptions
                .map((o: any) => [o.resourceRecordName, o.resourceRecordType, [o.resourceRecordValue]])
                .sort(),
        );
        for (const r of records) assert.equal(r.inputs.zoneId, LOOKED_UP_ZONE);
        const validation = prod.one("aws:acm/certificateValidation:CertificateValidation");
        assert.equal(validation.inputs.certificateArn, cert.state.arn);
        assert.deepEqual([...validation.inputs.validationRecordFqdns].sort(), records.map((r) => r.state.fqdn).sort());
        assert.equal(dev.one("aws:acm/certificate:Certificate").inputs.domainName, "app.dev.shop.example.com");
    });

    it("protects prod: ALB deletion protection, Pulumi protect on the log bucket", () => {
        assert.equal(prod.one(ALB).inputs.enableDeletionProtection, true);
        assert.equal(prod.one("aws:s3/bucket:Bucket", "access-logs").protect, true);
        assert.equal(prod.one("aws:s3/bucket:Bucket", "access-logs").inputs.forceDestroy, false);
        assert.equal(dev.one(ALB).inputs.enableDeletionProtection, false);
        assert.equal(dev.one("aws:s3/bucket:Bucket", "access-logs").protect, false);
    });

    it("writes access logs to an SSE-S3, private, TLS-only bucket that expires them", () => {
        const bucket = prod.one("aws:s3/bucket:Bucket", "access-logs");
        const name = bucket.state.bucket;
        const alb = prod.one(ALB);
        assert.deepEqual(alb.inputs.accessLogs, { bucket: name, prefix: "alb", enabled: true });
        const side = (type: string) => prod.one(`aws:s3/${type}`, "access-logs").inputs;
        assert.equal(
            side("bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").rules[0]
                .applyServerSideEncryptionByDefault.sseAlgorithm,
            "AES256",
        );
        assert.match(
            bucket.inputs.tags["policy.exempt/s3-sse-kms-required"],
            /^[A-Z0-9-]+: .*SSE-S3/,
            "documented STO-01 exemption",
        );
        const pab = side("bucketPublicAccessBlock:BucketPublicAccessBlock");
        assert.deepEqual(
            [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
            [true, true, true, true],
        );
        assert.equal(
            side("bucketOwnershipControls:BucketOwnershipControls").rule.objectOwnership,
            "BucketOwnerEnforced",
        );
        assert.equal(side("bucketVersioning:BucketVersioning").versioningConfiguration.status, "Enabled");
        const expiry = side("bucketLifecycleConfiguration:BucketLifecycleConfiguration").rules.find(
            (r: any) => r.expiration?.days,
        );
        assert.deepEqual([expiry.status, expiry.expiration.days], ["Enabled", 365]);
        assert.equal(
            dev.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "access-logs").inputs.rules[0]
                .expiration.days,
            30,
        );
        for (const t of [
            "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "bucketPolicy:BucketPolicy",
            "bucketPublicAccessBlock:BucketPublicAccessBlock",
        ])
            assert.equal(side(t).bucket, name, t);
    });

    it("denies non-TLS access to the log bucket and lets only ELB log delivery write, under this account's prefix", () => {
        const bucket = prod.one("aws:s3/bucket:Bucket", "access-logs");
        const arn = bucket.state.arn;
        const policy = JSON.parse(prod.one("aws:s3/bucketPolicy:BucketPolicy", "access-logs").inputs.policy);
        const tlsDeny = policy.Statement.find((s: any) => s.Condition?.Bool?.["aws:SecureTransport"] === "false");
        assert.ok(tlsDeny, "STO-03 statement");
        assert.deepEqual(
            [tlsDeny.Effect, tlsDeny.Principal, tlsDeny.Action, [...tlsDeny.Resource].sort()],
            ["Deny", "*", "s3:*", [arn, `${arn}/*`].sort()],
        );
        const allows = policy.Statement.filter((s: any) => s.Effect === "Allow");
        assert.deepEqual(
            allows.map((s: any) => [s.Principal, s.Action, s.Resource]),
            [
                [{ AWS: "arn:aws:iam::156460612806:root" }, "s3:PutObject", `${arn}/alb/AWSLogs/444455556666/*`],
                [
                    { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                    "s3:PutObject",
                    `${arn}/alb/AWSLogs/444455556666/*`,
                ],
            ],
        );
        assert.ok(
            prod.one(ALB).dependencies.includes(prod.one("aws:s3/bucketPolicy:BucketPolicy", "access-logs").urn),
            "the ALB waits for the policy",
        );
    });

    it("looks the domain's own public zone up by default and creates none (no delegation can be missing)", async () => {
        for (const c of [dev, prod]) assert.equal(c.ofType("aws:route53/zone:Zone").length, 0);
        const out = (await runProgram("dev")).outputs as Record<string, unknown>;
        assert.deepEqual(out.nameServers, []);
        assert.equal(out.dnsDelegation, "none: dev.shop.example.com is served by an existing zone");
    });

    it("creates the zone only when createZone is set, protected in prod, and exports its name servers with the delegation step", async () => {
        const run = await runProgram("prod", { overrides: { createZone: "true" } });
        const zone = run.capture.one("aws:route53/zone:Zone");
        assert.equal(zone.inputs.name, "shop.example.com");
        assert.equal(zone.protect, true);
        for (const r of run.capture.ofType(RECORD)) assert.equal(r.inputs.zoneId, zone.state.zoneId, r.name);
        const out = run.outputs as Record<string, unknown>;
        assert.deepEqual(out.nameServers, zone.state.nameServers);
        assert.equal(
            out.dnsDelegation,
            'delegate shop.example.com to these name servers: add an NS record "shop.example.com" with ns-1.awsdns-01.org, ns-2.awsdns-02.co.uk in the parent zone of shop.example.com',
        );
    });

    it("looks an existing zone up instead of creating one when hostedZoneId is set", async () => {
        const c = await edgeStack("dev", { hostedZoneId: "Z0123456789ABCDEFGHIJ" });
        assert.equal(c.ofType("aws:route53/zone:Zone").length, 0);
        for (const r of c.ofType(RECORD)) assert.equal(r.inputs.zoneId, "Z0123456789ABCDEFGHIJ", r.name);
    });

    it("refuses a looked-up zone that cannot hold the domain's records", async () => {
        await assert.rejects(
            edgeStack("dev", { hostedZoneId: "Z0123456789ABCDEFGHIJ", domain: "shop.example.org" }),
            /hosted zone Z0123456789ABCDEFGHIJ is example\.com, which cannot hold records for shop\.example\.org/,
        );
    });

    it("parents every resource to the edge component", () => {
        const edge = prod.one("platform:edge:Edge");
        const mine = prod.resources.filter((r) => r.name.startsWith("edge-"));
        assert.ok(mine.length > 20);
        for (const r of mine) assert.equal(r.parent, edge.urn, r.name);
        assert.deepEqual(
            prod
                .childrenOf(edge.urn)
                .map((r) => r.name)
                .sort(),
            mine.map((r) => r.name).sort(),
            "and every child carries the edge- prefix",
        );
    });
});
