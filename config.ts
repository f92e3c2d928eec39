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
    z.enum(values as unknown as [T[number], ...T[number][]], {
        errorMap: () => ({ message: `must be one of ${values.join(", ")}` }),
    });
const hostname = () => z.string().toLowerCase().regex(HOSTNAME, "must be a DNS hostname such as example.com");
const quantity = () => z.string().regex(K8S_QUANTITY, "must be a Kubernetes quantity such as 500m, 2 or 4Gi");

/** `1.4.2`, `1.4.2@sha256:<64 hex>` or `sha256:<64 hex>`; never `latest`. */
export const IMAGE_TAG = /^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(?:@sha256:[a-f0-9]{64})?|sha256:[a-f0-9]{64})$/;

/**
 * Image tags are strings, always: YAML reads an unquoted 20240101 or 1.10 as a number (and 1.10 as 1.1),
 * so a number is refused with the fix instead of being coerced into a different tag.
 */
const imageTag = () =>
    z
        .unknown()
        .superRefine((v, ctx) => {
            const issue = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
            if (typeof v === "number")
                issue(
                    `must be a quoted string: YAML read it as the number ${v}; write "${v}" (scripts/release.sh always quotes it)`,
                );
            else if (typeof v !== "string") issue("must be a string");
            else if (v === "latest" || v.startsWith("latest@")) issue("must be a pinned tag, not latest");
            else if (!IMAGE_TAG.test(v))
                issue("must be an image tag such as 1.4.2, 1.4.2@sha256:<digest> or sha256:<digest>");
        })
        .transform((v) => v as string);

const QUANTITY_UNITS: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
};

/** A Kubernetes quantity as a number: CPU in cores (500m → 0.5), memory in bytes (1Gi → 1073741824). */
export function parseQuantity(q: string): number {
    const m = /^(\d+(?:\.\d+)?)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(q);
    if (!m) throw new Error(`not a Kubernetes quantity: ${q}`);
    return Number(m[1]) * (m[2] ? QUANTITY_UNITS[m[2]] : 1);
}

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
        if (!c)
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                message: "must be an IPv4 network in CIDR form such as 10.0.0.0/16",
            });
        else if (c.prefix < minPrefix || c.prefix > maxPrefix)
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                message: `must have a prefix between /${minPrefix} and /${maxPrefix}`,
            });
    });

// ---------------------------------------------------------------- cost assumptions (read only by `npm run check`'s estimate)

/**
 * Usage the offline cost estimate assumes (tools/lib/cost.ts): what a price table cannot know from the
 * resources alone. Every value has a default, and the estimate prints the values it used beside the total.
 */
const amount = (max: number) =>
    z.preprocess(
        (v) => (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v)) ? Number(v) : v),
        z
            .number({ invalid_type_error: "must be a number" })
            .min(0, `must be between 0 and ${max}`)
            .max(max, `must be between 0 and ${max}`),
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
        instanceTypes: z
            .array(z.string().regex(EC2_INSTANCE_TYPE, "must be EC2 instance types such as t3.medium or m7g.large"))
            .min(1, "must list at least one instance type"),
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
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["desiredSize"],
                message: `must satisfy minSize <= desiredSize <= maxSize (${g.minSize} <= ${g.desiredSize} <= ${g.maxSize})`,
            });
    });

