import { KmsKey } from "./lib/classes";
import { Policy, Props, resourcePolicy, resourcePolicyOf } from "./lib/builders";
import { schemaOf } from "./lib/config";
import {
    conditionValues,
    grants,
    IDENTITY_POLICY_TYPES,
    isAllow,
    label,
    onAllResources,
    statementProblems,
    statementsOf,
} from "./lib/documents";
import { conditionKeys, isWildcardPrincipal, parsePolicyDocument, Statement } from "./lib/iam";
import { need, Reads, SKIP } from "./lib/read";
import { absent, asArray, asNumber } from "./lib/values";
import { TYPES } from "../lib/contract";

/** Catalogue section 7: KMS keys and who may use them. */

/** Asymmetric and HMAC keys cannot rotate automatically; only symmetric keys are held to KMS-01. */
export function isSymmetric(p: Props): boolean {
    const spec = p.keySpec ?? p.customerMasterKeySpec;
    return absent(spec) || spec === "SYMMETRIC_DEFAULT";
}

/** Why a key fails KMS-01, or undefined. */
export function rotationProblem(p: Props): string | undefined {
    if (!isSymmetric(p)) return undefined;
    if (need(p, "enableKeyRotation") !== true) return "has enableKeyRotation off (the default); set it to true";
    const period = asNumber(need(p, "rotationPeriodInDays"));
    if (period !== undefined && period > 365)
        return `rotates every ${period} days; rotate at least yearly (rotationPeriodInDays <= 365)`;
    return undefined;
}

const ACCOUNT_SCOPING = ["kms:calleraccount", "aws:principalorgid", "aws:principalaccount"];

/** Decrypt actions KMS.1 / KMS.2 look for. */
const DECRYPT_ACTIONS = ["kms:Decrypt", "kms:ReEncryptFrom"];

/** Problems of KMS-04 in the identity-policy documents of one resource. */
function wildcardDecrypts(type: string, props: Props, reads: Reads): string[] {
    return statementProblems(type, props, reads, (s) => {
        if (!isAllow(s)) return undefined;
        const actions = DECRYPT_ACTIONS.filter((a) => grants(s, a));
        const everyKey =
            onAllResources(s) ||
            asArray(s.Resource).some(
                (r) => /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:(key\/)?\*$/.test(String(r)) || String(r) === "arn:aws:kms:*",
            );
        return actions.length > 0 && everyKey ? `allows ${actions.join(", ")} on every key` : undefined;
    });
}

