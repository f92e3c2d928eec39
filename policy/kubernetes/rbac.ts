import { ClusterRoleBinding } from "../lib/classes";
import { schemaOf } from "../lib/config";
import { Policy, Props, resourcePolicy, resourcePolicyOf } from "../lib/builders";
import { conditionalExemption } from "../lib/exemptions";
import { get, Reads, SKIP } from "../lib/read";
import { absent, asArray, quote } from "../lib/values";
import { K8sObject, objectsOf, pathIn, withVariants } from "../lib/k8s";
import { BINDINGS } from "./shared";
import { TYPES } from "../../lib/contract";

/** Catalogue K8S-16 … K8S-20 and K8S-26 … K8S-28: RBAC bindings and roles. */

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
        if (
            u.is(s, `subjects[${i}]`) ||
            u.is(s?.name, `subjects[${i}].name`) ||
            u.is(s?.kind, `subjects[${i}].kind`) ||
            u.is(s?.namespace, `subjects[${i}].namespace`)
        )
            return false;
        if (!s || typeof s !== "object") throw new Error(`subjects[${i}] is not an object`);
        return true;
    });
}

const subjectText = (s: Subject) =>
    `${s.kind ?? "subject"} ${quote(s.namespace ? `${s.namespace}/${s.name}` : s.name)}`;

const noClusterAdminToServiceAccounts = resourcePolicy({
    name: "k8s-no-cluster-admin-to-service-accounts",
    description:
        "K8S-16: cluster-admin is bound only to break-glass users/groups, never to service accounts (CIS-K8s 5.1.1; NSA RBAC).",
    controls: ["K8S-16"],
    enforcementLevel: "mandatory",
    types: BINDINGS,
    configSchema: schemaOf(["breakGlassPrincipals"]),
    validate: (a, report) => {
        const u = a.reads;
        const kind = get(a.props, "roleRef.kind");
        const name = get(a.props, "roleRef.name");
        if (
            u.is(kind, "roleRef.kind") ||
            u.is(name, "roleRef.name") ||
            kind !== "ClusterRole" ||
            name !== "cluster-admin"
        )
            return;
        const breakGlass: string[] = a.config.breakGlassPrincipals ?? [];
        for (const s of subjectsOf(a.props, u)) {
            const serviceAccount =
                s.kind === "ServiceAccount" ||
                (s.kind === "Group" && String(s.name).startsWith("system:serviceaccounts"));
            if (serviceAccount)
                report(
                    `${subjectText(s)} is bound to cluster-admin: bind a namespaced Role with only the verbs it needs instead.`,
                );
            else if (!breakGlass.includes(String(s.name)))
                report(
                    `${subjectText(s)} is bound to cluster-admin but is not a break-glass principal: bind a narrower ClusterRole or add it to breakGlassPrincipals.`,
                );
        }
    },
});

const namespacedRbacForWorkloads = resourcePolicyOf({
    name: "k8s-namespaced-rbac-for-workloads",
    description:
        "K8S-17: only platform service accounts get ClusterRoleBindings; application service accounts get RoleBindings (CIS-K8s 5.1; NSA RBAC).",
    controls: ["K8S-17"],
    enforcementLevel: "mandatory",
    of: ClusterRoleBinding,
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = a.reads;
        const platform: string[] = a.config.platformNamespaces;
        for (const s of subjectsOf(a.props, u)) {
            if (s.kind === "ServiceAccount" && !platform.includes(String(s.namespace))) {
                report(
                    `${subjectText(s)} gets a ClusterRoleBinding: give application service accounts a RoleBinding in their own namespace.`,
                );
            } else if (
                s.kind === "Group" &&
                typeof s.name === "string" &&
                s.name.startsWith("system:serviceaccounts")
            ) {
                const ns = s.name.split(":")[2];
                if (ns === undefined || !platform.includes(ns))
                    report(
                        `${subjectText(s)} grants cluster-wide rights to application service accounts: use RoleBindings in their namespaces.`,
                    );
            }
        }
    },
});

const ANONYMOUS = ["system:anonymous", "system:unauthenticated", "system:authenticated"];

const noAnonymousBindings = resourcePolicy({
    name: "k8s-no-anonymous-bindings",
    description:
        "K8S-18: no RBAC binding grants rights to anonymous, unauthenticated or all authenticated users (CIS-K8s 5.1).",
    controls: ["K8S-18"],
    enforcementLevel: "mandatory",
    types: BINDINGS,
    validate: (a, report) => {
        const u = a.reads;
        for (const s of subjectsOf(a.props, u)) {
            if (ANONYMOUS.includes(String(s.name)))
                report(`${subjectText(s)} is a subject: bind named users, groups or service accounts instead.`);
        }
    },
});

