import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags, named } from "./tags";
import { bucketGuardrails, tlsOnlyStatements } from "./buckets";
import { RESOURCE_TIMEOUTS_MINUTES, customTimeouts } from "./timeouts";
import { DEFAULT_TLS_POLICY, EXEMPTIONS, SG_ROLE_TAG, SG_ROLES } from "../lib/contract";
import { DEFAULT_NODE_PORT, READINESS, healthNodePortOf } from "./ingress";
import { withDefaults, registrable } from "./defaults";

export interface EdgeArgs {
    /** The VPC of the ALB, its security group and the target group. Required. */
    vpcId: pulumi.Input<string>;
    /** The ALB's subnets: the public layer only (EDGE-07 wants at least two). Required. */
    publicSubnetIds: pulumi.Input<string>[];
    /** CIDRs of the private subnets where the nodes run: the ALB SG may send only to ingressNodePort there. Required. */
    privateSubnetCidrs: string[];
    /** The domain every served name lives under, such as shop.example.com. Required. */
    domain: string;
    /** The app is served at `${appHost}.${domain}`. Default is `app`. */
    appHost?: string;
    /** More names under `domain`: certificate SANs and alias records. Default is `[]`. */
    extraHosts?: string[];
    /** Look this Route53 zone up by id (it may be a parent of `domain`). Default is none: the public zone named `domain`. */
    hostedZoneId?: string;
    /**
     * Create the public zone for `domain`. Default is `false`: the existing public zone named `domain` is looked
     * up, so the first `up` never waits on a delegation nobody has made. A created zone answers only after the
     * parent zone delegates to `nameServers` (the stack exports them with the step).
     */
    createZone?: boolean;
    /** Requests per IP per 5 minutes before the WAF answers 429. Default is `2000`. */
    wafRateLimit?: number;
    /** The ALB's idle timeout in seconds. Default is `60`. */
    idleTimeoutSeconds?: number;
    /** Days the ALB access logs are kept in their bucket. Default is `90`. */
    accessLogRetentionDays?: number;
    /** ALB deletion protection plus Pulumi `protect` on the zone and the log bucket (EDGE-06). Default is `true`. */
    deletionProtection?: boolean;
    /** HTTPS node port of the ingress controller: the target group's port; its health port is the next one. Default is `30443`. */
    ingressNodePort?: number;
    /** KMS key of the WAF log group (LOG-04). Required. */
    logsKeyArn: pulumi.Input<string>;
    /** Retention of the WAF log group. Default is 365 days (LOG-04 asks for at least 365). */
    logRetentionDays?: number;
    /** Tags on every resource (the `tags()` set: project, stack, tier, owner). Required. */
    tags: Tags;
}

/** The defaults of the optional EdgeArgs: deletion protection on, a looked-up zone, a year of WAF logs. */
export const EDGE_DEFAULTS = {
    appHost: "app",
    extraHosts: [] as string[],
    createZone: false,
    wafRateLimit: 2000,
    idleTimeoutSeconds: 60,
    accessLogRetentionDays: 90,
    deletionProtection: true,
    ingressNodePort: DEFAULT_NODE_PORT,
    logRetentionDays: 365,
};

/** EdgeArgs with the defaults applied: what the resources read. */
type EdgeSettings = EdgeArgs & typeof EDGE_DEFAULTS;

/** Accepted by EDGE-02's default `allowedTlsPolicies`: TLS 1.3 and 1.2 with forward-secret AEAD ciphers only. */
export const TLS_POLICY = DEFAULT_TLS_POLICY;
/** The ingress data plane's readiness endpoint, exposed on the node port after the traffic port (components/ingress.ts). */
export const INGRESS_HEALTH_PATH = READINESS.path;
/** Key prefix of ALB access logs in the bucket; ELB appends AWSLogs/<account>/. */
export const ACCESS_LOG_PREFIX = "alb";

