#!/usr/bin/env bash
# Prints the pipeline of record, `github` or `jenkins`, from bootstrap/Pulumi.<stack>.yaml
# (`bootstrap:deployPipeline`, default github). The same key decides which CI identities bootstrap
# creates, so the other pipeline has no role to deploy with. Both pipelines call this before any
# deploy stage and skip deploying when it names the other one. Accounts must agree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
answer=""
for file in "$root"/bootstrap/Pulumi.*.yaml; do
    value=$(sed -nE 's/^[[:space:]]*bootstrap:deployPipeline:[[:space:]]*"?([a-z]+)"?[[:space:]]*(#.*)?$/\1/p' "$file")
    value=${value:-github}
    case "$value" in
        github | jenkins) ;;
        *) echo "pipeline-of-record: $file: bootstrap:deployPipeline is '$value'; allowed: github, jenkins" >&2; exit 2 ;;
    esac
    if [[ -n "$answer" && "$answer" != "$value" ]]; then
        echo "pipeline-of-record: the bootstrap stacks disagree ($answer vs $value in $file); one pipeline deploys every account" >&2
        exit 2
    fi
    answer=$value
done
[[ -n "$answer" ]] || { echo "pipeline-of-record: no bootstrap/Pulumi.<stack>.yaml found" >&2; exit 2; }
echo "$answer"
