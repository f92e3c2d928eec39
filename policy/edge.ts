import { AcmCertificate, ClassicLoadBalancer, Route53Record } from "./lib/classes";
import { PolicyResource } from "@pulumi/policy";
import { each, Policy, Props, resourcePolicy, resourcePolicyOf, stackPolicy } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { get, need, Reads, SKIP } from "./lib/read";
import { isUnknown } from "./lib/unknowns";
import { absent, asArray, asNumber, isTrue, present, quote } from "./lib/values";
import { label, ofTypes, props as propsOf, resolveAll } from "./lib/graph";
import { subnetIsolation } from "./lib/subnets";
import { allPorts, egressOf } from "./network";
import { TYPES } from "../lib/contract";

/** Catalogue section 2: ALB listeners and load balancers, ACM, Route 53, WAF. */

export const LISTENER_TYPES = [TYPES.listener, TYPES.albListener];
export const LISTENER_RULE_TYPES = [TYPES.listenerRule, TYPES.albListenerRule];
export const LB_TYPES = [TYPES.loadBalancer, TYPES.albLoadBalancer];

/** HTTP is the provider default for an ALB listener without a protocol. */
export function isPlainHttpListener(p: Props): boolean {
    const protocol = p.protocol ?? "HTTP";
    return protocol === "HTTP" || asNumber(p.port) === 80;
}

/** Why an HTTP listener's actions are not exactly one permanent redirect to HTTPS:443, or undefined when they are. */
export function redirectProblem(actions: unknown): string | undefined {
    const list = asArray(actions);
    if (list.length !== 1) return `has ${list.length} default actions; it must have exactly one: a redirect to HTTPS`;
    const a: any = list[0];
    if (a?.type !== "redirect")
        return `forwards plain HTTP (action type "${a?.type}"); make the only action a redirect to HTTPS`;
    const r = a.redirect ?? {};
    const bad: string[] = [];
    if (r.protocol !== "HTTPS") bad.push(`protocol "HTTPS" (got ${JSON.stringify(r.protocol)})`);
    if (String(r.port) !== "443") bad.push(`port "443" (got ${JSON.stringify(r.port)})`);
    if (r.statusCode !== "HTTP_301") bad.push(`statusCode "HTTP_301" (got ${JSON.stringify(r.statusCode)})`);
    return bad.length ? `redirect must use ${bad.join(", ")}` : undefined;
}

/** Listener-rule actions on an HTTP listener: only redirects to HTTPS are allowed. */
export function ruleProblem(actions: unknown): string | undefined {
    const bad = asArray(actions).filter((a: any) => a?.type !== "redirect" || get(a, "redirect.protocol") !== "HTTPS");
    return bad.length
        ? `has action ${bad.map((a: any) => `"${a?.type}"`).join(", ")} on a plain-HTTP listener; only a redirect to HTTPS is allowed`
        : undefined;
}

export const MANAGED_BASELINE = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"];

/**
 * Problems of a Web ACL (or, with `ruleGroup`, a rule group) against EDGE-11 (empty when compliant). WAF.10 and
 * WAF.12 apply to every scope, CLOUDFRONT included; WAF.12 is evaluated on rule groups' rules too. Rules written as
 * `ruleJson` count as rules (EDGE-13 reads them).
 */
export function webAclProblems(p: Props, ruleGroup = false): string[] {
    const out: string[] = [];
    const rules = asArray(need(p, "rules"));
    const json = need(p, "ruleJson");
    const jsonRules = typeof json === "string" && json.trim() !== "" ? asArray(JSON.parse(json)) : [];
    if (!ruleGroup && rules.length === 0 && jsonRules.length === 0) out.push("has no rules");
    const names = [
        ...rules.map((r: any, i: number) => need(r, "statement.managedRuleGroupStatement.name", `rules[${i}]`)),
        ...jsonRules.map((r: any) => r?.Statement?.ManagedRuleGroupStatement?.Name),
    ];
    if (!ruleGroup && !names.some((n) => MANAGED_BASELINE.includes(n)))
        out.push(`uses neither ${MANAGED_BASELINE.join(" nor ")}`);
    if (need(p, "visibilityConfig.cloudwatchMetricsEnabled") !== true)
        out.push("has visibilityConfig.cloudwatchMetricsEnabled off");
    rules.forEach((r: any, i: number) => {
        if (need(r, "visibilityConfig.cloudwatchMetricsEnabled", `rules[${i}]`) !== true)
            out.push(`rules[${i}] (${JSON.stringify(r?.name)}) has cloudwatchMetricsEnabled off`);
    });
    jsonRules.forEach((r: any, i: number) => {
        if (r?.VisibilityConfig?.CloudWatchMetricsEnabled !== true)
            out.push(`ruleJson[${i}] (${JSON.stringify(r?.Name)}) has CloudWatchMetricsEnabled off`);
    });
    return out;
}

