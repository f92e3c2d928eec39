import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { namespaceGuardrails } from "./namespace";

/** The namespace of the ingress controller: a platform namespace (K8S-15 baseline, K8S-24 NodePort exemption). */
export const INGRESS_NAMESPACE = "ingress-nginx";
/** Pinned chart; the controller image comes through the ECR pull-through cache with the chart's digest. */
export const INGRESS_CHART = { chart: "ingress-nginx", version: "4.14.1", repo: "https://kubernetes.github.io/ingress-nginx" };
/** Ticket of the documented K8S-04 exemption of the ingress controller (see the Deployment annotation). */
export const INGRESS_ROFS_EXEMPTION = "PLAT-102: ingress-nginx renders nginx.conf, Lua state and temp files into its root filesystem";

export interface IngressControllerArgs {
    /** The cluster's Kubernetes provider. */
    provider: k8s.Provider;
    /** The VPC CIDR: ingress-nginx trusts X-Forwarded-For only from here (the ALB and the nodes live inside it). */
    vpcCidr: string;
    /** The cluster's Service CIDR (API server and DNS ClusterIPs), the controller's only other egress. */
    serviceCidr: string;
    /** The fixed HTTPS node port the edge tier's ALB target group points at. */
    nodePort: number;
    replicas: number;
    /** The ECR pull-through cache prefix for registry.k8s.io the controller images come from (K8S-11). */
    registry: pulumi.Input<string>;
    /** The node groups: the chart waits for them, or its pods have nowhere to run. */
    dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** ingress-nginx in its own guarded platform namespace, behind the ALB on a fixed HTTPS node port. */
export class IngressController extends pulumi.ComponentResource {
    public readonly namespace: string = INGRESS_NAMESPACE;

    constructor(name: string, args: IngressControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:cluster:IngressController", name, {}, opts);
        const k8sOpts = { parent: this, provider: args.provider };
        const ns = INGRESS_NAMESPACE;
        // STK-05 guardrails. A controller pod requests 200m/256Mi (limits 1 CPU/512Mi); room for a full rolling surge plus the admission jobs.
        const slots = 2 * args.replicas + 2;
        const { namespace } = namespaceGuardrails(name, {
            name: ns,
            namespaceLabels: { "platform/namespace-kind": "platform" },
            // K8S-15: baseline for a platform namespace (the controller binds 443 with NET_BIND_SERVICE); restricted is reported.
            podSecurity: { enforce: "baseline" },
            quota: {
                name: "platform-quota",
                hard: { "requests.cpu": `${slots * 200}m`, "requests.memory": `${slots * 256}Mi`, "limits.cpu": `${slots}`, "limits.memory": `${slots * 512}Mi`, pods: `${slots + 2}` },
            },
            limits: { name: "platform-defaults", default: { cpu: "500m", memory: "256Mi" }, defaultRequest: { cpu: "50m", memory: "64Mi" } },
            lockDefaultServiceAccount: false,
            opts: k8sOpts,
        });
        const inNs = { ...k8sOpts, dependsOn: [namespace] };

        const vpc = { ipBlock: { cidr: args.vpcCidr } };
        new k8s.networking.v1.NetworkPolicy(
            `${name}-allow-controller`,
            {
                metadata: { name: "allow-controller-ingress", namespace: ns },
                spec: {
                    podSelector: { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller" } },
                    policyTypes: ["Ingress"],
                    // HTTPS from the ALB via the node port, the admission webhook from the control-plane ENIs, probes from the kubelet: all inside the VPC.
                    ingress: [{ from: [vpc], ports: [443, 8443, 10254].map((port) => ({ protocol: "TCP", port })) }],
                },
            },
            inNs,
        );
        new k8s.networking.v1.NetworkPolicy(
            `${name}-allow-egress`,
            {
                metadata: { name: "allow-egress-in-cluster", namespace: ns },
                // The controller proxies to backends in any namespace and talks to the API server and DNS; nothing leaves the VPC.
                spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [vpc, { ipBlock: { cidr: args.serviceCidr } }] }] },
            },
            inNs,
        );

