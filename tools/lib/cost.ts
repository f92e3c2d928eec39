import * as fs from "fs";
import { TYPES } from "../../lib/contract";
import * as path from "path";

/**
 * The offline monthly cost estimate: a pure function of the resources a program declared (as the
 * engine sees them), the stack's region and the usage assumptions in stack config
 * (`platform:costAssumptions`), priced from the versioned table in tools/pricing/aws-prices.json.
 *
 * No silent zeros: a billable resource with no model, or a price the table cannot source, is listed
 * as unpriced and never counted as 0. Types known to cost nothing by themselves (IAM, security
 * groups, routes, Kubernetes objects that run on the priced nodes, ...) are the only ones skipped.
 */

export const PRICE_TABLE_FILE = path.resolve(__dirname, "..", "pricing", "aws-prices.json");

export interface Price {
    /** null: no source confirmed the price; resources that need it are reported unpriced. */
    usd: number | null;
    unit: string;
    source?: string;
    read: string;
    note?: string;
}

export interface PriceTable {
    version: string;
    currency: "USD";
    hoursPerMonth: number;
    fallbackRegion: string;
    regions: Record<string, Record<string, Price>>;
}

/** Mirrors `platform:costAssumptions` in config.ts (all defaulted there). */
export interface CostAssumptions {
    natGbProcessedPerMonth: number;
    albLcuPerHour: number;
    wafMillionRequestsPerMonth: number;
    route53MillionQueriesPerMonth: number;
    logGbPerGroupPerMonth: number;
    s3GbPerBucket: number;
    ecrGbPerRepository: number;
    dataTransferOutGbPerMonth: number;
    rdsDailyChangePercent: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
    natGbProcessedPerMonth: 100,
    albLcuPerHour: 1,
    wafMillionRequestsPerMonth: 10,
    route53MillionQueriesPerMonth: 1,
    logGbPerGroupPerMonth: 5,
    s3GbPerBucket: 50,
    ecrGbPerRepository: 10,
    dataTransferOutGbPerMonth: 500,
    rdsDailyChangePercent: 5,
};

/** What the estimate needs of a resource: the engine's view (inputs, as in a preview). */
export interface CostResource {
    type: string;
    name: string;
    urn: string;
    parent: string;
    custom: boolean;
    inputs: Record<string, unknown>;
}

export interface CostLine {
    /** What is billed, e.g. "instance hours (m6i.large × 3)". */
    what: string;
    quantity: number;
    unit: string;
    unitUsd: number;
    monthlyUsd: number;
    priceKey: string;
    /** The region whose price was used: the stack's, or the table's fallback region. */
    priceRegion: string;
}

export interface ResourceCost {
    urn: string;
    type: string;
    name: string;
    tier: string;
    monthlyUsd: number;
    lines: CostLine[];
}

export interface Unpriced {
    urn: string;
    type: string;
    name: string;
    tier: string;
    reason: string;
}

export interface CostEstimate {
    currency: "USD";
    region: string;
    priceTable: { version: string; file: string; fallbackRegion: string };
    /** Sum of the priced lines; unpriced resources are listed apart, never counted as 0. */
    monthlyUsd: number;
    byTier: Record<string, number>;
    resources: ResourceCost[];
    unpriced: Unpriced[];
    assumptions: CostAssumptions;
    /** Price keys taken from the fallback region because the stack's region has no entry. */
    fallbackPrices: string[];
}

export function loadPriceTable(file = PRICE_TABLE_FILE): PriceTable {
    return JSON.parse(fs.readFileSync(file, "utf8")) as PriceTable;
}

// ---------------------------------------------------------------- resource classification

