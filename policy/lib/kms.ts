/** KMS key references (catalogue section 0: "KMS reference"). */

const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
const KMS_ALIAS_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(alias\/.+)$/;
const KEY_ID = /^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export function isAwsManagedAlias(v: unknown): boolean {
    if (typeof v !== "string") return false;
    const alias = KMS_ALIAS_ARN.exec(v)?.[1] ?? v;
    return alias.startsWith("alias/aws/");
}

/**
 * A customer-managed KMS key reference: a key ARN, a key id (uuid or mrk-), a customer alias
 * (name or ARN), or an ARN listed in `externalKmsKeyArns`. AWS-managed aliases (`alias/aws/*`)
 * and absent values (including "" and whitespace) are not. Unknown values are not judged here: read them first.
 */
export function isKmsReference(v: unknown, externalKmsKeyArns: readonly string[] = []): boolean {
    if (typeof v !== "string" || v.trim() === "") return false;
    if (externalKmsKeyArns.includes(v)) return true;
    if (isAwsManagedAlias(v)) return false;
    return KMS_KEY_ARN.test(v) || KMS_ALIAS_ARN.test(v) || KEY_ID.test(v) || /^alias\/[A-Za-z0-9/_-]+$/.test(v);
}
