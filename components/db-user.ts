import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags, named } from "./tags";
import { serviceTrustPolicy } from "./iam";
import { runnerStatements } from "./runner";

export interface DatabaseUserArgs {
    vpcId: pulumi.Input<string>;
    /** The job runs here: the isolated layer's NACL admits the database port from the private subnets only. */
    privateSubnetIds: pulumi.Input<string>[];
    /** The database's security group: admits this job on the port (a security-group source, NET-05). */
    databaseSecurityGroupId: pulumi.Input<string>;
    /** The isolated subnets' CIDRs: the job's only egress besides HTTPS. */
    databaseSubnetCidrs: string[];
    engine: "postgres" | "mysql";
    host: pulumi.Input<string>;
    /** The engine's port (known before the instance exists: the job's security group is created first). */
    port: number;
    databaseName: string;
    /** The user to create for IAM authentication (the app's `databaseUser`). */
    username: string;
    /** The RDS-managed master secret: only this job's role may read it. */
    masterSecretArn: pulumi.Input<string>;
    /** The key the master secret is encrypted with; decrypt only through Secrets Manager. */
    secretKeyArn: pulumi.Input<string>;
    logsKeyArn: pulumi.Input<string>;
    /** Default is 365 days. */
    logRetentionDays?: number;
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
        super("platform:data:DatabaseUser", name, args, opts);
        const child = { parent: this };
        const projectName = databaseUserProjectName(pulumi.getStack());

        const sg = new aws.ec2.SecurityGroup(
            `${name}-security-group`,
            {
                vpcId: args.vpcId,
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
                        fromPort: args.port,
                        toPort: args.port,
                        cidrBlocks: args.databaseSubnetCidrs,
                    },
                ],
                revokeRulesOnDelete: true,
                tags: { ...named(args.tags, projectName), "sg-role": "db-admin-job" },
            },
            child,
        );

        new aws.vpc.SecurityGroupIngressRule(
            `${name}-into-database`,
            {
                securityGroupId: args.databaseSecurityGroupId,
                description: "The database user job (one-off, master credentials)",
                ipProtocol: "tcp",
                fromPort: args.port,
                toPort: args.port,
                referencedSecurityGroupId: sg.id,
                tags: args.tags,
            },
            child,
        );

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/aws/codebuild/${projectName}`,
                kmsKeyId: args.logsKeyArn,
                retentionInDays: args.logRetentionDays ?? 365,
                tags: named(args.tags, projectName),
            },
            child,
        );
        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `${projectName}: reads the master secret, nothing else`,
                assumeRolePolicy: serviceTrustPolicy("codebuild.amazonaws.com"),
                tags: args.tags,
            },
            child,
        );
        const policy = new aws.iam.RolePolicy(
            `${name}-role`,
            {
                role: role.id,
                policy: pulumi
                    .all([logGroup.arn, pulumi.output(args.privateSubnetIds), args.masterSecretArn, args.secretKeyArn])
                    .apply(([logs, subnets, secret, key]) =>
                        JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [
                                ...runnerStatements({ logGroupArn: logs, subnetIds: subnets }),
                                {
                                    Sid: "ReadMasterSecret",
                                    Effect: "Allow",
                                    Action: "secretsmanager:GetSecretValue",
                                    Resource: secret,
                                },
                                {
                                    Sid: "DecryptMasterSecretViaSecretsManager",
                                    Effect: "Allow",
                                    Action: "kms:Decrypt",
                                    Resource: key,
                                    Condition: {
                                        StringEquals: {
                                            "kms:ViaService": `secretsmanager.${secret.split(":")[3]}.amazonaws.com`,
                                            "kms:EncryptionContext:SecretARN": secret,
                                        },
                                    },
                                },
                            ],
                        }),
                    ),
            },
            child,
        );

        const sql = createUserSql(args.engine, args.username, args.databaseName);
        const client =
            args.engine === "postgres"
                ? `PGSSLMODE=verify-full PGSSLROOTCERT=/tmp/rds-ca.pem psql "host=$DB_HOST port=$DB_PORT dbname=$DB_NAME user=$DB_MASTER_USER" -v ON_ERROR_STOP=1 -c "$SQL"`
                : `mysql --host="$DB_HOST" --port="$DB_PORT" --user="$DB_MASTER_USER" --ssl-mode=VERIFY_IDENTITY --ssl-ca=/tmp/rds-ca.pem "$DB_NAME" -e "$SQL"`;
        const buildspec = pulumi.all([args.host, args.port, args.masterSecretArn]).apply(([host, port, secret]) =>
            JSON.stringify({
                version: "0.2",
                env: {
                    variables: { DB_HOST: host, DB_PORT: String(port), DB_NAME: args.databaseName, SQL: sql },
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
                            args.engine === "postgres"
                                ? "dnf install -y -q postgresql15"
                                : "dnf install -y -q mariadb105",
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

        const project = new aws.codebuild.Project(
            `${name}-project`,
            {
                name: projectName,
                description: `Creates the IAM-authenticated database user ${args.username} (idempotent; run once after phase full)`,
                serviceRole: role.arn,
                buildTimeout: 15,
                source: { type: "NO_SOURCE", buildspec },
                artifacts: { type: "NO_ARTIFACTS" },
                environment: {
                    type: "LINUX_CONTAINER",
                    computeType: "BUILD_GENERAL1_SMALL",
                    image: "aws/codebuild/amazonlinux-x86_64-standard:5.0",
                    imagePullCredentialsType: "CODEBUILD",
                    privilegedMode: false,
                },
                vpcConfig: { vpcId: args.vpcId, subnets: args.privateSubnetIds, securityGroupIds: [sg.id] },
                logsConfig: {
                    cloudwatchLogs: { groupName: logGroup.name, status: "ENABLED" },
                    s3Logs: { status: "DISABLED" },
                },
                tags: named(args.tags, projectName),
            },
            { ...child, dependsOn: [policy] },
        );

        this.securityGroupId = sg.id;
        this.projectName = project.name;
        this.registerOutputs({ securityGroupId: this.securityGroupId, projectName: this.projectName });
    }
}
