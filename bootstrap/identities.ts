import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../components/tags";
import type { Statement } from "./stateBackend";

/**
 * The CI identities, as code: the roles the pipelines assume (names agreed with the workflows, the
 * Jenkinsfile and the stacks' EKS access entries), their trust, and what each may do.
 *   platform-ci-deployer       GitHub `repo:<org>/<repo>:environment:<env>` → pulumi up, drift preview
 *   platform-ci-preview        GitHub `repo:<org>/<repo>:pull_request`      → pulumi preview of PRs
 *   platform-jenkins-deployer  the Jenkins deploy agents' role (only with deployPipeline: jenkins)
 *   platform-jenkins-preview   the Jenkins PR agents' role (only with deployPipeline: jenkins)
 *   platform-break-glass       named people, AdministratorAccess, an alert on every use
 * All four pipeline roles always exist, because the stacks' EKS access entries name all four (an access
 * entry for a missing role fails). Only the pipeline of record's pair is usable: the other pair is
 * DORMANT, assumable by platform-break-glass alone and with no permission attached, so the other
 * pipeline cannot deploy even if someone enables it.
 */
export const ROLE_NAMES = {
    githubDeployer: "platform-ci-deployer",
    githubPreview: "platform-ci-preview",
    jenkinsDeployer: "platform-jenkins-deployer",
    jenkinsPreview: "platform-jenkins-preview",
    breakGlass: "platform-break-glass",
} as const;

/** GitHub's OIDC issuer and the audience aws-actions/configure-aws-credentials requests (its default). */
export const GITHUB_OIDC = {
    host: "token.actions.githubusercontent.com",
    url: "https://token.actions.githubusercontent.com",
    audience: "sts.amazonaws.com",
} as const;

/** The OIDC `sub` claims the roles trust (docs.github.com, "OpenID Connect reference", subject claims). */
export const githubSubjects = {
    deploy: (repo: string, environment: string) => `repo:${repo}:environment:${environment}`,
    pullRequest: (repo: string) => `repo:${repo}:pull_request`,
};

const doc = (id: string, statements: Statement[]) =>
    JSON.stringify({ Version: "2012-10-17", Id: id, Statement: statements });

/** Exact `aud` and `sub` (StringEquals, never StringLike): one environment or pull requests of one repository. */
export function githubTrustStatements(providerArn: string, subject: string): Statement[] {
    return [
        {
            Sid: "GitHubActionsOidc",
            Effect: "Allow",
            Principal: { Federated: providerArn },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
                StringEquals: {
                    [`${GITHUB_OIDC.host}:aud`]: GITHUB_OIDC.audience,
                    [`${GITHUB_OIDC.host}:sub`]: subject,
                },
            },
        },
    ];
}

/** A dormant role: exists for the access entries that name it; only break-glass (already admin) may assume it. */
export function dormantTrustStatements(partition: string, accountId: string, breakGlassRoleArn: string): Statement[] {
    return [
        {
            Sid: "DormantOnlyBreakGlass",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
            Action: "sts:AssumeRole",
            Condition: { ArnEquals: { "aws:PrincipalArn": breakGlassRoleArn } },
        },
    ];
}

/** Named roles of this or another account (Jenkins agents, break-glass operators). */
export function roleTrustStatements(principalArns: string[]): Statement[] {
    return [
        { Sid: "NamedRoles", Effect: "Allow", Principal: { AWS: [...principalArns].sort() }, Action: "sts:AssumeRole" },
    ];
}

export interface ProtectedResources {
    partition: string;
    accountId: string;
    region: string;
    bucketArn: string;
    stateKeyArn: string;
    secretsKeyArn: string;
    keyAliases: string[];
    alertTopicArn: string;
    alertRuleArns: string[];
}

/** Services the platform program declares resources in (components/). */
export const DEPLOY_SERVICES = [
    "acm",
    "application-autoscaling",
    "autoscaling",
    "backup",
    "cloudwatch",
    "ec2",
    "ecr",
    "eks",
    "elasticloadbalancing",
    "events",
    "logs",
    "rds",
    "route53",
    "s3",
    "secretsmanager",
    "sns",
    "ssm",
    "wafv2",
] as const;

/** Key management without the cryptographic operations (those are granted per key below). */
const KMS_MANAGE = [
    "kms:CreateKey",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:EnableKeyRotation",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListKeys",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:ListGrants",
    "kms:RevokeGrant",
];
const KMS_CRYPTO = [
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
];

