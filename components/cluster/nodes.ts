import * as aws from "@pulumi/aws";
import type * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { serviceTrustPolicy } from "../iam";
import { named } from "../tags";
import { SG_ROLE_TAG, SG_ROLES } from "../../lib/contract";
import { healthNodePortOf } from "../ingress";
import { customTimeouts } from "../timeouts";
import { MANAGED_POLICY } from "./addons";
import type { ClusterSettings } from "./index";

/** One managed node group. */
export interface ClusterNodeGroup {
    /** Names the group, its launch template and its `platform/node-group` label. Required. */
    name: string;
    /** EC2 instance types, one architecture (amiTypeFor). Required. */
    instanceTypes: string[];
    /** Required. */
    minSize: number;
    /** Required. */
    desiredSize: number;
    /** Required. */
    maxSize: number;
    /** Root volume size (gp3, encrypted with the EBS key). Default is 50 GiB. */
    diskSizeGb?: number;
    /** `ON_DEMAND` or `SPOT`. Default is `ON_DEMAND`. */
    capacityType?: "ON_DEMAND" | "SPOT";
    /** Extra Kubernetes labels on the nodes. Default is none. */
    labels?: Record<string, string>;
}

/** The defaults of a node group's optional fields. */
export const NODE_GROUP_DEFAULTS = {
    diskSizeGb: 50,
    capacityType: "ON_DEMAND" as "ON_DEMAND" | "SPOT",
    labels: {} as Record<string, string>,
};

/** A node group with its defaults applied. */
export type ClusterNodeGroupSettings = ClusterNodeGroup & typeof NODE_GROUP_DEFAULTS;

