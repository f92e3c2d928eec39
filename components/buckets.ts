import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The guardrails every bucket of the platform carries beside its encryption (STK-06): all four public
 * access blocks (STO-02), ACLs disabled (STO-05) and versioning (STO-06). The siblings share the
 * bucket's logical `name`, as the encryption and lifecycle resources of the caller do.
 *
 * @param name The bucket's logical name, shared by the three siblings. Required.
 * @param bucket The bucket's name (its `bucket` output). Required.
 * @param opts Options of every sibling: the caller's `{ parent }`. Required.
 */
export function bucketGuardrails(name: string, bucket: pulumi.Input<string>, opts: pulumi.CustomResourceOptions) {
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
        name,
        { bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        opts,
    );
    const ownership = new aws.s3.BucketOwnershipControls(
        name,
        { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
        opts,
    );
    const versioning = new aws.s3.BucketVersioning(
        name,
        { bucket, versioningConfiguration: { status: "Enabled" } },
        opts,
    );
    return { publicAccess, ownership, versioning };
}

/**
 * STO-03 / S3.5: deny any request to the bucket or its objects without TLS, or with TLS older than 1.2.
 *
 * @param bucketArn The bucket's ARN; the statements cover it and every object in it. Required.
 */
export function tlsOnlyStatements(bucketArn: string): object[] {
    const resource = [bucketArn, `${bucketArn}/*`];
    return [
        {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: resource,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
        {
            Sid: "DenyOutdatedTls",
            Effect: "Deny",
            Principal: "*",
            Action: "s3:*",
            Resource: resource,
            Condition: { NumericLessThan: { "s3:TlsVersion": 1.2 } },
        },
    ];
}
