import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import Ajv from "ajv";

/**
 * Update automation: renovate.json is valid for Renovate (its own JSON schema, test/fixtures/renovate/README.md)
 * and covers every pinned version this repository has: npm, GitHub Actions (by digest), the Pulumi CLI pin,
 * .node-version, the EKS version and add-on versions in stack config, and annotated vendored/pinned versions.
 */

const ROOT = path.resolve(__dirname, "..");
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), "utf8");
const config = JSON.parse(read("renovate.json"));
const schema = JSON.parse(read("test/fixtures/renovate/renovate-schema.json"));

interface CustomManager {
    customType: string;
    managerFilePatterns: string[];
    matchStrings: string[];
    depNameTemplate?: string;
    datasourceTemplate?: string;
}

/** Renovate's `/regex/` pattern strings (anything else is a glob; this config uses only regexes). */
function patternRegex(p: string): RegExp {
    const m = /^\/(.*)\/([a-z]*)$/.exec(p);
    assert.ok(m, `${p}: use a /regex/ file pattern`);
    return new RegExp(m[1], m[2]);
}

/** What a custom regex manager extracts from a file: Renovate runs each matchString with the `g` flag. */
function extract(manager: CustomManager, text: string): Record<string, string>[] {
    return manager.matchStrings.flatMap((s) =>
        [...text.matchAll(new RegExp(s, "g"))].map((m) =>
            Object.fromEntries(Object.entries(m.groups ?? {}).filter((e): e is [string, string] => e[1] !== undefined)),
        ),
    );
}

function trackedFiles(): string[] {
    const out: string[] = [];
    const walk = (dir: string) => {
        for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
            const rel = dir ? `${dir}/${e.name}` : e.name;
            if (["node_modules", ".git", "reports", "coverage"].includes(e.name)) continue;
            if (e.isDirectory()) walk(rel);
            else out.push(rel);
        }
    };
    walk("");
    return out;
}

const customManagers: CustomManager[] = config.customManagers;
const managerFor = (file: string) =>
    customManagers.filter((m) => m.managerFilePatterns.some((p) => patternRegex(p).test(file)));
const extractFrom = (file: string): Record<string, string | undefined>[] =>
    managerFor(file).flatMap((m) =>
        extract(m, read(file)).map((e) => ({
            ...e,
            depName: e.depName ?? m.depNameTemplate,
            datasource: e.datasource ?? m.datasourceTemplate,
        })),
    );

