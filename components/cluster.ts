import * as aws from "@pulumi/aws";
import * as eks from "@pulumi/eks";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { NodeGroupConfig } from "../config";
import { Tags, named } from "./tags";
import { irsaTrustPolicy, serviceTrustPolicy } from "./iam";
import { API_ACCESS_LABEL, EXEMPTIONS, SG_ROLE_TAG, SG_ROLES } from "../lib/contract";

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

/** The namespace of the ingress controller: a platform namespace (K8S-15 baseline, K8S-24 NodePort exemption). */
export const INGRESS_NAMESPACE = "ingress-nginx";
/** The Kubernetes group of the CI deployer role; the tenancy tier binds `app-deployer` to it in every team namespace. */
export const DEPLOYER_GROUP = "platform:ci-deployers";
/** Pinned chart; the controller image comes through the ECR pull-through cache with the chart's digest. */
export const INGRESS_CHART = { chart: "ingress-nginx", version: "4.14.1", repo: "https://kubernetes.github.io/ingress-nginx" };
/** Every control-plane log type (EKS-03 requires api, audit, authenticator; the other two cost little and help in incidents). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
export const STORAGE_CLASS = "gp3-encrypted";

const ACCESS_POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
/** Cluster admins and the deployer (the pack's breakGlassPrincipals, EKS-06). */
export const ADMIN_POLICY = ACCESS_POLICY("AmazonEKSClusterAdminPolicy");
/** Read-only, and unlike AmazonEKSAdminViewPolicy it does not include Secrets. */
export const VIEW_POLICY = ACCESS_POLICY("AmazonEKSViewPolicy");
/** Ticket of the documented K8S-04 exemption of the ingress controller (see the Deployment annotation). */
export const INGRESS_ROFS_EXEMPTION = "PLAT-102: ingress-nginx renders nginx.conf, Lua state and temp files into its root filesystem";

const MANAGED_POLICY = (name: string) => `arn:aws:iam::aws:policy/${name}`;
const DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";

/** The Kubernetes group a team's developer roles are mapped to when the team names none; the tenancy tier binds the same name. */
export function developersGroupOf(team: { name: string; developersGroup?: string }): string {
    return team.developersGroup ?? `${team.name}-developers`;
}

/** Graviton families (m7g, c6gn, t4g ...) need the ARM AMI; a node group cannot mix architectures. */
export function amiTypeFor(group: Pick<NodeGroupConfig, "name" | "instanceTypes">): string {
    const arm = group.instanceTypes.map((t) => /^[a-z]+\d+g[a-z]*\./.test(t));
    if (arm.some((a) => a !== arm[0])) throw new Error(`node group ${group.name} mixes ARM and x86 instance types (${group.instanceTypes.join(", ")}): split it in two`);
    return arm[0] ? "AL2023_ARM_64_STANDARD" : "AL2023_x86_64_STANDARD";
}

/**
 * pulumi-eks always creates the cluster with bootstrapClusterCreatorAdminPermissions = true, which
 * gives whoever runs the first `up` an invisible admin access entry and makes an explicit entry for
 * the same role fail with ResourceInUseException (pulumi/pulumi-eks#2373). The transform turns it off
 * on the component's child cluster so the access entries declared here are the whole truth.
 */
export const withoutCreatorAdmin: pulumi.ResourceTransform = (args) => {
    if (args.type !== "aws:eks/cluster:Cluster") return undefined;
    const accessConfig = { ...(args.props.accessConfig ?? {}), bootstrapClusterCreatorAdminPermissions: false };
    return { props: { ...args.props, accessConfig }, opts: args.opts };
};

interface Principal {
    arn: string;
    policies: Set<string>;
    groups: Set<string>;
}

