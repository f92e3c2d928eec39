import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { Tags, named } from "./tags";
import { GATEWAY_NAME, INGRESS_NAMESPACE } from "./ingress";
import { INGRESS_EXPOSED_LABEL, labelsFromTags } from "./tenancy";
import { irsaTrustPolicy } from "./iam";
import { bucketGuardrails, tlsOnlyStatements } from "./buckets";
import { APP_MAX_SURGE_PERCENT } from "../config";
import { withDefaults, registrable } from "./defaults";

export interface AppArgs {
    /** The cluster's Kubernetes provider. Required. */
    provider: k8s.Provider;
    /** The team namespace (Tenancy.namespaces[team]); it carries the quota, limits and network guardrails. Required. */
    namespace: pulumi.Input<string>;
    /** Names the ECR repository and every Kubernetes object (no suffixes: RBAC and selectors stay predictable). Required. */
    name: string;
    /** The app's ECR repository (AppRepository, created in the foundation phase so the first image can be pushed). Required. */
    repositoryUrl: pulumi.Input<string>;
    /** `1.4.2@sha256:<digest>` (what releases commit), a pinned tag such as 1.4.2, or `sha256:<digest>` (K8S-11). Required. */
    imageTag: string;
    /** The container port the app listens on. Default is `8080`. */
    port?: number;
    /** Initial replicas; the HorizontalPodAutoscaler owns the count afterwards. Default is `2`. */
    replicas?: number;
    /** The HorizontalPodAutoscaler's floor. Default is `2`. */
    minReplicas?: number;
    /** The HorizontalPodAutoscaler's ceiling (the team quota must hold it plus the rollout surge). Default is `6`. */
    maxReplicas?: number;
    /** Average CPU utilisation the HorizontalPodAutoscaler aims for, in percent of the request. Default is `70`. */
    targetCpuPercent?: number;
    /** Default is `250m`. */
    cpuRequest?: string;
    /** Default is `1`. */
    cpuLimit?: string;
    /** Default is `512Mi`. */
    memoryRequest?: string;
    /** Default is `1Gi`. */
    memoryLimit?: string;
    /** Readiness probe path. Default is `/actuator/health/readiness` (Spring Boot). */
    readinessPath?: string;
    /** Liveness, and the startup probe that gives the JVM time to start. Default is `/actuator/health/liveness` (Spring Boot). */
    livenessPath?: string;
    /** Non-sensitive settings (config validation rejects secret-looking keys); they become the ConfigMap. Default is `{}`. */
    settings?: Record<string, string>;
    /** The key prefix of the app bucket the app may read and write. Default is none: no S3 access. */
    s3Prefix?: string;
    /** The PodDisruptionBudget's maxUnavailable. Default is `1` (0 would block every drain; config refuses it). */
    maxUnavailable?: number;
    /** FQDNs the HTTPRoute serves (the team's listeners on the platform Gateway carry the same names). Required. */
    hosts: string[];
    /** The cluster's OIDC provider: the app's IRSA role trusts only its service account through it. Required. */
    oidcProviderArn: pulumi.Input<string>;
    /** `https://oidc.eks.<region>.amazonaws.com/id/<id>`. Required. */
    oidcProviderUrl: pulumi.Input<string>;
    /** Application envelope-encryption key: kms:GenerateDataKey and kms:Decrypt only. Required. */
    appKeyArn: pulumi.Input<string>;
    /** Encrypts the app bucket (SSE-KMS with a bucket key). Required. */
    dataKeyArn: pulumi.Input<string>;
    /** The DB instance's DbiResourceId: `rds-db:connect` is scoped to it and to databaseUser. Required. */
    databaseResourceId: pulumi.Input<string>;
    /** The database user the app logs in as with an IAM auth token; it never sees the master secret. Default is `app_iam`. */
    databaseUser?: string;
    /** The database's address. Required. */
    databaseAddress: pulumi.Input<string>;
    /** The database's port. Required. */
    databasePort: pulumi.Input<number>;
    /** The database the app uses. Default is `app`. */
    databaseName?: string;
    /** Pulumi `protect` on the bucket; when false it is also deleted with its contents. Default is `true`. */
    protect?: boolean;
    /** Tags on every AWS resource, and (labelsFromTags) labels on every Kubernetes object. Required. */
    tags: Tags;
}

