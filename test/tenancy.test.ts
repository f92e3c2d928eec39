import { strict as assert } from "assert";
import { accessPrincipals } from "../components/cluster";
import { labelsFromTags } from "../components/tenancy";
import { Capture, CapturedResource, runProgram } from "./support/harness";
import { invalidKubernetesObjects } from "./support/k8s-schema";

const NAMESPACE = "kubernetes:core/v1:Namespace";
const QUOTA = "kubernetes:core/v1:ResourceQuota";
const LIMITS = "kubernetes:core/v1:LimitRange";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
const CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";

const TEAMS = [
    {
        name: "payments",
        developersGroup: "payments-developers",
        quota: { requestsCpu: "2", requestsMemory: "4Gi", limitsCpu: "4", limitsMemory: "8Gi", pods: 20 },
        httpsEgressCidrs: ["203.0.113.0/24"],
    },
    { name: "catalog", developersGroup: "catalog-developers" },
    { name: "batch", developerRoleArns: ["arn:aws:iam::111122223333:role/batch-developer"] }, // no group named: the cluster picks batch-developers
];

/**
 * The real program (index.ts) on the dev stack with these teams. `all` is every resource the program
 * declares; `c` holds only the Tenancy component's own, so the cluster's ingress controller objects and the
 * app's objects in a team namespace do not blur what the team tier creates.
 */
async function buildTenancy(): Promise<{ all: Capture; c: Capture; namespaces: Record<string, string> }> {
    const { capture: all, outputs } = await runProgram("dev", { overrides: { teams: TEAMS } });
    const c = new Capture();
    const walk = (urn: string) => all.childrenOf(urn).forEach((r) => (c.resources.push(r), walk(r.urn)));
    walk(all.one("platform:tenancy:Tenancy").urn);
    return { all, c, namespaces: outputs.teamNamespaces as Record<string, string> };
}

const inNamespace = (c: Capture, type: string, ns: string) =>
    c.ofType(type).filter((r) => r.inputs.metadata.namespace === ns);
const named = (rs: CapturedResource[], name: string) => rs.find((r) => r.inputs.metadata.name === name);