const team = z
    .object({
        name: z.string().regex(LABEL, "must be a lowercase DNS label (the namespace name)"),
        /** Kubernetes group the cluster's access entries map the team's developers to (default `<name>-developers`). */
        developersGroup: z
            .string()
            .regex(/^[a-z0-9][a-z0-9:-]*$/, "must be a Kubernetes group name such as payments-developers")
            .optional(),
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

// ---------------------------------------------------------------- delivery: pipeline identities, CI runners, first bootstrap

/** The stack's phases, in order: `foundation` makes the private endpoint reachable (runner) and the image pushable (ECR). */
export const PHASES = ["foundation", "full"] as const;
export type Phase = (typeof PHASES)[number];

const GITHUB_REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

const pipeline = z
    .object({
        /**
         * IAM roles the pipelines deploy with (GitHub Actions and Jenkins): cluster access entries with
         * AmazonEKSClusterAdminPolicy, and the pack's break-glass principals. test/identities.test.ts keeps them
         * equal to the roles the workflows, the Jenkinsfile and bootstrap/ name.
         */
        deployerRoleArns: z
            .array(z.string().regex(IAM_ROLE_ARN, "must be IAM role ARNs"))
            .min(1, "must name the role the deploy pipeline assumes"),
        /** IAM roles of the pull-request previews: read-only cluster access, no Secrets, never admin. */
        previewRoleArns: z.array(z.string().regex(IAM_ROLE_ARN, "must be IAM role ARNs")).default([]),
        /**
         * The CodeBuild project `platform-<stack>-runner`, used as a CodeBuild-hosted GitHub Actions runner in the
         * private subnets: the only non-node source the cluster API admits (443).
         */
        runner: z
            .object({
                /** `owner/repo` of the repository whose workflow jobs the runner picks up. */
                githubRepository: z.string().regex(GITHUB_REPOSITORY, "must be a GitHub repository as owner/name"),
                /** An AWS CodeConnections connection to GitHub (created and authorised once in the console). */
                connectionArn: z
                    .string()
                    .regex(
                        /^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/,
                        "must be a CodeConnections connection ARN",
                    )
                    .optional(),
                computeType: oneOf(["BUILD_GENERAL1_SMALL", "BUILD_GENERAL1_MEDIUM", "BUILD_GENERAL1_LARGE"]).default(
                    "BUILD_GENERAL1_MEDIUM",
                ),
            })
            .strict(),
    })
    .strict()
    .superRefine((p, ctx) => {
        const overlap = p.deployerRoleArns.find((a) => p.previewRoleArns.includes(a));
        if (overlap)
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["previewRoleArns"],
                message: `must not repeat a deployer role (${overlap}): a preview role is read-only`,
            });
    });

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
        /** Use this existing Route53 zone (the default looks the public zone named `domain` up by name). */
        hostedZoneId: z
            .string()
            .regex(/^Z[A-Z0-9]{4,32}$/, "must be a Route53 hosted zone id such as Z0123456789ABCDEFGHIJ")
            .optional(),
        // ---- first deploy and delivery (issues 16/17): zone ownership, phases, pipeline identities and runners
        /** Create the public zone for `domain` (an explicit choice: the parent zone must then delegate to the exported name servers). */
        createZone: bool().default(false),
        /** `foundation`: keys, network, CI runner and the app's ECR repository only; `full`: everything (docs/first-deploy.md). */
        phase: oneOf(PHASES).default("full"),
        /** Create AWSServiceRoleForAutoScaling (a new account that never ran an Auto Scaling group); the EBS key policy names it. */
        createAutoScalingServiceLinkedRole: bool().default(false),
        pipeline,
        /** Pulumi `protect` and AWS deletion protection on every stateful resource. */
        protect: bool(),
        edge: z
            .object({
                appHost: z
                    .string()
                    .regex(LABEL, "must be one DNS label; the app is served at <appHost>.<domain>")
                    .default("app"),
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
                version: z
                    .string()
                    .refine(
                        (v) => /^\d+\.\d+$/.test(v) && eksVersionAtLeast(v, MIN_EKS_VERSION),
                        `must be a supported EKS version from ${MIN_EKS_VERSION}, as a quoted string such as "${MIN_EKS_VERSION}"`,
                    ),
                /** Public API endpoint (restricted to publicAccessCidrs); keep false outside sandboxes. */
                publicEndpoint: bool().default(false),
                publicAccessCidrs: z
                    .array(cidr(8, 32).refine((v) => v !== "0.0.0.0/0", "must not include 0.0.0.0/0"))
                    .default([]),
                serviceCidr: cidr(12, 24).default("172.20.0.0/16"),
                adminRoleArns: z.array(z.string().regex(IAM_ROLE_ARN, "must be IAM role ARNs")).default([]),
                viewerRoleArns: z.array(z.string().regex(IAM_ROLE_ARN, "must be IAM role ARNs")).default([]),
                nodeGroups: z.array(nodeGroup).min(1, "must define at least one node group"),
                ingressReplicas: between(1, 20).default(2),
                /** Node port of the ingress data plane's HTTPS listener (the ALB target group points here); the next port is its health check. */
                ingressNodePort: between(30000, 32766).default(30443),
            })
            .strict()
            .superRefine((c, ctx) => {
                if (c.publicEndpoint && c.publicAccessCidrs.length === 0)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["publicAccessCidrs"],
                        message: "must list the CIDRs allowed to reach a public endpoint (publicEndpoint is true)",
                    });
            }),
        teams: z
            .array(team)
            .min(1, "must define at least one team")
            .superRefine((ts, ctx) => {
                const seen = new Set<string>();
                ts.forEach((t, i) => {
                    if (seen.has(t.name))
                        ctx.addIssue({
                            code: z.ZodIssueCode.custom,
                            path: [i, "name"],
                            message: "must be unique across teams",
                        });
                    seen.add(t.name);
                });
            }),
        app: z
            .object({
                name: z.string().regex(LABEL, "must be a lowercase DNS label").default("shop-api"),
                /** The team namespace the app runs in. */
                team: z.string().regex(LABEL, "must name a configured team"),
                /**
                 * The released image: `1.4.2@sha256:<digest>` (what scripts/release.sh commits), a tag, or `sha256:<digest>`.
                 * Unset: the app's workloads are not declared yet (first deploy: push the first image, then release it).
                 */
                imageTag: imageTag().optional(),
                port: between(1024, 65535).default(8080),
                replicas: between(1, 100).default(2),
                minReplicas: between(1, 100).default(2),
                maxReplicas: between(1, 200).default(6),
                targetCpuPercent: between(10, 95).default(70),
                cpuRequest: quantity().default("250m"),
                cpuLimit: quantity().default("1"),
                memoryRequest: quantity().default("512Mi"),
                memoryLimit: quantity().default("1Gi"),
                readinessPath: z
                    .string()
                    .startsWith("/", "must be a path starting with /")
                    .default("/actuator/health/readiness"),
                livenessPath: z
                    .string()
                    .startsWith("/", "must be a path starting with /")
                    .default("/actuator/health/liveness"),
                /** Non-sensitive settings for the app's ConfigMap. Secrets go through KMS, never here. */
                settings: z.record(z.string()).default({}),
                /** Prefix of the app's own S3 bucket the app may read and write. */
                s3Prefix: z
                    .string()
                    .regex(/^[a-z0-9][a-z0-9/_-]*$/, "must be an S3 key prefix such as uploads/")
                    .optional(),
                imageRetentionCount: between(5, 1000).default(30),
                /** The PodDisruptionBudget's maxUnavailable; 0 would block every voluntary eviction (drains, node upgrades). */
                maxUnavailable: between(0, 100).default(1),
                /** The database user the app logs in as with IAM authentication (created once by the db-user Job). */
                databaseUser: z
                    .string()
                    .regex(/^[a-z][a-z0-9_]{0,15}$/, "must be a lowercase identifier of at most 16 characters")
                    .default("app_iam"),
            })
            .strict()
            .superRefine((a, ctx) => {
                if (a.minReplicas > a.maxReplicas)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["minReplicas"],
                        message: `must not exceed maxReplicas (${a.maxReplicas}): the HorizontalPodAutoscaler rejects min > max`,
                    });
                else if (a.replicas < a.minReplicas || a.replicas > a.maxReplicas)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["replicas"],
                        message: `must be between minReplicas and maxReplicas (${a.minReplicas}..${a.maxReplicas})`,
                    });
                if (a.maxUnavailable === 0)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["maxUnavailable"],
                        message:
                            "must be at least 1: a PodDisruptionBudget with maxUnavailable 0 blocks every eviction, so node drains and upgrades hang",
                    });
                else if (a.maxUnavailable >= a.minReplicas && a.minReplicas > 1)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["maxUnavailable"],
                        message: `must be below minReplicas (${a.minReplicas}), or a drain may take every replica down at once`,
                    });
                const secretish = Object.keys(a.settings).find((k) =>
                    /(password|secret|token|private[_-]?key|credential)/i.test(k),
                );
                if (secretish)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["settings", secretish],
                        message:
                            "looks sensitive: settings are a plain ConfigMap; store secrets with KMS envelope encryption instead",
                    });
            }),
        database: z
            .object({
                engine: oneOf(["postgres", "mysql"]).default("postgres"),
                engineVersion: z
                    .string()
                    .regex(/^\d+(\.\d+){0,2}$/, "must be an engine version such as 16.4 or 8.0.39"),
                instanceClass: z
                    .string()
                    .regex(RDS_INSTANCE_CLASS, "must be an RDS instance class such as db.t4g.medium"),
                allocatedStorageGb: between(20, 65536),
                maxAllocatedStorageGb: between(20, 65536),
                multiAz: bool(),
                backupRetentionDays: between(7, 35),
                backupWindow: z
                    .string()
                    .regex(/^\d{2}:\d{2}-\d{2}:\d{2}$/, "must be a UTC window hh:mm-hh:mm")
                    .default("02:00-03:00"),
                maintenanceWindow: z
                    .string()
                    .regex(
                        /^(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}-(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}$/,
                        "must be a window such as sun:04:00-sun:05:00",
                    )
                    .default("sun:04:00-sun:05:00"),
                databaseName: z
                    .string()
                    .regex(/^[a-z][a-z0-9_]{0,62}$/, "must be a lowercase identifier")
                    .default("app"),
                masterUsername: z
                    .string()
                    .regex(/^[a-z][a-z0-9_]{0,15}$/, "must be a lowercase identifier of at most 16 characters")
                    .default("app_admin"),
            })
            .strict()
            .superRefine((d, ctx) => {
                if (d.maxAllocatedStorageGb < d.allocatedStorageGb)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: ["maxAllocatedStorageGb"],
                        message: `must be at least allocatedStorageGb (${d.allocatedStorageGb})`,
                    });
            }),
        costAssumptions,
    })
    .strict()
    .superRefine((c, ctx) => {
        const vpc = parseCidr(c.vpcCidr);
        const svc = parseCidr(c.cluster.serviceCidr);
        if (vpc && svc && cidrsOverlap(vpc, svc))
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["cluster", "serviceCidr"],
                message: `must not overlap vpcCidr ${c.vpcCidr}`,
            });
        if (!c.teams.some((t) => t.name === c.app.team))
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["app", "team"],
                message: `must be one of the configured teams (${c.teams.map((t) => t.name).join(", ")})`,
            });
        if (c.environment === "prod" && c.cluster.publicEndpoint)
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["cluster", "publicEndpoint"],
                message: "must be false for a prod stack (EKS-01: the API endpoint stays private)",
            });
        if (c.createZone && c.hostedZoneId)
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["createZone"],
                message: "must be false when platform:hostedZoneId names an existing zone (choose one)",
            });
        quotaIssues(c).forEach((issue) => ctx.addIssue({ code: z.ZodIssueCode.custom, ...issue }));
        if (c.natMode === "single" && c.protect && c.environment === "prod")
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["natMode"],
                message: "must be perAz for a protected prod stack (one NAT gateway is a single point of failure)",
            });
    });

