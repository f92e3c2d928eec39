import { PolicyResource } from "@pulumi/policy";
import { each, Policy, Props, resourcePolicy, stackPolicy } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { exemption } from "./lib/exemptions";
import { isKmsReference } from "./lib/kms";
import { get, need, SKIP } from "./lib/read";
import { Reporter } from "./lib/reporter";
import { isUnknown } from "./lib/unknowns";
import { absent, asArray, isTrue } from "./lib/values";
import { eksMajorMinor, MIN_EKS_VERSION, TYPES } from "../lib/contract";
import { resolveAll } from "./lib/graph";
import { parseAuthMappings } from "./lib/k8s";
import { conditionalExemption } from "./lib/exemptions";
import { quote } from "./lib/values";
import { subnetIsolation } from "./lib/subnets";

/**
 * Catalogue section 3 (EKS control plane and node groups) and STK-02. Each row checks both the
 * `@pulumi/eks` component inputs (an early, readable message; the only thing visible under mocks) and
 * the `aws:*` resources the component creates in a real preview (the backstop).
 */

const CLUSTERS = [TYPES.awsEksCluster, TYPES.eksCluster];

const WORLD = ["0.0.0.0/0", "::/0"];

/** Where the control-plane settings live: under `vpcConfig` on the AWS resource, top-level on the component. */
const endpointPath = (type: string, field: string) => (type === TYPES.awsEksCluster ? `vpcConfig.${field}` : field);

// ---------------------------------------------------------------------------------------------
// EKS-01 … EKS-05: control plane.
// ---------------------------------------------------------------------------------------------

const endpointPrivate = resourcePolicy({
    name: "eks-endpoint-private",
    controls: ["EKS-01"],
    description:
        "EKS-01: the EKS API endpoint is private only (EKS.1; CIS-EKS 5.4.2). Exemptable for bootstrap stacks only when publicAccessCidrs is set and excludes 0.0.0.0/0.",
    enforcementLevel: "mandatory",
    types: CLUSTERS,
    validate: (a, report) => {
        const u = a.reads;
        const pubPath = endpointPath(a.type, "endpointPublicAccess");
        const privPath = endpointPath(a.type, "endpointPrivateAccess");
        const cidrPath = endpointPath(a.type, "publicAccessCidrs");
        const pub = get(a.props, pubPath);
        const priv = get(a.props, privPath);
        if (!u.is(priv, privPath) && priv !== true) {
            report(
                `${privPath} is ${priv === undefined ? "unset (off by default)" : quote(priv)}: set it to true so nodes and operators reach the API inside the VPC.`,
            );
        }
        if (!u.is(pub, pubPath) && pub !== false) {
            const sources = [a.props, { tags: a.props.clusterTags }];
            const exempted = sources.some((s) => exemption(s, "eks-endpoint-private") !== undefined);
            const cidrs = get(a.props, cidrPath);
            if (exempted && u.is(cidrs, cidrPath)) return;
            const list = asArray(cidrs).map(String);
            const refusal =
                list.length === 0
                    ? `${cidrPath} is unset, which means 0.0.0.0/0`
                    : list.some((c) => WORLD.includes(c))
                      ? `${cidrPath} contains 0.0.0.0/0`
                      : undefined;
            const r = conditionalExemption(report, "eks-endpoint-private", sources, refusal);
            r(
                `${pubPath} is ${pub === undefined ? "unset (public by default)" : quote(pub)}: set it to false and reach the API through the private endpoint.`,
            );
        }
    },
});

