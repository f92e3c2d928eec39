#!/usr/bin/env bash
# The only way humans and pipelines run Pulumi against a stack: every preview and up loads the
# policy pack with the stack's pack config, so no path skips policy.
#   npm run preview -- --stack prod [extra pulumi flags]
#   npm run up -- --stack prod [--yes] [extra pulumi flags]
set -euo pipefail

usage() {
    echo "usage: scripts/pulumi.sh preview|up --stack <dev|prod> [pulumi flags...]" >&2
    exit 64
}

[[ $# -ge 1 ]] || usage
command=$1
shift
case "$command" in
    preview | up) ;;
    *) usage ;;
esac

stack=""
passthrough=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --stack | -s)
            [[ $# -ge 2 ]] || usage
            stack=$2
            shift 2
            ;;
        --stack=*)
            stack=${1#--stack=}
            shift
            ;;
        --policy-pack*)
            echo "scripts/pulumi.sh: the policy pack and its config are fixed per stack; do not pass $1" >&2
            exit 64
            ;;
        *)
            passthrough+=("$1")
            shift
            ;;
    esac
done
[[ -n "$stack" ]] || usage

root=$(cd "$(dirname "$0")/.." && pwd)
stack_file="$root/Pulumi.$stack.yaml"
pack_config="$root/policy/config/$stack.json"
[[ -f "$stack_file" ]] || { echo "scripts/pulumi.sh: no stack file $stack_file" >&2; exit 64; }
[[ -f "$pack_config" ]] || { echo "scripts/pulumi.sh: no policy pack config $pack_config" >&2; exit 64; }
command -v pulumi >/dev/null || { echo "scripts/pulumi.sh: the pulumi CLI is not installed (https://www.pulumi.com/docs/install/); 'npm run check' works without it" >&2; exit 69; }

# Fail fast on config errors and policy violations before talking to AWS at all.
(cd "$root" && npx ts-node --transpile-only tools/check.ts --stack "$stack" --quiet)

flags=(--stack "$stack" --policy-pack "$root/policy" --policy-pack-config "$pack_config")
if [[ "$command" == preview ]]; then
    flags+=(--diff)
fi
cd "$root"
exec pulumi "$command" "${flags[@]}" "${passthrough[@]}"
