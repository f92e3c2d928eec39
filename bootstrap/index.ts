import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { tags } from "../components/tags";
import { loadBootstrapConfig } from "./config";
import { StateBackend } from "./stateBackend";

/**
 * The state and secrets backend every other stack in the account logs in to (docs/state-backend.md).
 * Deployed once per account, itself first from a local backend, then moved into the bucket it made.
 */
export = async () => {
    const cfg = loadBootstrapConfig(); // fails with one clear message before any resource is declared
    const region = new pulumi.Config("aws").require("region");

    const backend = new StateBackend("state", {
        bucketName: cfg.bucketName,
        stateKeyAlias: cfg.stateKeyAlias,
        secretsKeyAlias: cfg.secretsKeyAlias,
        accountId: aws.getCallerIdentityOutput().accountId,
        region,
        noncurrentVersionDays: cfg.noncurrentVersionDays,
        accessLogsBucket: cfg.accessLogsBucket,
        ciDeployerRoleName: cfg.ciDeployerRoleName,
        ciPreviewRoleName: cfg.ciPreviewRoleName,
        tags: tags(cfg, "state-backend"),
    });

    return {
        backendUrl: backend.backendUrl,
        loginCommand: `pulumi login '${backend.backendUrl}'`,
        secretsProvider: backend.secretsProvider,
        stackInitCommand: `pulumi stack init <stack> --secrets-provider '${backend.secretsProvider}'`,
        bucketName: backend.bucketName,
        stateKeyArn: backend.stateKeyArn,
        secretsKeyArn: backend.secretsKeyArn,
        ciDeployPolicyArn: backend.ciDeployPolicyArn,
        ciPreviewPolicyArn: backend.ciPreviewPolicyArn,
        ciDeployPolicy: backend.ciDeployPolicyJson,
        ciPreviewPolicy: backend.ciPreviewPolicyJson,
    };
};