const isApplication = (p: Props) => (p.loadBalancerType ?? "application") === "application";
const PUBLIC_IP = (ip: string) =>
    /^\d+\.\d+\.\d+\.\d+$/.test(ip) && !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.)/.test(ip);

// ---------------------------------------------------------------------------------------------
// Issue #19 class 4: managed rules block, WAF fails closed, TLS to the targets, ALB egress, HSTS; classic ELB.
// ---------------------------------------------------------------------------------------------

export const TARGET_GROUP_TYPES = [TYPES.targetGroup, TYPES.albTargetGroup];

/** One rule of a web ACL, whichever way it was declared (inline `rules`, `ruleJson`, a WebAclRule, a rule-group association). */
interface WafRule {
    where: string;
    name: unknown;
    /** "count" when the rule group's own actions are overridden to count. */
    overrideCount: boolean;
    /** The managed rule group's name, when the rule runs one. */
    group?: string;
    /** Rules of the group whose action is overridden to count. */
    countedRules: string[];
}

const hasKey = (o: unknown, key: string) =>
    !!o && typeof o === "object" && Object.keys(o).some((k) => k.toLowerCase() === key.toLowerCase());
const field = (o: any, key: string) =>
    o && typeof o === "object"
        ? o[Object.keys(o).find((k) => k.toLowerCase() === key.toLowerCase()) ?? key]
        : undefined;

/** Reads a rule in the provider's camelCase or the WAF API's PascalCase (ruleJson). */
function wafRule(where: string, r: any): WafRule {
    const statement = field(r, "statement");
    const managed = field(statement, "managedRuleGroupStatement");
    const reference = field(statement, "ruleGroupReferenceStatement");
    const overrides = asArray(field(managed ?? reference, "ruleActionOverrides"));
    const excluded = asArray(field(managed ?? reference, "excludedRules")); // WAF API v1 shape: excluded = counted
    const override = field(r, "overrideAction");
    return {
        where,
        name: field(r, "name"),
        overrideCount: hasKey(override, "count") || String(override).toLowerCase() === "count",
        group: managed ? String(field(managed, "name")) : undefined,
        countedRules: [
            ...overrides
                .filter((o: any) => hasKey(field(o, "actionToUse"), "count"))
                .map((o: any) => String(field(o, "name"))),
            ...excluded.map((o: any) => String(field(o, "name"))),
        ],
    };
}

export function wafRulesOf(type: string, props: Props, reads: Reads): WafRule[] {
    if (type === TYPES.webAcl) {
        const rules = reads.read(props, "rules");
        const json = reads.read(props, "ruleJson");
        const out = rules === SKIP ? [] : asArray(rules).map((r: any, i: number) => wafRule(`rules[${i}]`, r));
        if (json !== SKIP && typeof json === "string" && json.trim() !== "") {
            const parsed = JSON.parse(json);
            asArray(parsed).forEach((r: any, i: number) => out.push(wafRule(`ruleJson[${i}]`, r)));
        }
        return out;
    }
    if (type === TYPES.webAclRuleGroupAssociation) {
        const group = reads.read(props, "managedRuleGroup");
        const reference = reads.read(props, "ruleGroupReference");
        const override = reads.read(props, "overrideAction");
        if (group === SKIP || reference === SKIP || override === SKIP) return [];
        const overrides = asArray(field(group ?? reference, "ruleActionOverrides"));
        return [
            {
                where: "",
                name: props.ruleName,
                overrideCount: String(override).toLowerCase() === "count",
                group: group ? String(field(group, "name")) : undefined,
                countedRules: overrides
                    .filter((o: any) => hasKey(field(o, "actionToUse"), "count"))
                    .map((o: any) => String(field(o, "name"))),
            },
        ];
    }
    const override = reads.read(props, "overrideAction");
    const statement = reads.read(props, "statement");
    if (override === SKIP || statement === SKIP) return [];
    return [wafRule("", { name: props.name, overrideAction: override, statement })];
}

