import { strict as assert } from "assert";
import { Cluster, ClusterArgs } from "../../components/cluster";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, keyArn } from "../support/component";

const TYPE = "platform:cluster:Cluster";
const EKS = "eks:index:Cluster";
const ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry";

function alone(extra: Partial<ClusterArgs> = {}): Promise<Capture> {
    return buildAlone(
        () =>
            new Cluster("k8s", {
                vpcId: "vpc-0123",
                vpcCidr: "10.0.0.0/16",
                albSubnetCidrs: ["10.0.64.0/20"],
                privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"],
                accountId: "111122223333",
                region: "eu-west-1",
                version: "1.31",
                secretsKeyArn: keyArn("eks"),
                ebsKeyArn: keyArn("ebs"),
                logsKeyArn: keyArn("logs"),
                nodeGroups: [{ name: "general", instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 2 }],
                albSecurityGroupId: "sg-alb",
                targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/edge/0123",
                tags: TAGS,
                ...extra,
            }),
    );
}

describe("Cluster component", () => {
    let c: Capture;
    before(async () => {
        c = await alone();
    });

    it("constructs with minimal args: a private, encrypted, protected control plane whose every resource it owns", () => {
        // The test's own parts are the only ones outside: nothing else in the run may be unparented or misnamed.
        assertComponent(c, TYPE, "k8s", { version: "1.31", vpcCidr: "10.0.0.0/16" });
        const eks = c.one(EKS);
        assert.deepEqual(
            [eks.inputs.endpointPrivateAccess, eks.inputs.endpointPublicAccess, eks.inputs.publicAccessCidrs],
            [true, false, undefined],
        );
        assert.deepEqual([eks.inputs.deletionProtection, eks.protect], [true, true]);
        assert.deepEqual(
            [eks.inputs.encryptionConfigKeyArn, eks.inputs.kubernetesServiceIpAddressRange],
            [keyArn("eks"), "172.20.0.0/16"],
        );
        assert.deepEqual(eks.inputs.privateSubnetIds, ["subnet-priv-a", "subnet-priv-b"]);
        const group = c.one("aws:cloudwatch/logGroup:LogGroup", "control-plane");
        assert.deepEqual(
            [group.inputs.kmsKeyId, group.inputs.retentionInDays, group.protect],
            [keyArn("logs"), 365, true],
        );
    });

    it("admits nobody by default: no access entries, and no API rule for a runner", () => {
        assert.equal(c.ofType(ACCESS_ENTRY).length, 0);
        assert.equal(c.ofType("aws:eks/accessPolicyAssociation:AccessPolicyAssociation").length, 0);
        const rules = c.ofType("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule");
        assert.deepEqual(
            rules.map((r) => [r.name, r.inputs.referencedSecurityGroupId, r.inputs.fromPort, r.inputs.toPort]),
            [["k8s-nodes-from-alb", "sg-alb", 30443, 30444]],
        );
    });

    it("gives a node group its defaults: 50 GiB encrypted gp3, on-demand, IMDSv2 only, its name as label", () => {
        const template = c.one("aws:ec2/launchTemplate:LaunchTemplate", "k8s-general").inputs;
        assert.deepEqual(template.blockDeviceMappings[0].ebs, {
            volumeSize: 50,
            volumeType: "gp3",
            encrypted: "true",
            kmsKeyId: keyArn("ebs"),
            deleteOnTermination: "true",
        });
        assert.deepEqual(
            [template.metadataOptions.httpTokens, template.metadataOptions.httpPutResponseHopLimit],
            ["required", 1],
        );
        const group = c.one("aws:eks/nodeGroup:NodeGroup", "k8s-general").inputs;
        assert.deepEqual(
            [group.capacityType, group.labels, group.subnetIds],
            ["ON_DEMAND", { "platform/node-group": "general" }, ["subnet-priv-a", "subnet-priv-b"]],
        );
        assert.equal(
            c.one("kubernetes:storage.k8s.io/v1:StorageClass").inputs.reclaimPolicy,
            "Retain",
            "protected by default, so volumes outlive their claims",
        );
    });

    it("runs the ingress controller as its child with the default replicas and node port", () => {
        const ingress = c.one("platform:ingress:IngressController");
        assert.equal(ingress.parent, c.one(TYPE).urn);
        assert.deepEqual([ingress.inputs.replicas, ingress.inputs.nodePort], [2, 30443]);
        const proxy = c.one("kubernetes:gateway.nginx.org/v1alpha2:NginxProxy").inputs.spec.kubernetes;
        assert.equal(proxy.deployment.replicas, 2);
    });

    it("maps given roles to access entries and opens the API to a given runner group", async () => {
        const wired = await alone({
            adminRoleArns: ["arn:aws:iam::111122223333:role/admin"],
            teams: [{ name: "orders", developerRoleArns: ["arn:aws:iam::111122223333:role/orders-dev"] }],
            runnerSecurityGroupId: "sg-runner",
            protect: false,
        });
        assert.deepEqual(
            wired
                .ofType(ACCESS_ENTRY)
                .map((e) => [e.inputs.principalArn, e.inputs.kubernetesGroups])
                .sort(),
            [
                ["arn:aws:iam::111122223333:role/admin", []],
                ["arn:aws:iam::111122223333:role/orders-dev", ["orders-developers"]],
            ],
        );
        const rule = wired.one("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "api-from-runner");
        assert.deepEqual([rule.inputs.referencedSecurityGroupId, rule.inputs.fromPort], ["sg-runner", 443]);
        assert.deepEqual([wired.one(EKS).protect, wired.one(EKS).inputs.deletionProtection], [false, false]);
    });
});
