import { strict as assert } from "assert";
import { Database, DatabaseArgs } from "../../components/database";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, keyArn } from "../support/component";

const TYPE = "platform:data:Database";
const INSTANCE = "aws:rds/instance:Instance";
const VAULT = "aws:backup/vault:Vault";

const REQUIRED: DatabaseArgs = {
    vpcId: "vpc-0123",
    subnetIds: ["subnet-iso-a", "subnet-iso-b"],
    allowedSecurityGroupIds: ["sg-nodes"],
    kmsKeyArn: keyArn("data"),
    logsKeyArn: keyArn("logs"),
    engineVersion: "16.4",
    instanceClass: "db.t4g.medium",
    allocatedStorageGb: 20,
    tags: TAGS,
};

function alone(extra: Partial<DatabaseArgs> = {}): Promise<Capture> {
    return buildAlone(() => new Database("db", { ...REQUIRED, ...extra }));
}

describe("Database component", () => {
    let c: Capture;
    before(async () => {
        c = await alone();
    });

    it("constructs with minimal args: a protected, multi-AZ, encrypted PostgreSQL instance", () => {
        assertComponent(c, TYPE, "db", { engineVersion: "16.4", subnetIds: ["subnet-iso-a", "subnet-iso-b"] });
        const db = c.one(INSTANCE);
        assert.equal(db.name, "db-db");
        assert.deepEqual(
            [db.inputs.engine, db.inputs.engineVersion, db.inputs.port, db.inputs.dbName, db.inputs.username],
            ["postgres", "16", 5432, "app", "app_admin"],
        );
        assert.equal(db.inputs.multiAz, true);
        assert.equal(db.inputs.deletionProtection, true);
        assert.equal(db.protect, true, "Pulumi protect follows the default too");
        assert.deepEqual([db.inputs.storageEncrypted, db.inputs.kmsKeyId], [true, keyArn("data")]);
        assert.equal(db.inputs.maxAllocatedStorage, undefined, "no storage autoscaling unless a ceiling is given");
    });

    it("keeps the instance private: isolated subnets, no public address, the port from the given security groups only", () => {
        const db = c.one(INSTANCE).inputs;
        assert.equal(db.publiclyAccessible, false);
        assert.deepEqual(c.one("aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds, ["subnet-iso-a", "subnet-iso-b"]);
        const rules = c.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.deepEqual(
            rules.map((r) => [
                r.inputs.referencedSecurityGroupId,
                r.inputs.cidrIpv4,
                r.inputs.fromPort,
                r.inputs.toPort,
            ]),
            [["sg-nodes", undefined, 5432, 5432]],
        );
        assert.deepEqual(c.one("aws:rds/parameterGroup:ParameterGroup").inputs.parameters, [
            { name: "rds.force_ssl", value: "1" },
        ]);
    });

    it("credentials and backups by default: an RDS-managed secret, IAM auth, 7 days of backups in a locked vault", () => {
        const db = c.one(INSTANCE).inputs;
        assert.deepEqual(
            [db.manageMasterUserPassword, db.masterUserSecretKmsKeyId, db.iamDatabaseAuthenticationEnabled],
            [true, keyArn("data"), true],
        );
        assert.equal(db.password, undefined);
        assert.deepEqual([db.backupRetentionPeriod, db.backupWindow, db.skipFinalSnapshot], [7, "02:00-03:00", false]);
        assert.equal(c.one(VAULT).protect, true);
        assert.equal(c.one(VAULT).inputs.kmsKeyArn, keyArn("data"));
        assert.ok(c.one("aws:backup/vaultPolicy:VaultPolicy"), "recovery points cannot be deleted");
        for (const group of c.ofType("aws:cloudwatch/logGroup:LogGroup"))
            assert.deepEqual([group.inputs.kmsKeyId, group.inputs.retentionInDays], [keyArn("logs"), 365], group.name);
    });

    it("turns protection and the standby off, and follows the engine's port, only when asked", async () => {
        const dev = await alone({ protect: false, multiAz: false, engine: "mysql", engineVersion: "8.0.39" });
        const db = dev.one(INSTANCE);
        assert.deepEqual(
            [db.inputs.deletionProtection, db.protect, db.inputs.multiAz, db.inputs.port],
            [false, false, false, 3306],
        );
        assert.equal(dev.ofType("aws:backup/vaultPolicy:VaultPolicy").length, 0);
        assert.deepEqual(
            dev.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").map((r) => r.inputs.fromPort),
            [3306],
        );
    });
});
