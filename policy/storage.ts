import { BucketPolicy, EcrRepository } from "./lib/classes";
import { Policy, Props, resourcePolicy, resourcePolicyOf } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { conditionKeys, isWildcardPrincipal, parsePolicyDocument, Statement } from "./lib/iam";
import { isKmsReference } from "./lib/kms";
import { get, need } from "./lib/read";
import { Reporter } from "./lib/reporter";
import { absent, asArray, asNumber, isTrue, present, quote } from "./lib/values";
import { accountOf, awsPrincipals, grantedActions, grants, isAllow, label as docLabel } from "./lib/documents";
import { SKIP } from "./lib/read";
import { TYPES } from "../lib/contract";

/** Catalogue section 6: S3, EBS, ECR. S3 rows match the un-suffixed and the V2 tokens (aws 7.x keeps both). */

export const BUCKET_TYPES = [TYPES.bucket, TYPES.bucketV2];
export const SSE_TYPES = [TYPES.bucketSse, TYPES.bucketSseV2];
export const ACL_TYPES = [TYPES.bucketAcl, TYPES.bucketAclV2];
export const VERSIONING_TYPES = [TYPES.bucketVersioning, TYPES.bucketVersioningV2];
export const LOGGING_TYPES = [TYPES.bucketLogging, TYPES.bucketLoggingV2];

export interface SseFinding {
    message: string;
    /** SSE-S3 (AES256) is exemptable (ALB access logs cannot use SSE-KMS); everything else is not. */
    sseS3: boolean;
    advisory?: boolean;
}

/** STO-01 findings for a list of SSE rules (shared by the resource row and STK-06). */
export function sseFindings(rules: unknown, externalKmsKeyArns: string[]): SseFinding[] {
    const list = asArray(need(rules, "", "rules"));
    if (list.length === 0) return [{ message: "has no encryption rule", sseS3: false }];
    const out: SseFinding[] = [];
    list.forEach((r: any, i: number) => {
        const alg = get(r, "applyServerSideEncryptionByDefault.sseAlgorithm");
        const key = need(r, "applyServerSideEncryptionByDefault.kmsMasterKeyId", `rules[${i}]`);
        if (alg !== "aws:kms" && alg !== "aws:kms:dsse")
            out.push({
                message: `rules[${i}] uses sseAlgorithm ${JSON.stringify(alg)}; use "aws:kms" with a customer-managed key`,
                sseS3: alg === "AES256",
            });
        else if (!isKmsReference(key, externalKmsKeyArns))
            out.push({
                message: `rules[${i}].applyServerSideEncryptionByDefault.kmsMasterKeyId is ${absent(key) ? "absent (aws/s3 would be used)" : JSON.stringify(key)}; set a customer-managed KMS key`,
                sseS3: false,
            });
        else if (r?.bucketKeyEnabled !== true)
            out.push({
                message: `rules[${i}].bucketKeyEnabled is not true; enable S3 Bucket Keys to cut KMS calls and cost`,
                sseS3: false,
                advisory: true,
            });
    });
    return out;
}

/** "bucket=TICKET-1: reason" entries of config `exemptBuckets`. */
export function configExemption(bucket: unknown, exemptBuckets: string[]): string | undefined {
    const hit = exemptBuckets.find((e) => e.split("=")[0] === bucket);
    return hit?.slice(hit.indexOf("=") + 1);
}

const PAB_FLAGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];
export function publicAccessBlockMissing(p: Props): string[] {
    return PAB_FLAGS.filter((f) => need(p, f) !== true);
}

const covers = (resources: string[], target: string) =>
    resources.some((r) => r === target || r === "*" || (r.endsWith("*") && target.startsWith(r.slice(0, -1))));

