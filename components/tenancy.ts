import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { databasePort } from "../config";
import { DEPLOYER_GROUP, developersGroupOf } from "./cluster";
import { withDefaults, registrable } from "./defaults";
import { INGRESS_NAMESPACE } from "./ingress";
import { namespaceGuardrails } from "./namespace";
import { Tags } from "./tags";

/** One team: its namespace, quota and egress. */
export interface TenancyTeam {
    /** The team's name: its namespace and the `team` label on every object in it. Required. */
    name: string;
    /** The Kubernetes group of the team's developers (the cluster's access entries map their roles to it). Default is `<name>-developers`. */
    developersGroup?: string;
    /**
     * The namespace's ResourceQuota; pods without resources get the LimitRange defaults. Default is
     * TEAM_QUOTA_DEFAULTS per field: 4 CPU and 8Gi requested, 8 CPU and 16Gi limits, 50 pods.
     */
    quota?: { requestsCpu?: string; requestsMemory?: string; limitsCpu?: string; limitsMemory?: string; pods?: number };
    /** Extra HTTPS (443) egress destinations, as CIDRs. Default is `[]`: DNS, ingress and the database only. */
    httpsEgressCidrs?: string[];
}

export interface TenancyArgs {
    /** The cluster's Kubernetes provider. Required. */
    provider: k8s.Provider;
    /** One namespace per team, named after the team. Required. */
    teams: TenancyTeam[];
    /** Kubernetes group the CI deployer's access entry maps to. Default is `platform:ci-deployers` (DEPLOYER_GROUP). */
    deployerGroup?: string;
    /** Namespace of the ingress controller: the only source of traffic into team pods. Default is `nginx-gateway` (INGRESS_NAMESPACE). */
    ingressNamespace?: string;
    /** The database port; egress to it is open only towards the isolated subnets. Default is `5432` (PostgreSQL). */
    databasePort?: number;
    /** Database egress destinations (the isolated subnets). Default is `[]`: no database egress at all. */
    isolatedSubnetCidrs?: string[];
    /** Tags, as labels on every object (labelsFromTags). Required. */
    tags: Tags;
}

/** The ResourceQuota of a team that sets none: room for a small service and its rollouts. */
export const TEAM_QUOTA_DEFAULTS = {
    requestsCpu: "4",
    requestsMemory: "8Gi",
    limitsCpu: "8",
    limitsMemory: "16Gi",
    pods: 50,
};

/** The defaults of the optional TenancyArgs. */
export const TENANCY_DEFAULTS = {
    deployerGroup: DEPLOYER_GROUP,
    ingressNamespace: INGRESS_NAMESPACE,
    databasePort: databasePort("postgres"),
    isolatedSubnetCidrs: [] as string[],
};

/** TenancyArgs with the defaults applied: what the resources read. */
type TenancySettings = TenancyArgs & typeof TENANCY_DEFAULTS;

/** ClusterRole names, defined once and bound per namespace with RoleBindings. */
export const CLUSTER_ROLES = { deployer: "app-deployer", viewer: "app-viewer" } as const;

/**
 * Pods opt in to traffic from the ingress controller with this label. A team's internal pods
 * (workers, caches) stay unreachable from the ingress tier, even if someone points an Ingress at them.
 */
export const INGRESS_EXPOSED_LABEL = { key: "platform.internal/ingress", value: "allowed" } as const;

/** Container defaults for pods that set no resources: the quota below rejects such pods otherwise. */
const CONTAINER_DEFAULTS = {
    defaultRequest: { cpu: "100m", memory: "128Mi" },
    default: { cpu: "500m", memory: "512Mi" },
};

const RBAC_GROUP = "rbac.authorization.k8s.io";
const READ = ["get", "list", "watch"];
const WRITE = [...READ, "create", "update", "patch", "delete"];

/**
 * What a team may touch in its namespace. Deliberately absent:
 * - `secrets`: apps read credentials from Secrets Manager and KMS through IRSA, so no human or pipeline
 *   needs Kubernetes Secrets (listing them is reading them, K8S-20);
 * - `roles`/`rolebindings`, `networkpolicies`/`resourcequotas`/`limitranges` writes: the platform owns
 *   the namespace's guardrails; a team cannot widen its own access, network or budget;
 * - `pods` create, `pods/exec`, `pods/attach`, `pods/portforward`: workloads change only through controllers;
 * - any `*`, `bind`, `escalate`, `impersonate` (K8S-19, K8S-20).
 */
