import { strict as assert } from "assert";
import { ConfigError, cidrSubnet, parseConfig } from "../config";
import { readStackConfig, runProgram } from "./support/harness";

/** The dev stack's raw config, as the engine hands it to the program, with `platform:` keys unprefixed. */
function devRaw(): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(readStackConfig("dev"))) {
        if (!k.startsWith("platform:")) continue;
        const key = k.slice("platform:".length);
        raw[key] = ["edge", "cluster", "teams", "app", "database"].includes(key) ? JSON.parse(v) : v;
    }
    return raw;
}

function rejects(patch: (raw: any) => void, message: string) {
    const raw: any = devRaw();
    patch(raw);
    assert.throws(() => parseConfig(raw), (e: Error) => e instanceof ConfigError && e.message === `Invalid stack config: ${message}`);
}

describe("stack config", () => {
    it("accepts the dev and prod stacks and fills defaults", () => {
        const cfg = parseConfig(devRaw());
        assert.equal(cfg.azCount, 2);
        assert.equal(cfg.protect, false);
        assert.equal(cfg.cluster.ingressNodePort, 30443);
        assert.equal(cfg.app.readinessPath, "/actuator/health/readiness");
    });

    it("rejects an AZ count other than 2 or 3", () => rejects((r) => (r.azCount = "5"), "platform:azCount must be 2 or 3, got 5"));
    it("rejects a VPC CIDR too small for three layers", () => rejects((r) => (r.vpcCidr = "10.0.0.0/24"), 'platform:vpcCidr must have a prefix between /16 and /20, got "10.0.0.0/24"'));
    it("rejects a CIDR with host bits set", () => rejects((r) => (r.vpcCidr = "10.0.0.1/16"), 'platform:vpcCidr must be an IPv4 network in CIDR form such as 10.0.0.0/16, got "10.0.0.1/16"'));
    it("rejects a service CIDR overlapping the VPC", () =>
        rejects((r) => (r.cluster.serviceCidr = "10.10.128.0/20"), 'platform:cluster.serviceCidr must not overlap vpcCidr 10.10.0.0/16, got "10.10.128.0/20"'));
    it("rejects a domain that is not a hostname", () => rejects((r) => (r.domain = "shop example"), 'platform:domain must be a DNS hostname such as example.com, got "shop example"'));
    it("rejects an unknown NAT mode", () => rejects((r) => (r.natMode = "none"), 'platform:natMode must be one of single, perAz, got "none"'));
    it("rejects a malformed instance type", () =>
        rejects((r) => (r.cluster.nodeGroups[0].instanceTypes = ["large"]), 'platform:cluster.nodeGroups[0].instanceTypes[0] must be EC2 instance types such as t3.medium or m7g.large, got "large"'));
    it("rejects node group sizes out of order", () =>
        rejects((r) => (r.cluster.nodeGroups[0].desiredSize = 9), "platform:cluster.nodeGroups[0].desiredSize must satisfy minSize <= desiredSize <= maxSize (1 <= 9 <= 3), got 9"));
    it("rejects a backup retention under seven days", () => rejects((r) => (r.database.backupRetentionDays = 3), "platform:database.backupRetentionDays must be between 7 and 35, got 3"));
    it("rejects a missing required key", () => rejects((r) => delete r.owner, "platform:owner is required"));
    it("rejects misspelled keys instead of ignoring them", () => rejects((r) => (r.database.multiAZ = true), "platform:database has unknown key(s) multiAZ: remove them or fix the spelling"));
    it("rejects an app in a team that does not exist", () => rejects((r) => (r.app.team = "nobody"), 'platform:app.team must be one of the configured teams (payments, catalog), got "nobody"'));
    it("rejects the latest tag", () => rejects((r) => (r.app.imageTag = "latest"), 'platform:app.imageTag must be a pinned tag, not latest, got "latest"'));
    it("rejects secrets in the plain-settings ConfigMap", () =>
        rejects((r) => (r.app.settings.DB_PASSWORD = "hunter2"), 'platform:app.settings.DB_PASSWORD looks sensitive: settings are a plain ConfigMap; store secrets with KMS envelope encryption instead, got "hunter2"'));
    it("rejects a public endpoint without allowed CIDRs", () =>
        rejects((r) => (r.cluster.publicEndpoint = true), "platform:cluster.publicAccessCidrs must list the CIDRs allowed to reach a public endpoint (publicEndpoint is true), got nothing"));

    it("keeps the prod API endpoint private", () => {
        const raw: any = devRaw();
        raw.environment = "prod";
        raw.cluster.publicEndpoint = true;
        raw.cluster.publicAccessCidrs = ["203.0.113.0/24"];
        assert.throws(() => parseConfig(raw), /platform:cluster.publicEndpoint must be false for a prod stack \(EKS-01: the API endpoint stays private\), got true/);
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
            (e: Error) => e instanceof ConfigError && e.message.startsWith("Invalid stack config: platform:azcount is not a known key: allowed keys are environment, owner,"),
        );
    });

    it("carves subnets like Terraform's cidrsubnet", () => {
        assert.equal(cidrSubnet("10.0.0.0/16", 4, 0), "10.0.0.0/20");
        assert.equal(cidrSubnet("10.0.0.0/16", 4, 9), "10.0.144.0/20");
        assert.throws(() => cidrSubnet("10.0.0.0/16", 4, 16));
    });
});
