// One pull-request comment per stack, updated in place on every run (a hidden marker finds it), so
// the conversation shows the current state of each stack instead of a growing list of stale previews.
// Called from actions/github-script; unit-tested in test/pipelines.test.ts with a fake client.
"use strict";
const fs = require("fs");

/** GitHub caps a comment body at 65536 characters; keep the tail, where the summary and errors are. */
const MAX_OUTPUT = 60000;

const marker = (stack) => `<!-- platform-pr-comment:${stack} -->`;

function render({ stack, title, outcome, text, note, runUrl }) {
    const clipped =
        text.length > MAX_OUTPUT
            ? `(first ${text.length - MAX_OUTPUT} characters cut)\n${text.slice(-MAX_OUTPUT)}`
            : text;
    const lines = [marker(stack), `### \`${stack}\`: ${title} (${outcome || "unknown"})`];
    if (note) lines.push(`> ${note}`);
    if (runUrl) lines.push(`[Run](${runUrl})`);
    lines.push("<details><summary>Output</summary>", "", "```", clipped.replace(/```/g, "'''"), "```", "</details>");
    return lines.join("\n");
}

async function upsertStackComment({ github, context, stack, title, outcome, file, note }) {
    const text = file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "(no output)";
    const runUrl = context.runId
        ? `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`
        : "";
    const body = render({ stack, title, outcome, text, note, runUrl });
    const issue_number = context.issue.number;
    const comments = await github.paginate(github.rest.issues.listComments, {
        ...context.repo,
        issue_number,
        per_page: 100,
    });
    const mine = comments.find((c) => typeof c.body === "string" && c.body.startsWith(marker(stack)));
    if (mine) {
        await github.rest.issues.updateComment({ ...context.repo, comment_id: mine.id, body });
        return { updated: mine.id };
    }
    const created = await github.rest.issues.createComment({ ...context.repo, issue_number, body });
    return { created: created.data.id };
}

module.exports = { upsertStackComment, render, marker, MAX_OUTPUT };
