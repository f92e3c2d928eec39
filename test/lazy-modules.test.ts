import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

/**
 * lib/engine/lazy-modules.js (installed by register.js): @pulumi/pulumi loads without the TypeScript compiler and
 * npm's arborist, and both still work when used. Each case runs in a fresh `node -r register.js` process, since
 * this test process loaded the SDK the ordinary way.
 */

const ROOT = path.resolve(__dirname, "..");
const SCRIPT = `
const Module = require("module");
const loaded = (m) => Object.keys(require.cache).some((k) => k.includes("/node_modules/" + m + "/"));
const pulumi = require("@pulumi/pulumi");
const before = { typescript: loaded("typescript"), arborist: loaded("@npmcli/arborist") };
(async () => {
    // The SDK's function serialization parses the function with TypeScript.
    const f = await pulumi.runtime.serializeFunction(() => 6 * 7);
    // codePaths.js's own require of arborist (createRequire gives a module at its path).
    const codePaths = require.resolve("@pulumi/pulumi/runtime/closure/codePaths.js");
    const arborist = Module.createRequire(codePaths)("@npmcli/arborist");
    const esModule = arborist.__esModule === true;
    const Arborist = typeof arborist.Arborist;
    console.log(JSON.stringify({ before, serialized: f.text.includes("6 * 7"), esModule, Arborist,
        after: { typescript: loaded("typescript"), arborist: loaded("@npmcli/arborist") } }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function run(env: NodeJS.ProcessEnv = {}) {
    const out = execFileSync(process.execPath, ["-r", "./lib/engine/register.js", "-e", SCRIPT], {
        cwd: ROOT,
        env: { ...process.env, NODE_V8_COVERAGE: "", ...env },
        encoding: "utf8",
        // -e exposes Node's built-in modules as globals; serializeFunction's walk of the globals wakes their
        // deprecation warnings, which are no concern of this test.
        stdio: ["ignore", "pipe", "pipe"],
    });
    return JSON.parse(out.trim().split("\n").pop()!);
}

describe("lazy-modules: the SDK's TypeScript and arborist load on first use", function () {
    this.timeout(60000);

    it("loads neither with the SDK, and loads each when it is used", () => {
        const r = run();
        assert.deepStrictEqual(r.before, { typescript: false, arborist: false });
        assert.strictEqual(r.serialized, true, "serializeFunction works through the stand-in");
        assert.strictEqual(r.esModule, true);
        assert.strictEqual(r.Arborist, "function");
        assert.deepStrictEqual(r.after, { typescript: true, arborist: true });
    });

    it("PLATFORM_EAGER_MODULES=1 loads them with the SDK, as the SDK does", () => {
        const r = run({ PLATFORM_EAGER_MODULES: "1" });
        assert.deepStrictEqual(r.before, { typescript: true, arborist: true });
        assert.strictEqual(r.serialized, true);
        assert.strictEqual(r.Arborist, "function");
    });
});
