import { schemaOf } from "./lib/config";
import { Policy, Props, resourcePolicy, stackPolicy, each } from "./lib/builders";
import { Reads, SKIP, get } from "./lib/read";
import { asArray, quote } from "./lib/values";
import { kubernetesConfig } from "./kubernetes/shared";
import { TYPES } from "../lib/contract";

/**
 * Ingress controller and Gateway API rows (K8S-33 … K8S-37, policy/README.md). The platform runs NGINX Gateway
 * Fabric: its data plane (NGINX Deployment and Service) is created at runtime from the NginxProxy and the Gateway,
 * so those two objects are what these rows judge; ingress-nginx objects are covered too, for stacks still on it.
 */

/** Both served versions of NginxProxy (v1alpha1 is deprecated upstream but still served). */
export const NGINX_PROXY: readonly string[] = [TYPES.nginxProxy, TYPES.nginxProxyV1alpha1];
export const SNIPPETS: readonly string[] = [TYPES.nginxSnippetsFilter, TYPES.nginxSnippetsPolicy];
const WORKLOADS: readonly string[] = [TYPES.k8sDeployment, TYPES.k8sDaemonSet, TYPES.k8sStatefulSet];

/** The label the API server sets on every namespace from its name: the only selector a team cannot satisfy for another namespace. */
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** Controller flags that let route owners inject raw NGINX config (NGF cmd/gateway/commands.go; ingress-nginx). */
const INJECTION_FLAGS = /^--(snippets|snippets-filters|enable-snippets|allow-snippet-annotations)(=(true|1))?$/;
/** ingress-nginx annotations that splice raw NGINX config into the shared nginx.conf (CVE-2021-25742, CVE-2025-1974 class). */
const SNIPPET_ANNOTATION = /^nginx\.ingress\.kubernetes\.io\/.*snippet$/;
/** ingress-nginx ConfigMap keys that enable or contain raw config. */
const SNIPPET_CONFIG_KEYS = [
    "allow-snippet-annotations",
    "main-snippet",
    "http-snippet",
    "server-snippet",
    "location-snippet",
    "stream-snippet",
];

/** `true` when a value sets a flag on: the string "true"/"1" or boolean true. */
const on = (v: unknown) => v === true || v === "true" || v === "1";

function workloadContainers(props: Props, reads: Reads): { at: string; c: any }[] {
    const spec = reads.read(props, "spec.template.spec");
    if (spec === SKIP || !spec) return [];
    return ["containers", "initContainers"].flatMap((field) => {
        const list = reads.read(spec, field, `spec.template.spec`);
        return list === SKIP
            ? []
            : asArray(list).map((c: any, i: number) => ({ at: `spec.template.spec.${field}[${i}]`, c }));
    });
}

