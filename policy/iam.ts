import { PolicyResource } from "@pulumi/policy";
import { each, Policy, Props, resourcePolicy, resourcePolicyOf, stackPolicy } from "./lib/builders";
import { IamRole } from "./lib/classes";
import {
    ATTACHMENT_TYPES,
    conditionValues,
    grantedActions,
    grantsEverything,
    globMatch,
    grants,
    IDENTITY_POLICY_TYPES,
    identityDocuments,
    isAllow,
    label,
    onAllResources,
    serviceWildcards,
    statementProblems,
    statementsOf,
} from "./lib/documents";
import { label as resourceLabel, ofTypes, props as propsOf, referrers, resolveAll } from "./lib/graph";
import { Statement } from "./lib/iam";
import { reportUnlessExempt } from "./lib/exemptions";
import { need, Reads, SKIP } from "./lib/read";
import { absent, asArray, quote } from "./lib/values";
import { TYPES } from "../lib/contract";

/**
 * IAM content (issue #19 class 1, and the managed/inline exclusivity of class 9): what a principal may do, who may
 * assume a role, and what CI may touch in the state backend. Every row covers every resource type that can carry the
 * same grant: `aws:iam/policy`, `rolePolicy`, `userPolicy`, `groupPolicy`, a role's `inlinePolicies`, and the
 * attachment types (`rolePolicyAttachment`, `userPolicyAttachment`, `groupPolicyAttachment`, `policyAttachment`,
 * a role's `managedPolicyArns`).
 */

/** AWS managed policies that grant administrator (or IAM-administrator, i.e. self-escalating) access. */
export const ADMIN_MANAGED_POLICIES = [
    "AdministratorAccess",
    "PowerUserAccess",
    "IAMFullAccess",
    "AdministratorAccess-Amplify",
    "AdministratorAccess-AWSElasticBeanstalk",
];
const ADMIN_ARN = new RegExp(`^arn:aws[a-z-]*:iam::aws:policy/(?:[a-z-]+/)?(${ADMIN_MANAGED_POLICIES.join("|")})$`);

/** Why a statement is administrator-equivalent, or undefined. */
export function adminGrant(s: Statement): string | undefined {
    if (!isAllow(s) || !onAllResources(s)) return undefined;
    if (grantsEverything(s))
        return s.NotAction !== undefined
            ? `allows everything but ${quote(s.NotAction)} on every resource`
            : 'allows "*" on every resource';
    const wild = serviceWildcards(s);
    if (wild.length > 0) return `allows ${wild.join(", ")} on every resource`;
    return undefined;
}

/** Problems of one identity-policy document: full-admin and service-wide wildcard grants. */
function documentProblems(type: string, props: Props, reads: Reads): string[] {
    return statementProblems(type, props, reads, adminGrant);
}

const wildcardStatements = resourcePolicy({
    name: "iam-no-wildcard-admin-statements",
    description:
        'IAM-01: no identity policy allows "*" or a service-wide wildcard (s3:*, kms:*, iam:*) on every resource (AWS FSBP IAM.1, IAM.21; CIS-AWS 1.16).',
    controls: ["IAM-01"],
    exemptable: true, // the IaC deployer role: documented exemption tag with ticket (bootstrap/identities.ts)
    enforcementLevel: "mandatory",
    types: IDENTITY_POLICY_TYPES,
    validate: ({ type, props, reads }, report) => {
        for (const problem of documentProblems(type, props, reads))
            report(`${problem}: list the actions the principal needs and the resource ARNs they act on.`);
    },
});

/** Managed-policy ARNs a resource attaches, with where. */
function attachedArns(type: string, props: Props, reads: Reads): Array<{ at: string; arn: unknown }> {
    if (type === TYPES.iamRole) {
        const list = reads.read(props, "managedPolicyArns");
        if (list === SKIP) return [];
        return asArray(list).map((arn, i) => ({ at: `managedPolicyArns[${i}]`, arn }));
    }
    if (type === TYPES.iamRolePolicyAttachmentsExclusive) {
        const list = reads.read(props, "policyArns");
        if (list === SKIP) return [];
        return asArray(list).map((arn, i) => ({ at: `policyArns[${i}]`, arn }));
    }
    const arn = reads.read(props, "policyArn");
    return arn === SKIP ? [] : [{ at: "policyArn", arn }];
}

