import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ApiResponse, assess, main as environmentsMain } from "../tools/github-environments";
import { changes, digest, main as digestMain, markdown } from "../tools/preview-digest";
import { PROJECT_ROOT } from "./support/harness";

const fixture = (name: string) =>
    JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "test/fixtures/github", `${name}.json`), "utf8"));

/** A recorded GitHub API: path → response; anything else 404. Records what was asked. */
function recordedApi(routes: Record<string, ApiResponse>) {
    const asked: string[] = [];
    const api = (p: string): ApiResponse => {
        asked.push(p);
        return routes[p] ?? { status: 404, body: fixture("not-found") };
    };
    return { api, asked };
}

const REPO = "acme/aws-platform";
const envPath = (name: string) => `repos/${REPO}/environments/${name}`;
const branchPath = (name: string) => `${envPath(name)}/deployment-branch-policies?per_page=100`;

/** A fully compliant repository, from the recorded responses. */
function compliant(): Record<string, ApiResponse> {
    const prod = { ...fixture("environment-prod"), can_admins_bypass: false };
    return {
        [envPath("dev")]: { status: 200, body: { ...prod, name: "dev" } },
        [envPath("prod")]: { status: 200, body: prod },
        [envPath("prod-approval")]: { status: 200, body: fixture("environment-prod-approval") },
        [branchPath("dev")]: { status: 200, body: fixture("branch-policies-main") },
        [branchPath("prod")]: { status: 200, body: fixture("branch-policies-main") },
        [branchPath("prod-approval")]: { status: 200, body: fixture("branch-policies-main") },
    };
}

describe("github-environments: the repository settings the delivery depends on", () => {
    it("passes a repository with dev, prod and a reviewed prod-approval, all main-only", () => {
        const { api, asked } = recordedApi(compliant());
        assert.deepEqual(assess(REPO, api), []);
        assert.ok(asked.includes(branchPath("prod")), "reads the branch policies, not only the flag");
    });

    const cases: [string, (r: Record<string, ApiResponse>) => void, RegExp][] = [
        [
            "a missing prod environment",
            (r) => delete r[envPath("prod")],
            /environment prod: missing; GitHub would create it on first use with no protection/,
        ],
        [
            "no deployment-branch restriction",
            (r) => (r[envPath("dev")].body = { ...r[envPath("dev")].body, deployment_branch_policy: null }),
            /environment dev: deployment branches are "No restriction"/,
        ],
        [
            "protected branches instead of main",
            (r) =>
                (r[envPath("prod")].body = {
                    ...r[envPath("prod")].body,
                    deployment_branch_policy: { protected_branches: true, custom_branch_policies: false },
                }),
            /environment prod: .*"Protected branches only"/,
        ],
        [
            "a second branch allowed",
            (r) =>
                (r[branchPath("prod")].body = {
                    total_count: 2,
                    branch_policies: [
                        { name: "main", type: "branch" },
                        { name: "release/*", type: "branch" },
                    ],
                }),
            /environment prod: deployment branch policies are \[branch:main, branch:release\/\*\], must be exactly \[branch:main\]/,
        ],
        [
            "no reviewers on prod-approval",
            (r) => (r[envPath("prod-approval")].body = { ...r[envPath("prod-approval")].body, protection_rules: [] }),
            /environment prod-approval: no required reviewers/,
        ],
        [
            "self-review allowed",
            (r) =>
                (r[envPath("prod-approval")].body.protection_rules[0] = {
                    ...r[envPath("prod-approval")].body.protection_rules[0],
                    prevent_self_review: false,
                }),
            /"Prevent self-review" is off/,
        ],
        [
            "admins may bypass",
            (r) =>
                (r[envPath("prod-approval")].body = { ...r[envPath("prod-approval")].body, can_admins_bypass: true }),
            /administrators can bypass/,
        ],
        [
            "a token without actions:read",
            (r) => (r[envPath("dev")] = { status: 403, body: { message: "Resource not accessible by integration" } }),
            /environment dev: cannot read it \(HTTP 403\); the token needs actions:read/,
        ],
    ];
    for (const [what, mutate, message] of cases)
        it(`reports ${what}`, () => {
            const routes = JSON.parse(JSON.stringify(compliant()));
            mutate(routes);
            const problems = assess(REPO, recordedApi(routes).api);
            assert.equal(problems.length, 1, problems.join("\n"));
            assert.match(problems[0], message);
        });

    it("exits 1 with the problems, 0 when compliant, 64 without a repository", () => {
        const errors: string[] = [];
        const original = console.error;
        console.error = (m: string) => errors.push(m);
        try {
            const broken = compliant();
            delete broken[envPath("prod-approval")];
            assert.equal(environmentsMain(["--repo", REPO], recordedApi(broken).api), 1);
            assert.match(errors.join("\n"), /prod-approval: missing/);
            assert.equal(environmentsMain(["--repo", "not a repo"], recordedApi({}).api), 64);
        } finally {
            console.error = original;
        }
        const log = console.log;
        console.log = () => undefined;
        try {
            assert.equal(environmentsMain(["--repo", REPO], recordedApi(compliant()).api), 0);
        } finally {
            console.log = log;
        }
    });
});

