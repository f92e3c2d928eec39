import { strict as assert } from "assert";
import { ConfigError, STRUCTURED_KEYS, cidrSubnet, configAdvisories, firstDeploySummary, parseConfig } from "../config";
import { readStackConfig, runProgram } from "./support/harness";

/** The dev stack's raw config, as the engine hands it to the program, with `platform:` keys unprefixed. */
function devRaw(): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(readStackConfig("dev"))) {
        if (!k.startsWith("platform:")) continue;
        const key = k.slice("platform:".length);
        raw[key] = STRUCTURED_KEYS.has(key) ? JSON.parse(v) : v;
    }
    return raw;
}

function rejects(patch: (raw: any) => void, message: string) {
    const raw: any = devRaw();
    patch(raw);
    assert.throws(
        () => parseConfig(raw),
        (e: Error) => e instanceof ConfigError && e.message === `Invalid stack config: ${message}`,
    );
}

describe("stack config", () => {
    it("accepts the dev and prod stacks and fills defaults", () => {
        const cfg = parseConfig(devRaw());
        assert.equal(cfg.azCount, 2);
        assert.equal(cfg.protect, false);
        assert.equal(cfg.cluster.ingressNodePort, 30443);
        assert.equal(cfg.app.readinessPath, "/actuator/health/readiness");
    });

    it("rejects an AZ count other than 2 or 3", () =>
        rejects((r) => (r.azCount = "5"), "platform:azCount must be 2 or 3, got 5"));
    it("rejects a VPC CIDR too small for three layers", () =>
        rejects(
            (r) => (r.vpcCidr = "10.0.0.0/24"),
            'platform:vpcCidr must have a prefix between /16 and /20, got "10.0.0.0/24"',
        ));
    it("rejects a CIDR with host bits set", () =>
        rejects(
            (r) => (r.vpcCidr = "10.0.0.1/16"),
            'platform:vpcCidr must be an IPv4 network in CIDR form such as 10.0.0.0/16, got "10.0.0.1/16"',
        ));
    it("rejects a service CIDR overlapping the VPC", () =>
        rejects(
            (r) => (r.cluster.serviceCidr = "10.10.128.0/20"),
            'platform:cluster.serviceCidr must not overlap vpcCidr 10.10.0.0/16, got "10.10.128.0/20"',
        ));
    it("rejects a domain that is not a hostname", () =>
        rejects(
            (r) => (r.domain = "shop example"),
            'platform:domain must be a DNS hostname such as example.com, got "shop example"',
        ));
    it("rejects an unknown NAT mode", () =>
        rejects((r) => (r.natMode = "none"), 'platform:natMode must be one of single, perAz, got "none"'));
    it("rejects a malformed instance type", () =>
        rejects(
            (r) => (r.cluster.nodeGroups[0].instanceTypes = ["large"]),
            'platform:cluster.nodeGroups[0].instanceTypes[0] must be EC2 instance types such as t3.medium or m7g.large, got "large"',
        ));
    it("rejects node group sizes out of order", () =>
        rejects(
            (r) => (r.cluster.nodeGroups[0].desiredSize = 9),
            "platform:cluster.nodeGroups[0].desiredSize must satisfy minSize <= desiredSize <= maxSize (1 <= 9 <= 3), got 9",
        ));
    it("rejects a backup retention under seven days", () =>
        rejects(
            (r) => (r.database.backupRetentionDays = 3),
            "platform:database.backupRetentionDays must be between 7 and 35, got 3",
        ));
    it("rejects a missing required key", () => rejects((r) => delete r.owner, "platform:owner is required"));
    it("rejects misspelled keys instead of ignoring them", () =>
        rejects(
            (r) => (r.database.multiAZ = true),
            "platform:database has unknown key(s) multiAZ: remove them or fix the spelling",
        ));
    it("rejects an app in a team that does not exist", () =>
        rejects(
            (r) => (r.app.team = "nobody"),
            'platform:app.team must be one of the configured teams (payments, catalog), got "nobody"',
        ));
    it("rejects the latest tag", () =>
        rejects(
            (r) => (r.app.imageTag = "latest"),
            'platform:app.imageTag must be a pinned tag, not latest, got "latest"',
        ));
    it("rejects secrets in the plain-settings ConfigMap", () =>
        rejects(
            (r) => (r.app.settings.DB_PASSWORD = "hunter2"),
            'platform:app.settings.DB_PASSWORD looks sensitive: settings are a plain ConfigMap; store secrets with KMS envelope encryption instead, got "hunter2"',
        ));
    it("rejects a public endpoint without allowed CIDRs", () =>
        rejects(
            (r) => (r.cluster.publicEndpoint = true),
            "platform:cluster.publicAccessCidrs must list the CIDRs allowed to reach a public endpoint (publicEndpoint is true), got nothing",
        ));

    it("keeps the prod API endpoint private", () => {
        const raw: any = devRaw();
        raw.environment = "prod";
        raw.cluster.publicEndpoint = true;
        raw.cluster.publicAccessCidrs = ["203.0.113.0/24"];
        assert.throws(
            () => parseConfig(raw),
            /platform:cluster.publicEndpoint must be false for a prod stack \(EKS-01: the API endpoint stays private\), got true/,
        );
    });

    it("names a team's developers group after the team unless configured", () => {
        const raw: any = devRaw();
        delete raw.teams[1].developersGroup;
        const cfg = parseConfig(raw);
        assert.equal(cfg.teams[0].developersGroup, "payments-developers");
        assert.equal(cfg.teams[1].developersGroup, "catalog-developers");
    });

    it("stops the program before any resource is declared", async () => {
        let error: Error | undefined;
        let count = -1;
        try {
            count = (await runProgram("dev", { overrides: { azCount: "7" } })).capture.resources.length;
        } catch (e) {
            error = e as Error;
        }
        assert.equal(error?.message, "Invalid stack config: platform:azCount must be 2 or 3, got 7");
        assert.equal(count, -1);
    });

    it("rejects a misspelled top-level key in the stack file", async () => {
        await assert.rejects(
            runProgram("dev", { overrides: { azcount: "3" } }),
            (e: Error) =>
                e instanceof ConfigError &&
                e.message.startsWith(
                    "Invalid stack config: platform:azcount is not a known key: allowed keys are environment, owner,",
                ),
        );
    });

    it("carves subnets like Terraform's cidrsubnet", () => {
        assert.equal(cidrSubnet("10.0.0.0/16", 4, 0), "10.0.0.0/20");
        assert.equal(cidrSubnet("10.0.0.0/16", 4, 9), "10.0.144.0/20");
        assert.throws(() => cidrSubnet("10.0.0.0/16", 4, 16));
    });
});