/** The app's rolling update surge (its Deployment's maxSurge); the team quota must hold it on top of maxReplicas. */
export const APP_MAX_SURGE_PERCENT = 25;

type RawShape = Pick<z.infer<typeof schema>, "teams" | "app">;

/** The team quota must hold the app at maxReplicas plus a full rolling-update surge, or the HPA and rollouts stall on it. */
function quotaIssues(c: RawShape): { path: (string | number)[]; message: string }[] {
    const i = c.teams.findIndex((t) => t.name === c.app.team);
    if (i < 0) return [];
    const q = c.teams[i].quota;
    const surge = Math.ceil((c.app.maxReplicas * APP_MAX_SURGE_PERCENT) / 100);
    const pods = c.app.maxReplicas + surge;
    const need: [keyof typeof q, string, string][] = [
        ["limitsCpu", "cpuLimit", c.app.cpuLimit],
        ["limitsMemory", "memoryLimit", c.app.memoryLimit],
        ["requestsCpu", "cpuRequest", c.app.cpuRequest],
        ["requestsMemory", "memoryRequest", c.app.memoryRequest],
    ];
    const issues: { path: (string | number)[]; message: string }[] = [];
    const why = `platform:app at maxReplicas ${c.app.maxReplicas} plus the rollout surge of ${surge} (${APP_MAX_SURGE_PERCENT} %)`;
    if (q.pods < pods)
        issues.push({
            path: ["teams", i, "quota", "pods"],
            message: `cannot hold ${why}: ${pods} pods; raise it to at least ${pods} or lower app.maxReplicas`,
        });
    for (const [key, appKey, each] of need) {
        const total = parseQuantity(each) * pods;
        if (parseQuantity(String(q[key])) + 1e-9 < total)
            issues.push({
                path: ["teams", i, "quota", key],
                message: `cannot hold ${why}: ${pods} pods × app.${appKey} ${each} = ${formatLike(each, total)}; raise it or lower app.maxReplicas or app.${appKey}`,
            });
    }
    return issues.slice(0, 1);
}

