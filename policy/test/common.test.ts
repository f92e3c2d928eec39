import * as assert from "assert";
import { resourcePolicy } from "../lib/builders";
import { exemption } from "../lib/exemptions";
import { parsePolicyDocument } from "../lib/iam";
import { isKmsReference } from "../lib/kms";
import { get } from "../lib/read";
import { isUnknown, UNKNOWN } from "../lib/unknowns";
import { runResourcePolicy } from "./support";

describe("policy pack: shared helpers", () => {
    it("recognises customer KMS references and refuses AWS-managed ones", () => {
        assert.ok(isKmsReference("arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert.ok(isKmsReference("alias/platform-data"));
        assert.ok(isKmsReference("mrk-1234567890abcdef1234567890abcdef"));
        assert.ok(!isKmsReference("alias/aws/s3"));
        assert.ok(!isKmsReference("arn:aws:kms:eu-west-1:111122223333:alias/aws/rds"));
        assert.ok(!isKmsReference(undefined));
        assert.ok(
            isKmsReference("arn:aws:kms:us-east-1:999999999999:key/ext", [
                "arn:aws:kms:us-east-1:999999999999:key/ext",
            ]),
        );
    });

    it("reads exemptions only in the '<TICKET>: <reason>' form", () => {
        assert.deepStrictEqual(exemption({ tags: { "policy.exempt/x": "SEC-42: ALB logs need SSE-S3" } }, "x"), {
            ticket: "SEC-42",
            reason: "ALB logs need SSE-S3",
        });
        assert.deepStrictEqual(
            exemption({ metadata: { annotations: { "policy.exempt/x": "OPS-7: bootstrap" } } }, "x"),
            { ticket: "OPS-7", reason: "bootstrap" },
        );
        assert.ok("error" in (exemption({ tags: { "policy.exempt/x": "because" } }, "x") ?? {}));
        assert.strictEqual(exemption({ tags: {} }, "x"), undefined);
    });

    it("parses policy documents tolerantly", () => {
        assert.deepStrictEqual(parsePolicyDocument('{"Statement":{"Effect":"Deny"}}'), {
            statements: [{ Effect: "Deny" }],
        });
        assert.match((parsePolicyDocument("nope") as { error: string }).error, /not valid JSON/);
        assert.match((parsePolicyDocument("[1]") as { error: string }).error, /not a JSON object/);
    });

    it("reads paths safely and surfaces unknowns", () => {
        assert.strictEqual(get({ a: { b: [{ c: 1 }] } }, "a.b[0].c"), 1);
        assert.strictEqual(get({ a: 3 }, "a.b.c"), undefined);
        assert.ok(isUnknown(get({ a: UNKNOWN }, "a.b")));
    });

    it("turns an exception into a malformed-property violation instead of crashing the pack", async () => {
        const policy = resourcePolicy({
            name: "boom",
            description: "test.",
            controls: [],
            enforcementLevel: "mandatory",
            types: ["t"],
            validate: () => {
                throw new TypeError("x is not iterable");
            },
        });
        const run = await runResourcePolicy(policy, "t", {});
        assert.strictEqual(run.violations[0].policy, "boom");
        assert.match(
            run.mandatory[0],
            /malformed property: policy 'boom' could not evaluate this resource \(x is not iterable\)/,
        );
    });

    it("downgrades an exemptable row to advisory and prints the ticket", async () => {
        const policy = resourcePolicy({
            name: "ex",
            description: "test.",
            controls: [],
            enforcementLevel: "mandatory",
            types: ["t"],
            exemptable: true,
            validate: (_a, report) => report("bad"),
        });
        const run = await runResourcePolicy(policy, "t", { tags: { "policy.exempt/ex": "SEC-1: accepted risk" } });
        assert.deepStrictEqual(run.mandatory, []);
        assert.match(run.advisory[0], /bad \[exempted by SEC-1: accepted risk\]/);
        const malformed = await runResourcePolicy(policy, "t", { tags: { "policy.exempt/ex": "whenever" } });
        assert.match(malformed.mandatory.join("\n"), /must read "<TICKET-123>: <reason>"/);
    });
});
