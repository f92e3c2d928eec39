import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { namespaceGuardrails } from "./namespace";
import { GATEWAY_API_CRD_FILES, KubeObject, loadVendored } from "./vendored";
import { registrable } from "./defaults";

/**
 * NGINX Gateway Fabric (docs/ingress.md says why this one): the pinned release whose manifests live in
 * vendor/nginx-gateway-fabric/<version>/, and the Gateway API release it is built against (its go.mod:
 * sigs.k8s.io/gateway-api v1.5.1; config/crd/gateway-api/standard/kustomization.yaml installs that tag).
 */
// renovate: datasource=github-releases depName=nginx/nginx-gateway-fabric
export const NGF = { name: "nginx-gateway-fabric", version: "2.6.7" } as const;
// renovate: datasource=github-releases depName=kubernetes-sigs/gateway-api
export const GATEWAY_API = { name: "gateway-api", version: "1.5.1" } as const;
/** Upstream's namespace for the controller (the vendored manifests name it); a guarded platform namespace here. */
export const INGRESS_NAMESPACE = "nginx-gateway";
/** The GatewayClass the vendored manifest declares and the controller's `--gatewayclass` flag serves. */
export const GATEWAY_CLASS = "nginx";
/** The one shared Gateway; NGF provisions its NGINX Deployment and NodePort Service from it and the NginxProxy. */
export const GATEWAY_NAME = "public";
/** The Gateway's HTTPS listener port (the data-plane container port behind the NodePort). */
export const HTTPS_PORT = 443;
/** NGINX readiness endpoint of the data plane (ReadinessProbeSpec defaults in apis/v1alpha2/nginxproxy_types.go). */
export const READINESS = { port: 8081, path: "/readyz" } as const;
/** The control plane's agent gRPC port, which the data-plane pods dial (Service nginx-gateway 443 → 8443). */
const AGENT_GRPC_PORT = 8443;
/** Label a namespace must carry for its pods to be reachable from the data plane (set on team namespaces by the tenancy tier). */
const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The HTTPS node port of the data plane when none is given; the edge tier's target group forwards to it. */
export const DEFAULT_NODE_PORT = 30443;

/** The ALB health-checks the data plane's readiness endpoint on the node port right after the traffic port. */
export function healthNodePortOf(nodePort: number): number {
    return nodePort + 1;
}

/** The Gateway listener a team's routes attach to for one of its hostnames (a DNS label, as sectionName requires). */
export function listenerName(team: string, index: number): string {
    return `${team}-${index}`.slice(0, 63);
}

