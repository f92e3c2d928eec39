import { strict as assert } from "assert";
import { gatewaySpec, ngfObjects } from "../components/ingress";

describe("IngressController building blocks", () => {
    it("gives each team hostname its own HTTPS listener bound to the team's namespace", () => {
        const listeners = gatewaySpec({
            payments: ["a.example.com"],
            catalog: ["b.example.com", "c.example.com"],
        }).listeners;
        assert.deepEqual(
            listeners.map((l: any) => [
                l.name,
                l.hostname ?? "*",
                l.allowedRoutes.namespaces.selector?.matchLabels["kubernetes.io/metadata.name"] ??
                    l.allowedRoutes.namespaces.from,
            ]),
            [
                ["https", "*", "Same"],
                ["payments-0", "a.example.com", "payments"],
                ["catalog-0", "b.example.com", "catalog"],
                ["catalog-1", "c.example.com", "catalog"],
            ],
        );
    });

    it("hardens the vendored controller: resources, API opt-in label, non-root, no TTL on the Job", () => {
        const objects = ngfObjects({ registry: "r.example", replicas: 3, nodePort: 30443, vpcCidr: "10.0.0.0/16" });
        assert.ok(!objects.some((o) => o.kind === "Namespace"), "the namespace comes from the platform guardrails");
        for (const o of objects.filter((x) => x.kind === "Deployment" || x.kind === "Job")) {
            const pod = o.spec.template;
            assert.equal(pod.metadata.labels["api-access"], "true", o.metadata.name);
            for (const ctr of pod.spec.containers) {
                assert.ok(ctr.resources.requests.cpu && ctr.resources.limits.memory, ctr.name);
                assert.deepEqual(
                    [
                        ctr.securityContext.allowPrivilegeEscalation,
                        ctr.securityContext.readOnlyRootFilesystem,
                        ctr.securityContext.runAsNonRoot,
                    ],
                    [false, true, true],
                );
            }
        }
        assert.equal(objects.find((o) => o.kind === "Job")!.spec.ttlSecondsAfterFinished, undefined);
        assert.equal(
            objects.find((o) => o.kind === "Deployment")!.spec.replicas,
            2,
            "leader election: at most one standby",
        );
    });
});
