#!/usr/bin/env bash
# Prints the phase of a stack from Pulumi.<stack>.yaml (`platform:phase`, default full; config.ts PHASES).
# The pipelines use it to route: `foundation` runs on GitHub-hosted runners (AWS APIs only, the VPC
# runner does not exist yet: foundation.yml); `full` runs on the stack's CodeBuild runner in its VPC.
set -euo pipefail
[[ $# -eq 1 && "$1" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || { echo "usage: scripts/stack-phase.sh <stack>" >&2; exit 64; }
root=$(cd "$(dirname "$0")/.." && pwd)
file="$root/Pulumi.$1.yaml"
[[ -f "$file" ]] || { echo "stack-phase: no stack file $file" >&2; exit 64; }
phase=$(sed -nE 's/^[[:space:]]*platform:phase:[[:space:]]*"?([a-z]+)"?[[:space:]]*(#.*)?$/\1/p' "$file")
echo "${phase:-full}"