function formatLike(unitOf: string, value: number): string {
    const unit = /(m|Ki|Mi|Gi|Ti|k|M|G|T)$/.exec(unitOf)?.[1];
    if (!unit) return String(Math.round(value * 1000) / 1000);
    return `${Math.ceil(value / QUANTITY_UNITS[unit])}${unit}`;
}

/** vCPU and GiB of common node instance types, for the capacity advisory; unknown types are skipped, never guessed. */
const INSTANCE_CAPACITY: Record<string, [number, number]> = {
    medium: [1, 4],
    large: [2, 8],
    xlarge: [4, 16],
    "2xlarge": [8, 32],
    "4xlarge": [16, 64],
};
const FAMILY_MEMORY_FACTOR: Record<string, number> = { t: 1, m: 1, c: 0.5, r: 2 };

function capacityOf(instanceType: string): [number, number] | undefined {
    const m = /^([tmcr])\d+[a-z]*\.(medium|large|xlarge|2xlarge|4xlarge)$/.exec(instanceType);
    if (!m) return undefined;
    const [cpu, mem] = INSTANCE_CAPACITY[m[2]];
    if (m[1] === "t" && m[2] === "medium") return [2, 4];
    return [cpu, mem * FAMILY_MEMORY_FACTOR[m[1]]];
}

