import { strict as assert } from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CheckOptions, CheckResult, runCheck, Violation } from "../tools/check";
import { Pack, startPack } from "../tools/lib/analyzer";
import { parseArgs, UsageError } from "../tools/lib/check-args";
import {
    CheckDiff,
    describeChange,
    diffResults,
    inputChanges,
    newBlocking,
    redact,
    renderDiffMarkdown,
} from "../tools/lib/check-diff";
import { PROJECT_ROOT } from "./support/harness";

/**
 * `check --base <ref>`: what a change does. Unit tests of the diff (paths, secrets, matching of findings),
 * then the whole flow against a base commit made for the test: the working tree's insecure fixture
 * compared with a version of it that differs in known ways (a commit object built from HEAD's tree with
 * one file replaced; the working tree is never touched).
 */

const SECRET = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

function violation(over: Partial<Violation>): Violation {
    return {
        policyName: "p",
        policyPackName: "platform-policy",
        policyPackVersion: "0.1.0",
        enforcementLevel: "mandatory",
        message: "fix it",
        description: "d",
        urn: "urn:pulumi:dev::aws-platform::aws:s3/bucket:Bucket::b",
        resourceType: "aws:s3/bucket:Bucket",
        resourceName: "b",
        file: "index.ts",
        line: 1,
        ...over,
    };
}

function result(resources: { urn: string; inputs: Record<string, unknown> }[], violations: Violation[]): CheckResult {
    return {
        exitCode: violations.some((v) => v.enforcementLevel === "mandatory") ? 1 : 0,
        stack: "dev",
        project: "aws-platform",
        program: "index.ts",
        configFile: "Pulumi.dev.yaml",
        policyPack: { dir: "policy", name: "platform-policy", version: "0.1.0", config: null },
        resources: resources.map((r) => ({
            ...r,
            type: r.urn.split("::")[2],
            name: r.urn.split("::")[3],
            parent: "",
            custom: true,
            remote: false,
            protect: false,
            dependencies: [],
            propertyDependencies: {},
        })),
        violations,
        opaque: [],
        policyErrors: [],
        policies: [],
        timings: { programMs: 0, packStartMs: 0, packWaitMs: 0, policyMs: 0, analyzeStackMs: 0, totalMs: 0 },
    };
}

