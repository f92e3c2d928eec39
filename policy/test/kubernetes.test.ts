import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../kubernetes";
import { UNKNOWN } from "../lib/unknowns";
import { parseImage, hostCovered, scopeOf } from "../lib/k8s";
import {
    assertClean,
    assertDeferred,
    assertRejected,
    policyNamed,
    runResourcePolicy,
    runStackPolicy,
    StackFixture,
} from "./support";
import { TYPES } from "../../lib/contract";

const rp = (name: string) => policyNamed<ResourceValidationPolicy>(policies, name);
const sp = (name: string) => policyNamed<StackValidationPolicy>(policies, name);

const ECR = "111122223333.dkr.ecr.eu-west-1.amazonaws.com";
const DIGEST = `sha256:${"a".repeat(64)}`;
const SECURE_CONTEXT = {
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
};

// ---------------------------------------------------------------------------------------------
// Fixtures: the hardened workload the app component ships, and single-property departures from it.
// ---------------------------------------------------------------------------------------------

function container(over: Record<string, any> = {}, sc: Record<string, any> = {}) {
    return {
        name: "app",
        image: `${ECR}/shop-api:1.0.0@${DIGEST}`,
        ports: [{ containerPort: 8080 }],
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        securityContext: { ...SECURE_CONTEXT, ...sc },
        ...over,
    };
}

function podSpec(over: Record<string, any> = {}) {
    return {
        serviceAccountName: "shop-api",
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [container()],
        volumes: [{ name: "tmp", emptyDir: {} }],
        ...over,
    };
}

function deployment(spec: Record<string, any> = podSpec(), metadata: Record<string, any> = {}) {
    return {
        metadata: { name: "shop-api", namespace: "payments", ...metadata },
        spec: {
            replicas: 2,
            selector: { matchLabels: { app: "shop-api" } },
            template: { metadata: { labels: { app: "shop-api" } }, spec },
        },
    };
}

const cronJob = (spec: Record<string, any>) => ({
    metadata: { name: "report", namespace: "payments" },
    spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { spec } } } },
});

function ingress(annotations: Record<string, string>, spec: Record<string, any> = {}) {
    return {
        metadata: { name: "shop-api", namespace: "payments", annotations },
        spec: {
            ingressClassName: "nginx",
            tls: [{ hosts: ["app.dev.shop.example.com"], secretName: "shop-api-tls" }],
            rules: [
                {
                    host: "app.dev.shop.example.com",
                    http: {
                        paths: [
                            {
                                path: "/",
                                pathType: "Prefix",
                                backend: { service: { name: "shop-api", port: { number: 80 } } },
                            },
                        ],
                    },
                },
            ],
            ...spec,
        },
    };
}
const NGINX_REDIRECT = { "nginx.ingress.kubernetes.io/ssl-redirect": "true" };

// ---------------------------------------------------------------------------------------------

