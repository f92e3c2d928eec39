import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { namespaceGuardrails } from "../../components/namespace";
import { Capture, runUnderMocks } from "../support/harness";

/** The helper alone: the guardrails every namespace gets, team or platform. */
async function guarded(extra: Record<string, unknown> = {}): Promise<Capture> {
    const { capture } = await runUnderMocks("dev", () => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        namespaceGuardrails("ns", {
            name: "orders",
            quota: { name: "q", hard: { pods: "10" } },
            limits: { name: "l", default: { cpu: "500m" }, defaultRequest: { cpu: "100m" } },
            opts: { provider },
            ...extra,
        });
    });
    return capture;
}

describe("namespace guardrails", () => {
    it("defaults to restricted Pod Security, a tokenless default ServiceAccount and a default-deny policy", async () => {
        const c = await guarded();
        const labels = c.one("kubernetes:core/v1:Namespace", "ns-ns").inputs.metadata.labels;
        assert.deepEqual(
            ["enforce", "audit", "warn"].map((m) => labels[`pod-security.kubernetes.io/${m}`]),
            ["restricted", "restricted", "restricted"],
        );
        assert.equal(c.one("kubernetes:core/v1:ServiceAccountPatch").inputs.automountServiceAccountToken, false);
        const deny = c.one("kubernetes:networking.k8s.io/v1:NetworkPolicy").inputs;
        assert.deepEqual(
            [deny.metadata.namespace, deny.spec.podSelector, deny.spec.policyTypes],
            ["orders", {}, ["Ingress", "Egress"]],
        );
        assert.deepEqual(c.one("kubernetes:core/v1:ResourceQuota").inputs.spec.hard, { pods: "10" });
        assert.deepEqual(c.one("kubernetes:core/v1:LimitRange").inputs.spec.limits, [
            { type: "Container", default: { cpu: "500m" }, defaultRequest: { cpu: "100m" } },
        ]);
    });

    it("keeps audit and warn at restricted when enforce is relaxed, and labels every object", async () => {
        const c = await guarded({
            podSecurity: { enforce: "baseline" },
            labels: { team: "orders" },
            lockDefaultServiceAccount: false,
        });
        const labels = c.one("kubernetes:core/v1:Namespace").inputs.metadata.labels;
        assert.deepEqual(
            [labels["pod-security.kubernetes.io/enforce"], labels["pod-security.kubernetes.io/warn"], labels.team],
            ["baseline", "restricted", "orders"],
        );
        assert.equal(c.ofType("kubernetes:core/v1:ServiceAccountPatch").length, 0);
        assert.equal(c.one("kubernetes:core/v1:ResourceQuota").inputs.metadata.labels.team, "orders");
    });
});
