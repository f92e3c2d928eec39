import { add, all, drop, get, MutationRow, mutationSuite, one, set } from "../support/mutations";
import { ResourceInput } from "../../tools/lib/analyzer";
import { TYPES } from "../../lib/contract";

/**
 * Insecure pull requests against the IAM, KMS, storage, logging and EKS parts of the program (and of bootstrap/,
 * where the CI trust and the state bucket live), each judged by the real pack as `check` judges the program: every
 * row must be blocked by a mandatory policy, and by the one it names.
 */

const ACCOUNT = "444455556666";
const FOREIGN = "999988887777";

/** Edits the JSON policy document at `path` of `r` in place. */
function editDoc(r: ResourceInput, path: string, edit: (doc: any) => void): void {
    const value = get(r, path);
    const doc = typeof value === "string" ? JSON.parse(value) : structuredClone(value);
    if (!Array.isArray(doc.Statement)) doc.Statement = [doc.Statement];
    edit(doc);
    set(r, path, JSON.stringify(doc));
}
const addStatement = (r: ResourceInput, path: string, s: object) => editDoc(r, path, (d) => d.Statement.push(s));
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

const ROLE_POLICY = (rs: ResourceInput[], name: RegExp) => one(rs, TYPES.iamRolePolicy, name);
const ROLE = (rs: ResourceInput[], name: RegExp) => one(rs, TYPES.iamRole, name);
const KEY = (rs: ResourceInput[], purpose: string) => one(rs, TYPES.kmsKey, new RegExp(`^keys-${purpose}$`));
const CLUSTER = (rs: ResourceInput[]) => one(rs, TYPES.eksCluster);
const ASSOCIATION = (rs: ResourceInput[], who: string) =>
    one(rs, TYPES.awsEksAccessPolicyAssociation, new RegExp(`^cluster-access-${who}-`));

/** A trust statement for an IRSA role with its conditions replaced. */
function irsaTrust(rs: ResourceInput[], condition: (issuer: string) => object | undefined): void {
    editDoc(ROLE(rs, /^app-irsa$/), "assumeRolePolicy", (d) => {
        const s = d.Statement[0];
        const issuer = Object.keys(s.Condition.StringEquals)[0].replace(/:(sub|aud)$/, "");
        const c = condition(issuer);
        if (c) s.Condition = c;
        else delete s.Condition;
    });
}

function githubSub(rs: ResourceInput[], sub: string | undefined): void {
    editDoc(ROLE(rs, /^ci-github-deployer$/), "assumeRolePolicy", (d) => {
        const cond = d.Statement[0].Condition.StringEquals;
        const key = Object.keys(cond).find((k) => k.endsWith(":sub"))!;
        delete cond[key];
        if (sub !== undefined) d.Statement[0].Condition.StringLike = { [key]: sub };
    });
}

