import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** Type tokens and pack config shared by the Kubernetes policy modules (documented in policy/README.md). */

export const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
export const SERVICE_ACCOUNT_PATCH = "kubernetes:core/v1:ServiceAccountPatch";
export const SERVICE = "kubernetes:core/v1:Service";
export const INGRESS = "kubernetes:networking.k8s.io/v1:Ingress";
export const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
export const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
export const RESOURCE_QUOTA = "kubernetes:core/v1:ResourceQuota";
export const LIMIT_RANGE = "kubernetes:core/v1:LimitRange";
export const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
export const ROLE = `${RBAC}:Role`;
export const CLUSTER_ROLE = `${RBAC}:ClusterRole`;
export const ROLE_BINDING = `${RBAC}:RoleBinding`;
export const CLUSTER_ROLE_BINDING = `${RBAC}:ClusterRoleBinding`;
export const BINDINGS = [CLUSTER_ROLE_BINDING, ROLE_BINDING];
export const ROLES = [ROLE, CLUSTER_ROLE];

// Pack config owned by the Kubernetes modules (documented in policy/README.md).
export const kubernetesConfig = {
    ingressControllerNamespaces: {
        type: "array",
        items: { type: "string", minLength: 1 },
        uniqueItems: true,
        description:
            "Namespaces of the ingress controller, the only place a NodePort Service may live (K8S-24): the ALB reaches the NGINX data plane through it.",
        default: ["nginx-gateway"],
    },
    kubeSystemAllowlist: {
        type: "array",
        items: { type: "string", pattern: "^[A-Za-z]+/[^/]+$" },
        uniqueItems: true,
        description:
            "Objects the platform may manage in kube-system (K8S-14), as '<Kind>/<name>' ('<Kind>/*' for every object of a kind).",
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
        description:
            "Charts that may be installed as an opaque helm.sh/v3 Release (their manifests are invisible to the pack); repo/namespace pin them further when set.",
        default: [],
    },
} satisfies Record<string, PolicyConfigJSONSchema>;
