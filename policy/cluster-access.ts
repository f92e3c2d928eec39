import { PolicyResource } from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { each, Policy, Props, stackPolicy } from "./lib/builders";
import { schemaOf } from "./lib/config";
import { get } from "./lib/read";
import { isUnknown } from "./lib/unknowns";
import { asArray } from "./lib/values";
import { label, ofTypes, props, resolveAll } from "./lib/graph";
import { SG_ROLES, TYPES } from "../lib/contract";

/**
 * How the pipelines reach and use the cluster (issue 16): the API's security group admits HTTPS only from
 * declared sources (the CI runner and the nodes), and every pipeline role the stack knows has an access
 * entry, the preview roles without any admin or write access.
 */

/** The `sg-role` tag of a security group the program puts on the EKS control plane. */
export const API_SG_ROLE = "eks-api";
const SG_ROLE = "sg-role";
const HTTPS = 443;

const stringList = (description: string, dflt: string[]) =>
    ({
        type: "array",
        items: { type: "string" },
        uniqueItems: true,
        description,
        default: dflt,
    }) as const satisfies PolicyConfigJSONSchema;

/** Access policies that let a principal change the cluster; a preview role may hold none of them. */
const WRITE_POLICIES = ["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy"];
/** Kubernetes groups that carry write access. */
const WRITE_GROUPS = ["system:masters", "platform:ci-deployers"];

const tagOf = (p: Props, key: string): unknown => get(p, `tags.${key}`);

/** Security groups that guard the cluster API: tagged `sg-role: eks-api`, or listed in an aws:eks/cluster's vpcConfig. */
function apiSecurityGroups(resources: PolicyResource[]): PolicyResource[] {
    const tagged = ofTypes(resources, [TYPES.securityGroup]).filter((sg) => tagOf(props(sg), SG_ROLE) === API_SG_ROLE);
    const listed = ofTypes(resources, [TYPES.awsEksCluster]).flatMap(
        (c) => resolveAll(c, "vpcConfig.securityGroupIds", [TYPES.securityGroup], resources).targets,
    );
    return [...new Set([...tagged, ...listed])];
}

/** A rule attached to the cluster's own (EKS-managed) security group, which the program names through the eks component's output. */
function onEksManagedGroup(rule: PolicyResource): boolean {
    return (rule.propertyDependencies?.securityGroupId ?? []).some((d) => d.type === TYPES.eksCluster);
}

interface Ingress {
    where: string;
    urn: string;
    protocol: unknown;
    from: unknown;
    to: unknown;
    cidrs: unknown[];
    /** Path of the source security group reference, or undefined for none. */
    sourcePath?: string;
    self: boolean;
    owner: PolicyResource;
}

function ingressOf(sg: PolicyResource, _resources: PolicyResource[]): Ingress[] {
    const out: Ingress[] = [];
    asArray(get(props(sg), "ingress")).forEach((r: Props, i: number) =>
        out.push({
            where: `ingress[${i}] of ${label(sg)}`,
            urn: sg.urn,
            protocol: r.protocol,
            from: r.fromPort,
            to: r.toPort,
            cidrs: [...asArray(r.cidrBlocks), ...asArray(r.ipv6CidrBlocks), ...asArray(r.prefixListIds)],
            sourcePath: asArray(r.securityGroups).length > 0 ? `ingress[${i}].securityGroups` : undefined,
            self: r.self === true,
            owner: sg,
        }),
    );
    return out;
}

function standaloneIngress(resources: PolicyResource[], guarded: PolicyResource[]): Ingress[] {
    const rules = ofTypes(resources, [TYPES.securityGroupIngressRule, TYPES.securityGroupRule]).filter((r) => {
        if (r.type === TYPES.securityGroupRule && get(props(r), "type") !== "ingress") return false;
        if (onEksManagedGroup(r)) return true;
        return resolveAll(r, "securityGroupId", [TYPES.securityGroup], resources).targets.some((t) =>
            guarded.includes(t),
        );
    });
    return rules.map((r) => {
        const p = props(r);
        const modern = r.type === TYPES.securityGroupIngressRule;
        return {
            where: label(r),
            urn: r.urn,
            protocol: modern ? p.ipProtocol : p.protocol,
            from: p.fromPort,
            to: p.toPort,
            cidrs: modern
                ? [p.cidrIpv4, p.cidrIpv6, p.prefixListId].filter((v) => v !== undefined && v !== null && v !== "")
                : [...asArray(p.cidrBlocks), ...asArray(p.ipv6CidrBlocks), ...asArray(p.prefixListIds)],
            sourcePath: modern
                ? p.referencedSecurityGroupId !== undefined
                    ? "referencedSecurityGroupId"
                    : undefined
                : p.sourceSecurityGroupId !== undefined
                  ? "sourceSecurityGroupId"
                  : undefined,
            self: p.self === true,
            owner: r,
        };
    });
}