const wafManagedRulesBlock = resourcePolicy({
    name: "waf-managed-rules-block",
    description:
        "EDGE-13: AWS managed rule groups in a web ACL block: no overrideAction count, and no rule of the baseline groups overridden to count (AWS FSBP WAF.10 intent; AWS WAF managed rule groups guide).",
    controls: ["EDGE-13"],
    enforcementLevel: "mandatory",
    types: [TYPES.webAcl, TYPES.webAclRule, TYPES.webAclRuleGroupAssociation],
    validate: ({ type, props, reads }, report) => {
        for (const r of wafRulesOf(type, props, reads)) {
            const at = r.where ? `${r.where} (${quote(r.name)})` : `rule ${quote(r.name)}`;
            if (r.overrideCount && r.group !== undefined)
                report(
                    `${at} overrides the managed group ${r.group} to count, so it blocks nothing: use overrideAction { none: {} }.`,
                );
            else if (r.overrideCount)
                report(
                    `${at} overrides its rule group to count, so it blocks nothing: use overrideAction { none: {} }.`,
                );
            if (r.group !== undefined && r.countedRules.length > 0) {
                const message = `${at} sets ${r.countedRules.join(", ")} of ${r.group} to count: keep the group's block actions (scope the group down or add a label-matching rule instead).`;
                if (MANAGED_BASELINE.includes(r.group)) report(message);
                else report.advisory(message);
            }
        }
    },
});

const albWafFailClosed = resourcePolicy({
    name: "alb-waf-fail-closed",
    description:
        "EDGE-14: a load balancer never forwards requests WAF could not inspect (enableWafFailOpen stays false) (AWS FSBP ELB.16 intent).",
    controls: ["EDGE-14"],
    enforcementLevel: "mandatory",
    types: LB_TYPES,
    validate: ({ props }, report) => {
        if (isTrue(need(props, "enableWafFailOpen")))
            report(
                "Set enableWafFailOpen to false: when WAF cannot be reached the ALB must refuse requests, not pass them uninspected.",
            );
    },
});

const targetGroupHttps = resourcePolicy({
    name: "alb-target-group-https",
    description:
        "EDGE-15: the load balancer re-encrypts to its targets: target groups use HTTPS (TLS for network LBs), never plain HTTP (NIST SC-8; TLS end to end).",
    controls: ["EDGE-15"],
    enforcementLevel: "mandatory",
    types: TARGET_GROUP_TYPES,
    validate: ({ props }, report) => {
        const targetType = need(props, "targetType") ?? "instance";
        if (targetType === "lambda" || targetType === "alb") return; // no protocol to the target: Lambda invoke / ALB-type targets of an NLB
        const protocol = need(props, "protocol");
        if (absent(protocol) || protocol === "HTTP")
            report(
                `protocol is ${absent(protocol) ? "absent" : '"HTTP"'}: set protocol "HTTPS" so traffic stays encrypted from the load balancer to the targets.`,
            );
        else if (["TCP", "UDP", "TCP_UDP"].includes(String(protocol)))
            report.advisory(
                `protocol is ${quote(protocol)}: prefer "TLS" so the network load balancer's traffic to the targets is encrypted.`,
            );
        const health = need(props, "healthCheck.protocol");
        if (health === "HTTP")
            report.advisory(
                'healthCheck.protocol is "HTTP": check over "HTTPS" so the health check exercises the TLS listener the traffic uses.',
            );
    },
});

/** Lowest acceptable HSTS max-age: one year, the preload list's minimum (hstspreload.org). */
export const HSTS_MIN_MAX_AGE = 31536000;

