#!/usr/bin/env bash
# The only way humans and pipelines run Pulumi against a stack. Every preview and up:
#   - runs the offline check first (config + policy, no cloud), with the same pack;
#   - loads the policy pack and the stack's pack config (never the caller's);
#   - deploys exactly the program and the Pulumi.<stack>.yaml that were checked.
#   npm run preview -- --stack prod [flags]
#   npm run up -- --stack prod [--yes] [flags]
#   scripts/pulumi.sh preview --stack dev --base-pack origin/main   (pull requests: the base branch's pack)
#   scripts/pulumi.sh --print-command up --stack dev --yes          (print the pulumi command, run nothing)
#
# Flags are ALLOWED BY NAME. Everything else is refused, so a flag added to a future CLI cannot open a
# bypass. Refused on purpose (pulumi/pulumi pkg/cmd/pulumi/operations/{up,preview}.go, pulumi.go):
#   program/config swap: --config-file, -c/--config, --config-path, -C/--cwd, --client, --secrets-provider,
#                        --override-env, --skip-config-validation, a positional [template|url] for up
#   pack swap:           --policy-pack, --policy-pack-config
#   partial updates:     -t/--target, --target-dependents, --target-replace, -x/--exclude, --exclude-dependents,
#                        --replace, --continue-on-error, --ignore-protect, --plan
#   elsewhere/other:     --remote (and its --env, --inherit-settings...), --attach-debugger, --neo, --copilot,
#                        --disable-integrity-checking, -s (use --stack), --run-program
set -euo pipefail

usage() {
    echo "usage: scripts/pulumi.sh [--print-command] preview|up --stack <name> [--base-pack <git-ref>] [allowed pulumi flags...]" >&2
    exit 64
}
refuse() {
    echo "scripts/pulumi.sh: $1 is not allowed: $2" >&2
    exit 64
}

print_only=false
if [[ "${1:-}" == --print-command ]]; then
    print_only=true
    shift
fi
[[ $# -ge 1 ]] || usage
command=$1
shift
case "$command" in
    preview | up) ;;
    *) usage ;;
esac

stack=""
base_ref=""
passthrough=()
json=false
while [[ $# -gt 0 ]]; do
    flag=${1%%=*}
    case "$flag" in
        --stack)
            if [[ "$1" == *=* ]]; then stack=${1#*=}; shift; else [[ $# -ge 2 ]] || usage; stack=$2; shift 2; fi
            ;;
        --base-pack)
            [[ "$command" == preview ]] || refuse "$flag" "only a preview may use another branch's pack; up always uses the checked-out one"
            if [[ "$1" == *=* ]]; then base_ref=${1#*=}; shift; else [[ $# -ge 2 ]] || usage; base_ref=$2; shift 2; fi
            ;;
        # Flags without a value that change only what is printed or how long it takes.
        --yes | -y | --diff | --debug | -d | --expect-no-changes | --non-interactive | --show-config | --show-reads | \
            --show-replacement-steps | --show-sames | --show-full-output | --show-policy-remediations | \
            --suppress-outputs | --suppress-progress | --suppress-permalink | --skip-plugin-pre-install | --strict)
            [[ "$1" == *=* ]] && refuse "$1" "pass $flag without a value"
            passthrough+=("$1")
            shift
            ;;
        --json | -j)
            json=true
            passthrough+=("$1")
            shift
            ;;
        # --refresh reads reality first (drift detection); it takes an optional true/false only as --refresh=.
        --refresh | -r)
            passthrough+=("$1")
            shift
            ;;
        # Flags with a value that change only labels, logs or output files.
        --message | -m | --parallel | -p | --color | --event-log | --save-plan | --import-file)
            [[ "$command" == up && ("$flag" == --save-plan || "$flag" == --import-file) ]] && refuse "$flag" "a preview-only flag"
            if [[ "$1" == *=* ]]; then passthrough+=("$1"); shift; else [[ $# -ge 2 ]] || usage; passthrough+=("$1" "$2"); shift 2; fi
            ;;
        --policy-pack | --policy-pack-config)
            refuse "$flag" "the policy pack and its config are fixed per stack"
            ;;
        --config-file | --config | -c | --config-path | --cwd | -C | --client | --secrets-provider | --override-env | --skip-config-validation)
            refuse "$flag" "the deployed program and config must be exactly what was checked (Pulumi.<stack>.yaml in this checkout)"
            ;;
        --target | -t | --target-dependents | --target-replace | --exclude | -x | --exclude-dependents | --replace | --continue-on-error | --ignore-protect | --plan)
            refuse "$flag" "a partial or forced update is a break-glass operation (docs/security-model.md), not a pipeline run"
            ;;
        -s)
            refuse "$flag" "spell it --stack"
            ;;
        -*)
            refuse "$flag" "not on the wrapper's list of flags that cannot change what is deployed (scripts/pulumi.sh)"
            ;;
        *)
            refuse "'$1'" "no positional arguments (pulumi up [template|url] would deploy another program)"
            ;;
    esac
