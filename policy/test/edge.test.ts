import * as assert from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { UNKNOWN } from "../lib/unknowns";
import { policies } from "../edge";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed, runStackPolicy } from "./support";
import { TYPES } from "../../lib/contract";

const REDIRECT = [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }];
const certArn = "arn:aws:acm:eu-west-1:111122223333:certificate/abc";
const goodAcl = {
    scope: "REGIONAL",
    visibilityConfig: { cloudwatchMetricsEnabled: true, metricName: "acl", sampledRequestsEnabled: true },
    rules: [
        {
            name: "common",
            statement: { managedRuleGroupStatement: { name: "AWSManagedRulesCommonRuleSet", vendorName: "AWS" } },
            visibilityConfig: { cloudwatchMetricsEnabled: true },
        },
    ],
};

const table: Record<string, Case[]> = {
    "alb-http-redirects-to-https": [
        {
            it: "rejects an HTTP listener that forwards",
            type: TYPES.listener,
            props: { port: 80, protocol: "HTTP", defaultActions: [{ type: "forward", targetGroupArn: "tg" }] },
            rejects: /forwards plain HTTP/,
        },
        {
            it: "rejects a redirect that keeps the port (#{port})",
            type: TYPES.albListener,
            props: {
                port: 80,
                protocol: "HTTP",
                defaultActions: [
                    { type: "redirect", redirect: { protocol: "HTTPS", port: "#{port}", statusCode: "HTTP_301" } },
                ],
            },
            rejects: /port "443"/,
        },
        {
            it: "rejects a listener on port 80 without a protocol (HTTP by default)",
            type: TYPES.listener,
            props: { port: 80, defaultActions: [{ type: "fixed-response" }] },
            rejects: /fixed-response/,
        },
        {
            it: "passes a permanent redirect to HTTPS:443",
            type: TYPES.listener,
            props: { port: 80, protocol: "HTTP", defaultActions: REDIRECT },
        },
        {
            it: "ignores HTTPS listeners",
            type: TYPES.listener,
            props: { port: 443, protocol: "HTTPS", defaultActions: [{ type: "forward" }] },
        },
        {
            it: "does not fail while actions are unknown",
            type: TYPES.listener,
            props: { port: 80, protocol: "HTTP", defaultActions: UNKNOWN },
        },
    ],
    "alb-https-listener-tls-policy": [
        {
            it: "rejects an HTTPS listener without an SSL policy",
            type: TYPES.listener,
            props: { port: 443, protocol: "HTTPS", certificateArn: certArn },
            rejects: /sslPolicy is absent/,
        },
        {
            it: "rejects an outdated TLS policy on the alb alias",
            type: TYPES.albListener,
            props: { port: 443, protocol: "HTTPS", sslPolicy: "ELBSecurityPolicy-2016-08", certificateArn: certArn },
            rejects: /ELBSecurityPolicy-2016-08/,
        },
        {
            it: "rejects a non-ACM certificate",
            type: TYPES.listener,
            props: {
                port: 443,
                protocol: "HTTPS",
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                certificateArn: "arn:aws:iam::111122223333:server-certificate/x",
            },
            rejects: /ACM certificate/,
        },
        {
            it: "passes a TLS 1.3 policy with an ACM certificate",
            type: TYPES.listener,
            props: {
                port: 443,
                protocol: "HTTPS",
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                certificateArn: certArn,
            },
        },
        {
            it: "honours allowedTlsPolicies from config",
            type: TYPES.listener,
            props: {
                port: 443,
                protocol: "HTTPS",
                sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
                certificateArn: certArn,
            },
            config: { allowedTlsPolicies: ["ELBSecurityPolicy-TLS13-1-3-2021-06"] },
            rejects: /use one of ELBSecurityPolicy-TLS13-1-3-2021-06/,
        },
    ],
    "alb-drop-invalid-headers": [
        {
            it: "rejects an ALB that forwards invalid headers (default false)",
            type: TYPES.loadBalancer,
            props: {},
            rejects: /dropInvalidHeaderFields/,
        },
        {
            it: "passes an ALB that drops them",
            type: TYPES.albLoadBalancer,
            props: { loadBalancerType: "application", dropInvalidHeaderFields: true },
        },
        { it: "ignores network load balancers", type: TYPES.loadBalancer, props: { loadBalancerType: "network" } },
    ],
    "alb-desync-mitigation": [
        {
            it: "flags monitor mode",
            type: TYPES.loadBalancer,
            props: { desyncMitigationMode: "monitor" },
            rejects: /"monitor"/,
        },
        { it: "passes the defensive default", type: TYPES.loadBalancer, props: {} },
    ],
    "alb-deletion-protection": [
        {
            it: "flags a load balancer without deletion protection",
            type: TYPES.loadBalancer,
            props: {},
            rejects: /enableDeletionProtection/,
        },
        {
            it: "blocks it when prod config raises the level",
            type: TYPES.albLoadBalancer,
            props: { enableDeletionProtection: false },
            config: { enforcementLevel: "mandatory" },
            rejects: /enableDeletionProtection/,
        },
        { it: "passes a protected load balancer", type: TYPES.loadBalancer, props: { enableDeletionProtection: true } },
    ],
    "alb-internet-facing-is-declared": [
        {
            it: "rejects an undeclared internet-facing ALB",
            type: TYPES.loadBalancer,
            props: { subnets: ["a", "b"] },
            rejects: /lacks the tag exposure=public/,
        },
        {
            it: "rejects an internet-facing NLB",
            type: TYPES.loadBalancer,
            props: { loadBalancerType: "network", subnets: ["a", "b"], tags: { exposure: "public" } },
            rejects: /Network load balancers must be internal/,
        },
        {
            it: "rejects a single-subnet load balancer",
            type: TYPES.albLoadBalancer,
            props: { internal: true, subnets: ["a"] },
            rejects: /spans 1 subnet/,
        },
        {
            it: "passes a declared public ALB in two subnets",
            type: TYPES.loadBalancer,
            props: { tags: { exposure: "public" }, subnets: ["a", "b"] },
        },
        {
            it: "does not fail while subnets are unknown",
            type: TYPES.loadBalancer,
            props: { internal: true, subnets: UNKNOWN },
        },
    ],
    "acm-certificate-managed-dns": [
        {
            it: "rejects e-mail validation",
            type: TYPES.certificate,
            props: { domainName: "x", validationMethod: "EMAIL" },
            rejects: /use "DNS"/,
        },
        {
            it: "rejects an imported certificate",
            type: TYPES.certificate,
            props: { privateKey: "k", certificateBody: "b" },
            rejects: /imported/,
        },
        {
            it: "rejects RSA_1024",
            type: TYPES.certificate,
            props: { validationMethod: "DNS", keyAlgorithm: "RSA_1024" },
            rejects: /too weak/,
        },
        {
            it: "passes a DNS-validated certificate",
            type: TYPES.certificate,
            props: { domainName: "x", validationMethod: "DNS", keyAlgorithm: "EC_prime256v1" },
        },
    ],
    "acm-certificate-transparency": [
        {
            it: "flags disabled CT logging",
            type: TYPES.certificate,
            props: { options: { certificateTransparencyLoggingPreference: "DISABLED" } },
            rejects: /CT logs/,
        },
        { it: "passes the default", type: TYPES.certificate, props: { validationMethod: "DNS" } },
    ],
    "route53-alias-records-for-alb": [
        {
            it: "flags a static public A record",
            type: TYPES.record,
            props: { type: "A", records: ["52.1.2.3"] },
            rejects: /static addresses/,
        },
        {
            it: "flags a CNAME to an ELB name",
            type: TYPES.record,
            props: { type: "CNAME", records: ["x-1.eu-west-1.elb.amazonaws.com"] },
            rejects: /alias record/,
        },
        {
            it: "flags an alias without target health",
            type: TYPES.record,
            props: { type: "A", aliases: [{ name: "x", zoneId: "Z", evaluateTargetHealth: false }] },
            rejects: /evaluateTargetHealth/,
        },
        {
            it: "passes a health-evaluated alias",
            type: TYPES.record,
            props: { type: "A", aliases: [{ name: "x", zoneId: "Z", evaluateTargetHealth: true }] },
        },
    ],
    "waf-web-acl-baseline": [
        {
            it: "rejects a regional Web ACL without the managed baseline",
            type: TYPES.webAcl,
            props: { ...goodAcl, rules: [] },
            rejects: /has no rules/,
        },
        {
            it: "rejects a rule with metrics off",
            type: TYPES.webAcl,
            props: {
                ...goodAcl,
                rules: [{ ...goodAcl.rules[0], visibilityConfig: { cloudwatchMetricsEnabled: false } }],
            },
            rejects: /cloudwatchMetricsEnabled off/,
        },
        { it: "passes the managed common rule set with metrics", type: TYPES.webAcl, props: goodAcl },
    ],
};

