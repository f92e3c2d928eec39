#!/usr/bin/env bash
# Makes drift visible: one open issue per stack labelled `drift`; a new failing run comments on it
# instead of opening another. Needs gh and GH_TOKEN with issues:write (the drift workflow's token).
#   scripts/drift-issue.sh <stack> <preview-output-file>
set -euo pipefail
[[ $# -eq 2 ]] || { echo "usage: scripts/drift-issue.sh <stack> <preview-output-file>" >&2; exit 64; }
stack=$1
file=$2
title="Drift: stack $stack differs from main"
run_url="${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/${GITHUB_RUN_ID:-}"
body=$(
    # shellcheck disable=SC2016 # Markdown backticks, not a command substitution
    printf 'The scheduled `pulumi preview --refresh --expect-no-changes` of `%s` found changes ([run](%s)).\n\n' "$stack" "$run_url"
    printf 'Either someone changed AWS outside Pulumi (revert it, or codify it in a PR), or main has commits that never reached the stack (re-run deploy).\n\n'
    printf '<details><summary>Preview (last 200 lines)</summary>\n\n```\n'
    tail -n 200 "$file" 2>/dev/null | sed 's/```/'"'''"'/g' || echo "(no output)"
    printf '```\n</details>\n'
)
gh label create drift --color B60205 --description "Stack differs from main" >/dev/null 2>&1 || true
existing=$(gh issue list --label drift --state open --search "in:title \"$title\"" --json number --jq '.[0].number // empty')
if [[ -n "$existing" ]]; then
    gh issue comment "$existing" --body "$body"
else
    gh issue create --title "$title" --label drift --body "$body"
fi
