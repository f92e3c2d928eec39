import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../cluster";
import { UNKNOWN } from "../lib/unknowns";
import { parseAuthMappings } from "../lib/k8s";
import {
    assertClean,
    assertDeferred,
    assertRejected,
    policyNamed,
    runResourcePolicy,
    runStackPolicy,
    StackFixture,
} from "./support";
import { TYPES } from "../../lib/contract";

const rp = (name: string) => policyNamed<ResourceValidationPolicy>(policies, name);

const ACCOUNT = "111122223333";
const KEY_ARN = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ADMIN = `arn:aws:iam::${ACCOUNT}:role/platform-admin`;
const DEPLOYER = `arn:aws:iam::${ACCOUNT}:role/ci-deployer`;
const DEVELOPER = `arn:aws:iam::${ACCOUNT}:role/payments-developer`;
const POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
const ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"];
const BREAK_GLASS = { breakGlassPrincipals: [ADMIN, DEPLOYER] };

/** The component inputs components/cluster.ts passes (the only cluster view under mocks). */
function component(over: Record<string, any> = {}) {
    return {
        version: "1.31",
        authenticationMode: "API",
        skipDefaultNodeGroup: true,
        endpointPrivateAccess: true,
        endpointPublicAccess: false,
        encryptionConfigKeyArn: KEY_ARN,
        enabledClusterLogTypes: ALL_LOGS,
        privateSubnetIds: ["subnet-0a", "subnet-0b"],
        nodeAssociatePublicIpAddress: false,
        accessEntries: {
            admin: {
                principalArn: ADMIN,
                accessPolicies: {
                    admin: { policyArn: POLICY("AmazonEKSClusterAdminPolicy"), accessScope: { type: "cluster" } },
                },
            },
            payments: {
                principalArn: DEVELOPER,
                accessPolicies: {
                    edit: {
                        policyArn: POLICY("AmazonEKSEditPolicy"),
                        accessScope: { type: "namespace", namespaces: ["payments"] },
                    },
                },
            },
        },
        ...over,
    };
}

/** The aws:eks/cluster:Cluster the component creates in a real preview. */
function awsCluster(over: Record<string, any> = {}, vpc: Record<string, any> = {}) {
    return {
        version: "1.31",
        vpcConfig: {
            endpointPrivateAccess: true,
            endpointPublicAccess: false,
            subnetIds: ["subnet-0a", "subnet-0b"],
            ...vpc,
        },
        encryptionConfig: { resources: ["secrets"], provider: { keyArn: KEY_ARN } },
        enabledClusterLogTypes: ALL_LOGS,
        accessConfig: { authenticationMode: "API" },
        ...over,
    };
}

