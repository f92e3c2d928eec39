import { HelmChartV4, HelmRelease } from "../lib/classes";
import { schemaOf } from "../lib/config";
import { Policy, resourcePolicyOf } from "../lib/builders";
import { get, Reads } from "../lib/read";
import { absent, quote } from "../lib/values";
import { kubernetesConfig } from "./shared";

/** Catalogue section 0 Helm rule: opaque helm.sh/v3 Releases are allowlisted; helm.sh/v4 Chart values keep pod isolation. */

// ---------------------------------------------------------------------------------------------
// Section 0 Helm rule.
// ---------------------------------------------------------------------------------------------

interface AllowedRelease {
    chart: string;
    repo?: string;
    namespace?: string;
}

const trimSlash = (s: string) => s.replace(/\/+$/, "");

const helmReleaseAllowlisted = resourcePolicyOf({
    name: "k8s-helm-release-allowlisted",
    description:
        "K8S-HELM: a helm.sh/v3 Release renders in-cluster where no row can see its objects, so only allowlisted charts may use it; prefer helm.sh/v4 Chart (catalogue section 0, Helm/YAML).",
    controls: ["K8S-HELM"],
    enforcementLevel: "mandatory",
    of: HelmRelease,
    configSchema: schemaOf([], { allowedHelmReleases: kubernetesConfig.allowedHelmReleases }),
    validate: (a, report) => {
        const u = a.reads;
        const chart = a.props.chart;
        const repo = get(a.props, "repositoryOpts.repo");
        const ns = a.props.namespace;
        if (u.is(chart, "chart") || u.is(repo, "repositoryOpts.repo") || u.is(ns, "namespace")) return;
        const allowed = (a.config.allowedHelmReleases ?? []) as AllowedRelease[];
        const hit = allowed.some((e) => {
            // `chart` may be "repo/chart" or an OCI URL; compare on its last path segment as well.
            const chartName = String(chart);
            const chartOk = chartName === e.chart || chartName.endsWith(`/${e.chart}`);
            const repoOk = e.repo === undefined || (typeof repo === "string" && trimSlash(repo) === trimSlash(e.repo));
            const nsOk = e.namespace === undefined || ns === e.namespace;
            return chartOk && repoOk && nsOk;
        });
        if (!hit) {
            report(
                `Helm Release of chart ${quote(chart)} is opaque to the policy pack: deploy it as a kubernetes.helm.v4.Chart, or add it to allowedHelmReleases after review.`,
            );
        }
        if (absent(a.props.version))
            report.advisory("pin the chart version so the reviewed release is the one installed.");
    },
});

/** Chart values that switch off pod isolation, whatever the chart calls the surrounding key. */
const DANGEROUS_VALUES: Record<string, string> = {
    hostNetwork: "K8S-07",
    hostPID: "K8S-07",
    hostIPC: "K8S-07",
    privileged: "K8S-01",
    allowPrivilegeEscalation: "K8S-02",
};

function scanValues(v: unknown, path: string, u: Reads, found: string[]): void {
    if (u.is(v, path) || v === null || typeof v !== "object") return;
    if (Array.isArray(v)) {
        v.forEach((x, i) => scanValues(x, `${path}[${i}]`, u, found));
        return;
    }
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        const here = `${path}.${k}`;
        if (k in DANGEROUS_VALUES && x === true) found.push(`${here} (${DANGEROUS_VALUES[k]})`);
        else if (k === "hostPort" && x && typeof x === "object" && (x as any).enabled === true)
            found.push(`${here}.enabled (K8S-09)`);
        else scanValues(x, here, u, found);
    }
}

const helmChartHardened = resourcePolicyOf({
    name: "k8s-helm-chart-values-hardened",
    description:
        "K8S-01, K8S-02, K8S-07, K8S-09: helm.sh/v4 Chart values do not turn on privileged, host-namespace or host-port settings; the rendered objects are checked again by the workload rows.",
    controls: ["K8S-01", "K8S-02", "K8S-07", "K8S-09"],
    enforcementLevel: "mandatory",
    of: HelmChartV4,
    validate: (a, report) => {
        const u = a.reads;
        const found: string[] = [];
        scanValues(a.props.values, "values", u, found);
        for (const f of found)
            report(`chart value ${f} is true: set it to false so the rendered pods keep their isolation.`);
        const version = a.props.version;
        if (!u.is(version, "version") && absent(version)) {
            report.advisory("pin the chart version so preview and up render the same reviewed manifests.");
        }
    },
});

export const policies: Policy[] = [helmReleaseAllowlisted, helmChartHardened];
