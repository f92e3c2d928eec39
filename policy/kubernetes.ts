import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { API_ACCESS_LABEL } from "../lib/contract";
import {
    asArray,
    configOf,
    containsUnknown,
    each,
    get,
    isUnknown,
    Policy,
    Props,
    raw,
    Reporter,
    ResourceCheckArgs,
    ResourcePolicySpec,
    resourcePolicy,
    safe,
    schemaOf,
    stackPolicy,
} from "./lib/common";
import {
    annotation,
    conditionalExemption,
    Container,
    ContainerList,
    displayName,
    effectiveSecurityContext,
    HELM_CHART_V4,
    HELM_RELEASE,
    hostCovered,
    ingressClass,
    k8sType,
    metadataName,
    NAMESPACE,
    namespaceOf,
    parseImage,
    Pod,
    podOf,
    quote,
    registryApproved,
    scopeOf,
    SYSTEM_NAMESPACES,
    Unknowns,
    workloadLabel,
    WORKLOADS,
} from "./lib/k8s";

/**
 * Catalogue section 4 (Kubernetes workloads, RBAC and exposure), the section 0 Helm rule, and the
 * Kubernetes stack rows STK-05 and STK-16. Rendered Helm v4 / YAML v2 objects arrive here as ordinary
 * `kubernetes:*` resources, so every row also covers what charts render.
 */

const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const SERVICE_ACCOUNT_PATCH = "kubernetes:core/v1:ServiceAccountPatch";
const SERVICE = "kubernetes:core/v1:Service";
const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota";
const LIMIT_RANGE = "kubernetes:core/v1:LimitRange";
const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const ROLE = `${RBAC}:Role`;
const CLUSTER_ROLE = `${RBAC}:ClusterRole`;
const ROLE_BINDING = `${RBAC}:RoleBinding`;
const CLUSTER_ROLE_BINDING = `${RBAC}:ClusterRoleBinding`;
const BINDINGS = [CLUSTER_ROLE_BINDING, ROLE_BINDING];
const ROLES = [ROLE, CLUSTER_ROLE];

// ---------------------------------------------------------------------------------------------
// Pack config owned by this module (documented in policy/README.md).
// ---------------------------------------------------------------------------------------------

const kubernetesConfig = {
    ingressControllerNamespaces: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        description: "Namespaces of the ingress controller, the only place a NodePort Service may live (K8S-24): the ALB reaches ingress-nginx through it.",
        default: ["ingress-nginx"],
    },
    kubeSystemAllowlist: {
        type: "array",
        items: { type: "string", pattern: "^[A-Za-z]+/[^/]+$" },
        uniqueItems: true,
        description: "Objects the platform may manage in kube-system (K8S-14), as '<Kind>/<name>' ('<Kind>/*' for every object of a kind).",
        default: ["ConfigMap/aws-auth"],
    },
    allowedHelmReleases: {
        type: "array",
        items: {
            type: "object",
            properties: {
                chart: { type: "string", minLength: 1 },
                repo: { type: "string", minLength: 1 },
                namespace: { type: "string", minLength: 1 },
            },
            required: ["chart"],
            additionalProperties: false,
        },
        description: "Charts that may be installed as an opaque helm.sh/v3 Release (their manifests are invisible to the pack); repo/namespace pin them further when set.",
        default: [],
    },
} satisfies Record<string, PolicyConfigJSONSchema>;

// ---------------------------------------------------------------------------------------------
// Builders.
// ---------------------------------------------------------------------------------------------

type Base = Omit<ResourcePolicySpec, "types" | "validate">;

interface ContainerRowSpec extends Base {
    /** Container lists the row applies to (default: containers, initContainers, ephemeralContainers). */
    lists?: ContainerList[];
    pod?: (pod: Pod, u: Unknowns, report: Reporter, a: ResourceCheckArgs) => void;
    container?: (pod: Pod, c: Container, u: Unknowns, report: Reporter, a: ResourceCheckArgs) => void;
}

/** A WORKLOADS row: checks the pod once and each container, reporting known violations before stopping on unknowns. */
function workloadPolicy(spec: ContainerRowSpec): Policy {
    const { lists, pod: checkPod, container: checkContainer, ...base } = spec;
    return resourcePolicy({
        ...base,
        types: [...WORKLOADS],
        validate: (a, report) => {
            const u = new Unknowns();
            const pod = podOf(a.type, a.props, u, lists);
            if (pod) {
                checkPod?.(pod, u, report, a);
                for (const c of pod.containers) checkContainer?.(pod, c, u, report, a);
            }
            u.settle();
        },
    });
}

/** Reads `securityContext.<field>` of a container; undefined when unknown (recorded). */
function ownSecurityContext(c: Container, field: string, u: Unknowns): unknown {
    const v = get(c.spec, `securityContext.${field}`);
    return u.is(v, `${c.path}.securityContext.${field}`) ? undefined : v;
}

// ---------------------------------------------------------------------------------------------
// K8S-01 … K8S-13: pod security and workload hygiene.
// ---------------------------------------------------------------------------------------------

const noPrivileged = workloadPolicy({
    name: "k8s-no-privileged-containers",
    description: "K8S-01: containers never run privileged (PSS-baseline Privileged Containers; CIS-K8s 5.2.2; NSA).",
    enforcementLevel: "mandatory",
    container: (_pod, c, u, report) => {
        if (ownSecurityContext(c, "privileged", u) === true) report(`${c.label} runs privileged: remove securityContext.privileged or set it to false.`);
    },
});

const noPrivilegeEscalation = workloadPolicy({
    name: "k8s-no-privilege-escalation",
    description: "K8S-02: every container sets allowPrivilegeEscalation: false explicitly (PSS-restricted Privilege Escalation; CIS-K8s 5.2.6).",
    enforcementLevel: "mandatory",
    container: (_pod, c, u, report) => {
        const v = get(c.spec, "securityContext.allowPrivilegeEscalation");
        if (u.is(v, `${c.path}.securityContext.allowPrivilegeEscalation`)) return;
        if (v !== false) report(`${c.label}: set securityContext.allowPrivilegeEscalation to false.`);
    },
});