/** One access entry per IAM role, whatever lists it appears in (a duplicate entry is an API error). */
export function accessPrincipals(args: Pick<ClusterArgs, "adminRoleArns" | "deployerRoleArn" | "viewerRoleArns" | "teams">): Principal[] {
    const byArn = new Map<string, Principal>();
    const add = (arn: string, policy?: string, group?: string) => {
        const p = byArn.get(arn) ?? { arn, policies: new Set<string>(), groups: new Set<string>() };
        if (policy) p.policies.add(policy);
        if (group) p.groups.add(group);
        byArn.set(arn, p);
    };
    for (const arn of args.adminRoleArns) add(arn, ADMIN_POLICY);
    if (args.deployerRoleArn) add(args.deployerRoleArn, ADMIN_POLICY, DEPLOYER_GROUP);
    for (const arn of args.viewerRoleArns) add(arn, VIEW_POLICY);
    for (const team of args.teams) for (const arn of team.developerRoleArns) add(arn, undefined, developersGroupOf(team));
    return [...byArn.values()];
}

/**
 * The application tier's cluster: a private, encrypted, fully logged EKS control plane with
 * access entries only; managed node groups in the private subnets behind a hardened launch
 * template; the core add-ons as EKS add-ons; an encrypted default StorageClass; ingress-nginx
 * behind the edge tier's ALB (target group → node group ASGs → HTTPS node port).
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
    public readonly ingressNamespace: string = INGRESS_NAMESPACE;

    constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:Cluster", name, {}, opts);
        const child = { parent: this };
        const clusterName = `${pulumi.getProject()}-${pulumi.getStack()}`.slice(0, 100);

        // LOG-04: EKS would create this group itself, unencrypted and never expiring.
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-control-plane`,
            { name: `/aws/eks/${clusterName}/cluster`, kmsKeyId: args.logsKeyArn, retentionInDays: args.logRetentionDays, tags: named(args.tags, `${clusterName}-control-plane`) },
            { ...child, protect: args.protect },
        );

        const cluster = new eks.Cluster(
            `${name}-eks`,
            {
                name: clusterName,
                version: args.version, // EKS-04
                vpcId: args.vpcId,
                privateSubnetIds: args.privateSubnetIds, // no publicSubnetIds: control plane ENIs stay private (STK-02)
                // EKS-01: the private endpoint always; a public one only when the stack config asks, and then only for its CIDRs.
                endpointPrivateAccess: true,
                endpointPublicAccess: args.publicEndpoint,
                // The component rejects any CIDR list (even empty) on a private-only endpoint.
                publicAccessCidrs: args.publicEndpoint ? args.publicAccessCidrs : undefined,
                encryptionConfigKeyArn: args.secretsKeyArn, // EKS-02
                enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES, // EKS-03
                authenticationMode: eks.AuthenticationMode.Api, // EKS-05: access entries, no aws-auth ConfigMap
                createOidcProvider: true, // IRSA for the add-ons and the apps
                kubernetesServiceIpAddressRange: args.serviceCidr,
                deletionProtection: args.protect,
                // Node groups, security groups and add-ons are declared below, where the pack and the tests see them.
                skipDefaultNodeGroup: true,
                nodeAssociatePublicIpAddress: false, // EKS-08
                skipDefaultSecurityGroups: true,
                bootstrapSelfManagedAddons: false,
                useDefaultVpcCni: true,
                corednsAddonOptions: { enabled: false },
                kubeProxyAddonOptions: { enabled: false },
                tags: named(args.tags, clusterName),
            },
            { ...child, protect: args.protect, dependsOn: [logGroup], transforms: [withoutCreatorAdmin] },
        );

        this.clusterName = cluster.eksCluster.name;
        this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
        this.oidcProviderArn = cluster.oidcProviderArn;
        this.oidcProviderUrl = cluster.oidcProviderUrl;

        const admins = this.accessEntries(name, args);
        const irsa = (role: string, namespace: string, serviceAccount: string) => this.irsaRole(`${name}-${role}`, namespace, serviceAccount, args.tags);

        // ---- core add-ons: vpc-cni and kube-proxy before the nodes (they cannot get Ready without them), the rest after.
        const addon = (addonName: string, extra: Partial<aws.eks.AddonArgs>, dependsOn: pulumi.Resource[] = []) =>
            new aws.eks.Addon(
                `${name}-${addonName}`,
                { clusterName: this.clusterName, addonName, resolveConflictsOnCreate: "OVERWRITE", resolveConflictsOnUpdate: "OVERWRITE", tags: args.tags, ...extra },
                { ...child, dependsOn },
            );
        const cniRole = irsa("vpc-cni", "kube-system", "aws-node");
        new aws.iam.RolePolicyAttachment(`${name}-vpc-cni`, { role: cniRole.name, policyArn: MANAGED_POLICY("AmazonEKS_CNI_Policy") }, child);
        const vpcCni = addon("vpc-cni", {
            serviceAccountRoleArn: cniRole.arn, // the CNI's EC2 permissions stay off the node role
            // Enforces NetworkPolicy (the namespaces' default-deny, STK-05); without it they are inert objects.
            configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
        });
        const kubeProxy = addon("kube-proxy", {});

        const { nodeSecurityGroup, nodeGroups, registry } = this.nodes(name, args, cluster, [vpcCni, kubeProxy]);
        this.nodeSecurityGroupId = nodeSecurityGroup.id;

        addon("coredns", {}, nodeGroups);
        // The app's HorizontalPodAutoscaler reads CPU from the resource metrics API.
        addon("metrics-server", {}, nodeGroups);
        const ebsRole = irsa("ebs-csi", "kube-system", "ebs-csi-controller-sa");
        new aws.iam.RolePolicyAttachment(`${name}-ebs-csi`, { role: ebsRole.name, policyArn: MANAGED_POLICY("AmazonEBSCSIDriverPolicy") }, child);
        new aws.iam.RolePolicy(
            `${name}-ebs-csi-kms`,
            {
                role: ebsRole.name,
                policy: pulumi.output(args.ebsKeyArn).apply((key) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            { Sid: "UseEbsKey", Effect: "Allow", Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"], Resource: key },
                            { Sid: "GrantForAttachedVolumes", Effect: "Allow", Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], Resource: key, Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } } },
                        ],
                    }),
                ),
            },
            child,
        );
        // No defaultStorageClass in its configuration: the add-on would re-assert its own unencrypted default on every update.
        addon("aws-ebs-csi-driver", { serviceAccountRoleArn: ebsRole.arn }, nodeGroups);

        // ---- Kubernetes: only after the access entries of the admins and the deployer exist, or the first `up` gets 401s.
        this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: cluster.kubeconfigJson, enableServerSideApply: true }, { ...child, dependsOn: admins });
        const k8sOpts = { parent: this, provider: this.provider };

        new k8s.storage.v1.StorageClass(
            `${name}-${STORAGE_CLASS}`,
            {
                metadata: { name: STORAGE_CLASS, annotations: { [DEFAULT_CLASS]: "true" } },
                provisioner: "ebs.csi.aws.com",
                // K8S-25: every dynamically provisioned volume is encrypted with the platform's EBS key.
                parameters: { type: "gp3", encrypted: "true", kmsKeyId: args.ebsKeyArn, fsType: "ext4" },
                volumeBindingMode: "WaitForFirstConsumer", // the volume is created in the AZ the pod lands in
                allowVolumeExpansion: true,
                reclaimPolicy: args.protect ? "Retain" : "Delete",
            },
            k8sOpts,
        );
        // EKS before 1.30 marks its unencrypted in-tree gp2 class as default; two defaults make the choice arbitrary.
        new k8s.storage.v1.StorageClassPatch(`${name}-gp2-not-default`, { metadata: { name: "gp2", annotations: { [DEFAULT_CLASS]: "false" } } }, k8sOpts);

        this.ingressNginx(name, args, nodeGroups, registry);

        this.registerOutputs({
            clusterName: this.clusterName,
            nodeSecurityGroupId: this.nodeSecurityGroupId,
            clusterSecurityGroupId: this.clusterSecurityGroupId,
            oidcProviderArn: this.oidcProviderArn,
            oidcProviderUrl: this.oidcProviderUrl,
            ingressNamespace: this.ingressNamespace,
        });
    }

    /** Access entries (EKS-05/06): returns the admin-side resources the Kubernetes provider must wait for. */
    private accessEntries(name: string, args: ClusterArgs): pulumi.Resource[] {
        const admins: pulumi.Resource[] = [];
        const used = new Set<string>();
        for (const p of accessPrincipals(args)) {
            const base = p.arn.split("/").pop()!.toLowerCase();
            let key = base;
            for (let i = 2; used.has(key); i++) key = `${base}-${i}`;
            used.add(key);
            const entry = new aws.eks.AccessEntry(
                `${name}-access-${key}`,
                { clusterName: this.clusterName, principalArn: p.arn, type: "STANDARD", kubernetesGroups: [...p.groups], tags: args.tags },
                { parent: this },
            );
            const associations = [...p.policies].map(
                (policyArn) =>
                    new aws.eks.AccessPolicyAssociation(
                        `${name}-access-${key}-${policyArn.split("/").pop()}`,
                        { clusterName: this.clusterName, principalArn: p.arn, policyArn, accessScope: { type: "cluster" } },
                        { parent: this, dependsOn: [entry] },
                    ),
            );
            if (p.policies.has(ADMIN_POLICY)) admins.push(entry, ...associations);
        }
        return admins;
    }

    /** An IAM role only `namespace/serviceAccount` of this cluster can assume through the OIDC provider. */
    private irsaRole(name: string, namespace: string, serviceAccount: string, tags: Tags): aws.iam.Role {
        const assumeRolePolicy = irsaTrustPolicy(this.oidcProviderArn, this.oidcProviderUrl, namespace, serviceAccount);
        return new aws.iam.Role(name, { assumeRolePolicy, description: `IRSA: ${namespace}/${serviceAccount}`, tags }, { parent: this });
    }

    private nodes(name: string, args: ClusterArgs, cluster: eks.Cluster, addons: pulumi.Resource[]) {
        const child = { parent: this };

        // Our own node SG (next to the EKS-managed cluster SG, which carries node <-> control plane traffic):
        // the one place the ALB is let in, and the SG the database admits.
        const nodeSecurityGroup = new aws.ec2.SecurityGroup(
            `${name}-nodes`,
            { vpcId: args.vpcId, description: "EKS nodes and pods: ingress node port from the ALB only", revokeRulesOnDelete: true, tags: { ...named(args.tags, `${name}-nodes`), [SG_ROLE_TAG]: SG_ROLES.eksNodes } },
            child,
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-nodes-from-alb`,
            {
                securityGroupId: nodeSecurityGroup.id,
                description: "ALB to the ingress-nginx HTTPS node port (traffic and health checks)",
                ipProtocol: "tcp",
                fromPort: args.ingressNodePort,
                toPort: args.ingressNodePort,
                referencedSecurityGroupId: args.albSecurityGroupId,
                tags: args.tags,
            },
            child,
        );
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-nodes-egress`,
            { securityGroupId: nodeSecurityGroup.id, description: "Images, AWS APIs and the database", ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", tags: args.tags },
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
        const attachments: pulumi.Resource[] = ["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryReadOnly", "AmazonSSMManagedInstanceCore"].map(
            (policy) => new aws.iam.RolePolicyAttachment(`${name}-node-${policy}`, { role: role.name, policyArn: MANAGED_POLICY(policy) }, child),
        );
        const cache = this.pullThroughCache(name, args, role);
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
                    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1, instanceMetadataTags: "disabled" },
                    // EKS-10: the root volume is gp3 and encrypted with the platform's EBS key. No keyName: no SSH (EKS-09).
                    blockDeviceMappings: [
                        { deviceName: "/dev/xvda", ebs: { volumeSize: group.diskSizeGb, volumeType: "gp3", encrypted: "true", kmsKeyId: args.ebsKeyArn, deleteOnTermination: "true" } },
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
                    clusterName: this.clusterName,
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
                { ...child, dependsOn: [...attachments, ...addons] },
            );
        });

        // ALB → nginx: the edge tier's instance target group gets every node of every group, through its ASG.
        nodeGroups.forEach(
            (group, i) =>
                new aws.autoscaling.Attachment(
                    `${name}-${args.nodeGroups[i].name}-ingress`,
                    { autoscalingGroupName: group.resources.apply((r) => r[0].autoscalingGroups[0].name), lbTargetGroupArn: args.targetGroupArn },
                    child,
                ),
        );
        return { nodeSecurityGroup, nodeGroups, registry: cache.registry };
    }

    /**
     * registry.k8s.io through an ECR pull-through cache: platform images come from the account's own
     * registry (K8S-11 approvedRegistries) and keep working when the upstream is slow or down.
     * The node role may create the cache repositories under this prefix on first pull, nothing else.
     */
    private pullThroughCache(name: string, args: ClusterArgs, nodeRole: aws.iam.Role): { policy: pulumi.Resource; registry: pulumi.Output<string> } {
        const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`.toLowerCase().replace(/[^a-z0-9-]/g, "-").slice(0, 25).replace(/-+$/, "") + "-k8s";
        const rule = new aws.ecr.PullThroughCacheRule(`${name}-registry-k8s-io`, { ecrRepositoryPrefix: prefix, upstreamRegistryUrl: "registry.k8s.io" }, { parent: this });
        const registry = pulumi.interpolate`${args.accountId}.dkr.ecr.${args.region}.amazonaws.com/${rule.ecrRepositoryPrefix}`;
        const policy = new aws.iam.RolePolicy(
            `${name}-node-pull-through`,
            {
                role: nodeRole.name,
                policy: pulumi.all([args.accountId, args.region]).apply(([account, region]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Sid: "FillPullThroughCache", Effect: "Allow", Action: ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"], Resource: `arn:aws:ecr:${region}:${account}:repository/${prefix}/*` }],
                    }),
                ),
            },
            { parent: this, dependsOn: [rule] },
        );
        return { policy, registry };
    }

    /** ingress-nginx in its own guarded platform namespace, behind the ALB on a fixed HTTPS node port. */
    private ingressNginx(name: string, args: ClusterArgs, nodeGroups: pulumi.Resource[], registry: pulumi.Output<string>): void {
        const k8sOpts = { parent: this, provider: this.provider };
        const ns = INGRESS_NAMESPACE;
        const namespace = new k8s.core.v1.Namespace(
            `${name}-ingress-ns`,
            {
                metadata: {
                    name: ns,
                    labels: {
                        // K8S-15: baseline for a platform namespace (the controller binds 443 with NET_BIND_SERVICE); restricted is reported.
                        "pod-security.kubernetes.io/enforce": "baseline",
                        "pod-security.kubernetes.io/warn": "restricted",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "platform/namespace-kind": "platform",
                    },
                },
            },
            k8sOpts,
        );
        const inNs = { ...k8sOpts, dependsOn: [namespace] };

        // STK-05 guardrails. A controller pod requests 200m/256Mi (limits 1 CPU/512Mi); room for a full rolling surge plus the admission jobs.
        const slots = 2 * args.ingressReplicas + 2;
        new k8s.core.v1.ResourceQuota(
            `${name}-ingress-quota`,
            {
                metadata: { name: "platform-quota", namespace: ns },
                spec: { hard: { "requests.cpu": `${slots * 200}m`, "requests.memory": `${slots * 256}Mi`, "limits.cpu": `${slots}`, "limits.memory": `${slots * 512}Mi`, pods: `${slots + 2}` } },
            },
            inNs,
        );
        new k8s.core.v1.LimitRange(
            `${name}-ingress-limits`,
            {
                metadata: { name: "platform-defaults", namespace: ns },
                spec: { limits: [{ type: "Container", default: { cpu: "500m", memory: "256Mi" }, defaultRequest: { cpu: "50m", memory: "64Mi" } }] },
            },
            inNs,
        );
        new k8s.networking.v1.NetworkPolicy(`${name}-ingress-default-deny`, { metadata: { name: "default-deny", namespace: ns }, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, inNs);
        const vpc = { ipBlock: { cidr: args.vpcCidr } };
        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress-allow-controller`,
            {
                metadata: { name: "allow-controller-ingress", namespace: ns },
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } },
                    policyTypes: ["Ingress"],
                    // HTTPS from the ALB via the node port, the admission webhook from the control-plane ENIs, probes from the kubelet: all inside the VPC.
                    ingress: [{ from: [vpc], ports: [443, 8443, 10254].map((port) => ({ protocol: "TCP", port })) }],
                },
            },
            inNs,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-ingress-allow-egress`,
            {
                metadata: { name: "allow-egress-in-cluster", namespace: ns },
                // The controller proxies to backends in any namespace and talks to the API server and DNS; nothing leaves the VPC.
                spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [vpc, { ipBlock: { cidr: args.serviceCidr } }] }] },
            },
            inNs,
        );

        new k8s.helm.v4.Chart(
            `${name}-ingress-nginx`,
            {
                name: "ingress-nginx",
                chart: INGRESS_CHART.chart,
                version: INGRESS_CHART.version,
                repositoryOpts: { repo: INGRESS_CHART.repo },
                namespace: ns,
                values: ingressValues(args, registry),
            },
            { ...inNs, dependsOn: [namespace, ...nodeGroups] },
        );
    }
}

