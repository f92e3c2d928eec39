import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags, named } from "./tags";
import { serviceTrustPolicy } from "./iam";
import { SG_ROLE_TAG, SG_ROLES } from "../lib/contract";

/** The `sg-role` tag of the CI runner security group: the cluster API admits 443 from it (and the nodes) only. */
export const RUNNER_SG_ROLE = SG_ROLES.ciRunner;

/**
 * CodeBuild stops a build at its timeout, and with it the GitHub job running inside it. It must exceed the
 * longest deploy job's `timeout-minutes` (test/timeouts.test.ts), or CodeBuild kills `pulumi up` mid-update.
 */
export const RUNNER_BUILD_TIMEOUT_MINUTES = 180;

/**
 * The CodeBuild-hosted GitHub Actions runner's project name. Jobs select it with
 * `runs-on: codebuild-<project>-${{ github.run_id }}-${{ github.run_attempt }}`
 * (https://docs.aws.amazon.com/codebuild/latest/userguide/sample-github-action-runners-update-labels.html).
 */
export function runnerProjectName(stack: string): string {
    return `platform-${stack}-runner`;
}

/** The Jenkins agent label of agents that run in this stack's private subnets with the runner security group. */
export function jenkinsAgentLabel(stack: string): string {
    return `platform-${stack}-vpc`;
}

export interface CiRunnerArgs {
    vpcId: pulumi.Input<string>;
    /** The runner's ENIs go here (egress through the NAT gateways); never public subnets. */
    privateSubnetIds: pulumi.Input<string>[];
    /** `owner/name` of the GitHub repository whose `workflow_job` events start runner builds. */
    githubRepository: string;
    /** CodeConnections connection to GitHub. Default: the account's CodeBuild source credential for GitHub. */
    connectionArn?: string;
    /** Default is `BUILD_GENERAL1_MEDIUM` (4 GiB: `npm ci` plus the Pulumi engine and providers). */
    computeType?: string;
    logsKeyArn: pulumi.Input<string>;
    /** Default is 365 days (LOG-04). */
    logRetentionDays?: number;
    tags: Tags;
}

/**
 * The private path from the pipelines to the private-only EKS endpoint: a CodeBuild project in the private
 * subnets that GitHub Actions uses as a self-hosted runner, behind a security group with no ingress at all.
 *
 * The runner carries no deploy permissions itself: each job still assumes its pipeline role through GitHub
 * OIDC (platform-ci-deployer / platform-ci-preview), so the runner's own role only writes its logs and
 * manages its ENIs. Jenkins agents labelled `platform-<stack>-vpc` join the same security group.
 */
export class CiRunner extends pulumi.ComponentResource {
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly projectName: pulumi.Output<string>;
    public readonly roleArn: pulumi.Output<string>;
    /** The `runs-on` label of a job on this runner. */
    public readonly runsOn: string;

