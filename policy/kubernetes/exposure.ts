import { Ingress } from "../lib/classes";
import { schemaOf } from "../lib/config";
import { Policy, resourcePolicy, resourcePolicyOf } from "../lib/builders";
import { get, SKIP } from "../lib/read";
import { absent, asArray, present, quote } from "../lib/values";
import { annotation, hostCovered, ingressClass, objectsOf, pathIn, withVariants } from "../lib/k8s";
import { TYPES } from "../../lib/contract";
import { kubernetesConfig } from "./shared";

/** Catalogue K8S-21 … K8S-24: ingress TLS, redirects, WAF and Service exposure. */

// ---------------------------------------------------------------------------------------------
// K8S-21 … K8S-24: ingress and exposure.
// ---------------------------------------------------------------------------------------------

const ALB = "alb";
const NGINX = "nginx";

const ingressTls = resourcePolicyOf({
    name: "k8s-ingress-tls-required",
    description: "K8S-21: ingresses terminate TLS for every host they route (ELB.1 equivalent; CIS-EKS 5.4.5).",
    controls: ["K8S-21"],
    enforcementLevel: "mandatory",
    of: Ingress,
    validate: (a, report) => {
        const u = a.reads;
        const cls = ingressClass(a.props);
        const tls = get(a.props, "spec.tls");
        if (u.is(cls, "spec.ingressClassName") || u.is(tls, "spec.tls")) return;
        const entries = asArray(tls);
        const tlsHosts = entries.flatMap((e: any, i: number) =>
            u.is(e?.hosts, `spec.tls[${i}].hosts`)
                ? []
                : asArray(e?.hosts)
                      .filter((h) => !u.is(h, `spec.tls[${i}].hosts`))
                      .map(String),
        );
        if (cls === ALB) {
            const cert = annotation(a.props, "alb.ingress.kubernetes.io/certificate-arn");
            if (u.is(cert, "metadata.annotations")) return;
            if (absent(cert) && tlsHosts.length === 0) {
                report(
                    "this ALB ingress has no certificate: set the alb.ingress.kubernetes.io/certificate-arn annotation or spec.tls hosts for ACM discovery.",
                );
            }
            return;
        }
        if (entries.length === 0) {
            report("spec.tls is empty: add a spec.tls entry (hosts and secretName) for every host.");
            return;
        }
        const rules = get(a.props, "spec.rules");
        if (!u.is(rules, "spec.rules")) {
            asArray(rules).forEach((r: any, i: number) => {
                const host = r?.host;
                if (u.is(host, `spec.rules[${i}].host`) || typeof host !== "string" || absent(host)) return;
                if (!hostCovered(host, tlsHosts))
                    report(`host ${quote(host)} is not covered by spec.tls: add it to a spec.tls[].hosts list.`);
            });
        }
        if (cls === NGINX) {
            entries.forEach((e: any, i: number) => {
                if (u.is(e?.secretName, `spec.tls[${i}].secretName`)) return;
                if (!e?.secretName)
                    report(`spec.tls[${i}] has no secretName: name the TLS Secret ingress-nginx should serve.`);
            });
        }
    },
});

const listensOnHttps443 = (raw: unknown): boolean => {
    if (typeof raw !== "string") return false;
    try {
        const ports = JSON.parse(raw);
        return Array.isArray(ports) && ports.some((p) => p && typeof p === "object" && Number(p.HTTPS) === 443);
    } catch {
        return false;
    }
};

const ingressSslRedirect = resourcePolicyOf({
    name: "k8s-ingress-ssl-redirect",
    description:
        "K8S-22: ingresses have a known class and redirect HTTP to HTTPS (ingress-nginx ssl-redirect; ALB ssl-redirect 443 with an approved TLS policy) (ELB.1 equivalent; NSA).",
    controls: ["K8S-22"],
    enforcementLevel: "mandatory",
    of: Ingress,
    configSchema: schemaOf(["allowedTlsPolicies"]),
    validate: (a, report) => {
        const u = a.reads;
        const cls = ingressClass(a.props);
        if (u.is(cls, "spec.ingressClassName")) return;
        /** Calls `fail` with the annotation's value unless it is a preview unknown. */
        const check = (key: string, fail: (v: unknown) => boolean, message: string) => {
            const v = annotation(a.props, key);
            if (!u.is(v, `metadata.annotations["${key}"]`) && fail(v)) report(message);
        };
        if (cls === NGINX) {
            check(
                "nginx.ingress.kubernetes.io/ssl-redirect",
                (v) => v !== "true",
                'set annotation nginx.ingress.kubernetes.io/ssl-redirect: "true" so plain HTTP is redirected to HTTPS.',
            );
            check(
                "nginx.ingress.kubernetes.io/force-ssl-redirect",
                (v) => present(v) && v !== "true",
                'nginx.ingress.kubernetes.io/force-ssl-redirect must be "true" when set: fix it or remove it.',
            );
        } else if (cls === ALB) {
            const allowed: string[] = a.config.allowedTlsPolicies;
            check(
                "alb.ingress.kubernetes.io/ssl-redirect",
                (v) => v !== "443",
                'set annotation alb.ingress.kubernetes.io/ssl-redirect: "443".',
            );
            check(
                "alb.ingress.kubernetes.io/listen-ports",
                (v) => !listensOnHttps443(v),
                'set annotation alb.ingress.kubernetes.io/listen-ports to include {"HTTPS": 443}.',
            );
            check(
                "alb.ingress.kubernetes.io/ssl-policy",
                (v) => !allowed.includes(String(v)),
                `set annotation alb.ingress.kubernetes.io/ssl-policy to one of ${allowed.join(", ")}.`,
            );
        } else if (absent(cls)) {
            report('the ingress has no class: set spec.ingressClassName to "nginx" (or "alb").');
        } else {
            report(`ingress class ${quote(cls)} is not one the platform can verify: use "nginx" (or "alb").`);
        }
    },
});