const secretsEncrypted = resourcePolicy({
    name: "eks-secrets-encrypted-with-cmk",
    description:
        "EKS-02: Kubernetes Secrets are envelope-encrypted with a customer-managed KMS key (EKS.3; CIS-EKS 5.3.1).",
    controls: ["EKS-02"],
    enforcementLevel: "mandatory",
    types: CLUSTERS,
    configSchema: schemaOf(["externalKmsKeyArns"]),
    validate: (a, report) => {
        const u = a.reads;
        const external: string[] = a.config.externalKmsKeyArns ?? [];
        if (a.type === TYPES.eksCluster) {
            const key = a.props.encryptionConfigKeyArn;
            if (u.is(key, "encryptionConfigKeyArn")) return;
            if (absent(key))
                report("set encryptionConfigKeyArn to the ARN of the platform's customer-managed KMS key for Secrets.");
            else if (!isKmsReference(key, external))
                report(
                    `encryptionConfigKeyArn ${quote(key)} is not a customer-managed KMS key: use a key declared in this stack or listed in externalKmsKeyArns.`,
                );
            return;
        }
        const config = a.props.encryptionConfig;
        if (u.is(config, "encryptionConfig")) return;
        if (absent(config)) {
            report(
                'set encryptionConfig with resources ["secrets"] and provider.keyArn of a customer-managed KMS key.',
            );
            return;
        }
        const resources = get(config, "resources");
        if (!u.is(resources, "encryptionConfig.resources") && !asArray(resources).includes("secrets"))
            report('add "secrets" to encryptionConfig.resources.');
        const key = get(config, "provider.keyArn");
        if (!u.is(key, "encryptionConfig.provider.keyArn") && !isKmsReference(key, external)) {
            report(
                `encryptionConfig.provider.keyArn ${absent(key) ? "is unset" : quote(key) + " is not a customer-managed KMS key"}: use a key declared in this stack or listed in externalKmsKeyArns.`,
            );
        }
    },
});

const REQUIRED_LOGS = ["api", "audit", "authenticator"];
const RECOMMENDED_LOGS = ["controllerManager", "scheduler"];

const controlPlaneLogging = resourcePolicy({
    name: "eks-control-plane-logging",
    description:
        "EKS-03: the control plane ships api, audit and authenticator logs (controllerManager and scheduler recommended) (EKS.8; CIS-EKS 2.1.1).",
    controls: ["EKS-03"],
    enforcementLevel: "mandatory",
    types: CLUSTERS,
    validate: (a, report) => {
        const u = a.reads;
        const types = a.props.enabledClusterLogTypes;
        if (u.is(types, "enabledClusterLogTypes")) return;
        const list = asArray(types);
        if (list.some((t) => u.is(t, "enabledClusterLogTypes"))) return;
        const missing = REQUIRED_LOGS.filter((t) => !list.includes(t));
        if (missing.length > 0)
            report(`add ${missing.join(", ")} to enabledClusterLogTypes so API calls and authentications are audited.`);
        const recommended = RECOMMENDED_LOGS.filter((t) => !list.includes(t));
        if (recommended.length > 0)
            report.advisory(`consider adding ${recommended.join(", ")} to enabledClusterLogTypes.`);
    },
});

const majorMinor = eksMajorMinor;

const supportedVersion = resourcePolicy({
    name: "eks-supported-version",
    description: "EKS-04: the cluster pins a Kubernetes version no older than minEksVersion (EKS.2).",
    controls: ["EKS-04"],
    enforcementLevel: "mandatory",
    types: CLUSTERS,
    configSchema: schemaOf(["minEksVersion"]),
    validate: (a, report) => {
        const u = a.reads;
        const version = a.props.version;
        if (u.is(version, "version")) return;
        const min = String(a.config.minEksVersion);
        const [minMajor, minMinor] = majorMinor(min) ?? majorMinor(MIN_EKS_VERSION)!;
        if (absent(version)) {
            report(`pin version (at least ${min}) so upgrades are deliberate.`);
            return;
        }
        const v = majorMinor(version);
        if (!v) report(`version ${quote(version)} is not major.minor: pin it like "${min}".`);
        else if (v[0] < minMajor || (v[0] === minMajor && v[1] < minMinor))
            report(`version ${quote(version)} is older than ${min}: upgrade the cluster to ${min} or later.`);
    },
});