const noConfigInjection = resourcePolicy({
    name: "ingress-no-config-injection",
    description:
        "K8S-33: the ingress controller accepts no raw NGINX configuration from route owners: no snippets flag or snippet objects, no NginxProxy patches or debug, no ingress-nginx snippet annotations or ConfigMap keys (CVE-2021-25742, CVE-2025-1974 class).",
    controls: ["K8S-33"],
    enforcementLevel: "mandatory",
    types: [
        ...WORKLOADS,
        ...SNIPPETS,
        ...NGINX_PROXY,
        TYPES.k8sIngress,
        TYPES.k8sConfigMap,
        TYPES.helmChartV4,
        TYPES.helmReleaseV3,
    ],
    validate: (a, report) => {
        const r = a.reads;
        if (SNIPPETS.includes(a.type)) {
            report(
                `${a.type.split(":")[2]} injects raw NGINX configuration: remove it and use a typed HTTPRoute filter or NGF policy instead.`,
            );
        } else if (WORKLOADS.includes(a.type)) {
            for (const { at, c } of workloadContainers(a.props, r)) {
                const args = r.read(c, "args", at);
                if (args === SKIP) continue;
                for (const arg of asArray(args))
                    if (typeof arg === "string" && INJECTION_FLAGS.test(arg))
                        report(
                            `${at}.args has ${quote(arg)}: remove it; route owners must not inject NGINX configuration.`,
                        );
            }
        } else if (NGINX_PROXY.includes(a.type)) {
            for (const kind of ["deployment", "daemonSet", "service"]) {
                const patches = r.read(a.props, `spec.kubernetes.${kind}.patches`);
                if (patches !== SKIP && asArray(patches).length > 0)
                    report(
                        `spec.kubernetes.${kind}.patches rewrites the provisioned ${kind} outside the typed fields: remove the patches and use the NginxProxy fields.`,
                    );
            }
            for (const kind of ["deployment", "daemonSet"]) {
                const debug = r.read(a.props, `spec.kubernetes.${kind}.container.debug`);
                if (debug !== SKIP && on(debug))
                    report(
                        `spec.kubernetes.${kind}.container.debug runs the NGINX agent in debug mode: remove it outside a lab.`,
                    );
            }
        } else if (a.type === TYPES.k8sIngress) {
            const annotations = r.read(a.props, "metadata.annotations");
            if (annotations !== SKIP && annotations) {
                for (const key of Object.keys(annotations))
                    if (SNIPPET_ANNOTATION.test(key))
                        report(
                            `annotation ${quote(key)} injects raw NGINX configuration: remove it (docs/ingress.md lists the typed replacements).`,
                        );
            }
        } else if (a.type === TYPES.k8sConfigMap) {
            const data = r.read(a.props, "data");
            if (data === SKIP || !data) return;
            for (const key of SNIPPET_CONFIG_KEYS) {
                const v = data[key];
                if (v === undefined || r.is(v, `data["${key}"]`)) continue;
                if (key === "allow-snippet-annotations" ? on(v) : String(v).trim() !== "")
                    report(`data[${quote(key)}] lets raw NGINX configuration into the controller: remove it.`);
            }
        } else {
            const values = r.read(a.props, "values");
            if (values === SKIP || !values) return;
            for (const path of [
                "controller.allowSnippetAnnotations",
                "controller.config.allow-snippet-annotations",
                "nginxGateway.snippets.enable",
                "nginxGateway.snippetsFilters.enable",
            ]) {
                const v = get(values, path);
                if (r.is(v, `values.${path}`)) continue;
                if (on(v)) report(`values.${path} turns on raw NGINX configuration: set it to false.`);
            }
        }
    },
});

const dataPlaneNodePortOnly = resourcePolicy({
    name: "ingress-data-plane-node-port-only",
    description:
        "K8S-34: the ingress data plane is reachable only through the ALB: its Service is NodePort (NGF's default is LoadBalancer), on the declared node ports only, with no load-balancer settings.",
    controls: ["K8S-34"],
    enforcementLevel: "mandatory",
    types: NGINX_PROXY,
    configSchema: schemaOf([], {
        ingressNodePorts: {
            type: "array",
            items: { type: "integer", minimum: 30000, maximum: 32767 },
            uniqueItems: true,
            description:
                "Node ports the ingress data plane may use (K8S-34): the ALB target group's traffic and health ports. Empty: any port in the NodePort range.",
            default: [],
        },
    }),
    validate: (a, report) => {
        const r = a.reads;
        const svc = "spec.kubernetes.service";
        const type = r.read(a.props, `${svc}.type`);
        if (type !== SKIP && type !== "NodePort" && type !== "ClusterIP") {
            report(
                `${svc}.type is ${type === undefined ? "unset (NGF then provisions a LoadBalancer)" : quote(type)}: set it to "NodePort" so traffic enters only through the ALB.`,
            );
        }
        for (const field of ["loadBalancerIP", "loadBalancerClass", "loadBalancerSourceRanges"]) {
            const v = r.read(a.props, `${svc}.${field}`);
            if (v !== SKIP && v !== undefined && !(Array.isArray(v) && v.length === 0))
                report(`${svc}.${field} configures a cloud load balancer: remove it; the ALB is the only entry.`);
        }
        const allowed: number[] = (a.config as any).ingressNodePorts ?? [];
        const ports = r.read(a.props, `${svc}.nodePorts`);
        if (ports !== SKIP && allowed.length > 0) {
            asArray(ports).forEach((p: any, i: number) => {
                const port = r.read(p, "port", `${svc}.nodePorts[${i}]`);
                if (port !== SKIP && !allowed.includes(Number(port)))
                    report(
                        `${svc}.nodePorts[${i}].port ${port} is not one of the declared ingress node ports (${allowed.join(", ")}).`,
                    );
            });
        }
    },
});

