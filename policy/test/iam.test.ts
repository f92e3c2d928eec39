import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../iam";
import { Case, checkCase, checkUnknownsNeverBlock, policyNamed, runStackPolicy, StackFixture } from "./support";
import { TYPES } from "../../lib/contract";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const scoped = { Sid: "Scoped", Effect: "Allow", Action: ["kms:Decrypt"], Resource: KEY };

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABC";
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${ISSUER}`;
const trust = (condition?: object, principal: object = { Federated: PROVIDER }) =>
    doc({
        Effect: "Allow",
        Principal: principal,
        Action: "sts:AssumeRoleWithWebIdentity",
        ...(condition ? { Condition: condition } : {}),
    });
const goodTrust = trust({
    StringEquals: {
        [`${ISSUER}:sub`]: "system:serviceaccount:payments:shop-api",
        [`${ISSUER}:aud`]: "sts.amazonaws.com",
    },
});

const table: Record<string, Case[]> = {
    "iam-no-wildcard-admin-statements": [
        {
            it: 'rejects "*" on "*" in a managed policy',
            type: TYPES.iamPolicy,
            props: { policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) },
            rejects: /allows "\*" on every resource/,
        },
        {
            it: "rejects kms:* on every key in an inline role policy",
            type: TYPES.iamRolePolicy,
            props: { role: "r", policy: doc({ Effect: "Allow", Action: ["kms:*"], Resource: ["*"] }) },
            rejects: /kms:\* on every resource/,
        },
        {
            it: "rejects s3:* given as an object document with a single Statement",
            type: TYPES.iamUserPolicy,
            props: {
                user: "u",
                policy: { Version: "2012-10-17", Statement: { Effect: "Allow", Action: "s3:*", Resource: "*" } },
            },
            rejects: /s3:\*/,
        },
        {
            it: "rejects IAM:* whatever its case, in a group policy",
            type: TYPES.iamGroupPolicy,
            props: { group: "g", policy: doc({ Effect: "allow", Action: "IAM:*", Resource: "*" }) },
            rejects: /IAM:\*/,
        },
        {
            it: "rejects NotAction on every resource (everything but)",
            type: TYPES.iamPolicy,
            props: { policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) },
            rejects: /everything but/,
        },
        {
            it: "rejects a wildcard in a role's inline policies",
            type: TYPES.iamRole,
            props: {
                assumeRolePolicy: goodTrust,
                inlinePolicies: [{ name: "x", policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) }],
            },
            rejects: /inlinePolicies\[0\]\.policy/,
        },
        {
            it: "rejects an unparsable document",
            type: TYPES.iamPolicy,
            props: { policy: "{not json" },
            rejects: /not valid JSON/,
        },
        { it: "passes actions scoped to a key", type: TYPES.iamRolePolicy, props: { role: "r", policy: doc(scoped) } },
        {
            it: "passes a service wildcard limited to named resources",
            type: TYPES.iamPolicy,
            props: { policy: doc({ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::bucket/*" }) },
        },
        {
            it: "passes a Deny of everything (a guardrail, not a grant)",
            type: TYPES.iamPolicy,
            props: {
                policy: doc({
                    Effect: "Deny",
                    Action: "*",
                    Resource: "*",
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                }),
            },
        },
        {
            it: "passes read-only describe actions on every resource",
            type: TYPES.iamPolicy,
            props: { policy: doc({ Effect: "Allow", Action: ["ec2:Describe*"], Resource: "*" }) },
        },
    ],
    "iam-oidc-trust-scoped": [
        {
            it: "rejects an IRSA trust without conditions",
            type: TYPES.iamRole,
            props: { assumeRolePolicy: trust() },
            rejects: /no StringEquals\/StringLike condition on "<issuer>:sub" and has no .*:aud/,
        },
        {
            it: "rejects a trust pinning sub but not aud",
            type: TYPES.iamRole,
            props: { assumeRolePolicy: trust({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:a:b" } }) },
            rejects: /"<issuer>:aud"/,
        },
        {
            it: "rejects a trust pinning aud but not sub",
            type: TYPES.iamRole,
            props: { assumeRolePolicy: trust({ StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } }) },
            rejects: /"<issuer>:sub"/,
        },
        {
            it: "rejects a subject in any namespace",
            type: TYPES.iamRole,
            props: {
                assumeRolePolicy: trust({
                    StringLike: {
                        [`${ISSUER}:sub`]: "system:serviceaccount:*:*",
                        [`${ISSUER}:aud`]: "sts.amazonaws.com",
                    },
                }),
            },
            rejects: /accepts any subject/,
        },
        {
            it: "rejects sub on a non-string operator only (StringNotEquals)",
            type: TYPES.iamRole,
            props: {
                assumeRolePolicy: trust({
                    StringNotEquals: { [`${ISSUER}:sub`]: "x" },
                    StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" },
                }),
            },
            rejects: /"<issuer>:sub"/,
        },
        {
            it: "rejects trusting every federated provider",
            type: TYPES.iamRole,
            props: { assumeRolePolicy: trust(undefined, { Federated: "*" }) },
            rejects: /every identity provider/,
        },
        { it: "passes the platform's IRSA trust", type: TYPES.iamRole, props: { assumeRolePolicy: goodTrust } },
        {
            it: "passes StringLike on a service account of one namespace",
            type: TYPES.iamRole,
            props: {
                assumeRolePolicy: trust({
                    StringLike: {
                        [`${ISSUER}:sub`]: "system:serviceaccount:payments:*",
                        [`${ISSUER}:aud`]: "sts.amazonaws.com",
                    },
                }),
            },
        },
        {
            it: "passes a Cognito identity-pool trust (no OIDC provider)",
            type: TYPES.iamRole,
            props: {
                assumeRolePolicy: trust(
                    {
                        StringEquals: { "cognito-identity.amazonaws.com:aud": "eu-west-1:pool" },
                        "ForAnyValue:StringLike": { "cognito-identity.amazonaws.com:amr": "authenticated" },
                    },
                    { Federated: "cognito-identity.amazonaws.com" },
                ),
            },
        },
        {
            it: "passes a service trust (no web identity)",
            type: TYPES.iamRole,
            props: {
                assumeRolePolicy: doc({
                    Effect: "Allow",
                    Principal: { Service: "ec2.amazonaws.com" },
                    Action: "sts:AssumeRole",
                }),
            },
        },
    ],
};

describe("policy pack: IAM", () => {
    for (const [name, cases] of Object.entries(table)) {
        describe(name, () => {
            for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(policies, name), c));
            for (const c of cases.filter((x) => !x.rejects))
                it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                    checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(policies, name), c));
        });
    }
    it("defers a document that is unknown during preview", async () => {
        const run = await checkCase(
            policyNamed<ResourceValidationPolicy>(policies, "iam-no-wildcard-admin-statements"),
            { it: "unknown", type: TYPES.iamPolicy, props: { policy: UNKNOWN } },
        );
        assert.equal(run.unknown, true);
    });

    describe("iam-no-admin-policy-attached", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "iam-no-admin-policy-attached");
        const role: StackFixture = { type: TYPES.iamRole, name: "ci", props: { assumeRolePolicy: goodTrust } };
        const bad: Array<[string, StackFixture]> = [
            [
                "AdministratorAccess by RolePolicyAttachment",
                {
                    type: TYPES.iamRolePolicyAttachment,
                    name: "a",
                    props: { role: "ci", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
                    deps: { role: ["ci"] },
                },
            ],
            [
                "PowerUserAccess by PolicyAttachment",
                {
                    type: TYPES.iamPolicyAttachment,
                    name: "a",
                    props: { roles: ["ci"], policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" },
                },
            ],
            [
                "IAMFullAccess on a user",
                {
                    type: TYPES.iamUserPolicyAttachment,
                    name: "a",
                    props: { user: "u", policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" },
                },
            ],
            [
                "AdministratorAccess in managedPolicyArns",
                {
                    type: TYPES.iamRole,
                    name: "a",
                    props: {
                        assumeRolePolicy: goodTrust,
                        managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
                    },
                },
            ],
            [
                "a job-function admin path on a group",
                {
                    type: TYPES.iamGroupPolicyAttachment,
                    name: "a",
                    props: { group: "g", policyArn: "arn:aws:iam::aws:policy/job-function/AdministratorAccess" },
                },
            ],
        ];
        for (const [what, fixture] of bad) {
            it(`rejects ${what}`, async () => {
                const run = await runStackPolicy(policy, [role, fixture]);
                assert.ok(
                    run.mandatory.some((m) => /attaches (AdministratorAccess|PowerUserAccess|IAMFullAccess)/.test(m)),
                    JSON.stringify(run.violations),
                );
            });
        }
        it("rejects a customer policy of the stack that grants full admin", async () => {
            const run = await runStackPolicy(policy, [
                role,
                {
                    type: TYPES.iamPolicy,
                    name: "god",
                    props: { policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) },
                },
                {
                    type: TYPES.iamRolePolicyAttachment,
                    name: "att",
                    props: { role: "ci", policyArn: UNKNOWN },
                    deps: { role: ["ci"], policyArn: ["god"] },
                },
            ]);
            assert.ok(
                run.mandatory.some((m) => m.includes("Policy 'god', which grants full admin")),
                JSON.stringify(run.violations),
            );
        });
        it("passes the platform's scoped managed policies", async () => {
            const run = await runStackPolicy(policy, [
                role,
                {
                    type: TYPES.iamRolePolicyAttachment,
                    name: "a",
                    props: { role: "ci", policyArn: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" },
                    deps: { role: ["ci"] },
                },
            ]);
            assert.deepEqual(run.mandatory, []);
        });
        it("downgrades to advisory, with the ticket, when the role carries a recorded break-glass exemption", async () => {
            const breakGlass: StackFixture = {
                ...role,
                props: {
                    ...role.props,
                    tags: { "policy.exempt/iam-no-admin-policy-attached": "PLAT-103: break glass" },
                },
            };
            const run = await runStackPolicy(policy, [breakGlass, bad[0][1]]);
            assert.deepEqual(run.mandatory, []);
            assert.ok(
                run.violations.some((v) =>
                    /attaches AdministratorAccess.*\[exempted by PLAT-103: break glass\]/.test(JSON.stringify(v)),
                ),
                JSON.stringify(run.violations),
            );
        });
        it("still rejects when the exemption has no ticket", async () => {
            const sloppy: StackFixture = {
                ...role,
                props: { ...role.props, tags: { "policy.exempt/iam-no-admin-policy-attached": "because" } },
            };
            const run = await runStackPolicy(policy, [sloppy, bad[0][1]]);
            assert.ok(
                run.mandatory.some((m) => /must read "<TICKET-123>: <reason>"/.test(m)),
                JSON.stringify(run.violations),
            );
            assert.ok(
                run.mandatory.some((m) => /attaches AdministratorAccess/.test(m)),
                JSON.stringify(run.violations),
            );
        });
        it("skips an attachment whose ARN is unknown during preview", async () => {
            const run = await runStackPolicy(policy, [
                role,
                {
                    type: TYPES.iamRolePolicyAttachment,
                    name: "a",
                    props: { role: "ci", policyArn: UNKNOWN },
                },
            ]);
            assert.deepEqual(run.mandatory, []);
        });
    });

    describe("iam-state-backend-policy-scoped", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "iam-state-backend-policy-scoped");
        const B = "arn:aws:s3:::state-bucket-111122223333";
        const base: StackFixture[] = [
            { type: TYPES.stateBackend, name: "state", props: {} },
            {
                type: TYPES.bucket,
                name: "state-bucket",
                props: { bucket: "state-bucket-111122223333" },
                parent: "state",
            },
            { type: TYPES.kmsKey, name: "state-key", props: { enableKeyRotation: true }, parent: "state" },
        ];
        const ci = (...statements: object[]): StackFixture => ({
            type: TYPES.iamPolicy,
            name: "ci-deploy",
            props: { policy: doc(...statements) },
            deps: { policy: ["state-key"] },
            parent: "state",
        });
        const good = [
            { Sid: "List", Effect: "Allow", Action: "s3:ListBucket", Resource: B },
            {
                Sid: "Objects",
                Effect: "Allow",
                Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                Resource: `${B}/.pulumi/*`,
            },
            { Sid: "Key", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: KEY },
        ];
        it("passes the bootstrap's deploy policy", async () =>
            assert.deepEqual((await runStackPolicy(policy, [...base, ci(...good)])).mandatory, []));
        const bad: Array<[string, object, RegExp]> = [
            [
                "every bucket object",
                { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::*" },
                /reaches arn:aws:s3:::\*/,
            ],
            [
                "the whole bucket, not .pulumi/",
                { Effect: "Allow", Action: "s3:GetObject", Resource: `${B}/*` },
                /reaches .*\/\*: limit it/,
            ],
            [
                "bucket-policy rights",
                { Effect: "Allow", Action: ["s3:PutBucketPolicy"], Resource: B },
                /allows s3:PutBucketPolicy/,
            ],
            [
                "s3:* on the bucket",
                { Effect: "Allow", Action: "s3:*", Resource: [B, `${B}/.pulumi/*`] },
                /allows s3:\*/,
            ],
            ["every key", { Effect: "Allow", Action: "s3:GetObject", Resource: [`${B}/.pulumi/*`, "*"] }, /reaches \*/],
        ];
        for (const [what, statement, message] of bad) {
            it(`rejects a CI policy reaching ${what}`, async () => {
                const run = await runStackPolicy(policy, [...base, ci(...good, statement)]);
                assert.ok(
                    run.mandatory.some((m) => message.test(m)),
                    JSON.stringify(run.violations),
                );
            });
        }
        it("ignores policies of stacks without a state backend", async () => {
            const run = await runStackPolicy(policy, [
                {
                    type: TYPES.iamPolicy,
                    name: "p",
                    props: { policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::*" }) },
                },
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("skips a policy whose document is unknown during preview", async () => {
            const run = await runStackPolicy(policy, [
                ...base,
                { type: TYPES.iamPolicy, name: "p", props: { policy: UNKNOWN }, parent: "state" },
            ]);
            assert.deepEqual(run.mandatory, []);
        });
    });

    describe("iam-policy-management-not-mixed", () => {
        const policy = policyNamed<StackValidationPolicy>(policies, "iam-policy-management-not-mixed");
        it("rejects managedPolicyArns on a role that also has an attachment", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.iamRole, name: "r", props: { assumeRolePolicy: goodTrust, managedPolicyArns: [] } },
                {
                    type: TYPES.iamRolePolicyAttachment,
                    name: "a",
                    props: { role: "r", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
                    deps: { role: ["r"] },
                },
            ]);
            assert.ok(
                run.mandatory.some((m) =>
                    m.includes("sets managedPolicyArns and is also the target of RolePolicyAttachment 'a'"),
                ),
                JSON.stringify(run.violations),
            );
        });
        it("rejects inlinePolicies on a role that also has a RolePolicy", async () => {
            const run = await runStackPolicy(policy, [
                {
                    type: TYPES.iamRole,
                    name: "r",
                    props: { assumeRolePolicy: goodTrust, inlinePolicies: [{ name: "x", policy: doc(scoped) }] },
                },
                {
                    type: TYPES.iamRolePolicy,
                    name: "p",
                    props: { role: "r", policy: doc(scoped) },
                    deps: { role: ["r"] },
                },
            ]);
            assert.ok(
                run.mandatory.some((m) => m.includes("sets inlinePolicies")),
                JSON.stringify(run.violations),
            );
        });
        it("passes attachments alone", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.iamRole, name: "r", props: { assumeRolePolicy: goodTrust } },
                {
                    type: TYPES.iamRolePolicyAttachment,
                    name: "a",
                    props: { role: "r", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
                    deps: { role: ["r"] },
                },
                {
                    type: TYPES.iamRolePolicy,
                    name: "p",
                    props: { role: "r", policy: doc(scoped) },
                    deps: { role: ["r"] },
                },
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("skips a role whose managedPolicyArns are unknown", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.iamRole, name: "r", props: { managedPolicyArns: UNKNOWN } },
                {
                    type: TYPES.iamRolePolicyAttachment,
                    name: "a",
                    props: { role: "r", policyArn: "x" },
                    deps: { role: ["r"] },
                },
            ]);
            assert.deepEqual(run.mandatory, []);
        });
    });
});
