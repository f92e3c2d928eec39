import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    AuditInputError,
    evaluate,
    format,
    parseAllowlist,
    parseReport,
    type AllowlistEntry,
} from "../tools/lib/audit";

/**
 * The dependency-audit gate on recorded `npm audit --json` reports (the registry's audit endpoint is unreachable
 * here: test/fixtures/audit/README.md).
 */

const ROOT = path.resolve(__dirname, "..");
const FIXTURES = path.join(ROOT, "test/fixtures/audit");
const recorded = () => JSON.parse(fs.readFileSync(path.join(FIXTURES, "npm-audit-report.json"), "utf8"));
const NOW = new Date("2026-11-29T12:00:00Z");
const braces: AllowlistEntry = {
    id: "GHSA-grv7-fg5c-xmjg",
    package: "braces",
    reason: "dev-only watcher, never fed user input",
    reviewer: "a.reviewer",
    expires: "2026-12-31",
};

describe("dependency audit gate", () => {
    it("reads each advisory of the recorded report once, with its own severity, and skips the 'depends on' entries", () => {
        const findings = parseReport(recorded());
        assert.deepEqual(
            findings.map((f) => `${f.severity} ${f.package} ${f.id}`),
            [
                "high braces GHSA-grv7-fg5c-xmjg",
                "moderate js-yaml GHSA-mh29-5h37-fv8m",
                "moderate micromatch GHSA-952p-6rrq-rcjv",
            ],
        );
        const b = findings[0];
        assert.equal(b.range, "<3.0.3");
        assert.deepEqual(b.nodes, ["node_modules/braces"]);
        assert.match(b.fix, /live-server@1\.2\.0, a breaking change/);
    });

    it("fails on a high advisory that no allowlist entry covers", () => {
        const r = evaluate(parseReport(recorded()), [], "high", NOW);
        assert.equal(r.passed, false);
        assert.deepEqual(
            r.blocking.map((f) => f.id),
            ["GHSA-grv7-fg5c-xmjg"],
        );
        assert.equal(r.below.length, 2);
        assert.match(format(r, "high").join("\n"), /^BLOCKING {2}HIGH braces <3\.0\.3 GHSA-grv7-fg5c-xmjg/m);
    });

    it("fails on a critical advisory, and on every finding at or above a lower level", () => {
        const report = recorded();
        report.vulnerabilities["js-yaml"].via[0].severity = "critical";
        assert.deepEqual(
            evaluate(parseReport(report), [braces], "high", NOW).blocking.map((f) => `${f.severity} ${f.package}`),
            ["critical js-yaml"],
        );
        assert.deepEqual(
            evaluate(parseReport(recorded()), [], "moderate", NOW).blocking.map((f) => f.package),
            ["braces", "js-yaml", "micromatch"],
        );
        assert.equal(evaluate(parseReport(recorded()), [], "critical", NOW).passed, true);
    });

    it("passes when a live, reviewed entry covers the advisory on that package", () => {
        const r = evaluate(parseReport(recorded()), parseAllowlist({ entries: [braces] }, NOW), "high", NOW);
        assert.equal(r.passed, true);
        assert.deepEqual(
            r.allowed.map((a) => a.entry.reviewer),
            ["a.reviewer"],
        );
        assert.match(
            format(r, "high").join("\n"),
            /ALLOWED {3}HIGH braces .* until 2026-12-31 by a\.reviewer: dev-only watcher/,
        );
    });

    it("does not let an entry for the same advisory on another package, or another advisory, cover a finding", () => {
        const otherPackage = { ...braces, package: "micromatch" };
        const otherAdvisory = { ...braces, id: "GHSA-952p-6rrq-rcjv" };
        const r = evaluate(parseReport(recorded()), [otherPackage, otherAdvisory], "high", NOW);
        assert.equal(r.passed, false);
        assert.deepEqual(
            r.blocking.map((f) => f.package),
            ["braces"],
        );
        assert.equal(r.unused.length, 2);
        assert.match(
            format(r, "high").join("\n"),
            /UNUSED {4}allowlist entry GHSA-grv7-fg5c-xmjg on micromatch matches no finding: remove it/,
        );
    });

    it("holds an entry through its expiry day and fails the gate the day after, even with nothing to allow", () => {
        const entries = [braces];
        assert.equal(evaluate(parseReport(recorded()), entries, "high", new Date("2026-12-31T23:59:59Z")).passed, true);
        const after = evaluate(parseReport(recorded()), entries, "high", new Date("2027-01-01T00:00:00Z"));
        assert.equal(after.passed, false);
        assert.deepEqual(after.expired, entries);
        assert.deepEqual(
            after.blocking.map((f) => f.package),
            ["braces"],
        );
        const clean = evaluate([], entries, "high", new Date("2027-01-01T00:00:00Z"));
        assert.equal(clean.passed, false);
        assert.match(
            format(clean, "high").join("\n"),
            /EXPIRED {3}allowlist entry GHSA-grv7-fg5c-xmjg on braces expired 2026-12-31 .*renew it after a new review, or remove it/,
        );
    });

    it("rejects a malformed allowlist, naming the entry, field, value and what is allowed", () => {
        const bad = (doc: unknown) => {
            try {
                parseAllowlist(doc, NOW);
            } catch (e) {
                assert.ok(e instanceof AuditInputError);
                return (e as Error).message;
            }
            assert.fail("accepted");
        };
        assert.match(bad([]), /an object with an "entries" array/);
        assert.match(
            bad({ entries: [{ ...braces, reviewer: " " }] }),
            /entries\[0\]\.reviewer = " ": a non-empty string is required/,
        );
        assert.match(bad({ entries: [{ ...braces, reason: undefined }] }), /entries\[0\]\.reason = undefined/);
        assert.match(
            bad({ entries: [{ ...braces, id: "CVE-2024-4068" }] }),
            /entries\[0\]\.id = "CVE-2024-4068": a GHSA id/,
        );
        assert.match(
            bad({ entries: [{ ...braces, expires: "2026-02-30" }] }),
            /expires = "2026-02-30": a calendar date YYYY-MM-DD/,
        );
        assert.match(bad({ entries: [{ ...braces, expires: "31/12/2026" }] }), /a calendar date YYYY-MM-DD/);
        assert.match(bad({ entries: [{ ...braces, expires: "2027-06-01" }] }), /at most 180 days ahead/);
        assert.match(
            bad({ entries: [braces, { ...braces }] }),
            /entries\[1\]: GHSA-grv7-fg5c-xmjg on braces is listed twice/,
        );
        assert.match(bad({ entries: [{ ...braces, approved: true }] }), /entries\[0\]\.approved is not a known field/);
        assert.deepEqual(parseAllowlist({ entries: [{ ...braces, id: "1098094" }] }, NOW)[0].id, "1098094");
    });

    it("fails closed when npm audit could not reach the registry or the report is not npm's v2 format", () => {
        const endpointError = JSON.parse(fs.readFileSync(path.join(FIXTURES, "npm-audit-endpoint-error.json"), "utf8"));
        assert.throws(() => parseReport(endpointError), /npm audit could not run: 405 Method Not Allowed/);
        assert.throws(() => parseReport({ advisories: {} }), /not npm's v2 format/);
        const noSeverity = recorded();
        delete noSeverity.vulnerabilities.braces.via[0].severity;
        assert.throws(
            () => parseReport(noSeverity),
            /advisory "https:\/\/github.com\/advisories\/GHSA-grv7-fg5c-xmjg" on braces has severity undefined/,
        );
    });

    it("keeps the committed allowlist valid and unexpired", () => {
        const doc = JSON.parse(fs.readFileSync(path.join(ROOT, "audit-allowlist.json"), "utf8"));
        const entries = parseAllowlist(doc, new Date());
        assert.deepEqual(evaluate([], entries, "high", new Date()).expired, []);
    });

    describe("npm run audit-gate", function () {
        this.timeout(60_000);
        const gate = (...args: string[]) => {
            const r = spawnSync(
                process.execPath,
                [path.join(ROOT, "node_modules/.bin/ts-node"), "--transpile-only", "tools/audit.ts", ...args],
                { cwd: ROOT, encoding: "utf8" },
            );
            return { status: r.status, output: `${r.stdout}${r.stderr}` };
        };
        const allowlist = (entries: AllowlistEntry[]) => {
            const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "allow-")), "audit-allowlist.json");
            fs.writeFileSync(file, JSON.stringify({ entries }));
            return file;
        };
        const report = path.join(FIXTURES, "npm-audit-report.json");
        const today = new Date().toISOString().slice(0, 10);

        it("exits 1 on the recorded report's high advisory, 0 once it is allowed, 2 on the endpoint error, 64 on a bad level", () => {
            const failed = gate("--report", report, "--allowlist", allowlist([]));
            assert.equal(failed.status, 1, failed.output);
            assert.match(failed.output, /audit gate: FAILED \(1 blocking at high or above/);
            const passed = gate("--report", report, "--allowlist", allowlist([{ ...braces, expires: today }]));
            assert.equal(passed.status, 0, passed.output);
            const closed = gate("--report", path.join(FIXTURES, "npm-audit-endpoint-error.json"));
            assert.equal(closed.status, 2, closed.output);
            assert.match(closed.output, /audit gate: cannot decide: npm audit could not run/);
            const usage = gate("--level", "severe");
            assert.equal(usage.status, 64, usage.output);
            assert.match(usage.output, /--level "severe": allowed are low, moderate, high, critical/);
        });
    });
});