/** AWS managed rule groups, in evaluation order after the rate limit (EDGE-11 requires the first two). */
const MANAGED_RULE_GROUPS = [
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
];

/**
 * The internet edge: Route53 → ACM → an internet-facing, HTTPS-only ALB behind WAF, sending
 * re-encrypted traffic to the ingress controller's HTTPS node port on the cluster nodes.
 */
export class Edge extends pulumi.ComponentResource {
    public readonly albArn: pulumi.Output<string>;
    public readonly albDnsName: pulumi.Output<string>;
    public readonly albZoneId: pulumi.Output<string>;
    /** The cluster tier admits this SG on the nodes' ingressNodePort. */
    public readonly albSecurityGroupId: pulumi.Output<string>;
    /** The cluster tier registers the nodes here. */
    public readonly targetGroupArn: pulumi.Output<string>;
    /** The validated certificate (resolves only once ACM has issued it). */
    public readonly certificateArn: pulumi.Output<string>;
    public readonly zoneId: pulumi.Output<string>;
    /** Delegate `domain` to these from the parent zone when the stack creates the zone; empty for a looked-up zone. */
    public readonly nameServers: pulumi.Output<string[]>;
    /** The delegation step a created zone needs before its certificate can validate (a sentence, exported by the stack). */
    public readonly delegation: pulumi.Output<string>;
    public readonly webAclArn: pulumi.Output<string>;
    /** Fully-qualified names served; the first is the app host. */
    public readonly hostnames: string[];

