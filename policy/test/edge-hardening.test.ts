import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../edge";
import { policies as logging } from "../logging";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed, runStackPolicy, StackFixture } from "./support";
import { TYPES } from "../../lib/contract";

/** Issue #19 class 4: WAF blocks and fails closed, TLS to the targets, ALB egress, HSTS, classic ELB. */

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const CERT = "arn:aws:acm:eu-west-1:111122223333:certificate/abc";
const visibility = { cloudwatchMetricsEnabled: true, metricName: "m", sampledRequestsEnabled: true };
const managed = (name: string, extra: object = {}, override: object = { none: {} }) => ({
    name,
    priority: 1,
    overrideAction: override,
    statement: { managedRuleGroupStatement: { vendorName: "AWS", name, ...extra } },
    visibilityConfig: visibility,
});
const acl = (...rules: object[]) => ({
    scope: "REGIONAL",
    defaultAction: { allow: {} },
    visibilityConfig: visibility,
    rules,
});
const goodClb = {
    internal: true,
    subnets: ["subnet-a", "subnet-b"],
    connectionDraining: true,
    listeners: [
        { lbPort: 443, lbProtocol: "HTTPS", instancePort: 8443, instanceProtocol: "HTTPS", sslCertificateId: CERT },
    ],
    accessLogs: { bucket: "logs", enabled: true },
};