const runAsNonRoot = workloadPolicy({
    name: "k8s-run-as-non-root",
    description: "K8S-03: containers run as a non-root user (PSS-restricted Running as Non-root / Non-root user; CIS-K8s 5.2.7; NSA).",
    enforcementLevel: "mandatory",
    pod: (pod, u, report) => {
        const uid = get(pod.spec, "securityContext.runAsUser");
        if (!u.is(uid, `${pod.path}.securityContext.runAsUser`) && uid === 0) {
            report("the pod securityContext.runAsUser is 0: set it to a non-zero UID.");
        }
    },
    container: (pod, c, u, report) => {
        if (ownSecurityContext(c, "runAsUser", u) === 0) report(`${c.label} runs as UID 0: set securityContext.runAsUser to a non-zero UID.`);
        const nonRoot = effectiveSecurityContext(pod, c, "runAsNonRoot");
        if (u.is(nonRoot, `${c.path}.securityContext.runAsNonRoot`)) return;
        if (nonRoot !== true) report(`${c.label}: set securityContext.runAsNonRoot to true on the container or the pod.`);
    },
});

const readOnlyRootFs = workloadPolicy({
    name: "k8s-read-only-root-filesystem",
    description: "K8S-04: container root filesystems are read-only; writable paths are emptyDir volumes (NSA immutable container file systems; CIS-K8s 5.7.3). Exemptable.",
    enforcementLevel: "mandatory",
    exemptable: true,
    container: (_pod, c, u, report) => {
        const v = get(c.spec, "securityContext.readOnlyRootFilesystem");
        if (u.is(v, `${c.path}.securityContext.readOnlyRootFilesystem`)) return;
        if (v !== true) report(`${c.label}: set securityContext.readOnlyRootFilesystem to true and mount writable paths as emptyDir volumes.`);
    },
});

const ALLOWED_ADDED_CAPABILITIES = ["NET_BIND_SERVICE"];

const dropAllCapabilities = workloadPolicy({
    name: "k8s-drop-all-capabilities",
    description: "K8S-05: containers drop ALL capabilities and add back at most NET_BIND_SERVICE (PSS-restricted Capabilities; CIS-K8s 5.2.8, 5.2.9, 5.2.10).",
    enforcementLevel: "mandatory",
    container: (_pod, c, u, report) => {
        const where = `${c.path}.securityContext.capabilities`;
        const drop = get(c.spec, "securityContext.capabilities.drop");
        if (!u.is(drop, `${where}.drop`) && !asArray(drop).includes("ALL") && !asArray(drop).some((d) => u.is(d, `${where}.drop`))) {
            report(`${c.label}: set securityContext.capabilities.drop to ["ALL"].`);
        }
        const add = get(c.spec, "securityContext.capabilities.add");
        const extra = u.is(add, `${where}.add`)
            ? []
            : asArray(add).filter((cap) => !u.is(cap, `${where}.add`) && !ALLOWED_ADDED_CAPABILITIES.includes(String(cap).replace(/^CAP_/, "")));
        if (extra.length > 0) report(`${c.label} adds capabilities ${extra.map(String).join(", ")}: add back only NET_BIND_SERVICE.`);
    },
});

const ALLOWED_SECCOMP = ["RuntimeDefault", "Localhost"];

const seccomp = workloadPolicy({
    name: "k8s-seccomp-runtime-default",
    description: "K8S-06: pods and containers use the RuntimeDefault (or a Localhost) seccomp profile, never Unconfined (PSS-restricted Seccomp; CIS-K8s 5.7.2).",
    enforcementLevel: "mandatory",
    pod: (pod, u, report) => {
        const t = get(pod.spec, "securityContext.seccompProfile.type");
        if (!u.is(t, `${pod.path}.securityContext.seccompProfile.type`) && t === "Unconfined") {
            report("the pod securityContext.seccompProfile.type is Unconfined: set it to RuntimeDefault.");
        }
    },
    container: (pod, c, u, report) => {
        const t = effectiveSecurityContext(pod, c, "seccompProfile.type");
        if (u.is(t, `${c.path}.securityContext.seccompProfile.type`)) return;
        if (typeof t !== "string" || !ALLOWED_SECCOMP.includes(t)) {
            report(`${c.label} has seccomp profile ${t === undefined ? "unset" : quote(t)}: set securityContext.seccompProfile.type to RuntimeDefault on the pod or the container.`);
        }
    },
});

const noHostNamespaces = workloadPolicy({
    name: "k8s-no-host-namespaces",
    description: "K8S-07: pods do not share the node's network, PID or IPC namespace (PSS-baseline Host Namespaces; CIS-K8s 5.2.3, 5.2.4, 5.2.5; NSA).",
    enforcementLevel: "mandatory",
    lists: [],
    pod: (pod, u, report) => {
        for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
            const v = pod.spec[field];
            if (!u.is(v, `${pod.path}.${field}`) && v === true) report(`the pod sets ${field}: remove it (or set it to false).`);
        }
    },
});

const ALLOWED_VOLUME_SOURCES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

const restrictedVolumes = workloadPolicy({
    name: "k8s-restricted-volume-types",
    description: "K8S-08: pods mount only the PSS-restricted volume types, never hostPath (PSS-restricted Volume Types; PSS-baseline HostPath Volumes; CIS-K8s 5.2.12).",
    enforcementLevel: "mandatory",
    lists: [],
    pod: (pod, u, report) => {
        const volumes = pod.spec.volumes;
        if (u.is(volumes, `${pod.path}.volumes`)) return;
        asArray(volumes).forEach((v: any, i: number) => {
            if (u.is(v, `${pod.path}.volumes[${i}]`)) return;
            if (!v || typeof v !== "object") throw new Error(`${pod.path}.volumes[${i}] is not an object`);
            const name = typeof v.name === "string" ? v.name : `#${i}`;
            const sources = Object.keys(v).filter((k) => k !== "name" && v[k] !== undefined && v[k] !== null);
            const bad = sources.filter((s) => !ALLOWED_VOLUME_SOURCES.includes(s));
            if (bad.includes("hostPath")) report(`volume "${name}" mounts a hostPath: use an emptyDir, configMap, secret or persistentVolumeClaim instead.`);
            else if (bad.length > 0) report(`volume "${name}" uses ${bad.join(", ")}: use only ${ALLOWED_VOLUME_SOURCES.join(", ")} volumes.`);
        });
    },
});

