import { PolicyConfigSchema } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { MIN_EKS_VERSION, TLS_POLICIES } from "../../lib/contract";

/**
 * Pack config: the shared keys (with the catalogue's defaults), their TypeScript types, and typed per-policy
 * schemas. A policy declares `configSchema: schemaOf(["approvedRegistries"], { extraKey: {...} })` and its
 * `validate` receives `config` typed as exactly those keys, defaults applied.
 */

type StringList = PolicyConfigJSONSchema & { type: "array"; items: { type: "string" } };

const stringList = (description: string, dflt: string[], extra: PolicyConfigJSONSchema = {}): StringList => ({
    type: "array",
    items: { ...extra, type: "string", minLength: 1 },
    uniqueItems: true,
    description,
    default: dflt,
});

export const DEFAULT_TLS_POLICIES: string[] = [...TLS_POLICIES];
export const DEFAULT_PLATFORM_NAMESPACES = [
    "kube-system",
    "nginx-gateway",
    "cert-manager",
    "external-dns",
    "aws-load-balancer-controller",
];

/** JSON-schema fragments for `configSchema.properties`; each carries its catalogue default. */
export const configProps = {
    allowedTlsPolicies: stringList(
        "ELB security policies an HTTPS/TLS listener may use (EDGE-02).",
        DEFAULT_TLS_POLICIES,
        { pattern: "^ELBSecurityPolicy-" },
    ),
    minEksVersion: {
        type: "string",
        pattern: "^[0-9]+\\.[0-9]+$",
        description: "Oldest EKS Kubernetes version allowed (EKS-04), major.minor.",
        default: MIN_EKS_VERSION,
    },
    minBackupRetentionDays: {
        type: "integer",
        minimum: 1,
        maximum: 35,
        description: "Minimum RDS automated-backup retention in days (RDS-06).",
        default: 7,
    },
    minLogRetentionDays: {
        type: "integer",
        minimum: 1,
        maximum: 3653,
        description: "Minimum CloudWatch log retention in days when retention is set (LOG-04).",
        default: 365,
    },
    approvedRegistries: stringList(
        "Image registry prefixes workloads may pull from, e.g. 111122223333.dkr.ecr.eu-west-1.amazonaws.com/.",
        [],
    ),
    platformNamespaces: stringList(
        "Namespaces owned by the platform (ingress controller, system add-ons).",
        DEFAULT_PLATFORM_NAMESPACES,
    ),
    breakGlassPrincipals: stringList("IAM ARNs / Kubernetes users allowed cluster-admin.", []),
    externalKmsKeyArns: stringList(
        "Customer-managed KMS key ARNs declared outside this stack that count as KMS references.",
        [],
        { pattern: "^arn:aws[a-z-]*:kms:" },
    ),
    databasePorts: {
        type: "array",
        items: { type: "integer", minimum: 1, maximum: 65535 },
        uniqueItems: true,
        description: "Database ports that must only be reachable from security groups (NET-05).",
        default: [5432, 3306],
    },
    externalSubnetIds: stringList(
        "Private subnet ids declared outside this stack that are known to be isolated (STK-01/STK-02).",
        [],
        { pattern: "^subnet-" },
    ),
    externalLoadBalancerArns: stringList(
        "Load balancer ARNs declared outside this stack that a Web ACL may be associated with (EDGE-12).",
        [],
        { pattern: "^arn:aws[a-z-]*:elasticloadbalancing:" },
    ),
    exemptBuckets: stringList(
        "Bucket names exempted from SSE-KMS because the writing service requires SSE-S3 (ALB access logs); each entry 'bucket=TICKET-1: reason'.",
        [],
        { pattern: "^[^=]+=[A-Z][A-Z0-9]*-[0-9]+: .+" },
    ),
    accountIds: stringList(
        "The AWS account ids this stack deploys to: principals of other accounts may not write to its buckets (STO-13).",
        [],
        { pattern: "^[0-9]{12}$" },
    ),
    stackRole: {
        type: "string",
        enum: ["workload", "account-baseline"],
        description: "What this stack is: only the account-baseline stack must own account-level settings (STK-15).",
        default: "workload",
    },
} satisfies Record<string, PolicyConfigJSONSchema>;

export type ConfigKey = keyof typeof configProps;

/** The TypeScript type a JSON-schema fragment describes (the subset the pack uses). */
export type FromSchema<S> = S extends { enum: readonly (infer E)[] }
    ? E
    : S extends { type: "array"; items: infer I }
      ? FromSchema<I>[]
      : S extends { type: "object"; properties: infer P }
        ? { [K in keyof P]?: FromSchema<P[K]> }
        : S extends { type: "boolean" }
          ? boolean
          : S extends { type: "integer" | "number" }
            ? number
            : S extends { type: "string" }
              ? string
              : unknown;

/** Every shared key with its type. */
export type PackConfig = { [K in ConfigKey]: FromSchema<(typeof configProps)[K]> };

/** The config of a policy without a schema. */
export type NoConfig = Record<never, never>;

/** A config schema that remembers the TypeScript type of the config it describes. */
export type TypedSchema<C> = PolicyConfigSchema & { readonly __config?: C };

/**
 * Builds a `configSchema` from shared keys plus policy-specific fragments (declare those `as const` or inline
 * so their literal types survive). Unknown keys are rejected by the engine.
 */
export function schemaOf<const K extends ConfigKey, const X extends Record<string, PolicyConfigJSONSchema> = NoConfig>(
    keys: readonly K[],
    extra?: X,
): TypedSchema<Pick<PackConfig, K> & { [P in keyof X]: FromSchema<X[P]> }> {
    const properties: Record<string, PolicyConfigJSONSchema> = {};
    for (const k of keys) properties[k] = configProps[k] as PolicyConfigJSONSchema;
    Object.assign(properties, extra ?? {});
    return { properties };
}

/** The policy's config with schema defaults filled in (the engine validates types; defaults are ours to apply). */
export function configOf<C = Record<string, unknown>>(
    args: { getConfig<T extends object>(): T },
    schema?: TypedSchema<C> | PolicyConfigSchema,
): C {
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
    return out as C;
}
