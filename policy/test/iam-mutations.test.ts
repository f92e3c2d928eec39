import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies as clusterPolicies } from "../cluster";
import { policies as iamPolicies } from "../iam";
import { policies as loggingPolicies } from "../logging";
import { policies as storagePolicies } from "../storage";
import {
    assertRejected,
    Case,
    checkCase,
    checkUnknownsNeverBlock,
    policyNamed,
    runStackPolicy,
    StackFixture,
} from "./support";
import { TYPES } from "../../lib/contract";

/**
 * The controls the mutation tests (test/mutations/iam-storage-cluster.test.ts) found missing or partial: each new
 * or widened policy rejects the insecure shape, passes the platform's own, and never blocks on a preview unknown.
 */

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const ACCOUNT = "111122223333";
const FOREIGN = "999988887777";
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const allow = (Action: string | string[], Resource: string | string[] = "*") => ({ Effect: "Allow", Action, Resource });
const assume = (Principal: unknown, Condition?: object) =>
    doc({ Effect: "Allow", Principal, Action: "sts:AssumeRole", ...(Condition ? { Condition } : {}) });

const GITHUB = "token.actions.githubusercontent.com";
/** As a reference to an aws.iam.OpenIdConnectProvider may render it: not the `:oidc-provider/` form. */
const GITHUB_PROVIDER = `arn:aws:iam::${ACCOUNT}:openIdConnectProvider/ci-github-oidc-id`;
const github = (operator: string, sub?: string) => {
    const Condition: Record<string, Record<string, string>> = {
        StringEquals: { [`${GITHUB}:aud`]: "sts.amazonaws.com" },
    };
    if (sub !== undefined) Condition[operator] = { ...Condition[operator], [`${GITHUB}:sub`]: sub };
    return doc({
        Effect: "Allow",
        Principal: { Federated: GITHUB_PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition,
    });
};

const RUNNER = {
    name: "platform-prod-runner",
    environment: {
        type: "LINUX_CONTAINER",
        image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
        privilegedMode: false,
        environmentVariables: [
            { name: "STACK", value: "prod", type: "PLAINTEXT" },
            {
                name: "DB_PASSWORD",
                value: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db",
                type: "SECRETS_MANAGER",
            },
        ],
    },
    logsConfig: { cloudwatchLogs: { status: "ENABLED", groupName: "/aws/codebuild/platform-prod-runner" } },
};

const table: Record<string, { policies: unknown[]; cases: Case[] }> = {
    "iam-no-wildcard-admin-statements": {
        policies: iamPolicies,
        cases: [
            {
                it: "rejects iam:PassRole on every resource",
                type: TYPES.iamRolePolicy,
                props: { role: "r", policy: doc(allow(["iam:PassRole", "codebuild:StartBuild"])) },
                rejects: /allows iam:PassRole on every resource \(privilege escalation\): name the role/,
            },
            {
                it: "rejects a wildcard covering iam:PutRolePolicy (iam:Put*) in a managed policy",
                type: TYPES.iamPolicy,
                props: { policy: doc(allow("iam:Put*")) },
                rejects: /allows iam:PutRolePolicy, iam:PutUserPolicy, iam:PutGroupPolicy on every resource/,
            },
            {
                it: "rejects sts:AssumeRole on every role in a role's inline policies",
                type: TYPES.iamRole,
                props: { inlinePolicies: [{ name: "hop", policy: doc(allow("sts:AssumeRole")) }] },
                rejects: /inlinePolicies\[0\]\.policy Statement \[0\] allows sts:AssumeRole on every resource/,
            },
            {
                it: "passes iam:PassRole on one named role",
                type: TYPES.iamRolePolicy,
                props: { role: "r", policy: doc(allow("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/build`)) },
            },
            {
                it: "passes read-only IAM actions on every resource",
                type: TYPES.iamPolicy,
                props: { policy: doc(allow(["iam:Get*", "iam:List*"])) },
            },
        ],
    },
    "iam-oidc-trust-scoped": {
        policies: iamPolicies,
        cases: [
            {
                it: "rejects a GitHub trust without a sub condition, whatever the provider ARN looks like",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: github("StringEquals") },
                rejects: /has no StringEquals\/StringLike condition on "<issuer>:sub"/,
            },
            {
                it: "rejects a GitHub subject admitting every repository of the org",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: github("StringLike", "repo:acme/*") },
                rejects: /accepts any subject \(repo:acme\/\*\)/,
            },
            {
                it: "rejects a GitHub subject admitting every branch and pull request of the repository",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: github("StringLike", "repo:acme/aws-platform:*") },
                rejects: /accepts any subject \(repo:acme\/aws-platform:\*\).*"repo:<org>\/<repo>:environment:<env>"/,
            },
            {
                it: "rejects a GitHub subject that names no repository",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: github("StringEquals", "environment:prod") },
                rejects: /accepts any subject \(environment:prod\)/,
            },
            {
                it: "passes a GitHub trust pinned to one environment",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: github("StringEquals", "repo:acme/aws-platform:environment:prod") },
            },
            {
                it: "passes a GitHub trust pinned to the repository's pull requests",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: github("StringEquals", "repo:acme/aws-platform:pull_request") },
            },
        ],
    },
    "iam-role-trust-scoped": {
        policies: iamPolicies,
        cases: [
            {
                it: 'rejects a trust of every AWS principal ("*")',
                type: TYPES.iamRole,
                props: { assumeRolePolicy: assume({ AWS: "*" }) },
                rejects: /Statement \[0\] trusts every AWS principal \("\*"\): name the role ARNs/,
            },
            {
                it: "rejects another account's root without an ExternalId",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: assume({ AWS: `arn:aws:iam::${FOREIGN}:root` }) },
                rejects: new RegExp(`trusts every principal of account ${FOREIGN}`),
            },
            {
                it: "rejects a bare account id, even this account's, without a condition",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: assume({ AWS: ACCOUNT }) },
                rejects: new RegExp(`trusts every principal of account ${ACCOUNT}`),
            },
            {
                it: "rejects NotPrincipal",
                type: TYPES.iamRole,
                props: {
                    assumeRolePolicy: doc({
                        Effect: "Allow",
                        NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:role/x` },
                        Action: "sts:AssumeRole",
                    }),
                },
                rejects: /trusts everyone but .* \(NotPrincipal\)/,
            },
            {
                it: "rejects Principal * with sts:* (covers AssumeRole)",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: doc({ Effect: "Allow", Principal: "*", Action: "sts:*" }) },
                rejects: /trusts every AWS principal/,
            },
            {
                it: "passes named roles",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: assume({ AWS: [`arn:aws:iam::${ACCOUNT}:role/platform-admin`] }) },
            },
            {
                it: "passes the account root pinned to one principal (aws:PrincipalArn)",
                type: TYPES.iamRole,
                props: {
                    assumeRolePolicy: assume(
                        { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                        { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/break-glass` } },
                    ),
                },
            },
            {
                it: "passes a vendor account with an ExternalId",
                type: TYPES.iamRole,
                props: {
                    assumeRolePolicy: assume(
                        { AWS: `arn:aws:iam::${FOREIGN}:root` },
                        { StringEquals: { "sts:ExternalId": "vendor-1234" } },
                    ),
                },
            },
            {
                it: "passes a service trust",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: assume({ Service: "codebuild.amazonaws.com" }) },
            },
        ],
    },
    "iam-no-long-lived-credentials": {
        policies: iamPolicies,
        cases: [
            {
                it: "rejects an access key",
                type: TYPES.iamAccessKey,
                props: { user: "deploy-bot" },
                rejects: /creates an access key for IAM user "deploy-bot", a secret that never expires/,
            },
            {
                it: "rejects a console password",
                type: TYPES.iamUserLoginProfile,
                props: { user: "ops", passwordResetRequired: true },
                rejects: /creates a console password for IAM user "ops"/,
            },
            {
                it: "rejects a service-specific credential",
                type: TYPES.iamServiceSpecificCredential,
                props: { userName: "git", serviceName: "codecommit.amazonaws.com" },
                rejects: /creates a service-specific credential for IAM user "git"/,
            },
            {
                it: "rejects an access key whose user is unknown at preview (the key itself is the violation)",
                type: TYPES.iamAccessKey,
                props: { user: UNKNOWN },
                rejects: /creates an access key for IAM user \(unknown at preview\)/,
            },
            {
                it: "passes a role",
                type: TYPES.iamRole,
                props: { assumeRolePolicy: assume({ Service: "ec2.amazonaws.com" }) },
            },
        ],
    },
    "codebuild-project-hardened": {
        policies: iamPolicies,
        cases: [
            {
                it: "rejects privileged mode",
                type: TYPES.codebuildProject,
                props: { ...RUNNER, environment: { ...RUNNER.environment, privilegedMode: true } },
                rejects: /environment\.privilegedMode is true/,
            },
            {
                it: "rejects a password in a plaintext variable (PLAINTEXT is the default type)",
                type: TYPES.codebuildProject,
                props: {
                    ...RUNNER,
                    environment: { ...RUNNER.environment, environmentVariables: [{ name: "PGPASSWORD", value: "x" }] },
                },
                rejects:
                    /environmentVariables\[0\] \(PGPASSWORD\) holds a credential in plaintext: use type SECRETS_MANAGER/,
            },
            {
                it: "rejects build logs turned off",
                type: TYPES.codebuildProject,
                props: { ...RUNNER, logsConfig: { cloudwatchLogs: { status: "DISABLED" } } },
                rejects: /cloudwatchLogs\.status is DISABLED and no S3 logs are on/,
            },
            {
                it: "rejects unencrypted S3 build logs",
                type: TYPES.codebuildProject,
                props: {
                    ...RUNNER,
                    logsConfig: {
                        cloudwatchLogs: { status: "DISABLED" },
                        s3Logs: { status: "ENABLED", location: "b/p", encryptionDisabled: true },
                    },
                },
                rejects: /s3Logs\.encryptionDisabled is true/,
            },
            { it: "passes the runner's project", type: TYPES.codebuildProject, props: RUNNER },
        ],
    },
    "eks-no-cluster-admin-access-policy": {
        policies: clusterPolicies,
        cases: [
            {
                it: "rejects CONFIG_MAP on the component (aws-auth grants outside the access entries)",
                type: TYPES.eksCluster,
                props: { authenticationMode: "CONFIG_MAP" },
                rejects: /authenticationMode is "CONFIG_MAP": the aws-auth ConfigMap can grant cluster admin/,
            },
            {
                it: "rejects API_AND_CONFIG_MAP on the component",
                type: TYPES.eksCluster,
                props: { authenticationMode: "API_AND_CONFIG_MAP" },
                rejects: /authenticationMode is "API_AND_CONFIG_MAP"/,
            },
            {
                it: "rejects an aws:eks/cluster without accessConfig (CONFIG_MAP by default)",
                type: TYPES.awsEksCluster,
                props: { vpcConfig: { subnetIds: ["s"] } },
                rejects: /accessConfig\.authenticationMode is unset \(CONFIG_MAP\)/,
            },
            {
                it: "passes a component with API and no access entries",
                type: TYPES.eksCluster,
                props: { authenticationMode: "API" },
            },
            {
                it: "rejects a cluster-scoped AmazonEKSEditPolicy for a developer",
                type: TYPES.awsEksAccessPolicyAssociation,
                props: {
                    principalArn: `arn:aws:iam::${ACCOUNT}:role/dev`,
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                    accessScope: { type: "cluster" },
                },
                rejects: /gets cluster-wide admin \(AmazonEKSEditPolicy\)/,
            },
            {
                it: "rejects a cluster-scoped AmazonEKSAdminViewPolicy (every Secret)",
                type: TYPES.awsEksAccessPolicyAssociation,
                props: {
                    principalArn: `arn:aws:iam::${ACCOUNT}:role/viewer`,
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy",
                    accessScope: { type: "cluster" },
                },
                rejects: /gets every Secret of every namespace \(AmazonEKSAdminViewPolicy\)/,
            },
            {
                it: "rejects an aws:eks/cluster that keeps the creator's admin (AWS default)",
                type: TYPES.awsEksCluster,
                props: { accessConfig: { authenticationMode: "API" } },
                rejects: /bootstrapClusterCreatorAdminPermissions is unset \(true by default\): set it to false/,
            },
            {
                it: "rejects bootstrapClusterCreatorAdminPermissions: true",
                type: TYPES.awsEksCluster,
                props: { accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true } },
                rejects: /bootstrapClusterCreatorAdminPermissions is true/,
            },
            {
                it: "passes a namespace-scoped AmazonEKSEditPolicy",
                type: TYPES.awsEksAccessPolicyAssociation,
                props: {
                    principalArn: `arn:aws:iam::${ACCOUNT}:role/dev`,
                    policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy",
                    accessScope: { type: "namespace", namespaces: ["payments"] },
                },
            },
            {
                it: "passes an aws:eks/cluster without the creator's admin",
                type: TYPES.awsEksCluster,
                props: { accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false } },
            },
        ],
    },
    "secretsmanager-secret-hardened": {
        policies: storagePolicies,
        cases: [
            {
                it: "rejects deletion without a recovery window",
                type: TYPES.secretsManagerSecret,
                props: { name: "s", kmsKeyId: KEY, recoveryWindowInDays: 0 },
                rejects: /recoveryWindowInDays is 0: a delete would destroy the secret at once/,
            },
            {
                it: "rejects the AWS-managed key named explicitly",
                type: TYPES.secretsManagerSecret,
                props: { name: "s", kmsKeyId: "alias/aws/secretsmanager" },
                rejects: /kmsKeyId is "alias\/aws\/secretsmanager": use a customer-managed KMS key/,
            },
            {
                it: "rejects a secret policy that lets everyone read",
                type: TYPES.secretsManagerSecretPolicy,
                props: {
                    secretArn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s",
                    policy: doc({
                        Effect: "Allow",
                        Principal: "*",
                        Action: "secretsmanager:GetSecretValue",
                        Resource: "*",
                    }),
                },
                rejects: /allows Principal "\*" to the secret/,
            },
            {
                it: "rejects a secret policy with blockPublicPolicy off",
                type: TYPES.secretsManagerSecretPolicy,
                props: {
                    secretArn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s",
                    policy: doc({
                        Effect: "Allow",
                        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` },
                        Action: "secretsmanager:GetSecretValue",
                        Resource: "*",
                    }),
                    blockPublicPolicy: false,
                },
                rejects: /blockPublicPolicy is false/,
            },
            {
                it: "passes a secret with a customer key and a 7-day window",
                type: TYPES.secretsManagerSecret,
                props: { name: "s", kmsKeyId: KEY, recoveryWindowInDays: 7 },
            },
            {
                it: "warns (only) on a secret on the AWS-managed key by default",
                type: TYPES.secretsManagerSecret,
                props: { name: "ecr-pullthroughcache/ghcr" },
                warns: /kmsKeyId is unset \(aws\/secretsmanager\)/,
            },
            {
                it: "passes a secret policy naming one role",
                type: TYPES.secretsManagerSecretPolicy,
                props: {
                    secretArn: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:s",
                    policy: doc({
                        Effect: "Allow",
                        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/app` },
                        Action: "secretsmanager:GetSecretValue",
                        Resource: "*",
                    }),
                },
            },
        ],
    },
};

