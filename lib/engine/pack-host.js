"use strict";
/**
 * Starts a policy pack the way `@pulumi/pulumi/cmd/run-policy-pack` does (its run.ts loads the pack's main
 * and the PolicyPack constructor prints the analyzer's port), but with the cached TypeScript hook
 * (register.js) instead of a type-checking ts-node, so an unchanged pack starts without compiling.
 * Type errors in the pack are the job of `npm run typecheck` (tsc over policy/ too).
 *
 *   node lib/engine/pack-host.js <pack-dir>
 */
require("./register");
const path = require("path");

const dir = path.resolve(process.argv[2] || ".");
const fail = (e) => {
    console.error(e && e.stack ? e.stack : String(e));
    process.exit(1);
};
process.on("uncaughtException", fail);
process.on("unhandledRejection", fail);
process.chdir(dir);
const run = require(require.resolve("@pulumi/pulumi/cmd/run-policy-pack/run.js", { paths: [dir, __dirname] }));
// typeScript: false — run.ts would otherwise register ts-node with typeCheck: true.
Promise.resolve(
    run.run({
        argv: { _: [dir] },
        programStarted: () => undefined,
        reportLoggedError: () => undefined,
        typeScript: false,
    }),
)
    .then(() => {
        // check stops the pack with a signal, so Node never reaches the exit that writes the code cache
        // (register.js): write it once the pack has loaded (module.flushCompileCache, Node >= 22.10).
        const { flushCompileCache } = require("module");
        if (typeof flushCompileCache === "function") flushCompileCache();
    })
    .catch(fail);
