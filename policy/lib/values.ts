import { isUnknown } from "./unknowns";

/**
 * Value helpers every policy shares. The one rule of the pack (issue #19 class 10): `undefined`, `null`, `""`,
 * whitespace-only strings and `[]` are all "not set" — a check asks `absent(v)`, never `v === undefined`.
 * None of these decide on preview unknowns: read the value through `read.ts` first.
 */

/** Not set: undefined, null, an empty or whitespace-only string, or an empty list. */
export function absent(v: unknown): boolean {
    if (v === undefined || v === null) return true;
    if (typeof v === "string") return v.trim() === "";
    if (Array.isArray(v)) return v.length === 0;
    return false;
}

/** The opposite of `absent`. */
export const present = (v: unknown): boolean => !absent(v);

/** null/undefined → [], array → itself, anything else → [v]. Unknown → [] (read it through `read.ts` first). */
export function asArray<T = any>(v: T | T[] | null | undefined): T[] {
    if (v === undefined || v === null) return [];
    if (isUnknown(v)) return [];
    return Array.isArray(v) ? v : [v];
}

/** The set entries of a list: drops absent entries (`""`, whitespace, null) so `[""]` counts as empty. */
export function presentItems<T = any>(v: T | T[] | null | undefined): T[] {
    return asArray(v).filter(present);
}

export function isTrue(v: unknown): boolean {
    return v === true || v === "true";
}

export function asNumber(v: unknown): number | undefined {
    if (typeof v === "number") return v;
    if (typeof v === "string" && v.trim() !== "" && !isNaN(Number(v))) return Number(v);
    return undefined;
}

/** A value as messages print it: strings quoted, anything else as JSON. */
export const quote = (v: unknown): string => JSON.stringify(v) ?? String(v);
