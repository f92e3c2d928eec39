import { Policy, resourcePolicy } from "../lib/builders";
import { objectsOf, pathIn, podsOf, withVariants, WORKLOAD_SHAPES } from "../lib/k8s";
import { SKIP } from "../lib/read";
import { absent, asArray } from "../lib/values";
import { TYPES } from "../../lib/contract";

/**
 * Catalogue K8S-32 (issue #19 class 8): credentials never sit in plain configuration. A ConfigMap is readable by
 * everyone with `get configmaps` (the team viewer role), lands unencrypted in state and in `kubectl describe`, and is
 * not rotated: passwords, tokens, private keys and URLs with credentials belong in Secrets Manager (read through
 * IRSA). Messages carry only a redacted excerpt of the value.
 */

/** A key's words: `dbPassword`, `DB_PASSWORD`, `db-password` and `db.password` all give ["db", "password"]. */
const words = (key: string) =>
    key
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .toLowerCase()
        .split(/[^a-z0-9]+/)
        .filter((w) => w !== "");

/** Words that announce a credential, and pairs that do (`api key`, `private key`, `client secret`). */
const SECRET_WORDS = new Set([
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "credential",
    "credentials",
    "apikey",
    "bearer",
    "privatekey",
    "accesskey",
    "secretkey",
]);
const SECRET_PAIRS = new Set([
    "api key",
    "private key",
    "access key",
    "secret key",
    "client secret",
    "auth key",
    "signing key",
    "session key",
    "encryption key",
    "master key",
]);

/** A last word that makes the key point at or describe a credential (`DB_PASSWORD_SECRET_ARN`, `TOKEN_TTL`, `PASSWORD_FILE`). */
const REFERENCE_WORDS = new Set([
    "arn",
    "name",
    "id",
    "path",
    "file",
    "ref",
    "url",
    "uri",
    "endpoint",
    "ttl",
    "length",
    "min",
    "max",
    "policy",
    "rotation",
    "expiry",
    "expires",
    "header",
    "issuer",
    "audience",
    "type",
    "enabled",
    "mode",
    "env",
    "var",
]);

function secretKey(key: string): boolean {
    const w = words(key);
    if (w.length === 0 || REFERENCE_WORDS.has(w[w.length - 1])) return false;
    return w.some((x) => SECRET_WORDS.has(x)) || w.slice(1).some((x, i) => SECRET_PAIRS.has(`${w[i]} ${x}`));
}

