import { strict as assert } from "assert";
import * as fs from "fs";
import { XMLParser } from "fast-xml-parser";
import { readStackConfig } from "./support/harness";
import { diagramPaths, Diagrams, diagramsOf, drawStack, renderDiagrams } from "../tools/diagram";
import { Architecture, Box } from "../tools/lib/architecture";
import { Layout, layoutArchitecture, Rect, texts, toDrawio, toSvg } from "../tools/lib/render";

interface Cell {
    id: string;
    value?: string;
    parent?: string;
    vertex?: string;
    edge?: string;
    source?: string;
    target?: string;
    style?: string;
}

function cells(drawio: string): Cell[] {
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(drawio);
    const root = doc.mxfile.diagram.mxGraphModel.root;
    return ([] as Cell[]).concat(root.mxCell);
}

const byLabel = (cs: Cell[], label: string) => cs.filter((c) => c.value === label);
const one = (cs: Cell[], label: string) => {
    const hits = byLabel(cs, label);
    assert.equal(hits.length, 1, `one cell labelled ${label}`);
    return hits[0];
};
const labelOf = (cs: Cell[], id?: string) => cs.find((c) => c.id === id)?.value;

const inside = (a: Rect, b: Rect) => a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
const overlap = (a: Rect, b: Rect) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
type Placed = { box: Box; abs: Rect; parent?: string };
const placed = (layout: Layout, style?: Box["style"]): Placed[] =>
    [...layout.boxes.values()].filter((e) => !style || e.box.style === style);

/**
 * Every way a drawn label can be unreadable, in words: text that leaves its box (clipped), two texts on top of each
 * other, a traffic label on a node, a traffic line through a text or through a node it does not connect.
 */
function labelProblems(arch: Architecture, layout: Layout): string[] {
    const problems: string[] = [];
    const ts = texts(arch, layout);
    for (const t of ts) {
        const owner = layout.boxes.get(t.owner)?.abs ?? layout.edges.find((e) => `edge:${e.index}` === t.owner)?.label;
        if (!owner || !inside(t.rect, owner)) problems.push(`"${t.text}" is clipped by its box`);
    }
    ts.forEach((a, i) =>
        ts.slice(i + 1).forEach((b) => {
            if (overlap(a.rect, b.rect)) problems.push(`"${a.text}" overlaps "${b.text}"`);
        }),
    );
    const nodes = placed(layout).filter((e) => e.box.kind === "node");
    for (const e of layout.edges) {
        const { from, to, label } = arch.edges[e.index];
        for (const n of nodes)
            if (e.label && overlap(e.label, n.abs)) problems.push(`traffic label "${label}" lies on ${n.box.label}`);
        e.points.slice(1).forEach(([x2, y2], k) => {
            const [x1, y1] = e.points[k];
            const line = {
                x: Math.min(x1, x2),
                y: Math.min(y1, y2),
                w: Math.abs(x2 - x1) || 1,
                h: Math.abs(y2 - y1) || 1,
            };
            for (const t of ts)
                if (t.owner !== `edge:${e.index}` && overlap(line, t.rect))
                    problems.push(`the "${label}" line crosses "${t.text}"`);
            for (const n of nodes)
                if (n.box.id !== from && n.box.id !== to && overlap(line, n.abs))
                    problems.push(`the "${label}" line crosses ${n.box.label}`);
        });
    }
    return problems;
}

/** How the AZs fail to form a grid: AZ columns left to right, subnet layers as rows in the same order in each. */
function gridProblems(layout: Layout): string[] {
    const problems: string[] = [];
    const azs = placed(layout, "az");
    azs.forEach((az, i) => {
        const first = azs[0].abs;
        if (i > 0 && az.abs.x < azs[i - 1].abs.x + azs[i - 1].abs.w)
            problems.push(`${az.box.label} is not right of ${azs[i - 1].box.label}`);
        if (az.abs.y !== first.y || az.abs.w !== first.w || az.abs.h !== first.h)
            problems.push(`${az.box.label} is not the size and height of ${azs[0].box.label}`);
        const subnets = placed(layout).filter((e) => e.parent === az.box.id);
        const top = [...subnets].sort((a, b) => a.abs.y - b.abs.y).map((e) => e.box.style);
        if (top.join() !== "public,private,isolated")
            problems.push(`${az.box.label} stacks its layers ${top.join(", ")} from the top`);
        for (const s of subnets) {
            if (s.abs.x !== subnets[0].abs.x || s.abs.w !== subnets[0].abs.w)
                problems.push(`${s.box.label} is out of ${az.box.label}'s column`);
            const row = placed(layout, s.box.style)[0].abs;
            if (s.abs.y !== row.y || s.abs.h !== row.h) problems.push(`${s.box.label} is out of its layer's row`);
        }
    });
    return problems;
}