export interface IngressControllerArgs {
    /** The cluster's Kubernetes provider. Required. */
    provider: k8s.Provider;
    /**
     * ECR pull-through cache prefix for ghcr.io (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>`): both NGF images
     * are pulled through it (K8S-11 approvedRegistries), never from ghcr.io directly. Required.
     */
    registry: pulumi.Input<string>;
    /** The subnets the ALB's nodes live in (the public subnets): the only source allowed on the data-plane ports. Required. */
    albSubnetCidrs: string[];
    /** The nodes' subnets: kubelet readiness probes come from the node's address. Default is none (probes from elsewhere). */
    nodeSubnetCidrs?: string[];
    /** Where the API server answers (Service CIDR for `kubernetes.default`, and the control-plane ENIs' subnets): egress on 443 only. Required. */
    apiServerCidrs: string[];
    /** The VPC CIDR: NGINX trusts X-Forwarded-For only from addresses inside it (the ALB). Required. */
    vpcCidr: string;
    /**
     * Team namespace → the hostnames its HTTPRoutes may serve. Each hostname becomes its own HTTPS listener that
     * accepts routes only from that namespace (allowedRoutes by the immutable `kubernetes.io/metadata.name` label),
     * and the data plane may reach pods only in these namespaces. Default is `{}` (no team can attach a route).
     */
    teamHosts?: Record<string, string[]>;
    /** The fixed HTTPS node port the edge tier's target group forwards to. Default is `30443` (DEFAULT_NODE_PORT). */
    nodePort?: number;
    /** NGINX data-plane replicas (spread over zones and nodes). Default is `2`. */
    replicas?: number;
    /** Labels on every object (ownership, cost). Default is none. */
    labels?: Record<string, string>;
    /** Resources that must exist before the controller starts (the node groups). Default is none. */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

const CONTROLLER_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
const JOB_RESOURCES = { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "64Mi" } };
const NGINX_RESOURCES = { requests: { cpu: "200m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } };

/**
 * The image of a vendored container routed through the pull-through cache: `ghcr.io/nginx/...:<tag>` becomes
 * `<registry>/nginx/...:<tag>`. TODO(digest): pin `@sha256:` digests once they are read from the release
 * (https://github.com/nginx/nginx-gateway-fabric/pkgs/container/nginx-gateway-fabric); the tag is pinned meanwhile.
 */
export function throughCache(image: string, registry: pulumi.Input<string>): pulumi.Output<string> {
    const m = /^ghcr\.io\/(.+)$/.exec(image);
    if (!m)
        throw new Error(`vendored image ${image} is not on ghcr.io: add a pull-through cache rule for its registry`);
    return pulumi.interpolate`${registry}/${m[1]}`;
}

/** Objects of the vendored manifests, hardened where upstream's defaults do not fit this platform (each change says why). */
export function ngfObjects(args: NgfSettings): KubeObject[] {
    const deploy = loadVendored(NGF.name, NGF.version, "deploy/nodeport/deploy.yaml").filter((o) => {
        if (o.kind !== "Namespace") return true;
        if (o.metadata.name !== INGRESS_NAMESPACE)
            throw new Error(`NGF ${NGF.version} installs into ${o.metadata.name}: update INGRESS_NAMESPACE`);
        return false; // declared with the platform's guardrails instead
    });
    for (const o of deploy) {
        const pod = o.spec?.template;
        if (pod) {
            for (const c of pod.spec.containers) {
                // Upstream does not ship snippets on; the pack (ING-01) keeps it so.
                if ((c.args ?? []).some((a: string) => /^--snippets/.test(a)))
                    throw new Error(`NGF ${NGF.version} ${o.kind} ${o.metadata.name} enables snippets`);
                c.image = throughCache(c.image, args.registry);
                for (const e of c.env ?? []) if (e.name === "IMAGE_NAME") e.value = c.image;
                c.resources = o.kind === "Job" ? JOB_RESOURCES : CONTROLLER_RESOURCES; // STK-05: the namespace quota needs them
                c.securityContext = { ...c.securityContext, runAsNonRoot: true };
                // F5's product telemetry would dial out; the egress policy blocks it anyway, so do not try.
                if (o.kind === "Deployment") c.args = [...c.args, "--product-telemetry-disable"];
            }
            // K8S-13: both call the Kubernetes API (the controller watches Gateway API objects; the Job writes Secrets).
            pod.metadata = {
                ...(pod.metadata ?? {}),
                labels: { ...(pod.metadata?.labels ?? {}), "api-access": "true" },
            };
            if (pod.metadata.annotations === null) delete pod.metadata.annotations;
        }
        if (o.kind === "Job") {
            // Pulumi owns the Job: a TTL deletion would show up as drift on every refresh.
            delete o.spec.ttlSecondsAfterFinished;
            o.metadata.labels = { ...o.metadata.labels, "api-access": "true" };
        }
        if (o.kind === "Deployment") {
            o.spec.replicas = Math.min(args.replicas, 2); // leader election: one active, one warm standby
            o.metadata.labels = { ...o.metadata.labels, "api-access": "true" };
        }
        if (o.kind === "NginxProxy") o.spec = nginxProxySpec(args);
    }
    return deploy;
}

/** What the platform decides about the vendored release. */
export interface NgfSettings {
    /** The ghcr.io pull-through cache prefix both images come through. Required. */
    registry: pulumi.Input<string>;
    /** NGINX data-plane replicas (the controller runs at most two: leader election). Required. */
    replicas: number;
    /** The data plane's HTTPS node port; its health node port is the next one. Required. */
    nodePort: number;
    /** The only addresses NGINX trusts X-Forwarded-For from. Required. */
    vpcCidr: string;
}

/** Every CRD the controller needs: the Gateway API standard channel at the version NGF is built against, then NGF's own. */
export function crdObjects(): KubeObject[] {
    const gatewayApi = GATEWAY_API_CRD_FILES.flatMap((file) =>
        loadVendored(GATEWAY_API.name, GATEWAY_API.version, file),
    );
    return [...gatewayApi, ...loadVendored(NGF.name, NGF.version, "deploy/crds.yaml")];
}

/** The data plane NGF provisions for every Gateway of the class: what the pack judges, since the Deployment itself is created at runtime. */
export function nginxProxySpec(args: NgfSettings) {
    const spread = (topologyKey: string) => ({
        maxSkew: 1,
        topologyKey,
        whenUnsatisfiable: "ScheduleAnyway",
        labelSelector: { matchLabels: { "gateway.networking.k8s.io/gateway-name": GATEWAY_NAME } },
    });
    return {
        ipFamily: "ipv4",
        serverTokens: "off",
        // The ALB appends the client address to X-Forwarded-For; trust the header only from inside the VPC.
        rewriteClientIP: {
            mode: "XForwardedFor",
            setIPRecursively: true,
            trustedAddresses: [{ type: "CIDR", value: args.vpcCidr }],
        },
        // The ALB is not relied on to send SNI to its targets: a request may arrive under the catch-all certificate and is
        // routed by Host. GEP-3567's risk (connection reuse across listeners with different TLS settings) does not
        // arise: the ALB is the only client and every listener serves the same certificate. docs/ingress.md.
        disableSNIHostValidation: true,
        kubernetes: {
            deployment: {
                replicas: args.replicas,
                container: {
                    image: {
                        repository: throughCache(`ghcr.io/nginx/nginx-gateway-fabric/nginx`, args.registry),
                        tag: NGF.version,
                        pullPolicy: "IfNotPresent",
                    },
                    resources: NGINX_RESOURCES,
                    // The ALB health-checks this endpoint through its own node port (edge tier target group).
                    readinessProbe: { port: READINESS.port, path: READINESS.path, expose: true },
                },
                pod: {
                    terminationGracePeriodSeconds: 60,
                    topologySpreadConstraints: [
                        spread("topology.kubernetes.io/zone"),
                        spread("kubernetes.io/hostname"),
                    ],
                },
            },
            service: {
                // K8S-24 / ING-02: the only externally reachable Service, on fixed node ports the ALB targets.
                type: "NodePort",
                // Only nodes running an NGINX pod pass the health check, and the source address (the ALB) survives to
                // the pod, so the NetworkPolicy can admit the ALB subnets alone.
                externalTrafficPolicy: "Local",
                nodePorts: [
                    { port: args.nodePort, listenerPort: HTTPS_PORT },
                    { port: healthNodePortOf(args.nodePort), listenerPort: READINESS.port },
                ],
            },
        },
    };
}

type Declare = (name: string, o: KubeObject, opts: pulumi.CustomResourceOptions) => pulumi.CustomResource;
/** Typed resources for every kind the vendored manifests contain; a new kind upstream fails loudly here. */
const TYPED: Record<string, Declare> = {
    "apiextensions.k8s.io/v1/CustomResourceDefinition": (n, o, opts) =>
        new k8s.apiextensions.v1.CustomResourceDefinition(n, o as any, opts),
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy": (n, o, opts) =>
        new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(n, o as any, opts),
    "admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding": (n, o, opts) =>
        new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(n, o as any, opts),
    "v1/ServiceAccount": (n, o, opts) => new k8s.core.v1.ServiceAccount(n, o as any, opts),
    "v1/Service": (n, o, opts) => new k8s.core.v1.Service(n, o as any, opts),
    "rbac.authorization.k8s.io/v1/Role": (n, o, opts) => new k8s.rbac.v1.Role(n, o as any, opts),
    "rbac.authorization.k8s.io/v1/ClusterRole": (n, o, opts) => new k8s.rbac.v1.ClusterRole(n, o as any, opts),
    "rbac.authorization.k8s.io/v1/RoleBinding": (n, o, opts) => new k8s.rbac.v1.RoleBinding(n, o as any, opts),
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding": (n, o, opts) =>
        new k8s.rbac.v1.ClusterRoleBinding(n, o as any, opts),
    "apps/v1/Deployment": (n, o, opts) => new k8s.apps.v1.Deployment(n, o as any, opts),
    "batch/v1/Job": (n, o, opts) => new k8s.batch.v1.Job(n, o as any, opts),
};
/** Custom resources of the CRDs declared here. */
const CUSTOM_GROUPS = ["gateway.networking.k8s.io/", "gateway.nginx.org/"];

function declare(prefix: string, o: KubeObject, opts: pulumi.CustomResourceOptions): pulumi.CustomResource {
    const name = `${prefix}-${o.kind.toLowerCase()}-${o.metadata.name}`;
    const typed = TYPED[`${o.apiVersion}/${o.kind}`];
    if (typed) return typed(name, o, opts);
    if (CUSTOM_GROUPS.some((g) => o.apiVersion.startsWith(g))) {
        const { apiVersion, kind, metadata, ...rest } = o;
        return new k8s.apiextensions.CustomResource(name, { apiVersion, kind, metadata, ...rest }, opts);
    }
    throw new Error(`vendored ${o.apiVersion} ${o.kind} ${o.metadata.name} has no typed declaration: add it to TYPED`);
}

/**
 * NGINX Gateway Fabric in its own guarded platform namespace, every object declared from the checksummed
 * vendored release, behind the edge tier's ALB: ALB (HTTPS, ACM) → HTTPS node port → NGINX (Gateway listener,
 * in-cluster certificate) → the team's Service. Teams attach HTTPRoutes from their own namespace only.
 */
export class IngressController extends pulumi.ComponentResource {
    public readonly namespace: string = INGRESS_NAMESPACE;
    /** Where a team's HTTPRoute names its parent: the Gateway, and the listener section per hostname. */
    public readonly gateway = { name: GATEWAY_NAME, namespace: INGRESS_NAMESPACE };

    constructor(name: string, args: IngressControllerArgs, opts?: pulumi.ComponentResourceOptions) {
        super("platform:ingress:IngressController", name, registrable(args), opts);
        const teamHosts = args.teamHosts ?? {};
        const nodePort = args.nodePort ?? DEFAULT_NODE_PORT;
        const replicas = args.replicas ?? 2;
        if (!Number.isInteger(nodePort) || nodePort < 30000 || healthNodePortOf(nodePort) > 32767) {
            throw new Error(
                `ingress nodePort ${nodePort} is invalid: it and the health node port after it must lie in 30000-32767`,
            );
        }
        const k8sOpts = { parent: this, provider: args.provider };
        const labels = args.labels ?? {};

        // STK-05 guardrails, PSS restricted: every NGF container runs non-root, drops ALL, read-only root, RuntimeDefault
        // seccomp, and NGINX binds 443 through the safe sysctl net.ipv4.ip_unprivileged_port_start (provisioner/objects.go).
        const slots = 2 * (replicas + 2) + 1; // data plane + control plane, each with a rolling surge, plus the cert Job
        const { namespace } = namespaceGuardrails(name, {
            name: INGRESS_NAMESPACE,
            labels,
            namespaceLabels: { "platform/namespace-kind": "platform" },
            quota: {
                name: "platform-quota",
                hard: {
                    "requests.cpu": `${slots * 200}m`,
                    "requests.memory": `${slots * 256}Mi`,
                    "limits.cpu": `${slots}`,
                    "limits.memory": `${slots * 512}Mi`,
                    pods: `${slots + 2}`,
                    "services.loadbalancers": "0", // ING-02: the ALB is the only way in
                    "services.nodeports": "1",
                },
            },
            limits: {
                name: "platform-defaults",
                default: { cpu: "500m", memory: "256Mi" },
                defaultRequest: { cpu: "50m", memory: "64Mi" },
            },
            opts: k8sOpts,
        });
        const inNs = { ...k8sOpts, dependsOn: [namespace] };

        this.networkPolicies(name, args, Object.keys(teamHosts), inNs);

        // ---- the vendored release: the CRDs (cluster-scoped, before anything that uses them), then the controller.
        const crds = crdObjects().map((o) => declare(name, o, k8sOpts));
        const declared = ngfObjects({ registry: args.registry, replicas, nodePort, vpcCidr: args.vpcCidr }).map((o) =>
            declare(name, o, { ...k8sOpts, dependsOn: [namespace, ...crds, ...(args.dependsOn ?? [])] }),
        );

        // ---- the ALB → NGINX hop's certificate. The ALB does not validate target certificates (ELB user guide,
        // "Target groups for your Application Load Balancers": "you can use self-signed certificates"), so a
        // self-signed key kept as a Pulumi secret is enough; it renews on the `up` after earlyRenewalHours.
        const key = new tls.PrivateKey(
            `${name}-listener`,
            { algorithm: "ECDSA", ecdsaCurve: "P256" },
            { parent: this },
        );
        const cert = new tls.SelfSignedCert(
            `${name}-listener`,
            {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: `${GATEWAY_NAME}.${INGRESS_NAMESPACE}.gateway` },
                dnsNames: Object.values(teamHosts).flat(),
                validityPeriodHours: 24 * 365,
                earlyRenewalHours: 24 * 30,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            },
            { parent: this },
        );
        const secret = new k8s.core.v1.Secret(
            `${name}-listener-tls`,
            {
                metadata: { name: "gateway-listener-tls", namespace: INGRESS_NAMESPACE, labels },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": cert.certPem, "tls.key": key.privateKeyPem },
            },
            inNs,
        );

        new k8s.apiextensions.CustomResource(
            `${name}-gateway`,
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "Gateway",
                metadata: { name: GATEWAY_NAME, namespace: INGRESS_NAMESPACE, labels },
                spec: gatewaySpec(teamHosts),
            },
            { ...inNs, dependsOn: [namespace, secret, ...declared] },
        );
        this.registerOutputs({ namespace: this.namespace });
    }

    /**
     * Default deny (from the guardrails), then only: the ALB subnets to NGINX on 443 and its readiness port; NGINX to
     * the control plane's agent port and to the team namespaces; both to DNS; the control plane to the API server.
     */
    private networkPolicies(
        name: string,
        args: IngressControllerArgs,
        teams: string[],
        opts: pulumi.CustomResourceOptions,
    ): void {
        const policy = (key: string, spec: k8s.types.input.networking.v1.NetworkPolicySpec) =>
            new k8s.networking.v1.NetworkPolicy(
                `${name}-${key}`,
                { metadata: { name: key, namespace: INGRESS_NAMESPACE, labels: args.labels }, spec },
                opts,
            );
        const tcp = (port: number) => ({ protocol: "TCP", port });
        const cidrs = (list: string[]) => list.map((cidr) => ({ ipBlock: { cidr } }));
        const dataPlane = { matchLabels: { "gateway.networking.k8s.io/gateway-name": GATEWAY_NAME } };
        const controlPlane = {
            matchLabels: { "app.kubernetes.io/name": "nginx-gateway", "app.kubernetes.io/instance": "nginx-gateway" },
        };

        policy("allow-dns", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [{ protocol: "UDP", port: 53 }, tcp(53)],
                },
            ],
        });
        policy("allow-alb-to-data-plane", {
            podSelector: dataPlane,
            policyTypes: ["Ingress"],
            ingress: [
                { from: cidrs(args.albSubnetCidrs), ports: [tcp(HTTPS_PORT), tcp(READINESS.port)] },
                // kubelet readiness probes come from the node's own address
                ...(args.nodeSubnetCidrs?.length
                    ? [{ from: cidrs(args.nodeSubnetCidrs), ports: [tcp(READINESS.port)] }]
                    : []),
            ],
        });
        policy("allow-data-plane-egress", {
            podSelector: dataPlane,
            policyTypes: ["Egress"],
            egress: [
                { to: [{ podSelector: controlPlane }], ports: [tcp(AGENT_GRPC_PORT)] },
                // Any port: the namespace tier does not know app ports; the team namespace's own policy admits NGINX only to opted-in pods.
                ...(teams.length > 0
                    ? [
                          {
                              to: teams.map((team) => ({
                                  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: team } },
                              })),
                          },
                      ]
                    : []),
            ],
        });
        policy("allow-control-plane", {
            podSelector: controlPlane,
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                { from: [{ podSelector: dataPlane }], ports: [tcp(AGENT_GRPC_PORT)] },
                ...(args.nodeSubnetCidrs?.length ? [{ from: cidrs(args.nodeSubnetCidrs), ports: [tcp(8081)] }] : []),
            ],
            egress: [{ to: cidrs(args.apiServerCidrs), ports: [tcp(443)] }],
        });
        // The cert-generator Job writes its Secrets through the API server.
        policy("allow-cert-job", {
            podSelector: { matchLabels: { "job-name": "nginx-gateway-cert-generator" } },
            policyTypes: ["Egress"],
            egress: [{ to: cidrs(args.apiServerCidrs), ports: [tcp(443)] }],
        });
    }
}

