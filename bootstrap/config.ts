import { z } from "zod";
import { readConfigNamespace, validateConfig } from "../config";

/** The bootstrap project's own config namespace: `bootstrap:<key>` in bootstrap/Pulumi.<stack>.yaml. */
export const BOOTSTRAP_NAMESPACE = "bootstrap";

// No dots: a dotted bucket name breaks virtual-hosted-style TLS (the wildcard certificate covers one label).
const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
// `alias/aws/*` is reserved for AWS-managed keys, which cannot be rotated or scoped (STK-04).
const KEY_ALIAS = /^(?!aws\/)[a-zA-Z0-9/_-]{1,250}$/;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

const days = (min: number, max: number, fallback: number) =>
    z.preprocess(
        (v) => (typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v),
        z.number({ invalid_type_error: `must be a whole number of days between ${min} and ${max}` })
            .int(`must be a whole number of days between ${min} and ${max}`)
            .min(min, `must be between ${min} and ${max} days`)
            .max(max, `must be between ${min} and ${max} days`)
            .default(fallback),
    );

const schema = z
    .object({
        /** Globally unique; include the account id so nobody can squat the name in another account. */
        bucketName: z.string().regex(BUCKET_NAME, "must be an S3 bucket name: 3-63 lowercase letters, digits or hyphens, no dots"),
        /** Alias (without `alias/`) of the key S3 encrypts state objects with. */
        stateKeyAlias: z.string().regex(KEY_ALIAS, "must be a KMS alias name without the alias/ prefix, not under aws/").default("pulumi-state"),
        /** Alias (without `alias/`) of the key every stack's secrets provider uses: awskms://alias/<this>. */
        secretsKeyAlias: z.string().regex(KEY_ALIAS, "must be a KMS alias name without the alias/ prefix, not under aws/").default("pulumi-secrets"),
        /** Existing role that runs `pulumi up`; gets the read-write state policy attached. */
        ciDeployerRoleName: z.string().regex(ROLE_NAME, "must be an IAM role name (not an ARN)").optional(),
        /** Existing role that runs `pulumi preview`; gets the read-only state policy attached. */
        ciPreviewRoleName: z.string().regex(ROLE_NAME, "must be an IAM role name (not an ARN)").optional(),
        /** How long superseded state versions are kept before S3 expires them. */
        noncurrentVersionDays: days(30, 3650, 365),
        /** Existing central S3 server-access-log bucket (SSE-S3; access logs cannot target SSE-KMS buckets). */
        accessLogsBucket: z.string().regex(BUCKET_NAME, "must be an S3 bucket name: 3-63 lowercase letters, digits or hyphens, no dots").optional(),
        owner: z.string().min(1, "must name the owning team"),
        costCentre: z.string().regex(/^[A-Za-z0-9-]{2,32}$/, "must be 2-32 letters, digits or dashes"),
        environment: z.string().regex(/^[a-z][a-z0-9-]{1,31}$/, "must be a lowercase label such as dev or shared").default("shared"),
    })
    .strict()
    .superRefine((c, ctx) => {
        if (c.stateKeyAlias === c.secretsKeyAlias)
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["secretsKeyAlias"], message: "must differ from stateKeyAlias (one key per purpose)" });
        if (c.accessLogsBucket === c.bucketName)
            ctx.addIssue({ code: z.ZodIssueCode.custom, path: ["accessLogsBucket"], message: "must not be the state bucket itself" });
    });

export type BootstrapConfig = z.infer<typeof schema>;

const KNOWN_KEYS = Object.keys(schema.innerType().shape);

/**
 * Validates raw `bootstrap:*` values (strings, as Pulumi hands them over). Throws one ConfigError
 * that names the key, the value it got and what is allowed (the platform's validateConfig).
 */
export function parseBootstrapConfig(raw: Record<string, unknown>): BootstrapConfig {
    return validateConfig(schema, BOOTSTRAP_NAMESPACE, KNOWN_KEYS, raw);
}

/** Reads and validates the stack's `bootstrap:*` config, before any resource is declared. */
export function loadBootstrapConfig(): BootstrapConfig {
    return parseBootstrapConfig(readConfigNamespace(BOOTSTRAP_NAMESPACE));
}
