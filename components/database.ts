import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags, named } from "./tags";
import { serviceTrustPolicy } from "./iam";
import { customTimeouts } from "./timeouts";
import { SG_ROLE_TAG, SG_ROLES } from "../lib/contract";
import { databasePort } from "../config";
import { withDefaults, registrable } from "./defaults";

export type DatabaseEngine = "postgres" | "mysql";

export interface DatabaseArgs {
    /** The VPC of the database's security group. Required. */
    vpcId: pulumi.Input<string>;
    /** Isolated subnets: no route to the internet (STK-01). Required. */
    subnetIds: pulumi.Input<string>[];
    /** Only these security groups may reach the port (the EKS node/cluster SGs); no CIDR is ever admitted. Required. */
    allowedSecurityGroupIds: pulumi.Input<string>[];
    /** The data key: storage, Performance Insights, the master-user secret and the backup vault (RDS-02). Required. */
    kmsKeyArn: pulumi.Input<string>;
    /** The logs key: the DB's CloudWatch log groups, pre-created so RDS does not make them unencrypted and unexpiring. Required. */
    logsKeyArn: pulumi.Input<string>;
    /** Retention of the exported DB logs. Default is 365 days (LOG-04 asks for at least 365). */
    logRetentionDays?: number;
    /** Default is `postgres`. */
    engine?: DatabaseEngine;
    /** Full version such as 16.4 or 8.0.39: picks the parameter group family and the major version RDS runs. Required. */
    engineVersion: string;
    /** RDS instance class such as db.t4g.medium. Required. */
    instanceClass: string;
    /** Initial gp3 storage in GiB. Required. */
    allocatedStorageGb: number;
    /** Storage autoscaling ceiling in GiB. Default is none: storage autoscaling off. */
    maxAllocatedStorageGb?: number;
    /** A standby in a second AZ (RDS-09). Default is `true`. */
    multiAz?: boolean;
    /** RDS automated backups (point-in-time restore) and the AWS Backup daily recovery points. Default is 7 days (RDS-06's minimum). */
    backupRetentionDays?: number;
    /** UTC hh:mm-hh:mm. Default is `02:00-03:00`. */
    backupWindow?: string;
    /** ddd:hh:mm-ddd:hh:mm, UTC. Default is `sun:04:00-sun:05:00`. */
    maintenanceWindow?: string;
    /** The database RDS creates. Default is `app`. */
    databaseName?: string;
    /** The master user; RDS keeps its password in Secrets Manager (RDS-08). Default is `app_admin`. */
    masterUsername?: string;
    /** The port; the network tier's NACL opens the same one. Default is the engine's port (`databasePort(engine)`: 5432 or 3306). */
    port?: number;
    /** AWS deletion protection plus Pulumi `protect` on the instance and the backup vault, and the vault lock policy. Default is `true`. */
    protect?: boolean;
    /** Tags on every resource (the `tags()` set: project, stack, tier, owner). Required. */
    tags: Tags;
}

/** The defaults of the optional DatabaseArgs (the port follows the engine): multi-AZ, protected, a year of logs. */
export const DATABASE_DEFAULTS = {
    logRetentionDays: 365,
    engine: "postgres" as DatabaseEngine,
    multiAz: true,
    backupRetentionDays: 7,
    backupWindow: "02:00-03:00",
    maintenanceWindow: "sun:04:00-sun:05:00",
    databaseName: "app",
    masterUsername: "app_admin",
    protect: true,
};

/** DatabaseArgs with the defaults applied: what the resources read. */
type DatabaseSettings = ReturnType<typeof databaseSettings>;

function databaseSettings(args: DatabaseArgs) {
    const settings = withDefaults(DATABASE_DEFAULTS, args);
    return { ...settings, port: settings.port ?? databasePort(settings.engine) };
}

/** CloudWatch log exports per engine (LOG-02 / RDS.9). */
export const LOG_EXPORTS: Record<DatabaseEngine, string[]> = {
    postgres: ["postgresql", "upgrade"],
    // `audit` stays empty without the MARIADB_AUDIT_PLUGIN option group the component attaches;
    // `general` is exported but general_log stays off (it records every statement, data included):
    // turning it on during an incident is then a parameter change, not an instance change.
    mysql: ["audit", "error", "general", "slowquery"],
};

