import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";
import { ConfigError, STRUCTURED_KEYS, parseConfig } from "../config";
import {
    CostResource,
    costDelta,
    DEFAULT_ASSUMPTIONS,
    estimateCost,
    loadPriceTable,
    PRICE_TABLE_FILE,
    renderCostDeltaMarkdown,
} from "../tools/lib/cost";
import { readStackConfig, runProgram } from "./support/harness";

const table = loadPriceTable();
const HOURS = table.hoursPerMonth;
/** The table's price for `key` in us-east-1 (the stacks' eu-west-1 falls back to it where it has no entry). */
const usd = (key: string, region = "eu-west-1") =>
    (table.regions[region]?.[key] ?? table.regions[table.fallbackRegion][key]).usd as number;

const region = (stack: string) => readStackConfig(stack)["aws:region"];
const close = (actual: number, expected: number, what: string) =>
    assert.ok(
        Math.abs(actual - expected) < 0.011,
        `${what}: expected ${expected.toFixed(2)}, got ${actual.toFixed(2)}`,
    );

/** The dev stack's nodes on a priced instance type, so node-count changes move the total. */
const PRICED_NODES = (desiredSize: number) => {
    const cluster = JSON.parse(readStackConfig("dev")["platform:cluster"]);
    cluster.nodeGroups[0] = { ...cluster.nodeGroups[0], instanceTypes: ["m6i.large"], desiredSize, maxSize: 5 };
    return { cluster };
};

