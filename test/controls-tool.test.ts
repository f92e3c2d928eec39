import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";

/**
 * `npm run controls` (tools/controls.ts): every control id a policy names is in a catalogue, ../shared/CONTROLS.md
 * or one of policy/README.md's sections, every "## Controls added …" section included (one per round of additions).
 */
describe("npm run controls", function () {
    this.timeout(120000);

    it("finds every control id of the pack in a catalogue, and every catalogue row covered", () => {
        const out = execFileSync(process.execPath, ["-r", "./lib/engine/register.js", "tools/controls.ts"], {
            cwd: path.resolve(__dirname, ".."),
            encoding: "utf8",
            env: { ...process.env, NODE_V8_COVERAGE: "" },
        });
        assert.doesNotMatch(out, /in neither catalogue/);
        const both = /Both: (\d+) rows, (\d+) covered, (\d+) without a policy/.exec(out);
        assert.ok(both, out);
        assert.strictEqual(both[1], both[2]);
        assert.strictEqual(both[3], "0");
        // The mutation-testing rounds' ids are read from their own sections.
        for (const id of ["K8S-38", "NET-13", "IAM-07"]) assert.doesNotMatch(out, new RegExp(`\\b${id}\\b.*missing`));
    });
});