/** Graviton families (m7g, c6gn, t4g ...) need the ARM AMI; a node group cannot mix architectures. */
export function amiTypeFor(group: Pick<ClusterNodeGroup, "name" | "instanceTypes">): string {
    const arm = group.instanceTypes.map((t) => /^[a-z]+\d+g[a-z]*\./.test(t));
    if (arm.some((a) => a !== arm[0]))
        throw new Error(
            `node group ${group.name} mixes ARM and x86 instance types (${group.instanceTypes.join(", ")}): split it in two`,
        );
    return arm[0] ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/** Node SG, node role, the pull-through cache and the managed node groups, registered with the ALB target group. */
export function nodes(
    name: string,
    args: ClusterSettings,
    cluster: eks.Cluster,
    addons: pulumi.Resource[],
    parent: pulumi.Resource,
) {
    const child = { parent };

    // Our own node SG (next to the EKS-managed cluster SG, which carries node <-> control plane traffic):
    // the one place the ALB is let in, and the SG the database admits.
    const nodeSecurityGroup = new aws.ec2.SecurityGroup(
        `${name}-nodes`,
        {
            vpcId: args.vpcId,
            description: "EKS nodes and pods: ingress node port from the ALB only",
            revokeRulesOnDelete: true,
            tags: { ...named(args.tags, `${name}-nodes`), [SG_ROLE_TAG]: SG_ROLES.eksNodes },
        },
        child,
    );
    new aws.vpc.SecurityGroupIngressRule(
        `${name}-nodes-from-alb`,
        {
            securityGroupId: nodeSecurityGroup.id,
            description: "ALB to the ingress controller's HTTPS node port and its health node port right after it",
            ipProtocol: "tcp",
            fromPort: args.ingressNodePort,
            toPort: healthNodePortOf(args.ingressNodePort),
            referencedSecurityGroupId: args.albSecurityGroupId,
            tags: args.tags,
        },
        child,
    );
    new aws.vpc.SecurityGroupEgressRule(
        `${name}-nodes-egress`,
        {
            securityGroupId: nodeSecurityGroup.id,
            description: "Images, AWS APIs and the database",
            ipProtocol: "-1",
            cidrIpv4: "0.0.0.0/0",
            tags: args.tags,
        },
        child,
    );

    const role = new aws.iam.Role(
        `${name}-node`,
        {
            description: `EKS nodes of ${name}`,
            assumeRolePolicy: serviceTrustPolicy("ec2.amazonaws.com"),
            tags: args.tags,
        },
        child,
    );
    // SSM Session Manager instead of SSH keys (EKS-09); the CNI policy lives on the vpc-cni IRSA role instead.
    const attachments: pulumi.Resource[] = [
        "AmazonEKSWorkerNodePolicy",
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonSSMManagedInstanceCore",
    ].map(
        (policy) =>
            new aws.iam.RolePolicyAttachment(
                `${name}-node-${policy}`,
                { role: role.name, policyArn: MANAGED_POLICY(policy) },
                child,
            ),
    );
    const cache = pullThroughCache(name, args, role, parent);
    attachments.push(cache.policy);

    const nodeGroups = args.nodeGroups.map((group) => {
        const groupTags = { ...named(args.tags, `${name}-${group.name}`), "node-group": group.name };
        const launchTemplate = new aws.ec2.LaunchTemplate(
            `${name}-${group.name}`,
            {
                description: `EKS managed node group ${group.name}`,
                updateDefaultVersion: true,
                // NET-08: IMDSv2 only; hop limit 1 keeps pods (one hop further) away from the node role's credentials.
                // aws-node and kube-proxy use the host network, the EBS CSI driver falls back to the Kubernetes API.
                metadataOptions: {
                    httpEndpoint: "enabled",
                    httpTokens: "required",
                    httpPutResponseHopLimit: 1,
                    instanceMetadataTags: "disabled",
                },
                // EKS-10: the root volume is gp3 and encrypted with the platform's EBS key. No keyName: no SSH (EKS-09).
                blockDeviceMappings: [
                    {
                        deviceName: "/dev/xvda",
                        ebs: {
                            volumeSize: group.diskSizeGb,
                            volumeType: "gp3",
                            encrypted: "true",
                            kmsKeyId: args.ebsKeyArn,
                            deleteOnTermination: "true",
                        },
                    },
                ],
                // With SGs in the launch template EKS no longer adds the cluster SG itself: both are listed.
                // No networkInterfaces block, so no public IP can be associated (NET-07).
                vpcSecurityGroupIds: [cluster.clusterSecurityGroupId, nodeSecurityGroup.id],
                tagSpecifications: [
                    { resourceType: "instance", tags: groupTags },
                    { resourceType: "volume", tags: groupTags },
                ],
                tags: groupTags,
            },
            child,
        );
        return new aws.eks.NodeGroup(
            `${name}-${group.name}`,
            {
                clusterName: cluster.eksCluster.name,
                version: args.version,
                nodeRoleArn: role.arn,
                subnetIds: args.privateSubnetIds, // STK-02
                amiType: amiTypeFor(group),
                instanceTypes: group.instanceTypes,
                capacityType: group.capacityType,
                scalingConfig: { minSize: group.minSize, desiredSize: group.desiredSize, maxSize: group.maxSize },
                updateConfig: { maxUnavailablePercentage: 33 },
                nodeRepairConfig: { enabled: true },
                launchTemplate: { id: launchTemplate.id, version: pulumi.interpolate`${launchTemplate.latestVersion}` },
                labels: { ...group.labels, "platform/node-group": group.name },
                tags: groupTags,
            },
            { ...child, dependsOn: [...attachments, ...addons], customTimeouts: customTimeouts("nodeGroup") },
        );
    });

    // ALB → NGINX: the edge tier's instance target group gets every node of every group, through its ASG.
    nodeGroups.forEach(
        (group, i) =>
            new aws.autoscaling.Attachment(
                `${name}-${args.nodeGroups[i].name}-ingress`,
                {
                    autoscalingGroupName: group.resources.apply((r) => r[0].autoscalingGroups[0].name),
                    lbTargetGroupArn: args.targetGroupArn,
                },
                child,
            ),
    );
    return { nodeSecurityGroup, nodeGroups, registry: cache.registry };
}

/**
 * registry.k8s.io and ghcr.io through ECR pull-through caches: platform images come from the account's own
 * registry (K8S-11 approvedRegistries) and keep working when the upstream is slow or down. The ingress
 * controller's images (NGINX Gateway Fabric) live on ghcr.io, which ECR reaches only with credentials
 * (ECR user guide, "Creating a pull through cache rule"): the secret is declared here, named with the
 * required `ecr-pullthroughcache/` prefix, and an operator stores a GitHub token with `read:packages` in it
 * once (docs/ingress.md). The node role may create cache repositories under these prefixes on first pull, nothing else.
 */
function pullThroughCache(
    name: string,
    args: ClusterSettings,
    nodeRole: aws.iam.Role,
    parent: pulumi.Resource,
): { policy: pulumi.Resource; registry: pulumi.Output<string> } {
    const base = `${pulumi.getProject()}-${pulumi.getStack()}`
        .toLowerCase()
        .replace(/[^a-z0-9-]/g, "-")
        .slice(0, 25)
        .replace(/-+$/, "");
    const prefix = `${base}-k8s`;
    const ghcrPrefix = `${base}-ghcr`; // ECR allows at most 30 characters
    const rule = new aws.ecr.PullThroughCacheRule(
        `${name}-registry-k8s-io`,
        { ecrRepositoryPrefix: prefix, upstreamRegistryUrl: "registry.k8s.io" },
        { parent },
    );
    const credentials = new aws.secretsmanager.Secret(
        `${name}-ghcr-credentials`,
        {
            name: `ecr-pullthroughcache/${ghcrPrefix}`,
            description:
                "GitHub user name and token (read:packages) the ECR pull-through cache uses for ghcr.io; set once by an operator",
            tags: args.tags,
        },
        { parent },
    );
    const ghcr = new aws.ecr.PullThroughCacheRule(
        `${name}-ghcr-io`,
        { ecrRepositoryPrefix: ghcrPrefix, upstreamRegistryUrl: "ghcr.io", credentialArn: credentials.arn },
        { parent },
    );
    const registry = pulumi.interpolate`${args.accountId}.dkr.ecr.${args.region}.amazonaws.com/${ghcr.ecrRepositoryPrefix}`;
    const policy = new aws.iam.RolePolicy(
        `${name}-node-pull-through`,
        {
            role: nodeRole.name,
            policy: pulumi.all([args.accountId, args.region]).apply(([account, region]) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "FillPullThroughCache",
                            Effect: "Allow",
                            Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                            Resource: [prefix, ghcrPrefix].map(
                                (p) => `arn:aws:ecr:${region}:${account}:repository/${p}/*`,
                            ),
                        },
                    ],
                }),
            ),
        },
        { parent, dependsOn: [rule, ghcr] },
    );
    return { policy, registry };
}
