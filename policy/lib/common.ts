import {
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    UnknownValueError,
} from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { EXEMPTION_PREFIX, MIN_EKS_VERSION, TLS_POLICIES } from "../../lib/contract";

/**
 * Shared building blocks of the pack. Every policy module (ours and the Kubernetes/EKS ones) builds
 * its policies with `resourcePolicy` / `stackPolicy`, which give three guarantees the catalogue's
 * section 0 asks for:
 *  - a malformed property never crashes the pack: the exception becomes a "malformed property" violation;
 *  - a preview unknown never causes a false failure: `known()` stops the check the way @pulumi/policy does
 *    (an advisory "can't run ... during preview" line) and the real value is checked at `up`;
 *  - exemptable rows honour the `policy.exempt/<policy-name>` tag/annotation by downgrading to advisory.
 */

export type Policy = ResourceValidationPolicy | StackValidationPolicy;
export type Props = Record<string, any>;

// The sentinels @pulumi/policy (proxy.ts) and the engine use for values not known during preview.
export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set([
    "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7", // boolean
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", // number
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", // string
    "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2", // array
    "030794c1-ac77-496b-92df-f27374a8bd58", // asset
    "e48ece36-62e2-4504-bad9-02848725956a", // archive
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", // object
]);
/** The string sentinel, for fixtures that model a preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export function isUnknown(v: unknown): boolean {
    return typeof v === "string" && UNKNOWN_SENTINELS.has(v);
}

/** True when `v` or anything inside it is a preview unknown. */
export function containsUnknown(v: unknown): boolean {
    if (isUnknown(v)) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    if (v !== null && typeof v === "object") return Object.values(v).some(containsUnknown);
    return false;
}

/** Strips @pulumi/policy's unknown-checking proxy so helpers can see (and decide on) unknown sentinels themselves. */
export function raw<T>(v: T): T {
    if (v !== null && typeof v === "object") {
        const target = (v as any)["__getSpecialProxyTarget"];
        if (target !== undefined && (v as any)["__isSpecialProxy"] === true) return target as T;
    }
    return v;
}

/**
 * Safe path read: `get(props, "vpcConfig.subnetIds")`, `get(props, "rules[0].statement")`.
 * Returns undefined for a missing step, and the unknown sentinel if any step on the way is unknown.
 */
export function get(obj: unknown, path: string): any {
    let cur: any = raw(obj);
    for (const step of path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== "")) {
        if (isUnknown(cur)) return cur;
        if (cur === null || typeof cur !== "object") return undefined;
        cur = cur[step];
    }
    return cur;
}

/** null/undefined → [], array → itself, anything else → [v]. Check `isUnknown` first when the value may be unknown. */
export function asArray<T = any>(v: T | T[] | null | undefined): T[] {
    if (v === undefined || v === null) return [];
    if (isUnknown(v)) return [];
    return Array.isArray(v) ? v : [v];
}

/**
 * Returns `v` unless it is (or contains) a preview unknown, in which case the check stops the way
 * @pulumi/policy stops it: an advisory "can't run policy during preview" diagnostic, re-evaluated at `up`.
 * Report violations of known fields before calling this.
 */
export function known<T>(v: T, path: string): T {
    if (containsUnknown(v)) throw new UnknownValueError(UNKNOWN, path.split("."));
    return v;
}

export function isTrue(v: unknown): boolean {
    return v === true || v === "true";
}