/**
 * Advisories: valid configs that will still disappoint. Today: the teams' summed quota requests exceed
 * what the node groups can hold at their max size (smallest instance type of each group, before system pods).
 */
export function configAdvisories(c: PlatformConfig): string[] {
    let cpu = 0;
    let mem = 0;
    for (const g of c.cluster.nodeGroups) {
        const caps = g.instanceTypes.map(capacityOf);
        if (caps.some((x) => x === undefined)) return [];
        cpu += g.maxSize * Math.min(...caps.map((x) => x![0]));
        mem += g.maxSize * Math.min(...caps.map((x) => x![1]));
    }
    const reqCpu = c.teams.reduce((sum, t) => sum + parseQuantity(t.quota.requestsCpu), 0);
    const reqMem = c.teams.reduce((sum, t) => sum + parseQuantity(t.quota.requestsMemory), 0) / 2 ** 30;
    const out: string[] = [];
    if (reqCpu > cpu)
        out.push(
            `platform:teams quotas request ${reqCpu} CPU in total, more than platform:cluster.nodeGroups hold at maxSize (${cpu} vCPU): raise maxSize or add a node group, or pods will stay Pending`,
        );
    if (reqMem > mem)
        out.push(
            `platform:teams quotas request ${Math.round(reqMem)}Gi memory in total, more than platform:cluster.nodeGroups hold at maxSize (${mem}Gi): raise maxSize or add a node group, or pods will stay Pending`,
        );
    return out;
}

