import * as assert from "assert";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { UNKNOWN } from "../lib/unknowns";
import { policies } from "../network";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed, runResourcePolicy } from "./support";
import { TYPES } from "../../lib/contract";

const world = (from: number, to: number, protocol = "tcp") => ({
    protocol,
    fromPort: from,
    toPort: to,
    cidrBlocks: ["0.0.0.0/0"],
});

const table: Record<string, Case[]> = {
    "subnet-no-auto-public-ip": [
        {
            it: "rejects a subnet that maps public IPs",
            type: TYPES.subnet,
            props: { mapPublicIpOnLaunch: true },
            rejects: /Set mapPublicIpOnLaunch to false/,
        },
        {
            it: "passes a subnet without public IP mapping (absent = false)",
            type: TYPES.subnet,
            props: { cidrBlock: "10.0.0.0/20" },
        },
        {
            it: "does not fail while the flag is unknown in preview",
            type: TYPES.subnet,
            props: { mapPublicIpOnLaunch: UNKNOWN },
        },
    ],
    "default-security-group-closed": [
        {
            it: "rejects a default SG that keeps an egress rule",
            type: TYPES.defaultSecurityGroup,
            props: { ingress: [], egress: [world(0, 0, "-1")] },
            rejects: /Remove every egress rule/,
        },
        {
            it: "passes an adopted default SG with no rules",
            type: TYPES.defaultSecurityGroup,
            props: { ingress: [], egress: [] },
        },
    ],
    "sg-no-public-admin-ports": [
        {
            it: "rejects SSH from the world on a security group",
            type: TYPES.securityGroup,
            props: { ingress: [world(22, 22)] },
            rejects: /admin port 22/,
        },
        {
            it: "rejects a range covering RDP on a standalone rule",
            type: TYPES.securityGroupRule,
            props: { type: "ingress", protocol: "tcp", fromPort: 3000, toPort: 4000, cidrBlocks: ["0.0.0.0/0"] },
            rejects: /admin port 3389/,
        },
        {
            it: "rejects all protocols from ::/0 on an ingress rule",
            type: TYPES.securityGroupIngressRule,
            props: { ipProtocol: "-1", cidrIpv6: "::/0" },
            rejects: /all ports/,
        },
        {
            it: "passes SSH from a private range",
            type: TYPES.securityGroup,
            props: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] }] },
        },
        {
            it: "passes egress rules",
            type: TYPES.securityGroupRule,
            props: { type: "egress", protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
        },
    ],
    "sg-public-ingress-only-https": [
        {
            it: "rejects world ingress on 8080",
            type: TYPES.securityGroup,
            props: { ingress: [world(8080, 8080)], tags: { "sg-role": "alb-public" } },
            rejects: /port 8080/,
        },
        {
            it: "rejects world HTTPS on a group not tagged as the public ALB",
            type: TYPES.securityGroup,
            props: { ingress: [world(443, 443)] },
            rejects: /not tagged sg-role=alb-public/,
        },
        {
            it: "passes 80/443 from the world on the public ALB group",
            type: TYPES.securityGroup,
            props: { ingress: [world(443, 443), world(80, 80)], tags: { "sg-role": "alb-public" } },
        },
    ],
    "sg-db-ingress-by-sg-reference": [
        {
            it: "flags the Postgres port open to a CIDR",
            type: TYPES.securityGroupRule,
            props: { type: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] },
            rejects: /database port 5432 is open to CIDR 10\.0\.0\.0\/16/,
        },
        {
            it: "passes the Postgres port from a security group",
            type: TYPES.securityGroupIngressRule,
            props: { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-123" },
        },
        {
            it: "honours the configured database ports",
            type: TYPES.securityGroupRule,
            props: { type: "ingress", protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["10.0.0.0/16"] },
            config: { databasePorts: [3306] },
        },
    ],
    "nacl-no-public-admin-ports": [
        {
            it: "rejects a NACL admitting all traffic from the world",
            type: TYPES.networkAcl,
            props: {
                ingress: [
                    { ruleNo: 100, action: "allow", protocol: "-1", cidrBlock: "0.0.0.0/0", fromPort: 0, toPort: 0 },
                ],
            },
            rejects: /allows all traffic from the internet/,
        },
        {
            it: "rejects a NACL rule whose ephemeral range covers 3389",
            type: TYPES.networkAclRule,
            props: {
                ruleNumber: 120,
                egress: false,
                ruleAction: "allow",
                protocol: "tcp",
                cidrBlock: "0.0.0.0/0",
                fromPort: 1024,
                toPort: 65535,
            },
            rejects: /admin port 3389/,
        },
        {
            it: "passes a public NACL split around the admin ports",
            type: TYPES.networkAcl,
            props: {
                ingress: [
                    {
                        ruleNo: 100,
                        action: "allow",
                        protocol: "tcp",
                        cidrBlock: "0.0.0.0/0",
                        fromPort: 443,
                        toPort: 443,
                    },
                    {
                        ruleNo: 110,
                        action: "allow",
                        protocol: "tcp",
                        cidrBlock: "0.0.0.0/0",
                        fromPort: 3390,
                        toPort: 65535,
                    },
                ],
            },
        },
    ],
    "ec2-no-public-ip": [
        {
            it: "rejects a launch template interface with a public IP (string-typed)",
            type: TYPES.launchTemplate,
            props: { networkInterfaces: [{ associatePublicIpAddress: "true" }] },
            rejects: /associatePublicIpAddress is true/,
        },
        {
            it: "rejects an instance with a public IP",
            type: TYPES.ec2Instance,
            props: { associatePublicIpAddress: true },
            rejects: /Set associatePublicIpAddress to false/,
        },
        {
            it: "passes a private launch template",
            type: TYPES.launchTemplate,
            props: { networkInterfaces: [{ associatePublicIpAddress: "false" }] },
        },
    ],
    "ec2-imdsv2-required": [
        {
            it: "rejects a launch template without IMDSv2 (absent = optional)",
            type: TYPES.launchTemplate,
            props: {},
            rejects: /httpTokens is absent/,
        },
        {
            it: "rejects a hop limit that lets pods reach node credentials",
            type: TYPES.launchTemplate,
            props: { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 3 } },
            rejects: /HopLimit is 3/,
        },
        {
            it: "rejects hop limit 2 (pods could reach the node role)",
            type: TYPES.launchTemplate,
            props: { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 2 } },
            rejects: /HopLimit is 2; set it to 1/,
        },
        {
            it: "passes IMDSv2 with hop limit 1",
            type: TYPES.ec2Instance,
            props: { metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } },
        },
    ],
};

describe("policy pack: network (NET)", () => {
    for (const [name, cases] of Object.entries(table)) {
        describe(name, () => {
            for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(policies, name), c));
            for (const c of cases.filter((x) => !x.rejects))
                it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                    checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(policies, name), c));
        });
    }

    it("reports a malformed ingress list instead of throwing", async () => {
        const run = await runResourcePolicy(policyNamed(policies, "nacl-no-public-admin-ports"), TYPES.networkAcl, {
            ingress: { not: "a list" } as any,
        });
        assert.deepStrictEqual(run.mandatory, []);
        const bad = await runResourcePolicy(policyNamed(policies, "sg-no-public-admin-ports"), TYPES.securityGroup, {
            ingress: [null, 42],
        });
        assert.deepStrictEqual(bad.mandatory, []);
    });

    it("stops on a preview unknown only after reporting what is already known", async () => {
        const run = await runResourcePolicy(policyNamed(policies, "sg-no-public-admin-ports"), TYPES.securityGroup, {
            ingress: [world(22, 22), { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: UNKNOWN }],
        });
        assert.strictEqual(run.unknown, true);
        assert.match(run.mandatory[0], /admin port 22/);
    });
});
