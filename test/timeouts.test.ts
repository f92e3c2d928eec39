import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { RUNNER_BUILD_TIMEOUT_MINUTES } from "../components/runner";
import {
    DEPLOY_JOB_MARGIN_MINUTES,
    MAX_RESOURCE_TIMEOUT_MINUTES,
    RESOURCE_TIMEOUTS_MINUTES,
} from "../components/timeouts";
import { PROJECT_ROOT } from "./support/harness";

/**
 * Issue 17: a deploy job killed mid-update leaves the state locked with pending operations. So every job that
 * runs `up` outlives the longest resource timeout (plus a margin), and the CI runner's build outlives the jobs.
 */

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
/** A step that runs `up`: the wrapper, or a release in its deploying mode (`--config-only` and the git mode do not). */
const RUNS_UP = /npm run (--silent )?up\b|scripts\/pulumi\.sh"? up\b|scripts\/release\.sh[^\n]*--yes/;
const needed = MAX_RESOURCE_TIMEOUT_MINUTES + DEPLOY_JOB_MARGIN_MINUTES;

interface Job {
    where: string;
    minutes: number | undefined;
}

function workflowDeployJobs(): Job[] {
    const dir = path.join(PROJECT_ROOT, ".github", "workflows");
    const jobs: Job[] = [];
    for (const f of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
        const doc = YAML.parse(fs.readFileSync(path.join(dir, f), "utf8")) as { jobs?: Record<string, any> };
        for (const [id, job] of Object.entries(doc.jobs ?? {})) {
            const text = ((job.steps ?? []) as { run?: string }[]).map((step) => step.run ?? "").join("\n");
            if (RUNS_UP.test(text))
                jobs.push({
                    where: `${f} job ${id}`,
                    minutes: job["timeout-minutes"] === undefined ? undefined : Number(job["timeout-minutes"]),
                });
        }
    }
    return jobs;
}

const toMinutes = (time: string, unit: string) =>
    Number(time) * ({ HOURS: 60, MINUTES: 1, SECONDS: 1 / 60 }[unit] ?? NaN);

/** Jenkins: a deploy stage's own `timeout(...)`, else the pipeline's options timeout. */
function jenkinsDeployStages(): Job[] {
    const text = read("Jenkinsfile");
    const global = /options\s*\{[^}]*?timeout\(time:\s*(\d+),\s*unit:\s*'(\w+)'\)/.exec(text);
    const starts = [...text.matchAll(/stage\('([^']+)'\)/g)];
    const jobs: Job[] = [];
    starts.forEach((m, i) => {
        const body = text.slice(m.index!, starts[i + 1]?.index ?? text.length);
        if (!RUNS_UP.test(body)) return;
        const own = /timeout\(time:\s*(\d+),\s*unit:\s*'(\w+)'\)/.exec(body.replace(/input\b[\s\S]*$/, ""));
        const t = own ?? global;
        jobs.push({ where: `Jenkinsfile stage '${m[1]}'`, minutes: t ? toMinutes(t[1], t[2]) : undefined });
    });
    return jobs;
}

describe("timeouts: pipelines outlive every resource", () => {
    it("keeps every resource timeout well under the provider defaults that outlived the job", () => {
        assert.equal(
            RESOURCE_TIMEOUTS_MINUTES.certificateValidation.create,
            15,
            "ACM validation gives up long before the 75-minute default",
        );
        assert.equal(MAX_RESOURCE_TIMEOUT_MINUTES, 45);
    });

    it("wires each timeout into the component that declares the resource", () => {
        const sources = [
            "components/edge.ts",
            "components/database.ts",
            "components/cluster/control-plane.ts",
            "components/cluster/nodes.ts",
        ]
            .map(read)
            .join("\n");
        for (const kind of Object.keys(RESOURCE_TIMEOUTS_MINUTES))
            assert.match(sources, new RegExp(`customTimeouts\\("${kind}"\\)`), kind);
    });

    it(`gives every GitHub Actions job that runs up at least ${needed} minutes`, () => {
        const jobs = workflowDeployJobs();
        assert.ok(jobs.length > 0, "some workflow job runs up");
        for (const j of jobs) {
            assert.ok(
                j.minutes !== undefined,
                `${j.where} sets timeout-minutes (the default is 360, longer than the runner's build)`,
            );
            assert.ok(
                j.minutes! >= needed,
                `${j.where}: timeout-minutes ${j.minutes} < ${needed} (longest resource ${MAX_RESOURCE_TIMEOUT_MINUTES} + margin ${DEPLOY_JOB_MARGIN_MINUTES})`,
            );
            assert.ok(
                j.minutes! < RUNNER_BUILD_TIMEOUT_MINUTES,
                `${j.where}: the CodeBuild runner (${RUNNER_BUILD_TIMEOUT_MINUTES} min) must outlive the job`,
            );
        }
    });

    it(`gives every Jenkins stage that runs up at least ${needed} minutes`, () => {
        const stages = jenkinsDeployStages();
        assert.ok(stages.length > 0, "some Jenkins stage runs up");
        for (const s of stages) {
            assert.ok(s.minutes !== undefined, `${s.where} has no timeout`);
            assert.ok(s.minutes! >= needed, `${s.where}: ${s.minutes} minutes < ${needed}`);
        }
    });

    it("reads HOURS and MINUTES like Jenkins does", () => {
        assert.equal(toMinutes("2", "HOURS"), 120);
        assert.equal(toMinutes("90", "MINUTES"), 90);
    });
});
