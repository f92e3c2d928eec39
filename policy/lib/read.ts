import { containsUnknown, isUnknown, raw, stopOnUnknown } from "./unknowns";

/**
 * The pack's one way to read a value that may be unknown at preview. Every read names the path it reads, so
 * the advisory "cannot be known during preview" line names the field, and an unknown is never mistaken
 * for "absent":
 *
 *  - `need(from, path)`  the value, or stop the check here (advisory; re-evaluated at `up`). Report the
 *                        violations of known fields before calling it.
 *  - `reads.read(from, path)`  the value, or `SKIP` after recording the path: the check goes on with the
 *                        other fields, and the policy builder stops it at the end (`settle`).
 *  - `reads.is(v, at)`   the same record-and-go-on for a value a helper computed (an annotation, the
 *                        effective security context).
 *
 * `at` prefixes the recorded path when `from` is not the resource root (e.g. `spec.template.spec.containers[0]`).
 */

/** Returned by `Reads.read` for a value unknown at preview (the path is recorded). */
export const SKIP: unique symbol = Symbol("unknown at preview");
export type Skip = typeof SKIP;

/** Safe path read: `get(props, "vpcConfig.subnetIds")`, `get(props, "rules[0].statement")`; undefined for a missing step, the sentinel if a step is unknown. */
export function get(obj: unknown, path: string): any {
    let cur: any = raw(obj);
    for (const step of steps(path)) {
        if (isUnknown(cur)) return cur;
        if (cur === null || typeof cur !== "object") return undefined;
        cur = cur[step];
    }
    return cur;
}

function steps(path: string): string[] {
    return path.split(/\.|\[(\d+)\]|\["([^"]+)"\]/).filter((s) => s !== undefined && s !== "");
}

const join = (at: string | undefined, path: string) =>
    at === undefined || at === "" ? path : path === "" ? at : path.startsWith("[") ? `${at}${path}` : `${at}.${path}`;

/** The value at `path` under `from`; a preview unknown in it stops the check, naming `at` + `path`. `need(v, "", at)` checks a value already held. */
export function need<T = any>(from: unknown, path: string, at?: string): T {
    const v = get(from, path);
    if (containsUnknown(v)) stopOnUnknown(join(at, path));
    return v;
}

/** Records the preview unknowns a check meets so it can report every known violation before it stops. */
export class Reads {
    private readonly paths: string[] = [];

    /** See `need`: stops the check now. */
    need<T = any>(from: unknown, path: string, at?: string): T {
        return need<T>(from, path, at);
    }

    /** The value at `path` under `from`, or `SKIP` (recorded) when it is a preview unknown. */
    read(from: unknown, path: string, at?: string): any {
        const v = get(from, path);
        return this.is(v, join(at, path)) ? SKIP : v;
    }

    /** True, and recorded under `at`, when `v` is a preview unknown. */
    is(v: unknown, at: string): boolean {
        if (!isUnknown(v)) return false;
        this.paths.push(at);
        return true;
    }

    /** Paths met unknown so far. */
    get unknownPaths(): readonly string[] {
        return this.paths;
    }

    /** Stops the check (advisory) when anything read was unknown; the policy builders call it after `validate`. */
    settle(): void {
        if (this.paths.length > 0) stopOnUnknown(this.paths[0]);
    }
}
