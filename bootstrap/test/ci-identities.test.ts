import { strict as assert } from "assert";
import * as path from "path";
import { Capture, CapturedResource, runUnderMocks } from "../../test/support/harness";
import { assumedRoles, subjectOf } from "../../test/support/pipelines";
import { ConfigError } from "../../config";
import { parseBootstrapConfig } from "../config";
import { BUCKET_GUARD_EVENTS, KEY_GUARD_EVENTS, breakGlassPattern, stateGuardPattern } from "../alerts";
import { GITHUB_OIDC, ROLE_NAMES, deployerStatements, githubSubjects } from "../identities";
import { STATE_WRITE_ACTIONS, Statement } from "../stateBackend";

const BOOTSTRAP = path.join(__dirname, "..");
const ROLE = "aws:iam/role:Role";
const KEY = "aws:kms/key:Key";
const IAM_POLICY = "aws:iam/policy:Policy";
const ATTACH = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const OIDC = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const REPO = "acme/aws-platform";

async function bootstrap(stack: string, overrides: Record<string, unknown> = {}): Promise<Capture> {
    const { capture } = await runUnderMocks(
        stack,
        () => {
            const program = require(path.join(BOOTSTRAP, "index.ts"));
            return (typeof program === "function" ? program : program.default)();
        },
        { configFile: path.join(BOOTSTRAP, `Pulumi.${stack}.yaml`), overrides },
    );
    return capture;
}

const doc = (r: CapturedResource, key = "policy"): Statement[] => JSON.parse(r.inputs[key]).Statement;
const list = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v as string]);
const role = (c: Capture, name: string) => c.ofType(ROLE).find((r) => r.inputs.name === name)!;
const roleArn = (c: Capture, name: string) => role(c, name).state.arn as string;

