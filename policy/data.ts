import { each, Policy, Props, resourcePolicy, resourcePolicyOf, stackPolicy } from "./lib/builders";
import { BackupVault } from "./lib/classes";
import { schemaOf } from "./lib/config";
import { globMatch } from "./lib/documents";
import { label, ofTypes, props as propsOf, referrers, resolveAll, resolveOne } from "./lib/graph";
import { isWildcardPrincipal, parsePolicyDocument, Statement } from "./lib/iam";
import { isAwsManagedAlias, isKmsReference } from "./lib/kms";
import { need, SKIP } from "./lib/read";
import { exitRoutes, internetNaclEntries } from "./lib/subnets";
import { isUnknown } from "./lib/unknowns";
import { absent, asArray, asNumber, present, quote } from "./lib/values";
import { TYPES } from "../lib/contract";

/** Catalogue section 5: RDS (plus AWS Backup vaults, which hold the database's recovery points). */

export const DB_TYPES = [TYPES.rdsInstance, TYPES.rdsCluster];
export const PARAMETER_GROUP_TYPES = [TYPES.rdsParameterGroup, TYPES.rdsClusterParameterGroup];

/** Why a parameter group does not force TLS (RDS-04), or undefined when it does (or the family is not one we know). */
export function tlsParameterProblem(p: Props): string | undefined {
    const family = String(need(p, "family") ?? "");
    const params = asArray(need(p, "parameters")) as { name?: string; value?: string }[];
    const has = (name: string, values: string[]) =>
        params.some((x) => x?.name === name && values.includes(String(x?.value).toUpperCase()));
    // PostgreSQL and SQL Server: rds.force_ssl; MySQL, MariaDB and Aurora MySQL (aurora5.6 is its legacy family): require_secure_transport.
    if (/^(postgres|aurora-postgresql|sqlserver)/.test(family) && !has("rds.force_ssl", ["1"]))
        return `family ${family} lacks { name: "rds.force_ssl", value: "1" }`;
    if (/^(mysql|aurora-mysql|aurora5|mariadb)/.test(family) && !has("require_secure_transport", ["ON", "1"]))
        return `family ${family} lacks { name: "require_secure_transport", value: "ON" }`;
    return undefined;
}

/** A read replica (or an Aurora cross-Region replica): storage encryption, backups and the password come from its source. */
export function isReplica(p: Props): boolean {
    return !absent(p.replicateSourceDb) || !absent(p.replicationSourceIdentifier);
}

const enhancedMonitoring = resourcePolicy({
    name: "rds-enhanced-monitoring",
    description:
        "RDS-10: database instances publish Enhanced Monitoring (monitoringInterval > 0 with a monitoring role) (AWS FSBP RDS.6).",
    controls: ["RDS-10"],
    enforcementLevel: "mandatory",
    types: [TYPES.rdsInstance, TYPES.rdsClusterInstance, TYPES.rdsCluster],
    validate: ({ type, props, reads }, report) => {
        // Aurora sets monitoring per member instance; only Multi-AZ DB clusters (dbClusterInstanceClass) take it on the cluster.
        if (type === TYPES.rdsCluster && absent(reads.read(props, "dbClusterInstanceClass"))) return;
        const interval = reads.read(props, "monitoringInterval");
        if (interval === SKIP) return;
        const seconds = asNumber(interval) ?? 0;
        if (seconds <= 0)
            report(
                `monitoringInterval is ${absent(interval) ? "absent (0, off)" : quote(interval)}: set 1, 5, 10, 15, 30 or 60 seconds with a monitoringRoleArn.`,
            );
        else if (absent(reads.read(props, "monitoringRoleArn")) && !reads.unknownPaths.includes("monitoringRoleArn"))
            report("monitoringRoleArn is absent: Enhanced Monitoring needs a role for monitoring.rds.amazonaws.com.");
    },
});

const autoMinorVersionUpgrade = resourcePolicy({
    name: "rds-auto-minor-version-upgrade",
    description:
        "RDS-11: databases take automatic minor version upgrades (security patches) (AWS FSBP RDS.13, RDS.35).",
    controls: ["RDS-11"],
    enforcementLevel: "mandatory",
    types: [TYPES.rdsInstance, TYPES.rdsClusterInstance, TYPES.rdsCluster],
    validate: ({ props }, report) => {
        if (need(props, "autoMinorVersionUpgrade") === false)
            report(
                "Set autoMinorVersionUpgrade to true (the default) so engine security patches are applied in the maintenance window.",
            );
    },
});

