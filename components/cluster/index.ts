import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NodeGroupConfig } from "../../config";
import { IngressController } from "../ingress";
import type { Tags } from "../tags";
import { accessEntries } from "./access";
import { networkAddons, storageClasses, workloadAddons } from "./addons";
import { controlPlane } from "./control-plane";
import { nodes } from "./nodes";

export { ADMIN_POLICY, DEPLOYER_GROUP, VIEW_POLICY, accessPrincipals, developersGroupOf } from "./access";
export { STORAGE_CLASS } from "./addons";
export { CONTROL_PLANE_LOG_TYPES, withoutCreatorAdmin } from "./control-plane";
export { amiTypeFor } from "./nodes";
export { INGRESS_CHART, INGRESS_NAMESPACE, INGRESS_ROFS_EXEMPTION, ingressValues } from "../ingress";

export interface ClusterArgs {
    vpcId: pulumi.Input<string>;
    /** The VPC CIDR: ingress-nginx trusts X-Forwarded-For only from here (the ALB and the nodes live inside it). */
    vpcCidr: string;
    /** Control-plane ENIs and every node go here; no public subnet is ever handed to the cluster (STK-02). */
    privateSubnetIds: pulumi.Input<string>[];
    /** Used to address the ECR pull-through cache the platform images come from (K8S-11). */
    accountId: pulumi.Input<string>;
    region: pulumi.Input<string>;
    version: string;
    /** Public API endpoint, restricted to publicAccessCidrs; the private endpoint is always on (EKS-01). */
    publicEndpoint: boolean;
    publicAccessCidrs: string[];
    serviceCidr: string;
    secretsKeyArn: pulumi.Input<string>;
    ebsKeyArn: pulumi.Input<string>;
    logsKeyArn: pulumi.Input<string>;
    logRetentionDays: number;
    adminRoleArns: string[];
    deployerRoleArn?: string;
    viewerRoleArns: string[];
    /** Team developer roles → their Kubernetes group (RBAC comes from the tenancy tier's RoleBindings, no access policy). */
    teams: { name: string; developersGroup?: string; developerRoleArns: string[] }[];
    nodeGroups: NodeGroupConfig[];
    albSecurityGroupId: pulumi.Input<string>;
    targetGroupArn: pulumi.Input<string>;
    ingressNodePort: number;
    ingressReplicas: number;
    /** Pulumi `protect` + EKS deletion protection on the cluster and its log group; Retain for EBS volumes. */
    protect: boolean;
    tags: Tags;
}

/**
 * The application tier's cluster: a private, encrypted, fully logged EKS control plane (control-plane.ts)
 * with access entries only (access.ts); managed node groups in the private subnets behind a hardened
 * launch template (nodes.ts); the core add-ons as EKS add-ons and an encrypted default StorageClass
 * (addons.ts); the ingress controller behind the edge tier's ALB (../ingress.ts).
 */
export class Cluster extends pulumi.ComponentResource {
    public readonly clusterName: pulumi.Output<string>;
    /** Built from the cluster's kubeconfig; every in-cluster object of every tier uses it. */
    public readonly provider: k8s.Provider;
    /** The SG on nodes and pods (VPC CNI gives pod ENIs the node's SGs): the database admits it. */
    public readonly nodeSecurityGroupId: pulumi.Output<string>;
    public readonly clusterSecurityGroupId: pulumi.Output<string>;
    public readonly oidcProviderArn: pulumi.Output<string>;
    public readonly oidcProviderUrl: pulumi.Output<string>;
    public readonly ingressNamespace: string;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, {}, opts);
        const cluster = controlPlane(name, args, this);
        this.clusterName = cluster.eksCluster.name;
        this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcProviderUrl = cluster.oidcProviderUrl;

        const admins = accessEntries(name, args, this.clusterName, this);

        const ctx = { name, clusterName: this.clusterName, oidcProviderArn: this.oidcProviderArn, oidcProviderUrl: this.oidcProviderUrl, tags: args.tags, parent: this };
        const { nodeSecurityGroup, nodeGroups, registry } = nodes(name, args, cluster, networkAddons(ctx), this);
        this.nodeSecurityGroupId = nodeSecurityGroup.id;
        workloadAddons(ctx, args, nodeGroups);

        // ---- Kubernetes: only after the access entries of the admins and the deployer exist, or the first `up` gets 401s.
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: cluster.kubeconfigJson, enableServerSideApply: true }, { parent: this, dependsOn: admins });
        storageClasses(name, args, { parent: this, provider: this.provider });

        const ingress = new IngressController(
            `${name}-ingress`,
            { provider: this.provider, vpcCidr: args.vpcCidr, serviceCidr: args.serviceCidr, nodePort: args.ingressNodePort, replicas: args.ingressReplicas, registry, dependsOn: nodeGroups },
            { parent: this },
        );
        this.ingressNamespace = ingress.namespace;

        this.registerOutputs({
            clusterName: this.clusterName,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
            ingressNamespace: this.ingressNamespace,
        });
    }
}