        new k8s.helm.v4.Chart(
            `${name}-nginx`,
            {
                name: "ingress-nginx",
                chart: INGRESS_CHART.chart,
                version: INGRESS_CHART.version,
                repositoryOpts: { repo: INGRESS_CHART.repo },
                namespace: ns,
                values: ingressValues(args, args.registry),
            },
            { ...inNs, dependsOn: [namespace, ...args.dependsOn] },
        );
        this.registerOutputs({ namespace: this.namespace });
    }
}

const RESTRICTED_CONTAINER = {
    allowPrivilegeEscalation: false, // K8S-02
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: 65532,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};

/** The chart values: exported so tests and reviewers read the exact ingress contract. */
export function ingressValues(args: Pick<IngressControllerArgs, "replicas" | "nodePort" | "vpcCidr">, registry: pulumi.Input<string>) {
    const selector = { matchLabels: { "app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/instance": "ingress-nginx", "app.kubernetes.io/component": "controller" } };
    const jobResources = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
    return {
        fullnameOverride: "ingress-nginx",
        controller: {
            image: { registry },
            replicaCount: args.replicas,
            // The chart renders the PDB only with more than one replica, so a one-replica dev stack can still drain nodes.
            minAvailable: 1,
            allowSnippetAnnotations: false, // CVE-2021-25742 / CVE-2025-1974 class: no user-supplied nginx config
            ingressClassResource: { name: "nginx", enabled: true, default: false, controllerValue: "k8s.io/ingress-nginx" },
            watchIngressWithoutClass: false,
            config: {
                // The ALB terminates TLS and sets X-Forwarded-*; trust them only from inside the VPC (the ALB and SNAT'ing nodes).
                "use-forwarded-headers": "true",
                "compute-full-forwarded-for": "true",
                "forwarded-for-header": "X-Forwarded-For",
                "proxy-real-ip-cidr": args.vpcCidr,
                "use-proxy-protocol": "false", // ALBs do not speak PROXY protocol
                // X-Forwarded-Proto from the ALB tells nginx the client used HTTPS; anything else is redirected.
                "ssl-redirect": "true",
                "force-ssl-redirect": "true",
                hsts: "true",
                "hsts-max-age": "31536000",
                "hsts-include-subdomains": "true",
                "ssl-protocols": "TLSv1.2 TLSv1.3", // the ALB → nginx hop
                "server-tokens": "false",
                "allow-snippet-annotations": "false",
                "keep-alive": "75", // longer than the ALB idle timeout, so the ALB always closes first (no 502s)
            },
            service: {
                // K8S-24 allows a NodePort only in the ingress controller's namespace: the ALB target group is its only client.
                type: "NodePort",
                enableHttp: false, // HTTP → HTTPS is the ALB's port-80 redirect; nginx only listens for the re-encrypted hop
                enableHttps: true,
                nodePorts: { https: args.nodePort },
                externalTrafficPolicy: "Cluster", // every node is a healthy target; the client IP comes from X-Forwarded-For
            },
            annotations: { "policy.exempt/k8s-read-only-root-filesystem": INGRESS_ROFS_EXEMPTION },
            podLabels: { "api-access": "true" }, // K8S-13: the controller watches Ingresses, so it needs its token
            podSecurityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
            containerSecurityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: false, // exempted above: nginx writes its config and temp files
                runAsNonRoot: true,
                runAsUser: 101,
                runAsGroup: 82,
                capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
                seccompProfile: { type: "RuntimeDefault" },
            },
            resources: { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
            topologySpreadConstraints: [
                { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector },
                { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: selector },
            ],
            admissionWebhooks: {
                enabled: true, // rejects invalid Ingress objects before they break the shared nginx config
                createSecretJob: { securityContext: RESTRICTED_CONTAINER, resources: jobResources },
                patchWebhookJob: { securityContext: RESTRICTED_CONTAINER, resources: jobResources },
                patch: { image: { registry }, securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } } },
            },
            metrics: { enabled: false },
        },
        defaultBackend: { enabled: false },
    };
}
