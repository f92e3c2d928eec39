import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags, named } from "../components/tags";
import { keyPolicyDocument } from "./identities";

/**
 * Pulumi's self-managed (DIY) backend keeps everything under this prefix of the bucket: `meta.yaml`,
 * `stacks/`, `locks/`, `history/`, `backups/` (and `journal/` in recent CLIs). Source: pulumi/pulumi
 * pkg/backend/diy (store.go, lock.go, meta.go).
 */
export const STATE_PREFIX = ".pulumi/";

export interface StateBackendArgs {
    /** Globally unique bucket name; the backend URL is s3://<bucketName>. */
    bucketName: string;
    /** Alias names without the `alias/` prefix. */
    stateKeyAlias: string;
    secretsKeyAlias: string;
    accountId: pulumi.Input<string>;
    region: string;
    /** Superseded state versions are expired after this many days (the newest few are always kept). */
    noncurrentVersionDays: number;
    /** Existing central access-log bucket (SSE-S3); undefined = no server access logging (STK-14 is advisory). */
    accessLogsBucket?: string;
    /** Who may touch state: named, in the bucket policy and both key policies (bootstrap/identities.ts). */
    access: StateAccess;
    tags: Tags;
}

export interface StateAccess {
    partition: pulumi.Input<string>;
    /** Write state, use both keys: the pipeline-of-record deployer and break-glass. */
    deployerRoleArn: pulumi.Input<string>;
    breakGlassRoleArn: pulumi.Input<string>;
    /** Read state; decrypts stack secrets only with previewDecryptsSecrets. */
    previewRoleArn: pulumi.Input<string>;
    previewDecryptsSecrets: boolean;
    /** People: read state only (ARN patterns allowed). */
    stateReaderArns: string[];
    /** Role names to attach the state policies to. */
    deployerRoleName: pulumi.Input<string>;
    previewRoleName: pulumi.Input<string>;
}

/** IAM policy statement shape, enough to build and test documents without an invoke. */
export interface Statement {
    Sid: string;
    Effect: "Allow" | "Deny";
    Principal?: unknown;
    Action: string | string[];
    /** Absent in trust policies. */
    Resource?: string | string[];
    NotResource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

const doc = (id: string, statements: Statement[]) =>
    JSON.stringify({ Version: "2012-10-17", Id: id, Statement: statements });

/**
 * The S3 state backend and secrets provider for every other stack in the account: the Pulumi
 * equivalent of Terraform's S3 bucket + KMS key + DynamoDB lock table (no table: locks are objects).
 * Everything here is `protect`ed and `retainOnDelete`: no `pulumi destroy` can remove or weaken state.
 */
export class StateBackend extends pulumi.ComponentResource {
    public readonly bucketName: pulumi.Output<string>;
    public readonly bucketArn: pulumi.Output<string>;
    public readonly stateKeyArn: pulumi.Output<string>;
    public readonly secretsKeyArn: pulumi.Output<string>;
    /** `pulumi login` URL for humans and CI. */
    public readonly backendUrl: string;
    /** `--secrets-provider` value for `pulumi stack init`. */
    public readonly secretsProvider: string;
    public readonly ciDeployPolicyJson: pulumi.Output<string>;
    public readonly ciPreviewPolicyJson: pulumi.Output<string>;
    public readonly ciDeployPolicyArn: pulumi.Output<string>;
    public readonly ciPreviewPolicyArn: pulumi.Output<string>;

