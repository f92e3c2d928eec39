import { BackupVault, DbInstance } from "./lib/classes";
import { Policy, Props, resourcePolicy, resourcePolicyOf } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { isKmsReference } from "./lib/kms";
import { need } from "./lib/read";
import { asArray, asNumber } from "./lib/values";

/** Catalogue section 5: RDS (plus AWS Backup vaults, which hold the database's recovery points). */

export const DB_INSTANCE = "aws:rds/instance:Instance";
export const DB_CLUSTER = "aws:rds/cluster:Cluster";
export const DB_CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance";
export const DB_TYPES = [DB_INSTANCE, DB_CLUSTER];
export const PARAMETER_GROUP_TYPES = ["aws:rds/parameterGroup:ParameterGroup", "aws:rds/clusterParameterGroup:ClusterParameterGroup"];

/** Why a parameter group does not force TLS (RDS-04), or undefined when it does (or the family is not one we know). */
export function tlsParameterProblem(p: Props): string | undefined {
    const family = String(need(p, "family") ?? "");
    const params = asArray(need(p, "parameters")) as { name?: string; value?: string }[];
    const has = (name: string, values: string[]) => params.some((x) => x?.name === name && values.includes(String(x?.value).toUpperCase()));
    if (/^(postgres|aurora-postgresql)/.test(family) && !has("rds.force_ssl", ["1"])) return `family ${family} lacks { name: "rds.force_ssl", value: "1" }`;
    if (/^(mysql|aurora-mysql)/.test(family) && !has("require_secure_transport", ["ON", "1"])) return `family ${family} lacks { name: "require_secure_transport", value: "ON" }`;
    return undefined;
}

