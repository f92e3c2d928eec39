import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../data";
import { policies as logging } from "../logging";
import { policies as stack } from "../stack";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed, runStackPolicy, StackFixture } from "./support";
import { TYPES } from "../../lib/contract";

/** Issue #19 class 6: Aurora/RDS clusters like instances, MariaDB TLS, replicas, vault lock, monitoring and patching. */

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ROLE = "arn:aws:iam::111122223333:role/rds-monitoring";
const aurora = {
    engine: "aurora-postgresql",
    storageEncrypted: true,
    kmsKeyId: KEY,
    dbSubnetGroupName: "db",
    backupRetentionPeriod: 7,
    copyTagsToSnapshot: true,
    enabledCloudwatchLogsExports: ["postgresql"],
};
const replica = {
    replicateSourceDb: "primary-db",
    instanceClass: "db.m6g.large",
    monitoringInterval: 60,
    monitoringRoleArn: ROLE,
    copyTagsToSnapshot: true,
    multiAz: true,
};

const table: Record<string, Case[]> = {
    "rds-storage-encrypted-with-cmk": [
        {
            it: "passes a same-Region read replica (inherits the source's encryption)",
            type: TYPES.rdsInstance,
            props: replica,
        },
        {
            it: "passes an Aurora cross-Region replica cluster",
            type: TYPES.rdsCluster,
            props: {
                replicationSourceIdentifier: "arn:aws:rds:eu-central-1:111122223333:cluster:src",
                engine: "aurora-postgresql",
            },
        },
        {
            it: "still rejects a replica pinned to the AWS-managed key",
            type: TYPES.rdsInstance,
            props: { ...replica, kmsKeyId: "alias/aws/rds" },
            rejects: /alias\/aws\/rds/,
        },
        {
            it: "rejects an unencrypted Aurora cluster",
            type: TYPES.rdsCluster,
            props: { ...aurora, storageEncrypted: false },
            rejects: /storageEncrypted/,
        },
    ],
    "rds-tls-enforced": [
        {
            it: "rejects a MariaDB group without require_secure_transport",
            type: TYPES.rdsParameterGroup,
            props: { family: "mariadb10.11", parameters: [] },
            rejects: /require_secure_transport/,
        },
        {
            it: "rejects a SQL Server group without rds.force_ssl",
            type: TYPES.rdsParameterGroup,
            props: { family: "sqlserver-se-16.0", parameters: [] },
            rejects: /rds\.force_ssl/,
        },
        {
            it: "rejects an aurora-postgresql cluster group without rds.force_ssl",
            type: TYPES.rdsClusterParameterGroup,
            props: { family: "aurora-postgresql16", parameters: [{ name: "rds.force_ssl", value: "0" }] },
            rejects: /rds\.force_ssl/,
        },
        {
            it: "passes MariaDB forcing TLS",
            type: TYPES.rdsParameterGroup,
            props: { family: "mariadb10.11", parameters: [{ name: "require_secure_transport", value: "ON" }] },
        },
    ],
    "rds-enhanced-monitoring": [
        {
            it: "rejects an instance without Enhanced Monitoring",
            type: TYPES.rdsInstance,
            props: { engine: "postgres" },
            rejects: /monitoringInterval is absent/,
        },
        {
            it: "rejects an Aurora member without Enhanced Monitoring",
            type: TYPES.rdsClusterInstance,
            props: { clusterIdentifier: "c", monitoringInterval: 0 },
            rejects: /monitoringInterval is 0/,
        },
        {
            it: "rejects monitoring without a role",
            type: TYPES.rdsInstance,
            props: { monitoringInterval: 60 },
            rejects: /monitoringRoleArn is absent/,
        },
        {
            it: "passes 60-second monitoring with a role",
            type: TYPES.rdsInstance,
            props: { monitoringInterval: 60, monitoringRoleArn: ROLE },
        },
        { it: "ignores an Aurora cluster (monitoring is per member)", type: TYPES.rdsCluster, props: aurora },
    ],
    "rds-auto-minor-version-upgrade": [
        {
            it: "rejects an instance that skips minor upgrades",
            type: TYPES.rdsInstance,
            props: { autoMinorVersionUpgrade: false },
            rejects: /autoMinorVersionUpgrade/,
        },
        {
            it: "rejects an Aurora member that skips minor upgrades",
            type: TYPES.rdsClusterInstance,
            props: { autoMinorVersionUpgrade: false },
            rejects: /autoMinorVersionUpgrade/,
        },
        { it: "passes the default (true)", type: TYPES.rdsInstance, props: { engine: "postgres" } },
    ],
    "rds-copy-tags-to-snapshot": [
        {
            it: "rejects an instance without copyTagsToSnapshot (default false)",
            type: TYPES.rdsInstance,
            props: { engine: "postgres" },
            rejects: /copyTagsToSnapshot/,
        },
        {
            it: "rejects a cluster without copyTagsToSnapshot",
            type: TYPES.rdsCluster,
            props: { ...aurora, copyTagsToSnapshot: false },
            rejects: /copyTagsToSnapshot/,
        },
        { it: "passes a cluster copying tags", type: TYPES.rdsCluster, props: aurora },
    ],
    "rds-uses-explicit-subnet-group": [
        { it: "passes a read replica without a subnet group", type: TYPES.rdsInstance, props: replica },
    ],
    "rds-backup-retention": [
        { it: "passes a read replica (backups come from the source)", type: TYPES.rdsInstance, props: replica },
    ],
};

