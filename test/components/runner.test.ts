import { strict as assert } from "assert";
import { CiRunner, CiRunnerArgs, RUNNER_BUILD_TIMEOUT_MINUTES } from "../../components/runner";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, doc, keyArn } from "../support/component";

const TYPE = "platform:delivery:CiRunner";
const PROJECT = "aws:codebuild/project:Project";
const CONNECTION = "arn:aws:codeconnections:eu-west-1:111122223333:connection/12345678-1234-1234-1234-123456789012";

function alone(extra: Partial<CiRunnerArgs> = {}): Promise<Capture> {
    return buildAlone(
        () =>
            new CiRunner("ci", {
                vpcId: "vpc-0123",
                privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"],
                githubRepository: "example-org/platform",
                logsKeyArn: keyArn("logs"),
                tags: TAGS,
                ...extra,
            }),
    );
}

describe("CiRunner component", () => {
    let c: Capture;
    before(async () => {
        c = await alone();
    });

    it("constructs with minimal args: a medium, unprivileged GitHub runner in the private subnets", () => {
        assertComponent(c, TYPE, "ci", { githubRepository: "example-org/platform" });
        const project = c.one(PROJECT, "ci-project").inputs;
        assert.equal(project.name, "platform-dev-runner");
        assert.deepEqual(project.source, { type: "GITHUB", location: "https://github.com/example-org/platform.git" });
        assert.deepEqual(
            [project.environment.computeType, project.environment.privilegedMode, project.buildTimeout],
            ["BUILD_GENERAL1_MEDIUM", false, RUNNER_BUILD_TIMEOUT_MINUTES],
        );
        assert.deepEqual(project.vpcConfig.subnets, ["subnet-priv-a", "subnet-priv-b"]);
        assert.deepEqual(project.logsConfig.s3Logs, { status: "DISABLED" });
        assert.deepEqual(c.one("aws:codebuild/webhook:Webhook").inputs.filterGroups, [
            { filters: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] },
        ]);
    });

    it("admits nothing and sends only HTTPS, from the group the cluster API recognises", () => {
        const sg = c.one("aws:ec2/securityGroup:SecurityGroup", "ci-security-group").inputs;
        assert.equal(sg.ingress, undefined);
        assert.deepEqual(
            sg.egress.map((e: any) => [e.protocol, e.fromPort, e.toPort]),
            [["tcp", 443, 443]],
        );
        assert.equal(sg.tags["sg-role"], "ci-runner");
    });

    it("gives its role its own logs and build ENIs only, and the GitHub connection once there is one", async () => {
        const sids = (capture: Capture) =>
            doc(capture.one("aws:iam/rolePolicy:RolePolicy", "ci-role")).Statement.map((s: any) => s.Sid);
        assert.deepEqual(sids(c), ["OwnLogs", "DescribeVpc", "ManageBuildEnis", "EniPermissionInPrivateSubnets"]);
        const logs = c.one("aws:cloudwatch/logGroup:LogGroup", "ci-logs").inputs;
        assert.deepEqual([logs.kmsKeyId, logs.retentionInDays], [keyArn("logs"), 365]);

        const connected = await alone({ connectionArn: CONNECTION, computeType: "BUILD_GENERAL1_LARGE" });
        assert.deepEqual(sids(connected).slice(-1), ["GitHubConnection"]);
        const project = connected.one(PROJECT).inputs;
        assert.deepEqual(project.source.auth, { type: "CODECONNECTIONS", resource: CONNECTION });
        assert.equal(project.environment.computeType, "BUILD_GENERAL1_LARGE");
    });
});