describe("cluster policies: control plane (EKS-01 … EKS-05)", () => {
    const ALL = [
        "eks-endpoint-private",
        "eks-secrets-encrypted-with-cmk",
        "eks-control-plane-logging",
        "eks-supported-version",
        "eks-access-entries-auth",
    ];

    it("passes the project's cluster, as the component and as the AWS resource", async () => {
        for (const name of ALL) {
            assertClean(await runResourcePolicy(rp(name), TYPES.eksCluster, component()));
            assertClean(await runResourcePolicy(rp(name), TYPES.awsEksCluster, awsCluster()));
        }
    });

    it("treats an absent endpointPublicAccess as public and requires the private endpoint (EKS-01)", async () => {
        const policy = rp("eks-endpoint-private");
        const defaults: Record<string, unknown> = component();
        delete defaults.endpointPublicAccess;
        delete defaults.endpointPrivateAccess;
        const run = await runResourcePolicy(policy, TYPES.eksCluster, defaults);
        assertRejected(
            run,
            policy.name,
            "endpointPublicAccess is unset (public by default): set it to false and reach the API through the private endpoint.",
        );
        assertRejected(run, policy.name, "endpointPrivateAccess is unset (off by default): set it to true");
        assertRejected(
            await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({}, { endpointPublicAccess: undefined })),
            policy.name,
            "vpcConfig.endpointPublicAccess is unset (public by default)",
        );
        assertDeferred(
            await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({}, { endpointPublicAccess: UNKNOWN })),
        );
    });

    it("honours a bootstrap exemption only with narrow publicAccessCidrs (EKS-01)", async () => {
        const policy = rp("eks-endpoint-private");
        const tags = {
            "policy.exempt/eks-endpoint-private": "PLAT-9: bootstrap from the CI runner before the VPN exists",
        };
        const narrow = await runResourcePolicy(
            policy,
            TYPES.awsEksCluster,
            awsCluster({ tags }, { endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.10/32"] }),
        );
        assert.deepEqual(narrow.mandatory, []);
        assert.match(narrow.advisory[0], /\[exempted by PLAT-9: bootstrap from the CI runner before the VPN exists\]$/);
        const open = await runResourcePolicy(
            policy,
            TYPES.eksCluster,
            component({ endpointPublicAccess: true, clusterTags: tags }),
        );
        assertRejected(
            open,
            policy.name,
            "(exemption PLAT-9 not honoured: publicAccessCidrs is unset, which means 0.0.0.0/0)",
        );
        const world = await runResourcePolicy(
            policy,
            TYPES.eksCluster,
            component({ endpointPublicAccess: true, tags, publicAccessCidrs: ["0.0.0.0/0"] }),
        );
        assertRejected(world, policy.name, "not honoured: publicAccessCidrs contains 0.0.0.0/0");
    });

    it("requires Secrets encryption with a customer-managed key (EKS-02)", async () => {
        const policy = rp("eks-secrets-encrypted-with-cmk");
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ encryptionConfigKeyArn: undefined })),
            policy.name,
            "set encryptionConfigKeyArn to the ARN of the platform's customer-managed KMS key",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ encryptionConfigKeyArn: "alias/aws/eks" })),
            policy.name,
            'encryptionConfigKeyArn "alias/aws/eks" is not a customer-managed KMS key',
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({ encryptionConfig: undefined })),
            policy.name,
            'set encryptionConfig with resources ["secrets"]',
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.awsEksCluster,
                awsCluster({ encryptionConfig: { resources: [], provider: { keyArn: KEY_ARN } } }),
            ),
            policy.name,
            'add "secrets" to encryptionConfig.resources.',
        );
        assertDeferred(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ encryptionConfigKeyArn: UNKNOWN })),
        );
        assertDeferred(
            await runResourcePolicy(
                policy,
                TYPES.awsEksCluster,
                awsCluster({ encryptionConfig: { resources: ["secrets"], provider: { keyArn: UNKNOWN } } }),
            ),
        );
    });

    it("requires api, audit and authenticator logs and advises the rest (EKS-03)", async () => {
        const policy = rp("eks-control-plane-logging");
        assertRejected(
            await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({ enabledClusterLogTypes: ["api"] })),
            policy.name,
            "add audit, authenticator to enabledClusterLogTypes",
        );
        const partial = await runResourcePolicy(
            policy,
            TYPES.eksCluster,
            component({ enabledClusterLogTypes: ["api", "audit", "authenticator"] }),
        );
        assert.deepEqual(partial.mandatory, []);
        assert.deepEqual(partial.advisory, ["consider adding controllerManager, scheduler to enabledClusterLogTypes."]);
        assertDeferred(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ enabledClusterLogTypes: UNKNOWN })),
        );
    });

    it("requires a pinned version no older than minEksVersion (EKS-04)", async () => {
        const policy = rp("eks-supported-version");
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ version: undefined })),
            policy.name,
            "pin version (at least 1.31)",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({ version: "1.29" })),
            policy.name,
            'version "1.29" is older than 1.31',
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({ version: "1.32" }), {
                minEksVersion: "1.33",
            }),
            policy.name,
            "older than 1.33",
        );
        assertClean(await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({ version: "1.100" })));
        assertDeferred(await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({ version: UNKNOWN })));
    });

    it("advises access entries over the aws-auth ConfigMap (EKS-05)", async () => {
        const policy = rp("eks-access-entries-auth");
        const legacy = await runResourcePolicy(policy, TYPES.awsEksCluster, awsCluster({ accessConfig: undefined }));
        assert.deepEqual(legacy.advisory, [
            'accessConfig.authenticationMode is unset (CONFIG_MAP): set it to "API" and grant access with access entries.',
        ]);
        const both = await runResourcePolicy(
            policy,
            TYPES.eksCluster,
            component({ authenticationMode: "API_AND_CONFIG_MAP" }),
        );
        assert.match(both.advisory[0], /finish the migration/);
        assertDeferred(await runResourcePolicy(policy, TYPES.eksCluster, component({ authenticationMode: UNKNOWN })));
    });
});