const noHostPorts = workloadPolicy({
    name: "k8s-no-host-ports",
    description: "K8S-09: containers do not bind host ports (PSS-baseline Host Ports; CIS-K8s 5.2.13).",
    enforcementLevel: "mandatory",
    container: (_pod, c, u, report) => {
        const ports = c.spec.ports;
        if (u.is(ports, `${c.path}.ports`)) return;
        asArray(ports).forEach((p: any, i: number) => {
            const hp = p?.hostPort;
            if (u.is(hp, `${c.path}.ports[${i}].hostPort`)) return;
            if (hp !== undefined && hp !== null && Number(hp) !== 0) report(`${c.label} binds hostPort ${hp}: remove hostPort and expose the port through a Service.`);
        });
    },
});

const resourcesSet = workloadPolicy({
    name: "k8s-resources-requests-and-limits",
    description: "K8S-10: containers declare CPU/memory requests and a memory limit (NSA resource policies; CIS-K8s 5.7 general). A missing CPU limit is advisory.",
    enforcementLevel: "mandatory",
    lists: ["containers", "initContainers"],
    container: (_pod, c, u, report) => {
        const missing: string[] = [];
        for (const key of ["requests.cpu", "requests.memory", "limits.memory"]) {
            const v = get(c.spec, `resources.${key}`);
            if (u.is(v, `${c.path}.resources.${key}`)) continue;
            if (v === undefined || v === null || v === "") missing.push(`resources.${key}`);
        }
        if (missing.length > 0) report(`${c.label}: set ${missing.join(", ")}.`);
        const cpuLimit = get(c.spec, "resources.limits.cpu");
        if (!u.is(cpuLimit, `${c.path}.resources.limits.cpu`) && (cpuLimit === undefined || cpuLimit === null || cpuLimit === "")) {
            report.advisory(`${c.label}: consider setting resources.limits.cpu so one pod cannot starve its neighbours.`);
        }
    },
});

const imageApproved = workloadPolicy({
    name: "k8s-image-approved-and-pinned",
    description: "K8S-11: images come from an approved registry and are pinned to a version tag or digest, never latest (CIS-EKS 5.1.x; NSA image scanning). A missing digest is advisory.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf(["approvedRegistries"]),
    container: (_pod, c, u, report, a) => {
        const image = c.spec.image;
        if (u.is(image, `${c.path}.image`)) return;
        if (typeof image !== "string" || image === "") {
            report(`${c.label} has no image: set an image from an approved registry.`);
            return;
        }
        const approved: string[] = a.config.approvedRegistries ?? [];
        if (!registryApproved(image, approved)) {
            const where = approved.length > 0 ? approved.join(", ") : "a private ECR registry (<account>.dkr.ecr.<region>.amazonaws.com/)";
            report(`${c.label} image ${quote(image)} is not from an approved registry: mirror it to ${where}.`);
        }
        const ref = parseImage(image);
        if (!ref.digest && (ref.tag === undefined || ref.tag === "" || ref.tag === "latest")) {
            report(`${c.label} image ${quote(image)} is not pinned: use a version tag or an @sha256 digest, never latest.`);
        } else if (!ref.digest) {
            report.advisory(`${c.label} image ${quote(image)} is pinned by tag only: add its @sha256 digest so the running image cannot change under the tag.`);
        }
    },
});

const noDefaultServiceAccount = resourcePolicy({
    name: "k8s-no-default-service-account",
    description: "K8S-12: workloads run under a dedicated ServiceAccount, and the namespace's default ServiceAccount does not mount API tokens (CIS-K8s 5.1.5).",
    enforcementLevel: "mandatory",
    types: [...WORKLOADS, SERVICE_ACCOUNT, SERVICE_ACCOUNT_PATCH],
    validate: (a, report) => {
        const u = new Unknowns();
        if (a.type === SERVICE_ACCOUNT || a.type === SERVICE_ACCOUNT_PATCH) {
            const name = get(a.props, "metadata.name");
            if (u.is(name, "metadata.name") || name !== "default") return u.settle();
            const automount = a.props.automountServiceAccountToken;
            if (!u.is(automount, "automountServiceAccountToken") && automount !== false) {
                report('the "default" ServiceAccount mounts API tokens: set automountServiceAccountToken to false on it.');
            }
            return u.settle();
        }
        const pod = podOf(a.type, a.props, u, []);
        if (pod) {
            const sa = pod.spec.serviceAccountName ?? pod.spec.serviceAccount;
            if (!u.is(sa, `${pod.path}.serviceAccountName`) && (sa === undefined || sa === null || sa === "" || sa === "default")) {
                report(`the pod runs as the "default" ServiceAccount: set ${pod.path}.serviceAccountName to a dedicated ServiceAccount.`);
            }
        }
        u.settle();
    },
});


const tokenAutomountOff = resourcePolicy({
    name: "k8s-sa-token-automount-off",
    description: `K8S-13: pods and ServiceAccounts do not mount Kubernetes API tokens unless labelled ${API_ACCESS_LABEL}: "true" (CIS-K8s 5.1.6).`,
    enforcementLevel: "advisory",
    types: [...WORKLOADS, SERVICE_ACCOUNT],
    validate: (a, report) => {
        const u = new Unknowns();
        const optIn = workloadLabel(a.type, a.props, API_ACCESS_LABEL);
        if (u.is(optIn, `metadata.labels.${API_ACCESS_LABEL}`) || optIn === "true") return u.settle();
        if (a.type === SERVICE_ACCOUNT) {
            const automount = a.props.automountServiceAccountToken;
            if (!u.is(automount, "automountServiceAccountToken") && automount !== false) {
                report(`set automountServiceAccountToken to false on this ServiceAccount (or label it ${API_ACCESS_LABEL}: "true" if its pods call the API).`);
            }
            return u.settle();
        }
        const pod = podOf(a.type, a.props, u, []);
        if (pod) {
            const automount = pod.spec.automountServiceAccountToken;
            if (!u.is(automount, `${pod.path}.automountServiceAccountToken`) && automount !== false) {
                report(`set ${pod.path}.automountServiceAccountToken to false (or label the workload ${API_ACCESS_LABEL}: "true" if it calls the Kubernetes API).`);
            }
        }
        u.settle();
    },
});

// ---------------------------------------------------------------------------------------------
// K8S-14, K8S-15: namespaces.
// ---------------------------------------------------------------------------------------------

const namespaceSchema = schemaOf(["platformNamespaces"], { kubeSystemAllowlist: kubernetesConfig.kubeSystemAllowlist });

