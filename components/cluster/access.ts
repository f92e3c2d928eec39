import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterArgs } from "./index";

/** The Kubernetes group of the CI deployer roles; the tenancy tier binds `app-deployer` to it in every team namespace. */
export const DEPLOYER_GROUP = "platform:ci-deployers";
/** The Kubernetes group of the pull-request preview roles: bound to PREVIEW_READER_ROLE, read-only. */
export const PREVIEW_GROUP = "platform:previewers";
/** The ClusterRole that completes AmazonEKSViewPolicy for previews (see previewReader). */
export const PREVIEW_READER_ROLE = "platform:preview-reader";

const ACCESS_POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
/**
 * Cluster admins and the deploy roles (the pack's breakGlassPrincipals, EKS-06).
 *
 * Why the deploy roles need cluster admin: `up` applies cluster-scoped objects (Namespaces, StorageClasses,
 * IngressClass, the ingress controller's ClusterRoles/ClusterRoleBindings, webhook configurations, and CRDs as
 * controllers arrive). The narrower access policies cannot: AmazonEKSAdminPolicy and AmazonEKSEditPolicy mirror
 * the namespaced `admin`/`edit` roles, which grant none of those kinds. A custom group cannot be narrower either:
 * RBAC's escalation check only lets a principal create a (Cluster)RoleBinding to permissions it already holds
 * (or with the `bind`/`escalate` verbs), so a role able to install the controller's ClusterRoles is, in effect,
 * cluster admin. The compensating controls are on who can become the role: GitHub OIDC bound to the protected
 * environment on main (bootstrap/), the pipeline of record only, and this explicit access entry, which the
 * creator's implicit admin no longer shadows (withoutCreatorAdmin).
 * https://kubernetes.io/docs/reference/access-authn-authz/rbac/#privilege-escalation-prevention-and-bootstrapping
 */
export const ADMIN_POLICY = ACCESS_POLICY("AmazonEKSClusterAdminPolicy");
/** Read-only, and unlike AmazonEKSAdminViewPolicy it does not include Secrets. */
export const VIEW_POLICY = ACCESS_POLICY("AmazonEKSViewPolicy");

/** The Kubernetes group a team's developer roles are mapped to when the team names none; the tenancy tier binds the same name. */
export function developersGroupOf(team: { name: string; developersGroup?: string }): string {
    return team.developersGroup ?? `${team.name}-developers`;
}

interface Principal {
    arn: string;
    policies: Set<string>;
    groups: Set<string>;
}

/** One access entry per IAM role, whatever lists it appears in (a duplicate entry is an API error). */
export function accessPrincipals(
    args: Pick<ClusterArgs, "adminRoleArns" | "deployerRoleArns" | "previewRoleArns" | "viewerRoleArns" | "teams">,
): Principal[] {
    const byArn = new Map<string, Principal>();
    const add = (arn: string, policy?: string, group?: string) => {
        const p = byArn.get(arn) ?? { arn, policies: new Set<string>(), groups: new Set<string>() };
        if (policy) p.policies.add(policy);
        if (group) p.groups.add(group);
        byArn.set(arn, p);
    };
    for (const arn of args.adminRoleArns ?? []) add(arn, ADMIN_POLICY);
    for (const arn of args.deployerRoleArns ?? []) add(arn, ADMIN_POLICY, DEPLOYER_GROUP);
    for (const arn of args.previewRoleArns ?? []) add(arn, VIEW_POLICY, PREVIEW_GROUP);
    for (const arn of args.viewerRoleArns ?? []) add(arn, VIEW_POLICY);
    for (const team of args.teams ?? [])
        for (const arn of team.developerRoleArns ?? []) add(arn, undefined, developersGroupOf(team));
    return [...byArn.values()];
}

