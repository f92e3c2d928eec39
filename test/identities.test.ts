import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ROLE_NAMES } from "../bootstrap/identities";
import { STRUCTURED_KEYS, parseConfig } from "../config";
import { PROJECT_ROOT, readStackConfig } from "./support/harness";

/**
 * One set of deployer identities (issue 16). The stack config (`platform:pipeline`) is the source the
 * cluster's access entries are built from; everything else that names a pipeline role is read here and
 * must agree with it: the GitHub workflows, the Jenkinsfile, bootstrap/'s stack configs (which create the
 * roles) and the policy pack's config (break-glass principals, EKS-12's principals).
 */

const STACKS = ["dev", "prod"] as const;
const ROLE_ARN = /arn:aws:iam::(\d{12}):role\/([\w+=,.@-]+)/g;
const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");

interface Identities {
    account: string;
    deployers: string[];
    previews: string[];
    admins: string[];
}

function stackIdentities(stack: string): Identities {
    const raw: Record<string, unknown> = {};
    const flat = readStackConfig(stack);
    for (const [k, v] of Object.entries(flat))
        if (k.startsWith("platform:")) raw[k.slice(9)] = STRUCTURED_KEYS.has(k.slice(9)) ? JSON.parse(v) : v;
    const cfg = parseConfig(raw);
    const account = (JSON.parse(flat["aws:allowedAccountIds"]) as string[])[0];
    return {
        account,
        deployers: cfg.pipeline.deployerRoleArns,
        previews: cfg.pipeline.previewRoleArns,
        admins: cfg.cluster.adminRoleArns,
    };
}

/** Every IAM role ARN a text names. */
function roleArns(text: string): string[] {
    return [...text.matchAll(ROLE_ARN)].map((m) => m[0]);
}

/** Workflow files and the role ARNs each names (role-to-assume values, reusable-workflow inputs, matrices). */
function workflowRoles(): Map<string, string[]> {
    const dir = path.join(PROJECT_ROOT, ".github", "workflows");
    const out = new Map<string, string[]>();
    for (const f of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)))
        out.set(f, roleArns(fs.readFileSync(path.join(dir, f), "utf8")));
    return out;
}

/** `withAWS(role: 'name', roleAccount: '123…')` and full ARNs in the Jenkinsfile. */
function jenkinsRoles(): string[] {
    const text = read("Jenkinsfile");
    const out = roleArns(text);
    for (const m of text.matchAll(/withAWS\(([^)]*)\)/g)) {
        const role = /\brole:\s*['"]([^'"]+)['"]/.exec(m[1])?.[1];
        const account = /\broleAccount:\s*['"](\d{12})['"]/.exec(m[1])?.[1];
        if (role && account && !role.startsWith("arn:")) out.push(`arn:aws:iam::${account}:role/${role}`);
        else if (role?.startsWith("arn:")) out.push(role);
    }
    return [...new Set(out)];
}

/**
 * The pipeline roles bootstrap/ creates in the stack's account (bootstrap/identities.ts ROLE_NAMES: all four
 * always exist, the pipeline of record's pair active, the other dormant), keyed by kind.
 */
function bootstrapRoles(account: string): { key: string; arn: string }[] {
    const arn = (name: string) => `arn:aws:iam::${account}:role/${name}`;
    return [
        { key: "githubDeployer", arn: arn(ROLE_NAMES.githubDeployer) },
        { key: "githubPreview", arn: arn(ROLE_NAMES.githubPreview) },
        { key: "jenkinsDeployer", arn: arn(ROLE_NAMES.jenkinsDeployer) },
        { key: "jenkinsPreview", arn: arn(ROLE_NAMES.jenkinsPreview) },
    ];
}

/** bootstrap:previewDecryptsSecrets of the stack's account: only then may PR code preview it (no prod). */
function previewsRun(stack: string): boolean {
    const doc = YAML.parse(read(`bootstrap/Pulumi.${stack}.yaml`)) as { config: Record<string, unknown> };
    return String(doc.config?.["bootstrap:previewDecryptsSecrets"] ?? "false") === "true";
}

const isPreviewKey = (key: string) => /preview/i.test(key);