const dataPlaneNoHostAccess = resourcePolicy({
    name: "ingress-data-plane-no-host-access",
    description:
        "K8S-35: the ingress data plane binds no host ports and mounts no host paths (PSS-baseline Host Ports / HostPath; the rendered pods are not Pulumi resources, so the NginxProxy is checked).",
    controls: ["K8S-35"],
    enforcementLevel: "mandatory",
    types: NGINX_PROXY,
    validate: (a, report) => {
        const r = a.reads;
        for (const kind of ["deployment", "daemonSet"]) {
            const base = `spec.kubernetes.${kind}`;
            const hostPorts = r.read(a.props, `${base}.container.hostPorts`);
            if (hostPorts !== SKIP && asArray(hostPorts).length > 0)
                report(
                    `${base}.container.hostPorts binds NGINX to the node's ports, around the ALB and the NetworkPolicy: remove it.`,
                );
            const volumes = r.read(a.props, `${base}.pod.volumes`);
            if (volumes === SKIP) continue;
            asArray(volumes).forEach((v: any, i: number) => {
                const hostPath = r.read(v, "hostPath", `${base}.pod.volumes[${i}]`);
                if (hostPath !== SKIP && hostPath)
                    report(`${base}.pod.volumes[${i}] mounts a hostPath: use an emptyDir, ConfigMap or Secret volume.`);
            });
        }
        const daemonSet = r.read(a.props, "spec.kubernetes.daemonSet");
        if (daemonSet !== SKIP && daemonSet)
            report("spec.kubernetes.daemonSet runs NGINX on every node: use spec.kubernetes.deployment with replicas.");
    },
});

const httpsListenersOnly = resourcePolicy({
    name: "gateway-https-listeners-only",
    description:
        "K8S-36: Gateway listeners are HTTPS only and terminate TLS with a certificate on every listener, so every host is served over TLS (ELB.1 equivalent for the ALB → Gateway hop).",
    controls: ["K8S-36"],
    enforcementLevel: "mandatory",
    types: [TYPES.gateway],
    validate: (a, report) => {
        const r = a.reads;
        const listeners = r.read(a.props, "spec.listeners");
        if (listeners === SKIP) return;
        asArray(listeners).forEach((l: any, i: number) => {
            const at = `spec.listeners[${i}]`;
            const name = r.read(l, "name", at);
            const label = name === SKIP ? at : `listener ${quote(name)}`;
            const protocol = r.read(l, "protocol", at);
            if (protocol !== SKIP && protocol !== "HTTPS")
                report(`${label} uses protocol ${quote(protocol)}: serve HTTPS only (the ALB redirects plain HTTP).`);
            if (protocol !== "HTTPS") return;
            const mode = r.read(l, "tls.mode", at);
            const refs = r.read(l, "tls.certificateRefs", at);
            if (mode !== SKIP && mode !== undefined && mode !== "Terminate")
                report(`${label} sets tls.mode ${quote(mode)}: use Terminate.`);
            if (refs !== SKIP && asArray(refs).length === 0)
                report(`${label} has no tls.certificateRefs: reference the listener certificate Secret.`);
        });
    },
});

/** A route selector a team cannot satisfy for a namespace it does not own: exactly `kubernetes.io/metadata.name`. */
function namesNamespaces(selector: any, r: Reads, at: string): boolean | typeof SKIP {
    const labels = r.read(selector, "matchLabels", at);
    const expressions = r.read(selector, "matchExpressions", at);
    if (labels === SKIP || expressions === SKIP) return SKIP;
    const byLabel = labels && typeof labels[NAMESPACE_NAME_LABEL] === "string";
    const byExpr = asArray(expressions).some(
        (e: any) => e?.key === NAMESPACE_NAME_LABEL && e?.operator === "In" && asArray(e?.values).length > 0,
    );
    return Boolean(byLabel || byExpr);
}