/** STO-03: is there a statement denying every non-TLS request to the bucket and its objects? */
export function hasTlsOnlyDeny(statements: Statement[]): boolean {
    return statements.some((s) => {
        if (s.Effect !== "Deny" || !isWildcardPrincipal(s.Principal)) return false;
        const actions = asArray(s.Action);
        if (!actions.includes("s3:*") && !actions.includes("*")) return false;
        const resources = asArray(s.Resource).map(String);
        const bucketArn = resources.find((r) => /^arn:aws[a-z-]*:s3:::[^/]+$/.test(r));
        if (!bucketArn || !covers(resources, `${bucketArn}/object`)) return false;
        const v = get(s, "Condition.Bool")?.["aws:SecureTransport"];
        return v === false || v === "false";
    });
}

const RESTRICTING_KEYS = [
    "aws:principalorgid",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:principalarn",
    "aws:sourcearn",
    "aws:sourceaccount",
];
export function publicAllowStatements(statements: Statement[], restricting = RESTRICTING_KEYS): Statement[] {
    return statements.filter(
        (s) =>
            s.Effect === "Allow" &&
            isWildcardPrincipal(s.Principal) &&
            !conditionKeys(s).some((k) => restricting.includes(k)),
    );
}

function reportPolicyParse(doc: unknown, report: Reporter): Statement[] | undefined {
    const parsed = parsePolicyDocument(need(doc, "", "policy"));
    if ("error" in parsed) {
        report(`The ${parsed.error}; fix the policy document.`);
        return undefined;
    }
    return parsed.statements;
}

/**
 * ELB access-log delivery accounts, one per Region opened before August 2022 (newer Regions deliver as the
 * logdelivery.elasticloadbalancing.amazonaws.com service principal). Source: AWS ELB user guide "Enable access logs
 * for your Application Load Balancer" (attach-bucket-policy), as transcribed in terraform-aws-modules/terraform-aws-s3-bucket main.tf.
 * They may only write objects (s3:PutObject).
 */
export const ELB_LOG_DELIVERY_ACCOUNTS = [
    "127311923021",
    "033677994240",
    "027434742980",
    "797873946194",
    "098369216593",
    "754344448648",
    "718504428378",
    "582318560864",
    "600734575887",
    "383597477331",
    "114774131450",
    "783225319266",
    "589379963580",
    "985666609251",
    "054676820928",
    "156460612806",
    "652711504416",
    "009996457667",
    "635631232127",
    "897822967062",
    "076674570225",
    "507241528517",
    "048591011584",
    "190560391635",
    "638102146993",
    "037604701340",
];

/**
 * Actions that change a bucket's data or controls (S3.6's denied list, widened to writes and deletes): any granted
 * action pattern covering one of them makes the grant a write.
 */
export const S3_WRITE_ACTIONS = [
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
    "s3:RestoreObject",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutBucketAcl",
    "s3:PutEncryptionConfiguration",
    "s3:PutBucketPublicAccessBlock",
    "s3:PutBucketVersioning",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketLogging",
    "s3:PutBucketOwnershipControls",
    "s3:DeleteBucket",
];

/** Condition keys that pin the caller to an organisation / network, so a "*" principal is not "anyone". */
const RESTRICTING = [
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:sourcevpce",
    "aws:sourcevpc",
    "aws:principalarn",
    "aws:sourceaccount",
    "aws:sourcearn",
];