describe("policy pack: controls found by the IAM/storage/cluster mutation tests", () => {
    for (const [name, { policies, cases }] of Object.entries(table)) {
        describe(name, () => {
            const policy = () => policyNamed<ResourceValidationPolicy>(policies as never, name);
            for (const c of cases) it(c.it, () => checkCase(policy(), c));
            for (const c of cases.filter((x) => !x.rejects && !x.warns))
                it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                    checkUnknownsNeverBlock(policy(), c));
        });
    }

    describe("iam-no-admin-policy-attached: service-wide AWS managed policies", () => {
        const policy = () => policyNamed<StackValidationPolicy>(iamPolicies, "iam-no-admin-policy-attached");
        const role: StackFixture = { type: TYPES.iamRole, name: "app", props: { name: "app" } };
        const attach = (policyArn: string, tags?: object): StackFixture[] => [
            { ...role, props: { ...role.props, ...(tags ? { tags } : {}) } },
            {
                type: TYPES.iamRolePolicyAttachment,
                name: "att",
                props: { role: "app", policyArn },
                deps: { role: ["app"] },
            },
        ];

        it("rejects AmazonS3FullAccess on a role", async () => {
            const run = await runStackPolicy(policy(), attach("arn:aws:iam::aws:policy/AmazonS3FullAccess"));
            assertRejected(
                run,
                "iam-no-admin-policy-attached",
                "attaches AmazonS3FullAccess (policyArn), which grants a whole service",
            );
        });
        it("rejects SecretsManagerReadWrite in a role's managedPolicyArns", async () => {
            const run = await runStackPolicy(policy(), [
                {
                    type: TYPES.iamRole,
                    name: "r",
                    props: { managedPolicyArns: ["arn:aws:iam::aws:policy/SecretsManagerReadWrite"] },
                },
            ]);
            assertRejected(
                run,
                "iam-no-admin-policy-attached",
                "attaches SecretsManagerReadWrite (managedPolicyArns[0])",
            );
        });
        it("rejects a versioned FullAccess policy under a path", async () => {
            const run = await runStackPolicy(
                policy(),
                attach("arn:aws:iam::aws:policy/service-role/AWSLambda_FullAccess"),
            );
            assertRejected(run, "iam-no-admin-policy-attached", "attaches AWSLambda_FullAccess");
        });
        it("passes the node role's scoped managed policies", async () => {
            for (const name of ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "ReadOnlyAccess"]) {
                const run = await runStackPolicy(policy(), attach(`arn:aws:iam::aws:policy/${name}`));
                assert.deepEqual(run.violations, [], name);
            }
        });
        it("downgrades to advisory on a role with a recorded exemption", async () => {
            const run = await runStackPolicy(
                policy(),
                attach("arn:aws:iam::aws:policy/AmazonS3FullAccess", {
                    "policy.exempt/iam-no-admin-policy-attached": "PLAT-1: test fixture",
                }),
            );
            assert.equal(run.mandatory.length, 0, JSON.stringify(run.violations));
            assert.ok(run.advisory.some((m) => m.includes("AmazonS3FullAccess")));
        });
        it("does not block while the policy ARN is unknown", async () => {
            const run = await runStackPolicy(policy(), attach(UNKNOWN));
            assert.equal(run.mandatory.length, 0, JSON.stringify(run.violations));
        });
    });

    describe("service-log-groups-declared", () => {
        const policy = () => policyNamed<StackValidationPolicy>(loggingPolicies, "service-log-groups-declared");
        const cluster: StackFixture = {
            type: TYPES.eksCluster,
            name: "eks",
            props: { name: "platform-prod", enabledClusterLogTypes: ["api", "audit"] },
        };
        const group = (name: string): StackFixture => ({
            type: TYPES.logGroup,
            name: `lg-${name}`,
            props: { name, kmsKeyId: KEY, retentionInDays: 365 },
        });
        const project = (props: object): StackFixture => ({ type: TYPES.codebuildProject, name: "cb", props });

        it("rejects a cluster whose control-plane log group is not declared", async () => {
            const run = await runStackPolicy(policy(), [cluster]);
            assertRejected(
                run,
                "service-log-groups-declared",
                "sends its control-plane logs to /aws/eks/platform-prod/cluster, which this stack does not declare",
            );
        });
        it("rejects a CodeBuild project whose default log group is not declared", async () => {
            const run = await runStackPolicy(policy(), [project({ name: "runner", logsConfig: {} })]);
            assertRejected(run, "service-log-groups-declared", "sends its build logs to /aws/codebuild/runner");
        });
        it("rejects a CodeBuild project naming an undeclared group", async () => {
            const run = await runStackPolicy(policy(), [
                project({ name: "runner", logsConfig: { cloudwatchLogs: { status: "ENABLED", groupName: "/ci/x" } } }),
                group("/aws/codebuild/runner"),
            ]);
            assertRejected(run, "service-log-groups-declared", "sends its build logs to /ci/x");
        });
        it("passes declared groups, logs turned off, and a cluster without log types", async () => {
            const run = await runStackPolicy(policy(), [
                cluster,
                group("/aws/eks/platform-prod/cluster"),
                project({ name: "runner" }),
                group("/aws/codebuild/runner"),
                {
                    type: TYPES.codebuildProject,
                    name: "quiet",
                    props: { name: "quiet", logsConfig: { cloudwatchLogs: { status: "DISABLED" } } },
                },
                { type: TYPES.eksCluster, name: "nolog", props: { name: "nolog", enabledClusterLogTypes: [] } },
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("skips the component's own aws:eks/cluster child", async () => {
            const run = await runStackPolicy(policy(), [
                cluster,
                group("/aws/eks/platform-prod/cluster"),
                {
                    type: TYPES.awsEksCluster,
                    name: "child",
                    parent: "eks",
                    props: { name: "platform-prod-1a2b", enabledClusterLogTypes: ["api"] },
                },
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("does not block while a cluster name or a log group name is unknown", async () => {
            for (const fixtures of [
                [{ ...cluster, props: { ...cluster.props, name: UNKNOWN } }],
                [cluster, { ...group("x"), props: { name: UNKNOWN } }],
            ]) {
                const run = await runStackPolicy(policy(), fixtures);
                assert.equal(run.mandatory.length, 0, JSON.stringify(run.violations));
            }
        });
    });
});
