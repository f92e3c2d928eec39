import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_NODE_PORT, IngressController } from "../ingress";
import type { Tags } from "../tags";
import { accessEntries, previewReader, runnerApiAccess } from "./access";
import { networkAddons, storageClasses, workloadAddons } from "./addons";
import { controlPlane } from "./control-plane";
import { withDefaults, registrable } from "../defaults";
import { ClusterNodeGroup, ClusterNodeGroupSettings, NODE_GROUP_DEFAULTS, nodes } from "./nodes";

export {
    ADMIN_POLICY,
    DEPLOYER_GROUP,
    PREVIEW_GROUP,
    PREVIEW_READER_ROLE,
    PREVIEW_READ_RULES,
    VIEW_POLICY,
    accessPrincipals,
    developersGroupOf,
} from "./access";
export { STORAGE_CLASS } from "./addons";
export { CONTROL_PLANE_LOG_TYPES, withoutCreatorAdmin } from "./control-plane";
export { NODE_GROUP_DEFAULTS, amiTypeFor } from "./nodes";
export type { ClusterNodeGroup } from "./nodes";
export { INGRESS_NAMESPACE } from "../ingress";

export interface ClusterArgs {
    /** The VPC the cluster, its node security group and the pull-through cache serve. Required. */
    vpcId: pulumi.Input<string>;
    /** The VPC CIDR: the ingress controller trusts X-Forwarded-For only from here (the ALB lives inside it). Required. */
    vpcCidr: string;
    /** The subnets the ALB lives in: the only source the ingress data plane admits (NetworkPolicy). Required. */
    albSubnetCidrs: string[];
    /** The private subnets' CIDRs (nodes, control-plane ENIs): kubelet probes and API server egress. Default is `[vpcCidr]`. */
    privateSubnetCidrs?: string[];
    /** Team namespace → the hostnames its HTTPRoutes may serve on the shared Gateway. Default is `{}`. */
    teamHosts?: Record<string, string[]>;
    /** Control-plane ENIs and every node go here; no public subnet is ever handed to the cluster (STK-02). Required. */
    privateSubnetIds: pulumi.Input<string>[];
    /** Used to address the ECR pull-through cache the platform images come from (K8S-11). Required. */
    accountId: pulumi.Input<string>;
    /** The region of the pull-through cache's registry host. Required. */
    region: pulumi.Input<string>;
    /** Kubernetes minor version of the control plane and the node groups (EKS-04: at least the pack's minimum). Required. */
    version: string;
    /** Public API endpoint, restricted to publicAccessCidrs; the private endpoint is always on (EKS-01). Default is `false`. */
    publicEndpoint?: boolean;
    /** Who may reach the public endpoint when there is one. Default is `[]` (and required non-empty by config when public). */
    publicAccessCidrs?: string[];
    /** The Service CIDR (must not overlap the VPC). Default is `172.20.0.0/16`, EKS's own default. */
    serviceCidr?: string;
    /** KMS key for envelope encryption of Secrets (EKS-02). Required. */
    secretsKeyArn: pulumi.Input<string>;
    /** KMS key for node root volumes and the default StorageClass (EKS-10, K8S-25). Required. */
    ebsKeyArn: pulumi.Input<string>;
    /** KMS key of the control-plane log group (LOG-04). Required. */
    logsKeyArn: pulumi.Input<string>;
    /** Retention of the control-plane log group. Default is 365 days (LOG-04). */
    logRetentionDays?: number;
    /** Human cluster admins: AmazonEKSClusterAdminPolicy (EKS-06 break-glass principals). Default is none. */
    adminRoleArns?: string[];
    /** The pipelines' deploy roles: cluster admin (why: ADMIN_POLICY) and the deployer group. Default is none. */
    deployerRoleArns?: string[];
    /** The pull-request preview roles: AmazonEKSViewPolicy plus the preview reader ClusterRole, no Secrets. Default is none. */
    previewRoleArns?: string[];
    /** The CI runners' security group: the only source the cluster security group admits on 443 besides its members. Default: none admitted. */
    runnerSecurityGroupId?: pulumi.Input<string>;
    /** Read-only humans: AmazonEKSViewPolicy, which has no Secrets. Default is none. */
    viewerRoleArns?: string[];
    /**
     * Team developer roles → their Kubernetes group (RBAC comes from the tenancy tier's RoleBindings, no access policy).
     * A team's group defaults to `<name>-developers`, its roles to none. Default is none.
     */
    teams?: { name: string; developersGroup?: string; developerRoleArns?: string[] }[];
    /** Managed node groups (at least one), all in the private subnets behind the hardened launch template. Required. */
    nodeGroups: ClusterNodeGroup[];
    /** The ALB's security group: the node security group admits it on the ingress node ports only. Required. */
    albSecurityGroupId: pulumi.Input<string>;
    /** The edge tier's instance target group every node group's Auto Scaling group is attached to. Required. */
    targetGroupArn: pulumi.Input<string>;
    /** HTTPS node port of the ingress data plane; its health node port is the next one. Default is `30443`. */
    ingressNodePort?: number;
    /** NGINX data-plane replicas. Default is `2`. */
    ingressReplicas?: number;
    /** Pulumi `protect` + EKS deletion protection on the cluster and its log group; Retain for EBS volumes. Default is `true`. */
    protect?: boolean;
    /** Tags on every AWS resource (the `tags()` set: project, stack, tier, owner). Required. */
    tags: Tags;
}

