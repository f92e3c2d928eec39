import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { vpcBuildStatements, vpcCodeBuild } from "../../components/codebuild";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, doc, keyArn } from "../support/component";

/** The helper alone, under a bare component: what the runner and the database-user job share. */
function alone(): Promise<Capture> {
    return buildAlone(() => {
        const parent = new pulumi.ComponentResource("test:index:Parent", "job");
        vpcCodeBuild(
            "job",
            {
                projectName: "platform-dev-job",
                description: "a job",
                vpcId: "vpc-0123",
                subnetIds: ["subnet-priv-a"],
                securityGroup: { description: "job", egress: [], role: "job" },
                source: { type: "NO_SOURCE", buildspec: "version: 0.2" },
                buildTimeout: 5,
                logsKeyArn: keyArn("logs"),
                extraStatements: [
                    { Sid: "Extra", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
                ],
                tags: TAGS,
            },
            parent,
        );
    });
}

describe("in-VPC CodeBuild helper", () => {
    it("keeps every resource a direct child of the caller, small and unprivileged, its logs encrypted and kept a year", async () => {
        const c = await alone();
        const parent = assertComponent(c, "test:index:Parent", "job", {});
        assert.deepEqual(
            c
                .childrenOf(parent.urn)
                .map((r) => r.name)
                .sort(),
            ["job-logs", "job-project", "job-role", "job-role", "job-security-group"],
        );
        const project = c.one("aws:codebuild/project:Project").inputs;
        assert.deepEqual(
            [project.environment.computeType, project.environment.privilegedMode, project.artifacts.type],
            ["BUILD_GENERAL1_SMALL", false, "NO_ARTIFACTS"],
        );
        const logs = c.one("aws:cloudwatch/logGroup:LogGroup").inputs;
        assert.deepEqual(
            [logs.name, logs.kmsKeyId, logs.retentionInDays],
            ["/aws/codebuild/platform-dev-job", keyArn("logs"), 365],
        );
        const role = c.one("aws:iam/role:Role");
        assert.equal(role.inputs.description, "CodeBuild service role of platform-dev-job");
        assert.deepEqual(doc(role, "assumeRolePolicy").Statement[0].Principal, {
            Service: "codebuild.amazonaws.com",
        });
        const statements = doc(c.one("aws:iam/rolePolicy:RolePolicy")).Statement;
        assert.deepEqual(statements.at(-1).Sid, "Extra", "the caller's statements follow the base ones");
    });

    it("lets the build create ENI permissions only in its own subnets, for CodeBuild", () => {
        const statements = vpcBuildStatements({
            logGroupArn: "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/codebuild/x",
            subnetIds: ["subnet-a", "subnet-b"],
        }) as any[];
        assert.deepEqual(
            statements.map((s) => s.Sid),
            ["OwnLogs", "DescribeVpc", "ManageBuildEnis", "EniPermissionInPrivateSubnets"],
            "no connection statement without a connection",
        );
        const permission = statements.find((s) => s.Sid === "EniPermissionInPrivateSubnets");
        assert.equal(permission.Resource, "arn:aws:ec2:eu-west-1:111122223333:network-interface/*");
        assert.deepEqual(permission.Condition, {
            StringEquals: { "ec2:AuthorizedService": "codebuild.amazonaws.com" },
            ArnEquals: {
                "ec2:Subnet": [
                    "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-a",
                    "arn:aws:ec2:eu-west-1:111122223333:subnet/subnet-b",
                ],
            },
        });
    });
});