const RESTRICTED_CONTAINER = {
    allowPrivilegeEscalation: false, // K8S-02
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: 65532,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The chart values: exported so tests and reviewers read the exact ingress contract. */
export function ingressValues(args: Pick<ClusterArgs, "ingressReplicas" | "ingressNodePort" | "vpcCidr">, registry: pulumi.Input<string>) {
    const selector = { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/component": "controller" } };
    const jobResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
    return {
        fullnameOverride: "ingress-nginx",
        controller: {
            image: { registry },
            replicaCount: args.ingressReplicas,
            // The chart renders the PDB only with more than one replica, so a one-replica dev stack can still drain nodes.
            minAvailable: 1,
            allowSnippetAnnotations: false, // CVE-2021-25742 / CVE-2025-1974 class: no user-supplied nginx config
            ingressClassResource: { name: "nginx", enabled: true, default: false, controllerValue: "k8s.io/ingress-nginx" },
            watchIngressWithoutClass: false,
            config: {
                // The ALB terminates TLS and sets X-Forwarded-*; trust them only from inside the VPC (the ALB and SNAT'ing nodes).
                "use-forwarded-headers": "true",
                "compute-full-forwarded-for": "true",
                "forwarded-for-header": "X-Forwarded-For",
                "proxy-real-ip-cidr": args.vpcCidr,
                "use-proxy-protocol": "false", // ALBs do not speak PROXY protocol
                // X-Forwarded-Proto from the ALB tells nginx the client used HTTPS; anything else is redirected.
                "ssl-redirect": "true",
                "force-ssl-redirect": "true",
                hsts: "true",
                "hsts-max-age": "31536000",
                "hsts-include-subdomains": "true",
                "ssl-protocols": "TLSv1.2 TLSv1.3", // the ALB → nginx hop
                "server-tokens": "false",
                "allow-snippet-annotations": "false",
                "keep-alive": "75", // longer than the ALB idle timeout, so the ALB always closes first (no 502s)
            },
            service: {
                // K8S-24 allows a NodePort only in the ingress controller's namespace: the ALB target group is its only client.
                type: "NodePort",
                enableHttp: false, // HTTP → HTTPS is the ALB's port-80 redirect; nginx only listens for the re-encrypted hop
                enableHttps: true,
                nodePorts: { https: args.ingressNodePort },
                externalTrafficPolicy: "Cluster", // every node is a healthy target; the client IP comes from X-Forwarded-For
            },
            annotations: { [EXEMPTIONS.k8sReadOnlyRootFilesystem]: INGRESS_ROFS_EXEMPTION },
            podLabels: { [API_ACCESS_LABEL]: "true" }, // K8S-13: the controller watches Ingresses, so it needs its token
            podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: false, // exempted above: nginx writes its config and temp files
                runAsNonRoot: true,
                runAsUser: 101,
                runAsGroup: 82,
                capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
            resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector },
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector },
            ],
            admissionWebhooks: {
                enabled: true, // rejects invalid Ingress objects before they break the shared nginx config
                createSecretJob: { securityContext: RESTRICTED_CONTAINER, resources: jobResources },
                patchWebhookJob: { securityContext: RESTRICTED_CONTAINER, resources: jobResources },
                patch: { image: { registry }, securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
            },
            metrics: { enabled: false },
        },
        defaultBackend: { enabled: false },
    };
}