/** Access entries (EKS-05/06): returns the admin-side resources the Kubernetes provider must wait for. */
export function accessEntries(
    name: string,
    args: ClusterArgs,
    clusterName: pulumi.Input<string>,
    parent: pulumi.Resource,
): pulumi.Resource[] {
    const admins: pulumi.Resource[] = [];
    const used = new Set<string>();
    for (const p of accessPrincipals(args)) {
        const base = p.arn.split("/").pop()!.toLowerCase();
        let key = base;
        for (let i = 2; used.has(key); i++) key = `${base}-${i}`;
        used.add(key);
        const entry = new aws.eks.AccessEntry(
            `${name}-access-${key}`,
            { clusterName, principalArn: p.arn, type: "STANDARD", kubernetesGroups: [...p.groups], tags: args.tags },
            { parent },
        );
        const associations = [...p.policies].map(
            (policyArn) =>
                new aws.eks.AccessPolicyAssociation(
                    `${name}-access-${key}-${policyArn.split("/").pop()}`,
                    { clusterName, principalArn: p.arn, policyArn, accessScope: { type: "cluster" } },
                    { parent, dependsOn: [entry] },
                ),
        );
        if (p.policies.has(ADMIN_POLICY)) admins.push(entry, ...associations);
    }
    return admins;
}

/**
 * What a preview must read beyond AmazonEKSViewPolicy. That policy mirrors the `view` ClusterRole, which
 * leaves out Secrets (wanted) but also RBAC objects and cluster-scoped kinds the stack declares
 * (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#user-facing-roles). Read verbs only, named
 * kinds only (no `*`), and never Secrets.
 *
 * Server-side-apply previews dry-run a PATCH, which RBAC authorises like a write; the Kubernetes provider falls
 * back to a client-side diff when it is forbidden (pulumi/pulumi-kubernetes#2419), so previews need no write verb.
 */
export const PREVIEW_READ_RULES: { apiGroups: string[]; resources: string[] }[] = [
    {
        apiGroups: [""],
        resources: ["namespaces", "serviceaccounts", "resourcequotas", "limitranges", "configmaps", "services"],
    },
    {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["clusterroles", "clusterrolebindings", "roles", "rolebindings"],
    },
    { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"] },
    { apiGroups: ["networking.k8s.io"], resources: ["ingressclasses", "ingresses", "networkpolicies"] },
    {
        apiGroups: ["admissionregistration.k8s.io"],
        resources: [
            "validatingwebhookconfigurations",
            "mutatingwebhookconfigurations",
            "validatingadmissionpolicies",
            "validatingadmissionpolicybindings",
        ],
    },
    { apiGroups: ["apiextensions.k8s.io"], resources: ["customresourcedefinitions"] },
    { apiGroups: ["scheduling.k8s.io"], resources: ["priorityclasses"] },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"] },
    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"] },
    { apiGroups: ["apps"], resources: ["deployments", "daemonsets", "statefulsets"] },
    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"] },
];

/** The read-only ClusterRole of the preview group and its binding. */
export function previewReader(name: string, opts: { parent: pulumi.Resource; provider: k8s.Provider }): void {
    const labels = { "app.kubernetes.io/managed-by": "pulumi", "app.kubernetes.io/part-of": "platform" };
    const role = new k8s.rbac.v1.ClusterRole(
        `${name}-preview-reader`,
        {
            metadata: { name: PREVIEW_READER_ROLE, labels },
            rules: PREVIEW_READ_RULES.map((r) => ({ ...r, verbs: ["get", "list", "watch"] })),
        },
        opts,
    );
    new k8s.rbac.v1.ClusterRoleBinding(
        `${name}-preview-reader`,
        {
            metadata: { name: PREVIEW_READER_ROLE, labels },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: PREVIEW_GROUP }],
        },
        opts,
    );
}

/**
 * The network path of the pipelines: the EKS-managed cluster security group (on the control-plane ENIs, and
 * on every node, which reach the API as its members) admits HTTPS from the CI runner's security group, and from
 * nothing else the program adds (EKS-11). The endpoint stays private: no public access is needed.
 */
export function runnerApiAccess(
    name: string,
    clusterSecurityGroupId: pulumi.Input<string>,
    runnerSecurityGroupId: pulumi.Input<string>,
    tags: Record<string, string>,
    parent: pulumi.Resource,
): aws.vpc.SecurityGroupIngressRule {
    return new aws.vpc.SecurityGroupIngressRule(
        `${name}-api-from-runner`,
        {
            securityGroupId: clusterSecurityGroupId,
            description: "EKS API (HTTPS) from the CI runners in the private subnets",
            ipProtocol: "tcp",
            fromPort: 443,
            toPort: 443,
            referencedSecurityGroupId: runnerSecurityGroupId,
            tags,
        },
        { parent },
    );
}
