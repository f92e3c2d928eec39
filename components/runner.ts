import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "./tags";
import { vpcCodeBuild } from "./codebuild";
import { SG_ROLES } from "../lib/contract";
import { registrable } from "./defaults";

/** The `sg-role` tag of the CI runner security group: the cluster API admits 443 from it (and the nodes) only. */
export const RUNNER_SG_ROLE = SG_ROLES.ciRunner;

/**
 * CodeBuild stops a build at its timeout, and with it the GitHub job running inside it. It must exceed the
 * longest deploy job's `timeout-minutes` (test/timeouts.test.ts), or CodeBuild kills `pulumi up` mid-update.
 */
export const RUNNER_BUILD_TIMEOUT_MINUTES = 180;

/** The runner's compute type when none is given: 4 GiB for `npm ci` plus the Pulumi engine and providers. */
export const RUNNER_COMPUTE_TYPE = "BUILD_GENERAL1_MEDIUM";

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
    /** The VPC of the runner's security group and ENIs. Required. */
    vpcId: pulumi.Input<string>;
    /** The runner's ENIs go here (egress through the NAT gateways); never public subnets. Required. */
    privateSubnetIds: pulumi.Input<string>[];
    /** `owner/name` of the GitHub repository whose `workflow_job` events start runner builds. Required. */
    githubRepository: string;
    /** CodeConnections connection to GitHub. Default is none: the account's CodeBuild source credential for GitHub. */
    connectionArn?: string;
    /** Default is `BUILD_GENERAL1_MEDIUM` (4 GiB: `npm ci` plus the Pulumi engine and providers). */
    computeType?: string;
    /** KMS key of the runner's log group (LOG-04). Required. */
    logsKeyArn: pulumi.Input<string>;
    /** Retention of the runner's build logs. Default is 365 days (LOG-04). */
    logRetentionDays?: number;
    /** Tags on every resource (the `tags()` set: project, stack, tier, owner). Required. */
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
        super("platform:delivery:CiRunner", name, registrable(args), opts);
        const child = { parent: this };
        const projectName = runnerProjectName(pulumi.getStack());
        this.runsOn = `codebuild-${projectName}-\${{ github.run_id }}-\${{ github.run_attempt }}`;

        // No ingress: nothing connects to a runner. Egress 443 only: GitHub, the npm and Pulumi plugin
        // downloads and the AWS APIs (through the NAT), and the cluster API inside the VPC.
        const { securityGroup, role, project } = vpcCodeBuild(
            name,
            {
                projectName,
                description: `GitHub Actions runner for ${args.githubRepository} inside the ${pulumi.getStack()} VPC`,
                vpcId: args.vpcId,
                subnetIds: args.privateSubnetIds,
                securityGroup: {
                    description:
                        "CI runners (CodeBuild-hosted GitHub Actions runners, Jenkins VPC agents): HTTPS out only",
                    egress: [
                        {
                            description: "HTTPS: GitHub, registries, AWS APIs, the EKS API",
                            protocol: "tcp",
                            fromPort: 443,
                            toPort: 443,
                            cidrBlocks: ["0.0.0.0/0"],
                        },
                    ],
                    role: RUNNER_SG_ROLE,
                },
                source: {
                    type: "GITHUB",
                    location: `https://github.com/${args.githubRepository}.git`,
                    ...(args.connectionArn ? { auth: { type: "CODECONNECTIONS", resource: args.connectionArn } } : {}),
                },
                buildTimeout: RUNNER_BUILD_TIMEOUT_MINUTES,
                computeType: args.computeType ?? RUNNER_COMPUTE_TYPE,
                logsKeyArn: args.logsKeyArn,
                logRetentionDays: args.logRetentionDays,
                connectionArn: args.connectionArn,
                tags: args.tags,
            },
            this,
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

        this.securityGroupId = securityGroup.id;
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