/** Types that cost nothing by themselves (their cost, if any, is billed on a priced resource). */
const FREE: RegExp[] = [
    /^pulumi:/,
    /^(tls|random):/, // computed by the provider on the machine running Pulumi: no cloud resource exists
    /^kubernetes:/, // runs on the priced nodes
    /^aws:iam\//,
    /^aws:ec2\/(vpc|subnet|routeTable|routeTableAssociation|route|internetGateway|networkAcl|networkAclRule|defaultSecurityGroup|defaultNetworkAcl|defaultRouteTable|securityGroup|securityGroupRule|launchTemplate|flowLog|mainRouteTableAssociation):/,
    /^aws:vpc\//,
    /^aws:s3\/bucket(?!:)/, // bucket sub-resources: policy, versioning, encryption, lifecycle, ...
    /^aws:route53\/record:/, // queries are priced on the zone
    /^aws:(lb|alb)\/(listener|targetGroup|listenerRule|listenerCertificate|targetGroupAttachment):/,
    /^aws:rds\/(subnetGroup|parameterGroup|optionGroup|clusterParameterGroup):/,
    /^aws:kms\/alias:/,
    /^aws:eks\/(addon|accessEntry|accessPolicyAssociation|podIdentityAssociation):/,
    /^aws:ecr\/(lifecyclePolicy|repositoryPolicy|registryScanningConfiguration):/,
    /^aws:wafv2\/(webAclAssociation|webAclLoggingConfiguration):/,
    /^aws:cloudwatch\/logResourcePolicy:/,
    /^aws:acm\/(certificate|certificateValidation):/, // public certificates are free
    /^aws:autoscaling\/attachment:/,
    /^aws:backup\/(plan|selection|vaultPolicy|vaultLockConfiguration):/, // storage is on the vault
];

const isFree = (type: string) => FREE.some((re) => re.test(type));

/** The tier of a resource: the `<tier>` of its nearest `platform:<tier>:<Name>` ancestor. */
function tierOf(r: CostResource, byUrn: Map<string, CostResource>): string {
    for (let cur: CostResource | undefined = r, hops = 0; cur && hops < 64; cur = byUrn.get(cur.parent), hops++) {
        const m = /^platform:([^:]+):/.exec(cur.type);
        if (m) return m[1];
    }
    return "stack";
}

const num = (v: unknown): number | undefined =>
    typeof v === "number" && Number.isFinite(v)
        ? v
        : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v))
          ? Number(v)
          : undefined;
const str = (v: unknown): string | undefined => (typeof v === "string" && v.trim() !== "" ? v : undefined);

// ---------------------------------------------------------------- the estimate

class Pricer {
    readonly fallbackUsed = new Set<string>();
    constructor(
        private readonly table: PriceTable,
        readonly region: string,
    ) {}

    /** The price for `key` in the stack's region, else the fallback region's; a reason when neither has a number. */
    lookup(key: string): { usd: number; region: string } | { missing: string } {
        const own = this.table.regions[this.region]?.[key];
        const fallback = this.table.regions[this.table.fallbackRegion]?.[key];
        const entry = own ?? fallback;
        if (!entry) return { missing: `no price "${key}" in the price table` };
        if (entry.usd === null || typeof entry.usd !== "number")
            return { missing: `price "${key}" is not sourced${entry.note ? `: ${entry.note}` : ""}` };
        if (!own) this.fallbackUsed.add(key);
        return { usd: entry.usd, region: own ? this.region : this.table.fallbackRegion };
    }
}

interface Draft {
    lines: CostLine[];
    missing: string[];
}

function line(p: Pricer, d: Draft, key: string, what: string, quantity: number, unit: string) {
    const price = p.lookup(key);
    if ("missing" in price) {
        d.missing.push(price.missing);
        return;
    }
    d.lines.push({
        what,
        quantity,
        unit,
        unitUsd: price.usd,
        monthlyUsd: quantity * price.usd,
        priceKey: key,
        priceRegion: price.region,
    });
}

