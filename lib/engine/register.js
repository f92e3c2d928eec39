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
 * node_modules/.cache/platform-ts/ (PLATFORM_TS_CACHE overrides it). Stack traces, and with them the SDK's
 * resource source positions, are mapped back to the .ts lines through inline source maps.
 */
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

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

function compile(source, filename) {
    const key = crypto
        .createHash("sha256")
        .update(compilerSalt())
        .update("\0")
        .update(filename)
        .update("\0")
        .update(source)
        .digest("hex");
    const file = path.join(CACHE, key.slice(0, 2), `${key}.js`);
    try {
        const js = fs.readFileSync(file, "utf8");
        stats.hits++;
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
    process.setSourceMapsEnabled(true);
    require.extensions[".ts"] = function (module, filename) {
        module._compile(compile(fs.readFileSync(filename, "utf8"), filename), filename);
    };
}

module.exports = { compile, stats, CACHE };

// `npm run bench` measures CPU time of each process it starts (check, its policy pack, the bare baseline).
if (process.env.PLATFORM_BENCH_CPU_FILE) {
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
