import { strict as assert } from "assert";
import { Capture, readStackConfig, runProgram } from "./support/harness";
import { invalidKubernetesObjects } from "./support/k8s-schema";

const ACCOUNT = "111122223333"; // the dev stack's allowed account
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const BUCKET = "aws:s3/bucket:Bucket";
const DEV_APP = JSON.parse(readStackConfig("dev")["platform:app"]) as Record<string, unknown>;

/** The real program (index.ts): the app tier wired to the real keys, database, cluster and team namespaces. */
async function buildAppTier(app?: Record<string, unknown>, stack = "dev"): Promise<Capture> {
    return (await runProgram(stack, { overrides: app ? { app } : {} })).capture;
}

/** What the other tiers hand the app, read from the resources that produce it. */
const KEY_ARN = /^arn:aws:kms:eu-west-1:111122223333:key\//;
const key = (c: Capture, purpose: string): string => c.one("aws:kms/key:Key", purpose).state.arn;
const secretArn = (c: Capture): string => c.one("aws:rds/instance:Instance").state.masterUserSecrets[0].secretArn;
const issuer = (c: Capture): string => c.one("eks:index:Cluster").state.oidcIssuer;

const podSpec = (c: Capture) => c.one(DEPLOYMENT, "app-deployment").inputs.spec.template.spec;
const statements = (c: Capture) => JSON.parse(c.one("aws:iam/rolePolicy:RolePolicy", "irsa").inputs.policy).Statement;

