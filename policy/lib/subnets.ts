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
