import { PolicyResource } from "@pulumi/policy";
import { PORTS, SG_ROLE_TAG, SG_ROLES, TYPES } from "../lib/contract";
import { DefaultSecurityGroup, Subnet } from "./lib/classes";
import { each, Policy, Props, resourcePolicy, resourcePolicyOf, stackPolicy } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { label, ofTypes, props as propsOf, referrers, resolveAll } from "./lib/graph";
import { get, need, Reads, SKIP } from "./lib/read";
import { Reporter } from "./lib/reporter";
import { isUnknown, stopOnUnknown } from "./lib/unknowns";
import { reachesInternet } from "./lib/cidr";
import { absent, asArray, asNumber, isTrue, present, quote } from "./lib/values";

/** Catalogue section 1: VPC, subnets, security groups, NACLs, instances. */

const SG_TYPES = [TYPES.securityGroup, TYPES.securityGroupRule, TYPES.securityGroupIngressRule];
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
    if (type === TYPES.securityGroup) {
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
    if (type === TYPES.securityGroupRule) {
        if (p.type !== "ingress") return [];
        return [
            {
                where: "rule",
                protocol: String(p.protocol ?? "").toLowerCase(),
                from: asNumber(p.fromPort),
                to: asNumber(p.toPort),
                cidrs: [...asArray(p.cidrBlocks), ...asArray(p.ipv6CidrBlocks)].map(String),
                sgSource: present(p.sourceSecurityGroupId) || isTrue(p.self) || asArray(p.prefixListIds).length > 0,
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
            sgSource: present(p.referencedSecurityGroupId) || present(p.prefixListId),
            unknown: [p.cidrIpv4, p.cidrIpv6, p.fromPort, p.toPort, p.ipProtocol].some(isUnknown),
        },
    ];
}

export const allPorts = (protocol: string) => protocol === "-1" || protocol === "all";
function covers(e: { protocol: string; from?: number; to?: number }, port: number): boolean {
    if (allPorts(e.protocol)) return true;
    // A rule without ports (icmp) covers none; a rule with ports covers the closed range.
    return e.from !== undefined && e.to !== undefined && e.from <= port && port <= e.to;
}
/** Any CIDR with an internet address in it: the whole address space, a split of it (`0.0.0.0/1`), one public /32. */
const isWorld = (cidr: string) => cidr === WORLD4 || cidr === WORLD6 || reachesInternet(cidr);

function portText(e: Ingress): string {
    return allPorts(e.protocol) ? "all ports" : e.from === e.to ? `port ${e.from}` : `ports ${e.from}-${e.to}`;
}

/** The security group a rule belongs to is tagged on the group, so rules see the tag only through the stack; rules inherit nothing here. */
function sgRole(type: string, p: Props): string | undefined {
    return type === TYPES.securityGroup ? need(p, `tags.${SG_ROLE_TAG}`) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Issue #19 class 9: one owner per security group's rules; the default security group stays empty.
// ---------------------------------------------------------------------------------------------

export const STANDALONE_RULE_TYPES = [
    TYPES.securityGroupRule,
    TYPES.securityGroupIngressRule,
    TYPES.securityGroupEgressRule,
];

/** One permission of a group in one direction, from its inline `ingress`/`egress` list or a standalone rule resource. */
export interface SgPermission {
    where: string;
    protocol: string;
    from?: number;
    to?: number;
    cidrs: string[];
    prefixLists: boolean;
    self: boolean;
    /** The resource and input path that name the peer security group, when the permission names one. */
    peer?: { of: PolicyResource; path: string };
    /** A value the permission depends on is not known yet (preview). */
    unknown: boolean;
}

const STANDALONE_OF = {
    ingress: [TYPES.securityGroupRule, TYPES.securityGroupIngressRule],
    egress: [TYPES.securityGroupRule, TYPES.securityGroupEgressRule],
} as const;

const cidrStrings = (...lists: unknown[]) =>
    lists.flatMap((l) => asArray(l)).filter((c): c is string => typeof c === "string" && c !== "");

/**
 * Every permission of `sg` in one direction: its inline list and the standalone rules that name it
 * (`aws:ec2/securityGroupRule` of that `type`, `aws:vpc/securityGroup{Ingress,Egress}Rule`).
 */
export function permissionsOf(
    sg: PolicyResource,
    resources: PolicyResource[],
    reads: Reads,
    direction: "ingress" | "egress",
): SgPermission[] {
    const out: SgPermission[] = [];
    const inline = reads.read(propsOf(sg), direction);
    if (inline === SKIP)
        out.push({ where: direction, protocol: "", cidrs: [], prefixLists: false, self: false, unknown: true });
    else
        asArray(inline).forEach((e: any, i: number) =>
            out.push({
                where: `${direction}[${i}]`,
                protocol: String(e?.protocol ?? "").toLowerCase(),
                from: asNumber(e?.fromPort),
                to: asNumber(e?.toPort),
                cidrs: cidrStrings(e?.cidrBlocks, e?.ipv6CidrBlocks),
                prefixLists: asArray(e?.prefixListIds).length > 0,
                self: isTrue(e?.self),
                peer:
                    asArray(e?.securityGroups).length > 0
                        ? { of: sg, path: `${direction}[${i}].securityGroups` }
                        : undefined,
                unknown: [
                    e?.protocol,
                    e?.fromPort,
                    e?.toPort,
                    e?.cidrBlocks,
                    e?.ipv6CidrBlocks,
                    e?.securityGroups,
                ].some(isUnknown),
            }),
        );
    for (const r of referrers(sg, "securityGroupId", [...STANDALONE_OF[direction]], resources)) {
        const p = propsOf(r);
        if (r.type === TYPES.securityGroupRule) {
            if (p.type !== direction && !isUnknown(p.type)) continue;
            out.push({
                where: `rule ${r.name}`,
                protocol: String(p.protocol ?? "").toLowerCase(),
                from: asNumber(p.fromPort),
                to: asNumber(p.toPort),
                cidrs: cidrStrings(p.cidrBlocks, p.ipv6CidrBlocks),
                prefixLists: asArray(p.prefixListIds).length > 0,
                self: isTrue(p.self),
                peer: present(p.sourceSecurityGroupId) ? { of: r, path: "sourceSecurityGroupId" } : undefined,
                unknown: [p.type, p.protocol, p.fromPort, p.toPort, p.cidrBlocks, p.ipv6CidrBlocks].some(isUnknown),
            });
        } else {
            out.push({
                where: `rule ${r.name}`,
                protocol: String(p.ipProtocol ?? "").toLowerCase(),
                from: asNumber(p.fromPort),
                to: asNumber(p.toPort),
                cidrs: cidrStrings(p.cidrIpv4, p.cidrIpv6),
                prefixLists: present(p.prefixListId),
                self: false,
                peer: present(p.referencedSecurityGroupId) ? { of: r, path: "referencedSecurityGroupId" } : undefined,
                unknown: [p.ipProtocol, p.fromPort, p.toPort, p.cidrIpv4, p.cidrIpv6].some(isUnknown),
            });
        }
    }
    return out;
}

/** Every egress permission of `sg` (see permissionsOf). */
export const egressOf = (sg: PolicyResource, resources: PolicyResource[], reads: Reads): SgPermission[] =>
    permissionsOf(sg, resources, reads, "egress");

const sgRulesNotMixed = stackPolicy({
    name: "sg-rules-not-mixed",
    description:
        "NET-09: a security group's rules are declared either inline (ingress/egress) or as standalone rule resources, never both (inline rules remove the standalone ones on every update).",
    controls: ["NET-09"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        for (const sg of ofTypes(resources, [TYPES.securityGroup])) {
            each(sg, report, (p, reads) => {
                const inline = ["ingress", "egress"].filter((dir) => {
                    const v = reads.read(p, dir);
                    return v !== SKIP && v !== undefined && v !== null;
                });
                if (inline.length === 0) return;
                const standalone = referrers(sg, "securityGroupId", STANDALONE_RULE_TYPES, resources);
                if (standalone.length > 0)
                    report(
                        `${label(sg)} declares ${inline.join(" and ")} inline and is also the target of ${standalone.map(label).join(", ")}: move every rule to one style (standalone rule resources are preferred).`,
                        sg.urn,
                    );
            });
        }
    },
});

const defaultSgNoRules = stackPolicy({
    name: "default-sg-no-standalone-rules",
    description:
        "NET-10: no standalone rule resource opens a VPC's default security group (AWS FSBP EC2.2; CIS-AWS 5.4).",
    controls: ["NET-10"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        const defaults = ofTypes(resources, [TYPES.defaultSecurityGroup]);
        const vpcs = ofTypes(resources, [TYPES.vpc, TYPES.defaultVpc]);
        const defaultIds = new Set<string>();
        for (const r of [...defaults.map((d) => propsOf(d).id), ...vpcs.map((v) => propsOf(v).defaultSecurityGroupId)])
            if (typeof r === "string" && !isUnknown(r)) defaultIds.add(r);
        for (const rule of ofTypes(resources, STANDALONE_RULE_TYPES)) {
            const deps = rule.propertyDependencies?.securityGroupId ?? [];
            const value = propsOf(rule).securityGroupId;
            const viaVpc = deps.find((d) => d.type === TYPES.vpc || d.type === TYPES.defaultVpc); // `vpc.defaultSecurityGroupId`
            const viaDefault = deps.find((d) => d.type === TYPES.defaultSecurityGroup);
            if (viaVpc || viaDefault || (typeof value === "string" && defaultIds.has(value))) {
                report(
                    `${label(rule)} adds a rule to the default security group${viaVpc ? ` of ${label(viaVpc)}` : ""}: keep the default group empty and attach a purpose-built group instead.`,
                    rule.urn,
                );
            }
        }
    },
});

const noSshKeyPair = resourcePolicy({
    name: "ec2-no-ssh-key-pair",
    description:
        "NET-11: launch templates, launch configurations and instances carry no SSH key pair; operators use SSM Session Manager (NSA minimise node access; CIS-EKS 5.4 node access).",
    controls: ["NET-11"],
    enforcementLevel: "mandatory",
    types: [TYPES.launchTemplate, TYPES.launchConfiguration, TYPES.ec2Instance, TYPES.spotInstanceRequest],
    validate: ({ props }, report) => {
        const key = need(props, "keyName");
        if (!absent(key))
            report(`keyName ${quote(key)} installs an SSH key: remove it and reach the host with SSM Session Manager.`);
    },
});

/** The security groups tagged with one of `roles`, and every group attached to an RDS instance or cluster. */
function databaseGroups(resources: PolicyResource[], roles: readonly string[]): Set<PolicyResource> {
    const groups = new Set<PolicyResource>(
        ofTypes(resources, [TYPES.securityGroup]).filter((sg) => roles.includes(propsOf(sg).tags?.[SG_ROLE_TAG])),
    );
    for (const db of ofTypes(resources, [TYPES.rdsInstance, TYPES.rdsCluster]))
        for (const sg of resolveAll(db, "vpcSecurityGroupIds", [TYPES.securityGroup], resources).targets)
            groups.add(sg);
    return groups;
}

/** `sg-role` values of the data tier: the database's own group and the one-off job holding its master credentials. */
export const DATA_TIER_SG_ROLES = [SG_ROLES.database, SG_ROLES.dbAdminJob];

const dataTierEgress = stackPolicy({
    name: "sg-data-tier-no-internet-egress",
    description:
        "NET-12: security groups of the data tier (attached to a database, or tagged sg-role in dataTierSgRoles) send nothing to 0.0.0.0/0 or ::/0 except TCP 443 (AWS APIs): no path for data to leave on the database port or any other (AWS FSBP EC2.18 intent; NIST SC-7(5)).",
    controls: ["NET-12"],
    enforcementLevel: "mandatory",
    configSchema: schemaOf([], {
        dataTierSgRoles: {
            type: "array",
            items: { type: "string" },
            description: "sg-role tags that mark a security group as part of the data tier.",
            default: DATA_TIER_SG_ROLES,
        },
    }),
    validate: ({ resources, config }, report) => {
        for (const sg of databaseGroups(resources, config.dataTierSgRoles)) {
            each(sg, report, (_p, reads) => {
                for (const e of egressOf(sg, resources, reads)) {
                    if (e.unknown) continue;
                    const world = e.cidrs.filter(isWorld);
                    if (world.length === 0) continue;
                    const https = e.protocol === "tcp" && e.from === PORTS.https && e.to === PORTS.https;
                    if (!https)
                        report(
                            `${label(sg)} ${e.where} sends ${allPorts(e.protocol) ? "all traffic" : `${e.protocol || "protocol ?"} ${e.from}-${e.to}`} to ${world.join(", ")}: the data tier reaches the internet only on TCP 443; send the database port to the isolated subnets' CIDRs or a security group.`,
                            sg.urn,
                        );
                }
            });
        }
    },
});

/** `sg-role` values of the groups that may reach a database: the nodes (the app) and the one-off user job. */
export const DATABASE_SOURCE_ROLES = [SG_ROLES.eksNodes, SG_ROLES.dbAdminJob];

const databaseIngressSources = stackPolicy({
    name: "sg-database-ingress-declared-sources",
    description:
        "NET-13: a database's security group (attached to an RDS instance or cluster, or tagged sg-role=database) admits only TCP on one port, only from security groups whose sg-role is in databaseSourceRoles (default eks-nodes, db-admin-job) and that the stack declares; never a CIDR or prefix list (AWS FSBP RDS.2 defence in depth; NIST AC-4).",
    controls: ["NET-13"],
    enforcementLevel: "mandatory",
    configSchema: schemaOf([], {
        databaseSourceRoles: {
            type: "array",
            items: { type: "string" },
            description: "sg-role tags of the security groups that may reach a database.",
            default: DATABASE_SOURCE_ROLES,
        },
    }),
    validate: ({ resources, config }, report) => {
        const roles: string[] = config.databaseSourceRoles;
        for (const sg of databaseGroups(resources, [SG_ROLES.database])) {
            each(sg, report, (_p, reads) => {
                for (const e of permissionsOf(sg, resources, reads, "ingress")) {
                    if (e.unknown) continue;
                    const where = `${label(sg)} ${e.where}`;
                    if (e.protocol !== "tcp" && e.protocol !== "6")
                        report(
                            `${where} admits protocol ${quote(e.protocol)}: admit TCP on the database port only.`,
                            sg.urn,
                        );
                    else if (e.from === undefined || e.from !== e.to)
                        report(`${where} admits ports ${e.from}-${e.to}: admit the database port only.`, sg.urn);
                    if (e.cidrs.length > 0 || e.prefixLists)
                        report(
                            `${where} admits ${e.cidrs.length > 0 ? `CIDR ${e.cidrs.join(", ")}` : "a prefix list"}: admit the clients' security groups instead.`,
                            sg.urn,
                        );
                    if (!e.peer) continue;
                    const res = resolveAll(e.peer.of, e.peer.path, [TYPES.securityGroup], resources);
                    if (res.unknown) continue;
                    for (const v of res.unresolved)
                        report(
                            `${where} admits security group ${quote(v)}, which this stack does not declare: admit only groups tagged sg-role ${roles.join(" or ")}.`,
                            sg.urn,
                        );
                    for (const source of res.targets) {
                        const role = propsOf(source).tags?.[SG_ROLE_TAG];
                        if (isUnknown(role) || (typeof role === "string" && roles.includes(role))) continue;
                        report(
                            `${where} admits ${label(source)} (sg-role ${quote(role)}): only groups tagged sg-role ${roles.join(" or ")} may reach the database; add the role to databaseSourceRoles after review.`,
                            sg.urn,
                        );
                    }
                }
            });
        }
    },
});

export const policies: Policy[] = [
    resourcePolicyOf({
        name: "subnet-no-auto-public-ip",
        description: "NET-01: subnets never assign public IPs on launch (AWS FSBP EC2.15; NIST SC-7).",
        controls: ["NET-01"],
        enforcementLevel: "mandatory",
        of: Subnet,
        validate: ({ props }, report) => {
            if (need(props, "mapPublicIpOnLaunch") === true) {
                report(
                    "Set mapPublicIpOnLaunch to false: the ALB and NAT gateways get their own addresses, instances never need one.",
                );
            }
            if (need(props, "assignIpv6AddressOnCreation") === true && need(props, "mapPublicIpOnLaunch") !== true) {
                report.advisory(
                    "assignIpv6AddressOnCreation gives every instance a globally routable IPv6 address; prefer an egress-only internet gateway.",
                );
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
                if (asArray(need(props, dir)).length > 0)
                    report(
                        `Remove every ${dir} rule from the default security group (set ${dir}: []); use purpose-built groups instead.`,
                    );
            }
        },
    }),
    resourcePolicy({
        name: "sg-no-public-admin-ports",
        description:
            "NET-03: no security group admits SSH/RDP or all ports from the internet (AWS FSBP EC2.13, EC2.14, EC2.53, EC2.54; CIS-AWS 5.2, 5.3).",
        controls: ["NET-03"],
        enforcementLevel: "mandatory",
        types: SG_TYPES,
        validate: ({ type, props }, report) => {
            const entries = ingressOf(type, props);
            for (const e of entries.filter((x) => !x.unknown)) {
                const world = e.cidrs.filter(isWorld);
                if (world.length === 0) continue;
                const admin = allPorts(e.protocol)
                    ? ["all ports"]
                    : ADMIN_PORTS.filter((port) => covers(e, port)).map(String);
                if (admin.length > 0)
                    report(
                        `${e.where}: ${world.join(", ")} may reach ${allPorts(e.protocol) ? "all ports" : `admin port ${admin.join("/")}`}; restrict the source to a security group or use SSM Session Manager.`,
                    );
            }
            for (const e of entries.filter((x) => x.unknown)) stopOnUnknown(e.where);
        },
    }),
    resourcePolicy({
        name: "sg-public-ingress-only-https",
        description:
            "NET-04: only the internet-facing ALB's security group (tag sg-role=alb-public) admits the internet, and only on 80/443 (AWS FSBP EC2.18, EC2.19).",
        controls: ["NET-04"],
        enforcementLevel: "mandatory",
        types: SG_TYPES,
        validate: ({ type, props }, report) => {
            const entries = ingressOf(type, props);
            for (const e of entries.filter((x) => !x.unknown)) {
                if (!e.cidrs.some(isWorld)) continue;
                const webOnly =
                    !allPorts(e.protocol) &&
                    e.from !== undefined &&
                    e.to !== undefined &&
                    PORTS.publicWeb.some((port) => e.from === port && e.to === port);
                if (!webOnly)
                    report(
                        `${e.where}: internet ingress on ${portText(e)}; the internet may only reach ports 80 and 443 of the public ALB.`,
                    );
                else if (type === TYPES.securityGroup && sgRole(type, props) !== SG_ROLES.albPublic) {
                    report(
                        `${e.where}: internet ingress on a security group not tagged sg-role=alb-public; only the internet-facing ALB may be reachable from the internet.`,
                    );
                } else if (type !== TYPES.securityGroup) {
                    // Standalone rules cannot carry the group's tag: the group itself must be the ALB's.
                    report.advisory(
                        `${e.where}: internet ingress as a standalone rule; declare it inline on the ALB security group (tag sg-role=alb-public) so the exposure is reviewable.`,
                    );
                }
            }
            for (const e of entries.filter((x) => x.unknown)) stopOnUnknown(e.where);
        },
    }),
    resourcePolicy({
        name: "sg-db-ingress-by-sg-reference",
        description:
            "NET-05: database ports are opened to security groups, never to CIDR ranges (AWS FSBP RDS.2 defence in depth).",
        controls: ["NET-05"],
        // Mandatory since the network/edge/data mutation tests: a CIDR on the database port admits every
        // workload (and every tenant) in that range, not just the database's clients. The program complies.
        enforcementLevel: "mandatory",
        types: SG_TYPES,
        configSchema: schemaOf(["databasePorts"]),
        validate: ({ type, props, config }, report) => {
            const ports: number[] = config.databasePorts;
            for (const e of ingressOf(type, props).filter((x) => !x.unknown)) {
                const hit = ports.filter((port) => covers(e, port));
                if (hit.length > 0 && e.cidrs.length > 0)
                    report(
                        `${e.where}: database port ${hit.join("/")} is open to CIDR ${e.cidrs.join(", ")}; use a source security group (sourceSecurityGroupId / referencedSecurityGroupId / securityGroups).`,
                    );
            }
        },
    }),
    resourcePolicy({
        name: "nacl-no-public-admin-ports",
        description:
            "NET-06: network ACLs (the adopted default one too) do not admit SSH/RDP or all traffic from the internet (AWS FSBP EC2.21; CIS-AWS 5.1).",
        controls: ["NET-06"],
        enforcementLevel: "mandatory",
        types: [TYPES.networkAcl, TYPES.defaultNetworkAcl, TYPES.networkAclRule],
        validate: ({ type, props }, report) => {
            const rules =
                type !== TYPES.networkAclRule
                    ? asArray(need(props, "ingress")).map((r: any, i: number) => ({
                          where: `ingress[${i}] (rule ${r?.ruleNo})`,
                          action: r?.action,
                          cidr: r?.cidrBlock,
                          cidr6: r?.ipv6CidrBlock,
                          protocol: String(r?.protocol ?? "").toLowerCase(),
                          from: asNumber(r?.fromPort),
                          to: asNumber(r?.toPort),
                      }))
                    : isTrue(props.egress)
                      ? []
                      : [
                            {
                                where: `rule ${props.ruleNumber}`,
                                action: props.ruleAction,
                                cidr: props.cidrBlock,
                                cidr6: props.ipv6CidrBlock,
                                protocol: String(props.protocol ?? "").toLowerCase(),
                                from: asNumber(props.fromPort),
                                to: asNumber(props.toPort),
                            },
                        ];
            for (const r of rules) {
                if (
                    String(r.action).toLowerCase() !== "allow" ||
                    ![r.cidr, r.cidr6].some((c) => typeof c === "string" && isWorld(c))
                )
                    continue;
                const e = { protocol: r.protocol === "6" ? "tcp" : r.protocol, from: r.from, to: r.to };
                const hit = allPorts(e.protocol)
                    ? "all traffic"
                    : ADMIN_PORTS.filter((port) => covers(e, port)).join("/");
                if (hit)
                    report(
                        `${r.where}: allows ${allPorts(e.protocol) ? hit : `admin port ${hit}`} from the internet; split the range around 22 and 3389 or narrow the source.`,
                    );
            }
        },
    }),
    resourcePolicy({
        name: "ec2-no-public-ip",
        description:
            "NET-07: instances, launch templates and launch configurations never request a public IP (AWS FSBP EC2.9, EC2.25, AutoScaling.5).",
        controls: ["NET-07"],
        enforcementLevel: "mandatory",
        types: [TYPES.ec2Instance, TYPES.launchTemplate, TYPES.launchConfiguration],
        validate: ({ type, props }, report) => {
            if (type === TYPES.ec2Instance || type === TYPES.launchConfiguration) {
                if (need(props, "associatePublicIpAddress") === true)
                    report("Set associatePublicIpAddress to false; reach instances through the ALB or SSM.");
                return;
            }
            asArray(need(props, "networkInterfaces")).forEach((ni: any, i: number) => {
                if (isTrue(ni?.associatePublicIpAddress))
                    report(
                        `networkInterfaces[${i}].associatePublicIpAddress is true; set it to "false" so nodes stay private.`,
                    );
            });
        },
    }),
    resourcePolicy({
        name: "ec2-imdsv2-required",
        description:
            "NET-08: instances, launch templates and launch configurations require IMDSv2 with hop limit 1, so pods cannot reach the node's credentials (AWS FSBP EC2.8, EC2.170, AutoScaling.3; CIS-AWS 5.6; EKS best practices: restrict IMDS).",
        controls: ["NET-08"],
        enforcementLevel: "mandatory",
        types: [TYPES.launchTemplate, TYPES.ec2Instance, TYPES.launchConfiguration],
        validate: ({ props }, report: Reporter) => {
            const tokens = need(props, "metadataOptions.httpTokens");
            if (tokens !== "required")
                report(
                    `metadataOptions.httpTokens is ${absent(tokens) ? "absent (optional)" : JSON.stringify(tokens)}; set it to "required" (IMDSv2).`,
                );
            // Absent leaves it to the AMI: EKS AL2023 AMIs set 2, which lets any pod reach the node role's credentials.
            const hops = asNumber(need(props, "metadataOptions.httpPutResponseHopLimit"));
            if (hops !== 1)
                report(
                    `metadataOptions.httpPutResponseHopLimit is ${hops === undefined ? "absent (the AMI decides; EKS AL2023 AMIs use 2)" : hops}; set it to 1 so pods cannot reach the node's instance credentials (use IRSA/Pod Identity).`,
                );
        },
    }),
    sgRulesNotMixed,
    defaultSgNoRules,
    noSshKeyPair,
    dataTierEgress,
    databaseIngressSources,
];
