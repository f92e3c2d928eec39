import { strict as assert } from "assert";
import { ADMIN_POLICY, CONTROL_PLANE_LOG_TYPES, INGRESS_CHART, PREVIEW_GROUP, PREVIEW_READER_ROLE, VIEW_POLICY, amiTypeFor, withoutCreatorAdmin } from "../components/cluster";
import { Capture, CapturedResource, RunOptions, runProgram } from "./support/harness";

const EKS = "eks:index:Cluster";
const NODE_GROUP = "aws:eks/nodeGroup:NodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const ADDON = "aws:eks/addon:Addon";
const CHART = "kubernetes:helm.sh/v4:Chart";
const SG = "aws:ec2/securityGroup:SecurityGroup";

/** The real program (index.ts) for `stack`: the cluster tier fed by the real network and edge tiers. */
async function build(stack: string, options: RunOptions = {}): Promise<Capture> {
    return (await runProgram(stack, options)).capture;
}

const privateSubnetIds = (c: Capture) => c.ofType("aws:ec2/subnet:Subnet").filter((s) => s.inputs.tags["subnet-layer"] === "private").map((s) => s.id);
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
                overrides: { cluster: { version: "1.31", publicEndpoint: true, publicAccessCidrs: ["203.0.113.0/24"], nodeGroups: [{ name: "general", instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 2 }] } },
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
            assert.deepEqual(eks.inputs.enabledClusterLogTypes, ["api", "audit", "authenticator", "controllerManager", "scheduler"]);
            assert.deepEqual(CONTROL_PLANE_LOG_TYPES, eks.inputs.enabledClusterLogTypes);
            const group = dev.one("aws:cloudwatch/logGroup:LogGroup", "control-plane");
            assert.equal(group.inputs.name, `/aws/eks/${eks.inputs.name}/cluster`);
            assert.equal(eks.inputs.name, "aws-platform-dev");
            assert.equal(group.inputs.kmsKeyId, keyArn(dev, "logs"));
            assert.equal(group.inputs.retentionInDays, 365);
            assert.ok(eks.dependencies.includes(group.urn), "the cluster waits for its log group, or EKS creates an unencrypted one");
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
            const props = { name: "x", accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true } };
            const out = await withoutCreatorAdmin({ type: "aws:eks/cluster:Cluster", name: "x", custom: true, props, opts: {} });
            assert.deepEqual(out?.props.accessConfig, { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false });
            assert.equal(await withoutCreatorAdmin({ type: "aws:iam/role:Role", name: "x", custom: true, props, opts: {} }), undefined);
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
                    rules.map((r) => [r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4]),
                    [["tcp", 443, 443, runner.id, undefined]],
                );
                assert.equal(runner.inputs.tags["sg-role"], "ci-runner");
                assert.deepEqual(runner.inputs.ingress ?? [], [], "nothing connects to a runner");
            }
        });

        it("creates the rule before the Kubernetes provider makes its first call", () => {
            const rule = dev.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").find((r) => r.name.endsWith("api-from-runner"))!;
            const provider = dev.one("pulumi:providers:kubernetes");
            assert.ok(provider.dependencies.includes(rule.urn));
        });

        it("runs the runner in the private subnets, as the CodeBuild project the workflows name", () => {
            const project = dev.one("aws:codebuild/project:Project", "runner-project");
            assert.equal(project.inputs.name, "platform-dev-runner");
            const privateSubnets = dev.ofType("aws:ec2/subnet:Subnet").filter((s) => s.inputs.tags["subnet-layer"] === "private").map((s) => s.id);
            assert.deepEqual([...project.inputs.vpcConfig.subnets].sort(), privateSubnets.sort());
            assert.equal(project.inputs.environment.privilegedMode, false);
            const hook = dev.one("aws:codebuild/webhook:Webhook");
            assert.deepEqual(hook.inputs.filterGroups, [{ filters: [{ type: "EVENT", pattern: "WORKFLOW_JOB_QUEUED" }] }]);
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
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-admin"), [[ADMIN_POLICY, "cluster"]]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-ci-deployer"), [[ADMIN_POLICY, "cluster"]]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-jenkins-deployer"), [[ADMIN_POLICY, "cluster"]]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-ci-preview"), [[VIEW_POLICY, "cluster"]]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/platform-jenkins-preview"), [[VIEW_POLICY, "cluster"]]);
            assert.deepEqual(policiesOf(prod, "arn:aws:iam::444455556666:role/developer-readonly"), [[VIEW_POLICY, "cluster"]]);
            assert.equal(VIEW_POLICY, "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy");
        });

        it("maps team developers to their Kubernetes group with no access policy", () => {
            const payments = entries(dev).find((e) => e.inputs.principalArn === "arn:aws:iam::111122223333:role/payments-developer");
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
                const deployer = entries(dev).find((e) => e.inputs.principalArn === `arn:aws:iam::111122223333:role/${role}`);
                assert.deepEqual(deployer?.inputs.kubernetesGroups, ["platform:ci-deployers"], role);
            }
        });

        it("gives the preview roles read-only access: the view policy plus a reader role for RBAC and cluster-scoped kinds, never Secrets", () => {
            for (const role of ["platform-ci-preview", "platform-jenkins-preview"]) {
                const preview = entries(dev).find((e) => e.inputs.principalArn === `arn:aws:iam::111122223333:role/${role}`);
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
            for (const k of ["clusterroles", "clusterrolebindings", "storageclasses", "customresourcedefinitions", "validatingwebhookconfigurations", "ingressclasses"]) assert.ok(kinds.includes(k), k);
            const binding = dev.one("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "preview-reader");
            assert.deepEqual(binding.inputs.subjects, [{ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: PREVIEW_GROUP }]);
            assert.equal(binding.inputs.roleRef.name, PREVIEW_READER_ROLE);
        });

        it("creates one entry per role even when a role is listed twice", async () => {
            const c = await build("dev", {
                overrides: {
                    cluster: {
                        version: "1.31",
                        adminRoleArns: ["arn:aws:iam::111122223333:role/platform-ci-deployer"],
                        viewerRoleArns: ["arn:aws:iam::111122223333:role/platform-ci-deployer"],
                        nodeGroups: [{ name: "general", instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 2 }],
                    },
                },
            });
            const deployer = entries(c).filter((e) => e.inputs.principalArn === "arn:aws:iam::111122223333:role/platform-ci-deployer");
            assert.equal(deployer.length, 1);
            assert.deepEqual(policiesOf(c, "arn:aws:iam::111122223333:role/platform-ci-deployer").map(([p]) => p).sort(), [ADMIN_POLICY, VIEW_POLICY]);
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
            assert.deepEqual(root.ebs, { volumeSize: 50, volumeType: "gp3", encrypted: "true", kmsKeyId: keyArn(prod, "ebs"), deleteOnTermination: "true" });
        });

        it("puts nodes in the EKS cluster SG and a node SG that admits only the ALB, on the ingress node port", () => {
            const nodeSg = dev.one(SG, "nodes");
            const albSg = dev.one(SG, "alb");
            assert.equal(albSg.parent, dev.one("platform:edge:Edge").urn, "the edge tier's ALB security group");
            assert.deepEqual(dev.one(LAUNCH_TEMPLATE, "general").inputs.vpcSecurityGroupIds, [dev.one(EKS).state.clusterSecurityGroupId, nodeSg.id]);
            const rules = dev.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule").filter((r) => r.inputs.securityGroupId === nodeSg.id);
            assert.deepEqual(
                rules.map((r) => [r.inputs.ipProtocol, r.inputs.fromPort, r.inputs.toPort, r.inputs.referencedSecurityGroupId, r.inputs.cidrIpv4]),
                [["tcp", 30443, 30443, albSg.id, undefined]],
            );
            assert.equal(nodeSg.inputs.ingress, undefined);
        });

        it("registers every node group's Auto Scaling group with the edge tier's target group", () => {
            const group = prod.one(NODE_GROUP, "general");
            const attachment = prod.one("aws:autoscaling/attachment:Attachment", "general-ingress");
            const targetGroup = prod.one("aws:lb/targetGroup:TargetGroup");
            assert.equal(targetGroup.parent, prod.one("platform:edge:Edge").urn, "the edge tier's target group");
            assert.equal(attachment.inputs.lbTargetGroupArn, targetGroup.state.arn);
            assert.match(attachment.inputs.lbTargetGroupArn, /^arn:aws:elasticloadbalancing:eu-west-1:444455556666:targetgroup\//);
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
            assert.deepEqual(policies, ["AmazonEC2ContainerRegistryReadOnly", "AmazonEKSWorkerNodePolicy", "AmazonSSMManagedInstanceCore"]);
        });

        it("chooses the ARM AMI for Graviton groups and refuses mixed architectures", () => {
            assert.equal(amiTypeFor({ name: "arm", instanceTypes: ["m7g.large", "c6gn.xlarge"] }), "AL2023_ARM_64_STANDARD");
            assert.equal(amiTypeFor({ name: "x86", instanceTypes: ["t3.medium"] }), "AL2023_x86_64_STANDARD");
            assert.throws(() => amiTypeFor({ name: "mixed", instanceTypes: ["m7g.large", "m7i.large"] }), /mixes ARM and x86/);
        });
    });

    describe("add-ons", () => {
        const addon = (c: Capture, n: string) => c.ofType(ADDON).find((a) => a.inputs.addonName === n)!;

        it("manages vpc-cni, kube-proxy, coredns and the EBS CSI driver as EKS add-ons", () => {
            assert.deepEqual(dev.ofType(ADDON).map((a) => a.inputs.addonName).sort(), ["aws-ebs-csi-driver", "coredns", "kube-proxy", "metrics-server", "vpc-cni"]);
            const eks = dev.one(EKS).inputs;
            assert.equal(eks.bootstrapSelfManagedAddons, false);
            assert.equal(eks.corednsAddonOptions.enabled, false);
            assert.equal(eks.kubeProxyAddonOptions.enabled, false);
        });

        it("installs the CNI and kube-proxy before the nodes and the rest after them", () => {
            const group = dev.one(NODE_GROUP, "general");
            for (const n of ["vpc-cni", "kube-proxy"]) assert.ok(group.dependencies.includes(addon(dev, n).urn), n);
            for (const n of ["coredns", "aws-ebs-csi-driver"]) assert.ok(addon(dev, n).dependencies.includes(group.urn), n);
        });

        it("gives the EBS CSI driver an IRSA role bound to its service account, with use of the EBS key only", () => {
            const ebs = addon(dev, "aws-ebs-csi-driver");
            const role = dev.one("aws:iam/role:Role", "ebs-csi");
            assert.equal(ebs.inputs.serviceAccountRoleArn, role.state.arn);
            const [trust] = policyDoc(role, "assumeRolePolicy").Statement;
            const eks = dev.one(EKS).state;
            assert.equal(trust.Principal.Federated, eks.oidcProviderArn);
            assert.equal(trust.Condition.StringEquals[`${eks.oidcIssuer}:sub`], "system:serviceaccount:kube-system:ebs-csi-controller-sa");
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
            const adminEntries = dev.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").filter((a) => a.inputs.policyArn === ADMIN_POLICY);
            for (const a of adminEntries) assert.ok(provider.dependencies.includes(a.urn), a.name);
            for (const r of inCluster(dev)) assert.ok(r.provider.startsWith(provider.urn), `${r.type} ${r.name} uses the cluster provider`);
            assert.ok(inCluster(dev).length >= 8);
        });

        it("makes an encrypted gp3 class the default and unsets gp2", () => {
            const sc = dev.one("kubernetes:storage.k8s.io/v1:StorageClass").inputs;
            assert.equal(sc.metadata.annotations["storageclass.kubernetes.io/is-default-class"], "true");
            assert.equal(sc.provisioner, "ebs.csi.aws.com");
            assert.deepEqual([sc.parameters.type, sc.parameters.encrypted, sc.parameters.kmsKeyId], ["gp3", "true", keyArn(dev, "ebs")]);
            assert.equal(sc.volumeBindingMode, "WaitForFirstConsumer");
            assert.equal(sc.reclaimPolicy, "Delete");
            assert.equal(prod.one("kubernetes:storage.k8s.io/v1:StorageClass").inputs.reclaimPolicy, "Retain");
            const gp2 = dev.one("kubernetes:storage.k8s.io/v1:StorageClassPatch").inputs.metadata;
            assert.deepEqual([gp2.name, gp2.annotations["storageclass.kubernetes.io/is-default-class"]], ["gp2", "false"]);
        });

        it("guards the ingress-nginx namespace: baseline PSS, quota, limit defaults, default-deny", () => {
            const ns = dev.one("kubernetes:core/v1:Namespace", "ingress-ns").inputs.metadata;
            assert.equal(ns.name, "ingress-nginx");
            assert.equal(ns.labels["pod-security.kubernetes.io/enforce"], "baseline");
            const quota = dev.one("kubernetes:core/v1:ResourceQuota", "ingress-quota").inputs;
            assert.equal(quota.metadata.namespace, "ingress-nginx");
            for (const k of ["requests.cpu", "requests.memory", "limits.memory", "pods"]) assert.ok(quota.spec.hard[k], k);
            const [limits] = dev.one("kubernetes:core/v1:LimitRange", "ingress-limits").inputs.spec.limits;
            assert.equal(limits.type, "Container");
            assert.ok(limits.default && limits.defaultRequest);
            const deny = dev.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "ingress-default-deny").inputs;
            assert.deepEqual([deny.metadata.namespace, deny.spec.podSelector, deny.spec.policyTypes, deny.spec.ingress, deny.spec.egress], ["ingress-nginx", {}, ["Ingress", "Egress"], undefined, undefined]);
        });
    });

    describe("ingress-nginx", () => {
        const values = (c: Capture) => c.one(CHART).inputs.values.controller;

        it("installs the pinned chart as a v4 Chart (rendered objects visible to the pack) in its namespace", () => {
            const chart = dev.one(CHART).inputs;
            assert.deepEqual([chart.chart, chart.version, chart.repositoryOpts.repo, chart.namespace], ["ingress-nginx", INGRESS_CHART.version, "https://kubernetes.github.io/ingress-nginx", "ingress-nginx"]);
            assert.match(chart.version, /^\d+\.\d+\.\d+$/);
            assert.equal(dev.ofType("kubernetes:helm.sh/v3:Release").length, 0);
        });

        it("redirects to HTTPS and trusts forwarded headers only from the VPC", () => {
            const config = values(dev).config;
            assert.equal(config["ssl-redirect"], "true");
            assert.equal(config["force-ssl-redirect"], "true");
            assert.equal(config["use-forwarded-headers"], "true");
            assert.equal(config["compute-full-forwarded-for"], "true");
            assert.equal(config["proxy-real-ip-cidr"], "10.10.0.0/16");
            assert.equal(config.hsts, "true");
            assert.ok(Number(config["hsts-max-age"]) >= 31536000);
            assert.equal(config["allow-snippet-annotations"], "false");
        });

        it("exposes only HTTPS on the fixed node port the ALB targets", () => {
            const service = values(prod).service;
            assert.equal(service.type, "NodePort");
            assert.equal(service.enableHttp, false);
            assert.deepEqual(service.nodePorts, { https: 30443 });
        });

        it("runs the configured replicas with a PodDisruptionBudget, spread across zones", () => {
            assert.equal(values(dev).replicaCount, 1);
            assert.equal(values(prod).replicaCount, 3);
            assert.equal(values(prod).minAvailable, 1);
            assert.ok(values(prod).topologySpreadConstraints.some((t: any) => t.topologyKey === "topology.kubernetes.io/zone"));
        });

        it("runs the controller non-root with only NET_BIND_SERVICE and images from the account's registry", () => {
            const v = values(dev);
            const sc = v.containerSecurityContext;
            assert.deepEqual([sc.allowPrivilegeEscalation, sc.runAsNonRoot, sc.capabilities.drop, sc.capabilities.add], [false, true, ["ALL"], ["NET_BIND_SERVICE"]]);
            assert.equal(v.admissionWebhooks.enabled, true);
            assert.ok(v.resources.requests.cpu && v.resources.limits.memory);
            const rule = dev.one("aws:ecr/pullThroughCacheRule:PullThroughCacheRule");
            assert.equal(rule.inputs.upstreamRegistryUrl, "registry.k8s.io");
            assert.equal(v.image.registry, `111122223333.dkr.ecr.eu-west-1.amazonaws.com/${rule.inputs.ecrRepositoryPrefix}`);
        });

        it("waits for the namespace guardrails and the nodes before installing", () => {
            const chart = dev.one(CHART);
            assert.ok(chart.dependencies.includes(dev.one("kubernetes:core/v1:Namespace", "ingress-ns").urn));
            assert.ok(chart.dependencies.includes(dev.one(NODE_GROUP, "general").urn));
        });
    });
});
