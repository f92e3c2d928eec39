import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";

/** Upstream manifests kept in the repository: vendor/<name>/<version>/<upstream path>, refreshed by scripts/vendor-manifests.ts. */
export const VENDOR_ROOT = path.join(__dirname, "..", "vendor");

/**
 * The Gateway API standard-channel CRDs the ingress controller needs, at their upstream paths: what
 * scripts/vendor-manifests.ts vendors and components/ingress.ts declares.
 */
export const GATEWAY_API_CRD_FILES = [
    "backendtlspolicies",
    "gatewayclasses",
    "gateways",
    "grpcroutes",
    "httproutes",
    "listenersets",
    "referencegrants",
    "tlsroutes",
    "vap_safeupgrades",
].map((crd) => `config/crd/standard/gateway.networking.k8s.io_${crd}.yaml`);

/** vendor/<name>/<version>/manifest.json: where the files came from and the sha256 of each. */
export interface VendorManifest {
    name: string;
    version: string;
    tag: string;
    /** The commit the tag pointed at when the files were read from a clone. */
    commit?: string;
    source: string;
    /** Upstream path → sha256 (hex) of the bytes kept under vendor/. */
    files: Record<string, string>;
}

/** A Kubernetes object as parsed from a vendored manifest. */
export interface KubeObject {
    apiVersion: string;
    kind: string;
    metadata: {
        name: string;
        namespace?: string;
        labels?: Record<string, string>;
        annotations?: Record<string, string>;
    };
    [field: string]: any;
}

export function sha256(bytes: Buffer | string): string {
    return createHash("sha256").update(bytes).digest("hex");
}

function manifestOf(root: string, name: string, version: string): VendorManifest {
    const file = path.join(root, name, version, "manifest.json");
    if (!fs.existsSync(file))
        throw new Error(
            `${path.relative(process.cwd(), file)} is missing: run npm run vendor:${name} -- --version ${version}`,
        );
    return JSON.parse(fs.readFileSync(file, "utf8"));
}

/** Every difference between the vendored files and their recorded checksums, as messages (empty when all match). */
export function verifyVendored(root: string = VENDOR_ROOT): string[] {
    const problems: string[] = [];
    if (!fs.existsSync(root)) return [`${root} does not exist`];
    for (const name of fs.readdirSync(root)) {
        for (const version of fs.readdirSync(path.join(root, name))) {
            const manifest = manifestOf(root, name, version);
            if (manifest.name !== name || manifest.version !== version)
                problems.push(`${name}/${version}/manifest.json names ${manifest.name}/${manifest.version}`);
            for (const [file, expected] of Object.entries(manifest.files)) {
                const full = path.join(root, name, version, file);
                if (!fs.existsSync(full)) problems.push(`${name}/${version}/${file} is missing`);
                else if (sha256(fs.readFileSync(full)) !== expected)
                    problems.push(
                        `${name}/${version}/${file} does not match its recorded sha256 ${expected}: re-vendor it, never edit it by hand`,
                    );
            }
        }
    }
    return problems;
}

/**
 * The objects of one vendored file, after checking the file against its recorded sha256: a hand edit or a
 * truncated download fails the program (and `check`) before any object is declared.
 */
export function loadVendored(name: string, version: string, file: string, root: string = VENDOR_ROOT): KubeObject[] {
    const manifest = manifestOf(root, name, version);
    const expected = manifest.files[file];
    if (!expected) throw new Error(`${name}/${version}/manifest.json does not list ${file}`);
    const bytes = fs.readFileSync(path.join(root, name, version, file));
    const actual = sha256(bytes);
    if (actual !== expected)
        throw new Error(
            `vendor/${name}/${version}/${file} has sha256 ${actual}, manifest.json records ${expected}: re-vendor it, never edit it by hand`,
        );
    // Parsing ~2 MB of CRDs takes seconds; a process that runs the program several times (tests, bench) parses
    // each verified file once. Callers get their own copy to harden.
    const key = `${path.join(root, name, version, file)}@${actual}`;
    let parsed = PARSED.get(key);
    if (!parsed) PARSED.set(key, (parsed = cachedParse(actual, () => parse(name, version, file, bytes))));
    return structuredClone(parsed);
}

const PARSED = new Map<string, KubeObject[]>();

/**
 * The parse of a verified file, kept across processes as JSON under node_modules/.cache/platform-vendor/, keyed
 * by the file's sha256 and the yaml package's version: JSON.parse of the vendored files takes about 1/50 of
 * parsing their YAML (26 ms against 1.3 s), which was over a tenth of an offline check's CPU. Derived data only: a missing or unreadable entry is parsed
 * again, and the YAML bytes are always checked against manifest.json first.
 */
function cachedParse(sha: string, parseYaml: () => KubeObject[]): KubeObject[] {
    const dir =
        process.env.PLATFORM_VENDOR_CACHE ?? path.join(__dirname, "..", "node_modules", ".cache", "platform-vendor");
    const file = path.join(dir, `${sha}-yaml${YAML_VERSION}.json`);
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as KubeObject[];
    } catch {
        // not cached yet
    }
    const parsed = parseYaml();
    try {
        fs.mkdirSync(dir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, JSON.stringify(parsed));
        fs.renameSync(tmp, file);
    } catch {
        // a read-only cache only costs speed
    }
    return parsed;
}

const YAML_VERSION = (() => {
    try {
        return (JSON.parse(fs.readFileSync(require.resolve("yaml/package.json"), "utf8")) as { version: string })
            .version;
    } catch {
        return "unknown";
    }
})();

function parse(name: string, version: string, file: string, bytes: Buffer): KubeObject[] {
    return parseAllDocuments(bytes.toString("utf8"))
        .map((doc) => {
            if (doc.errors.length > 0) throw new Error(`vendor/${name}/${version}/${file}: ${doc.errors[0].message}`);
            return doc.toJS() as KubeObject | null;
        })
        .filter((o): o is KubeObject => o !== null && typeof o === "object" && typeof o.kind === "string");
}