/** The defaults of the optional AppArgs: a Spring Boot service with two replicas, protected, no S3 access. */
export const APP_DEFAULTS = {
    port: 8080,
    replicas: 2,
    minReplicas: 2,
    maxReplicas: 6,
    targetCpuPercent: 70,
    cpuRequest: "250m",
    cpuLimit: "1",
    memoryRequest: "512Mi",
    memoryLimit: "1Gi",
    readinessPath: "/actuator/health/readiness",
    livenessPath: "/actuator/health/liveness",
    settings: {} as Record<string, string>,
    maxUnavailable: 1,
    databaseUser: "app_iam",
    databaseName: "app",
    protect: true,
};

/** AppArgs with the defaults applied: what the resources read. */
type AppSettings = AppArgs & typeof APP_DEFAULTS;

/** Container identity: a fixed non-root uid lets the kubelet prove runAsNonRoot even for images whose USER is a name. */
const UID = 10001;

/** Settings keys the component sets itself; config settings may not shadow them. */
export const PLATFORM_SETTINGS = [
    "AWS_REGION",
    "DATABASE_HOST",
    "DATABASE_PORT",
    "DATABASE_NAME",
    "DATABASE_USER",
    "DATABASE_IAM_AUTH",
    "APP_KMS_KEY_ARN",
    "APP_BUCKET",
    "APP_BUCKET_PREFIX",
];

/**
 * Egress to AWS APIs (STS for IRSA, KMS, Secrets Manager, S3): public endpoints reached through
 * the NAT gateways, whose addresses a NetworkPolicy cannot name. Allowed on 443 to public addresses
 * only: private ranges (the VPC, other pods) and link-local (IMDS, node credentials) stay denied.
 * The tighter alternative is interface VPC endpoints for sts/kms/secretsmanager and 443 to the VPC
 * CIDR only, at about USD 7 per endpoint per AZ per month.
 */
export const AWS_API_EGRESS = {
    cidr: "0.0.0.0/0",
    except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"],
};

/** `arn:aws:<service>:<region>:...` → region. */
function regionOf(arn: string): string {
    return arn.split(":")[3];
}

/** `repo:1.4.2` for a tag, `repo:1.4.2@sha256:...` for a tag with its digest, `repo@sha256:...` for a digest. */
export function imageReference(repositoryUrl: string, tag: string): string {
    return tag.startsWith("sha256:") ? `${repositoryUrl}@${tag}` : `${repositoryUrl}:${tag}`;
}

export interface AppRepositoryArgs {
    /** The repository name (the app's name). Required. */
    name: string;
    /** Encrypts the repository (STO-11). Required. */
    dataKeyArn: pulumi.Input<string>;
    /** ECR keeps this many most recent images. Default is `30`. */
    imageRetentionCount?: number;
    /** Pulumi `protect`; when false the repository is deleted with its images. Default is `true`. */
    protect?: boolean;
    /** Tags on the repository (the `tags()` set: project, stack, tier, owner). Required. */
    tags: Tags;
}

/** The defaults of the optional AppRepositoryArgs. */
export const APP_REPOSITORY_DEFAULTS = { imageRetentionCount: 30, protect: true };

/** AppRepositoryArgs with the defaults applied. */
type AppRepositorySettings = AppRepositoryArgs & typeof APP_REPOSITORY_DEFAULTS;

/**
 * The app's ECR repository, on its own: the foundation phase creates it so the app's pipeline can push
 * the first image before any workload refers to it (no ImagePullBackOff on a first deploy).
 */
export class AppRepository extends pulumi.ComponentResource {
    public readonly repositoryUrl: pulumi.Output<string>;

    constructor(name: string, args: AppRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:app:Repository", name, registrable(args), opts);
        const repository = this.repository(name, withDefaults(APP_REPOSITORY_DEFAULTS, args));
        this.repositoryUrl = repository.repositoryUrl;
        this.registerOutputs({ repositoryUrl: this.repositoryUrl });
    }