const ATTACHING_TYPES = [...ATTACHMENT_TYPES, TYPES.iamRole, TYPES.iamRolePolicyAttachmentsExclusive];

const noAdminPolicy = stackPolicy({
    name: "iam-no-admin-policy-attached",
    description:
        "IAM-02: no role, user or group gets AdministratorAccess, PowerUserAccess, IAMFullAccess or a customer policy of this stack that grants full admin (AWS FSBP IAM.1; CIS-AWS 1.16).",
    controls: ["IAM-02"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        const adminPolicies = new Set<PolicyResource>();
        for (const p of ofTypes(resources, [TYPES.iamPolicy])) {
            each(p, report, (props, reads) => {
                if (
                    documentProblems(TYPES.iamPolicy, props, reads).some((x) => / allows ("\*"|everything but)/.test(x))
                )
                    adminPolicies.add(p);
            });
        }
        for (const r of ofTypes(resources, ATTACHING_TYPES)) {
            each(r, report, (props, reads) => {
                for (const { at, arn } of attachedArns(r.type, props, reads)) {
                    const m = typeof arn === "string" ? ADMIN_ARN.exec(arn) : null;
                    // A documented break-glass role carries `policy.exempt/iam-no-admin-policy-attached` (ticket + reason).
                    const holders = [r, ...resolveAll(r, "role", [TYPES.iamRole], resources).targets];
                    if (m)
                        reportUnlessExempt(
                            report,
                            "iam-no-admin-policy-attached",
                            holders,
                            `${resourceLabel(r)} attaches ${m[1]} (${at}): grant a policy scoped to the actions and resources the principal needs.`,
                            r.urn,
                        );
                }
                const path =
                    r.type === TYPES.iamRole
                        ? "managedPolicyArns"
                        : r.type === TYPES.iamRolePolicyAttachmentsExclusive
                          ? "policyArns"
                          : "policyArn";
                for (const p of resolveAll(r, path, [TYPES.iamPolicy], resources).targets) {
                    if (adminPolicies.has(p))
                        report(
                            `${resourceLabel(r)} attaches ${resourceLabel(p)}, which grants full admin: scope that policy's actions and resources.`,
                            r.urn,
                        );
                }
            });
        }
    },
});

const WEB_IDENTITY = "sts:assumerolewithwebidentity";

/** `*`, or a service-account subject whose namespace is a wildcard (`system:serviceaccount:*:x`). */
function tooBroad(claim: string, v: string): boolean {
    if (v.trim() === "*" || v.trim() === "") return true;
    if (claim !== "sub" || !v.startsWith("system:serviceaccount:")) return false;
    const namespace = v.split(":")[2] ?? "";
    return namespace === "" || namespace.includes("*") || namespace.includes("?");
}

/** Problems of a web-identity (IRSA / OIDC) trust statement: it must pin both the token's subject and audience. */
export function webIdentityProblems(s: Statement): string[] {
    if (!isAllow(s)) return [];
    const federated = asArray((s.Principal as any)?.Federated).map(String);
    // OIDC providers only (IRSA, CI): Cognito identity pools federate as cognito-identity.amazonaws.com and scope with aud/amr.
    const oidc = federated.some((f) => f === "*" || f.includes(":oidc-provider/"));
    const webIdentity = grantedActions(s).some((a) => globMatch(a, WEB_IDENTITY)) && (oidc || s.Principal === "*");
    if (!webIdentity) return [];
    if (federated.includes("*") || s.Principal === "*")
        return ['trusts every identity provider (Federated "*"): name the cluster\'s OIDC provider ARN'];
    const out: string[] = [];
    const operators = [
        "StringEquals",
        "StringLike",
        "ForAnyValue:StringEquals",
        "ForAnyValue:StringLike",
        "ForAllValues:StringEquals",
        "ForAllValues:StringLike",
    ];
    const keys = Object.values(s.Condition ?? {}).flatMap((b) => (b && typeof b === "object" ? Object.keys(b) : []));
    for (const claim of ["sub", "aud"]) {
        const key = keys.find((k) => k.toLowerCase().endsWith(`:${claim}`) && !k.toLowerCase().startsWith("aws:"));
        const values = key ? conditionValues(s, key, operators) : [];
        if (values.length === 0) out.push(`has no StringEquals/StringLike condition on "<issuer>:${claim}"`);
        else if (values.some((v) => tooBroad(claim, v)))
            out.push(`accepts any ${claim === "sub" ? "subject" : "audience"} (${values.join(", ")})`);
    }
    return out;
}

