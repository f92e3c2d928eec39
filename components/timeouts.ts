import type * as pulumi from "@pulumi/pulumi";

/**
 * Every explicit resource timeout of the program, in minutes. The provider defaults (ACM validation 75,
 * RDS update 80, EKS node group 60) outlived the 60-minute deploy job, which then died holding the state
 * lock with operations pending. test/timeouts.test.ts holds each pipeline's deploy timeout above the
 * largest of these by DEPLOY_JOB_MARGIN_MINUTES, and the CI runner's build timeout above the jobs.
 */
export const RESOURCE_TIMEOUTS_MINUTES = {
    /** ACM validates within minutes once the records resolve; longer means the zone is not delegated. */
    certificateValidation: { create: 15 },
    /** A multi-AZ RDS instance takes 15-30 minutes to create; changes wait for the maintenance window. */
    database: { create: 45, update: 45, delete: 45 },
    /** The EKS control plane: about 10 minutes to create, a version upgrade about 10-25. */
    cluster: { create: 30, update: 45, delete: 15 },
    /** A managed node group rolls a third of its nodes at a time (updateConfig 33 %). */
    nodeGroup: { create: 45, update: 45, delete: 45 },
} as const;

/** A deploy job needs this long on top of its longest resource (install, preview, the rest of the graph). */
export const DEPLOY_JOB_MARGIN_MINUTES = 10;

/** The longest resource timeout; every deploy job's timeout is at least this plus DEPLOY_JOB_MARGIN_MINUTES. */
export const MAX_RESOURCE_TIMEOUT_MINUTES = Math.max(
    ...Object.values(RESOURCE_TIMEOUTS_MINUTES).flatMap((t) => Object.values(t) as number[]),
);

/** Pulumi customTimeouts for one entry of RESOURCE_TIMEOUTS_MINUTES. */
export function customTimeouts(kind: keyof typeof RESOURCE_TIMEOUTS_MINUTES): pulumi.CustomTimeouts {
    const t = RESOURCE_TIMEOUTS_MINUTES[kind] as Partial<Record<"create" | "update" | "delete", number>>;
    const out: pulumi.CustomTimeouts = {};
    if (t.create) out.create = `${t.create}m`;
    if (t.update) out.update = `${t.update}m`;
    if (t.delete) out.delete = `${t.delete}m`;
    return out;
}
