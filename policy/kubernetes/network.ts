import { PolicyResource } from "@pulumi/policy";
import { each, Policy, Props, resourcePolicy, stackPolicy } from "../lib/builders";
import { cidrContains, isEverywhere, parseCidr } from "../lib/cidr";
import { K8sObject, objectsOf, pathIn, withVariants } from "../lib/k8s";
import { Reads, SKIP } from "../lib/read";
import { isUnknown, raw } from "../lib/unknowns";
import { absent, asArray, isTrue, quote } from "../lib/values";
import { TYPES } from "../../lib/contract";

/**
 * Catalogue K8S-29 … K8S-31 (issue #19 class 3): NetworkPolicy breadth. STK-05 gives every namespace a default deny;
 * these rows stop an allow rule from reopening it, keep pods off the instance metadata service, and make sure the
 * VPC CNI enforces NetworkPolicies at all (without its network policy agent every policy is an inert object:
 * https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html, `enableNetworkPolicy`).
 */

/** A peer's ipBlock with its parsed CIDR; undefined when absent or unknown at preview (recorded in `u`). Throws on a malformed CIDR. */
function ipBlockOf(
    peer: Props,
    where: string,
    u: Reads,
): { ipBlock: Props; cidr: NonNullable<ReturnType<typeof parseCidr>> } | undefined {
    if (u.is(peer.ipBlock, `${where}.ipBlock`)) return undefined;
    const ipBlock = peer.ipBlock;
    if (
        !ipBlock ||
        typeof ipBlock !== "object" ||
        u.is(ipBlock.cidr, `${where}.ipBlock.cidr`) ||
        u.is(ipBlock.except, `${where}.ipBlock.except`)
    )
        return undefined;
    const cidr = parseCidr(String(ipBlock.cidr ?? ""));
    if (cidr === undefined) throw new Error(`${where}.ipBlock.cidr ${quote(ipBlock.cidr)} is not a CIDR`);
    return { ipBlock, cidr };
}

const NETWORK_POLICY_TYPES = withVariants(TYPES.k8sNetworkPolicy);

type Direction = "ingress" | "egress";
const PEERS: Record<Direction, "from" | "to"> = { ingress: "from", egress: "to" };

interface RuleView {
    dir: Direction;
    where: string;
    /** undefined: the rule names no peers (every source / destination). */
    peers?: Array<{ where: string; peer: Props }>;
    ports: unknown[];
}

/** The known rules of a NetworkPolicy object in both directions; unknown parts are recorded in `u`. */
function rulesOf(obj: K8sObject, u: Reads): RuleView[] {
    const out: RuleView[] = [];
    for (const dir of ["ingress", "egress"] as Direction[]) {
        const rules = u.read(obj.props, `spec.${dir}`, obj.at);
        if (rules === SKIP) continue;
        asArray(rules).forEach((rule: unknown, i: number) => {
            const where = pathIn(obj.at, `spec.${dir}[${i}]`);
            if (u.is(rule, where)) return;
            if (!rule || typeof rule !== "object") throw new Error(`${where} is not an object`);
            const r = rule as Props;
            const ports = u.read(r, "ports", where);
            const peers = u.read(r, PEERS[dir], where);
            if (ports === SKIP || peers === SKIP) return;
            const view: RuleView = { dir, where, ports: asArray(ports) };
            if (!absent(peers)) {
                view.peers = [];
                asArray(peers).forEach((p: unknown, j: number) => {
                    const pw = `${where}.${PEERS[dir]}[${j}]`;
                    if (u.is(p, pw)) return;
                    if (!p || typeof p !== "object") throw new Error(`${pw} is not an object`);
                    view.peers!.push({ where: pw, peer: p as Props });
                });
            }
            out.push(view);
        });
    }
    return out;
}

/** An empty label selector (`{}`): every namespace / every pod. */
function emptySelector(sel: unknown): boolean {
    if (!sel || typeof sel !== "object" || Array.isArray(sel)) return false;
    const labels = (sel as Props).matchLabels;
    const exprs = (sel as Props).matchExpressions;
    return (absent(labels) || Object.keys(labels).length === 0) && absent(exprs);
}

/** Ranges an "internet on named ports" egress rule must carve out: private, carrier-grade NAT and link-local (IMDS). */
const MUST_EXCEPT_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"].map((c) => parseCidr(c)!);
const MUST_EXCEPT_V6 = ["fc00::/7", "fe80::/10"].map((c) => parseCidr(c)!);
/** The instance metadata service: IPv4 and the Nitro IPv6 endpoint. */
const IMDS = ["169.254.169.254/32", "fd00:ec2::254/128"].map((c) => parseCidr(c)!);

const exceptsOf = (ipBlock: Props) =>
    asArray(ipBlock.except)
        .map((e) => parseCidr(String(e)))
        .filter((c) => c !== undefined);

