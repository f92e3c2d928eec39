import { strict as assert } from "assert";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies as stack } from "../stack";
import { policies } from "../storage";
import {
    Case,
    checkCase,
    checkUnknownsNeverBlock,
    policyNamed,
    runStackPolicy,
    stackResources,
    StackFixture,
} from "./support";
import { TYPES } from "../../lib/contract";

/** Issue #19 class 7: cross-account writes, versioning everywhere, the state bucket kept. */

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const B = "arn:aws:s3:::data";
const ACCOUNTS = { accountIds: ["111122223333"] };
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const tls = {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [B, `${B}/*`],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
};

const table: Record<string, Case[]> = {
    "s3-no-cross-account-write": [
        {
            it: "rejects PutObject for another account",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc(tls, {
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::999988887777:root" },
                    Action: "s3:PutObject",
                    Resource: `${B}/*`,
                }),
            },
            rejects: /account 999988887777 s3:PutObject/,
        },
        {
            it: "rejects policy changes by another account's role",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: ["arn:aws:iam::999988887777:role/x"] },
                    Action: ["s3:PutBucketPolicy"],
                    Resource: B,
                }),
            },
            rejects: /s3:PutBucketPolicy/,
        },
        {
            it: "rejects s3:* for a bare account id",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: "999988887777" },
                    Action: "s3:*",
                    Resource: [B, `${B}/*`],
                }),
            },
            rejects: /write actions/,
        },
        {
            it: "rejects deletes for everyone without a condition",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc({ Effect: "Allow", Principal: "*", Action: "s3:DeleteObject", Resource: `${B}/*` }),
            },
            rejects: /everyone/,
        },
        {
            it: "rejects a cross-account write in the legacy inline bucket policy",
            type: TYPES.bucket,
            config: ACCOUNTS,
            props: {
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: "999988887777" },
                    Action: "s3:PutObjectAcl",
                    Resource: `${B}/*`,
                }),
            },
            rejects: /PutObjectAcl/,
        },
        {
            it: "rejects the ELB account getting more than PutObject",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::156460612806:root" },
                    Action: ["s3:PutObject", "s3:DeleteObject"],
                    Resource: `${B}/*`,
                }),
            },
            rejects: /156460612806/,
        },
        {
            it: "passes writes by this account's roles",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc(tls, {
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::111122223333:role/app" },
                    Action: ["s3:PutObject", "s3:DeleteObject"],
                    Resource: `${B}/*`,
                }),
            },
        },
        {
            it: "passes ELB access-log delivery (PutObject only)",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc(tls, {
                    Effect: "Allow",
                    Principal: { AWS: "arn:aws:iam::156460612806:root" },
                    Action: "s3:PutObject",
                    Resource: `${B}/alb/*`,
                }),
            },
        },
        {
            it: "passes cross-account reads",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: "999988887777" },
                    Action: ["s3:GetObject", "s3:ListBucket"],
                    Resource: [B, `${B}/*`],
                }),
            },
        },
        {
            it: "passes org-restricted writes",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc({
                    Effect: "Allow",
                    Principal: "*",
                    Action: "s3:PutObject",
                    Resource: `${B}/*`,
                    Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc" } },
                }),
            },
        },
        {
            it: "passes service principals (log delivery)",
            type: TYPES.bucketPolicy,
            config: ACCOUNTS,
            props: {
                bucket: "data",
                policy: doc({
                    Effect: "Allow",
                    Principal: { Service: "logging.s3.amazonaws.com" },
                    Action: "s3:PutObject",
                    Resource: `${B}/*`,
                }),
            },
        },
    ],
    "s3-versioning-enabled": [
        {
            it: "rejects suspended versioning",
            type: TYPES.bucketVersioning,
            props: { bucket: "b", versioningConfiguration: { status: "Suspended" } },
            rejects: /"Suspended"/,
        },
        {
            it: "passes enabled versioning",
            type: TYPES.bucketVersioningV2,
            props: { bucket: "b", versioningConfiguration: { status: "Enabled" } },
        },
    ],
};

