import * as path from "path";

/**
 * Source positions in the .ts files. lib/engine/register.js compiles without Node's global source-map
 * support (it made every stack trace the Pulumi SDK takes expensive), so a position taken from a stack
 * trace is a line of the compiled JavaScript; this maps it back through that file's inline source map.
 * A position in a file the hook did not compile (tests run under ts-node, which maps stacks itself) is
 * returned unchanged.
 */
const register = require("./register.js") as {
    originalPosition(file: string, line: number, column: number): { file: string; line: number; column: number };
};

export function originalPosition(
    file: string,
    line: number,
    column = 1,
): { file: string; line: number; column: number } {
    return register.originalPosition(file, line, column);
}

/** A stack-trace line (`    at f (/abs/file.ts:12:5)` or `    at /abs/file.ts:12:5`), parsed and mapped. */
export function stackFrame(frame: string): { file: string; line: number; column: number } | undefined {
    const m = /\(?((?:[A-Za-z]:)?[^():]+):(\d+):(\d+)\)?\s*$/.exec(frame);
    if (!m || !path.isAbsolute(m[1])) return undefined;
    return originalPosition(m[1], Number(m[2]), Number(m[3]));
}
