import * as assert from "assert";
import { StackValidationPolicy } from "@pulumi/policy";
import { UNKNOWN } from "../lib/unknowns";
import { policies } from "../cluster-access";
import { assertClean, assertRejected, policyNamed, runStackPolicy, StackFixture } from "./support";
import { TYPES } from "../../lib/contract";

const p = (name: string) => policyNamed<StackValidationPolicy>(policies, name);
const API = "eks-api-ingress-declared-sources";
const ACCESS = "eks-pipeline-roles-have-access";

/** The program's shape on a first deploy: ids unknown, references only through the graph. */
function api(
    rule: Record<string, any>,
    deps: Record<string, string[]> = { referencedSecurityGroupId: ["runner"] },
): StackFixture[] {
    return [
        { type: TYPES.securityGroup, name: "runner", props: { id: UNKNOWN, tags: { "sg-role": "ci-runner" } } },
        { type: TYPES.securityGroup, name: "nodes", props: { id: UNKNOWN, tags: { "sg-role": "eks-nodes" } } },
        { type: TYPES.securityGroup, name: "alb", props: { id: UNKNOWN, tags: { "sg-role": "alb-public" } } },
        { type: TYPES.securityGroup, name: "cluster-api", props: { id: UNKNOWN, tags: { "sg-role": "eks-api" } } },
        {
            type: TYPES.securityGroupIngressRule,
            name: "api-rule",
            props: { securityGroupId: UNKNOWN, ipProtocol: "tcp", fromPort: 443, toPort: 443, ...rule },
            deps: { securityGroupId: ["cluster-api"], ...deps },
        },
    ];
}

