import { strict as assert } from "assert";
import { Edge, EdgeArgs, TLS_POLICY } from "../../components/edge";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, keyArn } from "../support/component";

const TYPE = "platform:edge:Edge";
const ALB = "aws:lb/loadBalancer:LoadBalancer";
const BUCKET = "aws:s3/bucket:Bucket";

function alone(extra: Partial<EdgeArgs> = {}): Promise<Capture> {
    return buildAlone(
        () =>
            new Edge("web", {
                vpcId: "vpc-0123",
                publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
                privateSubnetCidrs: ["10.0.0.0/20", "10.0.16.0/20"],
                domain: "shop.example.com",
                logsKeyArn: keyArn("logs"),
                tags: TAGS,
                ...extra,
            }),
    );
}

describe("Edge component", () => {
    let c: Capture;
    before(async () => {
        c = await alone();
    });

    it("constructs with minimal args: app.<domain> in the existing zone, behind a protected, internet-facing ALB", () => {
        assertComponent(c, TYPE, "web", {
            domain: "shop.example.com",
            publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
        });
        assert.equal(c.ofType("aws:route53/zone:Zone").length, 0, "the zone is looked up, not created");
        const cert = c.one("aws:acm/certificate:Certificate").inputs;
        assert.deepEqual([cert.domainName, cert.subjectAlternativeNames], ["app.shop.example.com", []]);
        const alb = c.one(ALB);
        assert.deepEqual(
            [alb.inputs.internal, alb.inputs.enableDeletionProtection, alb.inputs.dropInvalidHeaderFields],
            [false, true, true],
        );
        assert.equal(alb.inputs.idleTimeout, 60);
        assert.deepEqual(alb.inputs.subnets, ["subnet-pub-a", "subnet-pub-b"]);
        const bucket = c.one(BUCKET);
        assert.deepEqual([bucket.protect, bucket.inputs.forceDestroy], [true, false], "the access logs are kept");
    });

    it("serves HTTPS only and sends to the default ingress node port and its health port in the private subnets", () => {
        const listeners = c
            .ofType("aws:lb/listener:Listener")
            .map((l) => l.inputs)
            .sort((a, b) => a.port - b.port);
        assert.deepEqual(
            listeners.map((l) => [l.port, l.protocol, l.sslPolicy, l.defaultActions[0].type]),
            [
                [80, "HTTP", undefined, "redirect"],
                [443, "HTTPS", TLS_POLICY, "forward"],
            ],
        );
        const target = c.one("aws:lb/targetGroup:TargetGroup").inputs;
        assert.deepEqual([target.protocol, target.port, target.healthCheck.port], ["HTTPS", 30443, "30444"]);
        const egress = c.one("aws:ec2/securityGroup:SecurityGroup", "web-alb").inputs.egress;
        assert.deepEqual(
            egress.map((e: any) => [e.fromPort, e.toPort, e.cidrBlocks]),
            [[30443, 30444, ["10.0.0.0/20", "10.0.16.0/20"]]],
        );
    });

    it("rate-limits at 2000 requests per IP and logs WAF decisions into an encrypted group kept a year", () => {
        const acl = c.one("aws:wafv2/webAcl:WebAcl").inputs;
        assert.equal(acl.rules[0].statement.rateBasedStatement.limit, 2000);
        const group = c.one("aws:cloudwatch/logGroup:LogGroup", "waf-logs").inputs;
        assert.deepEqual([group.kmsKeyId, group.retentionInDays], [keyArn("logs"), 365]);
        const expiry = c.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules[0];
        assert.equal(expiry.expiration.days, 90);
        assert.equal(c.one("aws:wafv2/webAclAssociation:WebAclAssociation").inputs.resourceArn, c.one(ALB).state.arn);
    });

    it("drops deletion protection, creates the zone and serves extra names only when asked", async () => {
        const dev = await alone({
            deletionProtection: false,
            createZone: true,
            extraHosts: ["www"],
            ingressNodePort: 31000,
        });
        assert.equal(dev.one(ALB).inputs.enableDeletionProtection, false);
        assert.deepEqual([dev.one(BUCKET).protect, dev.one(BUCKET).inputs.forceDestroy], [false, true]);
        assert.equal(dev.one("aws:route53/zone:Zone").inputs.name, "shop.example.com");
        assert.deepEqual(dev.one("aws:acm/certificate:Certificate").inputs.subjectAlternativeNames, [
            "www.shop.example.com",
        ]);
        assert.equal(dev.one("aws:lb/targetGroup:TargetGroup").inputs.port, 31000);
    });
});
