import { configOf, schemaOf } from "../lib/config";
import { each, Policy, Props, resourcePolicy, safe, stackPolicy } from "../lib/builders";
import { get, Reads, SKIP } from "../lib/read";
import { containsUnknown, raw } from "../lib/unknowns";
import { absent, asArray, quote } from "../lib/values";
import {
    displayName,
    k8sType,
    metadataName,
    namespaceOf,
    objectsOf,
    pathIn,
    scopeOf,
    SYSTEM_NAMESPACES,
    withVariants,
    WORKLOADS,
} from "../lib/k8s";
import { kubernetesConfig } from "./shared";
import { TYPES } from "../../lib/contract";

/** Catalogue K8S-14, K8S-15 (namespace placement and Pod Security Standards) and the stack rows STK-05, STK-16 (namespace guardrails). */

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
    description:
        "K8S-14: namespaced objects (and Helm charts) name a namespace other than default, and only allowlisted platform objects go into kube-system (CIS-K8s 5.7.4, 5.7.1).",
    controls: ["K8S-14"],
    enforcementLevel: "mandatory",
    configSchema: namespaceSchema,
    validateResource: safe("k8s-no-default-namespace", (args, reportViolation) => {
        const t = k8sType(args.type);
        if (!t) return;
        const props: Props = raw(args.props) ?? {};
        const helm = args.type === TYPES.helmChartV4 || args.type === TYPES.helmReleaseV3;
        const scope = scopeOf(args.type);
        if (!helm && scope !== "namespaced" && scope !== "custom") return;
        const path = helm ? "namespace" : "metadata.namespace";
        const u = new Reads();
        const ns = u.read(props, path);
        if (ns === SKIP) return u.settle();
        // A custom resource may be cluster-scoped (its CRD is invisible here): only an explicit bad value counts.
        if (scope === "custom" && ns === undefined) return;
        if (absent(ns) || ns === "default") {
            reportViolation(
                `${t.kind} lands in the "default" namespace: set ${path} to the team's or the platform component's namespace.`,
            );
            return;
        }
        if (ns === "kube-system") {
            const config = configOf<{ kubeSystemAllowlist: string[] }>(args, namespaceSchema);
            const name = helm
                ? typeof props.name === "string"
                    ? props.name
                    : args.name
                : (metadataName(props) ?? args.name);
            if (!kubeSystemAllowed(t.kind, name, config.kubeSystemAllowlist)) {
                reportViolation(
                    `${t.kind} "${name}" is placed in kube-system: move it to its own namespace or add "${t.kind}/${name}" to kubeSystemAllowlist.`,
                );
            }
        }
    }),
};

const PSS_ENFORCE = "pod-security.kubernetes.io/enforce";

const PSS_ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version";

const namespacePssRestricted = resourcePolicy({
    name: "k8s-namespace-pss-restricted",
    description:
        "K8S-15: namespaces enforce the restricted Pod Security Standard at the latest version; platform namespaces at least baseline. Namespace, NamespacePatch and NamespaceList alike (PSS admission; CIS-K8s 5.2.1).",
    controls: ["K8S-15"],
    enforcementLevel: "mandatory",
    types: withVariants(TYPES.k8sNamespace),
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = a.reads;
        for (const obj of objectsOf(a.type, a.props, u)) {
            const name = u.read(obj.props, "metadata.name", obj.at);
            const labels = u.read(obj.props, "metadata.labels", obj.at);
            if (name === SKIP || labels === SKIP) continue;
            const label = (key: string) => (labels && typeof labels === "object" ? labels[key] : undefined);
            const enforce = label(PSS_ENFORCE);
            const version = label(PSS_ENFORCE_VERSION);
            const at = pathIn(obj.at, "metadata.labels");
            if (u.is(enforce, `${at}["${PSS_ENFORCE}"]`) || u.is(version, `${at}["${PSS_ENFORCE_VERSION}"]`)) continue;
            const shown = name === undefined ? a.name : quote(name);
            // A server-side-apply patch that leaves a label out keeps the live value: judge only what it sets.
            if (!(obj.patch && enforce === undefined)) {
                const platform = typeof name === "string" && (a.config.platformNamespaces as string[]).includes(name);
                const ok = platform ? enforce === "restricted" || enforce === "baseline" : enforce === "restricted";
                if (!ok) {
                    const want = platform ? '"baseline" (or "restricted")' : '"restricted"';
                    report(
                        `namespace ${shown} enforces ${absent(enforce) ? "no Pod Security Standard" : quote(enforce)}: set label ${PSS_ENFORCE} to ${want}.`,
                    );
                }
            }
            // Absent means "latest" (https://kubernetes.io/docs/concepts/security/pod-security-admission/#pod-security-admission-labels-for-namespaces):
            // a pinned version keeps an older, weaker definition of the level when the cluster is upgraded.
            if (!absent(version) && version !== "latest")
                report(
                    `namespace ${shown} pins ${PSS_ENFORCE_VERSION} to ${quote(version)}: remove the label (or set "latest") so the current definition of the level is enforced.`,
                );
        }
    },
});

// ---------------------------------------------------------------------------------------------
// STK-05 and STK-16: namespace guardrails across the stack.
// ---------------------------------------------------------------------------------------------