const accessEntriesAuth = resourcePolicy({
    name: "eks-access-entries-auth",
    description:
        "EKS-05: the cluster authenticates with EKS access entries (authenticationMode API), not the aws-auth ConfigMap (CIS-EKS 4.1.x least privilege).",
    controls: ["EKS-05"],
    enforcementLevel: "advisory",
    types: CLUSTERS,
    validate: (a, report) => {
        const u = a.reads;
        const path = a.type === TYPES.awsEksCluster ? "accessConfig.authenticationMode" : "authenticationMode";
        const mode = get(a.props, path);
        if (u.is(mode, path)) return;
        if (absent(mode) || mode === "CONFIG_MAP")
            report(
                `${path} is ${absent(mode) ? "unset (CONFIG_MAP)" : "CONFIG_MAP"}: set it to "API" and grant access with access entries.`,
            );
        else if (mode === "API_AND_CONFIG_MAP")
            report.advisory(`${path} is API_AND_CONFIG_MAP: finish the migration and set it to "API".`);
    },
});

// ---------------------------------------------------------------------------------------------
// EKS-06, EKS-07: who is cluster admin.
// ---------------------------------------------------------------------------------------------

interface Association {
    where: string;
    principal: unknown;
    policyArn: unknown;
    scopeType: unknown;
    namespaces: unknown;
}

function associationsOf(type: string, props: Props): Association[] {
    if (type === TYPES.awsEksAccessPolicyAssociation) {
        return [
            {
                where: "",
                principal: props.principalArn,
                policyArn: props.policyArn,
                scopeType: get(props, "accessScope.type"),
                namespaces: get(props, "accessScope.namespaces"),
            },
        ];
    }
    const entries = props.accessEntries;
    if (isUnknown(entries))
        return [
            { where: "accessEntries", principal: entries, policyArn: entries, scopeType: entries, namespaces: entries },
        ];
    const out: Association[] = [];
    for (const [entryKey, entry] of Object.entries((entries ?? {}) as Record<string, any>)) {
        const policies = entry?.accessPolicies;
        const list = isUnknown(policies) ? { "?": { policyArn: policies } } : ((policies ?? {}) as Record<string, any>);
        for (const [policyKey, ap] of Object.entries(list)) {
            out.push({
                where: `accessEntries.${entryKey}.accessPolicies.${policyKey}: `,
                principal: entry?.principalArn,
                policyArn: ap?.policyArn,
                scopeType: get(ap, "accessScope.type"),
                namespaces: get(ap, "accessScope.namespaces"),
            });
        }
    }
    return out;
}

/**
 * Access policies that write, or read Secrets, in every namespace when cluster-scoped: AmazonEKSAdminPolicy and
 * AmazonEKSEditPolicy (the `admin` / `edit` roles: Secrets and workloads, kube-system included) and
 * AmazonEKSAdminViewPolicy (view plus every Secret). EKS user guide, "Review access policy permissions".
 */
export const CLUSTER_SCOPE_SENSITIVE_POLICIES = [
    "AmazonEKSAdminPolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSAdminViewPolicy",
];