describe("kubernetes policies: pod security (K8S-01 … K8S-13)", () => {
    const WORKLOAD_POLICIES = [
        "k8s-no-privileged-containers",
        "k8s-no-privilege-escalation",
        "k8s-run-as-non-root",
        "k8s-read-only-root-filesystem",
        "k8s-drop-all-capabilities",
        "k8s-seccomp-runtime-default",
        "k8s-no-host-namespaces",
        "k8s-restricted-volume-types",
        "k8s-no-host-ports",
        "k8s-resources-requests-and-limits",
        "k8s-image-approved-and-pinned",
        "k8s-no-default-service-account",
        "k8s-sa-token-automount-off",
    ];

    it("passes the hardened Deployment on every workload row", async () => {
        for (const name of WORKLOAD_POLICIES)
            assertClean(await runResourcePolicy(rp(name), TYPES.k8sDeployment, deployment()));
    });

    it("finds the pod spec of a CronJob, a bare Pod, and init and ephemeral containers", async () => {
        const privileged = container({ name: "bad" }, { privileged: true });
        const policy = rp("k8s-no-privileged-containers");
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sCronJob, cronJob(podSpec({ containers: [privileged] }))),
            policy.name,
            'container "bad" runs privileged',
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sPod, {
                metadata: { namespace: "payments" },
                spec: podSpec({ containers: [privileged] }),
            }),
            policy.name,
            'container "bad" runs privileged',
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(podSpec({ initContainers: [privileged] }))),
            policy.name,
            'initContainer "bad" runs privileged',
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sDeployment,
                deployment(podSpec({ ephemeralContainers: [privileged] })),
            ),
            policy.name,
            'ephemeralContainer "bad" runs privileged',
        );
    });

    it("rejects a privileged container (K8S-01)", async () => {
        const run = await runResourcePolicy(
            rp("k8s-no-privileged-containers"),
            TYPES.k8sDeployment,
            deployment(podSpec({ containers: [container({}, { privileged: true })] })),
        );
        assertRejected(
            run,
            "k8s-no-privileged-containers",
            'container "app" runs privileged: remove securityContext.privileged or set it to false.',
        );
    });

    it("requires allowPrivilegeEscalation to be set false explicitly (K8S-02)", async () => {
        const { allowPrivilegeEscalation: _omit, ...rest } = SECURE_CONTEXT;
        void _omit;
        const run = await runResourcePolicy(
            rp("k8s-no-privilege-escalation"),
            TYPES.k8sDeployment,
            deployment(podSpec({ containers: [container({ securityContext: rest })] })),
        );
        assertRejected(
            run,
            "k8s-no-privilege-escalation",
            'container "app": set securityContext.allowPrivilegeEscalation to false.',
        );
    });

    it("requires runAsNonRoot on the container or the pod and rejects UID 0 (K8S-03)", async () => {
        const policy = rp("k8s-run-as-non-root");
        const noNonRoot = podSpec({
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
            containers: [container({ securityContext: { ...SECURE_CONTEXT, runAsNonRoot: undefined } })],
        });
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(noNonRoot)),
            policy.name,
            "set securityContext.runAsNonRoot to true on the container or the pod",
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sDeployment,
                deployment(podSpec({ containers: [container({}, { runAsUser: 0 })] })),
            ),
            policy.name,
            'container "app" runs as UID 0',
        );
        const rootPod = podSpec({ securityContext: { runAsNonRoot: true, runAsUser: 0 } });
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(rootPod)),
            policy.name,
            "the pod securityContext.runAsUser is 0",
        );
        // The pod-level setting is inherited by a container that does not set its own.
        const inherited = podSpec({
            containers: [container({ securityContext: { ...SECURE_CONTEXT, runAsNonRoot: undefined } })],
        });
        assertClean(await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(inherited)));
    });

    it("requires a read-only root filesystem and honours a ticketed exemption as advisory (K8S-04)", async () => {
        const policy = rp("k8s-read-only-root-filesystem");
        const writable = deployment(podSpec({ containers: [container({}, { readOnlyRootFilesystem: false })] }));
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, writable),
            policy.name,
            "set securityContext.readOnlyRootFilesystem to true",
        );
        const exempted = deployment(podSpec({ containers: [container({}, { readOnlyRootFilesystem: false })] }), {
            annotations: {
                "policy.exempt/k8s-read-only-root-filesystem": "PLAT-42: nginx writes its pid file under /tmp",
            },
        });
        const run = await runResourcePolicy(policy, TYPES.k8sDeployment, exempted);
        assert.deepEqual(run.mandatory, []);
        assert.match(
            run.advisory[0],
            /readOnlyRootFilesystem to true .*\[exempted by PLAT-42: nginx writes its pid file under \/tmp\]/,
        );
    });

    it("requires drop ALL and allows only NET_BIND_SERVICE to be added (K8S-05)", async () => {
        const policy = rp("k8s-drop-all-capabilities");
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sDeployment,
                deployment(podSpec({ containers: [container({}, { capabilities: { drop: ["NET_RAW"] } })] })),
            ),
            policy.name,
            'set securityContext.capabilities.drop to ["ALL"]',
        );
        const adds = container({}, { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE", "SYS_ADMIN"] } });
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(podSpec({ containers: [adds] }))),
            policy.name,
            'container "app" adds capabilities SYS_ADMIN: add back only NET_BIND_SERVICE.',
        );
        const bind = container({}, { capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } });
        assertClean(await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(podSpec({ containers: [bind] }))));
    });

    it("requires RuntimeDefault seccomp and rejects Unconfined anywhere (K8S-06)", async () => {
        const policy = rp("k8s-seccomp-runtime-default");
        const unset = podSpec({ securityContext: { runAsNonRoot: true } });
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(unset)),
            policy.name,
            'container "app" has seccomp profile unset',
        );
        const unconfined = podSpec({
            securityContext: { runAsNonRoot: true, seccompProfile: { type: "Unconfined" } },
            containers: [container({}, { seccompProfile: { type: "RuntimeDefault" } })],
        });
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(unconfined)),
            policy.name,
            "the pod securityContext.seccompProfile.type is Unconfined",
        );
    });

    it("rejects host network, PID and IPC namespaces (K8S-07)", async () => {
        const run = await runResourcePolicy(
            rp("k8s-no-host-namespaces"),
            TYPES.k8sDeployment,
            deployment(podSpec({ hostNetwork: true, hostPID: true })),
        );
        assertRejected(run, "k8s-no-host-namespaces", "the pod sets hostNetwork: remove it (or set it to false).");
        assertRejected(run, "k8s-no-host-namespaces", "the pod sets hostPID");
    });

    it("rejects hostPath and non-restricted volume types (K8S-08)", async () => {
        const policy = rp("k8s-restricted-volume-types");
        const run = await runResourcePolicy(
            policy,
            TYPES.k8sDeployment,
            deployment(
                podSpec({
                    volumes: [
                        { name: "docker", hostPath: { path: "/var/run/docker.sock" } },
                        { name: "nfs", nfs: { server: "x", path: "/" } },
                    ],
                }),
            ),
        );
        assertRejected(run, policy.name, 'volume "docker" mounts a hostPath');
        assertRejected(run, policy.name, 'volume "nfs" uses nfs: use only configMap, csi');
    });

    it("rejects host ports (K8S-09)", async () => {
        const run = await runResourcePolicy(
            rp("k8s-no-host-ports"),
            TYPES.k8sDeployment,
            deployment(podSpec({ containers: [container({ ports: [{ containerPort: 8080, hostPort: 8080 }] })] })),
        );
        assertRejected(run, "k8s-no-host-ports", 'container "app" binds hostPort 8080');
    });

    it("requires requests and a memory limit, and only advises a CPU limit (K8S-10)", async () => {
        const policy = rp("k8s-resources-requests-and-limits");
        const bare = container({ resources: { requests: { cpu: "100m" } } });
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sDeployment,
                deployment(podSpec({ initContainers: [{ ...bare, name: "migrate" }] })),
            ),
            policy.name,
            'initContainer "migrate": set resources.requests.memory, resources.limits.memory.',
        );
        const noCpuLimit = container({
            resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        });
        const run = await runResourcePolicy(
            policy,
            TYPES.k8sDeployment,
            deployment(podSpec({ containers: [noCpuLimit] })),
        );
        assert.deepEqual(run.mandatory, []);
        assert.match(run.advisory[0], /consider setting resources.limits.cpu/);
    });

    it("requires images from approved registries, pinned, never latest (K8S-11)", async () => {
        const policy = rp("k8s-image-approved-and-pinned");
        const withImage = (image: string) => deployment(podSpec({ containers: [container({ image })] }));
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, withImage(`docker.io/library/nginx:1.27@${DIGEST}`)),
            policy.name,
            'image "docker.io/library/nginx:1.27@sha256',
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, withImage(`${ECR}/shop-api:latest`)),
            policy.name,
            "is not pinned: use a version tag or an @sha256 digest, never latest.",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, withImage(`${ECR}/shop-api`)),
            policy.name,
            "is not pinned",
        );
        const tagOnly = await runResourcePolicy(policy, TYPES.k8sDeployment, withImage(`${ECR}/shop-api:1.0.0`));
        assert.deepEqual(tagOnly.mandatory, []);
        assert.match(tagOnly.advisory[0], /pinned by tag only/);
        // A configured registry list replaces the private-ECR default.
        const chartImage = `registry.k8s.io/ingress-nginx/controller:v1.12.1@${DIGEST}`;
        assertClean(
            await runResourcePolicy(policy, TYPES.k8sDeployment, withImage(chartImage), {
                approvedRegistries: ["registry.k8s.io/ingress-nginx/"],
            }),
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, withImage(`${ECR}/shop-api:1@${DIGEST}`), {
                approvedRegistries: ["registry.k8s.io/ingress-nginx/"],
            }),
            policy.name,
            "mirror it to registry.k8s.io/ingress-nginx/",
        );
    });

    it("requires a dedicated service account and a default SA without token mounts (K8S-12)", async () => {
        const policy = rp("k8s-no-default-service-account");
        const { serviceAccountName: _omit, ...noSa } = podSpec();
        void _omit;
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sDeployment, deployment(noSa)),
            policy.name,
            'the pod runs as the "default" ServiceAccount: set spec.template.spec.serviceAccountName',
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sServiceAccount, {
                metadata: { name: "default", namespace: "payments" },
            }),
            policy.name,
            'the "default" ServiceAccount mounts API tokens',
        );
        assertClean(
            await runResourcePolicy(policy, TYPES.k8sServiceAccount, {
                metadata: { name: "default", namespace: "payments" },
                automountServiceAccountToken: false,
            }),
        );
    });

    it("advises against token automount unless the workload opts in with api-access (K8S-13)", async () => {
        const policy = rp("k8s-sa-token-automount-off");
        const mounts = await runResourcePolicy(
            policy,
            TYPES.k8sDeployment,
            deployment(podSpec({ automountServiceAccountToken: undefined })),
        );
        assert.equal(mounts.violations[0].enforcementLevel, "advisory");
        assert.match(mounts.messages[0], /set spec.template.spec.automountServiceAccountToken to false/);
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sDeployment,
                deployment(podSpec({ automountServiceAccountToken: true }), { labels: { "api-access": "true" } }),
            ),
        );
        const sa = await runResourcePolicy(policy, TYPES.k8sServiceAccount, {
            metadata: { name: "shop-api", namespace: "payments" },
        });
        assert.match(sa.messages[0], /set automountServiceAccountToken to false on this ServiceAccount/);
    });

    it("reports known violations, then stops on a preview unknown without a mandatory failure", async () => {
        const unknownSc = container({ name: "sidecar", securityContext: UNKNOWN });
        const privileged = container({}, { privileged: true });
        const run = await runResourcePolicy(
            rp("k8s-no-privileged-containers"),
            TYPES.k8sDeployment,
            deployment(podSpec({ containers: [privileged, unknownSc] })),
        );
        assert.equal(run.unknown, true);
        assert.deepEqual(run.mandatory, [
            'container "app" runs privileged: remove securityContext.privileged or set it to false.',
        ]);
        for (const name of WORKLOAD_POLICIES.filter((n) => n !== "k8s-sa-token-automount-off")) {
            assertDeferred(
                await runResourcePolicy(
                    rp(name),
                    TYPES.k8sDeployment,
                    deployment(
                        podSpec({
                            containers: [
                                container({
                                    securityContext: UNKNOWN,
                                    image: UNKNOWN,
                                    resources: UNKNOWN,
                                    ports: UNKNOWN,
                                }),
                            ],
                            volumes: UNKNOWN,
                            hostNetwork: UNKNOWN,
                            hostPID: false,
                            hostIPC: false,
                            securityContext: UNKNOWN,
                            serviceAccountName: UNKNOWN,
                        }),
                    ),
                ),
            );
        }
        assertDeferred(
            await runResourcePolicy(
                rp("k8s-sa-token-automount-off"),
                TYPES.k8sDeployment,
                deployment(podSpec({ automountServiceAccountToken: UNKNOWN })),
            ),
        );
    });

    it("reports a malformed pod spec instead of crashing", async () => {
        const run = await runResourcePolicy(
            rp("k8s-no-privileged-containers"),
            TYPES.k8sDeployment,
            deployment(podSpec({ containers: ["not-a-container"] })),
        );
        assert.match(run.mandatory[0], /^malformed property: .*containers\[0\] is not an object/);
    });
});

