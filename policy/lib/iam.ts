import { asArray } from "./values";
import { raw } from "./unknowns";

/** IAM-style policy documents (bucket, key, repository and IAM policies). */

export interface Statement {
    Sid?: string;
    Effect?: string;
    Principal?: unknown;
    NotPrincipal?: unknown;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    NotResource?: string | string[];
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
