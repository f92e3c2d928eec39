import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
/** The repository root (no harness import: the pipeline tests load in a bare child mocha). */
const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/** Readers for the delivery files, shared by the pipeline tests (and test/identities.test.ts). */

export const WORKFLOW_DIR = path.join(PROJECT_ROOT, ".github", "workflows");

export interface WorkflowJob {
    workflow: string;
    id: string;
    job: any;
    /** Events that start the workflow. */
    events: string[];
}

export function workflows(): Record<string, any> {
    const out: Record<string, any> = {};
    for (const f of fs
        .readdirSync(WORKFLOW_DIR)
        .filter((f) => f.endsWith(".yml"))
        .sort())
        out[f] = parse(fs.readFileSync(path.join(WORKFLOW_DIR, f), "utf8"));
    return out;
}

export function jobs(): WorkflowJob[] {
    const list: WorkflowJob[] = [];
    for (const [workflow, doc] of Object.entries(workflows())) {
        const on = doc.on ?? doc[true as any];
        const events = typeof on === "string" ? [on] : Array.isArray(on) ? on : Object.keys(on ?? {});
        for (const [id, job] of Object.entries<any>(doc.jobs ?? {})) list.push({ workflow, id, job, events });
    }
    return list;
}

export interface AssumedRole {
    workflow: string;
    job: string;
    account: string;
    role: string;
    environment?: string;
    events: string[];
}

/** Every `aws-actions/configure-aws-credentials` step: which role, from which job context. */
export function assumedRoles(): AssumedRole[] {
    const out: AssumedRole[] = [];
    for (const j of jobs())
        for (const step of j.job.steps ?? []) {
            if (!String(step.uses ?? "").startsWith("aws-actions/configure-aws-credentials")) continue;
            const target = String(step.with?.["role-to-assume"] ?? "");
            // The sandbox of the e2e run is the user's own account: its role comes from a repository variable.
            if (j.workflow === "e2e.yml" && target === "${{ vars.E2E_ROLE_ARN }}") continue;
            const m = /^arn:aws:iam::(\d{12}):role\/([\w+=,.@-]+)$/.exec(target);
            if (!m)
                throw new Error(
                    `${j.workflow}/${j.id}: role-to-assume must be a literal role ARN, got ${step.with?.["role-to-assume"]}`,
                );
            const env = j.job.environment;
            out.push({
                workflow: j.workflow,
                job: j.id,
                account: m[1],
                role: m[2],
                environment: typeof env === "object" ? env?.name : env,
                events: j.events,
            });
        }
    return out;
}

/** The OIDC `sub` GitHub puts in a job's token (docs.github.com, OpenID Connect reference: subject claims). */
export function subjectOf(repo: string, r: Pick<AssumedRole, "environment" | "events">): string {
    if (r.environment) return `repo:${repo}:environment:${r.environment}`;
    if (r.events.length === 1 && r.events[0] === "pull_request") return `repo:${repo}:pull_request`;
    return `repo:${repo}:ref:refs/heads/main`;
}

/** Brace-matched blocks of a Jenkinsfile: `stage('Name') { ... }` → body text. */
export function jenkinsStages(text: string): Map<string, string> {
    const stages = new Map<string, string>();
    const re = /stage\('([^']+)'\)\s*\{/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
        let depth = 1;
        let i = re.lastIndex;
        for (; i < text.length && depth > 0; i++) depth += text[i] === "{" ? 1 : text[i] === "}" ? -1 : 0;
        stages.set(m[1], text.slice(re.lastIndex, i - 1));
    }
    return stages;
}

/** The string literal of every `sh` step (single, double or triple quoted), with its quote. */
export function shellSteps(text: string): { quote: string; body: string }[] {
    const out: { quote: string; body: string }[] = [];
    const re = /\bsh\s*\(?\s*(?:script:\s*)?('''|"""|'|")/g;
    for (let m = re.exec(text); m; m = re.exec(text)) {
        const quote = m[1];
        const end = text.indexOf(quote, re.lastIndex);
        out.push({ quote, body: text.slice(re.lastIndex, end) });
        re.lastIndex = end + quote.length;
    }
    return out;
}