describe("cluster policies: cluster admins (EKS-06, EKS-07)", () => {
    it("gives cluster-wide admin only to break-glass principals (EKS-06)", async () => {
        const policy = rp("eks-no-cluster-admin-access-policy");
        const assoc = (principalArn: string, name: string, accessScope: Record<string, any>) => ({
            clusterName: "c",
            principalArn,
            policyArn: POLICY(name),
            accessScope,
        });
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.awsEksAccessPolicyAssociation,
                assoc(DEVELOPER, "AmazonEKSClusterAdminPolicy", { type: "cluster" }),
                BREAK_GLASS,
            ),
            policy.name,
            `"${DEVELOPER}" gets cluster-wide admin (AmazonEKSClusterAdminPolicy)`,
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.awsEksAccessPolicyAssociation,
                assoc(DEVELOPER, "AmazonEKSAdminPolicy", { type: "cluster" }),
                BREAK_GLASS,
            ),
            policy.name,
            "gets cluster-wide admin (AmazonEKSAdminPolicy)",
        );
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.awsEksAccessPolicyAssociation,
                assoc(DEVELOPER, "AmazonEKSEditPolicy", { type: "namespace", namespaces: [] }),
            ),
            policy.name,
            'accessScope.type is "namespace" but lists no namespaces',
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.awsEksAccessPolicyAssociation,
                assoc(DEVELOPER, "AmazonEKSAdminPolicy", { type: "namespace", namespaces: ["payments"] }),
            ),
        );
        assertClean(
            await runResourcePolicy(
                policy,
                TYPES.awsEksAccessPolicyAssociation,
                assoc(ADMIN, "AmazonEKSClusterAdminPolicy", { type: "cluster" }),
                BREAK_GLASS,
            ),
        );
        assertDeferred(
            await runResourcePolicy(
                policy,
                TYPES.awsEksAccessPolicyAssociation,
                assoc(UNKNOWN, "AmazonEKSClusterAdminPolicy", { type: "cluster" }),
                BREAK_GLASS,
            ),
        );
    });

    it("checks the component's access entries the same way (EKS-06)", async () => {
        const policy = rp("eks-no-cluster-admin-access-policy");
        assertClean(await runResourcePolicy(policy, TYPES.eksCluster, component(), BREAK_GLASS));
        const run = await runResourcePolicy(policy, TYPES.eksCluster, component(), { breakGlassPrincipals: [] });
        assertRejected(
            run,
            policy.name,
            `accessEntries.admin.accessPolicies.admin: "${ADMIN}" gets cluster-wide admin`,
        );
        assertDeferred(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ accessEntries: UNKNOWN }), BREAK_GLASS),
        );
    });

    const AWS_AUTH = [
        `- rolearn: ${ADMIN}`,
        "  username: admin",
        "  groups:",
        "    - system:masters",
        `- rolearn: arn:aws:iam::${ACCOUNT}:role/nodes`,
        "  username: system:node:{{EC2PrivateDNSName}}",
        "  groups:",
        "  - system:bootstrappers",
        "  - system:nodes",
        `- groups: [system:masters]`,
        `  rolearn: "${DEVELOPER}"`,
    ].join("\n");

    it("reads aws-auth mappings in block and flow YAML", () => {
        assert.deepEqual(parseAuthMappings(AWS_AUTH), [
            { arn: ADMIN, groups: ["system:masters"] },
            { arn: `arn:aws:iam::${ACCOUNT}:role/nodes`, groups: ["system:bootstrappers", "system:nodes"] },
            { arn: DEVELOPER, groups: ["system:masters"] },
        ]);
        assert.deepEqual(parseAuthMappings(JSON.stringify([{ userarn: ADMIN, groups: ["system:masters"] }])), [
            { arn: ADMIN, groups: ["system:masters"] },
        ]);
        assert.throws(() => parseAuthMappings(`rolearn: ${ADMIN}`), /aws-auth mappings must be a list, got object/);
        assert.throws(() => parseAuthMappings("- just-a-string"), /aws-auth entry 0 must be a map/);
        assert.throws(() => parseAuthMappings("- rolearn: [unclosed"), /./);
    });

    it("maps system:masters only to break-glass principals (EKS-07)", async () => {
        const policy = rp("eks-no-system-masters-mapping");
        const cm = { metadata: { name: "aws-auth", namespace: "kube-system" }, data: { mapRoles: AWS_AUTH } };
        const run = await runResourcePolicy(policy, TYPES.k8sConfigMap, cm, BREAK_GLASS);
        assert.deepEqual(run.mandatory, [
            `data.mapRoles maps "${DEVELOPER}" to system:masters: grant it a narrower group or an access entry, or list it in breakGlassPrincipals.`,
        ]);
        const mappings = component({
            roleMappings: [
                { roleArn: DEVELOPER, username: "dev", groups: ["system:masters"] },
                { roleArn: ADMIN, username: "admin", groups: ["system:masters"] },
            ],
        });
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksCluster, mappings, BREAK_GLASS),
            policy.name,
            `roleMappings[0] maps "${DEVELOPER}" to system:masters`,
        );
        assertClean(await runResourcePolicy(policy, TYPES.eksCluster, component(), BREAK_GLASS));
        assertClean(
            await runResourcePolicy(policy, TYPES.k8sConfigMap, {
                metadata: { name: "settings", namespace: "payments" },
                data: { mapRoles: AWS_AUTH },
            }),
        );
        assertDeferred(
            await runResourcePolicy(policy, TYPES.k8sConfigMap, { ...cm, data: { mapRoles: UNKNOWN } }, BREAK_GLASS),
        );
    });
});

