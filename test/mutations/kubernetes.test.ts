import { TYPES } from "../../lib/contract";
import { ResourceInput } from "../../tools/lib/analyzer";
import { add, drop, get, Mutation, MutationRow, mutationSuite, one, set } from "../support/mutations";

/**
 * Insecure changes a developer could make to the Kubernetes objects this program declares (components/app.ts,
 * tenancy.ts, namespace.ts, ingress.ts), each judged by the real pack on the prod stack. Every row names a policy
 * that must block it.
 */

const APP = /^app-deployment$/;
const CTR = "spec.template.spec.containers.0";
const POD = "spec.template.spec";

const app = (rs: ResourceInput[]) => one(rs, TYPES.k8sDeployment, APP);
const appContainer = (rs: ResourceInput[]) => get(app(rs), CTR) as Record<string, any>;

/** A pod spec in a team namespace that passes every pod row (copied from the app Deployment), then `edit`ed. */
function podSpec(rs: ResourceInput[], edit: (spec: any) => void = () => undefined): any {
    const spec = structuredClone(get(app(rs), POD));
    edit(spec);
    return spec;
}

/** Adds a workload of `type` next to the app Deployment with the app's pod spec, edited. */
function addWorkload(rs: ResourceInput[], type: string, name: string, edit: (spec: any) => void): void {
    const like = app(rs);
    const meta = { name, namespace: "payments", labels: { "app.kubernetes.io/name": name } };
    const template = { metadata: { labels: meta.labels }, spec: podSpec(rs, edit) };
    const selector = { matchLabels: meta.labels };
    const props: Record<string, Record<string, unknown>> = {
        [TYPES.k8sDaemonSet]: { spec: { selector, template } },
        [TYPES.k8sStatefulSet]: { spec: { selector, serviceName: name, template } },
        [TYPES.k8sJob]: { spec: { template: { ...template, spec: { ...template.spec, restartPolicy: "Never" } } } },
        [TYPES.k8sCronJob]: {
            spec: {
                schedule: "0 * * * *",
                jobTemplate: {
                    spec: { template: { ...template, spec: { ...template.spec, restartPolicy: "Never" } } },
                },
            },
        },
        [TYPES.k8sPod]: { spec: template.spec },
        [TYPES.k8sReplicationController]: { spec: { selector: meta.labels, template } },
        [TYPES.k8sDeployment]: { spec: { selector, template } },
    };
    add(rs, like, { type, name: `app-${name}`, props: { metadata: meta, ...props[type] } });
}

/** A server-side-apply patch of the app Deployment that sets only `fields` (what `kubectl patch` would send). */
function patchApp(rs: ResourceInput[], spec: Record<string, unknown>): void {
    add(rs, app(rs), {
        type: `${TYPES.k8sDeployment}Patch`,
        name: "app-deployment-hotfix",
        props: {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "shop-api", namespace: "payments" },
            spec: { template: { spec } },
        },
    });
}

const teamNs = (rs: ResourceInput[]) => one(rs, TYPES.k8sNamespace, /^tenancy-payments-ns$/);
const setLabel = (r: ResourceInput, key: string, value: string | undefined) => {
    const labels = ((r.props as any).metadata.labels ??= {});
    if (value === undefined) delete labels[key];
    else labels[key] = value;
};

