import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { IngressController, gatewaySpec, healthNodePortOf, ngfObjects } from "../components/ingress";
import { Capture, runUnderMocks } from "./support/harness";

/** The component alone, with only its required args: the defaults must make a working, locked-down controller. */
async function alone(extra: Record<string, unknown> = {}): Promise<Capture> {
    const { capture } = await runUnderMocks("dev", () => {
        const provider = new k8s.Provider("k8s", { kubeconfig: "{}" });
        new IngressController("ingress", {
            provider,
            registry: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/p-ghcr",
            albSubnetCidrs: ["10.0.64.0/20"],
            apiServerCidrs: ["172.20.0.0/16"],
            vpcCidr: "10.0.0.0/16",
            ...extra,
        });
    });
    return capture;
}

describe("IngressController component", () => {
    it("constructs with minimal args: two NGINX replicas on node port 30443, no team listener, data plane reaching no team namespace", async () => {
        const c = await alone();
        const proxy = c.one("kubernetes:gateway.nginx.org/v1alpha2:NginxProxy").inputs.spec.kubernetes;
        assert.equal(proxy.deployment.replicas, 2);
        assert.deepEqual(proxy.service.nodePorts[0], { port: 30443, listenerPort: 443 });
        const gateway = c.one("kubernetes:gateway.networking.k8s.io/v1:Gateway").inputs.spec;
        assert.deepEqual(
            gateway.listeners.map((l: any) => l.allowedRoutes.namespaces.from),
            ["Same"],
        );
        const egress = c
            .ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")
            .find((p) => p.inputs.metadata.name === "allow-data-plane-egress")!.inputs.spec.egress;
        assert.equal(egress.length, 1, "only the control plane's agent port");
        const component = c.one("platform:ingress:IngressController");
        assert.deepEqual(component.inputs.albSubnetCidrs, ["10.0.64.0/20"], "the component registers its args");
    });

    it("rejects a node port whose health port would leave the NodePort range", async () => {
        await assert.rejects(
            alone({ nodePort: 32767 }),
            /ingress nodePort 32767 is invalid: it and the health node port after it must lie in 30000-32767/,
        );
        assert.equal(healthNodePortOf(30443), 30444);
    });

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