function kubeSystemAllowed(kind: string, name: string | undefined, allowlist: readonly string[]): boolean {
    return allowlist.some((entry) => {
        const [k, n] = entry.split("/");
        return k === kind && (n === "*" || n === name);
    });
}

/**
 * K8S-14 applies to every namespaced `kubernetes:*` type, which no fixed type list can name (custom
 * resources), so this policy filters by prefix itself; `safe` gives it the pack's malformed-property handling.
 */
const noDefaultNamespace: Policy = {
    name: "k8s-no-default-namespace",
    description: "K8S-14: namespaced objects (and Helm charts) name a namespace other than default, and only allowlisted platform objects go into kube-system (CIS-K8s 5.7.4, 5.7.1).",
    enforcementLevel: "mandatory",
    configSchema: namespaceSchema,
    validateResource: safe("k8s-no-default-namespace", (args, reportViolation) => {
        const t = k8sType(args.type);
        if (!t) return;
        const props: Props = raw(args.props) ?? {};
        const helm = args.type === HELM_CHART_V4 || args.type === HELM_RELEASE;
        const scope = scopeOf(args.type);
        if (!helm && scope !== "namespaced" && scope !== "custom") return;
        const path = helm ? "namespace" : "metadata.namespace";
        const ns = get(props, path);
        const u = new Unknowns();
        if (u.is(ns, path)) return u.settle();
        // A custom resource may be cluster-scoped (its CRD is invisible here): only an explicit bad value counts.
        if (scope === "custom" && ns === undefined) return;
        if (ns === undefined || ns === null || ns === "" || ns === "default") {
            reportViolation(`${t.kind} lands in the "default" namespace: set ${path} to the team's or the platform component's namespace.`);
            return;
        }
        if (ns === "kube-system") {
            const config = configOf<{ kubeSystemAllowlist: string[] }>(args, namespaceSchema);
            const name = helm ? (typeof props.name === "string" ? props.name : args.name) : (metadataName(props) ?? args.name);
            if (!kubeSystemAllowed(t.kind, name, config.kubeSystemAllowlist)) {
                reportViolation(`${t.kind} "${name}" is placed in kube-system: move it to its own namespace or add "${t.kind}/${name}" to kubeSystemAllowlist.`);
            }
        }
    }),
};

const PSS_ENFORCE = "pod-security.kubernetes.io/enforce";

const namespacePssRestricted = resourcePolicy({
    name: "k8s-namespace-pss-restricted",
    description: "K8S-15: namespaces enforce the restricted Pod Security Standard; platform namespaces at least baseline (PSS admission; CIS-K8s 5.2.1).",
    enforcementLevel: "mandatory",
    types: [NAMESPACE],
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = new Unknowns();
        const name = get(a.props, "metadata.name");
        const labels = get(a.props, "metadata.labels");
        const enforce = isUnknown(labels) ? labels : labels?.[PSS_ENFORCE];
        if (u.is(enforce, `metadata.labels["${PSS_ENFORCE}"]`) || u.is(name, "metadata.name")) return u.settle();
        const platform = typeof name === "string" && (a.config.platformNamespaces as string[]).includes(name);
        const ok = platform ? enforce === "restricted" || enforce === "baseline" : enforce === "restricted";
        if (!ok) {
            const want = platform ? '"baseline" (or "restricted")' : '"restricted"';
            report(`namespace ${name === undefined ? a.name : quote(name)} enforces ${enforce === undefined ? "no Pod Security Standard" : quote(enforce)}: set label ${PSS_ENFORCE} to ${want}.`);
        }
    },
});

// ---------------------------------------------------------------------------------------------
// K8S-16 … K8S-20: RBAC.
// ---------------------------------------------------------------------------------------------

interface Subject {
    kind?: string;
    name?: string;
    namespace?: string;
}

/** The known subjects of a binding; unknown entries are recorded. */
function subjectsOf(props: Props, u: Unknowns): Subject[] {
    const list = props.subjects;
    if (u.is(list, "subjects")) return [];
    return asArray(list).filter((s: any, i: number) => {
        if (u.is(s, `subjects[${i}]`) || u.is(s?.name, `subjects[${i}].name`) || u.is(s?.kind, `subjects[${i}].kind`) || u.is(s?.namespace, `subjects[${i}].namespace`)) return false;
        if (!s || typeof s !== "object") throw new Error(`subjects[${i}] is not an object`);
        return true;
    });
}

const subjectText = (s: Subject) => `${s.kind ?? "subject"} ${quote(s.namespace ? `${s.namespace}/${s.name}` : s.name)}`;

const noClusterAdminToServiceAccounts = resourcePolicy({
    name: "k8s-no-cluster-admin-to-service-accounts",
    description: "K8S-16: cluster-admin is bound only to break-glass users/groups, never to service accounts (CIS-K8s 5.1.1; NSA RBAC).",
    enforcementLevel: "mandatory",
    types: BINDINGS,
    configSchema: schemaOf(["breakGlassPrincipals"]),
    validate: (a, report) => {
        const u = new Unknowns();
        const kind = get(a.props, "roleRef.kind");
        const name = get(a.props, "roleRef.name");
        if (u.is(kind, "roleRef.kind") || u.is(name, "roleRef.name") || kind !== "ClusterRole" || name !== "cluster-admin") return u.settle();
        const breakGlass: string[] = a.config.breakGlassPrincipals ?? [];
        for (const s of subjectsOf(a.props, u)) {
            const serviceAccount = s.kind === "ServiceAccount" || (s.kind === "Group" && String(s.name).startsWith("system:serviceaccounts"));
            if (serviceAccount) report(`${subjectText(s)} is bound to cluster-admin: bind a namespaced Role with only the verbs it needs instead.`);
            else if (!breakGlass.includes(String(s.name))) report(`${subjectText(s)} is bound to cluster-admin but is not a break-glass principal: bind a narrower ClusterRole or add it to breakGlassPrincipals.`);
        }
        u.settle();
    },
});