interface Rule {
    index: number;
    verbs: string[];
    resources: string[];
    apiGroups: string[];
}

const ROLE_TYPES = withVariants(TYPES.k8sRole, TYPES.k8sClusterRole);

const rbacNoWildcards = resourcePolicy({
    name: "k8s-rbac-no-wildcards",
    description:
        'K8S-19: roles and ClusterRoles (and their Patch/List shapes) list verbs, resources and API groups explicitly, no "*" (CIS-K8s 5.1.3). Exemptable for Roles in platform namespaces.',
    controls: ["K8S-19"],
    enforcementLevel: "mandatory",
    types: ROLE_TYPES,
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = a.reads;
        for (const obj of objectsOf(a.type, a.props, u)) {
            const ns = get(obj.props, "metadata.namespace");
            const inPlatform =
                obj.kind === "Role" && typeof ns === "string" && (a.config.platformNamespaces as string[]).includes(ns);
            const r = conditionalExemption(
                report,
                "k8s-rbac-no-wildcards",
                [obj.props],
                inPlatform ? undefined : "only Roles in platform namespaces are exemptable",
            );
            for (const rule of rulesAt(obj, u)) {
                const wild = (["verbs", "resources", "apiGroups"] as const).filter((k) => rule[k].includes("*"));
                if (wild.length > 0)
                    r(
                        `${pathIn(obj.at, `rules[${rule.index}]`)} uses "*" in ${wild.join(", ")}: list the verbs, resources and API groups it needs.`,
                    );
            }
        }
    },
});

const ESCALATION_VERBS = ["bind", "escalate", "impersonate"];

const rbacNoEscalation = resourcePolicy({
    name: "k8s-rbac-no-escalation-verbs",
    description:
        "K8S-20: roles grant no bind/escalate/impersonate verbs and no nodes/proxy access; reading secrets or creating pods is flagged (CIS-K8s 5.1.8; 5.1.2, 5.1.4 advisory).",
    controls: ["K8S-20"],
    enforcementLevel: "mandatory",
    types: ROLE_TYPES,
    validate: (a, report) => {
        const u = a.reads;
        for (const obj of objectsOf(a.type, a.props, u)) {
            for (const rule of rulesAt(obj, u)) {
                const where = pathIn(obj.at, `rules[${rule.index}]`);
                const verbs = rule.verbs.filter((v) => ESCALATION_VERBS.includes(v));
                if (verbs.length > 0)
                    report(`${where} grants ${verbs.join(", ")}: remove these privilege-escalation verbs.`);
                if (rule.resources.includes("nodes/proxy"))
                    report(`${where} grants nodes/proxy: remove it (it reaches the kubelet API directly).`);
                const readSecrets = rule.verbs.filter((v) => ["get", "list", "watch"].includes(v));
                if (rule.resources.includes("secrets") && readSecrets.length > 0) {
                    report.advisory(
                        `${where} can ${readSecrets.join("/")} secrets: limit it with resourceNames or move the secret out of reach.`,
                    );
                }
                if (rule.resources.includes("pods") && rule.verbs.includes("create")) {
                    report.advisory(
                        `${where} can create pods, which can mount any secret in the namespace: grant it only to deployers.`,
                    );
                }
            }
        }
    },
});

// ---------------------------------------------------------------------------------------------
// K8S-26 … K8S-28 (issue #19 class 2): who gets cluster-wide rights, Secrets, and interactive pod access.
// Every shape counts: the object, its server-side-apply `…Patch`, and a `…List` of them (YAML/Helm render these too).
// ---------------------------------------------------------------------------------------------

const CLUSTER_BINDING_TYPES = withVariants(TYPES.k8sClusterRoleBinding);

/** The known rules of one Role/ClusterRole object; unknown rules or fields are recorded. */
function rulesAt(obj: K8sObject, u: Reads): Rule[] {
    const list = obj.props.rules;
    if (u.is(list, pathIn(obj.at, "rules"))) return [];
    const out: Rule[] = [];
    asArray(list).forEach((r: any, i: number) => {
        const where = pathIn(obj.at, `rules[${i}]`);
        if (u.is(r, where)) return;
        if (!r || typeof r !== "object") throw new Error(`${where} is not an object`);
        const field = (k: string) =>
            u.is(r[k], `${where}.${k}`)
                ? []
                : asArray(r[k])
                      .filter((x) => !u.is(x, `${where}.${k}`))
                      .map(String);
        out.push({ index: i, verbs: field("verbs"), resources: field("resources"), apiGroups: field("apiGroups") });
    });
    return out;
}

