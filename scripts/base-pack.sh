#!/usr/bin/env bash
# Checks out the policy pack of a committed ref (the PR's base branch) into .policy-base/<sha>/ and
# prints that directory. Pull-request jobs judge the PR's program with this pack, so a PR that edits
# policy/ cannot also be the one that decides whether its infrastructure passes.
#   scripts/base-pack.sh origin/main   ->   <repo>/.policy-base/<sha>
# The worktree lives inside the repository so the pack resolves @pulumi/policy from the root
# node_modules (policy/ is an npm workspace; its dependencies are hoisted there).
set -euo pipefail
[[ $# -eq 1 && -n "$1" ]] || { echo "usage: scripts/base-pack.sh <git-ref>" >&2; exit 64; }
ref=$1
root=$(cd "$(dirname "$0")/.." && pwd)
sha=$(git -C "$root" rev-parse --verify --quiet "${ref}^{commit}") || {
    echo "base-pack: '$ref' is not a commit in this repository (fetch the base branch first)" >&2
    exit 64
}
dir="$root/.policy-base/$sha"
if [[ ! -d "$dir" ]]; then
    git -C "$root" worktree add --detach --force "$dir" "$sha" >/dev/null 2>&1 || {
        echo "base-pack: could not check out $sha into $dir" >&2
        exit 70
    }
fi
[[ -f "$dir/policy/PulumiPolicy.yaml" ]] || { echo "base-pack: $ref has no policy pack (policy/PulumiPolicy.yaml)" >&2; exit 65; }
echo "$dir"