describe("tenancy", () => {
    let all: Capture;
    let c: Capture;
    let namespaces: Record<string, string>;
    before(async () => {
        ({ all, c, namespaces } = await buildTenancy());
    });

    it("creates one namespace per team, enforcing the restricted pod security standard", () => {
        assert.deepEqual(namespaces, { payments: "payments", catalog: "catalog", batch: "batch" });
        for (const ns of c.ofType(NAMESPACE)) {
            const labels = ns.inputs.metadata.labels;
            for (const mode of ["enforce", "audit", "warn"])
                assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted", `${ns.name} ${mode}`);
            assert.equal(labels["app.kubernetes.io/managed-by"], "pulumi");
            assert.equal(labels.team, ns.inputs.metadata.name);
        }
    });

    it("gives every team namespace a quota on requests, memory limits and pods, and no load balancers", () => {
        for (const team of TEAMS) {
            const quotas = inNamespace(c, QUOTA, team.name);
            assert.equal(quotas.length, 1, team.name);
            const hard = quotas[0].inputs.spec.hard;
            for (const key of ["requests.cpu", "requests.memory", "limits.memory", "pods"])
                assert.ok(hard[key], `${team.name} ${key}`);
            assert.equal(hard["services.loadbalancers"], "0");
            assert.equal(hard["services.nodeports"], "0");
        }
        const payments = inNamespace(c, QUOTA, "payments")[0].inputs.spec.hard;
        assert.deepEqual(
            [payments["requests.cpu"], payments["requests.memory"], payments["limits.memory"], payments.pods],
            ["2", "4Gi", "8Gi", "20"],
        );
        assert.equal(inNamespace(c, QUOTA, "batch")[0].inputs.spec.hard.pods, "50", "config default");
    });

    it("gives every team namespace container defaults so pods without resources still fit the quota", () => {
        for (const team of TEAMS) {
            const ranges = inNamespace(c, LIMITS, team.name);
            assert.equal(ranges.length, 1, team.name);
            const container = ranges[0].inputs.spec.limits.find((l: any) => l.type === "Container");
            assert.ok(container.default.cpu && container.default.memory, team.name);
            assert.ok(container.defaultRequest.cpu && container.defaultRequest.memory, team.name);
        }
    });

    it("denies all ingress and egress by default in every team namespace", () => {
        for (const team of TEAMS) {
            const deny = named(inNamespace(c, NETPOL, team.name), "default-deny");
            assert.ok(deny, team.name);
            assert.deepEqual(deny.inputs.spec.podSelector, {});
            assert.deepEqual(deny.inputs.spec.policyTypes, ["Ingress", "Egress"]);
            assert.equal(deny.inputs.spec.ingress, undefined);
            assert.equal(deny.inputs.spec.egress, undefined);
        }
    });

    it("allows only DNS, the ingress controller, the database port and configured HTTPS destinations", () => {
        const policies = inNamespace(c, NETPOL, "payments");
        assert.deepEqual(policies.map((p) => p.inputs.metadata.name).sort(), [
            "allow-database",
            "allow-dns",
            "allow-from-ingress",
            "allow-https-egress",
            "default-deny",
        ]);

        const dns = named(policies, "allow-dns")!.inputs.spec.egress;
        assert.deepEqual(dns[0].to[0].namespaceSelector.matchLabels, { "kubernetes.io/metadata.name": "kube-system" });
        assert.deepEqual(dns[0].ports.map((p: any) => `${p.protocol}/${p.port}`).sort(), ["TCP/53", "UDP/53"]);

        const ingress = named(policies, "allow-from-ingress")!.inputs.spec;
        assert.deepEqual(ingress.policyTypes, ["Ingress"]);
        assert.deepEqual(ingress.ingress[0].from, [
            { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "nginx-gateway" } } },
        ]);
        assert.equal(
            all.one(NAMESPACE, "ingress-ns").inputs.metadata.name,
            "nginx-gateway",
            "the namespace the cluster tier runs the controller in",
        );
        assert.deepEqual(
            ingress.podSelector.matchLabels,
            { "platform.internal/ingress": "allowed" },
            "only pods that opt in",
        );

        const db = named(policies, "allow-database")!.inputs.spec.egress;
        assert.deepEqual(db[0].to, [{ ipBlock: { cidr: "10.10.128.0/20" } }, { ipBlock: { cidr: "10.10.144.0/20" } }]);
        const isolated = all
            .ofType("aws:ec2/subnet:Subnet")
            .filter((s) => s.inputs.tags["subnet-layer"] === "isolated");
        assert.deepEqual(
            db[0].to.map((t: any) => t.ipBlock.cidr),
            isolated.map((s) => s.inputs.cidrBlock),
            "exactly the network tier's isolated subnets",
        );
        assert.equal(all.one("aws:rds/instance:Instance").inputs.port, 5432, "the port the database listens on");
        assert.deepEqual(db[0].ports, [{ protocol: "TCP", port: 5432 }]);

        const https = named(policies, "allow-https-egress")!.inputs.spec.egress;
        assert.deepEqual(https, [
            { to: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
        ]);
        assert.equal(
            named(inNamespace(c, NETPOL, "catalog"), "allow-https-egress"),
            undefined,
            "no HTTPS egress unless configured",
        );
    });

    it("binds teams with namespaced RoleBindings only: developers view, the CI deployer deploys", () => {
        // Cluster-wide: the read-only preview reader (cluster tier, issue 16: get/list/watch, no Secrets) and the ingress
        // controller's own service account (it watches Gateway API objects in every namespace). No team, no human.
        assert.deepEqual(
            all
                .ofType(CLUSTER_ROLE_BINDING)
                .map(
                    (b) =>
                        `${b.inputs.subjects.map((s: any) => `${s.kind}:${s.namespace ? `${s.namespace}/` : ""}${s.name}`).join(",")} -> ${b.inputs.roleRef.name}`,
                )
                .sort(),
            [
                "Group:platform:previewers -> platform:preview-reader",
                "ServiceAccount:nginx-gateway/nginx-gateway -> nginx-gateway",
            ],
            "no team or human is bound cluster-wide",
        );
        const subjects = (ns: string) =>
            inNamespace(c, ROLE_BINDING, ns)
                .map(
                    (b) =>
                        `${b.inputs.subjects.map((s: any) => `${s.kind}:${s.name}`).join(",")} -> ${b.inputs.roleRef.kind}/${b.inputs.roleRef.name}`,
                )
                .sort();
        assert.deepEqual(subjects("payments"), [
            "Group:payments-developers -> ClusterRole/app-viewer",
            "Group:platform:ci-deployers -> ClusterRole/app-deployer",
        ]);
        assert.deepEqual(subjects("batch"), [
            "Group:batch-developers -> ClusterRole/app-viewer",
            "Group:platform:ci-deployers -> ClusterRole/app-deployer",
        ]);
        for (const b of all.ofType(ROLE_BINDING)) assert.notEqual(b.inputs.roleRef.name, "cluster-admin");
    });

    it("binds every group the cluster's access entries map team developers to, in that team's namespace", () => {
        const teams = TEAMS.map((t) => ({ developerRoleArns: [`arn:aws:iam::111122223333:role/${t.name}-dev`], ...t }));
        for (const team of teams) {
            const [principal] = accessPrincipals({ adminRoleArns: [], viewerRoleArns: [], teams: [team] });
            for (const group of principal.groups) {
                const bound = inNamespace(c, ROLE_BINDING, team.name).some((b) =>
                    b.inputs.subjects.some((s: any) => s.kind === "Group" && s.name === group),
                );
                assert.ok(bound, `${group} has no RoleBinding in ${team.name}`);
            }
        }
        // And the entries the cluster tier really declares for these teams' roles.
        const entries = all.ofType("aws:eks/accessEntry:AccessEntry");
        const teamEntries = TEAMS.flatMap((t) =>
            (t.developerRoleArns ?? []).map(
                (arn) => [t.name, entries.find((e) => e.inputs.principalArn === arn)] as const,
            ),
        );
        assert.deepEqual(
            teamEntries.map(([team, e]) => [team, e?.inputs.kubernetesGroups]),
            [["batch", ["batch-developers"]]],
        );
        for (const [team, entry] of teamEntries) {
            for (const group of entry!.inputs.kubernetesGroups) {
                const bound = inNamespace(c, ROLE_BINDING, team).some((b) =>
                    b.inputs.subjects.some((s: any) => s.kind === "Group" && s.name === group),
                );
                assert.ok(bound, `${group} has no RoleBinding in ${team}`);
            }
        }
    });

    it("defines each ClusterRole once, with explicit verbs, no escalation and no access to secrets", () => {
        const roles = c.ofType(CLUSTER_ROLE);
        assert.deepEqual(roles.map((r) => r.inputs.metadata.name).sort(), ["app-deployer", "app-viewer"]);
        for (const role of roles) {
            for (const rule of role.inputs.rules) {
                for (const field of ["verbs", "resources", "apiGroups"])
                    assert.ok(!rule[field].includes("*"), `${role.name} ${field} has a wildcard`);
                for (const verb of ["bind", "escalate", "impersonate"])
                    assert.ok(!rule.verbs.includes(verb), `${role.name} grants ${verb}`);
                for (const resource of [
                    "secrets",
                    "pods/exec",
                    "pods/attach",
                    "pods/portforward",
                    "roles",
                    "rolebindings",
                    "nodes/proxy",
                ])
                    assert.ok(!rule.resources.includes(resource), `${role.name} reaches ${resource}`);
                if (rule.resources.includes("pods"))
                    assert.ok(!rule.verbs.includes("create"), `${role.name} creates bare pods`);
            }
        }
        const viewer = roles.find((r) => r.inputs.metadata.name === "app-viewer")!;
        for (const rule of viewer.inputs.rules) assert.deepEqual(rule.verbs, ["get", "list", "watch"]);
        const deployer = roles.find((r) => r.inputs.metadata.name === "app-deployer")!;
        const writable = deployer.inputs.rules
            .filter((r: any) => r.verbs.includes("patch"))
            .flatMap((r: any) => r.resources);
        for (const guardrail of ["networkpolicies", "resourcequotas", "limitranges"])
            assert.ok(!writable.includes(guardrail), `deployer may change ${guardrail}`);
        assert.ok(writable.includes("deployments") && writable.includes("httproutes"));
    });

    it("strips the API token from each namespace's default service account", () => {
        const patches = c.ofType("kubernetes:core/v1:ServiceAccountPatch");
        assert.deepEqual(patches.map((p) => p.inputs.metadata.namespace).sort(), ["batch", "catalog", "payments"]);
        for (const p of patches) {
            assert.equal(p.inputs.metadata.name, "default");
            assert.equal(p.inputs.automountServiceAccountToken, false);
        }
    });

    it("sets explicit names and namespaces and uses the cluster provider on every object", () => {
        for (const r of c.resources.filter((x) => x.type.startsWith("kubernetes:"))) {
            assert.ok(r.inputs.metadata.name, `${r.name} has no metadata.name`);
            const clusterScoped = [NAMESPACE, CLUSTER_ROLE].includes(r.type);
            if (!clusterScoped)
                assert.ok(
                    TEAMS.some((t) => t.name === r.inputs.metadata.namespace),
                    `${r.name} namespace`,
                );
            assert.ok(
                r.provider.startsWith(`${all.one("pulumi:providers:kubernetes", "k8s").urn}::`),
                `${r.name} provider`,
            );
        }
    });

    it("produces objects that validate against the Kubernetes schemas", () => {
        assert.ok(c.ofType(NETPOL).length > 0);
        assert.deepEqual(invalidKubernetesObjects(c.resources), []);
    });

    it("has a schema check that rejects malformed objects", () => {
        const quota = c.ofType(QUOTA)[0];
        const broken = { ...quota, inputs: { ...quota.inputs, spec: { hard: { "requests.cpu": "two cores" } } } };
        const deny = c.ofType(NETPOL)[0];
        const noSelector = { ...deny, inputs: { ...deny.inputs, spec: { policyTypes: ["Ingress"] } } };
        const errors = invalidKubernetesObjects([broken, noSelector]).map((e) => e.errors);
        assert.equal(errors.length, 2);
        assert.match(errors[0], /requests\.cpu/);
        assert.match(errors[1], /podSelector/);
    });
});

describe("labelsFromTags", () => {
    it("maps tags to recommended labels with valid values", () => {
        const labels = labelsFromTags({
            project: "aws-platform",
            "managed-by": "pulumi",
            owner: "Platform Team!",
            "aws:createdBy": "x",
            Name: "-x-",
        });
        assert.deepEqual(labels, {
            "app.kubernetes.io/part-of": "aws-platform",
            "app.kubernetes.io/managed-by": "pulumi",
            owner: "Platform-Team",
            Name: "x",
        });
    });
});
