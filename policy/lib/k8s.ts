import { PolicyResource } from "@pulumi/policy";
import type * as YamlModule from "yaml";
import { Props } from "./builders";
import { get, Reads } from "./read";
import { isUnknown, raw } from "./unknowns";
import { asArray } from "./values";
import { TYPES } from "../../lib/contract";

/**
 * Kubernetes/EKS helpers for the catalogue's sections 3, 4 and the Kubernetes stack rows: where the pod
 * spec lives in each workload kind (section 0 `POD`), every container of a pod (`CONTAINERS`), effective
 * security-context values, ingress classes, images, and the few Kubernetes conventions the rows share.
 * Everything reads raw props (see `resourcePolicy`), so a preview unknown shows up as a sentinel that the
 * caller records with `Reads` (lib/read.ts) instead of misreading it as "absent".
 */

// ---------------------------------------------------------------------------------------------
// Workloads, pod specs and containers (section 0: POD, WORKLOADS, CONTAINERS).
// ---------------------------------------------------------------------------------------------

/**
 * Where each workload kind keeps its pod spec. Server-side-apply `…Patch` kinds are deliberately absent:
 * a patch carries only the fields it changes, so "absent" there does not mean the API default.
 */
export const POD_SPEC_PATH: Readonly<Record<string, string>> = {
    [TYPES.k8sPod]: "spec",
    [TYPES.k8sDeployment]: "spec.template.spec",
    [TYPES.k8sStatefulSet]: "spec.template.spec",
    [TYPES.k8sDaemonSet]: "spec.template.spec",
    [TYPES.k8sReplicaSet]: "spec.template.spec",
    // Superseded by ReplicaSet but still served by the core/v1 API: it runs pods like any other controller.
    [TYPES.k8sReplicationController]: "spec.template.spec",
    [TYPES.k8sJob]: "spec.template.spec",
    [TYPES.k8sCronJob]: "spec.jobTemplate.spec.template.spec",
};
export const WORKLOADS: readonly string[] = Object.keys(POD_SPEC_PATH);

export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";
export const CONTAINER_LISTS: readonly ContainerList[] = ["containers", "initContainers", "ephemeralContainers"];

export interface Container {
    list: ContainerList;
    /** `container "app"`, `initContainer "migrate"`: how messages name it. */
    label: string;
    /** Path from the resource root, e.g. `spec.template.spec.containers[0]`. */
    path: string;
    spec: Props;
}

export interface Pod {
    /** Path of the pod spec from the resource root. */
    path: string;
    spec: Props;
    containers: Container[];
}

function describe(list: ContainerList, c: Props, index: number): string {
    const kind = list === "containers" ? "container" : list.slice(0, -1);
    const name = typeof c.name === "string" && !isUnknown(c.name) ? c.name : `#${index}`;
    return `${kind} "${name}"`;
}

/**
 * The pod of a workload with its containers (`lists` narrows which container lists count; K8S-10 does
 * not ask ephemeral containers for resources). An unknown spec or container list is recorded in `u`;
 * a container that is not an object throws, which `resourcePolicy` reports as a malformed property.
 */
export function podOf(
    type: string,
    props: Props,
    u: Reads,
    lists: readonly ContainerList[] = CONTAINER_LISTS,
): Pod | undefined {
    const path = POD_SPEC_PATH[type];
    if (path === undefined) return undefined;
    const spec = get(props, path);
    if (u.is(spec, path) || spec === undefined || spec === null) return undefined;
    if (typeof spec !== "object" || Array.isArray(spec)) throw new Error(`${path} is not an object`);
    const containers: Container[] = [];
    for (const list of lists) {
        const items = spec[list];
        if (u.is(items, `${path}.${list}`) || items === undefined || items === null) continue;
        if (!Array.isArray(items)) throw new Error(`${path}.${list} is not a list`);
        items.forEach((c: unknown, i: number) => {
            const where = `${path}.${list}[${i}]`;
            if (u.is(c, where)) return;
            if (!c || typeof c !== "object" || Array.isArray(c)) throw new Error(`${where} is not an object`);
            containers.push({ list, label: describe(list, c as Props, i), path: where, spec: c as Props });
        });
    }
    return { path, spec, containers };
}

