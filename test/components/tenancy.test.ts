import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { Tenancy, TenancyArgs } from "../../components/tenancy";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone } from "../support/component";

const TYPE = "platform:tenancy:Tenancy";
const PROVIDER = "pulumi:providers:kubernetes";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";

function alone(extra: Partial<TenancyArgs> = {}): Promise<Capture> {
    return buildAlone(() => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        new Tenancy("ten", { provider, teams: [{ name: "orders" }], tags: TAGS, ...extra });
    });
}

const policies = (c: Capture) =>
    c
        .ofType(NETPOL)
        .map((p) => p.inputs.metadata.name)
        .sort();

describe("Tenancy component", () => {
    let c: Capture;
    before(async () => {
        c = await alone();
    });

    it("constructs with minimal args: a restricted, quota-bound namespace per team", () => {
        assertComponent(c, TYPE, "ten", { teams: [{ name: "orders" }], tags: TAGS }, [PROVIDER]);
        const ns = c.one("kubernetes:core/v1:Namespace", "ten-orders-ns").inputs.metadata;
        assert.deepEqual(
            [ns.name, ns.labels.team, ns.labels["pod-security.kubernetes.io/enforce"]],
            ["orders", "orders", "restricted"],
        );
        assert.deepEqual(c.one("kubernetes:core/v1:ResourceQuota").inputs.spec.hard, {
            "requests.cpu": "4",
            "requests.memory": "8Gi",
            "limits.cpu": "8",
            "limits.memory": "16Gi",
            pods: "50",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
        });
    });

    it("binds the team's developers to read and the CI deployers to deploy, inside the namespace only", () => {
        const bindings = c.ofType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding").map((b) => b.inputs);
        assert.deepEqual(bindings.map((b) => [b.metadata.namespace, b.roleRef.name, b.subjects[0].name]).sort(), [
            ["orders", "app-deployer", "platform:ci-deployers"],
            ["orders", "app-viewer", "orders-developers"],
        ]);
        assert.equal(c.ofType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding").length, 0);
    });

    it("opens no database or HTTPS egress by default, and admits traffic only from the ingress namespace", () => {
        assert.deepEqual(policies(c), ["allow-dns", "allow-from-ingress", "default-deny"]);
        const ingress = c.ofType(NETPOL).find((p) => p.inputs.metadata.name === "allow-from-ingress")!.inputs.spec;
        assert.deepEqual(ingress.ingress[0].from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "nginx-gateway" } } },
        ]);
    });

    it("opens the database port to the isolated subnets, and a team's own HTTPS destinations, when given", async () => {
        const wired = await alone({
            isolatedSubnetCidrs: ["10.0.128.0/20"],
            teams: [{ name: "orders", httpsEgressCidrs: ["203.0.113.0/24"], quota: { pods: 5 } }],
        });
        assert.deepEqual(policies(wired), [
            "allow-database",
            "allow-dns",
            "allow-from-ingress",
            "allow-https-egress",
            "default-deny",
        ]);
        const db = wired.ofType(NETPOL).find((p) => p.inputs.metadata.name === "allow-database")!.inputs.spec;
        assert.deepEqual(db.egress, [
            { to: [{ ipBlock: { cidr: "10.0.128.0/20" } }], ports: [{ protocol: "TCP", port: 5432 }] },
        ]);
        const hard = wired.one("kubernetes:core/v1:ResourceQuota").inputs.spec.hard;
        assert.deepEqual([hard.pods, hard["requests.cpu"]], ["5", "4"], "a partial quota keeps the other defaults");
    });
});
