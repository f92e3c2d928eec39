import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-admission/). */
export type PodSecurityLevel = "privileged" | "baseline" | "restricted";

export interface NamespaceGuardrailsArgs {
    /** The namespace's name. Required. */
    name: string;
    /** Labels on the namespace and on every guardrail object in it. Default is none. */
    labels?: Record<string, string>;
    /** Extra labels on the namespace only (e.g. `platform/namespace-kind`). Default is none. */
    namespaceLabels?: Record<string, string>;
    /**
     * Pod Security Admission (K8S-15). `enforce` rejects pods; `audit` and `warn` report.
     * Default is `restricted` for all three; `audit`/`warn` default to `restricted` whatever `enforce` is,
     * so a relaxed namespace still reports every pod that would fail the strict profile.
     */
    podSecurity?: { enforce?: PodSecurityLevel; audit?: PodSecurityLevel; warn?: PodSecurityLevel };
    /** The ResourceQuota (STK-05): its object name and `spec.hard`. Required. */
    quota: { name: string; hard: Record<string, string> };
    /** The Container LimitRange (STK-05) that gives pods without resources the defaults the quota needs. Required. */
    limits: { name: string; default: Record<string, string>; defaultRequest: Record<string, string> };
    /** Patch the namespace's `default` ServiceAccount to mount no API token (K8S-12). Default is `true`. */
    lockDefaultServiceAccount?: boolean;
    /** Kubernetes provider and parent of every object. Required. */
    opts: pulumi.CustomResourceOptions;
}

export interface NamespaceGuardrails {
    namespace: k8s.core.v1.Namespace;
    /** The namespace name as an Output: objects built from it wait for the namespace. */
    name: pulumi.Output<string>;
    /** Metadata for an object in this namespace carrying the guardrail labels. */
    meta: (objectName: string) => k8s.types.input.meta.v1.ObjectMeta;
}

/**
 * The guardrails every namespace gets, team or platform (STK-05): Pod Security Admission labels (K8S-15),
 * a ResourceQuota and LimitRange, a default-deny NetworkPolicy in both directions and, by default, a
 * `default` ServiceAccount without an API token. Objects are named `${prefix}-ns|quota|limits|default-deny|default-sa`.
 * Callers add their own allow policies next to the default deny.
 */
export function namespaceGuardrails(prefix: string, args: NamespaceGuardrailsArgs): NamespaceGuardrails {
    const labels = args.labels ?? {};
    const pss = { enforce: "restricted", audit: "restricted", warn: "restricted", ...args.podSecurity };
    const namespace = new k8s.core.v1.Namespace(
        `${prefix}-ns`,
        {
            metadata: {
                name: args.name,
                labels: {
                    ...labels,
                    ...args.namespaceLabels,
                    // K8S-15: admission judges every pod, whatever created it.
                    "pod-security.kubernetes.io/enforce": pss.enforce,
                    "pod-security.kubernetes.io/audit": pss.audit,
                    "pod-security.kubernetes.io/warn": pss.warn,
                },
            },
        },
        args.opts,
    );
    const name = namespace.metadata.name;
    const meta = (objectName: string) => ({ name: objectName, namespace: name, ...(args.labels ? { labels } : {}) });

    new k8s.core.v1.ResourceQuota(
        `${prefix}-quota`,
        { metadata: meta(args.quota.name), spec: { hard: args.quota.hard } },
        args.opts,
    );
    new k8s.core.v1.LimitRange(
        `${prefix}-limits`,
        {
            metadata: meta(args.limits.name),
            spec: {
                limits: [
                    { type: "Container", default: args.limits.default, defaultRequest: args.limits.defaultRequest },
                ],
            },
        },
        args.opts,
    );
    if (args.lockDefaultServiceAccount ?? true) {
        // K8S-12: pods that forget serviceAccountName land on `default`; it carries no API token.
        // A Patch (server-side apply) because the namespace controller creates `default` itself.
        new k8s.core.v1.ServiceAccountPatch(
            `${prefix}-default-sa`,
            { metadata: { name: "default", namespace: name }, automountServiceAccountToken: false },
            args.opts,
        );
    }
    // STK-05: empty pod selector, both policy types, no rules.
    new k8s.networking.v1.NetworkPolicy(
        `${prefix}-default-deny`,
        { metadata: meta("default-deny"), spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } },
        args.opts,
    );
    return { namespace, name, meta };
}