describe("check --base: the change diff", () => {
    it("names every changed input path, added and removed ones included", () => {
        const changes = inputChanges(
            { tags: { Name: "a", team: "x" }, ingress: [{ cidrBlocks: ["10.0.0.0/8"] }], multiAz: true },
            { tags: { Name: "b" }, ingress: [{ cidrBlocks: ["10.0.0.0/8", "0.0.0.0/0"] }], port: 5432, multiAz: true },
        );
        assert.deepEqual(changes.map(describeChange), [
            'ingress[0].cidrBlocks[1]: + "0.0.0.0/0"',
            "port: + 5432",
            'tags.Name: "a" → "b"',
            'tags.team: − "x"',
        ]);
    });

    it("masks secrets: Pulumi-marked values and credential keys are compared but never shown", () => {
        const changes = inputChanges(
            { stringData: SECRET({ key: "old-key" }), password: "hunter2", same: SECRET("s") },
            { stringData: SECRET({ key: "new-key" }), password: "hunter3", same: SECRET("s") },
        );
        assert.deepEqual(changes, [
            { path: "password", before: "[secret]", after: "[secret]" },
            { path: "stringData", before: "[secret]", after: "[secret]" },
        ]);
        assert.doesNotMatch(JSON.stringify(changes), /hunter|old-key|new-key/);
        assert.deepEqual(redact({ a: SECRET("x"), b: [{ masterPassword: "p" }], c: "plain" }), {
            a: "[secret]",
            b: [{ masterPassword: "[secret]" }],
            c: "plain",
        });
    });

    it("matches findings by policy and resource: a reworded message is the same finding, a new resource a new one", () => {
        const urnA = "urn:pulumi:dev::aws-platform::aws:s3/bucket:Bucket::a";
        const urnB = "urn:pulumi:dev::aws-platform::aws:s3/bucket:Bucket::b";
        const urnC = "urn:pulumi:dev::aws-platform::aws:s3/bucket:Bucket::c";
        const base = result(
            [
                { urn: urnA, inputs: { acl: "private" } },
                { urn: urnB, inputs: {} },
            ],
            [
                violation({ policyName: "s3-x", urn: urnA, message: "old wording" }),
                violation({ policyName: "s3-y", urn: urnB }),
                violation({ policyName: "stack-z", urn: "", resourceName: "", message: "stack finding one" }),
            ],
        );
        const head = result(
            [
                { urn: urnA, inputs: { acl: "public-read" } },
                { urn: urnC, inputs: {} },
            ],
            [
                violation({ policyName: "s3-x", urn: urnA, message: "new wording" }),
                violation({ policyName: "s3-y", urn: urnC, resourceName: "c" }),
                violation({
                    policyName: "stack-z",
                    urn: "",
                    resourceName: "",
                    message: "stack finding two",
                    enforcementLevel: "advisory",
                }),
            ],
        );
        const d = diffResults(base, head, { ref: "main", commit: "0".repeat(40) });
        assert.deepEqual(
            d.resources.added.map((r) => r.name),
            ["c"],
        );
        assert.deepEqual(
            d.resources.removed.map((r) => r.name),
            ["b"],
        );
        assert.deepEqual(
            d.resources.changed.map((r) => [r.name, r.changes.map(describeChange)]),
            [["a", ['acl: "private" → "public-read"']]],
        );
        assert.deepEqual(
            d.violations.new.map((v) => `${v.policyName}@${v.resourceName || v.message}`),
            ["s3-y@c", "stack-z@stack finding two"],
        );
        assert.deepEqual(
            d.violations.fixed.map((v) => v.policyName),
            ["s3-y", "stack-z"],
        );
        assert.equal(d.violations.unchanged, 1);
        assert.deepEqual(
            newBlocking(d).map((v) => v.policyName),
            ["s3-y"],
        );
    });

    it("renders the PR comment with a marker per stack, the verdict, new and fixed findings, and escapes table cells", () => {
        const urn = "urn:pulumi:dev::aws-platform::aws:s3/bucket:Bucket::b";
        const head = result([{ urn, inputs: { policy: "a|b" } }], [violation({ message: "use a | b instead" })]);
        const base = result([{ urn, inputs: { policy: "a" } }], []);
        const d: CheckDiff = diffResults(base, head, { ref: "origin/main", commit: "abc123def4567890" });
        const text = renderDiffMarkdown(d, head);
        assert.match(text, /^<!-- platform-check:aws-platform:dev -->$/m);
        assert.match(text, /### Offline check · `dev` · ❌ 1 new mandatory violation$/m);
        assert.match(text, /Against `origin\/main` \(abc123def456\)/);
        assert.match(text, /\| ❌ new \| mandatory \| `p` \| `b` \| use a \\\| b instead \| `index\.ts:1` \|/);
        assert.match(text, /\| ~ \| `aws:s3\/bucket:Bucket` \| `b` \| `policy: "a" → "a\\\|b"` \|/);
    });

    it("takes --new-only and --markdown only together with --base", () => {
        assert.throws(
            () => parseArgs(["--new-only"]),
            (e: Error) => e instanceof UsageError && /--new-only needs --base/.test(e.message),
        );
        assert.throws(() => parseArgs(["--markdown", "x.md"]), /--markdown needs --base/);
        const args = parseArgs(["--base", "origin/main", "--new-only", "--markdown", "x.md"]);
        assert.deepEqual([args.base, args.newOnly, args.markdown], ["origin/main", true, "x.md"]);
    });
});

const git = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    execFileSync("git", args, { cwd: PROJECT_ROOT, encoding: "utf8", env: { ...process.env, ...env } }).trim();

/** A commit whose tree is HEAD's with `file` replaced by `text`: a base that differs from the working tree in known ways. */
function baseCommitWith(file: string, text: string, tmp: string): string {
    const index = path.join(tmp, "index");
    const env = {
        GIT_INDEX_FILE: index,
        GIT_AUTHOR_NAME: "check test",
        GIT_AUTHOR_EMAIL: "check@test.invalid",
        GIT_COMMITTER_NAME: "check test",
        GIT_COMMITTER_EMAIL: "check@test.invalid",
    };
    const source = path.join(tmp, "blob");
    fs.writeFileSync(source, text);
    const blob = git(["hash-object", "-w", source]);
    git(["read-tree", "HEAD"], env);
    git(["update-index", "--add", "--cacheinfo", `100644,${blob},${file}`], env);
    const tree = git(["write-tree"], env);
    return git(["commit-tree", tree, "-p", "HEAD", "-m", "check --base test fixture"], env);
}

describe("check --base against a base commit", function () {
    this.timeout(300_000);
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "check-diff-"));
    const FIXTURE = "test/fixtures/insecure/index.ts";
    let pack: Pack;
    let base: string;

    before(async function () {
        try {
            git(["rev-parse", "--verify", "HEAD"]);
        } catch {
            this.skip(); // not a git checkout (an unpacked tarball): --base has nothing to compare with
        }
        // The base: the database was private and held a password, and one more bucket existed.
        const text = fs
            .readFileSync(path.join(PROJECT_ROOT, FIXTURE), "utf8")
            .replace(
                "manageMasterUserPassword: true, publiclyAccessible: true",
                'password: "base-only-s3cret", publiclyAccessible: false',
            )
            .replace(
                "        this.registerOutputs({});",
                "        new aws.s3.Bucket(`${name}-base-only`, {}, child);\n        this.registerOutputs({});",
            );
        assert.match(text, /base-only-s3cret/, "the fixture still has the line the test rewrites");
        base = baseCommitWith(FIXTURE, text, tmp);
        pack = await startPack(path.join(PROJECT_ROOT, "policy"));
    });

    after(async () => {
        await pack?.stop();
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    async function check(args: Partial<CheckOptions>) {
        const out: string[] = [];
        const result = await runCheck(
            {
                stack: "dev",
                verbose: false,
                quiet: true,
                help: false,
                color: false,
                progress: false,
                pack,
                program: FIXTURE,
                ...args,
            },
            { out: (l) => out.push(l), err: (l) => out.push(l) },
        );
        return { result, out: out.join("\n") };
    }

    it("reports resources added, changed and removed, violations new and fixed, and fails --new-only on a new mandatory one", async () => {
        const markdown = path.join(tmp, "pr.md");
        const sarif = path.join(tmp, "new.sarif");
        const json = path.join(tmp, "diff.json");
        const { result, out } = await check({ base, newOnly: true, markdown, sarif, json });
        const d = result.diff!;
        assert.ok(d, out);
        assert.equal(d.base.commit, base);
        assert.deepEqual(d.resources.added, []);
        assert.deepEqual(
            d.resources.removed.map((r) => r.name),
            ["insecure-base-only"],
        );
        const db = d.resources.changed.find((r) => r.name === "insecure-db");
        assert.deepEqual(db?.changes.map(describeChange), [
            "manageMasterUserPassword: + true",
            'password: − "[secret]"',
            "publiclyAccessible: false → true",
        ]);
        assert.deepEqual(
            d.violations.new
                .map((v) => `${v.policyName}@${v.resourceName}`)
                .filter((x) => x.startsWith("rds-not-publicly")),
            ["rds-not-publicly-accessible@insecure-db"],
        );
        assert.ok(
            d.violations.new.every((v) => v.resourceName === "insecure-db"),
            "only the database changed, so only it has new findings",
        );
        assert.ok(
            d.violations.fixed.length > 0 && d.violations.fixed.every((v) => v.resourceName === "insecure-base-only"),
        );
        assert.ok(d.violations.unchanged > 0, "the other insecure resources were insecure on the base too");
        // The base's extra bucket was priced (S3 storage): removing it lowers the estimate by exactly its cost.
        const removed = d.cost?.contributors.find((c) => c.name === "insecure-base-only");
        assert.ok(removed && removed.baseUsd > 0 && removed.headUsd === 0, JSON.stringify(d.cost));
        assert.equal(d.cost!.deltaUsd, -removed.baseUsd);
        assert.equal(result.exitCode, 1, "a new mandatory violation fails --new-only");
        assert.match(out, /FAIL \(--new-only\): \d+ new mandatory violations/);

        const report = fs.readFileSync(json, "utf8");
        const comment = fs.readFileSync(markdown, "utf8");
        for (const text of [report, comment, out]) assert.doesNotMatch(text, /base-only-s3cret/);
        assert.match(comment, /\| ❌ new \| mandatory \| `rds-not-publicly-accessible` \| `insecure-db` \|/);
        assert.match(comment, /\| ✅ fixed \| .* \| `insecure-base-only` \|/);
        assert.match(comment, /\*\*Estimated monthly cost:\*\* \$[\d,.]+ → \$[\d,.]+ \(\*\*−\$[\d,.]+\*\*\)/);
        const results = (JSON.parse(fs.readFileSync(sarif, "utf8")) as { runs: { results: { ruleId: string }[] }[] })
            .runs[0].results;
        assert.deepEqual(
            results.map((r) => r.ruleId).sort(),
            d.violations.new.map((v) => v.policyName).sort(),
            "the SARIF carries the new violations only",
        );
    });

    it("passes --new-only when every mandatory violation was already on the base, and fails without it", async () => {
        const unchanged = await check({ base: "HEAD", newOnly: true });
        assert.equal(unchanged.result.diff?.violations.new.length, 0, unchanged.out);
        assert.ok(unchanged.result.violations.some((v) => v.enforcementLevel === "mandatory"));
        assert.equal(unchanged.result.exitCode, 0);
        const plain = await check({ base: "HEAD" });
        assert.equal(plain.result.exitCode, 1);
    });

    it("exits 64 naming the ref when the base commit is not there", async () => {
        const { result, out } = await check({ base: "no-such-branch-for-check" });
        assert.equal(result.exitCode, 64);
        assert.match(out, /--base no-such-branch-for-check: no such commit here\. In CI, fetch it first/);
    });
});
