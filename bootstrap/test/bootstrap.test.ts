import { strict as assert } from "assert";
import * as path from "path";
import { Capture, CapturedResource, runUnderMocks } from "../../test/support/harness";
import { ConfigError } from "../../config";
import { parseBootstrapConfig } from "../config";
import { Statement, bucketPolicyStatements, ciPolicyStatements } from "../stateBackend";

const BOOTSTRAP = path.join(__dirname, "..");
const settings = require("@pulumi/pulumi/runtime/settings");

const KEY = "aws:kms/key:Key";
const BUCKET = "aws:s3/bucket:Bucket";
const SSE = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration";
const POLICY = "aws:s3/bucketPolicy:BucketPolicy";
const IAM_POLICY = "aws:iam/policy:Policy";

interface Run {
    capture: Capture;
    outputs: Record<string, any>;
    /** Logical name → the retainOnDelete option the engine received (the harness records only protect). */
    retained: Map<string, boolean>;
}

/** Runs bootstrap/index.ts for `stack` under the shared mocks, with bootstrap/Pulumi.<stack>.yaml. */
async function runBootstrap(stack: string, overrides: Record<string, unknown> = {}): Promise<Run> {
    const retained = new Map<string, boolean>();
    const { capture, outputs } = await runUnderMocks(
        stack,
        () => {
            const monitor = settings.getMonitor();
            const register = monitor.registerResource.bind(monitor);
            monitor.registerResource = (req: any, callback: any) => {
                retained.set(req.getName(), req.getRetainondelete() === true);
                return register(req, callback);
            };
            const program = require(path.join(BOOTSTRAP, "index.ts"));
            return (typeof program === "function" ? program : program.default)();
        },
        { configFile: path.join(BOOTSTRAP, `Pulumi.${stack}.yaml`), overrides },
    );
    return { capture, outputs: outputs as Record<string, any>, retained };
}

const statements = (r: CapturedResource): Statement[] => JSON.parse(r.inputs.policy).Statement;
const asList = (v: string | string[]) => (Array.isArray(v) ? v : [v]);

