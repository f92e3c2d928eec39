import { Architecture, Box, flatten } from "./architecture";

/** Renders an Architecture as a draw.io (diagrams.net) file and as a Mermaid flowchart. */

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

const NODE_W = 190;
const NODE_H = 44;
const PAD = 14;
const HEADER = 26;

interface Placed {
    box: Box;
    x: number;
    y: number;
    w: number;
    h: number;
}

/** Lays children out left to right, wrapping AZ columns and resource rows; sizes bottom-up. */
function layout(box: Box): { w: number; h: number; kids: Placed[] } {
    if (box.kind === "node") return { w: NODE_W, h: NODE_H, kids: [] };
    // AZs and subnet layers stack vertically inside an AZ; everything else flows in rows of 4.
    const vertical = box.style === "az";
    const perRow = vertical ? 1 : box.style === "vpc" ? 3 : ["keys", "state", "edge"].includes(box.style) ? 2 : box.style === "cluster" ? 4 : 3;
    const kids: Placed[] = [];
    let x = PAD;
    let y = HEADER;
    let rowH = 0;
    let maxW = NODE_W;
    box.children.forEach((child, i) => {
        const size = layout(child);
        if (i > 0 && i % perRow === 0) {
            x = PAD;
            y += rowH + PAD;
            rowH = 0;
        }
        kids.push({ box: child, x, y, w: size.w, h: size.h });
        x += size.w + PAD;
        rowH = Math.max(rowH, size.h);
        maxW = Math.max(maxW, x);
    });
    return { w: Math.max(maxW, NODE_W + 2 * PAD), h: y + rowH + PAD, kids };
}

/** Root boxes in three columns: who and what is in front (users, edge), the VPC, regional services. */
function rootPositions(arch: Architecture): Map<Box, { x: number; y: number }> {
    const columns: Box[][] = [[], [], []];
    for (const box of arch.root) columns[box.style === "external" || box.style === "edge" ? 0 : box.style === "vpc" ? 1 : 2].push(box);
    const positions = new Map<Box, { x: number; y: number }>();
    let x = 20;
    for (const column of columns) {
        let y = 50;
        let width = 0;
        for (const box of column) {
            const size = layout(box);
            positions.set(box, { x, y });
            y += size.h + 30;
            width = Math.max(width, size.w);
        }
        x += width + (column.length ? 50 : 0);
    }
    return positions;
}

const MAX_LABEL = 30;
/** Node labels are cut to fit the box; the full text stays in the tooltip. */
function fit(box: Box): string {
    return box.kind === "node" && box.label.length > MAX_LABEL ? `${box.label.slice(0, MAX_LABEL - 1)}…` : box.label;
}