const httpsListenerHsts = resourcePolicy({
    name: "alb-https-listener-hsts",
    description:
        "EDGE-17: HTTPS listeners of application load balancers send Strict-Transport-Security with max-age of at least one year (OWASP ASVS 14.4.5; PCI DSS 4.2.1).",
    controls: ["EDGE-17"],
    enforcementLevel: "mandatory",
    types: LISTENER_TYPES,
    validate: ({ props }, report) => {
        if (need(props, "protocol") !== "HTTPS") return;
        const hsts = need(props, "routingHttpResponseStrictTransportSecurityHeaderValue");
        const maxAge = typeof hsts === "string" ? asNumber(/max-age=(\d+)/i.exec(hsts)?.[1]) : undefined;
        if (absent(hsts))
            report(
                `Set routingHttpResponseStrictTransportSecurityHeaderValue to "max-age=${HSTS_MIN_MAX_AGE}; includeSubDomains" so browsers never fall back to plain HTTP.`,
            );
        else if (maxAge === undefined || maxAge < HSTS_MIN_MAX_AGE)
            report(
                `routingHttpResponseStrictTransportSecurityHeaderValue ${quote(hsts)} has max-age below ${HSTS_MIN_MAX_AGE}: use "max-age=${HSTS_MIN_MAX_AGE}; includeSubDomains".`,
            );
    },
});

const classicElb = resourcePolicyOf({
    name: "elb-classic-hardened",
    description:
        "EDGE-18: a classic load balancer is internal, listens only on HTTPS/SSL with an ACM certificate, re-encrypts to its instances, spans two AZs and keeps cross-zone balancing, connection draining and desync mitigation (AWS FSBP ELB.2, ELB.3, ELB.7, ELB.9, ELB.10, ELB.14).",
    controls: ["EDGE-18"],
    enforcementLevel: "mandatory",
    of: ClassicLoadBalancer,
    validate: ({ props, reads }, report) => {
        const internal = reads.read(props, "internal");
        if (internal !== SKIP && internal !== true)
            report(
                "The classic load balancer is internet-facing: public traffic enters only through the ALB behind WAF; set internal: true or use an ALB.",
            );
        const listeners = reads.read(props, "listeners");
        if (listeners !== SKIP) {
            asArray(listeners).forEach((l: any, i: number) => {
                if (
                    reads.is(l, `listeners[${i}]`) ||
                    reads.is(l?.lbProtocol, `listeners[${i}].lbProtocol`) ||
                    reads.is(l?.instanceProtocol, `listeners[${i}].instanceProtocol`)
                )
                    return;
                const lb = String(l?.lbProtocol ?? "").toUpperCase();
                const instance = String(l?.instanceProtocol ?? "").toUpperCase();
                if (lb !== "HTTPS" && lb !== "SSL")
                    report(`listeners[${i}].lbProtocol is ${quote(l?.lbProtocol)}: use "HTTPS" or "SSL" (ELB.3).`);
                else {
                    const cert = l?.sslCertificateId;
                    if (
                        !reads.is(cert, `listeners[${i}].sslCertificateId`) &&
                        !(typeof cert === "string" && /^arn:aws[a-z-]*:acm:/.test(cert))
                    )
                        report(
                            `listeners[${i}].sslCertificateId is ${absent(cert) ? "absent" : quote(cert)}: use an ACM certificate ARN (ELB.2).`,
                        );
                }
                if (instance === "HTTP" || instance === "TCP")
                    report(
                        `listeners[${i}].instanceProtocol is ${quote(l?.instanceProtocol)}: re-encrypt to the instances with "HTTPS" or "SSL".`,
                    );
            });
        }
        if (reads.read(props, "crossZoneLoadBalancing") === false)
            report("Set crossZoneLoadBalancing to true (ELB.9).");
        if (reads.read(props, "connectionDraining") !== true && !reads.unknownPaths.includes("connectionDraining"))
            report("Set connectionDraining to true so deregistering instances finish their requests (ELB.7).");
        if (reads.read(props, "desyncMitigationMode") === "monitor")
            report('desyncMitigationMode is "monitor": use "defensive" or "strictest" (ELB.14).');
        const subnets = reads.read(props, "subnets");
        const zones = reads.read(props, "availabilityZones");
        if (subnets !== SKIP && zones !== SKIP && Math.max(asArray(subnets).length, asArray(zones).length) < 2)
            report(
                "The classic load balancer spans fewer than two Availability Zones: give it subnets in at least two (ELB.10).",
            );
    },
});

