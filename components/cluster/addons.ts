import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { irsaTrustPolicy } from "../iam";
import type { Tags } from "../tags";
import type { ClusterArgs, ClusterSettings } from "./index";

export const MANAGED_POLICY = (name: string) => `arn:aws:iam::aws:policy/${name}`;
export const STORAGE_CLASS = "gp3-encrypted";
const DEFAULT_CLASS = "storageclass.kubernetes.io/is-default-class";

/** What an add-on needs from the control plane: the cluster to install into and its OIDC provider for IRSA. */
export interface AddonContext {
    /** The cluster component's name: every add-on resource is named `${name}-<add-on>`. Required. */
    name: string;
    /** The EKS cluster the add-ons install into. Required. */
    clusterName: pulumi.Output<string>;
    /** The cluster's OIDC provider: the add-ons' IRSA roles trust it. Required. */
    oidcProviderArn: pulumi.Output<string>;
    /** The provider's issuer URL, which the IRSA trust conditions name. Required. */
    oidcProviderUrl: pulumi.Output<string>;
    /** Tags on every AWS resource. Required. */
    tags: Tags;
    /** The cluster component: the parent of every add-on resource. Required. */
    parent: pulumi.Resource;
}

/** An IAM role only `namespace/serviceAccount` of this cluster can assume through the OIDC provider. */
function irsaRole(ctx: AddonContext, role: string, namespace: string, serviceAccount: string): aws.iam.Role {
    const assumeRolePolicy = irsaTrustPolicy(ctx.oidcProviderArn, ctx.oidcProviderUrl, namespace, serviceAccount);
    return new aws.iam.Role(
        `${ctx.name}-${role}`,
        { assumeRolePolicy, description: `IRSA: ${namespace}/${serviceAccount}`, tags: ctx.tags },
        { parent: ctx.parent },
    );
}

function addon(
    ctx: AddonContext,
    addonName: string,
    extra: Partial<aws.eks.AddonArgs>,
    dependsOn: pulumi.Resource[] = [],
): aws.eks.Addon {
    return new aws.eks.Addon(
        `${ctx.name}-${addonName}`,
        {
            clusterName: ctx.clusterName,
            addonName,
            resolveConflictsOnCreate: "OVERWRITE",
            resolveConflictsOnUpdate: "OVERWRITE",
            tags: ctx.tags,
            ...extra,
        },
        { parent: ctx.parent, dependsOn },
    );
}

/** vpc-cni and kube-proxy: the nodes cannot get Ready without them, so they come first. */
export function networkAddons(ctx: AddonContext): pulumi.Resource[] {
    const cniRole = irsaRole(ctx, "vpc-cni", "kube-system", "aws-node");
    new aws.iam.RolePolicyAttachment(
        `${ctx.name}-vpc-cni`,
        { role: cniRole.name, policyArn: MANAGED_POLICY("AmazonEKS_CNI_Policy") },
        { parent: ctx.parent },
    );
    const vpcCni = addon(ctx, "vpc-cni", {
        serviceAccountRoleArn: cniRole.arn, // the CNI's EC2 permissions stay off the node role
        // Enforces NetworkPolicy (the namespaces' default-deny, STK-05); without it they are inert objects.
        configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }),
    });
    const kubeProxy = addon(ctx, "kube-proxy", {});
    return [vpcCni, kubeProxy];
}

/** CoreDNS, metrics-server and the EBS CSI driver: they run as pods, so they wait for the node groups. */
export function workloadAddons(
    ctx: AddonContext,
    args: Pick<ClusterArgs, "ebsKeyArn">,
    nodeGroups: pulumi.Resource[],
): void {
    const child = { parent: ctx.parent };
    addon(ctx, "coredns", {}, nodeGroups);
    // The app's HorizontalPodAutoscaler reads CPU from the resource metrics API.
    addon(ctx, "metrics-server", {}, nodeGroups);
    const ebsRole = irsaRole(ctx, "ebs-csi", "kube-system", "ebs-csi-controller-sa");
    new aws.iam.RolePolicyAttachment(
        `${ctx.name}-ebs-csi`,
        { role: ebsRole.name, policyArn: MANAGED_POLICY("AmazonEBSCSIDriverPolicy") },
        child,
    );
    new aws.iam.RolePolicy(
        `${ctx.name}-ebs-csi-kms`,
        {
            role: ebsRole.name,
            policy: pulumi.output(args.ebsKeyArn).apply((key) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "UseEbsKey",
                            Effect: "Allow",
                            Action: [
                                "kms:Encrypt",
                                "kms:Decrypt",
                                "kms:ReEncrypt*",
                                "kms:GenerateDataKey*",
                                "kms:DescribeKey",
                            ],
                            Resource: key,
                        },
                        {
                            Sid: "GrantForAttachedVolumes",
                            Effect: "Allow",
                            Action: ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
                            Resource: key,
                            Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
                        },
                    ],
                }),
            ),
        },
        child,
    );
    // No defaultStorageClass in its configuration: the add-on would re-assert its own unencrypted default on every update.
    addon(ctx, "aws-ebs-csi-driver", { serviceAccountRoleArn: ebsRole.arn }, nodeGroups);
}

/** An encrypted gp3 default StorageClass (K8S-25), and the in-tree gp2 class no longer default. */
export function storageClasses(
    name: string,
    args: Pick<ClusterSettings, "ebsKeyArn" | "protect">,
    k8sOpts: pulumi.CustomResourceOptions,
): void {
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
    new k8s.storage.v1.StorageClassPatch(
        `${name}-gp2-not-default`,
        { metadata: { name: "gp2", annotations: { [DEFAULT_CLASS]: "false" } } },
        k8sOpts,
    );
}