type Guard = "networkPolicyIngress" | "networkPolicyEgress" | "resourceQuota" | "limitRange";
/** The objects that guard a namespace (STK-05). */
const GUARD_TYPES: readonly string[] = [TYPES.k8sNetworkPolicy, TYPES.k8sResourceQuota, TYPES.k8sLimitRange];

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
    const types: string[] =
        explicit === undefined ? ["Ingress", ...(egress.length > 0 ? ["Egress"] : [])] : asArray(explicit).map(String);
    const out: Guard[] = [];
    if (types.includes("Ingress") && ingress.length === 0) out.push("networkPolicyIngress");
    if (types.includes("Egress") && egress.length === 0) out.push("networkPolicyEgress");
    return out;
}

const hasEntries = (v: unknown) => v !== null && typeof v === "object" && Object.keys(v as object).length > 0;

function limitRangeComplete(p: Props): boolean {
    return asArray(get(p, "spec.limits")).some(
        (l: any) => l?.type === "Container" && hasEntries(l?.default) && hasEntries(l?.defaultRequest),
    );
}

const GUARD_TEXT: Record<Guard, string> = {
    networkPolicyIngress:
        "a default-deny ingress NetworkPolicy (podSelector {}, policyTypes Ingress, no ingress rules)",
    networkPolicyEgress: "a default-deny egress NetworkPolicy (podSelector {}, policyTypes Egress, no egress rules)",
    resourceQuota: "a ResourceQuota",
    limitRange: 'a LimitRange with a type "Container" entry setting default and defaultRequest',
};

const namespaceBaseline = stackPolicy({
    name: "namespace-baseline-guardrails",
    description:
        "STK-05: every non-system Namespace ships with a default-deny NetworkPolicy, a ResourceQuota (requests.cpu, requests.memory, limits.memory, pods) and a Container LimitRange (CIS-K8s 5.3.2; NSA network separation, resource policies).",
    controls: ["STK-05"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        const namespaces = resources.filter((r) => r.type === TYPES.k8sNamespace);
        const found = new Map<string, Set<Guard>>(); // namespace URN → guards present
        const quotaKeys = new Map<string, Set<string>>(); // namespace URN → hard keys across quotas
        const unresolved = new Set<Guard>();
        const guardsOf = (type: string): Guard[] =>
            type === TYPES.k8sNetworkPolicy
                ? ["networkPolicyIngress", "networkPolicyEgress"]
                : type === TYPES.k8sResourceQuota
                  ? ["resourceQuota"]
                  : ["limitRange"];
        for (const r of resources.filter((x) => GUARD_TYPES.includes(x.type))) {
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
                if (r.type === TYPES.k8sNetworkPolicy) denies(p).forEach((g) => have.add(g));
                else if (r.type === TYPES.k8sLimitRange && limitRangeComplete(p)) have.add("limitRange");
                else if (r.type === TYPES.k8sResourceQuota) {
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
                    if (unresolved.has(g))
                        report.advisory(
                            `${label} may lack ${GUARD_TEXT[g]}: it cannot be verified during preview and is checked again at up.`,
                            ns.urn,
                        );
                    else report(`${label} lacks ${GUARD_TEXT[g]}: declare it next to the namespace.`, ns.urn);
                }
                if (have.has("resourceQuota")) {
                    const keys = quotaKeys.get(ns.urn) ?? new Set<string>();
                    const missing = Object.entries(QUOTA_KEYS)
                        .filter(([, aliases]) => !aliases.some((k) => keys.has(k)))
                        .map(([k]) => k);
                    if (missing.length > 0)
                        report(
                            `${label} ResourceQuota does not limit ${missing.join(", ")}: add them to spec.hard.`,
                            ns.urn,
                        );
                }
            });
        }
    },
});

const workloadsInGuardedNamespace = stackPolicy({
    name: "k8s-workloads-in-guarded-namespace",
    description:
        "STK-16: workloads run in a Namespace declared in this stack (so STK-05 and K8S-15 apply) or in a platform namespace (CIS-K8s 5.7.1).",
    controls: ["STK-16", "STK-05", "K8S-15"],
    enforcementLevel: "advisory",
    configSchema: schemaOf(["platformNamespaces"]),
    validate: ({ resources, config }, report) => {
        const namespaces = resources.filter((r) => r.type === TYPES.k8sNamespace);
        const platform: string[] = config.platformNamespaces;
        for (const w of resources.filter((r) => WORKLOADS.includes(r.type))) {
            each(w, report, () => {
                const ref = namespaceOf(w, namespaces);
                if (ref.kind !== "name" || platform.includes(ref.name)) return;
                const kind = k8sType(w.type)?.kind ?? w.type;
                report(
                    `${kind} ${quote(displayName(w))} runs in namespace ${quote(ref.name)}, which this stack does not declare: declare the Namespace with its guardrails here or use a platform namespace.`,
                    w.urn,
                );
            });
        }
    },
});

export const policies: Policy[] = [
    noDefaultNamespace,
    namespacePssRestricted,
    namespaceBaseline,
    workloadsInGuardedNamespace,
];
