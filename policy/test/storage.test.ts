import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN } from "../lib/unknowns";
import { policies } from "../storage";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed } from "./support";
import { TYPES } from "../../lib/contract";

const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const BUCKET = "arn:aws:s3:::app-data";
const kmsRule = (extra: object = {}) => ({
    rules: [
        {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: KEY },
            bucketKeyEnabled: true,
            ...extra,
        },
    ],
});
const tlsDeny = {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [BUCKET, `${BUCKET}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const goodRepo = {
    imageTagMutability: "IMMUTABLE",
    imageScanningConfiguration: { scanOnPush: true },
    encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: KEY }],
};

const table: Record<string, Case[]> = {
    "s3-sse-kms-required": [
        {
            it: "rejects SSE-KMS with the AWS-managed key",
            type: TYPES.bucketSse,
            props: { bucket: "b", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms" } }] },
            rejects: /kmsMasterKeyId is absent/,
        },
        {
            it: "rejects a configuration with no rule",
            type: TYPES.bucketSseV2,
            props: { bucket: "b", rules: [] },
            rejects: /has no encryption rule/,
        },
        {
            it: "downgrades SSE-S3 to advisory and defers to the bucket exemption",
            type: TYPES.bucketSse,
            props: { bucket: "b", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            warns: /tagged policy\.exempt\/s3-sse-kms-required/,
        },
        {
            it: "records a config exemption's ticket",
            type: TYPES.bucketSse,
            props: { bucket: "alb-logs", rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }] },
            config: { exemptBuckets: ["alb-logs=SEC-42: ALB access logs require SSE-S3"] },
            warns: /exempted by SEC-42/,
        },
        {
            it: "warns when Bucket Keys are off",
            type: TYPES.bucketSse,
            props: { bucket: "b", ...kmsRule({ bucketKeyEnabled: false }) },
            warns: /bucketKeyEnabled/,
        },
        {
            it: "passes SSE-KMS with a customer key and Bucket Keys",
            type: TYPES.bucketSseV2,
            props: { bucket: "b", ...kmsRule() },
        },
        {
            it: "does not fail while the key ARN is unknown",
            type: TYPES.bucketSse,
            props: {
                bucket: "b",
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: UNKNOWN } }],
            },
        },
    ],
    "s3-public-access-block": [
        {
            it: "rejects a block that leaves restrictPublicBuckets off",
            type: TYPES.bucketPublicAccessBlock,
            props: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true },
            rejects: /Set restrictPublicBuckets to true/,
        },
        {
            it: "passes all four flags on the account block",
            type: TYPES.accountPublicAccessBlock,
            props: {
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
        },
    ],
    "s3-bucket-policy-tls-only": [
        {
            it: "rejects a policy without the TLS-only deny",
            type: TYPES.bucketPolicy,
            props: {
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::111122223333:root" },
                    Action: "s3:GetObject",
                    Resource: `${BUCKET}/*`,
                }),
            },
            rejects: /aws:SecureTransport/,
        },
        {
            it: "rejects a deny that only covers the objects",
            type: TYPES.bucketPolicy,
            props: { policy: doc({ ...tlsDeny, Resource: `${BUCKET}/*` }) },
            rejects: /Add a statement/,
        },
        {
            it: "reports an unparsable policy instead of crashing",
            type: TYPES.bucketPolicy,
            props: { policy: "{not json" },
            rejects: /not valid JSON/,
        },
        {
            it: "passes the TLS-only deny (boolean false accepted)",
            type: TYPES.bucketPolicy,
            props: { policy: doc({ ...tlsDeny, Condition: { Bool: { "aws:SecureTransport": false } } }) },
        },
    ],
    "s3-no-public-policy": [
        {
            it: "rejects an unconditioned public read",
            type: TYPES.bucketPolicy,
            props: {
                policy: doc(tlsDeny, {
                    Sid: "Public",
                    Effect: "Allow",
                    Principal: "*",
                    Action: "s3:GetObject",
                    Resource: `${BUCKET}/*`,
                }),
            },
            rejects: /Statement Public allows Principal "\*"/,
        },
        {
            it: "passes a service grant scoped by aws:SourceArn",
            type: TYPES.bucketPolicy,
            props: {
                policy: doc(tlsDeny, {
                    Effect: "Allow",
                    Principal: { AWS: "*" },
                    Action: "s3:PutObject",
                    Resource: `${BUCKET}/*`,
                    Condition: { ArnLike: { "aws:SourceArn": "arn:aws:logs:*" } },
                }),
            },
        },
    ],
    "s3-acls-disabled": [
        {
            it: "rejects ObjectWriter ownership",
            type: TYPES.bucketOwnershipControls,
            props: { rule: { objectOwnership: "ObjectWriter" } },
            rejects: /BucketOwnerEnforced/,
        },
        {
            it: "rejects a public-read ACL",
            type: TYPES.bucketAclV2,
            props: { acl: "public-read" },
            rejects: /"public-read"/,
        },
        {
            it: "passes BucketOwnerEnforced",
            type: TYPES.bucketOwnershipControls,
            props: { rule: { objectOwnership: "BucketOwnerEnforced" } },
        },
    ],
    "s3-versioning-enabled": [
        {
            it: "flags suspended versioning",
            type: TYPES.bucketVersioning,
            props: { versioningConfiguration: { status: "Suspended" } },
            rejects: /"Suspended"/,
        },
        {
            it: "passes enabled versioning",
            type: TYPES.bucketVersioningV2,
            props: { versioningConfiguration: { status: "Enabled" } },
        },
    ],
    "ebs-volume-encrypted": [
        {
            it: "rejects an unencrypted volume",
            type: TYPES.ebsVolume,
            props: { size: 10 },
            rejects: /Set encrypted to true/,
        },
        {
            it: "rejects an instance with an unencrypted data disk",
            type: TYPES.ec2Instance,
            props: { rootBlockDevice: { encrypted: true }, ebsBlockDevices: [{ deviceName: "/dev/sdf" }] },
            rejects: /ebsBlockDevices\[0\]\.encrypted/,
        },
        {
            it: "passes a volume encrypted with a customer key",
            type: TYPES.ebsVolume,
            props: { encrypted: true, kmsKeyId: KEY },
        },
    ],
    "ebs-encryption-by-default": [
        {
            it: "rejects turning encryption by default off",
            type: TYPES.ebsEncryptionByDefault,
            props: { enabled: false },
            rejects: /Do not disable/,
        },
        {
            it: "rejects an AWS-managed default key",
            type: TYPES.ebsDefaultKmsKey,
            props: { keyArn: "alias/aws/ebs" },
            rejects: /customer-managed/,
        },
        { it: "passes a customer default key", type: TYPES.ebsDefaultKmsKey, props: { keyArn: KEY } },
    ],
    "ecr-scan-on-push": [
        {
            it: "rejects a repository without scan on push",
            type: TYPES.ecrRepository,
            props: { ...goodRepo, imageScanningConfiguration: { scanOnPush: false } },
            rejects: /scanOnPush to true/,
        },
        {
            it: "rejects a registry rule that does not cover every repository",
            type: TYPES.ecrRegistryScanning,
            props: {
                scanType: "ENHANCED",
                rules: [
                    {
                        scanFrequency: "SCAN_ON_PUSH",
                        repositoryFilters: [{ filter: "prod-*", filterType: "WILDCARD" }],
                    },
                ],
            },
            rejects: /filter: "\*"/,
        },
        { it: "passes scan on push", type: TYPES.ecrRepository, props: goodRepo },
    ],
    "ecr-tag-immutability": [
        {
            it: "rejects mutable tags (the default)",
            type: TYPES.ecrRepository,
            props: { ...goodRepo, imageTagMutability: undefined },
            rejects: /absent \(MUTABLE\)/,
        },
        { it: "passes immutable tags", type: TYPES.ecrRepository, props: goodRepo },
    ],
    "ecr-encrypted-with-cmk": [
        {
            it: "rejects the default AES256 encryption",
            type: TYPES.ecrRepository,
            props: { ...goodRepo, encryptionConfigurations: undefined },
            rejects: /the default is AES256/,
        },
        {
            it: "rejects KMS without a customer key",
            type: TYPES.ecrRepository,
            props: { ...goodRepo, encryptionConfigurations: [{ encryptionType: "KMS" }] },
            rejects: /aws\/ecr/,
        },
        { it: "passes a customer key", type: TYPES.ecrRepository, props: goodRepo },
    ],
    "ecr-no-public-access": [
        {
            it: "rejects any public ECR repository",
            type: TYPES.ecrPublicRepository,
            props: { repositoryName: "x" },
            rejects: /Public ECR repositories/,
        },
        {
            it: "rejects a repository policy open to everyone",
            type: TYPES.ecrRepositoryPolicy,
            props: { policy: doc({ Sid: "All", Effect: "Allow", Principal: "*", Action: "ecr:BatchGetImage" }) },
            rejects: /aws:PrincipalOrgID/,
        },
        {
            it: "passes a policy scoped to the organisation",
            type: TYPES.ecrRepositoryPolicy,
            props: {
                policy: doc({
                    Effect: "Allow",
                    Principal: "*",
                    Action: "ecr:BatchGetImage",
                    Condition: { StringEquals: { "aws:PrincipalOrgID": "o-123" } },
                }),
            },
        },
    ],
};

describe("policy pack: storage (STO)", () => {
    for (const [name, cases] of Object.entries(table)) {
        describe(name, () => {
            for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(policies, name), c));
            for (const c of cases.filter((x) => !x.rejects))
                it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                    checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(policies, name), c));
        });
    }
});