    constructor(name: string, args: StateBackendArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:bootstrap:StateBackend", name, {}, opts);
        // retainOnDelete is not inherited from the parent (protect is), so every child states both.
        const keep: pulumi.CustomResourceOptions = { parent: this, protect: true, retainOnDelete: true };
        const s3Service = `s3.${args.region}.amazonaws.com`;
        const a = args.access;
        const principals = pulumi.all([
            args.accountId,
            a.deployerRoleArn,
            a.breakGlassRoleArn,
            a.previewRoleArn,
            a.partition,
        ]);

        const stateKey = new aws.kms.Key(
            `${name}-state-key`,
            {
                description: `Pulumi state bucket ${args.bucketName}: SSE-KMS of state, history and lock objects`,
                enableKeyRotation: true, // KMS-01
                deletionWindowInDays: 30, // KMS-03
                // State objects: written by the deployer and break-glass, read by preview and people.
                policy: principals.apply(([account, deployer, breakGlass, preview, partition]) =>
                    keyPolicyDocument(
                        "pulumi-state-key",
                        {
                            partition,
                            accountId: account,
                            writers: [deployer, breakGlass],
                            readers: [preview],
                            readerPatterns: a.stateReaderArns,
                        },
                        s3Service,
                    ),
                ),
                tags: named(args.tags, args.stateKeyAlias),
            },
            keep,
        );
        const secretsKey = new aws.kms.Key(
            `${name}-secrets-key`,
            {
                description: "Pulumi stack secrets provider (awskms://): wraps each stack's data key",
                enableKeyRotation: true, // KMS-01: rotation keeps old key material, so encryptedkey lines stay valid
                deletionWindowInDays: 30, // KMS-03
                // Stack secrets: the deployer and break-glass (stack init wraps a data key); the preview role
                // only where previewDecryptsSecrets says so (never prod); people never.
                policy: principals.apply(([account, deployer, breakGlass, preview, partition]) =>
                    keyPolicyDocument("pulumi-secrets-key", {
                        partition,
                        accountId: account,
                        writers: [deployer, breakGlass],
                        readers: a.previewDecryptsSecrets ? [preview] : [],
                    }),
                ),
                tags: named(args.tags, args.secretsKeyAlias),
            },
            keep,
        );
        // Deleting an alias breaks every stack whose secretsprovider names it: protected like the keys.
        new aws.kms.Alias(
            `${name}-state-key`,
            { name: `alias/${args.stateKeyAlias}`, targetKeyId: stateKey.keyId },
            keep,
        );
        new aws.kms.Alias(
            `${name}-secrets-key`,
            { name: `alias/${args.secretsKeyAlias}`, targetKeyId: secretsKey.keyId },
            keep,
        );

        const bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            {
                bucket: args.bucketName,
                forceDestroy: false, // a destroy must never empty the bucket, even if unprotected
                tags: named(args.tags, args.bucketName),
            },
            keep,
        );
        // Side-by-side resources take `bucket.bucket` (an output of the bucket), which STK-06 joins on.
        const onBucket = keep;