describe("app", function () {
    this.timeout(300_000); // three whole-program runs in the before hook; slow on a shared CI machine
    let dev: Capture;
    let withBucketAccess: Capture;
    let prod: Capture;
    before(async () => {
        dev = await buildAppTier();
        prod = await buildAppTier(undefined, "prod");
        withBucketAccess = await buildAppTier({
            ...DEV_APP,
            s3Prefix: "uploads/",
            imageTag: `sha256:${"a".repeat(64)}`,
        });
    });

    describe("container image registry", () => {
        it("scans on push, keeps tags immutable and encrypts with the data key", () => {
            const repo = dev.one("aws:ecr/repository:Repository");
            assert.equal(repo.inputs.name, "shop-api");
            assert.equal(repo.inputs.imageScanningConfiguration.scanOnPush, true);
            assert.equal(repo.inputs.imageTagMutability, "IMMUTABLE");
            assert.deepEqual(repo.inputs.encryptionConfigurations, [
                { encryptionType: "KMS", kmsKey: key(dev, "data") },
            ]);
            assert.match(key(dev, "data"), KEY_ARN);
        });

        it("expires untagged images and keeps the configured number of images", () => {
            const lifecycle = dev.one("aws:ecr/lifecyclePolicy:LifecyclePolicy");
            assert.equal(lifecycle.inputs.repository, "shop-api");
            const rules = JSON.parse(lifecycle.inputs.policy).rules;
            assert.deepEqual(
                rules.map((r: any) => [
                    r.rulePriority,
                    r.selection.tagStatus,
                    r.selection.countType,
                    r.selection.countNumber,
                ]),
                [
                    [1, "untagged", "sinceImagePushed", 7],
                    [2, "any", "imageCountMoreThan", 30],
                ],
            );
        });
    });

    describe("IRSA role", () => {
        it("trusts only the app's service account in its team namespace", () => {
            const trust = JSON.parse(dev.one("aws:iam/role:Role", "irsa").inputs.assumeRolePolicy).Statement;
            const ISSUER = issuer(dev);
            assert.match(ISSUER, /^oidc\.eks\.eu-west-1\.amazonaws\.com\/id\/[0-9A-F]+$/);
            assert.equal(
                `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`,
                dev.one("eks:index:Cluster").state.oidcProviderArn,
                "the cluster's OIDC provider",
            );
            assert.deepEqual(trust, [
                {
                    Effect: "Allow",
                    Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}` },
                    Action: "sts:AssumeRoleWithWebIdentity",
                    Condition: {
                        StringEquals: {
                            [`${ISSUER}:sub`]: "system:serviceaccount:payments:shop-api",
                            [`${ISSUER}:aud`]: "sts.amazonaws.com",
                        },
                    },
                },
            ]);
        });

        it("allows exactly the envelope key and IAM database login as the app's own user, never the master secret", () => {
            const KEY = (purpose: string) => key(dev, purpose);
            const db = dev.one("aws:rds/instance:Instance").state;
            assert.match(KEY("app"), KEY_ARN);
            assert.match(db.resourceId, /^db-[0-9A-F]+$/);
            assert.deepEqual(statements(dev), [
                {
                    Sid: "AppEnvelopeEncryption",
                    Effect: "Allow",
                    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                    Resource: KEY("app"),
                },
                {
                    Sid: "ConnectAsAppUser",
                    Effect: "Allow",
                    Action: "rds-db:connect",
                    Resource: `arn:aws:rds-db:eu-west-1:${ACCOUNT}:dbuser:${db.resourceId}/app_iam`,
                },
            ]);
            const text = JSON.stringify(statements(dev));
            assert.ok(
                !text.includes("secretsmanager") && !text.includes(secretArn(dev)),
                "no route to the master secret",
            );
            assert.equal(dev.one("aws:rds/instance:Instance").inputs.iamDatabaseAuthenticationEnabled, true);
        });

        it("adds only the configured bucket prefix, and the bucket key through S3, when s3Prefix is set", () => {
            const bucketArn = withBucketAccess.one(BUCKET, "objects").state.arn;
            assert.deepEqual(statements(withBucketAccess).slice(2), [
                {
                    Sid: "AppObjects",
                    Effect: "Allow",
                    Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    Resource: `${bucketArn}/uploads/*`,
                },
                {
                    Sid: "ListAppPrefix",
                    Effect: "Allow",
                    Action: "s3:ListBucket",
                    Resource: bucketArn,
                    Condition: { StringLike: { "s3:prefix": ["uploads/*"] } },
                },
                {
                    Sid: "BucketKeyViaS3",
                    Effect: "Allow",
                    Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                    Resource: key(withBucketAccess, "data"),
                    Condition: {
                        StringEquals: {
                            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
                            "kms:EncryptionContext:aws:s3:arn": bucketArn,
                        },
                    },
                },
            ]);
        });

        it("never grants a wildcard action or resource", () => {
            for (const s of [...statements(dev), ...statements(withBucketAccess)]) {
                assert.equal(s.Effect, "Allow");
                for (const a of [s.Action].flat()) assert.ok(!a.includes("*"), a);
                assert.notEqual(s.Resource, "*");
            }
        });

        it("is the role the service account names, and the account's token is not mounted", () => {
            const sa = dev.one("kubernetes:core/v1:ServiceAccount", "app-sa");
            assert.equal(
                sa.inputs.metadata.annotations["eks.amazonaws.com/role-arn"],
                dev.one("aws:iam/role:Role", "irsa").state.arn,
            );
            assert.equal(sa.inputs.automountServiceAccountToken, false);
            assert.equal(podSpec(dev).serviceAccountName, "shop-api");
            assert.equal(podSpec(dev).automountServiceAccountToken, false);
        });
    });

    describe("deployment", () => {
        it("runs the pinned image from the app's ECR repository", () => {
            const [container] = podSpec(dev).containers;
            assert.equal(container.image, `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.0.0`);
            assert.equal(
                podSpec(withBucketAccess).containers[0].image,
                `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/shop-api@sha256:${"a".repeat(64)}`,
            );
        });

        it("runs as non-root with a read-only root filesystem, no capabilities, no escalation and RuntimeDefault seccomp", () => {
            const spec = podSpec(dev);
            assert.equal(spec.securityContext.runAsNonRoot, true);
            assert.equal(spec.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.ok(spec.securityContext.runAsUser > 0);
            assert.ok(!spec.hostNetwork && !spec.hostPID && !spec.hostIPC);
            for (const c of spec.containers) {
                assert.equal(c.securityContext.runAsNonRoot, true);
                assert.equal(c.securityContext.readOnlyRootFilesystem, true);
                assert.equal(c.securityContext.allowPrivilegeEscalation, false);
                assert.equal(c.securityContext.privileged, false);
                assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
                assert.equal(c.securityContext.seccompProfile.type, "RuntimeDefault");
                assert.ok(!c.ports.some((p: any) => p.hostPort));
            }
        });

        it("writes only to an emptyDir at /tmp, where the JVM puts its temp files", () => {
            const spec = podSpec(dev);
            assert.deepEqual(
                spec.volumes.map((v: any) => Object.keys(v).sort()),
                [["emptyDir", "name"]],
            );
            assert.deepEqual(spec.containers[0].volumeMounts, [{ name: "tmp", mountPath: "/tmp" }]);
            const javaOptions = spec.containers[0].env.find((e: any) => e.name === "JAVA_TOOL_OPTIONS").value;
            assert.match(javaOptions, /-XX:MaxRAMPercentage=\d+/);
            assert.match(javaOptions, /-Djava\.io\.tmpdir=\/tmp/);
        });

        it("probes startup, readiness and liveness on the actuator paths", () => {
            const [c] = podSpec(dev).containers;
            assert.equal(c.startupProbe.httpGet.path, "/actuator/health/liveness");
            assert.equal(c.readinessProbe.httpGet.path, "/actuator/health/readiness");
            assert.equal(c.livenessProbe.httpGet.path, "/actuator/health/liveness");
            for (const p of [c.startupProbe, c.readinessProbe, c.livenessProbe]) assert.equal(p.httpGet.port, "http");
            assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 120, "JVM start budget");
            assert.deepEqual(c.ports, [{ name: "http", containerPort: 8080, protocol: "TCP" }]);
        });

        it("requests and limits CPU and memory from config", () => {
            assert.deepEqual(podSpec(dev).containers[0].resources, {
                requests: { cpu: "250m", memory: "512Mi" },
                limits: { cpu: "1", memory: "1Gi" },
            });
        });

        it("spreads pods across zones", () => {
            const zone = podSpec(dev).topologySpreadConstraints.find(
                (t: any) => t.topologyKey === "topology.kubernetes.io/zone",
            );
            assert.equal(zone.maxSkew, 1);
            assert.deepEqual(
                zone.labelSelector.matchLabels,
                dev.one(DEPLOYMENT, "app-deployment").inputs.spec.selector.matchLabels,
            );
        });

        it("lives in the team namespace and opts in to traffic from the ingress controller", () => {
            const deployment = dev.one(DEPLOYMENT, "app-deployment");
            assert.equal(deployment.inputs.metadata.namespace, "payments");
            const allow = dev
                .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .find(
                    (p) =>
                        p.inputs.metadata.namespace === "payments" && p.inputs.metadata.name === "allow-from-ingress",
                )!;
            const podLabels = deployment.inputs.spec.template.metadata.labels;
            for (const [k, v] of Object.entries(allow.inputs.spec.podSelector.matchLabels))
                assert.equal(podLabels[k], v);
        });

        it("reaches AWS APIs on 443 at public addresses only, never the metadata service", () => {
            const egress = dev
                .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
                .find((p) => p.inputs.metadata.name === "shop-api-allow-aws-apis")!.inputs.spec.egress;
            assert.deepEqual(egress[0].ports, [{ protocol: "TCP", port: 443 }]);
            const block = egress[0].to[0].ipBlock;
            assert.equal(block.cidr, "0.0.0.0/0");
            for (const cidr of ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"])
                assert.ok(block.except.includes(cidr), cidr);
        });
    });

    describe("configuration", () => {
        it("puts settings and connection facts in the ConfigMap, never the password", () => {
            const cm = dev.one("kubernetes:core/v1:ConfigMap");
            const db = dev.one("aws:rds/instance:Instance").state;
            assert.match(db.address, /^database-db\..+\.eu-west-1\.rds\.amazonaws\.com$/);
            assert.match(secretArn(dev), /^arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-/);
            assert.equal(cm.inputs.metadata.namespace, "payments");
            assert.deepEqual(cm.inputs.data, {
                SPRING_PROFILES_ACTIVE: "dev",
                LOG_LEVEL: "DEBUG",
                AWS_REGION: "eu-west-1",
                DATABASE_HOST: db.address,
                DATABASE_PORT: "5432",
                DATABASE_NAME: "app",
                DATABASE_USER: "app_iam",
                DATABASE_IAM_AUTH: "true",
                APP_KMS_KEY_ARN: key(dev, "app"),
                APP_BUCKET: dev.one(BUCKET, "objects").state.bucket,
            });
            assert.deepEqual(podSpec(dev).containers[0].envFrom, [{ configMapRef: { name: "shop-api-config" } }]);
            assert.ok(!podSpec(dev).containers[0].env.some((e: any) => e.valueFrom), "no secret references in env");
        });

        it("rolls the pods when the settings change", () => {
            const checksum = (c: Capture) =>
                c.one(DEPLOYMENT, "app-deployment").inputs.spec.template.metadata.annotations["checksum/config"];
            assert.match(checksum(dev), /^[0-9a-f]{64}$/);
            assert.notEqual(checksum(dev), checksum(withBucketAccess));
        });

        it("refuses settings that would shadow the platform's own", async () => {
            await assert.rejects(
                buildAppTier({ ...DEV_APP, settings: { DATABASE_HOST: "elsewhere" } }),
                /DATABASE_HOST are set by the platform/,
            );
        });
    });

    describe("exposure", () => {
        it("routes the app host to its Service through the platform Gateway, from the team namespace", () => {
            const route = dev.one(ROUTE).inputs;
            assert.equal(route.metadata.namespace, "payments");
            assert.deepEqual(route.spec.parentRefs, [
                { group: "gateway.networking.k8s.io", kind: "Gateway", name: "public", namespace: "nginx-gateway" },
            ]);
            assert.deepEqual(route.spec.hostnames, ["app.dev.shop.example.com"]);
            assert.deepEqual(route.spec.rules[0].backendRefs, [{ name: "shop-api", port: 80 }]);
            assert.equal(
                dev.ofType("kubernetes:networking.k8s.io/v1:Ingress").length,
                0,
                "no Ingress: nothing serves the class any more",
            );
        });

        it("serves every configured host, each on a listener of the team that admits only its namespace", () => {
            const route = prod.one(ROUTE).inputs.spec;
            const cert = prod.one("aws:acm/certificate:Certificate").inputs;
            assert.deepEqual(
                route.hostnames,
                [cert.domainName, ...cert.subjectAlternativeNames],
                "the hosts the edge tier's certificate and records serve",
            );
            const listeners = prod
                .one("kubernetes:gateway.networking.k8s.io/v1:Gateway")
                .inputs.spec.listeners.filter((l: any) => l.hostname);
            assert.deepEqual(
                listeners.map((l: any) => l.hostname),
                route.hostnames,
            );
            for (const l of listeners)
                assert.deepEqual(l.allowedRoutes.namespaces.selector.matchLabels, {
                    "kubernetes.io/metadata.name": "payments",
                });
        });

        it("keeps the Service internal", () => {
            const svc = dev.one("kubernetes:core/v1:Service", "app-service").inputs.spec;
            assert.equal(svc.type, "ClusterIP");
            assert.deepEqual(svc.ports, [{ name: "http", port: 80, targetPort: "http", protocol: "TCP" }]);
        });

        it("autoscales on CPU between the configured bounds and keeps pods through drains", () => {
            const hpa = dev.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec;
            assert.deepEqual([hpa.minReplicas, hpa.maxReplicas], [1, 3]);
            assert.deepEqual(hpa.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: "shop-api" });
            assert.deepEqual(hpa.metrics[0].resource, {
                name: "cpu",
                target: { type: "Utilization", averageUtilization: 70 },
            });
            const pdb = dev.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec;
            assert.equal(pdb.maxUnavailable, 1);
            assert.deepEqual(pdb.selector.matchLabels, { "app.kubernetes.io/name": "shop-api" });
        });
    });

    describe("object bucket", () => {
        it("encrypts with the data key, versions, blocks public access and disables ACLs", () => {
            const bucketId = dev.one(BUCKET, "objects").id;
            const sse = dev.one(
                "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                "objects",
            );
            assert.equal(sse.inputs.bucket, bucketId);
            assert.deepEqual(sse.inputs.rules, [
                {
                    applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: key(dev, "data") },
                    bucketKeyEnabled: true,
                },
            ]);
            const pab = dev.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "objects").inputs;
            assert.deepEqual(
                [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
                [true, true, true, true],
            );
            assert.equal(
                dev.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "objects").inputs.rule
                    .objectOwnership,
                "BucketOwnerEnforced",
            );
            assert.equal(
                dev.one("aws:s3/bucketVersioning:BucketVersioning", "objects").inputs.versioningConfiguration.status,
                "Enabled",
            );
        });

        it("denies every request that is not over TLS", () => {
            const bucket = dev.one(BUCKET, "objects");
            const policy = dev.one("aws:s3/bucketPolicy:BucketPolicy", "objects");
            assert.equal(policy.inputs.bucket, bucket.id);
            const tls = JSON.parse(policy.inputs.policy).Statement.find((s: any) => s.Sid === "DenyInsecureTransport");
            assert.deepEqual(tls, {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucket.state.arn, `${bucket.state.arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            });
        });

        it("protects the bucket and repository on protected stacks, and deletes them with contents elsewhere", () => {
            for (const [type, name] of [
                [BUCKET, "objects"],
                ["aws:ecr/repository:Repository", "repo"],
            ]) {
                assert.equal(prod.one(type, name).protect, true, `prod ${type}`);
                assert.equal(dev.one(type, name).protect, false, `dev ${type}`);
            }
            assert.deepEqual(
                [prod.one(BUCKET, "objects").inputs.forceDestroy, dev.one(BUCKET, "objects").inputs.forceDestroy],
                [false, true],
            );
            assert.deepEqual(
                [
                    prod.one("aws:ecr/repository:Repository").inputs.forceDelete,
                    dev.one("aws:ecr/repository:Repository").inputs.forceDelete,
                ],
                [false, true],
            );
        });
    });

    it("produces Kubernetes objects that validate against the Kubernetes schemas", () => {
        const objects = dev.resources.filter(
            (r) => r.type.startsWith("kubernetes:") && r.parent.includes("platform:app:App"),
        );
        assert.deepEqual(objects.map((r) => r.type.split(":")[2]).sort(), [
            "ConfigMap",
            "Deployment",
            "HTTPRoute",
            "HorizontalPodAutoscaler",
            "NetworkPolicy",
            "PodDisruptionBudget",
            "Service",
            "ServiceAccount",
        ]);
        // Every full Kubernetes object the program declares: the team namespaces' and the cluster tier's too.
        assert.deepEqual(invalidKubernetesObjects(dev.resources), []);
        assert.ok(
            dev.resources.filter((r) => r.type === "kubernetes:storage.k8s.io/v1:StorageClass").length > 0,
            "the cluster tier's StorageClass is among the validated objects",
        );
    });
});
