import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/**
 * A temporary `git worktree` of the base commit for `check --base <ref>`. The worktree shares this
 * checkout's node_modules (a symlink, so both programs load the same @pulumi/* modules and the same
 * compile cache: a file unchanged since the base compiles to a cache hit) and is removed afterwards,
 * whatever happened. A worktree left behind by a killed run is pruned by the next one.
 */

export class BaseRefError extends Error {}

function git(cwd: string, args: string[]): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** The commit `ref` names in the repository containing `root`, or a BaseRefError that says how to get it. */
export function resolveBase(root: string, ref: string): string {
    try {
        git(root, ["rev-parse", "--is-inside-work-tree"]);
    } catch {
        throw new BaseRefError(`--base needs a git checkout; ${root} is not one`);
    }
    try {
        return git(root, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    } catch {
        throw new BaseRefError(
            `--base ${ref}: no such commit here. In CI, fetch it first (actions/checkout with fetch-depth: 0, or \`git fetch origin ${ref.replace(/^origin\//, "")}\`).`,
        );
    }
}

/**
 * Runs `work` with the project root of `commit` checked out in a temporary worktree (the same
 * subdirectory of the repository as `root`), then removes the worktree.
 */
export async function withBaseWorktree<T>(
    root: string,
    commit: string,
    work: (baseRoot: string) => Promise<T>,
): Promise<T> {
    const top = git(root, ["rev-parse", "--show-toplevel"]);
    const prefix = path.relative(top, root);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "platform-check-base-"));
    try {
        git(root, ["worktree", "prune"]);
        git(root, ["worktree", "add", "--detach", "--quiet", dir, commit]);
    } catch (e) {
        fs.rmSync(dir, { recursive: true, force: true });
        throw new BaseRefError(
            `--base: cannot check out ${commit.slice(0, 12)}: ${(e as Error).message.split("\n")[0]}`,
        );
    }
    const baseRoot = path.join(dir, prefix);
    try {
        const modules = path.join(root, "node_modules");
        if (fs.existsSync(modules) && !fs.existsSync(path.join(baseRoot, "node_modules")))
            fs.symlinkSync(modules, path.join(baseRoot, "node_modules"), "dir");
        return await work(baseRoot);
    } finally {
        try {
            git(root, ["worktree", "remove", "--force", dir]);
        } catch {
            // removed below; `git worktree prune` forgets it on the next run
        }
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