const copyTagsToSnapshot = resourcePolicy({
    name: "rds-copy-tags-to-snapshot",
    description:
        "RDS-12: databases copy their tags to snapshots, so ownership and classification follow the data (AWS FSBP RDS.16, RDS.17).",
    controls: ["RDS-12"],
    enforcementLevel: "mandatory",
    types: DB_TYPES,
    validate: ({ props }, report) => {
        if (need(props, "copyTagsToSnapshot") !== true)
            report("Set copyTagsToSnapshot to true (the default is false).");
    },
});

/** Vault policy statements that deny deleting recovery points to everyone. */
export function deniesRecoveryPointDeletion(statements: Statement[]): boolean {
    return statements.some(
        (s) =>
            String(s.Effect).toLowerCase() === "deny" &&
            isWildcardPrincipal(s.Principal) &&
            asArray(s.Action).some((a) => globMatch(String(a), "backup:DeleteRecoveryPoint")),
    );
}

const vaultDenyDelete = stackPolicy({
    name: "backup-vault-deny-delete",
    description:
        "BAK-02: every backup vault keeps recovery points from deletion: a vault policy denying backup:DeleteRecoveryPoint to everyone, or a vault lock (AWS Backup Vault Lock; AWS FSBP Backup.1 context). Mandatory in prod through pack config.",
    controls: ["BAK-02"],
    enforcementLevel: "advisory",
    validate: ({ resources }, report) => {
        for (const vault of ofTypes(resources, [TYPES.backupVault])) {
            each(vault, report, () => {
                if (referrers(vault, "backupVaultName", [TYPES.backupVaultLock], resources).length > 0) return;
                const policies = referrers(vault, "backupVaultName", [TYPES.backupVaultPolicy], resources);
                const denying = policies.filter((vp) => {
                    const doc = propsOf(vp).policy;
                    if (isUnknown(doc)) return true; // judged at up
                    const parsed = parsePolicyDocument(doc);
                    return !("error" in parsed) && deniesRecoveryPointDeletion(parsed.statements);
                });
                if (denying.length === 0)
                    report(
                        `${label(vault)} lets administrators delete recovery points: add an aws.backup.VaultPolicy denying backup:DeleteRecoveryPoint to Principal "*", or an aws.backup.VaultLockConfiguration.`,
                        vault.urn,
                    );
            });
        }
    },
});

/** FSBP RDS.9 / RDS.34 / RDS.36 / RDS.40: the log types each engine must export. */

const multiAz = stackPolicy({
    name: "rds-multi-az",
    description:
        "RDS-09: databases survive an AZ failure: instances run Multi-AZ, Aurora clusters have instances in at least two AZs, or the cluster is a Multi-AZ DB cluster (AWS FSBP RDS.5, RDS.15). Mandatory in prod through pack config.",
    controls: ["RDS-09"],
    enforcementLevel: "advisory",
    validate: ({ resources }, report) => {
        for (const db of ofTypes(resources, [TYPES.rdsInstance])) {
            each(db, report, (p) => {
                if (need(p, "multiAz") !== true)
                    report(
                        `${label(db)}: Set multiAz to true so an AZ failure does not take the database down.`,
                        db.urn,
                    );
            });
        }
        for (const cluster of ofTypes(resources, [TYPES.rdsCluster])) {
            each(cluster, report, (p) => {
                if (!absent(need(p, "dbClusterInstanceClass"))) return; // a Multi-AZ DB cluster: three AZs by construction
                if (need(p, "engineMode") === "serverless") return; // Aurora Serverless v1 runs across AZs by design
                const members = referrers(cluster, "clusterIdentifier", [TYPES.rdsClusterInstance], resources);
                if (members.length < 2) {
                    report(
                        `${label(cluster)} has ${members.length} instance${members.length === 1 ? "" : "s"}: add a reader in another Availability Zone so a failover has somewhere to go.`,
                        cluster.urn,
                    );
                    return;
                }
                const zones = members.map((m) => propsOf(m).availabilityZone);
                if (zones.some(isUnknown)) return;
                const pinned = zones.filter((z) => typeof z === "string" && z.trim() !== "");
                if (pinned.length === members.length && new Set(pinned).size < 2)
                    report(
                        `${label(cluster)} pins all its instances to one Availability Zone (${pinned[0]}): spread them across at least two.`,
                        cluster.urn,
                    );
            });
        }
    },
});

