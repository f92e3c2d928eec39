import { strict as assert } from "assert";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { policies as data } from "../data";
import { policies as kubernetes } from "../kubernetes";
import { policies as logging } from "../logging";
import { absent, present, presentItems } from "../lib/values";
import { Case, checkCase, policyNamed } from "./support";
import { TYPES } from "../../lib/contract";

/**
 * Issue #19 class 10: an empty string, whitespace or an empty list is "not set" in every policy. Each row takes a
 * passing fixture and blanks one security-relevant field; the policy must treat the blank exactly like an absent field.
 */

const KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const ECR = "111122223333.dkr.ecr.eu-west-1.amazonaws.com";
const all = [...data, ...logging, ...kubernetes];
const rp = (name: string) => policyNamed<ResourceValidationPolicy>(all, name);

const trail = {
    isMultiRegionTrail: true,
    enableLogFileValidation: true,
    kmsKeyId: KEY,
    cloudWatchLogsGroupArn: "arn:aws:logs:eu-west-1:111122223333:log-group:trail:*",
};
const pod = (over: Record<string, unknown>) => ({
    metadata: { namespace: "shop" },
    spec: {
        serviceAccountName: "shop-api",
        automountServiceAccountToken: false,
        containers: [{ name: "app", image: `${ECR}/shop-api:1.0.0`, ...over }],
    },
});

const BLANKS: Array<[string, unknown]> = [
    ["an empty string", ""],
    ["whitespace", "   "],
];

const table: Array<{ policy: string; cases: Case[] }> = [
    {
        policy: "rds-uses-explicit-subnet-group",
        cases: BLANKS.map(([what, v]) => ({
            it: `rejects ${what} as dbSubnetGroupName`,
            type: TYPES.rdsInstance,
            props: { engine: "postgres", dbSubnetGroupName: v },
            rejects: /Set dbSubnetGroupName/,
        })),
    },
    {
        policy: "rds-backup-retention",
        // A blank replicateSourceDb is not a replica: the instance keeps its own backups and is held to RDS-06.
        cases: BLANKS.map(([what, v]) => ({
            it: `does not treat ${what} replicateSourceDb as a replica`,
            type: TYPES.rdsInstance,
            props: { engine: "postgres", replicateSourceDb: v, backupRetentionPeriod: 1 },
            rejects: /backupRetentionPeriod is 1/,
        })),
    },
    {
        policy: "cloudtrail-baseline",
        cases: [
            ...BLANKS.map(([what, v]) => ({
                it: `rejects ${what} as kmsKeyId`,
                type: TYPES.cloudTrail,
                props: { ...trail, kmsKeyId: v },
                rejects: /kmsKeyId: <customer key ARN>/,
            })),
            { it: "passes the complete trail", type: TYPES.cloudTrail, props: trail },
        ],
    },
    {
        policy: "waf-logging-destination",
        cases: [
            {
                it: "rejects an empty destination list",
                type: TYPES.webAclLogging,
                props: { logDestinationConfigs: [], redactedFields: [] },
                rejects: /Set logDestinationConfigs/,
            },
            {
                it: "rejects a list of blank destinations",
                type: TYPES.webAclLogging,
                props: { logDestinationConfigs: [" "], redactedFields: [] },
                rejects: /Set logDestinationConfigs/,
            },
        ],
    },
    {
        policy: "k8s-image-approved-and-pinned",
        cases: BLANKS.map(([what, v]) => ({
            it: `rejects ${what} as the image`,
            type: TYPES.k8sPod,
            props: pod({ image: v }),
            rejects: /has no image/,
        })),
    },
    {
        policy: "k8s-no-default-service-account",
        cases: BLANKS.map(([what, v]) => ({
            it: `rejects ${what} as serviceAccountName`,
            type: TYPES.k8sPod,
            props: { ...pod({}), spec: { ...pod({}).spec, serviceAccountName: v } },
            rejects: /"default" ServiceAccount/,
        })),
    },
    {
        policy: "k8s-no-default-namespace",
        cases: BLANKS.map(([what, v]) => ({
            it: `rejects ${what} as the namespace`,
            type: TYPES.k8sConfigMap,
            props: { metadata: { name: "x", namespace: v } },
            rejects: /lands in the "default" namespace/,
        })),
    },
    {
        policy: "k8s-ingress-ssl-redirect",
        cases: BLANKS.map(([what, v]) => ({
            it: `rejects ${what} as the ingress class`,
            type: TYPES.k8sIngress,
            props: { spec: { ingressClassName: v } },
            rejects: /the ingress has no class/,
        })),
    },
];

describe("absent values (issue #19 class 10)", () => {
    it("counts undefined, null, blank strings and empty lists as absent, and nothing else", () => {
        for (const v of [undefined, null, "", " ", "\t\n", []]) assert.equal(absent(v), true, JSON.stringify(v));
        for (const v of [0, false, "x", [""], {}, " a "]) assert.equal(present(v), true, JSON.stringify(v));
        assert.deepEqual(presentItems(["a", "", " ", null, "b"]), ["a", "b"]);
    });

    for (const row of table) {
        describe(row.policy, () => {
            for (const c of row.cases) it(c.it, () => checkCase(rp(row.policy), c));
        });
    }
});
