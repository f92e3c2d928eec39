import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../ingress";
import { UNKNOWN } from "../lib/unknowns";
import {
    Case,
    assertClean,
    assertDeferred,
    assertRejected,
    checkCase,
    checkUnknownsNeverBlock,
    policyNamed,
    runResourcePolicy,
    runStackPolicy,
} from "./support";
import { TYPES } from "../../lib/contract";

const rp = (name: string) => policyNamed<ResourceValidationPolicy>(policies, name);
const sp = (name: string) => policyNamed<StackValidationPolicy>(policies, name);

/** The platform's objects (components/ingress.ts) as passing fixtures; each case changes one field. */
const controller = (args: string[]) => ({
    metadata: { name: "nginx-gateway", namespace: "nginx-gateway" },
    spec: {
        template: {
            spec: {
                containers: [
                    {
                        name: "nginx-gateway",
                        image: "r/nginx-gateway-fabric:2.6.7",
                        args: ["controller", "--gatewayclass=nginx", ...args],
                    },
                ],
            },
        },
    },
});
const proxy = (
    over: { deployment?: Record<string, any>; service?: Record<string, any>; daemonSet?: Record<string, any> } = {},
) => ({
    metadata: { name: "nginx-gateway-proxy-config", namespace: "nginx-gateway" },
    spec: {
        kubernetes: {
            deployment: { replicas: 2, container: { readinessProbe: { expose: true } }, pod: {}, ...over.deployment },
            service: {
                type: "NodePort",
                externalTrafficPolicy: "Local",
                nodePorts: [{ port: 30443, listenerPort: 443 }],
                ...over.service,
            },
            ...(over.daemonSet ? { daemonSet: over.daemonSet } : {}),
        },
    },
});
const TLS = { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "gateway-listener-tls" }] };
const listener = (over: Record<string, any> = {}) => ({
    name: "payments-0",
    hostname: "app.example.com",
    protocol: "HTTPS",
    port: 443,
    tls: TLS,
    ...over,
});
const byName = (team: string) => ({
    namespaces: { from: "Selector", selector: { matchLabels: { "kubernetes.io/metadata.name": team } } },
});
const gateway = (...listeners: Record<string, any>[]) => ({
    metadata: { name: "public", namespace: "nginx-gateway" },
    spec: { gatewayClassName: "nginx", listeners },
});
const GOOD_GATEWAY = gateway(
    listener({ name: "https", hostname: undefined, allowedRoutes: { namespaces: { from: "Same" } } }),
    listener({ allowedRoutes: byName("payments") }),
);
const route = (namespace?: string) => ({
    metadata: { name: "shop-api", ...(namespace ? { namespace } : {}) },
    spec: { parentRefs: [{ name: "public", namespace: "nginx-gateway" }], hostnames: ["app.example.com"] },
});

async function table(policyName: string, cases: Case[]): Promise<void> {
    const policy = rp(policyName);
    for (const c of cases) {
        await checkCase(policy, c).catch((e: Error) => {
            throw new Error(`${c.it}: ${e.message}`);
        });
        if (!c.rejects) await checkUnknownsNeverBlock(policy, c);
    }
}