describe("policy pack: storage (issue #19 class 7)", () => {
    for (const [name, cases] of Object.entries(table)) {
        describe(name, () => {
            for (const c of cases) it(c.it, () => checkCase(policyNamed<ResourceValidationPolicy>(policies, name), c));
            for (const c of cases.filter((x) => !x.rejects))
                it(`does not block when any input of "${c.it}" is unknown in preview`, () =>
                    checkUnknownsNeverBlock(policyNamed<ResourceValidationPolicy>(policies, name), c));
        });
    }
    it("reports cross-account writes as unverified when accountIds is not configured", async () => {
        const policy = policyNamed<ResourceValidationPolicy>(policies, "s3-no-cross-account-write");
        const run = await checkCase(policy, {
            it: "",
            type: TYPES.bucketPolicy,
            props: {
                bucket: "data",
                policy: doc({
                    Effect: "Allow",
                    Principal: { AWS: "999988887777" },
                    Action: "s3:PutObject",
                    Resource: `${B}/*`,
                }),
            },
            rejects: /accountIds is not configured/,
        });
        assert.equal(run.mandatory.length, 1);
    });

    describe("s3-buckets-versioned", () => {
        const policy = policyNamed<StackValidationPolicy>(stack, "s3-buckets-versioned");
        it("rejects a bucket without versioning", async () => {
            const run = await runStackPolicy(policy, [{ type: TYPES.bucketV2, name: "b", props: { bucket: "b" } }]);
            assert.ok(
                run.mandatory.some((m) => m.includes("BucketV2 'b' has no versioning")),
                JSON.stringify(run.violations),
            );
        });
        it("rejects a bucket whose versioning is suspended", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.bucket, name: "b", props: { bucket: "b" } },
                {
                    type: TYPES.bucketVersioning,
                    name: "v",
                    props: { bucket: "b", versioningConfiguration: { status: "Suspended" } },
                },
            ]);
            assert.equal(run.mandatory.length, 1);
        });
        it("passes a BucketVersioning joined through the graph", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.bucket, name: "b", props: {} },
                {
                    type: TYPES.bucketVersioning,
                    name: "v",
                    props: { bucket: UNKNOWN, versioningConfiguration: { status: "Enabled" } },
                    deps: { bucket: ["b"] },
                },
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("passes the legacy inline versioning block", async () =>
            assert.deepEqual(
                (
                    await runStackPolicy(policy, [
                        { type: TYPES.bucket, name: "b", props: { versioning: { enabled: true } } },
                    ])
                ).violations,
                [],
            ));
        it("does not fail while the status is unknown", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.bucket, name: "b", props: { bucket: "b" } },
                {
                    type: TYPES.bucketVersioning,
                    name: "v",
                    props: { bucket: "b", versioningConfiguration: { status: UNKNOWN } },
                },
            ]);
            assert.deepEqual(run.mandatory, []);
        });
    });

    describe("state-bucket-protected", () => {
        const policy = policyNamed<StackValidationPolicy>(stack, "state-bucket-protected");
        const fixtures = (bucketProps: object, versioning = true): StackFixture[] => [
            { type: TYPES.stateBackend, name: "state", props: {} },
            {
                type: TYPES.bucket,
                name: "state-bucket",
                props: { bucket: "state-111122223333", forceDestroy: false, ...bucketProps },
                parent: "state",
            },
            ...(versioning
                ? [
                      {
                          type: TYPES.bucketVersioning,
                          name: "state-versioning",
                          props: { bucket: "state-111122223333", versioningConfiguration: { status: "Enabled" } },
                          parent: "state",
                      },
                  ]
                : []),
        ];
        const protect = (resources: PolicyResource[], names: string[]) => {
            for (const r of resources) if (names.includes(r.name)) r.opts.protect = true;
            return resources;
        };
        it("passes the bootstrap's protected, versioned bucket", async () => {
            const run = await runStackPolicy(
                policy,
                protect(stackResources(fixtures({})), ["state-bucket", "state-versioning"]),
            );
            assert.deepEqual(run.violations, []);
        });
        it("rejects an unprotected state bucket", async () => {
            const run = await runStackPolicy(policy, protect(stackResources(fixtures({})), ["state-versioning"]));
            assert.ok(
                run.mandatory.some((m) => m.includes("is not protected")),
                JSON.stringify(run.violations),
            );
        });
        it("rejects forceDestroy", async () => {
            const run = await runStackPolicy(
                policy,
                protect(stackResources(fixtures({ forceDestroy: true })), ["state-bucket", "state-versioning"]),
            );
            assert.ok(
                run.mandatory.some((m) => m.includes("forceDestroy")),
                JSON.stringify(run.violations),
            );
        });
        it("rejects a state bucket without versioning", async () => {
            const run = await runStackPolicy(policy, protect(stackResources(fixtures({}, false)), ["state-bucket"]));
            assert.ok(
                run.mandatory.some((m) => m.includes("no enabled versioning")),
                JSON.stringify(run.violations),
            );
        });
        it("ignores buckets outside the state backend", async () => {
            const run = await runStackPolicy(policy, [
                { type: TYPES.bucket, name: "app", props: { forceDestroy: true } },
            ]);
            assert.deepEqual(run.violations, []);
        });
        it("skips a state bucket whose forceDestroy is unknown", async () => {
            const run = await runStackPolicy(
                policy,
                protect(stackResources(fixtures({ forceDestroy: UNKNOWN })), ["state-bucket", "state-versioning"]),
            );
            assert.deepEqual(run.mandatory, []);
        });
    });
});
