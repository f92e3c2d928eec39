import * as aws from "@pulumi/aws";
import { TYPES } from "../../lib/contract";
import * as eks from "@pulumi/eks";
import * as pulumi from "@pulumi/pulumi";
import { named } from "../tags";
import { customTimeouts } from "../timeouts";
import type { ClusterSettings } from "./index";

/** Every control-plane log type (EKS-03 requires api, audit, authenticator; the other two cost little and help in incidents). */
export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"];

/**
 * pulumi-eks always creates the cluster with bootstrapClusterCreatorAdminPermissions = true, which
 * gives whoever runs the first `up` an invisible admin access entry and makes an explicit entry for
 * the same role fail with ResourceInUseException (pulumi/pulumi-eks#2373). The transform turns it off
 * on the component's child cluster so the access entries declared here are the whole truth.
 */
export const withoutCreatorAdmin: pulumi.ResourceTransform = (args) => {
    if (args.type !== TYPES.awsEksCluster) return undefined;
    const accessConfig = { ...(args.props.accessConfig ?? {}), bootstrapClusterCreatorAdminPermissions: false };
    // The control plane's timeouts, inside the deploy job's (components/timeouts.ts).
    return {
        props: { ...args.props, accessConfig },
        opts: { ...args.opts, customTimeouts: customTimeouts("cluster") },
    };
};

/** The private, encrypted, fully logged EKS control plane and its pre-created log group. */
export function controlPlane(name: string, args: ClusterSettings, parent: pulumi.Resource): eks.Cluster {
    const child = { parent };
    const clusterName = `${pulumi.getProject()}-${pulumi.getStack()}`.slice(0, 100);

    // LOG-04: EKS would create this group itself, unencrypted and never expiring.
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-control-plane`,
        {
            name: `/aws/eks/${clusterName}/cluster`,
            kmsKeyId: args.logsKeyArn,
            retentionInDays: args.logRetentionDays,
            tags: named(args.tags, `${clusterName}-control-plane`),
        },
        { ...child, protect: args.protect },
    );

    return new eks.Cluster(
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
            // Node groups, security groups and add-ons are declared by the sibling modules, where the pack and the tests see them.
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
}
