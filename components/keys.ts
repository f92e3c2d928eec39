import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags, named } from "./tags";
import { registrable } from "./defaults";

/** What each customer-managed key protects. One key per purpose keeps blast radius and grants small. */
export const KEY_PURPOSES = ["eks", "data", "logs", "app", "ebs"] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

const DESCRIPTIONS: Record<KeyPurpose, string> = {
    eks: "EKS envelope encryption of Kubernetes Secrets",
    data: "RDS storage, Performance Insights, the master-user secret and the backup vault",
    logs: "CloudWatch log groups (VPC flow logs, EKS control plane, WAF)",
    app: "Application envelope encryption of tokens, keys and passwords",
    ebs: "EBS volumes of the EKS nodes and the gp3 StorageClass",
};

export interface KeysArgs {
    /** The account whose root administers every key (so IAM policies in it can grant use). Required. */
    accountId: pulumi.Input<string>;
    /** The region: scopes the CloudWatch Logs service's use of the logs key. Required. */
    region: pulumi.Input<string>;
    /**
     * Alias prefix, e.g. `aws-platform-dev` gives `alias/aws-platform-dev-logs`. Default is `<project>-<stack>`
     * (aliases are unique per account and region, so two stacks in one account never collide).
     */
    aliasPrefix?: string;
    /**
     * Create the Auto Scaling service-linked role the EBS key policy names (KMS rejects a policy naming a role
     * that does not exist). Default is `false`: the role must exist already (it does once any Auto Scaling
     * group has run in the account), and a missing role fails the preview with this key's name.
     */
    createAutoScalingServiceLinkedRole?: boolean;
    /** Tags on every key (the `tags()` set: project, stack, tier, owner). Required. */
    tags: Tags;
}

export class Keys extends pulumi.ComponentResource {
    public readonly arns: Record<KeyPurpose, pulumi.Output<string>>;
    public readonly aliases: Record<KeyPurpose, pulumi.Output<string>>;

    constructor(name: string, args: KeysArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:keys:Keys", name, registrable(args), opts);
        const child = { parent: this };
        const aliasPrefix = args.aliasPrefix ?? `${pulumi.getProject()}-${pulumi.getStack()}`;
        const arns = {} as Record<KeyPurpose, pulumi.Output<string>>;
        const autoScalingRoleArn = this.autoScalingServiceLinkedRole(name, args);
        const aliases = {} as Record<KeyPurpose, pulumi.Output<string>>;

        for (const purpose of KEY_PURPOSES) {
            const key = new aws.kms.Key(
                `${name}-${purpose}`,
                {
                    description: `${aliasPrefix}: ${DESCRIPTIONS[purpose]}`,
                    enableKeyRotation: true, // KMS-01 / KMS.4
                    deletionWindowInDays: 30, // KMS-03: the longest window to undo a mistaken deletion
                    policy: keyPolicy(purpose, args.accountId, args.region, autoScalingRoleArn),
                    tags: named(args.tags, `${aliasPrefix}-${purpose}`),
                },
                child,
            );
            const alias = new aws.kms.Alias(
                `${name}-${purpose}`,
                { name: `alias/${aliasPrefix}-${purpose}`, targetKeyId: key.keyId },
                child,
            );
            arns[purpose] = key.arn;
            aliases[purpose] = alias.name;
        }
        this.arns = arns;
        this.aliases = aliases;
        this.registerOutputs({ arns, aliases });
    }

    /**
     * The ARN of AWSServiceRoleForAutoScaling, resolved only once the role is known to exist: created here (and
     * kept on delete, other groups in the account use it) or found by a lookup that fails with the fix.
     */
    private autoScalingServiceLinkedRole(name: string, args: KeysArgs): pulumi.Output<string> {
        if (args.createAutoScalingServiceLinkedRole) {
            const role = new aws.iam.ServiceLinkedRole(
                `${name}-autoscaling-slr`,
                {
                    awsServiceName: "autoscaling.amazonaws.com",
                    description: "Auto Scaling (EKS managed node groups); named by the EBS key policy",
                },
                { parent: this, retainOnDelete: true },
            );
            return role.arn;
        }
        const found = aws.iam.getRolesOutput(
            { nameRegex: `^${AUTOSCALING_SLR_NAME}$`, pathPrefix: AUTOSCALING_SLR_PATH },
            { parent: this },
        );
        return found.arns.apply((arns) => {
            if (arns.length === 0)
                throw new Error(
                    `${AUTOSCALING_SLR_NAME} does not exist in this account, and the EBS key policy must name it: set platform:createAutoScalingServiceLinkedRole to "true" for this stack`,
                );
            return arns[0];
        });
    }
}

const AUTOSCALING_SLR_NAME = "AWSServiceRoleForAutoScaling";
const AUTOSCALING_SLR_PATH = "/aws-service-role/autoscaling.amazonaws.com/";

/**
 * The account root administers every key (so IAM policies can grant use); a service principal is
 * added only where that service itself calls KMS rather than a role in the account.
 */
export function keyPolicy(
    purpose: KeyPurpose,
    accountId: pulumi.Input<string>,
    region: pulumi.Input<string>,
    autoScalingRoleArn?: pulumi.Input<string>,
): pulumi.Output<string> {
    return pulumi.all([accountId, region, autoScalingRoleArn]).apply(([account, reg, slr]) => {
        const statements: object[] = [
            {
                Sid: "AccountRootAdministers",
                Effect: "Allow",
                Principal: { AWS: `arn:aws:iam::${account}:root` },
                Action: "kms:*",
                Resource: "*",
            },
        ];
        if (purpose === "logs") {
            statements.push({
                Sid: "CloudWatchLogsUse",
                Effect: "Allow",
                Principal: { Service: `logs.${reg}.amazonaws.com` },
                Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                Resource: "*",
                Condition: {
                    ArnLike: { "kms:EncryptionContext:aws:logs:arn": `arn:aws:logs:${reg}:${account}:log-group:*` },
                },
            });
        }
        if (purpose === "ebs") {
            // Managed node groups launch through the Auto Scaling service-linked role, which needs the key
            // in the key policy (IAM policies cannot grant a service-linked role).
            const autoscaling = slr ?? `arn:aws:iam::${account}:role${AUTOSCALING_SLR_PATH}${AUTOSCALING_SLR_NAME}`;
            statements.push(
                {
                    Sid: "AutoScalingUsesKeyForNodeVolumes",
                    Effect: "Allow",
                    Principal: { AWS: autoscaling },
                    Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
                    Resource: "*",
                },
                {
                    Sid: "AutoScalingGrantsForAttachedVolumes",
                    Effect: "Allow",
                    Principal: { AWS: autoscaling },
                    Action: "kms:CreateGrant",
                    Resource: "*",
                    Condition: { Bool: { "kms:GrantIsForAWSResource": "true" } },
                },
            );
        }
        return JSON.stringify({ Version: "2012-10-17", Id: `${purpose}-key-policy`, Statement: statements });
    });
}