const routesFromAllowedNamespaces = resourcePolicy({
    name: "gateway-routes-from-allowed-namespaces",
    description:
        "K8S-37: a Gateway admits routes only from named namespaces: allowedRoutes is Same or a Selector on kubernetes.io/metadata.name, never All; and no platform namespace hosts a team's HTTPRoute.",
    controls: ["K8S-37"],
    enforcementLevel: "mandatory",
    types: [TYPES.gateway, TYPES.httpRoute],
    configSchema: schemaOf(["platformNamespaces"], {
        ingressControllerNamespaces: kubernetesConfig.ingressControllerNamespaces,
    }),
    validate: (a, report) => {
        const r = a.reads;
        if (a.type === TYPES.httpRoute) {
            const ns = r.read(a.props, "metadata.namespace");
            const platform = [...a.config.platformNamespaces, ...a.config.ingressControllerNamespaces].filter(
                (n) => n !== undefined,
            );
            if (ns !== SKIP && (ns === undefined || ns === "" || ns === "default" || platform.includes(String(ns)))) {
                report(
                    `this HTTPRoute lives in ${quote(ns ?? "default")}: put it in the owning team's namespace, where the team's listener admits it.`,
                );
            }
            return;
        }
        const listeners = r.read(a.props, "spec.listeners");
        if (listeners === SKIP) return;
        asArray(listeners).forEach((l: any, i: number) => {
            const at = `spec.listeners[${i}].allowedRoutes.namespaces`;
            const from = r.read(l, "allowedRoutes.namespaces.from", `spec.listeners[${i}]`);
            if (from === SKIP) return;
            if (from === "All")
                report(
                    `spec.listeners[${i}] admits routes from every namespace: use from: Selector on ${NAMESPACE_NAME_LABEL} (or Same).`,
                );
            else if (from === "Selector") {
                const selector = r.read(l, "allowedRoutes.namespaces.selector", `spec.listeners[${i}]`);
                if (selector === SKIP) return;
                const ok = selector ? namesNamespaces(selector, r, `${at}.selector`) : false;
                if (ok === false)
                    report(
                        `${at}.selector must select namespaces by ${NAMESPACE_NAME_LABEL} (a label a team cannot set on another namespace).`,
                    );
            }
        });
    },
});

const oneDataPlaneEntry = stackPolicy({
    name: "ingress-single-node-port-entry",
    description:
        "K8S-34: at most one externally reachable ingress entry per stack: one NodePort data plane (NginxProxy or NodePort Service), and no LoadBalancer Service in the ingress controller namespace.",
    controls: ["K8S-34"],
    enforcementLevel: "mandatory",
    configSchema: schemaOf([], { ingressControllerNamespaces: kubernetesConfig.ingressControllerNamespaces }),
    validate: (a, report) => {
        const entries: string[] = [];
        for (const res of a.resources) {
            if (NGINX_PROXY.includes(res.type)) {
                each(res, report, (props, reads) => {
                    const type = reads.read(props, "spec.kubernetes.service.type");
                    if (type === "NodePort") entries.push(res.urn);
                });
            } else if (res.type === TYPES.k8sService) {
                each(res, report, (props, reads) => {
                    const type = reads.read(props, "spec.type");
                    const ns = reads.read(props, "metadata.namespace");
                    if (type === "NodePort") entries.push(res.urn);
                    if (
                        type === "LoadBalancer" &&
                        ns !== SKIP &&
                        a.config.ingressControllerNamespaces.includes(String(ns))
                    ) {
                        report(
                            "a LoadBalancer Service in the ingress controller namespace bypasses the ALB and its WAF: remove it.",
                            res.urn,
                        );
                    }
                });
            }
        }
        if (entries.length > 1)
            for (const urn of entries.slice(1))
                report(
                    `a second NodePort entry into the cluster (the first is ${entries[0]}): keep one, the ALB target group's.`,
                    urn,
                );
    },
});

export const policies: Policy[] = [
    noConfigInjection,
    dataPlaneNodePortOnly,
    dataPlaneNoHostAccess,
    httpsListenersOnly,
    routesFromAllowedNamespaces,
    oneDataPlaneEntry,
];
