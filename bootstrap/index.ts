import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tags } from "../components/tags";
import { SecurityAlerts } from "./alerts";
import { loadBootstrapConfig } from "./config";
import { CiIdentities, CiPermissions } from "./identities";
import { StateBackend } from "./stateBackend";

/**
 * Everything a pipeline needs before the first platform stack exists, once per account
 * (docs/delivery.md): the CI identities (GitHub OIDC or Jenkins roles, break-glass), the state and
 * secrets backend they may use (docs/state-backend.md), and the alerts that make break-glass visible.
 * Deployed first from a local backend by an operator, then moved into the bucket it made; every later
 * change runs as platform-break-glass (the only principal besides the deployer that may write state).
 */
export = async () => {
    const cfg = loadBootstrapConfig(); // fails with one clear message before any resource is declared
    const region = new pulumi.Config("aws").require("region");
    const account = aws.getCallerIdentityOutput();
    const partition = aws.getPartitionOutput().partition;
    const t = tags(cfg, "state-backend");

    const identities = new CiIdentities("ci", {
        pipeline: cfg.deployPipeline,
        githubRepository: cfg.githubRepository,
        githubOidcProviderArn: cfg.githubOidcProviderArn,
        environment: cfg.environment,
        previewDecryptsSecrets: cfg.previewDecryptsSecrets,
        jenkinsDeployerTrustedArns: cfg.jenkinsDeployerTrustedArns,
        jenkinsPreviewTrustedArns: cfg.jenkinsPreviewTrustedArns,
        breakGlassPrincipalArns: cfg.breakGlassPrincipalArns,
        partition,
        accountId: account.accountId,
        tags: t,
    });

    const backend = new StateBackend("state", {
        bucketName: cfg.bucketName,
        stateKeyAlias: cfg.stateKeyAlias,
        secretsKeyAlias: cfg.secretsKeyAlias,
        accountId: account.accountId,
        region,
        noncurrentVersionDays: cfg.noncurrentVersionDays,
        accessLogsBucket: cfg.accessLogsBucket,
        access: {
            partition,
            deployerRoleArn: identities.deployerRoleArn,
            breakGlassRoleArn: identities.breakGlassRoleArn,
            previewRoleArn: identities.previewRoleArn,
            previewDecryptsSecrets: cfg.previewDecryptsSecrets,
            stateReaderArns: cfg.stateReaderArns,
            deployerRoleName: identities.deployerRole.name,
            previewRoleName: identities.previewRole.name,
        },
        tags: t,
    });

    const alerts = new SecurityAlerts("alerts", {
        breakGlassRoleArn: identities.breakGlassRoleArn,
        bucketName: backend.bucketName,
        keyArns: [backend.stateKeyArn, backend.secretsKeyArn],
        emails: cfg.alertEmails,
        tags: t,
    });

    new CiPermissions("permissions", {
        protectedResources: pulumi
            .all([
                partition,
                account.accountId,
                backend.bucketArn,
                backend.stateKeyArn,
                backend.secretsKeyArn,
                alerts.topicArn,
                ...alerts.ruleArns,
            ])
            .apply(([part, accountId, bucketArn, stateKeyArn, secretsKeyArn, alertTopicArn, ...alertRuleArns]) => ({
                partition: part,
                accountId,
                region,
                bucketArn,
                stateKeyArn,
                secretsKeyArn,
                keyAliases: [cfg.stateKeyAlias, cfg.secretsKeyAlias],
                alertTopicArn,
                alertRuleArns,
            })),
        deployerRoleName: identities.deployerRole.name,
        previewRoleName: identities.previewRole.name,
        previewDecryptsSecrets: cfg.previewDecryptsSecrets,
        tags: t,
    });

    return {
        backendUrl: backend.backendUrl,
        loginCommand: `pulumi login '${backend.backendUrl}'`,
        secretsProvider: backend.secretsProvider,
        stackInitCommand: `pulumi stack init <stack> --secrets-provider '${backend.secretsProvider}'`,
        bucketName: backend.bucketName,
        stateKeyArn: backend.stateKeyArn,
        secretsKeyArn: backend.secretsKeyArn,
        deployPipeline: cfg.deployPipeline,
        deployerRoleArn: identities.deployerRoleArn,
        previewRoleArn: identities.previewRoleArn,
        breakGlassRoleArn: identities.breakGlassRoleArn,
        trustedSubjects: identities.trustedSubjects,
        alertTopicArn: alerts.topicArn,
        ciDeployPolicyArn: backend.ciDeployPolicyArn,
        ciPreviewPolicyArn: backend.ciPreviewPolicyArn,
        ciDeployPolicy: backend.ciDeployPolicyJson,
        ciPreviewPolicy: backend.ciPreviewPolicyJson,
    };
};
