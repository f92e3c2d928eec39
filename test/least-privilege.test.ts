import { strict as assert } from "assert";
import { createUserSql } from "../components/db-user";
import { Capture, runProgram } from "./support/harness";

/**
 * Issue 17, "least privilege that works": the permissions are narrow and still let a first deploy succeed.
 * One test per item: the Auto Scaling service-linked role, the flow-log role, the app's database user.
 */

const ACCOUNT = "111122223333";
const SLR = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
const keyPolicy = (c: Capture, purpose: string) => JSON.parse(c.one("aws:kms/key:Key", purpose).inputs.policy);
const principalsOf = (policy: any) => policy.Statement.map((s: any) => s.Principal?.AWS).filter(Boolean);

describe("least privilege that works", () => {
    let dev: Capture;
    before(async () => {
        dev = (await runProgram("dev")).capture;
    });

    describe("the Auto Scaling service-linked role", () => {
        it("is looked up (never assumed) before the EBS key policy names it", () => {
            const policy = keyPolicy(dev, "ebs");
            assert.deepEqual(
                principalsOf(policy).filter((p: string) => p.includes("autoscaling")),
                [SLR, SLR],
            );
            assert.equal(dev.ofType("aws:iam/serviceLinkedRole:ServiceLinkedRole").length, 0);
        });

        it("is created first, and kept on destroy, when the stack says the account lacks it", async () => {
            const c = (await runProgram("dev", { overrides: { createAutoScalingServiceLinkedRole: "true" } })).capture;
            const role = c.one("aws:iam/serviceLinkedRole:ServiceLinkedRole");
            assert.equal(role.inputs.awsServiceName, "autoscaling.amazonaws.com");
            const key = c.one("aws:kms/key:Key", "ebs");
            assert.ok(key.dependencies.includes(role.urn), "the key policy waits for the role");
            assert.ok(principalsOf(JSON.parse(key.inputs.policy)).includes(role.state.arn));
        });
    });

    describe("the flow-log role", () => {
        it("matches the AWS guide: the five actions, confused-deputy conditions, this log group only", () => {
            const role = dev.one("aws:iam/role:Role", "flow-logs");
            const group = dev.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs").state.arn;
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement, [
                {
                    Effect: "Allow",
                    Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: {
                        StringEquals: { "aws:SourceAccount": ACCOUNT },
                        ArnLike: { "aws:SourceArn": `arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc-flow-log/*` },
                    },
                },
            ]);
            const statements = JSON.parse(
                dev.one("aws:iam/rolePolicy:RolePolicy", "flow-logs").inputs.policy,
            ).Statement;
            assert.deepEqual(statements.flatMap((s: any) => [s.Action].flat()).sort(), [
                "logs:CreateLogGroup",
                "logs:CreateLogStream",
                "logs:DescribeLogGroups",
                "logs:DescribeLogStreams",
                "logs:PutLogEvents",
            ]);
            assert.deepEqual(statements[0].Resource, [group, `${group}:*`]);
            assert.equal(statements[1].Resource, `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:*`);
        });
    });

    describe("the app's database user", () => {
        it("is created by a one-off job in the private subnets, the only role that reads the master secret", () => {
            const project = dev.one("aws:codebuild/project:Project", "db-user-project");
            assert.equal(project.inputs.name, "platform-dev-db-user");
            const secret = dev.one("aws:rds/instance:Instance").state.masterUserSecrets[0].secretArn;
            const spec = JSON.parse(project.inputs.source.buildspec);
            assert.deepEqual(
                spec.env["secrets-manager"].PGPASSWORD,
                `${secret}:password`,
                "resolved by CodeBuild at run time",
            );
            assert.ok(!JSON.stringify(project.inputs).match(/"password"\s*:/), "no password in the project");
            assert.match(spec.env.variables.SQL, /CREATE USER app_iam; END IF; END \$\$; GRANT rds_iam TO app_iam;/);
            const readers = dev
                .ofType("aws:iam/rolePolicy:RolePolicy")
                .filter((p) => p.inputs.policy.includes("secretsmanager:GetSecretValue"));
            assert.deepEqual(
                readers.map((p) => p.name),
                ["db-user-role"],
                "no other role may read the master secret",
            );
        });

        it("reaches the database through a security-group rule, and nothing else does but the nodes", () => {
            const dbSg = dev.one("aws:ec2/securityGroup:SecurityGroup", "database-sg");
            const sources = dev
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .filter((r) => r.inputs.securityGroupId === dbSg.id)
                .map((r) => dev.referenced(r.inputs.referencedSecurityGroupId)?.name)
                .sort();
            assert.deepEqual(sources, ["cluster-nodes", "db-user-security-group"]);
        });

        it("writes idempotent SQL for both engines and refuses identifiers it could not quote", () => {
            assert.match(
                createUserSql("postgres", "app_iam", "app"),
                /IF NOT EXISTS \(SELECT FROM pg_roles WHERE rolname = 'app_iam'\)/,
            );
            assert.match(
                createUserSql("mysql", "app_iam", "app"),
                /^CREATE USER IF NOT EXISTS 'app_iam'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL;/,
            );
            assert.throws(() => createUserSql("postgres", "x; DROP TABLE y", "app"), /unsafe identifier/);
        });
    });
});
