import { strict as assert } from "assert";
import { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../kubernetes";
import { credentialIn, redact } from "../kubernetes/config";
import { UNKNOWN } from "../lib/unknowns";
import {
    assertRejected,
    Case,
    checkCase,
    checkUnknownsNeverBlock,
    policyNamed,
    runResourcePolicy,
    runStackPolicy,
} from "./support";
import { TYPES } from "../../lib/contract";

/** Issue #19 classes 2 (RBAC), 3 (NetworkPolicy breadth) and 8 (credentials in ConfigMaps): bad, good and unknown per policy. */

const rp = (name: string) => policyNamed<ResourceValidationPolicy>(policies, name);
const sp = (name: string) => policyNamed<StackValidationPolicy>(policies, name);

// The shapes the program ships (components/tenancy.ts, app.ts, ingress.ts), then one departure per case.
const viewer = {
    metadata: { name: "app-viewer" },
    rules: [{ apiGroups: [""], resources: ["pods", "pods/log", "configmaps"], verbs: ["get", "list", "watch"] }],
};
const deployer = {
    metadata: { name: "shop-deployer", namespace: "shop" },
    rules: [
        {
            apiGroups: ["apps"],
            resources: ["deployments"],
            verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
        },
    ],
};
const rule = (r: Record<string, unknown>) => ({ ...deployer, rules: [r] });
const breakGlass = {
    subjects: [{ kind: "Group", name: "platform-admins", apiGroup: "rbac.authorization.k8s.io" }],
    roleRef: { kind: "ClusterRole", name: "view" },
};
const defaultDeny = {
    metadata: { name: "default-deny", namespace: "shop" },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
};
const egress = (e: Record<string, unknown>) => ({
    metadata: { name: "x", namespace: "shop" },
    spec: { podSelector: {}, policyTypes: ["Egress"], egress: [e] },
});
const ingress = (i: Record<string, unknown>) => ({
    metadata: { name: "x", namespace: "shop" },
    spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: [i] },
});
const AWS_API_EGRESS = {
    cidr: "0.0.0.0/0",
    except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"],
};
const tcp443 = [{ protocol: "TCP", port: 443 }];
const cm = (data: Record<string, string>) => ({ metadata: { name: "shop-config", namespace: "shop" }, data });

