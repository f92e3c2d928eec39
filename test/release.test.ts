import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { IMAGE_TAG, STRUCTURED_KEYS, parseConfig } from "../config";
import { imageReference } from "../components/app";
import { PROJECT_ROOT } from "./support/harness";

/**
 * Issue 17: a release lives in git. scripts/release.sh pins the pushed image by digest, writes it to
 * Pulumi.<stack>.yaml as a string and commits it on a release branch; merging runs the normal pipeline.
 * Run here in a scratch clone with a stub `aws` that answers ecr describe-images.
 */

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

function scratchRepo(awsAnswer: string): { dir: string; env: NodeJS.ProcessEnv } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "release-"));
    fs.mkdirSync(path.join(dir, "scripts"));
    for (const f of ["scripts/release.sh", "scripts/set-image-tag.cjs", "Pulumi.dev.yaml"])
        fs.copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"));
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "aws"), `#!/bin/sh\necho "$*" >> "${dir}/aws.calls"\necho '${awsAnswer}'\n`, {
        mode: 0o755,
    });
    const env = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH}`,
        GIT_AUTHOR_NAME: "t",
        GIT_AUTHOR_EMAIL: "t@example.com",
        GIT_COMMITTER_NAME: "t",
        GIT_COMMITTER_EMAIL: "t@example.com",
    };
    const git = (...args: string[]) => spawnSync("git", args, { cwd: dir, env, encoding: "utf8" });
    git("init", "-q", "-b", "main");
    fs.writeFileSync(path.join(dir, ".gitignore"), "node_modules\nbin\naws.calls\n");
    git("add", ".");
    git("commit", "-qm", "init");
    return { dir, env };
}

function release(dir: string, env: NodeJS.ProcessEnv, ...args: string[]) {
    const r = spawnSync("bash", ["scripts/release.sh", "--stack", "dev", "--no-push", ...args], {
        cwd: dir,
        env,
        encoding: "utf8",
    });
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

function devConfig(file: string) {
    const config = (YAML.parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> }).config;
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(config))
        if (k.startsWith("platform:")) raw[k.slice(9)] = STRUCTURED_KEYS.has(k.slice(9)) ? v : String(v);
    return raw;
}

describe("releases live in git", function () {
    this.timeout(60_000);

    it("commits tag@digest to Pulumi.<stack>.yaml on a release branch, and the result passes the config schema", () => {
        const { dir, env } = scratchRepo(DIGEST);
        const r = release(dir, env, "--image-tag", "1.4.2");
        assert.equal(r.status, 0, r.output);
        assert.match(
            fs.readFileSync(path.join(dir, "aws.calls"), "utf8"),
            /ecr describe-images --repository-name shop-api --image-ids imageTag=1\.4\.2/,
        );
        const log = spawnSync("git", ["log", "--format=%s", "-1", "release/dev-1.4.2"], {
            cwd: dir,
            encoding: "utf8",
        }).stdout.trim();
        assert.equal(log, `release: dev runs shop-api 1.4.2@${DIGEST}`);
        const text = fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8");
        assert.match(text, new RegExp(`imageTag: "1\\.4\\.2@${DIGEST}"`));
        assert.match(text, /# dev: cheap\./, "comments survive");
        const cfg = parseConfig(devConfig(path.join(dir, "Pulumi.dev.yaml")));
        assert.equal(cfg.app.imageTag, `1.4.2@${DIGEST}`);
        const status = spawnSync("git", ["status", "--porcelain"], { cwd: dir, encoding: "utf8" }).stdout.trim();
        assert.equal(status, "", "nothing left uncommitted");
    });

    it("keeps an all-digit tag a string", () => {
        const { dir, env } = scratchRepo(DIGEST);
        const r = release(dir, env, "--image-tag", "20240101", "--digest", DIGEST);
        assert.equal(r.status, 0, r.output);
        const tag = (YAML.parse(fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8")) as any).config[
            "platform:app"
        ].imageTag;
        assert.equal(typeof tag, "string");
        assert.equal(tag, `20240101@${DIGEST}`);
        assert.ok(!fs.existsSync(path.join(dir, "aws.calls")), "a given digest needs no lookup");
    });

    it("stages tag@digest in the working copy only for a pipeline's --config-only run, without a commit", () => {
        const { dir, env } = scratchRepo(DIGEST);
        const r = release(dir, env, "--image-tag", "1.4.3", "--config-only");
        assert.equal(r.status, 0, r.output);
        assert.match(r.output, /working copy only: merge the release to main to keep it/);
        assert.match(
            fs.readFileSync(path.join(dir, "Pulumi.dev.yaml"), "utf8"),
            new RegExp(`imageTag: "1\\.4\\.3@${DIGEST}"`),
        );
        const head = spawnSync("git", ["log", "--format=%s", "-1"], { cwd: dir, encoding: "utf8" }).stdout.trim();
        assert.equal(head, "init");
    });

    it("refuses an image that is not in ECR", () => {
        const { dir, env } = scratchRepo("None");
        const r = release(dir, env, "--image-tag", "9.9.9");
        assert.equal(r.status, 65);
        assert.match(r.output, /shop-api:9\.9\.9 is not in ECR \(got 'None'\): push and scan it first/);
    });

    it("refuses a malformed digest before touching git", () => {
        const { dir, env } = scratchRepo(DIGEST);
        const r = release(dir, env, "--image-tag", "1.0.0", "--digest", "sha256:nope");
        assert.equal(r.status, 64);
        assert.match(r.output, /'sha256:nope' is not a sha256 image digest/);
    });

    it("pins by tag and digest in the image reference, which the pack's K8S-11 accepts as pinned", () => {
        assert.ok(IMAGE_TAG.test(`1.4.2@${DIGEST}`));
        assert.equal(
            imageReference("111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop-api", `1.4.2@${DIGEST}`),
            `111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop-api:1.4.2@${DIGEST}`,
        );
    });
});