describe("kubernetes policies: namespaces (K8S-14, K8S-15)", () => {
    const policy = () => rp("k8s-no-default-namespace");

    it("rejects namespaced objects in default, including charts without a namespace (K8S-14)", async () => {
        assertRejected(
            await runResourcePolicy(policy(), TYPES.k8sDeployment, deployment(podSpec(), { namespace: undefined })),
            "k8s-no-default-namespace",
            'Deployment lands in the "default" namespace',
        );
        assertRejected(
            await runResourcePolicy(policy(), TYPES.k8sConfigMap, {
                metadata: { name: "x", namespace: "default" },
            }),
            "k8s-no-default-namespace",
            "ConfigMap lands in the",
        );
        assertRejected(
            await runResourcePolicy(policy(), TYPES.helmChartV4, { chart: "ingress-nginx" }),
            "k8s-no-default-namespace",
            "set namespace to the team's",
        );
        assertClean(await runResourcePolicy(policy(), TYPES.k8sDeployment, deployment()));
        assertClean(
            await runResourcePolicy(policy(), TYPES.helmChartV4, {
                chart: "ingress-nginx",
                namespace: "ingress-nginx",
            }),
        );
    });

    it("leaves cluster-scoped kinds and namespace-less custom resources alone", async () => {
        assertClean(await runResourcePolicy(policy(), TYPES.k8sNamespace, { metadata: { name: "payments" } }));
        assertClean(
            await runResourcePolicy(policy(), "kubernetes:cert-manager.io/v1:Certificate", { metadata: { name: "x" } }),
        );
        assertRejected(
            await runResourcePolicy(policy(), "kubernetes:cert-manager.io/v1:Certificate", {
                metadata: { name: "x", namespace: "default" },
            }),
            "k8s-no-default-namespace",
            "Certificate lands in",
        );
        assert.equal(scopeOf("kubernetes:cert-manager.io/v1:ClusterIssuer"), "cluster");
        assert.equal(scopeOf("kubernetes:apps/v1:DeploymentPatch"), "namespaced");
    });

    it("allows only allowlisted objects in kube-system", async () => {
        assertRejected(
            await runResourcePolicy(policy(), TYPES.k8sDeployment, deployment(podSpec(), { namespace: "kube-system" })),
            "k8s-no-default-namespace",
            'Deployment "shop-api" is placed in kube-system',
        );
        assertClean(
            await runResourcePolicy(policy(), TYPES.k8sConfigMap, {
                metadata: { name: "aws-auth", namespace: "kube-system" },
            }),
        );
        assertClean(
            await runResourcePolicy(
                policy(),
                TYPES.k8sDeployment,
                deployment(podSpec(), { namespace: "kube-system" }),
                {
                    kubeSystemAllowlist: ["Deployment/*"],
                },
            ),
        );
    });

    it("stops on an unknown namespace (K8S-14)", async () => {
        assertDeferred(
            await runResourcePolicy(policy(), TYPES.k8sDeployment, deployment(podSpec(), { namespace: UNKNOWN })),
        );
    });

    it("requires restricted PSS on team namespaces and at least baseline on platform ones (K8S-15)", async () => {
        const pss = rp("k8s-namespace-pss-restricted");
        const ns = (name: string, level?: string) => ({
            metadata: { name, labels: level ? { "pod-security.kubernetes.io/enforce": level } : {} },
        });
        assertRejected(
            await runResourcePolicy(pss, TYPES.k8sNamespace, ns("payments", "baseline")),
            pss.name,
            'namespace "payments" enforces "baseline": set label pod-security.kubernetes.io/enforce to "restricted".',
        );
        assertRejected(
            await runResourcePolicy(pss, TYPES.k8sNamespace, ns("nginx-gateway")),
            pss.name,
            "enforces no Pod Security Standard",
        );
        assertClean(await runResourcePolicy(pss, TYPES.k8sNamespace, ns("payments", "restricted")));
        assertClean(await runResourcePolicy(pss, TYPES.k8sNamespace, ns("nginx-gateway", "baseline")));
        assertDeferred(
            await runResourcePolicy(pss, TYPES.k8sNamespace, { metadata: { name: "payments", labels: UNKNOWN } }),
        );
    });
});