    constructor(name: string, edgeArgs: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:edge:Edge", name, registrable(edgeArgs), opts);
        const args: EdgeSettings = withDefaults(EDGE_DEFAULTS, edgeArgs);
        const child = { parent: this };
        const stateful = { parent: this, protect: args.deletionProtection };
        const labels = [...new Set([args.appHost, ...args.extraHosts])];
        this.hostnames = labels.map((l) => `${l}.${args.domain}`);

        // ---------------------------------------------------------------- DNS zone
        let zoneId: pulumi.Output<string>;
        if (args.createZone) {
            const zone = new aws.route53.Zone(
                `${name}-zone`,
                {
                    name: args.domain,
                    comment: `Public zone of ${args.domain}, managed by Pulumi`,
                    forceDestroy: false,
                    tags: named(args.tags, args.domain),
                },
                stateful,
            );
            zoneId = zone.zoneId;
            this.nameServers = zone.nameServers;
        } else {
            // The documented default: an existing zone, by id or by the domain's own name. A wrong zone would leave
            // the certificate waiting for records nobody can resolve; fail at preview instead.
            const zone = aws.route53.getZoneOutput(
                args.hostedZoneId ? { zoneId: args.hostedZoneId } : { name: args.domain, privateZone: false },
                child,
            );
            zoneId = zone.apply((z) => {
                const zoneName = z.name.replace(/\.$/, "");
                if (args.domain !== zoneName && !args.domain.endsWith(`.${zoneName}`))
                    throw new Error(
                        `hosted zone ${z.zoneId} is ${zoneName}, which cannot hold records for ${args.domain}: set platform:hostedZoneId to the zone of ${args.domain}`,
                    );
                return z.zoneId;
            });
            this.nameServers = pulumi.output([]);
        }
        this.delegation = args.createZone
            ? this.nameServers.apply(
                  (ns) =>
                      `delegate ${args.domain} to these name servers: add an NS record "${args.domain}" with ${ns.join(", ")} in the parent zone of ${args.domain}`,
              )
            : pulumi.output(`none: ${args.domain} is served by an existing zone`);

        // ---------------------------------------------------------------- certificate
        const certificate = new aws.acm.Certificate(
            `${name}-cert`,
            {
                domainName: this.hostnames[0],
                subjectAlternativeNames: this.hostnames.slice(1),
                // DNS validation lets ACM renew unattended; EMAIL cannot (EDGE-08 / ACM.1).
                validationMethod: "DNS",
                keyAlgorithm: "RSA_2048",
                options: { certificateTransparencyLoggingPreference: "ENABLED" }, // EDGE-09
                tags: named(args.tags, `${name}-cert`),
            },
            child,
        );
        const validationRecords = labels.map((label, i) => {
            const option = certificate.domainValidationOptions.apply((opts) => {
                const o = opts.find((x) => x.domainName === this.hostnames[i]);
                if (!o) throw new Error(`ACM returned no DNS validation record for ${this.hostnames[i]}`);
                return o;
            });
            return new aws.route53.Record(
                `${name}-validation-${label}`,
                {
                    zoneId,
                    name: option.resourceRecordName,
                    type: option.resourceRecordType,
                    records: [option.resourceRecordValue],
                    ttl: 300,
                    // ACM reuses the same CNAME when the certificate is replaced; the new one must be able to take it over.
                    allowOverwrite: true,
                },
                child,
            );
        });
        // Listeners take the ARN from here, so no listener can serve a certificate ACM has not issued.
        const validation = new aws.acm.CertificateValidation(
            `${name}-cert`,
            { certificateArn: certificate.arn, validationRecordFqdns: validationRecords.map((r) => r.fqdn) },
            // Well inside the deploy job's timeout (test/timeouts.test.ts): ACM validates within minutes once DNS
            // resolves; the provider's default of 75 minutes outlived the job and left the state locked.
            { ...child, customTimeouts: customTimeouts("certificateValidation") },
        );
        if (args.createZone) {
            // The provider's timeout error cannot be reworded, so the cause is stated next to it in the update log.
            pulumi
                .all([this.nameServers, certificate.arn])
                .apply(([ns]) =>
                    pulumi.log.warn(
                        `certificate validation for ${this.hostnames.join(", ")} waits up to ${RESOURCE_TIMEOUTS_MINUTES.certificateValidation.create} minutes for DNS: if it times out, ${args.domain} is not delegated yet; add NS ${ns.join(", ")} for ${args.domain} in its parent zone and run up again`,
                        this,
                    ),
                );
        }

        // ---------------------------------------------------------------- access log bucket
        const logBucket = this.accessLogBucket(name, args);

        // ---------------------------------------------------------------- load balancer
        const sg = new aws.ec2.SecurityGroup(
            `${name}-alb`,
            {
                vpcId: args.vpcId,
                description:
                    "Internet-facing ALB: HTTP and HTTPS in from anywhere, HTTPS out to the ingress node port only",
                // Inline rules: this component owns every rule of the group, and the policy pack sees the
                // world-facing rules together with the `sg-role` tag that allows them (NET-04).
                ingress: [
                    {
                        description: "HTTPS from the internet",
                        protocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        cidrBlocks: ["0.0.0.0/0"],
                    },
                    {
                        description: "HTTP from the internet, answered only with a redirect to HTTPS",
                        protocol: "tcp",
                        fromPort: 80,
                        toPort: 80,
                        cidrBlocks: ["0.0.0.0/0"],
                    },
                ],
                egress: [
                    {
                        description:
                            "HTTPS to the ingress controller's node port and its health node port in the private subnets",
                        protocol: "tcp",
                        fromPort: args.ingressNodePort,
                        toPort: healthNodePortOf(args.ingressNodePort),
                        cidrBlocks: args.privateSubnetCidrs,
                    },
                ],
                revokeRulesOnDelete: true,
                tags: { ...named(args.tags, `${name}-alb`), [SG_ROLE_TAG]: SG_ROLES.albPublic },
            },
            child,
        );

        const alb = new aws.lb.LoadBalancer(
            `${name}-alb`,
            {
                loadBalancerType: "application",
                internal: false,
                // The VPC has no IPv6 plan yet; the AAAA aliases below answer once the network tier adds one and this becomes "dualstack".
                ipAddressType: "ipv4",
                subnets: args.publicSubnetIds,
                securityGroups: [sg.id],
                dropInvalidHeaderFields: true, // EDGE-04 / ELB.4
                // AWS's recommended mode: blocks requests that are a desync risk, lets merely non-compliant ones through.
                // `strictest` would also reject odd-but-harmless clients (EDGE-05 / ELB.12 accept either).
                desyncMitigationMode: "defensive",
                enableDeletionProtection: args.deletionProtection, // EDGE-06 / ELB.6
                idleTimeout: args.idleTimeoutSeconds,
                enableHttp2: true,
                // If WAF cannot be reached, fail closed: no request bypasses inspection.
                enableWafFailOpen: false,
                accessLogs: { bucket: logBucket.bucket, prefix: ACCESS_LOG_PREFIX, enabled: true }, // LOG-01 / ELB.5
                tags: { ...named(args.tags, `${name}-alb`), exposure: "public" }, // EDGE-07
            },
            // ELB test-writes to the bucket when logging is enabled: the policy must exist first.
            { ...child, dependsOn: [logBucket.policy] },
        );

        const targetGroup = new aws.lb.TargetGroup(
            `${name}-ingress`,
            {
                vpcId: args.vpcId,
                targetType: "instance",
                // Re-encrypted to the ingress controller, so TLS holds end to end inside the VPC too.
                protocol: "HTTPS",
                protocolVersion: "HTTP1",
                port: args.ingressNodePort,
                deregistrationDelay: 30, // NGINX drains connections itself; faster node rotation
                healthCheck: {
                    enabled: true,
                    // NGINX's readiness endpoint through its own node port: plain HTTP, no data, and it answers only on nodes
                    // running an NGINX pod (externalTrafficPolicy Local), so the ALB sends traffic only there.
                    protocol: "HTTP",
                    port: String(healthNodePortOf(args.ingressNodePort)),
                    path: INGRESS_HEALTH_PATH,
                    matcher: "200",
                    interval: 15,
                    timeout: 5,
                    healthyThreshold: 2,
                    unhealthyThreshold: 3,
                },
                tags: named(args.tags, `${name}-ingress`),
            },
            child,
        );

        new aws.lb.Listener(
            `${name}-http`,
            {
                loadBalancerArn: alb.arn,
                port: 80,
                protocol: "HTTP",
                // Port 80 only ever redirects: no request is served in clear text (EDGE-01 / ELB.1).
                defaultActions: [
                    { type: "redirect", redirect: { protocol: "HTTPS", port: "443", statusCode: "HTTP_301" } },
                ],
                tags: named(args.tags, `${name}-http`),
            },
            child,
        );
        new aws.lb.Listener(
            `${name}-https`,
            {
                loadBalancerArn: alb.arn,
                port: 443,
                protocol: "HTTPS",
                sslPolicy: TLS_POLICY, // EDGE-02 / ELB.17
                certificateArn: validation.certificateArn,
                defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
                // Browsers that have seen the app once never try plain HTTP again.
                routingHttpResponseStrictTransportSecurityHeaderValue: "max-age=31536000; includeSubDomains",
                routingHttpResponseServerEnabled: false,
                tags: named(args.tags, `${name}-https`),
            },
            child,
        );

        // ---------------------------------------------------------------- DNS records
        for (const [i, label] of labels.entries()) {
            for (const type of ["A", "AAAA"]) {
                new aws.route53.Record(
                    `${name}-${label}-${type.toLowerCase()}`,
                    {
                        zoneId,
                        name: this.hostnames[i],
                        type,
                        // Aliases follow the ALB's changing IPs, so no record can dangle on a released address (EDGE-10).
                        aliases: [{ name: alb.dnsName, zoneId: alb.zoneId, evaluateTargetHealth: true }],
                    },
                    child,
                );
            }
        }

        // ---------------------------------------------------------------- WAF
        const webAcl = this.webAcl(name, args);
        new aws.wafv2.WebAclAssociation(`${name}-waf`, { resourceArn: alb.arn, webAclArn: webAcl.arn }, child); // STK-07 / ELB.16

        this.albArn = alb.arn;
        this.albDnsName = alb.dnsName;
        this.albZoneId = alb.zoneId;
        this.albSecurityGroupId = sg.id;
        this.targetGroupArn = targetGroup.arn;
        this.certificateArn = validation.certificateArn;
        this.zoneId = zoneId;
        this.webAclArn = webAcl.arn;
        this.registerOutputs({
            albArn: this.albArn,
            albDnsName: this.albDnsName,
            albZoneId: this.albZoneId,
            albSecurityGroupId: this.albSecurityGroupId,
            targetGroupArn: this.targetGroupArn,
            certificateArn: this.certificateArn,
            zoneId: this.zoneId,
            delegation: this.delegation,
            nameServers: this.nameServers,
            webAclArn: this.webAclArn,
            hostnames: this.hostnames,
        });
    }