export type PlatformConfig = z.infer<typeof schema>;

/**
 * One line for `npm run check`: the stack's phase and what a first deploy of this config needs outside
 * the program (docs/first-deploy.md walks through each).
 */
export function firstDeploySummary(c: PlatformConfig): string {
    const next = c.phase === "foundation" ? "next: set platform:phase to full and deploy from the runner" : "all tiers";
    const needs: string[] = [];
    if (c.createZone)
        needs.push(
            `delegate ${c.domain} to the name servers in the stack output nameServers (NS record in the parent zone)`,
        );
    else if (c.hostedZoneId) needs.push(`Route53 zone ${c.hostedZoneId} holding ${c.domain}`);
    else needs.push(`an existing public Route53 zone named ${c.domain} in the account`);
    if (!c.createAutoScalingServiceLinkedRole)
        needs.push(
            "AWSServiceRoleForAutoScaling in the account (else set platform:createAutoScalingServiceLinkedRole)",
        );
    needs.push(
        `the CI roles ${[...c.pipeline.deployerRoleArns, ...c.pipeline.previewRoleArns].map((a) => a.split("/").pop()).join(", ")} (bootstrap/)`,
    );
    needs.push(
        c.app.imageTag
            ? `image ${c.app.name}:${c.app.imageTag} in ECR`
            : `no app workload until an image is released (push to ECR, then scripts/release.sh)`,
    );
    return `Phase ${c.phase} (${next}) · first deploy needs: ${needs.join("; ")}`;
}
export type NodeGroupConfig = PlatformConfig["cluster"]["nodeGroups"][number];
export type TeamConfig = PlatformConfig["teams"][number];
export type CostAssumptions = PlatformConfig["costAssumptions"];

/** Keys that hold objects or lists (JSON in Pulumi's config); every other key is a scalar string. */
export const STRUCTURED_KEYS = new Set(["edge", "cluster", "teams", "app", "database", "pipeline", "costAssumptions"]);

/** A config error: the user's, not the program's. `check` exits 2 on it. */
export class ConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ConfigError";
    }
}

function valueAt(raw: unknown, path: (string | number)[]): unknown {
    return path.reduce<unknown>(
        (v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined),
        raw,
    );
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
export function validateConfig<S extends z.ZodTypeAny>(
    schema: S,
    namespace: string,
    knownKeys: string[],
    raw: Record<string, unknown>,
): z.infer<S> {
    // A misspelled top-level key (platform:azcount) would otherwise be silently ignored.
    const unknown = Object.keys(raw).find((k) => !knownKeys.includes(k));
    if (unknown !== undefined)
        fail(`${namespace}:${shown(unknown)} is not a known key: allowed keys are ${knownKeys.join(", ")}`);
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const [top, ...rest] = issue.path;
    const key =
        `${namespace}:${shown(String(top ?? ""))}` +
        rest.map((p) => (typeof p === "number" ? `[${p}]` : `.${shown(p)}`)).join("");
    let message = issue.message;
    if (issue.code === z.ZodIssueCode.unrecognized_keys) {
        return fail(`${key} has unknown key(s) ${issue.keys.map(shown).join(", ")}: remove them or fix the spelling`);
    }
    if (issue.code === z.ZodIssueCode.invalid_type && issue.received === "undefined") message = "is required";
    else if (issue.code === z.ZodIssueCode.invalid_type)
        message = `must be ${issue.expected === "array" ? "a list" : `a ${issue.expected}`}`;
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
export function readConfigNamespace(
    namespace: string,
    structuredKeys: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
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
