import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies as cluster } from "../cluster";
import { policies } from "../network";
import { policies as stack } from "../stack";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed, runStackPolicy, StackFixture } from "./support";
import { TYPES } from "../../lib/contract";

/** Issue #19 classes 5 and 9: node access and IMDS, security-group rule ownership, default VPC and default groups. */

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const imds = { httpTokens: "required", httpPutResponseHopLimit: 1 };

const table: Record<string, Case[]> = {
    "ec2-imdsv2-required": [
        {
            it: "rejects hop limit 2 on a launch template",
            type: TYPES.launchTemplate,
            props: { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } },
            rejects: /httpPutResponseHopLimit is 2; set it to 1/,
        },
        {
            it: "rejects a launch template that leaves the hop limit to the AMI",
            type: TYPES.launchTemplate,
            props: { metadataOptions: { httpTokens: "required" } },
            rejects: /httpPutResponseHopLimit is absent/,
        },
        {
            it: "rejects IMDSv1 on a launch configuration",
            type: TYPES.launchConfiguration,
            props: { metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 1 } },
            rejects: /httpTokens is "optional"/,
        },
        { it: "passes IMDSv2 with hop limit 1", type: TYPES.launchTemplate, props: { metadataOptions: imds } },
        {
            it: "passes an instance with IMDSv2 and hop limit 1",
            type: TYPES.ec2Instance,
            props: { metadataOptions: imds },
        },
    ],
    "ec2-no-ssh-key-pair": [
        {
            it: "rejects keyName on a launch template",
            type: TYPES.launchTemplate,
            props: { keyName: "ops", metadataOptions: imds },
            rejects: /keyName "ops"/,
        },
        {
            it: "rejects keyName on an instance",
            type: TYPES.ec2Instance,
            props: { keyName: "ops" },
            rejects: /keyName/,
        },
        {
            it: "rejects keyName on a launch configuration",
            type: TYPES.launchConfiguration,
            props: { keyName: "ops" },
            rejects: /keyName/,
        },
        { it: "passes no key (SSM Session Manager)", type: TYPES.launchTemplate, props: { metadataOptions: imds } },
        { it: "treats an empty keyName as absent", type: TYPES.launchTemplate, props: { keyName: "" } },
    ],
    "nacl-no-public-admin-ports": [
        {
            it: "rejects the adopted default NACL allowing everything",
            type: TYPES.defaultNetworkAcl,
            props: {
                ingress: [
                    { ruleNo: 100, action: "allow", cidrBlock: "0.0.0.0/0", protocol: "-1", fromPort: 0, toPort: 0 },
                ],
            },
            rejects: /all traffic/,
        },
        {
            it: "passes a default NACL without rules",
            type: TYPES.defaultNetworkAcl,
            props: { ingress: [] },
        },
    ],
};

const clusterTable: Record<string, Case[]> = {
    "eks-nodegroup-imds-hop-limit": [
        {
            it: "rejects a managed node group without a launch template",
            type: TYPES.awsEksNodeGroup,
            props: { clusterName: "c", subnetIds: ["s"] },
            rejects: /set launchTemplate/,
        },
        {
            it: "rejects a launch template reference without id or name",
            type: TYPES.eksManagedNodeGroup,
            props: { launchTemplate: { version: "1" } },
            rejects: /set launchTemplate/,
        },
        {
            it: "passes a node group with a launch template",
            type: TYPES.awsEksNodeGroup,
            props: { launchTemplate: { id: "lt-1", version: "1" } },
        },
    ],
    "eks-deletion-protection": [
        {
            it: "flags a cluster without deletion protection",
            type: TYPES.awsEksCluster,
            props: {},
            rejects: /deletionProtection to true/,
        },
        {
            it: "blocks it in prod",
            type: TYPES.eksCluster,
            props: { deletionProtection: false },
            config: { enforcementLevel: "mandatory" },
            rejects: /deletionProtection/,
        },
        { it: "passes a protected cluster", type: TYPES.eksCluster, props: { deletionProtection: true } },
    ],
};

