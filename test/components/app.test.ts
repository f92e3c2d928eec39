import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { App, AppArgs, AppRepository } from "../../components/app";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, doc, keyArn } from "../support/component";

const PROVIDER = "pulumi:providers:kubernetes";
const REPOSITORY = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop-api";
const OIDC = "oidc.eks.eu-west-1.amazonaws.com/id/ABC123";

function app(extra: Partial<AppArgs> = {}): Promise<Capture> {
    return buildAlone(() => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        new App("svc", {
            provider,
            namespace: "orders",
            name: "shop-api",
            repositoryUrl: REPOSITORY,
            imageTag: "1.4.2",
            hosts: ["app.shop.example.com"],
            oidcProviderArn: `arn:aws:iam::111122223333:oidc-provider/${OIDC}`,
            oidcProviderUrl: `https://${OIDC}`,
            appKeyArn: keyArn("app"),
            dataKeyArn: keyArn("data"),
            databaseResourceId: "db-ABCDEF",
            databaseAddress: "db.example.internal",
            databasePort: 5432,
            tags: TAGS,
            ...extra,
        });
    });
}

describe("AppRepository component", () => {
    it("constructs with minimal args: an immutable, scanned, KMS-encrypted, protected repository keeping 30 images", async () => {
        const c = await buildAlone(
            () => new AppRepository("repo", { name: "shop-api", dataKeyArn: keyArn("data"), tags: TAGS }),
        );
        assertComponent(c, "platform:app:Repository", "repo", { name: "shop-api" });
        const repo = c.one("aws:ecr/repository:Repository");
        assert.deepEqual(
            [
                repo.inputs.imageTagMutability,
                repo.inputs.imageScanningConfiguration.scanOnPush,
                repo.inputs.encryptionConfigurations,
            ],
            ["IMMUTABLE", true, [{ encryptionType: "KMS", kmsKey: keyArn("data") }]],
        );
        assert.deepEqual([repo.protect, repo.inputs.forceDelete], [true, false]);
        const rules = JSON.parse(c.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.policy).rules;
        assert.equal(rules[1].selection.countNumber, 30);
    });
});

describe("App component", () => {
    let c: Capture;
    before(async () => {
        c = await app();
    });

    it("constructs with minimal args: two restricted replicas of the pinned image, scaled 2-6 at 70 % CPU", () => {
        assertComponent(c, "platform:app:App", "svc", { name: "shop-api", imageTag: "1.4.2" }, [PROVIDER]);
        const spec = c.one("kubernetes:apps/v1:Deployment").inputs.spec;
        assert.equal(spec.replicas, 2);
        const [container] = spec.template.spec.containers;
        assert.equal(container.image, `${REPOSITORY}:1.4.2`);
        assert.deepEqual(container.resources, {
            requests: { cpu: "250m", memory: "512Mi" },
            limits: { cpu: "1", memory: "1Gi" },
        });
        assert.deepEqual(
            [
                container.securityContext.runAsNonRoot,
                container.securityContext.readOnlyRootFilesystem,
                container.securityContext.allowPrivilegeEscalation,
                container.securityContext.capabilities.drop,
            ],
            [true, true, false, ["ALL"]],
        );
        assert.deepEqual(
            [container.ports[0].containerPort, container.readinessProbe.httpGet.path],
            [8080, "/actuator/health/readiness"],
        );
        assert.equal(spec.template.spec.automountServiceAccountToken, false);
        const hpa = c.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").inputs.spec;
        assert.deepEqual(
            [hpa.minReplicas, hpa.maxReplicas, hpa.metrics[0].resource.target.averageUtilization],
            [2, 6, 70],
        );
        assert.equal(c.one("kubernetes:policy/v1:PodDisruptionBudget").inputs.spec.maxUnavailable, 1);
    });

    it("keeps its bucket protected and KMS-encrypted, and its role off S3 until a prefix is given", () => {
        const bucket = c.one("aws:s3/bucket:Bucket");
        assert.deepEqual([bucket.protect, bucket.inputs.forceDestroy], [true, false]);
        const sse = c.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
            .inputs.rules[0];
        assert.deepEqual(sse.applyServerSideEncryptionByDefault, {
            sseAlgorithm: "aws:kms",
            kmsMasterKeyId: keyArn("data"),
        });
        const statements = doc(c.one("aws:iam/rolePolicy:RolePolicy")).Statement;
        assert.deepEqual(
            statements.map((s: any) => s.Sid),
            ["AppEnvelopeEncryption", "ConnectAsAppUser"],
        );
        assert.equal(
            statements[1].Resource,
            "arn:aws:rds-db:eu-west-1:111122223333:dbuser:db-ABCDEF/app_iam",
            "IAM database auth as the default user",
        );
        const trust = doc(c.one("aws:iam/role:Role"), "assumeRolePolicy").Statement[0];
        assert.equal(trust.Condition.StringEquals[`${OIDC}:sub`], "system:serviceaccount:orders:shop-api");
        const data = c.one("kubernetes:core/v1:ConfigMap").inputs.data;
        assert.deepEqual(
            [data.DATABASE_NAME, data.DATABASE_USER, data.DATABASE_IAM_AUTH, data.APP_BUCKET_PREFIX],
            ["app", "app_iam", "true", undefined],
        );
    });

    it("grants its own prefix once given, and refuses settings that shadow the platform's", async () => {
        const withS3 = await app({ s3Prefix: "uploads/", protect: false });
        const sids = doc(withS3.one("aws:iam/rolePolicy:RolePolicy")).Statement.map((s: any) => s.Sid);
        assert.deepEqual(sids.slice(2), ["AppObjects", "ListAppPrefix", "BucketKeyViaS3"]);
        assert.equal(withS3.one("aws:s3/bucket:Bucket").protect, false);
        await assert.rejects(
            app({ settings: { DATABASE_HOST: "elsewhere" } }),
            /app settings DATABASE_HOST are set by the platform/,
        );
    });
});
