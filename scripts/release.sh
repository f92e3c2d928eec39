#!/usr/bin/env bash
# App release: record a built, scanned image in git. The image was pushed to ECR by the app's own
# pipeline (build -> scan -> push). This step pins it by digest (tag@sha256:..., which satisfies the pack's
# image pinning control K8S-11), writes it to Pulumi.<stack>.yaml as a string, and commits it on a release
# branch with a pull request. Merging the PR runs the normal pipeline (preview, policy, approval, up), so
# main and the running system always agree and the next push cannot roll the release back.
#   scripts/release.sh --stack dev --image-tag 1.4.2 [--digest sha256:<64 hex>] [--no-push]
# Pipeline modes (the digest is pinned the same way; the file is changed in the working copy only, so the
# release must also be merged to main or the next push redeploys the old tag):
#   scripts/release.sh --stack prod --image-tag 1.4.2 --config-only   (stage the tag; the caller previews/ups)
#   scripts/release.sh --stack dev --image-tag 1.4.2 --yes            (stage it and `up` with the policy pack)
# The tag arrives as an argument (pipelines pass it from an environment variable, never spliced into
# shell text) and is validated before anything uses it.
# Needs: git; aws (ecr:DescribeImages on the app repository) unless --digest is given; gh to open the PR.
set -euo pipefail

usage() {
    echo "usage: scripts/release.sh --stack <dev|prod> --image-tag <tag> [--digest sha256:<hex>] [--no-push|--config-only|--yes]" >&2
    exit 64
}

stack=""
tag=""
digest=""
push=true
mode=commit
while [[ $# -gt 0 ]]; do
    case "$1" in
        --stack) [[ $# -ge 2 ]] || usage; stack=$2; shift 2 ;;
        --image-tag) [[ $# -ge 2 ]] || usage; tag=$2; shift 2 ;;
        --digest) [[ $# -ge 2 ]] || usage; digest=$2; shift 2 ;;
        --no-push) push=false; shift ;;
        --config-only) mode=config; shift ;;
        --yes) mode=up; shift ;;
        *) usage ;;
    esac
done
[[ -n "$stack" && -n "$tag" ]] || usage
[[ "$stack" =~ ^[a-z0-9-]+$ ]] || { echo "scripts/release.sh: '$stack' is not a stack name" >&2; exit 64; }
# The same rule config.ts enforces: a pinned tag, never "latest" (a digest is added below).
if [[ "$tag" == latest || ! "$tag" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$ ]]; then
    echo "scripts/release.sh: '$tag' is not a pinned image tag" >&2
    exit 64
fi
if [[ -n "$digest" && ! "$digest" =~ ^sha256:[a-f0-9]{64}$ ]]; then
    echo "scripts/release.sh: '$digest' is not a sha256 image digest" >&2
    exit 64
fi

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
file="Pulumi.$stack.yaml"
[[ -f "$file" ]] || { echo "scripts/release.sh: no $file" >&2; exit 66; }

repository=$(node -e 'const Y=require("yaml");const c=Y.parse(require("fs").readFileSync(process.argv[1],"utf8")).config;process.stdout.write(String((c["platform:app"]||{}).name||"shop-api"))' "$file")
if [[ -z "$digest" ]]; then
    command -v aws >/dev/null || { echo "scripts/release.sh: the aws CLI is needed to resolve the digest (or pass --digest)" >&2; exit 69; }
    digest=$(aws ecr describe-images --repository-name "$repository" --image-ids "imageTag=$tag" --query 'imageDetails[0].imageDigest' --output text)
    if [[ ! "$digest" =~ ^sha256:[a-f0-9]{64}$ ]]; then
        echo "scripts/release.sh: $repository:$tag is not in ECR (got '$digest'): push and scan it first" >&2
        exit 65
    fi
fi

image="$tag@$digest"
if [[ "$mode" != commit ]]; then
    node scripts/set-image-tag.cjs "$file" "$image"
    echo "scripts/release.sh: staged $image in $file (working copy only: merge the release to main to keep it)" >&2
    [[ "$mode" == config ]] && exit 0
    exec bash scripts/pulumi.sh up --stack "$stack" --message "release image $image" --yes
fi
branch="release/$stack-$tag"
git switch --quiet -c "$branch"
node scripts/set-image-tag.cjs "$file" "$image"
git add "$file"
git commit --quiet -m "release: $stack runs $repository $image" -m "Pinned by digest (K8S-11). Merging this runs the deploy pipeline."
echo "scripts/release.sh: committed $image to $file on $branch"
if [[ "$push" == true ]]; then
    git push --quiet origin "$branch"
    command -v gh >/dev/null || { echo "scripts/release.sh: pushed $branch; open the pull request (gh is not installed)" >&2; exit 0; }
    gh pr create --base main --head "$branch" --title "release: $stack $tag" --body "Pins \`$image\` in \`$file\`. The PR preview shows the rollout; merging deploys it through the pipeline."
fi