describe("kubernetes policies: RBAC (K8S-16 … K8S-20)", () => {
    const binding = (roleRef: Record<string, string>, subjects: Record<string, string>[], namespace?: string) => ({
        metadata: { name: "b", namespace },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
        subjects,
    });
    const clusterAdmin = { kind: "ClusterRole", name: "cluster-admin" };

    it("binds cluster-admin only to break-glass users and never to service accounts (K8S-16)", async () => {
        const policy = rp("k8s-no-cluster-admin-to-service-accounts");
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sClusterRoleBinding,
                binding(clusterAdmin, [{ kind: "ServiceAccount", name: "ci", namespace: "payments" }]),
            ),
            policy.name,
            'ServiceAccount "payments/ci" is bound to cluster-admin',
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sRoleBinding,
                binding(clusterAdmin, [{ kind: "Group", name: "payments-developers" }], "payments"),
            ),
            policy.name,
            "is not a break-glass principal",
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sClusterRoleBinding,
                binding(clusterAdmin, [{ kind: "User", name: "platform-admin" }]),
                {
                    breakGlassPrincipals: ["platform-admin"],
                },
            ),
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sRoleBinding,
                binding(
                    { kind: "ClusterRole", name: "app-deployer" },
                    [{ kind: "ServiceAccount", name: "ci", namespace: "payments" }],
                    "payments",
                ),
            ),
        );
        assertDeferred(
            await runResourcePolicy(policy, TYPES.k8sClusterRoleBinding, binding(clusterAdmin, UNKNOWN as any)),
        );
    });

    it("keeps application service accounts out of ClusterRoleBindings (K8S-17)", async () => {
        const policy = rp("k8s-namespaced-rbac-for-workloads");
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sClusterRoleBinding,
                binding({ kind: "ClusterRole", name: "view" }, [
                    { kind: "ServiceAccount", name: "shop-api", namespace: "payments" },
                ]),
            ),
            policy.name,
            'ServiceAccount "payments/shop-api" gets a ClusterRoleBinding',
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sClusterRoleBinding,
                binding({ kind: "ClusterRole", name: "view" }, [
                    { kind: "Group", name: "system:serviceaccounts:payments" },
                ]),
            ),
            policy.name,
            "grants cluster-wide rights to application service accounts",
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sClusterRoleBinding,
                binding({ kind: "ClusterRole", name: "nginx-gateway" }, [
                    { kind: "ServiceAccount", name: "nginx-gateway", namespace: "nginx-gateway" },
                ]),
            ),
        );
        assertDeferred(
            await runResourcePolicy(
                policy,
                TYPES.k8sClusterRoleBinding,
                binding({ kind: "ClusterRole", name: "view" }, [
                    { kind: "ServiceAccount", name: "x", namespace: UNKNOWN },
                ]),
            ),
        );
    });

    it("rejects anonymous and all-authenticated subjects (K8S-18)", async () => {
        const policy = rp("k8s-no-anonymous-bindings");
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sRoleBinding,
                binding(
                    { kind: "ClusterRole", name: "view" },
                    [{ kind: "Group", name: "system:authenticated" }],
                    "payments",
                ),
            ),
            policy.name,
            'Group "system:authenticated" is a subject',
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sRoleBinding,
                binding(
                    { kind: "ClusterRole", name: "app-viewer" },
                    [{ kind: "Group", name: "payments-developers" }],
                    "payments",
                ),
            ),
        );
        assertDeferred(
            await runResourcePolicy(
                policy,
                TYPES.k8sRoleBinding,
                binding({ kind: "ClusterRole", name: "view" }, [{ kind: "Group", name: UNKNOWN }], "payments"),
            ),
        );
    });

    const role = (rules: Record<string, any>[], namespace?: string, annotations?: Record<string, string>) => ({
        metadata: { name: "r", namespace, annotations },
        rules,
    });

    it("rejects wildcard rules, exemptable only for Roles in platform namespaces (K8S-19)", async () => {
        const policy = rp("k8s-rbac-no-wildcards");
        const wild = [{ apiGroups: [""], resources: ["*"], verbs: ["get"] }];
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sClusterRole, role(wild)),
            policy.name,
            'rules[0] uses "*" in resources',
        );
        const ticket = { "policy.exempt/k8s-rbac-no-wildcards": "PLAT-7: controller leader election" };
        const exempt = await runResourcePolicy(policy, TYPES.k8sRole, role(wild, "nginx-gateway", ticket));
        assert.deepEqual(exempt.mandatory, []);
        assert.match(exempt.advisory[0], /\[exempted by PLAT-7: controller leader election\]/);
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sRole, role(wild, "payments", ticket)),
            policy.name,
            "(exemption PLAT-7 not honoured: only Roles in platform namespaces are exemptable)",
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sClusterRole,
                role([{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "list", "patch"] }]),
            ),
        );
        assertDeferred(await runResourcePolicy(policy, TYPES.k8sClusterRole, role(UNKNOWN as any)));
    });

    it("rejects escalation verbs and nodes/proxy, and flags secret reads (K8S-20)", async () => {
        const policy = rp("k8s-rbac-no-escalation-verbs");
        const run = await runResourcePolicy(
            policy,
            TYPES.k8sClusterRole,
            role([
                { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: ["bind", "escalate"] },
                { apiGroups: [""], resources: ["nodes/proxy"], verbs: ["get"] },
            ]),
        );
        assertRejected(run, policy.name, "rules[0] grants bind, escalate: remove these privilege-escalation verbs.");
        assertRejected(run, policy.name, "rules[1] grants nodes/proxy");
        const secrets = await runResourcePolicy(
            policy,
            TYPES.k8sRole,
            role([{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }], "payments"),
        );
        assert.deepEqual(secrets.mandatory, []);
        assert.match(secrets.advisory[0], /rules\[0\] can get\/list secrets/);
        assertDeferred(
            await runResourcePolicy(
                policy,
                TYPES.k8sRole,
                role([{ apiGroups: [""], resources: ["pods"], verbs: UNKNOWN }], "payments"),
            ),
        );
    });
});