/** Cross-account write grants of a bucket policy: who, which actions, why. */
export function crossAccountWrites(statements: Statement[], accountIds: readonly string[]): string[] {
    const out: string[] = [];
    statements.forEach((s, i) => {
        if (!isAllow(s)) return;
        const writes = S3_WRITE_ACTIONS.filter((a) => grants(s, a));
        if (writes.length === 0) return;
        const restricted = conditionKeys(s).some((k) => RESTRICTING.includes(k));
        for (const p of awsPrincipals(s.Principal)) {
            if (p === "*") {
                if (!restricted) out.push(`${docLabel(s, i)} lets everyone (Principal "*") ${summarise(writes)}`);
                continue;
            }
            const account = accountOf(p);
            if (account && accountIds.includes(account)) continue;
            if (
                account &&
                ELB_LOG_DELIVERY_ACCOUNTS.includes(account) &&
                writes.every((w) => w === "s3:PutObject") &&
                grantedActions(s).every((a) => a.toLowerCase() === "s3:putobject")
            )
                continue;
            out.push(
                `${docLabel(s, i)} lets ${account ? `account ${account}` : quote(p)} ${summarise(writes)}${accountIds.length === 0 ? " (accountIds is not configured, so no account counts as this one)" : ""}`,
            );
        }
        if (s.NotPrincipal !== undefined)
            out.push(`${docLabel(s, i)} allows ${summarise(writes)} to everyone but ${quote(s.NotPrincipal)}`);
    });
    return out;
}
const summarise = (writes: string[]) =>
    writes.length > 3
        ? `${writes.slice(0, 3).join(", ")} and ${writes.length - 3} more write actions`
        : writes.join(", ");

const noCrossAccountWrite = resourcePolicy({
    name: "s3-no-cross-account-write",
    description:
        "STO-13: bucket policies grant writes, deletes and policy/ACL changes only to this stack's accounts (config accountIds) and AWS log delivery (AWS FSBP S3.6, S3.3).",
    controls: ["STO-13"],
    enforcementLevel: "mandatory",
    types: [TYPES.bucketPolicy, ...BUCKET_TYPES],
    configSchema: schemaOf(["accountIds"]),
    validate: ({ props, config, reads }, report) => {
        const doc = reads.read(props, "policy");
        if (doc === SKIP || absent(doc)) return;
        const parsed = parsePolicyDocument(doc);
        if ("error" in parsed) return; // reported by s3-bucket-policy-tls-only
        for (const problem of crossAccountWrites(parsed.statements, config.accountIds))
            report(
                `${problem}: grant writes only to principals of this account (or add an aws:PrincipalOrgID condition).`,
            );
    },
});

/**
 * STO-14: Secrets Manager secrets. A deleted secret is recoverable for `recoveryWindowInDays` (AWS default 30, 7 to 30
 * allowed; 0 deletes at once, Secrets Manager API DeleteSecret ForceDeleteWithoutRecovery); a resource policy never
 * lets everyone read it; an explicit key is a customer key (absent: aws/secretsmanager, advisory: ECR's pull-through
 * cache service-linked role may read only secrets it can decrypt without a key grant).
 */
const secretsHardened = resourcePolicy({
    name: "secretsmanager-secret-hardened",
    description:
        'STO-14: Secrets Manager secrets keep a recovery window (recoveryWindowInDays 7-30, never 0), are encrypted with a customer-managed key when one is named (never alias/aws/*), and no secret policy allows Principal "*" without an aws:PrincipalOrgID / aws:PrincipalAccount condition (Secrets Manager user guide: DeleteSecret recovery window, resource-based policies).',
    controls: ["STO-14"],
    enforcementLevel: "mandatory",
    types: [TYPES.secretsManagerSecret, TYPES.secretsManagerSecretPolicy],
    configSchema: schemaOf(["externalKmsKeyArns"]),
    validate: ({ type, props, config, reads }, report) => {
        if (type === TYPES.secretsManagerSecretPolicy) {
            const doc = reads.read(props, "policy");
            if (doc === SKIP || absent(doc)) return;
            const parsed = parsePolicyDocument(doc);
            if ("error" in parsed) {
                report(`The secret ${parsed.error}; fix the policy document.`);
                return;
            }
            for (const s of publicAllowStatements(parsed.statements, ["aws:principalorgid", "aws:principalaccount"]))
                report(
                    `Statement ${s.Sid ?? "(no Sid)"} allows Principal "*" to the secret: name the role ARNs that read it.`,
                );
            if (reads.read(props, "blockPublicPolicy") === false)
                report("blockPublicPolicy is false: keep it true so a public policy is refused.");
            return;
        }
        const days = asNumber(reads.read(props, "recoveryWindowInDays"));
        if (days === 0)
            report(
                "recoveryWindowInDays is 0: a delete would destroy the secret at once; keep the default 30-day recovery window (at least 7).",
            );
        const key = reads.read(props, "kmsKeyId");
        if (key !== SKIP && !absent(key) && !isKmsReference(key, config.externalKmsKeyArns))
            report(`kmsKeyId is ${JSON.stringify(key)}: use a customer-managed KMS key, or leave it unset.`);
        else if (key !== SKIP && absent(key))
            report.advisory(
                "kmsKeyId is unset (aws/secretsmanager): prefer a customer-managed key where the reading service supports it.",
            );
    },
});