const noClusterAdminPolicy = resourcePolicy({
    name: "eks-no-cluster-admin-access-policy",
    controls: ["EKS-06"],
    description:
        "EKS-06: only break-glass principals get AmazonEKSClusterAdminPolicy, a cluster-scoped AmazonEKSAdminPolicy / AmazonEKSEditPolicy / AmazonEKSAdminViewPolicy, or the cluster creator's implicit admin (bootstrapClusterCreatorAdminPermissions); clusters authenticate with access entries only (authenticationMode API, no aws-auth ConfigMap); other access is namespace-scoped (CIS-K8s 5.1.1; CIS-EKS 4.1.1).",
    enforcementLevel: "mandatory",
    types: [TYPES.awsEksAccessPolicyAssociation, TYPES.eksCluster, TYPES.awsEksCluster],
    configSchema: schemaOf(["breakGlassPrincipals"]),
    validate: (a, report) => {
        const u = a.reads;
        const breakGlass: string[] = a.config.breakGlassPrincipals ?? [];
        if (a.type !== TYPES.awsEksAccessPolicyAssociation) {
            // With the aws-auth ConfigMap (CONFIG_MAP, the EKS default, or API_AND_CONFIG_MAP) anyone who can edit
            // that in-cluster object grants cluster admin outside every access entry this row judges (EKS-05 says
            // how to migrate; this row refuses the hole).
            const path = a.type === TYPES.awsEksCluster ? "accessConfig.authenticationMode" : "authenticationMode";
            const mode = u.read(a.props, path);
            if (mode !== SKIP && mode !== "API")
                report(
                    `${path} is ${absent(mode) ? "unset (CONFIG_MAP)" : quote(mode)}: the aws-auth ConfigMap can grant cluster admin outside the declared access entries; set it to "API".`,
                );
        }
        if (a.type === TYPES.awsEksCluster) {
            // AWS default true (EKS API CreateCluster, accessConfig.bootstrapClusterCreatorAdminPermissions): whoever
            // creates the cluster becomes cluster admin through an access entry no code declares.
            const bootstrap = u.read(a.props, "accessConfig.bootstrapClusterCreatorAdminPermissions");
            if (bootstrap !== SKIP && bootstrap !== false)
                report(
                    `accessConfig.bootstrapClusterCreatorAdminPermissions is ${bootstrap === undefined ? "unset (true by default)" : quote(bootstrap)}: set it to false and grant admins explicit access entries.`,
                );
            return;
        }
        for (const x of associationsOf(a.type, a.props)) {
            if (u.is(x.policyArn, `${x.where}policyArn`) || u.is(x.scopeType, `${x.where}accessScope.type`)) continue;
            const arn = String(x.policyArn ?? "");
            const name = arn.split("/").pop() ?? "";
            const clusterAdmin =
                name === "AmazonEKSClusterAdminPolicy" ||
                (CLUSTER_SCOPE_SENSITIVE_POLICIES.includes(name) && x.scopeType === "cluster");
            if (clusterAdmin) {
                if (u.is(x.principal, `${x.where}principalArn`)) continue;
                if (!breakGlass.includes(String(x.principal))) {
                    report(
                        `${x.where}${quote(x.principal)} gets ${name === "AmazonEKSAdminViewPolicy" ? "every Secret of every namespace" : "cluster-wide admin"} (${name}): scope it to namespaces with accessScope.type "namespace", or list the principal in breakGlassPrincipals.`,
                    );
                }
            } else if (
                x.scopeType === "namespace" &&
                !u.is(x.namespaces, `${x.where}accessScope.namespaces`) &&
                asArray(x.namespaces).length === 0
            ) {
                report(
                    `${x.where}accessScope.type is "namespace" but lists no namespaces: name the namespaces the principal may use.`,
                );
            }
        }
    },
});

const SYSTEM_MASTERS = "system:masters";