const ALB_ROLE = "alb-public";

/** a.b.c.d/n → [network, mask] as unsigned 32-bit numbers; undefined for anything else (IPv6 is not contained in a private IPv4 subnet). */
function cidr4(c: string): [number, number] | undefined {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(c.trim());
    if (!m) return undefined;
    const bits = Number(m[5]);
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
    return [(ip & mask) >>> 0, mask];
}

/** `inner` lies within `outer`. */
export function cidrWithin(inner: string, outer: string): boolean {
    const a = cidr4(inner);
    const b = cidr4(outer);
    return !!a && !!b && a[1] >>> 0 >= b[1] >>> 0 && (a[0] & b[1]) >>> 0 === b[0];
}

/** Security groups of internet-facing load balancers, plus any group tagged sg-role=alb-public. */
function publicAlbGroups(resources: PolicyResource[]): PolicyResource[] {
    const groups = new Set<PolicyResource>(
        ofTypes(resources, [TYPES.securityGroup]).filter((sg) => propsOf(sg).tags?.["sg-role"] === ALB_ROLE),
    );
    for (const lb of ofTypes(resources, LB_TYPES)) {
        if (propsOf(lb).internal === true) continue;
        for (const sg of resolveAll(lb, "securityGroups", [TYPES.securityGroup], resources).targets) groups.add(sg);
    }
    return [...groups];
}

const albEgressToTargets = stackPolicy({
    name: "alb-sg-egress-to-targets-only",
    description:
        "EDGE-16: the internet-facing ALB's security group sends only to its targets: TCP on a target-group port, to the private subnets or the nodes' security group, never to the internet or all ports (AWS FSBP EC2.18 intent; NIST SC-7).",
    controls: ["EDGE-16"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        // Traffic ports and numeric health-check ports ("traffic-port" is the traffic port) of the stack's target groups.
        const ports = new Set(
            ofTypes(resources, TARGET_GROUP_TYPES)
                .flatMap((t) => [asNumber(propsOf(t).port), asNumber(get(propsOf(t), "healthCheck.port"))])
                .filter((p): p is number => p !== undefined),
        );
        const privateCidrs: string[] = [];
        let cidrsUnknown = false;
        for (const s of ofTypes(resources, [TYPES.subnet])) {
            const c = propsOf(s).cidrBlock;
            if (isUnknown(c)) cidrsUnknown = true;
            else if (typeof c === "string" && subnetIsolation(s, resources).problems.length === 0) privateCidrs.push(c);
        }
        for (const sg of publicAlbGroups(resources)) {
            each(sg, report, (_p, reads) => {
                for (const e of egressOf(sg, resources, reads)) {
                    const where = `${label(sg)} ${e.where}`;
                    if (e.unknown) continue;
                    if (allPorts(e.protocol) || e.from === undefined || e.to === undefined) {
                        report(
                            `${where} allows all ports: allow only TCP to the target group's port (${[...ports].join(", ") || "the target port"}).`,
                            sg.urn,
                        );
                        continue;
                    }
                    // Every port of the range must be a target group's traffic or health port (a range of the two is fine).
                    const from = e.from;
                    const span = e.to - from + 1;
                    const onlyTargets =
                        span >= 1 &&
                        span <= 64 &&
                        Array.from({ length: span }, (_, k) => from + k).every((p) => ports.has(p));
                    if (ports.size > 0 && !onlyTargets)
                        report(
                            `${where} allows ports ${e.from}-${e.to}: allow only the target groups' ports (${[...ports].join(", ")}).`,
                            sg.urn,
                        );
                    for (const c of e.cidrs) {
                        if (c === "0.0.0.0/0" || c === "::/0")
                            report(
                                `${where} sends to the internet (${c}): send only to the private subnets or the nodes' security group.`,
                                sg.urn,
                            );
                        else if (!cidrsUnknown && !privateCidrs.some((p) => cidrWithin(c, p)))
                            report(
                                `${where} sends to ${c}, which is not a private subnet of this stack: use the private subnets' CIDRs or the nodes' security group.`,
                                sg.urn,
                            );
                    }
                }
            });
        }
    },
});