        new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket: bucket.bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
            onBucket,
        ); // STO-05
        const publicAccess = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access`,
            {
                bucket: bucket.bucket,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            }, // STO-02
            onBucket,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket: bucket.bucket,
                rules: [
                    {
                        // STO-01 + STK-04: a rotating customer key; the bucket key cuts KMS calls (and cost) per object.
                        applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: stateKey.arn },
                        bucketKeyEnabled: true,
                        // SSE-C uploads carry no x-amz-server-side-encryption header, so the policy below cannot catch them.
                        blockedEncryptionTypes: ["SSE-C"],
                    },
                ],
            },
            onBucket,
        );
        new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket: bucket.bucket, versioningConfiguration: { status: "Enabled" } },
            onBucket,
        ); // STO-06
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-lifecycle`,
            {
                bucket: bucket.bucket,
                rules: [
                    {
                        id: "expire-superseded-state",
                        status: "Enabled",
                        filter: {}, // the whole bucket
                        // Every `pulumi up` writes a new version of the stack file; keep the newest 10 however old.
                        noncurrentVersionExpiration: {
                            noncurrentDays: args.noncurrentVersionDays,
                            newerNoncurrentVersions: 10,
                        },
                        expiration: { expiredObjectDeleteMarker: true },
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            onBucket,
        );
        new aws.s3.BucketPolicy(
            `${name}-policy`,
            {
                bucket: bucket.bucket,
                policy: pulumi
                    .all([bucket.arn, stateKey.arn, a.deployerRoleArn, a.breakGlassRoleArn, a.previewRoleArn])
                    .apply(([b, k, deployer, breakGlass, preview]) =>
                        doc(
                            "pulumi-state-bucket-policy",
                            bucketPolicyStatements(b, k, {
                                writers: [deployer, breakGlass],
                                readers: [preview, ...a.stateReaderArns],
                            }),
                        ),
                    ),
            },
            // The block goes first, so a policy never exists on a bucket without one.
            { ...onBucket, dependsOn: [publicAccess] },
        );
        if (args.accessLogsBucket) {
            new aws.s3.BucketLogging(
                `${name}-access-logs`,
                { bucket: bucket.bucket, targetBucket: args.accessLogsBucket, targetPrefix: `s3/${args.bucketName}/` }, // STK-14
                onBucket,
            );
        }

        const statePolicies = pulumi.all([bucket.arn, stateKey.arn, secretsKey.arn]).apply(([b, sk, xk]) => ({
            deploy: doc(
                "pulumi-state-ci-deploy",
                ciPolicyStatements({
                    bucketArn: b,
                    stateKeyArn: sk,
                    secretsKeyArn: xk,
                    s3Service,
                    write: true,
                    decryptSecrets: true,
                }),
            ),
            preview: doc(
                "pulumi-state-ci-preview",
                ciPolicyStatements({
                    bucketArn: b,
                    stateKeyArn: sk,
                    secretsKeyArn: xk,
                    s3Service,
                    write: false,
                    decryptSecrets: a.previewDecryptsSecrets,
                }),
            ),
        }));
        // Managed policies, not inline: the pack checks them (KMS-04) and other accounts' roles can't get them by mistake.
        const deployPolicy = new aws.iam.Policy(
            `${name}-ci-deploy`,
            {
                name: `${args.bucketName}-ci-deploy`,
                description: `pulumi up/refresh/destroy against s3://${args.bucketName}: read-write state, decrypt stack secrets`,
                policy: statePolicies.deploy,
                tags: args.tags,
            },
            keep,
        );
        const previewPolicy = new aws.iam.Policy(
            `${name}-ci-preview`,
            {
                name: `${args.bucketName}-ci-preview`,
                description: `pulumi preview against s3://${args.bucketName}: read-only state (preview takes no lock), decrypt stack secrets`,
                policy: statePolicies.preview,
                tags: args.tags,
            },
            keep,
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-ci-deploy`,
            { role: a.deployerRoleName, policyArn: deployPolicy.arn },
            keep,
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-ci-preview`,
            { role: a.previewRoleName, policyArn: previewPolicy.arn },
            keep,
        );

        this.bucketName = bucket.bucket;
        this.bucketArn = bucket.arn;
        this.stateKeyArn = stateKey.arn;
        this.secretsKeyArn = secretsKey.arn;
        this.backendUrl = `s3://${args.bucketName}?region=${args.region}&awssdk=v2`;
        this.secretsProvider = `awskms://alias/${args.secretsKeyAlias}?region=${args.region}`;
        this.ciDeployPolicyJson = statePolicies.deploy;
        this.ciPreviewPolicyJson = statePolicies.preview;
        this.ciDeployPolicyArn = deployPolicy.arn;
        this.ciPreviewPolicyArn = previewPolicy.arn;
        this.registerOutputs({
            bucketName: this.bucketName,
            stateKeyArn: this.stateKeyArn,
            secretsKeyArn: this.secretsKeyArn,
            ciDeployPolicyArn: this.ciDeployPolicyArn,
            ciPreviewPolicyArn: this.ciPreviewPolicyArn,
        });
    }
}

/**
 * TLS only (STO-03) and no upload that asks for weaker encryption or another key. Uploads that send
 * no encryption header are allowed on purpose: the Pulumi CLI sends none and relies on the bucket
 * default (SSE-KMS with the state key), so a "deny when the header is missing" rule would break
 * `pulumi login`. Each deny therefore pairs the comparison with `Null: false` (header present).
 */
export function bucketPolicyStatements(
    bucketArn: string,
    stateKeyArn: string,
    access?: { writers: string[]; readers: string[] },
): Statement[] {
    const statements: Statement[] = [
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: [bucketArn, `${bucketArn}/*`],
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
            Sid: "DenyNonKmsEncryptionHeader",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${bucketArn}/*`,
            Condition: {
                StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" },
                Null: { "s3:x-amz-server-side-encryption": "false" },
            },
        },
        {
            Sid: "DenyOtherKmsKey",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:PutObject",
            Resource: `${bucketArn}/*`,
            Condition: {
                StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": stateKeyArn },
                Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" },
            },
        },
    ];
    if (!access) return statements;
    // Only the deployer and break-glass change state; only they, the preview role and the named people
    // read it. A Deny with ArnNotLike on aws:PrincipalArn (the role ARN of an assumed-role session)
    // holds whatever IAM policies say elsewhere in the account; an absent key (anonymous) also denies.
    const writers = [...access.writers].sort();
    statements.push(
        {
            Sid: "DenyStateWritesExceptDeployers",
            Effect: "Deny",
            Principal: "*",
            Action: STATE_WRITE_ACTIONS,
            Resource: `${bucketArn}/*`,
            Condition: { ArnNotLike: { "aws:PrincipalArn": writers } },
        },
        {
            Sid: "DenyStateReadsExceptNamed",
            Effect: "Deny",
            Principal: "*",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            Resource: `${bucketArn}/*`,
            Condition: { ArnNotLike: { "aws:PrincipalArn": [...writers, ...[...access.readers].sort()] } },
        },
    );
    return statements;
}

/** Every object-level action that creates, changes or removes state, a lock or history. */
export const STATE_WRITE_ACTIONS = [
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:PutObjectAcl",
    "s3:PutObjectTagging",
    "s3:DeleteObjectTagging",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:RestoreObject",
];

export interface CiPolicyInputs {
    bucketArn: string;
    stateKeyArn: string;
    secretsKeyArn: string;
    /** `s3.<region>.amazonaws.com`: the state key is usable only through S3. */
    s3Service: string;
    /** true: up/refresh/destroy (locks, checkpoints, history); false: preview, which only reads. */
    write: boolean;
    /** Decrypt stack secrets (the secrets key policy must name the role as well). */
    decryptSecrets: boolean;
}

/**
 * Least privilege for the DIY backend (the four S3 actions Pulumi documents), objects limited to
 * `.pulumi/*`, keys named by ARN. `s3:ListBucket` has no `s3:prefix` condition: S3 answers a GET of a
 * missing key with 404 only to callers allowed to list, and the CLI relies on NotFound (meta.yaml,
 * stack files); the bucket holds nothing but state, so listing reveals only stack names.
 * kms:Encrypt on the secrets key is left out on purpose: only `pulumi stack init` and
 * `change-secrets-provider` wrap a new data key, and those are reviewed human operations.
 */
export function ciPolicyStatements(p: CiPolicyInputs): Statement[] {
    const objectActions = p.write ? ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"] : ["s3:GetObject"];
    const stateKeyActions = p.write ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"];
    return [
        { Sid: "ListStateBucket", Effect: "Allow", Action: "s3:ListBucket", Resource: p.bucketArn },
        {
            Sid: p.write ? "ReadWriteStateObjects" : "ReadStateObjects",
            Effect: "Allow",
            Action: objectActions,
            Resource: `${p.bucketArn}/${STATE_PREFIX}*`,
        },
        {
            Sid: "StateKeyThroughS3",
            Effect: "Allow",
            Action: stateKeyActions,
            Resource: p.stateKeyArn,
            Condition: { StringEquals: { "kms:ViaService": p.s3Service } },
        },
        ...(p.decryptSecrets
            ? [
                  {
                      Sid: "DecryptStackSecrets",
                      Effect: "Allow" as const,
                      Action: "kms:Decrypt",
                      Resource: p.secretsKeyArn,
                  },
              ]
            : []),
    ];
}