describe("policy pack: cluster access (EKS-11, EKS-12)", () => {
    describe(API, () => {
        it("passes 443 from the runner's security group", async () =>
            assertClean(await runStackPolicy(p(API), api({ referencedSecurityGroupId: UNKNOWN }))));
        it("passes 443 from the nodes' security group", async () =>
            assertClean(
                await runStackPolicy(
                    p(API),
                    api({ referencedSecurityGroupId: UNKNOWN }, { referencedSecurityGroupId: ["nodes"] }),
                ),
            ));

        const bad: [string, Record<string, any>, Record<string, string[]> | undefined, string][] = [
            [
                "rejects a CIDR source, even the VPC's",
                { cidrIpv4: "10.0.0.0/16" },
                {},
                "admits 10.0.0.0/16 to the cluster API",
            ],
            ["rejects the world", { cidrIpv4: "0.0.0.0/0" }, {}, "admits 0.0.0.0/0"],
            [
                "rejects a port other than 443",
                { referencedSecurityGroupId: UNKNOWN, fromPort: 0, toPort: 65535 },
                undefined,
                "admit TCP 443 only",
            ],
            [
                "rejects all protocols",
                { referencedSecurityGroupId: UNKNOWN, ipProtocol: "-1" },
                undefined,
                "admit TCP 443 only",
            ],
            [
                "rejects an undeclared role of source (the ALB)",
                { referencedSecurityGroupId: UNKNOWN },
                { referencedSecurityGroupId: ["alb"] },
                "only ci-runner, eks-nodes security groups may reach it",
            ],
            [
                "rejects a security group the stack does not declare",
                { referencedSecurityGroupId: "sg-0123456789abcdef0" },
                {},
                'admits security group "sg-0123456789abcdef0", which this stack does not declare',
            ],
        ];
        for (const [title, rule, deps, fragment] of bad)
            it(title, async () => assertRejected(await runStackPolicy(p(API), api(rule, deps)), API, fragment));

        it("checks inline rules of a security group listed on the aws:eks/cluster", async () => {
            const run = await runStackPolicy(p(API), [
                {
                    type: TYPES.securityGroup,
                    name: "plane",
                    props: {
                        id: "sg-plane",
                        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }],
                    },
                },
                {
                    type: TYPES.awsEksCluster,
                    name: "eks",
                    props: { vpcConfig: { securityGroupIds: ["sg-plane"] } },
                },
            ]);
            assertRejected(run, API, "ingress[0] of SecurityGroup 'plane' admits 0.0.0.0/0");
        });

        it("checks rules on the EKS-managed cluster security group (named through the eks component)", async () => {
            const run = await runStackPolicy(p(API), [
                { type: TYPES.eksCluster, name: "eks", props: {} },
                {
                    type: TYPES.securityGroupIngressRule,
                    name: "to-cluster-sg",
                    props: {
                        securityGroupId: UNKNOWN,
                        ipProtocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        cidrIpv4: "192.168.0.0/24",
                    },
                    deps: { securityGroupId: ["eks"] },
                },
            ]);
            assertRejected(run, API, "admits 192.168.0.0/24");
        });

        it("defers a rule whose ports are unknown in preview", async () => {
            const run = await runStackPolicy(p(API), api({ referencedSecurityGroupId: UNKNOWN, fromPort: UNKNOWN }));
            assert.deepEqual(run.mandatory, []);
        });

        it("ignores rules of other security groups", async () => {
            const run = await runStackPolicy(p(API), [
                { type: TYPES.securityGroup, name: "alb", props: { id: UNKNOWN, tags: { "sg-role": "alb-public" } } },
                {
                    type: TYPES.securityGroupIngressRule,
                    name: "https",
                    props: {
                        securityGroupId: UNKNOWN,
                        ipProtocol: "tcp",
                        fromPort: 443,
                        toPort: 443,
                        cidrIpv4: "0.0.0.0/0",
                    },
                    deps: { securityGroupId: ["alb"] },
                },
            ]);
            assertClean(run);
        });
    });

    describe(ACCESS, () => {
        const DEPLOYER = "arn:aws:iam::111122223333:role/platform-ci-deployer";
        const PREVIEW = "arn:aws:iam::111122223333:role/platform-ci-preview";
        const config = { deployerPrincipals: [DEPLOYER], previewPrincipals: [PREVIEW] };
        const entry = (name: string, principalArn: string, kubernetesGroups: string[] = []): StackFixture => ({
            type: TYPES.awsEksAccessEntry,
            name,
            props: { principalArn, kubernetesGroups },
        });
        const assoc = (name: string, principalArn: string, policy: string): StackFixture => ({
            type: TYPES.awsEksAccessPolicyAssociation,
            name,
            props: {
                principalArn,
                policyArn: `arn:aws:eks::aws:cluster-access-policy/${policy}`,
                accessScope: { type: "cluster" },
            },
        });
        const cluster: StackFixture = { type: TYPES.eksCluster, name: "eks", props: {} };
        const good = [
            cluster,
            entry("deployer", DEPLOYER, ["platform:ci-deployers"]),
            assoc("deployer-admin", DEPLOYER, "AmazonEKSClusterAdminPolicy"),
            entry("preview", PREVIEW, ["platform:previewers"]),
            assoc("preview-view", PREVIEW, "AmazonEKSViewPolicy"),
        ];

        it("passes deployers with admin and previews with view access", async () =>
            assertClean(await runStackPolicy(p(ACCESS), good, config)));
        it("rejects a deploy role without an access entry (the 401 of issue 16)", async () =>
            assertRejected(
                await runStackPolicy(
                    p(ACCESS),
                    good.filter((f) => f.name !== "deployer"),
                    config,
                ),
                ACCESS,
                `deploy role ${DEPLOYER} has no EKS access entry`,
            ));
        it("rejects a preview role without an access entry", async () =>
            assertRejected(
                await runStackPolicy(
                    p(ACCESS),
                    good.filter((f) => f.name !== "preview"),
                    config,
                ),
                ACCESS,
                `preview role ${PREVIEW} has no EKS access entry`,
            ));
        it("rejects cluster admin for a preview role", async () =>
            assertRejected(
                await runStackPolicy(
                    p(ACCESS),
                    [...good, assoc("preview-admin", PREVIEW, "AmazonEKSClusterAdminPolicy")],
                    config,
                ),
                ACCESS,
                "holds AmazonEKSClusterAdminPolicy",
            ));
        it("rejects edit access for a preview role", async () =>
            assertRejected(
                await runStackPolicy(
                    p(ACCESS),
                    [...good, assoc("preview-edit", PREVIEW, "AmazonEKSEditPolicy")],
                    config,
                ),
                ACCESS,
                "holds AmazonEKSEditPolicy",
            ));
        it("rejects a preview role in the deployers' group", async () =>
            assertRejected(
                await runStackPolicy(
                    p(ACCESS),
                    [...good.filter((f) => f.name !== "preview"), entry("preview", PREVIEW, ["platform:ci-deployers"])],
                    config,
                ),
                ACCESS,
                "is mapped to platform:ci-deployers",
            ));
        it("does not apply before the cluster exists (foundation phase)", async () =>
            assertClean(await runStackPolicy(p(ACCESS), [], config)));
        it("does not report a missing entry while principals are unknown in preview", async () => {
            const run = await runStackPolicy(p(ACCESS), [cluster, entry("x", UNKNOWN)], config);
            assert.deepEqual(run.mandatory, []);
        });
    });
});
