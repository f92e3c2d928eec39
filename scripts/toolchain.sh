#!/usr/bin/env bash
# The toolchain every pipeline runs, from the two files that pin it (GitHub Actions reads the same files
# through setup-node `node-version-file` and pulumi/actions `pulumi-version-file`):
#   .node-version    the Node line (the Active LTS): the agent's node must be on it;
#   .pulumi-version  the Pulumi CLI: with --pulumi, installed into .pulumi-cli/ (get.pulumi.com, --install-root),
#                    where scripts/pulumi.sh finds it.
#   bash scripts/toolchain.sh [--pulumi]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

want_node="$(tr -d '[:space:]' <"$root/.node-version")"
have_node="$(node -p 'process.versions.node' 2>/dev/null || echo none)"
if [[ "${have_node%%.*}" != "${want_node%%.*}" ]]; then
    echo "toolchain: node $have_node on this agent, but .node-version pins Node $want_node: give the agent that line (Jenkins NodeJS tool node-${want_node%%.*})" >&2
    exit 2
fi
echo "node $have_node (.node-version $want_node)"

[[ "${1:-}" == --pulumi ]] || exit 0
version="$(tr -d '[:space:]' <"$root/.pulumi-version")"
if [[ ! "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "toolchain: .pulumi-version holds '$version': a release version X.Y.Z is required" >&2
    exit 2
fi
dest="$root/.pulumi-cli"
if [[ ! -x "$dest/bin/pulumi" || "$("$dest/bin/pulumi" version)" != "v$version" ]]; then
    curl -fsSL https://get.pulumi.com | sh -s -- --version "$version" --install-root "$dest" --no-edit-path >&2
fi
echo "pulumi $("$dest/bin/pulumi" version) in $dest/bin (.pulumi-version $version)"
