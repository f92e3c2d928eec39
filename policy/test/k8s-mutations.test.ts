import { strict as assert } from "assert";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { policies } from "../kubernetes";
import { UNKNOWN } from "../lib/unknowns";
import {
    assertClean,
    assertDeferred,
    assertRejected,
    Case,
    checkCase,
    policyNamed,
    runResourcePolicy,
} from "./support";
import { TYPES } from "../../lib/contract";

/**
 * Controls closed after mutation testing (test/mutations/kubernetes.test.ts): PSS-baseline kernel settings (K8S-38),
 * literal credentials in env (K8S-39), every workload / Namespace / Role shape (object, `…Patch`, `…List`), bindings
 * to the built-in admin/edit roles (K8S-27), Service externalIPs (K8S-24).
 */

const rp = (name: string) => policyNamed<ResourceValidationPolicy>(policies, name);

const ECR = "111122223333.dkr.ecr.eu-west-1.amazonaws.com";
const DEPLOYMENT_PATCH = `${TYPES.k8sDeployment}Patch`;
const STATEFULSET_LIST = `${TYPES.k8sStatefulSet}List`;
const CRONJOB_PATCH = `${TYPES.k8sCronJob}Patch`;
const JOB_LIST = `${TYPES.k8sJob}List`;
const NAMESPACE_PATCH = `${TYPES.k8sNamespace}Patch`;
const NAMESPACE_LIST = `${TYPES.k8sNamespace}List`;

function container(sc: Record<string, any> = {}, over: Record<string, any> = {}) {
    return {
        name: "app",
        image: `${ECR}/shop-api:1.0.0`,
        resources: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } },
        securityContext: {
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ["ALL"] },
            ...sc,
        },
        ...over,
    };
}

function podSpec(over: Record<string, any> = {}, c = container()) {
    return {
        serviceAccountName: "shop-api",
        automountServiceAccountToken: false,
        securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: "RuntimeDefault" } },
        containers: [c],
        ...over,
    };
}

const deployment = (spec: any = podSpec(), annotations?: Record<string, string>) => ({
    metadata: { name: "shop-api", namespace: "payments" },
    spec: { selector: { matchLabels: { app: "shop-api" } }, template: { metadata: { annotations }, spec } },
});
/** A server-side-apply patch carrying only `spec` of the pod template. */
const deploymentPatch = (spec: any) => ({
    metadata: { name: "shop-api", namespace: "payments" },
    spec: { template: { spec } },
});

// ---------------------------------------------------------------------------------------------
// K8S-38: PSS-baseline kernel settings.
// ---------------------------------------------------------------------------------------------

