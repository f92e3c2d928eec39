import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { TYPES } from "../../lib/contract";

/** Type-token groups and pack config shared by the Kubernetes policy modules (documented in policy/README.md). */

export const BINDINGS = [TYPES.k8sClusterRoleBinding, TYPES.k8sRoleBinding];

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
