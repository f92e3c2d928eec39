import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies as data } from "../data";
import { policies as edge } from "../edge";
import { policies as network } from "../network";
import {
    assertRejected,
    Case,
    checkCase,
    checkUnknownsNeverBlock,
    policyNamed,
    runStackPolicy,
    StackFixture,
} from "./support";
import { reachesInternet } from "../lib/cidr";
import { TYPES } from "../../lib/contract";

/**
 * Policies added or changed after the network/edge/data mutation tests (test/mutations/network-edge-data.test.ts):
 * NET-05 is mandatory, NET-12, RDS-13 and EDGE-19 are new, RDS-02 covers the Performance Insights key, and NET-03,
 * NET-04, NET-06 (and NET-12) count any CIDR holding an internet address as the internet, not only 0.0.0.0/0 and ::/0.
 */

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/data";
const db = {
    storageEncrypted: true,
    kmsKeyId: KEY,
    performanceInsightsEnabled: true,
    performanceInsightsKmsKeyId: KEY,
};

const resourceTables: Array<[ResourceValidationPolicy[] | any[], Record<string, Case[]>]> = [
    [
        network,
        {
            "sg-no-public-admin-ports": [
                {
                    it: "blocks SSH from one public address (not only 0.0.0.0/0)",
                    type: TYPES.securityGroupIngressRule,
                    props: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "198.51.100.7/32" },
                    rejects: /rule: 198\.51\.100\.7\/32 may reach admin port 22/,
                },
                {
                    it: "blocks RDP from a public IPv6 range inline",
                    type: TYPES.securityGroup,
                    props: {
                        ingress: [{ protocol: "tcp", fromPort: 3389, toPort: 3389, ipv6CidrBlocks: ["2001:db8::/32"] }],
                    },
                    rejects: /ingress\[0\]: 2001:db8::\/32 may reach admin port 3389/,
                },
                {
                    it: "passes SSH from the VPC's private range",
                    type: TYPES.securityGroupIngressRule,
                    props: { ipProtocol: "tcp", fromPort: 22, toPort: 22, cidrIpv4: "10.20.0.0/16" },
                },
                {
                    it: "passes SSH from a unique-local IPv6 range",
                    type: TYPES.securityGroupRule,
                    props: {
                        type: "ingress",
                        protocol: "tcp",
                        fromPort: 22,
                        toPort: 22,
                        ipv6CidrBlocks: ["fd12:3456::/48"],
                    },
                },
            ],
            "sg-public-ingress-only-https": [
                {
                    it: "blocks the internet split in two halves on a node port",
                    type: TYPES.securityGroupRule,
                    props: {
                        type: "ingress",
                        protocol: "tcp",
                        fromPort: 30443,
                        toPort: 30443,
                        cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"],
                    },
                    rejects: /rule: internet ingress on port 30443/,
                },
                {
                    it: "blocks HTTPS from a public range on a group that is not the ALB's",
                    type: TYPES.securityGroup,
                    props: {
                        tags: { "sg-role": "eks-nodes" },
                        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["203.0.113.0/24"] }],
                    },
                    rejects: /not tagged sg-role=alb-public/,
                },
                {
                    it: "passes a shared-address-space (100.64.0.0/10) source on a node port",
                    type: TYPES.securityGroupIngressRule,
                    props: { ipProtocol: "tcp", fromPort: 30443, toPort: 30443, cidrIpv4: "100.64.0.0/16" },
                },
            ],
            "nacl-no-public-admin-ports": [
                {
                    it: "blocks RDP from a public /24 on a NACL",
                    type: TYPES.networkAcl,
                    props: {
                        ingress: [
                            {
                                ruleNo: 95,
                                action: "allow",
                                protocol: "tcp",
                                cidrBlock: "203.0.113.0/24",
                                fromPort: 3389,
                                toPort: 3389,
                            },
                        ],
                    },
                    rejects: /ingress\[0\] \(rule 95\): allows admin port 3389 from the internet/,
                },
                {
                    it: "passes SSH from the VPC on a NACL",
                    type: TYPES.networkAcl,
                    props: {
                        ingress: [
                            {
                                ruleNo: 95,
                                action: "allow",
                                protocol: "tcp",
                                cidrBlock: "10.20.0.0/16",
                                fromPort: 22,
                                toPort: 22,
                            },
                        ],
                    },
                },
            ],
            "sg-db-ingress-by-sg-reference": [
                {
                    it: "blocks the database port opened to the VPC CIDR (aws:vpc rule)",
                    type: TYPES.securityGroupIngressRule,
                    props: { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, cidrIpv4: "10.20.0.0/16" },
                    rejects: /database port 5432 is open to CIDR 10\.20\.0\.0\/16/,
                },
                {
                    it: "blocks an IPv6 range on the MySQL port (aws:ec2 rule)",
                    type: TYPES.securityGroupRule,
                    props: {
                        type: "ingress",
                        protocol: "tcp",
                        fromPort: 3306,
                        toPort: 3306,
                        ipv6CidrBlocks: ["2001:db8::/56"],
                    },
                    rejects: /database port 3306 is open to CIDR 2001:db8::\/56/,
                },
                {
                    it: "blocks all traffic from a CIDR inline (it covers the database ports)",
                    type: TYPES.securityGroup,
                    props: { ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.0.0.0/8"] }] },
                    rejects: /ingress\[0\]: database port 5432\/3306 is open to CIDR 10\.0\.0\.0\/8/,
                },
                {
                    it: "passes the database port from a security group",
                    type: TYPES.securityGroupIngressRule,
                    props: { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-nodes" },
                },
                {
                    it: "passes a CIDR on another port",
                    type: TYPES.securityGroupIngressRule,
                    props: { ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrIpv4: "10.20.0.0/16" },
                },
            ],
        },
    ],
    [
        data,
        {
            "rds-storage-encrypted-with-cmk": [
                {
                    it: "blocks Performance Insights without a key (aws/rds)",
                    type: TYPES.rdsInstance,
                    props: { ...db, performanceInsightsKmsKeyId: undefined },
                    rejects: /performanceInsightsKmsKeyId is absent \(the AWS-managed aws\/rds key would be used\)/,
                },
                {
                    it: "blocks Performance Insights under the AWS-managed alias on a cluster",
                    type: TYPES.rdsCluster,
                    props: { ...db, performanceInsightsKmsKeyId: "alias/aws/rds" },
                    rejects: /performanceInsightsKmsKeyId is "alias\/aws\/rds"/,
                },
                {
                    it: "blocks an Aurora member's Performance Insights without a key",
                    type: TYPES.rdsClusterInstance,
                    props: { performanceInsightsEnabled: true },
                    rejects: /performanceInsightsKmsKeyId is absent/,
                },
                { it: "passes Performance Insights under the data key", type: TYPES.rdsInstance, props: db },
                {
                    it: "passes Performance Insights off without a key",
                    type: TYPES.rdsInstance,
                    props: { storageEncrypted: true, kmsKeyId: KEY, performanceInsightsEnabled: false },
                },
                {
                    it: "does not judge an Aurora member's storage (the cluster's)",
                    type: TYPES.rdsClusterInstance,
                    props: { performanceInsightsEnabled: true, performanceInsightsKmsKeyId: KEY },
                },
            ],
        },
    ],
    [
        edge,
        {
            "alb-no-redirect-to-plain-http": [
                {
                    it: "blocks an HTTPS listener redirecting to HTTP",
                    type: TYPES.listener,
                    props: {
                        protocol: "HTTPS",
                        port: 443,
                        defaultActions: [
                            { type: "redirect", redirect: { protocol: "HTTP", port: "80", statusCode: "HTTP_301" } },
                        ],
                    },
                    rejects: /defaultActions\[0\] redirects to protocol "HTTP"/,
                },
                {
                    it: "blocks a listener rule (aws:alb) redirecting to http",
                    type: TYPES.albListenerRule,
                    props: { actions: [{ type: "forward" }, { type: "redirect", redirect: { protocol: "http" } }] },
                    rejects: /actions\[1\] redirects to protocol "HTTP"/,
                },
                {
                    it: "passes a redirect to HTTPS",
                    type: TYPES.albListener,
                    props: { defaultActions: [{ type: "redirect", redirect: { protocol: "HTTPS", port: "443" } }] },
                },
                {
                    it: "passes a redirect keeping the protocol",
                    type: TYPES.listenerRule,
                    props: { actions: [{ type: "redirect", redirect: { protocol: "#{protocol}", path: "/new" } }] },
                },
            ],
        },
    ],
];