/** The major version RDS upgrades within: 16.4 → 16, 8.0.39 → 8.0 (and the legacy 9.6.x → 9.6). */
export function majorVersion(engine: DatabaseEngine, version: string): string {
    const parts = version.split(".");
    const twoPart = engine === "mysql" || Number(parts[0]) < 10;
    if (twoPart && parts.length < 2)
        throw new Error(`${engine} version ${version} must name the major and minor version, such as 8.0.39`);
    return twoPart ? parts.slice(0, 2).join(".") : parts[0];
}

/** The parameter group family for an engine and version: postgres16, mysql8.0. */
export function parameterGroupFamily(engine: DatabaseEngine, version: string): string {
    return `${engine}${majorVersion(engine, version)}`;
}

/** Parameters of the DB's own group: TLS forced (RDS-04), plus the slow query log MySQL would otherwise leave off. */
export function engineParameters(engine: DatabaseEngine): aws.types.input.rds.ParameterGroupParameter[] {
    if (engine === "postgres") return [{ name: "rds.force_ssl", value: "1" }];
    return [
        { name: "require_secure_transport", value: "ON" },
        { name: "slow_query_log", value: "1" },
        { name: "long_query_time", value: "2" },
        { name: "log_output", value: "FILE" }, // CloudWatch export reads the log files, not the mysql.* tables
    ];
}

/** RDS for MySQL has no Performance Insights (Database Insights) on the micro and small burstable classes. */
export function performanceInsightsSupported(engine: DatabaseEngine, instanceClass: string): boolean {
    return !(engine === "mysql" && /^db\.t(2|3|4g)\.(micro|small)$/.test(instanceClass));
}

const DAY = 24 * 60;

function minutesOf(hhmm: string): number {
    const [h, m] = hhmm.split(":").map(Number);
    return h * 60 + m;
}

/** Time-of-day ranges of a window, widened by `margin` minutes each side; handles windows across midnight. */
function busy(window: string, margin: number): [number, number] {
    const [start, end] = window.split("-").map((t) => minutesOf(t.replace(/^[a-z]{3}:/, "")));
    return [(start - margin + DAY) % DAY, (end + margin) % DAY];
}

function within(t: number, [start, end]: [number, number]): boolean {
    return (t - start + DAY) % DAY < (end - start + DAY) % DAY;
}

/**
 * The AWS Backup start time: the first whole hour at least an hour clear of the RDS backup window
 * (a snapshot cannot run while the automated backup does) and of the maintenance window.
 */
export function backupSchedule(backupWindow: string, maintenanceWindow: string): string {
    const blocked = [busy(backupWindow, 60), busy(maintenanceWindow, 60)];
    let t = (Math.ceil(busy(backupWindow, 60)[1] / 60) * 60) % DAY;
    for (let i = 0; i < 24 && blocked.some((b) => within(t, b)); i++) t = (t + 60) % DAY;
    return `cron(${t % 60} ${Math.floor(t / 60) % 24} * * ? *)`;
}

const MONITORING_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole";
const BACKUP_POLICIES = {
    backup: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
    restores: "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
};

/** A role only `service` can assume, with AWS managed policies attached. */
function serviceRole(
    name: string,
    service: string,
    policies: Record<string, string>,
    tags: Tags,
    parent: pulumi.Resource,
): { role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
    const role = new aws.iam.Role(name, { assumeRolePolicy: serviceTrustPolicy(service), tags }, { parent });
    const attachments = Object.entries(policies).map(
        ([key, policyArn]) =>
            new aws.iam.RolePolicyAttachment(`${name}-${key}`, { role: role.name, policyArn }, { parent }),
    );
    return { role, attachments };
}

/**
 * The data tier: one RDS instance in the isolated subnets, reachable only from the given security
 * groups over TLS, encrypted with the data key, its master password owned by RDS in Secrets
 * Manager, backed up twice (RDS point-in-time restore and an AWS Backup daily plan into a KMS vault).
 */
export class Database extends pulumi.ComponentResource {
    public readonly endpoint: pulumi.Output<string>;
    public readonly address: pulumi.Output<string>;
    public readonly port: pulumi.Output<number>;
    /** The RDS-managed secret holding the master user's credentials (rotated by RDS). */
    public readonly masterSecretArn: pulumi.Output<string>;
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly instanceArn: pulumi.Output<string>;
    /** The DbiResourceId: IAM database authentication policies name users as `dbuser:<resourceId>/<user>`. */
    public readonly resourceId: pulumi.Output<string>;