    private repository(name: string, args: AppRepositorySettings): aws.ecr.Repository {
        const child = { parent: this };
        const repository = new aws.ecr.Repository(
            `${name}-repo`,
            {
                name: args.name,
                imageScanningConfiguration: { scanOnPush: true }, // STO-09
                imageTagMutability: "IMMUTABLE", // STO-10: a tag names one image forever, so a pinned tag is a pinned image
                encryptionConfigurations: [{ encryptionType: "KMS", kmsKey: args.dataKeyArn }], // STO-11
                forceDelete: !args.protect,
                tags: named(args.tags, args.name),
            },
            { ...child, protect: args.protect },
        );
        // STK-12: untagged layers go after a week, and only the newest images are kept. Make sure a
        // release stays within imageRetentionCount pushes of the head, or pin it with a new push.
        new aws.ecr.LifecyclePolicy(
            `${name}-repo`,
            {
                repository: repository.name,
                policy: JSON.stringify({
                    rules: [
                        {
                            rulePriority: 1,
                            description: "Expire untagged images after 7 days",
                            selection: {
                                tagStatus: "untagged",
                                countType: "sinceImagePushed",
                                countUnit: "days",
                                countNumber: 7,
                            },
                            action: { type: "expire" },
                        },
                        {
                            rulePriority: 2,
                            description: `Keep the ${args.imageRetentionCount} most recent images`,
                            selection: {
                                tagStatus: "any",
                                countType: "imageCountMoreThan",
                                countNumber: args.imageRetentionCount,
                            },
                            action: { type: "expire" },
                        },
                    ],
                }),
            },
            child,
        );
        return repository;
    }
}

/**
 * The Java service: its S3 bucket, an IRSA role with least privilege (IAM database auth, never the master
 * secret), and the hardened Kubernetes objects (Deployment, Service, HTTPRoute, HPA, PDB) in the team namespace.
 * Declared only once a released image exists (`platform:app.imageTag`).
 */
export class App extends pulumi.ComponentResource {
    public readonly repositoryUrl: pulumi.Output<string>;
    public readonly bucketName: pulumi.Output<string>;
    public readonly serviceAccountRoleArn: pulumi.Output<string>;
    /** The image reference the Deployment runs. */
    public readonly image: pulumi.Output<string>;

    constructor(name: string, appArgs: AppArgs, opts?: pulumi.ComponentResourceOptions) {
        // Every arg is registered: settings are non-sensitive by contract (config rejects secret-looking keys), and
        // the provider goes to the engine as a resource reference, not as its kubeconfig.
        super("platform:app:App", name, registrable(appArgs), opts);
        const args: AppSettings = withDefaults(APP_DEFAULTS, appArgs);
        const shadowed = Object.keys(args.settings).filter((k) => PLATFORM_SETTINGS.includes(k));
        if (shadowed.length > 0)
            throw new Error(
                `app settings ${shadowed.join(", ")} are set by the platform; remove them from platform:app.settings`,
            );

        const repositoryUrl = pulumi.output(args.repositoryUrl);
        const bucket = this.bucket(name, args);
        const role = this.irsaRole(name, args, bucket.arn);
        this.image = repositoryUrl.apply((url) => imageReference(url, args.imageTag));
        this.workload(name, args, this.image, bucket.bucket, role.arn);

        this.repositoryUrl = repositoryUrl;
        this.bucketName = bucket.bucket;
        this.serviceAccountRoleArn = role.arn;
        this.registerOutputs({
            repositoryUrl: this.repositoryUrl,
            bucketName: this.bucketName,
            serviceAccountRoleArn: this.serviceAccountRoleArn,
            image: this.image,
        });
    }

