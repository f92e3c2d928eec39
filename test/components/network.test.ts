import { strict as assert } from "assert";
import { Network, NetworkArgs } from "../../components/network";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, keyArn } from "../support/component";

const TYPE = "platform:network:Network";
const SUBNET = "aws:ec2/subnet:Subnet";
const NAT = "aws:ec2/natGateway:NatGateway";

/** The component alone with only its required args. */
function alone(extra: Partial<NetworkArgs> = {}): Promise<Capture> {
    return buildAlone(
        () =>
            new Network("net", {
                cidr: "10.0.0.0/16",
                logsKeyArn: keyArn("logs"),
                region: "eu-west-1",
                tags: TAGS,
                ...extra,
            }),
    );
}

/** The private layer's /20s of 10.0.0.0/16 (subnetPlan: slots 0-2). */
const PRIVATE = ["10.0.0.0/20", "10.0.16.0/20", "10.0.32.0/20"];

const layer = (c: Capture, name: string) => c.ofType(SUBNET).filter((s) => s.inputs.tags["subnet-layer"] === name);

describe("Network component", () => {
    let c: Capture;
    before(async () => {
        c = await alone();
    });

    it("constructs with minimal args: three AZs with a NAT gateway each, every resource its own child", () => {
        assertComponent(c, TYPE, "net", { cidr: "10.0.0.0/16", region: "eu-west-1", logsKeyArn: keyArn("logs") });
        for (const l of ["public", "private", "isolated"]) assert.equal(layer(c, l).length, 3, l);
        assert.deepEqual(
            layer(c, "private")
                .map((s) => s.inputs.cidrBlock)
                .sort(),
            PRIVATE,
        );
        const nats = c.ofType(NAT);
        assert.equal(nats.length, 3);
        // Each private route table leaves through the NAT gateway of its own AZ.
        const routes = c.ofType("aws:ec2/route:Route").filter((r) => r.inputs.natGatewayId);
        assert.deepEqual(routes.map((r) => r.inputs.natGatewayId).sort(), nats.map((n) => n.id).sort());
    });

    it("places nothing publicly by default: no public IPs on launch, a closed default security group", () => {
        for (const s of c.ofType(SUBNET)) assert.equal(s.inputs.mapPublicIpOnLaunch, false, s.name);
        const sg = c.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs;
        assert.deepEqual([sg.ingress, sg.egress], [[], []]);
        const isolated = c.ofType("aws:ec2/routeTable:RouteTable").find((r) => r.name === "net-isolated-rt")!;
        const isolatedRoutes = c.ofType("aws:ec2/route:Route").filter((r) => r.inputs.routeTableId === isolated.id);
        assert.deepEqual(isolatedRoutes, [], "the isolated layer has only the implicit local route");
    });

    it("admits only the default database port (5432) from the private subnets into the isolated layer", () => {
        const acl = c.one("aws:ec2/networkAcl:NetworkAcl", "isolated-nacl").inputs;
        assert.deepEqual(
            acl.ingress.map((r: any) => [r.protocol, r.cidrBlock, r.fromPort, r.toPort]),
            PRIVATE.map((cidr) => ["tcp", cidr, 5432, 5432]),
        );
    });

    it("logs every flow into a KMS-encrypted group kept a year", () => {
        const group = c.one("aws:cloudwatch/logGroup:LogGroup", "flow-logs").inputs;
        assert.deepEqual([group.kmsKeyId, group.retentionInDays], [keyArn("logs"), 365]);
        const flow = c.one("aws:ec2/flowLog:FlowLog").inputs;
        assert.deepEqual([flow.trafficType, flow.vpcId], ["ALL", c.one("aws:ec2/vpc:Vpc").id]);
    });

    it("takes the cheaper single NAT gateway and another database port only when asked", async () => {
        const small = await alone({ azCount: 2, natMode: "single", databasePort: 3306 });
        assert.equal(layer(small, "private").length, 2);
        const [nat] = small.ofType(NAT);
        assert.equal(small.ofType(NAT).length, 1);
        const routes = small.ofType("aws:ec2/route:Route").filter((r) => r.inputs.natGatewayId);
        assert.deepEqual(
            routes.map((r) => r.inputs.natGatewayId),
            [nat.id, nat.id],
        );
        const acl = small.one("aws:ec2/networkAcl:NetworkAcl", "isolated-nacl").inputs;
        assert.deepEqual([...new Set(acl.ingress.map((r: any) => r.fromPort))], [3306]);
    });

    it("refuses an AZ count the subnet plan or the ALB cannot take", async () => {
        await assert.rejects(alone({ azCount: 1 }), /network azCount 1 is invalid: it must be 2, 3 or 4/);
        await assert.rejects(alone({ azCount: 5 }), /network azCount 5 is invalid/);
    });
});
