import { strict as assert } from "assert";
import { parseConfig } from "../../config";
import { APP_DEFAULTS, APP_REPOSITORY_DEFAULTS } from "../../components/app";
import { CLUSTER_DEFAULTS, NODE_GROUP_DEFAULTS } from "../../components/cluster";
import { DATABASE_DEFAULTS } from "../../components/database";
import { EDGE_DEFAULTS } from "../../components/edge";
import { NETWORK_DEFAULTS } from "../../components/network";
import { RUNNER_COMPUTE_TYPE } from "../../components/runner";
import { TEAM_QUOTA_DEFAULTS } from "../../components/tenancy";

/** A stack config with only the keys config.ts requires: every other value comes from its defaults. */
const MINIMAL = {
    environment: "dev",
    owner: "platform-team",
    costCentre: "CC-1",
    azCount: "2",
    vpcCidr: "10.10.0.0/16",
    natMode: "single",
    domain: "dev.example.com",
    protect: "false",
    pipeline: {
        deployerRoleArns: ["arn:aws:iam::111122223333:role/deployer"],
        runner: { githubRepository: "example-org/platform" },
    },
    cluster: {
        version: "1.31",
        nodeGroups: [{ name: "general", instanceTypes: ["t3.medium"], minSize: 1, desiredSize: 1, maxSize: 2 }],
    },
    teams: [{ name: "orders" }],
    app: { team: "orders" },
    database: {
        engineVersion: "16.4",
        instanceClass: "db.t4g.micro",
        allocatedStorageGb: 20,
        maxAllocatedStorageGb: 50,
        multiAz: false,
        backupRetentionDays: 7,
    },
};

const pick = (from: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((k) => [k, from[k]]));

/**
 * config.ts keeps its zod defaults (they document the stack file), and each component applies its own so it stands
 * alone. Where both have one they must agree, or a key left out of Pulumi.<stack>.yaml would mean one thing to the
 * program and another to a component built from the same args elsewhere.
 */
describe("component defaults and stack config defaults", () => {
    const cfg = parseConfig(MINIMAL);

    it("agree for the network, edge and runner", () => {
        assert.equal(cfg.flowLogRetentionDays, NETWORK_DEFAULTS.flowLogRetentionDays);
        const edge = ["appHost", "extraHosts", "wafRateLimit", "idleTimeoutSeconds", "accessLogRetentionDays"];
        assert.deepEqual(pick(cfg.edge, edge), pick(EDGE_DEFAULTS, edge));
        assert.equal(cfg.createZone, EDGE_DEFAULTS.createZone);
        assert.equal(cfg.cluster.ingressNodePort, EDGE_DEFAULTS.ingressNodePort);
        assert.equal(cfg.pipeline.runner.computeType, RUNNER_COMPUTE_TYPE);
    });

    it("agree for the cluster, its node groups and the team quotas", () => {
        const cluster = ["publicEndpoint", "publicAccessCidrs", "serviceCidr", "ingressReplicas", "ingressNodePort"];
        assert.deepEqual(pick(cfg.cluster, cluster), pick(CLUSTER_DEFAULTS, cluster));
        assert.deepEqual([cfg.cluster.adminRoleArns, cfg.cluster.viewerRoleArns], [[], []]);
        const group = ["diskSizeGb", "capacityType", "labels"];
        assert.deepEqual(pick(cfg.cluster.nodeGroups[0], group), pick(NODE_GROUP_DEFAULTS, group));
        assert.deepEqual(cfg.teams[0].quota, TEAM_QUOTA_DEFAULTS);
        assert.deepEqual(cfg.teams[0].httpsEgressCidrs, []);
    });

    it("agree for the database and the app", () => {
        const database = ["engine", "backupWindow", "maintenanceWindow", "databaseName", "masterUsername"];
        assert.deepEqual(pick(cfg.database, database), pick(DATABASE_DEFAULTS, database));
        const app = Object.keys(APP_DEFAULTS).filter((k) => !["databaseName", "protect"].includes(k));
        assert.deepEqual(pick(cfg.app, app), pick(APP_DEFAULTS, app));
        assert.equal(cfg.database.databaseName, APP_DEFAULTS.databaseName);
        assert.equal(cfg.app.imageRetentionCount, APP_REPOSITORY_DEFAULTS.imageRetentionCount);
    });
});

describe("registrable: what a component registers", () => {
    it("keeps the decisions and leaves out values not known at construction, at any depth", () => {
        const { registrable } = require("../../components/defaults") as typeof import("../../components/defaults");
        const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
        const args = {
            multiAz: true,
            sizes: [1, 2],
            subnetIds: pulumi.output(["subnet-1"]),
            nested: {
                port: 5432,
                keyArn: pulumi.output("arn:aws:kms:eu-west-1:1:key/x"),
                names: ["a", pulumi.output("b")],
            },
            pending: Promise.resolve(1),
        };
        assert.deepEqual(registrable(args), { multiAz: true, sizes: [1, 2], nested: { port: 5432, names: ["a"] } });
    });
});