    /** Persistent objects: SSE-KMS, versioned, private, TLS-only (STK-06). */
    private bucket(name: string, args: AppSettings): aws.s3.Bucket {
        const child = { parent: this };
        const bucket = new aws.s3.Bucket(
            `${name}-objects`,
            { forceDestroy: !args.protect, tags: named(args.tags, `${args.name}-objects`) },
            { ...child, protect: args.protect },
        );
        const id = bucket.id;
        new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-objects`,
            // STO-01; the bucket key cuts KMS requests (and cost) by caching a bucket-level data key.
            {
                bucket: id,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: {
                            sseAlgorithm: "aws:kms",
                            kmsMasterKeyId: args.dataKeyArn,
                        },
                        bucketKeyEnabled: true,
                    },
                ],
            },
            child,
        );
        const { publicAccess } = bucketGuardrails(`${name}-objects`, id, child);
        // Versioning keeps every overwrite; old versions and abandoned uploads would otherwise cost forever.
        new aws.s3.BucketLifecycleConfiguration(
            `${name}-objects`,
            {
                bucket: id,
                rules: [
                    {
                        id: "expire-noncurrent-versions",
                        status: "Enabled",
                        filter: {},
                        noncurrentVersionExpiration: { noncurrentDays: 90 },
                    },
                    {
                        id: "abort-incomplete-uploads",
                        status: "Enabled",
                        filter: {},
                        abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
                    },
                ],
            },
            child,
        );
        new aws.s3.BucketPolicy(
            `${name}-objects`,
            {
                bucket: id,
                policy: bucket.arn.apply((arn) =>
                    JSON.stringify({ Version: "2012-10-17", Statement: tlsOnlyStatements(arn) }),
                ),
            },
            // The public access block goes first: with BlockPublicPolicy, a later public statement is refused.
            { ...child, dependsOn: [publicAccess] },
        );
        return bucket;
    }

    /**
     * IRSA: only the app's ServiceAccount can assume the role, and the role can only use the app key,
     * log in to the database as its own user, and (with s3Prefix) read and write its own prefix.
     */
    private irsaRole(name: string, args: AppSettings, bucketArn: pulumi.Output<string>): aws.iam.Role {
        const child = { parent: this };
        const assumeRolePolicy = irsaTrustPolicy(args.oidcProviderArn, args.oidcProviderUrl, args.namespace, args.name);
        const role = new aws.iam.Role(
            `${name}-irsa`,
            { description: `IRSA role of ${args.name}`, assumeRolePolicy, maxSessionDuration: 3600, tags: args.tags },
            child,
        );

        const policy = pulumi
            .all([args.appKeyArn, args.dataKeyArn, args.databaseResourceId, bucketArn])
            .apply(([appKey, dataKey, dbResourceId, bucket]) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: appStatements({
                        appKey,
                        dataKey,
                        dbResourceId,
                        dbUser: args.databaseUser,
                        bucket,
                        prefix: args.s3Prefix,
                    }),
                }),
            );
        new aws.iam.RolePolicy(`${name}-irsa`, { role: role.id, policy }, child);
        return role;
    }

    private workload(
        name: string,
        args: AppSettings,
        image: pulumi.Output<string>,
        bucketName: pulumi.Output<string>,
        roleArn: pulumi.Output<string>,
    ): void {
        const child = { provider: args.provider, parent: this };
        const selector = { "app.kubernetes.io/name": args.name };
        const labels = { ...labelsFromTags(args.tags), ...selector, "app.kubernetes.io/component": "api" };
        const meta = { name: args.name, namespace: args.namespace, labels };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            {
                metadata: {
                    ...meta,
                    annotations: {
                        "eks.amazonaws.com/role-arn": roleArn,
                        "eks.amazonaws.com/sts-regional-endpoints": "true",
                    },
                },
                // K8S-13: the app never calls the Kubernetes API. IRSA does not need this token: the EKS pod
                // identity webhook mounts its own projected token (audience sts.amazonaws.com) regardless.
                automountServiceAccountToken: false,
            },
            child,
        );

        // Connection facts, not credentials: the app signs a short-lived IAM auth token as DATABASE_USER.
        const data = pulumi
            .all([args.databaseAddress, args.databasePort, args.appKeyArn, bucketName])
            .apply(([host, port, appKey, bucket]) => ({
                ...args.settings,
                AWS_REGION: regionOf(appKey),
                DATABASE_HOST: host,
                DATABASE_PORT: String(port),
                DATABASE_NAME: args.databaseName,
                DATABASE_USER: args.databaseUser,
                DATABASE_IAM_AUTH: "true",
                APP_KMS_KEY_ARN: appKey,
                APP_BUCKET: bucket,
                ...(args.s3Prefix ? { APP_BUCKET_PREFIX: args.s3Prefix } : {}),
            }));
        const configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: { ...meta, name: `${args.name}-config` }, data },
            child,
        );
        // A settings change rolls the pods: envFrom is read only at container start.
        const configChecksum = data.apply((d) =>
            createHash("sha256")
                .update(JSON.stringify(Object.entries(d).sort()))
                .digest("hex"),
        );

        const securityContext: k8s.types.input.core.v1.SecurityContext = {
            // K8S-02..K8S-06: the `restricted` profile, explicit on the container so the policy pack sees it.
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: UID,
            runAsGroup: UID,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        };
        const probe = (
            path: string,
            periodSeconds: number,
            failureThreshold: number,
        ): k8s.types.input.core.v1.Probe => ({
            httpGet: { path, port: "http" },
            periodSeconds,
            failureThreshold,
            timeoutSeconds: 3,
        });

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta,
                spec: {
                    replicas: args.replicas,
                    selector: { matchLabels: selector },
                    strategy: {
                        type: "RollingUpdate",
                        rollingUpdate: { maxSurge: `${APP_MAX_SURGE_PERCENT}%`, maxUnavailable: 0 },
                    }, // the team quota holds the surge (config.ts)
                    template: {
                        metadata: {
                            labels: { ...labels, [INGRESS_EXPOSED_LABEL.key]: INGRESS_EXPOSED_LABEL.value },
                            annotations: { "checksum/config": configChecksum },
                        },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name, // K8S-12
                            automountServiceAccountToken: false, // K8S-13 (see the ServiceAccount)
                            enableServiceLinks: false, // no Docker-link env vars describing every Service in the namespace
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: UID,
                                runAsGroup: UID,
                                // Makes the webhook's projected IRSA token readable by the non-root user.
                                fsGroup: UID,
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            terminationGracePeriodSeconds: 45,
                            topologySpreadConstraints: [
                                {
                                    // ScheduleAnyway: a full zone must not block a rollout; the scheduler still prefers balance.
                                    maxSkew: 1,
                                    topologyKey: "topology.kubernetes.io/zone",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: selector },
                                    matchLabelKeys: ["pod-template-hash"], // balance each revision, not old and new pods together
                                },
                                {
                                    maxSkew: 1,
                                    topologyKey: "kubernetes.io/hostname",
                                    whenUnsatisfiable: "ScheduleAnyway",
                                    labelSelector: { matchLabels: selector },
                                    matchLabelKeys: ["pod-template-hash"],
                                },
                            ],
                            containers: [
                                {
                                    name: "app",
                                    image, // K8S-11: our ECR, pinned (a release pins the digest too)
                                    imagePullPolicy: "IfNotPresent",
                                    ports: [{ name: "http", containerPort: args.port, protocol: "TCP" }],
                                    envFrom: [{ configMapRef: { name: configMap.metadata.name } }],
                                    env: [
                                        { name: "SERVER_PORT", value: String(args.port) },
                                        { name: "SERVER_SHUTDOWN", value: "graceful" },
                                        // Heap sized from the container limit; the JVM's temp files go to the writable emptyDir.
                                        {
                                            name: "JAVA_TOOL_OPTIONS",
                                            value: "-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError -Djava.io.tmpdir=/tmp",
                                        },
                                    ],
                                    resources: {
                                        requests: { cpu: args.cpuRequest, memory: args.memoryRequest },
                                        limits: { cpu: args.cpuLimit, memory: args.memoryLimit },
                                    }, // K8S-10
                                    // The JVM may take minutes to start: liveness only starts once startup succeeds (up to 5 min).
                                    startupProbe: probe(args.livenessPath, 5, 60),
                                    readinessProbe: probe(args.readinessPath, 10, 3),
                                    livenessProbe: probe(args.livenessPath, 10, 3),
                                    // Endpoints are removed asynchronously: keep serving while NGINX catches up.
                                    lifecycle: { preStop: { sleep: { seconds: 10 } } },
                                    securityContext,
                                    volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
                                },
                            ],
                            volumes: [{ name: "tmp", emptyDir: { sizeLimit: "512Mi" } }], // K8S-04/K8S-08: the only writable path
                        },
                    },
                },
            },
            // The HorizontalPodAutoscaler owns the replica count once the Deployment exists.
            { ...child, ignoreChanges: ["spec.replicas"] },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: meta,
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }],
                },
            }, // K8S-24
            child,
        );

        // The platform Gateway terminates the ALB's re-encrypted hop (docs/ingress.md); this team's listeners on it
        // admit routes only from this namespace (ING-04), and the ALB redirects HTTP and adds HSTS.
        new k8s.apiextensions.CustomResource(
            `${name}-route`,
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "HTTPRoute",
                metadata: meta,
                spec: {
                    parentRefs: [
                        {
                            group: "gateway.networking.k8s.io",
                            kind: "Gateway",
                            name: GATEWAY_NAME,
                            namespace: INGRESS_NAMESPACE,
                        },
                    ],
                    hostnames: args.hosts,
                    rules: [
                        {
                            matches: [{ path: { type: "PathPrefix", value: "/" } }],
                            backendRefs: [{ name: service.metadata.name, port: 80 }],
                        },
                    ],
                },
            },
            child,
        );

        new k8s.autoscaling.v2.HorizontalPodAutoscaler(
            `${name}-hpa`,
            {
                metadata: meta,
                spec: {
                    scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                    minReplicas: args.minReplicas,
                    maxReplicas: args.maxReplicas,
                    metrics: [
                        {
                            type: "Resource",
                            resource: {
                                name: "cpu",
                                target: { type: "Utilization", averageUtilization: args.targetCpuPercent },
                            },
                        },
                    ],
                },
            },
            child,
        );

        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            {
                metadata: meta,
                spec: {
                    // maxUnavailable, not minAvailable: with one replica (dev) node drains still proceed.
                    maxUnavailable: args.maxUnavailable,
                    selector: { matchLabels: selector },
                    unhealthyPodEvictionPolicy: "AlwaysAllow", // a crash-looping pod never blocks a drain
                },
            },
            child,
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-aws-apis`,
            {
                metadata: { ...meta, name: `${args.name}-allow-aws-apis` },
                spec: {
                    podSelector: { matchLabels: selector },
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ ipBlock: AWS_API_EGRESS }], ports: [{ protocol: "TCP", port: 443 }] }],
                },
            },
            child,
        );
    }
}

