import { strict as assert } from "assert";
import { DatabaseUser, DatabaseUserArgs } from "../../components/db-user";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, doc, keyArn } from "../support/component";

const TYPE = "platform:data:DatabaseUser";
const SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-0123";
const PROJECT = "aws:codebuild/project:Project";

const REQUIRED: DatabaseUserArgs = {
    vpcId: "vpc-0123",
    privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"],
    databaseSecurityGroupId: "sg-db",
    databaseSubnetCidrs: ["10.0.128.0/20", "10.0.144.0/20"],
    host: "db.example.internal",
    masterSecretArn: SECRET,
    secretKeyArn: keyArn("data"),
    logsKeyArn: keyArn("logs"),
    tags: TAGS,
};

function alone(extra: Partial<DatabaseUserArgs> = {}): Promise<Capture> {
    return buildAlone(() => new DatabaseUser("dbu", { ...REQUIRED, ...extra }));
}

describe("DatabaseUser component", () => {
    let c: Capture;
    before(async () => {
        c = await alone();
    });

    it("constructs with minimal args: a private, unprivileged job that creates app_iam on PostgreSQL's port", () => {
        assertComponent(c, TYPE, "dbu", { host: "db.example.internal", masterSecretArn: SECRET });
        const project = c.one(PROJECT, "dbu-project").inputs;
        assert.equal(project.name, "platform-dev-db-user");
        assert.deepEqual(project.vpcConfig.subnets, ["subnet-priv-a", "subnet-priv-b"]);
        assert.deepEqual(
            [project.environment.privilegedMode, project.environment.computeType],
            [false, "BUILD_GENERAL1_SMALL"],
        );
        const spec = JSON.parse(project.source.buildspec);
        assert.deepEqual(
            [spec.env.variables.DB_HOST, spec.env.variables.DB_PORT, spec.env.variables.DB_NAME],
            ["db.example.internal", "5432", "app"],
        );
        assert.match(spec.env.variables.SQL, /CREATE USER app_iam;/);
        assert.equal(spec.env["secrets-manager"].PGPASSWORD, `${SECRET}:password`, "resolved by CodeBuild at run time");
    });

    it("reaches only HTTPS and the database port, and the database admits only this job's group", () => {
        const sg = c.one("aws:ec2/securityGroup:SecurityGroup", "dbu-security-group");
        assert.equal(sg.inputs.ingress, undefined);
        assert.deepEqual(
            sg.inputs.egress.map((e: any) => [e.fromPort, e.toPort, e.cidrBlocks]),
            [
                [443, 443, ["0.0.0.0/0"]],
                [5432, 5432, ["10.0.128.0/20", "10.0.144.0/20"]],
            ],
        );
        assert.equal(sg.inputs.tags["sg-role"], "db-admin-job");
        const rule = c.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs;
        assert.deepEqual([rule.securityGroupId, rule.referencedSecurityGroupId, rule.fromPort], ["sg-db", sg.id, 5432]);
    });

    it("lets its role read the master secret alone, decrypting it only through Secrets Manager", () => {
        const statements = doc(c.one("aws:iam/rolePolicy:RolePolicy", "dbu-role")).Statement;
        const read = statements.find((s: any) => s.Sid === "ReadMasterSecret");
        assert.deepEqual([read.Action, read.Resource], ["secretsmanager:GetSecretValue", SECRET]);
        const decrypt = statements.find((s: any) => s.Sid === "DecryptMasterSecretViaSecretsManager");
        assert.deepEqual(
            [decrypt.Resource, decrypt.Condition.StringEquals["kms:ViaService"]],
            [keyArn("data"), "secretsmanager.eu-west-1.amazonaws.com"],
        );
        assert.ok(!statements.some((s: any) => s.Sid === "GitHubConnection"));
        const logs = c.one("aws:cloudwatch/logGroup:LogGroup", "dbu-logs").inputs;
        assert.deepEqual(
            [logs.name, logs.kmsKeyId, logs.retentionInDays],
            ["/aws/codebuild/platform-dev-db-user", keyArn("logs"), 365],
        );
    });

    it("follows MySQL's port and client when the engine is MySQL", async () => {
        const mysql = await alone({ engine: "mysql", username: "svc" });
        const spec = JSON.parse(mysql.one(PROJECT).inputs.source.buildspec);
        assert.equal(spec.env.variables.DB_PORT, "3306");
        assert.match(
            spec.env.variables.SQL,
            /CREATE USER IF NOT EXISTS 'svc'@'%' IDENTIFIED WITH AWSAuthenticationPlugin/,
        );
        assert.deepEqual(spec.phases.install.commands, ["dnf install -y -q mariadb105"]);
        assert.equal(mysql.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").inputs.toPort, 3306);
    });
});