    /**
     * The ALB access log bucket. SSE-S3 (AES256), not SSE-KMS: ELB access log delivery supports only
     * S3-managed keys and silently drops logs to a KMS-encrypted bucket. The bucket carries a
     * documented exemption from STO-01 (`s3-sse-kms-required`) as LOG-01 prescribes.
     */
    private accessLogBucket(
        name: string,
        args: EdgeSettings,
    ): { bucket: pulumi.Output<string>; policy: aws.s3.BucketPolicy } {
        const child = { parent: this };
        const bucket = new aws.s3.Bucket(
            `${name}-access-logs`,
            {
                // Unprotected stacks can be torn down with their logs; protected ones keep them.
                forceDestroy: !args.deletionProtection,
                tags: {
                    ...named(args.tags, `${name}-access-logs`),
                    [EXEMPTIONS.s3SseKmsRequired]:
                        "PLAT-101: ELB access log delivery supports only SSE-S3 (AWS ELB user guide, enable-access-logging)",
                },
            },
            { parent: this, protect: args.deletionProtection },
        );
        const id = bucket.bucket;

        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-access-logs`,
            // AES256 = SSE-S3: the only encryption ALB log delivery supports (it cannot use a KMS key).
            { bucket: id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            child,
        );
        const { publicAccess, ownership, versioning } = bucketGuardrails(`${name}-access-logs`, id, child);
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-access-logs`,
            {
                bucket: id,
                rules: [
                    {
                        id: "expire-access-logs",
                        status: "Enabled",
                        filter: {},
                        expiration: { days: args.accessLogRetentionDays },
                        // Versioning turns expiry into a delete marker; the data itself goes a week later.
                        noncurrentVersionExpiration: { noncurrentDays: 7 },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
                    },
                    {
                        id: "remove-expired-delete-markers",
                        status: "Enabled",
                        filter: {},
                        expiration: { expiredObjectDeleteMarker: true },
                    },
                ],
            },
            { ...child, dependsOn: [versioning] },
        );

