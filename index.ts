import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { databasePort, loadConfig } from "./config";
import { App } from "./components/app";
import { Cluster, DEPLOYER_GROUP } from "./components/cluster";
import { Database } from "./components/database";
import { Edge } from "./components/edge";
import { Keys } from "./components/keys";
import { Network } from "./components/network";
import { tags } from "./components/tags";
import { Tenancy } from "./components/tenancy";

/**
 * Composition root: read and validate the stack config, build the tiers in dependency order,
 * export what operators and other stacks need. No resource logic lives here.
 */
export = async () => {
    const cfg = loadConfig(); // fails with one clear message before any resource is declared
    const prefix = `${pulumi.getProject()}-${pulumi.getStack()}`;
    const region = new pulumi.Config("aws").require("region");
    const accountId = aws.getCallerIdentityOutput().accountId;
    const tagsFor = (tier: string) => tags(cfg, tier);

    const keys = new Keys("keys", { accountId, region, aliasPrefix: prefix, tags: tagsFor("keys") });

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

    const edge = new Edge("edge", {
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetCidrs: network.privateSubnetCidrs,
        domain: cfg.domain,
        appHost: cfg.edge.appHost,
        extraHosts: cfg.edge.extraHosts,
        hostedZoneId: cfg.hostedZoneId,
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
        deployerRoleArn: cfg.cluster.deployerRoleArn,
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

    const tenancy = new Tenancy("tenancy", {
        provider: cluster.provider,
        teams: cfg.teams,
        deployerGroup: DEPLOYER_GROUP,
        ingressNamespace: cluster.ingressNamespace,
        databasePort: databasePort(cfg.database.engine),
        isolatedSubnetCidrs: network.isolatedSubnetCidrs,
        tags: tagsFor("app"),
    });

    const { team, ...appCfg } = cfg.app;
    const app = new App("app", {
        ...appCfg,
        provider: cluster.provider,
        namespace: tenancy.namespaces[team],
        hosts: edge.hostnames,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcProviderUrl: cluster.oidcProviderUrl,
        appKeyArn: keys.arns.app,
        dataKeyArn: keys.arns.data,
        databaseSecretArn: database.masterSecretArn,
        databaseSecretKeyArn: keys.arns.data, // the managed master secret is encrypted with the data key
        databaseAddress: database.address,
        databasePort: database.port,
        databaseName: cfg.database.databaseName,
        protect: cfg.protect,
        tags: tagsFor("app"),
    });

    return {
        appUrl: `https://${edge.hostnames[0]}`,
        albDnsName: edge.albDnsName,
        hostedZoneId: edge.zoneId,
        nameServers: edge.nameServers, // delegate the domain here when the stack creates the zone
        webAclArn: edge.webAclArn,
        clusterName: cluster.clusterName,
        oidcProviderArn: cluster.oidcProviderArn,
        databaseEndpoint: database.endpoint,
        databaseSecretArn: database.masterSecretArn,
        repositoryUrl: app.repositoryUrl,
        appBucketName: app.bucketName,
        appRoleArn: app.serviceAccountRoleArn,
        teamNamespaces: tenancy.namespaces,
        vpcId: network.vpcId,
        publicSubnetIds: network.publicSubnetIds,
        privateSubnetIds: network.privateSubnetIds,
        isolatedSubnetIds: network.isolatedSubnetIds,
        kmsKeyAliases: keys.aliases,
    };
};