const irsaTrust = resourcePolicyOf({
    name: "iam-oidc-trust-scoped",
    description:
        "IAM-03: a role trusted through an OIDC provider (IRSA, CI) pins both the token's sub and aud with StringEquals/StringLike (AWS FSBP IAM.1 trust; EKS IRSA guidance).",
    controls: ["IAM-03"],
    enforcementLevel: "mandatory",
    of: IamRole,
    validate: ({ props, reads }, report) => {
        const doc = reads.read(props, "assumeRolePolicy");
        if (doc === SKIP || absent(doc)) return;
        const statements = statementsOf({ at: "assumeRolePolicy", value: doc }, reads);
        if ("error" in statements) {
            report(`assumeRolePolicy: the ${statements.error}; fix the trust policy.`);
            return;
        }
        statements.forEach((s, i) => {
            const problems = webIdentityProblems(s);
            if (problems.length > 0)
                report(
                    `assumeRolePolicy ${label(s, i)} ${problems.join(" and ")}: add StringEquals { "<issuer>:sub": "system:serviceaccount:<namespace>:<service-account>", "<issuer>:aud": "sts.amazonaws.com" }.`,
                );
        });
    },
});

/** The S3 and KMS actions the DIY backend needs (pulumi/pulumi pkg/backend/diy): anything else is broader than state access. */
export const STATE_BACKEND_ACTIONS = [
    "s3:ListBucket",
    "s3:GetBucketLocation",
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "kms:Decrypt",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:DescribeKey",
];
export const STATE_PREFIX = ".pulumi/";

/** Buckets of the Pulumi state backend: children of the bootstrap StateBackend component. */
export function stateBuckets(resources: PolicyResource[], bucketTypes: readonly string[]): PolicyResource[] {
    return ofTypes(resources, bucketTypes).filter((b) => {
        // The engine never sends a parent cycle, but a malformed stack may: visit each ancestor once.
        const seen = new Set<PolicyResource>();
        for (let p = b.parent; p && !seen.has(p); p = p.parent) {
            if (p.type === TYPES.stateBackend) return true;
            seen.add(p);
        }
        return false;
    });
}

/** S3 actions whose grant on the state bucket makes a document a state-backend policy. */
const S3_PROBES = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket", "s3:PutBucketPolicy"];
const BUCKET_TYPES = [TYPES.bucket, TYPES.bucketV2];

