import { CloudTrail, FlowLog, LogGroup, WebAclLoggingConfiguration } from "./lib/classes";
import { PolicyResource } from "@pulumi/policy";
import { Policy, resourcePolicy, resourcePolicyOf, stackPolicy } from "./lib/builders";
import { label as graphLabel, ofTypes, props as propsOf } from "./lib/graph";
import { isUnknown } from "./lib/unknowns";
import { schemaOf } from "./lib/config";
import { isKmsReference } from "./lib/kms";
import { get, need } from "./lib/read";
import { absent, asArray, asNumber, presentItems } from "./lib/values";
import { DB_TYPES } from "./data";
import { LB_TYPES } from "./edge";
import { TYPES } from "../lib/contract";

/** Catalogue section 8: access, audit and flow logs. */

/**
 * The log types AWS FSBP RDS.9 requires per engine (instances), and RDS.34 / aurora-postgresql for Aurora clusters.
 * Source: AWS Security Hub user guide, RDS controls, "[RDS.9] RDS DB instances should publish logs to CloudWatch Logs".
 */
export const REQUIRED_DB_LOGS: Array<[RegExp, string[]]> = [
    [/^aurora-postgresql/, ["postgresql"]],
    [/^postgres/, ["postgresql", "upgrade"]],
    [/^(mysql|mariadb|aurora-mysql|aurora$)/, ["audit", "error", "general", "slowquery"]],
    [/^sqlserver/, ["error", "agent"]],
    [/^oracle/, ["alert", "audit", "trace", "listener"]],
];

/**
 * The log group a service creates for itself when none exists, by its documented name: EKS control-plane logs go to
 * `/aws/eks/<cluster>/cluster` (EKS user guide, "Send control plane logs to CloudWatch Logs"), CodeBuild logs to
 * `/aws/codebuild/<project>` unless `logsConfig.cloudwatchLogs.groupName` names another (CodeBuild user guide, "View
 * build logs"). Such a self-created group has no KMS key and never expires, so LOG-04 could never judge it.
 */
function serviceLogGroups(r: PolicyResource): Array<{ name: string; what: string }> | "unknown" {
    const p = propsOf(r);
    if (r.type === TYPES.eksCluster || r.type === TYPES.awsEksCluster) {
        const types = p.enabledClusterLogTypes;
        const name = p.name;
        if (isUnknown(types) || isUnknown(name)) return "unknown";
        if (asArray(types).length === 0) return [];
        if (absent(name)) return [{ name: "/aws/eks/<generated name>/cluster", what: "its control-plane logs" }];
        return [{ name: `/aws/eks/${String(name)}/cluster`, what: "its control-plane logs" }];
    }
    const status = get(p, "logsConfig.cloudwatchLogs.status");
    const group = get(p, "logsConfig.cloudwatchLogs.groupName");
    const name = p.name;
    if (isUnknown(status) || isUnknown(group) || isUnknown(name)) return "unknown";
    if (status === "DISABLED") return [];
    if (!absent(group)) return [{ name: String(group), what: "its build logs" }];
    if (absent(name)) return [];
    return [{ name: `/aws/codebuild/${String(name)}`, what: "its build logs" }];
}

const serviceLogGroupsDeclared = stackPolicy({
    name: "service-log-groups-declared",
    description:
        "LOG-07: the log group an EKS cluster or a CodeBuild project writes to is declared in the stack (so LOG-04 holds it to a customer key and a retention); otherwise the service creates it unencrypted and never expiring (AWS FSBP CloudWatch.16 intent).",
    controls: ["LOG-07"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        const groups = ofTypes(resources, [TYPES.logGroup]);
        const names = groups.map((g) => propsOf(g).name);
        if (names.some((n) => isUnknown(n))) return; // a generated name may be the one: judged at up
        for (const r of ofTypes(resources, [TYPES.eksCluster, TYPES.awsEksCluster, TYPES.codebuildProject])) {
            // The component's own child cluster writes to the group its parent component already declares.
            if (r.type === TYPES.awsEksCluster && r.parent?.type === TYPES.eksCluster) continue;
            const wanted = serviceLogGroups(r);
            if (wanted === "unknown") continue;
            for (const w of wanted)
                if (!names.includes(w.name))
                    report(
                        `${graphLabel(r)} sends ${w.what} to ${w.name}, which this stack does not declare: add an aws.cloudwatch.LogGroup with that name, a customer-managed kmsKeyId and retentionInDays (the service would create it unencrypted and never expiring).`,
                        r.urn,
                    );
        }
    },
});