done
[[ -n "$stack" ]] || usage
# Stack names become file names: no paths, no options.
[[ "$stack" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || refuse "--stack '$stack'" "a stack name such as dev or prod"

root=$(cd "$(dirname "$0")/.." && pwd)
stack_file="$root/Pulumi.$stack.yaml"
[[ -f "$stack_file" ]] || { echo "scripts/pulumi.sh: no stack file $stack_file" >&2; exit 64; }

pack="$root/policy"
if [[ -n "$base_ref" ]]; then
    if $print_only; then pack="<worktree of $base_ref>/policy"; else pack="$(bash "$root/scripts/base-pack.sh" "$base_ref")/policy"; fi
fi
pack_config="$pack/config/$stack.json"
flags=(--stack "$stack" --policy-pack "$pack" --policy-pack-config "$pack_config")
if [[ "$command" == preview ]] && ! $json; then
    flags+=(--diff)
fi
if $print_only; then
    printf '%q ' pulumi "$command" "${flags[@]}" "${passthrough[@]}"
    echo
    exit 0
fi

[[ -f "$pack_config" ]] || { echo "scripts/pulumi.sh: no policy pack config $pack_config" >&2; exit 64; }
# The CLI pinned in .pulumi-version (scripts/toolchain.sh --pulumi installs it into .pulumi-cli/; GitHub's
# pulumi/actions reads the same file): a PR preview and a prod up run the same CLI, or nothing runs.
[[ -x "$root/.pulumi-cli/bin/pulumi" ]] && PATH="$root/.pulumi-cli/bin:$PATH"
command -v pulumi >/dev/null || { echo "scripts/pulumi.sh: the pulumi CLI is not installed (bash scripts/toolchain.sh --pulumi installs the pinned one); 'npm run check' works without it" >&2; exit 69; }
pinned="$(tr -d '[:space:]' <"$root/.pulumi-version")"
[[ "$(pulumi version)" == "v$pinned" ]] || { echo "scripts/pulumi.sh: pulumi $(pulumi version) is not the pinned v$pinned (.pulumi-version): bash scripts/toolchain.sh --pulumi" >&2; exit 69; }
# Settings the CLI also reads from the environment (pulumi/pulumi sdk/go/common/env/env.go) that would
# undo the refusals above: partial updates, unsaved checkpoints, hidden experimental flags.
unset PULUMI_CONTINUE_ON_ERROR PULUMI_RUN_PROGRAM PULUMI_SKIP_CHECKPOINTS PULUMI_EXPERIMENTAL

# Fail fast on config errors and policy violations before talking to AWS at all (stdout stays clean
# for --json: the verdict goes to stderr).
(cd "$root" && npx ts-node --transpile-only tools/check.ts --stack "$stack" --quiet --policy-pack "$pack" --policy-config "$pack_config" >&2)

cd "$root"
exec pulumi "$command" "${flags[@]}" "${passthrough[@]}"