describe("reachesInternet", () => {
    for (const [cidr, expected] of [
        ["0.0.0.0/0", true],
        ["::/0", true],
        ["0.0.0.0/1", true],
        ["128.0.0.0/1", true],
        ["198.51.100.7/32", true],
        ["2001:db8::/32", true],
        ["8.0.0.0/5", true],
        ["10.20.0.0/16", false],
        ["172.16.0.0/12", false],
        ["172.32.0.0/16", true],
        ["192.168.1.0/24", false],
        ["100.64.0.0/10", false],
        ["fd00::/8", false],
        ["fe80::/64", false],
        ["not-a-cidr", false],
    ] as const)
        it(`${cidr} ${expected ? "reaches" : "does not reach"} the internet`, () =>
            assert.equal(reachesInternet(cidr), expected));
});

describe("policy pack: controls from the network/edge/data mutation tests", () => {
    for (const [mod, table] of resourceTables) {
        for (const [name, cases] of Object.entries(table)) {
            describe(name, () => {
                it("is mandatory", () => assert.equal(policyNamed(mod, name).enforcementLevel, "mandatory"));
                for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(mod, name), c));
                for (const c of cases.filter((x) => !x.rejects))
                    it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                        checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(mod, name), c));
            });
        }
    }

    describe("rds-storage-encrypted-with-cmk with an unknown Performance Insights key", () => {
        it("still reports the storage violation it can see", async () => {
            const policy = policyNamed<ResourceValidationPolicy>(data, "rds-storage-encrypted-with-cmk");
            const run = await checkCase(policy, {
                it: "",
                type: TYPES.rdsInstance,
                props: { ...db, storageEncrypted: false, performanceInsightsKmsKeyId: UNKNOWN },
                rejects: /Set storageEncrypted to true/,
            });
            assert.ok(!run.messages.some((m) => m.includes("performanceInsightsKmsKeyId")), run.messages.join("\n"));
        });
    });

    describe("sg-data-tier-no-internet-egress", () => {
        const policy = policyNamed<StackValidationPolicy>(network, "sg-data-tier-no-internet-egress");
        const rds: StackFixture = {
            type: TYPES.rdsInstance,
            name: "db",
            props: { vpcSecurityGroupIds: ["sg-db"] },
            deps: { vpcSecurityGroupIds: ["db-sg"] },
        };
        const dbSg = (extra: Record<string, any> = {}): StackFixture => ({
            type: TYPES.securityGroup,
            name: "db-sg",
            props: { description: "db", ...extra },
        });
        const egressRule = (props: Record<string, any>): StackFixture => ({
            type: TYPES.securityGroupEgressRule,
            name: "out",
            props: { securityGroupId: "sg-db", ...props },
            deps: { securityGroupId: ["db-sg"] },
        });
        it("blocks all-traffic egress to 0.0.0.0/0 from a database's group (found through the instance)", async () =>
            assertRejected(
                await runStackPolicy(policy, [rds, dbSg(), egressRule({ ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" })]),
                "sg-data-tier-no-internet-egress",
                "SecurityGroup 'db-sg' rule out sends all traffic to 0.0.0.0/0",
            ));
        it("blocks the database port to ::/0 from a group tagged sg-role=db-admin-job (inline)", async () =>
            assertRejected(
                await runStackPolicy(policy, [
                    {
                        type: TYPES.securityGroup,
                        name: "job",
                        props: {
                            tags: { "sg-role": "db-admin-job" },
                            egress: [
                                { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
                                { protocol: "tcp", fromPort: 5432, toPort: 5432, ipv6CidrBlocks: ["::/0"] },
                            ],
                        },
                    },
                ]),
                "sg-data-tier-no-internet-egress",
                "egress[1] sends tcp 5432-5432 to ::/0",
            ));
        it("blocks an aws:ec2 egress rule on a group tagged sg-role=database", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.securityGroup, name: "g", props: { tags: { "sg-role": "database" } } },
                {
                    type: TYPES.securityGroupRule,
                    name: "r",
                    props: { type: "egress", protocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] },
                    deps: { securityGroupId: ["g"] },
                },
            ]);
            assertRejected(run, "sg-data-tier-no-internet-egress", "rule r sends tcp 0-65535 to 0.0.0.0/0");
        });
        it("passes HTTPS to the internet and the database port to private CIDRs", async () => {
            const run = await runStackPolicy(policy, [
                {
                    type: TYPES.securityGroup,
                    name: "job",
                    props: {
                        tags: { "sg-role": "db-admin-job" },
                        egress: [
                            { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] },
                            { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.20.128.0/20"] },
                        ],
                    },
                },
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("does not judge groups outside the data tier (the nodes' all-traffic egress)", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.securityGroup, name: "nodes", props: { tags: { "sg-role": "eks-nodes" } } },
                {
                    type: TYPES.securityGroupEgressRule,
                    name: "n",
                    props: { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" },
                    deps: { securityGroupId: ["nodes"] },
                },
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("does not block when the egress CIDR is unknown in preview", async () => {
            const run = await runStackPolicy(policy, [
                rds,
                dbSg(),
                egressRule({ ipProtocol: "-1", cidrIpv4: UNKNOWN }),
            ]);
            assert.deepEqual(run.mandatory, []);
        });
        it("honours dataTierSgRoles", async () => {
            const fixtures: StackFixture[] = [
                {
                    type: TYPES.securityGroup,
                    name: "etl",
                    props: { tags: { "sg-role": "etl" }, egress: [{ protocol: "-1", cidrBlocks: ["0.0.0.0/0"] }] },
                },
            ];
            assert.deepEqual((await runStackPolicy(policy, fixtures)).violations, []);
            assertRejected(
                await runStackPolicy(policy, fixtures, { dataTierSgRoles: ["etl"] }),
                "sg-data-tier-no-internet-egress",
                "sends all traffic to 0.0.0.0/0",
            );
        });
    });

    describe("sg-database-ingress-declared-sources", () => {
        const policy = policyNamed<StackValidationPolicy>(network, "sg-database-ingress-declared-sources");
        const fixtures = (
            rule: Record<string, any>,
            source: Record<string, any> = { "sg-role": "eks-nodes" },
        ): StackFixture[] => [
            {
                type: TYPES.rdsInstance,
                name: "db",
                props: { vpcSecurityGroupIds: ["sg-db"] },
                deps: { vpcSecurityGroupIds: ["db-sg"] },
            },
            { type: TYPES.securityGroup, name: "db-sg", props: { description: "db" } },
            { type: TYPES.securityGroup, name: "src", props: { tags: source } },
            {
                type: TYPES.securityGroupIngressRule,
                name: "in",
                props: {
                    securityGroupId: "sg-db",
                    ipProtocol: "tcp",
                    fromPort: 5432,
                    toPort: 5432,
                    referencedSecurityGroupId: "sg-src",
                    ...rule,
                },
                deps: {
                    securityGroupId: ["db-sg"],
                    ...(rule.referencedSecurityGroupId === undefined ? { referencedSecurityGroupId: ["src"] } : {}),
                },
            },
        ];
        it("passes the database port from the nodes' group", async () =>
            assert.deepEqual((await runStackPolicy(policy, fixtures({}))).violations, []));
        it("passes the database port from the DB admin job's group", async () =>
            assert.deepEqual(
                (await runStackPolicy(policy, fixtures({}, { "sg-role": "db-admin-job" }))).violations,
                [],
            ));
        it("blocks a source group with another sg-role (the CI runners)", async () =>
            assertRejected(
                await runStackPolicy(policy, fixtures({}, { "sg-role": "ci-runner" })),
                "sg-database-ingress-declared-sources",
                "SecurityGroup 'db-sg' rule in admits SecurityGroup 'src' (sg-role \"ci-runner\")",
            ));
        it("blocks a source group the stack does not declare", async () =>
            assertRejected(
                await runStackPolicy(policy, fixtures({ referencedSecurityGroupId: "sg-0123456789abcdef0" })),
                "sg-database-ingress-declared-sources",
                'admits security group "sg-0123456789abcdef0", which this stack does not declare',
            ));
        it("blocks a port range from the nodes", async () =>
            assertRejected(
                await runStackPolicy(policy, fixtures({ fromPort: 0, toPort: 65535 })),
                "sg-database-ingress-declared-sources",
                "admits ports 0-65535: admit the database port only",
            ));
        it("blocks all protocols on an inline rule of a group tagged sg-role=database, and a CIDR", async () => {
            const run = await runStackPolicy(policy, [
                {
                    type: TYPES.securityGroup,
                    name: "g",
                    props: {
                        tags: { "sg-role": "database" },
                        ingress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["10.20.0.0/16"] }],
                    },
                },
            ]);
            assertRejected(run, "sg-database-ingress-declared-sources", 'ingress[0] admits protocol "-1"');
            assertRejected(run, "sg-database-ingress-declared-sources", "ingress[0] admits CIDR 10.20.0.0/16");
        });
        it("blocks an aws:ec2 rule from a prefix list", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.securityGroup, name: "g", props: { tags: { "sg-role": "database" } } },
                {
                    type: TYPES.securityGroupRule,
                    name: "pl",
                    props: { type: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, prefixListIds: ["pl-1"] },
                    deps: { securityGroupId: ["g"] },
                },
            ]);
            assertRejected(run, "sg-database-ingress-declared-sources", "rule pl admits a prefix list");
        });
        it("does not block while the source group is unknown in preview", async () =>
            assert.deepEqual(
                (await runStackPolicy(policy, fixtures({ referencedSecurityGroupId: UNKNOWN }))).mandatory,
                [],
            ));
        it("honours databaseSourceRoles", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(policy, fixtures({}, { "sg-role": "ci-runner" }), {
                        databaseSourceRoles: ["ci-runner"],
                    })
                ).violations,
                [],
            ));
    });

    describe("rds-subnets-no-internet-path", () => {
        const policy = policyNamed<StackValidationPolicy>(data, "rds-subnets-no-internet-path");
        const base: StackFixture[] = [
            {
                type: TYPES.rdsInstance,
                name: "db",
                props: { dbSubnetGroupName: "g" },
                deps: { dbSubnetGroupName: ["group"] },
            },
            { type: TYPES.rdsSubnetGroup, name: "group", props: { subnetIds: ["s1"] }, deps: { subnetIds: ["iso"] } },
            { type: TYPES.subnet, name: "iso", props: { cidrBlock: "10.20.128.0/20" } },
            { type: TYPES.routeTable, name: "rt", props: { vpcId: "vpc-1" } },
            {
                type: TYPES.routeTableAssociation,
                name: "a",
                props: { subnetId: "s1", routeTableId: "rtb-1" },
                deps: { subnetId: ["iso"], routeTableId: ["rt"] },
            },
            {
                type: TYPES.networkAcl,
                name: "acl",
                props: {
                    subnetIds: ["s1"],
                    ingress: [
                        {
                            ruleNo: 110,
                            action: "allow",
                            protocol: "tcp",
                            cidrBlock: "10.20.0.0/20",
                            fromPort: 5432,
                            toPort: 5432,
                        },
                    ],
                },
                deps: { subnetIds: ["iso"] },
            },
        ];
        const route = (props: Record<string, any>): StackFixture => ({
            type: TYPES.route,
            name: "r",
            props: { routeTableId: "rtb-1", ...props },
            deps: { routeTableId: ["rt"] },
        });
        it("passes isolated subnets (local route only, NACL from private CIDRs)", async () =>
            assert.deepEqual((await runStackPolicy(policy, base)).violations, []));
        it("blocks a default route through a NAT gateway", async () =>
            assertRejected(
                await runStackPolicy(policy, [
                    ...base,
                    route({ destinationCidrBlock: "0.0.0.0/0", natGatewayId: "nat-1" }),
                ]),
                "rds-subnets-no-internet-path",
                "subnet iso of SubnetGroup 'group' has a route out of the VPC (route r in rt sends 0.0.0.0/0 via natGatewayId)",
            ));
        it("blocks an IPv6 route through an egress-only gateway", async () =>
            assertRejected(
                await runStackPolicy(policy, [
                    ...base,
                    route({ destinationIpv6CidrBlock: "::/0", egressOnlyGatewayId: "eigw-1" }),
                ]),
                "rds-subnets-no-internet-path",
                "sends ::/0 via egressOnlyGatewayId",
            ));
        it("blocks an inline transit-gateway route", async () => {
            const fixtures = base.map((f) =>
                f.name === "rt"
                    ? { ...f, props: { routes: [{ cidrBlock: "0.0.0.0/0", transitGatewayId: "tgw-1" }] } }
                    : f,
            );
            assertRejected(
                await runStackPolicy(policy, fixtures),
                "rds-subnets-no-internet-path",
                "rt routes[0] sends 0.0.0.0/0 via transitGatewayId",
            );
        });
        it("passes a VPC-endpoint route and the explicit local route", async () => {
            const fixtures = base.map((f) =>
                f.name === "rt" ? { ...f, props: { routes: [{ cidrBlock: "10.20.0.0/16", gatewayId: "local" }] } } : f,
            );
            const run = await runStackPolicy(policy, [
                ...fixtures,
                route({ destinationPrefixListId: "pl-1", vpcEndpointId: "vpce-1" }),
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("blocks an inline NACL allow from 0.0.0.0/0 on the database port", async () => {
            const fixtures = base.map((f) =>
                f.name === "acl"
                    ? {
                          ...f,
                          props: {
                              ...f.props,
                              ingress: [
                                  {
                                      ruleNo: 90,
                                      action: "allow",
                                      protocol: "tcp",
                                      cidrBlock: "0.0.0.0/0",
                                      fromPort: 5432,
                                      toPort: 5432,
                                  },
                              ],
                          },
                      }
                    : f,
            );
            assertRejected(
                await runStackPolicy(policy, fixtures),
                "rds-subnets-no-internet-path",
                "its network ACL acl ingress rule 90 admits 0.0.0.0/0",
            );
        });
        it("blocks a standalone NACL rule from ::/0 on an ACL associated through NetworkAclAssociation", async () => {
            const fixtures: StackFixture[] = [
                ...base.filter((f) => f.name !== "acl"),
                { type: TYPES.networkAcl, name: "acl2", props: { vpcId: "vpc-1" } },
                {
                    type: TYPES.networkAclAssociation,
                    name: "assoc",
                    props: { subnetId: "s1", networkAclId: "acl-2" },
                    deps: { subnetId: ["iso"], networkAclId: ["acl2"] },
                },
                {
                    type: TYPES.networkAclRule,
                    name: "nr",
                    props: {
                        networkAclId: "acl-2",
                        ruleNumber: 50,
                        egress: false,
                        protocol: "-1",
                        ruleAction: "allow",
                        ipv6CidrBlock: "::/0",
                    },
                    deps: { networkAclId: ["acl2"] },
                },
            ];
            assertRejected(
                await runStackPolicy(policy, fixtures),
                "rds-subnets-no-internet-path",
                "acl2 rule nr admits ::/0",
            );
        });
        it("blocks database subnets left on the VPC's default network ACL (allow all)", async () =>
            assertRejected(
                await runStackPolicy(
                    policy,
                    base.filter((f) => f.name !== "acl"),
                ),
                "rds-subnets-no-internet-path",
                "subnet iso of SubnetGroup 'group': its network ACL is its VPC's default network ACL, which allows all traffic from 0.0.0.0/0 and ::/0",
            ));
        it("judges an adopted default network ACL by its own rules", async () => {
            const fixtures = base.filter((f) => f.name !== "acl");
            const adopted = (ingress: any[]): StackFixture => ({
                type: TYPES.defaultNetworkAcl,
                name: "dacl",
                props: { defaultNetworkAclId: "acl-d", ingress },
            });
            assert.deepEqual((await runStackPolicy(policy, [...fixtures, adopted([])])).violations, []);
            assertRejected(
                await runStackPolicy(policy, [
                    ...fixtures,
                    adopted([
                        {
                            ruleNo: 100,
                            action: "allow",
                            protocol: "-1",
                            cidrBlock: "0.0.0.0/0",
                            fromPort: 0,
                            toPort: 0,
                        },
                    ]),
                ]),
                "rds-subnets-no-internet-path",
                "dacl ingress rule 100 admits 0.0.0.0/0",
            );
        });
        it("does not judge the default ACL while another ACL's subnets are unknown in preview", async () => {
            const fixtures = base.map((f) =>
                f.name === "acl" ? { ...f, props: { subnetIds: UNKNOWN }, deps: {} } : f,
            );
            assert.deepEqual((await runStackPolicy(policy, fixtures)).mandatory, []);
        });
        it("does not block when the route table's inline routes are unknown in preview", async () => {
            const fixtures = base.map((f) => (f.name === "rt" ? { ...f, props: { routes: UNKNOWN } } : f));
            assert.deepEqual((await runStackPolicy(policy, fixtures)).mandatory, []);
        });
        it("does not judge a database whose subnet group is unknown", async () => {
            const fixtures = base.map((f) =>
                f.name === "db" ? { ...f, props: { dbSubnetGroupName: UNKNOWN }, deps: {} } : f,
            );
            assert.deepEqual(
                (await runStackPolicy(policy, [...fixtures, route({ natGatewayId: "nat-1" })])).mandatory,
                [],
            );
        });
    });
});