/** Redirect actions (listener `defaultActions`, rule `actions`) whose target protocol is plain HTTP. */
export function plainHttpRedirects(actions: unknown, at: string): string[] {
    return asArray(actions).flatMap((a: any, i: number) =>
        a?.type === "redirect" && String(get(a, "redirect.protocol") ?? "").toUpperCase() === "HTTP"
            ? [`${at}[${i}] redirects to protocol "HTTP"`]
            : [],
    );
}

const noRedirectToHttp = resourcePolicy({
    name: "alb-no-redirect-to-plain-http",
    description:
        'EDGE-19: no listener or listener rule redirects to plain HTTP (redirect.protocol "HTTP"): a redirect keeps HTTPS ("#{protocol}" or "HTTPS"), so no response downgrades a client to clear text (AWS FSBP ELB.1 intent; OWASP ASVS 9.1.1).',
    controls: ["EDGE-19"],
    enforcementLevel: "mandatory",
    types: [...LISTENER_TYPES, ...LISTENER_RULE_TYPES],
    validate: ({ type, props }, report) => {
        const rule = (LISTENER_RULE_TYPES as readonly string[]).includes(type);
        const at = rule ? "actions" : "defaultActions";
        for (const problem of plainHttpRedirects(need(props, at), at))
            report(`${problem}: redirect to protocol "HTTPS" (port "443") so clients never leave TLS.`);
    },
});