export const policies: Policy[] = [
    serviceLogGroupsDeclared,
    resourcePolicy({
        name: "alb-access-logs-enabled",
        description: "LOG-01: load balancers, classic ones included, write access logs to S3 (AWS FSBP ELB.5).",
        controls: ["LOG-01"],
        enforcementLevel: "mandatory",
        types: [...LB_TYPES, TYPES.classicLoadBalancer],
        validate: ({ type, props }, report) => {
            const enabled = need(props, "accessLogs.enabled");
            const bucket = need(props, "accessLogs.bucket");
            // A classic ELB's accessLogs block is enabled unless it says otherwise.
            const on =
                type === TYPES.classicLoadBalancer
                    ? enabled !== false && !absent(bucket)
                    : enabled === true && !absent(bucket);
            if (!on)
                report(
                    "Set accessLogs: { enabled: true, bucket: <log bucket> } (the bucket uses SSE-S3: ELB log delivery cannot use SSE-KMS).",
                );
        },
    }),
    resourcePolicy({
        name: "rds-logs-exported",
        description:
            "LOG-02: database logs are exported to CloudWatch Logs, the log types FSBP lists for each engine (AWS FSBP RDS.9, RDS.34).",
        controls: ["LOG-02"],
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        validate: ({ props }, report) => {
            const engine = String(need(props, "engine") ?? "");
            const required = REQUIRED_DB_LOGS.find(([re]) => re.test(engine))?.[1] ?? [];
            const exported = asArray(need(props, "enabledCloudwatchLogsExports"));
            const missing = required.filter((l) => !exported.includes(l));
            if (missing.length > 0)
                report(
                    `enabledCloudwatchLogsExports lacks ${missing.map((m) => `"${m}"`).join(", ")} for engine ${engine}; export them so database activity is auditable.`,
                );
        },
    }),
    resourcePolicyOf({
        name: "cloudtrail-baseline",
        description:
            "LOG-03: CloudTrail trails are multi-region, record all read and write management events, are validated, KMS-encrypted, logging and delivered to CloudWatch Logs (AWS FSBP CloudTrail.1, .2, .4, .5; CIS-AWS 3.1, 3.2, 3.5).",
        controls: ["LOG-03"],
        enforcementLevel: "mandatory",
        of: CloudTrail,
        validate: ({ props }, report) => {
            const missing: string[] = [];
            if (need(props, "isMultiRegionTrail") !== true) missing.push("isMultiRegionTrail: true");
            if (need(props, "enableLogFileValidation") !== true) missing.push("enableLogFileValidation: true");
            if (need(props, "includeGlobalServiceEvents") === false) missing.push("includeGlobalServiceEvents: true");
            if (need(props, "enableLogging") === false) missing.push("enableLogging: true");
            if (absent(need(props, "kmsKeyId"))) missing.push("kmsKeyId: <customer key ARN>");
            if (absent(need(props, "cloudWatchLogsGroupArn")))
                missing.push("cloudWatchLogsGroupArn: <log group ARN>:*");
            if (missing.length > 0) report(`Set ${missing.join(", ")}.`);
            // CloudTrail.1: read and write management events, none excluded (absent selectors = all management events).
            asArray(need(props, "eventSelectors")).forEach((sel: any, i: number) => {
                if (sel?.readWriteType !== undefined && sel?.readWriteType !== "All")
                    report(
                        `eventSelectors[${i}].readWriteType is ${JSON.stringify(sel.readWriteType)}: use readWriteType "All" so both read and write management events are recorded.`,
                    );
                if (sel?.includeManagementEvents === false)
                    report(
                        `eventSelectors[${i}].includeManagementEvents is false: record management events (CloudTrail.1).`,
                    );
                if (asArray(sel?.excludeManagementEventSources).length > 0)
                    report(
                        `eventSelectors[${i}].excludeManagementEventSources drops ${asArray(sel.excludeManagementEventSources).join(", ")}: exclude no management event source (CloudTrail.1).`,
                    );
            });
        },
    }),
    resourcePolicyOf({
        name: "log-group-encrypted-and-retained",
        description:
            "LOG-04: CloudWatch log groups are encrypted with a customer-managed KMS key and kept at least minLogRetentionDays (AWS FSBP CloudWatch.16).",
        controls: ["LOG-04"],
        enforcementLevel: "mandatory",
        of: LogGroup,
        configSchema: schemaOf(["minLogRetentionDays", "externalKmsKeyArns"]),
        validate: ({ props, config }, report) => {
            const days = asNumber(need(props, "retentionInDays"));
            if (days !== undefined && days !== 0 && days < config.minLogRetentionDays)
                report(`retentionInDays is ${days}; keep logs at least ${config.minLogRetentionDays} days.`);
            const key = need(props, "kmsKeyId");
            if (!isKmsReference(key, config.externalKmsKeyArns))
                report(
                    `kmsKeyId is ${absent(key) ? "absent (logs use the service key)" : JSON.stringify(key)}; set a customer-managed KMS key ARN.`,
                );
        },
    }),
    resourcePolicyOf({
        name: "vpc-flow-log-config",
        description: "LOG-05: VPC flow logs capture ALL traffic (AWS FSBP EC2.6; CIS-AWS 3.7).",
        controls: ["LOG-05"],
        enforcementLevel: "mandatory",
        of: FlowLog,
        validate: ({ props }, report) => {
            const t = need(props, "trafficType");
            if (t !== "ALL")
                report(
                    `trafficType is ${JSON.stringify(t)}; capture "ALL" so rejected and accepted traffic are both recorded.`,
                );
        },
    }),
    resourcePolicyOf({
        name: "waf-logging-destination",
        description: "LOG-06: WAF logging has a destination and redacts credentials (AWS FSBP WAF.11).",
        controls: ["LOG-06"],
        enforcementLevel: "mandatory",
        of: WebAclLoggingConfiguration,
        validate: ({ props }, report) => {
            if (presentItems(need(props, "logDestinationConfigs")).length === 0)
                report("Set logDestinationConfigs to a log group (aws-waf-logs-*), S3 bucket or Firehose.");
            const redacted = asArray(need(props, "redactedFields")).map((f: any) =>
                String(get(f, "singleHeader.name") ?? "").toLowerCase(),
            );
            const missing = ["authorization", "cookie"].filter((h) => !redacted.includes(h));
            if (missing.length > 0)
                report.advisory(
                    `redactedFields lacks the ${missing.join(" and ")} header(s); redact them so credentials never reach the logs.`,
                );
        },
    }),
];