    constructor(name: string, args: CiRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:delivery:CiRunner", name, args, opts);
        const child = { parent: this };
        const projectName = runnerProjectName(pulumi.getStack());
        this.runsOn = `codebuild-${projectName}-\${{ github.run_id }}-\${{ github.run_attempt }}`;

        // No ingress: nothing connects to a runner. Egress 443 only: GitHub, the npm and Pulumi plugin
        // downloads and the AWS APIs (through the NAT), and the cluster API inside the VPC.
        const sg = new aws.ec2.SecurityGroup(
            `${name}-security-group`,
            {
                vpcId: args.vpcId,
                description: "CI runners (CodeBuild-hosted GitHub Actions runners, Jenkins VPC agents): HTTPS out only",
                egress: [
                    {
                        description: "HTTPS: GitHub, registries, AWS APIs, the EKS API",
                        protocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        cidrBlocks: ["0.0.0.0/0"],
                    },
                ],
                revokeRulesOnDelete: true,
                tags: { ...named(args.tags, projectName), [SG_ROLE_TAG]: RUNNER_SG_ROLE },
            },
            child,
        );

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/aws/codebuild/${projectName}`,
                kmsKeyId: args.logsKeyArn,
                retentionInDays: args.logRetentionDays ?? 365,
                tags: named(args.tags, projectName),
            },
            child,
        );

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `CodeBuild service role of ${projectName}`,
                assumeRolePolicy: serviceTrustPolicy("codebuild.amazonaws.com"),
                tags: args.tags,
            },
            child,
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-role`,
            {
                role: role.id,
                policy: pulumi.all([logGroup.arn, pulumi.output(args.privateSubnetIds)]).apply(([logs, subnets]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: runnerStatements({
                            logGroupArn: logs,
                            subnetIds: subnets,
                            connectionArn: args.connectionArn,
                        }),
                    }),
                ),
            },
            child,
        );

        const project = new aws.codebuild.Project(
            `${name}-project`,
            {
                name: projectName,
                description: `GitHub Actions runner for ${args.githubRepository} inside the ${pulumi.getStack()} VPC`,
                serviceRole: role.arn,
                buildTimeout: RUNNER_BUILD_TIMEOUT_MINUTES,
                source: {
                    type: "GITHUB",
                    location: `https://github.com/${args.githubRepository}.git`,
                    ...(args.connectionArn ? { auth: { type: "CODECONNECTIONS", resource: args.connectionArn } } : {}),
                },
                artifacts: { type: "NO_ARTIFACTS" },
                environment: {
                    type: "LINUX_CONTAINER",
                    computeType: args.computeType ?? "BUILD_GENERAL1_MEDIUM",
                    image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
                    imagePullCredentialsType: "CODEBUILD",
                    privilegedMode: false, // no Docker daemon: the runner deploys, it never builds images
                },
                vpcConfig: { vpcId: args.vpcId, subnets: args.privateSubnetIds, securityGroupIds: [sg.id] },
                logsConfig: {
                    cloudwatchLogs: { groupName: logGroup.name, status: "ENABLED" },
                    s3Logs: { status: "DISABLED" },
                },
                tags: named(args.tags, projectName),
            },
            { ...child, dependsOn: [policy] },
        );
        // WORKFLOW_JOB_QUEUED turns the project into a GitHub Actions runner: one build per queued job whose
        // runs-on label names the project.
        new aws.codebuild.Webhook(
            `${name}-webhook`,
            {
                projectName: project.name,
                buildType: "BUILD",
                filterGroups: [{ filters: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] }],
            },
            child,
        );

        this.securityGroupId = sg.id;
        this.projectName = project.name;
        this.roleArn = role.arn;
        this.registerOutputs({
            securityGroupId: this.securityGroupId,
            projectName: this.projectName,
            roleArn: this.roleArn,
            runsOn: this.runsOn,
        });
    }
}

/** The runner role: its own logs, its ENIs in the private subnets (CodeBuild VPC support), the GitHub connection. */
export function runnerStatements(p: { logGroupArn: string; subnetIds: string[]; connectionArn?: string }): object[] {
    const [, partition, , region, account] = p.logGroupArn.split(":");
    const statements: object[] = [
        {
            Sid: "OwnLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
            Resource: [p.logGroupArn, `${p.logGroupArn}:*`],
        },
        {
            // The read-only calls CodeBuild makes to place the build in the VPC (they support no resource scoping).
            Sid: "DescribeVpc",
            Effect: "Allow",
            Action: [
                "ec2:DescribeDhcpOptions",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeVpcs",
            ],
            Resource: "*",
        },
        {
            Sid: "ManageBuildEnis",
            Effect: "Allow",
            Action: ["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
            Resource: "*",
        },
        {
            // The documented CodeBuild VPC statement: ENI permissions only in these subnets, only for CodeBuild.
            Sid: "EniPermissionInPrivateSubnets",
            Effect: "Allow",
            Action: "ec2:CreateNetworkInterfacePermission",
            Resource: `arn:${partition}:ec2:${region}:${account}:network-interface/*`,
            Condition: {
                StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" },
                ArnEquals: {
                    "ec2:Subnet": p.subnetIds.map((s) => `arn:${partition}:ec2:${region}:${account}:subnet/${s}`),
                },
            },
        },
    ];
    if (p.connectionArn)
        statements.push({
            Sid: "GitHubConnection",
            Effect: "Allow",
            Action: [
                "codeconnections:UseConnection",
                "codeconnections:GetConnectionToken",
                "codestar-connections:UseConnection",
                "codestar-connections:GetConnectionToken",
            ],
            Resource: p.connectionArn,
        });
    return statements;
}
