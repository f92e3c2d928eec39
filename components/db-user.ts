import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { databasePort } from "../config";
import { Tags } from "./tags";
import { vpcCodeBuild } from "./codebuild";
import { registrable } from "./defaults";
import { SG_ROLES } from "../lib/contract";

export interface DatabaseUserArgs {
    /** The VPC of the job's security group and ENIs. Required. */
    vpcId: pulumi.Input<string>;
    /** The job runs here: the isolated layer's NACL admits the database port from the private subnets only. Required. */
    privateSubnetIds: pulumi.Input<string>[];
    /** The database's security group: admits this job on the port (a security-group source, NET-05). Required. */
    databaseSecurityGroupId: pulumi.Input<string>;
    /** The isolated subnets' CIDRs: the job's only egress besides HTTPS. Required. */
    databaseSubnetCidrs: string[];
    /** The database engine: picks the SQL dialect and the client. Default is `postgres`. */
    engine?: "postgres" | "mysql";
    /** The database's address (verified against the RDS CA bundle, TLS required). Required. */
    host: pulumi.Input<string>;
    /**
     * The engine's port (known before the instance exists: the job's security group is created first).
     * Default is the engine's port (`databasePort(engine)`: 5432 or 3306).
     */
    port?: number;
    /** The database the user is granted. Default is `app`. */
    databaseName?: string;
    /** The user to create for IAM authentication (the app's `databaseUser`). Default is `app_iam`. */
    username?: string;
    /** The RDS-managed master secret: only this job's role may read it. Required. */
    masterSecretArn: pulumi.Input<string>;
    /** The key the master secret is encrypted with; decrypt only through Secrets Manager. Required. */
    secretKeyArn: pulumi.Input<string>;
    /** KMS key of the job's log group (LOG-04). Required. */
    logsKeyArn: pulumi.Input<string>;
    /** Retention of the job's build logs. Default is 365 days (LOG-04). */
    logRetentionDays?: number;
    /** Tags on every resource (the `tags()` set: project, stack, tier, owner). Required. */
    tags: Tags;
}

/** The job's CodeBuild project name; the deploy pipeline (or an operator) starts it once after phase `full`. */
export function databaseUserProjectName(stack: string): string {
    return `platform-${stack}-db-user`;
}

/**
 * Idempotent SQL that creates the app's IAM-authenticated user and its grants
 * (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.DBAccounts.html).
 */
export function createUserSql(engine: "postgres" | "mysql", username: string, databaseName: string): string {
    if (!/^[a-z][a-z0-9_]{0,15}$/.test(username) || !/^[a-z][a-z0-9_]{0,62}$/.test(databaseName))
        throw new Error(`unsafe identifier: ${username} / ${databaseName}`);
    if (engine === "mysql")
        return [
            `CREATE USER IF NOT EXISTS '${username}'@'%' IDENTIFIED WITH AWSAuthenticationPlugin AS 'RDS' REQUIRE SSL;`,
            `GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, ALTER, INDEX, REFERENCES, DROP ON \`${databaseName}\`.* TO '${username}'@'%';`,
        ].join(" ");
    return [
        `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${username}') THEN CREATE USER ${username}; END IF; END $$;`,
        `GRANT rds_iam TO ${username};`,
        `GRANT CONNECT ON DATABASE ${databaseName} TO ${username};`,
        `GRANT USAGE, CREATE ON SCHEMA public TO ${username};`,
    ].join(" ");
}

/**
 * A one-off job that creates the app's database user with the master credentials: a CodeBuild project in
 * the private subnets whose role alone may read the master secret. The app's role only gets `rds-db:connect`
 * for this user, so the master secret never reaches the app. Run it once after phase `full`
 * (`aws codebuild start-build --project-name platform-<stack>-db-user`); it is idempotent.
 */
export class DatabaseUser extends pulumi.ComponentResource {
    /** The database admits this security group on its port. */
    public readonly securityGroupId: pulumi.Output<string>;
    public readonly projectName: pulumi.Output<string>;