describe("kubernetes policies: ingress, services, storage (K8S-21 … K8S-25)", () => {
    it("requires TLS for every ingress host (K8S-21)", async () => {
        const policy = rp("k8s-ingress-tls-required");
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sIngress, ingress(NGINX_REDIRECT, { tls: [] })),
            policy.name,
            "spec.tls is empty",
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sIngress,
                ingress(NGINX_REDIRECT, { tls: [{ hosts: ["other.example.com"], secretName: "s" }] }),
            ),
            policy.name,
            'host "app.dev.shop.example.com" is not covered by spec.tls',
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sIngress,
                ingress(NGINX_REDIRECT, { tls: [{ hosts: ["*.dev.shop.example.com"] }] }),
            ),
            policy.name,
            "spec.tls[0] has no secretName",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sIngress, ingress({}, { ingressClassName: "alb", tls: undefined })),
            policy.name,
            "this ALB ingress has no certificate",
        );
        assertClean(await runResourcePolicy(policy, TYPES.k8sIngress, ingress(NGINX_REDIRECT)));
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sIngress,
                ingress(
                    { "alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:eu-west-1:111122223333:certificate/x" },
                    { ingressClassName: "alb", tls: undefined },
                ),
            ),
        );
        assertDeferred(await runResourcePolicy(policy, TYPES.k8sIngress, ingress(NGINX_REDIRECT, { tls: UNKNOWN })));
        assert.ok(
            hostCovered("app.example.com", ["*.example.com"]) && !hostCovered("a.b.example.com", ["*.example.com"]),
        );
    });

    it("requires an HTTPS redirect for nginx and ALB ingresses and a known class (K8S-22)", async () => {
        const policy = rp("k8s-ingress-ssl-redirect");
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sIngress, ingress({})),
            policy.name,
            'set annotation nginx.ingress.kubernetes.io/ssl-redirect: "true"',
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.k8sIngress,
                ingress({ ...NGINX_REDIRECT, "nginx.ingress.kubernetes.io/force-ssl-redirect": "false" }),
            ),
            policy.name,
            "force-ssl-redirect must be",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sIngress, ingress(NGINX_REDIRECT, { ingressClassName: undefined })),
            policy.name,
            "the ingress has no class",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sIngress, ingress(NGINX_REDIRECT, { ingressClassName: "traefik" })),
            policy.name,
            'ingress class "traefik" is not one the platform can verify',
        );
        const alb = ingress(
            {
                "alb.ingress.kubernetes.io/ssl-redirect": "443",
                "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
                "alb.ingress.kubernetes.io/ssl-policy": "ELBSecurityPolicy-2016-08",
            },
            { ingressClassName: "alb" },
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sIngress, alb),
            policy.name,
            "set annotation alb.ingress.kubernetes.io/ssl-policy to one of ELBSecurityPolicy-TLS13-1-2-2021-06",
        );
        assertClean(await runResourcePolicy(policy, TYPES.k8sIngress, ingress(NGINX_REDIRECT)));
        alb.metadata.annotations["alb.ingress.kubernetes.io/ssl-policy"] = "ELBSecurityPolicy-TLS13-1-2-2021-06";
        assertClean(await runResourcePolicy(policy, TYPES.k8sIngress, alb));
        assertDeferred(
            await runResourcePolicy(policy, TYPES.k8sIngress, ingress(NGINX_REDIRECT, { ingressClassName: UNKNOWN })),
        );
    });

    it("requires a web ACL on internet-facing ALB ingresses (K8S-23)", async () => {
        const policy = rp("k8s-public-ingress-has-waf");
        const publicAlb = (extra: Record<string, string> = {}) =>
            ingress({ "alb.ingress.kubernetes.io/scheme": "internet-facing", ...extra }, { ingressClassName: "alb" });
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sIngress, publicAlb()),
            policy.name,
            "set annotation alb.ingress.kubernetes.io/wafv2-acl-arn",
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sIngress,
                publicAlb({
                    "alb.ingress.kubernetes.io/wafv2-acl-arn":
                        "arn:aws:wafv2:eu-west-1:111122223333:regional/webacl/x/y",
                }),
            ),
        );
        assertDeferred(
            await runResourcePolicy(
                policy,
                TYPES.k8sIngress,
                publicAlb({ "alb.ingress.kubernetes.io/wafv2-acl-arn": UNKNOWN }),
            ),
        );
    });

    it("allows NodePort only in the ingress controller namespace and no public load balancers (K8S-24)", async () => {
        const policy = rp("k8s-service-not-externally-exposed");
        const svc = (type: string, namespace: string, annotations: Record<string, string> = {}) => ({
            metadata: { name: "s", namespace, annotations },
            spec: { type, ports: [{ port: 80 }] },
        });
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sService, svc("NodePort", "payments")),
            policy.name,
            "NodePort Services are allowed only in the ingress controller namespace (nginx-gateway)",
        );
        assertClean(await runResourcePolicy(policy, TYPES.k8sService, svc("NodePort", "nginx-gateway")));
        assertRejected(
            await runResourcePolicy(policy, TYPES.k8sService, svc("LoadBalancer", "nginx-gateway")),
            policy.name,
            "this LoadBalancer Service would be internet-facing",
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sService,
                svc("LoadBalancer", "payments", { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal" }),
            ),
        );
        assertClean(await runResourcePolicy(policy, TYPES.k8sService, svc("ClusterIP", "payments")));
        assertDeferred(await runResourcePolicy(policy, TYPES.k8sService, svc(UNKNOWN, "payments")));
    });

    it("requires EBS StorageClasses to encrypt with a KMS key (K8S-25)", async () => {
        const policy = rp("k8s-ebs-storageclass-encrypted");
        const sc = (parameters: Record<string, string>) => ({
            metadata: { name: "gp3" },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp3", ...parameters },
        });
        const run = await runResourcePolicy(policy, TYPES.k8sStorageClass, sc({}));
        assertRejected(run, policy.name, 'set parameters.encrypted to "true".');
        assertRejected(run, policy.name, "set parameters.kmsKeyId");
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.k8sStorageClass,
                sc({
                    encrypted: "true",
                    kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                }),
            ),
        );
        assertDeferred(
            await runResourcePolicy(policy, TYPES.k8sStorageClass, sc({ encrypted: "true", kmsKeyId: UNKNOWN })),
        );
    });
});