interface RoleId {
    obj: K8sObject;
    /** `Role/<namespace>/<name>` or `ClusterRole/<name>`, as secretAccessRoles lists them. */
    ref: string;
    /** ClusterRoles named `system:*` and Roles in platform namespaces belong to the platform. */
    platform: boolean;
}

/** Who a Role/ClusterRole object is; undefined (recorded) while its name or namespace is unknown. */
function roleId(obj: K8sObject, u: Reads, platformNamespaces: readonly string[]): RoleId | undefined {
    const name = u.read(obj.props, "metadata.name", obj.at);
    const ns = u.read(obj.props, "metadata.namespace", obj.at);
    if (name === SKIP || ns === SKIP) return undefined;
    if (obj.kind === "ClusterRole")
        return {
            obj,
            ref: `ClusterRole/${name ?? "?"}`,
            platform: typeof name === "string" && name.startsWith("system:"),
        };
    return {
        obj,
        ref: `Role/${absent(ns) ? "default" : ns}/${name ?? "?"}`,
        platform: typeof ns === "string" && platformNamespaces.includes(ns),
    };
}

const objectText = (id: RoleId) => `${id.ref}${id.obj.at === "" ? "" : ` (${id.obj.at})`}`;

const coreGroup = (rule: Rule) =>
    rule.apiGroups.length === 0 || rule.apiGroups.includes("") || rule.apiGroups.includes("*");

const humanGroupsNamespaced = resourcePolicy({
    name: "k8s-team-groups-namespaced-bindings",
    description:
        "K8S-26: team, developer and CI groups and users get rights only through namespaced RoleBindings, never a ClusterRoleBinding; only break-glass principals and system: identities may be bound cluster-wide (CIS-K8s 5.1; NSA RBAC least privilege).",
    controls: ["K8S-26"],
    enforcementLevel: "mandatory",
    types: CLUSTER_BINDING_TYPES,
    configSchema: schemaOf(["breakGlassPrincipals"], {
        readOnlyClusterBindings: {
            type: "array",
            items: { type: "string", pattern: "^(Group|User)/[^=]+=[^=]+$" },
            uniqueItems: true,
            description:
                "Declared cluster-wide read bindings, as '<Group|User>/<name>=<ClusterRole name>' (e.g. the PR-preview group and its Secret-less reader role, issue 16). Only that exact pair passes; K8S-20/27/28 still judge the role's rules.",
            default: [],
        },
    }),
    validate: (a, report) => {
        const u = a.reads;
        const breakGlass: string[] = a.config.breakGlassPrincipals ?? [];
        const readOnly = (a.config.readOnlyClusterBindings ?? []) as string[];
        for (const obj of objectsOf(a.type, a.props, u)) {
            // Only a subject declared in readOnlyClusterBindings needs the role's name; unknown at preview → advisory.
            const declared = (kind: string, name: string) => readOnly.some((e) => e.startsWith(`${kind}/${name}=`));
            for (const s of subjectsOf(obj.props, u)) {
                if (s.kind !== "Group" && s.kind !== "User") continue;
                const name = String(s.name ?? "");
                if (name.startsWith("system:") || breakGlass.includes(name)) continue;
                if (declared(s.kind, name)) {
                    const roleName = u.read(obj.props, "roleRef.name", obj.at);
                    if (
                        roleName === SKIP ||
                        (typeof roleName === "string" && readOnly.includes(`${s.kind}/${name}=${roleName}`))
                    )
                        continue;
                }
                report(
                    `${subjectText(s)} is bound cluster-wide${obj.at === "" ? "" : ` by ${obj.at}`}: bind it with a RoleBinding in each team namespace it needs (or list it in breakGlassPrincipals).`,
                );
            }
        }
    },
});

const BINDING_TYPES = withVariants(...BINDINGS);

/**
 * Built-in user-facing ClusterRoles that read Secrets: "admin" and "edit" allow accessing Secrets and running pods
 * as any ServiceAccount of the namespace (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles).
 * cluster-admin is K8S-16's (break-glass only).
 */
const SECRET_READING_BUILTINS = ["admin", "edit"];

const SECRET_VERBS = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection", "*"];

