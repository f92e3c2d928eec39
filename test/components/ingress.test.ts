import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import { IngressController, healthNodePortOf } from "../../components/ingress";
import { Capture } from "../support/harness";
import { assertComponent, buildAlone } from "../support/component";

/** The component alone, with only its required args: the defaults must make a working, locked-down controller. */
async function alone(extra: Record<string, unknown> = {}): Promise<Capture> {
    return buildAlone(() => {
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
        assertComponent(c, "platform:ingress:IngressController", "ingress", { albSubnetCidrs: ["10.0.64.0/20"] }, [
            "pulumi:providers:kubernetes",
        ]);
        const ns = c.one("kubernetes:core/v1:Namespace", "ingress-ns").inputs.metadata;
        assert.deepEqual([ns.name, ns.labels["pod-security.kubernetes.io/enforce"]], ["nginx-gateway", "restricted"]);
    });

    it("rejects a node port whose health port would leave the NodePort range", async () => {
        await assert.rejects(
            alone({ nodePort: 32767 }),
            /ingress nodePort 32767 is invalid: it and the health node port after it must lie in 30000-32767/,
        );
        assert.equal(healthNodePortOf(30443), 30444);
    });
});