const noSystemMasters = resourcePolicy({
    name: "eks-no-system-masters-mapping",
    description:
        "EKS-07: no IAM role or user is mapped to system:masters except break-glass principals (CIS-K8s 5.1.7; CIS-EKS 4.1.7).",
    controls: ["EKS-07"],
    enforcementLevel: "mandatory",
    types: [TYPES.eksCluster, TYPES.k8sConfigMap, TYPES.k8sConfigMapPatch],
    configSchema: schemaOf(["breakGlassPrincipals"]),
    validate: (a, report) => {
        const u = a.reads;
        const breakGlass: string[] = a.config.breakGlassPrincipals ?? [];
        const flag = (where: string, arn: unknown) => {
            if (!breakGlass.includes(String(arn)))
                report(
                    `${where} maps ${quote(arn)} to system:masters: grant it a narrower group or an access entry, or list it in breakGlassPrincipals.`,
                );
        };
        if (a.type === TYPES.eksCluster) {
            for (const [input, arnKey] of [
                ["roleMappings", "roleArn"],
                ["userMappings", "userArn"],
            ] as const) {
                const list = a.props[input];
                if (u.is(list, input)) continue;
                asArray(list).forEach((m: any, i: number) => {
                    const where = `${input}[${i}]`;
                    if (u.is(m, where) || u.is(m?.groups, `${where}.groups`)) return;
                    if (!asArray(m?.groups).includes(SYSTEM_MASTERS)) return;
                    if (!u.is(m?.[arnKey], `${where}.${arnKey}`)) flag(where, m[arnKey]);
                });
            }
            return;
        }
        const name = get(a.props, "metadata.name");
        const ns = get(a.props, "metadata.namespace");
        if (
            u.is(name, "metadata.name") ||
            u.is(ns, "metadata.namespace") ||
            name !== "aws-auth" ||
            ns !== "kube-system"
        )
            return;
        for (const key of ["mapRoles", "mapUsers"]) {
            const text = get(a.props, `data.${key}`);
            if (u.is(text, `data.${key}`) || typeof text !== "string") continue;
            for (const m of parseAuthMappings(text)) if (m.groups.includes(SYSTEM_MASTERS)) flag(`data.${key}`, m.arn);
        }
    },
});

// ---------------------------------------------------------------------------------------------
// EKS-08 … EKS-10: nodes.
// ---------------------------------------------------------------------------------------------

/** The component creates no default node group, so its node-level inputs configure nothing. */
const noDefaultNodeGroup = (type: string, props: Props) =>
    type === TYPES.eksCluster && props.skipDefaultNodeGroup === true;

const nodesNoPublicIp = resourcePolicy({
    name: "eks-nodes-no-public-ip",
    description: "EKS-08: self-managed EKS nodes get no public IP address (EC2.9; CIS-EKS 5.4.3).",
    controls: ["EKS-08"],
    enforcementLevel: "mandatory",
    types: [TYPES.eksCluster, TYPES.eksNodeGroupV2, TYPES.eksNodeGroup],
    validate: (a, report) => {
        if (noDefaultNodeGroup(a.type, a.props)) return;
        const u = a.reads;
        const v = a.props.nodeAssociatePublicIpAddress;
        if (!u.is(v, "nodeAssociatePublicIpAddress") && v !== false) {
            report(
                `nodeAssociatePublicIpAddress is ${v === undefined ? "unset" : quote(v)}: set it to false (nodes live in private subnets)${a.type === TYPES.eksCluster ? ", or set skipDefaultNodeGroup and use managed node groups" : ""}.`,
            );
        }
    },
});

const nodegroupNoSsh = resourcePolicy({
    name: "eks-nodegroup-no-ssh",
    description:
        "EKS-09: node groups have no SSH key or remote access; use SSM Session Manager (NSA minimise node access).",
    controls: ["EKS-09"],
    enforcementLevel: "mandatory",
    types: [
        TYPES.awsEksNodeGroup,
        TYPES.eksManagedNodeGroup,
        TYPES.eksCluster,
        TYPES.eksNodeGroupV2,
        TYPES.eksNodeGroup,
    ],
    validate: (a, report) => {
        const u = a.reads;
        const paths =
            a.type === TYPES.awsEksNodeGroup || a.type === TYPES.eksManagedNodeGroup
                ? ["remoteAccess"]
                : a.type === TYPES.eksCluster
                  ? ["nodePublicKey", "nodeGroupOptions.nodePublicKey", "nodeGroupOptions.keyName"]
                  : ["keyName", "nodePublicKey"];
        for (const path of paths) {
            const v = get(a.props, path);
            if (!u.is(v, path) && !absent(v))
                report(`${path} opens SSH to the nodes: remove it and use SSM Session Manager.`);
        }
    },
});