    constructor(name: string, databaseArgs: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:Database", name, registrable(databaseArgs), opts);
        const args = databaseSettings(databaseArgs);
        const child = { parent: this };
        // A fixed identifier lets the log groups exist before the instance and names the final snapshot.
        const identifier = `${pulumi.getProject()}-${pulumi.getStack()}-${name}`.toLowerCase();

        const subnetGroup = new aws.rds.SubnetGroup(
            `${name}-subnets`,
            {
                description: `${identifier}: isolated subnets only (STK-01)`,
                subnetIds: args.subnetIds,
                tags: named(args.tags, `${identifier}-subnets`),
            },
            child,
        );

        // No inline rules: the provider removes AWS's default allow-all egress on create, and the DB
        // only answers connections (security groups are stateful), so it needs no egress rule at all.
        const sg = new aws.ec2.SecurityGroup(
            `${name}-sg`,
            {
                vpcId: args.vpcId,
                description: `${identifier}: database port from the EKS security groups only`,
                tags: { ...named(args.tags, `${identifier}-db`), [SG_ROLE_TAG]: SG_ROLES.database },
            },
            child,
        );
        args.allowedSecurityGroupIds.forEach(
            (source, i) =>
                new aws.vpc.SecurityGroupIngressRule(
                    `${name}-from-${i}`,
                    {
                        securityGroupId: sg.id,
                        referencedSecurityGroupId: source, // NET-05: a security-group source, never a CIDR
                        ipProtocol: "tcp",
                        fromPort: args.port,
                        toPort: args.port,
                        description: "Database clients in the EKS cluster",
                        tags: args.tags,
                    },
                    child,
                ),
        );

        const parameterGroup = new aws.rds.ParameterGroup(
            `${name}-params`,
            {
                family: parameterGroupFamily(args.engine, args.engineVersion),
                description: `${identifier}: TLS-only connections (RDS-04)`,
                parameters: engineParameters(args.engine),
                tags: args.tags,
            },
            child,
        );
        // MySQL writes an audit log only through the MariaDB audit plugin (RDS for MySQL 5.7, 8.0.28+, 8.4).
        const optionGroup =
            args.engine === "mysql"
                ? new aws.rds.OptionGroup(
                      `${name}-options`,
                      {
                          engineName: "mysql",
                          majorEngineVersion: majorVersion(args.engine, args.engineVersion),
                          optionGroupDescription: `${identifier}: audit log of connections, DDL and grants`,
                          options: [
                              {
                                  optionName: "MARIADB_AUDIT_PLUGIN",
                                  optionSettings: [
                                      { name: "SERVER_AUDIT_EVENTS", value: "CONNECT,QUERY_DDL,QUERY_DCL" },
                                  ],
                              },
                          ],
                          tags: args.tags,
                      },
                      child,
                  )
                : undefined;

        // Without these, RDS creates the export log groups itself: no CMK, never expiring (LOG-04).
        const logGroups = LOG_EXPORTS[args.engine].map(
            (log) =>
                new aws.cloudwatch.LogGroup(
                    `${name}-log-${log}`,
                    {
                        name: `/aws/rds/instance/${identifier}/${log}`,
                        kmsKeyId: args.logsKeyArn,
                        retentionInDays: args.logRetentionDays,
                        tags: args.tags,
                    },
                    child,
                ),
        );

        const monitoring = serviceRole(
            `${name}-monitoring`,
            "monitoring.rds.amazonaws.com",
            { enhanced: MONITORING_POLICY },
            args.tags,
            this,
        );
        const piSupported = performanceInsightsSupported(args.engine, args.instanceClass);

        const instance = new aws.rds.Instance(
            `${name}-db`,
            {
                identifier,
                engine: args.engine,
                // The major version only: with auto minor upgrades on, a pinned minor would show AWS's
                // upgrade as drift that the next `up` tries (and fails) to downgrade.
                engineVersion: majorVersion(args.engine, args.engineVersion),
                autoMinorVersionUpgrade: true,
                // AWS never upgrades a major version on its own; this only lets a reviewed config change apply.
                allowMajorVersionUpgrade: true,
                instanceClass: args.instanceClass,
                dbName: args.databaseName,
                port: args.port,
                // Storage: gp3 that grows on its own up to the ceiling, encrypted with the data key (RDS-02).
                storageType: "gp3",
                allocatedStorage: args.allocatedStorageGb,
                maxAllocatedStorage: args.maxAllocatedStorageGb,
                storageEncrypted: true,
                kmsKeyId: args.kmsKeyArn,
                // Placement: isolated subnets, no public address, one security group (RDS-01, RDS-03).
                dbSubnetGroupName: subnetGroup.name,
                vpcSecurityGroupIds: [sg.id],
                publiclyAccessible: false,
                multiAz: args.multiAz, // RDS-09
                caCertIdentifier: "rds-ca-rsa2048-g1",
                parameterGroupName: parameterGroup.name, // STK-11
                optionGroupName: optionGroup?.name,
                // Credentials: RDS generates and rotates the master password in Secrets Manager under
                // the data key, so no password exists in config or state (RDS-08); apps use IAM auth (RDS-07).
                username: args.masterUsername,
                manageMasterUserPassword: true,
                masterUserSecretKmsKeyId: args.kmsKeyArn,
                iamDatabaseAuthenticationEnabled: true,
                // Backups and deletion (RDS-05, RDS-06): a final snapshot always, automated backups kept after delete.
                backupRetentionPeriod: args.backupRetentionDays,
                backupWindow: args.backupWindow,
                maintenanceWindow: args.maintenanceWindow,
                copyTagsToSnapshot: true,
                deleteAutomatedBackups: false,
                deletionProtection: args.protect,
                skipFinalSnapshot: false,
                finalSnapshotIdentifier: `${identifier}-final`,
                // Changes wait for the maintenance window rather than restarting the DB mid-day.
                applyImmediately: false,
                // Observability: logs to CloudWatch (LOG-02), OS metrics every minute, Performance Insights under the data key.
                enabledCloudwatchLogsExports: LOG_EXPORTS[args.engine],
                monitoringInterval: 60,
                monitoringRoleArn: monitoring.role.arn,
                performanceInsightsEnabled: piSupported,
                performanceInsightsKmsKeyId: piSupported ? args.kmsKeyArn : undefined,
                performanceInsightsRetentionPeriod: piSupported ? 7 : undefined, // the free tier
                tags: named(args.tags, identifier),
            },
            {
                ...child,
                protect: args.protect,
                // The identifier is fixed, so a replacement must delete first (taking the final snapshot).
                deleteBeforeReplace: true,
                customTimeouts: customTimeouts("database"),
                dependsOn: [...logGroups, ...monitoring.attachments],
            },
        );

        this.backups(name, identifier, instance, args);

        this.endpoint = instance.endpoint;
        this.address = instance.address;
        this.port = instance.port;
        this.masterSecretArn = instance.masterUserSecrets.apply((s) => s?.[0]?.secretArn ?? "");
        this.securityGroupId = sg.id;
        this.instanceArn = instance.arn;
        this.resourceId = instance.resourceId;
        this.registerOutputs({
            endpoint: this.endpoint,
            address: this.address,
            port: this.port,
            masterSecretArn: this.masterSecretArn,
            securityGroupId: this.securityGroupId,
            instanceArn: this.instanceArn,
            resourceId: this.resourceId,
        });
    }

