import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Tags } from "../components/tags";

/**
 * Alerts on the two things that must stay rare and visible:
 *   break-glass-assumed   sts:AssumeRole of platform-break-glass
 *   state-guard-changed   the state bucket's policy/encryption/versioning, or a state key's policy,
 *                         grants or deletion, changed by anyone
 * CloudTrail delivers management events ("AWS API Call via CloudTrail") to the default EventBridge
 * bus of the region where the call was made (docs.aws.amazon.com/eventbridge/latest/userguide/
 * eb-service-event-cloudtrail.html). STS calls to the GLOBAL endpoint land in us-east-1, so operators
 * use the regional endpoint (AWS_STS_REGIONAL_ENDPOINTS=regional, the SDK v3/CLI v2 default), and
 * docs/security-model.md says to deploy this stack's alerts in us-east-1 too if anyone uses the global one.
 */
export interface AlertsArgs {
    breakGlassRoleArn: pulumi.Input<string>;
    bucketName: pulumi.Input<string>;
    keyArns: pulumi.Input<string>[];
    emails: string[];
    tags: Tags;
}

export function breakGlassPattern(roleArn: string) {
    return {
        source: ["aws.sts"],
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: {
            eventSource: ["sts.amazonaws.com"],
            eventName: ["AssumeRole"],
            requestParameters: { roleArn: [roleArn] },
        },
    };
}

export const BUCKET_GUARD_EVENTS = [
    "PutBucketPolicy",
    "DeleteBucketPolicy",
    "PutBucketEncryption",
    "DeleteBucketEncryption",
    "PutBucketVersioning",
    "PutBucketLifecycle",
    "DeleteBucket",
    "PutBucketPublicAccessBlock",
    "DeleteBucketPublicAccessBlock",
];
export const KEY_GUARD_EVENTS = [
    "PutKeyPolicy",
    "CreateGrant",
    "ScheduleKeyDeletion",
    "DisableKey",
    "DisableKeyRotation",
];

export function stateGuardPattern(bucketName: string, keyArns: string[]) {
    return {
        "detail-type": ["AWS API Call via CloudTrail"],
        $or: [
            {
                source: ["aws.s3"],
                detail: {
                    eventSource: ["s3.amazonaws.com"],
                    eventName: BUCKET_GUARD_EVENTS,
                    requestParameters: { bucketName: [bucketName] },
                },
            },
            {
                source: ["aws.kms"],
                detail: {
                    eventSource: ["kms.amazonaws.com"],
                    eventName: KEY_GUARD_EVENTS,
                    resources: { ARN: [...keyArns].sort() },
                },
            },
        ],
    };
}

export class SecurityAlerts extends pulumi.ComponentResource {
    public readonly topicArn: pulumi.Output<string>;
    public readonly ruleArns: pulumi.Output<string>[];

    constructor(name: string, args: AlertsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:bootstrap:SecurityAlerts", name, args, opts);
        const keep: pulumi.CustomResourceOptions = { parent: this, protect: true, retainOnDelete: true };
        // Not KMS-encrypted on purpose: EventBridge can publish to an encrypted topic only with a customer key
        // whose policy admits events.amazonaws.com, and the messages carry API call metadata, not secrets.
        const topic = new aws.sns.Topic(`${name}-topic`, { name: "platform-security-alerts", tags: args.tags }, keep);
        const rules = [
            new aws.cloudwatch.EventRule(
                `${name}-break-glass`,
                {
                    name: "platform-break-glass-assumed",
                    description: "Someone assumed platform-break-glass",
                    eventPattern: pulumi
                        .output(args.breakGlassRoleArn)
                        .apply((arn) => JSON.stringify(breakGlassPattern(arn))),
                    tags: args.tags,
                },
                keep,
            ),
            new aws.cloudwatch.EventRule(
                `${name}-state-guard`,
                {
                    name: "platform-state-guard-changed",
                    description: "The state bucket's or a state key's protection changed",
                    eventPattern: pulumi
                        .all([args.bucketName, ...args.keyArns])
                        .apply(([bucket, ...keys]) => JSON.stringify(stateGuardPattern(bucket, keys))),
                    tags: args.tags,
                },
                keep,
            ),
        ];
        rules.forEach(
            (rule, i) =>
                new aws.cloudwatch.EventTarget(`${name}-target-${i}`, { rule: rule.name, arn: topic.arn }, keep),
        );
        new aws.sns.TopicPolicy(
            `${name}-topic-policy`,
            {
                arn: topic.arn,
                policy: pulumi.all([topic.arn, ...rules.map((r) => r.arn)]).apply(([t, ...ruleArns]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "EventBridgeRulesPublish",
                                Effect: "Allow",
                                Principal: { Service: "events.amazonaws.com" },
                                Action: "sns:Publish",
                                Resource: t,
                                Condition: { ArnEquals: { "aws:SourceArn": ruleArns } },
                            },
                        ],
                    }),
                ),
            },
            keep,
        );
        args.emails.forEach(
            (email, i) =>
                new aws.sns.TopicSubscription(
                    `${name}-email-${i}`,
                    { topic: topic.arn, protocol: "email", endpoint: email },
                    keep,
                ),
        );
        this.topicArn = topic.arn;
        this.ruleArns = rules.map((r) => r.arn);
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