describe("cost estimate", () => {
    it("validates the price table against its schema: every number has a source URL and a read date", () => {
        const schema = JSON.parse(
            fs.readFileSync(path.join(path.dirname(PRICE_TABLE_FILE), "aws-prices.schema.json"), "utf8"),
        );
        const validate = new Ajv({ allErrors: true, strict: false }).compile<any>(schema);
        const raw: any = JSON.parse(fs.readFileSync(PRICE_TABLE_FILE, "utf8"));
        assert.ok(validate(raw), JSON.stringify(validate.errors, null, 2));
        // The schema rejects a priced entry without a source, so the check can fail.
        const broken: any = structuredClone(raw);
        delete broken.regions["us-east-1"]["nat.hour"].source;
        assert.equal(validate(broken), false);
        for (const [r, prices] of Object.entries(raw.regions as Record<string, Record<string, { read: string }>>))
            for (const [k, p] of Object.entries(prices))
                assert.ok(p.read <= raw.version, `${r} ${k} read ${p.read} after the table version ${raw.version}`);
    });

    it("costs more for prod than for dev", async () => {
        const dev = estimateCost((await runProgram("dev")).capture.resources, region("dev"));
        const prod = estimateCost((await runProgram("prod")).capture.resources, region("prod"));
        assert.ok(dev.monthlyUsd > 0);
        assert.ok(prod.monthlyUsd > dev.monthlyUsd, `prod ${prod.monthlyUsd} <= dev ${dev.monthlyUsd}`);
        // Every tier the program builds is priced, and the tiers add up to the total.
        for (const tier of ["network", "edge", "cluster", "data"])
            assert.ok(prod.byTier[tier] > 0, `no ${tier} cost in prod`);
        close(
            Object.values(prod.byTier).reduce((s, v) => s + v, 0),
            prod.monthlyUsd,
            "sum of tiers",
        );
        // prod's per-AZ NAT gateways and Multi-AZ storage are visible per resource.
        assert.equal(prod.resources.filter((r) => r.type === "aws:ec2/natGateway:NatGateway").length, 3);
        const db = prod.resources.find((r) => r.type === "aws:rds/instance:Instance")!;
        close(
            db.lines.find((l) => l.priceKey === "rds.gp3.gbMonth")!.monthlyUsd,
            100 * 2 * usd("rds.gp3.gbMonth"),
            "prod Multi-AZ storage",
        );
    });

    it("adds one node's instance hours and root volume per extra node", async () => {
        const two = estimateCost(
            (await runProgram("dev", { overrides: PRICED_NODES(2) })).capture.resources,
            "eu-west-1",
        );
        const three = estimateCost(
            (await runProgram("dev", { overrides: PRICED_NODES(3) })).capture.resources,
            "eu-west-1",
        );
        const perNode = usd("ec2.m6i.large.hour") * HOURS + 30 * usd("ebs.gp3.gbMonth");
        close(three.monthlyUsd - two.monthlyUsd, perNode, "one more m6i.large node");
    });

    it("adds a gateway's hours and public IPv4 address when the NAT mode goes per AZ, and keeps the data processed", async () => {
        const single = estimateCost((await runProgram("dev")).capture.resources, "eu-west-1");
        const perAz = estimateCost(
            (await runProgram("dev", { overrides: { natMode: "perAz" } })).capture.resources,
            "eu-west-1",
        );
        const gateway = (usd("nat.hour") + usd("ipv4.hour")) * HOURS;
        close(perAz.monthlyUsd - single.monthlyUsd, gateway, "second NAT gateway (dev has 2 AZs)");
        const processed = (e: typeof single) =>
            e.resources
                .flatMap((r) => r.lines)
                .filter((l) => l.priceKey === "nat.gbProcessed")
                .reduce((s, l) => s + l.monthlyUsd, 0);
        close(processed(perAz), processed(single), "NAT data processing");
    });

    const nodeGroup = (instanceType: string, desiredSize = 2): CostResource[] => [
        { type: "platform:cluster:Cluster", name: "cluster", urn: "urn:c", parent: "", custom: false, inputs: {} },
        {
            type: "aws:eks/nodeGroup:NodeGroup",
            name: "cluster-general",
            urn: "urn:ng",
            parent: "urn:c",
            custom: true,
            inputs: { instanceTypes: [instanceType], scalingConfig: { desiredSize } },
        },
    ];

    it("reports an unknown instance type as unpriced instead of counting it as zero", () => {
        const e = estimateCost(nodeGroup("x9z.large"), "us-east-1");
        const u = e.unpriced.find((x) => x.urn === "urn:ng");
        assert.ok(u, "node group not listed as unpriced");
        assert.match(u.reason, /no price "ec2\.x9z\.large\.hour" in the price table/);
        assert.equal(u.tier, "cluster");
        // Its root volumes are still priced; the instance hours are not in the total.
        assert.ok(!e.resources.flatMap((r) => r.lines).some((l) => l.priceKey.startsWith("ec2.")));
    });

    it("lists billable resource types with no cost model as unpriced, and skips only types that cost nothing", () => {
        const e = estimateCost(
            [
                {
                    type: "aws:elasticache/cluster:Cluster",
                    name: "cache",
                    urn: "urn:x",
                    parent: "",
                    custom: true,
                    inputs: {},
                },
                { type: "aws:iam/role:Role", name: "role", urn: "urn:r", parent: "", custom: true, inputs: {} },
                {
                    type: "kubernetes:core/v1:Namespace",
                    name: "ns",
                    urn: "urn:n",
                    parent: "",
                    custom: true,
                    inputs: {},
                },
            ],
            "us-east-1",
        );
        assert.deepEqual(
            e.unpriced.map((u) => [u.name, u.reason]),
            [["cache", "no cost model for this resource type"]],
        );
    });

    it("uses the fallback region's price where the stack's region has none, and says so", () => {
        const e = estimateCost(nodeGroup("m6i.large", 1), "eu-west-1");
        assert.ok(e.fallbackPrices.includes("ec2.m6i.large.hour"));
        assert.equal(e.resources[0].lines[0].priceRegion, "us-east-1");
        const own = estimateCost(nodeGroup("m6i.large", 1), "us-east-1");
        assert.deepEqual(own.fallbackPrices, []);
    });

    it("changes with the usage assumptions, which default in stack config", () => {
        const base = estimateCost([], "us-east-1");
        const more = estimateCost([], "us-east-1", {
            dataTransferOutGbPerMonth: DEFAULT_ASSUMPTIONS.dataTransferOutGbPerMonth + 1000,
        });
        close(
            more.monthlyUsd - base.monthlyUsd,
            1000 * usd("transfer.out.gb", "us-east-1"),
            "1,000 GB more data transfer out",
        );
        const cfg = parseConfig({ ...devRaw(), costAssumptions: { natGbProcessedPerMonth: "250" } });
        assert.equal(cfg.costAssumptions.natGbProcessedPerMonth, 250);
        assert.equal(cfg.costAssumptions.albLcuPerHour, DEFAULT_ASSUMPTIONS.albLcuPerHour);
        assert.throws(
            () => parseConfig({ ...devRaw(), costAssumptions: { albLcuPerHour: -1 } }),
            (e: Error) =>
                e instanceof ConfigError &&
                e.message ===
                    "Invalid stack config: platform:costAssumptions.albLcuPerHour must be between 0 and 100000, got -1",
        );
        assert.throws(
            () => parseConfig({ ...devRaw(), costAssumptions: { natGB: 1 } }),
            /platform:costAssumptions has unknown key\(s\) natGB/,
        );
    });

    it("summarises a change as the delta and its largest contributors", () => {
        const base = estimateCost(nodeGroup("m6i.large", 2), "us-east-1");
        const head = estimateCost(
            [
                ...nodeGroup("m6i.large", 4),
                {
                    type: "aws:elasticache/cluster:Cluster",
                    name: "cache",
                    urn: "urn:x",
                    parent: "",
                    custom: true,
                    inputs: {},
                },
            ],
            "us-east-1",
        );
        const d = costDelta(base, head);
        close(
            d.deltaUsd,
            2 * (usd("ec2.m6i.large.hour", "us-east-1") * HOURS + 20 * usd("ebs.gp3.gbMonth", "us-east-1")),
            "two more nodes",
        );
        assert.equal(d.contributors[0].name, "cluster-general");
        assert.deepEqual(
            d.newlyUnpriced.map((u) => u.name),
            ["cache"],
        );
        const md = renderCostDeltaMarkdown(d).join("\n");
        assert.match(md, /\*\*Estimated monthly cost:\*\* \$[\d,.]+ → \$[\d,.]+ \(\*\*\+\$[\d,.]+\*\*\)/);
        assert.match(md, /\| `cluster-general` \|/);
        assert.match(md, /Not in the estimate \(unpriced\): `cache`/);
    });
});

function devRaw(): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(readStackConfig("dev"))) {
        if (!k.startsWith("platform:")) continue;
        const key = k.slice("platform:".length);
        raw[key] = STRUCTURED_KEYS.has(key) ? JSON.parse(v) : v;
    }
    return raw;
}