/** Secure defaults of the optional ClusterArgs: private endpoint, protection on, nobody but the given roles admitted. */
export const CLUSTER_DEFAULTS = {
    publicEndpoint: false,
    publicAccessCidrs: [] as string[],
    serviceCidr: "172.20.0.0/16",
    logRetentionDays: 365,
    adminRoleArns: [] as string[],
    deployerRoleArns: [] as string[],
    previewRoleArns: [] as string[],
    viewerRoleArns: [] as string[],
    teams: [] as NonNullable<ClusterArgs["teams"]>,
    ingressNodePort: DEFAULT_NODE_PORT,
    ingressReplicas: 2,
    protect: true,
};

/** ClusterArgs with the defaults applied (node groups' too): what the cluster's modules read. */
export type ClusterSettings = Omit<ClusterArgs, "nodeGroups"> &
    typeof CLUSTER_DEFAULTS & { nodeGroups: ClusterNodeGroupSettings[] };

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
    /** The shared Gateway teams' HTTPRoutes attach to. */
    public readonly gateway: { name: string; namespace: string };

    constructor(name: string, clusterArgs: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, registrable(clusterArgs), opts);
        const args: ClusterSettings = {
            ...withDefaults(CLUSTER_DEFAULTS, clusterArgs),
            nodeGroups: clusterArgs.nodeGroups.map((g) => withDefaults(NODE_GROUP_DEFAULTS, g)),
        };
        const cluster = controlPlane(name, args, this);
        this.clusterName = cluster.eksCluster.name;
        this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcProviderUrl = cluster.oidcProviderUrl;

        const admins = accessEntries(name, args, this.clusterName, this);
        // The deploy job reaches the private endpoint from the runner: the rule must exist before the provider's first call.
        if (args.runnerSecurityGroupId)
            admins.push(
                runnerApiAccess(
                    name,
                    cluster.eksCluster.vpcConfig.clusterSecurityGroupId,
                    args.runnerSecurityGroupId,
                    args.tags,
                    this,
                ),
            );

        const ctx = {
            name,
            clusterName: this.clusterName,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
            tags: args.tags,
            parent: this,
        };
        const { nodeSecurityGroup, nodeGroups, registry } = nodes(name, args, cluster, networkAddons(ctx), this);
        this.nodeSecurityGroupId = nodeSecurityGroup.id;
        workloadAddons(ctx, args, nodeGroups);

        // ---- Kubernetes: only after the access entries of the admins and the deployer exist, or the first `up` gets 401s.
        this.provider = new k8s.Provider(
            `${name}-k8s`,
            { kubeconfig: cluster.kubeconfigJson, enableServerSideApply: true },
            { parent: this, dependsOn: admins },
        );
        storageClasses(name, args, { parent: this, provider: this.provider });
        if (args.previewRoleArns.length > 0) previewReader(name, { parent: this, provider: this.provider });

        const privateCidrs = args.privateSubnetCidrs ?? [args.vpcCidr];
        const ingress = new IngressController(
            `${name}-ingress`,
            {
                provider: this.provider,
                registry,
                albSubnetCidrs: args.albSubnetCidrs,
                nodeSubnetCidrs: privateCidrs,
                // kubernetes.default (Service CIDR) is DNAT'ed to the control-plane ENIs in the private subnets.
                apiServerCidrs: [args.serviceCidr, ...privateCidrs],
                vpcCidr: args.vpcCidr,
                teamHosts: args.teamHosts,
                nodePort: args.ingressNodePort,
                replicas: args.ingressReplicas,
                dependsOn: nodeGroups,
            },
            { parent: this },
        );
        this.ingressNamespace = ingress.namespace;
        this.gateway = ingress.gateway;

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
