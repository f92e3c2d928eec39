import { strict as assert } from "assert";
import {
    ADMIN_POLICY,
    PREVIEW_GROUP,
    PREVIEW_READER_ROLE,
    VIEW_POLICY,
    amiTypeFor,
    withoutCreatorAdmin,
} from "../components/cluster";
import { NGF } from "../components/ingress";
import { Capture, CapturedResource, RunOptions, runProgram } from "./support/harness";

const EKS = "eks:index:Cluster";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ADDON = "aws:eks/addon:Addon";
const SG = "aws:ec2/securityGroup:SecurityGroup";

/** The real program (index.ts) for `stack`: the cluster tier fed by the real network and edge tiers. */
async function build(stack: string, options: RunOptions = {}): Promise<Capture> {
    return (await runProgram(stack, options)).capture;
}

const privateSubnetIds = (c: Capture) =>
    c
        .ofType("aws:ec2/subnet:Subnet")
        .filter((s) => s.inputs.tags["subnet-layer"] === "private")
        .map((s) => s.id);
const keyArn = (c: Capture, purpose: string) => c.one("aws:kms/key:Key", purpose).state.arn;
const policyDoc = (r: CapturedResource, field: string) => JSON.parse(r.inputs[field]);

describe("cluster tier", () => {
    let dev: Capture;
    let prod: Capture;
    before(async () => {
        dev = await build("dev");
        prod = await build("prod");
    });

    describe("control plane", () => {
        it("keeps the API endpoint private in dev and prod", () => {
            for (const c of [dev, prod]) {
                const eks = c.one(EKS).inputs;
                assert.equal(eks.endpointPrivateAccess, true);
                assert.equal(eks.endpointPublicAccess, false);
                assert.equal(eks.publicAccessCidrs, undefined);
            }
        });

        it("opens a public endpoint only when the stack allows it, and only to its CIDRs", async () => {
            const c = await build("dev", {
                overrides: {
                    cluster: {
                        version: "1.31",
                        publicEndpoint: true,
                        publicAccessCidrs: ["203.0.113.0/24"],
                        nodeGroups: [
                            { name: "general", instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 2 },
                        ],
                    },
                },
            });
            const eks = c.one(EKS).inputs;
            assert.equal(eks.endpointPublicAccess, true);
            assert.equal(eks.endpointPrivateAccess, true);
            assert.deepEqual(eks.publicAccessCidrs, ["203.0.113.0/24"]);
        });

        it("envelope-encrypts Secrets with the EKS key and pins the configured version", () => {
            const eks = prod.one(EKS).inputs;
            assert.equal(eks.encryptionConfigKeyArn, keyArn(prod, "eks"));
            assert.equal(eks.version, "1.31");
            assert.equal(eks.kubernetesServiceIpAddressRange, "172.20.0.0/16");
        });

        it("enables every control-plane log type into a pre-created, KMS-encrypted log group", () => {
            const eks = dev.one(EKS);
            assert.deepEqual(eks.inputs.enabledClusterLogTypes, [
                "api",
                "audit",
                "authenticator",
                "controllerManager",
                "scheduler",
            ]);
            const group = dev.one("aws:cloudwatch/logGroup:LogGroup", "control-plane");
            assert.equal(group.inputs.name, `/aws/eks/${eks.inputs.name}/cluster`);
            assert.equal(eks.inputs.name, "aws-platform-dev");
            assert.equal(group.inputs.kmsKeyId, keyArn(dev, "logs"));
            assert.equal(group.inputs.retentionInDays, 365);
            assert.ok(
                eks.dependencies.includes(group.urn),
                "the cluster waits for its log group, or EKS creates an unencrypted one",
            );
        });

        it("places the cluster in the private subnets only, with no default node group or aws-auth ConfigMap", () => {
            const eks = dev.one(EKS).inputs;
            assert.deepEqual(eks.privateSubnetIds, privateSubnetIds(dev));
            assert.equal(eks.publicSubnetIds, undefined);
            assert.equal(eks.subnetIds, undefined);
            assert.equal(eks.skipDefaultNodeGroup, true);
            assert.equal(eks.nodeAssociatePublicIpAddress, false);
            assert.equal(eks.authenticationMode, "API");
            assert.equal(eks.roleMappings, undefined);
            assert.equal(eks.createOidcProvider, true);
        });

        it("protects the prod cluster and its log group, and leaves dev disposable", () => {
            assert.equal(prod.one(EKS).protect, true);
            assert.equal(prod.one(EKS).inputs.deletionProtection, true);
            assert.equal(prod.one("aws:cloudwatch/logGroup:LogGroup", "control-plane").protect, true);
            assert.equal(dev.one(EKS).protect, false);
            assert.equal(dev.one(EKS).inputs.deletionProtection, false);
        });

        it("turns off the hidden cluster-creator admin entry on the component's EKS cluster only", async () => {
            const props = {
                name: "x",
                accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true },
            };
            const out = await withoutCreatorAdmin({
                type: "aws:eks/cluster:Cluster",
                name: "x",
                custom: true,
                props,
                opts: {},
            });
            assert.deepEqual(out?.props.accessConfig, {
                authenticationMode: "API",
                bootstrapClusterCreatorAdminPermissions: false,
            });
            assert.equal(
                await withoutCreatorAdmin({ type: "aws:iam/role:Role", name: "x", custom: true, props, opts: {} }),
                undefined,
            );
        });
    });

    describe("the pipelines' path to the private endpoint", () => {
        const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
        it("keeps the endpoint private and admits 443 on the cluster security group from the CI runner's group only", () => {
            for (const c of [dev, prod]) {
                const eks = c.one("eks:index:Cluster");
                assert.equal(eks.inputs.endpointPublicAccess, false);
                const clusterSg = eks.state.eksCluster.vpcConfig.clusterSecurityGroupId;
                const rules = c.ofType(INGRESS_RULE).filter((r) => r.inputs.securityGroupId === clusterSg);
                const runner = c.one("aws:ec2/securityGroup:SecurityGroup", "runner-security-group");
                assert.deepEqual(
                    rules.map((r) => [
                        r.inputs.ipProtocol,
                        r.inputs.fromPort,
                        r.inputs.toPort,
                        r.inputs.referencedSecurityGroupId,
                        r.inputs.cidrIpv4,
                    ]),
                    [["tcp", 443, 443, runner.id, undefined]],
                );
                assert.equal(runner.inputs.tags["sg-role"], "ci-runner");
                assert.deepEqual(runner.inputs.ingress ?? [], [], "nothing connects to a runner");
            }
        });

        it("creates the rule before the Kubernetes provider makes its first call", () => {
            const rule = dev
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .find((r) => r.name.endsWith("api-from-runner"))!;
            const provider = dev.one("pulumi:providers:kubernetes");
            assert.ok(provider.dependencies.includes(rule.urn));
        });

        it("runs the runner in the private subnets, as the CodeBuild project the workflows name", () => {
            const project = dev.one("aws:codebuild/project:Project", "runner-project");
            assert.equal(project.inputs.name, "platform-dev-runner");
            const privateSubnets = dev
                .ofType("aws:ec2/subnet:Subnet")
                .filter((s) => s.inputs.tags["subnet-layer"] === "private")
                .map((s) => s.id);
            assert.deepEqual([...project.inputs.vpcConfig.subnets].sort(), privateSubnets.sort());
            assert.equal(project.inputs.environment.privilegedMode, false);
            const hook = dev.one("aws:codebuild/webhook:Webhook");
            assert.deepEqual(hook.inputs.filterGroups, [
                { filters: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] },
            ]);
        });
    });

    describe("access entries", () => {
        const entries = (c: Capture) => c.ofType("aws:eks/accessEntry:AccessEntry");
        const policiesOf = (c: Capture, arn: string) =>
            c
                .ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
                .filter((a) => a.inputs.principalArn === arn)
                .map((a) => [a.inputs.policyArn, a.inputs.accessScope.type]);

        it("maps admins and the pipelines' deploy roles to cluster admin, previews and viewers to the Secret-less view policy", () => {
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-admin"), [
                [ADMIN_POLICY, "cluster"],
            ]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-ci-deployer"), [
                [ADMIN_POLICY, "cluster"],
            ]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-jenkins-deployer"), [
                [ADMIN_POLICY, "cluster"],
            ]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-ci-preview"), [
                [VIEW_POLICY, "cluster"],
            ]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-jenkins-preview"), [
                [VIEW_POLICY, "cluster"],
            ]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/developer-readonly"), [
                [VIEW_POLICY, "cluster"],
            ]);
            assert.equal(VIEW_POLICY, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy");
        });

        it("maps team developers to their Kubernetes group with no access policy", () => {
            const payments = entries(dev).find(
                (e) => e.inputs.principalArn === "arn:aws:iam::111122223333:role/payments-developer",
            );
            assert.ok(payments);
            assert.deepEqual(payments.inputs.kubernetesGroups, ["payments-developers"]);
            assert.deepEqual(policiesOf(dev, "arn:aws:iam::111122223333:role/payments-developer"), []);
        });

        it("grants cluster admin to no one outside the configured admins and deploy roles", () => {
            const admins = dev
                .ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
                .filter((a) => a.inputs.policyArn === ADMIN_POLICY)
                .map((a) => a.inputs.principalArn)
                .sort();
            assert.deepEqual(admins, [
                "arn:aws:iam::111122223333:role/platform-admin",
                "arn:aws:iam::111122223333:role/platform-ci-deployer",
                "arn:aws:iam::111122223333:role/platform-jenkins-deployer",
            ]);
            assert.equal(entries(dev).length, 8, "admin, two deployers, two previews, viewer, two team roles");
        });

        it("maps the deploy roles to the group the team namespaces bind app-deployer to", () => {
            for (const role of ["platform-ci-deployer", "platform-jenkins-deployer"]) {
                const deployer = entries(dev).find(
                    (e) => e.inputs.principalArn === `arn:aws:iam::111122223333:role/${role}`,
                );
                assert.deepEqual(deployer?.inputs.kubernetesGroups, ["platform:ci-deployers"], role);
            }
        });

        it("gives the preview roles read-only access: the view policy plus a reader role for RBAC and cluster-scoped kinds, never Secrets", () => {
            for (const role of ["platform-ci-preview", "platform-jenkins-preview"]) {
                const preview = entries(dev).find(
                    (e) => e.inputs.principalArn === `arn:aws:iam::111122223333:role/${role}`,
                );
                assert.deepEqual(preview?.inputs.kubernetesGroups, [PREVIEW_GROUP], role);
            }
            const reader = dev.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "preview-reader");
            assert.equal(reader.inputs.metadata.name, PREVIEW_READER_ROLE);
            for (const rule of reader.inputs.rules) {
                assert.deepEqual(rule.verbs, ["get", "list", "watch"]);
                assert.ok(!rule.resources.includes("secrets") && !rule.resources.includes("*"), JSON.stringify(rule));
                assert.ok(!rule.apiGroups.includes("*"));
            }
            const kinds = reader.inputs.rules.flatMap((r: any) => r.resources);
            for (const k of [
                "clusterroles",
                "clusterrolebindings",
                "storageclasses",
                "customresourcedefinitions",
                "validatingwebhookconfigurations",
                "ingressclasses",
            ])
                assert.ok(kinds.includes(k), k);
            const binding = dev.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "preview-reader");
            assert.deepEqual(binding.inputs.subjects, [
                { apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: PREVIEW_GROUP },
            ]);
            assert.equal(binding.inputs.roleRef.name, PREVIEW_READER_ROLE);
        });

        it("creates one entry per role even when a role is listed twice", async () => {
            const c = await build("dev", {
                overrides: {
                    cluster: {
                        version: "1.31",
                        adminRoleArns: ["arn:aws:iam::111122223333:role/platform-ci-deployer"],
                        viewerRoleArns: ["arn:aws:iam::111122223333:role/platform-ci-deployer"],
                        nodeGroups: [
                            { name: "general", instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 2 },
                        ],
                    },
                },
            });
            const deployer = entries(c).filter(
                (e) => e.inputs.principalArn === "arn:aws:iam::111122223333:role/platform-ci-deployer",
            );
            assert.equal(deployer.length, 1);
            assert.deepEqual(
                policiesOf(c, "arn:aws:iam::111122223333:role/platform-ci-deployer")
                    .map(([p]) => p)
                    .sort(),
                [ADMIN_POLICY, VIEW_POLICY],
            );
        });
    });

    describe("nodes", () => {
        it("runs managed node groups only in the private subnets, sized from config, without SSH", () => {
            const group = prod.one(NODE_GROUP, "general");
            assert.deepEqual(group.inputs.subnetIds, privateSubnetIds(prod));
            assert.deepEqual(group.inputs.scalingConfig, { minSize: 3, desiredSize: 3, maxSize: 9 });
            assert.deepEqual(group.inputs.instanceTypes, ["m6i.large", "m7i.large"]);
            assert.equal(group.inputs.amiType, "AL2023_x86_64_STANDARD");
            assert.equal(group.inputs.remoteAccess, undefined);
            assert.equal(group.inputs.diskSize, undefined, "the launch template owns the root volume");
            assert.equal(group.inputs.launchTemplate.id, prod.one(LAUNCH_TEMPLATE, "general").id);
        });

        it("requires IMDSv2 with a hop limit that keeps pods off the node credentials", () => {
            const lt = dev.one(LAUNCH_TEMPLATE, "general").inputs;
            assert.equal(lt.metadataOptions.httpTokens, "required");
            assert.equal(lt.metadataOptions.httpPutResponseHopLimit, 1);
            assert.equal(lt.keyName, undefined);
            assert.equal(lt.networkInterfaces, undefined, "no interface block, so no public IP");
        });

        it("encrypts the gp3 root volume with the EBS key", () => {
            const [root] = prod.one(LAUNCH_TEMPLATE, "general").inputs.blockDeviceMappings;
            assert.deepEqual(root.ebs, {
                volumeSize: 50,
                volumeType: "gp3",
                encrypted: "true",
                kmsKeyId: keyArn(prod, "ebs"),
                deleteOnTermination: "true",
            });
        });

        it("puts nodes in the EKS cluster SG and a node SG that admits only the ALB, on the ingress node port", () => {
            const nodeSg = dev.one(SG, "nodes");
            const albSg = dev.one(SG, "alb");
            assert.equal(albSg.parent, dev.one("platform:edge:Edge").urn, "the edge tier's ALB security group");
            assert.deepEqual(dev.one(LAUNCH_TEMPLATE, "general").inputs.vpcSecurityGroupIds, [
                dev.one(EKS).state.clusterSecurityGroupId,
                nodeSg.id,
            ]);
            const rules = dev
                .ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                .filter((r) => r.inputs.securityGroupId === nodeSg.id);
            assert.deepEqual(
                rules.map((r) => [
                    r.inputs.ipProtocol,
                    r.inputs.fromPort,
                    r.inputs.toPort,
                    r.inputs.referencedSecurityGroupId,
                    r.inputs.cidrIpv4,
                ]),
                [["tcp", 30443, 30444, albSg.id, undefined]],
            );
            assert.equal(nodeSg.inputs.ingress, undefined);
        });

        it("registers every node group's Auto Scaling group with the edge tier's target group", () => {
            const group = prod.one(NODE_GROUP, "general");
            const attachment = prod.one("aws:autoscaling/attachment:Attachment", "general-ingress");
            const targetGroup = prod.one("aws:lb/targetGroup:TargetGroup");
            assert.equal(targetGroup.parent, prod.one("platform:edge:Edge").urn, "the edge tier's target group");
            assert.equal(attachment.inputs.lbTargetGroupArn, targetGroup.state.arn);
            assert.match(
                attachment.inputs.lbTargetGroupArn,
                /^arn:aws:elasticloadbalancing:eu-west-1:444455556666:targetgroup\//,
            );
            assert.equal(attachment.inputs.autoscalingGroupName, group.state.resources[0].autoscalingGroups[0].name);
            assert.match(attachment.inputs.autoscalingGroupName, /^eks-/);
        });

        it("gives nodes SSM instead of SSH and keeps the CNI policy off the node role", () => {
            const role = dev.one("aws:iam/role:Role", "node");
            const policies = dev
                .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                .filter((a) => a.inputs.role === role.state.name)
                .map((a) => a.inputs.policyArn.split("/").pop())
                .sort();
            assert.deepEqual(policies, [
                "AmazonEC2ContainerRegistryReadOnly",
                "AmazonEKSWorkerNodePolicy",
                "AmazonSSMManagedInstanceCore",
            ]);
        });

        it("chooses the ARM AMI for Graviton groups and refuses mixed architectures", () => {
            assert.equal(
                amiTypeFor({ name: "arm", instanceTypes: ["m7g.large", "c6gn.xlarge"] }),
                "AL2023_ARM_64_STANDARD",
            );
            assert.equal(amiTypeFor({ name: "x86", instanceTypes: ["t3.medium"] }), "AL2023_x86_64_STANDARD");
            assert.throws(
                () => amiTypeFor({ name: "mixed", instanceTypes: ["m7g.large", "m7i.large"] }),
                /mixes ARM and x86/,
            );
        });
    });

    describe("add-ons", () => {
        const addon = (c: Capture, n: string) => c.ofType(ADDON).find((a) => a.inputs.addonName === n)!;

        it("manages vpc-cni, kube-proxy, coredns and the EBS CSI driver as EKS add-ons", () => {
            assert.deepEqual(
                dev
                    .ofType(ADDON)
                    .map((a) => a.inputs.addonName)
                    .sort(),
                ["aws-ebs-csi-driver", "coredns", "kube-proxy", "metrics-server", "vpc-cni"],
            );
            const eks = dev.one(EKS).inputs;
            assert.equal(eks.bootstrapSelfManagedAddons, false);
            assert.equal(eks.corednsAddonOptions.enabled, false);
            assert.equal(eks.kubeProxyAddonOptions.enabled, false);
        });

        it("installs the CNI and kube-proxy before the nodes and the rest after them", () => {
            const group = dev.one(NODE_GROUP, "general");
            for (const n of ["vpc-cni", "kube-proxy"]) assert.ok(group.dependencies.includes(addon(dev, n).urn), n);
            for (const n of ["coredns", "aws-ebs-csi-driver"])
                assert.ok(addon(dev, n).dependencies.includes(group.urn), n);
        });

        it("gives the EBS CSI driver an IRSA role bound to its service account, with use of the EBS key only", () => {
            const ebs = addon(dev, "aws-ebs-csi-driver");
            const role = dev.one("aws:iam/role:Role", "ebs-csi");
            assert.equal(ebs.inputs.serviceAccountRoleArn, role.state.arn);
            const [trust] = policyDoc(role, "assumeRolePolicy").Statement;
            const eks = dev.one(EKS).state;
            assert.equal(trust.Principal.Federated, eks.oidcProviderArn);
            assert.equal(
                trust.Condition.StringEquals[`${eks.oidcIssuer}:sub`],
                "system:serviceaccount:kube-system:ebs-csi-controller-sa",
            );
            assert.equal(trust.Condition.StringEquals[`${eks.oidcIssuer}:aud`], "sts.amazonaws.com");
            const kms = policyDoc(dev.one("aws:iam/rolePolicy:RolePolicy", "ebs-csi-kms"), "policy").Statement;
            for (const s of kms) assert.equal(s.Resource, keyArn(dev, "ebs"));
        });

        it("runs the CNI under its own IRSA role with NetworkPolicy enforcement on", () => {
            const cni = addon(dev, "vpc-cni");
            assert.equal(cni.inputs.serviceAccountRoleArn, dev.one("aws:iam/role:Role", "vpc-cni").state.arn);
            assert.deepEqual(JSON.parse(cni.inputs.configurationValues), { enableNetworkPolicy: "true" });
        });
    });

    describe("in-cluster", () => {
        const inCluster = (c: Capture) => c.resources.filter((r) => r.type.startsWith("kubernetes:"));

        it("builds the Kubernetes provider from the kubeconfig, after the admin access entries exist", () => {
            const provider = dev.one("pulumi:providers:kubernetes");
            assert.equal(provider.inputs.kubeconfig, dev.one(EKS).state.kubeconfigJson);
            assert.equal(provider.inputs.enableServerSideApply, "true");
            const adminEntries = dev
                .ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation")
                .filter((a) => a.inputs.policyArn === ADMIN_POLICY);
            for (const a of adminEntries) assert.ok(provider.dependencies.includes(a.urn), a.name);
            for (const r of inCluster(dev))
                assert.ok(r.provider.startsWith(provider.urn), `${r.type} ${r.name} uses the cluster provider`);
            assert.ok(inCluster(dev).length >= 8);
        });

        it("makes an encrypted gp3 class the default and unsets gp2", () => {
            const sc = dev.one("kubernetes:storage.k8s.io/v1:StorageClass").inputs;
            assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
            assert.equal(sc.provisioner, "ebs.csi.aws.com");
            assert.deepEqual(
                [sc.parameters.type, sc.parameters.encrypted, sc.parameters.kmsKeyId],
                ["gp3", "true", keyArn(dev, "ebs")],
            );
            assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(sc.reclaimPolicy, "Delete");
            assert.equal(prod.one("kubernetes:storage.k8s.io/v1:StorageClass").inputs.reclaimPolicy, "Retain");
            const gp2 = dev.one("kubernetes:storage.k8s.io/v1:StorageClassPatch").inputs.metadata;
            assert.deepEqual(
                [gp2.name, gp2.annotations["storageclass.kubernetes.io/is-default-class"]],
                ["gp2", "false"],
            );
        });

        it("guards the controller namespace like a team namespace: restricted PSS, quota, limit defaults, default-deny, tokenless default SA", () => {
            const ns = dev.one("kubernetes:core/v1:Namespace", "ingress-ns").inputs.metadata;
            assert.equal(ns.name, "nginx-gateway");
            for (const mode of ["enforce", "audit", "warn"])
                assert.equal(ns.labels[`pod-security.kubernetes.io/${mode}`], "restricted", mode);
            const quota = dev.one("kubernetes:core/v1:ResourceQuota", "ingress-quota").inputs;
            assert.equal(quota.metadata.namespace, "nginx-gateway");
            for (const k of ["requests.cpu", "requests.memory", "limits.memory", "pods"])
                assert.ok(quota.spec.hard[k], k);
            assert.deepEqual(
                [quota.spec.hard["services.loadbalancers"], quota.spec.hard["services.nodeports"]],
                ["0", "1"],
                "one NodePort Service, no LoadBalancer",
            );
            const [limits] = dev.one("kubernetes:core/v1:LimitRange", "ingress-limits").inputs.spec.limits;
            assert.equal(limits.type, "Container");
            assert.ok(limits.default && limits.defaultRequest);
            const deny = dev.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "ingress-default-deny").inputs;
            assert.deepEqual(
                [
                    deny.metadata.namespace,
                    deny.spec.podSelector,
                    deny.spec.policyTypes,
                    deny.spec.ingress,
                    deny.spec.egress,
                ],
                ["nginx-gateway", {}, ["Ingress", "Egress"], undefined, undefined],
            );
            assert.equal(
                dev.one("kubernetes:core/v1:ServiceAccountPatch", "ingress-default-sa").inputs
                    .automountServiceAccountToken,
                false,
            );
        });
    });

    describe("ingress controller (NGINX Gateway Fabric)", () => {
        const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
        const policy = (c: Capture, name: string) =>
            c
                .ofType(NETPOL)
                .find((p) => p.inputs.metadata.namespace === "nginx-gateway" && p.inputs.metadata.name === name)!.inputs
                .spec;
        const subnetCidrs = (c: Capture, layer: string) =>
            c
                .ofType("aws:ec2/subnet:Subnet")
                .filter((s) => s.inputs.tags["subnet-layer"] === layer)
                .map((s) => s.inputs.cidrBlock);
        const ports = (rule: any) => rule.ports.map((p: any) => `${p.protocol}/${p.port}`);
        const inIngress = (c: Capture) =>
            c.resources.filter((r) => r.parent.includes("platform:ingress:IngressController"));

        it("declares every vendored object as a typed resource, with no Helm chart or release anywhere", () => {
            const types = inIngress(dev).map((r) => r.type);
            assert.equal(
                types.filter((t) => t === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition").length,
                19,
                "8 Gateway API standard CRDs + 11 NGF CRDs",
            );
            for (const t of [
                "apps/v1:Deployment",
                "batch/v1:Job",
                "core/v1:Service",
                "rbac.authorization.k8s.io/v1:ClusterRole",
                "gateway.networking.k8s.io/v1:GatewayClass",
                "gateway.nginx.org/v1alpha2:NginxProxy",
            ]) {
                assert.ok(types.includes(`kubernetes:${t}`), t);
            }
            assert.equal(
                dev.resources.filter(
                    (r) => r.type.startsWith("kubernetes:helm.sh/") || r.type.startsWith("kubernetes:yaml"),
                ).length,
                0,
            );
        });

        it("pulls both images through the ghcr.io pull-through cache at the pinned release, with snippets off and telemetry disabled", () => {
            const rule = dev
                .ofType("aws:ecr/pullThroughCacheRule:PullThroughCacheRule")
                .find((r) => r.inputs.upstreamRegistryUrl === "ghcr.io")!;
            assert.match(rule.inputs.credentialArn, /secret/);
            assert.match(
                dev.one("aws:secretsmanager/secret:Secret", "ghcr-credentials").inputs.name,
                /^ecr-pullthroughcache\//,
            );
            const registry = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/${rule.inputs.ecrRepositoryPrefix}`;
            const controller = dev.one("kubernetes:apps/v1:Deployment", "nginx-gateway").inputs.spec.template.spec
                .containers[0];
            assert.equal(controller.image, `${registry}/nginx/nginx-gateway-fabric:${NGF.version}`);
            assert.ok(!controller.args.some((a: string) => a.startsWith("--snippets")));
            assert.ok(controller.args.includes("--product-telemetry-disable"));
            assert.equal(
                dev.one("kubernetes:batch/v1:Job").inputs.spec.template.spec.containers[0].image,
                controller.image,
            );
            const proxy = dev.one("kubernetes:gateway.nginx.org/v1alpha2:NginxProxy").inputs.spec;
            assert.deepEqual(proxy.kubernetes.deployment.container.image, {
                repository: `${registry}/nginx/nginx-gateway-fabric/nginx`,
                tag: NGF.version,
                pullPolicy: "IfNotPresent",
            });
        });

        it("provisions NGINX behind exactly one NodePort Service on the fixed ports, with no patches and forwarded headers trusted only from the VPC", () => {
            const proxy = prod.one("kubernetes:gateway.nginx.org/v1alpha2:NginxProxy").inputs.spec;
            assert.deepEqual(proxy.kubernetes.service, {
                type: "NodePort",
                externalTrafficPolicy: "Local",
                nodePorts: [
                    { port: 30443, listenerPort: 443 },
                    { port: 30444, listenerPort: 8081 },
                ],
            });
            assert.equal(proxy.kubernetes.deployment.replicas, 3);
            assert.equal(proxy.kubernetes.deployment.patches, undefined);
            assert.deepEqual(proxy.rewriteClientIP.trustedAddresses, [
                { type: "CIDR", value: prod.one("aws:ec2/vpc:Vpc").inputs.cidrBlock },
            ]);
            assert.equal(proxy.kubernetes.deployment.container.readinessProbe.expose, true);
            const services = inIngress(prod)
                .filter((r) => r.type === "kubernetes:core/v1:Service")
                .map((r) => r.inputs.spec.type);
            assert.deepEqual(services, ["ClusterIP"], "the only declared Service is the control plane's");
        });

        it("serves HTTPS listeners only, each team's hostnames admitting routes from that team's namespace alone", () => {
            const gateway = prod.one("kubernetes:gateway.networking.k8s.io/v1:Gateway").inputs;
            assert.deepEqual([gateway.metadata.namespace, gateway.spec.gatewayClassName], ["nginx-gateway", "nginx"]);
            for (const l of gateway.spec.listeners) {
                assert.deepEqual(
                    [l.protocol, l.port, l.tls.mode, l.tls.certificateRefs[0].name],
                    ["HTTPS", 443, "Terminate", "gateway-listener-tls"],
                    l.name,
                );
                assert.notEqual(l.allowedRoutes.namespaces.from, "All", l.name);
            }
            const [catchAll, ...teams] = gateway.spec.listeners;
            assert.deepEqual([catchAll.hostname, catchAll.allowedRoutes.namespaces.from], [undefined, "Same"]);
            assert.deepEqual(
                teams.map((l: any) => [
                    l.name,
                    l.hostname,
                    l.allowedRoutes.namespaces.selector.matchLabels["kubernetes.io/metadata.name"],
                ]),
                [
                    ["payments-0", "app.shop.example.com", "payments"],
                    ["payments-1", "www.shop.example.com", "payments"],
                ],
            );
            const secret = prod.one("kubernetes:core/v1:Secret", "listener-tls").inputs;
            assert.equal(secret.type, "kubernetes.io/tls");
            assert.ok(prod.one("tls:index/selfSignedCert:SelfSignedCert"));
        });

        it("admits only the ALB subnets to NGINX and lets it reach only the control plane, the team namespaces and DNS", () => {
            const alb = policy(prod, "allow-alb-to-data-plane");
            assert.deepEqual(
                alb.ingress[0].from.map((f: any) => f.ipBlock.cidr),
                subnetCidrs(prod, "public"),
            );
            assert.deepEqual(ports(alb.ingress[0]), ["TCP/443", "TCP/8081"]);
            assert.deepEqual(
                alb.ingress[1].from.map((f: any) => f.ipBlock.cidr),
                subnetCidrs(prod, "private"),
            );
            assert.deepEqual(ports(alb.ingress[1]), ["TCP/8081"], "kubelet probes reach the readiness port only");
            const egress = policy(prod, "allow-data-plane-egress").egress;
            assert.deepEqual(ports(egress[0]), ["TCP/8443"]);
            assert.deepEqual(
                egress[1].to.map((t: any) => t.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]),
                ["payments"],
            );
            const control = policy(prod, "allow-control-plane");
            assert.deepEqual(
                control.egress[0].to.map((t: any) => t.ipBlock.cidr),
                ["172.20.0.0/16", ...subnetCidrs(prod, "private")],
            );
            assert.deepEqual(ports(control.egress[0]), ["TCP/443"]);
            const vpc = prod.one("aws:ec2/vpc:Vpc").inputs.cidrBlock;
            for (const p of prod.ofType(NETPOL).filter((n) => n.inputs.metadata.namespace === "nginx-gateway")) {
                const blocks = JSON.stringify(p.inputs.spec);
                assert.ok(
                    !blocks.includes("0.0.0.0/0") && !blocks.includes(`"${vpc}"`),
                    `${p.inputs.metadata.name} opens nothing wider than named subnets`,
                );
            }
        });

        it("waits for the namespace, the CRDs and the nodes before starting the controller", () => {
            const deployment = dev.one("kubernetes:apps/v1:Deployment", "nginx-gateway");
            assert.ok(deployment.dependencies.includes(dev.one("kubernetes:core/v1:Namespace", "ingress-ns").urn));
            assert.ok(deployment.dependencies.includes(dev.one(NODE_GROUP, "general").urn));
            assert.ok(
                deployment.dependencies.includes(
                    dev.one(
                        "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
                        "gateways.gateway.networking.k8s.io",
                    ).urn,
                ),
            );
        });
    });
});