/**
 * RDS-13: the database's subnets have no network path beyond the VPC. STK-01 (`rds-private-subnets-only`) rejects
 * internet-gateway routes and public IP mapping; a NAT gateway, an egress-only gateway, a transit gateway, a
 * peering or an appliance ENI on the isolated route table still lets a compromised engine (or a malicious
 * extension) send data out, and an internet-sourced `allow` on their NACL removes the second layer in front of
 * the security group.
 */
const dbSubnetsNoInternetPath = stackPolicy({
    name: "rds-subnets-no-internet-path",
    description:
        "RDS-13: the subnets of every database's subnet group route nowhere beyond the VPC (no NAT, egress-only, transit gateway, peering or ENI route; only local and VPC-endpoint routes) and their network ACLs admit nothing from 0.0.0.0/0 or ::/0 (AWS FSBP RDS.2 intent; NIST SC-7).",
    controls: ["RDS-13"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        for (const db of ofTypes(resources, DB_TYPES)) {
            each(db, report, () => {
                const group = resolveOne(db, "dbSubnetGroupName", [TYPES.rdsSubnetGroup], resources);
                if (group.kind !== "resolved") return; // absent / undeclared / unknown: RDS-03 and STK-01
                for (const sg of group.targets) {
                    for (const subnet of resolveAll(sg, "subnetIds", [TYPES.subnet], resources).targets) {
                        for (const exit of exitRoutes(subnet, resources))
                            report(
                                `${label(db)}: subnet ${subnet.name} of ${label(sg)} has a route out of the VPC (${exit}); the database's subnets keep only the local route.`,
                                db.urn,
                            );
                        for (const entry of internetNaclEntries(subnet, resources))
                            report(
                                `${label(db)}: subnet ${subnet.name} of ${label(sg)}: its network ACL ${entry}; give the subnet an aws.ec2.NetworkAcl admitting only the application subnets' CIDRs on the database port.`,
                                db.urn,
                            );
                    }
                }
            });
        }
    },
});