const ROWS: MutationRow[] = [
    // ---------------------------------------------------------------- container security context (app Deployment)
    {
        name: "the app container runs privileged",
        blockedBy: "k8s-no-privileged-containers",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.privileged`, true),
    },
    {
        name: "the app container allows privilege escalation",
        blockedBy: "k8s-no-privilege-escalation",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.allowPrivilegeEscalation`, true),
    },
    {
        name: "the app turns runAsNonRoot off on pod and container",
        blockedBy: "k8s-run-as-non-root",
        apply: (rs) => {
            set(app(rs), `${CTR}.securityContext.runAsNonRoot`, false);
            set(app(rs), `${POD}.securityContext.runAsNonRoot`, false);
        },
    },
    {
        name: "the app container runs as UID 0",
        blockedBy: "k8s-run-as-non-root",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.runAsUser`, 0),
    },
    {
        name: "the app pod runs as UID 0 (container inherits)",
        blockedBy: "k8s-run-as-non-root",
        apply: (rs) => {
            set(app(rs), `${CTR}.securityContext.runAsUser`, undefined);
            set(app(rs), `${POD}.securityContext.runAsUser`, 0);
        },
    },
    {
        name: "the app container adds SYS_ADMIN",
        blockedBy: "k8s-drop-all-capabilities",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.capabilities.add`, ["SYS_ADMIN"]),
    },
    {
        name: "the app container adds NET_RAW",
        blockedBy: "k8s-drop-all-capabilities",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.capabilities.add`, ["NET_RAW"]),
    },
    {
        name: "the app container adds ALL capabilities",
        blockedBy: "k8s-drop-all-capabilities",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.capabilities.add`, ["ALL"]),
    },
    {
        name: "the app container no longer drops ALL",
        blockedBy: "k8s-drop-all-capabilities",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.capabilities`, undefined),
    },
    {
        name: "the app root filesystem becomes writable",
        blockedBy: "k8s-read-only-root-filesystem",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.readOnlyRootFilesystem`, false),
    },
    {
        name: "the app container's seccomp profile is Unconfined",
        blockedBy: "k8s-seccomp-runtime-default",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.seccompProfile.type`, "Unconfined"),
    },
    {
        name: "the app pod's seccomp profile is Unconfined",
        blockedBy: "k8s-seccomp-runtime-default",
        apply: (rs) => {
            set(app(rs), `${CTR}.securityContext.seccompProfile`, undefined);
            set(app(rs), `${POD}.securityContext.seccompProfile.type`, "Unconfined");
        },
    },
    {
        name: "the app container sets procMount Unmasked",
        blockedBy: "k8s-no-unsafe-kernel-settings",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.procMount`, "Unmasked"),
    },
    {
        name: "the app container loosens AppArmor (unconfined)",
        blockedBy: "k8s-no-unsafe-kernel-settings",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.appArmorProfile.type`, "Unconfined"),
    },
    {
        name: "the app container sets a custom SELinux type",
        blockedBy: "k8s-no-unsafe-kernel-settings",
        apply: (rs) => set(app(rs), `${CTR}.securityContext.seLinuxOptions.type`, "spc_t"),
    },
    // ---------------------------------------------------------------- pod level
    {
        name: "the app pod shares the host network",
        blockedBy: "k8s-no-host-namespaces",
        apply: (rs) => set(app(rs), `${POD}.hostNetwork`, true),
    },
    {
        name: "the app pod shares the host PID namespace",
        blockedBy: "k8s-no-host-namespaces",
        apply: (rs) => set(app(rs), `${POD}.hostPID`, true),
    },
    {
        name: "the app pod shares the host IPC namespace",
        blockedBy: "k8s-no-host-namespaces",
        apply: (rs) => set(app(rs), `${POD}.hostIPC`, true),
    },
    {
        name: "the app pod mounts the node's / as hostPath",
        blockedBy: "k8s-restricted-volume-types",
        apply: (rs) => {
            set(app(rs), `${POD}.volumes.1`, { name: "host", hostPath: { path: "/" } });
            set(app(rs), `${CTR}.volumeMounts.1`, { name: "host", mountPath: "/host" });
        },
    },
    {
        name: "the app container binds hostPort 8080",
        blockedBy: "k8s-no-host-ports",
        apply: (rs) => set(app(rs), `${CTR}.ports.0.hostPort`, 8080),
    },
    {
        name: "the app pod runs as the default ServiceAccount",
        blockedBy: "k8s-no-default-service-account",
        apply: (rs) => set(app(rs), `${POD}.serviceAccountName`, undefined),
    },
    {
        name: "the app pod adds a sysctl outside the safe set",
        blockedBy: "k8s-no-unsafe-kernel-settings",
        apply: (rs) => set(app(rs), `${POD}.securityContext.sysctls`, [{ name: "kernel.msgmax", value: "65536" }]),
    },
    // ---------------------------------------------------------------- images and resources
    {
        name: "the app image is :latest",
        blockedBy: "k8s-image-approved-and-pinned",
        apply: (rs) => set(app(rs), `${CTR}.image`, "444455556666.dkr.ecr.eu-west-1.amazonaws.com/shop-api:latest"),
    },
    {
        name: "the app image comes from Docker Hub",
        blockedBy: "k8s-image-approved-and-pinned",
        apply: (rs) => set(app(rs), `${CTR}.image`, "docker.io/library/openjdk:21"),
    },
    {
        name: "the app image has no tag",
        blockedBy: "k8s-image-approved-and-pinned",
        apply: (rs) => set(app(rs), `${CTR}.image`, "444455556666.dkr.ecr.eu-west-1.amazonaws.com/shop-api"),
    },
    {
        name: "the app container drops its limits",
        blockedBy: "k8s-resources-requests-and-limits",
        apply: (rs) => set(app(rs), `${CTR}.resources.limits`, undefined),
    },
    {
        name: "the app container carries a literal database password in env",
        blockedBy: "k8s-env-no-literal-credentials",
        apply: (rs) => appContainer(rs).env.push({ name: "DATABASE_PASSWORD", value: "hunter2-prod-Xy9" }),
    },
    // ---------------------------------------------------------------- init containers and other workload shapes
    {
        name: "a privileged init container is added to the app",
        blockedBy: "k8s-no-privileged-containers",
        apply: (rs) => {
            const init = structuredClone(appContainer(rs));
            init.name = "setup";
            init.securityContext.privileged = true;
            set(app(rs), `${POD}.initContainers`, [init]);
        },
    },
    {
        name: "a root init container is added to the app",
        blockedBy: "k8s-run-as-non-root",
        apply: (rs) => {
            const init = structuredClone(appContainer(rs));
            init.name = "chown";
            init.securityContext.runAsUser = 0;
            init.securityContext.runAsNonRoot = false;
            set(app(rs), `${POD}.initContainers`, [init]);
        },
    },
    {
        name: "a privileged DaemonSet is added to a team namespace",
        blockedBy: "k8s-no-privileged-containers",
        apply: (rs) =>
            addWorkload(
                rs,
                TYPES.k8sDaemonSet,
                "node-agent",
                (s) => (s.containers[0].securityContext.privileged = true),
            ),
    },
    {
        name: "a StatefulSet on the host network is added",
        blockedBy: "k8s-no-host-namespaces",
        apply: (rs) => addWorkload(rs, TYPES.k8sStatefulSet, "cache", (s) => (s.hostNetwork = true)),
    },
    {
        name: "a CronJob mounting the docker socket is added",
        blockedBy: "k8s-restricted-volume-types",
        apply: (rs) =>
            addWorkload(rs, TYPES.k8sCronJob, "cleanup", (s) =>
                s.volumes.push({ name: "sock", hostPath: { path: "/var/run/docker.sock" } }),
            ),
    },
    {
        name: "a Job adding SYS_PTRACE is added",
        blockedBy: "k8s-drop-all-capabilities",
        apply: (rs) =>
            addWorkload(
                rs,
                TYPES.k8sJob,
                "debug",
                (s) => (s.containers[0].securityContext.capabilities.add = ["SYS_PTRACE"]),
            ),
    },
    {
        name: "a bare Pod with hostPID is added",
        blockedBy: "k8s-no-host-namespaces",
        apply: (rs) => addWorkload(rs, TYPES.k8sPod, "debug-pod", (s) => (s.hostPID = true)),
    },
    {
        name: "a DeploymentPatch turns the app privileged",
        blockedBy: "k8s-no-privileged-containers",
        apply: (rs) => patchApp(rs, { containers: [{ name: "app", securityContext: { privileged: true } }] }),
    },
    {
        name: "a DeploymentPatch puts the app on the host network",
        blockedBy: "k8s-no-host-namespaces",
        apply: (rs) => patchApp(rs, { hostNetwork: true }),
    },
    {
        name: "a DeploymentPatch mounts a hostPath",
        blockedBy: "k8s-restricted-volume-types",
        apply: (rs) => patchApp(rs, { volumes: [{ name: "host", hostPath: { path: "/etc" } }] }),
    },
    {
        name: "a DeploymentList carries a privileged workload",
        blockedBy: "k8s-no-privileged-containers",
        apply: (rs) =>
            add(rs, app(rs), {
                type: `${TYPES.k8sDeployment}List`,
                name: "app-extra-deployments",
                props: {
                    items: [
                        {
                            metadata: { name: "sidecar", namespace: "payments" },
                            spec: {
                                template: {
                                    spec: podSpec(rs, (s) => (s.containers[0].securityContext.privileged = true)),
                                },
                            },
                        },
                    ],
                },
            }),
    },
    {
        name: "the NGINX Gateway controller container adds SYS_ADMIN",
        blockedBy: "k8s-drop-all-capabilities",
        apply: (rs) =>
            set(one(rs, TYPES.k8sDeployment, /nginx-gateway$/), `${CTR}.securityContext.capabilities.add`, [
                "SYS_ADMIN",
            ]),
    },
    // ---------------------------------------------------------------- namespaces (Pod Security, guardrails)
    {
        name: "the payments namespace enforces privileged",
        blockedBy: "k8s-namespace-pss-restricted",
        apply: (rs) => setLabel(teamNs(rs), "pod-security.kubernetes.io/enforce", "privileged"),
    },
    {
        name: "the payments namespace enforces only baseline",
        blockedBy: "k8s-namespace-pss-restricted",
        apply: (rs) => setLabel(teamNs(rs), "pod-security.kubernetes.io/enforce", "baseline"),
    },
    {
        name: "the payments namespace loses its enforce label",
        blockedBy: "k8s-namespace-pss-restricted",
        apply: (rs) => setLabel(teamNs(rs), "pod-security.kubernetes.io/enforce", undefined),
    },
    {
        name: "the payments namespace pins enforce-version to an old release",
        blockedBy: "k8s-namespace-pss-restricted",
        apply: (rs) => setLabel(teamNs(rs), "pod-security.kubernetes.io/enforce-version", "v1.22"),
    },
    {
        name: "a NamespacePatch lowers the payments namespace to privileged",
        blockedBy: "k8s-namespace-pss-restricted",
        apply: (rs) =>
            add(rs, teamNs(rs), {
                type: `${TYPES.k8sNamespace}Patch`,
                name: "tenancy-payments-ns-relax",
                props: {
                    metadata: { name: "payments", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
                },
            }),
    },
    {
        name: "the payments ResourceQuota is removed",
        blockedBy: "namespace-baseline-guardrails",
        apply: (rs) => drop(rs, TYPES.k8sResourceQuota, /^tenancy-payments-quota$/),
    },
    {
        name: "the payments default-deny NetworkPolicy is removed",
        blockedBy: "namespace-baseline-guardrails",
        apply: (rs) => drop(rs, TYPES.k8sNetworkPolicy, /^tenancy-payments-default-deny$/),
    },
    {
        name: "the payments default deny becomes allow-all ingress",
        blockedBy: "k8s-network-policy-no-broad-allow",
        apply: (rs) => set(one(rs, TYPES.k8sNetworkPolicy, /^tenancy-payments-default-deny$/), "spec.ingress", [{}]),
    },
    {
        name: "allow-from-ingress admits every namespace",
        blockedBy: "k8s-network-policy-no-broad-allow",
        apply: (rs) =>
            set(one(rs, TYPES.k8sNetworkPolicy, /^tenancy-payments-allow-from-ingress$/), "spec.ingress.0.from", [
                { namespaceSelector: {} },
            ]),
    },
    {
        name: "allow-from-ingress admits 0.0.0.0/0",
        blockedBy: "k8s-network-policy-no-broad-allow",
        apply: (rs) =>
            set(one(rs, TYPES.k8sNetworkPolicy, /^tenancy-payments-allow-from-ingress$/), "spec.ingress.0.from", [
                { ipBlock: { cidr: "0.0.0.0/0" } },
            ]),
    },
    // ---------------------------------------------------------------- RBAC
    {
        name: "a ClusterRoleBinding gives the payments developers app-deployer cluster-wide",
        blockedBy: "k8s-team-groups-namespaced-bindings",
        apply: (rs) => {
            const rb = one(rs, TYPES.k8sRoleBinding, /^tenancy-payments-developers-view$/);
            add(rs, rb, {
                type: TYPES.k8sClusterRoleBinding,
                name: "tenancy-payments-developers-cluster",
                props: {
                    metadata: { name: "payments-developers-cluster" },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "app-deployer" },
                    subjects: (rb.props as any).subjects,
                },
            });
        },
    },
    {
        name: "the payments developers are bound to cluster-admin in their namespace",
        blockedBy: "k8s-no-cluster-admin-to-service-accounts",
        apply: (rs) =>
            set(one(rs, TYPES.k8sRoleBinding, /^tenancy-payments-developers-view$/), "roleRef.name", "cluster-admin"),
    },
    {
        name: "the payments developers are bound to admin in their namespace",
        blockedBy: "k8s-rbac-no-secret-access",
        apply: (rs) =>
            set(one(rs, TYPES.k8sRoleBinding, /^tenancy-payments-developers-view$/), "roleRef.name", "admin"),
    },
    {
        name: "app-deployer grants every verb on every resource",
        blockedBy: "k8s-rbac-no-wildcards",
        apply: (rs) =>
            (one(rs, TYPES.k8sClusterRole, /^tenancy-app-deployer$/).props as any).rules.push({
                apiGroups: ["*"],
                resources: ["*"],
                verbs: ["*"],
            }),
    },
    {
        name: "app-deployer may read Secrets",
        blockedBy: "k8s-rbac-no-secret-access",
        apply: (rs) =>
            (one(rs, TYPES.k8sClusterRole, /^tenancy-app-deployer$/).props as any).rules.push({
                apiGroups: [""],
                resources: ["secrets"],
                verbs: ["get", "list"],
            }),
    },
    {
        name: "app-deployer may exec into pods",
        blockedBy: "k8s-rbac-no-exec-attach-portforward",
        apply: (rs) =>
            (one(rs, TYPES.k8sClusterRole, /^tenancy-app-deployer$/).props as any).rules.push({
                apiGroups: [""],
                resources: ["pods/exec"],
                verbs: ["create"],
            }),
    },
    {
        name: "app-deployer may create RoleBindings",
        blockedBy: "k8s-rbac-no-escalation-verbs",
        apply: (rs) =>
            (one(rs, TYPES.k8sClusterRole, /^tenancy-app-deployer$/).props as any).rules.push({
                apiGroups: ["rbac.authorization.k8s.io"],
                resources: ["rolebindings"],
                verbs: ["create", "bind"],
            }),
    },
    {
        name: "a RoleList grants wildcard verbs",
        blockedBy: "k8s-rbac-no-wildcards",
        apply: (rs) =>
            add(rs, one(rs, TYPES.k8sRoleBinding, /^tenancy-payments-developers-view$/), {
                type: `${TYPES.k8sRole}List`,
                name: "tenancy-payments-extra-roles",
                props: {
                    items: [
                        {
                            metadata: { name: "ops", namespace: "payments" },
                            rules: [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["*"] }],
                        },
                    ],
                },
            }),
    },
    // ---------------------------------------------------------------- exposure
    {
        name: "the app Service becomes a LoadBalancer",
        blockedBy: "k8s-service-not-externally-exposed",
        apply: (rs) => set(one(rs, TYPES.k8sService, /^app-service$/), "spec.type", "LoadBalancer"),
    },
    {
        name: "the app Service becomes a NodePort",
        blockedBy: "k8s-service-not-externally-exposed",
        apply: (rs) => set(one(rs, TYPES.k8sService, /^app-service$/), "spec.type", "NodePort"),
    },
    {
        name: "the app Service gets externalIPs",
        blockedBy: "k8s-service-not-externally-exposed",
        apply: (rs) => set(one(rs, TYPES.k8sService, /^app-service$/), "spec.externalIPs", ["203.0.113.10"]),
    },
    {
        name: "a ServicePatch turns the app Service into an internet-facing LoadBalancer",
        blockedBy: "k8s-service-not-externally-exposed",
        apply: (rs) => {
            const svc = one(rs, TYPES.k8sService, /^app-service$/);
            add(rs, svc, {
                type: `${TYPES.k8sService}Patch`,
                name: "app-service-lb",
                props: {
                    metadata: {
                        name: get(svc, "metadata.name"),
                        namespace: get(svc, "metadata.namespace"),
                        annotations: { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" },
                    },
                    spec: { type: "LoadBalancer" },
                },
            });
        },
    },
    {
        name: "a ServiceList adds a NodePort Service in a team namespace",
        blockedBy: "k8s-service-not-externally-exposed",
        apply: (rs) => {
            const svc = one(rs, TYPES.k8sService, /^app-service$/);
            add(rs, svc, {
                type: `${TYPES.k8sService}List`,
                name: "debug-services",
                props: {
                    items: [
                        {
                            metadata: { name: "debug", namespace: get(svc, "metadata.namespace") },
                            spec: { type: "NodePort", ports: [{ port: 8080 }] },
                        },
                    ],
                },
            });
        },
    },
    {
        name: "an Ingress without TLS is added for the app",
        blockedBy: "k8s-ingress-tls-required",
        apply: (rs) =>
            add(rs, one(rs, TYPES.k8sService, /^app-service$/), {
                type: TYPES.k8sIngress,
                name: "app-ingress",
                props: {
                    metadata: { name: "shop-api", namespace: "payments" },
                    spec: {
                        ingressClassName: "nginx",
                        rules: [
                            {
                                host: "app.shop.example.com",
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
                    },
                },
            }),
    },
    {
        name: "the Gateway gets a plain HTTP listener",
        blockedBy: "gateway-https-listeners-only",
        apply: (rs) =>
            (one(rs, TYPES.gateway).props as any).spec.listeners.push({ name: "http", port: 80, protocol: "HTTP" }),
    },
    {
        name: "the Gateway admits routes from all namespaces",
        blockedBy: "gateway-routes-from-allowed-namespaces",
        apply: (rs) => set(one(rs, TYPES.gateway), "spec.listeners.0.allowedRoutes", { namespaces: { from: "All" } }),
    },
    {
        name: "the app ConfigMap holds the database password",
        blockedBy: "k8s-configmap-no-credentials",
        apply: (rs) => set(one(rs, TYPES.k8sConfigMap, /^app-config$/), "data.DATABASE_PASSWORD", "hunter2-prod-Xy9"),
    },
    {
        name: "the app pod template opts out of AppArmor by annotation",
        blockedBy: "k8s-no-unsafe-kernel-settings",
        apply: (rs) =>
            set(app(rs), "spec.template.metadata.annotations", {
                "container.apparmor.security.beta.kubernetes.io/app": "unconfined",
            }),
    },
    {
        name: "a CronJob carries an API token in a literal env value",
        blockedBy: "k8s-env-no-literal-credentials",
        apply: (rs) =>
            addWorkload(rs, TYPES.k8sCronJob, "report", (s) =>
                s.containers[0].env.push({ name: "PARTNER_API_TOKEN", value: "tok-7d8f9a0b1c2d3e4f" }),
            ),
    },
    {
        name: "a DeploymentPatch adds SYS_ADMIN to an init container",
        blockedBy: "k8s-drop-all-capabilities",
        apply: (rs) =>
            patchApp(rs, {
                initContainers: [{ name: "setup", securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }],
            }),
    },
    {
        name: "a bare Pod with a privileged ephemeral container is added",
        blockedBy: "k8s-no-privileged-containers",
        apply: (rs) =>
            addWorkload(rs, TYPES.k8sPod, "debugger", (s) => {
                const dbg = structuredClone(s.containers[0]);
                dbg.name = "debugger";
                dbg.securityContext.privileged = true;
                delete dbg.resources;
                s.ephemeralContainers = [dbg];
            }),
    },
    {
        name: "the CI deployers are bound to the built-in edit role",
        blockedBy: "k8s-rbac-no-secret-access",
        apply: (rs) => set(one(rs, TYPES.k8sRoleBinding, /^tenancy-payments-ci-deploy$/), "roleRef.name", "edit"),
    },
    {
        name: "a NamespaceList declares a namespace enforcing baseline",
        blockedBy: "k8s-namespace-pss-restricted",
        apply: (rs) =>
            add(rs, teamNs(rs), {
                type: `${TYPES.k8sNamespace}List`,
                name: "tenancy-more-namespaces",
                props: {
                    items: [
                        { metadata: { name: "reports", labels: { "pod-security.kubernetes.io/enforce": "baseline" } } },
                    ],
                },
            }),
    },
    {
        name: "a ClusterRoleList grants escalate",
        blockedBy: "k8s-rbac-no-escalation-verbs",
        apply: (rs) =>
            add(rs, one(rs, TYPES.k8sClusterRole, /^tenancy-app-deployer$/), {
                type: `${TYPES.k8sClusterRole}List`,
                name: "tenancy-more-roles",
                props: {
                    items: [
                        {
                            metadata: { name: "role-admin" },
                            rules: [
                                { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate"] },
                            ],
                        },
                    ],
                },
            }),
    },
    {
        name: "a ReplicationController with a privileged pod is added",
        blockedBy: "k8s-no-privileged-containers",
        apply: (rs) =>
            addWorkload(
                rs,
                TYPES.k8sReplicationController,
                "legacy",
                (s) => (s.containers[0].securityContext.privileged = true),
            ),
    },
    {
        name: "a DeploymentList entry runs as the default ServiceAccount",
        blockedBy: "k8s-no-default-service-account",
        apply: (rs) =>
            add(rs, app(rs), {
                type: `${TYPES.k8sDeployment}List`,
                name: "app-workers",
                props: {
                    items: [
                        {
                            metadata: { name: "worker", namespace: "payments" },
                            spec: { template: { spec: podSpec(rs, (s) => delete s.serviceAccountName) } },
                        },
                    ],
                },
            }),
    },
];

/** Changes that are not insecure: the pack must let them through (patch semantics must not over-block). */
const HARMLESS: Mutation[] = [
    {
        name: "a DeploymentPatch that only scales the app",
        apply: (rs) =>
            add(rs, app(rs), {
                type: `${TYPES.k8sDeployment}Patch`,
                name: "app-deployment-scale",
                props: { metadata: { name: "shop-api", namespace: "payments" }, spec: { replicas: 4 } },
            }),
    },
    {
        name: "a DeploymentPatch that only bumps the image to another pinned ECR tag",
        apply: (rs) =>
            patchApp(rs, {
                containers: [{ name: "app", image: "444455556666.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.0.1" }],
            }),
    },
    {
        name: "a NamespacePatch that only adds a cost label",
        apply: (rs) =>
            add(rs, teamNs(rs), {
                type: `${TYPES.k8sNamespace}Patch`,
                name: "tenancy-payments-ns-cost",
                props: { metadata: { name: "payments", labels: { "cost-centre": "CC-42" } } },
            }),
    },
];

mutationSuite("mutations: Kubernetes objects", ROWS, HARMLESS);
