import { asArray, asNumber, get, isKmsReference, known, Policy, resourcePolicy, schemaOf } from "./lib/common";
import { DB_TYPES } from "./data";
import { LB_TYPES } from "./edge";

/** Catalogue section 8: access, audit and flow logs. */

const REQUIRED_DB_LOGS: Array<[RegExp, string[]]> = [
    [/^(postgres|aurora-postgresql)/, ["postgresql"]],
    [/^(mysql|aurora-mysql|mariadb)/, ["audit", "error"]],
];

export const policies: Policy[] = [
    resourcePolicy({
        name: "alb-access-logs-enabled",
        description: "LOG-01: load balancers write access logs to S3 (AWS FSBP ELB.5).",
        enforcementLevel: "mandatory",
        types: LB_TYPES,
        validate: ({ props }, report) => {
            const enabled = known(get(props, "accessLogs.enabled"), "accessLogs.enabled");
            const bucket = known(get(props, "accessLogs.bucket"), "accessLogs.bucket");
            if (enabled !== true || !bucket) report("Set accessLogs: { enabled: true, bucket: <log bucket> } (the bucket uses SSE-S3: ELB log delivery cannot use SSE-KMS).");
        },
    }),
    resourcePolicy({
        name: "rds-logs-exported",
        description: "LOG-02: database logs are exported to CloudWatch Logs (AWS FSBP RDS.9, RDS.34).",
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        validate: ({ props }, report) => {
            const engine = String(known(props.engine, "engine") ?? "");
            const required = REQUIRED_DB_LOGS.find(([re]) => re.test(engine))?.[1] ?? [];
            const exported = asArray(known(props.enabledCloudwatchLogsExports, "enabledCloudwatchLogsExports"));
            const missing = required.filter((l) => !exported.includes(l));
            if (missing.length > 0) report(`enabledCloudwatchLogsExports lacks ${missing.map((m) => `"${m}"`).join(", ")} for engine ${engine}; export them so database activity is auditable.`);
        },
    }),
    resourcePolicy({
        name: "cloudtrail-baseline",
        description: "LOG-03: CloudTrail trails are multi-region, validated, KMS-encrypted, logging and delivered to CloudWatch Logs (AWS FSBP CloudTrail.1, .2, .4, .5; CIS-AWS 3.1, 3.2, 3.5).",
        enforcementLevel: "mandatory",
        types: ["aws:cloudtrail/trail:Trail"],
        validate: ({ props }, report) => {
            const need: string[] = [];
            if (known(props.isMultiRegionTrail, "isMultiRegionTrail") !== true) need.push("isMultiRegionTrail: true");
            if (known(props.enableLogFileValidation, "enableLogFileValidation") !== true) need.push("enableLogFileValidation: true");
            if (known(props.includeGlobalServiceEvents, "includeGlobalServiceEvents") === false) need.push("includeGlobalServiceEvents: true");
            if (known(props.enableLogging, "enableLogging") === false) need.push("enableLogging: true");
            if (props.kmsKeyId === undefined) need.push("kmsKeyId: <customer key ARN>");
            if (props.cloudWatchLogsGroupArn === undefined) need.push("cloudWatchLogsGroupArn: <log group ARN>:*");
            if (need.length > 0) report(`Set ${need.join(", ")}.`);
        },
    }),
    resourcePolicy({
        name: "log-group-encrypted-and-retained",
        description: "LOG-04: CloudWatch log groups are encrypted with a customer-managed KMS key and kept at least minLogRetentionDays (AWS FSBP CloudWatch.16).",
        enforcementLevel: "mandatory",
        types: ["aws:cloudwatch/logGroup:LogGroup"],
        configSchema: schemaOf(["minLogRetentionDays", "externalKmsKeyArns"]),
        validate: ({ props, config }, report) => {
            const days = asNumber(known(props.retentionInDays, "retentionInDays"));
            if (days !== undefined && days !== 0 && days < config.minLogRetentionDays) report(`retentionInDays is ${days}; keep logs at least ${config.minLogRetentionDays} days.`);
            const key = known(props.kmsKeyId, "kmsKeyId");
            if (!isKmsReference(key, config.externalKmsKeyArns)) report(`kmsKeyId is ${key === undefined ? "absent (logs use the service key)" : JSON.stringify(key)}; set a customer-managed KMS key ARN.`);
        },
    }),
    resourcePolicy({
        name: "vpc-flow-log-config",
        description: "LOG-05: VPC flow logs capture ALL traffic (AWS FSBP EC2.6; CIS-AWS 3.7).",
        enforcementLevel: "mandatory",
        types: ["aws:ec2/flowLog:FlowLog"],
        validate: ({ props }, report) => {
            const t = known(props.trafficType, "trafficType");
            if (t !== "ALL") report(`trafficType is ${JSON.stringify(t)}; capture "ALL" so rejected and accepted traffic are both recorded.`);
        },
    }),
    resourcePolicy({
        name: "waf-logging-destination",
        description: "LOG-06: WAF logging has a destination and redacts credentials (AWS FSBP WAF.11).",
        enforcementLevel: "mandatory",
        types: ["aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration"],
        validate: ({ props }, report) => {
            if (asArray(known(props.logDestinationConfigs, "logDestinationConfigs")).length === 0) report("Set logDestinationConfigs to a log group (aws-waf-logs-*), S3 bucket or Firehose.");
            const redacted = asArray(known(props.redactedFields, "redactedFields")).map((f: any) => String(get(f, "singleHeader.name") ?? "").toLowerCase());
            const missing = ["authorization", "cookie"].filter((h) => !redacted.includes(h));
            if (missing.length > 0) report.advisory(`redactedFields lacks the ${missing.join(" and ")} header(s); redact them so credentials never reach the logs.`);
        },
    }),
];
