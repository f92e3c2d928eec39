import { strict as assert } from "assert";
import * as fs from "fs";
import { XMLParser } from "fast-xml-parser";
import { readStackConfig } from "./support/harness";
import { diagramPaths, Diagrams, renderDiagrams } from "../tools/diagram";

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
        for (const [stack, azs] of [["dev", 2], ["prod", 3]] as const) {
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
        for (const nat of cs.filter((c) => c.value?.startsWith("NAT gateway"))) assert.match(labelOf(cs, nat.parent)!, /^public /);
        assert.equal(cs.filter((c) => c.value?.startsWith("NAT gateway")).length, 3);
        assert.equal(byLabel(cells(rendered.dev.drawio), "NAT gateway 1").length, 1);
        assert.match(labelOf(cs, one(cs, "RDS postgres 16 (multi-AZ)").parent)!, /^isolated /);
    });

    it("draws the traffic path user → Route53 → WAF → ALB → ingress-nginx → app → RDS", () => {
        const cs = cells(rendered.dev.drawio);
        const traffic = cs.filter((c) => c.edge === "1" && c.style?.includes("strokeWidth=2"));
        const path = traffic.map((e) => `${labelOf(cs, e.source)} -> ${labelOf(cs, e.target)}`);
        assert.deepEqual(path, [
            "Users -> Route53 dev.shop.example.com",
            "Route53 dev.shop.example.com -> WAFv2 web ACL",
            "WAFv2 web ACL -> ALB (internet-facing)",
            "ALB (internet-facing) -> chart ingress-nginx",
            "chart ingress-nginx -> Deployment shop-api",
            "Deployment shop-api -> RDS postgres 16",
        ]);
    });

    it("draws the EKS cluster with its namespaces and an encryption edge to each key user", () => {
        const cs = cells(rendered.dev.drawio);
        const eks = one(cs, "EKS 1.31");
        assert.deepEqual(cs.filter((c) => c.parent === eks.id && c.value?.startsWith("namespace")).map((c) => c.value).sort(), ["namespace catalog", "namespace ingress-nginx", "namespace payments"]);
        const encryption = cs.filter((c) => c.edge === "1" && c.value === "encrypted by").map((e) => `${labelOf(cs, e.source)} -> ${labelOf(cs, e.target)}`);
        assert.ok(encryption.includes("RDS postgres 16 -> KMS data"), encryption.join("\n"));
        assert.ok(encryption.includes("EKS 1.31 -> KMS eks"), encryption.join("\n"));
        assert.ok(encryption.includes("Logs vpc flow-logs -> KMS logs"), encryption.join("\n"));
        for (const e of cs.filter((c) => c.edge === "1")) assert.ok(labelOf(cs, e.source) && labelOf(cs, e.target), `edge ${e.id} has both ends`);
    });

    it("shows a team added in config without any change to the diagram code", async () => {
        const teams = JSON.parse(readStackConfig("dev")["platform:teams"]);
        const more = await renderDiagrams("dev", { overrides: { teams: [...teams, { name: "search", developerRoleArns: [] }] } });
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