const NAMESPACED_READ_RESOURCES: Array<[string, string[]]> = [
    [
        "",
        [
            "pods",
            "pods/log",
            "services",
            "endpoints",
            "configmaps",
            "serviceaccounts",
            "persistentvolumeclaims",
            "events",
            "resourcequotas",
            "limitranges",
        ],
    ],
    ["apps", ["deployments", "replicasets", "statefulsets"]],
    ["autoscaling", ["horizontalpodautoscalers"]],
    ["policy", ["poddisruptionbudgets"]],
    ["networking.k8s.io", ["ingresses", "networkpolicies"]],
    ["gateway.networking.k8s.io", ["httproutes"]],
    ["batch", ["jobs", "cronjobs"]],
    ["discovery.k8s.io", ["endpointslices"]],
];

export const VIEWER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = NAMESPACED_READ_RESOURCES.map(
    ([group, resources]) => ({ apiGroups: [group], resources, verbs: READ }),
);

export const DEPLOYER_RULES: k8s.types.input.rbac.v1.PolicyRule[] = [
    ...VIEWER_RULES,
    {
        apiGroups: [""],
        resources: ["services", "configmaps", "serviceaccounts", "persistentvolumeclaims"],
        verbs: WRITE,
    },
    // Deleting a pod is how a rollout is unstuck; creating one bypasses the Deployment's template.
    { apiGroups: [""], resources: ["pods"], verbs: ["delete"] },
    { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: WRITE },
    { apiGroups: ["apps"], resources: ["deployments/scale", "statefulsets/scale"], verbs: ["get", "update", "patch"] },
    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"], verbs: WRITE },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"], verbs: WRITE },
    // Routes attach only to the team's own listeners on the platform Gateway (ING-04); Ingress objects have no controller.
    { apiGroups: ["gateway.networking.k8s.io"], resources: ["httproutes"], verbs: WRITE },
    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: WRITE },
];

const LABEL_VALUE_INVALID = /[^A-Za-z0-9_.-]/g;

/**
 * The stack's tag set as Kubernetes labels: `managed-by` and `project` become the recommended
 * `app.kubernetes.io/*` labels; the rest keep their tag names so cost tools can join AWS and cluster spend.
 */
export function labelsFromTags(tags: Tags): Record<string, string> {
    const keyOf: Record<string, string> = {
        "managed-by": "app.kubernetes.io/managed-by",
        project: "app.kubernetes.io/part-of",
    };
    const labels: Record<string, string> = {};
    for (const [key, value] of Object.entries(tags)) {
        if (!/^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$/i.test(key)) continue; // not a valid unprefixed label name (e.g. aws:*)
        // Label values: at most 63 characters, alphanumeric at both ends.
        const clean = value
            .replace(LABEL_VALUE_INVALID, "-")
            .slice(0, 63)
            .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
        labels[keyOf[key] ?? key] = clean;
    }
    return labels;
}

/**
 * Team namespaces with the guardrails every namespace gets (STK-05): Pod Security Admission
 * `restricted` (K8S-15), a ResourceQuota and LimitRange, default-deny network policies plus the few
 * allows apps need, and namespaced RBAC for the team's developers and the CI deployer.
 */
export class Tenancy extends pulumi.ComponentResource {
    /** Team name → namespace name (an Output, so dependants wait for the namespace). */
    public readonly namespaces: Record<string, pulumi.Output<string>>;

    constructor(name: string, tenancyArgs: TenancyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:tenancy:Tenancy", name, registrable(tenancyArgs), opts);
        const args: TenancySettings = withDefaults(TENANCY_DEFAULTS, tenancyArgs);
        const child = { provider: args.provider, parent: this };
        const labels = labelsFromTags(args.tags);

        // Cluster-wide definitions, bound only inside team namespaces (no ClusterRoleBinding: K8S-16, K8S-17).
        const deployer = new k8s.rbac.v1.ClusterRole(
            `${name}-${CLUSTER_ROLES.deployer}`,
            { metadata: { name: CLUSTER_ROLES.deployer, labels }, rules: DEPLOYER_RULES },
            child,
        );
        const viewer = new k8s.rbac.v1.ClusterRole(
            `${name}-${CLUSTER_ROLES.viewer}`,
            { metadata: { name: CLUSTER_ROLES.viewer, labels }, rules: VIEWER_RULES },
            child,
        );

        this.namespaces = {};
        for (const team of args.teams) {
            this.namespaces[team.name] = this.team(`${name}-${team.name}`, team, args, labels, { deployer, viewer });
        }
        this.registerOutputs({ namespaces: this.namespaces });
    }

