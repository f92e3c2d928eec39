import { PolicyResource } from "@pulumi/policy";
import { KMS_REFERENCE_PATHS, TYPES } from "../lib/contract";
import { DB_TYPES, isReplica, PARAMETER_GROUP_TYPES, tlsParameterProblem } from "./data";
import { stateBuckets } from "./iam";
import {
    applicationLbs,
    isPlainHttpListener,
    LB_TYPES,
    LISTENER_RULE_TYPES,
    LISTENER_TYPES,
    redirectProblem,
    ruleProblem,
    webAclProblems,
} from "./edge";
import { rotationProblem } from "./keys";
import { each, Policy, stackPolicy } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { exemption } from "./lib/exemptions";
import { parsePolicyDocument } from "./lib/iam";
import { isAwsManagedAlias, isKmsReference } from "./lib/kms";
import { get, need } from "./lib/read";
import { Reporter } from "./lib/reporter";
import { isUnknown } from "./lib/unknowns";
import { absent, asArray, isTrue, present, presentItems } from "./lib/values";
import { identities, label, ofTypes, props as propsOf, referrers, resolveAll, resolveOne } from "./lib/graph";
import { subnetIsolation } from "./lib/subnets";
import {
    ACL_TYPES,
    BUCKET_TYPES,
    VERSIONING_TYPES,
    configExemption,
    hasTlsOnlyDeny,
    LOGGING_TYPES,
    publicAccessBlockMissing,
    SSE_TYPES,
    sseFindings,
} from "./storage";

/**
 * Catalogue section 9: facts that join several resources. References are resolved through the
 * resource graph (lib/graph.ts). STK-02, STK-05 and STK-16 live in cluster.ts / kubernetes.ts.
 */

/** Inputs that name a KMS key (STK-04). `[]` = every element. Types limit paths whose name is generic. */
export { KMS_REFERENCE_PATHS };

/** Every value at a path with `[]` steps, with a display path. */
export function valuesAt(obj: unknown, path: string): Array<{ at: string; value: unknown }> {
    const steps = path.split(".");
    let cur: Array<{ at: string; value: unknown }> = [{ at: "", value: obj }];
    for (const step of steps) {
        const many = step.endsWith("[]");
        const key = many ? step.slice(0, -2) : step;
        const next: Array<{ at: string; value: unknown }> = [];
        for (const c of cur) {
            if (isUnknown(c.value)) {
                next.push(c);
                continue;
            }
            const v = get(c.value, key);
            const at = c.at ? `${c.at}.${key}` : key;
            if (v === undefined || v === null) continue;
            if (many && !isUnknown(v)) asArray(v).forEach((e, i) => next.push({ at: `${at}[${i}]`, value: e }));
            else next.push({ at, value: v });
        }
        cur = next;
    }
    return cur.filter((c) => c.at !== "");
}

