import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { cidrSubnet, databasePort } from "../config";
import { withDefaults, registrable } from "./defaults";
import { Tags, named } from "./tags";

export type SubnetLayer = "public" | "private" | "isolated";

export interface NetworkArgs {
    /** The VPC CIDR, /16 to /20: every subnet is carved from it (see subnetPlan). Required. */
    cidr: string;
    /** Availability zones, each with a public, a private and an isolated subnet; 2 to 4. Default is `3`. */
    azCount?: number;
    /**
     * `single`: one NAT gateway (cheap, one AZ failure cuts egress); `perAz`: one per AZ (HA).
     * Default is `perAz`.
     */
    natMode?: "single" | "perAz";
    /**
     * The database port: the only traffic the isolated layer's NACL admits (from the private layer).
     * Default is `5432` (PostgreSQL, the data tier's default engine).
     */
    databasePort?: number;
    /** KMS key of the flow-log group (LOG-04): flow logs are always on and always encrypted. Required. */
    logsKeyArn: pulumi.Input<string>;
    /** Retention of the flow-log group. Default is 365 days (LOG-04). */
    flowLogRetentionDays?: number;
    /** The region: names the S3 gateway endpoint and scopes the flow-log role's trust. Required. */
    region: pulumi.Input<string>;
    /** Tags on every resource (the `tags()` set: project, stack, tier, owner). Required. */
    tags: Tags;
}

/** The defaults of the optional NetworkArgs: three AZs, a NAT gateway in each, a year of flow logs. */
export const NETWORK_DEFAULTS = {
    azCount: 3,
    natMode: "perAz" as "single" | "perAz",
    databasePort: databasePort("postgres"),
    flowLogRetentionDays: 365,
};

/** NetworkArgs with the defaults applied: what the resources read. */
type NetworkSettings = NetworkArgs & typeof NETWORK_DEFAULTS;

/**
 * Address plan, per AZ index i, carved from the VPC CIDR in sixteenths (a /16 gives /20s):
 * private (nodes and pods need the most addresses) at i, public at 4+i, isolated at 8+i.
 */
export function subnetPlan(cidr: string, azCount: number): Record<SubnetLayer, string[]> {
    const azs = [...Array(azCount).keys()];
    return {
        private: azs.map((i) => cidrSubnet(cidr, 4, i)),
        public: azs.map((i) => cidrSubnet(cidr, 4, 4 + i)),
        isolated: azs.map((i) => cidrSubnet(cidr, 4, 8 + i)),
    };
}

// NACLs are stateless: return traffic needs the ephemeral range. It is split around 3389 so no
// rule open to the world covers an admin port (NET-06 / EC2.21).
const EPHEMERAL: Array<[number, number]> = [
    [1024, 3388],
    [3390, 65535],
];

export class Network extends pulumi.ComponentResource {
    public readonly vpcId: pulumi.Output<string>;
    public readonly vpcCidr: string;
    public readonly availabilityZones: pulumi.Output<string[]>;
    public readonly publicSubnetIds: pulumi.Output<string>[];
    public readonly privateSubnetIds: pulumi.Output<string>[];
    public readonly isolatedSubnetIds: pulumi.Output<string>[];
    /** Where the ALB lives: the ingress data plane admits only these. */
    public readonly publicSubnetCidrs: string[];
    public readonly privateSubnetCidrs: string[];
    public readonly isolatedSubnetCidrs: string[];
    public readonly natGatewayCount: number;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:network:Network", name, registrable(args), opts);
        const child = { parent: this };
        const settings: NetworkSettings = withDefaults(NETWORK_DEFAULTS, args);
        const { azCount } = settings;
        // The subnet plan has four slots per layer; the ALB needs two AZs (EDGE-07).
        if (!Number.isInteger(azCount) || azCount < 2 || azCount > 4)
            throw new Error(`network azCount ${azCount} is invalid: it must be 2, 3 or 4`);
        const plan = subnetPlan(args.cidr, azCount);
        const azNames = aws.getAvailabilityZonesOutput({ state: "available" }, child).names;