describe("stack config: deploy semantics (issues 16, 17)", () => {
    it("refuses a team quota that cannot hold maxReplicas x limits plus the rollout surge (prod's old 16 CPU for 12 x 2)", () => {
        const raw: any = devRaw();
        Object.assign(raw.app, {
            maxReplicas: 12,
            minReplicas: 3,
            replicas: 3,
            cpuLimit: "2",
            cpuRequest: "500m",
            memoryLimit: "1Gi",
        });
        Object.assign(raw.teams[0].quota, {
            requestsCpu: "8",
            requestsMemory: "16Gi",
            limitsCpu: "16",
            limitsMemory: "32Gi",
            pods: 100,
        });
        assert.throws(
            () => parseConfig(raw),
            (e: Error) =>
                e.message ===
                "Invalid stack config: platform:teams[0].quota.limitsCpu cannot hold platform:app at maxReplicas 12 plus the rollout surge of 3 (25 %): 15 pods × app.cpuLimit 2 = 30; raise it or lower app.maxReplicas or app.cpuLimit, got 16",
        );
    });
    it("refuses a pod quota below maxReplicas plus surge", () =>
        rejects(
            (r) => (r.teams[0].quota.pods = 3),
            "platform:teams[0].quota.pods cannot hold platform:app at maxReplicas 3 plus the rollout surge of 1 (25 %): 4 pods; raise it to at least 4 or lower app.maxReplicas, got 3",
        ));
    it("accepts the quota exactly at maxReplicas plus surge (dev: 4 pods x 1 CPU = 4)", () =>
        assert.equal(parseConfig(devRaw()).teams[0].quota.limitsCpu, "4"));
    it("refuses HPA minReplicas above maxReplicas", () =>
        rejects(
            (r) => Object.assign(r.app, { minReplicas: 4, maxReplicas: 3 }),
            "platform:app.minReplicas must not exceed maxReplicas (3): the HorizontalPodAutoscaler rejects min > max, got 4",
        ));
    it("refuses initial replicas outside the HPA range", () =>
        rejects(
            (r) => (r.app.replicas = 5),
            "platform:app.replicas must be between minReplicas and maxReplicas (1..3), got 5",
        ));
    it("refuses a PodDisruptionBudget that blocks every eviction", () =>
        rejects(
            (r) => (r.app.maxUnavailable = 0),
            "platform:app.maxUnavailable must be at least 1: a PodDisruptionBudget with maxUnavailable 0 blocks every eviction, so node drains and upgrades hang, got 0",
        ));
    it("keeps image tags strings: an unquoted all-digit tag is refused with the fix", () =>
        rejects(
            (r) => (r.app.imageTag = 20240101),
            'platform:app.imageTag must be a quoted string: YAML read it as the number 20240101; write "20240101" (scripts/release.sh always quotes it), got 20240101',
        ));
    it("accepts a quoted all-digit tag and tag@digest", () => {
        for (const tag of ["20240101", `1.4.2@sha256:${"a".repeat(64)}`, `sha256:${"b".repeat(64)}`]) {
            const raw: any = devRaw();
            raw.app.imageTag = tag;
            assert.equal(parseConfig(raw).app.imageTag, tag);
        }
    });
    it("allows a stack without an image tag (first deploy)", () => {
        const raw: any = devRaw();
        delete raw.app.imageTag;
        assert.equal(parseConfig(raw).app.imageTag, undefined);
    });
    it("refuses creating a zone and naming an existing one", () =>
        rejects(
            (r) => Object.assign(r, { createZone: "true", hostedZoneId: "Z0123456789ABCDEFGHIJ" }),
            "platform:createZone must be false when platform:hostedZoneId names an existing zone (choose one), got true",
        ));
    it("refuses an unknown phase", () =>
        rejects((r) => (r.phase = "network"), 'platform:phase must be one of foundation, full, got "network"'));
    it("requires a deploy role", () =>
        rejects(
            (r) => (r.pipeline.deployerRoleArns = []),
            "platform:pipeline.deployerRoleArns must name the role the deploy pipeline assumes, got []",
        ));
    it("refuses a preview role that is also a deployer", () =>
        rejects(
            (r) => r.pipeline.previewRoleArns.push(r.pipeline.deployerRoleArns[0]),
            'platform:pipeline.previewRoleArns must not repeat a deployer role (arn:aws:iam::111122223333:role/platform-ci-deployer): a preview role is read-only, got ["arn:aws:iam::111122223333:role/platform-ci-preview","arn:aws:iam::111122223...',
        ));
    it("advises when the teams' requests exceed the node groups at max size, and not otherwise", () => {
        const raw: any = devRaw();
        assert.deepEqual(configAdvisories(parseConfig(raw)), []);
        raw.cluster.nodeGroups[0].maxSize = 1; // one t3.medium: 2 vCPU, 4 GiB
        raw.cluster.nodeGroups[0].desiredSize = 1;
        assert.deepEqual(configAdvisories(parseConfig(raw)), [
            "platform:teams quotas request 3 CPU in total, more than platform:cluster.nodeGroups hold at maxSize (2 vCPU): raise maxSize or add a node group, or pods will stay Pending",
            "platform:teams quotas request 6Gi memory in total, more than platform:cluster.nodeGroups hold at maxSize (4Gi): raise maxSize or add a node group, or pods will stay Pending",
        ]);
    });
    it("summarises the phase and the first deploy's preconditions for check", () => {
        const raw: any = devRaw();
        assert.match(
            firstDeploySummary(parseConfig(raw)),
            /^Phase full \(all tiers\) · first deploy needs: an existing public Route53 zone named dev\.shop\.example\.com in the account;/,
        );
        raw.phase = "foundation";
        raw.createZone = "true";
        delete raw.app.imageTag;
        const line = firstDeploySummary(parseConfig(raw));
        assert.match(line, /^Phase foundation \(next: set platform:phase to full and deploy from the runner\)/);
        assert.match(line, /delegate dev\.shop\.example\.com to the name servers in the stack output nameServers/);
        assert.match(line, /no app workload until an image is released/);
    });
});