const table: Record<string, Case[]> = {
    "k8s-team-groups-namespaced-bindings": [
        {
            it: "rejects a team group bound cluster-wide",
            type: TYPES.k8sClusterRoleBinding,
            props: { ...breakGlass, subjects: [{ kind: "Group", name: "shop-developers" }] },
            rejects: /Group "shop-developers" is bound cluster-wide/,
        },
        {
            it: "rejects a CI user bound cluster-wide",
            type: TYPES.k8sClusterRoleBinding,
            props: { ...breakGlass, subjects: [{ kind: "User", name: "ci-deployer" }] },
            rejects: /User "ci-deployer"/,
        },
        {
            it: "rejects a team group in a ClusterRoleBindingList",
            type: `${TYPES.k8sClusterRoleBinding}List`,
            props: { items: [{ ...breakGlass, subjects: [{ kind: "Group", name: "shop-ci" }] }] },
            rejects: /bound cluster-wide by items\[0\]/,
        },
        {
            it: "rejects a team group added by a ClusterRoleBindingPatch",
            type: `${TYPES.k8sClusterRoleBinding}Patch`,
            props: { subjects: [{ kind: "Group", name: "shop-developers" }] },
            rejects: /shop-developers/,
        },
        {
            it: "passes a break-glass group",
            type: TYPES.k8sClusterRoleBinding,
            props: breakGlass,
            config: { breakGlassPrincipals: ["platform-admins"] },
        },
        {
            it: "passes system: identities (the API server's own bindings)",
            type: TYPES.k8sClusterRoleBinding,
            props: { ...breakGlass, subjects: [{ kind: "Group", name: "system:masters" }] },
        },
        {
            it: "passes the declared read-only pair (the preview group and its reader role)",
            type: TYPES.k8sClusterRoleBinding,
            props: {
                subjects: [{ kind: "Group", name: "platform:previewers" }],
                roleRef: { kind: "ClusterRole", name: "platform:preview-reader" },
            },
            config: { readOnlyClusterBindings: ["Group/platform:previewers=platform:preview-reader"] },
        },
        {
            it: "rejects the declared read-only group bound to another role",
            type: TYPES.k8sClusterRoleBinding,
            props: {
                subjects: [{ kind: "Group", name: "platform:previewers" }],
                roleRef: { kind: "ClusterRole", name: "cluster-admin" },
            },
            config: { readOnlyClusterBindings: ["Group/platform:previewers=platform:preview-reader"] },
            rejects: /Group "platform:previewers" is bound cluster-wide/,
        },
    ],
    "k8s-rbac-no-secret-access": [
        {
            it: "rejects a viewer that lists secrets",
            type: TYPES.k8sClusterRole,
            props: { ...viewer, rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }] },
            rejects: /ClusterRole\/app-viewer rules\[0\] can list secrets/,
        },
        {
            it: "rejects a deployer that creates and updates secrets",
            type: TYPES.k8sRole,
            props: rule({ apiGroups: [""], resources: ["secrets"], verbs: ["create", "update"] }),
            rejects: /can create\/update secrets/,
        },
        {
            it: "rejects all core resources, which include secrets",
            type: TYPES.k8sRole,
            props: rule({ apiGroups: [""], resources: ["*"], verbs: ["get"] }),
            rejects: /can get secrets/,
        },
        {
            it: "rejects secret access in a RoleList item",
            type: `${TYPES.k8sRole}List`,
            props: { items: [viewer, rule({ apiGroups: [""], resources: ["secrets"], verbs: ["watch"] })] },
            rejects: /\(items\[1\]\) rules\[0\] can watch secrets/,
        },
        {
            it: "rejects secret access added by a RolePatch",
            type: `${TYPES.k8sRole}Patch`,
            props: rule({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }),
            rejects: /can get secrets/,
        },
        { it: "passes the viewer without secrets", type: TYPES.k8sClusterRole, props: viewer },
        {
            it: "passes a role the team declared",
            type: TYPES.k8sRole,
            props: rule({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }),
            config: { secretAccessRoles: ["Role/shop/shop-deployer"] },
        },
        {
            it: "passes secrets of another API group (not core Secrets)",
            type: TYPES.k8sRole,
            props: rule({ apiGroups: ["external-secrets.io"], resources: ["secrets"], verbs: ["get"] }),
        },
        {
            it: "passes a Role in a platform namespace",
            type: TYPES.k8sRole,
            props: {
                ...rule({ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }),
                metadata: { name: "cert-manager", namespace: "cert-manager" },
            },
        },
    ],
    "k8s-rbac-no-exec-attach-portforward": [
        {
            it: "rejects pods/exec",
            type: TYPES.k8sRole,
            props: rule({ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }),
            rejects: /grants pods\/exec/,
        },
        {
            it: "rejects pods/attach and pods/portforward",
            type: TYPES.k8sClusterRole,
            props: {
                ...viewer,
                rules: [{ apiGroups: [""], resources: ["pods/attach", "pods/portforward"], verbs: ["get", "create"] }],
            },
            rejects: /pods\/attach, pods\/portforward/,
        },
        {
            it: "rejects every pod subresource",
            type: TYPES.k8sRole,
            props: rule({ apiGroups: [""], resources: ["pods/*"], verbs: ["create"] }),
            rejects: /grants pods\/\*/,
        },
        {
            it: "rejects impersonate in a ClusterRoleList",
            type: `${TYPES.k8sClusterRole}List`,
            props: {
                items: [{ ...viewer, rules: [{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }] }],
            },
            rejects: /grants impersonate/,
        },
        {
            it: "rejects escalate in a RolePatch",
            type: `${TYPES.k8sRole}Patch`,
            props: rule({
                apiGroups: ["rbac.authorization.k8s.io"],
                resources: ["roles"],
                verbs: ["escalate", "bind"],
            }),
            rejects: /grants escalate, bind/,
        },
        { it: "passes pods/log for viewers", type: TYPES.k8sClusterRole, props: viewer },
    ],
    "k8s-network-policy-no-broad-allow": [
        {
            it: "rejects an egress rule without destinations (all egress)",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ ports: tcp443 }),
            rejects: /has no to, so it allows every destination \(all egress\)/,
        },
        {
            it: "rejects an ingress rule without sources",
            type: TYPES.k8sNetworkPolicy,
            props: ingress({}),
            rejects: /has no from, so it allows every source/,
        },
        {
            it: "rejects an empty peer",
            type: TYPES.k8sNetworkPolicy,
            props: ingress({ from: [{}] }),
            rejects: /from\[0\] is an empty peer/,
        },
        {
            it: "rejects namespaceSelector {} across all namespaces",
            type: TYPES.k8sNetworkPolicy,
            props: ingress({ from: [{ namespaceSelector: {} }] }),
            rejects: /namespaceSelector is \{\}, which selects every namespace/,
        },
        {
            it: "rejects namespaceSelector {} even with a pod selector",
            type: TYPES.k8sNetworkPolicy,
            props: ingress({ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { app: "x" } } }] }),
            rejects: /selects every namespace/,
        },
        {
            it: "rejects ingress from 0.0.0.0/0",
            type: TYPES.k8sNetworkPolicy,
            props: ingress({ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: tcp443 }),
            rejects: /admits the whole internet/,
        },
        {
            it: "rejects egress to 0.0.0.0/0 on every port",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: AWS_API_EGRESS }] }),
            rejects: /opens egress to everywhere on every port/,
        },
        {
            it: "rejects egress to ::/0 without carving out private ranges",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: { cidr: "::/0" } }], ports: tcp443 }),
            rejects: /fc00::\/7, fe80::\/10 in except/,
        },
        {
            it: "rejects 0.0.0.0/0 on 443 that keeps the VPC reachable",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["169.254.0.0/16"] } }], ports: tcp443 }),
            rejects: /10\.0\.0\.0\/8/,
        },
        {
            it: "rejects a broad rule inside a NetworkPolicyList",
            type: `${TYPES.k8sNetworkPolicy}List`,
            props: { items: [defaultDeny, egress({ to: [] })] },
            rejects: /items\[1\]\.spec\.egress\[0\] has no to/,
        },
        { it: "passes the default deny", type: TYPES.k8sNetworkPolicy, props: defaultDeny },
        {
            it: "passes internet egress on 443 with private and link-local carved out (the app's AWS API rule)",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: AWS_API_EGRESS }], ports: tcp443 }),
        },
        {
            it: "passes DNS to kube-dns by namespace name",
            type: TYPES.k8sNetworkPolicy,
            props: egress({
                to: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    },
                ],
                ports: [{ protocol: "UDP", port: 53 }],
            }),
        },
        {
            it: "passes egress to the VPC CIDR",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: { cidr: "10.20.0.0/16" } }] }),
        },
    ],
    "k8s-network-policy-no-metadata-egress": [
        {
            it: "rejects egress to 169.254.169.254",
            type: TYPES.k8sNetworkPolicy,
            props: egress({
                to: [{ ipBlock: { cidr: "169.254.169.254/32" } }],
                ports: [{ protocol: "TCP", port: 80 }],
            }),
            rejects: /reaches the instance metadata service/,
        },
        {
            it: "rejects egress to link-local",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: { cidr: "169.254.0.0/16" } }] }),
            rejects: /169\.254\.169\.254\/32 reaches|169\.254\.0\.0\/16 reaches/,
        },
        {
            it: "rejects 0.0.0.0/0 that carves out only private ranges",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: tcp443 }),
            rejects: /add 169\.254\.0\.0\/16 to except/,
        },
        {
            it: "rejects the IPv6 metadata endpoint",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: { cidr: "fd00:ec2::/64" } }] }),
            rejects: /add fd00:ec2::254\/128 to except/,
        },
        {
            it: "passes the app's AWS API egress (link-local excluded)",
            type: TYPES.k8sNetworkPolicy,
            props: egress({ to: [{ ipBlock: AWS_API_EGRESS }], ports: tcp443 }),
        },
        {
            it: "passes ingress rules (metadata is an egress concern)",
            type: TYPES.k8sNetworkPolicy,
            props: ingress({ from: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }),
        },
    ],
    "k8s-vpc-cni-enforces-network-policy": [
        {
            it: "rejects a vpc-cni add-on without network policy",
            type: TYPES.awsEksAddon,
            props: { addonName: "vpc-cni", clusterName: "c" },
            rejects: /does not enforce NetworkPolicies/,
        },
        {
            it: "rejects enableNetworkPolicy false",
            type: TYPES.awsEksAddon,
            props: { addonName: "vpc-cni", configurationValues: JSON.stringify({ enableNetworkPolicy: "false" }) },
            rejects: /does not enforce/,
        },
        {
            it: "rejects an eks.Cluster that manages its CNI without network policy",
            type: TYPES.eksCluster,
            props: { useDefaultVpcCni: false, vpcCniOptions: { warmIpTarget: 2 } },
            rejects: /vpcCniOptions\.enableNetworkPolicy/,
        },
        {
            it: "rejects an eks.VpcCniAddon without network policy",
            type: TYPES.eksVpcCniAddon,
            props: { clusterName: "c" },
            rejects: /set enableNetworkPolicy to true/,
        },
        {
            it: "passes the program's vpc-cni add-on",
            type: TYPES.awsEksAddon,
            props: { addonName: "vpc-cni", configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) },
        },
        {
            it: "passes YAML configuration values",
            type: TYPES.awsEksAddon,
            props: { addonName: "vpc-cni", configurationValues: 'enableNetworkPolicy: "true"\n' },
        },
        { it: "passes other add-ons", type: TYPES.awsEksAddon, props: { addonName: "coredns" } },
        {
            it: "passes an eks.Cluster on the default CNI (the add-on is judged)",
            type: TYPES.eksCluster,
            props: { useDefaultVpcCni: true },
        },
    ],
    "k8s-configmap-no-credentials": [
        {
            it: "rejects a password by key name",
            type: TYPES.k8sConfigMap,
            props: cm({ DB_PASSWORD: "hunter2hunter2" }),
            rejects: /data\["DB_PASSWORD"\] holds a credential \(by its key name\)/,
        },
        {
            it: "rejects a camelCase api key",
            type: TYPES.k8sConfigMap,
            props: cm({ stripeApiKey: "sk_live_abcdef123456" }),
            rejects: /stripeApiKey/,
        },
        {
            it: "rejects a token under a harmless key",
            type: TYPES.k8sConfigMap,
            props: cm({ NOTES: "ghp_" + "a".repeat(36) }),
            rejects: /holds a GitHub token/,
        },
        {
            it: "rejects a private key",
            type: TYPES.k8sConfigMap,
            props: cm({ "tls.pem": "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----" }),
            rejects: /holds a private key \(-----BEGIN RSA PRIVATE KEY-----…\)/,
        },
        {
            it: "rejects a URL with credentials",
            type: TYPES.k8sConfigMap,
            props: cm({ DATABASE_URL: "postgres://app:s3cr3t@db.internal:5432/shop" }),
            rejects: /postgres:\/\/a…:\*\*\*@db\.internal:5432/,
        },
        {
            it: "rejects an AWS access key in binaryData",
            type: TYPES.k8sConfigMap,
            props: {
                metadata: { name: "x" },
                binaryData: { creds: Buffer.from("AKIAABCDEFGHIJKLMNOP").toString("base64") },
            },
            rejects: /binaryData\["creds"\] holds an AWS access key id/,
        },
        {
            it: "rejects a credential in a ConfigMapList item",
            type: `${TYPES.k8sConfigMap}List`,
            props: { items: [cm({ LOG_LEVEL: "info" }), cm({ API_TOKEN: "abcd1234efgh" })] },
            rejects: /items\[1\]\.data\["API_TOKEN"\]/,
        },
        {
            it: "rejects a credential added by a ConfigMapPatch",
            type: `${TYPES.k8sConfigMap}Patch`,
            props: cm({ client_secret: "xyz-secret-value" }),
            rejects: /client_secret/,
        },
        {
            it: "passes the app's settings",
            type: TYPES.k8sConfigMap,
            props: cm({
                AWS_REGION: "eu-west-1",
                DATABASE_HOST: "db.internal",
                DATABASE_USER: "app",
                DATABASE_IAM_AUTH: "true",
                APP_KMS_KEY_ARN: "arn:aws:kms:eu-west-1:111122223333:key/abc",
            }),
        },
        {
            it: "passes references to and settings of credentials",
            type: TYPES.k8sConfigMap,
            props: cm({
                DB_PASSWORD_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db",
                TOKEN_TTL: "3600",
                PASSWORD_MIN_LENGTH: "12",
                AUTH_TOKEN_URL: "https://auth.example.com/token",
                SESSION_SECRET: "",
            }),
        },
    ],
};