export const policies: Policy[] = [
    resourcePolicy({
        name: "rds-not-publicly-accessible",
        description: "RDS-01: databases are never publicly accessible (AWS FSBP RDS.2; CIS-AWS 2.3.3).",
        controls: ["RDS-01"],
        enforcementLevel: "mandatory",
        types: [DB_INSTANCE, DB_CLUSTER_INSTANCE],
        validate: ({ props }, report) => {
            if (need(props, "publiclyAccessible") === true) report("Set publiclyAccessible to false; the database is reached only from the private subnets.");
        },
    }),
    resourcePolicy({
        name: "rds-storage-encrypted-with-cmk",
        description: "RDS-02: database storage is encrypted with a customer-managed KMS key (AWS FSBP RDS.3, RDS.27; CIS-AWS 2.3.1).",
        controls: ["RDS-02"],
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ props, config }, report) => {
            if (need(props, "storageEncrypted") !== true) report("Set storageEncrypted to true (the default is unencrypted and cannot be changed later).");
            const key = need(props, "kmsKeyId");
            if (!isKmsReference(key, config.externalKmsKeyArns)) report(`kmsKeyId is ${key === undefined ? "absent (the AWS-managed aws/rds key would be used)" : JSON.stringify(key)}; set it to the ARN of a customer-managed KMS key.`);
        },
    }),
    resourcePolicy({
        name: "rds-uses-explicit-subnet-group",
        description: "RDS-03: databases name an explicit DB subnet group, never the default VPC's (AWS FSBP RDS.2, EC2.15).",
        controls: ["RDS-03"],
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        validate: ({ props }, report) => {
            const replica = props.replicateSourceDb !== undefined;
            if (!replica && need(props, "dbSubnetGroupName") === undefined) report("Set dbSubnetGroupName to a subnet group of isolated subnets; without it RDS uses the default VPC.");
        },
    }),
    resourcePolicy({
        name: "rds-tls-enforced",
        description: "RDS-04: DB parameter groups force TLS for client connections (TLS in transit; NIST SC-8).",
        controls: ["RDS-04"],
        enforcementLevel: "mandatory",
        types: PARAMETER_GROUP_TYPES,
        validate: ({ props }, report) => {
            const problem = tlsParameterProblem(props);
            if (problem) report(`The parameter group ${problem}; clients must not connect in plain text.`);
        },
    }),
    resourcePolicy({
        name: "rds-deletion-protection",
        description: "RDS-05: databases have deletion protection and, where configured (prod), keep a final snapshot (AWS FSBP RDS.7, RDS.8).",
        controls: ["RDS-05"],
        enforcementLevel: "advisory",
        types: DB_TYPES,
        configSchema: schemaOf([], { forbidSkipFinalSnapshot: { type: "boolean", description: "Also fail when skipFinalSnapshot is true (prod).", default: false } }),
        validate: ({ props, config }, report) => {
            if (need(props, "deletionProtection") !== true) report("Set deletionProtection to true.");
            if (config.forbidSkipFinalSnapshot && need(props, "skipFinalSnapshot") === true) report("Set skipFinalSnapshot to false (and a finalSnapshotIdentifier) so deleting the database keeps its data.");
        },
    }),
    resourcePolicy({
        name: "rds-backup-retention",
        description: "RDS-06: automated backups are kept at least minBackupRetentionDays (AWS FSBP RDS.11).",
        controls: ["RDS-06"],
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        configSchema: schemaOf(["minBackupRetentionDays"]),
        validate: ({ type, props, config }, report) => {
            if (props.replicateSourceDb !== undefined) return; // replicas inherit the source's backups
            const given = asNumber(need(props, "backupRetentionPeriod"));
            const days = given ?? (type === DB_CLUSTER ? 1 : 0);
            if (days < config.minBackupRetentionDays) report(`backupRetentionPeriod is ${given === undefined ? `absent (${days})` : days}; keep automated backups for at least ${config.minBackupRetentionDays} days.`);
        },
    }),
    resourcePolicy({
        name: "rds-iam-auth-enabled",
        description: "RDS-07: IAM database authentication is enabled (AWS FSBP RDS.10, RDS.12).",
        controls: ["RDS-07"],
        enforcementLevel: "advisory",
        types: DB_TYPES,
        validate: ({ props }, report) => {
            if (need(props, "iamDatabaseAuthenticationEnabled") !== true) report("Set iamDatabaseAuthenticationEnabled to true so applications can use short-lived IAM tokens instead of passwords.");
        },
    }),
    resourcePolicy({
        name: "rds-managed-master-password",
        description: "RDS-08: the master password is generated and rotated by RDS in Secrets Manager under a customer KMS key, never a literal (secret hygiene).",
        controls: ["RDS-08"],
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ type, props, config }, report) => {
            if (props.replicateSourceDb !== undefined) return;
            const literal = type === DB_CLUSTER ? "masterPassword" : "password";
            if (props[literal] !== undefined) report(`Remove ${literal}: a literal password lives in state and config; set manageMasterUserPassword: true instead.`);
            if (need(props, "manageMasterUserPassword") !== true) report("Set manageMasterUserPassword to true so RDS keeps and rotates the password in Secrets Manager.");
            const key = need(props, "masterUserSecretKmsKeyId");
            if (!isKmsReference(key, config.externalKmsKeyArns)) report(`masterUserSecretKmsKeyId is ${key === undefined ? "absent (aws/secretsmanager would be used)" : JSON.stringify(key)}; set a customer-managed KMS key.`);
        },
    }),
    resourcePolicyOf({
        name: "rds-multi-az",
        description: "RDS-09: database instances run Multi-AZ (AWS FSBP RDS.5); mandatory in prod through pack config.",
        controls: ["RDS-09"],
        enforcementLevel: "advisory",
        of: DbInstance,
        validate: ({ props }, report) => {
            if (need(props, "multiAz") !== true) report("Set multiAz to true so an AZ failure does not take the database down.");
        },
    }),
    resourcePolicyOf({
        name: "backup-vault-encrypted-with-cmk",
        description: "BAK-01 (issue minimum; not a catalogue row): AWS Backup vaults encrypt recovery points with a customer-managed KMS key (AWS FSBP Backup.1).",
        controls: ["BAK-01"],
        enforcementLevel: "mandatory",
        of: BackupVault,
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ props, config }, report) => {
            const key = need(props, "kmsKeyArn");
            if (!isKmsReference(key, config.externalKmsKeyArns)) report(`kmsKeyArn is ${key === undefined ? "absent (the AWS-managed aws/backup key would be used)" : JSON.stringify(key)}; set a customer-managed KMS key ARN.`);
        },
    }),
];