const namespacedRbacForWorkloads = resourcePolicy({
    name: "k8s-namespaced-rbac-for-workloads",
    description: "K8S-17: only platform service accounts get ClusterRoleBindings; application service accounts get RoleBindings (CIS-K8s 5.1; NSA RBAC).",
    enforcementLevel: "mandatory",
    types: [CLUSTER_ROLE_BINDING],
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = new Unknowns();
        const platform: string[] = a.config.platformNamespaces;
        for (const s of subjectsOf(a.props, u)) {
            if (s.kind === "ServiceAccount" && !platform.includes(String(s.namespace))) {
                report(`${subjectText(s)} gets a ClusterRoleBinding: give application service accounts a RoleBinding in their own namespace.`);
            } else if (s.kind === "Group" && typeof s.name === "string" && s.name.startsWith("system:serviceaccounts")) {
                const ns = s.name.split(":")[2];
                if (ns === undefined || !platform.includes(ns)) report(`${subjectText(s)} grants cluster-wide rights to application service accounts: use RoleBindings in their namespaces.`);
            }
        }
        u.settle();
    },
});

const ANONYMOUS = ["system:anonymous", "system:unauthenticated", "system:authenticated"];

const noAnonymousBindings = resourcePolicy({
    name: "k8s-no-anonymous-bindings",
    description: "K8S-18: no RBAC binding grants rights to anonymous, unauthenticated or all authenticated users (CIS-K8s 5.1).",
    enforcementLevel: "mandatory",
    types: BINDINGS,
    validate: (a, report) => {
        const u = new Unknowns();
        for (const s of subjectsOf(a.props, u)) {
            if (ANONYMOUS.includes(String(s.name))) report(`${subjectText(s)} is a subject: bind named users, groups or service accounts instead.`);
        }
        u.settle();
    },
});

interface Rule {
    index: number;
    verbs: string[];
    resources: string[];
    apiGroups: string[];
}

/** The known RBAC rules; unknown rules or fields are recorded. */
function rulesOf(props: Props, u: Unknowns): Rule[] {
    const list = props.rules;
    if (u.is(list, "rules")) return [];
    const out: Rule[] = [];
    asArray(list).forEach((r: any, i: number) => {
        if (u.is(r, `rules[${i}]`)) return;
        if (!r || typeof r !== "object") throw new Error(`rules[${i}] is not an object`);
        const field = (k: string) => (u.is(r[k], `rules[${i}].${k}`) ? [] : asArray(r[k]).filter((x) => !u.is(x, `rules[${i}].${k}`)).map(String));
        out.push({ index: i, verbs: field("verbs"), resources: field("resources"), apiGroups: field("apiGroups") });
    });
    return out;
}

const rbacNoWildcards = resourcePolicy({
    name: "k8s-rbac-no-wildcards",
    description: "K8S-19: roles and ClusterRoles list verbs, resources and API groups explicitly, no \"*\" (CIS-K8s 5.1.3). Exemptable for Roles in platform namespaces.",
    enforcementLevel: "mandatory",
    types: ROLES,
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = new Unknowns();
        const ns = get(a.props, "metadata.namespace");
        const inPlatform = a.type === ROLE && typeof ns === "string" && (a.config.platformNamespaces as string[]).includes(ns);
        const r = conditionalExemption(report, "k8s-rbac-no-wildcards", [a.props], inPlatform ? undefined : "only Roles in platform namespaces are exemptable");
        for (const rule of rulesOf(a.props, u)) {
            const wild = (["verbs", "resources", "apiGroups"] as const).filter((k) => rule[k].includes("*"));
            if (wild.length > 0) r(`rules[${rule.index}] uses "*" in ${wild.join(", ")}: list the verbs, resources and API groups it needs.`);
        }
        u.settle();
    },
});

const ESCALATION_VERBS = ["bind", "escalate", "impersonate"];

const rbacNoEscalation = resourcePolicy({
    name: "k8s-rbac-no-escalation-verbs",
    description: "K8S-20: roles grant no bind/escalate/impersonate verbs and no nodes/proxy access; reading secrets or creating pods is flagged (CIS-K8s 5.1.8; 5.1.2, 5.1.4 advisory).",
    enforcementLevel: "mandatory",
    types: ROLES,
    validate: (a, report) => {
        const u = new Unknowns();
        for (const rule of rulesOf(a.props, u)) {
            const verbs = rule.verbs.filter((v) => ESCALATION_VERBS.includes(v));
            if (verbs.length > 0) report(`rules[${rule.index}] grants ${verbs.join(", ")}: remove these privilege-escalation verbs.`);
            if (rule.resources.includes("nodes/proxy")) report(`rules[${rule.index}] grants nodes/proxy: remove it (it reaches the kubelet API directly).`);
            const readSecrets = rule.verbs.filter((v) => ["get", "list", "watch"].includes(v));
            if (rule.resources.includes("secrets") && readSecrets.length > 0) {
                report.advisory(`rules[${rule.index}] can ${readSecrets.join("/")} secrets: limit it with resourceNames or move the secret out of reach.`);
            }
            if (rule.resources.includes("pods") && rule.verbs.includes("create")) {
                report.advisory(`rules[${rule.index}] can create pods, which can mount any secret in the namespace: grant it only to deployers.`);
            }
        }
        u.settle();
    },
});

// ---------------------------------------------------------------------------------------------
// K8S-21 … K8S-24: ingress and exposure.
// ---------------------------------------------------------------------------------------------

const ALB = "alb";
const NGINX = "nginx";

const ingressTls = resourcePolicy({
    name: "k8s-ingress-tls-required",
    description: "K8S-21: ingresses terminate TLS for every host they route (ELB.1 equivalent; CIS-EKS 5.4.5).",
    enforcementLevel: "mandatory",
    types: [INGRESS],
    validate: (a, report) => {
        const u = new Unknowns();
        const cls = ingressClass(a.props);
        const tls = get(a.props, "spec.tls");
        if (u.is(cls, "spec.ingressClassName") || u.is(tls, "spec.tls")) return u.settle();
        const entries = asArray(tls);
        const tlsHosts = entries.flatMap((e: any, i: number) => (u.is(e?.hosts, `spec.tls[${i}].hosts`) ? [] : asArray(e?.hosts).filter((h) => !u.is(h, `spec.tls[${i}].hosts`)).map(String)));
        if (cls === ALB) {
            const cert = annotation(a.props, "alb.ingress.kubernetes.io/certificate-arn");
            if (u.is(cert, "metadata.annotations")) return u.settle();
            if (!cert && tlsHosts.length === 0) {
                report("this ALB ingress has no certificate: set the alb.ingress.kubernetes.io/certificate-arn annotation or spec.tls hosts for ACM discovery.");
            }
            return u.settle();
        }
        if (entries.length === 0) {
            report("spec.tls is empty: add a spec.tls entry (hosts and secretName) for every host.");
            return u.settle();
        }
        const rules = get(a.props, "spec.rules");
        if (!u.is(rules, "spec.rules")) {
            asArray(rules).forEach((r: any, i: number) => {
                const host = r?.host;
                if (u.is(host, `spec.rules[${i}].host`) || typeof host !== "string" || host === "") return;
                if (!hostCovered(host, tlsHosts)) report(`host ${quote(host)} is not covered by spec.tls: add it to a spec.tls[].hosts list.`);
            });
        }
        if (cls === NGINX) {
            entries.forEach((e: any, i: number) => {
                if (u.is(e?.secretName, `spec.tls[${i}].secretName`)) return;
                if (!e?.secretName) report(`spec.tls[${i}] has no secretName: name the TLS Secret ingress-nginx should serve.`);
            });
        }
        u.settle();
    },
});