/** The CloudWatch Logs service principal in a key policy statement (`logs.<region>.amazonaws.com`). */
const isLogsService = (principal: unknown) =>
    asArray((principal as any)?.Service).some((p) => /^logs(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/.test(String(p)));
const LOGS_CONTEXT = "kms:EncryptionContext:aws:logs:arn";

/** Why a key policy statement lets CloudWatch Logs use the key for any account's log group, or undefined. */
export function logsContextProblem(s: Statement, accountIds: readonly string[] = []): string | undefined {
    if (!isAllow(s) || !isLogsService(s.Principal)) return undefined;
    const values = conditionValues(s, LOGS_CONTEXT, ["ArnLike", "ArnEquals", "StringLike", "StringEquals"]);
    if (values.length === 0) return `has no ArnLike condition on ${LOGS_CONTEXT}`;
    const loose = values.filter((v) => !/^arn:aws[a-z-]*:logs:[a-z0-9-*]+:\d{12}:log-group:/.test(v));
    if (loose.length > 0) return `accepts log groups of any account (${loose.join(", ")})`;
    const foreign = accountIds.length === 0 ? [] : values.filter((v) => !accountIds.includes(v.split(":")[4]));
    return foreign.length > 0
        ? `names log groups of another account (${foreign.join(", ")}; accountIds is ${accountIds.join(", ")})`
        : undefined;
}

export const policies: Policy[] = [
    resourcePolicyOf({
        name: "kms-key-rotation-enabled",
        description:
            "KMS-01: symmetric customer-managed keys rotate automatically, at least yearly (AWS FSBP KMS.4; CIS-AWS 3.6).",
        controls: ["KMS-01"],
        enforcementLevel: "mandatory",
        of: KmsKey,
        validate: ({ props }, report) => {
            const problem = rotationProblem(props);
            if (problem) report(`The key ${problem}.`);
        },
    }),
    resourcePolicy({
        name: "kms-key-policy-not-public",
        description:
            "KMS-02: key policies never allow everyone without an account/org condition, and keep the lockout safety check (AWS FSBP KMS.5).",
        controls: ["KMS-02"],
        enforcementLevel: "mandatory",
        types: [TYPES.kmsKey, TYPES.kmsKeyPolicy],
        validate: ({ props }, report) => {
            if (need(props, "bypassPolicyLockoutSafetyCheck") === true)
                report("Remove bypassPolicyLockoutSafetyCheck: a bad policy could make the key unmanageable.");
            if (absent(props.policy)) return; // AWS default policy: the account root only
            const parsed = parsePolicyDocument(need(props, "policy"));
            if ("error" in parsed) {
                report(`The key ${parsed.error}; fix the policy document.`);
                return;
            }
            for (const s of parsed.statements) {
                if (
                    s.Effect === "Allow" &&
                    isWildcardPrincipal(s.Principal) &&
                    !conditionKeys(s).some((k) => ACCOUNT_SCOPING.includes(k))
                ) {
                    report(
                        `Statement ${s.Sid ?? "(no Sid)"} allows Principal "*"; name the principals or add a kms:CallerAccount / aws:PrincipalOrgID condition.`,
                    );
                }
            }
        },
    }),
    resourcePolicyOf({
        name: "kms-deletion-window",
        description: "KMS-03: keys keep the full 30-day deletion window (AWS FSBP KMS.3).",
        controls: ["KMS-03"],
        enforcementLevel: "advisory",
        of: KmsKey,
        validate: ({ props }, report) => {
            const days = asNumber(need(props, "deletionWindowInDays"));
            if (days !== undefined && days < 30)
                report(`deletionWindowInDays is ${days}; use 30 so a mistaken deletion can be cancelled.`);
        },
    }),
    resourcePolicy({
        name: "iam-no-wildcard-kms-decrypt",
        description:
            "KMS-04: no identity policy (managed, role, user, group or a role's inline policies) allows kms:Decrypt / kms:ReEncryptFrom on every key (AWS FSBP KMS.1, KMS.2).",
        controls: ["KMS-04"],
        exemptable: true, // the IaC deployer role: documented exemption tag with ticket (bootstrap/identities.ts)
        enforcementLevel: "mandatory",
        types: IDENTITY_POLICY_TYPES,
        validate: ({ type, props, reads }, report) => {
            for (const problem of wildcardDecrypts(type, props, reads))
                report(`${problem}: list the key ARNs the principal decrypts with.`);
        },
    }),
    resourcePolicy({
        name: "kms-logs-key-encryption-context",
        description:
            "KMS-05: a key policy lets CloudWatch Logs use the key only for this account's log groups (ArnLike kms:EncryptionContext:aws:logs:arn on arn:aws:logs:<region>:<account>:log-group:…) (AWS CloudWatch Logs encrypt-log-data guide; confused-deputy prevention).",
        controls: ["KMS-05"],
        enforcementLevel: "mandatory",
        types: [TYPES.kmsKey, TYPES.kmsKeyPolicy],
        configSchema: schemaOf(["accountIds"]),
        validate: ({ props, config, reads }, report) => {
            const doc = reads.read(props, "policy");
            if (doc === SKIP || absent(doc)) return;
            const statements = statementsOf({ at: "policy", value: doc }, reads);
            if ("error" in statements) return; // reported by kms-key-policy-not-public
            statements.forEach((s, i) => {
                const problem = logsContextProblem(s, config.accountIds);
                if (problem)
                    report(
                        `${label(s, i)} grants the CloudWatch Logs service the key but ${problem}: add ArnLike { "${LOGS_CONTEXT}": "arn:aws:logs:<region>:<account>:log-group:*" }.`,
                    );
            });
        },
    }),
];
