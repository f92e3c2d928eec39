import { PolicyResource } from "@pulumi/policy";
import { get } from "./read";
import { isUnknown, raw } from "./unknowns";
import { asArray } from "./values";

/**
 * Reference resolution for stack policies (catalogue section 9): a reference input is resolved through
 * the resource graph first (`propertyDependencies[<input>]`, which the engine fills even when the ids are
 * still unknown on a first deploy), then by matching a known value against the ids/ARNs/names of the
 * candidate resources.
 */

export type Resolution =
    | { kind: "resolved"; targets: PolicyResource[] }
    | { kind: "unknown" }
    | { kind: "absent" }
    | { kind: "unresolved"; value: unknown };

export function props(r: PolicyResource): Record<string, any> {
    return raw(r.props) ?? {};
}

export function ofTypes(resources: PolicyResource[], types: readonly string[]): PolicyResource[] {
    return resources.filter((r) => types.includes(r.type));
}

/** Values by which other resources can name `r`. */
export function identities(r: PolicyResource): string[] {
    const p = props(r);
    const ids = [p.id, p.arn, p.name, p.keyId, p.bucket, p.zoneId, r.urn];
    return ids.filter((v): v is string => typeof v === "string" && v !== "" && !isUnknown(v));
}

/** The top-level input a dotted path lives under (propertyDependencies are keyed by top-level inputs). */
function topLevel(path: string): string {
    return path.split(/\.|\[/)[0];
}

/**
 * Resolves the reference at `path` of `r` to resources of `types`. For list inputs (`subnetIds`) every
 * element is resolved: `targets` holds what was found, and `unresolved` values are returned separately.
 */
export function resolveAll(
    r: PolicyResource,
    path: string,
    types: readonly string[],
    all: PolicyResource[],
): { targets: PolicyResource[]; unresolved: unknown[]; unknown: boolean; absent: boolean } {
    const value = get(props(r), path);
    const viaGraph = (r.propertyDependencies?.[topLevel(path)] ?? []).filter((d) => types.includes(d.type));
    const candidates = ofTypes(all, types);
    const targets: PolicyResource[] = [];
    const unresolved: unknown[] = [];
    const values = isUnknown(value) ? [] : asArray(value);
    let unknown = isUnknown(value);
    for (const v of values) {
        if (isUnknown(v)) {
            unknown = true;
            continue;
        }
        const hit = candidates.find((c) => identities(c).includes(v as string));
        if (hit) {
            if (!targets.includes(hit)) targets.push(hit);
        } else if (!viaGraph.some((d) => identities(d).length <= 1)) {
            // Known value, no match, and no graph edge to a resource whose id is still unknown.
            unresolved.push(v);
        }
    }
    // Graph edges are authoritative when ids are unknown (first deploy) or not unique to one type.
    for (const d of viaGraph) if (!targets.includes(d)) targets.push(d);
    if (viaGraph.length > 0 && unknown) unknown = false;
    return {
        targets,
        unresolved,
        unknown,
        absent: value === undefined || value === null || (Array.isArray(value) && value.length === 0),
    };
}

export function resolveOne(
    r: PolicyResource,
    path: string,
    types: readonly string[],
    all: PolicyResource[],
): Resolution {
    const res = resolveAll(r, path, types, all);
    if (res.targets.length > 0) return { kind: "resolved", targets: res.targets };
    if (res.unknown) return { kind: "unknown" };
    if (res.absent) return { kind: "absent" };
    return { kind: "unresolved", value: get(props(r), path) };
}

/** Resources of `types` whose `path` input refers to `target` (graph edge or matching known value). */
export function referrers(
    target: PolicyResource,
    path: string,
    types: readonly string[],
    all: PolicyResource[],
): PolicyResource[] {
    const ids = identities(target);
    return ofTypes(all, types).filter((r) => {
        if ((r.propertyDependencies?.[topLevel(path)] ?? []).includes(target)) return true;
        const v = get(props(r), path);
        return asArray(v).some((x) => typeof x === "string" && ids.includes(x));
    });
}

/** A short display of a resource for messages. */
export function label(r: PolicyResource): string {
    return `${r.type.split(":").pop()} '${r.name}'`;
}
