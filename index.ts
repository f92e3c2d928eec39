import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { configAdvisories, databasePort, loadConfig } from "./config";
import { App, AppRepository } from "./components/app";
import { Cluster, DEPLOYER_GROUP } from "./components/cluster";
import { Database } from "./components/database";
import { DatabaseUser } from "./components/db-user";
import { Edge } from "./components/edge";
import { Keys } from "./components/keys";
import { Network } from "./components/network";
import { CiRunner } from "./components/runner";
import { tags } from "./components/tags";
import { Tenancy } from "./components/tenancy";

/**
 * Composition root: read and validate the stack config, build the tiers in dependency order,
 * export what operators and other stacks need. No resource logic lives here.
 */
export = async () => {
    const cfg = loadConfig(); // fails with one clear message before any resource is declared
    for (const advisory of configAdvisories(cfg)) pulumi.log.warn(advisory);
    const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;
    const region = new pulumi.Config("aws").require("region");
    const accountId = aws.getCallerIdentityOutput().accountId;
    const tagsFor = (tier: string) => tags(cfg, tier);

    // ---- phase foundation (docs/first-deploy.md): what the rest needs to exist first. AWS APIs only, so it
    // runs from any runner; the runner it creates is then the only way into the private cluster endpoint,
    // and the repository lets the app pipeline push the first image before any workload names it.
    const keys = new Keys("keys", {
        accountId,
        region,
        aliasPrefix: prefix,
        createAutoScalingServiceLinkedRole: cfg.createAutoScalingServiceLinkedRole,
        tags: tagsFor("keys"),
    });

    const network = new Network("network", {
        cidr: cfg.vpcCidr,
        azCount: cfg.azCount,
        natMode: cfg.natMode,
        databasePort: databasePort(cfg.database.engine),
        logsKeyArn: keys.arns.logs,
        flowLogRetentionDays: cfg.flowLogRetentionDays,
        region,
        tags: tagsFor("network"),
    });

    const runner = new CiRunner("runner", {
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        githubRepository: cfg.pipeline.runner.githubRepository,
        connectionArn: cfg.pipeline.runner.connectionArn,
        computeType: cfg.pipeline.runner.computeType,
        logsKeyArn: keys.arns.logs,
        logRetentionDays: cfg.flowLogRetentionDays,
        tags: tagsFor("delivery"),
    });

    const repository = new AppRepository("app-repository", {
        name: cfg.app.name,
        dataKeyArn: keys.arns.data,
        imageRetentionCount: cfg.app.imageRetentionCount,
        protect: cfg.protect,
        tags: tagsFor("app"),
    });

    const foundation = {
        phase: cfg.phase,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        isolatedSubnetIds: network.isolatedSubnetIds,
        kmsKeyAliases: keys.aliases,
        runnerProject: runner.projectName,
        runnerSecurityGroupId: runner.securityGroupId,
        /** The `runs-on` label of the deploy and preview jobs of this stack. */
        runnerLabel: runner.runsOn,
        repositoryUrl: repository.repositoryUrl,
    };
    if (cfg.phase === "foundation") return foundation;

    // ---- phase full: run from the runner in the VPC.
    const edge = new Edge("edge", {
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetCidrs: network.privateSubnetCidrs,
        domain: cfg.domain,
        appHost: cfg.edge.appHost,
        extraHosts: cfg.edge.extraHosts,
        hostedZoneId: cfg.hostedZoneId,
        createZone: cfg.createZone,
        wafRateLimit: cfg.edge.wafRateLimit,
        idleTimeoutSeconds: cfg.edge.idleTimeoutSeconds,
        accessLogRetentionDays: cfg.edge.accessLogRetentionDays,
        deletionProtection: cfg.protect,
        ingressNodePort: cfg.cluster.ingressNodePort,
        logsKeyArn: keys.arns.logs,
        logRetentionDays: cfg.flowLogRetentionDays,
        tags: tagsFor("edge"),
    });

    const cluster = new Cluster("cluster", {
        vpcId: network.vpcId,
        vpcCidr: network.vpcCidr,
        albSubnetCidrs: network.publicSubnetCidrs,
        privateSubnetCidrs: network.privateSubnetCidrs,
        teamHosts: { [cfg.app.team]: edge.hostnames },
        privateSubnetIds: network.privateSubnetIds,
        accountId,
        region,
        version: cfg.cluster.version,
        publicEndpoint: cfg.cluster.publicEndpoint,
        publicAccessCidrs: cfg.cluster.publicAccessCidrs,
        serviceCidr: cfg.cluster.serviceCidr,
        secretsKeyArn: keys.arns.eks,
        ebsKeyArn: keys.arns.ebs,
        logsKeyArn: keys.arns.logs,
        logRetentionDays: cfg.flowLogRetentionDays,
        adminRoleArns: cfg.cluster.adminRoleArns,
        deployerRoleArns: cfg.pipeline.deployerRoleArns,
        previewRoleArns: cfg.pipeline.previewRoleArns,
        runnerSecurityGroupId: runner.securityGroupId,
        viewerRoleArns: cfg.cluster.viewerRoleArns,
        teams: cfg.teams,
        nodeGroups: cfg.cluster.nodeGroups,
        albSecurityGroupId: edge.albSecurityGroupId,
        targetGroupArn: edge.targetGroupArn,
        ingressNodePort: cfg.cluster.ingressNodePort,
        ingressReplicas: cfg.cluster.ingressReplicas,
        protect: cfg.protect,
        tags: tagsFor("app"),
    });

    const database = new Database("database", {
        vpcId: network.vpcId,
        subnetIds: network.isolatedSubnetIds,
        allowedSecurityGroupIds: [cluster.nodeSecurityGroupId],
        kmsKeyArn: keys.arns.data,
        logsKeyArn: keys.arns.logs,
        ...cfg.database,
        port: databasePort(cfg.database.engine),
        protect: cfg.protect,
        tags: tagsFor("data"),
    });

    // The app's IAM-authenticated database user, created once with the master credentials by a job only it can run.
    const databaseUser = new DatabaseUser("db-user", {
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        databaseSecurityGroupId: database.securityGroupId,
        databaseSubnetCidrs: network.isolatedSubnetCidrs,
        engine: cfg.database.engine,
        host: database.address,
        port: databasePort(cfg.database.engine),
        databaseName: cfg.database.databaseName,
        username: cfg.app.databaseUser,
        masterSecretArn: database.masterSecretArn,
        secretKeyArn: keys.arns.data,
        logsKeyArn: keys.arns.logs,
        logRetentionDays: cfg.flowLogRetentionDays,
        tags: tagsFor("data"),
    });

    const tenancy = new Tenancy("tenancy", {
        provider: cluster.provider,
        teams: cfg.teams,
        deployerGroup: DEPLOYER_GROUP,
        ingressNamespace: cluster.ingressNamespace,
        databasePort: databasePort(cfg.database.engine),
        isolatedSubnetCidrs: network.isolatedSubnetCidrs,
        tags: tagsFor("app"),
    });

    // The app's workloads exist only once a released image does (scripts/release.sh commits app.imageTag):
    // until then nothing in the cluster pulls from the still-empty repository.
    const { team, imageTag, imageRetentionCount: _retention, ...appCfg } = cfg.app;
    const app = imageTag
        ? new App("app", {
              ...appCfg,
              imageTag,
              repositoryUrl: repository.repositoryUrl,
              provider: cluster.provider,
              namespace: tenancy.namespaces[team],
              hosts: edge.hostnames,
              oidcProviderArn: cluster.oidcProviderArn,
              oidcProviderUrl: cluster.oidcProviderUrl,
              appKeyArn: keys.arns.app,
              dataKeyArn: keys.arns.data,
              databaseResourceId: database.resourceId,
              databaseUser: cfg.app.databaseUser,
              databaseAddress: database.address,
              databasePort: database.port,
              databaseName: cfg.database.databaseName,
              protect: cfg.protect,
              tags: tagsFor("app"),
          })
        : undefined;

    return {
        ...foundation,
        appUrl: `https://${edge.hostnames[0]}`,
        albDnsName: edge.albDnsName,
        hostedZoneId: edge.zoneId,
        nameServers: edge.nameServers, // delegate the domain here when the stack creates the zone
        dnsDelegation: edge.delegation,
        webAclArn: edge.webAclArn,
        clusterName: cluster.clusterName,
        oidcProviderArn: cluster.oidcProviderArn,
        databaseEndpoint: database.endpoint,
        databaseSecretArn: database.masterSecretArn, // operators and the database-user job only; the app never gets it
        databaseUserJob: databaseUser.projectName,
        appImage: app?.image ?? "none yet: release the first image (docs/first-deploy.md)",
        appBucketName: app?.bucketName,
        appRoleArn: app?.serviceAccountRoleArn,
        teamNamespaces: tenancy.namespaces,
    };
};
