/**
 * `npm run github-environments -- --repo <owner>/<name>`
 *
 * Checks the GitHub side of the delivery contract (docs/delivery.md, "GitHub environments"). A job that
 * names a missing environment makes GitHub create it on the spot WITHOUT protection, so the deploy
 * workflow runs this before any deploy job and fails on the first gap:
 *   dev, prod       exist; deploy only from `main` (a custom deployment-branch policy naming main and
 *                   nothing else); the deploy roles trust exactly these environments (bootstrap/).
 *   prod-approval   the same, plus required reviewers (at least one), self-review prevented, and
 *                   administrators cannot bypass it.
 * Reads the settings with `gh api` (GH_TOKEN; in Actions the job token with `actions: read`).
 * REST: GET /repos/{o}/{r}/environments/{name} and .../deployment-branch-policies (docs.github.com,
 * "REST API endpoints for deployment environments" / "deployment branch policies").
 * Required reviewers on a private repository need GitHub Enterprise (Team/Pro have environments and
 * branch policies but not reviewers); on a public repository every plan has them.
 */
import { execFileSync } from "child_process";
import { parseArgs } from "util";

export interface ApiResponse {
    status: number;
    body: any;
}
export type Api = (path: string) => ApiResponse;

export interface EnvironmentRule {
    name: string;
    /** Branch names (type branch) allowed to deploy; exactly these. */
    branches: string[];
    reviewers: boolean;
}

/** The contract with bootstrap's trust policies and the workflows (test/pipelines.test.ts ties them). */
export const ENVIRONMENTS: EnvironmentRule[] = [
    { name: "dev", branches: ["main"], reviewers: false },
    { name: "prod", branches: ["main"], reviewers: false },
    { name: "prod-approval", branches: ["main"], reviewers: true },
];

export function assess(repo: string, api: Api, rules: EnvironmentRule[] = ENVIRONMENTS): string[] {
    const problems: string[] = [];
    const settings = `https://github.com/${repo}/settings/environments`;
    for (const rule of rules) {
        const env = api(`repos/${repo}/environments/${encodeURIComponent(rule.name)}`);
        if (env.status === 404) {
            problems.push(
                `environment ${rule.name}: missing; GitHub would create it on first use with no protection. Create it in ${settings} as docs/delivery.md describes`,
            );
            continue;
        }
        if (env.status === 401 || env.status === 403) {
            problems.push(
                `environment ${rule.name}: cannot read it (HTTP ${env.status}); the token needs actions:read (job permissions) or repo scope`,
            );
            continue;
        }
        if (env.status !== 200) {
            problems.push(`environment ${rule.name}: GitHub answered HTTP ${env.status}`);
            continue;
        }
        const policy = env.body.deployment_branch_policy;
        if (!policy) {
            problems.push(
                `environment ${rule.name}: deployment branches are "No restriction"; set "Selected branches and tags" with only ${rule.branches.join(", ")}`,
            );
        } else if (policy.protected_branches) {
            problems.push(
                `environment ${rule.name}: deployment branches are "Protected branches only"; any protected branch could deploy. Select only ${rule.branches.join(", ")}`,
            );
        } else if (policy.custom_branch_policies) {
            const list = api(
                `repos/${repo}/environments/${encodeURIComponent(rule.name)}/deployment-branch-policies?per_page=100`,
            );
            const got = ((list.body?.branch_policies ?? []) as { name: string; type?: string }[])
                .map((p) => `${p.type ?? "branch"}:${p.name}`)
                .sort();
            const want = rule.branches.map((b) => `branch:${b}`).sort();
            if (list.status !== 200)
                problems.push(
                    `environment ${rule.name}: cannot read its deployment branch policies (HTTP ${list.status})`,
                );
            else if (got.join() !== want.join())
                problems.push(
                    `environment ${rule.name}: deployment branch policies are [${got.join(", ")}], must be exactly [${want.join(", ")}]`,
                );
        }
        const reviewers = ((env.body.protection_rules ?? []) as any[]).find((r) => r.type === "required_reviewers");
        if (rule.reviewers) {
            if (!reviewers || !(reviewers.reviewers?.length > 0))
                problems.push(
                    `environment ${rule.name}: no required reviewers; add the prod approvers team (a private repository needs GitHub Enterprise for this)`,
                );
            else if (reviewers.prevent_self_review !== true)
                problems.push(
                    `environment ${rule.name}: "Prevent self-review" is off; whoever pushed to main could approve their own change`,
                );
            if (env.body.can_admins_bypass !== false)
                problems.push(
                    `environment ${rule.name}: administrators can bypass the protection rules; turn "Allow administrators to bypass" off`,
                );
        }
    }
    return problems;
}

/** `gh api --include` → status + JSON body; gh exits non-zero on HTTP errors but still prints them. */
export function ghApi(path: string): ApiResponse {
    let out: string;
    try {
        out = execFileSync("gh", ["api", "--include", "-H", "X-GitHub-Api-Version: 2022-11-28", path], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
    } catch (e: any) {
        if (e.code === "ENOENT") throw new Error("the GitHub CLI (gh) is not installed");
        out = String(e.stdout ?? "");
        if (!out) throw new Error(`gh api ${path} failed: ${String(e.stderr ?? e.message).trim()}`);
    }
    const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(out)?.[1] ?? 0);
    const split = out.search(/\r?\n\r?\n/);
    const text = split >= 0 ? out.slice(split).trim() : "";
    let body: unknown = null;
    try {
        body = text ? JSON.parse(text) : null;
    } catch {
        body = text;
    }
    return { status, body };
}

export function main(argv: string[], api: Api = ghApi): number {
    const { values } = parseArgs({ args: argv, options: { repo: { type: "string" } } });
    const repo = values.repo ?? process.env.GITHUB_REPOSITORY;
    if (!repo || !/^[\w.-]+\/[\w.-]+$/.test(repo)) {
        console.error("usage: npm run github-environments -- --repo <owner>/<name> (or GITHUB_REPOSITORY)");
        return 64;
    }
    let problems: string[];
    try {
        problems = assess(repo, api);
    } catch (e) {
        console.error(`github-environments: ${(e as Error).message}`);
        return 69;
    }
    for (const p of problems) console.error(`✗ ${p}`);
    if (problems.length) return 1;
    console.log(
        `✓ ${ENVIRONMENTS.map((e) => e.name).join(", ")}: present, main only; prod-approval has required reviewers`,
    );
    return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
