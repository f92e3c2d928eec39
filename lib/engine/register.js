"use strict";
/**
 * A require hook for .ts files with a content-hash cache of the compiled JavaScript, so `check`, `bench`,
 * `diagram` and the policy pack never compile a file twice and compile nothing when nothing changed.
 *
 *   node -r ./lib/engine/register.js tools/check.ts
 *
 * A file is transpiled (TypeScript's transpileModule: no type-check; `npm run typecheck` does that for the
 * whole tree) only when no cached output exists for its exact content, the compiler options and the
 * TypeScript version. The compiler itself is loaded only on a miss. The cache lives outside git, in
 * node_modules/.cache/platform-ts/ (PLATFORM_TS_CACHE overrides it).
 *
 * Positions are mapped back to the .ts lines on demand (`originalPosition`, through each file's inline source
 * map), not by Node's global source-map support: with that on, every `new Error().stack` (the Pulumi SDK takes
 * one per promise and per resource) is rewritten through the maps, and every library's .map file is read and
 * parsed at load. Measured: about 15 % of a prod check's CPU. PLATFORM_SOURCE_MAPS=1 turns the global support
 * back on, for debugging a crash with .ts lines in every frame.
 *
 * The cache key names the file by its base name only (the inline map records only that), so a checkout of the
 * same code elsewhere (check --base's temporary worktree) reuses the compiled output.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

// The SDK's TypeScript compiler and npm's arborist load on first use, not at start-up (lazy-modules.js).
require("./lazy-modules").install();

// V8's code cache for every module, on the Node versions that have it (module.enableCompileCache, Node >= 22.1; the
// project's engines field asks for 22): an unchanged module is not compiled again either. Without an argument it
// honours NODE_COMPILE_CACHE (directory) and NODE_DISABLE_COMPILE_CACHE (off), as the Node docs recommend for tools
// (nodejs.org/api/module.html#module-compile-cache). Off under coverage (c8 sets NODE_V8_COVERAGE), whose counts the
// docs say a code cache can make less precise. Node 20 has no such API; this machine measured without it.
{
    const { enableCompileCache } = require("module");
    if (typeof enableCompileCache === "function" && !process.env.NODE_V8_COVERAGE) enableCompileCache();
}

const ROOT = path.resolve(__dirname, "..", "..");
const CACHE = process.env.PLATFORM_TS_CACHE || path.join(ROOT, "node_modules", ".cache", "platform-ts");
const COMPILER_OPTIONS = {
    module: "commonjs",
    target: "es2022",
    esModuleInterop: true,
    sourceMap: false,
    inlineSourceMap: true,
    inlineSources: false,
    resolveJsonModule: true,
};

let ts;
let salt;
function compilerSalt() {
    if (salt === undefined) {
        // The TypeScript version from its package.json: reading it does not load the compiler.
        const tsVersion = JSON.parse(
            fs.readFileSync(require.resolve("typescript/package.json", { paths: [ROOT] }), "utf8"),
        ).version;
        salt = `${tsVersion}\0${JSON.stringify(COMPILER_OPTIONS)}\0v1`;
    }
    return salt;
}

const stats = { hits: 0, misses: 0 };

/** filename → where its compiled output is (cache file, or the text when the cache could not be read). */
const compiled = new Map();
const globalMaps = process.env.PLATFORM_SOURCE_MAPS === "1";
const maps = new Map();

function sourceMapOf(filename) {
    if (maps.has(filename)) return maps.get(filename);
    let map = null;
    const entry = compiled.get(filename);
    if (entry) {
        try {
            const js = entry.js ?? fs.readFileSync(entry.file, "utf8");
            const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/.exec(js);
            if (m) map = new (require("module").SourceMap)(JSON.parse(Buffer.from(m[1], "base64").toString("utf8")));
        } catch {
            map = null; // unmapped positions are still positions
        }
    }
    maps.set(filename, map);
    return map;
}

/**
 * The .ts position of a 1-based `line`/`column` in the JavaScript this hook compiled for `filename`; the
 * position unchanged for any file it did not compile (already a source line, or compiled by ts-node).
 */
function originalPosition(filename, line, column) {
    const map = globalMaps ? null : sourceMapOf(filename);
    if (!map) return { file: filename, line, column };
    const e = map.findEntry(line - 1, Math.max(0, column - 1));
    if (!e || e.originalLine === undefined) return { file: filename, line, column };
    return { file: filename, line: e.originalLine + 1, column: e.originalColumn + 1 };
}

function compile(source, filename) {
    const key = crypto
        .createHash("sha256")
        .update(compilerSalt())
        .update("\0")
        .update(path.basename(filename))
        .update("\0")
        .update(source)
        .digest("hex");
    const file = path.join(CACHE, key.slice(0, 2), `${key}.js`);
    try {
        const js = fs.readFileSync(file, "utf8");
        stats.hits++;
        compiled.set(filename, { file });
        return js;
    } catch {
        // not cached yet
    }
    ts ??= require(require.resolve("typescript", { paths: [ROOT] }));
    const out = ts.transpileModule(source, {
        fileName: filename,
        compilerOptions: COMPILER_OPTIONS,
        reportDiagnostics: false,
    }).outputText;
    stats.misses++;
    compiled.set(filename, { js: out });
    try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        // Write then rename: concurrent processes (check and its pack) never read a half-written file.
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, out);
        fs.renameSync(tmp, file);
    } catch {
        // a read-only cache only costs speed
    }
    return out;
}

if (!require.extensions[".ts"]) {
    if (globalMaps) process.setSourceMapsEnabled(true);
    require.extensions[".ts"] = function (module, filename) {
        module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
    };
}

module.exports = { compile, stats, CACHE, originalPosition };

// `npm run bench` measures CPU time of each process it starts (check, its policy pack, the bare baseline).
if (process.env.PLATFORM_BENCH_CPU_FILE) {
    // check stops its policy pack with SIGTERM: exit through 'exit' so the pack's CPU is counted too.
    process.once("SIGTERM", () => process.exit(143));
    process.on("exit", () => {
        const u = process.cpuUsage();
        try {
            fs.appendFileSync(
                process.env.PLATFORM_BENCH_CPU_FILE,
                `${process.pid} ${((u.user + u.system) / 1000).toFixed(1)}\n`,
            );
        } catch {
            // measuring must never break the run
        }
    });
}
