import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN } from "../lib/unknowns";
import { policies } from "../keys";
import { policies as logging } from "../logging";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed } from "./support";
import { TYPES } from "../../lib/contract";

const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const root = {
    Sid: "Root",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::111122223333:root" },
    Action: "kms:*",
    Resource: "*",
};

const table: Record<string, Case[]> = {
    "kms-key-rotation-enabled": [
        {
            it: "rejects a symmetric key without rotation (the default)",
            type: TYPES.kmsKey,
            props: {},
            rejects: /enableKeyRotation off/,
        },
        {
            it: "rejects a rotation period over a year",
            type: TYPES.kmsKey,
            props: { enableKeyRotation: true, rotationPeriodInDays: 730 },
            rejects: /every 730 days/,
        },
        { it: "passes a rotating key", type: TYPES.kmsKey, props: { enableKeyRotation: true } },
        {
            it: "skips asymmetric keys, which cannot rotate",
            type: TYPES.kmsKey,
            props: { customerMasterKeySpec: "RSA_2048" },
        },
        { it: "does not fail while rotation is unknown", type: TYPES.kmsKey, props: { enableKeyRotation: UNKNOWN } },
    ],
    "kms-key-policy-not-public": [
        {
            it: "rejects a key policy open to everyone",
            type: TYPES.kmsKey,
            props: {
                policy: doc(root, {
                    Sid: "Everyone",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "kms:Decrypt",
                    Resource: "*",
                }),
            },
            rejects: /Statement Everyone allows Principal "\*"/,
        },
        {
            it: "rejects bypassing the lockout safety check",
            type: TYPES.kmsKeyPolicy,
            props: { keyId: "k", policy: doc(root), bypassPolicyLockoutSafetyCheck: true },
            rejects: /bypassPolicyLockoutSafetyCheck/,
        },
        {
            it: "passes a wildcard principal scoped by kms:CallerAccount",
            type: TYPES.kmsKey,
            props: {
                policy: doc(root, {
                    Effect: "Allow",
                    Principal: { AWS: "*" },
                    Action: "kms:Decrypt",
                    Resource: "*",
                    Condition: { StringEquals: { "kms:CallerAccount": "111122223333" } },
                }),
            },
        },
    ],
    "kms-deletion-window": [
        {
            it: "flags a 7-day deletion window",
            type: TYPES.kmsKey,
            props: { deletionWindowInDays: 7 },
            rejects: /deletionWindowInDays is 7/,
        },
        { it: "passes the 30-day default", type: TYPES.kmsKey, props: {} },
    ],
    "iam-no-wildcard-kms-decrypt": [
        {
            it: "flags kms:Decrypt on every key",
            type: TYPES.iamRolePolicy,
            props: { policy: doc({ Sid: "Any", Effect: "Allow", Action: ["kms:Decrypt"], Resource: "*" }) },
            rejects: /allows kms:Decrypt on every key/,
        },
        {
            it: "passes decrypt on a named key",
            type: TYPES.iamPolicy,
            props: { policy: doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY_ARN }) },
        },
    ],
};

const loggingTable: Record<string, Case[]> = {
    "alb-access-logs-enabled": [
        {
            it: "rejects a load balancer without access logs",
            type: TYPES.loadBalancer,
            props: {},
            rejects: /accessLogs/,
        },
        {
            it: "passes access logs to a bucket",
            type: TYPES.albLoadBalancer,
            props: { accessLogs: { enabled: true, bucket: "alb-logs" } },
        },
    ],
    "cloudtrail-baseline": [
        {
            it: "rejects a single-region trail without validation or KMS",
            type: TYPES.cloudTrail,
            props: { s3BucketName: "t" },
            rejects: /isMultiRegionTrail: true, enableLogFileValidation: true, kmsKeyId/,
        },
        {
            it: "passes the baseline trail",
            type: TYPES.cloudTrail,
            props: {
                isMultiRegionTrail: true,
                enableLogFileValidation: true,
                kmsKeyId: KEY_ARN,
                cloudWatchLogsGroupArn: "arn:aws:logs:eu-west-1:1:log-group:t:*",
            },
        },
    ],
    "log-group-encrypted-and-retained": [
        {
            it: "rejects a log group without a customer key",
            type: TYPES.logGroup,
            props: { retentionInDays: 365 },
            rejects: /kmsKeyId is absent/,
        },
        {
            it: "rejects retention under the minimum",
            type: TYPES.logGroup,
            props: { retentionInDays: 30, kmsKeyId: KEY_ARN },
            rejects: /at least 365 days/,
        },
        {
            it: "honours minLogRetentionDays from config",
            type: TYPES.logGroup,
            props: { retentionInDays: 30, kmsKeyId: KEY_ARN },
            config: { minLogRetentionDays: 30 },
        },
        {
            it: "passes never-expiring encrypted logs",
            type: TYPES.logGroup,
            props: { kmsKeyId: KEY_ARN },
        },
    ],
    "vpc-flow-log-config": [
        {
            it: "rejects a flow log of rejected traffic only",
            type: TYPES.flowLog,
            props: { trafficType: "REJECT" },
            rejects: /capture "ALL"/,
        },
        { it: "passes ALL traffic", type: TYPES.flowLog, props: { trafficType: "ALL" } },
    ],
    "waf-logging-destination": [
        {
            it: "rejects logging without a destination",
            type: TYPES.webAclLogging,
            props: { logDestinationConfigs: [] },
            rejects: /logDestinationConfigs/,
        },
        {
            it: "warns when credentials are not redacted",
            type: TYPES.webAclLogging,
            props: { logDestinationConfigs: ["arn:aws:logs:x"] },
            warns: /authorization and cookie/,
        },
        {
            it: "passes a destination with redacted credentials",
            type: TYPES.webAclLogging,
            props: {
                logDestinationConfigs: ["arn:aws:logs:x"],
                redactedFields: [{ singleHeader: { name: "authorization" } }, { singleHeader: { name: "cookie" } }],
            },
        },
    ],
};

describe("policy pack: keys (KMS) and logging (LOG)", () => {
    for (const [mod, t] of [
        [policies, table],
        [logging, loggingTable],
    ] as const) {
        for (const [name, cases] of Object.entries(t)) {
            describe(name, () => {
                for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(mod, name), c));
                for (const c of cases.filter((x) => !x.rejects))
                    it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                        checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(mod, name), c));
            });
        }
    }
});