describe("pipeline identities: one source of truth", () => {
    for (const stack of STACKS) {
        describe(stack, () => {
            const ids = stackIdentities(stack);
            const known = () => [...ids.deployers, ...ids.previews];
            const inAccount = (arns: string[]) => arns.filter((a) => a.split(":")[4] === ids.account);

            it("names the agreed roles in the stack's own account, a preview role never also a deployer", () => {
                for (const arn of known()) assert.equal(arn.split(":")[4], ids.account, arn);
                assert.ok(
                    ids.deployers.some((a) => a.endsWith(":role/platform-ci-deployer")),
                    "the GitHub deploy role",
                );
                assert.ok(
                    ids.previews.some((a) => a.endsWith(":role/platform-ci-preview")),
                    "the GitHub preview role",
                );
                assert.deepEqual(
                    ids.deployers.filter((a) => ids.previews.includes(a)),
                    [],
                );
            });

            it("every role a workflow assumes in this account is a pipeline role of the stack, previews only from pull requests", () => {
                const all = [...workflowRoles()].flatMap(([file, arns]) =>
                    inAccount(arns).map((arn) => ({ file, arn })),
                );
                assert.ok(all.length > 0, "the workflows name this account's roles");
                for (const { file, arn } of all)
                    assert.ok(
                        known().includes(arn),
                        `${file} assumes ${arn}, which platform:pipeline of ${stack} does not list`,
                    );
                for (const { file, arn } of all.filter((x) => ids.previews.includes(x.arn)))
                    assert.match(file, /pull|preview/, `${file} uses the preview role ${arn}`);
                const used = new Set(all.map((x) => x.arn));
                for (const arn of ids.deployers.filter((a) => /:role\/platform-ci-/.test(a)))
                    assert.ok(used.has(arn), `no workflow assumes ${arn}`);
                // PR code previews a stack only where the preview role may decrypt its secrets (dev); in prod it never runs.
                for (const arn of ids.previews.filter((a) => /:role\/platform-ci-/.test(a)))
                    assert.equal(
                        used.has(arn),
                        previewsRun(stack),
                        `${arn}: used by a workflow ${used.has(arn)}, bootstrap previewDecryptsSecrets ${previewsRun(stack)}`,
                    );
            });

            it("every role the Jenkinsfile assumes in this account is a pipeline role of the stack", () => {
                for (const arn of inAccount(jenkinsRoles()))
                    assert.ok(
                        known().includes(arn),
                        `the Jenkinsfile assumes ${arn}, which platform:pipeline of ${stack} does not list`,
                    );
            });

            it("bootstrap/ creates the same roles: deploy keys name deploy roles, preview keys preview roles", () => {
                const roles = bootstrapRoles(ids.account);
                for (const { key, arn } of roles) {
                    const expected = isPreviewKey(key) ? ids.previews : ids.deployers;
                    assert.ok(
                        expected.includes(arn),
                        `bootstrap ${key} is ${arn}, not a ${isPreviewKey(key) ? "preview" : "deploy"} role of the ${stack} stack`,
                    );
                }
                // And the other way round: every pipeline role of the stack is one bootstrap creates (an access entry for a missing role fails).
                for (const arn of known())
                    assert.ok(
                        roles.some((r) => r.arn === arn),
                        `${arn} is not created by bootstrap/`,
                    );
            });

            it("the pack's break-glass principals are exactly the admins and deploy roles, and EKS-12 knows every pipeline role", () => {
                const pack = JSON.parse(read(`policy/config/${stack}.json`)) as Record<string, any>;
                const expected = [...new Set([...ids.admins, ...ids.deployers])].sort();
                for (const policy of [
                    "eks-no-cluster-admin-access-policy",
                    "eks-no-system-masters-mapping",
                    "k8s-no-cluster-admin-to-service-accounts",
                ]) {
                    const listed = pack[policy]?.breakGlassPrincipals;
                    if (listed === undefined) continue;
                    assert.deepEqual([...listed].sort(), expected, `${policy}.breakGlassPrincipals`);
                }
                assert.deepEqual(
                    [...pack["eks-pipeline-roles-have-access"].deployerPrincipals].sort(),
                    [...ids.deployers].sort(),
                );
                assert.deepEqual(
                    [...pack["eks-pipeline-roles-have-access"].previewPrincipals].sort(),
                    [...ids.previews].sort(),
                );
            });
        });
    }

    it("fails on a mismatch: a workflow naming a role the stack does not know is caught", () => {
        const ids = stackIdentities("dev");
        const rogue = "arn:aws:iam::111122223333:role/ci-deployer";
        assert.deepEqual(roleArns(`role-to-assume: ${rogue}`), [rogue]);
        assert.ok(![...ids.deployers, ...ids.previews].includes(rogue));
    });
});