export const policies: Policy[] = [
    resourcePolicy({
        name: "rds-not-publicly-accessible",
        description: "RDS-01: databases are never publicly accessible (AWS FSBP RDS.2; CIS-AWS 2.3.3).",
        controls: ["RDS-01"],
        enforcementLevel: "mandatory",
        types: [TYPES.rdsInstance, TYPES.rdsClusterInstance],
        validate: ({ props }, report) => {
            if (need(props, "publiclyAccessible") === true)
                report("Set publiclyAccessible to false; the database is reached only from the private subnets.");
        },
    }),
    resourcePolicy({
        name: "rds-storage-encrypted-with-cmk",
        description:
            "RDS-02: database storage, and Performance Insights data where it is on, is encrypted with a customer-managed KMS key (AWS FSBP RDS.3, RDS.27; CIS-AWS 2.3.1).",
        controls: ["RDS-02"],
        enforcementLevel: "mandatory",
        types: [...DB_TYPES, TYPES.rdsClusterInstance],
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ type, props, config, reads }, report) => {
            // Performance Insights keeps query text and wait samples: without performanceInsightsKmsKeyId RDS uses
            // the AWS-managed aws/rds key (RDS API PerformanceInsightsKMSKeyId: "If you don't specify a value ...
            // Amazon RDS uses your default KMS key"; pulumi-aws rds.Cluster: "the default RDS KMS key (aws/rds)").
            // `reads`: an unknown here is recorded and the storage fields below are still judged.
            if (reads.read(props, "performanceInsightsEnabled") === true) {
                const piKey = reads.read(props, "performanceInsightsKmsKeyId");
                if (piKey !== SKIP && !isKmsReference(piKey, config.externalKmsKeyArns))
                    report(
                        `performanceInsightsKmsKeyId is ${absent(piKey) ? "absent (the AWS-managed aws/rds key would be used)" : JSON.stringify(piKey)}; set it to the ARN of a customer-managed KMS key.`,
                    );
            }
            // Aurora members inherit storage encryption from their cluster; only their Performance Insights key is theirs.
            if (type === TYPES.rdsClusterInstance) return;
            const key = need(props, "kmsKeyId");
            if (isReplica(props)) {
                // A same-Region replica is encrypted with its source's key; only an explicit AWS-managed key is still wrong.
                if (isAwsManagedAlias(key))
                    report(`kmsKeyId is ${JSON.stringify(key)}; set it to the ARN of a customer-managed KMS key.`);
                return;
            }
            if (need(props, "storageEncrypted") !== true)
                report("Set storageEncrypted to true (the default is unencrypted and cannot be changed later).");
            if (!isKmsReference(key, config.externalKmsKeyArns))
                report(
                    `kmsKeyId is ${absent(key) ? "absent (the AWS-managed aws/rds key would be used)" : JSON.stringify(key)}; set it to the ARN of a customer-managed KMS key.`,
                );
        },
    }),
    resourcePolicy({
        name: "rds-uses-explicit-subnet-group",
        description:
            "RDS-03: databases name an explicit DB subnet group, never the default VPC's (AWS FSBP RDS.2, EC2.15).",
        controls: ["RDS-03"],
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        validate: ({ props }, report) => {
            const replica = isReplica(props);
            if (!replica && absent(need(props, "dbSubnetGroupName")))
                report(
                    "Set dbSubnetGroupName to a subnet group of isolated subnets; without it RDS uses the default VPC.",
                );
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
        description:
            "RDS-05: databases have deletion protection and, where configured (prod), keep a final snapshot (AWS FSBP RDS.7, RDS.8).",
        controls: ["RDS-05"],
        enforcementLevel: "advisory",
        types: DB_TYPES,
        configSchema: schemaOf([], {
            forbidSkipFinalSnapshot: {
                type: "boolean",
                description: "Also fail when skipFinalSnapshot is true (prod).",
                default: false,
            },
        }),
        validate: ({ props, config }, report) => {
            if (need(props, "deletionProtection") !== true) report("Set deletionProtection to true.");
            if (config.forbidSkipFinalSnapshot && need(props, "skipFinalSnapshot") === true)
                report(
                    "Set skipFinalSnapshot to false (and a finalSnapshotIdentifier) so deleting the database keeps its data.",
                );
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
            if (isReplica(props)) return; // replicas inherit the source's backups
            const given = asNumber(need(props, "backupRetentionPeriod"));
            const days = given ?? (type === TYPES.rdsCluster ? 1 : 0);
            if (days < config.minBackupRetentionDays)
                report(
                    `backupRetentionPeriod is ${given === undefined ? `absent (${days})` : days}; keep automated backups for at least ${config.minBackupRetentionDays} days.`,
                );
        },
    }),
    resourcePolicy({
        name: "rds-iam-auth-enabled",
        description: "RDS-07: IAM database authentication is enabled (AWS FSBP RDS.10, RDS.12).",
        controls: ["RDS-07"],
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        validate: ({ props }, report) => {
            if (need(props, "iamDatabaseAuthenticationEnabled") !== true)
                report(
                    "Set iamDatabaseAuthenticationEnabled to true so applications can use short-lived IAM tokens instead of passwords.",
                );
        },
    }),
    resourcePolicy({
        name: "rds-managed-master-password",
        description:
            "RDS-08: the master password is generated and rotated by RDS in Secrets Manager under a customer KMS key, never a literal (secret hygiene).",
        controls: ["RDS-08"],
        enforcementLevel: "mandatory",
        types: DB_TYPES,
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ type, props, config }, report) => {
            if (isReplica(props)) return;
            const literal = type === TYPES.rdsCluster ? "masterPassword" : "password";
            if (present(props[literal]))
                report(
                    `Remove ${literal}: a literal password lives in state and config; set manageMasterUserPassword: true instead.`,
                );
            if (need(props, "manageMasterUserPassword") !== true)
                report(
                    "Set manageMasterUserPassword to true so RDS keeps and rotates the password in Secrets Manager.",
                );
            const key = need(props, "masterUserSecretKmsKeyId");
            if (!isKmsReference(key, config.externalKmsKeyArns))
                report(
                    `masterUserSecretKmsKeyId is ${absent(key) ? "absent (aws/secretsmanager would be used)" : JSON.stringify(key)}; set a customer-managed KMS key.`,
                );
        },
    }),
    resourcePolicyOf({
        name: "backup-vault-encrypted-with-cmk",
        description:
            "BAK-01 (the issue minimum; a row of the pack catalogue, not of CONTROLS.md): AWS Backup vaults encrypt recovery points with a customer-managed KMS key (AWS FSBP Backup.1).",
        controls: ["BAK-01"],
        enforcementLevel: "mandatory",
        of: BackupVault,
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ props, config }, report) => {
            const key = need(props, "kmsKeyArn");
            if (!isKmsReference(key, config.externalKmsKeyArns))
                report(
                    `kmsKeyArn is ${absent(key) ? "absent (the AWS-managed aws/backup key would be used)" : JSON.stringify(key)}; set a customer-managed KMS key ARN.`,
                );
        },
    }),
    multiAz,
    enhancedMonitoring,
    autoMinorVersionUpgrade,
    copyTagsToSnapshot,
    vaultDenyDelete,
    dbSubnetsNoInternetPath,
];
