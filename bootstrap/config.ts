import { z } from "zod";
import { readConfigNamespace, validateConfig } from "../config";

/** The bootstrap project's own config namespace: `bootstrap:<key>` in bootstrap/Pulumi.<stack>.yaml. */
export const BOOTSTRAP_NAMESPACE = "bootstrap";

// No dots: a dotted bucket name breaks virtual-hosted-style TLS (the wildcard certificate covers one label).
const BUCKET_NAME = /^(?!xn--)(?!.*-s3alias$)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
// `alias/aws/*` is reserved for AWS-managed keys, which cannot be rotated or scoped (STK-04).
const KEY_ALIAS = /^(?!aws\/)[a-zA-Z0-9/_-]{1,250}$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
// Bucket-policy principals may use `*` (SSO role names end in a random suffix), never a bare `*`.
const PRINCIPAL_PATTERN = /^arn:aws(-[a-z]+)*:(iam|sts)::\d{12}:[\w+=,.@/*-]+$/;
const OIDC_PROVIDER_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

const bool = (fallback: boolean) =>
    z.preprocess(
        (v) => (v === "true" ? true : v === "false" ? false : v),
        z.boolean({ invalid_type_error: "must be true or false" }).default(fallback),
    );
const arnList = (re: RegExp, what: string) =>
    z.array(z.string().regex(re, `must be ${what}`), { invalid_type_error: "must be a list" });

/** Keys whose YAML value is a list (read as JSON). */
export const STRUCTURED_KEYS: ReadonlySet<string> = new Set([
    "breakGlassPrincipalArns",
    "stateReaderArns",
    "jenkinsDeployerTrustedArns",
    "jenkinsPreviewTrustedArns",
    "alertEmails",
]);

const days = (min: number, max: number, fallback: number) =>
    z.preprocess(
        (v) => (typeof v === "string" && /^\d+$/.test(v.trim()) ? Number(v) : v),
        z
            .number({ invalid_type_error: `must be a whole number of days between ${min} and ${max}` })
            .int(`must be a whole number of days between ${min} and ${max}`)
            .min(min, `must be between ${min} and ${max} days`)
            .max(max, `must be between ${min} and ${max} days`)
            .default(fallback),
    );

const schema = z
    .object({
        /** Globally unique; include the account id so nobody can squat the name in another account. */
        bucketName: z
            .string()
            .regex(BUCKET_NAME, "must be an S3 bucket name: 3-63 lowercase letters, digits or hyphens, no dots"),
        /** Alias (without `alias/`) of the key S3 encrypts state objects with. */
        stateKeyAlias: z
            .string()
            .regex(KEY_ALIAS, "must be a KMS alias name without the alias/ prefix, not under aws/")
            .default("pulumi-state"),
        /** Alias (without `alias/`) of the key every stack's secrets provider uses: awskms://alias/<this>. */
        secretsKeyAlias: z
            .string()
            .regex(KEY_ALIAS, "must be a KMS alias name without the alias/ prefix, not under aws/")
            .default("pulumi-secrets"),
        /**
         * The pipeline of record: `github` (default) creates the GitHub OIDC roles, `jenkins` the Jenkins
         * ones. The other pipeline gets no role, and scripts/pipeline-of-record.sh makes it skip deploys.
         */
        deployPipeline: z
            .enum(["github", "jenkins"], { errorMap: () => ({ message: "must be github or jenkins" }) })
            .default("github"),
        /** `<owner>/<repo>` whose workflows may assume the GitHub roles (the OIDC `sub` claim prefix). */
        githubRepository: z.string().regex(GITHUB_REPOSITORY, "must be <owner>/<repo> as on github.com").optional(),
        /** Existing GitHub OIDC provider of the account (one per URL per account); default: create it. */
        githubOidcProviderArn: z
            .string()
            .regex(OIDC_PROVIDER_ARN, "must be the ARN of the token.actions.githubusercontent.com OIDC provider")
            .optional(),
        /** May the PR-preview role decrypt this account's stack secrets? Needed for a real PR preview; never in prod. */
        previewDecryptsSecrets: bool(false),
        /** Jenkins agent roles that may assume platform-jenkins-deployer (the deploy agents of platform-<stack>-vpc). */
        jenkinsDeployerTrustedArns: arnList(ROLE_ARN, "IAM role ARNs").optional(),
        /** Jenkins agent roles that may assume platform-jenkins-preview (the agents that build pull requests). */
        jenkinsPreviewTrustedArns: arnList(ROLE_ARN, "IAM role ARNs").optional(),
        /** Who may assume platform-break-glass (e.g. the on-call admins' SSO role). Every use raises an alert. */
        breakGlassPrincipalArns: arnList(ROLE_ARN, "IAM role ARNs").min(
            1,
            "must name at least one role that may break glass",
        ),
        /** People's roles that may READ state (role ARN patterns; `*` allowed inside, e.g. SSO role suffixes). */
        stateReaderArns: arnList(PRINCIPAL_PATTERN, "IAM role ARNs or ARN patterns in this partition").default([]),
        /** E-mail addresses subscribed to the break-glass / state-tampering alert topic. */
        alertEmails: z
            .array(z.string().email("must be an e-mail address"), { invalid_type_error: "must be a list" })
            .default([]),
        /** How long superseded state versions are kept before S3 expires them. */
        noncurrentVersionDays: days(30, 3650, 365),
        /** Existing central S3 server-access-log bucket (SSE-S3; access logs cannot target SSE-KMS buckets). */
        accessLogsBucket: z
            .string()
            .regex(BUCKET_NAME, "must be an S3 bucket name: 3-63 lowercase letters, digits or hyphens, no dots")
            .optional(),
        owner: z.string().min(1, "must name the owning team"),
        costCentre: z.string().regex(/^[A-Za-z0-9-]{2,32}$/, "must be 2-32 letters, digits or dashes"),
        environment: z
            .string()
            .regex(/^[a-z][a-z0-9-]{1,31}$/, "must be a lowercase label such as dev or shared")
            .default("shared"),
    })
    .strict()
    .superRefine((c, ctx) => {
        if (c.stateKeyAlias === c.secretsKeyAlias)
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["secretsKeyAlias"],
                message: "must differ from stateKeyAlias (one key per purpose)",
            });
        if (c.accessLogsBucket === c.bucketName)
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["accessLogsBucket"],
                message: "must not be the state bucket itself",
            });
        if (c.deployPipeline === "github" && !c.githubRepository)
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["githubRepository"],
                message: "is required when deployPipeline is github (the OIDC trust names the repository)",
            });
        if (c.deployPipeline === "jenkins") {
            for (const key of ["jenkinsDeployerTrustedArns", "jenkinsPreviewTrustedArns"] as const)
                if (!c[key]?.length)
                    ctx.addIssue({
                        code: z.ZodIssueCode.custom,
                        path: [key],
                        message: "must name at least one Jenkins agent role when deployPipeline is jenkins",
                    });
            const shared = (c.jenkinsDeployerTrustedArns ?? []).find((a) =>
                (c.jenkinsPreviewTrustedArns ?? []).includes(a),
            );
            if (shared)
                ctx.addIssue({
                    code: z.ZodIssueCode.custom,
                    path: ["jenkinsPreviewTrustedArns"],
                    message: `must not share ${shared} with jenkinsDeployerTrustedArns: agents that build pull requests must not be able to assume the deployer`,
                });
        }
        if (c.previewDecryptsSecrets && c.environment === "prod")
            ctx.addIssue({
                code: z.ZodIssueCode.custom,
                path: ["previewDecryptsSecrets"],
                message: "must be false in prod: PR code runs with the preview role and must never read prod secrets",
            });
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
    return parseBootstrapConfig(readConfigNamespace(BOOTSTRAP_NAMESPACE, STRUCTURED_KEYS));
}
