import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bucketGuardrails, tlsOnlyStatements } from "../../components/buckets";
import { assertComponent, buildAlone } from "../support/component";

describe("bucket guardrails helper", () => {
    it("blocks every kind of public access, disables ACLs and versions the bucket, as siblings named like it", async () => {
        const c = await buildAlone(() => {
            const parent = new pulumi.ComponentResource("test:index:Parent", "logs");
            const bucket = new aws.s3.Bucket("logs-bucket", {}, { parent });
            bucketGuardrails("logs-bucket", bucket.bucket, { parent });
        });
        assertComponent(c, "test:index:Parent", "logs", {});
        const bucket = c.one("aws:s3/bucket:Bucket").state.bucket;
        const block = c.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock");
        assert.equal(block.name, "logs-bucket");
        assert.deepEqual(
            [
                block.inputs.bucket,
                block.inputs.blockPublicAcls,
                block.inputs.blockPublicPolicy,
                block.inputs.ignorePublicAcls,
                block.inputs.restrictPublicBuckets,
            ],
            [bucket, true, true, true, true],
        );
        const ownership = c.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs;
        assert.deepEqual(ownership.rule, { objectOwnership: "BucketOwnerEnforced" });
        const versioning = c.one("aws:s3/bucketVersioning:BucketVersioning").inputs;
        assert.deepEqual([versioning.bucket, versioning.versioningConfiguration.status], [bucket, "Enabled"]);
    });

    it("denies plain HTTP and TLS below 1.2 on the bucket and every object in it", () => {
        const [insecure, outdated] = tlsOnlyStatements("arn:aws:s3:::logs") as any[];
        for (const s of [insecure, outdated]) {
            assert.deepEqual([s.Effect, s.Principal, s.Action], ["Deny", "*", "s3:*"]);
            assert.deepEqual(s.Resource, ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"]);
        }
        assert.deepEqual(insecure.Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.deepEqual(outdated.Condition, { NumericLessThan: { "s3:TlsVersion": 1.2 } });
    });
});
