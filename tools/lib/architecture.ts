import { Capture, CapturedResource } from "../../lib/engine";
import { TYPES } from "../../lib/contract";

/**
 * The architecture as a graph of containers, nodes and edges, derived from the captured program:
 * grouping comes from the components and their parents, placement from resource inputs (subnet
 * layer tags, subnet ids), so a new team namespace or AZ appears without touching this file.
 */

export interface Box {
    id: string;
    label: string;
    kind: "container" | "node";
    /** A style family the renderers map to colours/icons. */
    style:
        | "vpc"
        | "az"
        | "public"
        | "private"
        | "isolated"
        | "edge"
        | "cluster"
        | "namespace"
        | "keys"
        | "state"
        | "external"
        | "resource";
    children: Box[];
    /** A second, smaller line under a node's label (the KMS keys that encrypt it). */
    detail?: string;
}

export interface Edge {
    from: string;
    to: string;
    label: string;
    kind: "traffic" | "encryption";
}

export interface Architecture {
    stack: string;
    root: Box[];
    edges: Edge[];
}

const T = {
    vpc: TYPES.vpc,
    subnet: TYPES.subnet,
    nat: TYPES.natGateway,
    igw: TYPES.internetGateway,
    key: TYPES.kmsKey,
    zone: TYPES.zone,
    record: TYPES.record,
    cert: TYPES.certificate,
    lb: TYPES.loadBalancer,
    webAcl: TYPES.webAcl,
    bucket: TYPES.bucket,
    eks: TYPES.eksCluster,
    nodeGroup: TYPES.awsEksNodeGroup,
    managedNodeGroup: TYPES.eksManagedNodeGroup,
    namespace: TYPES.k8sNamespace,
    deployment: TYPES.k8sDeployment,
    chart: TYPES.helmChartV4,
    release: TYPES.helmReleaseV3,
    gateway: TYPES.gateway,
    ecr: TYPES.ecrRepository,
    rds: TYPES.rdsInstance,
    vault: TYPES.backupVault,
    logGroup: TYPES.logGroup,
};

/** Inputs that hold a KMS key reference, by resource type family. */
const KEY_INPUTS = [
    "kmsKeyId",
    "kmsKeyArn",
    "kmsMasterKeyId",
    "encryptionConfigKeyArn",
    "masterUserSecretKmsKeyId",
    "performanceInsightsKmsKeyId",
    "kmsKey",
];

const node = (id: string, label: string, style: Box["style"] = "resource"): Box => ({
    id,
    label,
    kind: "node",
    style,
    children: [],
});
const container = (id: string, label: string, style: Box["style"], children: Box[]): Box => ({
    id,
    label,
    kind: "container",
    style,
    children,
});

function short(r: CapturedResource): string {
    return r.name;
}

function nsName(r: CapturedResource): string | undefined {
    return r.inputs?.metadata?.namespace ?? r.inputs?.namespace;
}

/** Every string anywhere in a value (for finding references to key ARNs and ids). */
function strings(v: unknown, out: string[] = []): string[] {
    if (typeof v === "string") out.push(v);
    else if (Array.isArray(v)) v.forEach((x) => strings(x, out));
    else if (v && typeof v === "object") Object.values(v).forEach((x) => strings(x, out));
    return out;
}