const stateBackendScoped = stackPolicy({
    name: "iam-state-backend-policy-scoped",
    description:
        "IAM-04: policies that grant access to the Pulumi state bucket allow only the backend's S3 and KMS actions, on that bucket, its .pulumi/ objects and this stack's keys (least privilege; AWS FSBP IAM.21).",
    controls: ["IAM-04"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        const buckets = stateBuckets(resources, BUCKET_TYPES);
        if (buckets.length === 0) return;
        const keys = ofTypes(resources, [TYPES.kmsKey]);
        for (const r of ofTypes(resources, [
            TYPES.iamPolicy,
            TYPES.iamRolePolicy,
            TYPES.iamUserPolicy,
            TYPES.iamGroupPolicy,
            TYPES.iamRole,
        ])) {
            each(r, report, (props, reads) => {
                const bucketArns = buckets
                    .map((b) => need(propsOf(b), "bucket"))
                    .filter((n) => typeof n === "string")
                    .map((n) => `arn:aws:s3:::${n}`);
                const keyArns = keys.map((k) => propsOf(k).arn).filter((a): a is string => typeof a === "string");
                const keyDeps = new Set(
                    [
                        ...(r.propertyDependencies?.policy ?? []),
                        ...(r.propertyDependencies?.inlinePolicies ?? []),
                    ].filter((d) => d.type === TYPES.kmsKey),
                );
                for (const doc of identityDocuments(r.type, props, reads)) {
                    const statements = statementsOf(doc, reads);
                    if ("error" in statements) continue;
                    // A document is a state-backend policy when one of its S3 grants reaches the state bucket, however broadly.
                    const touchesState = statements.some(
                        (s) =>
                            isAllow(s) &&
                            S3_PROBES.some((a) => grants(s, a)) &&
                            (s.NotResource !== undefined ||
                                asArray(s.Resource).some((x) =>
                                    bucketArns.some(
                                        (b) =>
                                            globMatch(String(x), b, false) ||
                                            globMatch(String(x), `${b}/${STATE_PREFIX}stacks/x.json`, false),
                                    ),
                                )),
                    );
                    if (!touchesState) continue;
                    statements.forEach((s, i) => {
                        if (!isAllow(s)) return;
                        const where = `${resourceLabel(r)} ${doc.at} ${label(s, i)}`;
                        if (s.NotAction !== undefined || s.NotResource !== undefined) {
                            report(
                                `${where} uses NotAction/NotResource: name the backend's actions and the state bucket explicitly.`,
                                r.urn,
                            );
                            return;
                        }
                        const extra = grantedActions(s).filter(
                            (a) => !STATE_BACKEND_ACTIONS.some((ok) => a.toLowerCase() === ok.toLowerCase()),
                        );
                        if (extra.length > 0)
                            reportUnlessExempt(
                                report,
                                "iam-state-backend-policy-scoped",
                                [r],
                                `${where} allows ${extra.join(", ")}: the state backend needs only ${STATE_BACKEND_ACTIONS.join(", ")}.`,
                                r.urn,
                            );
                        const outside = asArray(s.Resource)
                            .map(String)
                            .filter(
                                (x) =>
                                    !bucketArns.some(
                                        (b) =>
                                            x === b ||
                                            x === `${b}/${STATE_PREFIX}*` ||
                                            (x.startsWith(`${b}/${STATE_PREFIX}`) && !x.slice(b.length).includes("*")),
                                    ) &&
                                    !keyArns.includes(x) &&
                                    !(keyDeps.size > 0 && /^arn:aws[a-z-]*:kms:[^:]+:\d{12}:key\/[^*?]+$/.test(x)),
                            );
                        if (outside.length > 0)
                            reportUnlessExempt(
                                report,
                                "iam-state-backend-policy-scoped",
                                [r],
                                `${where} reaches ${outside.join(", ")}: limit it to the state bucket, its ${STATE_PREFIX}* objects and the state/secrets key ARNs.`,
                                r.urn,
                            );
                    });
                }
            });
        }
    },
});

/** A role's managed attachments or inline policies managed both on the role and by separate resources: each overwrites the other. */
const exclusiveManagement = stackPolicy({
    name: "iam-policy-management-not-mixed",
    description:
        "IAM-05: a role's managedPolicyArns / inlinePolicies are not mixed with attachment / RolePolicy resources on the same role (each side removes the other's policies on update).",
    controls: ["IAM-05"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        for (const role of ofTypes(resources, [TYPES.iamRole])) {
            each(role, report, (props, reads) => {
                const managed = reads.read(props, "managedPolicyArns");
                if (managed !== SKIP && managed !== undefined && managed !== null) {
                    const attachments = [
                        ...referrers(role, "role", [TYPES.iamRolePolicyAttachment], resources),
                        ...referrers(role, "roles", [TYPES.iamPolicyAttachment], resources),
                    ];
                    if (attachments.length > 0)
                        report(
                            `${resourceLabel(role)} sets managedPolicyArns and is also the target of ${attachments.map(resourceLabel).join(", ")}: use one or the other (prefer RolePolicyAttachment; managedPolicyArns is deprecated).`,
                            role.urn,
                        );
                }
                const inline = reads.read(props, "inlinePolicies");
                if (inline !== SKIP && asArray(inline).some((p: any) => !absent(p?.policy) || !absent(p?.name))) {
                    const rolePolicies = referrers(role, "role", [TYPES.iamRolePolicy], resources);
                    if (rolePolicies.length > 0)
                        report(
                            `${resourceLabel(role)} sets inlinePolicies and is also the target of ${rolePolicies.map(resourceLabel).join(", ")}: declare inline policies one way only.`,
                            role.urn,
                        );
                }
            });
        }
    },
});

export const policies: Policy[] = [
    wildcardStatements,
    noAdminPolicy,
    irsaTrust,
    stateBackendScoped,
    exclusiveManagement,
];