const listensOnHttps443 = (raw: unknown): boolean => {
    if (typeof raw !== "string") return false;
    try {
        const ports = JSON.parse(raw);
        return Array.isArray(ports) && ports.some((p) => p && typeof p === "object" && Number(p.HTTPS) === 443);
    } catch {
        return false;
    }
};

const ingressSslRedirect = resourcePolicy({
    name: "k8s-ingress-ssl-redirect",
    description: "K8S-22: ingresses have a known class and redirect HTTP to HTTPS (ingress-nginx ssl-redirect; ALB ssl-redirect 443 with an approved TLS policy) (ELB.1 equivalent; NSA).",
    enforcementLevel: "mandatory",
    types: [INGRESS],
    configSchema: schemaOf(["allowedTlsPolicies"]),
    validate: (a, report) => {
        const u = new Unknowns();
        const cls = ingressClass(a.props);
        if (u.is(cls, "spec.ingressClassName")) return u.settle();
        /** Calls `fail` with the annotation's value unless it is a preview unknown. */
        const check = (key: string, fail: (v: unknown) => boolean, message: string) => {
            const v = annotation(a.props, key);
            if (!u.is(v, `metadata.annotations["${key}"]`) && fail(v)) report(message);
        };
        if (cls === NGINX) {
            check("nginx.ingress.kubernetes.io/ssl-redirect", (v) => v !== "true", 'set annotation nginx.ingress.kubernetes.io/ssl-redirect: "true" so plain HTTP is redirected to HTTPS.');
            check("nginx.ingress.kubernetes.io/force-ssl-redirect", (v) => v !== undefined && v !== "true", 'nginx.ingress.kubernetes.io/force-ssl-redirect must be "true" when set: fix it or remove it.');
        } else if (cls === ALB) {
            const allowed: string[] = a.config.allowedTlsPolicies;
            check("alb.ingress.kubernetes.io/ssl-redirect", (v) => v !== "443", 'set annotation alb.ingress.kubernetes.io/ssl-redirect: "443".');
            check("alb.ingress.kubernetes.io/listen-ports", (v) => !listensOnHttps443(v), 'set annotation alb.ingress.kubernetes.io/listen-ports to include {"HTTPS": 443}.');
            check("alb.ingress.kubernetes.io/ssl-policy", (v) => !allowed.includes(String(v)), `set annotation alb.ingress.kubernetes.io/ssl-policy to one of ${allowed.join(", ")}.`);
        } else if (cls === undefined || cls === null || cls === "") {
            report('the ingress has no class: set spec.ingressClassName to "nginx" (or "alb").');
        } else {
            report(`ingress class ${quote(cls)} is not one the platform can verify: use "nginx" (or "alb").`);
        }
        u.settle();
    },
});

const publicIngressWaf = resourcePolicy({
    name: "k8s-public-ingress-has-waf",
    description: "K8S-23: internet-facing ALB ingresses are protected by a WAFv2 web ACL (ELB.16).",
    enforcementLevel: "mandatory",
    types: [INGRESS],
    validate: (a, report) => {
        const u = new Unknowns();
        const cls = ingressClass(a.props);
        const scheme = annotation(a.props, "alb.ingress.kubernetes.io/scheme");
        const waf = annotation(a.props, "alb.ingress.kubernetes.io/wafv2-acl-arn");
        if (u.is(cls, "spec.ingressClassName") || u.is(scheme, "metadata.annotations") || cls !== ALB || scheme !== "internet-facing") return u.settle();
        if (u.is(waf, "metadata.annotations")) return u.settle();
        if (!waf) report("this internet-facing ALB ingress has no web ACL: set annotation alb.ingress.kubernetes.io/wafv2-acl-arn.");
    },
});

const serviceNotExposed = resourcePolicy({
    name: "k8s-service-not-externally-exposed",
    description: "K8S-24: services are not exposed on node ports or public load balancers; public traffic enters only through the ALB and the ingress controller, whose namespace may use NodePort (NSA network separation; EC2 exposure).",
    enforcementLevel: "mandatory",
    types: [SERVICE],
    configSchema: { properties: { ingressControllerNamespaces: kubernetesConfig.ingressControllerNamespaces } },
    validate: (a, report) => {
        const u = new Unknowns();
        const type = get(a.props, "spec.type");
        if (u.is(type, "spec.type")) return u.settle();
        if (type === "NodePort") {
            const ns = get(a.props, "metadata.namespace");
            if (u.is(ns, "metadata.namespace")) return u.settle();
            const allowed: string[] = a.config.ingressControllerNamespaces;
            if (!allowed.includes(String(ns))) {
                report(`NodePort Services are allowed only in the ingress controller namespace (${allowed.join(", ")}): use type ClusterIP and route through the Ingress.`);
            }
        } else if (type === "LoadBalancer") {
            const scheme = annotation(a.props, "service.beta.kubernetes.io/aws-load-balancer-scheme");
            const legacy = annotation(a.props, "service.beta.kubernetes.io/aws-load-balancer-internal");
            if (u.is(scheme, "metadata.annotations") || u.is(legacy, "metadata.annotations")) return u.settle();
            if (scheme !== "internal" && legacy !== "true") {
                report('this LoadBalancer Service would be internet-facing: use ClusterIP behind the Ingress, or annotate service.beta.kubernetes.io/aws-load-balancer-scheme: "internal".');
            }
        }
        u.settle();
    },
});

// ---------------------------------------------------------------------------------------------
// K8S-25: storage.
// ---------------------------------------------------------------------------------------------