        const vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.cidr,
                enableDnsSupport: true,
                enableDnsHostnames: true,
                tags: named(args.tags, `${name}-vpc`),
            },
            child,
        );

        // Adopting the default security group with no rules strips its allow-all rules (NET-02 / EC2.2).
        new aws.ec2.DefaultSecurityGroup(
            `${name}-default-sg`,
            { vpcId: vpc.id, ingress: [], egress: [], tags: named(args.tags, `${name}-default-closed`) },
            child,
        );

        const igw = new aws.ec2.InternetGateway(
            `${name}-igw`,
            { vpcId: vpc.id, tags: named(args.tags, `${name}-igw`) },
            child,
        );

        const subnets = (layer: SubnetLayer, roleTag: Tags) =>
            plan[layer].map(
                (cidrBlock, i) =>
                    new aws.ec2.Subnet(
                        `${name}-${layer}-${i}`,
                        {
                            vpcId: vpc.id,
                            cidrBlock,
                            availabilityZone: azNames.apply((n) => n[i]),
                            // Never true, not even for public subnets: the ALB and NAT gateways get their own addresses (NET-01 / EC2.15).
                            mapPublicIpOnLaunch: false,
                            tags: { ...named(args.tags, `${name}-${layer}-${i}`), "subnet-layer": layer, ...roleTag },
                        },
                        child,
                    ),
            );
        const publicSubnets = subnets("public", { "kubernetes.io/role/elb": "1" });
        const privateSubnets = subnets("private", { "kubernetes.io/role/internal-elb": "1" });
        const isolatedSubnets = subnets("isolated", {});

        // Public layer: one route table, default route to the internet gateway.
        const publicRt = new aws.ec2.RouteTable(
            `${name}-public-rt`,
            { vpcId: vpc.id, tags: named(args.tags, `${name}-public`) },
            child,
        );
        new aws.ec2.Route(
            `${name}-public-default`,
            { routeTableId: publicRt.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: igw.id },
            child,
        );
        publicSubnets.forEach(
            (s, i) =>
                new aws.ec2.RouteTableAssociation(
                    `${name}-public-${i}`,
                    { subnetId: s.id, routeTableId: publicRt.id },
                    child,
                ),
        );

        // NAT gateways live in public subnets; private route tables send egress through the one in their AZ (or the only one).
        this.natGatewayCount = settings.natMode === "perAz" ? azCount : 1;
        const nats = [...Array(this.natGatewayCount).keys()].map((i) => {
            const eip = new aws.ec2.Eip(
                `${name}-nat-${i}`,
                { domain: "vpc", tags: named(args.tags, `${name}-nat-${i}`) },
                { ...child, dependsOn: [igw] },
            );
            return new aws.ec2.NatGateway(
                `${name}-nat-${i}`,
                {
                    allocationId: eip.id,
                    subnetId: publicSubnets[i].id,
                    connectivityType: "public",
                    tags: named(args.tags, `${name}-nat-${i}`),
                },
                child,
            );
        });
        const privateRts = privateSubnets.map((s, i) => {
            const rt = new aws.ec2.RouteTable(
                `${name}-private-rt-${i}`,
                { vpcId: vpc.id, tags: named(args.tags, `${name}-private-${i}`) },
                child,
            );
            new aws.ec2.Route(
                `${name}-private-egress-${i}`,
                {
                    routeTableId: rt.id,
                    destinationCidrBlock: "0.0.0.0/0",
                    natGatewayId: nats[Math.min(i, nats.length - 1)].id,
                },
                child,
            );
            new aws.ec2.RouteTableAssociation(`${name}-private-${i}`, { subnetId: s.id, routeTableId: rt.id }, child);
            return rt;
        });

        // Isolated layer: a route table with only the implicit local route. No internet, no NAT.
        const isolatedRt = new aws.ec2.RouteTable(
            `${name}-isolated-rt`,
            { vpcId: vpc.id, tags: named(args.tags, `${name}-isolated`) },
            child,
        );
        isolatedSubnets.forEach(
            (s, i) =>
                new aws.ec2.RouteTableAssociation(
                    `${name}-isolated-${i}`,
                    { subnetId: s.id, routeTableId: isolatedRt.id },
                    child,
                ),
        );

        // S3 without the NAT: image layers from ECR and app objects stay on the AWS network.
        new aws.ec2.VpcEndpoint(
            `${name}-s3`,
            {
                vpcId: vpc.id,
                serviceName: pulumi.interpolate`com.amazonaws.${args.region}.s3`,
                vpcEndpointType: "Gateway",
                routeTableIds: privateRts.map((rt) => rt.id),
                tags: named(args.tags, `${name}-s3`),
            },
            child,
        );

        this.networkAcls(
            name,
            vpc,
            { public: publicSubnets, private: privateSubnets, isolated: isolatedSubnets },
            plan,
            settings,
        );
        this.flowLogs(name, vpc, settings);

        this.vpcId = vpc.id;
        this.vpcCidr = args.cidr;
        this.availabilityZones = azNames.apply((n) => n.slice(0, azCount));
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.isolatedSubnetIds = isolatedSubnets.map((s) => s.id);
        this.publicSubnetCidrs = plan.public;
        this.privateSubnetCidrs = plan.private;
        this.isolatedSubnetCidrs = plan.isolated;
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            isolatedSubnetIds: this.isolatedSubnetIds,
        });
    }

    private networkAcls(
        name: string,
        vpc: aws.ec2.Vpc,
        layers: Record<SubnetLayer, aws.ec2.Subnet[]>,
        plan: Record<SubnetLayer, string[]>,
        args: NetworkSettings,
    ): void {
        type Rule = aws.types.input.ec2.NetworkAclIngress;
        let ruleNo = 100;
        const rule = (protocol: string, cidrBlock: string, fromPort: number, toPort: number): Rule => ({
            ruleNo: (ruleNo += 10),
            action: "allow",
            protocol,
            cidrBlock,
            fromPort,
            toPort,
        });
        const fromVpc = (): Rule => rule("-1", args.cidr, 0, 0);
        const ephemeralFrom = (cidrBlock: string): Rule[] =>
            EPHEMERAL.flatMap(([from, to]) => [rule("tcp", cidrBlock, from, to), rule("udp", cidrBlock, from, to)]);
        const acl = (layer: SubnetLayer, ingress: Rule[], egress: Rule[]) => {
            new aws.ec2.NetworkAcl(
                `${name}-${layer}-nacl`,
                {
                    vpcId: vpc.id,
                    subnetIds: layers[layer].map((s) => s.id),
                    ingress,
                    egress,
                    tags: named(args.tags, `${name}-${layer}`),
                },
                { parent: this },
            );
            ruleNo = 100;
        };

        // Public: HTTP(S) from anywhere to the ALB, return traffic for NAT'd connections, anything from inside the VPC.
        acl(
            "public",
            [
                rule("tcp", "0.0.0.0/0", 443, 443),
                rule("tcp", "0.0.0.0/0", 80, 80),
                fromVpc(),
                ...ephemeralFrom("0.0.0.0/0"),
            ],
            [rule("-1", "0.0.0.0/0", 0, 0)],
        );
        // Private: traffic from inside the VPC, and return traffic of egress through the NAT.
        acl("private", [fromVpc(), ...ephemeralFrom("0.0.0.0/0")], [rule("-1", "0.0.0.0/0", 0, 0)]);
        // Isolated: only the database port from the private layer in; only replies back out.
        acl(
            "isolated",
            plan.private.map((c) => rule("tcp", c, args.databasePort, args.databasePort)),
            plan.private.map((c) => rule("tcp", c, 1024, 65535)),
        );
    }

    private flowLogs(name: string, vpc: aws.ec2.Vpc, args: NetworkSettings): void {
        const child = { parent: this };
        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-flow-logs`,
            {
                name: `/aws/vpc/${name}/flow-logs`,
                retentionInDays: args.flowLogRetentionDays,
                kmsKeyId: args.logsKeyArn,
                tags: named(args.tags, `${name}-flow-logs`),
            },
            child,
        );
        // The role and policy of the AWS guide "IAM role for publishing flow logs to CloudWatch Logs"
        // (https://docs.aws.amazon.com/vpc/latest/userguide/flow-logs-iam-role.html): the same five actions, the
        // confused-deputy conditions on the trust, and the resources narrowed to this log group.
        const role = new aws.iam.Role(
            `${name}-flow-logs`,
            {
                assumeRolePolicy: pulumi
                    .all([args.region, logGroup.arn])
                    .apply(([region, arn]) => JSON.stringify(flowLogTrustPolicy(region, arn.split(":")[4]))),
                tags: args.tags,
            },
            child,
        );
        new aws.iam.RolePolicy(
            `${name}-flow-logs`,
            {
                role: role.id,
                policy: logGroup.arn.apply((arn) =>
                    JSON.stringify({ Version: "2012-10-17", Statement: flowLogStatements(arn) }),
                ),
            },
            child,
        );
        new aws.ec2.FlowLog(
            `${name}-flow-log`,
            {
                vpcId: vpc.id,
                trafficType: "ALL",
                logDestinationType: "cloud-watch-logs",
                logDestination: logGroup.arn,
                iamRoleArn: role.arn,
                maxAggregationInterval: 60,
                tags: named(args.tags, `${name}-flow-log`),
            },
            child,
        );
    }
}

/** Trust of the flow-log role: the VPC Flow Logs service, only on behalf of this account's flow logs. */
export function flowLogTrustPolicy(region: string, account: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                    StringEquals: { "aws:SourceAccount": account },
                    ArnLike: { "aws:SourceArn": `arn:aws:ec2:${region}:${account}:vpc-flow-log/*` },
                },
            },
        ],
    };
}

/** The documented flow-log permissions, on this log group (DescribeLogGroups lists, so it takes the account's groups). */
export function flowLogStatements(logGroupArn: string): object[] {
    const groups = logGroupArn.replace(/:log-group:.*$/, ":log-group:*");
    return [
        {
            Sid: "DeliverFlowLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
            Resource: [logGroupArn, `${logGroupArn}:*`],
        },
        { Sid: "FindLogGroup", Effect: "Allow", Action: "logs:DescribeLogGroups", Resource: groups },
    ];
}