export function asNumber(v: unknown): number | undefined {
    if (typeof v === "number") return v;
    if (typeof v === "string" && v.trim() !== "" && !isNaN(Number(v))) return Number(v);
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// KMS references (section 0: "KMS reference").
// ---------------------------------------------------------------------------------------------

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const KMS_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(alias\/.+)$/;
const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function isAwsManagedAlias(v: unknown): boolean {
    if (typeof v !== "string") return false;
    const alias = KMS_ALIAS_ARN.exec(v)?.[1] ?? v;
    return alias.startsWith("alias/aws/");
}

/**
 * A customer-managed KMS key reference: a key ARN, a key id (uuid or mrk-), a customer alias
 * (name or ARN), or an ARN listed in `externalKmsKeyArns`. AWS-managed aliases (`alias/aws/*`)
 * and absent values are not. Unknown values are not judged here: check `isUnknown` first.
 */
export function isKmsReference(v: unknown, externalKmsKeyArns: readonly string[] = []): boolean {
    if (typeof v !== "string" || v === "") return false;
    if (externalKmsKeyArns.includes(v)) return true;
    if (isAwsManagedAlias(v)) return false;
    return KMS_KEY_ARN.test(v) || KMS_ALIAS_ARN.test(v) || KEY_ID.test(v) || /^alias\/[A-Za-z0-9/_-]+$/.test(v);
}

// ---------------------------------------------------------------------------------------------
// Exemptions (section 0): tag / annotation `policy.exempt/<policy-name>` = "<ticket-id>: <reason>".
// ---------------------------------------------------------------------------------------------

export { EXEMPTION_PREFIX };
const EXEMPTION_VALUE = /^([A-Z][A-Z0-9]*-\d+):\s*(\S.*)$/;

export interface Exemption {
    ticket: string;
    reason: string;
}

/**
 * Reads the exemption for `policyName` from AWS `tags` / `tagsAll`, or Kubernetes
 * `metadata.annotations`. Returns undefined when there is none, `{ error }` when it is malformed.
 * Accepts resource props or a Kubernetes `metadata` object.
 */
export function exemption(propsOrMetadata: unknown, policyName: string): Exemption | { error: string } | undefined {
    const p = raw(propsOrMetadata) as any;
    if (!p || typeof p !== "object") return undefined;
    const key = `${EXEMPTION_PREFIX}${policyName}`;
    const sources = [p.tags, p.tagsAll, p.annotations, p.metadata?.annotations];
    for (const src of sources) {
        if (!src || typeof src !== "object" || !(key in src)) continue;
        const value = src[key];
        if (isUnknown(value)) return undefined;
        const m = typeof value === "string" ? EXEMPTION_VALUE.exec(value.trim()) : null;
        if (!m) return { error: `exemption "${key}" must read "<TICKET-123>: <reason>", got ${JSON.stringify(value)}` };
        return { ticket: m[1], reason: m[2] };
    }
    return undefined;
}

// ---------------------------------------------------------------------------------------------
// IAM-style policy documents (bucket, key, repository and IAM policies).
// ---------------------------------------------------------------------------------------------

export interface Statement {
    Sid?: string;
    Effect?: string;
    Principal?: unknown;
    NotPrincipal?: unknown;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
}

export type ParsedPolicy = { statements: Statement[] } | { error: string };

/** Tolerant parser: accepts a JSON string or an object; a single Statement object counts as a list of one. */
export function parsePolicyDocument(doc: unknown): ParsedPolicy {
    let value: any = raw(doc);
    if (typeof value === "string") {
        try {
            value = JSON.parse(value);
        } catch (e) {
            return { error: `policy is not valid JSON (${(e as Error).message})` };
        }
    }
    if (!value || typeof value !== "object" || Array.isArray(value)) return { error: "policy is not a JSON object" };
    const st = value.Statement;
    if (st === undefined) return { statements: [] };
    const list = Array.isArray(st) ? st : [st];
    if (list.some((s) => !s || typeof s !== "object")) return { error: "policy has a Statement that is not an object" };
    return { statements: list as Statement[] };
}

/** `"*"` or `{ AWS: "*" }` (or an array containing "*"). */
export function isWildcardPrincipal(principal: unknown): boolean {
    if (principal === "*") return true;
    if (principal && typeof principal === "object") {
        const aws = (principal as any).AWS;
        return asArray(aws).includes("*");
    }
    return false;
}

/** Every condition key (lower-cased) used in a statement, whatever the operator. */
export function conditionKeys(st: Statement): string[] {
    const keys: string[] = [];
    for (const op of Object.values(st.Condition ?? {})) {
        if (op && typeof op === "object") keys.push(...Object.keys(op).map((k) => k.toLowerCase()));
    }
    return keys;
}

// ---------------------------------------------------------------------------------------------
// Pack config: shared schema fragments with the catalogue's defaults.
// ---------------------------------------------------------------------------------------------

const stringList = (description: string, dflt: string[], extra: PolicyConfigJSONSchema = {}): PolicyConfigJSONSchema => ({
    type: "array",
    items: { type: "string", minLength: 1, ...extra },
    uniqueItems: true,
    description,
    default: dflt,
});

export const DEFAULT_TLS_POLICIES: string[] = [...TLS_POLICIES];
export const DEFAULT_PLATFORM_NAMESPACES = ["kube-system", "ingress-nginx", "cert-manager", "external-dns", "aws-load-balancer-controller"];

/** JSON-schema fragments for `configSchema.properties`; each carries its catalogue default. */
export const configProps = {
    allowedTlsPolicies: stringList("ELB security policies an HTTPS/TLS listener may use (EDGE-02).", DEFAULT_TLS_POLICIES, { pattern: "^ELBSecurityPolicy-" }),
    minEksVersion: { type: "string", pattern: "^[0-9]+\\.[0-9]+$", description: "Oldest EKS Kubernetes version allowed (EKS-04), major.minor.", default: MIN_EKS_VERSION } as PolicyConfigJSONSchema,
    minBackupRetentionDays: { type: "integer", minimum: 1, maximum: 35, description: "Minimum RDS automated-backup retention in days (RDS-06).", default: 7 } as PolicyConfigJSONSchema,
    minLogRetentionDays: { type: "integer", minimum: 1, maximum: 3653, description: "Minimum CloudWatch log retention in days when retention is set (LOG-04).", default: 365 } as PolicyConfigJSONSchema,
    approvedRegistries: stringList("Image registry prefixes workloads may pull from, e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/.", []),
    platformNamespaces: stringList("Namespaces owned by the platform (ingress controller, system add-ons).", DEFAULT_PLATFORM_NAMESPACES),
    breakGlassPrincipals: stringList("IAM ARNs / Kubernetes users allowed cluster-admin.", []),
    externalKmsKeyArns: stringList("Customer-managed KMS key ARNs declared outside this stack that count as KMS references.", [], { pattern: "^arn:aws[a-z-]*:kms:" }),
    databasePorts: { type: "array", items: { type: "integer", minimum: 1, maximum: 65535 }, uniqueItems: true, description: "Database ports that must only be reachable from security groups (NET-05).", default: [5432, 3306] } as PolicyConfigJSONSchema,
    externalSubnetIds: stringList("Private subnet ids declared outside this stack that are known to be isolated (STK-01/STK-02).", [], { pattern: "^subnet-" }),
    externalLoadBalancerArns: stringList("Load balancer ARNs declared outside this stack that a Web ACL may be associated with (EDGE-12).", [], { pattern: "^arn:aws[a-z-]*:elasticloadbalancing:" }),
    exemptBuckets: stringList("Bucket names exempted from SSE-KMS because the writing service requires SSE-S3 (ALB access logs); each entry 'bucket=TICKET-1: reason'.", [], { pattern: "^[^=]+=[A-Z][A-Z0-9]*-[0-9]+: .+" }),
    stackRole: { type: "string", enum: ["workload", "account-baseline"], description: "What this stack is: only the account-baseline stack must own account-level settings (STK-15).", default: "workload" } as PolicyConfigJSONSchema,
} satisfies Record<string, PolicyConfigJSONSchema>;

export type ConfigKey = keyof typeof configProps;

/** Builds a `configSchema` from shared keys (plus policy-specific fragments). Unknown keys are rejected. */
export function schemaOf(keys: ConfigKey[], extra: Record<string, PolicyConfigJSONSchema> = {}): PolicyConfigSchema {
    const properties: Record<string, PolicyConfigJSONSchema> = {};
    for (const k of keys) properties[k] = configProps[k];
    Object.assign(properties, extra);
    return { properties };
}

/** The policy's config with schema defaults filled in (the engine validates types; defaults are ours to apply). */
export function configOf<T = Record<string, any>>(args: { getConfig<C extends object>(): C }, schema?: PolicyConfigSchema): T {
    const out: Record<string, any> = {};
    for (const [k, s] of Object.entries(schema?.properties ?? {})) {
        if (typeof s === "object" && s.default !== undefined) out[k] = s.default;
    }
    let given: Record<string, any> = {};
    try {
        given = (args.getConfig?.() as Record<string, any>) ?? {};
    } catch {
        given = {};
    }
    for (const [k, v] of Object.entries(given)) if (v !== undefined && k !== "enforcementLevel") out[k] = v;
    return out as T;
}

// ---------------------------------------------------------------------------------------------
// Reporting and the policy builders.
// ---------------------------------------------------------------------------------------------

export interface Reporter {
    /** A violation at the policy's configured enforcement level. */
    (message: string, urn?: string): void;
    /** A violation that never blocks (a recommendation inside a mandatory control). */
    advisory(message: string, urn?: string): void;
}

/** The `reportViolation` object form (supported by @pulumi/policy's server) lets one violation carry its own level. */
function reportAt(report: ReportViolation, name: string, description: string, message: string, level: EnforcementLevel | undefined, urn?: string): void {
    if (level === undefined) {
        report(message, urn);
        return;
    }
    (report as unknown as (v: object) => void)({ name, description, message: `${description}\n${message}`, urn, enforcementLevel: level });
}

function makeReporter(report: ReportViolation, name: string, description: string, exempt?: Exemption): Reporter {
    const suffix = exempt ? ` [exempted by ${exempt.ticket}: ${exempt.reason}]` : "";
    const r = ((message: string, urn?: string) => reportAt(report, name, description, message + suffix, exempt ? "advisory" : undefined, urn)) as Reporter;
    r.advisory = (message: string, urn?: string) => reportAt(report, name, description, message + suffix, "advisory", urn);
    return r;
}

function isUnknownError(e: unknown): boolean {
    return e instanceof UnknownValueError || (e instanceof Error && e.constructor?.name === "UnknownValueError");
}

export interface ResourceCheckArgs {
    type: string;
    name: string;
    urn: string;
    /** Raw props: unknowns appear as sentinels (`isUnknown`) instead of throwing. */
    props: Props;
    /** The policy config with defaults applied. */
    config: Record<string, any>;
    /** The original @pulumi/policy args. */
    args: ResourceValidationArgs;
}

export interface ResourcePolicySpec {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    /** Exact type tokens (all aliases). */
    types: string[];
    configSchema?: PolicyConfigSchema;
    /** Rows marked "exemptable" in the catalogue honour `policy.exempt/<name>`. */
    exemptable?: boolean;
    validate: (a: ResourceCheckArgs, report: Reporter) => void | Promise<void>;
}

/**
 * `safe(name, validate)`: wraps a plain @pulumi/policy `validateResource` so that only a preview unknown
 * escapes (handled by @pulumi/policy as advisory); any other exception becomes a "malformed property"
 * violation instead of failing the whole preview. `resourcePolicy` applies it for you.
 */
export function safe(name: string, validate: ResourceValidation): ResourceValidation {
    return (args, reportViolation) => safeRun(name, () => validate(args, reportViolation), reportViolation);
}

async function safeRun(name: string, fn: () => unknown, report: ReportViolation, urn?: string): Promise<void> {
    try {
        await fn();
    } catch (e) {
        if (isUnknownError(e)) throw e;
        report(`malformed property: policy '${name}' could not evaluate this resource (${(e as Error)?.message ?? String(e)}); fix the property or report a pack bug.`, urn);
    }
}

export function resourcePolicy(spec: ResourcePolicySpec): ResourceValidationPolicy {
    const types = new Set(spec.types);
    const validateResource: ResourceValidation & { __pulumiType?: string } = async (args, reportViolation) => {
        if (!types.has(args.type)) return;
        const props = raw(args.props) ?? {};
        let exempt: Exemption | undefined;
        if (spec.exemptable) {
            const ex = exemption(props, spec.name);
            if (ex && "error" in ex) reportViolation(ex.error);
            else exempt = ex;
        }
        const report = makeReporter(reportViolation, spec.name, spec.description, exempt);
        const config = configOf(args, spec.configSchema);
        await safeRun(spec.name, () => spec.validate({ type: args.type, name: args.name, urn: args.urn, props, config, args }, report), reportViolation);
    };
    // @pulumi/policy skips a validator tagged with a single type for every other type before it
    // deserializes the resource (validateResourceOfType sets the same tag): most of the pack's cost.
    if (types.size === 1) validateResource.__pulumiType = spec.types[0];
    return { name: spec.name, description: spec.description, enforcementLevel: spec.enforcementLevel, configSchema: spec.configSchema, validateResource };
}

export interface StackCheckArgs {
    resources: PolicyResource[];
    config: Record<string, any>;
    args: StackValidationArgs;
}

export interface StackPolicySpec {
    name: string;
    description: string;
    enforcementLevel: EnforcementLevel;
    configSchema?: PolicyConfigSchema;
    validate: (a: StackCheckArgs, report: Reporter) => void | Promise<void>;
}

/**
 * Stack policies must not let one resource's unknown (or malformed) value hide every other resource's
 * result: use `each` inside `validate` to isolate per-resource checks.
 */
export function stackPolicy(spec: StackPolicySpec): StackValidationPolicy {
    return {
        name: spec.name,
        description: spec.description,
        enforcementLevel: spec.enforcementLevel,
        configSchema: spec.configSchema,
        validateStack: async (args, reportViolation) => {
            const report = makeReporter(reportViolation, spec.name, spec.description);
            const config = configOf(args, spec.configSchema);
            await safeRun(spec.name, () => spec.validate({ resources: args.resources, config, args }, report), reportViolation);
        },
    };
}

/**
 * Runs `check` for one stack resource: an unknown value skips only that resource (it is evaluated at
 * `up`); any other exception is reported as malformed against that resource's URN.
 */
export function each(r: PolicyResource, report: Reporter, check: (props: Props) => void): void {
    try {
        check(raw(r.props) ?? {});
    } catch (e) {
        if (isUnknownError(e)) return;
        report(`malformed property: could not evaluate ${r.urn} (${(e as Error)?.message ?? String(e)}).`, r.urn);
    }
}

/** The exemption of a stack resource for a policy, honoured by exemptable stack rows. */
export function reporterFor(report: Reporter, r: PolicyResource, policyName: string): Reporter {
    const ex = exemption(raw(r.props), policyName);
    if (!ex || "error" in ex) return report;
    const r2 = ((m: string, urn?: string) => report.advisory(`${m} [exempted by ${ex.ticket}: ${ex.reason}]`, urn)) as Reporter;
    r2.advisory = r2;
    return r2;
}