/** The monthly cost lines of one resource, or undefined when its type has no cost model. */
function price(r: CostResource, all: CostResource[], p: Pricer, a: CostAssumptions, hours: number): Draft | undefined {
    const d: Draft = { lines: [], missing: [] };
    const i = r.inputs ?? {};
    switch (r.type) {
        case TYPES.eksCluster: // remote component: the control plane lives in the provider
        case TYPES.awsEksCluster:
            line(p, d, "eks.cluster.hour", "control plane hours", hours, "h");
            return d;
        case TYPES.awsEksNodeGroup: {
            const types = Array.isArray(i.instanceTypes)
                ? i.instanceTypes.filter((t): t is string => typeof t === "string")
                : [];
            const scaling = (i.scalingConfig ?? {}) as Record<string, unknown>;
            const desired = num(scaling.desiredSize);
            if (types.length === 0 || desired === undefined) {
                d.missing.push("instance types or desired size not known (preview unknown or not set)");
                return d;
            }
            // EKS launches the first listed type while capacity allows; the estimate prices it at desired size.
            const type = types[0];
            if (i.capacityType === "SPOT")
                d.missing.push(`spot capacity (${type}) has no list price; the estimate uses on-demand only`);
            else line(p, d, `ec2.${type}.hour`, `instance hours (${type} × ${desired})`, desired * hours, "h");
            // The root volume: the launch template of the same name (components/cluster.ts), else the group's diskSize, else EKS's 20 GiB.
            const template = all.find((t) => t.type === TYPES.launchTemplate && t.name === r.name);
            const mappings = Array.isArray(template?.inputs.blockDeviceMappings)
                ? (template.inputs.blockDeviceMappings as Record<string, any>[])
                : [];
            const disk = num(mappings[0]?.ebs?.volumeSize) ?? num(i.diskSize) ?? 20;
            line(
                p,
                d,
                "ebs.gp3.gbMonth",
                `node root volumes (${disk} GB gp3 × ${desired})`,
                disk * desired,
                "GB-month",
            );
            return d;
        }
        case TYPES.natGateway: {
            line(p, d, "nat.hour", "gateway hours", hours, "h");
            // The stack's data-processing assumption is spread over its gateways, so the NAT mode changes only the hours.
            const gateways = all.filter((x) => x.type === r.type).length;
            line(
                p,
                d,
                "nat.gbProcessed",
                `data processed (${a.natGbProcessedPerMonth} GB / ${gateways} gateways)`,
                a.natGbProcessedPerMonth / gateways,
                "GB",
            );
            return d;
        }
        case TYPES.eip:
            line(p, d, "ipv4.hour", "public IPv4 address hours", hours, "h");
            return d;
        case TYPES.loadBalancer:
        case TYPES.albLoadBalancer:
            if ((i.loadBalancerType ?? "application") !== "application") return undefined;
            line(p, d, "alb.hour", "load balancer hours", hours, "h");
            line(p, d, "alb.lcuHour", `LCU hours (${a.albLcuPerHour} LCU)`, a.albLcuPerHour * hours, "LCU-h");
            return d;
        case TYPES.rdsInstance: {
            const cls = str(i.instanceClass);
            const engine = str(i.engine);
            const multiAz = i.multiAz === true || i.multiAz === "true";
            const copies = multiAz ? 2 : 1; // Multi-AZ bills the standby's hours and storage too (RDS User Guide, "Multi-AZ DB instances")
            if (!cls || !engine) d.missing.push("instance class or engine not known");
            else
                line(
                    p,
                    d,
                    `rds.${cls}.${engine}.hour`,
                    `instance hours (${cls}${multiAz ? ", Multi-AZ × 2" : ""})`,
                    copies * hours,
                    "h",
                );
            const storage = num(i.allocatedStorage);
            if (storage === undefined) {
                d.missing.push("allocated storage not known");
                return d;
            }
            if ((i.storageType ?? "gp3") !== "gp3")
                d.missing.push(`storage type ${String(i.storageType)} is not in the price table`);
            else
                line(
                    p,
                    d,
                    "rds.gp3.gbMonth",
                    `gp3 storage (${storage} GB${multiAz ? " × 2" : ""})`,
                    storage * copies,
                    "GB-month",
                );
            // Backups up to 100% of provisioned storage are free; beyond it, the daily change for each retained day.
            const days = num(i.backupRetentionPeriod) ?? 0;
            const billable = (storage * a.rdsDailyChangePercent * days) / 100;
            line(
                p,
                d,
                "rds.backup.gbMonth",
                `backup beyond the free allowance (${a.rdsDailyChangePercent}%/day × ${days} days)`,
                billable,
                "GB-month",
            );
            return d;
        }
        case TYPES.kmsKey:
            line(p, d, "kms.key.month", "customer managed key", 1, "key-month");
            return d;
        case TYPES.webAcl: {
            const rules = Array.isArray(i.rules) ? i.rules.length : 0;
            line(p, d, "waf.acl.month", "web ACL", 1, "ACL-month");
            line(p, d, "waf.rule.month", `rules (${rules})`, rules, "rule-month");
            line(
                p,
                d,
                "waf.requests.million",
                `requests (${a.wafMillionRequestsPerMonth} M)`,
                a.wafMillionRequestsPerMonth,
                "M requests",
            );
            return d;
        }
        case TYPES.zone:
            line(p, d, "route53.zone.month", "hosted zone", 1, "zone-month");
            line(
                p,
                d,
                "route53.queries.million",
                `queries (${a.route53MillionQueriesPerMonth} M)`,
                a.route53MillionQueriesPerMonth,
                "M queries",
            );
            return d;
        case TYPES.logGroup: {
            // Steady state: a group keeps min(retention, forever) days of what it ingests; 0 (never expire) is priced as ten years.
            const retention = num(i.retentionInDays) || 3653;
            line(p, d, "logs.ingest.gb", `ingestion (${a.logGbPerGroupPerMonth} GB)`, a.logGbPerGroupPerMonth, "GB");
            const stored = (a.logGbPerGroupPerMonth * retention) / 30;
            line(
                p,
                d,
                "logs.storage.gbMonth",
                `storage at ${retention}-day retention (${Math.round(stored)} GB)`,
                stored,
                "GB-month",
            );
            return d;
        }
        case TYPES.bucket:
        case "aws:s3/bucketV2:BucketV2":
            line(p, d, "s3.standard.gbMonth", `storage (${a.s3GbPerBucket} GB Standard)`, a.s3GbPerBucket, "GB-month");
            return d;
        case TYPES.ecrRepository:
        case TYPES.ecrPullThroughCacheRule:
            line(
                p,
                d,
                "ecr.storage.gbMonth",
                `image storage (${a.ecrGbPerRepository} GB)`,
                a.ecrGbPerRepository,
                "GB-month",
            );
            return d;
        case TYPES.vpcEndpoint:
            // Gateway endpoints (S3, DynamoDB) have no charge; interface endpoints do and are not modelled.
            return i.vpcEndpointType === "Gateway" ? d : undefined;
        default:
            return undefined;
    }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

export function estimateCost(
    resources: CostResource[],
    region: string,
    assumptions: Partial<CostAssumptions> = {},
    table: PriceTable = loadPriceTable(),
    tableFile = PRICE_TABLE_FILE,
): CostEstimate {
    const a: CostAssumptions = { ...DEFAULT_ASSUMPTIONS, ...assumptions };
    const p = new Pricer(table, region);
    const hours = table.hoursPerMonth;
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const estimate: CostEstimate = {
        currency: "USD",
        region,
        priceTable: {
            version: table.version,
            file: path
                .relative(path.resolve(__dirname, "..", ".."), tableFile)
                .split(path.sep)
                .join("/"),
            fallbackRegion: table.fallbackRegion,
        },
        monthlyUsd: 0,
        byTier: {},
        resources: [],
        unpriced: [],
        assumptions: a,
        fallbackPrices: [],
    };
    const add = (r: Pick<CostResource, "urn" | "type" | "name">, tier: string, d: Draft) => {
        if (d.missing.length > 0)
            estimate.unpriced.push({ urn: r.urn, type: r.type, name: r.name, tier, reason: d.missing.join("; ") });
        if (d.lines.length === 0) return;
        const monthly = d.lines.reduce((s, l) => s + l.monthlyUsd, 0);
        estimate.resources.push({
            urn: r.urn,
            type: r.type,
            name: r.name,
            tier,
            monthlyUsd: round2(monthly),
            lines: d.lines.map((l) => ({ ...l, monthlyUsd: round2(l.monthlyUsd) })),
        });
        estimate.byTier[tier] = (estimate.byTier[tier] ?? 0) + monthly;
        estimate.monthlyUsd += monthly;
    };

    for (const r of resources) {
        if (!r.custom && r.type !== TYPES.eksCluster) continue; // components are priced through their children
        const tier = tierOf(r, byUrn);
        const d = price(r, resources, p, a, hours);
        if (d) add(r, tier, d);
        else if (!isFree(r.type))
            estimate.unpriced.push({
                urn: r.urn,
                type: r.type,
                name: r.name,
                tier,
                reason: "no cost model for this resource type",
            });
    }

    // Data transfer out belongs to the stack, not one resource: what the edge serves to the internet.
    const transfer: Draft = { lines: [], missing: [] };
    const free = p.lookup("transfer.out.freeGb");
    const allowance = "missing" in free ? 0 : free.usd;
    const billable = Math.max(0, a.dataTransferOutGbPerMonth - allowance);
    line(
        p,
        transfer,
        "transfer.out.gb",
        `data transfer out (${a.dataTransferOutGbPerMonth} GB − ${allowance} GB free)`,
        billable,
        "GB",
    );
    add({ urn: "", type: "aws:dataTransfer", name: "data-transfer-out" }, "edge", transfer);

    estimate.monthlyUsd = round2(estimate.monthlyUsd);
    for (const k of Object.keys(estimate.byTier)) estimate.byTier[k] = round2(estimate.byTier[k]);
    estimate.resources.sort((x, y) => y.monthlyUsd - x.monthlyUsd || x.urn.localeCompare(y.urn));
    estimate.fallbackPrices = [...p.fallbackUsed].sort();
    return estimate;
}

// ---------------------------------------------------------------- change between two estimates (--base)

export interface CostDelta {
    baseUsd: number;
    headUsd: number;
    deltaUsd: number;
    /** Resources whose monthly cost changed most, by absolute change. */
    contributors: { urn: string; name: string; type: string; baseUsd: number; headUsd: number; deltaUsd: number }[];
    /** Resources unpriced in the head but not the base: the delta does not include them. */
    newlyUnpriced: Unpriced[];
}

export function costDelta(base: CostEstimate, head: CostEstimate, top = 5): CostDelta {
    const key = (r: { urn: string; name: string }) => r.urn || r.name;
    const b = new Map(base.resources.map((r) => [key(r), r]));
    const h = new Map(head.resources.map((r) => [key(r), r]));
    const contributors = [...new Set([...b.keys(), ...h.keys()])]
        .map((k) => {
            const x = b.get(k);
            const y = h.get(k);
            const r = (y ?? x)!;
            return {
                urn: r.urn,
                name: r.name,
                type: r.type,
                baseUsd: x?.monthlyUsd ?? 0,
                headUsd: y?.monthlyUsd ?? 0,
                deltaUsd: round2((y?.monthlyUsd ?? 0) - (x?.monthlyUsd ?? 0)),
            };
        })
        .filter((c) => c.deltaUsd !== 0)
        .sort((x, y) => Math.abs(y.deltaUsd) - Math.abs(x.deltaUsd) || x.urn.localeCompare(y.urn))
        .slice(0, top);
    const before = new Set(base.unpriced.map(key));
    return {
        baseUsd: base.monthlyUsd,
        headUsd: head.monthlyUsd,
        deltaUsd: round2(head.monthlyUsd - base.monthlyUsd),
        contributors,
        newlyUnpriced: head.unpriced.filter((u) => !before.has(key(u))),
    };
}

// ---------------------------------------------------------------- presentation

export const usd = (n: number) =>
    `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
export const signed = (n: number) => `${n >= 0 ? "+" : "−"}${usd(Math.abs(n))}`;

interface Paint {
    bold(s: string): string;
    dim(s: string): string;
    yellow(s: string): string;
}

const ASSUMPTION_LABELS: Record<keyof CostAssumptions, string> = {
    natGbProcessedPerMonth: "NAT data processed GB/month (all gateways)",
    albLcuPerHour: "ALB LCU per hour",
    wafMillionRequestsPerMonth: "WAF million requests/month per ACL",
    route53MillionQueriesPerMonth: "Route 53 million queries/month per zone",
    logGbPerGroupPerMonth: "log GB ingested/month per log group",
    s3GbPerBucket: "S3 GB per bucket",
    ecrGbPerRepository: "ECR GB per repository",
    dataTransferOutGbPerMonth: "data transfer out GB/month",
    rdsDailyChangePercent: "database daily change % (backup size)",
};

/** The human report: total, tiers, the largest resources, assumptions and every unpriced resource. */
export function renderCost(e: CostEstimate, s: Paint, { top = 10, verbose = false } = {}): string[] {
    const out: string[] = [];
    const tiers = Object.entries(e.byTier).sort((x, y) => y[1] - x[1]);
    out.push(
        `${s.bold("Estimated cost")} ${usd(e.monthlyUsd)}/month in ${e.region} ${s.dim(`(on-demand list prices, table ${e.priceTable.version}; ${e.unpriced.length} unpriced)`)}`,
    );
    out.push(`  by tier: ${tiers.map(([t, v]) => `${t} ${usd(v)}`).join(" · ")}`);
    const shown = verbose ? e.resources : e.resources.slice(0, top);
    for (const r of shown)
        out.push(
            `  ${usd(r.monthlyUsd).padStart(11)}  ${r.name} ${s.dim(`${r.type} — ${r.lines.map((l) => l.what).join(", ")}`)}`,
        );
    if (shown.length < e.resources.length)
        out.push(
            s.dim(
                `  … ${e.resources.length - shown.length} more priced resources (--verbose or the JSON report lists them)`,
            ),
        );
    const a = e.assumptions;
    out.push(
        s.dim(
            `  assumptions (platform:costAssumptions): ${(Object.keys(ASSUMPTION_LABELS) as (keyof CostAssumptions)[]).map((k) => `${ASSUMPTION_LABELS[k]} ${a[k]}`).join("; ")}`,
        ),
    );
    if (e.fallbackPrices.length > 0)
        out.push(
            s.yellow(
                `  ${e.fallbackPrices.length} prices use ${e.priceTable.fallbackRegion} list prices: the table has no ${e.region} entry for ${e.fallbackPrices.join(", ")}`,
            ),
        );
    if (e.unpriced.length > 0) {
        out.push(s.yellow(`  unpriced (not in the total): ${e.unpriced.length}`));
        for (const u of e.unpriced) out.push(s.yellow(`    ${u.name} ${s.dim(u.type)}: ${u.reason}`));
    }
    return out;
}

/** The Markdown lines of the PR summary (--base): the delta and its largest contributors. */
export function renderCostDeltaMarkdown(d: CostDelta): string[] {
    const out = [`**Estimated monthly cost:** ${usd(d.baseUsd)} → ${usd(d.headUsd)} (**${signed(d.deltaUsd)}**)`];
    if (d.contributors.length > 0) {
        out.push("", "| Resource | Type | Base | Head | Change |", "|---|---|---:|---:|---:|");
        for (const c of d.contributors)
            out.push(
                `| \`${c.name}\` | \`${c.type}\` | ${usd(c.baseUsd)} | ${usd(c.headUsd)} | ${signed(c.deltaUsd)} |`,
            );
    }
    if (d.newlyUnpriced.length > 0)
        out.push(
            "",
            `Not in the estimate (unpriced): ${d.newlyUnpriced.map((u) => `\`${u.name}\` (${u.reason})`).join(", ")}`,
        );
    return out;
}
