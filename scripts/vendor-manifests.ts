/**
 * Refreshes the upstream Kubernetes manifests the program declares as typed resources
 * (vendor/<name>/<version>/...), and records the sha256 of every file in vendor/<name>/<version>/manifest.json.
 *
 *   npm run vendor:nginx-gateway-fabric -- --version 2.6.7              # from the tag's raw files on GitHub
 *   npm run vendor:gateway-api -- --version 1.5.1 --git-dir ~/src/gateway-api/.git   # from a local clone's tag
 *   npm run vendor:gateway-api -- --version 1.5.1 --from ~/src/gateway-api            # from a checked-out tree
 *   npm run vendor:check                                                 # verify every vendored file (also a test)
 *
 * The file list per source is fixed here, so a refresh is reproducible: the same tag gives the same bytes and checksums.
 * After a refresh, bump the version constant in components/ingress.ts and read the upstream diff before committing.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { GATEWAY_API_CRD_FILES, VENDOR_ROOT, VendorManifest, sha256, verifyVendored } from "../components/vendored";

interface Source {
    /** Git tag of a version. */
    tag: (version: string) => string;
    /** Raw file URL of a path at a tag. */
    url: (tag: string, file: string) => string;
    /** Paths inside the upstream repository, as kept under vendor/<name>/<version>/. */
    files: string[];
}

export const SOURCES: Record<string, Source> = {
    // https://github.com/nginx/nginx-gateway-fabric/tree/main/deploy: "generated from the Helm Chart examples" (deploy/README.md).
    "nginx-gateway-fabric": {
        tag: (v) => `v${v}`,
        url: (tag, file) => `https://raw.githubusercontent.com/nginx/nginx-gateway-fabric/${tag}/${file}`,
        files: ["deploy/crds.yaml", "deploy/nodeport/deploy.yaml"],
    },
    // The standard channel, the set NGF's config/crd/gateway-api/standard/kustomization.yaml installs.
    "gateway-api": {
        tag: (v) => `v${v}`,
        url: (tag, file) => `https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/${tag}/${file}`,
        files: GATEWAY_API_CRD_FILES,
    },
};

async function read(
    source: Source,
    tag: string,
    file: string,
    opts: { from?: string; gitDir?: string },
): Promise<Buffer> {
    if (opts.gitDir)
        return execFileSync("git", ["--git-dir", opts.gitDir, "show", `${tag}:${file}`], { maxBuffer: 64 << 20 });
    if (opts.from) return fs.readFileSync(path.join(opts.from, file));
    const url = source.url(tag, file);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
}

/** Writes every file of `name` at `version` and its manifest; returns the manifest. */
export async function vendor(
    name: string,
    version: string,
    opts: { from?: string; gitDir?: string; root?: string } = {},
): Promise<VendorManifest> {
    const source = SOURCES[name];
    if (!source) throw new Error(`unknown vendored source "${name}": one of ${Object.keys(SOURCES).join(", ")}`);
    if (!/^\d+\.\d+\.\d+$/.test(version))
        throw new Error(`--version must be a release version like 1.2.3, got "${version}"`);
    const tag = source.tag(version);
    const dir = path.join(opts.root ?? VENDOR_ROOT, name, version);
    const files: Record<string, string> = {};
    for (const file of source.files) {
        const bytes = await read(source, tag, file, opts);
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), bytes);
        files[file] = sha256(bytes);
    }
    const manifest: VendorManifest = {
        name,
        version,
        tag,
        ...(opts.gitDir
            ? {
                  commit: execFileSync("git", ["--git-dir", opts.gitDir, "rev-parse", `${tag}^{commit}`])
                      .toString()
                      .trim(),
              }
            : {}),
        source:
            opts.gitDir || opts.from
                ? `${source.url(tag, "")} (read from a local copy of the tag)`
                : source.url(tag, ""),
        files,
    };
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    return manifest;
}

async function main(): Promise<void> {
    const { values } = parseArgs({
        options: {
            name: { type: "string" },
            version: { type: "string" },
            from: { type: "string" },
            "git-dir": { type: "string" },
            check: { type: "boolean", default: false },
        },
    });
    if (values.check) {
        const problems = verifyVendored();
        for (const p of problems) console.error(p);
        if (problems.length > 0) process.exit(1);
        console.log("vendored manifests match their recorded sha256");
        return;
    }
    if (!values.name || !values.version)
        throw new Error("usage: vendor-manifests --name <source> --version <x.y.z> [--from <dir> | --git-dir <dir>]");
    const manifest = await vendor(values.name, values.version, { from: values.from, gitDir: values["git-dir"] });
    for (const [file, sum] of Object.entries(manifest.files))
        console.log(`${sum}  ${manifest.name}/${manifest.version}/${file}`);
}

if (require.main === module) {
    main().catch((e: Error) => {
        console.error(e.message);
        process.exit(1);
    });
}