/**
 * What `pulumi up` of the platform needs, and the walls it must never cross. Allows are per service
 * in this region (IAM and Route 53 are global); the denies keep a deploy, whatever its program says,
 * from touching its own trust (CI and break-glass roles, the GitHub OIDC provider), the state bucket's
 * configuration and keys, the alerting, or from minting long-lived credentials.
 */
/**
 * The deployer runs `pulumi up` of every tier, so it holds service-wide actions in the region (IAM-01, KMS-04 via
 * services only, IAM-04 because s3:* reaches the state bucket; the explicit denies in deployerStatements wall off the
 * state guard, trust anchors and alerts). Recorded exemptions, reviewed with the ticket; the PR preview role has none.
 */
export const DEPLOYER_EXEMPTIONS: Record<string, string> = {
    "policy.exempt/iam-no-wildcard-admin-statements":
        "PLAT-104: the IaC deployer creates every tier (region-scoped service actions, explicit denies on the state guard)",
    "policy.exempt/iam-no-wildcard-kms-decrypt":
        "PLAT-104: the IaC deployer decrypts tier keys only through AWS services (kms:ViaService condition)",
    "policy.exempt/iam-state-backend-policy-scoped":
        "PLAT-104: the IaC deployer is also the state writer; state configuration changes are denied explicitly",
};

export function deployerStatements(p: ProtectedResources): Statement[] {
    const arn = (service: string, resource: string, region = "") =>
        `arn:${p.partition}:${service}:${region}:${p.accountId}:${resource}`;
    const trustAnchors = [
        ...Object.values(ROLE_NAMES).map((n) => arn("iam", `role/${n}`)),
        arn("iam", `oidc-provider/${GITHUB_OIDC.host}`),
    ];
    return [
        {
            Sid: "PlatformServicesInRegion",
            Effect: "Allow",
            Action: DEPLOY_SERVICES.filter((s) => s !== "route53").map((s) => `${s}:*`),
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": p.region } },
        },
        { Sid: "Route53", Effect: "Allow", Action: "route53:*", Resource: "*" },
        {
            Sid: "ManageKeys",
            Effect: "Allow",
            Action: KMS_MANAGE,
            Resource: "*",
            Condition: { StringEquals: { "aws:RequestedRegion": p.region } },
        },
        // Encrypted EBS/RDS/EKS/Logs resources make the caller use the tier keys through the service.
        {
            Sid: "UseTierKeysThroughServices",
            Effect: "Allow",
            Action: KMS_CRYPTO,
            Resource: arn("kms", "key/*", p.region),
            Condition: {
                "ForAnyValue:StringLike": {
                    "kms:ViaService": ["ec2.*", "rds.*", "eks.*", "logs.*", "s3.*", "secretsmanager.*", "backup.*"],
                },
            },
        },
        {
            Sid: "PlatformIam",
            Effect: "Allow",
            Action: "iam:*",
            Resource: [
                arn("iam", "role/*"),
                arn("iam", "policy/*"),
                arn("iam", "instance-profile/*"),
                arn("iam", "oidc-provider/*"),
            ],
        },
        {
            Sid: "ServiceLinkedRolesAndReads",
            Effect: "Allow",
            Action: ["iam:CreateServiceLinkedRole", "iam:Get*", "iam:List*", "sts:GetCallerIdentity"],
            Resource: "*",
        },
        { Sid: "DenyTrustAnchors", Effect: "Deny", Action: "iam:*", Resource: trustAnchors },
        {
            Sid: "DenyLongLivedCredentials",
            Effect: "Deny",
            Action: ["iam:CreateUser", "iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"],
            Resource: "*",
        },
        // Bucket-level configuration (policy, encryption, versioning, lifecycle, deletion); objects are `bucket/*`.
        {
            Sid: "DenyStateBucketConfiguration",
            Effect: "Deny",
            Action: ["s3:Put*", "s3:Delete*"],
            Resource: p.bucketArn,
        },
        {
            Sid: "DenyStateKeyAdministration",
            Effect: "Deny",
            Action: [
                ...KMS_MANAGE.filter(
                    (a) =>
                        ![
                            "kms:CreateKey",
                            "kms:DescribeKey",
                            "kms:ListAliases",
                            "kms:ListKeys",
                            "kms:GetKeyPolicy",
                            "kms:GetKeyRotationStatus",
                            "kms:ListResourceTags",
                            "kms:ListGrants",
                        ].includes(a),
                ),
                "kms:DisableKey",
                "kms:DisableKeyRotation",
            ],
            Resource: [p.stateKeyArn, p.secretsKeyArn, ...p.keyAliases.map((a) => arn("kms", `alias/${a}`, p.region))],
        },
        {
            Sid: "DenyAlertTampering",
            Effect: "Deny",
            Action: ["events:*", "sns:*"],
            Resource: [...p.alertRuleArns, p.alertTopicArn],
        },
        {
            Sid: "DenyTrailTampering",
            Effect: "Deny",
            Action: [
                "cloudtrail:StopLogging",
                "cloudtrail:DeleteTrail",
                "cloudtrail:UpdateTrail",
                "cloudtrail:PutEventSelectors",
            ],
            Resource: "*",
        },
    ];
}

