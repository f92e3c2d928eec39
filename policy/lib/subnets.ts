import { PolicyResource } from "@pulumi/policy";
import { TYPES } from "../../lib/contract";
import { isUnknown } from "./unknowns";
import { asArray } from "./values";
import { identities, ofTypes, props, referrers, resolveAll, resolveOne } from "./graph";

/**
 * "Is this subnet isolated?" (STK-01, reused by STK-02): no public IP mapping, and no route table of
 * the subnet (explicit association, else the VPC's main table) has a route through an internet gateway,
 * whatever the destination.
 */

const TABLES = [TYPES.routeTable, TYPES.defaultRouteTable];

export interface SubnetVerdict {
    /** Reasons the subnet is not isolated (empty = isolated). */
    problems: string[];
    /** Things that could not be proven but do not fail (e.g. an unmanaged main route table). */
    notes: string[];
}

function isIgwRef(value: unknown, deps: PolicyResource[], all: PolicyResource[]): boolean {
    if (deps.some((d) => d.type === TYPES.internetGateway)) return true;
    if (typeof value !== "string" || isUnknown(value)) return false;
    if (value.startsWith("igw-")) return true;
    return ofTypes(all, [TYPES.internetGateway]).some((g) => identities(g).includes(value));
}

/** Route tables that govern `subnet`: its explicit associations, else its VPC's main table. */
function routeTablesOf(subnet: PolicyResource, all: PolicyResource[], verdict: SubnetVerdict): PolicyResource[] {
    const assocs = referrers(subnet, "subnetId", [TYPES.routeTableAssociation], all);
    const tables: PolicyResource[] = [];
    for (const a of assocs) tables.push(...resolveAll(a, "routeTableId", TABLES, all).targets);
    if (assocs.length > 0) return tables;
    const vpc = resolveOne(subnet, "vpcId", [TYPES.vpc], all);
    if (vpc.kind !== "resolved") {
        verdict.notes.push("has no route table association and its VPC is not in the stack");
        return [];
    }
    const main = vpc.targets.flatMap((v) => [
        ...referrers(v, "vpcId", [TYPES.mainRouteTableAssociation], all).flatMap(
            (m) => resolveAll(m, "routeTableId", TABLES, all).targets,
        ),
        ...ofTypes(all, [TYPES.defaultRouteTable]).filter(
            (d) =>
                (d.propertyDependencies?.defaultRouteTableId ?? []).includes(v) ||
                (props(d).defaultRouteTableId !== undefined &&
                    props(d).defaultRouteTableId === props(v).defaultRouteTableId),
        ),
    ]);
    if (main.length === 0)
        verdict.notes.push(
            "uses the VPC's implicit main route table, which the stack does not manage (adopt it with aws.ec2.DefaultRouteTable)",
        );
    return main;
}

export function subnetIsolation(subnet: PolicyResource, all: PolicyResource[]): SubnetVerdict {
    const verdict: SubnetVerdict = { problems: [], notes: [] };
    const p = props(subnet);
    if (p.mapPublicIpOnLaunch === true) verdict.problems.push("maps public IPs on launch");
    for (const table of routeTablesOf(subnet, all, verdict)) {
        const tp = props(table);
        const inlineDeps = table.propertyDependencies?.routes ?? [];
        const inline = isUnknown(tp.routes) ? [] : asArray(tp.routes);
        if (
            inline.some((r: any) => isIgwRef(r?.gatewayId, [], all)) ||
            inlineDeps.some((d) => d.type === TYPES.internetGateway)
        ) {
            verdict.problems.push(`is routed through an internet gateway by ${table.name}'s inline routes`);
        }
        for (const route of referrers(table, "routeTableId", [TYPES.route], all)) {
            if (isIgwRef(props(route).gatewayId, route.propertyDependencies?.gatewayId ?? [], all)) {
                verdict.problems.push(
                    `is routed through an internet gateway by route ${route.name} (${props(route).destinationCidrBlock ?? props(route).destinationIpv6CidrBlock ?? "any destination"}) in ${table.name}`,
                );
            }
        }
    }
    return verdict;
}

/** Route fields that send traffic somewhere (pulumi-aws `ec2.Route` / `RouteTable.routes`); `gatewayId: "local"` is the VPC itself. */
const ROUTE_TARGETS = [
    "gatewayId",
    "natGatewayId",
    "egressOnlyGatewayId",
    "transitGatewayId",
    "vpcPeeringConnectionId",
    "networkInterfaceId",
    "carrierGatewayId",
    "localGatewayId",
    "coreNetworkArn",
];