describe("policy pack: edge (EDGE)", () => {
    for (const [name, cases] of Object.entries(table)) {
        describe(name, () => {
            for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(policies, name), c));
            for (const c of cases.filter((x) => !x.rejects))
                it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                    checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(policies, name), c));
        });
    }

    describe("alb-listener-rule-no-plain-http-forward", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "alb-listener-rule-no-plain-http-forward");
        const http = {
            type: TYPES.listener,
            name: "http",
            props: { port: 80, protocol: "HTTP", defaultActions: REDIRECT },
        };
        it("rejects a forward rule on the HTTP listener, found through the graph", async () => {
            const run = await runStackPolicy(policy, [
                http,
                {
                    type: TYPES.listenerRule,
                    name: "rule",
                    props: { listenerArn: UNKNOWN, actions: [{ type: "forward" }] },
                    deps: { listenerArn: ["http"] },
                },
            ]);
            assert.strictEqual(run.violations[0].policy, "alb-listener-rule-no-plain-http-forward");
            assert.match(run.mandatory[0], /ListenerRule 'rule' has action "forward" on a plain-HTTP listener/);
        });
        it("passes a forward rule on the HTTPS listener", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.listener, name: "https", props: { port: 443, protocol: "HTTPS" } },
                {
                    type: TYPES.albListenerRule,
                    name: "rule",
                    props: { actions: [{ type: "forward" }] },
                    deps: { listenerArn: ["https"] },
                },
            ]);
            assert.deepStrictEqual(run.messages, []);
        });
    });

    describe("waf-association-targets-alb", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "waf-association-targets-alb");
        it("flags an association to something outside the stack", async () => {
            const run = await runStackPolicy(policy, [
                {
                    type: TYPES.webAclAssociation,
                    name: "assoc",
                    props: { resourceArn: "arn:aws:apigateway:eu-west-1::/restapis/x" },
                },
            ]);
            assert.match(run.messages[0], /no load balancer of this stack/);
        });
        it("passes an association to the stack's ALB or a configured ARN", async () => {
            const arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:loadbalancer/app/x/1";
            const run = await runStackPolicy(policy, [
                { type: TYPES.loadBalancer, name: "alb", props: { arn } },
                { type: TYPES.webAclAssociation, name: "assoc", props: { resourceArn: arn } },
            ]);
            assert.deepStrictEqual(run.messages, []);
            const ext = await runStackPolicy(
                policy,
                [
                    {
                        type: TYPES.webAclAssociation,
                        name: "assoc",
                        props: { resourceArn: "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/y/2" },
                    },
                ],
                { externalLoadBalancerArns: ["arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/y/2"] },
            );
            assert.deepStrictEqual(ext.messages, []);
        });
        it("defers an association whose target is unknown at preview and still reports a foreign target", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.loadBalancer, name: "alb", props: { arn: UNKNOWN } },
                // First deploy: the ALB's ARN is unknown, the graph edge names it.
                {
                    type: TYPES.webAclAssociation,
                    name: "linked",
                    props: { resourceArn: UNKNOWN },
                    deps: { resourceArn: ["alb"] },
                },
                // Unknown and unlinked (an output of something outside the pack's view): judged at up.
                { type: TYPES.webAclAssociation, name: "pending", props: { resourceArn: UNKNOWN } },
                {
                    type: TYPES.webAclAssociation,
                    name: "foreign",
                    props: { resourceArn: "arn:aws:apigateway:eu-west-1::/restapis/x" },
                },
            ]);
            assert.deepStrictEqual(
                run.violations.map((v) => [v.policy, v.enforcementLevel, v.urn]),
                [
                    [
                        "waf-association-targets-alb",
                        "mandatory",
                        "urn:pulumi:test::aws-platform::aws:wafv2/webAclAssociation:WebAclAssociation::foreign",
                    ],
                ],
            );
            assert.match(
                run.messages[0],
                /^WebAclAssociation 'foreign' targets "arn:aws:apigateway:[^"]+", which is no load balancer of this stack/,
            );
        });
    });
});
