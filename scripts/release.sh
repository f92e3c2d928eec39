#!/usr/bin/env bash
# App release path: record a built, scanned image tag in the stack config and roll it out with
# policy. The image was pushed to ECR by the app's own pipeline (build -> scan -> push -> git tag);
# this step is the "redeploy", so every rollout goes through preview + policy like any change.
#   scripts/release.sh --stack dev --image-tag 1.4.2 [--yes]
#   scripts/release.sh --stack prod --image-tag 1.4.2 --config-only   (stage the tag; the caller previews/ups)
# The tag arrives as an argument (pipelines pass it from an environment variable, never spliced into
# shell text) and is validated before anything uses it.
set -euo pipefail

usage() {
    echo "usage: scripts/release.sh --stack <dev|prod> --image-tag <tag|sha256:digest> [--yes|--config-only]" >&2
    exit 64
}

stack=""
tag=""
yes=()
config_only=false
while [[ $# -gt 0 ]]; do
    case "$1" in
        --stack) [[ $# -ge 2 ]] || usage; stack=$2; shift 2 ;;
        --image-tag) [[ $# -ge 2 ]] || usage; tag=$2; shift 2 ;;
        --yes) yes=(--yes); shift ;;
        --config-only) config_only=true; shift ;;
        *) usage ;;
    esac
done
[[ -n "$stack" && -n "$tag" ]] || usage
[[ "$stack" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || usage
# The same rule config.ts enforces: a pinned tag or digest, never "latest".
if [[ "$tag" == latest || ! "$tag" =~ ^(sha256:[a-f0-9]{64}|[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$ ]]; then
    echo "scripts/release.sh: '$tag' is not a pinned image tag or sha256 digest" >&2
    exit 64
fi
command -v pulumi >/dev/null || { echo "scripts/release.sh: the pulumi CLI is not installed" >&2; exit 69; }

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
pulumi config set --stack "$stack" --path 'platform:app.imageTag' "$tag"
$config_only && exit 0
exec bash scripts/pulumi.sh up --stack "$stack" --message "release image $tag" "${yes[@]}"