    /** AWS Backup: daily recovery points in a vault under the data key, outside the instance's own lifecycle. */
    private backups(name: string, identifier: string, instance: aws.rds.Instance, args: DatabaseSettings): void {
        const child = { parent: this };
        const vault = new aws.backup.Vault(
            `${name}-vault`,
            { kmsKeyArn: args.kmsKeyArn, forceDestroy: false, tags: named(args.tags, `${identifier}-vault`) },
            { ...child, protect: args.protect },
        );
        if (args.protect) {
            // Recovery points outlive a compromised or mistaken admin: only their lifecycle removes them.
            new aws.backup.VaultPolicy(
                `${name}-vault-policy`,
                {
                    backupVaultName: vault.name,
                    // Resource "*": the policy is the vault's own, and the actions target recovery point ARNs, not the vault's.
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "DenyRecoveryPointDeletion",
                                Effect: "Deny",
                                Principal: { AWS: "*" },
                                Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                                Resource: "*",
                            },
                        ],
                    }),
                },
                child,
            );
        }
        const plan = new aws.backup.Plan(
            `${name}-backup`,
            {
                rules: [
                    {
                        ruleName: "daily",
                        targetVaultName: vault.name,
                        schedule: backupSchedule(args.backupWindow, args.maintenanceWindow),
                        startWindow: 60,
                        completionWindow: 240,
                        lifecycle: { deleteAfter: args.backupRetentionDays },
                        recoveryPointTags: args.tags,
                    },
                ],
                tags: args.tags,
            },
            child,
        );
        const backup = serviceRole(`${name}-backup`, "backup.amazonaws.com", BACKUP_POLICIES, args.tags, this);
        new aws.backup.Selection(
            `${name}-backup`,
            { planId: plan.id, iamRoleArn: backup.role.arn, resources: [instance.arn] },
            { ...child, dependsOn: backup.attachments },
        );
    }
}
