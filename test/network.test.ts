import { strict as assert } from "assert";
import { runProgram, Capture } from "./support/harness";

const SUBNET = "aws:ec2/subnet:Subnet";
const ROUTE = "aws:ec2/route:Route";

function layer(c: Capture, name: string) {
    return c.ofType(SUBNET).filter((s) => s.inputs.tags["subnet-layer"] === name);
}

/** Route table id → the routes in it. */
function routesOf(c: Capture, subnetId: string) {
    const assoc = c
        .ofType("aws:ec2/routeTableAssociation:RouteTableAssociation")
        .find((a) => a.inputs.subnetId === subnetId);
    assert.ok(assoc, `subnet ${subnetId} has a route table association`);
    return c.ofType(ROUTE).filter((r) => r.inputs.routeTableId === assoc.inputs.routeTableId);
}

describe("network tier", () => {
    let dev: Capture;
    let prod: Capture;
    before(async () => {
        dev = (await runProgram("dev")).capture;
        prod = (await runProgram("prod")).capture;
    });

    it("builds three subnet layers per AZ: 2 AZs in dev, 3 in prod", () => {
        for (const l of ["public", "private", "isolated"]) {
            assert.equal(layer(dev, l).length, 2, `dev ${l}`);
            assert.equal(layer(prod, l).length, 3, `prod ${l}`);
        }
    });

    it("uses one NAT gateway in dev and one per AZ in prod, each in a public subnet", () => {
        assert.equal(dev.ofType("aws:ec2/natGateway:NatGateway").length, 1);
        assert.equal(prod.ofType("aws:ec2/natGateway:NatGateway").length, 3);
        const publicIds = new Set(layer(prod, "public").map((s) => s.id));
        for (const nat of prod.ofType("aws:ec2/natGateway:NatGateway")) assert.ok(publicIds.has(nat.inputs.subnetId));
    });

    it("routes public subnets to the internet gateway and private subnets through a NAT", () => {
        const igw = dev.one("aws:ec2/internetGateway:InternetGateway");
        for (const s of layer(dev, "public"))
            assert.deepEqual(
                routesOf(dev, s.id).map((r) => r.inputs.gatewayId),
                [igw.id],
            );
        const natIds = new Set(prod.ofType("aws:ec2/natGateway:NatGateway").map((n) => n.id));
        const used = layer(prod, "private").map((s) => {
            const routes = routesOf(prod, s.id);
            assert.equal(routes.length, 1);
            assert.equal(routes[0].inputs.gatewayId, undefined);
            assert.ok(natIds.has(routes[0].inputs.natGatewayId));
            return routes[0].inputs.natGatewayId;
        });
        assert.equal(new Set(used).size, 3, "each private subnet uses the NAT in its own AZ");
    });

    it("gives isolated subnets no route to the internet gateway or a NAT", () => {
        for (const c of [dev, prod]) for (const s of layer(c, "isolated")) assert.deepEqual(routesOf(c, s.id), []);
    });

    it("never maps public IPs on launch and tags subnets for load balancer discovery", () => {
        for (const s of dev.ofType(SUBNET)) assert.equal(s.inputs.mapPublicIpOnLaunch, false, s.name);
        for (const s of layer(dev, "public")) assert.equal(s.inputs.tags["kubernetes.io/role/elb"], "1");
        for (const s of layer(dev, "private")) assert.equal(s.inputs.tags["kubernetes.io/role/internal-elb"], "1");
    });

    it("carves non-overlapping subnets from the VPC CIDR", () => {
        const cidrs = prod.ofType(SUBNET).map((s) => s.inputs.cidrBlock as string);
        assert.equal(new Set(cidrs).size, 9);
        for (const c of cidrs) assert.match(c, /^10\.20\.\d+\.0\/20$/);
    });

    it("admits only the database port from private subnets into the isolated layer", () => {
        const acl = prod.one("aws:ec2/networkAcl:NetworkAcl", "isolated-nacl");
        const privateCidrs = layer(prod, "private").map((s) => s.inputs.cidrBlock);
        assert.deepEqual(
            acl.inputs.ingress.map((r: any) => [r.protocol, r.cidrBlock, r.fromPort, r.toPort]),
            privateCidrs.map((c) => ["tcp", c, 5432, 5432]),
        );
        for (const r of acl.inputs.egress) assert.ok(privateCidrs.includes(r.cidrBlock));
    });

    it("opens no world-facing NACL rule over SSH or RDP", () => {
        for (const acl of prod.ofType("aws:ec2/networkAcl:NetworkAcl"))
            for (const r of acl.inputs.ingress)
                if (r.cidrBlock === "0.0.0.0/0")
                    for (const port of [22, 3389])
                        assert.ok(
                            r.protocol !== "-1" && !(r.fromPort <= port && port <= r.toPort),
                            `${acl.name} rule ${r.ruleNo} covers ${port}`,
                        );
    });

    it("strips the default security group and logs all traffic to a KMS-encrypted log group", () => {
        const sg = dev.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup");
        assert.deepEqual([sg.inputs.ingress, sg.inputs.egress], [[], []]);
        const flow = dev.one("aws:ec2/flowLog:FlowLog");
        assert.equal(flow.inputs.trafficType, "ALL");
        const group = dev.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs");
        assert.equal(flow.inputs.logDestination, group.state.arn);
        assert.equal(group.inputs.kmsKeyId, dev.one("aws:kms/key:Key", "logs").state.arn);
        assert.equal(group.inputs.retentionInDays, 365);
    });

    it("adds an S3 gateway endpoint on the private route tables", () => {
        const ep = prod.one("aws:ec2/vpcEndpoint:VpcEndpoint");
        assert.equal(ep.inputs.serviceName, "com.amazonaws.eu-west-1.s3");
        assert.equal(ep.inputs.routeTableIds.length, 3);
    });
});

describe("keys", () => {
    let dev: Capture;
    before(async () => {
        dev = (await runProgram("dev")).capture;
    });

    it("creates one rotating customer key per purpose with an alias", () => {
        const keys = dev.ofType("aws:kms/key:Key");
        assert.deepEqual(keys.map((k) => k.name).sort(), [
            "keys-app",
            "keys-data",
            "keys-ebs",
            "keys-eks",
            "keys-logs",
        ]);
        for (const k of keys) {
            assert.equal(k.inputs.enableKeyRotation, true, k.name);
            assert.equal(k.inputs.deletionWindowInDays, 30);
        }
        assert.ok(dev.ofType("aws:kms/alias:Alias").some((a) => a.inputs.name === "alias/aws-platform-dev-logs"));
    });

    it("lets CloudWatch Logs use only the logs key", () => {
        const services = (name: string) =>
            JSON.parse(dev.one("aws:kms/key:Key", name).inputs.policy).Statement.flatMap((s: any) =>
                s.Principal.Service ? [s.Principal.Service] : [],
            );
        assert.deepEqual(services("logs"), ["logs.eu-west-1.amazonaws.com"]);
        for (const k of ["eks", "data", "app", "ebs"]) assert.deepEqual(services(k), [], k);
    });
});
