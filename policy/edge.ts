import { AcmCertificate, Route53Record, WebAcl } from "./lib/classes";
import { PolicyResource } from "@pulumi/policy";
import { each, Policy, Props, resourcePolicy, resourcePolicyOf, stackPolicy } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { get, need } from "./lib/read";
import { isUnknown } from "./lib/unknowns";
import { asArray, asNumber } from "./lib/values";
import { label, ofTypes, props as propsOf, resolveAll } from "./lib/graph";

/** Catalogue section 2: ALB listeners and load balancers, ACM, Route 53, WAF. */

export const LISTENER_TYPES = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
export const LISTENER_RULE_TYPES = ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"];
export const LB_TYPES = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
export const WEB_ACL = "aws:wafv2/webAcl:WebAcl";
export const WEB_ACL_ASSOCIATION = "aws:wafv2/webAclAssociation:WebAclAssociation";

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
    if (a?.type !== "redirect") return `forwards plain HTTP (action type "${a?.type}"); make the only action a redirect to HTTPS`;
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
    return bad.length ? `has action ${bad.map((a: any) => `"${a?.type}"`).join(", ")} on a plain-HTTP listener; only a redirect to HTTPS is allowed` : undefined;
}

const MANAGED_BASELINE = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet"];

/** Problems of a Web ACL against EDGE-11 (empty when compliant). */
export function webAclProblems(p: Props): string[] {
    if (need(p, "scope") !== "REGIONAL") return [];
    const out: string[] = [];
    const rules = asArray(need(p, "rules"));
    if (rules.length === 0) out.push("has no rules");
    const names = rules.map((r: any, i: number) => need(r, "statement.managedRuleGroupStatement.name", `rules[${i}]`));
    if (!names.some((n) => MANAGED_BASELINE.includes(n))) out.push(`uses neither ${MANAGED_BASELINE.join(" nor ")}`);
    if (need(p, "visibilityConfig.cloudwatchMetricsEnabled") !== true) out.push("has visibilityConfig.cloudwatchMetricsEnabled off");
    rules.forEach((r: any, i: number) => {
        if (need(r, "visibilityConfig.cloudwatchMetricsEnabled", `rules[${i}]`) !== true) out.push(`rules[${i}] (${r?.name}) has cloudwatchMetricsEnabled off`);
    });
    return out;
}

const isApplication = (p: Props) => (p.loadBalancerType ?? "application") === "application";
const PUBLIC_IP = (ip: string) => /^\d+\.\d+\.\d+\.\d+$/.test(ip) && !/^(10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|127\.|169\.254\.)/.test(ip);

