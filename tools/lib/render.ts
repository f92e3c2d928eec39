import ELK from "elkjs/lib/elk.bundled.js";
import type { ElkExtendedEdge, ElkNode } from "elkjs/lib/elk-api";
import { XMLBuilder } from "fast-xml-parser";
import { Architecture, Box, flatten } from "./architecture";

/**
 * Renders an Architecture as a draw.io (diagrams.net) file, a standalone SVG and a Mermaid flowchart.
 * Layout is automatic (elkjs, the Eclipse Layout Kernel's layered algorithm over the whole nested graph): every
 * box is sized to its text, containers grow around their children, and traffic edges and their labels are routed
 * around the boxes. Inside the VPC the AZs form a grid: one column per AZ, one row per subnet layer, every subnet the
 * same size. The XML of both formats is built with fast-xml-parser's XMLBuilder, which escapes values.
 */
const FILL: Record<Box["style"], string> = {
    vpc: "fillColor=none;strokeColor=#8C4FFF;dashed=0;verticalAlign=top;align=left;spacingLeft=8;fontStyle=1;",
    az: "fillColor=none;strokeColor=#147EBA;dashed=1;verticalAlign=top;align=left;spacingLeft=6;",
    public: "fillColor=#E9F3E6;strokeColor=#7AA116;verticalAlign=top;align=left;spacingLeft=6;",
    private: "fillColor=#E6F2F8;strokeColor=#147EBA;verticalAlign=top;align=left;spacingLeft=6;",
    isolated: "fillColor=#FBE9E6;strokeColor=#DD344C;verticalAlign=top;align=left;spacingLeft=6;",
    edge: "fillColor=#F2F2F2;strokeColor=#666666;verticalAlign=top;align=left;spacingLeft=6;fontStyle=1;",
    cluster: "fillColor=#FFF4E5;strokeColor=#ED7100;verticalAlign=top;align=left;spacingLeft=6;fontStyle=1;",
    namespace: "fillColor=#FFFFFF;strokeColor=#326CE5;dashed=1;verticalAlign=top;align=left;spacingLeft=6;",
    keys: "fillColor=#FDF0F3;strokeColor=#C7131F;verticalAlign=top;align=left;spacingLeft=6;fontStyle=1;",
    state: "fillColor=#F4F4F4;strokeColor=#3F8624;verticalAlign=top;align=left;spacingLeft=6;fontStyle=1;",
    external: "ellipse;fillColor=#FFFFFF;strokeColor=#232F3E;",
    resource: "rounded=1;fillColor=#FFFFFF;strokeColor=#232F3E;",
};

const SVG_COLOURS: Record<Box["style"], [string, string]> = {
    vpc: ["none", "#8C4FFF"],
    az: ["none", "#147EBA"],
    public: ["#E9F3E6", "#7AA116"],
    private: ["#E6F2F8", "#147EBA"],
    isolated: ["#FBE9E6", "#DD344C"],
    edge: ["#F2F2F2", "#666666"],
    cluster: ["#FFF4E5", "#ED7100"],
    namespace: ["#FFFFFF", "#326CE5"],
    keys: ["#FDF0F3", "#C7131F"],
    state: ["#F4F4F4", "#3F8624"],
    external: ["#FFFFFF", "#232F3E"],
    resource: ["#FFFFFF", "#232F3E"],
};

const FONT = 12;
const DETAIL_FONT = 10;
const EDGE_FONT = 11;
/**
 * Text width estimate, deliberately generous: a box sized for it holds the label in Helvetica, Arial and the wider
 * DejaVu Sans that headless renderers fall back to (checked against DejaVu Sans as rendered by resvg, where an
 * average lower-case letter is ≈ 0.6 em and `m`/`w` nearly 1 em). Bold text is wider by `BOLD`.
 */