describe("kubernetes policies: Helm (section 0)", () => {
    it("rejects an opaque helm v3 Release unless its chart is allowlisted", async () => {
        const policy = rp("k8s-helm-release-allowlisted");
        const release = {
            chart: "ingress-nginx",
            version: "4.12.1",
            namespace: "ingress-nginx",
            repositoryOpts: { repo: "https://kubernetes.github.io/ingress-nginx" },
        };
        assertRejected(
            await runResourcePolicy(policy, TYPES.helmReleaseV3, release),
            policy.name,
            'Helm Release of chart "ingress-nginx" is opaque to the policy pack',
        );
        assertClean(
            await runResourcePolicy(policy, TYPES.helmReleaseV3, release, {
                allowedHelmReleases: [{ chart: "ingress-nginx", repo: "https://kubernetes.github.io/ingress-nginx/" }],
            }),
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.helmReleaseV3, release, {
                allowedHelmReleases: [{ chart: "ingress-nginx", namespace: "kube-system" }],
            }),
            policy.name,
            "is opaque",
        );
        assertDeferred(await runResourcePolicy(policy, TYPES.helmReleaseV3, { ...release, chart: UNKNOWN }));
    });

    it("rejects chart v4 values that turn off pod isolation and advises pinning the version", async () => {
        const policy = rp("k8s-helm-chart-values-hardened");
        const run = await runResourcePolicy(policy, TYPES.helmChartV4, {
            chart: "ingress-nginx",
            namespace: "ingress-nginx",
            values: { controller: { hostNetwork: true, hostPort: { enabled: true } } },
        });
        assertRejected(run, policy.name, "chart value values.controller.hostNetwork (K8S-07) is true");
        assertRejected(run, policy.name, "values.controller.hostPort.enabled (K8S-09)");
        assert.match(run.advisory[0], /pin the chart version/);
        assertClean(
            await runResourcePolicy(policy, TYPES.helmChartV4, {
                chart: "ingress-nginx",
                version: "4.12.1",
                namespace: "ingress-nginx",
                values: { controller: { hostNetwork: false, service: { type: "NodePort" } } },
            }),
        );
        assertDeferred(
            await runResourcePolicy(policy, TYPES.helmChartV4, {
                chart: "ingress-nginx",
                version: "4.12.1",
                values: { controller: UNKNOWN },
            }),
        );
    });
});