function esc(s: string): string {
    return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Stable short ids: draw.io keeps them, so a regenerated file diffs only where the system changed. */
function idMap(arch: Architecture): Map<string, string> {
    const ids = new Map<string, string>();
    flatten(arch.root).forEach((b, i) => ids.set(b.id, `c${i + 2}`));
    return ids;
}

export function toDrawio(arch: Architecture): string {
    const ids = idMap(arch);
    const cells: string[] = ['<mxCell id="0"/>', '<mxCell id="1" parent="0"/>'];
    const emit = (box: Box, parent: string, x: number, y: number) => {
        const size = layout(box);
        const style = `${FILL[box.style]}whiteSpace=wrap;html=0;${box.kind === "container" ? "container=1;collapsible=0;" : ""}`;
        cells.push(
            `<mxCell id="${ids.get(box.id)}" value="${esc(fit(box))}" style="${style}" vertex="1" parent="${parent}" tooltip="${esc(box.label)}"><mxGeometry x="${x}" y="${y}" width="${size.w}" height="${size.h}" as="geometry"/></mxCell>`,
        );
        for (const k of size.kids) emit(k.box, ids.get(box.id)!, k.x, k.y);
    };
    for (const [box, at] of rootPositions(arch)) emit(box, "1", at.x, at.y);
    arch.edges.forEach((e, i) => {
        const style =
            e.kind === "traffic"
                ? "endArrow=block;html=0;strokeWidth=2;strokeColor=#1A73E8;edgeStyle=orthogonalEdgeStyle;"
                : "endArrow=open;html=0;dashed=1;strokeColor=#C7131F;edgeStyle=orthogonalEdgeStyle;opacity=60;";
        cells.push(
            `<mxCell id="e${i}" value="${esc(e.label)}" style="${style}" edge="1" parent="1" source="${ids.get(e.from)}" target="${ids.get(e.to)}"><mxGeometry relative="1" as="geometry"/></mxCell>`,
        );
    });
    return [
        '<?xml version="1.0" encoding="UTF-8"?>',
        `<mxfile host="aws-platform" agent="tools/diagram.ts" type="device">`,
        `<diagram id="architecture-${esc(arch.stack)}" name="${esc(arch.stack)}">`,
        '<mxGraphModel dx="1600" dy="1000" grid="1" gridSize="10" guides="1" tooltips="1" connect="1" arrows="1" fold="1" page="0" pageScale="1" math="0" shadow="0">',
        "<root>",
        ...cells,
        "</root>",
        "</mxGraphModel>",
        "</diagram>",
        "</mxfile>",
        "",
    ].join("\n");
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
            lines.push(`${indent}${id}${box.style === "external" ? `((${quote(box.label)}))` : `[${quote(box.label)}]`}`);
        }
    };
    arch.root.forEach((b) => emit(b, "  "));
    for (const e of arch.edges) {
        lines.push(e.kind === "traffic" ? `  ${ids.get(e.from)} -->|${e.label}| ${ids.get(e.to)}` : `  ${ids.get(e.from)} -.-> ${ids.get(e.to)}`);
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

type Rect = { x: number; y: number; w: number; h: number };

/** Where the line from a's centre to b's centre leaves a's rectangle, so arrows end at borders. */
function border(a: Rect, b: Rect): [number, number] {
    const [cx, cy] = [a.x + a.w / 2, a.y + a.h / 2];
    const [dx, dy] = [b.x + b.w / 2 - cx, b.y + b.h / 2 - cy];
    const t = Math.min(dx === 0 ? Infinity : a.w / 2 / Math.abs(dx), dy === 0 ? Infinity : a.h / 2 / Math.abs(dy), 1);
    return [Math.round(cx + dx * t), Math.round(cy + dy * t)];
}

/** The same layout as the draw.io file, as a standalone SVG for readers on the web. */
export function toSvg(arch: Architecture): string {
    const shapes: string[] = [];
    const centre = new Map<string, Rect>();
    const emit = (box: Box, x: number, y: number) => {
        const size = layout(box);
        const [fill, stroke] = SVG_COLOURS[box.style];
        const dash = box.style === "az" || box.style === "namespace" ? ' stroke-dasharray="6 4"' : "";
        const rx = box.kind === "node" ? 8 : 2;
        shapes.push(`<rect x="${x}" y="${y}" width="${size.w}" height="${size.h}" rx="${rx}" fill="${fill}" stroke="${stroke}"${dash}/>`);
        const tx = box.kind === "node" ? x + size.w / 2 : x + 8;
        const ty = box.kind === "node" ? y + size.h / 2 + 4 : y + 17;
        shapes.push(`<text x="${tx}" y="${ty}" text-anchor="${box.kind === "node" ? "middle" : "start"}"${box.kind === "container" ? ' font-weight="bold"' : ""}><title>${esc(box.label)}</title>${esc(fit(box))}</text>`);
        centre.set(box.id, { x, y, w: size.w, h: size.h });
        for (const k of size.kids) emit(k.box, x + k.x, y + k.y);
    };
    let width = 0;
    let height = 0;
    for (const [box, at] of rootPositions(arch)) {
        emit(box, at.x, at.y);
        const size = layout(box);
        width = Math.max(width, at.x + size.w + 20);
        height = Math.max(height, at.y + size.h);
    }
    const lines = arch.edges.flatMap((e) => {
        const a = centre.get(e.from);
        const b = centre.get(e.to);
        if (!a || !b) return [];
        const [x1, y1] = border(a, b);
        const [x2, y2] = border(b, a);
        return e.kind === "traffic"
            ? [`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#1A73E8" stroke-width="2.5" marker-end="url(#arrow)"><title>${esc(e.label)}</title></line>`]
            : [`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="#C7131F" stroke-width="1" stroke-dasharray="4 3" opacity="0.35"/>`];
    });
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height + 20}" viewBox="0 0 ${width} ${height + 20}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#1A73E8"/></marker></defs>',
        `<rect width="100%" height="100%" fill="#FFFFFF"/>`,
        `<text x="20" y="24" font-size="16" font-weight="bold">aws-platform: ${esc(arch.stack)} (generated by npm run diagram; blue: traffic, red dashed: encrypted by)</text>`,
        ...shapes,
        ...lines,
        "</svg>",
        "",
    ].join("\n");
}