export const policies: Policy[] = [
    resourcePolicy({
        name: "alb-http-redirects-to-https",
        description:
            "EDGE-01: a plain-HTTP listener's only action is a permanent redirect to HTTPS:443 (AWS FSBP ELB.1; PCI DSS 4.1).",
        controls: ["EDGE-01"],
        enforcementLevel: "mandatory",
        types: LISTENER_TYPES,
        validate: ({ props }, report) => {
            need(props, "protocol");
            need(props, "port");
            if (!isPlainHttpListener(props)) return;
            const problem = redirectProblem(need(props, "defaultActions"));
            if (problem)
                report(
                    `HTTP listener ${problem}: { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }.`,
                );
        },
    }),
    resourcePolicy({
        name: "alb-https-listener-tls-policy",
        description:
            "EDGE-02: HTTPS/TLS listeners use an allowed modern TLS policy and an ACM certificate (AWS FSBP ELB.17, ELB.2).",
        controls: ["EDGE-02"],
        enforcementLevel: "mandatory",
        types: LISTENER_TYPES,
        configSchema: schemaOf(["allowedTlsPolicies"]),
        validate: ({ props, config }, report) => {
            const protocol = need(props, "protocol");
            if (protocol !== "HTTPS" && protocol !== "TLS") return;
            const allowed: string[] = config.allowedTlsPolicies;
            const policy = need(props, "sslPolicy");
            if (!allowed.includes(policy))
                report(
                    `sslPolicy is ${absent(policy) ? "absent (the ELB default allows TLS 1.0)" : JSON.stringify(policy)}; use one of ${allowed.join(", ")}.`,
                );
            const cert = need(props, "certificateArn");
            if (typeof cert !== "string" || !/^arn:aws[a-z-]*:acm:/.test(cert))
                report(
                    `certificateArn is ${absent(cert) ? "absent" : JSON.stringify(cert)}; use an ACM certificate ARN (managed renewal).`,
                );
        },
    }),
    resourcePolicy({
        name: "alb-drop-invalid-headers",
        description: "EDGE-04: application load balancers drop invalid HTTP header fields (AWS FSBP ELB.4).",
        controls: ["EDGE-04"],
        enforcementLevel: "mandatory",
        types: LB_TYPES,
        validate: ({ props }, report) => {
            need(props, "loadBalancerType");
            if (!isApplication(props)) return;
            if (need(props, "dropInvalidHeaderFields") !== true)
                report("Set dropInvalidHeaderFields to true so malformed headers never reach the targets.");
        },
    }),
    resourcePolicy({
        name: "alb-desync-mitigation",
        description: "EDGE-05: load balancers keep HTTP desync mitigation defensive or strictest (AWS FSBP ELB.12).",
        controls: ["EDGE-05"],
        enforcementLevel: "advisory",
        types: LB_TYPES,
        validate: ({ props }, report) => {
            if (need(props, "desyncMitigationMode") === "monitor")
                report('desyncMitigationMode is "monitor"; use "defensive" (the default) or "strictest".');
        },
    }),
    resourcePolicy({
        name: "alb-deletion-protection",
        description:
            "EDGE-06: load balancers have deletion protection (AWS FSBP ELB.6); mandatory in prod through pack config.",
        controls: ["EDGE-06"],
        enforcementLevel: "advisory",
        types: LB_TYPES,
        validate: ({ props }, report) => {
            if (need(props, "enableDeletionProtection") !== true)
                report(
                    "Set enableDeletionProtection to true so the load balancer (and its DNS name) cannot be deleted by accident.",
                );
        },
    }),
    resourcePolicy({
        name: "alb-internet-facing-is-declared",
        description:
            "EDGE-07: an internet-facing load balancer is a declared ALB (tag exposure=public) across at least two subnets (AWS FSBP ELB.13; EC2 network exposure).",
        controls: ["EDGE-07"],
        enforcementLevel: "mandatory",
        types: LB_TYPES,
        validate: ({ props }, report) => {
            const internal = need(props, "internal") === true;
            if (!internal && need(props, "loadBalancerType") === "network")
                report(
                    "Network load balancers must be internal (internal: true); public traffic enters only through the ALB.",
                );
            else if (!internal && need(props, "tags.exposure") !== "public")
                report(
                    "The load balancer is internet-facing (internal absent or false) but lacks the tag exposure=public; declare the exposure or set internal: true.",
                );
            const subnets = props.subnets;
            const mappings = props.subnetMappings;
            if (isUnknown(subnets) || isUnknown(mappings)) return;
            const count = Math.max(asArray(subnets).length, asArray(mappings).length);
            if (count < 2)
                report(
                    `The load balancer spans ${count} subnet(s); give it subnets in at least two Availability Zones.`,
                );
        },
    }),
    resourcePolicyOf({
        name: "acm-certificate-managed-dns",
        description:
            "EDGE-08: certificates are ACM-issued, DNS-validated (auto-renewing) and use a strong key (AWS FSBP ACM.1, ACM.2).",
        controls: ["EDGE-08"],
        enforcementLevel: "mandatory",
        of: AcmCertificate,
        validate: ({ props }, report) => {
            if (present(props.privateKey) || present(props.certificateBody))
                report(
                    "The certificate is imported (privateKey/certificateBody set); request an ACM certificate with DNS validation so it renews itself.",
                );
            else if (need(props, "validationMethod") !== "DNS")
                report(
                    `validationMethod is ${JSON.stringify(props.validationMethod)}; use "DNS" (EMAIL validation cannot auto-renew).`,
                );
            if (need(props, "keyAlgorithm") === "RSA_1024")
                report(
                    "keyAlgorithm RSA_1024 is too weak; use RSA_2048 (default), RSA_3072, RSA_4096, EC_prime256v1 or EC_secp384r1.",
                );
        },
    }),
    resourcePolicyOf({
        name: "acm-certificate-transparency",
        description: "EDGE-09: certificates keep Certificate Transparency logging on (hygiene; no FSBP id).",
        controls: ["EDGE-09"],
        enforcementLevel: "advisory",
        of: AcmCertificate,
        validate: ({ props }, report) => {
            if (need(props, "options.certificateTransparencyLoggingPreference") === "DISABLED")
                report(
                    "Remove options.certificateTransparencyLoggingPreference DISABLED; browsers distrust certificates missing from CT logs.",
                );
        },
    }),
    resourcePolicyOf({
        name: "route53-alias-records-for-alb",
        description:
            "EDGE-10: records pointing at AWS endpoints use health-evaluated aliases, not static IPs or CNAMEs to ELB names (hygiene against dangling records / takeover).",
        controls: ["EDGE-10"],
        enforcementLevel: "advisory",
        of: Route53Record,
        validate: ({ props }, report) => {
            const type = need(props, "type");
            const records = asArray(need(props, "records")).map(String);
            if ((type === "A" || type === "AAAA") && records.some((r) => PUBLIC_IP(r) || type === "AAAA"))
                report(
                    `${type} record with static addresses ${records.join(", ")}; use an alias to the load balancer so the record follows it.`,
                );
            if (type === "CNAME" && records.some((r) => /\.elb\.amazonaws\.com\.?$/.test(r)))
                report(
                    "CNAME to an ELB name; use an A/AAAA alias record instead (no extra lookup, no dangling CNAME).",
                );
            asArray(need(props, "aliases")).forEach((a: any, i: number) => {
                if (a?.evaluateTargetHealth !== true)
                    report(
                        `aliases[${i}].evaluateTargetHealth is not true; set it so Route 53 stops answering with an unhealthy target.`,
                    );
            });
        },
    }),
    resourcePolicy({
        name: "waf-web-acl-baseline",
        description:
            "EDGE-11: Web ACLs (every scope) run the AWS managed baseline rule groups with metrics on, and rule groups publish metrics for themselves and every rule (AWS FSBP WAF.10, WAF.12).",
        controls: ["EDGE-11"],
        enforcementLevel: "mandatory",
        types: [TYPES.webAcl, TYPES.wafRuleGroup],
        validate: ({ type, props }, report) => {
            const group = type === TYPES.wafRuleGroup;
            for (const problem of webAclProblems(props, group))
                report(
                    group
                        ? `The rule group ${problem}; enable CloudWatch metrics on the group and each rule.`
                        : `The Web ACL ${problem}; add AWSManagedRulesCommonRuleSet / AWSManagedRulesKnownBadInputsRuleSet with CloudWatch metrics enabled.`,
                );
        },
    }),
    stackPolicy({
        name: "alb-listener-rule-no-plain-http-forward",
        description: "EDGE-03: listener rules on a plain-HTTP listener only redirect to HTTPS (AWS FSBP ELB.1).",
        controls: ["EDGE-03"],
        enforcementLevel: "mandatory",
        validate: ({ resources }, report) => {
            for (const rule of ofTypes(resources, LISTENER_RULE_TYPES)) {
                each(rule, report, (p) => {
                    const { targets } = resolveAll(rule, "listenerArn", LISTENER_TYPES, resources);
                    const http = targets.filter((l) => isPlainHttpListener(propsOf(l)));
                    if (http.length === 0) return;
                    const problem = ruleProblem(need(p, "actions"));
                    if (problem)
                        report(`${label(rule)} ${problem} (listener ${http.map((l) => l.name).join(", ")}).`, rule.urn);
                });
            }
        },
    }),
    stackPolicy({
        name: "waf-association-targets-alb",
        description:
            "EDGE-12: Web ACL associations target a load balancer of this stack or one listed in config (AWS FSBP ELB.16).",
        controls: ["EDGE-12"],
        enforcementLevel: "mandatory",
        configSchema: schemaOf(["externalLoadBalancerArns"]),
        validate: ({ resources, config }, report) => {
            for (const assoc of ofTypes(resources, [TYPES.webAclAssociation])) {
                each(assoc, report, (p) => {
                    const res = resolveAll(assoc, "resourceArn", LB_TYPES, resources);
                    if (res.targets.length > 0 || res.unknown) return;
                    const arn = p.resourceArn;
                    if (typeof arn === "string" && (config.externalLoadBalancerArns as string[]).includes(arn)) return;
                    report(
                        `${label(assoc)} targets ${JSON.stringify(arn)}, which is no load balancer of this stack; list it in externalLoadBalancerArns or associate the ALB.`,
                        assoc.urn,
                    );
                });
            }
        },
    }),
    wafManagedRulesBlock,
    albWafFailClosed,
    targetGroupHttps,
    albEgressToTargets,
    httpsListenerHsts,
    classicElb,
    noRedirectToHttp,
];

/** Load balancers the stack declares as application LBs. */
export function applicationLbs(resources: PolicyResource[]): PolicyResource[] {
    return ofTypes(resources, LB_TYPES).filter((lb) => {
        const t = propsOf(lb).loadBalancerType;
        return isUnknown(t) || isApplication(propsOf(lb));
    });
}