describe("Kubernetes policies for issue #19 (RBAC, NetworkPolicy breadth, credentials in ConfigMaps)", () => {
    for (const [name, cases] of Object.entries(table)) {
        describe(name, () => {
            it("is mandatory", () => assert.equal(rp(name).enforcementLevel, "mandatory"));
            for (const c of cases) it(c.it, () => checkCase(rp(name), c));
            it("never blocks on a value unknown at preview", async () => {
                for (const c of cases.filter((x) => !x.rejects)) await checkUnknownsNeverBlock(rp(name), c);
            });
        });
    }

    it("stops (advisory) rather than passing when a rule's peers are unknown", async () => {
        const run = await runResourcePolicy(
            rp("k8s-network-policy-no-broad-allow"),
            TYPES.k8sNetworkPolicy,
            egress({ to: UNKNOWN, ports: tcp443 }),
        );
        assert.equal(run.unknown, true);
        assert.deepEqual(run.mandatory, []);
    });

    it("reports the known bad rule before stopping on an unknown one", async () => {
        const props = {
            metadata: { name: "x" },
            spec: { podSelector: {}, egress: [{ to: UNKNOWN }, { ports: tcp443 }] },
        };
        const run = await runResourcePolicy(rp("k8s-network-policy-no-broad-allow"), TYPES.k8sNetworkPolicy, props);
        assertRejected(run, "k8s-network-policy-no-broad-allow", "spec.egress[1] has no to");
    });

    it("never prints more than a redacted excerpt of a credential", async () => {
        const secret = "correct-horse-battery-staple";
        const run = await runResourcePolicy(
            rp("k8s-configmap-no-credentials"),
            TYPES.k8sConfigMap,
            cm({ ADMIN_PASSWORD: secret }),
        );
        assert.equal(run.mandatory.length, 1);
        assert.ok(!run.mandatory[0].includes(secret.slice(2)), run.mandatory[0]);
        assert.match(redact(secret), /^"co…" \(28 characters\)$/);
        assert.equal(credentialIn("FEATURE_FLAGS", "a,b,c"), undefined);
    });

    describe("k8s-network-policies-have-an-enforcer", () => {
        const cluster = { type: TYPES.eksCluster, name: "cluster", props: { useDefaultVpcCni: true } };
        const np = { type: TYPES.k8sNetworkPolicy, name: "deny", props: defaultDeny };
        it("rejects NetworkPolicies on a cluster whose CNI does not enforce them", async () => {
            const run = await runStackPolicy(sp("k8s-network-policies-have-an-enforcer"), [cluster, np]);
            assertRejected(run, "k8s-network-policies-have-an-enforcer", "nothing makes the VPC CNI enforce them");
        });
        it("passes with the vpc-cni add-on enforcing them", async () => {
            const addon = {
                type: TYPES.awsEksAddon,
                name: "cni",
                props: { addonName: "vpc-cni", configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) },
            };
            const run = await runStackPolicy(sp("k8s-network-policies-have-an-enforcer"), [cluster, np, addon]);
            assert.deepEqual(run.violations, []);
        });
        it("only warns while the add-on's settings are unknown", async () => {
            const addon = {
                type: TYPES.awsEksAddon,
                name: "cni",
                props: { addonName: "vpc-cni", configurationValues: UNKNOWN },
            };
            const run = await runStackPolicy(sp("k8s-network-policies-have-an-enforcer"), [cluster, np, addon]);
            assert.deepEqual(run.mandatory, []);
            assert.match(run.advisory[0], /unknown during preview/);
        });
    });
});