const nodeVolumesEncrypted = resourcePolicy({
    name: "eks-node-volumes-encrypted",
    description: "EKS-10: node volumes are encrypted with a customer-managed KMS key (EC2.3, EC2.7).",
    controls: ["EKS-10"],
    enforcementLevel: "mandatory",
    types: [TYPES.launchTemplate, TYPES.eksCluster, TYPES.eksNodeGroup, TYPES.eksNodeGroupV2],
    validate: (a, report) => {
        const u = a.reads;
        if (a.type === TYPES.launchTemplate) {
            const mappings = a.props.blockDeviceMappings;
            if (u.is(mappings, "blockDeviceMappings")) return;
            const ebs = asArray(mappings)
                .map((m: any, i: number) => ({ where: `blockDeviceMappings[${i}]`, ebs: m?.ebs }))
                .filter((m) => !u.is(m.ebs, `${m.where}.ebs`) && m.ebs !== undefined && m.ebs !== null);
            if (ebs.length === 0) {
                report.advisory(
                    "declare the root volume in blockDeviceMappings with ebs.encrypted and ebs.kmsKeyId; otherwise only the account's EBS default encryption protects it.",
                );
            }
            for (const { where, ebs: e } of ebs) {
                if (!u.is(e.encrypted, `${where}.ebs.encrypted`) && !isTrue(e.encrypted))
                    report(`set ${where}.ebs.encrypted to true.`);
                if (!u.is(e.kmsKeyId, `${where}.ebs.kmsKeyId`) && absent(e.kmsKeyId))
                    report(`set ${where}.ebs.kmsKeyId to the platform's EBS KMS key.`);
            }
            return;
        }
        if (noDefaultNodeGroup(a.type, a.props)) return;
        const inputs =
            a.type === TYPES.eksCluster
                ? ["nodeRootVolumeEncrypted"]
                : a.type === TYPES.eksNodeGroupV2
                  ? ["nodeRootVolumeEncrypted", "encryptRootBlockDevice"]
                  : ["encryptRootBlockDevice"];
        const values = inputs.map((i) => a.props[i]);
        if (values.some((v, i) => u.is(v, inputs[i]))) return;
        if (!values.some((v) => v === true)) report(`set ${inputs[0]} to true so node root volumes are encrypted.`);
    },
});

// ---------------------------------------------------------------------------------------------
// STK-02: clusters and nodes only in private subnets.
// ---------------------------------------------------------------------------------------------

/** Subnet inputs to verify per type, with what they place there. */
const SUBNET_INPUTS: Record<string, { path: string; what: string }[]> = {
    [TYPES.awsEksNodeGroup]: [{ path: "subnetIds", what: "nodes" }],
    [TYPES.eksManagedNodeGroup]: [{ path: "subnetIds", what: "nodes" }],
    [TYPES.awsEksCluster]: [{ path: "vpcConfig.subnetIds", what: "control-plane ENIs" }],
    [TYPES.eksCluster]: [
        { path: "privateSubnetIds", what: "nodes and control-plane ENIs" },
        { path: "nodeSubnetIds", what: "nodes" },
        { path: "subnetIds", what: "nodes and control-plane ENIs" },
    ],
};

function checkSubnets(
    r: PolicyResource,
    path: string,
    what: string,
    all: PolicyResource[],
    external: readonly string[],
    report: Reporter,
): void {
    const res = resolveAll(r, path, [TYPES.subnet], all);
    for (const subnet of res.targets) {
        const verdict = subnetIsolation(subnet, all);
        if (verdict.problems.length > 0) {
            report(
                `${r.name} places ${what} (${path}) in subnet ${subnet.name}, which ${verdict.problems.join(" and ")}: use private subnets only.`,
                r.urn,
            );
        }
    }
    for (const v of res.unresolved) {
        if (!external.includes(String(v)))
            report(
                `${r.name} ${path} names subnet ${quote(v)}, which cannot be verified: declare it in this stack or list it in externalSubnetIds.`,
                r.urn,
            );
    }
    if (res.unknown && res.targets.length === 0) {
        report.advisory(
            `${r.name} ${path} cannot be resolved to subnets during preview: it is checked again at up.`,
            r.urn,
        );
    }
}

