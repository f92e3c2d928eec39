import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "./iam";
import { Tags, named } from "./tags";
import { SG_ROLE_TAG } from "../lib/contract";

/** The CodeBuild image every in-VPC project of the platform runs (Amazon Linux 2023, x86_64). */
export const CODEBUILD_IMAGE = "aws/codebuild/amazonlinux-x86_64-standard:5.0";

export interface VpcCodeBuildArgs {
    /** The CodeBuild project's name; also names its log group `/aws/codebuild/<projectName>`. Required. */
    projectName: string;
    /** The project's description. Required. */
    description: string;
    /** The service role's description. Default is `CodeBuild service role of <projectName>`. */
    roleDescription?: string;
    /** The VPC of the security group and the build's ENIs. Required. */
    vpcId: pulumi.Input<string>;
    /** The build's ENIs go here (egress through the NAT gateways); never public subnets. Required. */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The build's security group: no ingress ever (nothing connects to a build), only these egress rules. `role` is
     * its `sg-role` tag, which the policy pack and the other tiers use to recognise it. Required.
     */
    securityGroup: { description: string; egress: aws.types.input.ec2.SecurityGroupEgress[]; role: string };
    /** The project's source (GitHub for a runner, an inline buildspec for a job). Required. */
    source: aws.types.input.codebuild.ProjectSource;
    /** Minutes before CodeBuild stops a build. Required. */
    buildTimeout: number;
    /** Default is `BUILD_GENERAL1_SMALL`. */
    computeType?: string;
    /** KMS key of the build log group (LOG-04). Required. */
    logsKeyArn: pulumi.Input<string>;
    /** Retention of the build log group. Default is 365 days (LOG-04). */
    logRetentionDays?: number;
    /** A CodeConnections connection the role may use (GitHub source). Default is none. */
    connectionArn?: string;
    /** Statements the role needs beyond its logs and ENIs (e.g. reading one secret). Default is none. */
    extraStatements?: pulumi.Input<object[]>;
    /** Tags on every resource. Required. */
    tags: Tags;
}

export interface VpcCodeBuild {
    securityGroup: aws.ec2.SecurityGroup;
    logGroup: aws.cloudwatch.LogGroup;
    role: aws.iam.Role;
    policy: aws.iam.RolePolicy;
    project: aws.codebuild.Project;
}

/**
 * A CodeBuild project in the private subnets, as the CI runner and the database-user job both need it: a security
 * group with egress only, a KMS-encrypted log group it alone writes to, and a service role limited to those logs,
 * its ENIs in these subnets and `extraStatements`. No privileged mode (no Docker daemon), no S3 logs or artifacts.
 *
 * A helper, not a component: the resources stay direct children of the caller (named `${name}-security-group`,
 * `-logs`, `-role`, `-project`), so moving them here changed no URN.
 */
export function vpcCodeBuild(name: string, args: VpcCodeBuildArgs, parent: pulumi.Resource): VpcCodeBuild {
    const child = { parent };
    const securityGroup = new aws.ec2.SecurityGroup(
        `${name}-security-group`,
        {
            vpcId: args.vpcId,
            description: args.securityGroup.description,
            egress: args.securityGroup.egress,
            revokeRulesOnDelete: true,
            tags: { ...named(args.tags, args.projectName), [SG_ROLE_TAG]: args.securityGroup.role },
        },
        child,
    );

    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-logs`,
        {
            name: `/aws/codebuild/${args.projectName}`,
            kmsKeyId: args.logsKeyArn,
            retentionInDays: args.logRetentionDays ?? 365,
            tags: named(args.tags, args.projectName),
        },
        child,
    );

    const role = new aws.iam.Role(
        `${name}-role`,
        {
            description: args.roleDescription ?? `CodeBuild service role of ${args.projectName}`,
            assumeRolePolicy: serviceTrustPolicy("codebuild.amazonaws.com"),
            tags: args.tags,
        },
        child,
    );
    const policy = new aws.iam.RolePolicy(
        `${name}-role`,
        {
            role: role.id,
            policy: pulumi
                .all([logGroup.arn, pulumi.output(args.subnetIds), pulumi.output(args.extraStatements ?? [])])
                .apply(([logs, subnets, extra]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            ...vpcBuildStatements({
                                logGroupArn: logs,
                                subnetIds: subnets,
                                connectionArn: args.connectionArn,
                            }),
                            ...extra,
                        ],
                    }),
                ),
        },
        child,
    );

    const project = new aws.codebuild.Project(
        `${name}-project`,
        {
            name: args.projectName,
            description: args.description,
            serviceRole: role.arn,
            buildTimeout: args.buildTimeout,
            source: args.source,
            artifacts: { type: "NO_ARTIFACTS" },
            environment: {
                type: "LINUX_CONTAINER",
                computeType: args.computeType ?? "BUILD_GENERAL1_SMALL",
                image: CODEBUILD_IMAGE,
                imagePullCredentialsType: "CODEBUILD",
                privilegedMode: false, // no Docker daemon: these builds deploy or run SQL, they never build images
            },
            vpcConfig: { vpcId: args.vpcId, subnets: args.subnetIds, securityGroupIds: [securityGroup.id] },
            logsConfig: {
                cloudwatchLogs: { groupName: logGroup.name, status: "ENABLED" },
                s3Logs: { status: "DISABLED" },
            },
            tags: named(args.tags, args.projectName),
        },
        // CodeBuild validates the role's VPC permissions when the project is created.
        { ...child, dependsOn: [policy] },
    );
    return { securityGroup, logGroup, role, policy, project };
}

/**
 * The service role of an in-VPC build: its own logs, its ENIs in the given subnets (CodeBuild VPC support), and the
 * GitHub connection when it has one.
 */
export function vpcBuildStatements(p: { logGroupArn: string; subnetIds: string[]; connectionArn?: string }): object[] {
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