describe("bootstrap: state and secrets backend", () => {
    let dev: Run;
    let prod: Run;
    before(async () => {
        dev = await runBootstrap("dev");
        prod = await runBootstrap("prod");
    });

    it("encrypts the state bucket by default with the rotating customer state key and a bucket key", () => {
        const sse = dev.capture.one(SSE);
        const stateKey = dev.capture.one(KEY, "state-key");
        assert.equal(sse.inputs.bucket, "aws-platform-pulumi-state-111122223333");
        assert.equal(sse.inputs.rules.length, 1);
        const [rule] = sse.inputs.rules;
        assert.equal(rule.applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        assert.equal(rule.applyServerSideEncryptionByDefault.kmsMasterKeyId, stateKey.state.arn);
        assert.equal(rule.bucketKeyEnabled, true);
        assert.deepEqual(rule.blockedEncryptionTypes, ["SSE-C"]);
        assert.deepEqual(
            sse.propertyDependencies.bucket,
            [dev.capture.one(BUCKET).urn],
            "STK-06 joins the configuration to its bucket",
        );
    });

    it("versions the bucket and expires only superseded versions, keeping the newest ten", () => {
        assert.equal(
            dev.capture.one("aws:s3/bucketVersioning:BucketVersioning").inputs.versioningConfiguration.status,
            "Enabled",
        );
        const [rule, ...more] = dev.capture.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
            .inputs.rules;
        assert.equal(more.length, 0);
        assert.equal(rule.status, "Enabled");
        assert.deepEqual(rule.noncurrentVersionExpiration, { noncurrentDays: 90, newerNoncurrentVersions: 10 });
        assert.deepEqual(rule.abortIncompleteMultipartUpload, { daysAfterInitiation: 7 });
        assert.equal(rule.expiration.days, undefined, "current state objects never expire");
        const prodRule = prod.capture.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs
            .rules[0];
        assert.equal(prodRule.noncurrentVersionExpiration.noncurrentDays, 365);
    });

    it("blocks all four kinds of public access and disables ACLs", () => {
        const pab = dev.capture.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"])
            assert.equal(pab.inputs[flag], true, flag);
        assert.equal(
            dev.capture.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule.objectOwnership,
            "BucketOwnerEnforced",
        );
        assert.equal(dev.capture.ofType("aws:s3/bucketAcl:BucketAcl").length, 0);
    });

    it("denies any request to the bucket or its objects that does not use TLS", () => {
        const bucketArn = dev.capture.one(BUCKET).state.arn;
        const tls = statements(dev.capture.one(POLICY)).find(
            (s) => s.Condition?.Bool?.["aws:SecureTransport"] === "false",
        );
        assert.ok(tls, "a TLS-only statement");
        assert.equal(tls.Effect, "Deny");
        assert.equal(tls.Principal, "*");
        assert.equal(tls.Action, "s3:*");
        assert.deepEqual(tls.Resource, [bucketArn, `${bucketArn}/*`]);
    });

    it("rejects uploads that ask for non-KMS encryption or another key, but not uploads relying on the default", () => {
        const stmts = bucketPolicyStatements("arn:aws:s3:::b", "arn:aws:kms:eu-west-1:111122223333:key/k");
        const puts = stmts.filter((s) => s.Action === "s3:PutObject");
        assert.equal(puts.length, 2);
        for (const s of puts) {
            assert.equal(s.Effect, "Deny");
            const [header] = Object.keys(s.Condition!.StringNotEquals);
            // Null=false means "only when the header is present": the Pulumi CLI sends none (bucket default applies).
            assert.deepEqual(s.Condition!.Null, { [header]: "false" }, s.Sid);
            assert.ok(
                !Object.keys(s.Condition!).some((op) => op.endsWith("IfExists")),
                `${s.Sid}: IfExists would deny header-less uploads`,
            );
        }
        assert.deepEqual(
            puts.map((s) => Object.values(s.Condition!.StringNotEquals)[0]),
            ["aws:kms", "arn:aws:kms:eu-west-1:111122223333:key/k"],
        );
        assert.ok(!stmts.some((s) => s.Effect === "Allow"), "the bucket policy grants nothing (STO-04)");
    });

    it("protects and retains every resource so no destroy can delete or weaken state", () => {
        const custom = dev.capture.resources.filter((r) => r.custom);
        assert.ok(custom.length >= 13, `found ${custom.length}`);
        for (const r of custom) {
            assert.equal(r.protect, true, `${r.type} ${r.name} protect`);
            assert.equal(dev.retained.get(r.name), true, `${r.type} ${r.name} retainOnDelete`);
        }
        assert.equal(dev.capture.one(BUCKET).inputs.forceDestroy, false);
    });

    it("uses two rotating customer keys with 30-day deletion windows and non-public key policies", () => {
        const keys = dev.capture.ofType(KEY);
        assert.deepEqual(keys.map((k) => k.name).sort(), ["state-secrets-key", "state-state-key"]);
        for (const k of keys) {
            assert.equal(k.inputs.enableKeyRotation, true, k.name);
            assert.equal(k.inputs.deletionWindowInDays, 30, k.name);
            for (const s of statements(k).filter((x) => x.Effect === "Allow"))
                assert.notDeepEqual(s.Principal, { AWS: "*" }, `${k.name} ${s.Sid}`);
        }
        const onlyViaS3 = statements(dev.capture.one(KEY, "state-key")).find((s) => s.Effect === "Deny");
        assert.deepEqual(onlyViaS3?.Condition, { StringNotEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } });
        const aliases = dev.capture
            .ofType("aws:kms/alias:Alias")
            .map((a) => a.inputs.name)
            .sort();
        assert.deepEqual(aliases, ["alias/aws-platform-pulumi-secrets", "alias/aws-platform-pulumi-state"]);
    });

    it("exports the login URL and the awskms secrets provider for the main stacks", () => {
        assert.equal(dev.outputs.backendUrl, "s3://aws-platform-pulumi-state-111122223333?region=eu-west-1&awssdk=v2");
        assert.equal(dev.outputs.secretsProvider, "awskms://alias/aws-platform-pulumi-secrets?region=eu-west-1");
        assert.equal(prod.outputs.backendUrl, "s3://aws-platform-pulumi-state-444455556666?region=eu-west-1&awssdk=v2");
    });

    it("gives the CI deploy policy only the .pulumi/ objects and the two keys, never a wildcard resource", () => {
        const bucketArn = dev.capture.one(BUCKET).state.arn;
        const stateKeyArn = dev.capture.one(KEY, "state-key").state.arn;
        const secretsKeyArn = dev.capture.one(KEY, "secrets-key").state.arn;
        const deploy = statements(dev.capture.one(IAM_POLICY, "state-ci-deploy"));
        assert.equal(
            dev.outputs.ciDeployPolicy,
            dev.capture.one(IAM_POLICY, "state-ci-deploy").inputs.policy,
            "the output is the attached document",
        );
        for (const s of deploy) {
            assert.equal(s.Effect, "Allow");
            for (const r of asList(s.Resource!))
                assert.ok(!r.includes("*") || r === `${bucketArn}/.pulumi/*`, `${s.Sid} resource ${r}`);
            for (const a of asList(s.Action)) assert.ok(!a.includes("*"), `${s.Sid} action ${a}`);
        }
        const bySid = Object.fromEntries(deploy.map((s) => [s.Sid, s]));
        assert.deepEqual(bySid.ListStateBucket.Resource, bucketArn);
        assert.deepEqual(bySid.ReadWriteStateObjects.Action, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
        assert.equal(bySid.StateKeyThroughS3.Resource, stateKeyArn);
        assert.deepEqual(bySid.StateKeyThroughS3.Condition, {
            StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" },
        });
        assert.equal(bySid.DecryptStackSecrets.Resource, secretsKeyArn);
        assert.equal(bySid.DecryptStackSecrets.Action, "kms:Decrypt");
    });

    it("gives the CI preview policy read-only state access, and stack secrets only where configured (dev)", () => {
        const preview = statements(dev.capture.one(IAM_POLICY, "state-ci-preview"));
        const actions = preview.flatMap((s) => asList(s.Action));
        assert.deepEqual(actions.sort(), ["kms:Decrypt", "kms:Decrypt", "s3:GetObject", "s3:ListBucket"]);
        const prodActions = statements(prod.capture.one(IAM_POLICY, "state-ci-preview")).flatMap((s) =>
            asList(s.Action),
        );
        assert.deepEqual(
            prodActions.sort(),
            ["kms:Decrypt", "s3:GetObject", "s3:ListBucket"],
            "prod preview decrypts state objects (via S3) but no stack secrets",
        );
        const write = ciPolicyStatements({
            bucketArn: "arn:aws:s3:::b",
            stateKeyArn: "k1",
            secretsKeyArn: "k2",
            s3Service: "s3.eu-west-1.amazonaws.com",
            write: true,
            decryptSecrets: true,
        });
        assert.ok(write.flatMap((s) => asList(s.Action)).includes("s3:DeleteObject"), "deploy can release locks");
    });

    it("attaches the state policies to the pipeline-of-record roles it creates", () => {
        const attachments = dev.capture
            .ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter((a) => a.name.startsWith("state-"))
            .map((a) => [a.inputs.role, a.inputs.policyArn]);
        assert.deepEqual(attachments.sort(), [
            ["platform-ci-deployer", dev.capture.one(IAM_POLICY, "state-ci-deploy").state.arn],
            ["platform-ci-preview", dev.capture.one(IAM_POLICY, "state-ci-preview").state.arn],
        ]);
    });

    it("sends server access logs to the central bucket only when one is configured", async () => {
        assert.equal(dev.capture.ofType("aws:s3/bucketLogging:BucketLogging").length, 0);
        const logged = await runBootstrap("dev", {
            "bootstrap:accessLogsBucket": "central-s3-access-logs-111122223333",
        });
        const logging = logged.capture.one("aws:s3/bucketLogging:BucketLogging");
        assert.equal(logging.inputs.targetBucket, "central-s3-access-logs-111122223333");
        assert.equal(logging.inputs.bucket, "aws-platform-pulumi-state-111122223333");
    });
});

describe("bootstrap config", () => {
    const base = {
        bucketName: "aws-platform-pulumi-state-111122223333",
        owner: "platform-team",
        costCentre: "CC-PLAT",
        githubRepository: "acme/aws-platform",
        breakGlassPrincipalArns: ["arn:aws:iam::111122223333:role/admins"],
    };

    it("fills secure defaults", () => {
        const cfg = parseBootstrapConfig(base);
        assert.equal(cfg.noncurrentVersionDays, 365);
        assert.equal(cfg.stateKeyAlias, "pulumi-state");
        assert.equal(cfg.secretsKeyAlias, "pulumi-secrets");
        assert.equal(parseBootstrapConfig({ ...base, noncurrentVersionDays: "90" }).noncurrentVersionDays, 90);
    });

    const rejects = (raw: Record<string, unknown>, message: RegExp) =>
        assert.throws(
            () => parseBootstrapConfig(raw),
            (e: Error) => e instanceof ConfigError && message.test(e.message),
        );

    it("names the key, the value and what is allowed", () => {
        rejects(
            { ...base, bucketName: "state.example.com" },
            /^Invalid stack config: bootstrap:bucketName must be an S3 bucket name: .*no dots, got "state\.example\.com"$/,
        );
        rejects(
            { ...base, noncurrentVersionDays: "7" },
            /bootstrap:noncurrentVersionDays must be between 30 and 3650 days, got 7$/,
        );
        rejects({ ...base, secretsKeyAlias: "aws/s3" }, /bootstrap:secretsKeyAlias .*not under aws\/, got "aws\/s3"/);
        rejects(
            { ...base, breakGlassPrincipalArns: ["platform-admins"] },
            /bootstrap:breakGlassPrincipalArns\[0\] must be IAM role ARNs, got "platform-admins"/,
        );
        rejects(
            { ...base, stateKeyAlias: "same", secretsKeyAlias: "same" },
            /bootstrap:secretsKeyAlias must differ from stateKeyAlias/,
        );
    });

    it("requires the bucket name and refuses unknown keys", () => {
        const { bucketName: _omit, ...noBucket } = base;
        rejects(noBucket, /^Invalid stack config: bootstrap:bucketName is required$/);
        rejects({ ...base, bucketname: "x" }, /bootstrap:bucketname is not a known key: allowed keys are bucketName, /);
    });
});