function keysFor(
    ref: PolicyResource,
    path: string,
    value: unknown,
    all: PolicyResource[],
): { keys: PolicyResource[]; viaAlias?: PolicyResource } | undefined {
    const top = path.split(/\.|\[/)[0];
    const keys = ofTypes(all, [TYPES.kmsKey]);
    const aliases = ofTypes(all, [TYPES.kmsAlias]);
    if (typeof value === "string" && !isUnknown(value)) {
        const key = keys.find((k) => identities(k).includes(value));
        if (key) return { keys: [key] };
        const alias = aliases.find(
            (a) => identities(a).includes(value) || (propsOf(a).name && value.endsWith(`:${propsOf(a).name}`)),
        );
        if (alias) return { keys: resolveAll(alias, "targetKeyId", [TYPES.kmsKey], all).targets, viaAlias: alias };
    }
    const deps = ref.propertyDependencies?.[top] ?? [];
    const direct = deps.filter((d) => d.type === TYPES.kmsKey);
    if (direct.length > 0) return { keys: direct };
    const viaAlias = deps.find((d) => d.type === TYPES.kmsAlias);
    if (viaAlias) return { keys: resolveAll(viaAlias, "targetKeyId", [TYPES.kmsKey], all).targets, viaAlias };
    return undefined;
}

/** STK-06 for one bucket: what is missing or failing. `sseS3Exempt` is the ticket when SSE-S3 is allowed. */
function bucketGuardrails(
    bucket: PolicyResource,
    all: PolicyResource[],
    config: Record<string, any>,
    report: Reporter,
): void {
    const p = propsOf(bucket);
    const name = `${label(bucket)}`;
    const tag = exemption(p, "s3-sse-kms-required");
    const ticket =
        tag && !("error" in tag) ? `${tag.ticket}: ${tag.reason}` : configExemption(p.bucket, config.exemptBuckets);
    const sse = referrers(bucket, "bucket", SSE_TYPES, all);
    const pab = referrers(bucket, "bucket", [TYPES.bucketPublicAccessBlock], all);
    const policies = referrers(bucket, "bucket", [TYPES.bucketPolicy], all);
    const ownership = referrers(bucket, "bucket", [TYPES.bucketOwnershipControls], all);
    const inlineSse =
        get(p, "serverSideEncryptionConfiguration.rule") ?? get(p, "serverSideEncryptionConfigurations[0].rules");
    const inlinePolicy = p.policy;
    // Existence first: these are known even when ids are not.
    if (sse.length === 0 && absent(inlineSse))
        report(
            `${name} has no default-encryption configuration (STO-01); add a BucketServerSideEncryptionConfiguration with SSE-KMS.`,
            bucket.urn,
        );
    if (pab.length === 0)
        report(
            `${name} has no public access block (STO-02); add a BucketPublicAccessBlock with all four flags true.`,
            bucket.urn,
        );
    if (policies.length === 0 && absent(inlinePolicy))
        report(
            `${name} has no bucket policy denying non-TLS requests (STO-03); add one with aws:SecureTransport = false → Deny.`,
            bucket.urn,
        );
    if (ownership.length === 0)
        report(
            `${name} has no ownership controls (STO-05); add BucketOwnershipControls with objectOwnership BucketOwnerEnforced.`,
            bucket.urn,
        );
    if (present(p.acl) && !isUnknown(p.acl) && p.acl !== "private")
        report(`${name} sets the legacy acl ${JSON.stringify(p.acl)} (STO-05); remove it.`, bucket.urn);
    for (const r of ofTypes(referrers(bucket, "bucket", ACL_TYPES, all), ACL_TYPES))
        report(`${name} has a bucket ACL resource ${r.name} (STO-05); remove it, ACLs are disabled.`, bucket.urn);
    // Content next (may be unknown during preview; each() stops this bucket only).
    const rulesSets = [...sse.map((s) => propsOf(s).rules), ...(inlineSse !== undefined ? [asArray(inlineSse)] : [])];
    for (const rules of rulesSets) {
        for (const f of sseFindings(rules, config.externalKmsKeyArns)) {
            if (f.advisory) report.advisory(`${name}: encryption ${f.message}.`, bucket.urn);
            else if (f.sseS3 && ticket)
                report.advisory(`${name}: encryption ${f.message} [exempted by ${ticket}].`, bucket.urn);
            else if (f.sseS3)
                report(
                    `${name}: encryption ${f.message}, or tag the bucket policy.exempt/s3-sse-kms-required = "<TICKET-1>: <reason>" when the writing service requires SSE-S3.`,
                    bucket.urn,
                );
            else report(`${name}: encryption ${f.message}.`, bucket.urn);
        }
    }
    for (const b of pab) {
        const missing = publicAccessBlockMissing(propsOf(b));
        if (missing.length > 0)
            report(`${name}: public access block ${b.name} leaves ${missing.join(", ")} off (STO-02).`, bucket.urn);
    }
    for (const o of ownership) {
        const v = need(propsOf(o), "rule.objectOwnership");
        if (v !== "BucketOwnerEnforced")
            report(
                `${name}: ownership controls use ${JSON.stringify(v)}, not BucketOwnerEnforced (STO-05).`,
                bucket.urn,
            );
    }
    const docs = [...policies.map((x) => propsOf(x).policy), ...(inlinePolicy !== undefined ? [inlinePolicy] : [])];
    for (const doc of docs) {
        const parsed = parsePolicyDocument(need(doc, "", "policy"));
        if ("error" in parsed) report(`${name}: bucket ${parsed.error}.`, bucket.urn);
        else if (!hasTlsOnlyDeny(parsed.statements))
            report(
                `${name}: the bucket policy does not deny non-TLS requests to the bucket and its objects (STO-03).`,
                bucket.urn,
            );
    }
}

/** Buckets that receive logs (S3 access logs, ELB access logs): they are the end of the chain (STK-14). */
function logTargetBuckets(all: PolicyResource[]): Set<PolicyResource> {
    const out = new Set<PolicyResource>();
    const buckets = ofTypes(all, BUCKET_TYPES);
    for (const l of ofTypes(all, LOGGING_TYPES))
        for (const b of resolveAll(l, "targetBucket", BUCKET_TYPES, all).targets) out.add(b);
    for (const lb of ofTypes(all, LB_TYPES)) {
        for (const b of resolveAll(lb, "accessLogs.bucket", BUCKET_TYPES, all).targets) out.add(b);
    }
    for (const b of buckets) {
        const t = get(propsOf(b), "logging.targetBucket") ?? get(propsOf(b), "loggings[0].targetBucket");
        const target = buckets.find((x) => identities(x).includes(t));
        if (target) out.add(target);
    }
    return out;
}

/** A bucket's versioning is on: a BucketVersioning(V2) resource with status Enabled, or the legacy inline block. Unknown counts as on (judged at up). */
function versioned(bucket: PolicyResource, resources: PolicyResource[]): boolean {
    const inline = get(propsOf(bucket), "versioning.enabled");
    if (inline === true || isUnknown(inline)) return true;
    return referrers(bucket, "bucket", VERSIONING_TYPES, resources).some((v) => {
        const status = get(propsOf(v), "versioningConfiguration.status");
        return status === "Enabled" || isUnknown(status);
    });
}

const bucketsVersioned = stackPolicy({
    name: "s3-buckets-versioned",
    description:
        "STK-17: every bucket has versioning enabled, so an overwrite or delete can be undone (AWS FSBP S3.14).",
    controls: ["STK-17"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        for (const bucket of ofTypes(resources, BUCKET_TYPES)) {
            if (!versioned(bucket, resources))
                report(
                    `${label(bucket)} has no versioning: add an aws.s3.BucketVersioning with versioningConfiguration.status "Enabled".`,
                    bucket.urn,
                );
        }
    },
});

const stateBucketProtected = stackPolicy({
    name: "state-bucket-protected",
    description:
        "STK-18: the Pulumi state bucket (bootstrap StateBackend) keeps versioning on, is `protect`ed and never forceDestroy; retainOnDelete, which the analyzer protocol does not carry, is asserted by bootstrap/test.",
    controls: ["STK-18"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        for (const bucket of stateBuckets(resources, BUCKET_TYPES)) {
            each(bucket, report, (p) => {
                if (bucket.opts?.protect !== true)
                    report(
                        `${label(bucket)} holds every stack's state but is not protected: keep the resource option protect: true (and retainOnDelete: true).`,
                        bucket.urn,
                    );
                if (isTrue(need(p, "forceDestroy")))
                    report(
                        `${label(bucket)} sets forceDestroy: a destroy would empty the state bucket; set it to false.`,
                        bucket.urn,
                    );
                if (!versioned(bucket, resources))
                    report(
                        `${label(bucket)} has no enabled versioning: state history and lock recovery need it; add a BucketVersioning with status "Enabled".`,
                        bucket.urn,
                    );
                for (const v of referrers(bucket, "bucket", VERSIONING_TYPES, resources)) {
                    if (v.opts?.protect !== true)
                        report(
                            `${label(v)} of the state bucket is not protected: a destroy could suspend versioning; keep protect: true.`,
                            v.urn,
                        );
                }
            });
        }
    },
});

export const policies: Policy[] = [
    stackPolicy({
        name: "rds-private-subnets-only",
        description:
            "STK-01: every database's subnet group holds only isolated subnets: no public IP mapping, no route to an internet gateway (AWS FSBP RDS.2, EC2.15; CIS-AWS 2.3.3).",
        controls: ["STK-01"],
        enforcementLevel: "mandatory",
        configSchema: schemaOf(["externalSubnetIds"]),
        validate: ({ resources, config }, report) => {
            for (const db of ofTypes(resources, DB_TYPES)) {
                each(db, report, (p) => {
                    if (present(p.replicateSourceDb) && absent(p.dbSubnetGroupName)) return;
                    const group = resolveOne(db, "dbSubnetGroupName", [TYPES.rdsSubnetGroup], resources);
                    if (group.kind === "unknown" || group.kind === "absent") return; // absent: rds-uses-explicit-subnet-group
                    if (group.kind === "unresolved") {
                        report(
                            `${label(db)}: cannot verify subnet group ${JSON.stringify(group.value)}, which is not declared in this stack; declare it here.`,
                            db.urn,
                        );
                        return;
                    }
                    for (const sg of group.targets) {
                        const subnets = resolveAll(sg, "subnetIds", [TYPES.subnet], resources);
                        const external: string[] = config.externalSubnetIds;
                        for (const v of subnets.unresolved) {
                            if (!external.includes(String(v)))
                                report(
                                    `${label(db)}: cannot verify subnet ${JSON.stringify(v)} of ${label(sg)}; declare it in the stack or list it in externalSubnetIds.`,
                                    db.urn,
                                );
                        }
                        for (const s of subnets.targets) {
                            const verdict = subnetIsolation(s, resources);
                            for (const problem of verdict.problems)
                                report(
                                    `${label(db)}: subnet ${s.name} of ${label(sg)} ${problem}; use isolated subnets only.`,
                                    db.urn,
                                );
                            for (const note of verdict.notes)
                                report.advisory(`${label(db)}: subnet ${s.name} ${note}.`, db.urn);
                        }
                    }
                });
            }
        },
    }),
    stackPolicy({
        name: "alb-port80-listeners-redirect",
        description:
            "STK-03: every port-80 listener of every load balancer (and every rule on it) redirects to HTTPS, and an HTTPS:443 listener exists beside it (AWS FSBP ELB.1).",
        controls: ["STK-03"],
        enforcementLevel: "mandatory",
        validate: ({ resources }, report) => {
            const seen = new Set<PolicyResource>();
            for (const lb of applicationLbs(resources)) {
                const listeners = referrers(lb, "loadBalancerArn", LISTENER_TYPES, resources);
                listeners.forEach((l) => seen.add(l));
                const http = listeners.filter((l) => isPlainHttpListener(propsOf(l)));
                const https443 = listeners.some(
                    (l) => propsOf(l).protocol === "HTTPS" && Number(propsOf(l).port) === 443,
                );
                const undecided = listeners.some((l) => isUnknown(propsOf(l).protocol) || isUnknown(propsOf(l).port));
                if (http.length > 0 && !https443 && !undecided)
                    report(
                        `${label(lb)} has a plain-HTTP listener but no HTTPS listener on 443 to redirect to.`,
                        lb.urn,
                    );
            }
            for (const l of ofTypes(resources, LISTENER_TYPES)) {
                each(l, report, (p) => {
                    if (!isPlainHttpListener(p)) return;
                    const problem = redirectProblem(need(p, "defaultActions"));
                    if (problem) report(`${label(l)} ${problem}.`, l.urn);
                    for (const rule of referrers(l, "listenerArn", LISTENER_RULE_TYPES, resources)) {
                        each(rule, report, (rp) => {
                            const rproblem = ruleProblem(need(rp, "actions"));
                            if (rproblem) report(`${label(rule)} on ${label(l)} ${rproblem}.`, rule.urn);
                        });
                    }
                });
            }
        },
    }),
    stackPolicy({
        name: "kms-referenced-keys-rotate",
        description:
            "STK-04: every KMS key an encrypted resource references is a customer key of this stack (or listed in externalKmsKeyArns) with rotation on (AWS FSBP KMS.4; CIS-AWS 3.6).",
        controls: ["STK-04"],
        enforcementLevel: "mandatory",
        configSchema: schemaOf(["externalKmsKeyArns"]),
        validate: ({ resources, config }, report) => {
            const external: string[] = config.externalKmsKeyArns;
            for (const r of resources) {
                if (r.type.startsWith("aws:kms/")) continue;
                each(r, report, (p) => {
                    for (const { path, types } of KMS_REFERENCE_PATHS) {
                        if (types && !types.includes(r.type)) continue;
                        for (const { at, value } of valuesAt(p, path)) {
                            if (isAwsManagedAlias(value)) {
                                report(
                                    `${label(r)}: ${at} uses the AWS-managed key ${value}; use a customer-managed key with rotation.`,
                                    r.urn,
                                );
                                continue;
                            }
                            const found = keysFor(r, path, value, resources);
                            if (!found || found.keys.length === 0) {
                                if (isUnknown(value) || (typeof value === "string" && external.includes(value)))
                                    continue;
                                if (!isKmsReference(value) && typeof value === "string" && !value.includes("kms"))
                                    continue; // not a key reference at all
                                report(
                                    `${label(r)}: cannot verify ${at} ${JSON.stringify(value)}: no key in this stack; declare it here or list it in externalKmsKeyArns.`,
                                    r.urn,
                                );
                                continue;
                            }
                            for (const key of found.keys) {
                                each(key, report, (kp) => {
                                    const problem = rotationProblem(kp);
                                    if (problem)
                                        report(`${label(r)}: ${at} uses ${label(key)}, which ${problem}.`, r.urn);
                                });
                            }
                        }
                    }
                });
            }
        },
    }),
    stackPolicy({
        name: "s3-bucket-guardrails-complete",
        description:
            "STK-06: every bucket has SSE-KMS (or an exempted SSE-S3), a full public access block, a TLS-only bucket policy and BucketOwnerEnforced ownership (AWS FSBP S3.5, S3.8, S3.12, S3.17).",
        controls: ["STK-06"],
        enforcementLevel: "mandatory",
        configSchema: schemaOf(["externalKmsKeyArns", "exemptBuckets"]),
        validate: ({ resources, config }, report) => {
            for (const bucket of ofTypes(resources, BUCKET_TYPES))
                each(bucket, report, () => bucketGuardrails(bucket, resources, config, report));
        },
    }),
    stackPolicy({
        name: "public-alb-has-waf",
        description:
            "STK-07: every internet-facing application load balancer is associated with a Web ACL that passes the WAF baseline (AWS FSBP ELB.16, WAF.10).",
        controls: ["STK-07"],
        enforcementLevel: "mandatory",
        validate: ({ resources }, report) => {
            for (const lb of applicationLbs(resources)) {
                each(lb, report, (p) => {
                    if (need(p, "internal") === true) return;
                    const unique = referrers(lb, "resourceArn", [TYPES.webAclAssociation], resources);
                    if (unique.length === 0) {
                        report(
                            `${label(lb)} is internet-facing without a WAF Web ACL; add an aws.wafv2.WebAclAssociation.`,
                            lb.urn,
                        );
                        return;
                    }
                    for (const a of unique) {
                        for (const acl of resolveAll(a, "webAclArn", [TYPES.webAcl], resources).targets) {
                            each(acl, report, (ap) => {
                                for (const problem of webAclProblems(ap))
                                    report(`${label(lb)}: its Web ACL ${acl.name} ${problem} (EDGE-11).`, lb.urn);
                            });
                        }
                    }
                });
            }
        },
    }),
    stackPolicy({
        name: "vpc-flow-logs-enabled",
        description:
            "STK-08: every VPC, the adopted default VPC too, has a flow log capturing ALL traffic (AWS FSBP EC2.6; CIS-AWS 3.7).",
        controls: ["STK-08"],
        enforcementLevel: "mandatory",
        validate: ({ resources }, report) => {
            for (const vpc of ofTypes(resources, [TYPES.vpc, TYPES.defaultVpc])) {
                const logs = referrers(vpc, "vpcId", [TYPES.flowLog], resources).filter((f) => {
                    const t = propsOf(f).trafficType;
                    return t === "ALL" || isUnknown(t);
                });
                if (logs.length === 0)
                    report(`${label(vpc)} has no flow log with trafficType ALL; add an aws.ec2.FlowLog.`, vpc.urn);
            }
        },
    }),
    stackPolicy({
        name: "vpc-default-sg-adopted",
        description: "STK-09: every VPC adopts its default security group with no rules (AWS FSBP EC2.2; CIS-AWS 5.4).",
        controls: ["STK-09"],
        enforcementLevel: "mandatory",
        validate: ({ resources }, report) => {
            for (const vpc of ofTypes(resources, [TYPES.vpc])) {
                const sgs = referrers(vpc, "vpcId", [TYPES.defaultSecurityGroup], resources);
                if (sgs.length === 0)
                    report(
                        `${label(vpc)}: its default security group keeps the allow-all rules; adopt it with aws.ec2.DefaultSecurityGroup and no ingress/egress.`,
                        vpc.urn,
                    );
                for (const sg of sgs) {
                    each(sg, report, (p) => {
                        if (asArray(need(p, "ingress")).length > 0 || asArray(need(p, "egress")).length > 0)
                            report(
                                `${label(vpc)}: the adopted default security group ${sg.name} still has rules (NET-02).`,
                                vpc.urn,
                            );
                    });
                }
            }
        },
    }),
    stackPolicy({
        name: "waf-logging-enabled",
        description: "STK-10: every Web ACL has a logging configuration (AWS FSBP WAF.11).",
        controls: ["STK-10"],
        enforcementLevel: "mandatory",
        validate: ({ resources }, report) => {
            for (const acl of ofTypes(resources, [TYPES.webAcl])) {
                if (referrers(acl, "resourceArn", [TYPES.webAclLogging], resources).length === 0)
                    report(
                        `${label(acl)} has no logging configuration; add an aws.wafv2.WebAclLoggingConfiguration.`,
                        acl.urn,
                    );
            }
        },
    }),
    stackPolicy({
        name: "rds-uses-tls-parameter-group",
        description:
            "STK-11: every database uses a custom parameter group of this stack that forces TLS (TLS in transit).",
        controls: ["STK-11"],
        enforcementLevel: "mandatory",
        validate: ({ resources }, report) => {
            for (const db of ofTypes(resources, DB_TYPES)) {
                each(db, report, (p) => {
                    const path = db.type === TYPES.rdsCluster ? "dbClusterParameterGroupName" : "parameterGroupName";
                    // RDS gives a same-Region replica its source's parameter group; a cross-Region one (source named by ARN) gets the default.
                    const source = need(p, "replicateSourceDb");
                    if (
                        isReplica(p) &&
                        absent(need(p, path)) &&
                        !(typeof source === "string" && source.startsWith("arn:"))
                    )
                        return;
                    const res = resolveOne(db, path, PARAMETER_GROUP_TYPES, resources);
                    if (res.kind === "unknown") return;
                    if (
                        res.kind === "absent" ||
                        (res.kind === "unresolved" && String(res.value).startsWith("default."))
                    ) {
                        report(
                            `${label(db)} uses the engine's default parameter group, which does not force TLS; set ${path} to a group with rds.force_ssl / require_secure_transport.`,
                            db.urn,
                        );
                        return;
                    }
                    if (res.kind === "unresolved") {
                        report(
                            `${label(db)}: cannot verify parameter group ${JSON.stringify(res.value)}, which is not declared in this stack.`,
                            db.urn,
                        );
                        return;
                    }
                    for (const pg of res.targets) {
                        each(pg, report, (pp) => {
                            const problem = tlsParameterProblem(pp);
                            if (problem)
                                report(`${label(db)}: parameter group ${pg.name} ${problem} (RDS-04).`, db.urn);
                        });
                    }
                });
            }
        },
    }),
    stackPolicy({
        name: "ecr-lifecycle-policy-present",
        description: "STK-12: every ECR repository has a lifecycle policy (AWS FSBP ECR.3).",
        controls: ["STK-12"],
        enforcementLevel: "mandatory",
        validate: ({ resources }, report) => {
            for (const repo of ofTypes(resources, [TYPES.ecrRepository])) {
                if (referrers(repo, "repository", [TYPES.ecrLifecyclePolicy], resources).length === 0)
                    report(
                        `${label(repo)} has no lifecycle policy; add one so untagged and old images expire.`,
                        repo.urn,
                    );
            }
        },
    }),
    stackPolicy({
        name: "public-zone-query-logging",
        description: "STK-13: every public hosted zone logs DNS queries (AWS FSBP Route53.2).",
        controls: ["STK-13"],
        enforcementLevel: "advisory",
        validate: ({ resources }, report) => {
            for (const zone of ofTypes(resources, [TYPES.zone])) {
                if (asArray(propsOf(zone).vpcs).length > 0) continue;
                if (referrers(zone, "zoneId", [TYPES.route53QueryLog], resources).length === 0)
                    report(
                        `${label(zone)} is public and has no query log; add an aws.route53.QueryLog (log group in us-east-1).`,
                        zone.urn,
                    );
            }
        },
    }),
    stackPolicy({
        name: "s3-access-logging",
        description: "STK-14: every bucket except log targets has server access logging (AWS FSBP S3.9).",
        controls: ["STK-14"],
        enforcementLevel: "advisory",
        validate: ({ resources }, report) => {
            const targets = logTargetBuckets(resources);
            for (const bucket of ofTypes(resources, BUCKET_TYPES)) {
                if (targets.has(bucket)) continue;
                const p = propsOf(bucket);
                if (present(p.logging) || presentItems(p.loggings).length > 0) continue;
                if (referrers(bucket, "bucket", LOGGING_TYPES, resources).length === 0)
                    report(
                        `${label(bucket)} has no access logging; add an aws.s3.BucketLogging to the log bucket.`,
                        bucket.urn,
                    );
            }
        },
    }),
    stackPolicy({
        name: "account-ebs-default-encryption",
        description:
            "STK-15: the account-baseline stack turns on EBS encryption by default with a customer-managed default key (AWS FSBP EC2.7; CIS-AWS 2.2.1).",
        controls: ["STK-15"],
        enforcementLevel: "mandatory",
        configSchema: schemaOf(["stackRole", "externalKmsKeyArns"]),
        validate: ({ resources, config }, report) => {
            if (config.stackRole !== "account-baseline") return;
            const on = ofTypes(resources, [TYPES.ebsEncryptionByDefault]).some((r) => propsOf(r).enabled !== false);
            if (!on) report("The account-baseline stack has no aws.ec2.EbsEncryptionByDefault with enabled true.");
            const keyed = ofTypes(resources, [TYPES.ebsDefaultKmsKey]).some(
                (r) =>
                    isUnknown(propsOf(r).keyArn) ||
                    isKmsReference(propsOf(r).keyArn, config.externalKmsKeyArns) ||
                    (r.propertyDependencies?.keyArn ?? []).some((d) => d.type === TYPES.kmsKey),
            );
            if (!keyed)
                report("The account-baseline stack has no aws.ebs.DefaultKmsKey pointing at a customer-managed key.");
        },
    }),
    bucketsVersioned,
    stateBucketProtected,
];