describe("architecture diagrams", function () {
    this.timeout(300_000); // two whole-program runs and their layouts in the before hook; slow on a shared machine
    const rendered: Record<string, Diagrams> = {};
    const drawn: Record<string, { arch: Architecture; layout: Layout }> = {};
    before(async () => {
        for (const stack of ["dev", "prod"]) {
            drawn[stack] = await drawStack(stack);
            rendered[stack] = diagramsOf(drawn[stack].arch, drawn[stack].layout);
        }
    });

    it("nests the three subnet layers in each AZ inside the VPC: two AZs in dev, three in prod", () => {
        for (const [stack, azs] of [
            ["dev", 2],
            ["prod", 3],
        ] as const) {
            const cs = cells(rendered[stack].drawio);
            const vpc = cs.find((c) => c.value?.startsWith("VPC 10."))!;
            const azCells = cs.filter((c) => /^AZ \d$/.test(c.value ?? ""));
            assert.equal(azCells.length, azs, stack);
            for (const az of azCells) {
                assert.equal(az.parent, vpc.id);
                const layers = cs.filter((c) => c.parent === az.id).map((c) => c.value?.split(" ")[0]);
                assert.deepEqual(layers, ["public", "private", "isolated"]);
            }
        }
    });

    it("puts NAT gateways in public subnets and RDS in an isolated subnet", () => {
        const cs = cells(rendered.prod.drawio);
        for (const nat of cs.filter((c) => c.value?.startsWith("NAT gateway")))
            assert.match(labelOf(cs, nat.parent)!, /^public /);
        assert.equal(cs.filter((c) => c.value?.startsWith("NAT gateway")).length, 3);
        assert.equal(byLabel(cells(rendered.dev.drawio), "NAT gateway 1").length, 1);
        assert.match(labelOf(cs, one(cs, "RDS postgres 16 primary").parent)!, /^isolated /);
    });

    it("draws a multi-AZ database's standby in the isolated subnet of another AZ, and none for a single-AZ one", () => {
        const cs = cells(rendered.prod.drawio);
        const az = (c: Cell) => labelOf(cs, cs.find((p) => p.id === c.parent)?.parent);
        const primary = one(cs, "RDS postgres 16 primary");
        const standby = one(cs, "RDS postgres 16 standby (multi-AZ)");
        assert.match(labelOf(cs, standby.parent)!, /^isolated /);
        assert.equal(az(primary), "AZ 1");
        assert.equal(az(standby), "AZ 2");
        const dev = cells(rendered.dev.drawio);
        assert.equal(dev.filter((c) => /standby/.test(c.value ?? "")).length, 0);
        assert.equal(one(dev, "RDS postgres 16").vertex, "1");
    });

    it("draws each managed node group inside the private subnet of every AZ it launches into", () => {
        for (const [stack, azs] of [
            ["dev", 2],
            ["prod", 3],
        ] as const) {
            const cs = cells(rendered[stack].drawio);
            const nodes = cs.filter((c) => c.value?.startsWith("nodes general"));
            assert.equal(nodes.length, azs, stack);
            for (const n of nodes) {
                const subnet = cs.find((c) => c.id === n.parent)!;
                assert.match(subnet.value!, /^private /, `${stack}: ${n.value} is in ${subnet.value}`);
                assert.equal(`nodes general (${labelOf(cs, subnet.parent)})`, n.value);
            }
        }
    });

    it("lays every box out inside its parent and without overlapping a sibling", () => {
        for (const stack of ["dev", "prod"]) {
            const { layout } = drawn[stack];
            const entries = placed(layout);
            for (const e of entries) {
                if (e.parent)
                    assert.ok(
                        inside(e.abs, layout.boxes.get(e.parent)!.abs),
                        `${stack}: ${e.box.label} leaves its container`,
                    );
                for (const f of entries)
                    if (f !== e && f.parent === e.parent)
                        assert.ok(!overlap(e.abs, f.abs), `${stack}: ${e.box.label} overlaps ${f.box.label}`);
            }
            for (const edge of layout.edges)
                assert.ok(edge.points.length >= 2, `${stack}: edge ${edge.index} is not routed`);
            assert.ok(
                entries.every((e) => e.abs.x + e.abs.w <= layout.width && e.abs.y + e.abs.h <= layout.height),
                `${stack}: a box leaves the drawing`,
            );
        }
    });

    it("writes every label inside its box, clear of the other labels, nodes and traffic lines", () => {
        for (const stack of ["dev", "prod"])
            assert.deepEqual(labelProblems(drawn[stack].arch, drawn[stack].layout), []);
    });

    it("reports a clipped label, two labels on top of each other and a line through a label", () => {
        const { arch, layout } = drawn.dev;
        const broken: Layout = { ...layout, boxes: new Map(layout.boxes), edges: layout.edges.map((e) => ({ ...e })) };
        const move = (label: string, abs: (r: Rect) => Rect) => {
            const e = placed(layout).find((p) => p.box.label === label)!;
            broken.boxes.set(e.box.id, { ...layout.boxes.get(e.box.id)!, abs: abs(e.abs) });
            return e.abs;
        };
        move("KMS eks", (r) => ({ ...r, w: 40 }));
        const logs = placed(layout).find((p) => p.box.label === "KMS logs")!.abs;
        move("KMS data", () => logs);
        const waf = placed(layout).find((p) => p.box.label === "WAFv2 web ACL")!.abs;
        const dns = broken.edges.find((e) => arch.edges[e.index].label === "DNS")!;
        dns.points = [dns.points[0], [waf.x + waf.w / 2, waf.y + waf.h / 2]];
        const problems = labelProblems(arch, broken);
        for (const expected of [
            `"KMS eks" is clipped by its box`,
            `"KMS data" overlaps "KMS logs"`,
            `the "DNS" line crosses "WAFv2 web ACL"`,
        ])
            assert.ok(problems.includes(expected), `${expected} not in\n${problems.join("\n")}`);
    });

    it("lines the AZs up as columns and the subnet layers as rows across them", () => {
        for (const stack of ["dev", "prod"]) assert.deepEqual(gridProblems(drawn[stack].layout), [], stack);
        // The check itself: a subnet nudged down leaves its row.
        const { layout } = drawn.prod;
        const nudged: Layout = { ...layout, boxes: new Map(layout.boxes) };
        const standbySubnet = placed(layout, "isolated")[1];
        nudged.boxes.set(standbySubnet.box.id, {
            ...layout.boxes.get(standbySubnet.box.id)!,
            abs: { ...standbySubnet.abs, y: standbySubnet.abs.y + 4 },
        });
        assert.deepEqual(gridProblems(nudged), [`${standbySubnet.box.label} is out of its layer's row`]);
    });

    it("draws each node group's box within the bounds of the private subnet box of the AZ it launches into", () => {
        for (const stack of ["dev", "prod"]) {
            const { layout } = drawn[stack];
            const privates = placed(layout, "private");
            const groups = placed(layout).filter((e) => e.box.label.startsWith("nodes "));
            assert.equal(groups.length, placed(layout, "az").length, stack);
            for (const g of groups) {
                const subnet = privates.filter((p) => inside(g.abs, p.abs));
                assert.equal(subnet.length, 1, `${stack}: ${g.box.label} is drawn outside every private subnet`);
                const az = placed(layout, "az").find((a) => inside(subnet[0].abs, a.abs))!;
                assert.equal(g.box.label, `nodes general (${az.box.label})`, stack);
            }
            for (const p of privates)
                assert.equal(groups.filter((g) => inside(g.abs, p.abs)).length, 1, `${stack}: ${p.box.label}`);
        }
    });

    it("draws the multi-AZ standby's box within the isolated subnet of an AZ other than the primary's", () => {
        const { layout } = drawn.prod;
        const box = (label: string) => placed(layout).find((e) => e.box.label === label)!;
        const azOf = (e: Placed) => placed(layout, "az").filter((a) => inside(e.abs, a.abs));
        const primary = box("RDS postgres 16 primary");
        const standby = box("RDS postgres 16 standby (multi-AZ)");
        assert.deepEqual(
            azOf(primary).map((a) => a.box.label),
            ["AZ 1"],
        );
        assert.deepEqual(
            azOf(standby).map((a) => a.box.label),
            ["AZ 2"],
        );
        assert.ok(!overlap(standby.abs, azOf(primary)[0].abs), "the standby is drawn over the primary's AZ");
        assert.equal(placed(layout, "isolated").filter((s) => inside(standby.abs, s.abs)).length, 1);
    });

    it("escapes labels in the XML it builds (draw.io and SVG parse back to the same text)", async () => {
        const arch: Architecture = {
            stack: "x<&\"'>",
            root: [{ id: "a", label: `S3 <"odd"> & 'name'`, kind: "node", style: "resource", children: [] }],
            edges: [],
        };
        const layout = await layoutArchitecture(arch);
        const drawio = toDrawio(arch, layout);
        assert.equal(one(cells(drawio), `S3 <"odd"> & 'name'`).vertex, "1");
        const svg = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: "" }).parse(toSvg(arch, layout));
        assert.ok(JSON.stringify(svg).includes(`S3 <\\"odd\\"> & 'name'`), JSON.stringify(svg).slice(0, 400));
    });

    it("draws the traffic path user → Route53 → WAF → ALB → Gateway (NGINX) → app → RDS", () => {
        const cs = cells(rendered.dev.drawio);
        const traffic = cs.filter((c) => c.edge === "1" && c.style?.includes("strokeWidth=2"));
        const path = traffic.map((e) => `${labelOf(cs, e.source)} -> ${labelOf(cs, e.target)}`);
        assert.deepEqual(path, [
            "Users -> Route53 dev.shop.example.com",
            "Route53 dev.shop.example.com -> WAFv2 web ACL",
            "WAFv2 web ACL -> ALB (internet-facing)",
            "ALB (internet-facing) -> Gateway public (NGINX)",
            "Gateway public (NGINX) -> Deployment shop-api",
            "Deployment shop-api -> RDS postgres 16",
        ]);
    });

    it("draws the EKS cluster with its namespaces and an encryption edge to each key user", () => {
        const cs = cells(rendered.dev.drawio);
        const eks = one(cs, "EKS 1.31");
        assert.deepEqual(
            cs
                .filter((c) => c.parent === eks.id && c.value?.startsWith("namespace"))
                .map((c) => c.value)
                .sort(),
            ["namespace catalog", "namespace nginx-gateway", "namespace payments"],
        );
        const encryption = cs
            .filter((c) => c.edge === "1" && c.value === "encrypted by")
            .map((e) => `${labelOf(cs, e.source)} -> ${labelOf(cs, e.target)}`);
        assert.ok(encryption.includes("RDS postgres 16 -> KMS data"), encryption.join("\n"));
        assert.ok(encryption.includes("EKS 1.31 -> KMS eks"), encryption.join("\n"));
        assert.ok(encryption.includes("Logs vpc flow-logs -> KMS logs"), encryption.join("\n"));
        for (const e of cs.filter((c) => c.edge === "1"))
            assert.ok(labelOf(cs, e.source) && labelOf(cs, e.target), `edge ${e.id} has both ends`);
    });

    it("shows a team added in config without any change to the diagram code", async () => {
        const teams = JSON.parse(readStackConfig("dev")["platform:teams"]);
        const more = await renderDiagrams("dev", {
            overrides: { teams: [...teams, { name: "search", developerRoleArns: [] }] },
        });
        assert.notEqual(more.drawio, rendered.dev.drawio);
        assert.equal(byLabel(cells(more.drawio), "namespace search").length, 1);
        assert.equal(byLabel(cells(rendered.dev.drawio), "namespace search").length, 0);
        assert.match(more.markdown, /namespace search/);
    });

    it("keeps the committed diagrams in docs/ up to date with the code (npm run diagram regenerates them)", () => {
        for (const stack of ["dev", "prod"]) {
            const files = diagramPaths(stack);
            for (const kind of ["drawio", "markdown", "svg"] as const) {
                const committed = fs.existsSync(files[kind]) ? fs.readFileSync(files[kind], "utf8") : "(missing)";
                assert.ok(committed === rendered[stack][kind], `${files[kind]} is out of date: run npm run diagram`);
            }
        }
    });
});