describe("k8s-no-unsafe-kernel-settings (K8S-38)", () => {
    const policy = rp("k8s-no-unsafe-kernel-settings");
    const cases: Case[] = [
        { it: "passes the hardened pod", type: TYPES.k8sDeployment, props: deployment() },
        {
            it: "passes RuntimeDefault AppArmor, container_t SELinux, Default procMount and a safe sysctl",
            type: TYPES.k8sDeployment,
            props: deployment(
                podSpec(
                    {
                        securityContext: {
                            runAsNonRoot: true,
                            seccompProfile: { type: "RuntimeDefault" },
                            sysctls: [{ name: "net.ipv4.ip_unprivileged_port_start", value: "0" }],
                        },
                    },
                    container({
                        appArmorProfile: { type: "RuntimeDefault" },
                        seLinuxOptions: { type: "container_t", level: "s0:c123,c456" },
                        procMount: "Default",
                    }),
                ),
                { "container.apparmor.security.beta.kubernetes.io/app": "runtime/default" },
            ),
        },
        {
            it: "rejects an Unmasked procMount",
            type: TYPES.k8sDeployment,
            props: deployment(podSpec({}, container({ procMount: "Unmasked" }))),
            rejects: /^container "app" sets procMount "Unmasked": remove it/,
        },
        {
            it: "rejects an Unconfined AppArmor profile on the pod",
            type: TYPES.k8sDeployment,
            props: deployment(
                podSpec({ securityContext: { runAsNonRoot: true, appArmorProfile: { type: "Unconfined" } } }),
            ),
            rejects: /^the pod sets AppArmor profile "Unconfined": use RuntimeDefault or a Localhost profile\.$/,
        },
        {
            it: "rejects the unconfined AppArmor annotation",
            type: TYPES.k8sDeployment,
            props: deployment(podSpec(), { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" }),
            rejects: /annotation container\.apparmor\.security\.beta\.kubernetes\.io\/app is "unconfined"/,
        },
        {
            it: "rejects a privileged SELinux type (spc_t)",
            type: TYPES.k8sDeployment,
            props: deployment(podSpec({}, container({ seLinuxOptions: { type: "spc_t" } }))),
            rejects: /^container "app" sets SELinux type "spc_t"/,
        },
        {
            it: "rejects an SELinux user",
            type: TYPES.k8sDeployment,
            props: deployment(podSpec({}, container({ seLinuxOptions: { user: "system_u" } }))),
            rejects: /seLinuxOptions\.user "system_u": remove it/,
        },
        {
            it: "rejects a sysctl that is not namespaced to the pod",
            type: TYPES.k8sDeployment,
            props: deployment(
                podSpec({ securityContext: { runAsNonRoot: true, sysctls: [{ name: "kernel.msgmax", value: "1" }] } }),
            ),
            rejects: /^the pod sets sysctl "kernel\.msgmax", which is not namespaced to the pod/,
        },
        {
            it: "rejects a Windows HostProcess container",
            type: TYPES.k8sDeployment,
            props: deployment(podSpec({}, container({ windowsOptions: { hostProcess: true } }))),
            rejects: /^container "app" runs as a Windows HostProcess/,
        },
        {
            it: "rejects it in an init container of a DeploymentPatch",
            type: DEPLOYMENT_PATCH,
            props: deploymentPatch({ initContainers: [{ name: "setup", securityContext: { procMount: "Unmasked" } }] }),
            rejects: /^initContainer "setup" sets procMount "Unmasked"/,
        },
    ];
    for (const c of cases) it(c.it, async () => void (await checkCase(policy, c)));

    it("stops on an unknown securityContext without blocking", async () => {
        assertDeferred(
            await runResourcePolicy(
                policy,
                TYPES.k8sDeployment,
                deployment(podSpec({}, container({}, { securityContext: UNKNOWN }))),
            ),
        );
    });
});

// ---------------------------------------------------------------------------------------------
// Every workload shape: …Patch judged on what it sets, …List on every entry.
// ---------------------------------------------------------------------------------------------

describe("pod rows judge workload Patch and List shapes", () => {
    const POD_ROWS = [
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
        "k8s-no-unsafe-kernel-settings",
        "k8s-env-no-literal-credentials",
    ];

    it("lets a patch that sets nothing insecure through every pod row (absent keeps the live value)", async () => {
        const patch = deploymentPatch({ containers: [{ name: "app", image: `${ECR}/shop-api:1.0.1` }] });
        for (const name of POD_ROWS) {
            // Only the tag-only advisory of K8S-11 may remain.
            const run = await runResourcePolicy(rp(name), DEPLOYMENT_PATCH, patch);
            assert.deepEqual(run.mandatory, [], name);
            assert.equal(run.unknown, false, name);
        }
        const scale = { metadata: { name: "shop-api", namespace: "payments" }, spec: { replicas: 4 } };
        for (const name of POD_ROWS) assertClean(await runResourcePolicy(rp(name), DEPLOYMENT_PATCH, scale));
    });

    const patched = (sc: Record<string, any>) =>
        deploymentPatch({ containers: [{ name: "app", securityContext: sc }] });
    const cases: Array<[string, string, Record<string, any>, string]> = [
        [
            "k8s-no-privileged-containers",
            DEPLOYMENT_PATCH,
            patched({ privileged: true }),
            'container "app" runs privileged',
        ],
        [
            "k8s-no-privilege-escalation",
            DEPLOYMENT_PATCH,
            patched({ allowPrivilegeEscalation: true }),
            'container "app": set securityContext.allowPrivilegeEscalation to false.',
        ],
        [
            "k8s-run-as-non-root",
            DEPLOYMENT_PATCH,
            patched({ runAsNonRoot: false }),
            'container "app": set securityContext.runAsNonRoot to true',
        ],
        [
            "k8s-read-only-root-filesystem",
            DEPLOYMENT_PATCH,
            patched({ readOnlyRootFilesystem: false }),
            'container "app": set securityContext.readOnlyRootFilesystem to true',
        ],
        [
            "k8s-drop-all-capabilities",
            DEPLOYMENT_PATCH,
            patched({ capabilities: { drop: ["NET_RAW"] } }),
            'container "app": set securityContext.capabilities.drop to ["ALL"].',
        ],
        [
            "k8s-seccomp-runtime-default",
            DEPLOYMENT_PATCH,
            patched({ seccompProfile: { type: "Unconfined" } }),
            'container "app" has seccomp profile "Unconfined"',
        ],
        [
            "k8s-image-approved-and-pinned",
            DEPLOYMENT_PATCH,
            deploymentPatch({ containers: [{ name: "app", image: "nginx:latest" }] }),
            'container "app" image "nginx:latest" is not from an approved registry',
        ],
        [
            "k8s-no-host-namespaces",
            STATEFULSET_LIST,
            {
                items: [
                    {
                        metadata: { name: "cache", namespace: "payments" },
                        spec: { template: { spec: podSpec({ hostNetwork: true }) } },
                    },
                ],
            },
            "the pod sets hostNetwork",
        ],
        [
            "k8s-restricted-volume-types",
            CRONJOB_PATCH,
            {
                metadata: { name: "cleanup", namespace: "payments" },
                spec: {
                    jobTemplate: {
                        spec: { template: { spec: { volumes: [{ name: "h", hostPath: { path: "/" } }] } } },
                    },
                },
            },
            'volume "h" mounts a hostPath',
        ],
        [
            "k8s-resources-requests-and-limits",
            STATEFULSET_LIST,
            {
                items: [
                    {
                        metadata: { name: "cache", namespace: "payments" },
                        spec: { template: { spec: podSpec({}, container({}, { resources: undefined })) } },
                    },
                ],
            },
            'container "app": set resources.requests.cpu, resources.requests.memory, resources.limits.memory.',
        ],
    ];
    for (const [name, type, props, fragment] of cases)
        it(`${name} rejects ${type.split(":").pop()} (${fragment})`, async () => {
            assertRejected(await runResourcePolicy(rp(name), type, props), name, fragment);
        });

    it("k8s-no-default-service-account judges List entries, and a Patch only when it sets the account", async () => {
        const policy = rp("k8s-no-default-service-account");
        const list = {
            items: [
                { metadata: { name: "w" }, spec: { template: { spec: podSpec({ serviceAccountName: undefined }) } } },
            ],
        };
        assertRejected(
            await runResourcePolicy(policy, `${TYPES.k8sDeployment}List`, list),
            "k8s-no-default-service-account",
            'the pod runs as the "default" ServiceAccount: set items[0].spec.template.spec.serviceAccountName',
        );
        assertRejected(
            await runResourcePolicy(policy, DEPLOYMENT_PATCH, deploymentPatch({ serviceAccountName: "default" })),
            "k8s-no-default-service-account",
            'the pod runs as the "default" ServiceAccount',
        );
        assertClean(await runResourcePolicy(policy, DEPLOYMENT_PATCH, deploymentPatch({ hostname: "x" })));
        assertDeferred(
            await runResourcePolicy(policy, DEPLOYMENT_PATCH, deploymentPatch({ serviceAccountName: UNKNOWN })),
        );
    });

    it("judges a ReplicationController like any other workload", async () => {
        const rc = {
            metadata: { name: "legacy", namespace: "payments" },
            spec: { template: { spec: podSpec({ hostPID: true }) } },
        };
        assertRejected(
            await runResourcePolicy(rp("k8s-no-host-namespaces"), TYPES.k8sReplicationController, rc),
            "k8s-no-host-namespaces",
            "the pod sets hostPID: remove it (or set it to false).",
        );
        assertClean(
            await runResourcePolicy(rp("k8s-no-host-namespaces"), TYPES.k8sReplicationController, {
                ...rc,
                spec: { template: { spec: podSpec() } },
            }),
        );
    });

    it("names the list entry in the unknown path and never blocks on it", async () => {
        const run = await runResourcePolicy(rp("k8s-no-privileged-containers"), STATEFULSET_LIST, {
            items: [{ metadata: { name: "cache" }, spec: { template: { spec: UNKNOWN } } }],
        });
        assertDeferred(run);
        const patchRun = await runResourcePolicy(rp("k8s-run-as-non-root"), DEPLOYMENT_PATCH, deploymentPatch(UNKNOWN));
        assertDeferred(patchRun);
    });
});

// ---------------------------------------------------------------------------------------------
// K8S-39: literal credentials in env.
// ---------------------------------------------------------------------------------------------

describe("k8s-env-no-literal-credentials (K8S-39)", () => {
    const policy = rp("k8s-env-no-literal-credentials");
    const withEnv = (env: any[]) => deployment(podSpec({}, container({}, { env })));
    const cases: Case[] = [
        {
            it: "passes plain settings, secret references and ARNs",
            type: TYPES.k8sDeployment,
            props: withEnv([
                { name: "SERVER_PORT", value: "8080" },
                { name: "DATABASE_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
                { name: "DB_PASSWORD_SECRET_ARN", value: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db" },
                { name: "TOKEN_TTL", value: "3600" },
            ]),
        },
        {
            it: "rejects a literal password by its name, redacted",
            type: TYPES.k8sDeployment,
            props: withEnv([{ name: "DATABASE_PASSWORD", value: "hunter2-prod-Xy9" }]),
            rejects:
                /^container "app" env "DATABASE_PASSWORD" \(spec\.template\.spec\.containers\[0\]\.env\[0\]\.value\) holds a credential \(by its key name\) \("hu…" \(16 characters\)\): store it in AWS Secrets Manager/,
        },
        {
            it: "rejects an AWS access key id whatever the name, in a JobList init container",
            type: JOB_LIST,
            props: {
                items: [
                    {
                        metadata: { name: "sync", namespace: "payments" },
                        spec: {
                            template: {
                                spec: podSpec({
                                    initContainers: [
                                        container(
                                            {},
                                            { name: "fetch", env: [{ name: "KEY", value: "AKIAABCDEFGHIJKLMNOP" }] },
                                        ),
                                    ],
                                }),
                            },
                        },
                    },
                ],
            },
            rejects:
                /^initContainer "fetch" env "KEY" \(items\[0\]\.spec\.template\.spec\.initContainers\[0\]\.env\[0\]\.value\) holds an AWS access key id/,
        },
    ];
    for (const c of cases) it(c.it, async () => void (await checkCase(policy, c)));

    it("stops on an unknown env value without blocking", async () => {
        assertDeferred(
            await runResourcePolicy(
                policy,
                TYPES.k8sDeployment,
                withEnv([{ name: "DATABASE_PASSWORD", value: UNKNOWN }]),
            ),
        );
    });
});

// ---------------------------------------------------------------------------------------------
// K8S-15: Namespace shapes and enforce-version.
// ---------------------------------------------------------------------------------------------

describe("k8s-namespace-pss-restricted (K8S-15) shapes and version", () => {
    const policy = rp("k8s-namespace-pss-restricted");
    const ns = (labels: Record<string, any>, name = "payments") => ({ metadata: { name, labels } });
    const cases: Case[] = [
        {
            it: "passes restricted at the latest version",
            type: TYPES.k8sNamespace,
            props: ns({
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "latest",
            }),
        },
        {
            it: "passes a NamespacePatch that does not touch the label",
            type: NAMESPACE_PATCH,
            props: ns({ "cost-centre": "CC-42" }),
        },
        {
            it: "rejects a NamespacePatch lowering the level to privileged",
            type: NAMESPACE_PATCH,
            props: ns({ "pod-security.kubernetes.io/enforce": "privileged" }),
            rejects:
                /^namespace "payments" enforces "privileged": set label pod-security\.kubernetes\.io\/enforce to "restricted"\.$/,
        },
        {
            it: "rejects a NamespaceList entry enforcing baseline",
            type: NAMESPACE_LIST,
            props: {
                items: [
                    ns({ "pod-security.kubernetes.io/enforce": "restricted" }, "a"),
                    ns({ "pod-security.kubernetes.io/enforce": "baseline" }, "reports"),
                ],
            },
            rejects: /^namespace "reports" enforces "baseline"/,
        },
        {
            it: "rejects a pinned old enforce-version",
            type: TYPES.k8sNamespace,
            props: ns({
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.22",
            }),
            rejects:
                /^namespace "payments" pins pod-security\.kubernetes\.io\/enforce-version to "v1\.22": remove the label/,
        },
        {
            it: "rejects a NamespacePatch pinning the version",
            type: NAMESPACE_PATCH,
            props: ns({ "pod-security.kubernetes.io/enforce-version": "v1.24" }),
            rejects: /pins pod-security\.kubernetes\.io\/enforce-version to "v1\.24"/,
        },
    ];
    for (const c of cases) it(c.it, async () => void (await checkCase(policy, c)));

    it("stops on unknown labels in a patch without blocking", async () => {
        assertDeferred(
            await runResourcePolicy(policy, NAMESPACE_PATCH, { metadata: { name: "payments", labels: UNKNOWN } }),
        );
    });
});

// ---------------------------------------------------------------------------------------------
// RBAC: Role shapes (K8S-19/20), built-in admin/edit bindings (K8S-27).
// ---------------------------------------------------------------------------------------------

describe("RBAC rows judge Role/ClusterRole Patch and List shapes; K8S-27 built-in roles", () => {
    const roleList = (rules: any[]) => ({ items: [{ metadata: { name: "ops", namespace: "payments" }, rules }] });

    it("k8s-rbac-no-wildcards rejects a wildcard in a RoleList entry and passes an explicit one", async () => {
        const policy = rp("k8s-rbac-no-wildcards");
        assertRejected(
            await runResourcePolicy(
                policy,
                `${TYPES.k8sRole}List`,
                roleList([{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["*"] }]),
            ),
            "k8s-rbac-no-wildcards",
            'items[0].rules[0] uses "*" in verbs',
        );
        assertRejected(
            await runResourcePolicy(policy, `${TYPES.k8sClusterRole}Patch`, {
                metadata: { name: "x" },
                rules: [{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }],
            }),
            "k8s-rbac-no-wildcards",
            'rules[0] uses "*" in apiGroups',
        );
        assertClean(
            await runResourcePolicy(
                policy,
                `${TYPES.k8sRole}List`,
                roleList([{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["get"] }]),
            ),
        );
        assertDeferred(await runResourcePolicy(policy, `${TYPES.k8sRole}List`, { items: UNKNOWN }));
    });

    it("k8s-rbac-no-escalation-verbs rejects escalate in a ClusterRoleList entry", async () => {
        const policy = rp("k8s-rbac-no-escalation-verbs");
        const run = await runResourcePolicy(policy, `${TYPES.k8sClusterRole}List`, {
            items: [
                {
                    metadata: { name: "r" },
                    rules: [{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate"] }],
                },
            ],
        });
        assertRejected(
            run,
            "k8s-rbac-no-escalation-verbs",
            "items[0].rules[0] grants escalate: remove these privilege-escalation verbs.",
        );
    });

    describe("k8s-rbac-no-secret-access on bindings", () => {
        const policy = rp("k8s-rbac-no-secret-access");
        const binding = (roleName: any, kind = "ClusterRole") => ({
            metadata: { name: "developers", namespace: "payments" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind, name: roleName },
            subjects: [{ kind: "Group", name: "payments-developers" }],
        });
        const cases: Case[] = [
            {
                it: "passes a binding to a declared narrow ClusterRole",
                type: TYPES.k8sRoleBinding,
                props: binding("app-viewer"),
            },
            { it: "passes a binding to the built-in view role", type: TYPES.k8sRoleBinding, props: binding("view") },
            { it: "passes a namespaced Role called edit", type: TYPES.k8sRoleBinding, props: binding("edit", "Role") },
            {
                it: "rejects a RoleBinding to the built-in edit role",
                type: TYPES.k8sRoleBinding,
                props: binding("edit"),
                rejects: /^roleRef binds the built-in ClusterRole "edit", which reads every Secret in the namespace/,
            },
            {
                it: "rejects a ClusterRoleBindingList entry to admin",
                type: `${TYPES.k8sClusterRoleBinding}List`,
                props: { items: [binding("admin")] },
                rejects: /^items\[0\]\.roleRef binds the built-in ClusterRole "admin"/,
            },
            {
                it: "passes edit when declared in secretAccessRoles",
                type: TYPES.k8sRoleBinding,
                props: binding("edit"),
                config: { secretAccessRoles: ["ClusterRole/edit"] },
            },
        ];
        for (const c of cases) it(c.it, async () => void (await checkCase(policy, c)));

        it("stops on an unknown roleRef name without blocking", async () => {
            assertDeferred(await runResourcePolicy(policy, TYPES.k8sRoleBinding, binding(UNKNOWN)));
        });
    });
});

// ---------------------------------------------------------------------------------------------
// K8S-24: externalIPs.
// ---------------------------------------------------------------------------------------------

describe("k8s-service-not-externally-exposed (K8S-24) externalIPs", () => {
    const policy = rp("k8s-service-not-externally-exposed");
    const svc = (spec: Record<string, any>) => ({
        metadata: { name: "shop-api", namespace: "payments" },
        spec: { type: "ClusterIP", ports: [{ port: 80 }], ...spec },
    });
    const cases: Case[] = [
        { it: "passes a ClusterIP Service", type: TYPES.k8sService, props: svc({}) },
        { it: "passes an empty externalIPs list", type: TYPES.k8sService, props: svc({ externalIPs: [] }) },
        {
            it: "rejects externalIPs on a ClusterIP Service",
            type: TYPES.k8sService,
            props: svc({ externalIPs: ["203.0.113.10"] }),
            rejects: /^spec\.externalIPs 203\.0\.113\.10 exposes the Service on node addresses: remove externalIPs/,
        },
    ];
    for (const c of cases) it(c.it, async () => void (await checkCase(policy, c)));

    it("stops on unknown externalIPs without blocking", async () => {
        const run = await runResourcePolicy(policy, TYPES.k8sService, svc({ externalIPs: UNKNOWN }));
        assertDeferred(run);
        assert.deepEqual(run.mandatory, []);
    });
});

describe("k8s-service-not-externally-exposed (K8S-24) ServicePatch and ServiceList", () => {
    const policy = rp("k8s-service-not-externally-exposed");
    const SERVICE_PATCH = `${TYPES.k8sService}Patch`;
    const SERVICE_LIST = `${TYPES.k8sService}List`;
    const item = (name: string, spec: Record<string, any>, annotations?: Record<string, string>) => ({
        metadata: { name, namespace: "payments", ...(annotations ? { annotations } : {}) },
        spec,
    });
    const cases: Case[] = [
        {
            it: "passes a ServiceList of ClusterIP Services",
            type: SERVICE_LIST,
            props: { items: [item("a", { type: "ClusterIP" }), item("b", {})] },
        },
        {
            it: "rejects a NodePort Service in a ServiceList, naming the item",
            type: SERVICE_LIST,
            props: { items: [item("a", { type: "ClusterIP" }), item("b", { type: "NodePort" })] },
            rejects: /^items\[1\]: NodePort Services are allowed only in the ingress controller namespace/,
        },
        {
            it: "rejects a ServicePatch that adds externalIPs",
            type: SERVICE_PATCH,
            props: item("shop-api", { externalIPs: ["203.0.113.10"] }),
            rejects: /^spec\.externalIPs 203\.0\.113\.10 exposes the Service/,
        },
        {
            it: "rejects a ServicePatch that makes a Service an internet-facing LoadBalancer",
            type: SERVICE_PATCH,
            props: item(
                "shop-api",
                { type: "LoadBalancer" },
                { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" },
            ),
            rejects: /this LoadBalancer Service would be internet-facing/,
        },
        {
            it: "judges a ServicePatch only on what it sets: type LoadBalancer without annotations keeps the live ones",
            type: SERVICE_PATCH,
            props: item("shop-api", { type: "LoadBalancer" }),
        },
        {
            it: "passes a ServicePatch that only changes ports",
            type: SERVICE_PATCH,
            props: item("shop-api", { ports: [{ port: 8080 }] }),
        },
    ];
    for (const c of cases) it(c.it, async () => void (await checkCase(policy, c)));

    it("stops on unknown ServiceList items without blocking", async () => {
        const run = await runResourcePolicy(policy, SERVICE_LIST, { items: UNKNOWN });
        assertDeferred(run);
        assert.deepEqual(run.mandatory, []);
    });
});
