import { ClusterRoleBinding } from "../lib/classes";
import { schemaOf } from "../lib/config";
import { Policy, Props, resourcePolicy, resourcePolicyOf } from "../lib/builders";
import { conditionalExemption } from "../lib/exemptions";
import { get, Reads } from "../lib/read";
import { asArray, quote } from "../lib/values";
import { BINDINGS, ROLE, ROLES } from "./shared";

/** Catalogue K8S-16 … K8S-20: RBAC bindings and roles. */

// ---------------------------------------------------------------------------------------------
// K8S-16 … K8S-20: RBAC.
// ---------------------------------------------------------------------------------------------

interface Subject {
    kind?: string;
    name?: string;
    namespace?: string;
}

/** The known subjects of a binding; unknown entries are recorded. */
function subjectsOf(props: Props, u: Reads): Subject[] {
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
    controls: ["K8S-16"],
    enforcementLevel: "mandatory",
    types: BINDINGS,
    configSchema: schemaOf(["breakGlassPrincipals"]),
    validate: (a, report) => {
        const u = a.reads;
        const kind = get(a.props, "roleRef.kind");
        const name = get(a.props, "roleRef.name");
        if (u.is(kind, "roleRef.kind") || u.is(name, "roleRef.name") || kind !== "ClusterRole" || name !== "cluster-admin") return;
        const breakGlass: string[] = a.config.breakGlassPrincipals ?? [];
        for (const s of subjectsOf(a.props, u)) {
            const serviceAccount = s.kind === "ServiceAccount" || (s.kind === "Group" && String(s.name).startsWith("system:serviceaccounts"));
            if (serviceAccount) report(`${subjectText(s)} is bound to cluster-admin: bind a namespaced Role with only the verbs it needs instead.`);
            else if (!breakGlass.includes(String(s.name))) report(`${subjectText(s)} is bound to cluster-admin but is not a break-glass principal: bind a narrower ClusterRole or add it to breakGlassPrincipals.`);
        }
    },
});

const namespacedRbacForWorkloads = resourcePolicyOf({
    name: "k8s-namespaced-rbac-for-workloads",
    description: "K8S-17: only platform service accounts get ClusterRoleBindings; application service accounts get RoleBindings (CIS-K8s 5.1; NSA RBAC).",
    controls: ["K8S-17"],
    enforcementLevel: "mandatory",
    of: ClusterRoleBinding,
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = a.reads;
        const platform: string[] = a.config.platformNamespaces;
        for (const s of subjectsOf(a.props, u)) {
            if (s.kind === "ServiceAccount" && !platform.includes(String(s.namespace))) {
                report(`${subjectText(s)} gets a ClusterRoleBinding: give application service accounts a RoleBinding in their own namespace.`);
            } else if (s.kind === "Group" && typeof s.name === "string" && s.name.startsWith("system:serviceaccounts")) {
                const ns = s.name.split(":")[2];
                if (ns === undefined || !platform.includes(ns)) report(`${subjectText(s)} grants cluster-wide rights to application service accounts: use RoleBindings in their namespaces.`);
            }
        }
    },
});

const ANONYMOUS = ["system:anonymous", "system:unauthenticated", "system:authenticated"];

const noAnonymousBindings = resourcePolicy({
    name: "k8s-no-anonymous-bindings",
    description: "K8S-18: no RBAC binding grants rights to anonymous, unauthenticated or all authenticated users (CIS-K8s 5.1).",
    controls: ["K8S-18"],
    enforcementLevel: "mandatory",
    types: BINDINGS,
    validate: (a, report) => {
        const u = a.reads;
        for (const s of subjectsOf(a.props, u)) {
            if (ANONYMOUS.includes(String(s.name))) report(`${subjectText(s)} is a subject: bind named users, groups or service accounts instead.`);
        }
    },
});

interface Rule {
    index: number;
    verbs: string[];
    resources: string[];
    apiGroups: string[];
}

/** The known RBAC rules; unknown rules or fields are recorded. */
function rulesOf(props: Props, u: Reads): Rule[] {
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
    controls: ["K8S-19"],
    enforcementLevel: "mandatory",
    types: ROLES,
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = a.reads;
        const ns = get(a.props, "metadata.namespace");
        const inPlatform = a.type === ROLE && typeof ns === "string" && (a.config.platformNamespaces as string[]).includes(ns);
        const r = conditionalExemption(report, "k8s-rbac-no-wildcards", [a.props], inPlatform ? undefined : "only Roles in platform namespaces are exemptable");
        for (const rule of rulesOf(a.props, u)) {
            const wild = (["verbs", "resources", "apiGroups"] as const).filter((k) => rule[k].includes("*"));
            if (wild.length > 0) r(`rules[${rule.index}] uses "*" in ${wild.join(", ")}: list the verbs, resources and API groups it needs.`);
        }
    },
});

const ESCALATION_VERBS = ["bind", "escalate", "impersonate"];

const rbacNoEscalation = resourcePolicy({
    name: "k8s-rbac-no-escalation-verbs",
    description: "K8S-20: roles grant no bind/escalate/impersonate verbs and no nodes/proxy access; reading secrets or creating pods is flagged (CIS-K8s 5.1.8; 5.1.2, 5.1.4 advisory).",
    controls: ["K8S-20"],
    enforcementLevel: "mandatory",
    types: ROLES,
    validate: (a, report) => {
        const u = a.reads;
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
    },
});

export const policies: Policy[] = [noClusterAdminToServiceAccounts, namespacedRbacForWorkloads, noAnonymousBindings, rbacNoWildcards, rbacNoEscalation];