const EBS_PROVISIONERS = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

const ebsStorageClassEncrypted = resourcePolicy({
    name: "k8s-ebs-storageclass-encrypted",
    description: "K8S-25: EBS StorageClasses create volumes encrypted with a customer-managed KMS key (EC2.3 equivalent).",
    enforcementLevel: "mandatory",
    types: [STORAGE_CLASS],
    validate: (a, report) => {
        const u = new Unknowns();
        const provisioner = a.props.provisioner;
        if (u.is(provisioner, "provisioner") || !EBS_PROVISIONERS.includes(provisioner)) return u.settle();
        const encrypted = get(a.props, "parameters.encrypted");
        if (!u.is(encrypted, "parameters.encrypted") && encrypted !== "true") report('set parameters.encrypted to "true".');
        const key = get(a.props, "parameters.kmsKeyId");
        if (!u.is(key, "parameters.kmsKeyId") && (typeof key !== "string" || key === "")) report("set parameters.kmsKeyId to the ARN of the platform's EBS KMS key.");
        u.settle();
    },
});

// ---------------------------------------------------------------------------------------------
// Section 0 Helm rule.
// ---------------------------------------------------------------------------------------------

interface AllowedRelease {
    chart: string;
    repo?: string;
    namespace?: string;
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");

const helmReleaseAllowlisted = resourcePolicy({
    name: "k8s-helm-release-allowlisted",
    description: "K8S-HELM: a helm.sh/v3 Release renders in-cluster where no row can see its objects, so only allowlisted charts may use it; prefer helm.sh/v4 Chart (catalogue section 0, Helm/YAML).",
    enforcementLevel: "mandatory",
    types: [HELM_RELEASE],
    configSchema: { properties: { allowedHelmReleases: kubernetesConfig.allowedHelmReleases } },
    validate: (a, report) => {
        const u = new Unknowns();
        const chart = a.props.chart;
        const repo = get(a.props, "repositoryOpts.repo");
        const ns = a.props.namespace;
        if (u.is(chart, "chart") || u.is(repo, "repositoryOpts.repo") || u.is(ns, "namespace")) return u.settle();
        const allowed: AllowedRelease[] = a.config.allowedHelmReleases ?? [];
        const hit = allowed.some((e) => {
            // `chart` may be "repo/chart" or an OCI URL; compare on its last path segment as well.
            const chartName = String(chart);
            const chartOk = chartName === e.chart || chartName.endsWith(`/${e.chart}`);
            const repoOk = e.repo === undefined || (typeof repo === "string" && trimSlash(repo) === trimSlash(e.repo));
            const nsOk = e.namespace === undefined || ns === e.namespace;
            return chartOk && repoOk && nsOk;
        });
        if (!hit) {
            report(`Helm Release of chart ${quote(chart)} is opaque to the policy pack: deploy it as a kubernetes.helm.v4.Chart, or add it to allowedHelmReleases after review.`);
        }
        if (a.props.version === undefined || a.props.version === "") report.advisory("pin the chart version so the reviewed release is the one installed.");
    },
});

/** Chart values that switch off pod isolation, whatever the chart calls the surrounding key. */
const DANGEROUS_VALUES: Record<string, string> = {
    hostNetwork: "K8S-07",
    hostPID: "K8S-07",
    hostIPC: "K8S-07",
    privileged: "K8S-01",
    allowPrivilegeEscalation: "K8S-02",
};

function scanValues(v: unknown, path: string, u: Unknowns, found: string[]): void {
    if (u.is(v, path) || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
        v.forEach((x, i) => scanValues(x, `${path}[${i}]`, u, found));
        return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const here = `${path}.${k}`;
        if (k in DANGEROUS_VALUES && x === true) found.push(`${here} (${DANGEROUS_VALUES[k]})`);
        else if (k === "hostPort" && x && typeof x === "object" && (x as any).enabled === true) found.push(`${here}.enabled (K8S-09)`);
        else scanValues(x, here, u, found);
    }
}

const helmChartHardened = resourcePolicy({
    name: "k8s-helm-chart-values-hardened",
    description: "K8S-01, K8S-02, K8S-07, K8S-09: helm.sh/v4 Chart values do not turn on privileged, host-namespace or host-port settings; the rendered objects are checked again by the workload rows.",
    enforcementLevel: "mandatory",
    types: [HELM_CHART_V4],
    validate: (a, report) => {
        const u = new Unknowns();
        const found: string[] = [];
        scanValues(a.props.values, "values", u, found);
        for (const f of found) report(`chart value ${f} is true: set it to false so the rendered pods keep their isolation.`);
        const version = a.props.version;
        if (!u.is(version, "version") && (version === undefined || version === "")) {
            report.advisory("pin the chart version so preview and up render the same reviewed manifests.");
        }
        u.settle();
    },
});

// ---------------------------------------------------------------------------------------------
// STK-05 and STK-16: namespace guardrails across the stack.
// ---------------------------------------------------------------------------------------------

type Guard = "networkPolicyIngress" | "networkPolicyEgress" | "resourceQuota" | "limitRange";

const QUOTA_KEYS: Record<string, string[]> = {
    "requests.cpu": ["requests.cpu", "cpu"],
    "requests.memory": ["requests.memory", "memory"],
    "limits.memory": ["limits.memory"],
    pods: ["pods"],
};

/** `{}` (or absent, which the API server treats the same): the policy selects every pod in the namespace. */
function isEmptySelector(sel: unknown): boolean {
    if (sel === undefined || sel === null) return true;
    if (typeof sel !== "object" || Array.isArray(sel)) return false;
    const labels = (sel as any).matchLabels;
    return (!labels || Object.keys(labels).length === 0) && asArray((sel as any).matchExpressions).length === 0;
}

/** Which default-deny directions a NetworkPolicy provides (empty pod selector, the policy type, no rules). */
function denies(p: Props): Guard[] {
    if (!isEmptySelector(get(p, "spec.podSelector"))) return [];
    const ingress = asArray(get(p, "spec.ingress"));
    const egress = asArray(get(p, "spec.egress"));
    const explicit = get(p, "spec.policyTypes");
    // Kubernetes defaults policyTypes to Ingress (+ Egress when egress rules exist).
    const types: string[] = explicit === undefined ? ["Ingress", ...(egress.length > 0 ? ["Egress"] : [])] : asArray(explicit).map(String);
    const out: Guard[] = [];
    if (types.includes("Ingress") && ingress.length === 0) out.push("networkPolicyIngress");
    if (types.includes("Egress") && egress.length === 0) out.push("networkPolicyEgress");
    return out;
}

const hasEntries = (v: unknown) => v !== null && typeof v === "object" && Object.keys(v as object).length > 0;

function limitRangeComplete(p: Props): boolean {
    return asArray(get(p, "spec.limits")).some((l: any) => l?.type === "Container" && hasEntries(l?.default) && hasEntries(l?.defaultRequest));
}

const GUARD_TEXT: Record<Guard, string> = {
    networkPolicyIngress: "a default-deny ingress NetworkPolicy (podSelector {}, policyTypes Ingress, no ingress rules)",
    networkPolicyEgress: "a default-deny egress NetworkPolicy (podSelector {}, policyTypes Egress, no egress rules)",
    resourceQuota: "a ResourceQuota",
    limitRange: 'a LimitRange with a type "Container" entry setting default and defaultRequest',
};

const namespaceBaseline = stackPolicy({
    name: "namespace-baseline-guardrails",
    description: "STK-05: every non-system Namespace ships with a default-deny NetworkPolicy, a ResourceQuota (requests.cpu, requests.memory, limits.memory, pods) and a Container LimitRange (CIS-K8s 5.3.2; NSA network separation, resource policies).",
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        const namespaces = resources.filter((r) => r.type === NAMESPACE);
        const found = new Map<string, Set<Guard>>(); // namespace URN → guards present
        const quotaKeys = new Map<string, Set<string>>(); // namespace URN → hard keys across quotas
        const unresolved = new Set<Guard>();
        const guardsOf = (type: string): Guard[] =>
            type === NETWORK_POLICY ? ["networkPolicyIngress", "networkPolicyEgress"] : type === RESOURCE_QUOTA ? ["resourceQuota"] : ["limitRange"];
        for (const r of resources.filter((x) => [NETWORK_POLICY, RESOURCE_QUOTA, LIMIT_RANGE].includes(x.type))) {
            each(r, report, (p) => {
                const ref = namespaceOf(r, namespaces);
                // A guard whose namespace or content is unknown may belong to any namespace: those report "cannot verify".
                if (ref.kind === "unknown" || containsUnknown(get(p, "spec"))) {
                    guardsOf(r.type).forEach((g) => unresolved.add(g));
                    return;
                }
                if (ref.kind !== "namespace") return;
                const have = found.get(ref.ns.urn) ?? new Set<Guard>();
                found.set(ref.ns.urn, have);
                if (r.type === NETWORK_POLICY) denies(p).forEach((g) => have.add(g));
                else if (r.type === LIMIT_RANGE && limitRangeComplete(p)) have.add("limitRange");
                else if (r.type === RESOURCE_QUOTA) {
                    const keys = quotaKeys.get(ref.ns.urn) ?? new Set<string>();
                    quotaKeys.set(ref.ns.urn, keys);
                    const hard = get(p, "spec.hard");
                    Object.keys(hard && typeof hard === "object" ? hard : {}).forEach((k) => keys.add(k));
                    have.add("resourceQuota");
                }
            });
        }
        for (const ns of namespaces) {
            each(ns, report, () => {
                const name = metadataName(raw(ns.props) ?? {});
                if (name !== undefined && SYSTEM_NAMESPACES.includes(name)) return;
                const have = found.get(ns.urn) ?? new Set<Guard>();
                const label = `Namespace ${quote(displayName(ns))}`;
                for (const g of Object.keys(GUARD_TEXT) as Guard[]) {
                    if (have.has(g)) continue;
                    if (unresolved.has(g)) report.advisory(`${label} may lack ${GUARD_TEXT[g]}: it cannot be verified during preview and is checked again at up.`, ns.urn);
                    else report(`${label} lacks ${GUARD_TEXT[g]}: declare it next to the namespace.`, ns.urn);
                }
                if (have.has("resourceQuota")) {
                    const keys = quotaKeys.get(ns.urn) ?? new Set<string>();
                    const missing = Object.entries(QUOTA_KEYS).filter(([, aliases]) => !aliases.some((k) => keys.has(k))).map(([k]) => k);
                    if (missing.length > 0) report(`${label} ResourceQuota does not limit ${missing.join(", ")}: add them to spec.hard.`, ns.urn);
                }
            });
        }
    },
});