export const policies: Policy[] = [
    resourcePolicy({
        name: "alb-http-redirects-to-https",
        description: "EDGE-01: a plain-HTTP listener's only action is a permanent redirect to HTTPS:443 (AWS FSBP ELB.1; PCI DSS 4.1).",
        controls: ["EDGE-01"],
        enforcementLevel: "mandatory",
        types: LISTENER_TYPES,
        validate: ({ props }, report) => {
            need(props, "protocol");
            need(props, "port");
            if (!isPlainHttpListener(props)) return;
            const problem = redirectProblem(need(props, "defaultActions"));
            if (problem) report(`HTTP listener ${problem}: { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } }.`);
        },
    }),
    resourcePolicy({
        name: "alb-https-listener-tls-policy",
        description: "EDGE-02: HTTPS/TLS listeners use an allowed modern TLS policy and an ACM certificate (AWS FSBP ELB.17, ELB.2).",
        controls: ["EDGE-02"],
        enforcementLevel: "mandatory",
        types: LISTENER_TYPES,
        configSchema: schemaOf(["allowedTlsPolicies"]),
        validate: ({ props, config }, report) => {
            const protocol = need(props, "protocol");
            if (protocol !== "HTTPS" && protocol !== "TLS") return;
            const allowed: string[] = config.allowedTlsPolicies;
            const policy = need(props, "sslPolicy");
            if (!allowed.includes(policy)) report(`sslPolicy is ${policy === undefined ? "absent (the ELB default allows TLS 1.0)" : JSON.stringify(policy)}; use one of ${allowed.join(", ")}.`);
            const cert = need(props, "certificateArn");
            if (typeof cert !== "string" || !/^arn:aws[a-z-]*:acm:/.test(cert)) report(`certificateArn is ${cert === undefined ? "absent" : JSON.stringify(cert)}; use an ACM certificate ARN (managed renewal).`);
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
            if (need(props, "dropInvalidHeaderFields") !== true) report("Set dropInvalidHeaderFields to true so malformed headers never reach the targets.");
        },
    }),
    resourcePolicy({
        name: "alb-desync-mitigation",
        description: "EDGE-05: load balancers keep HTTP desync mitigation defensive or strictest (AWS FSBP ELB.12).",
        controls: ["EDGE-05"],
        enforcementLevel: "advisory",
        types: LB_TYPES,
        validate: ({ props }, report) => {
            if (need(props, "desyncMitigationMode") === "monitor") report('desyncMitigationMode is "monitor"; use "defensive" (the default) or "strictest".');
        },
    }),
    resourcePolicy({
        name: "alb-deletion-protection",
        description: "EDGE-06: load balancers have deletion protection (AWS FSBP ELB.6); mandatory in prod through pack config.",
        controls: ["EDGE-06"],
        enforcementLevel: "advisory",
        types: LB_TYPES,
        validate: ({ props }, report) => {
            if (need(props, "enableDeletionProtection") !== true) report("Set enableDeletionProtection to true so the load balancer (and its DNS name) cannot be deleted by accident.");
        },
    }),
    resourcePolicy({
        name: "alb-internet-facing-is-declared",
        description: "EDGE-07: an internet-facing load balancer is a declared ALB (tag exposure=public) across at least two subnets (AWS FSBP ELB.13; EC2 network exposure).",
        controls: ["EDGE-07"],
        enforcementLevel: "mandatory",
        types: LB_TYPES,
        validate: ({ props }, report) => {
            const internal = need(props, "internal") === true;
            if (!internal && need(props, "loadBalancerType") === "network") report("Network load balancers must be internal (internal: true); public traffic enters only through the ALB.");
            else if (!internal && need(props, "tags.exposure") !== "public") report('The load balancer is internet-facing (internal absent or false) but lacks the tag exposure=public; declare the exposure or set internal: true.');
            const subnets = props.subnets;
            const mappings = props.subnetMappings;
            if (isUnknown(subnets) || isUnknown(mappings)) return;
            const count = Math.max(asArray(subnets).length, asArray(mappings).length);
            if (count < 2) report(`The load balancer spans ${count} subnet(s); give it subnets in at least two Availability Zones.`);
        },
    }),
    resourcePolicyOf({
        name: "acm-certificate-managed-dns",
        description: "EDGE-08: certificates are ACM-issued, DNS-validated (auto-renewing) and use a strong key (AWS FSBP ACM.1, ACM.2).",
        controls: ["EDGE-08"],
        enforcementLevel: "mandatory",
        of: AcmCertificate,
        validate: ({ props }, report) => {
            if (props.privateKey !== undefined || props.certificateBody !== undefined) report("The certificate is imported (privateKey/certificateBody set); request an ACM certificate with DNS validation so it renews itself.");
            else if (need(props, "validationMethod") !== "DNS") report(`validationMethod is ${JSON.stringify(props.validationMethod)}; use "DNS" (EMAIL validation cannot auto-renew).`);
            if (need(props, "keyAlgorithm") === "RSA_1024") report("keyAlgorithm RSA_1024 is too weak; use RSA_2048 (default), RSA_3072, RSA_4096, EC_prime256v1 or EC_secp384r1.");
        },
    }),
    resourcePolicyOf({
        name: "acm-certificate-transparency",
        description: "EDGE-09: certificates keep Certificate Transparency logging on (hygiene; no FSBP id).",
        controls: ["EDGE-09"],
        enforcementLevel: "advisory",
        of: AcmCertificate,
        validate: ({ props }, report) => {
            if (need(props, "options.certificateTransparencyLoggingPreference") === "DISABLED") report("Remove options.certificateTransparencyLoggingPreference DISABLED; browsers distrust certificates missing from CT logs.");
        },
    }),
    resourcePolicyOf({
        name: "route53-alias-records-for-alb",
        description: "EDGE-10: records pointing at AWS endpoints use health-evaluated aliases, not static IPs or CNAMEs to ELB names (hygiene against dangling records / takeover).",
        controls: ["EDGE-10"],
        enforcementLevel: "advisory",
        of: Route53Record,
        validate: ({ props }, report) => {
            const type = need(props, "type");
            const records = asArray(need(props, "records")).map(String);
            if ((type === "A" || type === "AAAA") && records.some((r) => PUBLIC_IP(r) || type === "AAAA")) report(`${type} record with static addresses ${records.join(", ")}; use an alias to the load balancer so the record follows it.`);
            if (type === "CNAME" && records.some((r) => /\.elb\.amazonaws\.com\.?$/.test(r))) report("CNAME to an ELB name; use an A/AAAA alias record instead (no extra lookup, no dangling CNAME).");
            asArray(need(props, "aliases")).forEach((a: any, i: number) => {
                if (a?.evaluateTargetHealth !== true) report(`aliases[${i}].evaluateTargetHealth is not true; set it so Route 53 stops answering with an unhealthy target.`);
            });
        },
    }),
    resourcePolicyOf({
        name: "waf-web-acl-baseline",
        description: "EDGE-11: regional Web ACLs run the AWS managed baseline rule groups with metrics on (AWS FSBP WAF.10, WAF.12).",
        controls: ["EDGE-11"],
        enforcementLevel: "mandatory",
        of: WebAcl,
        validate: ({ props }, report) => {
            for (const problem of webAclProblems(props)) report(`The Web ACL ${problem}; add AWSManagedRulesCommonRuleSet / AWSManagedRulesKnownBadInputsRuleSet with CloudWatch metrics enabled.`);
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
                    if (problem) report(`${label(rule)} ${problem} (listener ${http.map((l) => l.name).join(", ")}).`, rule.urn);
                });
            }
        },
    }),
    stackPolicy({
        name: "waf-association-targets-alb",
        description: "EDGE-12: Web ACL associations target a load balancer of this stack or one listed in config (AWS FSBP ELB.16).",
        controls: ["EDGE-12"],
        enforcementLevel: "advisory",
        configSchema: schemaOf(["externalLoadBalancerArns"]),
        validate: ({ resources, config }, report) => {
            for (const assoc of ofTypes(resources, [WEB_ACL_ASSOCIATION])) {
                each(assoc, report, (p) => {
                    const res = resolveAll(assoc, "resourceArn", LB_TYPES, resources);
                    if (res.targets.length > 0 || res.unknown) return;
                    const arn = p.resourceArn;
                    if (typeof arn === "string" && (config.externalLoadBalancerArns as string[]).includes(arn)) return;
                    report(`${label(assoc)} targets ${JSON.stringify(arn)}, which is no load balancer of this stack; list it in externalLoadBalancerArns or associate the ALB.`, assoc.urn);
                });
            }
        },
    }),
];

/** Load balancers the stack declares as application LBs. */
export function applicationLbs(resources: PolicyResource[]): PolicyResource[] {
    return ofTypes(resources, LB_TYPES).filter((lb) => {
        const t = propsOf(lb).loadBalancerType;
        return isUnknown(t) || isApplication(propsOf(lb));
    });
}
