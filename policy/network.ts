import { DefaultSecurityGroup, Subnet } from "./lib/classes";
import { Policy, Props, resourcePolicy, resourcePolicyOf } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { get, need } from "./lib/read";
import { Reporter } from "./lib/reporter";
import { isUnknown, stopOnUnknown } from "./lib/unknowns";
import { asArray, asNumber, isTrue } from "./lib/values";
import { PORTS, SG_ROLE_TAG, SG_ROLES, TYPES } from "../lib/contract";

/** Catalogue section 1: VPC, subnets, security groups, NACLs, instances. */

const SG = TYPES.securityGroup;
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const SG_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const SG_TYPES = [SG, SG_RULE, SG_INGRESS_RULE];
const ADMIN_PORTS = PORTS.admin;
const WORLD4 = "0.0.0.0/0";
const WORLD6 = "::/0";

/** One ingress permission, normalised across the three security-group shapes. */
interface Ingress {
    where: string;
    protocol: string;
    from?: number;
    to?: number;
    cidrs: string[];
    /** The entry names a security group / prefix list as source. */
    sgSource: boolean;
    /** The source or ports are unknown during preview. */
    unknown: boolean;
}

function ingressOf(type: string, p: Props): Ingress[] {
    if (type === SG) {
        const list = get(p, "ingress");
        if (isUnknown(list)) return [{ where: "ingress", protocol: "", cidrs: [], sgSource: false, unknown: true }];
        return asArray(list).map((e: any, i: number) => ({
            where: `ingress[${i}]`,
            protocol: String(e?.protocol ?? "").toLowerCase(),
            from: asNumber(e?.fromPort),
            to: asNumber(e?.toPort),
            cidrs: [...asArray(e?.cidrBlocks), ...asArray(e?.ipv6CidrBlocks)].map(String),
            sgSource: asArray(e?.securityGroups).length > 0 || isTrue(e?.self) || asArray(e?.prefixListIds).length > 0,
            unknown: [e?.cidrBlocks, e?.ipv6CidrBlocks, e?.fromPort, e?.toPort, e?.protocol].some(isUnknown),
        }));
    }
    if (type === SG_RULE) {
        if (p.type !== "ingress") return [];
        return [
            {
                where: "rule",
                protocol: String(p.protocol ?? "").toLowerCase(),
                from: asNumber(p.fromPort),
                to: asNumber(p.toPort),
                cidrs: [...asArray(p.cidrBlocks), ...asArray(p.ipv6CidrBlocks)].map(String),
                sgSource: !!p.sourceSecurityGroupId || isTrue(p.self) || asArray(p.prefixListIds).length > 0,
                unknown: [p.cidrBlocks, p.ipv6CidrBlocks, p.fromPort, p.toPort, p.protocol].some(isUnknown),
            },
        ];
    }
    return [
        {
            where: "rule",
            protocol: String(p.ipProtocol ?? "").toLowerCase(),
            from: asNumber(p.fromPort),
            to: asNumber(p.toPort),
            cidrs: [p.cidrIpv4, p.cidrIpv6].filter((c) => typeof c === "string"),
            sgSource: !!p.referencedSecurityGroupId || !!p.prefixListId,
            unknown: [p.cidrIpv4, p.cidrIpv6, p.fromPort, p.toPort, p.ipProtocol].some(isUnknown),
        },
    ];
}

const allPorts = (protocol: string) => protocol === "-1" || protocol === "all";
function covers(e: { protocol: string; from?: number; to?: number }, port: number): boolean {
    if (allPorts(e.protocol)) return true;
    // A rule without ports (icmp) covers none; a rule with ports covers the closed range.
    return e.from !== undefined && e.to !== undefined && e.from <= port && port <= e.to;
}
const isWorld = (cidr: string) => cidr === WORLD4 || cidr === WORLD6;

function portText(e: Ingress): string {
    return allPorts(e.protocol) ? "all ports" : e.from === e.to ? `port ${e.from}` : `ports ${e.from}-${e.to}`;
}

/** The security group a rule belongs to is tagged on the group, so rules see the tag only through the stack; rules inherit nothing here. */
function sgRole(type: string, p: Props): string | undefined {
    return type === SG ? need(p, `tags.${SG_ROLE_TAG}`) : undefined;
}

