import { PolicyResource } from "@pulumi/policy";
import { each, Policy, Props, resourcePolicy, resourcePolicyOf, stackPolicy } from "./lib/builders";
import { IamRole } from "./lib/classes";
import {
    accountOf,
    ATTACHMENT_TYPES,
    awsPrincipals,
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
import { conditionKeys, Statement } from "./lib/iam";
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

/**
 * AWS managed policies that grant a whole service on every resource: the `*FullAccess` family (AmazonS3FullAccess is
 * `s3:*` on `*`) and the read-write/power-user ones named below. They are IAM-01's service-wide wildcards, attached by ARN.
 */
export const SERVICE_WIDE_MANAGED_POLICIES = ["SecretsManagerReadWrite", "AWSKeyManagementServicePowerUser"];
const SERVICE_WIDE_ARN = new RegExp(
    `^arn:aws[a-z-]*:iam::aws:policy/(?:[a-z-]+/)?([A-Za-z0-9_-]*FullAccess(?:_v\\d+)?|${SERVICE_WIDE_MANAGED_POLICIES.join("|")})$`,
);

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

/**
 * Actions that let a principal become someone more privileged when granted on every resource: hand any role to a
 * service (PassRole), assume any role, or rewrite any principal's policies or trust (the IAM privilege-escalation
 * paths of Rhino Security Labs' catalogue and AWS's "iam:PassRole" guidance). On named ARNs they are fine.
 */
export const ESCALATION_ACTIONS = [
    "iam:PassRole",
    "sts:AssumeRole",
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachRolePolicy",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:PutRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:UpdateAssumeRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
];

/** Why a statement lets its principal escalate (an escalation action on every resource), or undefined. */
export function escalationGrant(s: Statement): string | undefined {
    if (!isAllow(s) || !onAllResources(s) || grantsEverything(s)) return undefined;
    const hits = ESCALATION_ACTIONS.filter((a) => grants(s, a));
    return hits.length > 0 ? `allows ${hits.join(", ")} on every resource (privilege escalation)` : undefined;
}

/** Problems of one identity-policy document: full-admin and service-wide wildcard grants. */
function documentProblems(type: string, props: Props, reads: Reads): string[] {
    return statementProblems(type, props, reads, adminGrant);
}

const wildcardStatements = resourcePolicy({
    name: "iam-no-wildcard-admin-statements",
    description:
        'IAM-01: no identity policy allows "*", a service-wide wildcard (s3:*, kms:*, iam:*) or a privilege-escalation action (iam:PassRole, sts:AssumeRole, iam:Put*Policy, ...) on every resource (AWS FSBP IAM.1, IAM.21; CIS-AWS 1.16).',
    controls: ["IAM-01"],
    exemptable: true, // the IaC deployer role: documented exemption tag with ticket (bootstrap/identities.ts)
    enforcementLevel: "mandatory",
    types: IDENTITY_POLICY_TYPES,
    validate: ({ type, props, reads }, report) => {
        for (const problem of documentProblems(type, props, reads))
            report(`${problem}: list the actions the principal needs and the resource ARNs they act on.`);
        // Escalation grants that adminGrant's wildcard tests do not see (iam:PassRole on "*", iam:Put*Policy, ...).
        for (const problem of statementProblems(type, props, reads, (s) =>
            adminGrant(s) ? undefined : escalationGrant(s),
        ))
            report(`${problem}: name the role, policy or user ARNs the principal may act on.`);
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
        "IAM-02: no role, user or group gets AdministratorAccess, PowerUserAccess, IAMFullAccess, a service-wide AWS managed policy (*FullAccess, SecretsManagerReadWrite) or a customer policy of this stack that grants full admin (AWS FSBP IAM.1, IAM.21; CIS-AWS 1.16).",
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
                    const wide = !m && typeof arn === "string" ? SERVICE_WIDE_ARN.exec(arn) : null;
                    if (wide)
                        reportUnlessExempt(
                            report,
                            "iam-no-admin-policy-attached",
                            holders,
                            `${resourceLabel(r)} attaches ${wide[1]} (${at}), which grants a whole service on every resource: grant a policy scoped to the actions and resource ARNs the principal needs.`,
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

/** The issuer of GitHub Actions' OIDC tokens (docs.github.com, "About security hardening with OpenID Connect"). */
const GITHUB_ISSUER = "token.actions.githubusercontent.com";

/**
 * `*`, a service-account subject whose namespace is a wildcard (`system:serviceaccount:*:x`), or a GitHub Actions
 * subject with any wildcard: `repo:org/*` admits every repository of the org, `repo:org/repo:*` every branch, tag,
 * pull request and environment of it, so any contributor's workflow could assume the role.
 */
function tooBroad(claim: string, v: string, issuer = ""): boolean {
    if (v.trim() === "*" || v.trim() === "") return true;
    if (claim === "sub" && issuer.toLowerCase() === GITHUB_ISSUER)
        return /[*?]/.test(v) || !/^repo:[^/:]+\/[^/:]+:.+/.test(v);
    if (claim !== "sub" || !v.startsWith("system:serviceaccount:")) return false;
    const namespace = v.split(":")[2] ?? "";
    return namespace === "" || namespace.includes("*") || namespace.includes("?");
}

/** Problems of a web-identity (IRSA / OIDC) trust statement: it must pin both the token's subject and audience. */
export function webIdentityProblems(s: Statement): string[] {
    if (!isAllow(s)) return [];
    const federated = asArray((s.Principal as any)?.Federated).map(String);
    // OIDC providers (IRSA, CI), whatever the ARN looks like (a reference may not read ":oidc-provider/" yet): every
    // federated principal of AssumeRoleWithWebIdentity but Cognito identity pools, which scope with aud/amr instead.
    const oidc = federated.some((f) => f === "*" || !/^cognito-identity\.amazonaws\.com(\.cn)?$/.test(f));
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
        const issuer = key ? key.slice(0, -claim.length - 1) : "";
        if (values.length === 0) out.push(`has no StringEquals/StringLike condition on "<issuer>:${claim}"`);
        else if (values.some((v) => tooBroad(claim, v, issuer)))
            out.push(`accepts any ${claim === "sub" ? "subject" : "audience"} (${values.join(", ")})`);
    }
    return out;
}

/** The statements of a role's trust policy (`assumeRolePolicy`); undefined while it is unknown, or when there is none. */
function trustStatements(props: Props, reads: Reads): ReturnType<typeof statementsOf> | undefined {
    const doc = reads.read(props, "assumeRolePolicy");
    if (doc === SKIP || absent(doc)) return undefined;
    return statementsOf({ at: "assumeRolePolicy", value: doc }, reads);
}

const irsaTrust = resourcePolicyOf({
    name: "iam-oidc-trust-scoped",
    description:
        "IAM-03: a role trusted through an OIDC provider (IRSA, CI) pins both the token's sub and aud with StringEquals/StringLike; a GitHub Actions sub names one repository and one environment, branch or pull_request, without wildcards (AWS FSBP IAM.1 trust; EKS IRSA guidance; GitHub OIDC hardening).",
    controls: ["IAM-03"],
    enforcementLevel: "mandatory",
    of: IamRole,
    validate: ({ props, reads }, report) => {
        const statements = trustStatements(props, reads);
        if (!statements) return;
        if ("error" in statements) {
            report(`assumeRolePolicy: the ${statements.error}; fix the trust policy.`);
            return;
        }
        statements.forEach((s, i) => {
            const problems = webIdentityProblems(s);
            if (problems.length > 0)
                report(
                    `assumeRolePolicy ${label(s, i)} ${problems.join(" and ")}: add StringEquals { "<issuer>:sub": "system:serviceaccount:<namespace>:<service-account>" (GitHub: "repo:<org>/<repo>:environment:<env>"), "<issuer>:aud": "sts.amazonaws.com" }.`,
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

/** Condition keys that pin who may use an AWS-principal trust: an organisation, an account, a principal ARN or an external id. */
const TRUST_SCOPING = [
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalaccount",
    "aws:principalarn",
    "sts:externalid",
    "aws:sourceaccount",
    "aws:sourcearn",
];
const ASSUME_ACTIONS = ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"];

/**
 * Why an `AWS`-principal trust statement lets unknown callers assume the role, or undefined: `*` without a
 * scoping condition, an account (root or bare id) without one (every principal of that account, or a vendor's
 * whole account without an ExternalId: the confused deputy), or `NotPrincipal`.
 */
export function trustProblem(s: Statement): string | undefined {
    if (!isAllow(s) || !ASSUME_ACTIONS.some((a) => grants(s, a))) return undefined;
    if (s.NotPrincipal !== undefined) return `trusts everyone but ${quote(s.NotPrincipal)} (NotPrincipal)`;
    const scoped = conditionKeys(s).some((k) => TRUST_SCOPING.includes(k));
    if (scoped) return undefined;
    const principals = awsPrincipals(s.Principal);
    if (principals.includes("*")) return 'trusts every AWS principal ("*")';
    const accounts = principals.filter((p) => /^\d{12}$/.test(p) || /^arn:aws[a-z-]*:iam::\d{12}:root$/.test(p));
    return accounts.length > 0
        ? `trusts every principal of account ${accounts.map((a) => accountOf(a)).join(", ")}`
        : undefined;
}

const roleTrust = resourcePolicyOf({
    name: "iam-role-trust-scoped",
    description:
        'IAM-06: a role\'s trust policy names the roles or services that may assume it: no Principal "*", no whole account (root or id) and no NotPrincipal without an aws:PrincipalArn / aws:PrincipalOrgID / sts:ExternalId condition (AWS IAM user guide: confused deputy, cross-account trust; AWS FSBP IAM.1 trust).',
    controls: ["IAM-06"],
    enforcementLevel: "mandatory",
    of: IamRole,
    validate: ({ props, reads }, report) => {
        const statements = trustStatements(props, reads);
        if (!statements || "error" in statements) return; // an unreadable document: reported by iam-oidc-trust-scoped
        statements.forEach((s, i) => {
            const problem = trustProblem(s);
            if (problem)
                report(
                    `assumeRolePolicy ${label(s, i)} ${problem}: name the role ARNs that may assume it, or add a condition on aws:PrincipalArn (same account), aws:PrincipalOrgID or sts:ExternalId (a vendor).`,
                );
        });
    },
});

/** IAM users' long-lived secrets: access keys, console passwords, service-specific credentials, signing certificates. */
const LONG_LIVED = [
    { type: TYPES.iamAccessKey, what: "an access key" },
    { type: TYPES.iamUserLoginProfile, what: "a console password" },
    { type: TYPES.iamServiceSpecificCredential, what: "a service-specific credential" },
    { type: TYPES.iamSigningCertificate, what: "a signing certificate" },
];

const noLongLivedCredentials = resourcePolicy({
    name: "iam-no-long-lived-credentials",
    description:
        "IAM-07: the platform creates no IAM user credentials (access keys, console passwords, service-specific credentials, signing certificates): pipelines use OIDC roles, people use SSO (AWS FSBP IAM.3, IAM.22 intent; CIS-AWS 1.12-1.14).",
    controls: ["IAM-07"],
    enforcementLevel: "mandatory",
    types: LONG_LIVED.map((l) => l.type),
    validate: ({ type, props, reads }, report) => {
        // AccessKey and UserLoginProfile name the user `user`; ServiceSpecificCredential and SigningCertificate `userName`.
        const user = reads.read(props, props.user !== undefined ? "user" : "userName");
        const what = LONG_LIVED.find((l) => l.type === type)?.what ?? "a credential";
        report(
            `creates ${what} for IAM user ${user === SKIP ? "(unknown at preview)" : quote(user)}, a secret that never expires: use a role assumed through GitHub OIDC / IRSA, or IAM Identity Center for people.`,
        );
    },
});

/** Environment variable names that carry a credential (the same words K8S-32 looks for in ConfigMaps). */
const CREDENTIAL_NAME = /(pass(word|wd)?|pwd|secret|token|api[_-]?key|private[_-]?key|credential|access[_-]?key)/i;

const codebuildHardened = resourcePolicy({
    name: "codebuild-project-hardened",
    description:
        "IAM-08: CodeBuild projects (the CI runner holds the deploy role's session) run unprivileged, take credentials from Secrets Manager or Parameter Store rather than plaintext environment variables, and keep their CloudWatch build logs (AWS FSBP CodeBuild.2, CodeBuild.3, CodeBuild.4, CodeBuild.5).",
    controls: ["IAM-08"],
    enforcementLevel: "mandatory",
    types: [TYPES.codebuildProject],
    validate: ({ props, reads }, report) => {
        if (reads.read(props, "environment.privilegedMode") === true)
            report(
                "environment.privilegedMode is true: a build could reach the host's Docker daemon and kernel; turn it off (build images with a rootless builder or a separate, credential-less project).",
            );
        const vars = reads.read(props, "environment.environmentVariables");
        if (vars !== SKIP)
            asArray(vars).forEach((v: any, i: number) => {
                const type = v?.type ?? "PLAINTEXT"; // the CodeBuild default
                if (type === "PLAINTEXT" && CREDENTIAL_NAME.test(String(v?.name ?? "")) && !absent(v?.value))
                    report(
                        `environment.environmentVariables[${i}] (${String(v.name)}) holds a credential in plaintext: use type SECRETS_MANAGER or PARAMETER_STORE with the secret's ARN.`,
                    );
            });
        const cw = reads.read(props, "logsConfig.cloudwatchLogs.status");
        const s3 = reads.read(props, "logsConfig.s3Logs.status");
        if (cw === "DISABLED" && s3 !== "ENABLED" && s3 !== SKIP)
            report(
                "logsConfig.cloudwatchLogs.status is DISABLED and no S3 logs are on: keep the build logs (CloudWatch, KMS-encrypted group) so every build is auditable.",
            );
        const encryptionDisabled = reads.read(props, "logsConfig.s3Logs.encryptionDisabled");
        if (s3 === "ENABLED" && encryptionDisabled === true)
            report("logsConfig.s3Logs.encryptionDisabled is true: keep S3 build logs encrypted.");
    },
});

export const policies: Policy[] = [
    wildcardStatements,
    noAdminPolicy,
    irsaTrust,
    stateBackendScoped,
    exclusiveManagement,
    roleTrust,
    noLongLivedCredentials,
    codebuildHardened,
];