const table: Record<string, Case[]> = {
    "waf-managed-rules-block": [
        {
            it: "rejects a managed group overridden to count",
            type: TYPES.webAcl,
            props: acl(managed("AWSManagedRulesCommonRuleSet", {}, { count: {} })),
            rejects: /overrides the managed group AWSManagedRulesCommonRuleSet to count/,
        },
        {
            it: "rejects a baseline rule overridden to count",
            type: TYPES.webAcl,
            props: acl(
                managed("AWSManagedRulesKnownBadInputsRuleSet", {
                    ruleActionOverrides: [{ name: "Log4JRCE", actionToUse: { count: {} } }],
                }),
            ),
            rejects: /Log4JRCE of AWSManagedRulesKnownBadInputsRuleSet to count/,
        },
        {
            it: "rejects a count override written in ruleJson",
            type: TYPES.webAcl,
            props: {
                scope: "REGIONAL",
                visibilityConfig: visibility,
                ruleJson: JSON.stringify([
                    {
                        Name: "crs",
                        Priority: 1,
                        OverrideAction: { Count: {} },
                        Statement: {
                            ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" },
                        },
                    },
                ]),
            },
            rejects: /ruleJson\[0\].*to count/,
        },
        {
            it: "rejects a standalone WebAclRule counting a managed group",
            type: TYPES.webAclRule,
            props: {
                webAclArn: "arn",
                priority: 1,
                name: "crs",
                overrideAction: { count: {} },
                statement: { managedRuleGroupStatement: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" } },
            },
            rejects: /to count/,
        },
        {
            it: "rejects a rule-group association with overrideAction count",
            type: TYPES.webAclRuleGroupAssociation,
            props: {
                webAclArn: "arn",
                priority: 1,
                ruleName: "crs",
                overrideAction: "count",
                managedRuleGroup: { vendorName: "AWS", name: "AWSManagedRulesCommonRuleSet" },
            },
            rejects: /to count/,
        },
        {
            it: "warns (does not block) on a counted rule of a non-baseline group",
            type: TYPES.webAcl,
            props: acl(
                managed("AWSManagedRulesSQLiRuleSet", {
                    ruleActionOverrides: [{ name: "SQLi_BODY", actionToUse: { count: {} } }],
                }),
            ),
            warns: /SQLi_BODY/,
        },
        {
            it: "passes the platform's web ACL (overrideAction none)",
            type: TYPES.webAcl,
            props: acl(managed("AWSManagedRulesCommonRuleSet"), managed("AWSManagedRulesKnownBadInputsRuleSet")),
        },
        {
            it: "passes a baseline rule overridden to block",
            type: TYPES.webAcl,
            props: acl(
                managed("AWSManagedRulesCommonRuleSet", {
                    ruleActionOverrides: [{ name: "SizeRestrictions_BODY", actionToUse: { block: {} } }],
                }),
            ),
        },
    ],
    "alb-waf-fail-closed": [
        {
            it: "rejects WAF fail-open",
            type: TYPES.loadBalancer,
            props: { enableWafFailOpen: true },
            rejects: /enableWafFailOpen to false/,
        },
        {
            it: "rejects WAF fail-open on the alb alias",
            type: TYPES.albLoadBalancer,
            props: { enableWafFailOpen: "true" },
            rejects: /enableWafFailOpen/,
        },
        {
            it: "passes fail-closed (the default)",
            type: TYPES.loadBalancer,
            props: { enableWafFailOpen: false },
        },
    ],
    "alb-target-group-https": [
        {
            it: "rejects plain HTTP to the targets",
            type: TYPES.targetGroup,
            props: { port: 80, protocol: "HTTP", targetType: "instance" },
            rejects: /set protocol "HTTPS"/,
        },
        {
            it: "rejects a target group without a protocol on the alb alias",
            type: TYPES.albTargetGroup,
            props: { port: 8080, targetType: "ip" },
            rejects: /protocol is absent/,
        },
        {
            it: "warns on TCP pass-through of a network LB",
            type: TYPES.targetGroup,
            props: { port: 443, protocol: "TCP" },
            warns: /prefer "TLS"/,
        },
        {
            it: "passes HTTPS re-encryption",
            type: TYPES.targetGroup,
            props: {
                port: 30443,
                protocol: "HTTPS",
                targetType: "instance",
                healthCheck: { protocol: "HTTPS", path: "/healthz" },
            },
        },
        { it: "passes a Lambda target (no protocol)", type: TYPES.targetGroup, props: { targetType: "lambda" } },
    ],
    "alb-https-listener-hsts": [
        {
            it: "rejects an HTTPS listener without HSTS",
            type: TYPES.listener,
            props: {
                port: 443,
                protocol: "HTTPS",
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                certificateArn: CERT,
            },
            rejects: /routingHttpResponseStrictTransportSecurityHeaderValue/,
        },
        {
            it: "rejects an HSTS max-age under a year",
            type: TYPES.albListener,
            props: {
                port: 443,
                protocol: "HTTPS",
                routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=300",
            },
            rejects: /max-age below 31536000/,
        },
        {
            it: "rejects an empty header value",
            type: TYPES.listener,
            props: { port: 443, protocol: "HTTPS", routingHttpResponseStrictTransportSecurityHeaderValue: " " },
            rejects: /Set routingHttp/,
        },
        {
            it: "passes a year with includeSubDomains",
            type: TYPES.listener,
            props: {
                port: 443,
                protocol: "HTTPS",
                routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains",
            },
        },
        { it: "ignores the HTTP redirect listener", type: TYPES.listener, props: { port: 80, protocol: "HTTP" } },
    ],
    "elb-classic-hardened": [
        {
            it: "rejects an internet-facing classic ELB",
            type: TYPES.classicLoadBalancer,
            props: { ...goodClb, internal: false },
            rejects: /internet-facing/,
        },
        {
            it: "rejects a plain HTTP listener",
            type: TYPES.classicLoadBalancer,
            props: {
                ...goodClb,
                listeners: [{ lbPort: 80, lbProtocol: "HTTP", instancePort: 80, instanceProtocol: "HTTP" }],
            },
            rejects: /lbProtocol is "HTTP"/,
        },
        {
            it: "rejects an IAM server certificate",
            type: TYPES.classicLoadBalancer,
            props: {
                ...goodClb,
                listeners: [
                    {
                        lbPort: 443,
                        lbProtocol: "HTTPS",
                        instancePort: 8443,
                        instanceProtocol: "HTTPS",
                        sslCertificateId: "arn:aws:iam::111122223333:server-certificate/x",
                    },
                ],
            },
            rejects: /ACM certificate/,
        },
        {
            it: "rejects plain HTTP to the instances",
            type: TYPES.classicLoadBalancer,
            props: {
                ...goodClb,
                listeners: [
                    {
                        lbPort: 443,
                        lbProtocol: "HTTPS",
                        instancePort: 80,
                        instanceProtocol: "HTTP",
                        sslCertificateId: CERT,
                    },
                ],
            },
            rejects: /re-encrypt/,
        },
        {
            it: "rejects cross-zone balancing off and a single zone",
            type: TYPES.classicLoadBalancer,
            props: { ...goodClb, crossZoneLoadBalancing: false, subnets: ["subnet-a"] },
            rejects: /fewer than two Availability Zones/,
        },
        {
            it: "rejects no connection draining",
            type: TYPES.classicLoadBalancer,
            props: { ...goodClb, connectionDraining: false },
            rejects: /connectionDraining/,
        },
        { it: "passes an internal HTTPS classic ELB", type: TYPES.classicLoadBalancer, props: goodClb },
    ],
};

const loggingTable: Record<string, Case[]> = {
    "alb-access-logs-enabled": [
        {
            it: "rejects a classic ELB without access logs",
            type: TYPES.classicLoadBalancer,
            props: { ...goodClb, accessLogs: undefined },
            rejects: /accessLogs/,
        },
        {
            it: "rejects a classic ELB with logging disabled",
            type: TYPES.classicLoadBalancer,
            props: { ...goodClb, accessLogs: { bucket: "logs", enabled: false } },
            rejects: /accessLogs/,
        },
        {
            it: "passes a classic ELB logging to a bucket (enabled by default)",
            type: TYPES.classicLoadBalancer,
            props: { ...goodClb, accessLogs: { bucket: "logs" } },
        },
    ],
};

describe("policy pack: edge hardening (issue #19 class 4)", () => {
    for (const [mod, t] of [
        [policies, table],
        [logging, loggingTable],
    ] as const) {
        for (const [name, cases] of Object.entries(t)) {
            describe(name, () => {
                for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(mod, name), c));
                for (const c of cases.filter((x) => !x.rejects && !x.warns))
                    it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                        checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(mod, name), c));
            });
        }
    }

    describe("alb-sg-egress-to-targets-only", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "alb-sg-egress-to-targets-only");
        const net: StackFixture[] = [
            { type: TYPES.vpc, name: "vpc", props: { cidrBlock: "10.0.0.0/16" } },
            {
                type: TYPES.subnet,
                name: "private-a",
                props: { cidrBlock: "10.0.0.0/20", vpcId: "vpc-1" },
                deps: { vpcId: ["vpc"] },
            },
            {
                type: TYPES.subnet,
                name: "private-b",
                props: { cidrBlock: "10.0.16.0/20", vpcId: "vpc-1" },
                deps: { vpcId: ["vpc"] },
            },
            { type: TYPES.targetGroup, name: "tg", props: { port: 30443, protocol: "HTTPS" } },
        ];
        const sg = (egress: object[] | undefined, tags: object = { "sg-role": "alb-public" }): StackFixture => ({
            type: TYPES.securityGroup,
            name: "alb",
            props: { vpcId: "vpc-1", tags, ...(egress ? { egress } : {}) },
        });
        const toNodes = {
            protocol: "tcp",
            fromPort: 30443,
            toPort: 30443,
            cidrBlocks: ["10.0.0.0/20", "10.0.16.0/20"],
        };
        it("passes egress to the target port on the private subnets", async () =>
            assert.deepEqual((await runStackPolicy(policy, [...net, sg([toNodes])])).violations, []));
        it("passes a range of the traffic port and the health-check port", async () => {
            const withHealth = net.map((f) =>
                f.name === "tg" ? { ...f, props: { ...f.props, healthCheck: { port: "30444", protocol: "HTTP" } } } : f,
            );
            assert.deepEqual(
                (await runStackPolicy(policy, [...withHealth, sg([{ ...toNodes, toPort: 30444 }])])).violations,
                [],
            );
        });
        const bad: Array<[string, object, RegExp]> = [
            [
                "all traffic to the internet",
                { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
                /allows all ports/,
            ],
            ["the target port to the internet", { ...toNodes, cidrBlocks: ["0.0.0.0/0"] }, /sends to the internet/],
            ["a port range", { ...toNodes, fromPort: 1024, toPort: 65535 }, /allows ports 1024-65535/],
            [
                "the whole VPC",
                { ...toNodes, cidrBlocks: ["10.0.0.0/16"] },
                /10\.0\.0\.0\/16, which is not a private subnet/,
            ],
        ];
        for (const [what, egress, message] of bad) {
            it(`rejects ${what}`, async () => {
                const run = await runStackPolicy(policy, [...net, sg([egress])]);
                assert.ok(
                    run.mandatory.some((m) => message.test(m)),
                    JSON.stringify(run.violations),
                );
            });
        }
        it("follows standalone egress rules and the LB's security groups (untagged group)", async () => {
            const run = await runStackPolicy(policy, [
                ...net,
                sg(undefined, {}),
                {
                    type: TYPES.loadBalancer,
                    name: "lb",
                    props: { internal: false, securityGroups: ["sg-1"] },
                    deps: { securityGroups: ["alb"] },
                },
                {
                    type: TYPES.securityGroupEgressRule,
                    name: "out",
                    props: { securityGroupId: "sg-1", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" },
                    deps: { securityGroupId: ["alb"] },
                },
            ]);
            assert.ok(
                run.mandatory.some((m) => m.includes("rule out allows all ports")),
                JSON.stringify(run.violations),
            );
        });
        it("does not judge egress CIDRs while subnet CIDRs are unknown", async () => {
            const run = await runStackPolicy(policy, [
                ...net.map((f) => (f.name === "private-a" ? { ...f, props: { ...f.props, cidrBlock: UNKNOWN } } : f)),
                sg([toNodes]),
            ]);
            assert.deepEqual(run.mandatory, []);
        });
        it("skips egress entries unknown during preview", async () => {
            const run = await runStackPolicy(policy, [...net, sg([{ ...toNodes, cidrBlocks: UNKNOWN }])]);
            assert.deepEqual(run.mandatory, []);
        });
    });
});