describe("cluster policies: nodes (EKS-08 … EKS-10)", () => {
    it("rejects public IPs on self-managed nodes unless the default node group is skipped (EKS-08)", async () => {
        const policy = rp("eks-nodes-no-public-ip");
        assertRejected(
            await runResourcePolicy(
                policy,
                TYPES.eksCluster,
                component({ skipDefaultNodeGroup: false, nodeAssociatePublicIpAddress: undefined }),
            ),
            policy.name,
            "nodeAssociatePublicIpAddress is unset: set it to false",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksNodeGroupV2, { cluster: {}, nodeAssociatePublicIpAddress: true }),
            policy.name,
            "nodeAssociatePublicIpAddress is true",
        );
        assertClean(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ nodeAssociatePublicIpAddress: undefined })),
        );
        assertDeferred(
            await runResourcePolicy(policy, TYPES.eksNodeGroupV2, { nodeAssociatePublicIpAddress: UNKNOWN }),
        );
    });

    it("rejects SSH access to nodes (EKS-09)", async () => {
        const policy = rp("eks-nodegroup-no-ssh");
        assertRejected(
            await runResourcePolicy(policy, TYPES.awsEksNodeGroup, {
                clusterName: "c",
                remoteAccess: { ec2SshKey: "ops" },
            }),
            policy.name,
            "remoteAccess opens SSH to the nodes: remove it and use SSM Session Manager.",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ nodePublicKey: "ssh-ed25519 AAAA" })),
            policy.name,
            "nodePublicKey opens SSH",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksNodeGroupV2, { keyName: "ops" }),
            policy.name,
            "keyName opens SSH",
        );
        assertClean(await runResourcePolicy(policy, TYPES.eksManagedNodeGroup, { subnetIds: ["subnet-0a"] }));
        assertDeferred(await runResourcePolicy(policy, TYPES.awsEksNodeGroup, { remoteAccess: UNKNOWN }));
    });

    it("requires encrypted node volumes with a KMS key (EKS-10)", async () => {
        const policy = rp("eks-node-volumes-encrypted");
        const lt = (ebs: Record<string, any>) => ({
            metadataOptions: { httpTokens: "required" },
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { volumeSize: 30, volumeType: "gp3", ...ebs } }],
        });
        const run = await runResourcePolicy(policy, TYPES.launchTemplate, lt({ encrypted: "false" }));
        assertRejected(run, policy.name, "set blockDeviceMappings[0].ebs.encrypted to true.");
        assertRejected(run, policy.name, "set blockDeviceMappings[0].ebs.kmsKeyId to the platform's EBS KMS key.");
        assertClean(
            await runResourcePolicy(policy, TYPES.launchTemplate, lt({ encrypted: "true", kmsKeyId: KEY_ARN })),
        );
        const noMappings = await runResourcePolicy(policy, TYPES.launchTemplate, {
            metadataOptions: { httpTokens: "required" },
        });
        assert.match(noMappings.advisory[0], /declare the root volume in blockDeviceMappings/);
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksNodeGroupV2, { nodeRootVolumeEncrypted: false }),
            policy.name,
            "set nodeRootVolumeEncrypted to true",
        );
        assertRejected(
            await runResourcePolicy(policy, TYPES.eksCluster, component({ skipDefaultNodeGroup: false })),
            policy.name,
            "set nodeRootVolumeEncrypted to true",
        );
        assertClean(await runResourcePolicy(policy, TYPES.eksCluster, component()));
        assertDeferred(
            await runResourcePolicy(policy, TYPES.launchTemplate, lt({ encrypted: "true", kmsKeyId: UNKNOWN })),
        );
    });
});