/** IAM's ArnLike: `*` matches any run of characters, `?` one; whole-string match. */
const arnLike = (pattern: string, value: string) =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, ".*")
            .replace(/\?/g, ".")}$`,
    ).test(value);

/** Is `action` by `principalArn` explicitly denied by one of the bucket policy's ArnNotLike statements? */
function bucketDenies(statements: Statement[], principalArn: string, action: string): boolean {
    return statements.some((s) => {
        if (s.Effect !== "Deny" || !list(s.Action).includes(action)) return false;
        const notLike = s.Condition?.ArnNotLike?.["aws:PrincipalArn"];
        return notLike !== undefined && !list(notLike).some((p) => arnLike(p, principalArn));
    });
}

/** Which principals a key policy lets run `action` without any IAM policy (named principals), and under which conditions. */
function keyAllows(statements: Statement[], action: string): { principals: string[]; condition?: unknown }[] {
    return statements
        .filter(
            (s) =>
                s.Effect === "Allow" &&
                list(s.Action).some((a) => a === action || (a.endsWith("*") && action.startsWith(a.slice(0, -1)))),
        )
        .map((s) => ({ principals: list((s.Principal as { AWS: string | string[] }).AWS), condition: s.Condition }));
}

/** The other pipeline's roles exist (the EKS access entries name them) but only break-glass may assume them, and they may do nothing. */
function assertDormant(c: Capture, names: string[]) {
    const breakGlass = roleArn(c, ROLE_NAMES.breakGlass);
    const account = breakGlass.split(":")[4];
    for (const name of names) {
        const r = role(c, name);
        assert.ok(r, `${name} exists`);
        assert.deepEqual(
            doc(r, "assumeRolePolicy"),
            [
                {
                    Sid: "DormantOnlyBreakGlass",
                    Effect: "Allow",
                    Principal: { AWS: `arn:aws:iam::${account}:root` },
                    Action: "sts:AssumeRole",
                    Condition: { ArnEquals: { "aws:PrincipalArn": breakGlass } },
                },
            ],
            name,
        );
        assert.equal(r.inputs.tags["platform:pipeline-role"], "dormant");
        assert.deepEqual(
            c.ofType(ATTACH).filter((a) => a.inputs.role === name),
            [],
            `${name} has no permissions`,
        );
    }
}

describe("bootstrap: CI identities (GitHub, the pipeline of record)", () => {
    let dev: Capture;
    let prod: Capture;
    before(async () => {
        dev = await bootstrap("dev");
        prod = await bootstrap("prod");
    });

    it("creates the GitHub OIDC provider for sts.amazonaws.com, without pinned thumbprints", () => {
        const p = dev.one(OIDC);
        assert.equal(p!.inputs.url, GITHUB_OIDC.url);
        assert.deepEqual(p!.inputs.clientIdLists, ["sts.amazonaws.com"]);
        assert.equal(p!.inputs.thumbprintLists, undefined);
    });

    for (const [stack, environment] of [
        ["dev", "dev"],
        ["prod", "prod"],
    ] as const)
        it(`trusts exactly repo:${REPO}:environment:${environment} for the ${stack} deployer and pull requests for the preview role`, () => {
            const c = stack === "dev" ? dev : prod;
            const provider = c.one(OIDC).state.arn;
            for (const [name, sub] of [
                [ROLE_NAMES.githubDeployer, `repo:${REPO}:environment:${environment}`],
                [ROLE_NAMES.githubPreview, `repo:${REPO}:pull_request`],
            ]) {
                const trust = doc(role(c, name), "assumeRolePolicy");
                assert.equal(trust.length, 1, name);
                const [s] = trust;
                assert.equal(s.Effect, "Allow");
                assert.deepEqual(s.Principal, { Federated: provider });
                assert.equal(s.Action, "sts:AssumeRoleWithWebIdentity");
                assert.deepEqual(
                    s.Condition,
                    {
                        StringEquals: {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                            "token.actions.githubusercontent.com:sub": sub,
                        },
                    },
                    name,
                );
            }
            assertDormant(c, [ROLE_NAMES.jenkinsDeployer, ROLE_NAMES.jenkinsPreview]);
        });

    it("matches every role the workflows assume: same account, same role name, and the job's OIDC subject is trusted", () => {
        const byAccount: Record<string, Capture> = { "111122223333": dev, "444455556666": prod };
        const uses = assumedRoles();
        assert.ok(uses.length >= 5);
        for (const u of uses) {
            const c = byAccount[u.account];
            assert.ok(c, `${u.workflow}/${u.job}: account ${u.account} has no bootstrap stack`);
            const r = role(c, u.role);
            assert.ok(r, `${u.workflow}/${u.job}: bootstrap creates no role ${u.role} in ${u.account}`);
            assert.equal(r.inputs.name, u.role);
            const trusted = doc(r, "assumeRolePolicy")[0].Condition!.StringEquals[
                "token.actions.githubusercontent.com:sub"
            ];
            assert.equal(trusted, subjectOf(REPO, u), `${u.workflow}/${u.job} gets a token the role does not trust`);
        }
    });

    it("keeps the preview role away from prod stack secrets: not named by the key policy, no root delegation, and an IAM deny", () => {
        const secrets = doc(prod.one(KEY, "secrets-key"));
        const decrypters = keyAllows(secrets, "kms:Decrypt");
        assert.deepEqual(
            decrypters.flatMap((d) => d.principals).sort(),
            [roleArn(prod, ROLE_NAMES.breakGlass), roleArn(prod, ROLE_NAMES.githubDeployer)].sort(),
        );
        assert.ok(!decrypters.flatMap((d) => d.principals).includes(roleArn(prod, ROLE_NAMES.githubPreview)));
        assert.ok(
            !decrypters.some((d) => d.principals.some((p) => p.endsWith(":root"))),
            "the account root cannot delegate Decrypt through IAM",
        );
        assert.ok(
            keyAllows(secrets, "kms:CreateGrant").length === 0,
            "no principal may create grants on the secrets key",
        );
        const walls = doc(prod.one(IAM_POLICY, "permissions-preview"));
        const deny = walls.find((s) => s.Sid === "DenyStackSecrets")!;
        assert.deepEqual(list(deny.Action).includes("kms:Decrypt"), true);
        assert.equal(deny.Resource, prod.one(KEY, "secrets-key").state.arn);
        assert.ok(
            prod
                .ofType(ATTACH)
                .some(
                    (a) =>
                        a.inputs.role === ROLE_NAMES.githubPreview &&
                        a.inputs.policyArn === prod.one(IAM_POLICY, "permissions-preview").state.arn,
                ),
        );
        // dev opts in: its PR previews are real previews.
        const devDecrypters = keyAllows(doc(dev.one(KEY, "secrets-key")), "kms:Decrypt").flatMap((d) => d.principals);
        assert.ok(devDecrypters.includes(roleArn(dev, ROLE_NAMES.githubPreview)));
    });

    it("lets only the deployer and break-glass write state, the preview role and people read it, nobody else", () => {
        const bucketPolicy = doc(dev.one("aws:s3/bucketPolicy:BucketPolicy"));
        const deployer = roleArn(dev, ROLE_NAMES.githubDeployer);
        const breakGlass = roleArn(dev, ROLE_NAMES.breakGlass);
        const preview = roleArn(dev, ROLE_NAMES.githubPreview);
        const engineer =
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformEngineer_abc123";
        const admin = "arn:aws:iam::111122223333:role/AdministratorAccessRole";
        for (const action of STATE_WRITE_ACTIONS) {
            assert.equal(bucketDenies(bucketPolicy, deployer, action), false, `deployer ${action}`);
            assert.equal(bucketDenies(bucketPolicy, breakGlass, action), false, `break-glass ${action}`);
            for (const p of [preview, engineer, admin])
                assert.equal(bucketDenies(bucketPolicy, p, action), true, `${p} ${action}`);
        }
        for (const p of [deployer, breakGlass, preview, engineer])
            assert.equal(bucketDenies(bucketPolicy, p, "s3:GetObject"), false, `${p} reads`);
        assert.equal(
            bucketDenies(bucketPolicy, admin, "s3:GetObject"),
            true,
            "an account admin without a named role cannot read state",
        );
        // The state key mirrors it: writers encrypt, readers and people only decrypt (through S3).
        const stateKey = doc(dev.one(KEY, "state-key"));
        assert.deepEqual(
            keyAllows(stateKey, "kms:GenerateDataKey")
                .flatMap((d) => d.principals)
                .sort(),
            [breakGlass, deployer].sort(),
        );
        const people = keyAllows(stateKey, "kms:Decrypt").find((d) => (d.condition as any)?.ArnLike);
        assert.deepEqual((people!.condition as any).ArnLike["aws:PrincipalArn"], [
            "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/*/AWSReservedSSO_PlatformEngineer_*",
        ]);
        assert.equal((people!.condition as any).StringEquals["kms:ViaService"], "s3.eu-west-1.amazonaws.com");
    });

    it("creates a break-glass role for the named operators only, with an alert on every AssumeRole", () => {
        const bg = role(dev, ROLE_NAMES.breakGlass);
        assert.deepEqual(doc(bg, "assumeRolePolicy"), [
            {
                Sid: "NamedRoles",
                Effect: "Allow",
                Principal: {
                    AWS: [
                        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PlatformBreakGlass_0123456789abcdef",
                    ],
                },
                Action: "sts:AssumeRole",
            },
        ]);
        assert.equal(bg.inputs.maxSessionDuration, 3600);
        const rule = dev.one("aws:cloudwatch/eventRule:EventRule", "break-glass");
        assert.deepEqual(JSON.parse(rule.inputs.eventPattern), breakGlassPattern(bg.state.arn));
        const topic = dev.one("aws:sns/topic:Topic");
        const targets = dev.ofType("aws:cloudwatch/eventTarget:EventTarget");
        assert.deepEqual(
            targets.map((t) => t.inputs.arn),
            [topic.state.arn, topic.state.arn],
        );
        const publish = JSON.parse(dev.one("aws:sns/topicPolicy:TopicPolicy").inputs.policy).Statement[0];
        assert.deepEqual(publish.Principal, { Service: "events.amazonaws.com" });
        assert.deepEqual(publish.Condition.ArnEquals["aws:SourceArn"].length, 2);
        assert.deepEqual(
            dev
                .ofType("aws:sns/topicSubscription:TopicSubscription")
                .map((s) => [s.inputs.protocol, s.inputs.endpoint]),
            [["email", "platform-security@example.com"]],
        );
    });

    it("walls the deployer off its own trust, the state guard and the alerts", () => {
        const deploy = doc(dev.one(IAM_POLICY, "permissions-deploy"));
        const sid = (id: string) => deploy.find((s) => s.Sid === id)!;
        const anchors = list(sid("DenyTrustAnchors").Resource);
        for (const n of Object.values(ROLE_NAMES))
            assert.ok(anchors.includes(`arn:aws:iam::111122223333:role/${n}`), n);
        assert.ok(anchors.includes("arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"));
        assert.equal(sid("DenyStateBucketConfiguration").Resource, dev.one("aws:s3/bucket:Bucket").state.arn);
        assert.ok(list(sid("DenyStateKeyAdministration").Resource).includes(dev.one(KEY, "secrets-key").state.arn));
        assert.ok(list(sid("DenyStateKeyAdministration").Action).includes("kms:PutKeyPolicy"));
        assert.equal(list(sid("DenyAlertTampering").Resource).length, 3);
        for (const s of deploy.filter((x) => x.Effect === "Allow")) {
            assert.ok(
                !list(s.Action).some((a) => a === "*" || a === "iam:*") || !list(s.Resource).includes("*"),
                `${s.Sid} grants ${s.Action} on *`,
            );
            assert.ok(!list(s.Action).includes("kms:Decrypt") || !list(s.Resource).includes("*"), s.Sid);
        }
        assert.deepEqual(sid("PlatformServicesInRegion").Condition, {
            StringEquals: { "aws:RequestedRegion": "eu-west-1" },
        });
    });
});

describe("bootstrap: CI identities (Jenkins opt-in)", () => {
    const jenkins = {
        "bootstrap:deployPipeline": "jenkins",
        "bootstrap:jenkinsDeployerTrustedArns": ["arn:aws:iam::111122223333:role/jenkins-agent-deploy"],
        "bootstrap:jenkinsPreviewTrustedArns": ["arn:aws:iam::111122223333:role/jenkins-agent-pr"],
    };

    it("makes the Jenkins role pair trust only their agent roles, and leaves the GitHub pair dormant", async () => {
        const c = await bootstrap("dev", jenkins);
        for (const [name, agent] of [
            [ROLE_NAMES.jenkinsDeployer, "arn:aws:iam::111122223333:role/jenkins-agent-deploy"],
            [ROLE_NAMES.jenkinsPreview, "arn:aws:iam::111122223333:role/jenkins-agent-pr"],
        ])
            assert.deepEqual(
                doc(role(c, name), "assumeRolePolicy"),
                [{ Sid: "NamedRoles", Effect: "Allow", Principal: { AWS: [agent] }, Action: "sts:AssumeRole" }],
                name,
            );
        assert.equal(c.ofType(OIDC).length, 0);
        assertDormant(c, [ROLE_NAMES.githubDeployer, ROLE_NAMES.githubPreview]);
        assert.deepEqual(
            c
                .ofType(ATTACH)
                .filter((a) => a.name === "state-ci-deploy")
                .map((a) => a.inputs.role),
            [ROLE_NAMES.jenkinsDeployer],
        );
    });

    it("uses an existing GitHub OIDC provider instead of creating a second one", async () => {
        const arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
        const c = await bootstrap("dev", { "bootstrap:githubOidcProviderArn": arn });
        assert.equal(c.ofType(OIDC).length, 0);
        assert.deepEqual(doc(role(c, ROLE_NAMES.githubDeployer), "assumeRolePolicy")[0].Principal, { Federated: arn });
    });
});

describe("bootstrap: identity config", () => {
    const base = {
        bucketName: "aws-platform-pulumi-state-111122223333",
        owner: "platform-team",
        costCentre: "CC-PLAT",
        breakGlassPrincipalArns: ["arn:aws:iam::111122223333:role/admins"],
    };
    const rejects = (raw: Record<string, unknown>, message: RegExp) =>
        assert.throws(
            () => parseBootstrapConfig(raw),
            (e: Error) => e instanceof ConfigError && message.test(e.message),
            JSON.stringify(raw),
        );

    it("requires the repository for GitHub and agent roles for Jenkins", () => {
        rejects(base, /bootstrap:githubRepository is required when deployPipeline is github/);
        rejects(
            { ...base, githubRepository: "https://github.com/acme/x" },
            /bootstrap:githubRepository must be <owner>\/<repo>/,
        );
        rejects(
            { ...base, deployPipeline: "jenkins" },
            /bootstrap:jenkinsDeployerTrustedArns must name at least one Jenkins agent role/,
        );
        rejects({ ...base, deployPipeline: "both" }, /bootstrap:deployPipeline must be github or jenkins, got "both"/);
    });

    it("refuses agents that could assume both Jenkins roles, and PR previews that decrypt prod secrets", () => {
        const agent = "arn:aws:iam::111122223333:role/jenkins-agent";
        rejects(
            {
                ...base,
                deployPipeline: "jenkins",
                jenkinsDeployerTrustedArns: [agent],
                jenkinsPreviewTrustedArns: [agent],
            },
            /must not share arn:aws:iam::111122223333:role\/jenkins-agent with jenkinsDeployerTrustedArns/,
        );
        rejects(
            { ...base, githubRepository: "acme/x", environment: "prod", previewDecryptsSecrets: "true" },
            /bootstrap:previewDecryptsSecrets must be false in prod/,
        );
        rejects(
            { ...base, githubRepository: "acme/x", breakGlassPrincipalArns: [] },
            /bootstrap:breakGlassPrincipalArns must name at least one role/,
        );
        rejects(
            { ...base, githubRepository: "acme/x", stateReaderArns: ["*"] },
            /bootstrap:stateReaderArns\[0\] must be IAM role ARNs or ARN patterns/,
        );
    });
});

describe("bootstrap: alert patterns and subjects", () => {
    it("match break-glass AssumeRole and state-guard changes of this bucket and these keys only", () => {
        assert.deepEqual(
            breakGlassPattern("arn:aws:iam::1:role/platform-break-glass").detail.requestParameters.roleArn,
            ["arn:aws:iam::1:role/platform-break-glass"],
        );
        const guard = stateGuardPattern("b", ["k2", "k1"]);
        assert.deepEqual(guard.$or[0].detail.requestParameters, { bucketName: ["b"] });
        assert.deepEqual(guard.$or[1].detail.resources, { ARN: ["k1", "k2"] });
        assert.ok(
            BUCKET_GUARD_EVENTS.includes("PutBucketPolicy") &&
                KEY_GUARD_EVENTS.includes("PutKeyPolicy") &&
                KEY_GUARD_EVENTS.includes("CreateGrant"),
        );
        assert.equal(githubSubjects.deploy("o/r", "prod"), "repo:o/r:environment:prod");
        assert.equal(githubSubjects.pullRequest("o/r"), "repo:o/r:pull_request");
    });

    it("scopes the deployer's service access to its region and leaves IAM to role/policy/profile/provider ARNs", () => {
        const s = deployerStatements({
            partition: "aws",
            accountId: "1",
            region: "eu-west-1",
            bucketArn: "b",
            stateKeyArn: "k1",
            secretsKeyArn: "k2",
            keyAliases: ["a"],
            alertTopicArn: "t",
            alertRuleArns: ["r"],
        });
        const iam = s.find((x) => x.Sid === "PlatformIam")!;
        assert.deepEqual(list(iam.Resource), [
            "arn:aws:iam::1:role/*",
            "arn:aws:iam::1:policy/*",
            "arn:aws:iam::1:instance-profile/*",
            "arn:aws:iam::1:oidc-provider/*",
        ]);
    });
});