export const policies: Policy[] = [
    resourcePolicyOf({
        name: "subnet-no-auto-public-ip",
        description: "NET-01: subnets never assign public IPs on launch (AWS FSBP EC2.15; NIST SC-7).",
        controls: ["NET-01"],
        enforcementLevel: "mandatory",
        of: Subnet,
        validate: ({ props }, report) => {
            if (need(props, "mapPublicIpOnLaunch") === true) {
                report("Set mapPublicIpOnLaunch to false: the ALB and NAT gateways get their own addresses, instances never need one.");
            }
            if (need(props, "assignIpv6AddressOnCreation") === true && need(props, "mapPublicIpOnLaunch") !== true) {
                report.advisory("assignIpv6AddressOnCreation gives every instance a globally routable IPv6 address; prefer an egress-only internet gateway.");
            }
        },
    }),
    resourcePolicyOf({
        name: "default-security-group-closed",
        description: "NET-02: the adopted default security group has no rules (AWS FSBP EC2.2; CIS-AWS 5.4).",
        controls: ["NET-02"],
        enforcementLevel: "mandatory",
        of: DefaultSecurityGroup,
        validate: ({ props }, report) => {
            for (const dir of ["ingress", "egress"]) {
                if (asArray(need(props, dir)).length > 0) report(`Remove every ${dir} rule from the default security group (set ${dir}: []); use purpose-built groups instead.`);
            }
        },
    }),
    resourcePolicy({
        name: "sg-no-public-admin-ports",
        description: "NET-03: no security group admits SSH/RDP or all ports from the internet (AWS FSBP EC2.13, EC2.14, EC2.53, EC2.54; CIS-AWS 5.2, 5.3).",
        controls: ["NET-03"],
        enforcementLevel: "mandatory",
        types: SG_TYPES,
        validate: ({ type, props }, report) => {
            const entries = ingressOf(type, props);
            for (const e of entries.filter((x) => !x.unknown)) {
                const world = e.cidrs.filter(isWorld);
                if (world.length === 0) continue;
                const admin = allPorts(e.protocol) ? ["all ports"] : ADMIN_PORTS.filter((port) => covers(e, port)).map(String);
                if (admin.length > 0) report(`${e.where}: ${world.join(", ")} may reach ${allPorts(e.protocol) ? "all ports" : `admin port ${admin.join("/")}`}; restrict the source to a security group or use SSM Session Manager.`);
            }
            for (const e of entries.filter((x) => x.unknown)) stopOnUnknown(e.where);
        },
    }),
    resourcePolicy({
        name: "sg-public-ingress-only-https",
        description: "NET-04: only the internet-facing ALB's security group (tag sg-role=alb-public) admits the internet, and only on 80/443 (AWS FSBP EC2.18, EC2.19).",
        controls: ["NET-04"],
        enforcementLevel: "mandatory",
        types: SG_TYPES,
        validate: ({ type, props }, report) => {
            const entries = ingressOf(type, props);
            for (const e of entries.filter((x) => !x.unknown)) {
                if (!e.cidrs.some(isWorld)) continue;
                const webOnly = !allPorts(e.protocol) && e.from !== undefined && e.to !== undefined && PORTS.publicWeb.some((port) => e.from === port && e.to === port);
                if (!webOnly) report(`${e.where}: internet ingress on ${portText(e)}; the internet may only reach ports 80 and 443 of the public ALB.`);
                else if (type === SG && sgRole(type, props) !== SG_ROLES.albPublic) {
                    report(`${e.where}: internet ingress on a security group not tagged sg-role=alb-public; only the internet-facing ALB may be reachable from the internet.`);
                } else if (type !== SG) {
                    // Standalone rules cannot carry the group's tag: the group itself must be the ALB's.
                    report.advisory(`${e.where}: internet ingress as a standalone rule; declare it inline on the ALB security group (tag sg-role=alb-public) so the exposure is reviewable.`);
                }
            }
            for (const e of entries.filter((x) => x.unknown)) stopOnUnknown(e.where);
        },
    }),
    resourcePolicy({
        name: "sg-db-ingress-by-sg-reference",
        description: "NET-05: database ports are opened to security groups, never to CIDR ranges (AWS FSBP RDS.2 defence in depth).",
        controls: ["NET-05"],
        enforcementLevel: "advisory",
        types: SG_TYPES,
        configSchema: schemaOf(["databasePorts"]),
        validate: ({ type, props, config }, report) => {
            const ports: number[] = config.databasePorts;
            for (const e of ingressOf(type, props).filter((x) => !x.unknown)) {
                const hit = ports.filter((port) => covers(e, port));
                if (hit.length > 0 && e.cidrs.length > 0) report(`${e.where}: database port ${hit.join("/")} is open to CIDR ${e.cidrs.join(", ")}; use a source security group (sourceSecurityGroupId / referencedSecurityGroupId / securityGroups).`);
            }
        },
    }),
    resourcePolicy({
        name: "nacl-no-public-admin-ports",
        description: "NET-06: network ACLs do not admit SSH/RDP or all traffic from the internet (AWS FSBP EC2.21; CIS-AWS 5.1).",
        controls: ["NET-06"],
        enforcementLevel: "mandatory",
        types: ["aws:ec2/networkAcl:NetworkAcl", "aws:ec2/networkAclRule:NetworkAclRule"],
        validate: ({ type, props }, report) => {
            const rules =
                type === "aws:ec2/networkAcl:NetworkAcl"
                    ? asArray(need(props, "ingress")).map((r: any, i: number) => ({ where: `ingress[${i}] (rule ${r?.ruleNo})`, action: r?.action, cidr: r?.cidrBlock, cidr6: r?.ipv6CidrBlock, protocol: String(r?.protocol ?? "").toLowerCase(), from: asNumber(r?.fromPort), to: asNumber(r?.toPort) }))
                    : isTrue(props.egress)
                      ? []
                      : [{ where: `rule ${props.ruleNumber}`, action: props.ruleAction, cidr: props.cidrBlock, cidr6: props.ipv6CidrBlock, protocol: String(props.protocol ?? "").toLowerCase(), from: asNumber(props.fromPort), to: asNumber(props.toPort) }];
            for (const r of rules) {
                if (String(r.action).toLowerCase() !== "allow" || !(r.cidr === WORLD4 || r.cidr6 === WORLD6)) continue;
                const e = { protocol: r.protocol === "6" ? "tcp" : r.protocol, from: r.from, to: r.to };
                const hit = allPorts(e.protocol) ? "all traffic" : ADMIN_PORTS.filter((port) => covers(e, port)).join("/");
                if (hit) report(`${r.where}: allows ${allPorts(e.protocol) ? hit : `admin port ${hit}`} from the internet; split the range around 22 and 3389 or narrow the source.`);
            }
        },
    }),
    resourcePolicy({
        name: "ec2-no-public-ip",
        description: "NET-07: instances and launch templates never request a public IP (AWS FSBP EC2.9, EC2.25).",
        controls: ["NET-07"],
        enforcementLevel: "mandatory",
        types: ["aws:ec2/instance:Instance", "aws:ec2/launchTemplate:LaunchTemplate"],
        validate: ({ type, props }, report) => {
            if (type === "aws:ec2/instance:Instance") {
                if (need(props, "associatePublicIpAddress") === true) report("Set associatePublicIpAddress to false; reach instances through the ALB or SSM.");
                return;
            }
            asArray(need(props, "networkInterfaces")).forEach((ni: any, i: number) => {
                if (isTrue(ni?.associatePublicIpAddress)) report(`networkInterfaces[${i}].associatePublicIpAddress is true; set it to "false" so nodes stay private.`);
            });
        },
    }),
    resourcePolicy({
        name: "ec2-imdsv2-required",
        description: "NET-08: instances and launch templates require IMDSv2 with a hop limit that keeps pods off node credentials (AWS FSBP EC2.8, EC2.170; CIS-AWS 5.6; CIS-EKS IMDS).",
        controls: ["NET-08"],
        enforcementLevel: "mandatory",
        types: ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"],
        validate: ({ props }, report: Reporter) => {
            const tokens = need(props, "metadataOptions.httpTokens");
            if (tokens !== "required") report(`metadataOptions.httpTokens is ${tokens === undefined ? "absent (optional)" : JSON.stringify(tokens)}; set it to "required" (IMDSv2).`);
            const hops = asNumber(need(props, "metadataOptions.httpPutResponseHopLimit"));
            if (hops !== undefined && hops > 2) report(`metadataOptions.httpPutResponseHopLimit is ${hops}; set it to 1 (or 2 at most) so pods cannot reach the node's credentials.`);
            else if (hops === 2) report.advisory("metadataOptions.httpPutResponseHopLimit is 2; 1 keeps pods from reaching the node's instance credentials (use IRSA/Pod Identity).");
        },
    }),
];
