import type { CapturedResource } from "../../lib/engine";
import { Style } from "./check-term";

/** The resource tree of a checked stack, grouped by component (tier), as compact text for terminals and CI logs. */

/** Remote components (eks:index:Cluster) count as resources; `custom` is false only for local components. */
export type TreeResource = Pick<CapturedResource, "type" | "name" | "urn" | "parent" | "custom" | "remote">;

/** `aws:ec2/subnet:Subnet` → `ec2:Subnet`, `kubernetes:apps/v1:Deployment` → `k8s:Deployment`, `eks:index:Cluster` → `eks:Cluster`. */
export function shortType(type: string): string {
    const [pkg, mod = "", name = type] = type.split(":");
    if (pkg === "aws") return `${mod.split("/")[0]}:${name}`;
    if (pkg === "kubernetes") return `k8s:${name}`;
    if (pkg === "pulumi" && mod === "providers") return `provider:${name}`;
    return `${pkg}:${name}`;
}

/** A component groups resources; a remote component is a resource the provider expands. */
const isGroup = (r: TreeResource) => !r.custom && !r.remote;

export interface Tree {
    /** Component nodes (and a synthetic root for resources declared directly in the program). */
    roots: TreeNode[];
    resourceCount: number;
    componentCount: number;
}

export interface TreeNode {
    component?: TreeResource;
    resources: TreeResource[];
    children: TreeNode[];
    /** Resources in this node and every nested component. */
    total: number;
}

export function buildTree(resources: TreeResource[]): Tree {
    const nodes = new Map<string, TreeNode>();
    for (const r of resources)
        if (isGroup(r)) nodes.set(r.urn, { component: r, resources: [], children: [], total: 0 });
    const loose: TreeNode = { resources: [], children: [], total: 0 };
    const roots: TreeNode[] = [];
    for (const r of resources) {
        const parent = nodes.get(r.parent);
        if (isGroup(r)) (parent ? parent.children : roots).push(nodes.get(r.urn)!);
        else (parent ?? loose).resources.push(r);
    }
    const sum = (n: TreeNode): number => (n.total = n.resources.length + n.children.reduce((a, c) => a + sum(c), 0));
    roots.forEach(sum);
    sum(loose);
    if (loose.resources.length > 0) roots.push(loose);
    return { roots, resourceCount: resources.filter((r) => !isGroup(r)).length, componentCount: nodes.size };
}

function typeCounts(resources: TreeResource[]): [string, number][] {
    const counts = new Map<string, number>();
    for (const r of resources) counts.set(shortType(r.type), (counts.get(shortType(r.type)) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** Wraps `items` into lines no wider than `width` after `indent`. */
function wrap(items: string[], indent: string, width: number): string[] {
    const lines: string[] = [];
    let line = "";
    for (const item of items) {
        if (line && indent.length + line.length + 2 + item.length > width) {
            lines.push(indent + line);
            line = item;
        } else line = line ? `${line}  ${item}` : item;
    }
    if (line) lines.push(indent + line);
    return lines;
}

/** The tree as lines: one header per component with its resource count, then counts per type (or every resource with `verbose`). */
export function renderTree(tree: Tree, s: Style, opts: { verbose?: boolean; width?: number } = {}): string[] {
    const width = opts.width ?? 110;
    const out: string[] = [];
    const visit = (n: TreeNode, depth: number) => {
        const pad = "  ".repeat(depth + 1);
        const label = n.component
            ? `${s.bold(n.component.name)} ${s.dim(n.component.type)}`
            : s.bold("(declared in the program)");
        out.push(`${pad}${label} ${s.cyan(String(n.total))}`);
        if (opts.verbose) {
            const byType = [...n.resources].sort(
                (a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
            );
            for (const r of byType) out.push(`${pad}  ${s.dim(shortType(r.type))} ${r.name}`);
        } else if (n.resources.length > 0) {
            out.push(
                ...wrap(
                    typeCounts(n.resources).map(([t, c]) => (c > 1 ? `${t} ×${c}` : t)),
                    `${pad}  `,
                    width,
                ),
            );
        }
        n.children.forEach((c) => visit(c, depth + 1));
    };
    tree.roots.forEach((n) => visit(n, 0));
    return out;
}
