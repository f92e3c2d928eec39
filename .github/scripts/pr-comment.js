// One pull-request comment per stack, updated in place on every run (a hidden marker finds it), so
// the conversation shows the current state of each stack instead of a growing list of stale previews.
// Called from actions/github-script; unit-tested in test/pipelines.test.ts with a fake client.
"use strict";
const fs = require("fs");

/** GitHub caps a comment body at 65536 characters; keep the tail, where the summary and errors are. */
const MAX_OUTPUT = 60000;

const marker = (stack) => `<!-- platform-pr-comment:${stack} -->`;

/** A Markdown summary (check --base --markdown) is shown as it is, above the raw output; capped the same way. */
function render({ stack, title, outcome, text, note, runUrl, summary, maxOutput = MAX_OUTPUT }) {
    const clipped =
        text.length > maxOutput ? `(first ${text.length - maxOutput} characters cut)\n${text.slice(-maxOutput)}` : text;
    const lines = [marker(stack), `### \`${stack}\`: ${title} (${outcome || "unknown"})`];
    if (note) lines.push(`> ${note}`);
    if (runUrl) lines.push(`[Run](${runUrl})`);
    if (summary)
        lines.push("", summary.length > MAX_OUTPUT ? `${summary.slice(0, MAX_OUTPUT)}\n\n(summary cut)` : summary);
    lines.push("<details><summary>Output</summary>", "", "```", clipped.replace(/```/g, "'''"), "```", "</details>");
    return lines.join("\n");
}

async function upsertStackComment({ github, context, stack, title, outcome, file, note, summaryFile }) {
    const text = file && fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "(no output)";
    const summary = summaryFile && fs.existsSync(summaryFile) ? fs.readFileSync(summaryFile, "utf8") : "";
    const runUrl = context.runId
        ? `${context.serverUrl}/${context.repo.owner}/${context.repo.repo}/actions/runs/${context.runId}`
        : "";
    // The raw output is cut further when a summary shares the comment: the body must stay under 65536.
    const room = summary ? Math.max(1000, MAX_OUTPUT - Math.min(summary.length, MAX_OUTPUT)) : MAX_OUTPUT;
    const body = render({
        stack,
        title,
        outcome,
        text,
        maxOutput: room,
        note,
        runUrl,
        summary,
    });
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