export interface AppPolicyInputs {
    /** The app key's ARN: envelope encryption. Required. */
    appKey: string;
    /** The data key's ARN: the bucket's SSE-KMS key. Required. */
    dataKey: string;
    /** The DB instance's DbiResourceId (db-ABC...). Required. */
    dbResourceId: string;
    /** The database user the app connects as. Required. */
    dbUser: string;
    /** The app bucket's ARN. Required. */
    bucket: string;
    /** The key prefix the app may use. Default is none: no S3 statements at all. */
    prefix?: string;
}

/** The IRSA role's statements: exactly what the app does, on exactly its own resources (KMS-04: no `*`). */
export function appStatements(p: AppPolicyInputs): object[] {
    const statements: object[] = [
        // Envelope encryption of tokens, keys and passwords: new data keys, and unwrapping stored ones.
        {
            Sid: "AppEnvelopeEncryption",
            Effect: "Allow",
            Action: ["kms:GenerateDataKey", "kms:Decrypt"],
            Resource: p.appKey,
        },
        {
            // IAM database authentication as the app's own user, on this instance only: no password, nothing to rotate,
            // and the master secret is not reachable from the app (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/UsingWithRDS.IAMDBAuth.IAMPolicy.html).
            Sid: "ConnectAsAppUser",
            Effect: "Allow",
            Action: "rds-db:connect",
            Resource: `arn:aws:rds-db:${regionOf(p.appKey)}:${p.appKey.split(":")[4]}:dbuser:${p.dbResourceId}/${p.dbUser}`,
        },
    ];
    if (p.prefix) {
        statements.push(
            {
                Sid: "AppObjects",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: `${p.bucket}/${p.prefix}*`,
            },
            {
                Sid: "ListAppPrefix",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: p.bucket,
                Condition: { StringLike: { "s3:prefix": [`${p.prefix}*`] } },
            },
            {
                // SSE-KMS objects need the bucket's key; with a bucket key the encryption context is the bucket ARN.
                Sid: "BucketKeyViaS3",
                Effect: "Allow",
                Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                Resource: p.dataKey,
                Condition: {
                    StringEquals: {
                        "kms:ViaService": `s3.${regionOf(p.dataKey)}.amazonaws.com`,
                        "kms:EncryptionContext:aws:s3:arn": p.bucket,
                    },
                },
            },
        );
    }
    return statements;
}