/**
 * The Gateway: HTTPS listeners only (ING-03). A catch-all listener holds the certificate for the ALB's SNI-less
 * connections and admits routes from no other namespace (NGF uses the catch-all listener's certificate for its
 * default TLS server: internal/controller/state/dataplane/configuration.go); one listener per team hostname admits
 * routes only from that team's namespace, selected by the API-server-set `kubernetes.io/metadata.name` label (ING-04).
 */
export function gatewaySpec(teamHosts: Record<string, string[]>) {
    const tlsSpec = { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "gateway-listener-tls" }] };
    const listeners = [
        {
            name: "https",
            protocol: "HTTPS",
            port: HTTPS_PORT,
            tls: tlsSpec,
            allowedRoutes: { namespaces: { from: "Same" }, kinds: [{ kind: "HTTPRoute" }] },
        },
        ...Object.entries(teamHosts).flatMap(([team, hosts]) =>
            hosts.map((hostname, i) => ({
                name: listenerName(team, i),
                hostname,
                protocol: "HTTPS",
                port: HTTPS_PORT,
                tls: tlsSpec,
                allowedRoutes: {
                    namespaces: { from: "Selector", selector: { matchLabels: { [NAMESPACE_NAME_LABEL]: team } } },
                    kinds: [{ kind: "HTTPRoute" }],
                },
            })),
        ),
    ];
    return { gatewayClassName: GATEWAY_CLASS, listeners };
}