describe("Renovate config", () => {
    it("validates against Renovate's JSON schema", () => {
        const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
        const validate = ajv.compile(schema);
        assert.equal(validate(config), true, ajv.errorsText(validate.errors, { separator: "\n" }));
        // The schema can fail: a wrong type and an unknown custom manager type are rejected.
        assert.equal(validate({ ...config, pinDigests: "yes" }), false);
        assert.equal(validate({ ...config, customManagers: [{ ...customManagers[0], customType: "regexp" }] }), false);
    });

    it("uses only option names Renovate knows, at every level (the schema itself allows unknown keys)", () => {
        const options = new Set([...Object.keys(schema.properties), "$schema"]);
        // A package rule takes its match* keys plus any ordinary option; a custom manager only its own keys.
        const itemOptions = (name: string) => new Set(Object.keys(schema.definitions[name].items.allOf[0].properties));
        const unknown = (o: object, known: Set<string>, at: string) =>
            Object.keys(o)
                .filter((k) => !known.has(k))
                .map((k) => `${at}.${k}`);
        const problems = [
            ...unknown(config, options, "top level"),
            ...config.packageRules.flatMap((r: object, i: number) =>
                unknown(r, new Set([...options, ...itemOptions("packageRules")]), `packageRules[${i}]`),
            ),
            ...customManagers.flatMap((m, i) => unknown(m, itemOptions("customManagers"), `customManagers[${i}]`)),
            ...unknown(config.vulnerabilityAlerts, options, "vulnerabilityAlerts"),
        ];
        assert.deepEqual(problems, []);
        // And the check can fail: Renovate renamed fileMatch to managerFilePatterns.
        assert.deepEqual(unknown({ fileMatch: [] }, itemOptions("customManagers"), "customManagers[0]"), [
            "customManagers[0].fileMatch",
        ]);
    });

    it("keeps npm, GitHub Actions and .node-version managed, and pins actions by digest", () => {
        assert.equal(config.enabledManagers, undefined, "enabledManagers would switch every other manager off");
        assert.ok(config.extends.includes("config:recommended"));
        const actions = config.packageRules.find((r: any) => r.matchManagers?.includes("github-actions"));
        assert.equal(actions?.pinDigests, true);
        // Renovate's nodenv manager reads `(^|/)\.node-version$` (lib/modules/manager/nodenv/index.ts).
        assert.ok(fs.existsSync(path.join(ROOT, ".node-version")));
        const node = config.packageRules.find((r: any) => r.matchManagers?.includes("nodenv"));
        const even = patternRegex(node.allowedVersions);
        assert.deepEqual(
            ["24", "26.1.0", "25", "27.0.0", "28"].map((v) => even.test(v)),
            [true, true, false, false, true],
        );
    });

    it("moves every Pulumi package and the Pulumi CLI pin together in one group", () => {
        const group = config.packageRules.find((r: any) => r.groupName === "pulumi");
        const matches = (name: string) =>
            group.matchPackageNames.some((p: string) =>
                p.endsWith("/**") ? name.startsWith(p.slice(0, -2)) : name === p,
            );
        const deps = [read("package.json"), read("policy/package.json")].flatMap((t) => {
            const p = JSON.parse(t);
            return Object.keys({ ...p.dependencies, ...p.devDependencies, ...p.peerDependencies });
        });
        const pulumi = deps.filter((d) => d.startsWith("@pulumi/"));
        assert.ok(pulumi.includes("@pulumi/pulumi") && pulumi.includes("@pulumi/policy"), pulumi.join(", "));
        assert.deepEqual(
            pulumi.filter((d) => !matches(d)),
            [],
        );
        const cli = extractFrom(".pulumi-version");
        assert.deepEqual(cli, [
            { currentValue: read(".pulumi-version").trim(), depName: "pulumi/pulumi", datasource: "github-releases" },
        ]);
        assert.ok(matches(cli[0].depName), "the CLI pin is outside the pulumi group");
        assert.equal(matches("@pulumix/other"), false);
    });

    it("extracts the EKS version from every stack file", () => {
        const stacks = trackedFiles().filter((f) => /^Pulumi\.[^/]+\.yaml$/.test(f));
        assert.ok(stacks.length >= 2, stacks.join(", "));
        let checked = 0;
        for (const file of stacks) {
            const configured =
                /platform:cluster:\n(?:\s+#[^\n]*\n)*(?:\s+\w+:[^\n]*\n)*?\s+version:\s*"?([\d.]+)"?/.exec(
                    read(file),
                )?.[1];
            if (!configured) continue;
            const eks = extractFrom(file).filter((e) => e.depName === "amazon-eks");
            assert.deepEqual(
                eks,
                [
                    {
                        datasource: "endoflife-date",
                        depName: "amazon-eks",
                        versioning: "loose",
                        currentValue: configured,
                    },
                ],
                file,
            );
            checked++;
        }
        assert.ok(checked >= 2, `only ${checked} stack files set platform:cluster.version`);
    });

    it("extracts an EKS add-on version annotated as Renovate's aws-eks-addon datasource documents", () => {
        const addons = customManagers.find((m) => m.datasourceTemplate === "aws-eks-addon");
        assert.ok(addons && addons.managerFilePatterns.some((p) => patternRegex(p).test("Pulumi.prod.yaml")));
        const text =
            'config:\n  platform:cluster:\n    addons:\n      # renovate: eksAddonsFilter={"kubernetesVersion":"1.31","addonName":"vpc-cni"}\n      vpcCni: v1.19.2-eksbuild.1\n';
        assert.deepEqual(extract(addons, text), [
            { packageName: '{"kubernetesVersion":"1.31","addonName":"vpc-cni"}', currentValue: "v1.19.2-eksbuild.1" },
        ]);
    });

    it("extracts annotated versions in vendored manifests and components, and nothing unannotated", () => {
        const annotated = customManagers.find((m) => m.matchStrings.some((s) => s.includes("datasource=")))!;
        for (const file of ["vendor/ingress/VERSION.yaml", "components/ingress.ts"])
            assert.ok(managerFor(file).includes(annotated), file);
        assert.deepEqual(
            extract(
                annotated,
                '    // renovate: datasource=helm depName=traefik registryUrl=https://traefik.github.io/charts\n    version: "37.1.2",\n',
            ),
            [
                {
                    datasource: "helm",
                    depName: "traefik",
                    registryUrl: "https://traefik.github.io/charts",
                    currentValue: "37.1.2",
                },
            ],
        );
        assert.deepEqual(
            extract(annotated, "# renovate: datasource=github-releases depName=traefik/traefik\nversion: v3.5.3\n"),
            [{ datasource: "github-releases", depName: "traefik/traefik", currentValue: "v3.5.3" }],
        );
        assert.deepEqual(extract(annotated, 'version: "1.31"\n'), []);
        // The vendored controller and its CRDs (components/ingress.ts), at the versions the vendor/ tree holds.
        const ingress = extractFrom("components/ingress.ts").map((e) => `${e.depName} ${e.currentValue}`);
        const vendored = (name: string) => fs.readdirSync(path.join(ROOT, "vendor", name)).filter((v) => /^\d/.test(v));
        assert.deepEqual(ingress, [
            `nginx/nginx-gateway-fabric ${vendored("nginx-gateway-fabric").at(-1)}`,
            `kubernetes-sigs/gateway-api ${vendored("gateway-api").at(-1)}`,
        ]);
        // Every annotation in the repository is extracted: a typo in one would silently stop its updates.
        for (const file of trackedFiles().filter((f) => managerFor(f).includes(annotated))) {
            const annotations = (read(file).match(/renovate:\s*datasource=/g) ?? []).length;
            assert.equal(
                extract(annotated, read(file)).length,
                annotations,
                `${file}: an annotated version is not extracted`,
            );
        }
    });
});