const loggingTable: Record<string, Case[]> = {
    "rds-logs-exported": [
        {
            it: "rejects Postgres without the upgrade log (FSBP RDS.9)",
            type: TYPES.rdsInstance,
            props: { engine: "postgres", enabledCloudwatchLogsExports: ["postgresql"] },
            rejects: /lacks "upgrade"/,
        },
        {
            it: "rejects MariaDB without general and slowquery logs",
            type: TYPES.rdsInstance,
            props: { engine: "mariadb", enabledCloudwatchLogsExports: ["audit", "error"] },
            rejects: /"general", "slowquery"/,
        },
        {
            it: "rejects an Aurora MySQL cluster without audit logs (RDS.34)",
            type: TYPES.rdsCluster,
            props: { engine: "aurora-mysql", enabledCloudwatchLogsExports: ["error", "general", "slowquery"] },
            rejects: /"audit"/,
        },
        { it: "passes aurora-postgresql exporting postgresql", type: TYPES.rdsCluster, props: aurora },
        {
            it: "passes Postgres exporting postgresql and upgrade",
            type: TYPES.rdsInstance,
            props: { engine: "postgres", enabledCloudwatchLogsExports: ["postgresql", "upgrade"] },
        },
    ],
};

describe("policy pack: data (issue #19 class 6)", () => {
    for (const [mod, t] of [
        [policies, table],
        [logging, loggingTable],
    ] as const) {
        for (const [name, cases] of Object.entries(t)) {
            describe(name, () => {
                for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(mod, name), c));
                for (const c of cases.filter((x) => !x.rejects))
                    it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                        checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(mod, name), c));
            });
        }
    }

    describe("rds-multi-az covers clusters", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "rds-multi-az");
        const member = (name: string, az?: string): StackFixture => ({
            type: TYPES.rdsClusterInstance,
            name,
            props: { clusterIdentifier: "c", ...(az ? { availabilityZone: az } : {}) },
            deps: { clusterIdentifier: ["c"] },
        });
        it("flags an Aurora cluster with one instance", async () => {
            const run = await runStackPolicy(
                policy,
                [{ type: TYPES.rdsCluster, name: "c", props: aurora }, member("m1")],
                {
                    enforcementLevel: "mandatory",
                },
            );
            assert.ok(
                run.mandatory.some((m) => m.includes("Cluster 'c' has 1 instance")),
                JSON.stringify(run.violations),
            );
        });
        it("flags two members pinned to one AZ", async () => {
            const run = await runStackPolicy(
                policy,
                [
                    { type: TYPES.rdsCluster, name: "c", props: aurora },
                    member("m1", "eu-west-1a"),
                    member("m2", "eu-west-1a"),
                ],
                { enforcementLevel: "mandatory" },
            );
            assert.ok(
                run.mandatory.some((m) => m.includes("one Availability Zone")),
                JSON.stringify(run.violations),
            );
        });
        it("flags a single-AZ instance", async () => {
            const run = await runStackPolicy(
                policy,
                [{ type: TYPES.rdsInstance, name: "db", props: { engine: "postgres", multiAz: false } }],
                { enforcementLevel: "mandatory" },
            );
            assert.ok(
                run.mandatory.some((m) => m.includes("Set multiAz to true")),
                JSON.stringify(run.violations),
            );
        });
        it("passes a writer and a reader", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(policy, [
                        { type: TYPES.rdsCluster, name: "c", props: aurora },
                        member("m1"),
                        member("m2"),
                    ])
                ).violations,
                [],
            ));
        it("passes a Multi-AZ DB cluster (dbClusterInstanceClass)", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(policy, [
                        {
                            type: TYPES.rdsCluster,
                            name: "c",
                            props: { engine: "postgres", dbClusterInstanceClass: "db.m6gd.large" },
                        },
                    ])
                ).violations,
                [],
            ));
        it("passes a Multi-AZ instance", async () =>
            assert.deepEqual(
                (await runStackPolicy(policy, [{ type: TYPES.rdsInstance, name: "db", props: { multiAz: true } }]))
                    .violations,
                [],
            ));
        it("does not judge an instance whose multiAz is unknown", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(
                        policy,
                        [{ type: TYPES.rdsInstance, name: "db", props: { multiAz: UNKNOWN } }],
                        {
                            enforcementLevel: "mandatory",
                        },
                    )
                ).mandatory,
                [],
            ));
    });

    describe("backup-vault-deny-delete", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "backup-vault-deny-delete");
        const vault: StackFixture = { type: TYPES.backupVault, name: "v", props: { kmsKeyArn: KEY } };
        const vaultPolicy = (statement: object): StackFixture => ({
            type: TYPES.backupVaultPolicy,
            name: "vp",
            props: {
                backupVaultName: "v-1",
                policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
            },
            deps: { backupVaultName: ["v"] },
        });
        const deny = {
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
            Resource: "*",
        };
        it("rejects a vault without a policy or lock (prod)", async () => {
            const run = await runStackPolicy(policy, [vault], { enforcementLevel: "mandatory" });
            assert.ok(
                run.mandatory.some((m) => m.includes("lets administrators delete recovery points")),
                JSON.stringify(run.violations),
            );
        });
        it("rejects a vault policy that does not deny deletion", async () => {
            const run = await runStackPolicy(
                policy,
                [vault, vaultPolicy({ ...deny, Action: "backup:UpdateRecoveryPointLifecycle" })],
                { enforcementLevel: "mandatory" },
            );
            assert.equal(run.mandatory.length, 1);
        });
        it("passes the platform's deny-delete policy", async () =>
            assert.deepEqual(
                (await runStackPolicy(policy, [vault, vaultPolicy(deny)], { enforcementLevel: "mandatory" }))
                    .violations,
                [],
            ));
        it("passes a backup:* deny", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(policy, [vault, vaultPolicy({ ...deny, Action: "backup:*" })], {
                        enforcementLevel: "mandatory",
                    })
                ).violations,
                [],
            ));
        it("passes a vault lock", async () => {
            const lock: StackFixture = {
                type: TYPES.backupVaultLock,
                name: "lock",
                props: { backupVaultName: "v-1", minRetentionDays: 7 },
                deps: { backupVaultName: ["v"] },
            };
            assert.deepEqual(
                (await runStackPolicy(policy, [vault, lock], { enforcementLevel: "mandatory" })).violations,
                [],
            );
        });
        it("does not fail while the vault policy is unknown", async () => {
            const run = await runStackPolicy(
                policy,
                [vault, { ...vaultPolicy(deny), props: { backupVaultName: "v-1", policy: UNKNOWN } }],
                { enforcementLevel: "mandatory" },
            );
            assert.deepEqual(run.mandatory, []);
        });
    });

    describe("rds-uses-tls-parameter-group skips same-Region replicas", () => {
        const policy = policyNamed<StackValidationPolicy>(stack, "rds-uses-tls-parameter-group");
        it("passes a replica without its own parameter group", async () =>
            assert.deepEqual(
                (await runStackPolicy(policy, [{ type: TYPES.rdsInstance, name: "r", props: replica }])).violations,
                [],
            ));
        it("still rejects a primary without one", async () =>
            assert.equal(
                (await runStackPolicy(policy, [{ type: TYPES.rdsInstance, name: "p", props: { engine: "postgres" } }]))
                    .mandatory.length,
                1,
            ));
    });
});
