import { ResourceValidationPolicy } from "@pulumi/policy";
import { policies as edge } from "../edge";
import { policies as keys } from "../keys";
import { policies as logging } from "../logging";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed } from "./support";
import { TYPES } from "../../lib/contract";

/** FSBP definitions the claiming policies now catch: KMS.1/KMS.2 on every document type, the logs key, WAF.10/12, CloudTrail.1. */

const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const root = {
    Sid: "Root",
    Effect: "Allow",
    Principal: { AWS: "arn:aws:iam::111122223333:root" },
    Action: "kms:*",
    Resource: "*",
};
const logsUse = (condition?: object) => ({
    Sid: "Logs",
    Effect: "Allow",
    Principal: { Service: "logs.eu-west-1.amazonaws.com" },
    Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
    Resource: "*",
    ...(condition ? { Condition: condition } : {}),
});
const visibility = { cloudwatchMetricsEnabled: true, metricName: "m", sampledRequestsEnabled: true };
const trail = {
    isMultiRegionTrail: true,
    enableLogFileValidation: true,
    kmsKeyId: KEY,
    cloudWatchLogsGroupArn: "arn:aws:logs:eu-west-1:111122223333:log-group:trail:*",
    s3BucketName: "trail",
};

const keysTable: Record<string, Case[]> = {
    "iam-no-wildcard-kms-decrypt": [
        {
            it: "rejects kms:Decrypt on every key in a user policy (KMS.2)",
            type: TYPES.iamUserPolicy,
            props: { user: "u", policy: doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: "*" }) },
            rejects: /kms:Decrypt on every key/,
        },
        {
            it: "rejects kms:De* on every key ARN in a group policy",
            type: TYPES.iamGroupPolicy,
            props: {
                group: "g",
                policy: doc({ Effect: "Allow", Action: "kms:De*", Resource: "arn:aws:kms:*:111122223333:key/*" }),
            },
            rejects: /kms:Decrypt/,
        },
        {
            it: "rejects a role's inline policy allowing ReEncryptFrom on every key",
            type: TYPES.iamRole,
            props: {
                assumeRolePolicy: doc(),
                inlinePolicies: [
                    { name: "p", policy: doc({ Effect: "Allow", Action: ["kms:ReEncrypt*"], Resource: ["*"] }) },
                ],
            },
            rejects: /kms:ReEncryptFrom/,
        },
        {
            it: "rejects NotAction on every resource",
            type: TYPES.iamPolicy,
            props: { policy: doc({ Effect: "Allow", NotAction: "s3:*", Resource: "*" }) },
            rejects: /kms:Decrypt/,
        },
        {
            it: "passes decrypt on a named key",
            type: TYPES.iamRolePolicy,
            props: { role: "r", policy: doc({ Effect: "Allow", Action: "kms:Decrypt", Resource: KEY }) },
        },
    ],
    "kms-logs-key-encryption-context": [
        {
            it: "rejects the logs service without the encryption-context condition",
            type: TYPES.kmsKey,
            props: { enableKeyRotation: true, policy: doc(root, logsUse()) },
            rejects: /no ArnLike condition on kms:EncryptionContext:aws:logs:arn/,
        },
        {
            it: "rejects a context open to every account",
            type: TYPES.kmsKeyPolicy,
            props: {
                keyId: "k",
                policy: doc(
                    root,
                    logsUse({ ArnLike: { "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:*:*" } }),
                ),
            },
            rejects: /any account/,
        },
        {
            it: "rejects log groups of another account than accountIds",
            type: TYPES.kmsKey,
            config: { accountIds: ["111122223333"] },
            props: {
                enableKeyRotation: true,
                policy: doc(
                    root,
                    logsUse({
                        ArnLike: {
                            "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:999988887777:log-group:*",
                        },
                    }),
                ),
            },
            rejects: /another account/,
        },
        {
            it: "passes the platform's logs key policy",
            type: TYPES.kmsKey,
            props: {
                enableKeyRotation: true,
                policy: doc(
                    root,
                    logsUse({
                        ArnLike: {
                            "kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:eu-west-1:111122223333:log-group:*",
                        },
                    }),
                ),
            },
        },
        {
            it: "passes keys without a logs statement",
            type: TYPES.kmsKey,
            props: { enableKeyRotation: true, policy: doc(root) },
        },
    ],
};

const edgeTable: Record<string, Case[]> = {
    "waf-web-acl-baseline": [
        {
            it: "rejects a CloudFront web ACL without rules (WAF.10 applies to every scope)",
            type: TYPES.webAcl,
            props: { scope: "CLOUDFRONT", visibilityConfig: visibility, rules: [] },
            rejects: /has no rules/,
        },
        {
            it: "rejects a rule group whose metrics are off (WAF.12)",
            type: TYPES.wafRuleGroup,
            props: {
                scope: "REGIONAL",
                capacity: 10,
                visibilityConfig: { ...visibility, cloudwatchMetricsEnabled: false },
                rules: [],
            },
            rejects: /cloudwatchMetricsEnabled off/,
        },
        {
            it: "rejects a rule of a rule group without metrics",
            type: TYPES.wafRuleGroup,
            props: {
                scope: "REGIONAL",
                capacity: 10,
                visibilityConfig: visibility,
                rules: [{ name: "r", visibilityConfig: { ...visibility, cloudwatchMetricsEnabled: false } }],
            },
            rejects: /rules\[0\] \("r"\)/,
        },
        {
            it: "passes a rule group with metrics",
            type: TYPES.wafRuleGroup,
            props: {
                scope: "REGIONAL",
                capacity: 10,
                visibilityConfig: visibility,
                rules: [{ name: "r", visibilityConfig: visibility }],
            },
        },
    ],
};

const loggingTable: Record<string, Case[]> = {
    "cloudtrail-baseline": [
        {
            it: "rejects write-only management events (CloudTrail.1)",
            type: TYPES.cloudTrail,
            props: { ...trail, eventSelectors: [{ readWriteType: "WriteOnly", includeManagementEvents: true }] },
            rejects: /readWriteType "All"/,
        },
        {
            it: "rejects a trail excluding management events",
            type: TYPES.cloudTrail,
            props: { ...trail, eventSelectors: [{ readWriteType: "All", includeManagementEvents: false }] },
            rejects: /includeManagementEvents/,
        },
        {
            it: "rejects excluded management event sources",
            type: TYPES.cloudTrail,
            props: {
                ...trail,
                eventSelectors: [
                    {
                        readWriteType: "All",
                        includeManagementEvents: true,
                        excludeManagementEventSources: ["kms.amazonaws.com"],
                    },
                ],
            },
            rejects: /excludeManagementEventSources/,
        },
        {
            it: "rejects an empty kmsKeyId",
            type: TYPES.cloudTrail,
            props: { ...trail, kmsKeyId: "" },
            rejects: /kmsKeyId/,
        },
        {
            it: "passes the default selectors (all management events)",
            type: TYPES.cloudTrail,
            props: trail,
        },
        {
            it: "passes explicit All selectors",
            type: TYPES.cloudTrail,
            props: { ...trail, eventSelectors: [{ readWriteType: "All", includeManagementEvents: true }] },
        },
    ],
};

describe("policy pack: FSBP definitions (keys, WAF, CloudTrail)", () => {
    for (const [mod, t] of [
        [keys, keysTable],
        [edge, edgeTable],
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