const noSecretAccess = resourcePolicy({
    name: "k8s-rbac-no-secret-access",
    description:
        "K8S-27: deployer and viewer roles cannot get/list/watch/create/update Secrets (listing is reading), and no binding grants the built-in admin/edit ClusterRoles (they read every Secret); a team that needs it declares the role in secretAccessRoles (CIS-K8s 5.1.2; NSA).",
    controls: ["K8S-27"],
    enforcementLevel: "mandatory",
    types: [...ROLE_TYPES, ...BINDING_TYPES],
    configSchema: schemaOf(["platformNamespaces"], {
        secretAccessRoles: {
            type: "array",
            items: { type: "string", pattern: "^(ClusterRole/[^/]+|Role/[^/]+/[^/]+)$" },
            uniqueItems: true,
            description:
                "Roles a team has declared as needing Secret access, as 'Role/<namespace>/<name>' or 'ClusterRole/<name>' (K8S-27).",
            default: [],
        },
    }),
    validate: (a, report) => {
        const u = a.reads;
        const declared = (a.config.secretAccessRoles ?? []) as string[];
        if (BINDING_TYPES.includes(a.type)) {
            for (const obj of objectsOf(a.type, a.props, u)) {
                const kind = u.read(obj.props, "roleRef.kind", obj.at);
                const name = u.read(obj.props, "roleRef.name", obj.at);
                if (kind !== "ClusterRole" || typeof name !== "string" || !SECRET_READING_BUILTINS.includes(name))
                    continue;
                if (declared.includes(`ClusterRole/${name}`)) continue;
                report(
                    `${pathIn(obj.at, "roleRef")} binds the built-in ClusterRole "${name}", which reads every Secret in the namespace: bind a role that lists only the resources and verbs needed (such as app-deployer), or declare "ClusterRole/${name}" in secretAccessRoles.`,
                );
            }
            return;
        }
        for (const obj of objectsOf(a.type, a.props, u)) {
            const id = roleId(obj, u, a.config.platformNamespaces);
            if (id === undefined || id.platform || declared.includes(id.ref)) continue;
            for (const rule of rulesAt(obj, u)) {
                if (!coreGroup(rule) || !rule.resources.some((r) => r === "secrets" || r === "*")) continue;
                const verbs = rule.verbs.filter((v) => SECRET_VERBS.includes(v));
                if (verbs.length > 0) {
                    report(
                        `${objectText(id)} rules[${rule.index}] can ${verbs.join("/")} secrets: remove it (apps read credentials through IRSA and Secrets Manager), or declare "${id.ref}" in secretAccessRoles for the team that needs it.`,
                    );
                }
            }
        }
    },
});

const INTERACTIVE = ["pods/exec", "pods/attach", "pods/portforward"];

const noInteractivePodAccess = resourcePolicy({
    name: "k8s-rbac-no-exec-attach-portforward",
    description:
        "K8S-28: roles grant no pods/exec, pods/attach or pods/portforward (a shell in a pod is every credential it holds), and no bind/escalate/impersonate in any Role/ClusterRole shape, patches and lists included (CIS-K8s 5.1.8; NSA).",
    controls: ["K8S-28"],
    enforcementLevel: "mandatory",
    types: ROLE_TYPES,
    configSchema: schemaOf(["platformNamespaces"]),
    validate: (a, report) => {
        const u = a.reads;
        const plain = a.type === TYPES.k8sRole || a.type === TYPES.k8sClusterRole; // K8S-20 already reports escalation verbs on these
        for (const obj of objectsOf(a.type, a.props, u)) {
            const id = roleId(obj, u, a.config.platformNamespaces);
            if (id === undefined || id.platform) continue;
            for (const rule of rulesAt(obj, u)) {
                const hits = coreGroup(rule)
                    ? rule.resources.filter((r) => INTERACTIVE.includes(r) || r === "pods/*" || r === "*")
                    : [];
                if (hits.length > 0 && rule.verbs.length > 0)
                    report(
                        `${objectText(id)} rules[${rule.index}] grants ${hits.join(", ")}: remove it; debug through logs, metrics and ephemeral environments, never a shell in a running pod.`,
                    );
                const escalation = plain ? [] : rule.verbs.filter((v) => ESCALATION_VERBS.includes(v));
                if (escalation.length > 0)
                    report(
                        `${objectText(id)} rules[${rule.index}] grants ${escalation.join(", ")}: remove these privilege-escalation verbs.`,
                    );
            }
        }
    },
});

export const policies: Policy[] = [
    noClusterAdminToServiceAccounts,
    namespacedRbacForWorkloads,
    noAnonymousBindings,
    rbacNoWildcards,
    rbacNoEscalation,
    humanGroupsNamespaced,
    noSecretAccess,
    noInteractivePodAccess,
];
