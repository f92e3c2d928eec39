import { strict as assert } from "assert";
import { backupSchedule, majorVersion, parameterGroupFamily } from "../components/database";
import { Capture, CapturedResource, readStackConfig, runProgram } from "./support/harness";

const INSTANCE = "aws:rds/instance:Instance";
const PARAMS = "aws:rds/parameterGroup:ParameterGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG = "aws:ec2/securityGroup:SecurityGroup";
const DATABASE = "platform:data:Database";

/** Resources under the data tier's component (the program also builds every other tier). */
function dataTier(c: Capture): CapturedResource[] {
    const out: CapturedResource[] = [];
    const walk = (urn: string) => c.childrenOf(urn).forEach((r) => (out.push(r), walk(r.urn)));
    walk(c.one(DATABASE).urn);
    return out;
}

/** Every key path in `v` whose name mentions a password. */
function passwordKeys(v: unknown, path = ""): string[] {
    if (Array.isArray(v)) return v.flatMap((x, i) => passwordKeys(x, `${path}[${i}]`));
    if (v && typeof v === "object")
        return Object.entries(v).flatMap(([k, x]) => [
            ...(/passw/i.test(k) ? [`${path}.${k}`] : []),
            ...passwordKeys(x, `${path}.${k}`),
        ]);
    return [];
}