/**
 * The preview roles get AWS's ReadOnlyAccess managed policy plus these walls: no object reads outside
 * the state prefix (no application data), no secret values, and the stack secrets key only where
 * `previewDecryptsSecrets` allows it (the key policy decides too: it names the preview role or not).
 */
export function previewDenyStatements(
    p: Pick<ProtectedResources, "bucketArn" | "secretsKeyArn">,
    decryptsSecrets: boolean,
): Statement[] {
    const statements: Statement[] = [
        {
            Sid: "DenyObjectReadsOutsideState",
            Effect: "Deny",
            Action: ["s3:GetObject", "s3:GetObjectVersion"],
            NotResource: `${p.bucketArn}/.pulumi/*`,
        },
        {
            Sid: "DenySecretValues",
            Effect: "Deny",
            Action: [
                "secretsmanager:GetSecretValue",
                "ssm:GetParameter",
                "ssm:GetParameters",
                "ssm:GetParametersByPath",
            ],
            Resource: "*",
        },
    ];
    if (!decryptsSecrets)
        statements.push({ Sid: "DenyStackSecrets", Effect: "Deny", Action: KMS_CRYPTO, Resource: p.secretsKeyArn });
    return statements;
}

export interface KeyUsers {
    partition: string;
    accountId: string;
    /** Encrypt + decrypt (state writes; the secrets key's stack init needs Encrypt too). */
    writers: string[];
    /** Decrypt only. */
    readers: string[];
    /** ARN patterns for readers that cannot be named exactly (SSO roles); matched on aws:PrincipalArn. */
    readerPatterns?: string[];
}

const KEY_ADMIN = [
    "kms:CreateAlias",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Get*",
    "kms:List*",
    "kms:PutKeyPolicy",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:ScheduleKeyDeletion",
    "kms:CancelKeyDeletion",
    "kms:RevokeGrant",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
];

/**
 * A key policy that NAMES who may use the key. The account root keeps administration (so the key can
 * never become unmanageable) but no cryptographic action and no CreateGrant, so an IAM policy with
 * `kms:Decrypt` on `*` grants nothing here. PutKeyPolicy stays with administrators; every call to it
 * raises the state-guard alert (bootstrap/alerts.ts).
 */
export function namedKeyStatements(id: string, u: KeyUsers, viaService?: string): Statement[] {
    const root = `arn:${u.partition}:iam::${u.accountId}:root`;
    const via = viaService ? { StringEquals: { "kms:ViaService": viaService } } : undefined;
    const statements: Statement[] = [
        {
            Sid: "AccountAdministersWithoutCrypto",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: KEY_ADMIN,
            Resource: "*",
        },
        {
            Sid: "WritersUseKey",
            Effect: "Allow",
            Principal: { AWS: [...u.writers].sort() },
            Action: ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
            Resource: "*",
            ...(via ? { Condition: via } : {}),
        },
    ];
    if (u.readers.length)
        statements.push({
            Sid: "ReadersDecrypt",
            Effect: "Allow",
            Principal: { AWS: [...u.readers].sort() },
            Action: ["kms:Decrypt", "kms:DescribeKey"],
            Resource: "*",
            ...(via ? { Condition: via } : {}),
        });
    if (u.readerPatterns?.length)
        statements.push({
            Sid: "PeopleReadDecrypt",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: ["kms:Decrypt", "kms:DescribeKey"],
            Resource: "*",
            Condition: { ArnLike: { "aws:PrincipalArn": [...u.readerPatterns].sort() }, ...(via ?? {}) },
        });
    if (viaService)
        statements.push({
            Sid: "CryptoOnlyThroughS3",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"],
            Resource: "*",
            Condition: { StringNotEquals: { "kms:ViaService": viaService } },
        });
    void id;
    return statements;
}

export const keyPolicyDocument = (id: string, u: KeyUsers, viaService?: string) =>
    doc(id, namedKeyStatements(id, u, viaService));