export function buildArchitecture(capture: Capture, stack: string): Architecture {
    const edges: Edge[] = [];
    const idOf = (r: CapturedResource) => r.urn;
    const subnets = capture.ofType(T.subnet);
    const layerOf = (s: CapturedResource): string => s.inputs.tags?.["subnet-layer"] ?? "private";
    const azIndex = (s: CapturedResource): number => Number(/-(\d+)$/.exec(s.name)?.[1] ?? 0);
    const azCount = Math.max(0, ...subnets.map((s) => azIndex(s) + 1));
    const subnetById = new Map(subnets.map((s) => [s.id, s]));

    // Resources that sit in subnets, placed by the subnet ids in their inputs.
    const placed = new Map<string, Box[]>(); // subnet urn → boxes
    const place = (subnetId: string, box: Box) => {
        const s = subnetById.get(subnetId);
        if (!s) return false;
        placed.set(s.urn, [...(placed.get(s.urn) ?? []), box]);
        return true;
    };
    for (const nat of capture.ofType(T.nat))
        place(nat.inputs.subnetId, node(idOf(nat), `NAT gateway ${azIndex(nat) + 1}`));

    // Data tier: RDS in the isolated subnet of its primary AZ (the first subnet of its subnet group); a multi-AZ
    // instance's synchronous standby in the next AZ's isolated subnet (AWS picks the AZ among the group's subnets).
    for (const db of capture.ofType(T.rds)) {
        const group = capture
            .ofType(TYPES.rdsSubnetGroup)
            .find((g) => g.inputs.name === db.inputs.dbSubnetGroupName || g.id === db.inputs.dbSubnetGroupName);
        const isolated = subnets.filter((s) => layerOf(s) === "isolated").sort((a, b) => azIndex(a) - azIndex(b));
        const groupSubnets: string[] = group?.inputs.subnetIds?.length
            ? group.inputs.subnetIds
            : isolated.map((s) => s.id);
        const base = `RDS ${db.inputs.engine} ${db.inputs.engineVersion ?? ""}`.trim();
        place(groupSubnets[0], node(idOf(db), db.inputs.multiAz ? `${base} primary` : base));
        if (db.inputs.multiAz && groupSubnets.length > 1)
            place(groupSubnets[1], node(`${idOf(db)}#standby`, `${base} standby (multi-AZ)`));
    }
    // Managed node groups: one box per private subnet they launch into, so each AZ shows its nodes.
    const nodeGroups = [...capture.ofType(T.nodeGroup), ...capture.ofType(T.managedNodeGroup)];
    for (const g of nodeGroups) {
        const ids: string[] = Array.isArray(g.inputs.subnetIds) ? g.inputs.subnetIds : [];
        const targets = ids.filter((id) => subnetById.has(id));
        const label = `nodes ${g.inputs.nodeGroupName ?? g.inputs.tags?.["node-group"] ?? short(g)}`;
        for (const id of targets.length ? targets : subnets.filter((s) => layerOf(s) === "private").map((s) => s.id)) {
            place(id, node(`${idOf(g)}#${id}`, `${label} (AZ ${azIndex(subnetById.get(id)!) + 1})`));
        }
    }
    // VPC → AZ → subnet layers.
    const vpcs = capture.ofType(T.vpc).map((vpc) => {
        const azs = [...Array(azCount).keys()].map((i) => {
            const layers = ["public", "private", "isolated"].flatMap((layer) =>
                subnets
                    .filter((s) => azIndex(s) === i && layerOf(s) === layer)
                    .map((s) =>
                        container(
                            idOf(s),
                            `${layer} ${s.inputs.cidrBlock}`,
                            layer as Box["style"],
                            placed.get(s.urn) ?? [],
                        ),
                    ),
            );
            return container(`${idOf(vpc)}/az-${i}`, `AZ ${i + 1}`, "az", layers);
        });
        const inside: Box[] = [...azs];
        return { vpc, box: container(idOf(vpc), `VPC ${vpc.inputs.cidrBlock}`, "vpc", inside) };
    });

    // Edge tier: outside the VPC.
    const edgeBoxes: Box[] = [];
    const first = (type: string) => capture.ofType(type)[0];
    const zone = first(T.zone);
    const records = capture.ofType(T.record).filter((r) => ["A", "AAAA"].includes(r.inputs.type));
    const dns = zone ?? records[0];
    // A looked-up zone (the default) has no resource: name it after the domain its records live in.
    const zoneName =
        zone?.inputs.name ??
        (typeof records[0]?.inputs.name === "string" ? records[0].inputs.name.split(".").slice(1).join(".") : "");
    if (dns) edgeBoxes.push(node(idOf(dns), `Route53 ${zoneName}`.trim()));
    const webAcl = first(T.webAcl);
    if (webAcl) edgeBoxes.push(node(idOf(webAcl), "WAFv2 web ACL"));
    const cert = first(T.cert);
    if (cert) edgeBoxes.push(node(idOf(cert), `ACM ${cert.inputs.domainName}`));
    const lbs = capture.ofType(T.lb);
    for (const lb of lbs)
        edgeBoxes.push(node(idOf(lb), `ALB (${lb.inputs.internal ? "internal" : "internet-facing"})`));

    // Cluster: the EKS component with node groups and namespaces (with their workloads).
    const eks = first(T.eks) ?? capture.ofType(TYPES.awsEksCluster)[0];
    const clusterBoxes: Box[] = [];
    if (eks) {
        const namespaces = capture.ofType(T.namespace).map((ns) => {
            const name = ns.inputs.metadata?.name ?? short(ns);
            const label = (w: CapturedResource) =>
                w.type === T.deployment
                    ? `Deployment ${w.inputs.metadata?.name ?? short(w)}`
                    : w.type === T.gateway
                      ? `Gateway ${w.inputs.metadata?.name ?? short(w)} (NGINX)`
                      : `chart ${w.inputs.chart ?? short(w)}`;
            const workloads = [
                ...capture.ofType(T.gateway),
                ...capture.ofType(T.deployment),
                ...capture.ofType(T.chart),
                ...capture.ofType(T.release),
            ]
                .filter((w) => nsName(w) === name)
                .map((w) => node(idOf(w), label(w)));
            return container(idOf(ns), `namespace ${name}`, "namespace", workloads);
        });
        clusterBoxes.push(container(idOf(eks), `EKS ${eks.inputs.version ?? ""}`.trim(), "cluster", namespaces));
    }

    for (const { box } of vpcs) box.children.push(...clusterBoxes);

    // Keys, images, buckets and backups: regional services outside the VPC.
    const keys = capture.ofType(T.key);
    const keyBoxes = keys.map((k) => node(idOf(k), `KMS ${short(k).replace(/^keys-/, "")}`));
    const services = [
        ...capture.ofType(T.ecr).map((r) => node(idOf(r), `ECR ${r.inputs.name ?? short(r)}`)),
        ...capture.ofType(T.bucket).map((b) => node(idOf(b), `S3 ${short(b)}`)),
        ...capture.ofType(T.vault).map((v) => node(idOf(v), `Backup vault ${short(v)}`)),
        ...capture.ofType(T.logGroup).map((g) => node(idOf(g), logLabel(g.inputs.name ?? short(g)))),
    ];

    const root: Box[] = [
        node("user", "Users", "external"),
        ...(edgeBoxes.length ? [container("edge", "Edge", "edge", edgeBoxes)] : []),
        ...vpcs.map((v) => v.box),
        container("regional", "Regional services", "state", services),
        container("keys", "KMS keys", "keys", keyBoxes),
        container("state", "State backend (bootstrap/)", "state", [
            node("state-bucket", "S3 state bucket (SSE-KMS)"),
            node("secrets-key", "KMS secrets provider key"),
        ]),
    ];

    // Traffic: user → Route53 → WAF → ALB → Gateway (NGINX) → app → RDS.
    const ingress = capture.ofType(T.gateway)[0];
    const apps = capture.ofType(T.deployment).filter((d) => !ingress || nsName(d) !== nsName(ingress));
    const chain = [
        dns && { id: idOf(dns), label: "DNS" },
        webAcl && { id: idOf(webAcl), label: "HTTPS" },
        lbs[0] && { id: idOf(lbs[0]), label: webAcl ? "filtered" : "HTTPS" },
        ingress && { id: idOf(ingress), label: "HTTPS :node port" },
        apps[0] && { id: idOf(apps[0]), label: "HTTP (in cluster)" },
        capture.ofType(T.rds)[0] && { id: idOf(capture.ofType(T.rds)[0]), label: "TLS" },
    ].filter(Boolean) as { id: string; label: string }[];
    let from = "user";
    for (const hop of chain) {
        edges.push({ from, to: hop.id, label: hop.label, kind: "traffic" });
        from = hop.id;
    }

    // Encryption: every drawn box whose inputs name a key ARN → that key.
    const drawn = new Set(flatten(root).map((b) => b.id));
    const keyByArn = new Map(keys.flatMap((k) => [[k.state.arn, k] as const, [k.id, k] as const]));
    for (const r of capture.resources) {
        if (!drawn.has(idOf(r)) || r.type === T.key) continue;
        const refs = new Set(
            KEY_INPUTS.flatMap((p) => strings(r.inputs[p]))
                .concat(strings(r.inputs.encryptionConfig ?? []))
                .concat(strings(r.inputs.encryptionConfigurations ?? [])),
        );
        for (const ref of refs) {
            const k = keyByArn.get(ref);
            if (k) edges.push({ from: idOf(r), to: idOf(k), label: "encrypted by", kind: "encryption" });
        }
    }
    // The keys also show on each node's second line, so the drawing needs no line per key use.
    const keyName = new Map(keys.map((k) => [idOf(k), short(k).replace(/^keys-/, "")]));
    for (const box of flatten(root)) {
        const used = [
            ...new Set(
                edges.filter((e) => e.kind === "encryption" && e.from === box.id).map((e) => keyName.get(e.to)!),
            ),
        ].sort();
        if (used.length && box.kind === "node") box.detail = `KMS: ${used.join(", ")}`;
    }
    return { stack, root, edges };
}

/** `/aws/rds/instance/<db>/postgresql` → `Logs rds postgresql`; `aws-waf-logs-…` → `Logs waf`. */
function logLabel(name: string): string {
    if (name.startsWith("aws-waf-logs-")) return "Logs waf";
    const parts = name.split("/").filter(Boolean);
    return parts[0] === "aws" && parts.length > 2 ? `Logs ${parts[1]} ${parts[parts.length - 1]}` : `Logs ${name}`;
}

export function flatten(boxes: Box[]): Box[] {
    return boxes.flatMap((b) => [b, ...flatten(b.children)]);
}
