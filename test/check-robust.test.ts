import { strict as assert } from "assert";
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CheckOptions, CheckResult, runCheck } from "../tools/check";
import { Pack, startPack } from "../tools/lib/analyzer";
import { DEFAULT_TIMEOUT_S, parseArgs, UsageError } from "../tools/lib/check-args";
import { progress } from "../tools/lib/check-term";
import { PROJECT_ROOT } from "./support/harness";

/**
 * The check never hangs and never loses a verdict: fixtures that hang on purpose (a program awaiting a
 * value no mock provides, a policy that never returns) with a short --timeout, and a signal sent to the
 * CLI while it works.
 */

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "check-robust-"));

async function check(args: Partial<CheckOptions>): Promise<{ result: CheckResult; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const result = await runCheck(
        { stack: "dev", verbose: false, quiet: true, help: false, color: false, progress: false, ...args },
        { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    return { result, out: out.join("\n"), err: err.join("\n") };
}

const alive = (pid: number) => {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
};

const children = (pid: number): number[] => {
    try {
        return execFileSync("pgrep", ["-P", String(pid)], { encoding: "utf8" })
            .split("\n")
            .filter(Boolean)
            .map(Number);
    } catch {
        return [];
    }
};

describe("check under faults (time limits, signals)", function () {
    this.timeout(240_000);
    // Started ahead (it compiles for a while), so the policy time limit in the test can be short.
    let hangingPack: Promise<Pack>;
    before(() => {
        hangingPack = startPack(path.join(PROJECT_ROOT, "test/fixtures/hanging-pack"));
        hangingPack.catch(() => undefined);
    });
    after(async () => {
        await hangingPack.then((p) => p.stop()).catch(() => undefined);
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("exits 3 when the program does not finish, naming each pending resource with its declaring line and the usual cause", async () => {
        const json = path.join(tmp, "hang.json");
        const { result, err } = await check({ program: "test/fixtures/hangs/index.ts", timeout: 8, json });
        assert.equal(result.exitCode, 3);
        assert.match(err, /program error test\/fixtures\/hangs\/index\.ts did not finish within 8 s \(--timeout\)/);
        assert.match(
            err,
            /aws:s3\/bucket:Bucket hangs-waiting urn:pulumi:dev::aws-platform::aws:s3\/bucket:Bucket::hangs-waiting \[test\/fixtures\/hangs\/index\.ts:12\] waiting for: bucket/,
        );
        assert.match(err, /awaits a value nothing provides/);
        // The VPC was registered, so it is not pending; the report says what is.
        const report = JSON.parse(fs.readFileSync(json, "utf8")) as CheckResult;
        assert.deepEqual(
            report.incomplete?.pending?.resources.map((r) => [r.type, r.name, r.file, r.line, r.waitingFor]),
            [["aws:s3/bucket:Bucket", "hangs-waiting", "test/fixtures/hangs/index.ts", 12, ["bucket"]]],
        );
        assert.deepEqual(
            report.resources.map((r) => r.name),
            ["hangs-vpc"],
        );
        assert.equal(report.error?.kind, "program");
    });

    it("exits 4 when a policy does not return, naming the policy and resource, and keeps the other verdicts marked incomplete", async () => {
        const json = path.join(tmp, "policy-hang.json");
        const pack = await hangingPack;
        const { result, err } = await check({
            program: "test/fixtures/small/index.ts",
            policyPack: "test/fixtures/hanging-pack",
            pack,
            timeout: 6,
            json,
        });
        assert.equal(result.exitCode, 4);
        assert.match(
            err,
            /policy never-returns-on-buckets did not return within 6 s \(--timeout\) while evaluating urn:pulumi:dev::aws-platform::aws:s3\/bucket:Bucket::small-bucket \(aws:s3\/bucket:Bucket\)/,
        );
        assert.match(err, /INCOMPLETE: 1 violation reached before the check stopped/);
        assert.match(
            err,
            /advisory vpcs-are-reported urn:pulumi:dev::aws-platform::aws:ec2\/vpc:Vpc::small-vpc: fixture: every VPC is reported \[test\/fixtures\/small\/index\.ts:5\]/,
        );
        const report = JSON.parse(fs.readFileSync(json, "utf8")) as CheckResult;
        assert.match(report.incomplete?.reason ?? "", /did not return within 6 s/);
        assert.deepEqual(
            report.incomplete?.running?.map((r) => [r.policy, r.urn]),
            [["never-returns-on-buckets", "urn:pulumi:dev::aws-platform::aws:s3/bucket:Bucket::small-bucket"]],
        );
        assert.deepEqual(report.incomplete?.notAnalyzed, [
            "urn:pulumi:dev::aws-platform::aws:s3/bucket:Bucket::small-bucket",
        ]);
        assert.deepEqual(
            report.violations.map((v) => v.policyName),
            ["vpcs-are-reported"],
        );
    });

    it("exits 4 when a policy blocks the pack's process in a loop, naming the policy and resource, and stops the pack", async () => {
        const { result, err } = await check({
            program: "test/fixtures/small/index.ts",
            policyPack: "test/fixtures/spinning-pack",
            timeout: 20,
        });
        assert.equal(result.exitCode, 4);
        assert.match(
            err,
            /policy spins-on-buckets did not return within 20 s \(--timeout\) while evaluating urn:pulumi:dev::aws-platform::aws:s3\/bucket:Bucket::small-bucket \(aws:s3\/bucket:Bucket\)/,
        );
        assert.deepEqual(
            result.incomplete?.running?.map((r) => [r.policy, r.type]),
            [["spins-on-buckets", "aws:s3/bucket:Bucket"]],
        );
    });

    it("decodes a request's properties once in the pack process and hands every policy the same frozen value", () => {
        const script = `
            const { Struct } = require("google-protobuf/google/protobuf/struct_pb");
            const d = require("@pulumi/policy/deserialize");
            const s = Struct.fromJavaScript({ tags: { team: "a" }, ports: [443] });
            const a = d.deserializeProperties(s, false), b = d.deserializeProperties(s, false);
            const other = d.deserializeProperties(Struct.fromJavaScript({ tags: { team: "a" } }), false);
            const secretsPath = d.deserializeProperties(s, true);
            console.log(JSON.stringify({ same: a === b, frozen: Object.isFrozen(a.tags) && Object.isFrozen(a.ports),
                fresh: other !== a, remediation: secretsPath !== a && !Object.isFrozen(secretsPath), value: a }));`;
        const out = execFileSync(
            process.execPath,
            ["-r", path.join(PROJECT_ROOT, "tools/lib/pack-probe.js"), "-e", script],
            {
                cwd: path.join(PROJECT_ROOT, "policy"),
                encoding: "utf8",
            },
        );
        assert.deepEqual(JSON.parse(out), {
            same: true,
            frozen: true,
            fresh: true,
            remediation: true,
            value: { tags: { team: "a" }, ports: [443] },
        });
    });

    it("stops the policy pack on SIGTERM and writes a complete JSON marked incomplete", async () => {
        const json = path.join(tmp, "signal.json");
        fs.writeFileSync(json, "{ stale"); // a previous run's file is replaced whole, never appended to
        const child = spawn(
            process.execPath,
            [
                "-r",
                "ts-node/register/transpile-only",
                "tools/check.ts",
                "--stack",
                "dev",
                "--program",
                "test/fixtures/hangs/index.ts",
                "--policy-pack",
                "test/fixtures/hanging-pack",
                "--json",
                json,
                "--timeout",
                "200",
            ],
            {
                cwd: PROJECT_ROOT,
                env: { ...process.env, NO_COLOR: "1" },
            },
        );
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
        // Wait until the check has started its pack process (a child of the CLI), then terminate the CLI.
        let pack: number | undefined;
        for (let i = 0; i < 200 && pack === undefined; i++) {
            await new Promise((r) => setTimeout(r, 250));
            pack = children(child.pid!)[0];
        }
        assert.ok(pack, "the check never started its policy pack");
        child.kill("SIGTERM");
        const code = await exited;
        assert.equal(code, 143, stderr);
        assert.match(stderr, /check: interrupted interrupted by SIGTERM: the policy pack was stopped/);
        const report = JSON.parse(fs.readFileSync(json, "utf8")) as CheckResult;
        assert.equal(report.incomplete?.reason, "interrupted by SIGTERM");
        assert.equal(report.exitCode, 143);
        for (let i = 0; i < 20 && alive(pack); i++) await new Promise((r) => setTimeout(r, 250));
        assert.equal(alive(pack), false, `policy pack process ${pack} outlived the check`);
        assert.deepEqual(
            fs.readdirSync(tmp).filter((f) => f.endsWith(".tmp")),
            [],
        );
    });

    it("takes --timeout in seconds with a default of a few minutes", () => {
        assert.equal(parseArgs([]).timeout, undefined);
        assert.ok(DEFAULT_TIMEOUT_S >= 120 && DEFAULT_TIMEOUT_S <= 600);
        assert.equal(parseArgs(["--timeout", "2.5"]).timeout, 2.5);
        for (const bad of ["0", "-1", "soon", "1e9"])
            assert.throws(
                () => parseArgs([`--timeout=${bad}`]),
                (e: Error) => e instanceof UsageError && /--timeout must be a number of seconds/.test(e.message),
            );
    });

    it("draws progress only on a terminal", () => {
        const writes: string[] = [];
        const fake = (isTTY: boolean) =>
            ({ isTTY, write: (s: string) => writes.push(s) }) as unknown as NodeJS.WriteStream;
        const piped = progress(fake(false));
        piped.update("x");
        piped.done();
        assert.equal(writes.length, 0);
        const tty = progress(fake(true));
        tty.update("resources analyzed");
        return new Promise<void>((resolve) =>
            setTimeout(() => {
                tty.done();
                assert.ok(writes.some((w) => w.includes("resources analyzed")));
                resolve();
            }, 200),
        );
    });
});
