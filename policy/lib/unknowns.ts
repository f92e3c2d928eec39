import { UnknownValueError } from "@pulumi/policy";

/**
 * The one module that knows how @pulumi/policy represents a value that is not known during preview.
 * Everything else reads props through `read.ts`, which is built on these three facts:
 *
 *  1. The engine serialises an unknown input as a per-type sentinel string. @pulumi/policy declares them in
 *     `proxy.ts` (`unknownBooleanValue` … `unknownObjectValue`, marked @internal, so they cannot be imported):
 *     https://github.com/pulumi/pulumi-policy/blob/v1.21.0/sdk/nodejs/policy/proxy.ts
 *  2. Before calling `validateResource`, the server wraps props in `unknownCheckingProxy` (same file), which
 *     throws `UnknownValueError` on reading a sentinel. The pack strips that proxy (`raw`) so a check can report
 *     every violation among the known fields before it stops; the proxy exposes its target under the
 *     @internal keys `__isSpecialProxy` / `__getSpecialProxyTarget`.
 *  3. When a validator throws `UnknownValueError`, the server (server.ts) turns it into the advisory
 *     "can't run policy '<name>' during preview: string value at .<path> can't be known during preview"
 *     line; the real value is checked at `up`. `stopOnUnknown` throws that same error.
 */

// From @pulumi/policy v1.21.0 proxy.ts (`unknown<Type>Value`), which copies them from the engine.
const SENTINELS = {
    boolean: "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    number: "3eeb2bf0-c639-47a8-9e75-3b44932eb421",
    string: "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
    array: "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    asset: "030794c1-ac77-496b-92df-f27374a8bd58",
    archive: "e48ece36-62e2-4504-bad9-02848725956a",
    object: "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",
} as const;

export const UNKNOWN_SENTINELS: ReadonlySet<string> = new Set(Object.values(SENTINELS));

/** The string sentinel, for fixtures that model a preview. */
export const UNKNOWN = SENTINELS.string;

// From @pulumi/policy v1.21.0 proxy.ts (`isSpecialProxy`, `getSpecialProxyTarget`).
const IS_SPECIAL_PROXY = "__isSpecialProxy";
const GET_SPECIAL_PROXY_TARGET = "__getSpecialProxyTarget";

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

/** Strips @pulumi/policy's unknown-checking proxy so the pack sees (and decides on) unknown sentinels itself. */
export function raw<T>(v: T): T {
    if (v !== null && typeof v === "object") {
        const target = (v as any)[GET_SPECIAL_PROXY_TARGET];
        if (target !== undefined && (v as any)[IS_SPECIAL_PROXY] === true) return target as T;
    }
    return v;
}

/** Stops the running check the way @pulumi/policy stops it: an advisory "can't run policy during preview" naming `path`. */
export function stopOnUnknown(path: string): never {
    // The error joins its segments with ".", so one segment keeps `rules[0].name` exactly as the policy read it.
    throw new UnknownValueError(UNKNOWN, [path]);
}

/** The error `stopOnUnknown` (or @pulumi/policy's proxy) throws; the identity check survives two copies of the package. */
export function isUnknownError(e: unknown): boolean {
    return e instanceof UnknownValueError || (e instanceof Error && e.constructor?.name === "UnknownValueError");
}