describe("ingress policies (K8S-33 … K8S-37)", () => {
    it("declares its catalogue ids as typed controls", () => {
        assert.deepEqual(
            policies.map((p) => [p.name, p.controls.join(",")]),
            [
                ["ingress-no-config-injection", "K8S-33"],
                ["ingress-data-plane-node-port-only", "K8S-34"],
                ["ingress-data-plane-no-host-access", "K8S-35"],
                ["gateway-https-listeners-only", "K8S-36"],
                ["gateway-routes-from-allowed-namespaces", "K8S-37"],
                ["ingress-single-node-port-entry", "K8S-34"],
            ],
        );
    });

    it("K8S-33: rejects every way to inject raw NGINX configuration, accepts the platform's controller", () =>
        table("ingress-no-config-injection", [
            {
                it: "platform controller",
                type: TYPES.k8sDeployment,
                props: controller(["--product-telemetry-disable"]),
            },
            {
                it: "--snippets",
                type: TYPES.k8sDeployment,
                props: controller(["--snippets"]),
                rejects: /args has "--snippets": remove it/,
            },
            {
                it: "--snippets-filters=true",
                type: TYPES.k8sDeployment,
                props: controller(["--snippets-filters=true"]),
                rejects: /"--snippets-filters=true"/,
            },
            {
                it: "ingress-nginx flag",
                type: TYPES.k8sDeployment,
                props: controller(["--enable-snippets"]),
                rejects: /--enable-snippets/,
            },
            {
                it: "a SnippetsFilter",
                type: TYPES.nginxSnippetsFilter,
                props: { metadata: { name: "x", namespace: "payments" }, spec: {} },
                rejects: /SnippetsFilter injects raw NGINX configuration/,
            },
            {
                it: "a SnippetsPolicy",
                type: TYPES.nginxSnippetsPolicy,
                props: { metadata: { name: "x" }, spec: {} },
                rejects: /SnippetsPolicy injects/,
            },
            { it: "platform NginxProxy", type: TYPES.nginxProxy, props: proxy() },
            {
                it: "deployment patches",
                type: TYPES.nginxProxy,
                props: proxy({
                    deployment: {
                        patches: [
                            { type: "StrategicMerge", value: { spec: { template: { spec: { hostNetwork: true } } } } },
                        ],
                    },
                }),
                rejects: /spec\.kubernetes\.deployment\.patches rewrites/,
            },
            {
                it: "service patches",
                type: TYPES.nginxProxy,
                props: proxy({ service: { patches: [{ type: "Merge", value: {} }] } }),
                rejects: /spec\.kubernetes\.service\.patches/,
            },
            {
                it: "agent debug",
                type: TYPES.nginxProxy,
                props: proxy({ deployment: { container: { debug: true } } }),
                rejects: /container\.debug runs the NGINX agent in debug mode/,
            },
            {
                it: "snippet annotation",
                type: TYPES.k8sIngress,
                props: {
                    metadata: {
                        name: "a",
                        annotations: { "nginx.ingress.kubernetes.io/configuration-snippet": "more_set_headers x" },
                    },
                },
                rejects: /configuration-snippet" injects raw NGINX configuration/,
            },
            {
                it: "harmless annotation",
                type: TYPES.k8sIngress,
                props: {
                    metadata: { name: "a", annotations: { "nginx.ingress.kubernetes.io/proxy-body-size": "8m" } },
                },
            },
            {
                it: "ConfigMap allows snippets",
                type: TYPES.k8sConfigMap,
                props: {
                    metadata: { name: "ingress-nginx-controller" },
                    data: { "allow-snippet-annotations": "true" },
                },
                rejects: /allow-snippet-annotations/,
            },
            {
                it: "ConfigMap server-snippet",
                type: TYPES.k8sConfigMap,
                props: { metadata: { name: "c" }, data: { "server-snippet": "location /x {}" } },
                rejects: /server-snippet/,
            },
            {
                it: "ConfigMap snippets off",
                type: TYPES.k8sConfigMap,
                props: { metadata: { name: "c" }, data: { "allow-snippet-annotations": "false", LOG_LEVEL: "info" } },
            },
            {
                it: "chart values",
                type: TYPES.helmChartV4,
                props: { chart: "nginx-gateway-fabric", values: { nginxGateway: { snippets: { enable: true } } } },
                rejects: /values\.nginxGateway\.snippets\.enable turns on raw NGINX configuration/,
            },
            {
                it: "ingress-nginx chart values",
                type: TYPES.helmChartV4,
                props: { chart: "ingress-nginx", values: { controller: { allowSnippetAnnotations: "true" } } },
                rejects: /controller\.allowSnippetAnnotations/,
            },
        ]));

    it("K8S-34: keeps the data plane on NodePort, on the declared ports, with no load balancer settings", () =>
        table("ingress-data-plane-node-port-only", [
            {
                it: "platform NginxProxy",
                type: TYPES.nginxProxy,
                props: proxy(),
                config: { ingressNodePorts: [30443, 30444] },
            },
            {
                it: "LoadBalancer",
                type: TYPES.nginxProxy,
                props: proxy({ service: { type: "LoadBalancer" } }),
                rejects: /service\.type is "LoadBalancer": set it to "NodePort"/,
            },
            {
                it: "unset type",
                type: TYPES.nginxProxy,
                props: proxy({ service: { type: undefined } }),
                rejects: /unset \(NGF then provisions a LoadBalancer\)/,
            },
            {
                it: "load balancer source ranges",
                type: TYPES.nginxProxy,
                props: proxy({ service: { loadBalancerSourceRanges: ["0.0.0.0/0"] } }),
                rejects: /loadBalancerSourceRanges configures a cloud load balancer/,
            },
            {
                it: "undeclared node port",
                type: TYPES.nginxProxy,
                props: proxy({ service: { nodePorts: [{ port: 31000, listenerPort: 443 }] } }),
                config: { ingressNodePorts: [30443, 30444] },
                rejects: /nodePorts\[0\]\.port 31000 is not one of the declared ingress node ports \(30443, 30444\)/,
            },
        ]));

    it("K8S-35: rejects host ports, host paths and a DaemonSet data plane", () =>
        table("ingress-data-plane-no-host-access", [
            { it: "platform NginxProxy", type: TYPES.nginxProxy, props: proxy() },
            {
                it: "host ports",
                type: TYPES.nginxProxy,
                props: proxy({ deployment: { container: { hostPorts: [{ port: 443, containerPort: 443 }] } } }),
                rejects: /container\.hostPorts binds NGINX to the node's ports/,
            },
            {
                it: "hostPath volume",
                type: TYPES.nginxProxy,
                props: proxy({ deployment: { pod: { volumes: [{ name: "h", hostPath: { path: "/" } }] } } }),
                rejects: /pod\.volumes\[0\] mounts a hostPath/,
            },
            {
                it: "emptyDir volume",
                type: TYPES.nginxProxy,
                props: proxy({ deployment: { pod: { volumes: [{ name: "t", emptyDir: {} }] } } }),
            },
            {
                it: "DaemonSet",
                type: TYPES.nginxProxy,
                props: proxy({ daemonSet: { container: {} } }),
                rejects: /daemonSet runs NGINX on every node/,
            },
        ]));

    it("K8S-36: serves HTTPS listeners only, each with a certificate", () =>
        table("gateway-https-listeners-only", [
            { it: "platform Gateway", type: TYPES.gateway, props: GOOD_GATEWAY },
            {
                it: "HTTP listener",
                type: TYPES.gateway,
                props: gateway(listener({ name: "http", protocol: "HTTP", port: 80, tls: undefined })),
                rejects: /listener "http" uses protocol "HTTP": serve HTTPS only/,
            },
            {
                it: "TLS passthrough",
                type: TYPES.gateway,
                props: gateway(listener({ tls: { mode: "Passthrough" } })),
                rejects: /sets tls.mode "Passthrough": use Terminate/,
            },
            {
                it: "no certificate",
                type: TYPES.gateway,
                props: gateway(listener({ tls: { mode: "Terminate" } })),
                rejects: /listener "payments-0" has no tls.certificateRefs/,
            },
        ]));

    it("K8S-37: admits routes only from named namespaces, and keeps team routes out of platform namespaces", () =>
        table("gateway-routes-from-allowed-namespaces", [
            { it: "platform Gateway", type: TYPES.gateway, props: GOOD_GATEWAY },
            {
                it: "from All",
                type: TYPES.gateway,
                props: gateway(listener({ allowedRoutes: { namespaces: { from: "All" } } })),
                rejects: /spec\.listeners\[0\] admits routes from every namespace/,
            },
            {
                it: "a label a team could set",
                type: TYPES.gateway,
                props: gateway(
                    listener({
                        allowedRoutes: {
                            namespaces: { from: "Selector", selector: { matchLabels: { team: "payments" } } },
                        },
                    }),
                ),
                rejects: /must select namespaces by kubernetes\.io\/metadata\.name/,
            },
            {
                it: "selector missing",
                type: TYPES.gateway,
                props: gateway(listener({ allowedRoutes: { namespaces: { from: "Selector" } } })),
                rejects: /selector must select namespaces/,
            },
            {
                it: "matchExpressions In",
                type: TYPES.gateway,
                props: gateway(
                    listener({
                        allowedRoutes: {
                            namespaces: {
                                from: "Selector",
                                selector: {
                                    matchExpressions: [
                                        { key: "kubernetes.io/metadata.name", operator: "In", values: ["payments"] },
                                    ],
                                },
                            },
                        },
                    }),
                ),
            },
            { it: "default (Same)", type: TYPES.gateway, props: gateway(listener()) },
            { it: "team route", type: TYPES.httpRoute, props: route("payments") },
            {
                it: "route in the controller namespace",
                type: TYPES.httpRoute,
                props: route("nginx-gateway"),
                rejects: /this HTTPRoute lives in "nginx-gateway": put it in the owning team's namespace/,
            },
            { it: "route in default", type: TYPES.httpRoute, props: route(), rejects: /lives in "default"/ },
        ]));

    it("defers, never blocks, on values unknown at preview", async () => {
        assertDeferred(
            await runResourcePolicy(
                rp("ingress-data-plane-node-port-only"),
                TYPES.nginxProxy,
                proxy({ service: { type: UNKNOWN } }),
            ),
        );
        assertDeferred(
            await runResourcePolicy(
                rp("gateway-https-listeners-only"),
                TYPES.gateway,
                gateway(listener({ protocol: UNKNOWN })),
            ),
        );
        assertDeferred(
            await runResourcePolicy(
                rp("gateway-routes-from-allowed-namespaces"),
                TYPES.gateway,
                gateway(listener({ allowedRoutes: { namespaces: { from: "Selector", selector: UNKNOWN } } })),
            ),
        );
        assertDeferred(
            await runResourcePolicy(rp("ingress-no-config-injection"), TYPES.k8sDeployment, {
                metadata: { name: "x" },
                spec: { template: { spec: { containers: [{ name: "c", args: UNKNOWN }] } } },
            }),
        );
        assertDeferred(
            await runResourcePolicy(
                rp("ingress-data-plane-no-host-access"),
                TYPES.nginxProxy,
                proxy({ deployment: { container: { hostPorts: UNKNOWN } } }),
            ),
        );
        assertDeferred(
            await runResourcePolicy(
                rp("ingress-data-plane-no-host-access"),
                TYPES.nginxProxyV1alpha1,
                proxy({ deployment: { pod: { volumes: [{ name: "v", hostPath: UNKNOWN }] } } }),
            ),
        );
        assertRejected(
            await runResourcePolicy(
                rp("ingress-data-plane-no-host-access"),
                TYPES.nginxProxy,
                proxy({
                    deployment: { container: { hostPorts: UNKNOWN }, pod: { volumes: [{ hostPath: { path: "/" } }] } },
                }),
            ),
            "ingress-data-plane-no-host-access",
            "spec.kubernetes.deployment.pod.volumes[0] mounts a hostPath: use an emptyDir, ConfigMap or Secret volume.",
        );
        // A known violation is still reported when another field is unknown.
        assertRejected(
            await runResourcePolicy(
                rp("gateway-https-listeners-only"),
                TYPES.gateway,
                gateway(listener({ protocol: "HTTP", name: "h" }), listener({ protocol: UNKNOWN })),
            ),
            "gateway-https-listeners-only",
            'listener "h" uses protocol "HTTP"',
        );
    });

    it("K8S-34 (stack): allows one NodePort entry and no LoadBalancer Service in the controller namespace", async () => {
        const policy = sp("ingress-single-node-port-entry");
        const entry = { type: TYPES.nginxProxy, name: "proxy", props: proxy() };
        assertClean(
            await runStackPolicy(policy, [
                entry,
                {
                    type: TYPES.k8sService,
                    name: "agent",
                    props: {
                        metadata: { name: "nginx-gateway", namespace: "nginx-gateway" },
                        spec: { type: "ClusterIP" },
                    },
                },
            ]),
        );
        const extra = {
            type: TYPES.k8sService,
            name: "extra",
            props: { metadata: { name: "x", namespace: "nginx-gateway" }, spec: { type: "NodePort" } },
        };
        assertRejected(
            await runStackPolicy(policy, [entry, extra]),
            policy.name,
            "a second NodePort entry into the cluster",
        );
        const lb = {
            type: TYPES.k8sService,
            name: "lb",
            props: { metadata: { name: "x", namespace: "nginx-gateway" }, spec: { type: "LoadBalancer" } },
        };
        assertRejected(await runStackPolicy(policy, [entry, lb]), policy.name, "bypasses the ALB and its WAF");
        const unknown = {
            type: TYPES.k8sService,
            name: "u",
            props: { metadata: { name: "x", namespace: "nginx-gateway" }, spec: { type: UNKNOWN } },
        };
        assertClean(await runStackPolicy(policy, [entry, unknown]));
    });
});