const workloadsInGuardedNamespace = stackPolicy({
    name: "k8s-workloads-in-guarded-namespace",
    description: "STK-16: workloads run in a Namespace declared in this stack (so STK-05 and K8S-15 apply) or in a platform namespace (CIS-K8s 5.7.1).",
    enforcementLevel: "advisory",
    configSchema: schemaOf(["platformNamespaces"]),
    validate: ({ resources, config }, report) => {
        const namespaces = resources.filter((r) => r.type === NAMESPACE);
        const platform: string[] = config.platformNamespaces;
        for (const w of resources.filter((r) => WORKLOADS.includes(r.type))) {
            each(w, report, () => {
                const ref = namespaceOf(w, namespaces);
                if (ref.kind !== "name" || platform.includes(ref.name)) return;
                const kind = k8sType(w.type)?.kind ?? w.type;
                report(`${kind} ${quote(displayName(w))} runs in namespace ${quote(ref.name)}, which this stack does not declare: declare the Namespace with its guardrails here or use a platform namespace.`, w.urn);
            });
        }
    },
});

export const policies: Policy[] = [
    noPrivileged,
    noPrivilegeEscalation,
    runAsNonRoot,
    readOnlyRootFs,
    dropAllCapabilities,
    seccomp,
    noHostNamespaces,
    restrictedVolumes,
    noHostPorts,
    resourcesSet,
    imageApproved,
    noDefaultServiceAccount,
    tokenAutomountOff,
    noDefaultNamespace,
    namespacePssRestricted,
    noClusterAdminToServiceAccounts,
    namespacedRbacForWorkloads,
    noAnonymousBindings,
    rbacNoWildcards,
    rbacNoEscalation,
    ingressTls,
    ingressSslRedirect,
    publicIngressWaf,
    serviceNotExposed,
    ebsStorageClassEncrypted,
    helmReleaseAllowlisted,
    helmChartHardened,
    namespaceBaseline,
    workloadsInGuardedNamespace,
];