describe("kubernetes stack policies (STK-05, STK-16)", () => {
    const ns = (name: string, k8sName: string | undefined = name): StackFixture => ({
        type: TYPES.k8sNamespace,
        name,
        props: { metadata: { name: k8sName, labels: { "pod-security.kubernetes.io/enforce": "restricted" } } },
    });
    const inNs = (
        type: string,
        name: string,
        namespace: string,
        spec: Record<string, any>,
        dep?: string,
    ): StackFixture => ({
        type,
        name,
        props: { metadata: { name, namespace }, spec },
        deps: dep ? { metadata: [dep] } : undefined,
    });
    const denyAll = { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
    const quota = {
        hard: { "requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi", pods: "20" },
    };
    const limits = {
        limits: [
            {
                type: "Container",
                default: { cpu: "500m", memory: "512Mi" },
                defaultRequest: { cpu: "100m", memory: "128Mi" },
            },
        ],
    };
    const guarded = (n: string, namespace = n, dep?: string): StackFixture[] => [
        inNs(TYPES.k8sNetworkPolicy, `${n}-deny`, namespace, denyAll, dep),
        inNs(TYPES.k8sResourceQuota, `${n}-quota`, namespace, quota, dep),
        inNs(TYPES.k8sLimitRange, `${n}-limits`, namespace, limits, dep),
    ];

    it("passes a namespace with default-deny, quota and limit range, and skips system namespaces (STK-05)", async () => {
        const run = await runStackPolicy(sp("namespace-baseline-guardrails"), [
            ns("payments"),
            ...guarded("payments"),
            ns("kube-system"),
        ]);
        assertClean(run);
    });

    it("accepts separate ingress and egress default-deny policies", async () => {
        const fixtures = [
            ns("payments"),
            ...guarded("payments").slice(1),
            inNs(TYPES.k8sNetworkPolicy, "deny-in", "payments", { podSelector: {}, policyTypes: ["Ingress"] }),
            inNs(TYPES.k8sNetworkPolicy, "deny-out", "payments", { podSelector: {}, policyTypes: ["Egress"] }),
        ];
        assertClean(await runStackPolicy(sp("namespace-baseline-guardrails"), fixtures));
    });

    it("rejects a namespace missing its guardrails, naming each one (STK-05)", async () => {
        const allowDns = inNs(TYPES.k8sNetworkPolicy, "allow-dns", "catalog", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ ports: [{ port: 53, protocol: "UDP" }] }],
        });
        const weakQuota = inNs(TYPES.k8sResourceQuota, "catalog-quota", "catalog", { hard: { pods: "10" } });
        const run = await runStackPolicy(sp("namespace-baseline-guardrails"), [ns("catalog"), allowDns, weakQuota]);
        assertRejected(
            run,
            "namespace-baseline-guardrails",
            'Namespace "catalog" lacks a default-deny ingress NetworkPolicy (podSelector {}, policyTypes Ingress, no ingress rules): declare it next to the namespace.',
        );
        assertRejected(run, "namespace-baseline-guardrails", "lacks a default-deny egress NetworkPolicy");
        assertRejected(run, "namespace-baseline-guardrails", 'lacks a LimitRange with a type "Container" entry');
        assertRejected(
            run,
            "namespace-baseline-guardrails",
            'Namespace "catalog" ResourceQuota does not limit requests.cpu, requests.memory, limits.memory: add them to spec.hard.',
        );
        assert.ok(
            run.violations.every((v) => v.urn?.endsWith("::catalog")),
            "violations name the namespace URN",
        );
    });

    it("matches guardrails to an auto-named namespace through the resource graph", async () => {
        const fixtures = [ns("payments-ns", undefined), ...guarded("payments", UNKNOWN, "payments-ns")];
        assertClean(await runStackPolicy(sp("namespace-baseline-guardrails"), fixtures));
    });

    it("downgrades to 'cannot verify' when a guardrail's namespace is unknown during preview", async () => {
        const fixtures = [ns("payments"), ...guarded("orphan", UNKNOWN)];
        const run = await runStackPolicy(sp("namespace-baseline-guardrails"), fixtures);
        assert.deepEqual(run.mandatory, []);
        assert.match(run.advisory[0], /cannot be verified during preview/);
    });

    it("flags workloads outside declared or platform namespaces (STK-16)", async () => {
        const policy = sp("k8s-workloads-in-guarded-namespace");
        const app = (namespace: string, dep?: string): StackFixture => ({
            type: TYPES.k8sDeployment,
            name: "shop-api",
            props: deployment(podSpec(), { namespace }),
            deps: dep ? { metadata: [dep] } : undefined,
        });
        const stray = await runStackPolicy(policy, [ns("payments"), app("marketing")]);
        assert.equal(stray.violations[0].enforcementLevel, "advisory");
        assert.equal(
            stray.messages[0],
            'Deployment "shop-api" runs in namespace "marketing", which this stack does not declare: declare the Namespace with its guardrails here or use a platform namespace.',
        );
        assertClean(await runStackPolicy(policy, [ns("payments"), app("payments")]));
        assertClean(await runStackPolicy(policy, [app("nginx-gateway")]));
        assertClean(await runStackPolicy(policy, [ns("payments-ns", undefined), app(UNKNOWN, "payments-ns")]));
        assertClean(await runStackPolicy(policy, [app(UNKNOWN)]));
    });
});

describe("kubernetes helpers", () => {
    it("parses image references with registry ports, tags and digests", () => {
        assert.deepEqual(parseImage("localhost:5000/app"), { repository: "localhost:5000/app", digest: undefined });
        assert.deepEqual(parseImage(`${ECR}/shop-api:1.0.0@${DIGEST}`), {
            repository: `${ECR}/shop-api`,
            tag: "1.0.0",
            digest: DIGEST,
        });
    });
});