const eksPrivateSubnets = stackPolicy({
    name: "eks-private-subnets-only",
    description:
        "STK-02: EKS nodes and control-plane ENIs are placed only in private subnets (no public IP mapping, no internet-gateway route) (CIS-EKS 5.4.3; EC2.9).",
    controls: ["STK-02"],
    enforcementLevel: "mandatory",
    configSchema: schemaOf(["externalSubnetIds"]),
    validate: ({ resources, config }, report) => {
        const external: string[] = config.externalSubnetIds ?? [];
        for (const r of resources.filter((x) => x.type in SUBNET_INPUTS)) {
            each(r, report, (p) => {
                if (r.type === TYPES.eksCluster) {
                    const publicIds = p.publicSubnetIds;
                    const privateIds = p.privateSubnetIds;
                    if (
                        !isUnknown(publicIds) &&
                        !isUnknown(privateIds) &&
                        asArray(publicIds).length > 0 &&
                        asArray(privateIds).length === 0 &&
                        absent(p.subnetIds)
                    ) {
                        report(
                            `${r.name} sets publicSubnetIds without privateSubnetIds, so its nodes land in public subnets: add privateSubnetIds.`,
                            r.urn,
                        );
                    }
                }
                for (const { path, what } of SUBNET_INPUTS[r.type])
                    checkSubnets(r, path, what, resources, external, report);
            });
        }
    },
});

const nodegroupLaunchTemplate = resourcePolicy({
    name: "eks-nodegroup-imds-hop-limit",
    description:
        "EKS-13: managed node groups launch from a launch template (which NET-08 holds to IMDSv2 with hop limit 1); without one EKS applies its own metadata defaults (hop limit 2 on AL2023 AMIs) (AWS FSBP EC2.8, EC2.170; EKS best practices: restrict IMDS).",
    controls: ["EKS-13"],
    enforcementLevel: "mandatory",
    types: [TYPES.awsEksNodeGroup, TYPES.eksManagedNodeGroup],
    validate: (a, report) => {
        const lt = a.reads.read(a.props, "launchTemplate");
        if (lt === SKIP) return;
        if (
            absent(lt) ||
            (absent(get(lt, "id")) &&
                absent(get(lt, "name")) &&
                absent(get(lt, "launchTemplateId")) &&
                absent(get(lt, "launchTemplateName")))
        )
            report(
                'set launchTemplate to a launch template with metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 }, so pods cannot reach the node role\'s credentials.',
            );
    },
});

const deletionProtection = resourcePolicy({
    name: "eks-deletion-protection",
    description:
        "EKS-14: the EKS cluster has deletion protection (the API refuses DeleteCluster while it is on). Mandatory in prod through pack config.",
    controls: ["EKS-14"],
    enforcementLevel: "advisory",
    types: CLUSTERS,
    validate: (a, report) => {
        if (need(a.props, "deletionProtection") !== true)
            report(
                "set deletionProtection to true so the cluster (and every workload on it) cannot be deleted by one API call.",
            );
    },
});

export const policies: Policy[] = [
    endpointPrivate,
    secretsEncrypted,
    controlPlaneLogging,
    supportedVersion,
    accessEntriesAuth,
    noClusterAdminPolicy,
    noSystemMasters,
    nodesNoPublicIp,
    nodegroupNoSsh,
    nodeVolumesEncrypted,
    eksPrivateSubnets,
    nodegroupLaunchTemplate,
    deletionProtection,
];