const broadAllow = resourcePolicy({
    name: "k8s-network-policy-no-broad-allow",
    description:
        "K8S-29: no NetworkPolicy allow rule reopens what the namespace's default deny closed: no rule without peers (all sources / all egress), no empty peer, no namespaceSelector {} across all namespaces, no 0.0.0.0/0 or ::/0 ipBlock except internet egress on named ports that carves out private and link-local ranges (NSA network separation; CIS-K8s 5.3.2).",
    controls: ["K8S-29"],
    enforcementLevel: "mandatory",
    types: NETWORK_POLICY_TYPES,
    validate: (a, report) => {
        const u = a.reads;
        for (const obj of objectsOf(a.type, a.props, u)) {
            for (const rule of rulesOf(obj, u)) {
                const everything =
                    rule.dir === "ingress"
                        ? "every source in and outside the cluster"
                        : "every destination (all egress)";
                if (rule.peers === undefined) {
                    report(
                        `${rule.where} has no ${PEERS[rule.dir]}, so it allows ${everything}: name the pods, namespaces or CIDRs it needs.`,
                    );
                    continue;
                }
                for (const { where, peer } of rule.peers) {
                    const keys = Object.keys(peer).filter((k) => peer[k] !== undefined && peer[k] !== null);
                    if (keys.length === 0) {
                        report(
                            `${where} is an empty peer, which matches ${everything}: name the pods, namespaces or CIDRs it needs.`,
                        );
                        continue;
                    }
                    if (
                        "namespaceSelector" in peer &&
                        !isUnknown(peer.namespaceSelector) &&
                        emptySelector(peer.namespaceSelector)
                    ) {
                        report(
                            `${where}.namespaceSelector is {}, which selects every namespace: match the namespaces by label (kubernetes.io/metadata.name).`,
                        );
                    }
                    const block = ipBlockOf(peer, where, u);
                    if (block === undefined) continue;
                    const { ipBlock, cidr } = block;
                    if (!isEverywhere(cidr)) continue;
                    const excepts = exceptsOf(ipBlock);
                    const carved = (cidr.v6 ? MUST_EXCEPT_V6 : MUST_EXCEPT_V4).every((m) =>
                        excepts.some((e) => cidrContains(e, m)),
                    );
                    const namedPorts = rule.ports.length > 0;
                    if (rule.dir === "ingress") {
                        report(
                            `${where}.ipBlock ${ipBlock.cidr} admits the whole internet: traffic enters through the ALB and the ingress controller; name the VPC CIDR or pods instead.`,
                        );
                    } else if (!namedPorts || !carved) {
                        report(
                            `${where}.ipBlock ${ipBlock.cidr} opens egress to everywhere${namedPorts ? "" : " on every port"}: name the destination CIDRs, or limit it to named ports and list ${(cidr.v6 ? ["fc00::/7", "fe80::/10"] : ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]).join(", ")} in except.`,
                        );
                    }
                }
            }
        }
    },
});

const noMetadataEgress = resourcePolicy({
    name: "k8s-network-policy-no-metadata-egress",
    description:
        "K8S-30: no NetworkPolicy allows egress to the instance metadata service (169.254.169.254, fd00:ec2::254): pods use IRSA, never the node's credentials (CIS-EKS 5.4.x; EKS best practices, restrict IMDS).",
    controls: ["K8S-30"],
    enforcementLevel: "mandatory",
    types: NETWORK_POLICY_TYPES,
    validate: (a, report) => {
        const u = a.reads;
        for (const obj of objectsOf(a.type, a.props, u)) {
            for (const rule of rulesOf(obj, u)) {
                if (rule.dir !== "egress" || rule.peers === undefined) continue;
                for (const { where, peer } of rule.peers) {
                    const block = ipBlockOf(peer, where, u);
                    if (block === undefined) continue;
                    const { ipBlock, cidr } = block;
                    const excepts = exceptsOf(ipBlock);
                    const reached = IMDS.filter(
                        (m) => cidrContains(cidr, m) && !excepts.some((e) => cidrContains(e, m)),
                    );
                    if (reached.length > 0) {
                        report(
                            `${where}.ipBlock ${ipBlock.cidr} reaches the instance metadata service: add ${reached[0].v6 ? "fd00:ec2::254/128" : "169.254.0.0/16"} to except (pods get AWS credentials through IRSA).`,
                        );
                    }
                }
            }
        }
    },
});

// ---------------------------------------------------------------------------------------------
// K8S-31: the VPC CNI enforces NetworkPolicies.
// ---------------------------------------------------------------------------------------------

/** Resources that can say whether the VPC CNI enforces NetworkPolicies. */
const CNI_TYPES: readonly string[] = [TYPES.awsEksAddon, TYPES.eksVpcCniAddon, TYPES.eksCluster];