export const policies: Policy[] = [
    secretsHardened,
    resourcePolicy({
        name: "s3-sse-kms-required",
        description:
            "STO-01: S3 default encryption is SSE-KMS with a customer-managed key and Bucket Keys (AWS FSBP S3.17; NIST SC-28). SSE-S3 only with a recorded exemption (ALB access logs).",
        controls: ["STO-01"],
        enforcementLevel: "mandatory",
        types: SSE_TYPES,
        exemptable: true,
        configSchema: schemaOf(["externalKmsKeyArns", "exemptBuckets"]),
        validate: ({ props, config }, report) => {
            const ticket = configExemption(props.bucket, config.exemptBuckets);
            for (const f of sseFindings(props.rules, config.externalKmsKeyArns)) {
                if (f.advisory) report.advisory(`The bucket's encryption ${f.message}.`);
                else if (f.sseS3 && ticket)
                    report.advisory(`The bucket's encryption ${f.message} [exempted by ${ticket}].`);
                // The exemption tag lives on the bucket, which this resource cannot see: s3-bucket-guardrails-complete (STK-06) enforces it.
                else if (f.sseS3)
                    report.advisory(
                        `The bucket's encryption ${f.message}; allowed only when the bucket is tagged policy.exempt/s3-sse-kms-required (enforced by s3-bucket-guardrails-complete).`,
                    );
                else report(`The bucket's encryption ${f.message}.`);
            }
        },
    }),
    resourcePolicy({
        name: "s3-public-access-block",
        description: "STO-02: every S3 public access block sets all four flags (AWS FSBP S3.8, S3.1; CIS-AWS 2.1.4).",
        controls: ["STO-02"],
        enforcementLevel: "mandatory",
        types: [TYPES.bucketPublicAccessBlock, TYPES.accountPublicAccessBlock],
        validate: ({ props }, report) => {
            const missing = publicAccessBlockMissing(props);
            if (missing.length > 0) report(`Set ${missing.join(", ")} to true.`);
        },
    }),
    resourcePolicyOf({
        name: "s3-bucket-policy-tls-only",
        description: "STO-03: bucket policies deny every request not made over TLS (AWS FSBP S3.5; CIS-AWS 2.1.1).",
        controls: ["STO-03"],
        enforcementLevel: "mandatory",
        of: BucketPolicy,
        validate: ({ props }, report) => {
            const statements = reportPolicyParse(props.policy, report);
            if (statements && !hasTlsOnlyDeny(statements)) {
                report(
                    'Add a statement { Effect: "Deny", Principal: "*", Action: "s3:*", Resource: [<bucket ARN>, "<bucket ARN>/*"], Condition: { Bool: { "aws:SecureTransport": "false" } } }.',
                );
            }
        },
    }),
    resourcePolicyOf({
        name: "s3-no-public-policy",
        description:
            "STO-04: bucket policies grant nothing to everyone without a restricting condition (AWS FSBP S3.2, S3.3); other accounts' writes are STO-13 (S3.6).",
        controls: ["STO-04"],
        enforcementLevel: "mandatory",
        of: BucketPolicy,
        validate: ({ props }, report) => {
            const statements = reportPolicyParse(props.policy, report);
            for (const s of publicAllowStatements(statements ?? [])) {
                report(
                    `Statement ${s.Sid ?? "(no Sid)"} allows Principal "*"; name the principals or add a condition on aws:PrincipalOrgID / aws:SourceArn / aws:SourceAccount / aws:SourceVpce.`,
                );
            }
        },
    }),
    resourcePolicy({
        name: "s3-acls-disabled",
        description:
            "STO-05: bucket ACLs are disabled (ObjectOwnership BucketOwnerEnforced) and no ACL grants access (AWS FSBP S3.12, S3.2, S3.3).",
        controls: ["STO-05"],
        enforcementLevel: "mandatory",
        types: [TYPES.bucketOwnershipControls, ...ACL_TYPES],
        validate: ({ type, props }, report) => {
            if (type === TYPES.bucketOwnershipControls) {
                const o = need(props, "rule.objectOwnership");
                if (o !== "BucketOwnerEnforced")
                    report(
                        `rule.objectOwnership is ${JSON.stringify(o)}; use "BucketOwnerEnforced" so ACLs are ignored.`,
                    );
                return;
            }
            const acl = need(props, "acl");
            if (present(acl) && acl !== "private")
                report(`acl is ${JSON.stringify(acl)}; remove the ACL resource (ACLs are disabled) or use "private".`);
            if (asArray(need(props, "accessControlPolicy.grants")).length > 0)
                report("Remove accessControlPolicy.grants; grant access with bucket policies and IAM instead.");
        },
    }),
    resourcePolicy({
        name: "s3-versioning-enabled",
        description:
            "STO-06: bucket versioning is enabled, never suspended (AWS FSBP S3.14); every bucket having it is STK-17.",
        controls: ["STO-06"],
        enforcementLevel: "mandatory",
        types: VERSIONING_TYPES,
        validate: ({ props }, report) => {
            const status = need(props, "versioningConfiguration.status");
            if (status !== "Enabled")
                report(
                    `versioningConfiguration.status is ${JSON.stringify(status)}; set "Enabled" so overwritten or deleted objects can be recovered.`,
                );
        },
    }),
    resourcePolicy({
        name: "ebs-volume-encrypted",
        description:
            "STO-07: EBS volumes and instance block devices are encrypted, volumes with a customer-managed KMS key (AWS FSBP EC2.3).",
        controls: ["STO-07"],
        enforcementLevel: "mandatory",
        types: [TYPES.ebsVolume, TYPES.ec2Instance],
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ type, props, config }, report) => {
            if (type === TYPES.ebsVolume) {
                if (!isTrue(need(props, "encrypted"))) report("Set encrypted to true.");
                const key = need(props, "kmsKeyId");
                if (!isKmsReference(key, config.externalKmsKeyArns))
                    report(
                        `kmsKeyId is ${absent(key) ? "absent (aws/ebs would be used)" : JSON.stringify(key)}; set a customer-managed KMS key.`,
                    );
                return;
            }
            if (!isTrue(need(props, "rootBlockDevice.encrypted")))
                report("Set rootBlockDevice.encrypted to true (with a customer-managed kmsKeyId).");
            asArray(need(props, "ebsBlockDevices")).forEach((d: any, i: number) => {
                if (!isTrue(d?.encrypted)) report(`Set ebsBlockDevices[${i}].encrypted to true.`);
            });
        },
    }),
    resourcePolicy({
        name: "ebs-encryption-by-default",
        description:
            "STO-08: account EBS encryption by default stays on, with a customer-managed default key (AWS FSBP EC2.7; CIS-AWS 2.2.1).",
        controls: ["STO-08"],
        enforcementLevel: "mandatory",
        types: [TYPES.ebsEncryptionByDefault, TYPES.ebsDefaultKmsKey],
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ type, props, config }, report) => {
            if (type === TYPES.ebsEncryptionByDefault) {
                if (need(props, "enabled") === false)
                    report("Do not disable EBS encryption by default (enabled: false).");
                return;
            }
            const key = need(props, "keyArn");
            if (!isKmsReference(key, config.externalKmsKeyArns))
                report(`keyArn is ${JSON.stringify(key)}; point the EBS default key at a customer-managed KMS key.`);
        },
    }),
    resourcePolicy({
        name: "ecr-scan-on-push",
        description:
            "STO-09: images are scanned on push, per repository or by a registry-wide rule (AWS FSBP ECR.1; CIS-EKS 5.1.1).",
        controls: ["STO-09"],
        enforcementLevel: "mandatory",
        types: [TYPES.ecrRepository, TYPES.ecrRegistryScanning],
        validate: ({ type, props }, report) => {
            if (type === TYPES.ecrRegistryScanning) {
                const ok = asArray(need(props, "rules")).some(
                    (r: any) =>
                        ["SCAN_ON_PUSH", "CONTINUOUS_SCAN"].includes(r?.scanFrequency) &&
                        asArray(r?.repositoryFilters).some((f: any) => f?.filter === "*"),
                );
                if (!ok)
                    report(
                        'Add a rule with scanFrequency SCAN_ON_PUSH or CONTINUOUS_SCAN and repositoryFilters [{ filter: "*", filterType: "WILDCARD" }].',
                    );
                return;
            }
            // Stricter than the row: the flag is required even under registry ENHANCED scanning, where it is harmless (README).
            if (need(props, "imageScanningConfiguration.scanOnPush") !== true)
                report("Set imageScanningConfiguration.scanOnPush to true.");
        },
    }),
    resourcePolicyOf({
        name: "ecr-tag-immutability",
        description: "STO-10: ECR image tags are immutable (AWS FSBP ECR.2).",
        controls: ["STO-10"],
        enforcementLevel: "mandatory",
        of: EcrRepository,
        validate: ({ props }, report) => {
            const m = need(props, "imageTagMutability");
            if (m !== "IMMUTABLE")
                report(
                    `imageTagMutability is ${absent(m) ? "absent (MUTABLE)" : JSON.stringify(m)}; set "IMMUTABLE" so a tag always names the same image.`,
                );
        },
    }),
    resourcePolicyOf({
        name: "ecr-encrypted-with-cmk",
        description:
            "STO-11: ECR repositories are encrypted with a customer-managed KMS key (AWS FSBP ECR.5; Config rule ecr-repository-cmk-encryption-enabled).",
        controls: ["STO-11"],
        enforcementLevel: "mandatory",
        of: EcrRepository,
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ props, config }, report) => {
            const list = asArray(need(props, "encryptionConfigurations"));
            if (list.length === 0)
                report(
                    'Set encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: <customer key ARN> }] (the default is AES256).',
                );
            list.forEach((c: any, i: number) => {
                if (c?.encryptionType !== "KMS")
                    report(
                        `encryptionConfigurations[${i}].encryptionType is ${JSON.stringify(c?.encryptionType)}; use "KMS".`,
                    );
                else if (!isKmsReference(c?.kmsKey, config.externalKmsKeyArns))
                    report(
                        `encryptionConfigurations[${i}].kmsKey is ${absent(c?.kmsKey) ? "absent (aws/ecr would be used)" : JSON.stringify(c.kmsKey)}; set a customer-managed KMS key.`,
                    );
            });
        },
    }),
    resourcePolicy({
        name: "ecr-no-public-access",
        description: "STO-12: ECR repositories are never public (exposure; no FSBP id).",
        controls: ["STO-12"],
        enforcementLevel: "mandatory",
        types: [TYPES.ecrRepositoryPolicy, TYPES.ecrPublicRepository],
        validate: ({ type, props }, report) => {
            if (type === TYPES.ecrPublicRepository) {
                report("Public ECR repositories are not allowed; use a private repository.");
                return;
            }
            const statements = reportPolicyParse(props.policy, report);
            for (const s of publicAllowStatements(statements ?? [], ["aws:principalorgid"]))
                report(
                    `Statement ${s.Sid ?? "(no Sid)"} allows Principal "*"; restrict it with aws:PrincipalOrgID or name the accounts.`,
                );
        },
    }),
    noCrossAccountWrite,
];