export interface CiIdentitiesArgs {
    pipeline: "github" | "jenkins";
    githubRepository?: string;
    githubOidcProviderArn?: string;
    /** The GitHub environment whose jobs may deploy this account (bootstrap `environment`). */
    environment: string;
    previewDecryptsSecrets: boolean;
    jenkinsDeployerTrustedArns?: string[];
    jenkinsPreviewTrustedArns?: string[];
    breakGlassPrincipalArns: string[];
    partition: pulumi.Input<string>;
    accountId: pulumi.Input<string>;
    tags: Tags;
}

/** Roles and OIDC provider. Their permissions are attached by the state backend, which owns the ARNs they name. */
export class CiIdentities extends pulumi.ComponentResource {
    public readonly deployerRoleName: string;
    public readonly previewRoleName: string;
    public readonly deployerRoleArn: pulumi.Output<string>;
    public readonly previewRoleArn: pulumi.Output<string>;
    public readonly breakGlassRoleArn: pulumi.Output<string>;
    public readonly deployerRole: aws.iam.Role;
    public readonly previewRole: aws.iam.Role;
    public readonly breakGlassRole: aws.iam.Role;
    /** The `sub` claims the GitHub roles trust (empty for Jenkins). */
    public readonly trustedSubjects: { deploy?: string; preview?: string };

