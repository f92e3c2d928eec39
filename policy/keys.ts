import { KmsKey } from "./lib/classes";
import { Policy, Props, resourcePolicy, resourcePolicyOf } from "./lib/builders";
import { conditionKeys, isWildcardPrincipal, parsePolicyDocument } from "./lib/iam";
import { need } from "./lib/read";
import { asArray, asNumber } from "./lib/values";

/** Catalogue section 7: KMS keys and who may use them. */

export const KMS_KEY = "aws:kms/key:Key";
export const KMS_ALIAS = "aws:kms/alias:Alias";

/** Asymmetric and HMAC keys cannot rotate automatically; only symmetric keys are held to KMS-01. */
export function isSymmetric(p: Props): boolean {
    const spec = p.keySpec ?? p.customerMasterKeySpec;
    return spec === undefined || spec === "SYMMETRIC_DEFAULT";
}

/** Why a key fails KMS-01, or undefined. */
export function rotationProblem(p: Props): string | undefined {
    if (!isSymmetric(p)) return undefined;
    if (need(p, "enableKeyRotation") !== true) return "has enableKeyRotation off (the default); set it to true";
    const period = asNumber(need(p, "rotationPeriodInDays"));
    if (period !== undefined && period > 365) return `rotates every ${period} days; rotate at least yearly (rotationPeriodInDays <= 365)`;
    return undefined;
}

const ACCOUNT_SCOPING = ["kms:calleraccount", "aws:principalorgid", "aws:principalaccount"];
const DECRYPT_ACTIONS = ["kms:decrypt", "kms:reencryptfrom", "kms:reencrypt*", "kms:*", "*"];

export const policies: Policy[] = [
    resourcePolicyOf({
        name: "kms-key-rotation-enabled",
        description: "KMS-01: symmetric customer-managed keys rotate automatically, at least yearly (AWS FSBP KMS.4; CIS-AWS 3.6).",
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
        description: "KMS-02: key policies never allow everyone without an account/org condition, and keep the lockout safety check (AWS FSBP KMS.5).",
        controls: ["KMS-02"],
        enforcementLevel: "mandatory",
        types: [KMS_KEY, "aws:kms/keyPolicy:KeyPolicy"],
        validate: ({ props }, report) => {
            if (need(props, "bypassPolicyLockoutSafetyCheck") === true) report("Remove bypassPolicyLockoutSafetyCheck: a bad policy could make the key unmanageable.");
            if (props.policy === undefined) return; // AWS default policy: the account root only
            const parsed = parsePolicyDocument(need(props, "policy"));
            if ("error" in parsed) {
                report(`The key ${parsed.error}; fix the policy document.`);
                return;
            }
            for (const s of parsed.statements) {
                if (s.Effect === "Allow" && isWildcardPrincipal(s.Principal) && !conditionKeys(s).some((k) => ACCOUNT_SCOPING.includes(k))) {
                    report(`Statement ${s.Sid ?? "(no Sid)"} allows Principal "*"; name the principals or add a kms:CallerAccount / aws:PrincipalOrgID condition.`);
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
            if (days !== undefined && days < 30) report(`deletionWindowInDays is ${days}; use 30 so a mistaken deletion can be cancelled.`);
        },
    }),
    resourcePolicy({
        name: "iam-no-wildcard-kms-decrypt",
        description: "KMS-04: IAM policies do not allow kms:Decrypt / ReEncrypt on every key (AWS FSBP KMS.1, KMS.2).",
        controls: ["KMS-04"],
        enforcementLevel: "advisory",
        types: ["aws:iam/policy:Policy", "aws:iam/rolePolicy:RolePolicy"],
        validate: ({ props }, report) => {
            const parsed = parsePolicyDocument(need(props, "policy"));
            if ("error" in parsed) {
                report(`The IAM ${parsed.error}; fix the policy document.`);
                return;
            }
            for (const s of parsed.statements) {
                const actions = asArray(s.Action).map((a) => String(a).toLowerCase());
                if (s.Effect === "Allow" && actions.some((a) => DECRYPT_ACTIONS.includes(a)) && asArray(s.Resource).includes("*")) {
                    report(`Statement ${s.Sid ?? "(no Sid)"} allows ${actions.filter((a) => DECRYPT_ACTIONS.includes(a)).join(", ")} on Resource "*"; list the key ARNs.`);
                }
            }
        },
    }),
];