const publicIngressWaf = resourcePolicyOf({
    name: "k8s-public-ingress-has-waf",
    description: "K8S-23: internet-facing ALB ingresses are protected by a WAFv2 web ACL (ELB.16).",
    controls: ["K8S-23"],
    enforcementLevel: "mandatory",
    of: Ingress,
    validate: (a, report) => {
        const u = a.reads;
        const cls = ingressClass(a.props);
        const scheme = annotation(a.props, "alb.ingress.kubernetes.io/scheme");
        const waf = annotation(a.props, "alb.ingress.kubernetes.io/wafv2-acl-arn");
        if (
            u.is(cls, "spec.ingressClassName") ||
            u.is(scheme, "metadata.annotations") ||
            cls !== ALB ||
            scheme !== "internet-facing"
        )
            return;
        if (u.is(waf, "metadata.annotations")) return;
        if (!waf)
            report(
                "this internet-facing ALB ingress has no web ACL: set annotation alb.ingress.kubernetes.io/wafv2-acl-arn.",
            );
    },
});

const serviceNotExposed = resourcePolicy({
    name: "k8s-service-not-externally-exposed",
    description:
        "K8S-24: services are not exposed on node ports, externalIPs or public load balancers; public traffic enters only through the ALB and the ingress controller, whose namespace may use NodePort. Service, ServicePatch and ServiceList alike (NSA network separation; EC2 exposure).",
    controls: ["K8S-24"],
    enforcementLevel: "mandatory",
    types: withVariants(TYPES.k8sService),
    configSchema: schemaOf([], { ingressControllerNamespaces: kubernetesConfig.ingressControllerNamespaces }),
    validate: (a, report) => {
        const u = a.reads;
        for (const obj of objectsOf(a.type, a.props, u)) {
            const at = (path: string) => pathIn(obj.at, path);
            const who = obj.at === "" ? "" : `${obj.at}: `;
            // externalIPs make every node accept traffic for those addresses (and let a Service owner intercept
            // them cluster-wide, CVE-2020-8554), whatever the Service type.
            const externalIPs = u.read(obj.props, "spec.externalIPs", obj.at);
            if (externalIPs !== SKIP && !absent(externalIPs))
                report(
                    `${at("spec.externalIPs")} ${asArray(externalIPs).join(", ")} exposes the Service on node addresses: remove externalIPs and route through the Gateway.`,
                );
            const type = get(obj.props, "spec.type");
            if (u.is(type, at("spec.type"))) continue;
            if (type === "NodePort") {
                const ns = get(obj.props, "metadata.namespace");
                if (u.is(ns, at("metadata.namespace"))) continue;
                const allowed: string[] = a.config.ingressControllerNamespaces;
                if (!allowed.includes(String(ns))) {
                    report(
                        `${who}NodePort Services are allowed only in the ingress controller namespace (${allowed.join(", ")}): use type ClusterIP and route through the Ingress.`,
                    );
                }
            } else if (type === "LoadBalancer") {
                // A server-side-apply patch that sets no annotations keeps the live ones: judge only what it sets.
                if (obj.patch && get(obj.props, "metadata.annotations") === undefined) continue;
                const scheme = annotation(obj.props, "service.beta.kubernetes.io/aws-load-balancer-scheme");
                const legacy = annotation(obj.props, "service.beta.kubernetes.io/aws-load-balancer-internal");
                if (u.is(scheme, at("metadata.annotations")) || u.is(legacy, at("metadata.annotations"))) continue;
                if (scheme !== "internal" && legacy !== "true") {
                    report(
                        `${who}this LoadBalancer Service would be internet-facing: use ClusterIP behind the Ingress, or annotate service.beta.kubernetes.io/aws-load-balancer-scheme: "internal".`,
                    );
                }
            }
        }
    },
});

export const policies: Policy[] = [ingressTls, ingressSslRedirect, publicIngressWaf, serviceNotExposed];