        const account = aws.getCallerIdentityOutput({}, child).accountId;
        // eu-west-1 and the other Regions older than August 2022 deliver as the Region's ELB account;
        // newer Regions deliver as the log-delivery service principal. Both are allowed so the
        // component works in either, each only under this account's log prefix.
        const elbAccount = aws.elb.getServiceAccountOutput({}, child).arn;
        const policy = new aws.s3.BucketPolicy(
            `${name}-access-logs`,
            {
                bucket: id,
                policy: pulumi.all([bucket.arn, account, elbAccount]).apply(([arn, acct, elb]) => {
                    const logs = `${arn}/${ACCESS_LOG_PREFIX}/AWSLogs/${acct}/*`;
                    return JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            ...tlsOnlyStatements(arn),
                            {
                                Sid: "ElbRegionalAccountWritesAccessLogs",
                                Effect: "Allow",
                                Principal: { AWS: elb },
                                Action: "s3:PutObject",
                                Resource: logs,
                            },
                            {
                                Sid: "ElbLogDeliveryWritesAccessLogs",
                                Effect: "Allow",
                                Principal: { Service: "logdelivery.elasticloadbalancing.amazonaws.com" },
                                Action: "s3:PutObject",
                                Resource: logs,
                            },
                        ],
                    });
                }),
            },
            // S3 refuses a bucket policy while public-access settings are being applied.
            { ...child, dependsOn: [publicAccess, ownership] },
        );
        return { bucket: id, policy };
    }

    /** WAF in front of the ALB: a per-IP rate limit, then AWS managed rules; every rule and the ACL publish metrics (EDGE-11). */
    private webAcl(name: string, args: EdgeSettings): aws.wafv2.WebAcl {
        const child = { parent: this };
        const visibility = (metricName: string) => ({
            cloudwatchMetricsEnabled: true,
            sampledRequestsEnabled: true,
            metricName,
        });
        const acl = new aws.wafv2.WebAcl(
            `${name}-waf`,
            {
                scope: "REGIONAL",
                description: `Protects ${this.hostnames.join(", ")}`,
                defaultAction: { allow: {} },
                rules: [
                    {
                        name: "rate-limit-per-ip",
                        priority: 0,
                        // 429, not 403: clients and dashboards can tell throttling from a rule block.
                        action: { block: { customResponse: { responseCode: 429 } } },
                        statement: {
                            rateBasedStatement: {
                                limit: args.wafRateLimit,
                                aggregateKeyType: "IP",
                                evaluationWindowSec: 300,
                            },
                        },
                        visibilityConfig: visibility(`${name}-rate-limit-per-ip`),
                    },
                    ...MANAGED_RULE_GROUPS.map((group, i) => ({
                        name: group,
                        priority: 10 * (i + 1),
                        overrideAction: { none: {} }, // the groups' own block actions apply
                        statement: { managedRuleGroupStatement: { vendorName: "AWS", name: group } },
                        visibilityConfig: visibility(`${name}-${group}`),
                    })),
                ],
                visibilityConfig: visibility(`${name}-waf`),
                tags: named(args.tags, `${name}-waf`),
            },
            child,
        );

        // WAF writes only to log groups whose name starts with aws-waf-logs-.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-waf-logs`,
            {
                name: `aws-waf-logs-${pulumi.getProject()}-${pulumi.getStack()}-${name}`,
                retentionInDays: args.logRetentionDays,
                kmsKeyId: args.logsKeyArn, // LOG-04
                tags: named(args.tags, `${name}-waf-logs`),
            },
            child,
        );
        // Granted explicitly: otherwise WAF edits an account-wide policy behind Pulumi's back on first delivery.
        const account = aws.getCallerIdentityOutput({}, child).accountId;
        const delivery = new aws.cloudwatch.LogResourcePolicy(
            `${name}-waf-logs`,
            {
                policyName: `${pulumi.getProject()}-${pulumi.getStack()}-${name}-waf-logs`,
                policyDocument: pulumi.all([logGroup.arn, account]).apply(([arn, acct]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "WafLogDelivery",
                                Effect: "Allow",
                                Principal: { Service: "delivery.logs.amazonaws.com" },
                                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                                Resource: `${arn}:*`,
                                Condition: {
                                    StringEquals: { "aws:SourceAccount": acct },
                                    ArnLike: { "aws:SourceArn": `arn:aws:logs:*:${acct}:*` },
                                },
                            },
                        ],
                    }),
                ),
            },
            child,
        );
        new aws.wafv2.WebAclLoggingConfiguration(
            `${name}-waf`,
            {
                resourceArn: acl.arn,
                logDestinationConfigs: [logGroup.arn], // LOG-06 / STK-10 / WAF.11
                // Session credentials never reach the logs.
                redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
            },
            { ...child, dependsOn: [delivery] },
        );
        return acl;
    }
}