const apiIngress = stackPolicy({
    name: "eks-api-ingress-declared-sources",
    controls: ["EKS-11"],
    description:
        "EKS-11: the security groups of the EKS API admit only TCP 443, and only from declared security groups (the CI runner and the nodes, by their sg-role tag); never from a CIDR.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf([], {
        apiSourceRoles: stringList("sg-role tags of the security groups allowed to reach the EKS API on 443.", [
            SG_ROLES.ciRunner,
            SG_ROLES.eksNodes,
        ]),
    }),
    validate: ({ resources, config }, report) => {
        const allowed: string[] = config.apiSourceRoles ?? [];
        const guarded = apiSecurityGroups(resources);
        const rules = [...guarded.flatMap((sg) => ingressOf(sg, resources)), ...standaloneIngress(resources, guarded)];
        for (const rule of rules) {
            each(rule.owner, report, () => {
                const values = [rule.protocol, rule.from, rule.to];
                if (values.some(isUnknown)) return;
                const proto = String(rule.protocol).toLowerCase();
                if (!(["tcp", "6"].includes(proto) && Number(rule.from) === HTTPS && Number(rule.to) === HTTPS)) {
                    report(
                        `${rule.where} opens protocol ${rule.protocol} ports ${rule.from}-${rule.to} to the cluster API: admit TCP 443 only.`,
                        rule.urn,
                    );
                }
                const cidrs = rule.cidrs.filter((c) => !isUnknown(c));
                if (cidrs.length > 0) {
                    report(
                        `${rule.where} admits ${cidrs.join(", ")} to the cluster API: reference the CI runner's security group instead of an address range.`,
                        rule.urn,
                    );
                    return;
                }
                if (rule.self) return;
                if (!rule.sourcePath) {
                    report(
                        `${rule.where} names no source: reference the CI runner's or the nodes' security group.`,
                        rule.urn,
                    );
                    return;
                }
                const src = resolveAll(rule.owner, rule.sourcePath, [TYPES.securityGroup], resources);
                if (src.unknown && src.targets.length === 0) return;
                for (const t of src.targets) {
                    const role = tagOf(props(t), SG_ROLE);
                    if (isUnknown(role)) continue;
                    if (!allowed.includes(String(role)))
                        report(
                            `${rule.where} admits ${label(t)} (sg-role ${JSON.stringify(role ?? null)}) to the cluster API: only ${allowed.join(", ")} security groups may reach it.`,
                            rule.urn,
                        );
                }
                for (const v of src.unresolved)
                    report(
                        `${rule.where} admits security group ${JSON.stringify(v)}, which this stack does not declare: declare the source here with an allowed sg-role tag.`,
                        rule.urn,
                    );
            });
        }
    },
});

interface Access {
    entries: PolicyResource[];
    groups: string[];
    policies: string[];
}

function accessOf(principal: string, resources: PolicyResource[]): Access {
    const entries = ofTypes(resources, [TYPES.awsEksAccessEntry]).filter(
        (e) => get(props(e), "principalArn") === principal,
    );
    const groups = entries.flatMap((e) => asArray(get(props(e), "kubernetesGroups")).map(String));
    const policies = ofTypes(resources, [TYPES.awsEksAccessPolicyAssociation])
        .filter((a) => get(props(a), "principalArn") === principal)
        .map(
            (a) =>
                String(get(props(a), "policyArn") ?? "")
                    .split("/")
                    .pop() ?? "",
        );
    return { entries, groups, policies };
}

const pipelineAccess = stackPolicy({
    name: "eks-pipeline-roles-have-access",
    controls: ["EKS-12"],
    description:
        "EKS-12: every pipeline role the stack knows has an EKS access entry, so no deploy or preview fails with 401; preview roles get read-only access: no admin or edit access policy and no write group.",
    enforcementLevel: "mandatory",
    configSchema: schemaOf([], {
        deployerPrincipals: stringList("IAM role ARNs of the deploy pipelines (GitHub Actions, Jenkins).", []),
        previewPrincipals: stringList("IAM role ARNs of the pull-request previews: read-only.", []),
    }),
    validate: ({ resources, config }, report) => {
        const clusters = ofTypes(resources, [TYPES.awsEksCluster, TYPES.eksCluster]);
        if (clusters.length === 0) return; // foundation phase: no cluster yet
        const where = clusters[0].urn;
        const unknownPrincipal = ofTypes(resources, [
            TYPES.awsEksAccessEntry,
            TYPES.awsEksAccessPolicyAssociation,
        ]).some((r) => isUnknown(get(props(r), "principalArn")));
        for (const arn of config.deployerPrincipals ?? []) {
            const a = accessOf(arn, resources);
            if (a.entries.length === 0 && !unknownPrincipal)
                report(
                    `deploy role ${arn} has no EKS access entry: every Kubernetes call of the deploy pipeline would get 401; add it to platform:pipeline.deployerRoleArns.`,
                    where,
                );
        }
        for (const arn of config.previewPrincipals ?? []) {
            const a = accessOf(arn, resources);
            if (a.entries.length === 0 && !unknownPrincipal)
                report(
                    `preview role ${arn} has no EKS access entry: pull-request previews of Kubernetes objects would get 401; add it to platform:pipeline.previewRoleArns.`,
                    where,
                );
            const write = a.policies.filter((p) => WRITE_POLICIES.includes(p));
            if (write.length > 0)
                report(
                    `preview role ${arn} holds ${write.join(", ")}: a preview runs pull-request code, give it AmazonEKSViewPolicy only.`,
                    a.entries[0]?.urn ?? where,
                );
            const groups = a.groups.filter((g) => WRITE_GROUPS.includes(g));
            if (groups.length > 0)
                report(
                    `preview role ${arn} is mapped to ${groups.join(", ")}: a preview role must not be in a group with write access.`,
                    a.entries[0]?.urn ?? where,
                );
        }
    },
});

export const policies: Policy[] = [apiIngress, pipelineAccess];