describe("data tier", () => {
    let dev: Capture;
    let prod: Capture;
    let mysql: Capture;
    let devOutputs: Record<string, unknown>;
    let devDatabaseOutputs: Record<string, unknown>;
    before(async () => {
        const devRun = await runProgram("dev");
        dev = devRun.capture;
        devOutputs = devRun.outputs;
        devDatabaseOutputs = dev.one(DATABASE).outputs;
        prod = (await runProgram("prod")).capture;
        const devDatabase = JSON.parse(readStackConfig("dev")["platform:database"]);
        mysql = (
            await runProgram("dev", {
                overrides: { database: { ...devDatabase, engine: "mysql", engineVersion: "8.0.39" } },
            })
        ).capture;
    });

    it("keeps the database in the isolated subnets only", () => {
        for (const c of [dev, prod]) {
            const isolated = c
                .ofType("aws:ec2/subnet:Subnet")
                .filter((s) => s.inputs.tags["subnet-layer"] === "isolated");
            const group = c.one("aws:rds/subnetGroup:SubnetGroup", "subnets");
            assert.deepEqual([...group.inputs.subnetIds].sort(), isolated.map((s) => s.id).sort());
            const db = c.one(INSTANCE);
            assert.equal(db.inputs.dbSubnetGroupName, group.state.name);
            // The pack's STK-01 join follows this edge, not the (unknown at preview) name.
            assert.deepEqual(db.propertyDependencies.dbSubnetGroupName, [group.urn]);
        }
        assert.equal(prod.one("aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds.length, 3);
    });

    it("is not publicly accessible and admits only the EKS nodes and the one-off database-user job on the DB port", () => {
        const db = dev.one(INSTANCE);
        assert.equal(db.inputs.publiclyAccessible, false);
        const sg = dev.one(SG, "sg");
        const nodes = dev.one(SG, "nodes");
        assert.equal(
            nodes.parent,
            dev.one("platform:cluster:Cluster").urn,
            "the node security group the cluster tier creates",
        );
        assert.deepEqual(db.inputs.vpcSecurityGroupIds, [sg.id]);
        assert.equal(sg.inputs.ingress, undefined, "no inline rules");
        assert.equal(sg.inputs.egress, undefined, "no inline rules");
        const job = dev.one(SG, "db-user-security-group");
        // Registration order follows output resolution, which is not part of the contract: compare as a set.
        const bySource = (a: unknown[], b: unknown[]) => String(a[0]).localeCompare(String(b[0]));
        const rules = dev.ofType(INGRESS).filter((r) => r.inputs.securityGroupId === sg.id);
        assert.deepEqual(
            rules
                .map((r) => [
                    r.inputs.referencedSecurityGroupId,
                    r.inputs.ipProtocol,
                    r.inputs.fromPort,
                    r.inputs.toPort,
                    r.inputs.cidrIpv4,
                    r.inputs.cidrIpv6,
                ])
                .sort(bySource),
            [
                [nodes.id, "tcp", 5432, 5432, undefined, undefined],
                [job.id, "tcp", 5432, 5432, undefined, undefined],
            ].sort(bySource),
        );
        assert.deepEqual(
            dataTier(dev).filter((r) => r.type === "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"),
            [],
        );
        assert.deepEqual(dev.ofType("aws:ec2/securityGroupRule:SecurityGroupRule"), []);
    });

    it("encrypts storage, Performance Insights, the master secret and the backup vault with the data key", () => {
        for (const c of [dev, prod]) {
            const dataKey = c.one("aws:kms/key:Key", "data").state.arn;
            const db = c.one(INSTANCE).inputs;
            assert.equal(db.storageEncrypted, true);
            assert.deepEqual(
                [db.kmsKeyId, db.performanceInsightsKmsKeyId, db.masterUserSecretKmsKeyId],
                [dataKey, dataKey, dataKey],
            );
            assert.equal(db.performanceInsightsEnabled, true);
            assert.equal(c.one("aws:backup/vault:Vault").inputs.kmsKeyArn, dataKey);
        }
    });

    it("uses gp3 storage that autoscales up to the configured ceiling", () => {
        assert.deepEqual(
            [dev, prod].map((c) => {
                const db = c.one(INSTANCE).inputs;
                return [db.storageType, db.allocatedStorage, db.maxAllocatedStorage];
            }),
            [
                ["gp3", 20, 50],
                ["gp3", 100, 1000],
            ],
        );
    });

    it("is single-AZ and unprotected in dev, multi-AZ, protected and kept 35 days in prod", () => {
        const summary = (c: Capture) => {
            const db = c.one(INSTANCE);
            return {
                multiAz: db.inputs.multiAz,
                retention: db.inputs.backupRetentionPeriod,
                deletionProtection: db.inputs.deletionProtection,
                protect: db.protect,
                vaultProtect: c.one("aws:backup/vault:Vault").protect,
            };
        };
        assert.deepEqual(summary(dev), {
            multiAz: false,
            retention: 7,
            deletionProtection: false,
            protect: false,
            vaultProtect: false,
        });
        assert.deepEqual(summary(prod), {
            multiAz: true,
            retention: 35,
            deletionProtection: true,
            protect: true,
            vaultProtect: true,
        });
    });

    it("always takes a final snapshot and copies tags to snapshots", () => {
        for (const [c, stack] of [
            [dev, "dev"],
            [prod, "prod"],
        ] as const) {
            const db = c.one(INSTANCE).inputs;
            assert.equal(db.skipFinalSnapshot, false);
            assert.equal(db.finalSnapshotIdentifier, `aws-platform-${stack}-database-final`);
            assert.equal(db.copyTagsToSnapshot, true);
            assert.equal(db.deleteAutomatedBackups, false);
            assert.deepEqual([db.backupWindow, db.maintenanceWindow], ["02:00-03:00", "sun:04:00-sun:05:00"]);
        }
    });

    it("forces TLS through its own PostgreSQL parameter group", () => {
        const pg = dev.one(PARAMS);
        assert.equal(pg.inputs.family, "postgres16");
        assert.deepEqual(pg.inputs.parameters, [{ name: "rds.force_ssl", value: "1" }]);
        const db = dev.one(INSTANCE).inputs;
        assert.equal(db.parameterGroupName, pg.state.name);
        assert.deepEqual(dev.one(INSTANCE).propertyDependencies.parameterGroupName, [pg.urn]); // the STK-11 join
        assert.deepEqual(
            [db.engine, db.engineVersion, db.port, db.optionGroupName],
            ["postgres", "16", 5432, undefined],
        );
        assert.deepEqual(db.enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
    });

    it("forces TLS for MySQL and adds the audit plugin its audit log export needs", () => {
        const pg = mysql.one(PARAMS);
        assert.equal(pg.inputs.family, "mysql8.0");
        assert.ok(pg.inputs.parameters.some((p: any) => p.name === "require_secure_transport" && p.value === "ON"));
        assert.ok(!pg.inputs.parameters.some((p: any) => p.name === "rds.force_ssl"));
        const options = mysql.one("aws:rds/optionGroup:OptionGroup");
        assert.deepEqual(
            [options.inputs.engineName, options.inputs.majorEngineVersion, options.inputs.options[0].optionName],
            ["mysql", "8.0", "MARIADB_AUDIT_PLUGIN"],
        );
        const db = mysql.one(INSTANCE).inputs;
        assert.deepEqual(
            [db.engine, db.engineVersion, db.port, db.parameterGroupName, db.optionGroupName],
            ["mysql", "8.0", 3306, pg.state.name, options.state.name],
        );
        assert.deepEqual(db.enabledCloudwatchLogsExports, ["audit", "error", "general", "slowquery"]);
        assert.deepEqual(
            dataTier(mysql)
                .filter((r) => r.type === INGRESS)
                .map((r) => [r.inputs.fromPort, r.inputs.toPort]),
            [[3306, 3306]],
        );
    });

    it("turns Performance Insights off where RDS for MySQL does not offer it (db.t4g.micro)", () => {
        const db = mysql.one(INSTANCE).inputs;
        assert.equal(db.instanceClass, "db.t4g.micro");
        assert.deepEqual([db.performanceInsightsEnabled, db.performanceInsightsKmsKeyId], [false, undefined]);
    });

    it("lets RDS own the master password: no password in any input", () => {
        for (const c of [dev, prod, mysql]) {
            const db = c.one(INSTANCE).inputs;
            assert.deepEqual(
                [db.manageMasterUserPassword, db.username, db.iamDatabaseAuthenticationEnabled],
                [true, "app_admin", true],
            );
            const leaks = c.resources.flatMap((r) =>
                passwordKeys(r.inputs)
                    .filter((k) => k !== ".manageMasterUserPassword")
                    .map((k) => `${r.name}${k}`),
            );
            assert.deepEqual(leaks, []);
        }
    });

    it("pre-creates its log groups under the logs key so exports are encrypted and expire", () => {
        const logsKey = dev.one("aws:kms/key:Key", "logs").state.arn;
        const groups = dev.ofType("aws:cloudwatch/logGroup:LogGroup").filter((g) => g.name.startsWith("database-"));
        assert.deepEqual(groups.map((g) => g.inputs.name).sort(), [
            "/aws/rds/instance/aws-platform-dev-database/postgresql",
            "/aws/rds/instance/aws-platform-dev-database/upgrade",
        ]);
        for (const g of groups) assert.deepEqual([g.inputs.kmsKeyId, g.inputs.retentionInDays], [logsKey, 365]);
        const db = dev.one(INSTANCE);
        assert.equal(db.inputs.identifier, "aws-platform-dev-database");
        for (const g of groups) assert.ok(db.dependencies.includes(g.urn), `instance waits for ${g.name}`);
    });

    it("sends OS metrics through an enhanced-monitoring role only RDS monitoring can assume", () => {
        const role = dev.one("aws:iam/role:Role", "monitoring");
        assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, {
            Service: "monitoring.rds.amazonaws.com",
        });
        const attached = dev
            .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((a) => a.inputs.role === role.state.name);
        assert.deepEqual(
            attached.map((a) => a.inputs.policyArn),
            ["arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"],
        );
        const db = dev.one(INSTANCE).inputs;
        assert.deepEqual(
            [db.monitoringInterval, db.monitoringRoleArn, db.autoMinorVersionUpgrade],
            [60, role.state.arn, true],
        );
    });

    it("backs the instance up daily into the vault with the stack's retention", () => {
        for (const [c, days] of [
            [dev, 7],
            [prod, 35],
        ] as const) {
            const plan = c.one("aws:backup/plan:Plan");
            const selection = c.one("aws:backup/selection:Selection");
            assert.deepEqual(selection.inputs.resources, [c.one(INSTANCE).state.arn]);
            assert.equal(selection.inputs.planId, plan.id);
            const [rule] = plan.inputs.rules;
            assert.equal(plan.inputs.rules.length, 1);
            assert.equal(rule.targetVaultName, c.one("aws:backup/vault:Vault").state.name);
            assert.equal(rule.schedule, "cron(0 6 * * ? *)");
            assert.equal(rule.lifecycle.deleteAfter, days);
            const role = c.referenced(selection.inputs.iamRoleArn);
            assert.equal(role?.type, "aws:iam/role:Role");
            assert.deepEqual(JSON.parse(role!.inputs.assumeRolePolicy).Statement[0].Principal, {
                Service: "backup.amazonaws.com",
            });
            const policies = c
                .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((a) => a.inputs.role === role!.state.name)
                .map((a) => a.inputs.policyArn);
            assert.deepEqual(policies.sort(), [
                "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
                "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
            ]);
        }
    });

    it("denies deleting recovery points in a protected stack's vault only", () => {
        assert.deepEqual(dev.ofType("aws:backup/vaultPolicy:VaultPolicy"), []);
        const policy = JSON.parse(prod.one("aws:backup/vaultPolicy:VaultPolicy").inputs.policy);
        assert.deepEqual(
            policy.Statement.map((s: any) => [s.Effect, s.Action]),
            [["Deny", ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"]]],
        );
    });

    it("hands the app tier the endpoint, port and resource id (for IAM auth), and keeps the RDS-managed secret to operators", () => {
        const out = devDatabaseOutputs;
        assert.match(out.endpoint as string, /^database-db\..+\.rds\.amazonaws\.com:5432$/);
        assert.equal(out.port, 5432);
        assert.match(out.masterSecretArn as string, /^arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-/);
        assert.equal(out.securityGroupId, dev.one(SG, "sg").id);
        assert.equal(out.instanceArn, dev.one(INSTANCE).state.arn);
        assert.deepEqual(
            [devOutputs.databaseEndpoint, devOutputs.databaseSecretArn],
            [out.endpoint, out.masterSecretArn],
            "the stack exports the same",
        );
        // What the app tier actually receives from the program's wiring.
        const connection = dev.one("kubernetes:core/v1:ConfigMap", "config").inputs.data;
        assert.deepEqual(
            [
                connection.DATABASE_HOST,
                connection.DATABASE_PORT,
                connection.DATABASE_USER,
                connection.DATABASE_IAM_AUTH,
            ],
            [dev.one(INSTANCE).state.address, "5432", "app_iam", "true"],
        );
        assert.equal(out.resourceId, dev.one(INSTANCE).state.resourceId);
        assert.ok(!Object.values(connection).includes(out.masterSecretArn), "the master secret never reaches the app");
        assert.equal(out.address, connection.DATABASE_HOST);
    });

    it("parents every data resource to the Database component", () => {
        const component = dev.one("platform:data:Database");
        const children = dev.childrenOf(component.urn).map((r) => r.type);
        for (const t of [
            INSTANCE,
            PARAMS,
            "aws:rds/subnetGroup:SubnetGroup",
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:backup/plan:Plan",
            "aws:backup/selection:Selection",
        ])
            assert.ok(children.includes(t), t);
    });
});

describe("data tier helpers", () => {
    it("derives the parameter group family from engine and major version", () => {
        assert.equal(parameterGroupFamily("postgres", "16.4"), "postgres16");
        assert.equal(parameterGroupFamily("postgres", "17"), "postgres17");
        assert.equal(parameterGroupFamily("mysql", "8.0.39"), "mysql8.0");
        assert.equal(parameterGroupFamily("mysql", "8.4.3"), "mysql8.4");
        assert.throws(() => majorVersion("mysql", "8"), /mysql version 8 must name the major and minor version/);
    });

    it("schedules AWS Backup an hour clear of the RDS backup and maintenance windows", () => {
        assert.equal(backupSchedule("02:00-03:00", "sun:04:00-sun:05:00"), "cron(0 6 * * ? *)");
        assert.equal(backupSchedule("02:00-03:00", "sun:10:00-sun:11:00"), "cron(0 4 * * ? *)");
        assert.equal(backupSchedule("22:30-23:00", "sat:23:30-sun:00:30"), "cron(0 2 * * ? *)");
    });
});
