import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { ClusterArgs } from "./index";

/** The Kubernetes group of the CI deployer role; the tenancy tier binds `app-deployer` to it in every team namespace. */
export const DEPLOYER_GROUP = "platform:ci-deployers";

const ACCESS_POLICY = (name: string) => `arn:aws:eks::aws:cluster-access-policy/${name}`;
/** Cluster admins and the deployer (the pack's breakGlassPrincipals, EKS-06). */
export const ADMIN_POLICY = ACCESS_POLICY("AmazonEKSClusterAdminPolicy");
/** Read-only, and unlike AmazonEKSAdminViewPolicy it does not include Secrets. */
export const VIEW_POLICY = ACCESS_POLICY("AmazonEKSViewPolicy");

/** The Kubernetes group a team's developer roles are mapped to when the team names none; the tenancy tier binds the same name. */
export function developersGroupOf(team: { name: string; developersGroup?: string }): string {
    return team.developersGroup ?? `${team.name}-developers`;
}

interface Principal {
    arn: string;
    policies: Set<string>;
    groups: Set<string>;
}

/** One access entry per IAM role, whatever lists it appears in (a duplicate entry is an API error). */
export function accessPrincipals(args: Pick<ClusterArgs, "adminRoleArns" | "deployerRoleArn" | "viewerRoleArns" | "teams">): Principal[] {
    const byArn = new Map<string, Principal>();
    const add = (arn: string, policy?: string, group?: string) => {
        const p = byArn.get(arn) ?? { arn, policies: new Set<string>(), groups: new Set<string>() };
        if (policy) p.policies.add(policy);
        if (group) p.groups.add(group);
        byArn.set(arn, p);
    };
    for (const arn of args.adminRoleArns) add(arn, ADMIN_POLICY);
    if (args.deployerRoleArn) add(args.deployerRoleArn, ADMIN_POLICY, DEPLOYER_GROUP);
    for (const arn of args.viewerRoleArns) add(arn, VIEW_POLICY);
    for (const team of args.teams) for (const arn of team.developerRoleArns) add(arn, undefined, developersGroupOf(team));
    return [...byArn.values()];
}

/** Access entries (EKS-05/06): returns the admin-side resources the Kubernetes provider must wait for. */
export function accessEntries(name: string, args: ClusterArgs, clusterName: pulumi.Input<string>, parent: pulumi.Resource): pulumi.Resource[] {
    const admins: pulumi.Resource[] = [];
    const used = new Set<string>();
    for (const p of accessPrincipals(args)) {
        const base = p.arn.split("/").pop()!.toLowerCase();
        let key = base;
        for (let i = 2; used.has(key); i++) key = `${base}-${i}`;
        used.add(key);
        const entry = new aws.eks.AccessEntry(
            `${name}-access-${key}`,
            { clusterName, principalArn: p.arn, type: "STANDARD", kubernetesGroups: [...p.groups], tags: args.tags },
            { parent },
        );
        const associations = [...p.policies].map(
            (policyArn) =>
                new aws.eks.AccessPolicyAssociation(
                    `${name}-access-${key}-${policyArn.split("/").pop()}`,
                    { clusterName, principalArn: p.arn, policyArn, accessScope: { type: "cluster" } },
                    { parent, dependsOn: [entry] },
                ),
        );
        if (p.policies.has(ADMIN_POLICY)) admins.push(entry, ...associations);
    }
    return admins;
}
