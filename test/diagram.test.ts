import { strict as assert } from "assert";
import * as fs from "fs";
import { XMLParser } from "fast-xml-parser";
import { readStackConfig, runProgram } from "./support/harness";
import { diagramPaths, Diagrams, renderDiagrams } from "../tools/diagram";
import { Architecture, buildArchitecture } from "../tools/lib/architecture";
import { layoutArchitecture, Rect, textWidth, toDrawio, toSvg } from "../tools/lib/render";

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

describe("architecture diagrams", () => {
    const rendered: Record<string, Diagrams> = {};
    before(async () => {
        rendered.dev = await renderDiagrams("dev");
        rendered.prod = await renderDiagrams("prod");
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

    it("lays every box out inside its parent, without overlapping a sibling, and wide enough for its label", async () => {
        for (const stack of ["dev", "prod"]) {
            const { capture } = await runProgram(stack);
            const layout = await layoutArchitecture(buildArchitecture(capture, stack));
            const entries = [...layout.boxes.values()];
            const inside = (a: Rect, b: Rect) =>
                a.x >= b.x && a.y >= b.y && a.x + a.w <= b.x + b.w && a.y + a.h <= b.y + b.h;
            const overlap = (a: Rect, b: Rect) =>
                a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
            for (const e of entries) {
                if (e.parent)
                    assert.ok(
                        inside(e.abs, layout.boxes.get(e.parent)!.abs),
                        `${stack}: ${e.box.label} leaves its container`,
                    );
                assert.ok(
                    e.abs.w >= textWidth(e.box.label) + (e.box.kind === "node" ? 2 * 14 : 24),
                    `${stack}: ${e.box.label} is clipped (${e.abs.w}px)`,
                );
                if (e.box.detail)
                    assert.ok(e.abs.w >= textWidth(e.box.detail, 10), `${stack}: ${e.box.detail} is clipped`);
                for (const f of entries) {
                    if (f !== e && f.parent === e.parent)
                        assert.ok(!overlap(e.abs, f.abs), `${stack}: ${e.box.label} overlaps ${f.box.label}`);
                }
            }
            // Edge labels sit clear of every node (containers may hold them).
            for (const edge of layout.edges) {
                assert.ok(edge.points.length >= 2, `${stack}: edge ${edge.index} is not routed`);
                for (const e of entries.filter((x) => x.box.kind === "node"))
                    assert.ok(
                        !edge.label || !overlap(edge.label, e.abs),
                        `${stack}: a traffic label overlaps ${e.box.label}`,
                    );
            }
            assert.ok(
                entries.every((e) => e.abs.x + e.abs.w <= layout.width && e.abs.y + e.abs.h <= layout.height),
                `${stack}: a box leaves the drawing`,
            );
        }
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