export function textWidth(text: string, size = FONT): number {
    let em = 0;
    for (const ch of text) em += EM.find(([chars]) => chars.test(ch))?.[1] ?? 0.66;
    return Math.ceil(em * size);
}
/** Advance widths in em by character class; anything else (most lower-case letters) is 0.66. */
const EM: [RegExp, number][] = [
    [/[mwMW@%]/, 1],
    [/[A-Z0-9#&]/, 0.76],
    [/r/, 0.48],
    [/[ijlft.,:;'|!()/ -]/, 0.42],
];
const BOLD = 1.15;
const headerWidth = (text: string) => Math.ceil(textWidth(text) * BOLD);

const NODE_PAD_X = 14;
const NODE_H = 40;
const NODE_H_DETAIL = 52;
const HEADER = 30;

export interface Rect {
    x: number;
    y: number;
    w: number;
    h: number;
}

/** The computed drawing: absolute and parent-relative boxes, routed edges with their label boxes. */
export interface Layout {
    width: number;
    height: number;
    boxes: Map<string, { box: Box; abs: Rect; rel: Rect; parent?: string }>;
    edges: { index: number; points: [number, number][]; label?: Rect }[];
}

const nodeSize = (box: Box) => ({
    width: Math.max(
        150,
        textWidth(box.label) + 2 * NODE_PAD_X,
        box.detail ? textWidth(box.detail, DETAIL_FONT) + 2 * NODE_PAD_X : 0,
    ),
    height: box.detail ? NODE_H_DETAIL : NODE_H,
});

/**
 * Containers whose children keep the model's order top to bottom (an AZ's layers public, private, isolated; the VPC's
 * AZs), whichever of them the traffic enters: semi-interactive crossing minimisation orders by `elk.position`.
 */
const ordered = (b: Box) => b.style === "vpc" || b.style === "az";

const SUBNET = new Set<Box["style"]>(["public", "private", "isolated"]);

/** Minimum sizes that make boxes of one kind line up (see `alignedGroups`), by box id. */
type Minimums = Map<string, { w: number; h: number }>;

function elkNode(box: Box, min: Minimums): ElkNode {
    if (box.kind === "node") return { id: box.id, ...nodeSize(box) };
    const m = min.get(box.id);
    return {
        id: box.id,
        layoutOptions: {
            "elk.padding": `[top=${HEADER + 6},left=14,bottom=14,right=14]`,
            "elk.nodeSize.constraints": "MINIMUM_SIZE",
            "elk.nodeSize.minimum": `(${Math.max(headerWidth(box.label) + 24, m?.w ?? 0)},${Math.max(HEADER + 20, m?.h ?? 0)})`,
            // A box grown to match its row or column keeps its content in the middle.
            "elk.contentAlignment": "[V_CENTER, H_CENTER]",
            ...(ordered(box) ? { "elk.layered.crossingMinimization.semiInteractive": "true" } : {}),
            // The subnet the data hop enters has a port sticking out on its left; aligning the subnets' right sides
            // in their layer keeps the AZ's column straight.
            ...(SUBNET.has(box.style) ? { "elk.alignment": "RIGHT" } : {}),
        },
        children: box.children.map((c, i) => {
            const n = elkNode(c, min);
            if (ordered(box)) n.layoutOptions = { ...n.layoutOptions, "elk.position": `(0,${i * 100})` };
            return n;
        }),
    };
}

let elk: InstanceType<typeof ELK> | undefined;

/** Boxes that carry traffic (users, the edge tier, the VPC) are laid out as one graph; the rest are side panels. */
const inFlow = (b: Box) => b.style === "external" || b.style === "edge" || b.style === "vpc";

/** Boxes that must come out the same size so the AZs read as a grid: all AZs, and all their subnets. */
function alignedGroups(boxes: Box[]): string[][] {
    const azs = flatten(boxes).filter((b) => b.style === "az");
    return [azs.map((a) => a.id), azs.flatMap((az) => az.children.map((s) => s.id))];
}

/**
 * Invisible edges that give the drawing its structure. The AZs stand side by side as columns with their subnet
 * layers stacked public, private, isolated, so each layer is one row across the VPC: each subnet leads to the same
 * layer's subnet in the next AZ. The hop into the data tier enters the isolated subnet of the first AZ (the row is
 * the database's own, so the arrow needs no detour); an invisible twin of it enters each of that AZ's other subnets,
 * so every layer of the first AZ is entered alike from the cluster and the column stays one column. The twins carry
 * a label of the hop's size, because a label takes a layer of its own between an edge's ends.
 */
function structureEdges(boxes: Box[], arch: Architecture): ElkExtendedEdge[] {
    const out: ElkExtendedEdge[] = [];
    const azs = flatten(boxes).filter((b) => b.style === "az");
    azs.slice(1).forEach((az, i) => {
        for (const layer of az.children) {
            const before = azs[i].children.find((c) => c.style === layer.style);
            if (before) out.push({ id: `s-${layer.id}`, sources: [before.id], targets: [layer.id] });
        }
    });
    const dataIds = new Set(flatten(azs.flatMap((az) => az.children)).map((b) => b.id));
    const data = arch.edges.find((e) => e.kind === "traffic" && dataIds.has(e.to) && !dataIds.has(e.from));
    if (data && azs.length)
        for (const layer of azs[0].children)
            if (!flatten([layer]).some((b) => b.id === data.to))
                out.push({
                    id: `s-data-${layer.id}`,
                    sources: [data.from],
                    targets: [layer.id],
                    labels: [edgeLabel(data.label)],
                });
    return out;
}

const edgeLabel = (text: string) => ({ text, width: textWidth(text, EDGE_FONT) + 8, height: 16 });

const ROOT_OPTIONS = {
    "elk.algorithm": "layered",
    "elk.direction": "RIGHT",
    "elk.hierarchyHandling": "INCLUDE_CHILDREN",
    "elk.edgeRouting": "ORTHOGONAL",
    "elk.layered.considerModelOrder.strategy": "NODES_AND_EDGES",
    "elk.layered.crossingMinimization.forceNodeModelOrder": "true",
    "elk.spacing.nodeNode": "18",
    "elk.layered.spacing.nodeNodeBetweenLayers": "36",
    "elk.spacing.edgeNode": "14",
    "elk.spacing.edgeLabel": "4",
    "elk.padding": "[top=48,left=20,bottom=20,right=20]",
    "elk.json.edgeCoords": "ROOT",
    "elk.json.shapeCoords": "PARENT",
};

/** Width and height of every box in an ELK result, by id. */
function sizes(n: ElkNode, out = new Map<string, { w: number; h: number }>()) {
    for (const c of n.children ?? []) {
        out.set(c.id, { w: Math.round(c.width ?? 0), h: Math.round(c.height ?? 0) });
        sizes(c, out);
    }
    return out;
}

/**
 * Runs elkjs over the nested traffic graph (the key uses are written on the nodes), then packs the side panels below.
 * ELK sizes each container to its content; the AZ grid needs equal sizes, so the graph is laid out again with each
 * aligned group's largest size as its minimum until the sizes agree (two passes in practice, at most four).
 */
export async function layoutArchitecture(arch: Architecture): Promise<Layout> {
    elk ??= new ELK();
    const traffic = arch.edges.map((e, index) => ({ e, index })).filter(({ e }) => e.kind === "traffic");
    const flow = arch.root.filter(inFlow);
    const panels = arch.root.filter((b) => !inFlow(b));
    const groups = alignedGroups(flow);
    const min: Minimums = new Map();
    let laid: ElkNode = { id: "root" };
    for (let pass = 0; pass < 4; pass++) {
        laid = await elk.layout({
            id: "root",
            layoutOptions: ROOT_OPTIONS,
            children: flow.map((b) => elkNode(b, min)),
            edges: [
                ...traffic.map(
                    ({ e, index }): ElkExtendedEdge => ({
                        id: `e${index}`,
                        sources: [e.from],
                        targets: [e.to],
                        labels: [edgeLabel(e.label)],
                    }),
                ),
                ...structureEdges(flow, arch),
            ],
        });
        const size = sizes(laid);
        let agreed = true;
        for (const ids of groups) {
            const w = Math.max(0, ...ids.map((id) => size.get(id)!.w));
            const h = Math.max(0, ...ids.map((id) => size.get(id)!.h));
            for (const id of ids) {
                const s = size.get(id)!;
                if (s.w !== w || s.h !== h) agreed = false;
                min.set(id, { w, h });
            }
        }
        if (agreed) break;
    }
    // Side panels: each packed on its own (no edges), then placed in a row under the traffic graph.
    const packed = await Promise.all(
        panels.map((p) =>
            elk!.layout({
                id: `panel-${p.id}`,
                layoutOptions: {
                    "elk.algorithm": "rectpacking",
                    "elk.padding": "[top=0,left=0,bottom=0,right=0]",
                    "elk.spacing.nodeNode": "0",
                    "elk.json.shapeCoords": "PARENT",
                    "elk.aspectRatio": "2.4",
                },
                children: [
                    {
                        ...elkNode(p, min),
                        layoutOptions: {
                            ...elkNode(p, min).layoutOptions,
                            "elk.algorithm": "rectpacking",
                            "elk.aspectRatio": "2.4",
                            "elk.spacing.nodeNode": "14",
                        },
                    },
                ],
            }),
        ),
    );
    let px = 20;
    const py = Math.ceil(laid.height ?? 0);
    let panelH = 0;
    for (const panel of packed) {
        const c = panel.children![0];
        c.x = px;
        c.y = py;
        px += Math.ceil(c.width ?? 0) + 24;
        panelH = Math.max(panelH, Math.ceil(c.height ?? 0));
        laid.children!.push(c);
    }
    const boxes: Layout["boxes"] = new Map();
    const byId = new Map(flatten(arch.root).map((b) => [b.id, b]));
    const walk = (n: ElkNode, ox: number, oy: number, parent?: string) => {
        for (const c of n.children ?? []) {
            const rel = {
                x: Math.round(c.x ?? 0),
                y: Math.round(c.y ?? 0),
                w: Math.round(c.width ?? 0),
                h: Math.round(c.height ?? 0),
            };
            const abs = { ...rel, x: ox + rel.x, y: oy + rel.y };
            boxes.set(c.id, { box: byId.get(c.id)!, abs, rel, parent });
            walk(c, abs.x, abs.y, c.id);
        }
    };
    walk(laid, 0, 0);
    // Keep the model's order (a stable file, parents before children) rather than ELK's.
    const ordered: Layout["boxes"] = new Map(flatten(arch.root).map((b) => [b.id, boxes.get(b.id)!]));
    const edges = (laid.edges ?? [])
        .filter((e) => /^e\d+$/.test(e.id))
        .map((e) => {
            const s = e.sections?.[0];
            const points = s
                ? ([s.startPoint, ...(s.bendPoints ?? []), s.endPoint].map((p) => [
                      Math.round(p.x),
                      Math.round(p.y),
                  ]) as [number, number][])
                : [];
            const l = e.labels?.[0];
            const label = l
                ? {
                      x: Math.round(l.x ?? 0),
                      y: Math.round(l.y ?? 0),
                      w: Math.round(l.width ?? 0),
                      h: Math.round(l.height ?? 0),
                  }
                : undefined;
            return { index: Number(e.id.slice(1)), points, label };
        });
    return { width: Math.max(Math.ceil(laid.width ?? 0), px), height: py + panelH + 20, boxes: ordered, edges };
}

/** One piece of text as drawn: its anchor and baseline, and the box it covers (by the generous width estimate). */
export interface Text {
    text: string;
    /** The box id, or `edge:<index>` for a traffic label. */
    owner: string;
    x: number;
    baseline: number;
    anchor: "start" | "middle";
    size: number;
    bold: boolean;
    fill?: string;
    rect: Rect;
}

/** Where every label, key line, container header and traffic label is written: the SVG draws these, tests check them. */
export function texts(arch: Architecture, layout: Layout): Text[] {
    const out: Text[] = [];
    const put = (t: Omit<Text, "rect">) => {
        const w = t.bold ? Math.ceil(textWidth(t.text, t.size) * BOLD) : textWidth(t.text, t.size);
        const x = t.anchor === "middle" ? t.x - w / 2 : t.x;
        // DejaVu's glyphs reach ≈ 0.8 em above the baseline and ≈ 0.25 em below it.
        const top = t.baseline - Math.ceil(t.size * 0.8);
        out.push({ ...t, rect: { x, y: top, w, h: t.baseline + Math.ceil(t.size * 0.25) - top } });
    };
    for (const { box, abs } of layout.boxes.values()) {
        if (box.kind === "node") {
            const cx = abs.x + abs.w / 2;
            const y = box.detail ? abs.y + abs.h / 2 - 3 : abs.y + abs.h / 2 + 4;
            put({ text: box.label, owner: box.id, x: cx, baseline: y, anchor: "middle", size: FONT, bold: false });
            if (box.detail)
                put({
                    text: box.detail,
                    owner: box.id,
                    x: cx,
                    baseline: y + 15,
                    anchor: "middle",
                    size: DETAIL_FONT,
                    bold: false,
                    fill: "#C7131F",
                });
        } else {
            put({
                text: box.label,
                owner: box.id,
                x: abs.x + 8,
                baseline: abs.y + 19,
                anchor: "start",
                size: FONT,
                bold: true,
            });
        }
    }
    for (const e of layout.edges)
        if (e.label && e.points.length >= 2)
            put({
                text: arch.edges[e.index].label,
                owner: `edge:${e.index}`,
                x: e.label.x + e.label.w / 2,
                baseline: e.label.y + 12,
                anchor: "middle",
                size: EDGE_FONT,
                bold: false,
                fill: "#1A73E8",
            });
    return out;
}

const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    format: true,
    indentBy: "  ",
    suppressEmptyNode: true,
});

/** Stable short ids: draw.io keeps them, so a regenerated file diffs only where the system changed. */
function idMap(arch: Architecture): Map<string, string> {
    const ids = new Map<string, string>();
    flatten(arch.root).forEach((b, i) => ids.set(b.id, `c${i + 2}`));
    return ids;
}

export function toDrawio(arch: Architecture, layout: Layout): string {
    const ids = idMap(arch);
    const cells: object[] = [{ "@_id": "0" }, { "@_id": "1", "@_parent": "0" }];
    for (const [id, { box, rel, parent }] of layout.boxes) {
        const style = `${FILL[box.style]}whiteSpace=wrap;html=0;${box.kind === "container" ? "container=1;collapsible=0;" : ""}`;
        cells.push({
            "@_id": ids.get(id),
            "@_value": box.label,
            "@_tooltip": box.detail ? `${box.label}\n${box.detail}` : box.label,
            "@_style": style,
            "@_vertex": "1",
            "@_parent": parent ? ids.get(parent) : "1",
            mxGeometry: { "@_x": rel.x, "@_y": rel.y, "@_width": rel.w, "@_height": rel.h, "@_as": "geometry" },
        });
    }
    const routed = new Map(layout.edges.map((e) => [e.index, e]));
    arch.edges.forEach((e, i) => {
        const r = routed.get(i);
        const style =
            e.kind === "traffic"
                ? "endArrow=block;html=0;strokeWidth=2;strokeColor=#1A73E8;edgeStyle=orthogonalEdgeStyle;rounded=0;"
                : // Key uses are on each node's tooltip and second line; the edges stay for navigation, unlabelled.
                  "endArrow=open;html=0;dashed=1;strokeColor=#C7131F;opacity=25;noLabel=1;";
        const inner = r?.points.slice(1, -1) ?? [];
        cells.push({
            "@_id": `e${i}`,
            "@_value": e.label,
            "@_style": style,
            "@_edge": "1",
            "@_parent": "1",
            "@_source": ids.get(e.from),
            "@_target": ids.get(e.to),
            mxGeometry: {
                "@_relative": "1",
                "@_as": "geometry",
                ...(inner.length
                    ? { Array: { "@_as": "points", mxPoint: inner.map(([x, y]) => ({ "@_x": x, "@_y": y })) } }
                    : {}),
            },
        });
    });
    return builder.build({
        "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
        mxfile: {
            "@_host": "aws-platform",
            "@_agent": "tools/diagram.ts",
            "@_type": "device",
            diagram: {
                "@_id": `architecture-${arch.stack}`,
                "@_name": arch.stack,
                mxGraphModel: {
                    "@_dx": layout.width,
                    "@_dy": layout.height,
                    "@_grid": "1",
                    "@_gridSize": "10",
                    "@_guides": "1",
                    "@_tooltips": "1",
                    "@_connect": "1",
                    "@_arrows": "1",
                    "@_fold": "1",
                    "@_page": "0",
                    "@_pageScale": "1",
                    "@_math": "0",
                    "@_shadow": "0",
                    root: { mxCell: cells },
                },
            },
        },
    }) as string;
}

/** The same layout as the draw.io file, as a standalone SVG for readers on the web. */
export function toSvg(arch: Architecture, layout: Layout): string {
    const rects: object[] = [];
    for (const { box, abs } of layout.boxes.values()) {
        const [fill, stroke] = SVG_COLOURS[box.style];
        rects.push({
            "@_x": abs.x,
            "@_y": abs.y,
            "@_width": abs.w,
            "@_height": abs.h,
            "@_rx": box.kind === "node" ? (box.style === "external" ? abs.h / 2 : 8) : 2,
            "@_fill": fill,
            "@_stroke": stroke,
            ...(box.style === "az" || box.style === "namespace" ? { "@_stroke-dasharray": "6 4" } : {}),
            title: box.detail ? `${box.label}\n${box.detail}` : box.label,
        });
    }
    const paths: object[] = [];
    const labelBoxes: object[] = [];
    for (const e of layout.edges) {
        if (e.points.length < 2) continue;
        paths.push({
            "@_d": e.points.map(([x, y], i) => `${i ? "L" : "M"} ${x} ${y}`).join(" "),
            "@_fill": "none",
            "@_stroke": "#1A73E8",
            "@_stroke-width": 2,
            "@_marker-end": "url(#arrow)",
            title: arch.edges[e.index].label,
        });
        if (e.label)
            labelBoxes.push({
                "@_x": e.label.x,
                "@_y": e.label.y,
                "@_width": e.label.w,
                "@_height": e.label.h,
                "@_fill": "#FFFFFF",
                "@_opacity": 0.9,
            });
    }
    const text = texts(arch, layout).map((t) => ({
        "@_x": t.x,
        "@_y": t.baseline,
        ...(t.anchor === "middle" ? { "@_text-anchor": "middle" } : {}),
        ...(t.size !== FONT ? { "@_font-size": t.size } : {}),
        ...(t.bold ? { "@_font-weight": "bold" } : {}),
        ...(t.fill ? { "@_fill": t.fill } : {}),
        "#text": t.text,
    }));
    const title = `aws-platform: ${arch.stack} (generated by npm run diagram; blue: traffic; red: the KMS keys that encrypt each resource)`;
    const width = Math.max(layout.width, Math.ceil(textWidth(title, 16) * BOLD) + 40);
    return builder.build({
        svg: {
            "@_xmlns": "http://www.w3.org/2000/svg",
            "@_width": width,
            "@_height": layout.height,
            "@_viewBox": `0 0 ${width} ${layout.height}`,
            "@_font-family": "Helvetica, Arial, sans-serif",
            "@_font-size": FONT,
            defs: {
                marker: {
                    "@_id": "arrow",
                    "@_viewBox": "0 0 10 10",
                    "@_refX": 9,
                    "@_refY": 5,
                    "@_markerWidth": 7,
                    "@_markerHeight": 7,
                    "@_orient": "auto-start-reverse",
                    path: { "@_d": "M 0 0 L 10 5 L 0 10 z", "@_fill": "#1A73E8" },
                },
            },
            g: [
                {
                    "@_id": "background",
                    rect: { "@_width": "100%", "@_height": "100%", "@_fill": "#FFFFFF" },
                    text: { "@_x": 20, "@_y": 28, "@_font-size": 16, "@_font-weight": "bold", "#text": title },
                },
                { "@_id": "boxes", rect: rects },
                { "@_id": "edges", path: paths },
                { "@_id": "labels", rect: labelBoxes, text },
            ],
        },
    }) as string;
}

export function toMermaid(arch: Architecture): string {
    const ids = idMap(arch);
    const lines = ["flowchart LR"];
    const quote = (s: string) => `"${s.replace(/"/g, "'")}"`;
    const emit = (box: Box, indent: string) => {
        const id = ids.get(box.id)!;
        if (box.kind === "container") {
            lines.push(`${indent}subgraph ${id}[${quote(box.label)}]`);
            box.children.forEach((c) => emit(c, `${indent}  `));
            lines.push(`${indent}end`);
        } else {
            lines.push(
                `${indent}${id}${box.style === "external" ? `((${quote(box.label)}))` : `[${quote(box.label)}]`}`,
            );
        }
    };
    arch.root.forEach((b) => emit(b, "  "));
    for (const e of arch.edges) {
        lines.push(
            e.kind === "traffic"
                ? `  ${ids.get(e.from)} -->|${e.label}| ${ids.get(e.to)}`
                : `  ${ids.get(e.from)} -.-> ${ids.get(e.to)}`,
        );
    }
    return lines.join("\n") + "\n";
}

export function toMarkdown(arch: Architecture): string {
    return [
        `# Architecture: \`${arch.stack}\``,
        "",
        `Generated by \`npm run diagram -- --stack ${arch.stack}\` from the program itself; do not edit. Solid arrows are traffic, dotted arrows point from a resource to the KMS key that encrypts it. The draw.io version is \`architecture-${arch.stack}.drawio\`.`,
        "",
        "```mermaid",
        toMermaid(arch).trimEnd(),
        "```",
        "",
    ].join("\n");
}