/**
 * The container's own `securityContext.<field>`, else the pod's (PSS semantics for runAsNonRoot,
 * runAsUser, seccompProfile). May return an unknown sentinel: check with `Reads.is`.
 */
export function effectiveSecurityContext(pod: Pod, c: Container, field: string): unknown {
    const own = get(c.spec, `securityContext.${field}`);
    if (own !== undefined && own !== null) return own;
    return get(pod.spec, `securityContext.${field}`);
}

/** A label of the workload's pod template, else of the workload object (either may carry an opt-in label). */
export function workloadLabel(type: string, props: Props, key: string): unknown {
    const podPath = POD_SPEC_PATH[type];
    const paths =
        podPath && podPath !== "spec"
            ? [podPath.replace(/\.spec$/, ".metadata.labels"), "metadata.labels"]
            : ["metadata.labels"];
    for (const path of paths) {
        const labels = get(props, path);
        const value = isUnknown(labels) ? labels : labels?.[key];
        if (value !== undefined) return value;
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// Object metadata, namespaces and scope.
// ---------------------------------------------------------------------------------------------

export const SYSTEM_NAMESPACES: readonly string[] = ["kube-system", "kube-public", "kube-node-lease", "default"];

/** `kubernetes:apps/v1:Deployment` → `{ group: "apps", version: "v1", kind: "Deployment" }`. */
export function k8sType(type: string): { group: string; version: string; kind: string } | undefined {
    const m = /^kubernetes:([^:/]+)\/([^:]+):(.+)$/.exec(type);
    return m ? { group: m[1], version: m[2], kind: m[3] } : undefined;
}

/**
 * Built-in kinds that always live in a namespace (their `…Patch` forms too). Custom resources are not
 * listed: their scope comes from a CRD the pack cannot see, so K8S-14 only rejects an explicit bad namespace there.
 */
const NAMESPACED_BUILTINS = new Set([
    "core/Pod",
    "core/Service",
    "core/ServiceAccount",
    "core/ConfigMap",
    "core/Secret",
    "core/PersistentVolumeClaim",
    "core/Endpoints",
    "core/LimitRange",
    "core/ResourceQuota",
    "core/ReplicationController",
    "core/PodTemplate",
    "apps/Deployment",
    "apps/StatefulSet",
    "apps/DaemonSet",
    "apps/ReplicaSet",
    "apps/ControllerRevision",
    "batch/Job",
    "batch/CronJob",
    "networking.k8s.io/NetworkPolicy",
    "networking.k8s.io/Ingress",
    "rbac.authorization.k8s.io/Role",
    "rbac.authorization.k8s.io/RoleBinding",
    "policy/PodDisruptionBudget",
    "autoscaling/HorizontalPodAutoscaler",
    "coordination.k8s.io/Lease",
    "discovery.k8s.io/EndpointSlice",
    "storage.k8s.io/CSIStorageCapacity",
]);

/** Built-in cluster-scoped kinds; together with the non-object types below, never checked for a namespace. */
const CLUSTER_SCOPED_BUILTINS = new Set([
    "core/Namespace",
    "core/Node",
    "core/PersistentVolume",
    "core/ComponentStatus",
    "rbac.authorization.k8s.io/ClusterRole",
    "rbac.authorization.k8s.io/ClusterRoleBinding",
    "storage.k8s.io/StorageClass",
    "storage.k8s.io/CSIDriver",
    "storage.k8s.io/CSINode",
    "storage.k8s.io/VolumeAttachment",
    "storage.k8s.io/VolumeAttributesClass",
    "apiextensions.k8s.io/CustomResourceDefinition",
    "apiregistration.k8s.io/APIService",
    "admissionregistration.k8s.io/MutatingWebhookConfiguration",
    "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
    "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
    "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
    "admissionregistration.k8s.io/MutatingAdmissionPolicy",
    "admissionregistration.k8s.io/MutatingAdmissionPolicyBinding",
    "scheduling.k8s.io/PriorityClass",
    "node.k8s.io/RuntimeClass",
    "networking.k8s.io/IngressClass",
    "networking.k8s.io/IPAddress",
    "networking.k8s.io/ServiceCIDR",
    "certificates.k8s.io/CertificateSigningRequest",
    "certificates.k8s.io/ClusterTrustBundle",
    "flowcontrol.apiserver.k8s.io/FlowSchema",
    "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration",
    "resource.k8s.io/DeviceClass",
    "resource.k8s.io/ResourceSlice",
    "policy/PodSecurityPolicy",
]);

/** Types that are not Kubernetes API objects (providers, Helm/YAML/Kustomize wrappers, lists). */
function isWrapper(group: string, kind: string): boolean {
    return group === "helm.sh" || group === "yaml" || group === "kustomize" || kind.endsWith("List");
}

export type Scope = "namespaced" | "cluster" | "custom" | "none";

/** Whether a `kubernetes:*` type is a namespaced built-in, cluster-scoped, a custom resource, or not an API object. */
export function scopeOf(type: string): Scope {
    const t = k8sType(type);
    if (!t || isWrapper(t.group, t.kind)) return "none";
    const kind = t.kind.endsWith("Patch") ? t.kind.slice(0, -"Patch".length) : t.kind;
    const key = `${t.group}/${kind}`;
    if (NAMESPACED_BUILTINS.has(key)) return "namespaced";
    if (CLUSTER_SCOPED_BUILTINS.has(key)) return "cluster";
    // Custom resources named Cluster* (ClusterIssuer, ClusterSecretStore, ...) are cluster-scoped by convention.
    return kind.startsWith("Cluster") ? "cluster" : "custom";
}

/** `metadata.name` when known, else undefined (Pulumi auto-names objects without one). */
export function metadataName(props: Props): string | undefined {
    const n = get(props, "metadata.name");
    return typeof n === "string" && !isUnknown(n) ? n : undefined;
}

/** The annotation value (raw; may be an unknown sentinel). */
export function annotation(props: Props, key: string): unknown {
    const a = get(props, "metadata.annotations");
    return isUnknown(a) ? a : a?.[key];
}

// ---------------------------------------------------------------------------------------------
// Images (K8S-11).
// ---------------------------------------------------------------------------------------------

export interface ImageRef {
    /** Everything before the tag/digest, e.g. `111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop-api`. */
    repository: string;
    tag?: string;
    digest?: string;
}

export function parseImage(image: string): ImageRef {
    const at = image.indexOf("@");
    const digest = at >= 0 ? image.slice(at + 1) : undefined;
    const name = at >= 0 ? image.slice(0, at) : image;
    const lastSlash = name.lastIndexOf("/");
    const colon = name.indexOf(":", lastSlash + 1);
    return colon >= 0
        ? { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest }
        : { repository: name, digest };
}

/** Any private ECR registry: the catalogue's `<account>.dkr.ecr.<region>.amazonaws.com/` default when none are configured. */
export const PRIVATE_ECR = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

export function registryApproved(image: string, approved: readonly string[]): boolean {
    return approved.length === 0 ? PRIVATE_ECR.test(image) : approved.some((prefix) => image.startsWith(prefix));
}

// ---------------------------------------------------------------------------------------------
// Ingress (K8S-21..23).
// ---------------------------------------------------------------------------------------------

/** `spec.ingressClassName`, else the legacy `kubernetes.io/ingress.class` annotation (may be an unknown sentinel). */
export function ingressClass(props: Props): unknown {
    const byField = get(props, "spec.ingressClassName");
    if (byField !== undefined && byField !== null) return byField;
    return annotation(props, "kubernetes.io/ingress.class");
}

/** A TLS host pattern covers `host` exactly or as a one-label `*.` wildcard. */
export function hostCovered(host: string, patterns: readonly string[]): boolean {
    const h = host.toLowerCase();
    return patterns.some((p) => {
        const q = p.toLowerCase();
        if (q === h) return true;
        if (!q.startsWith("*.")) return false;
        const suffix = q.slice(1); // ".example.com"
        return h.endsWith(suffix) && !h.slice(0, -suffix.length).includes(".") && h.length > suffix.length;
    });
}

// ---------------------------------------------------------------------------------------------
// aws-auth ConfigMap (EKS-07): `mapRoles` / `mapUsers`, read with the `yaml` package.
// ---------------------------------------------------------------------------------------------

export interface AuthMapping {
    arn?: string;
    groups: string[];
}

/** The `yaml` package, loaded on first use: only an aws-auth ConfigMap needs it (~40 ms of every pack start). */
let yamlModule: typeof YamlModule | undefined;
const yaml = (): typeof YamlModule => (yamlModule ??= require("yaml") as typeof YamlModule);

/**
 * Parses the aws-auth `mapRoles`/`mapUsers` document: JSON, or the YAML list-of-maps form EKS uses
 * (`- rolearn: ...` / `groups:` with `- item` or `[a, b]`). Anything that is not a list of maps throws (reported as malformed).
 */
export function parseAuthMappings(text: string): AuthMapping[] {
    if (text.trim() === "") return [];
    // YAML 1.2 is a superset of JSON: one parser reads the JSON, block and flow forms EKS accepts.
    const list: unknown = yaml().parse(text);
    if (list === null || list === undefined) return [];
    if (!Array.isArray(list)) throw new Error(`aws-auth mappings must be a list, got ${typeof list}`);
    return list.map((e, i) => {
        if (!e || typeof e !== "object") throw new Error(`aws-auth entry ${i} must be a map, got ${JSON.stringify(e)}`);
        const entry = e as Record<string, unknown>;
        const arn = entry.rolearn ?? entry.userarn;
        return { arn: typeof arn === "string" ? arn : undefined, groups: asArray(entry.groups).map(String) };
    });
}

// ---------------------------------------------------------------------------------------------
// Stack-policy joins (STK-05, STK-16): which namespace an object lives in.
// ---------------------------------------------------------------------------------------------

export type NamespaceRef =
    | { kind: "namespace"; ns: PolicyResource }
    | { kind: "name"; name: string }
    | { kind: "unknown" };

/**
 * The namespace of a namespaced stack object: the Namespace resource its `metadata` input depends on
 * (the graph edge survives auto-naming and first-deploy unknowns), else a declared Namespace with the
 * same `metadata.name` and provider, else the literal name (absent = `default`).
 */
export function namespaceOf(r: PolicyResource, namespaces: readonly PolicyResource[]): NamespaceRef {
    const value = get(raw(r.props) ?? {}, "metadata.namespace");
    const viaGraph = (r.propertyDependencies?.metadata ?? []).filter((d) => d.type === TYPES.k8sNamespace);
    if (!isUnknown(value)) {
        const name = typeof value === "string" && value !== "" ? value : "default";
        const byName = namespaces.find((n) => metadataName(raw(n.props) ?? {}) === name && sameProvider(n, r));
        if (byName) return { kind: "namespace", ns: byName };
        if (value === undefined || viaGraph.length !== 1) return { kind: "name", name };
    }
    return viaGraph.length === 1 ? { kind: "namespace", ns: viaGraph[0] } : { kind: "unknown" };
}

/** Same Kubernetes provider (cluster): both default, or the same provider URN. */
export function sameProvider(a: PolicyResource, b: PolicyResource): boolean {
    return (a.provider?.urn ?? "") === (b.provider?.urn ?? "");
}

/** How messages name a stack object: its Kubernetes name when known, else its Pulumi name. */
export function displayName(r: PolicyResource): string {
    return metadataName(raw(r.props) ?? {}) ?? r.name;
}

// ---------------------------------------------------------------------------------------------
// One object, its server-side-apply patch, or a typed list of them (`RoleList`, `ConfigMapList`).
// ---------------------------------------------------------------------------------------------

export interface K8sObject {
    /** The kind without `Patch`/`List`: `Role`, `ConfigMap`. */
    kind: string;
    /** Path prefix of the object inside the resource (`""`, or `items[2]` for a list). */
    at: string;
    props: Props;
    /** A `…Patch`: absent fields keep the live value, so only what the patch sets is judged. */
    patch: boolean;
}

/**
 * The API objects a `kubernetes:*` resource carries: the object itself, or each entry of a `…List`.
 * An unknown list (or entry) is recorded in `u`; a non-object entry throws (reported as malformed).
 */
export function objectsOf(type: string, props: Props, u: Reads): K8sObject[] {
    const t = k8sType(type);
    if (!t) return [];
    if (t.kind.endsWith("List")) {
        const kind = t.kind.slice(0, -"List".length);
        const items = props.items;
        if (u.is(items, "items")) return [];
        return asArray(items).flatMap((item: unknown, i: number) => {
            if (u.is(item, `items[${i}]`)) return [];
            if (!item || typeof item !== "object") throw new Error(`items[${i}] is not an object`);
            return [{ kind, at: `items[${i}]`, props: item as Props, patch: false }];
        });
    }
    const patch = t.kind.endsWith("Patch");
    return [{ kind: patch ? t.kind.slice(0, -"Patch".length) : t.kind, at: "", props, patch }];
}

/** `at` + `path` as messages print it. */
export const pathIn = (at: string, path: string) => (at === "" ? path : `${at}.${path}`);

/** Every `kubernetes:<group>/<version>:<Kind>` token for a kind and its `Patch` / `List` forms. */
export function withVariants(...types: string[]): string[] {
    return types.flatMap((t) => [t, `${t}Patch`, `${t}List`]);
}

// ---------------------------------------------------------------------------------------------
// Every shape of a workload: the object, its `…Patch` and its `…List` (mutation testing).
// ---------------------------------------------------------------------------------------------

/** Every workload kind with its `…Patch` and `…List` tokens. */
export const WORKLOAD_SHAPES: readonly string[] = withVariants(...WORKLOADS);

export interface PodShape extends Pod {
    /**
     * A server-side-apply `…Patch`: it carries only the fields it changes, so only values it sets are judged
     * ("absent" there keeps the live value, not the API default).
     */
    patch: boolean;
}

/**
 * The pods a workload resource carries: the object's pod, a `…Patch`'s (marked `patch`), or the pod of each
 * entry of a `…List` (paths prefixed `items[i]`). Unknowns are recorded in `u`, as in `podOf`.
 */
export function podsOf(
    type: string,
    props: Props,
    u: Reads,
    lists: readonly ContainerList[] = CONTAINER_LISTS,
): PodShape[] {
    const t = k8sType(type);
    if (!t) return [];
    const base = type.replace(/(Patch|List)$/, "");
    if (POD_SPEC_PATH[base] === undefined) return [];
    const out: PodShape[] = [];
    for (const obj of objectsOf(type, props, u)) {
        const pod = podOf(base, obj.props, u, lists);
        if (!pod) continue;
        const prefix = (p: string) => pathIn(obj.at, p);
        out.push({
            path: prefix(pod.path),
            spec: pod.spec,
            containers: pod.containers.map((c) => ({ ...c, path: prefix(c.path) })),
            patch: obj.patch,
        });
    }
    return out;
}