const rows: MutationRow[] = [
    // ---------------------------------------------------------------- IAM: identity policies
    {
        name: 'the app role\'s inline policy allows "*" on "*"',
        blockedBy: "iam-no-wildcard-admin-statements",
        apply: (rs) =>
            addStatement(ROLE_POLICY(rs, /^app-irsa$/), "policy", { Effect: "Allow", Action: "*", Resource: "*" }),
    },
    {
        name: "the node role gets everything but iam:* (NotAction)",
        blockedBy: "iam-no-wildcard-admin-statements",
        apply: (rs) =>
            addStatement(ROLE_POLICY(rs, /^cluster-node-pull-through$/), "policy", {
                Effect: "Allow",
                NotAction: "iam:*",
                Resource: "*",
            }),
    },
    {
        name: "the runner role may pass any role (iam:PassRole on *)",
        blockedBy: "iam-no-wildcard-admin-statements",
        apply: (rs) =>
            addStatement(ROLE_POLICY(rs, /^runner-role$/), "policy", {
                Effect: "Allow",
                Action: ["iam:PassRole", "codebuild:StartBuild"],
                Resource: "*",
            }),
    },
    {
        name: "the db-user role may attach policies to any role (iam:AttachRolePolicy on *)",
        blockedBy: "iam-no-wildcard-admin-statements",
        apply: (rs) =>
            addStatement(ROLE_POLICY(rs, /^db-user-role$/), "policy", {
                Effect: "Allow",
                Action: "iam:AttachRolePolicy",
                Resource: "*",
            }),
    },
    {
        name: "the app role may assume any role (sts:AssumeRole on *)",
        blockedBy: "iam-no-wildcard-admin-statements",
        apply: (rs) =>
            addStatement(ROLE_POLICY(rs, /^app-irsa$/), "policy", {
                Effect: "Allow",
                Action: "sts:AssumeRole",
                Resource: "*",
            }),
    },
    {
        name: "an admin policy inlined on the db-user role (inlinePolicies)",
        blockedBy: "iam-no-wildcard-admin-statements",
        apply: (rs) =>
            set(ROLE(rs, /^database-monitoring$/), "inlinePolicies", [
                { name: "debug", policy: doc({ Effect: "Allow", Action: "*:*", Resource: "*" }) },
            ]),
    },
    {
        name: "AdministratorAccess attached to the node role",
        blockedBy: "iam-no-admin-policy-attached",
        apply: (rs) => {
            const like = one(rs, TYPES.iamRolePolicyAttachment, /^cluster-node-AmazonSSM/);
            add(rs, like, {
                type: TYPES.iamRolePolicyAttachment,
                name: "cluster-node-admin",
                props: { role: "cluster-node", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
            });
        },
    },
    {
        name: "AmazonS3FullAccess attached to the app role",
        blockedBy: "iam-no-admin-policy-attached",
        apply: (rs) =>
            add(rs, ROLE(rs, /^app-irsa$/), {
                type: TYPES.iamRolePolicyAttachment,
                name: "app-irsa-s3",
                props: { role: "app-irsa", policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" },
            }),
    },
    {
        name: "SecretsManagerReadWrite attached to the runner role",
        blockedBy: "iam-no-admin-policy-attached",
        apply: (rs) =>
            add(rs, ROLE(rs, /^runner-role$/), {
                type: TYPES.iamRolePolicyAttachment,
                name: "runner-secrets",
                props: { role: "runner-role", policyArn: "arn:aws:iam::aws:policy/SecretsManagerReadWrite" },
            }),
    },
    {
        name: "a customer policy granting *:* attached to the runner role",
        blockedBy: "iam-no-admin-policy-attached",
        apply: (rs) => {
            const like = ROLE(rs, /^runner-role$/);
            const policy = add(rs, like, {
                type: TYPES.iamPolicy,
                name: "runner-debug",
                props: { policy: doc({ Effect: "Allow", Action: "*:*", Resource: "*" }) },
            });
            const att = add(rs, like, {
                type: TYPES.iamRolePolicyAttachment,
                name: "runner-debug",
                props: { role: "runner-role", policyArn: `arn:aws:iam::${ACCOUNT}:policy/runner-debug` },
            });
            att.propertyDependencies = { policyArn: [policy.urn!] };
            att.dependencies = [policy.urn!];
        },
    },
    {
        name: "the app role decrypts with every key (kms:Decrypt on *)",
        blockedBy: "iam-no-wildcard-kms-decrypt",
        apply: (rs) =>
            editDoc(ROLE_POLICY(rs, /^app-irsa$/), "policy", (d) => {
                d.Statement[0].Resource = "*";
            }),
    },
    {
        name: "an IAM user with a long-lived access key for a script",
        blockedBy: "iam-no-long-lived-credentials",
        apply: (rs) => {
            const like = ROLE(rs, /^runner-role$/);
            add(rs, like, { type: TYPES.iamUser, name: "deploy-bot", props: { name: "deploy-bot" } });
            add(rs, like, { type: TYPES.iamAccessKey, name: "deploy-bot", props: { user: "deploy-bot" } });
        },
    },
    {
        name: "a console password for an IAM user",
        blockedBy: "iam-no-long-lived-credentials",
        apply: (rs) =>
            add(rs, ROLE(rs, /^runner-role$/), {
                type: TYPES.iamUserLoginProfile,
                name: "ops",
                props: { user: "ops", passwordResetRequired: true },
            }),
    },
    // ---------------------------------------------------------------- IAM: trust
    {
        name: "the app's IRSA trust drops its conditions (any service account of any cluster)",
        blockedBy: "iam-oidc-trust-scoped",
        apply: (rs) => irsaTrust(rs, () => undefined),
    },
    {
        name: "the runner role trusts every AWS principal",
        blockedBy: "iam-role-trust-scoped",
        apply: (rs) =>
            set(
                ROLE(rs, /^runner-role$/),
                "assumeRolePolicy",
                doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }),
            ),
    },
    {
        name: "the db-user role trusts a vendor account without an ExternalId",
        blockedBy: "iam-role-trust-scoped",
        apply: (rs) =>
            addStatement(ROLE(rs, /^db-user-role$/), "assumeRolePolicy", {
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${FOREIGN}:root` },
                Action: "sts:AssumeRole",
            }),
    },
    {
        name: "the GitHub deploy role trusts any workflow (sub condition removed)",
        blockedBy: "iam-oidc-trust-scoped",
        project: "bootstrap",
        apply: (rs) => githubSub(rs, undefined),
    },
    {
        name: "the GitHub deploy role trusts every repository of the org",
        blockedBy: "iam-oidc-trust-scoped",
        project: "bootstrap",
        apply: (rs) => githubSub(rs, "repo:acme/*"),
    },
    {
        name: "the GitHub deploy role trusts every branch and pull request of the repository",
        blockedBy: "iam-oidc-trust-scoped",
        project: "bootstrap",
        apply: (rs) => githubSub(rs, "repo:acme/aws-platform:*"),
    },
    {
        name: "a dormant pipeline role trusts the whole account (break-glass condition removed)",
        blockedBy: "iam-role-trust-scoped",
        project: "bootstrap",
        apply: (rs) =>
            editDoc(ROLE(rs, /^ci-jenkins-deployer$/), "assumeRolePolicy", (d) => {
                delete d.Statement[0].Condition;
            }),
    },
    {
        name: "the preview role gets AdministratorAccess instead of ReadOnlyAccess",
        blockedBy: "iam-no-admin-policy-attached",
        project: "bootstrap",
        apply: (rs) =>
            set(
                one(rs, TYPES.iamRolePolicyAttachment, /^ci-preview-readonly$/),
                "policyArn",
                "arn:aws:iam::aws:policy/AdministratorAccess",
            ),
    },
    {
        name: "the CI deploy state policy may change the state bucket's configuration (s3:*)",
        blockedBy: "iam-state-backend-policy-scoped",
        project: "bootstrap",
        apply: (rs) =>
            editDoc(one(rs, TYPES.iamPolicy, /^state-ci-deploy$/), "policy", (d) => {
                d.Statement[1].Action = "s3:*";
            }),
    },
    {
        name: "the state bucket's versioning is suspended",
        blockedBy: "state-bucket-protected",
        project: "bootstrap",
        apply: (rs) =>
            set(one(rs, TYPES.bucketVersioning, /^state-versioning$/), "versioningConfiguration.status", "Suspended"),
    },
    // ---------------------------------------------------------------- KMS
    {
        name: "the EKS key stops rotating",
        blockedBy: "kms-key-rotation-enabled",
        apply: (rs) => set(KEY(rs, "eks"), "enableKeyRotation", false),
    },
    {
        name: "the data key's deletion window is cut to 7 days",
        blockedBy: "kms-deletion-window",
        apply: (rs) => set(KEY(rs, "data"), "deletionWindowInDays", 7),
    },
    // ---------------------------------------------------------------- S3
    {
        name: "the app bucket's public access block allows public policies",
        blockedBy: "s3-public-access-block",
        apply: (rs) => set(one(rs, TYPES.bucketPublicAccessBlock, /^app-objects$/), "blockPublicPolicy", false),
    },
    {
        name: "the app bucket policy loses its TLS-only statement",
        blockedBy: "s3-bucket-policy-tls-only",
        apply: (rs) =>
            editDoc(one(rs, TYPES.bucketPolicy, /^app-objects$/), "policy", (d) => {
                d.Statement = d.Statement.filter((s: any) => s.Sid !== "DenyInsecureTransport");
            }),
    },
    {
        name: "the app bucket is encrypted with SSE-S3 instead of the data key",
        blockedBy: "s3-bucket-guardrails-complete",
        apply: (rs) =>
            set(one(rs, TYPES.bucketSse, /^app-objects$/), "rules", [
                { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
            ]),
    },
    {
        name: "the app bucket re-enables ACLs (ObjectWriter) and grants public-read",
        blockedBy: "s3-acls-disabled",
        apply: (rs) => {
            const ownership = one(rs, TYPES.bucketOwnershipControls, /^app-objects$/);
            set(ownership, "rule.objectOwnership", "ObjectWriter");
            add(rs, ownership, {
                type: TYPES.bucketAclV2,
                name: "app-objects-acl",
                props: { bucket: "shop-api-objects", acl: "public-read" },
            });
        },
    },
    // ---------------------------------------------------------------- ECR, Secrets Manager
    {
        name: "the app repository stops scanning on push and drops its CMK",
        blockedBy: "ecr-scan-on-push",
        apply: (rs) => {
            set(one(rs, TYPES.ecrRepository), "imageScanningConfiguration.scanOnPush", false);
            set(one(rs, TYPES.ecrRepository), "encryptionConfigurations", [{ encryptionType: "AES256" }]);
        },
    },
    {
        name: "the ghcr credentials secret is deleted without a recovery window",
        blockedBy: "secretsmanager-secret-hardened",
        apply: (rs) => set(one(rs, TYPES.secretsManagerSecret), "recoveryWindowInDays", 0),
    },
    {
        name: "a secret policy lets every principal read the ghcr credentials",
        blockedBy: "secretsmanager-secret-hardened",
        apply: (rs) =>
            add(rs, one(rs, TYPES.secretsManagerSecret), {
                type: TYPES.secretsManagerSecretPolicy,
                name: "ghcr-credentials-policy",
                props: {
                    secretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:ecr-pullthroughcache/x`,
                    policy: doc({
                        Effect: "Allow",
                        Principal: "*",
                        Action: "secretsmanager:GetSecretValue",
                        Resource: "*",
                    }),
                },
            }),
    },
    // ---------------------------------------------------------------- CloudWatch Logs, CodeBuild
    {
        name: "the flow-log group keeps logs for a week only",
        blockedBy: "log-group-encrypted-and-retained",
        apply: (rs) => set(one(rs, TYPES.logGroup, /^network-flow-logs$/), "retentionInDays", 7),
    },
    {
        name: "the pre-created EKS control-plane log group is removed (EKS creates it unencrypted, never expiring)",
        blockedBy: "service-log-groups-declared",
        apply: (rs) => drop(rs, TYPES.logGroup, /^cluster-control-plane$/),
    },
    {
        name: "the runner's log group is removed (CodeBuild creates /aws/codebuild/<project> itself)",
        blockedBy: "service-log-groups-declared",
        apply: (rs) => drop(rs, TYPES.logGroup, /^runner-logs$/),
    },
    {
        name: "the runner builds run privileged (Docker daemon, host kernel access)",
        blockedBy: "codebuild-project-hardened",
        apply: (rs) => set(one(rs, TYPES.codebuildProject, /^runner-project$/), "environment.privilegedMode", true),
    },
    {
        name: "the db-user job gets the master password as a plaintext environment variable",
        blockedBy: "codebuild-project-hardened",
        apply: (rs) =>
            set(one(rs, TYPES.codebuildProject, /^db-user-project$/), "environment.environmentVariables", [
                { name: "PGPASSWORD", value: "s3cr3t-Passw0rd", type: "PLAINTEXT" },
            ]),
    },
    {
        name: "the runner's build logs are turned off",
        blockedBy: "codebuild-project-hardened",
        apply: (rs) =>
            set(one(rs, TYPES.codebuildProject, /^runner-project$/), "logsConfig.cloudwatchLogs.status", "DISABLED"),
    },
    // ---------------------------------------------------------------- EKS control plane
    {
        name: "the EKS endpoint is made public to the world",
        blockedBy: "eks-endpoint-private",
        apply: (rs) => {
            set(CLUSTER(rs), "endpointPublicAccess", true);
            set(CLUSTER(rs), "publicAccessCidrs", ["0.0.0.0/0"]);
        },
    },
    {
        name: "Secrets envelope encryption is removed",
        blockedBy: "eks-secrets-encrypted-with-cmk",
        apply: (rs) => set(CLUSTER(rs), "encryptionConfigKeyArn", undefined),
    },
    {
        name: "the audit and authenticator logs are dropped",
        blockedBy: "eks-control-plane-logging",
        apply: (rs) => set(CLUSTER(rs), "enabledClusterLogTypes", ["api"]),
    },
    {
        name: "the cluster goes back to the aws-auth ConfigMap",
        blockedBy: "eks-no-cluster-admin-access-policy",
        apply: (rs) => set(CLUSTER(rs), "authenticationMode", "CONFIG_MAP"),
    },
    {
        name: "a developer role is mapped to system:masters",
        blockedBy: "eks-no-system-masters-mapping",
        apply: (rs) =>
            set(CLUSTER(rs), "roleMappings", [
                {
                    roleArn: `arn:aws:iam::${ACCOUNT}:role/payments-developer`,
                    username: "dev",
                    groups: ["system:masters"],
                },
            ]),
    },
    {
        name: "a raw EKS cluster keeps the creator's implicit cluster admin",
        blockedBy: "eks-no-cluster-admin-access-policy",
        apply: (rs) => {
            const component = CLUSTER(rs);
            const raw = add(rs, component, {
                type: TYPES.awsEksCluster,
                name: "cluster-raw",
                props: {
                    name: get(component, "name"),
                    version: get(component, "version"),
                    enabledClusterLogTypes: get(component, "enabledClusterLogTypes"),
                    deletionProtection: true,
                    roleArn: `arn:aws:iam::${ACCOUNT}:role/eks`,
                    vpcConfig: {
                        subnetIds: get(component, "privateSubnetIds"),
                        endpointPrivateAccess: true,
                        endpointPublicAccess: false,
                    },
                    encryptionConfig: {
                        resources: ["secrets"],
                        provider: { keyArn: get(component, "encryptionConfigKeyArn") },
                    },
                    accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
                },
            });
            // The same subnets and key as the component, by graph edge, so only the creator's admin is new.
            raw.propertyDependencies = {
                vpcConfig: component.propertyDependencies!.privateSubnetIds,
                encryptionConfig: component.propertyDependencies!.encryptionConfigKeyArn,
            };
        },
    },
    // ---------------------------------------------------------------- EKS access
    {
        name: "a developer role gets AmazonEKSClusterAdminPolicy",
        blockedBy: "eks-no-cluster-admin-access-policy",
        apply: (rs) =>
            set(
                ASSOCIATION(rs, "developer-readonly"),
                "policyArn",
                "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
            ),
    },
    {
        name: "the read-only role gets AmazonEKSAdminViewPolicy cluster-wide (every Secret)",
        blockedBy: "eks-no-cluster-admin-access-policy",
        apply: (rs) =>
            set(
                ASSOCIATION(rs, "developer-readonly"),
                "policyArn",
                "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
            ),
    },
    {
        name: "a team developer role gets AmazonEKSEditPolicy on the whole cluster",
        blockedBy: "eks-no-cluster-admin-access-policy",
        apply: (rs) =>
            add(rs, ASSOCIATION(rs, "developer-readonly"), {
                type: TYPES.awsEksAccessPolicyAssociation,
                name: "cluster-access-payments-developer-edit",
                props: {
                    clusterName: "aws-platform-prod",
                    principalArn: `arn:aws:iam::${ACCOUNT}:role/payments-developer`,
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                    accessScope: { type: "cluster" },
                },
            }),
    },
    // ---------------------------------------------------------------- EKS nodes and add-ons
    {
        name: "the launch template allows IMDSv1",
        blockedBy: "ec2-imdsv2-required",
        apply: (rs) => set(one(rs, TYPES.launchTemplate), "metadataOptions.httpTokens", "optional"),
    },
    {
        name: "the node group drops its launch template (EKS metadata defaults)",
        blockedBy: "eks-nodegroup-imds-hop-limit",
        apply: (rs) => set(one(rs, TYPES.awsEksNodeGroup), "launchTemplate", undefined),
    },
    {
        name: "the node group moves to the public subnets",
        blockedBy: "eks-private-subnets-only",
        apply: (rs) => {
            const ng = one(rs, TYPES.awsEksNodeGroup);
            const publics = all(rs, TYPES.subnet, /public/);
            set(
                ng,
                "subnetIds",
                publics.map((s) => s.urn),
            );
            ng.propertyDependencies = { ...ng.propertyDependencies, subnetIds: publics.map((s) => s.urn!) };
        },
    },
];

mutationSuite("mutations: IAM, keys, storage, logging and the cluster", rows);