describe("cluster stack policy: eks-private-subnets-only (STK-02)", () => {
    const policy = () => policyNamed<StackValidationPolicy>(policies, "eks-private-subnets-only");

    /** A first-deploy preview: every id is unknown, so only the graph edges identify resources. */
    const network = (privateMapsPublicIp = false): StackFixture[] => [
        { type: TYPES.vpc, name: "vpc", props: { cidrBlock: "10.0.0.0/16" } },
        { type: TYPES.internetGateway, name: "igw", props: { vpcId: UNKNOWN }, deps: { vpcId: ["vpc"] } },
        {
            type: TYPES.subnet,
            name: "public-a",
            props: { vpcId: UNKNOWN, cidrBlock: "10.0.0.0/24" },
            deps: { vpcId: ["vpc"] },
        },
        {
            type: TYPES.subnet,
            name: "private-a",
            props: { vpcId: UNKNOWN, cidrBlock: "10.0.1.0/24", mapPublicIpOnLaunch: privateMapsPublicIp },
            deps: { vpcId: ["vpc"] },
        },
        { type: TYPES.routeTable, name: "public-rt", props: { vpcId: UNKNOWN }, deps: { vpcId: ["vpc"] } },
        { type: TYPES.routeTable, name: "private-rt", props: { vpcId: UNKNOWN }, deps: { vpcId: ["vpc"] } },
        {
            type: TYPES.route,
            name: "public-default",
            props: { routeTableId: UNKNOWN, destinationCidrBlock: "0.0.0.0/0", gatewayId: UNKNOWN },
            deps: { routeTableId: ["public-rt"], gatewayId: ["igw"] },
        },
        {
            type: TYPES.route,
            name: "private-default",
            props: { routeTableId: UNKNOWN, destinationCidrBlock: "0.0.0.0/0", natGatewayId: UNKNOWN },
            deps: { routeTableId: ["private-rt"] },
        },
        {
            type: TYPES.routeTableAssociation,
            name: "public-a-assoc",
            props: { subnetId: UNKNOWN, routeTableId: UNKNOWN },
            deps: { subnetId: ["public-a"], routeTableId: ["public-rt"] },
        },
        {
            type: TYPES.routeTableAssociation,
            name: "private-a-assoc",
            props: { subnetId: UNKNOWN, routeTableId: UNKNOWN },
            deps: { subnetId: ["private-a"], routeTableId: ["private-rt"] },
        },
    ];
    const nodeGroup = (subnet: string): StackFixture => ({
        type: TYPES.awsEksNodeGroup,
        name: "nodes",
        props: { subnetIds: [UNKNOWN] },
        deps: { subnetIds: [subnet] },
    });

    it("passes nodes, the component and the control plane in private subnets", async () => {
        const cluster: StackFixture = {
            type: TYPES.eksCluster,
            name: "eks",
            props: component({ privateSubnetIds: [UNKNOWN] }),
            deps: { privateSubnetIds: ["private-a"] },
        };
        const control: StackFixture = {
            type: TYPES.awsEksCluster,
            name: "eks-cp",
            props: awsCluster({}, { subnetIds: [UNKNOWN] }),
            deps: { vpcConfig: ["private-a"] },
        };
        assertClean(await runStackPolicy(policy(), [...network(), nodeGroup("private-a"), cluster, control]));
    });

    it("rejects nodes in a subnet routed through the internet gateway", async () => {
        const run = await runStackPolicy(policy(), [...network(), nodeGroup("public-a")]);
        assert.deepEqual(run.mandatory, [
            "nodes places nodes (subnetIds) in subnet public-a, which is routed through an internet gateway by route public-default (0.0.0.0/0) in public-rt: use private subnets only.",
        ]);
        assert.ok(run.violations[0].urn?.endsWith("::nodes"));
    });

    it("rejects control-plane ENIs in a subnet that maps public IPs", async () => {
        const control: StackFixture = {
            type: TYPES.awsEksCluster,
            name: "eks-cp",
            props: awsCluster({}, { subnetIds: [UNKNOWN] }),
            deps: { vpcConfig: ["private-a"] },
        };
        const run = await runStackPolicy(policy(), [...network(true), control]);
        assertRejected(
            run,
            "eks-private-subnets-only",
            "eks-cp places control-plane ENIs (vpcConfig.subnetIds) in subnet private-a, which maps public IPs on launch",
        );
    });

    it("rejects a component with only public subnets", async () => {
        const cluster: StackFixture = {
            type: TYPES.eksCluster,
            name: "eks",
            props: component({ privateSubnetIds: undefined, publicSubnetIds: [UNKNOWN] }),
            deps: { publicSubnetIds: ["public-a"] },
        };
        assertRejected(
            await runStackPolicy(policy(), [...network(), cluster]),
            "eks-private-subnets-only",
            "eks sets publicSubnetIds without privateSubnetIds, so its nodes land in public subnets: add privateSubnetIds.",
        );
    });

    it("requires subnets outside the stack to be listed in externalSubnetIds", async () => {
        const external: StackFixture = {
            type: TYPES.awsEksNodeGroup,
            name: "nodes",
            props: { subnetIds: ["subnet-0123456789abcdef0"] },
        };
        assertRejected(
            await runStackPolicy(policy(), [external]),
            "eks-private-subnets-only",
            'nodes subnetIds names subnet "subnet-0123456789abcdef0", which cannot be verified: declare it in this stack or list it in externalSubnetIds.',
        );
        assertClean(await runStackPolicy(policy(), [external], { externalSubnetIds: ["subnet-0123456789abcdef0"] }));
    });

    it("reports 'cannot verify' as advisory when a subnet reference is unknown and has no graph edge", async () => {
        const run = await runStackPolicy(policy(), [
            { type: TYPES.awsEksNodeGroup, name: "nodes", props: { subnetIds: UNKNOWN } },
        ]);
        assert.deepEqual(run.mandatory, []);
        assert.match(run.advisory[0], /cannot be resolved to subnets during preview/);
    });
});