/** `configurationValues` of the vpc-cni add-on: JSON (the EKS API also accepts YAML, read here for its one flat key). */
function cniConfigEnables(values: unknown): boolean | "malformed" {
    if (absent(values)) return false;
    if (typeof values === "object") return isTrue((values as Props).enableNetworkPolicy);
    const text = String(values);
    try {
        return isTrue(JSON.parse(text)?.enableNetworkPolicy);
    } catch {
        const m = /^\s*enableNetworkPolicy\s*:\s*["']?(true|false)["']?\s*$/m.exec(text);
        return m ? m[1] === "true" : "malformed";
    }
}

/** Whether a resource declares an enforcing CNI: `true`, `false`, or `undefined` when it says nothing about the CNI. */
function enforces(type: string, p: Props, u: Reads): boolean | undefined {
    if (type === TYPES.awsEksAddon) {
        const name = u.read(p, "addonName");
        if (name === SKIP || name !== "vpc-cni") return undefined;
        const values = u.read(p, "configurationValues");
        if (values === SKIP) return undefined;
        const verdict = cniConfigEnables(values);
        if (verdict === "malformed")
            throw new Error("configurationValues is neither JSON nor YAML with enableNetworkPolicy");
        return verdict;
    }
    if (type === TYPES.eksVpcCniAddon) {
        const v = u.read(p, "enableNetworkPolicy");
        return v === SKIP ? undefined : isTrue(v);
    }
    if (type === TYPES.eksCluster) {
        const useDefault = u.read(p, "useDefaultVpcCni");
        // @pulumi/eks 4.x: useDefaultVpcCni defaults to true (the CNI EKS installs, network policy off); a vpc-cni add-on must then enforce.
        if (useDefault === SKIP || useDefault !== false) return undefined;
        const v = u.read(p, "vpcCniOptions.enableNetworkPolicy");
        return v === SKIP ? undefined : isTrue(v);
    }
    return undefined;
}

const cniEnforces = resourcePolicy({
    name: "k8s-vpc-cni-enforces-network-policy",
    description:
        'K8S-31: the VPC CNI runs its network policy agent (vpc-cni add-on configurationValues enableNetworkPolicy: "true"; eks.Cluster vpcCniOptions.enableNetworkPolicy when it manages the CNI; eks.VpcCniAddon enableNetworkPolicy), so NetworkPolicies are enforced, not inert (EKS network policies; NSA network separation).',
    controls: ["K8S-31"],
    enforcementLevel: "mandatory",
    types: CNI_TYPES,
    validate: (a, report) => {
        if (enforces(a.type, a.props, a.reads) !== false) return;
        if (a.type === TYPES.awsEksAddon)
            report(
                'the vpc-cni add-on does not enforce NetworkPolicies: set configurationValues to JSON.stringify({ enableNetworkPolicy: "true" }).',
            );
        else if (a.type === TYPES.eksVpcCniAddon) report("set enableNetworkPolicy to true on the VpcCniAddon.");
        else
            report(
                "this cluster manages its own VPC CNI (useDefaultVpcCni: false) without vpcCniOptions.enableNetworkPolicy: set it to true.",
            );
    },
});

const cniDeclared = stackPolicy({
    name: "k8s-network-policies-have-an-enforcer",
    description:
        "K8S-31: a stack that declares NetworkPolicies for a cluster also declares a VPC CNI that enforces them (a vpc-cni add-on or eks.VpcCniAddon with network policy on, or eks.Cluster vpcCniOptions.enableNetworkPolicy); the CNI EKS installs by default does not.",
    controls: ["K8S-31"],
    enforcementLevel: "mandatory",
    validate: ({ resources }, report) => {
        const policies = resources.filter((r) => NETWORK_POLICY_TYPES.includes(r.type));
        const clusters = resources.filter((r) => r.type === TYPES.eksCluster || r.type === TYPES.awsEksCluster);
        if (policies.length === 0 || clusters.length === 0) return;
        let enforced = false;
        let undecided = false;
        for (const r of resources.filter((x) => CNI_TYPES.includes(x.type))) {
            const u = new Reads();
            const verdict = enforces(r.type, raw(r.props) ?? {}, u);
            if (verdict === true) enforced = true;
            if (u.unknownPaths.length > 0) undecided = true;
        }
        if (enforced) return;
        for (const c of clusters) {
            each(c, report, () => {
                const text = `${policies.length} NetworkPolicy object(s) are declared but nothing makes the VPC CNI enforce them`;
                if (undecided)
                    report.advisory(
                        `${text} yet (an add-on's settings are unknown during preview; checked again at up).`,
                        c.urn,
                    );
                else
                    report(
                        `${text}: add the vpc-cni add-on with configurationValues { enableNetworkPolicy: "true" } for cluster ${label(c)}.`,
                        c.urn,
                    );
            });
        }
    },
});

const label = (r: PolicyResource) => r.name;

export const policies: Policy[] = [broadAllow, noMetadataEgress, cniEnforces, cniDeclared];