/** Values that are credentials whatever the key (well-known token formats and key material). */
const SECRET_VALUES: Array<[string, RegExp]> = [
    ["a private key", /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/],
    ["an AWS access key id", /\b(AKIA|ASIA)[0-9A-Z]{16}\b/],
    ["a GitHub token", /\bgh[pousr]_[A-Za-z0-9]{36,}\b|\bgithub_pat_[A-Za-z0-9_]{22,}\b/],
    ["a Slack token", /\bxox[abprs]-[A-Za-z0-9-]{10,}/],
    ["a JSON Web Token", /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
    ["a URL with a password", /\b[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i],
    ["a password assignment", /\b(password|passwd|pwd|secret|token)\s*[=:]\s*["']?[^\s"'&;,]{4,}/i],
];

/** Values that name or configure a credential rather than being one. */
function harmlessValue(v: string): boolean {
    const t = v.trim();
    return (
        absent(t) ||
        /^(true|false|yes|no|on|off|null|none|required|optional|disabled|enabled)$/i.test(t) ||
        /^-?\d+(\.\d+)?[a-z]{0,3}$/i.test(t) || // numbers, durations, sizes
        /^arn:aws[a-z-]*:/.test(t) || // a Secrets Manager / SSM / KMS reference
        /^\$\{[^}]+\}$|^\$\([^)]+\)$/.test(t) || // an env / template reference
        /^(\/|\.\/)[\w./-]*$/.test(t) || // a mounted file path
        (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) && !/:\/\/[^/\s@]*:[^/\s@]*@/.test(t)) // a URL without userinfo
    );
}

/** A redacted excerpt: the first two characters and the length; a URL keeps its scheme and host. */
export function redact(value: string): string {
    const url = /^([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):[^/\s@]+@([^/\s]+)/i.exec(value);
    if (url) return `${url[1]}${url[2].slice(0, 1)}…:***@${url[3]}`;
    const pem = /-----BEGIN [A-Z ]*PRIVATE KEY[A-Z ]*-----/.exec(value);
    if (pem) return `${pem[0]}…`;
    const t = value.trim();
    return `${JSON.stringify(t.slice(0, 2) + "…")} (${t.length} characters)`;
}

/** Why a ConfigMap entry looks like a credential, or undefined. */
export function credentialIn(key: string, value: unknown): string | undefined {
    if (typeof value !== "string") return undefined;
    for (const [what, re] of SECRET_VALUES) if (re.test(value)) return what;
    if (secretKey(key) && !harmlessValue(value)) return "a credential (by its key name)";
    return undefined;
}

const configMapNoCredentials = resourcePolicy({
    name: "k8s-configmap-no-credentials",
    description:
        "K8S-32: ConfigMaps hold no credentials: no key or value that looks like a password, token, private key, access key or URL with credentials (ConfigMap, ConfigMapPatch, ConfigMapList, rendered YAML/Helm alike); messages show only a redacted excerpt (CIS-K8s 5.4.1; NSA secrets).",
    controls: ["K8S-32"],
    enforcementLevel: "mandatory",
    types: withVariants(TYPES.k8sConfigMap),
    validate: (a, report) => {
        const u = a.reads;
        for (const obj of objectsOf(a.type, a.props, u)) {
            for (const field of ["data", "binaryData"]) {
                const entries = u.read(obj.props, field, obj.at);
                if (entries === SKIP || entries === null || typeof entries !== "object") continue;
                for (const [key, value] of Object.entries(entries as Record<string, unknown>)) {
                    const where = pathIn(obj.at, `${field}["${key}"]`);
                    if (u.is(value, where)) continue;
                    const text =
                        field === "binaryData" && typeof value === "string"
                            ? Buffer.from(value, "base64").toString("utf8")
                            : value;
                    const what = credentialIn(key, text);
                    if (what)
                        report(
                            `${where} holds ${what} (${redact(String(text))}): move it to AWS Secrets Manager and read it through IRSA, never a ConfigMap.`,
                        );
                }
            }
        }
    },
});

const envNoLiteralCredentials = resourcePolicy({
    name: "k8s-env-no-literal-credentials",
    description:
        "K8S-39: container env values hold no credentials: a literal `value` that looks like a password, token, private key, access key or URL with credentials (same tests as K8S-32) is readable by anyone who can get the workload and sits in state; reference a secret instead (every workload kind, its Patch and List shapes, init and ephemeral containers; CIS-K8s 5.4.1; NSA secrets).",
    controls: ["K8S-39"],
    enforcementLevel: "mandatory",
    types: [...WORKLOAD_SHAPES],
    validate: (a, report) => {
        const u = a.reads;
        for (const pod of podsOf(a.type, a.props, u)) {
            for (const c of pod.containers) {
                const env = u.read(c.spec, "env", c.path);
                if (env === SKIP) continue;
                asArray(env).forEach((e: unknown, i: number) => {
                    const where = `${c.path}.env[${i}]`;
                    const name = u.read(e, "name", where);
                    const value = u.read(e, "value", where);
                    if (name === SKIP || value === SKIP) return;
                    const what = credentialIn(String(name ?? ""), value);
                    if (what)
                        report(
                            `${c.label} env ${JSON.stringify(name)} (${where}.value) holds ${what} (${redact(String(value))}): store it in AWS Secrets Manager and read it through IRSA, never a literal env value.`,
                        );
                });
            }
        }
    },
});

export const policies: Policy[] = [configMapNoCredentials, envNoLiteralCredentials];