function exitOf(route: Record<string, unknown>): string | undefined {
    const field = ROUTE_TARGETS.find((f) => route[f] !== undefined && route[f] !== null && route[f] !== "");
    if (!field || route[field] === "local") return undefined;
    const dest = route.destinationCidrBlock ?? route.cidrBlock ?? route.destinationIpv6CidrBlock ?? route.ipv6CidrBlock;
    const destText =
        typeof dest === "string" && !isUnknown(dest) ? dest : (route.destinationPrefixListId ?? "a prefix list");
    return `${String(destText)} via ${field}`;
}

/**
 * Routes of `subnet`'s route tables that leave the VPC: every route with a target other than the local route
 * and a VPC endpoint (gateway endpoints for S3/DynamoDB and Gateway Load Balancer endpoints stay on the AWS
 * network). An isolated subnet has none (a NAT gateway, an egress-only gateway, a transit gateway or a peering
 * all reach beyond the VPC). Inline routes whose list is unknown at preview are not judged.
 */
export function exitRoutes(subnet: PolicyResource, all: PolicyResource[]): string[] {
    const out: string[] = [];
    for (const table of routeTablesOf(subnet, all, { problems: [], notes: [] })) {
        const tp = props(table);
        if (!isUnknown(tp.routes))
            asArray(tp.routes).forEach((r: any, i: number) => {
                const exit = r && typeof r === "object" ? exitOf(r) : undefined;
                if (exit) out.push(`${table.name} routes[${i}] sends ${exit}`);
            });
        for (const route of referrers(table, "routeTableId", [TYPES.route], all)) {
            const exit = exitOf(props(route));
            if (exit) out.push(`route ${route.name} in ${table.name} sends ${exit}`);
        }
    }
    return out;
}

const WORLD = ["0.0.0.0/0", "::/0"];

/**
 * Ingress `allow` entries from the internet (0.0.0.0/0 or ::/0) of the network ACLs of `subnet`: ACLs naming it
 * in `subnetIds` or through a `NetworkAclAssociation`, else its VPC's default ACL; inline `ingress` and standalone
 * `NetworkAclRule`s.
 */
export function internetNaclEntries(subnet: PolicyResource, all: PolicyResource[]): string[] {
    const acls = new Set<PolicyResource>(referrers(subnet, "subnetIds", [TYPES.networkAcl], all));
    for (const a of referrers(subnet, "subnetId", [TYPES.networkAclAssociation], all))
        for (const acl of resolveAll(a, "networkAclId", [TYPES.networkAcl], all).targets) acls.add(acl);
    const out: string[] = [];
    const world = (r: any) => WORLD.includes(r?.cidrBlock) || WORLD.includes(r?.ipv6CidrBlock);
    if (acls.size === 0) {
        // A subnet no custom ACL claims is on its VPC's default ACL, which AWS creates allowing all inbound IPv4
        // (rule 100, 0.0.0.0/0) and IPv6 (rule 101, ::/0) traffic (Amazon VPC user guide, "Default network ACL").
        // An adopted aws.ec2.DefaultNetworkAcl replaces those rules with its own, judged below. Not judged while an
        // ACL's or an association's subnet is unknown at preview: it may be this subnet.
        const undecided =
            ofTypes(all, [TYPES.networkAcl]).some((a) => isUnknown(props(a).subnetIds)) ||
            ofTypes(all, [TYPES.networkAclAssociation]).some((a) => isUnknown(props(a).subnetId));
        const adopted = ofTypes(all, [TYPES.defaultNetworkAcl]);
        if (adopted.length === 0 && !undecided)
            out.push("is its VPC's default network ACL, which allows all traffic from 0.0.0.0/0 and ::/0");
        adopted.forEach((a) => acls.add(a));
    }
    for (const acl of acls) {
        const ingress = props(acl).ingress;
        if (!isUnknown(ingress))
            asArray(ingress).forEach((r: any) => {
                if (String(r?.action).toLowerCase() === "allow" && world(r))
                    out.push(`${acl.name} ingress rule ${r?.ruleNo} admits ${r?.cidrBlock ?? r?.ipv6CidrBlock}`);
            });
        for (const rule of referrers(acl, "networkAclId", [TYPES.networkAclRule], all)) {
            const p = props(rule);
            if (p.egress === true || String(p.ruleAction).toLowerCase() !== "allow") continue;
            if (WORLD.includes(p.cidrBlock) || WORLD.includes(p.ipv6CidrBlock))
                out.push(`${acl.name} rule ${rule.name} admits ${p.cidrBlock ?? p.ipv6CidrBlock}`);
        }
    }
    return out;
}
