import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN } from "../lib/unknowns";
import { policies } from "../data";
import { policies as logging } from "../logging";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed } from "./support";
import { TYPES } from "../../lib/contract";

const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const good = {
    engine: "postgres",
    storageEncrypted: true,
    kmsKeyId: KEY,
    dbSubnetGroupName: "db-isolated",
    deletionProtection: true,
    skipFinalSnapshot: false,
    backupRetentionPeriod: 7,
    iamDatabaseAuthenticationEnabled: true,
    manageMasterUserPassword: true,
    masterUserSecretKmsKeyId: KEY,
    multiAz: true,
    publiclyAccessible: false,
    enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
};

const table: Record<string, Case[]> = {
    "rds-not-publicly-accessible": [
        {
            it: "rejects a public database",
            type: TYPES.rdsInstance,
            props: { ...good, publiclyAccessible: true },
            rejects: /Set publiclyAccessible to false/,
        },
        {
            it: "rejects a public Aurora member",
            type: TYPES.rdsClusterInstance,
            props: { publiclyAccessible: true },
            rejects: /publiclyAccessible/,
        },
        { it: "passes a private database (absent = false)", type: TYPES.rdsInstance, props: { engine: "postgres" } },
    ],
    "rds-storage-encrypted-with-cmk": [
        {
            it: "rejects unencrypted storage",
            type: TYPES.rdsInstance,
            props: { ...good, storageEncrypted: undefined },
            rejects: /Set storageEncrypted to true/,
        },
        {
            it: "rejects the AWS-managed key",
            type: TYPES.rdsCluster,
            props: { ...good, kmsKeyId: "alias/aws/rds" },
            rejects: /"alias\/aws\/rds"; set it to the ARN of a customer-managed KMS key/,
        },
        {
            it: "rejects encryption without a key",
            type: TYPES.rdsInstance,
            props: { ...good, kmsKeyId: undefined },
            rejects: /kmsKeyId is absent/,
        },
        { it: "passes a customer key", type: TYPES.rdsInstance, props: good },
        {
            it: "does not fail while the key ARN is unknown",
            type: TYPES.rdsInstance,
            props: { ...good, kmsKeyId: UNKNOWN },
        },
    ],
    "rds-uses-explicit-subnet-group": [
        {
            it: "rejects a database without a subnet group",
            type: TYPES.rdsInstance,
            props: { ...good, dbSubnetGroupName: undefined },
            rejects: /default VPC/,
        },
        { it: "passes an explicit subnet group", type: TYPES.rdsCluster, props: good },
    ],
    "rds-tls-enforced": [
        {
            it: "rejects a Postgres group without rds.force_ssl",
            type: TYPES.rdsParameterGroup,
            props: { family: "postgres16", parameters: [{ name: "log_connections", value: "1" }] },
            rejects: /rds\.force_ssl/,
        },
        {
            it: "rejects a MySQL cluster group without require_secure_transport",
            type: TYPES.rdsClusterParameterGroup,
            props: { family: "aurora-mysql8.0", parameters: [] },
            rejects: /require_secure_transport/,
        },
        {
            it: "passes a Postgres group forcing TLS",
            type: TYPES.rdsParameterGroup,
            props: { family: "postgres16", parameters: [{ name: "rds.force_ssl", value: "1" }] },
        },
    ],
    "rds-deletion-protection": [
        {
            it: "flags a database without deletion protection",
            type: TYPES.rdsInstance,
            props: { ...good, deletionProtection: false },
            rejects: /deletionProtection/,
        },
        {
            it: "blocks skipFinalSnapshot when prod config forbids it",
            type: TYPES.rdsInstance,
            props: { ...good, skipFinalSnapshot: true },
            config: { enforcementLevel: "mandatory", forbidSkipFinalSnapshot: true },
            rejects: /skipFinalSnapshot to false/,
        },
        { it: "passes a protected database", type: TYPES.rdsInstance, props: good },
    ],
    "rds-backup-retention": [
        {
            it: "rejects an instance without retention (absent = 0)",
            type: TYPES.rdsInstance,
            props: { ...good, backupRetentionPeriod: undefined },
            rejects: /absent \(0\)/,
        },
        {
            it: "rejects a cluster under the configured minimum",
            type: TYPES.rdsCluster,
            props: { ...good, backupRetentionPeriod: 14 },
            config: { minBackupRetentionDays: 30 },
            rejects: /at least 30 days/,
        },
        { it: "passes a week of backups", type: TYPES.rdsInstance, props: good },
    ],
    "rds-iam-auth-enabled": [
        {
            it: "flags password-only authentication",
            type: TYPES.rdsInstance,
            props: { ...good, iamDatabaseAuthenticationEnabled: false },
            rejects: /iamDatabaseAuthenticationEnabled/,
        },
        { it: "passes IAM authentication", type: TYPES.rdsInstance, props: good },
    ],
    "rds-managed-master-password": [
        {
            it: "rejects a literal password",
            type: TYPES.rdsInstance,
            props: { ...good, password: "hunter2" },
            rejects: /Remove password/,
        },
        {
            it: "rejects a cluster without a managed password",
            type: TYPES.rdsCluster,
            props: { ...good, manageMasterUserPassword: undefined },
            rejects: /manageMasterUserPassword/,
        },
        {
            it: "rejects the secret under the AWS-managed key",
            type: TYPES.rdsInstance,
            props: { ...good, masterUserSecretKmsKeyId: undefined },
            rejects: /masterUserSecretKmsKeyId is absent/,
        },
        { it: "passes an RDS-managed secret under a customer key", type: TYPES.rdsInstance, props: good },
    ],
    "backup-vault-encrypted-with-cmk": [
        {
            it: "rejects a vault on the AWS-managed key",
            type: TYPES.backupVault,
            props: { name: "v" },
            rejects: /aws\/backup/,
        },
        { it: "passes a vault on a customer key", type: TYPES.backupVault, props: { kmsKeyArn: KEY } },
    ],
};

const loggingTable: Record<string, Case[]> = {
    "rds-logs-exported": [
        {
            it: "rejects Postgres without the postgresql log export",
            type: TYPES.rdsInstance,
            props: { ...good, enabledCloudwatchLogsExports: ["upgrade"] },
            rejects: /lacks "postgresql"/,
        },
        {
            it: "rejects MySQL without audit and error logs",
            type: TYPES.rdsCluster,
            props: { engine: "aurora-mysql", enabledCloudwatchLogsExports: ["slowquery"] },
            rejects: /"audit", "error"/,
        },
        { it: "passes Postgres exporting postgresql", type: TYPES.rdsInstance, props: good },
    ],
};

describe("policy pack: data (RDS)", () => {
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
});