    private team(
        prefix: string,
        team: TenancyTeam,
        args: TenancySettings,
        baseLabels: Record<string, string>,
        roles: Record<"deployer" | "viewer", k8s.rbac.v1.ClusterRole>,
    ): pulumi.Output<string> {
        const child = { provider: args.provider, parent: this };
        const labels = { ...baseLabels, team: team.name };
        const quota = withDefaults(TEAM_QUOTA_DEFAULTS, team.quota ?? {});

        const { name: namespace, meta } = namespaceGuardrails(prefix, {
            name: team.name,
            labels,
            // K8S-15: admission rejects any pod that is not `restricted`, whatever created it.
            podSecurity: { enforce: "restricted" },
            quota: {
                name: "team-quota",
                hard: {
                    "requests.cpu": quota.requestsCpu,
                    "requests.memory": quota.requestsMemory,
                    "limits.cpu": quota.limitsCpu,
                    "limits.memory": quota.limitsMemory,
                    pods: String(quota.pods),
                    // K8S-24 in depth: public traffic enters only through the ALB and the platform Gateway.
                    "services.loadbalancers": "0",
                    "services.nodeports": "0",
                },
            },
            limits: { name: "container-defaults", ...CONTAINER_DEFAULTS },
            opts: child,
        });

        this.networkPolicies(prefix, team, args, meta);

        // RBAC the Kubernetes way: ClusterRoles bound per namespace to the groups the access entries map.
        // Developers read; changes go through the pipeline (segregation of duties, one audit trail).
        const bind = (key: string, group: string, role: k8s.rbac.v1.ClusterRole) =>
            new k8s.rbac.v1.RoleBinding(
                `${prefix}-${key}`,
                {
                    metadata: meta(key),
                    roleRef: { apiGroup: RBAC_GROUP, kind: "ClusterRole", name: role.metadata.name },
                    subjects: [{ apiGroup: RBAC_GROUP, kind: "Group", name: group }],
                },
                child,
            );
        // The same group name the cluster's access entries map the team's developer roles to.
        bind("developers-view", developersGroupOf(team), roles.viewer);
        bind("ci-deploy", args.deployerGroup, roles.deployer);

        return namespace;
    }

    /**
     * Default deny in both directions, then only: DNS, ingress from the ingress controller to opted-in
     * pods, the database port towards the isolated subnets, and the team's configured HTTPS destinations.
     * Enforced by the VPC CNI's network policy agent (the cluster must enable it).
     */
    private networkPolicies(
        prefix: string,
        team: TenancyTeam,
        args: TenancySettings,
        meta: (n: string) => k8s.types.input.meta.v1.ObjectMeta,
    ): void {
        const child = { provider: args.provider, parent: this };
        const policy = (key: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
            new k8s.networking.v1.NetworkPolicy(`${prefix}-${key}`, { metadata: meta(key), spec }, child);
        const namespaceNamed = (n: string) => ({
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": n } },
        });
        const tcp = (port: number) => ({ protocol: "TCP", port });

        // STK-05's default deny comes with the namespace guardrails.
        policy("allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [{ ...namespaceNamed("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [{ protocol: "UDP", port: 53 }, tcp(53)],
                },
            ],
        });

        // Any port: the namespace tier does not know app ports, and NGINX only proxies to the Service
        // endpoints that the team's own HTTPRoutes name.
        policy("allow-from-ingress", {
            podSelector: { matchLabels: { [INGRESS_EXPOSED_LABEL.key]: INGRESS_EXPOSED_LABEL.value } },
            policyTypes: ["Ingress"],
            ingress: [{ from: [namespaceNamed(args.ingressNamespace)] }],
        });

        // An egress rule with no `to` admits every destination: without database subnets there is no rule at all.
        if (args.isolatedSubnetCidrs.length > 0) {
            policy("allow-database", {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: args.isolatedSubnetCidrs.map((cidr) => ({ ipBlock: { cidr } })),
                        ports: [tcp(args.databasePort)],
                    },
                ],
            });
        }

        const httpsEgressCidrs = team.httpsEgressCidrs ?? [];
        if (httpsEgressCidrs.length > 0) {
            policy("allow-https-egress", {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: httpsEgressCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: [tcp(443)] }],
            });
        }
    }
}