    constructor(name: string, args: DatabaseUserArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:data:DatabaseUser", name, registrable(args), opts);
        const child = { parent: this };
        const projectName = databaseUserProjectName(pulumi.getStack());
        const engine = args.engine ?? "postgres";
        const port = args.port ?? databasePort(engine);
        const databaseName = args.databaseName ?? "app";
        const username = args.username ?? "app_iam";

        const sql = createUserSql(engine, username, databaseName);
        const client =
            engine === "postgres"
                ? `PGSSLMODE=verify-full PGSSLROOTCERT=/tmp/rds-ca.pem psql "host=$DB_HOST port=$DB_PORT dbname=$DB_NAME user=$DB_MASTER_USER" -v ON_ERROR_STOP=1 -c "$SQL"`
                : `mysql --host="$DB_HOST" --port="$DB_PORT" --user="$DB_MASTER_USER" --ssl-mode=VERIFY_IDENTITY --ssl-ca=/tmp/rds-ca.pem "$DB_NAME" -e "$SQL"`;
        const buildspec = pulumi.all([args.host, args.masterSecretArn]).apply(([host, secret]) =>
            JSON.stringify({
                version: "0.2",
                env: {
                    variables: { DB_HOST: host, DB_PORT: String(port), DB_NAME: databaseName, SQL: sql },
                    // Resolved by CodeBuild at run time into the build only: never in the project, the logs or Pulumi state.
                    "secrets-manager": {
                        DB_MASTER_USER: `${secret}:username`,
                        PGPASSWORD: `${secret}:password`,
                        MYSQL_PWD: `${secret}:password`,
                    },
                },
                phases: {
                    install: {
                        commands: [
                            engine === "postgres" ? "dnf install -y -q postgresql15" : "dnf install -y -q mariadb105",
                        ],
                    },
                    build: {
                        commands: [
                            // Verify the server: the RDS CA bundle of the region (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.SSL.html).
                            'curl -fsSL "https://truststore.pki.rds.amazonaws.com/${AWS_REGION}/${AWS_REGION}-bundle.pem" -o /tmp/rds-ca.pem',
                            client,
                        ],
                    },
                },
            }),
        );

        const { securityGroup, project } = vpcCodeBuild(
            name,
            {
                projectName,
                description: `Creates the IAM-authenticated database user ${username} (idempotent; run once after phase full)`,
                roleDescription: `${projectName}: reads the master secret, nothing else`,
                vpcId: args.vpcId,
                subnetIds: args.privateSubnetIds,
                securityGroup: {
                    description: "Database user job: the database port, and HTTPS for Secrets Manager and packages",
                    egress: [
                        {
                            description: "HTTPS: Secrets Manager, the RDS CA bundle, OS packages",
                            protocol: "tcp",
                            fromPort: 443,
                            toPort: 443,
                            cidrBlocks: ["0.0.0.0/0"],
                        },
                        {
                            description: "The database port in the isolated subnets",
                            protocol: "tcp",
                            fromPort: port,
                            toPort: port,
                            cidrBlocks: args.databaseSubnetCidrs,
                        },
                    ],
                    role: SG_ROLES.dbAdminJob, // the database admits it on its port
                },
                source: { type: "NO_SOURCE", buildspec },
                buildTimeout: 15,
                computeType: "BUILD_GENERAL1_SMALL",
                logsKeyArn: args.logsKeyArn,
                logRetentionDays: args.logRetentionDays,
                extraStatements: pulumi
                    .all([args.masterSecretArn, args.secretKeyArn])
                    .apply(([secret, key]) => masterSecretStatements(secret, key)),
                tags: args.tags,
            },
            this,
        );

        new aws.vpc.SecurityGroupIngressRule(
            `${name}-into-database`,
            {
                securityGroupId: args.databaseSecurityGroupId,
                description: "The database user job (one-off, master credentials)",
                ipProtocol: "tcp",
                fromPort: port,
                toPort: port,
                referencedSecurityGroupId: securityGroup.id,
                tags: args.tags,
            },
            child,
        );

        this.securityGroupId = securityGroup.id;
        this.projectName = project.name;
        this.registerOutputs({ securityGroupId: this.securityGroupId, projectName: this.projectName });
    }
}

/** The job's own permissions beyond its logs and ENIs: read the master secret, decrypt it only through Secrets Manager. */
export function masterSecretStatements(secretArn: string, keyArn: string): object[] {
    return [
        {
            Sid: "ReadMasterSecret",
            Effect: "Allow",
            Action: "secretsmanager:GetSecretValue",
            Resource: secretArn,
        },
        {
            Sid: "DecryptMasterSecretViaSecretsManager",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: keyArn,
            Condition: {
                StringEquals: {
                    "kms:ViaService": `secretsmanager.${secretArn.split(":")[3]}.amazonaws.com`,
                    "kms:EncryptionContext:SecretARN": secretArn,
                },
            },
        },
    ];
}
