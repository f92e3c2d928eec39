import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { eksVersionAtLeast, MIN_EKS_VERSION } from "./lib/contract";

/** The config namespace of every key this program reads (`platform:<key>` in Pulumi.<stack>.yaml). */
export const CONFIG_NAMESPACE = "platform";

// ---------------------------------------------------------------- value helpers

const HOSTNAME = /^(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// "a digit before the dot" is a lookahead: `[a-z0-9-]*\d[a-z0-9-]*` backtracks quadratically, and a
// 50,000-character value took 17-30 s to reject (found by test/config.fuzz.test.ts).
const EC2_INSTANCE_TYPE = /^[a-z](?=[a-z0-9-]*\d)[a-z0-9-]*\.(nano|micro|small|medium|large|metal|\d{0,2}xlarge)$/;
const RDS_INSTANCE_CLASS = /^db\.[a-z](?=[a-z0-9-]*\d)[a-z0-9-]*\.(micro|small|medium|large|\d{0,2}xlarge)$/;
const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const K8S_QUANTITY = /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** Top-level scalars arrive from Pulumi config as strings; accept "2" where a number is expected. */
const num = () =>
    z.preprocess(
        (v) => (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v),
        z.number({ invalid_type_error: "must be a number" }).int("must be a whole number"),
    );
const bool = () =>
    z.preprocess(
        (v) => (v === "true" ? true : v === "false" ? false : v),
        z.boolean({ invalid_type_error: "must be true or false" }),
    );
const between = (min: number, max: number) =>
    num().pipe(z.number().min(min, `must be between ${min} and ${max}`).max(max, `must be between ${min} and ${max}`));
const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
    z.enum(values as unknown as [T[number], ...T[number][]], { errorMap: () => ({ message: `must be one of ${values.join(", ")}` }) });
const hostname = () => z.string().toLowerCase().regex(HOSTNAME, "must be a DNS hostname such as example.com");
const quantity = () => z.string().regex(K8S_QUANTITY, "must be a Kubernetes quantity such as 500m, 2 or 4Gi");

// ---------------------------------------------------------------- CIDR arithmetic (shared with the network tier)

export interface Cidr {
    base: number; // network address as an unsigned 32-bit integer
    prefix: number;
}

export function parseCidr(text: string): Cidr | undefined {
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
    if (!m) return undefined;
    const octets = m.slice(1, 5).map(Number);
    const prefix = Number(m[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const addr = octets.reduce((acc, o) => acc * 256 + o, 0);
    const size = 2 ** (32 - prefix);
    if (addr % size !== 0) return undefined; // host bits set: 10.0.0.1/16 is not a network
    return { base: addr, prefix };
}

export function formatCidr(c: Cidr): string {
    const o = [24, 16, 8, 0].map((shift) => Math.floor(c.base / 2 ** shift) % 256);
    return `${o.join(".")}/${c.prefix}`;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
    const aEnd = a.base + 2 ** (32 - a.prefix);
    const bEnd = b.base + 2 ** (32 - b.prefix);
    return a.base < bEnd && b.base < aEnd;
}

/** The `index`-th subnet of `cidr` with `newBits` more prefix bits (Terraform's cidrsubnet). */
export function cidrSubnet(cidr: string, newBits: number, index: number): string {
    const c = parseCidr(cidr);
    if (!c) throw new Error(`not a CIDR: ${cidr}`);
    const prefix = c.prefix + newBits;
    if (prefix > 28 || index >= 2 ** newBits) throw new Error(`${cidr} has no subnet #${index} of /${prefix}`);
    return formatCidr({ base: c.base + index * 2 ** (32 - prefix), prefix });
}

const cidr = (minPrefix: number, maxPrefix: number) =>
    z.string().superRefine((v, ctx) => {
        const c = parseCidr(v);
        if (!c) ctx.addIssue({ code: z.ZodIssueCode.custom, message: "must be an IPv4 network in CIDR form such as 10.0.0.0/16" });
        else if (c.prefix < minPrefix || c.prefix > maxPrefix)
            ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must have a prefix between /${minPrefix} and /${maxPrefix}` });
    });

// ---------------------------------------------------------------- cost assumptions (read only by `npm run check`'s estimate)

/**
 * Usage the offline cost estimate assumes (tools/lib/cost.ts): what a price table cannot know from the
 * resources alone. Every value has a default, and the estimate prints the values it used beside the total.
 */
const amount = (max: number) =>
    z.preprocess(
        (v) => (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v),
        z.number({ invalid_type_error: "must be a number" }).min(0, `must be between 0 and ${max}`).max(max, `must be between 0 and ${max}`),
    );
const costAssumptions = z
    .object({
        /** GB a month through all NAT gateways together (billed per GB processed). */
        natGbProcessedPerMonth: amount(10_000_000).default(100),
        /** Average load balancer capacity units (LCU) per hour of each ALB. */
        albLcuPerHour: amount(100_000).default(1),
        /** Million requests a month inspected by each WAF web ACL. */
        wafMillionRequestsPerMonth: amount(1_000_000).default(10),
        /** Million DNS queries a month answered by each hosted zone. */
        route53MillionQueriesPerMonth: amount(1_000_000).default(1),
        /** GB a month ingested by each CloudWatch log group; storage follows from its retention. */
        logGbPerGroupPerMonth: amount(1_000_000).default(5),
        /** GB stored in each S3 bucket. */
        s3GbPerBucket: amount(10_000_000).default(50),
        /** GB of images stored per ECR repository (and per pull-through cache rule). */
        ecrGbPerRepository: amount(1_000_000).default(10),
        /** GB a month sent to the internet by the whole stack (the free allowance is deducted). */
        dataTransferOutGbPerMonth: amount(10_000_000).default(500),
        /** Percent of the database's storage that changes per day, which sizes backups beyond the free allowance. */
        rdsDailyChangePercent: amount(100).default(5),
    })
    .strict()
    .default({});

// ---------------------------------------------------------------- the schema

const nodeGroup = z
    .object({
        name: z.string().regex(LABEL, "must be a lowercase DNS label"),
        instanceTypes: z.array(z.string().regex(EC2_INSTANCE_TYPE, "must be EC2 instance types such as t3.medium or m7g.large")).min(1, "must list at least one instance type"),
        minSize: between(0, 100),
        desiredSize: between(0, 100),
        maxSize: between(1, 100),
        diskSizeGb: between(20, 1000).default(50),
        capacityType: oneOf(["ON_DEMAND", "SPOT"]).default("ON_DEMAND"),
        labels: z.record(z.string()).default({}),
    })
    .strict()
    .superRefine((g, ctx) => {
        if (!(g.minSize <= g.desiredSize && g.desiredSize <= g.maxSize))
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["desiredSize"], message: `must satisfy minSize <= desiredSize <= maxSize (${g.minSize} <= ${g.desiredSize} <= ${g.maxSize})` });
    });

const team = z
    .object({
        name: z.string().regex(LABEL, "must be a lowercase DNS label (the namespace name)"),
        /** Kubernetes group the cluster's access entries map the team's developers to (default `<name>-developers`). */
        developersGroup: z.string().regex(/^[a-z0-9][a-z0-9:-]*$/, "must be a Kubernetes group name such as payments-developers").optional(),
        /** IAM roles of the team's developers; the cluster maps them to developersGroup through access entries. */
        developerRoleArns: z.array(z.string().regex(IAM_ROLE_ARN, "must be IAM role ARNs")).default([]),
        quota: z
            .object({
                requestsCpu: quantity().default("4"),
                requestsMemory: quantity().default("8Gi"),
                limitsCpu: quantity().default("8"),
                limitsMemory: quantity().default("16Gi"),
                pods: between(1, 1000).default(50),
            })
            .strict()
            .default({}),
        /** Extra HTTPS (443) egress destinations, as CIDRs; DNS, the ingress controller and the database are always allowed. */
        httpsEgressCidrs: z.array(cidr(0, 32)).default([]),
    })
    .strict()
    // One name for the group, so the cluster's access entries and the tenancy's RoleBindings always agree.
    .transform((t) => ({ ...t, developersGroup: t.developersGroup ?? `${t.name}-developers` }));

const schema = z
    .object({
        environment: oneOf(["dev", "staging", "prod"]),
        owner: z.string().min(1, "must name the owning team"),
        costCentre: z.string().regex(/^[A-Za-z0-9-]{2,32}$/, "must be 2-32 letters, digits or dashes"),
        azCount: num().pipe(z.number().refine((n) => n === 2 || n === 3, "must be 2 or 3")),
        vpcCidr: cidr(16, 20),
        natMode: oneOf(["single", "perAz"]),
        flowLogRetentionDays: between(1, 3653).default(365),
        domain: hostname(),
        /** Use this existing Route53 zone instead of creating one for `domain`. */
        hostedZoneId: z.string().regex(/^Z[A-Z0-9]{4,32}$/, "must be a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ").optional(),
        /** Pulumi `protect` and AWS deletion protection on every stateful resource. */
        protect: bool(),
        edge: z
            .object({
                appHost: z.string().regex(LABEL, "must be one DNS label; the app is served at <appHost>.<domain>").default("app"),
                extraHosts: z.array(z.string().regex(LABEL, "must be DNS labels under the domain")).default([]),
                wafRateLimit: between(100, 2_000_000_000).default(2000),
                idleTimeoutSeconds: between(1, 4000).default(60),
                accessLogRetentionDays: between(1, 3653).default(90),
            })
            .strict()
            .default({}),
        cluster: z
            .object({
                // MIN_EKS_VERSION is the pack's minEksVersion default (EKS-04); the app's preStop sleep hook needs 1.30+.
                version: z.string().refine((v) => /^\d+\.\d+$/.test(v) && eksVersionAtLeast(v, MIN_EKS_VERSION), `must be a supported EKS version from ${MIN_EKS_VERSION}, as a quoted string such as "${MIN_EKS_VERSION}"`),
                /** Public API endpoint (restricted to publicAccessCidrs); keep false outside sandboxes. */
                publicEndpoint: bool().default(false),
                publicAccessCidrs: z.array(cidr(8, 32).refine((v) => v !== "0.0.0.0/0", "must not include 0.0.0.0/0")).default([]),
                serviceCidr: cidr(12, 24).default("172.20.0.0/16"),
                adminRoleArns: z.array(z.string().regex(IAM_ROLE_ARN, "must be IAM role ARNs")).default([]),
                deployerRoleArn: z.string().regex(IAM_ROLE_ARN, "must be an IAM role ARN").optional(),
                viewerRoleArns: z.array(z.string().regex(IAM_ROLE_ARN, "must be IAM role ARNs")).default([]),
                nodeGroups: z.array(nodeGroup).min(1, "must define at least one node group"),
                ingressReplicas: between(1, 20).default(2),
                /** Node port ingress-nginx's HTTPS listener is exposed on; the ALB target group points here. */
                ingressNodePort: between(30000, 32767).default(30443),
            })
            .strict()
            .superRefine((c, ctx) => {
                if (c.publicEndpoint && c.publicAccessCidrs.length === 0)
                    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["publicAccessCidrs"], message: "must list the CIDRs allowed to reach a public endpoint (publicEndpoint is true)" });
            }),
        teams: z
            .array(team)
            .min(1, "must define at least one team")
            .superRefine((ts, ctx) => {
                const seen = new Set<string>();
                ts.forEach((t, i) => {
                    if (seen.has(t.name)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, "name"], message: "must be unique across teams" });
                    seen.add(t.name);
                });
            }),
        app: z
            .object({
                name: z.string().regex(LABEL, "must be a lowercase DNS label").default("shop-api"),
                /** The team namespace the app runs in. */
                team: z.string().regex(LABEL, "must name a configured team"),
                imageTag: z.string().regex(/^(sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$/, "must be an image tag such as 1.4.2 or a sha256: digest").refine((t) => t !== "latest", "must be a pinned tag, not latest"),
                port: between(1024, 65535).default(8080),
                replicas: between(1, 100).default(2),
                minReplicas: between(1, 100).default(2),
                maxReplicas: between(1, 200).default(6),
                targetCpuPercent: between(10, 95).default(70),
                cpuRequest: quantity().default("250m"),
                cpuLimit: quantity().default("1"),
                memoryRequest: quantity().default("512Mi"),
                memoryLimit: quantity().default("1Gi"),
                readinessPath: z.string().startsWith("/", "must be a path starting with /").default("/actuator/health/readiness"),
                livenessPath: z.string().startsWith("/", "must be a path starting with /").default("/actuator/health/liveness"),
                /** Non-sensitive settings for the app's ConfigMap. Secrets go through KMS, never here. */
                settings: z.record(z.string()).default({}),
                /** Prefix of the app's own S3 bucket the app may read and write. */
                s3Prefix: z.string().regex(/^[a-z0-9][a-z0-9/_-]*$/, "must be an S3 key prefix such as uploads/").optional(),
                imageRetentionCount: between(5, 1000).default(30),
            })
            .strict()
            .superRefine((a, ctx) => {
                if (a.minReplicas > a.maxReplicas)
                    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["minReplicas"], message: `must not exceed maxReplicas (${a.maxReplicas})` });
                const secretish = Object.keys(a.settings).find((k) => /(password|secret|token|private[_-]?key|credential)/i.test(k));
                if (secretish)
                    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["settings", secretish], message: "looks sensitive: settings are a plain ConfigMap; store secrets with KMS envelope encryption instead" });
            }),
        database: z
            .object({
                engine: oneOf(["postgres", "mysql"]).default("postgres"),
                engineVersion: z.string().regex(/^\d+(\.\d+){0,2}$/, "must be an engine version such as 16.4 or 8.0.39"),
                instanceClass: z.string().regex(RDS_INSTANCE_CLASS, "must be an RDS instance class such as db.t4g.medium"),
                allocatedStorageGb: between(20, 65536),
                maxAllocatedStorageGb: between(20, 65536),
                multiAz: bool(),
                backupRetentionDays: between(7, 35),
                backupWindow: z.string().regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, "must be a UTC window hh:mm-hh:mm").default("02:00-03:00"),
                maintenanceWindow: z.string().regex(/^(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}-(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}$/, "must be a window such as sun:04:00-sun:05:00").default("sun:04:00-sun:05:00"),
                databaseName: z.string().regex(/^[a-z][a-z0-9_]{0,62}$/, "must be a lowercase identifier").default("app"),
                masterUsername: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, "must be a lowercase identifier of at most 16 characters").default("app_admin"),
            })
            .strict()
            .superRefine((d, ctx) => {
                if (d.maxAllocatedStorageGb < d.allocatedStorageGb)
                    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["maxAllocatedStorageGb"], message: `must be at least allocatedStorageGb (${d.allocatedStorageGb})` });
            }),
        costAssumptions,
    })
    .strict()
    .superRefine((c, ctx) => {
        const vpc = parseCidr(c.vpcCidr);
        const svc = parseCidr(c.cluster.serviceCidr);
        if (vpc && svc && cidrsOverlap(vpc, svc))
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["cluster", "serviceCidr"], message: `must not overlap vpcCidr ${c.vpcCidr}` });
        if (!c.teams.some((t) => t.name === c.app.team))
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["app", "team"], message: `must be one of the configured teams (${c.teams.map((t) => t.name).join(", ")})` });
        if (c.environment === "prod" && c.cluster.publicEndpoint)
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["cluster", "publicEndpoint"], message: "must be false for a prod stack (EKS-01: the API endpoint stays private)" });
        if (c.natMode === "single" && c.protect && c.environment === "prod")
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["natMode"], message: "must be perAz for a protected prod stack (one NAT gateway is a single point of failure)" });
    });

export type PlatformConfig = z.infer<typeof schema>;
export type NodeGroupConfig = PlatformConfig["cluster"]["nodeGroups"][number];
export type TeamConfig = PlatformConfig["teams"][number];
export type CostAssumptions = PlatformConfig["costAssumptions"];

/** Keys that hold objects or lists (JSON in Pulumi's config); every other key is a scalar string. */
const STRUCTURED_KEYS = new Set(["edge", "cluster", "teams", "app", "database", "costAssumptions"]);

/** A config error: the user's, not the program's. `check` exits 2 on it. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

function valueAt(raw: unknown, path: (string | number)[]): unknown {
    return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), raw);
}

function describe(v: unknown): string {
    if (v === undefined) return "nothing";
    if (typeof v === "string" && /^-?\d+(\.\d+)?$|^(true|false)$/.test(v)) return v; // a scalar from YAML, shown as typed
    const s = JSON.stringify(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Validates raw config values of `namespace` (as Pulumi hands them over: scalars as strings,
 * structured keys as objects) against `schema`, whose top-level keys are `knownKeys`. Throws one
 * ConfigError naming the key, the value and what is allowed. Shared by this program and bootstrap/.
 */
export function validateConfig<S extends z.ZodTypeAny>(schema: S, namespace: string, knownKeys: string[], raw: Record<string, unknown>): z.infer<S> {
    // A misspelled top-level key (platform:azcount) would otherwise be silently ignored.
    const unknown = Object.keys(raw).find((k) => !knownKeys.includes(k));
    if (unknown !== undefined) fail(`${namespace}:${shown(unknown)} is not a known key: allowed keys are ${knownKeys.join(", ")}`);
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const [top, ...rest] = issue.path;
    const key = `${namespace}:${shown(String(top ?? ""))}` + rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${shown(p)}`)).join("");
    let message = issue.message;
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
        return fail(`${key} has unknown key(s) ${issue.keys.map(shown).join(", ")}: remove them or fix the spelling`);
    }
    if (issue.code === z.ZodIssueCode.invalid_type && issue.received === "undefined") message = "is required";
    else if (issue.code === z.ZodIssueCode.invalid_type) message = `must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}`;
    const got = valueAt(raw, issue.path);
    return fail(message === "is required" ? `${key} is required` : `${key} ${message}, got ${describe(got)}`);
}

/** A key as typed when it is a plain name, else quoted so empty, blank or invisible characters show. */
function shown(key: string): string {
    return /^[A-Za-z0-9_.-]+$/.test(key) ? key : JSON.stringify(key);
}

function fail(message: string): never {
    throw new ConfigError(`Invalid stack config: ${message}`);
}

/**
 * The stack's `<namespace>:*` config as raw values: scalars as the engine hands them over (strings),
 * `structuredKeys` parsed from their JSON.
 */
export function readConfigNamespace(namespace: string, structuredKeys: ReadonlySet<string> = new Set()): Record<string, unknown> {
    const prefix = `${namespace}:`;
    const raw: Record<string, unknown> = {};
    for (const [k, text] of Object.entries(pulumi.runtime.allConfig())) {
        if (!k.startsWith(prefix)) continue;
        const key = k.slice(prefix.length);
        if (!structuredKeys.has(key)) {
            raw[key] = text;
            continue;
        }
        try {
            raw[key] = JSON.parse(text);
        } catch {
            fail(`${k} must be a YAML object or list, got ${describe(text)}`);
        }
    }
    return raw;
}

const KNOWN_KEYS = Object.keys(schema.innerType().shape);

/** Validates raw `platform:*` values; see validateConfig. */
export function parseConfig(raw: Record<string, unknown>): PlatformConfig {
    return validateConfig(schema, CONFIG_NAMESPACE, KNOWN_KEYS, raw);
}

/** Reads and validates the stack's `platform:*` config. Called once, before any resource is declared. */
export function loadConfig(): PlatformConfig {
    return parseConfig(readConfigNamespace(CONFIG_NAMESPACE, STRUCTURED_KEYS));
}

/** The port a database engine listens on; the network, data and tenancy tiers all derive it from here. */
export function databasePort(engine: PlatformConfig["database"]["engine"]): number {
    return engine === "mysql" ? 3306 : 5432;
}
