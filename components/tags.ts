import * as pulumi from "@pulumi/pulumi";

export type Tags = Record<string, string>;

export interface TagContext {
    /** The owning team (`owner` tag). Required. */
    owner: string;
    /** The cost centre billed (`cost-centre` tag). Required. */
    costCentre: string;
    /** dev, staging or prod (`environment` tag). Required. */
    environment: string;
}

/**
 * The one tag set every resource carries: project, stack, tier, owner and cost centre.
 * Explicit on each resource (not only provider defaultTags) so the policy pack can see them.
 */
export function tags(ctx: TagContext, tier: string, extra: Tags = {}): Tags {
    return {
        project: pulumi.getProject(),
        stack: pulumi.getStack(),
        environment: ctx.environment,
        tier,
        owner: ctx.owner,
        "cost-centre": ctx.costCentre,
        "managed-by": "pulumi",
        ...extra,
    };
}

/** `tags` plus a Name tag, for resources the console lists by name. */
export function named(base: Tags, name: string): Tags {
    return { ...base, Name: name };
}
