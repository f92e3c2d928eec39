import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GATEWAY_API, NGF } from "../components/ingress";
import { VENDOR_ROOT, loadVendored, sha256, verifyVendored } from "../components/vendored";
import { SOURCES, vendor } from "../scripts/vendor-manifests";

/** A scratch copy of vendor/ (or an empty directory) that a test may damage. */
function scratch(copy = true): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-"));
    if (copy) fs.cpSync(VENDOR_ROOT, dir, { recursive: true });
    return dir;
}

describe("vendored upstream manifests", () => {
    it("match the sha256 recorded for every file", () => {
        assert.deepEqual(verifyVendored(), []);
        for (const { name, version } of [NGF, GATEWAY_API]) {
            const manifest = JSON.parse(
                fs.readFileSync(path.join(VENDOR_ROOT, name, version, "manifest.json"), "utf8"),
            );
            assert.deepEqual(
                Object.keys(manifest.files).sort(),
                [...SOURCES[name].files].sort(),
                `${name} keeps exactly its source's file list`,
            );
            assert.equal(manifest.tag, `v${version}`);
            assert.match(manifest.commit, /^[0-9a-f]{40}$/);
        }
    });

    it("detect a hand edit: the check reports it and the program refuses to load the file", () => {
        const dir = scratch();
        const file = path.join(dir, NGF.name, NGF.version, "deploy/nodeport/deploy.yaml");
        fs.writeFileSync(
            file,
            fs.readFileSync(file, "utf8").replace("--gatewayclass=nginx", "--gatewayclass=nginx\n        - --snippets"),
        );
        const problems = verifyVendored(dir);
        assert.equal(problems.length, 1);
        assert.match(
            problems[0],
            /nginx-gateway-fabric\/2\.6\.7\/deploy\/nodeport\/deploy\.yaml does not match its recorded sha256/,
        );
        assert.throws(
            () => loadVendored(NGF.name, NGF.version, "deploy/nodeport/deploy.yaml", dir),
            /has sha256 [0-9a-f]{64}, manifest\.json records/,
        );
    });

    it("detect a missing file and a file the manifest does not list", () => {
        const dir = scratch();
        fs.rmSync(path.join(dir, NGF.name, NGF.version, "deploy/crds.yaml"));
        assert.deepEqual(verifyVendored(dir), ["nginx-gateway-fabric/2.6.7/deploy/crds.yaml is missing"]);
        assert.throws(
            () => loadVendored(NGF.name, NGF.version, "deploy/default/deploy.yaml"),
            /does not list deploy\/default\/deploy\.yaml/,
        );
    });

    it("refresh reproducibly from a local copy of the tag: same bytes, same checksums", async () => {
        const out = scratch(false);
        const from = path.join(VENDOR_ROOT, NGF.name, NGF.version);
        const manifest = await vendor(NGF.name, NGF.version, { from, root: out });
        const committed = JSON.parse(fs.readFileSync(path.join(from, "manifest.json"), "utf8"));
        assert.deepEqual(manifest.files, committed.files);
        assert.equal(
            manifest.files["deploy/crds.yaml"],
            sha256(fs.readFileSync(path.join(out, NGF.name, NGF.version, "deploy/crds.yaml"))),
        );
        assert.deepEqual(verifyVendored(out), []);
    });

    it("reject an unknown source or a version that is not a release", async () => {
        await assert.rejects(
            vendor("ingress-nginx", "4.14.1", { root: scratch(false) }),
            /unknown vendored source "ingress-nginx": one of nginx-gateway-fabric, gateway-api/,
        );
        await assert.rejects(
            vendor(NGF.name, "latest", { root: scratch(false) }),
            /--version must be a release version like 1\.2\.3, got "latest"/,
        );
    });

    it("fetch from the tag's raw URL when no local copy is given", () => {
        assert.equal(
            SOURCES[NGF.name].url("v2.6.7", "deploy/crds.yaml"),
            "https://raw.githubusercontent.com/nginx/nginx-gateway-fabric/v2.6.7/deploy/crds.yaml",
        );
        assert.equal(
            SOURCES[GATEWAY_API.name].url("v1.5.1", SOURCES[GATEWAY_API.name].files[0]),
            "https://raw.githubusercontent.com/kubernetes-sigs/gateway-api/v1.5.1/config/crd/standard/gateway.networking.k8s.io_backendtlspolicies.yaml",
        );
    });
});