describe("policy pack: nodes and network hygiene (issue #19 classes 5, 9)", () => {
    for (const [mod, t] of [
        [policies, table],
        [cluster, clusterTable],
    ] as const) {
        for (const [name, cases] of Object.entries(t)) {
            describe(name, () => {
                for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(mod, name), c));
                for (const c of cases.filter((x) => !x.rejects))
                    it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                        checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(mod, name), c));
            });
        }
    }

    describe("sg-rules-not-mixed", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "sg-rules-not-mixed");
        const rule: StackFixture = {
            type: TYPES.securityGroupIngressRule,
            name: "r",
            props: {
                securityGroupId: "sg-1",
                ipProtocol: "tcp",
                fromPort: 443,
                toPort: 443,
                referencedSecurityGroupId: "sg-2",
            },
            deps: { securityGroupId: ["g"] },
        };
        it("rejects inline egress beside a standalone ingress rule", async () => {
            const run = await runStackPolicy(policy, [
                {
                    type: TYPES.securityGroup,
                    name: "g",
                    props: { egress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] }] },
                },
                rule,
            ]);
            assert.ok(
                run.mandatory.some((m) =>
                    m.includes("declares egress inline and is also the target of SecurityGroupIngressRule 'r'"),
                ),
                JSON.stringify(run.violations),
            );
        });
        it("rejects an explicit empty inline list beside a SecurityGroupRule (it would delete the rule)", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.securityGroup, name: "g", props: { ingress: [] } },
                {
                    type: TYPES.securityGroupRule,
                    name: "r",
                    props: { type: "ingress", securityGroupId: "sg-1" },
                    deps: { securityGroupId: ["g"] },
                },
            ]);
            assert.equal(run.mandatory.length, 1);
        });
        it("passes standalone rules only", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(policy, [
                        { type: TYPES.securityGroup, name: "g", props: { description: "x" } },
                        rule,
                    ])
                ).violations,
                [],
            ));
        it("passes inline rules only", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(policy, [
                        {
                            type: TYPES.securityGroup,
                            name: "g",
                            props: {
                                ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
                            },
                        },
                    ])
                ).violations,
                [],
            ));
        it("skips a group whose inline rules are unknown", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(policy, [
                        { type: TYPES.securityGroup, name: "g", props: { ingress: UNKNOWN } },
                        rule,
                    ])
                ).mandatory,
                [],
            ));
    });

    describe("default-sg-no-standalone-rules", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "default-sg-no-standalone-rules");
        it("rejects a rule on vpc.defaultSecurityGroupId", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.vpc, name: "vpc", props: { cidrBlock: "10.0.0.0/16" } },
                {
                    type: TYPES.securityGroupIngressRule,
                    name: "open",
                    props: { securityGroupId: UNKNOWN, ipProtocol: "-1", cidrIpv4: "10.0.0.0/8" },
                    deps: { securityGroupId: ["vpc"] },
                },
            ]);
            assert.ok(
                run.mandatory.some((m) => m.includes("adds a rule to the default security group of Vpc 'vpc'")),
                JSON.stringify(run.violations),
            );
        });
        it("rejects a rule on the adopted DefaultSecurityGroup", async () => {
            const run = await runStackPolicy(policy, [
                {
                    type: TYPES.defaultSecurityGroup,
                    name: "default",
                    props: { vpcId: "vpc-1", ingress: [], egress: [] },
                },
                {
                    type: TYPES.securityGroupRule,
                    name: "open",
                    props: { type: "egress", securityGroupId: "sg-default", protocol: "-1", cidrBlocks: ["0.0.0.0/0"] },
                    deps: { securityGroupId: ["default"] },
                },
            ]);
            assert.equal(run.mandatory.length, 1);
        });
        it("passes rules on purpose-built groups", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.vpc, name: "vpc", props: {} },
                { type: TYPES.securityGroup, name: "g", props: { vpcId: "vpc-1" }, deps: { vpcId: ["vpc"] } },
                {
                    type: TYPES.securityGroupEgressRule,
                    name: "out",
                    props: { securityGroupId: "sg-1", ipProtocol: "tcp" },
                    deps: { securityGroupId: ["g"] },
                },
            ]);
            assert.deepEqual(run.violations, []);
        });
    });

    describe("vpc-flow-logs-enabled covers the default VPC", () => {
        const policy = policyNamed<StackValidationPolicy>(stack, "vpc-flow-logs-enabled");
        it("rejects an adopted default VPC without flow logs", async () => {
            const run = await runStackPolicy(policy, [{ type: TYPES.defaultVpc, name: "default", props: {} }]);
            assert.ok(
                run.mandatory.some((m) => m.includes("DefaultVpc 'default' has no flow log")),
                JSON.stringify(run.violations),
            );
        });
        it("passes a default VPC with a flow log", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.defaultVpc, name: "default", props: {} },
                {
                    type: TYPES.flowLog,
                    name: "fl",
                    props: { vpcId: "vpc-d", trafficType: "ALL" },
                    deps: { vpcId: ["default"] },
                },
            ]);
            assert.deepEqual(run.violations, []);
        });
    });
});