    constructor(name: string, args: CiIdentitiesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:bootstrap:CiIdentities", name, args, opts);
        // Losing a CI role breaks every pipeline and every access entry naming it: protected like the state.
        const keep: pulumi.CustomResourceOptions = { parent: this, protect: true, retainOnDelete: true };
        this.breakGlassRole = new aws.iam.Role(
            `${name}-break-glass`,
            {
                name: ROLE_NAMES.breakGlass,
                description:
                    "Break glass: state repair, bootstrap changes, incidents. Every AssumeRole raises an alert (docs/security-model.md)",
                assumeRolePolicy: doc("break-glass-trust", roleTrustStatements(args.breakGlassPrincipalArns)),
                maxSessionDuration: 3600,
                // IAM-02 exemption: break glass is full admin by design; its use is alerted (EventBridge → SNS) and time-boxed.
                tags: {
                    ...args.tags,
                    "policy.exempt/iam-no-admin-policy-attached":
                        "PLAT-103: break-glass role, AdministratorAccess by design; every AssumeRole alerts (docs/security-model.md)",
                },
            },
            keep,
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-break-glass-admin`,
            { role: this.breakGlassRole.name, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
            keep,
        );
        const dormant = pulumi
            .all([args.partition, args.accountId, this.breakGlassRole.arn])
            .apply(([partition, account, breakGlass]) =>
                doc("dormant-trust", dormantTrustStatements(partition, account, breakGlass)),
            );

        let github: { deploy: pulumi.Input<string>; preview: pulumi.Input<string> } = {
            deploy: dormant,
            preview: dormant,
        };
        let jenkins: { deploy: pulumi.Input<string>; preview: pulumi.Input<string> } = {
            deploy: dormant,
            preview: dormant,
        };
        if (args.pipeline === "github") {
            const repo = args.githubRepository!;
            const providerArn: pulumi.Input<string> =
                args.githubOidcProviderArn ??
                new aws.iam.OpenIdConnectProvider(
                    `${name}-github-oidc`,
                    {
                        url: GITHUB_OIDC.url,
                        clientIdLists: [GITHUB_OIDC.audience],
                        // No thumbprints: for GitHub, IAM validates the issuer against its own trusted CA library
                        // and ignores configured thumbprints (pulumi-aws iam.OpenIdConnectProvider, thumbprintLists).
                        tags: args.tags,
                    },
                    keep,
                ).arn;
            this.trustedSubjects = {
                deploy: githubSubjects.deploy(repo, args.environment),
                preview: githubSubjects.pullRequest(repo),
            };
            github = {
                deploy: pulumi
                    .output(providerArn)
                    .apply((arn) =>
                        doc("github-deploy-trust", githubTrustStatements(arn, this.trustedSubjects.deploy!)),
                    ),
                preview: pulumi
                    .output(providerArn)
                    .apply((arn) =>
                        doc("github-preview-trust", githubTrustStatements(arn, this.trustedSubjects.preview!)),
                    ),
            };
            this.deployerRoleName = ROLE_NAMES.githubDeployer;
            this.previewRoleName = ROLE_NAMES.githubPreview;
        } else {
            this.trustedSubjects = {};
            jenkins = {
                deploy: doc("jenkins-deploy-trust", roleTrustStatements(args.jenkinsDeployerTrustedArns!)),
                preview: doc("jenkins-preview-trust", roleTrustStatements(args.jenkinsPreviewTrustedArns!)),
            };
            this.deployerRoleName = ROLE_NAMES.jenkinsDeployer;
            this.previewRoleName = ROLE_NAMES.jenkinsPreview;
        }
        const roles: Record<string, aws.iam.Role> = {};
        for (const [key, roleName, trust, what] of [
            [
                "github-deployer",
                ROLE_NAMES.githubDeployer,
                github.deploy,
                "pulumi up from GitHub Actions (environment-scoped OIDC)",
            ],
            [
                "github-preview",
                ROLE_NAMES.githubPreview,
                github.preview,
                "pulumi preview of pull requests from GitHub Actions; read-only",
            ],
            ["jenkins-deployer", ROLE_NAMES.jenkinsDeployer, jenkins.deploy, "pulumi up from Jenkins deploy agents"],
            [
                "jenkins-preview",
                ROLE_NAMES.jenkinsPreview,
                jenkins.preview,
                "pulumi preview of pull requests from Jenkins PR agents; read-only",
            ],
        ] as const) {
            const active = roleName === this.deployerRoleName || roleName === this.previewRoleName;
            roles[roleName] = new aws.iam.Role(
                `${name}-${key}`,
                {
                    name: roleName,
                    description: active ? what : `DORMANT (${args.pipeline} is the pipeline of record): ${what}`,
                    assumeRolePolicy: trust,
                    maxSessionDuration: roleName.endsWith("deployer") ? 7200 : 3600,
                    tags: { ...args.tags, "platform:pipeline-role": active ? "active" : "dormant" },
                },
                keep,
            );
        }
        this.deployerRole = roles[this.deployerRoleName];
        this.previewRole = roles[this.previewRoleName];
        new aws.iam.RolePolicyAttachment(
            `${name}-preview-readonly`,
            { role: this.previewRole.name, policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
            keep,
        );
        this.deployerRoleArn = this.deployerRole.arn;
        this.previewRoleArn = this.previewRole.arn;
        this.breakGlassRoleArn = this.breakGlassRole.arn;
        this.registerOutputs({
            deployerRoleArn: this.deployerRoleArn,
            previewRoleArn: this.previewRoleArn,
            breakGlassRoleArn: this.breakGlassRoleArn,
        });
    }
}

export interface CiPermissionsArgs {
    protectedResources: pulumi.Input<ProtectedResources>;
    deployerRoleName: pulumi.Input<string>;
    previewRoleName: pulumi.Input<string>;
    previewDecryptsSecrets: boolean;
    tags: Tags;
}

/** What the roles may do beyond state access (which the state backend's own policies grant). */
export class CiPermissions extends pulumi.ComponentResource {
    public readonly deployerPolicy: pulumi.Output<string>;
    public readonly previewPolicy: pulumi.Output<string>;

    constructor(name: string, args: CiPermissionsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:bootstrap:CiPermissions", name, args, opts);
        const keep: pulumi.CustomResourceOptions = { parent: this, protect: true, retainOnDelete: true };
        const p = pulumi.output(args.protectedResources);
        this.deployerPolicy = p.apply((r) => doc("platform-ci-deploy", deployerStatements(r)));
        this.previewPolicy = p.apply((r) =>
            doc("platform-ci-preview-walls", previewDenyStatements(r, args.previewDecryptsSecrets)),
        );
        const deploy = new aws.iam.Policy(
            `${name}-deploy`,
            {
                name: "platform-ci-deploy",
                description: "pulumi up of the platform; never its own trust, state guard or alerts",
                policy: this.deployerPolicy,
                tags: { ...args.tags, ...DEPLOYER_EXEMPTIONS },
            },
            keep,
        );
        const preview = new aws.iam.Policy(
            `${name}-preview`,
            {
                name: "platform-ci-preview-walls",
                description: "ReadOnlyAccess minus data, secret values and (maybe) stack secrets",
                policy: this.previewPolicy,
                tags: args.tags,
            },
            keep,
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-deploy`,
            { role: args.deployerRoleName, policyArn: deploy.arn },
            keep,
        );
        new aws.iam.RolePolicyAttachment(
            `${name}-preview`,
            { role: args.previewRoleName, policyArn: preview.arn },
            keep,
        );
        this.registerOutputs({});
    }
}
