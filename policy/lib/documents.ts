import { parsePolicyDocument, Statement } from "./iam";
import { Reads, SKIP } from "./read";
import { isUnknown } from "./unknowns";
import { absent, asArray } from "./values";
import { TYPES } from "../../lib/contract";

/**
 * Where IAM identity-policy documents live, across every resource type that can express one (issue #19 class 1),
 * and the statement tests the IAM, KMS and S3 rows share. Actions, resources and principals are matched the way
 * IAM matches them: case-insensitive actions with `*` / `?` wildcards, `NotAction` / `NotResource` as "everything but".
 */

/** Types that carry an identity-policy document: the standalone policies and the role's inline policies. */
export const IDENTITY_POLICY_TYPES = [
    TYPES.iamPolicy,
    TYPES.iamRolePolicy,
    TYPES.iamUserPolicy,
    TYPES.iamGroupPolicy,
    TYPES.iamRole,
];
/** Types that attach a managed policy (by ARN) to a principal. */
export const ATTACHMENT_TYPES = [
    TYPES.iamRolePolicyAttachment,
    TYPES.iamUserPolicyAttachment,
    TYPES.iamGroupPolicyAttachment,
    TYPES.iamPolicyAttachment,
];

export interface Document {
    /** Display path of the document (`policy`, `inlinePolicies[0].policy`). */
    at: string;
    value: unknown;
}

/** The identity-policy documents of one resource; unknown documents are recorded on `reads` and left out. */
export function identityDocuments(type: string, props: Record<string, any>, reads: Reads): Document[] {
    if (type === TYPES.iamRole) {
        const inline = reads.read(props, "inlinePolicies");
        if (inline === SKIP) return [];
        return asArray(inline).flatMap((p: any, i: number) => {
            const doc = reads.read(p, "policy", `inlinePolicies[${i}]`);
            return doc === SKIP || absent(doc) ? [] : [{ at: `inlinePolicies[${i}].policy`, value: doc }];
        });
    }
    const doc = reads.read(props, "policy");
    return doc === SKIP || absent(doc) ? [] : [{ at: "policy", value: doc }];
}

/** Statements of a document, or the parse error; an unknown anywhere inside is recorded and yields none. */
export function statementsOf(doc: Document, reads: Reads): Statement[] | { error: string } {
    const parsed = parsePolicyDocument(doc.value);
    if ("error" in parsed) return parsed;
    if (parsed.statements.some((s) => containsSentinel(s))) {
        reads.is(unknownMarker, doc.at);
        return [];
    }
    return parsed.statements;
}

/**
 * One line per statement of a resource's identity-policy documents that `why` finds a problem with
 * (`<document> Statement <sid> <why>`), and one per document that cannot be parsed.
 */
export function statementProblems(
    type: string,
    props: Record<string, any>,
    reads: Reads,
    why: (s: Statement) => string | undefined,
): string[] {
    const out: string[] = [];
    for (const doc of identityDocuments(type, props, reads)) {
        const statements = statementsOf(doc, reads);
        if ("error" in statements) {
            out.push(`${doc.at}: the ${statements.error}`);
            continue;
        }
        statements.forEach((s, i) => {
            const problem = why(s);
            if (problem) out.push(`${doc.at} ${label(s, i)} ${problem}`);
        });
    }
    return out;
}

const unknownMarker = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
function containsSentinel(v: unknown): boolean {
    if (isUnknown(v)) return true;
    if (Array.isArray(v)) return v.some(containsSentinel);
    if (v !== null && typeof v === "object") return Object.values(v).some(containsSentinel);
    return false;
}

/** IAM's glob: `*` any run, `?` one character; actions compare case-insensitively. */
export function globMatch(pattern: string, value: string, caseInsensitive = true): boolean {
    const esc = pattern
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${esc}$`, caseInsensitive ? "i" : "").test(value);
}

export const isAllow = (s: Statement) => String(s.Effect ?? "").toLowerCase() === "allow";

/** The actions a statement grants as patterns; `NotAction` grants "everything but", reported as `*`. */
export function grantedActions(s: Statement): string[] {
    if (s.NotAction !== undefined) return ["*"];
    return asArray(s.Action).map(String);
}

/** True when the statement applies to every resource (`Resource: "*"`, or any `NotResource`). */
export function onAllResources(s: Statement): boolean {
    if (s.NotResource !== undefined) return true;
    return asArray(s.Resource).some((r) => r === "*" || r === "arn:aws:*:*:*:*" || r === "arn:*:*:*:*:*");
}

/** Does any granted action pattern cover `action` (e.g. `kms:*` covers `kms:Decrypt`)? */
export function grants(s: Statement, action: string): boolean {
    return grantedActions(s).some((a) => globMatch(a, action));
}

/** `*`, `*:*` or a NotAction: every action of every service. */
export function grantsEverything(s: Statement): boolean {
    return grantedActions(s).some((a) => a === "*" || a === "*:*");
}

/** Service-wide wildcards among the granted actions: `s3:*`, `IAM:*`. */
export function serviceWildcards(s: Statement): string[] {
    return grantedActions(s).filter((a) => /^[a-z0-9-]+:\*$/i.test(a));
}

/** Twelve-digit account of an AWS principal entry (`123456789012`, `arn:aws:iam::123456789012:role/x`); undefined for `*`. */
export function accountOf(principal: string): string | undefined {
    if (/^\d{12}$/.test(principal)) return principal;
    return /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

/** The `AWS` entries of a Principal (`"*"` counts as one). */
export function awsPrincipals(principal: unknown): string[] {
    if (principal === "*") return ["*"];
    if (principal && typeof principal === "object") return asArray((principal as any).AWS).map(String);
    return [];
}

/** Condition values under `key` (case-insensitive) for the given operators (all operators when omitted). */
export function conditionValues(s: Statement, key: string, operators?: string[]): string[] {
    const out: string[] = [];
    for (const [op, block] of Object.entries(s.Condition ?? {})) {
        if (operators && !operators.some((o) => o.toLowerCase() === op.toLowerCase().replace(/ifexists$/, "")))
            continue;
        if (!block || typeof block !== "object") continue;
        for (const [k, v] of Object.entries(block))
            if (k.toLowerCase() === key.toLowerCase()) out.push(...asArray(v).map(String));
    }
    return out;
}

export const label = (s: Statement, i: number) => `Statement ${s.Sid ? JSON.stringify(s.Sid) : `[${i}]`}`;