describe("preview-digest: an approval binds to the previewed steps", () => {
    const urn = (type: string, name: string) => `urn:pulumi:prod::aws-platform::${type}::${name}`;
    const preview = {
        steps: [
            { op: "same", urn: urn("aws:s3/bucket:Bucket", "logs") },
            {
                op: "update",
                urn: urn("platform:data:Database$aws:rds/instance:Instance", "db"),
                diffReasons: ["instanceClass", "allocatedStorage"],
            },
            { op: "create", urn: urn("aws:ec2/securityGroup:SecurityGroup", "runner") },
        ],
        changeSummary: { same: 1, update: 1, create: 1 },
    };

    it("ignores unchanged resources and the order of steps and diff keys", () => {
        const shuffled = {
            steps: [
                preview.steps[2],
                { ...preview.steps[1], diffReasons: ["allocatedStorage", "instanceClass"] },
                preview.steps[0],
            ],
        };
        assert.equal(digest(changes(shuffled)), digest(changes(preview)));
        assert.equal(changes(preview).length, 2);
        assert.match(digest(changes(preview)), /^sha256:[0-9a-f]{64}$/);
    });

    it("changes when an operation, a resource or a changed key differs", () => {
        const base = digest(changes(preview));
        const variants = [
            { steps: [preview.steps[1]] },
            { steps: [...preview.steps.slice(0, 2), { ...preview.steps[2], op: "replace" }] },
            { steps: [preview.steps[0], { ...preview.steps[1], diffReasons: ["instanceClass"] }, preview.steps[2]] },
        ];
        for (const v of variants) assert.notEqual(digest(changes(v)), base);
    });

    it("renders the approver's table with the type and name of each change", () => {
        const md = markdown(changes(preview));
        assert.match(md, /\| update \| `aws:rds\/instance:Instance` \| db \| allocatedStorage, instanceClass \|/);
        assert.match(md, /\*\*create\*\* 1/);
        assert.match(markdown([]), /No changes/);
    });

    it("fails --expect on a different digest and passes on the same one", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "digest-")), "p.json");
        fs.writeFileSync(file, JSON.stringify(preview));
        const quiet = { log: console.log, error: console.error };
        console.log = console.error = () => undefined;
        try {
            assert.equal(digestMain([file, "--expect", digest(changes(preview))]), 0);
            assert.equal(digestMain([file, "--expect", "sha256:" + "0".repeat(64)]), 1);
            fs.writeFileSync(file, "not json");
            assert.equal(digestMain([file]), 65);
        } finally {
            Object.assign(console, quiet);
        }
        assert.throws(() => changes({ steps: "x" }), /not a `pulumi preview --json` document/);
    });
});

describe("pr-comment: one comment per stack, updated in place", () => {
    const { upsertStackComment, marker, MAX_OUTPUT } = require("../.github/scripts/pr-comment.js");

    function fakeGithub(existing: { id: number; body: string }[]) {
        const calls: { op: string; args: any }[] = [];
        const listComments = async () => existing;
        return {
            calls,
            github: {
                paginate: async (fn: any, args: any) => {
                    calls.push({ op: "list", args });
                    return fn(args);
                },
                rest: {
                    issues: {
                        listComments,
                        updateComment: async (args: any) => calls.push({ op: "update", args }),
                        createComment: async (args: any) => {
                            calls.push({ op: "create", args });
                            return { data: { id: 99 } };
                        },
                    },
                },
            },
        };
    }
    const context = {
        repo: { owner: "acme", repo: "aws-platform" },
        issue: { number: 7 },
        runId: 1,
        serverUrl: "https://github.com",
    };

    it("updates the stack's own comment and leaves other stacks' comments alone", async () => {
        const { github, calls } = fakeGithub([
            { id: 1, body: `${marker("prod")}\nold prod` },
            { id: 2, body: `${marker("dev")}\nold dev` },
        ]);
        const r = await upsertStackComment({ github, context, stack: "dev", title: "preview", outcome: "success" });
        assert.deepEqual(r, { updated: 2 });
        assert.equal(calls.filter((c) => c.op === "create").length, 0);
        assert.match(
            calls.find((c) => c.op === "update")!.args.body,
            /^<!-- platform-pr-comment:dev -->\n### `dev`: preview \(success\)/,
        );
    });

    it("creates the comment once when none exists, and keeps the tail of long output", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "comment-"));
        const file = path.join(dir, "out.txt");
        fs.writeFileSync(file, "x".repeat(MAX_OUTPUT + 10) + "THE END");
        const { github, calls } = fakeGithub([{ id: 3, body: "a human comment" }]);
        const r = await upsertStackComment({
            github,
            context,
            stack: "prod",
            title: "check",
            outcome: "failure",
            file,
        });
        assert.deepEqual(r, { created: 99 });
        const body = calls.find((c) => c.op === "create")!.args.body as string;
        assert.ok(body.length < 65536);
        assert.match(body, /THE END\n```/);
        assert.match(body, /characters cut/);
    });

    it("shows the check's Markdown change summary above the output, within GitHub's comment limit", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "comment-"));
        const file = path.join(dir, "out.txt");
        const summaryFile = path.join(dir, "check-dev.md");
        fs.writeFileSync(file, "y".repeat(MAX_OUTPUT) + "LAST LINE");
        fs.writeFileSync(
            summaryFile,
            "### Offline check · `dev` · ❌ 1 new mandatory violation\n\n| ❌ new | mandatory |\n",
        );
        const { github, calls } = fakeGithub([]);
        await upsertStackComment({
            github,
            context,
            stack: "dev-check",
            title: "check",
            outcome: "failure",
            file,
            summaryFile,
        });
        const body = calls.find((c) => c.op === "create")!.args.body as string;
        assert.ok(body.startsWith(`${marker("dev-check")}\n`));
        assert.ok(body.indexOf("❌ 1 new mandatory violation") < body.indexOf("<details><summary>Output"));
        assert.match(body, /LAST LINE\n```/);
        assert.ok(body.length < 65536, `body is ${body.length} characters`);
    });
});
