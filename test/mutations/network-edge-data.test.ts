import { TYPES } from "../../lib/contract";
import { ResourceInput } from "../../tools/lib/analyzer";
import { MutationRow, mutationSuite, add, all, drop, get, one, set } from "../support/mutations";

/**
 * Insecure changes a pull request could make to the network, edge and data tiers (components/network.ts,
 * edge.ts, database.ts, db-user.ts), each judged by the real pack against the prod program: every row names
 * a policy that must block it.
 */

const SG = TYPES.securityGroup;
const DB = TYPES.rdsInstance;
const LB = TYPES.loadBalancer;
const LISTENER = TYPES.listener;

/** Points `r`'s reference input at other resources, as the engine records it (the graph the pack resolves through). */
function refer(r: ResourceInput, input: string, targets: ResourceInput[], value?: unknown): void {
    r.propertyDependencies = { ...(r.propertyDependencies ?? {}), [input]: targets.map((t) => t.urn!) };
    if (value !== undefined) set(r, input, value);
}

/** A security group's resolved id in the mocked program (standalone rules name groups by id). */
const idOf = (r: ResourceInput): string => String(get(r, "id") ?? r.name);

/** A standalone ingress rule on `sg` (the `aws:vpc` shape). */
function ingressRule(rs: ResourceInput[], sgName: RegExp, name: string, rule: Record<string, unknown>): void {
    const like = one(rs, TYPES.securityGroupIngressRule, /database-from-0/);
    const sg = one(rs, SG, sgName);
    const r = add(rs, like, { type: TYPES.securityGroupIngressRule, name, props: { ...rule } });
    const target = all(rs, TYPES.securityGroupIngressRule).find(
        (x) => x !== r && x.propertyDependencies?.securityGroupId?.includes(sg.urn!),
    );
    refer(r, "securityGroupId", [sg], target ? get(target, "securityGroupId") : idOf(sg));
}

/** A standalone rule of the `aws:ec2/securityGroupRule` shape on `sg`. */
function legacyRule(rs: ResourceInput[], sgName: RegExp, name: string, rule: Record<string, unknown>): void {
    const sg = one(rs, SG, sgName);
    const r = add(rs, sg, { type: TYPES.securityGroupRule, name, props: { ...rule } });
    const existing = all(rs, TYPES.securityGroupIngressRule).find((x) =>
        x.propertyDependencies?.securityGroupId?.includes(sg.urn!),
    );
    refer(r, "securityGroupId", [sg], existing ? get(existing, "securityGroupId") : idOf(sg));
}

/** Adds a route to `table` through `target` (`gatewayId` → the IGW, `natGatewayId` → a NAT gateway...). */
function route(rs: ResourceInput[], table: RegExp, name: string, via: string, target: ResourceInput, dest = {}) {
    const rt = one(rs, TYPES.routeTable, table);
    const like = one(rs, TYPES.route, /network-public-default/);
    const r = add(rs, like, {
        type: TYPES.route,
        name,
        props: { destinationCidrBlock: "0.0.0.0/0", ...dest, routeTableId: get(like, "routeTableId") },
    });
    refer(r, "routeTableId", [rt], `rtb-for-${rt.name}`);
    refer(r, via, [target], `${via}-${target.name}`);
}

/** Moves the DB subnet group onto the subnets named by `layer`. */
function dbSubnetsOn(rs: ResourceInput[], layer: "public" | "private"): void {
    const group = one(rs, TYPES.rdsSubnetGroup);
    const subnets = all(rs, TYPES.subnet, new RegExp(`network-${layer}-\\d`));
    refer(
        group,
        "subnetIds",
        subnets,
        subnets.map((s) => `subnet-${s.name}`),
    );
}

const https = (rs: ResourceInput[]) => one(rs, LISTENER, /edge-https/);
const http = (rs: ResourceInput[]) => one(rs, LISTENER, /edge-http$/);

const rows: MutationRow[] = [
    // ------------------------------------------------------------ security groups
    {
        name: "database security group admits the internet on the DB port (inline, IPv4)",
        blockedBy: "sg-public-ingress-only-https",
        apply: (rs) =>
            set(one(rs, SG, /database-sg/), "ingress", [
                { protocol: "tcp", fromPort: 5432, toPort: 5432, cidrBlocks: ["0.0.0.0/0"] },
            ]),
    },
    {
        name: "database ingress rule switched from the nodes' group to 0.0.0.0/0",
        blockedBy: "sg-public-ingress-only-https",
        apply: (rs) => {
            const r = one(rs, TYPES.securityGroupIngressRule, /database-from-0/);
            set(r, "referencedSecurityGroupId", undefined);
            set(r, "cidrIpv4", "0.0.0.0/0");
        },
    },
    {
        name: "database port opened to the private subnets' CIDR with an aws:ec2 SecurityGroupRule",
        blockedBy: "sg-db-ingress-by-sg-reference",
        apply: (rs) =>
            legacyRule(rs, /database-sg/, "database-from-cidr", {
                type: "ingress",
                protocol: "tcp",
                fromPort: 5432,
                toPort: 5432,
                cidrBlocks: ["10.20.0.0/20"],
            }),
    },
    {
        name: "database port opened to an IPv6 range",
        blockedBy: "sg-db-ingress-by-sg-reference",
        apply: (rs) =>
            ingressRule(rs, /database-sg/, "database-from-v6", {
                ipProtocol: "tcp",
                fromPort: 5432,
                toPort: 5432,
                cidrIpv6: "2001:db8::/56",
            }),
    },
    {
        name: "database admits the CI runners' security group (migrations from CI)",
        blockedBy: "sg-database-ingress-declared-sources",
        apply: (rs) => {
            const runner = one(rs, SG, /runner-security-group/);
            const r = one(rs, TYPES.securityGroupIngressRule, /database-from-0/);
            refer(r, "referencedSecurityGroupId", [runner], "sg-runner");
        },
    },
    {
        name: "database rule from the nodes widened to every TCP port",
        blockedBy: "sg-database-ingress-declared-sources",
        apply: (rs) => {
            const r = one(rs, TYPES.securityGroupIngressRule, /database-from-0/);
            set(r, "fromPort", 0);
            set(r, "toPort", 65535);
        },
    },
    {
        name: "nodes' security group admits the internet on the ingress node port (aws:ec2 rule)",
        blockedBy: "sg-public-ingress-only-https",
        apply: (rs) =>
            legacyRule(rs, /cluster-nodes/, "nodes-from-world", {
                type: "ingress",
                protocol: "tcp",
                fromPort: 30443,
                toPort: 30443,
                cidrBlocks: ["0.0.0.0/0"],
            }),
    },
    {
        name: "SSH from ::/0 to the nodes",
        blockedBy: "sg-no-public-admin-ports",
        apply: (rs) =>
            ingressRule(rs, /cluster-nodes/, "nodes-ssh", {
                ipProtocol: "tcp",
                fromPort: 22,
                toPort: 22,
                cidrIpv6: "::/0",
            }),
    },
    {
        name: "SSH to the nodes from one office address (a public /32)",
        blockedBy: "sg-no-public-admin-ports",
        apply: (rs) =>
            ingressRule(rs, /cluster-nodes/, "nodes-ssh-office", {
                ipProtocol: "tcp",
                fromPort: 22,
                toPort: 22,
                cidrIpv4: "198.51.100.7/32",
            }),
    },
    {
        name: "node port opened to the internet as two halves (0.0.0.0/1 and 128.0.0.0/1)",
        blockedBy: "sg-public-ingress-only-https",
        apply: (rs) =>
            legacyRule(rs, /cluster-nodes/, "nodes-from-halves", {
                type: "ingress",
                protocol: "tcp",
                fromPort: 30443,
                toPort: 30443,
                cidrBlocks: ["0.0.0.0/1", "128.0.0.0/1"],
            }),
    },
    {
        name: "public NACL admits RDP from a partner's public range",
        blockedBy: "nacl-no-public-admin-ports",
        apply: (rs) => {
            const acl = one(rs, TYPES.networkAcl, /network-public-nacl/);
            set(acl, "ingress", [
                ...get(acl, "ingress"),
                {
                    action: "allow",
                    protocol: "tcp",
                    cidrBlock: "203.0.113.0/24",
                    fromPort: 3389,
                    toPort: 3389,
                    ruleNo: 95,
                },
            ]);
        },
    },
    {
        name: "ALB security group egress widened to everything",
        blockedBy: "alb-sg-egress-to-targets-only",
        apply: (rs) =>
            set(one(rs, SG, /edge-alb/), "egress", [
                { protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] },
            ]),
    },
    {
        name: "database security group given allow-all egress to the internet",
        blockedBy: "sg-data-tier-no-internet-egress",
        apply: (rs) => {
            const sg = one(rs, SG, /database-sg/);
            const like = one(rs, TYPES.securityGroupIngressRule, /database-from-0/);
            const r = add(rs, like, {
                type: TYPES.securityGroupEgressRule,
                name: "database-egress-all",
                props: { ipProtocol: "-1", cidrIpv4: "0.0.0.0/0", securityGroupId: get(like, "securityGroupId") },
            });
            refer(r, "securityGroupId", [sg]);
        },
    },
    {
        name: "DB-user job (master credentials) may send the DB port anywhere on the internet",
        blockedBy: "sg-data-tier-no-internet-egress",
        apply: (rs) => {
            const sg = one(rs, SG, /db-user-security-group/);
            const egress = get(sg, "egress") as any[];
            set(sg, "egress", [egress[0], { ...egress[1], cidrBlocks: ["0.0.0.0/0"] }]);
        },
    },
    {
        name: "default security group re-opened with an inline rule",
        blockedBy: "default-security-group-closed",
        apply: (rs) =>
            set(one(rs, TYPES.defaultSecurityGroup), "ingress", [
                { protocol: "-1", fromPort: 0, toPort: 0, self: true },
            ]),
    },
    {
        name: "standalone rule on the VPC's default security group",
        blockedBy: "default-sg-no-standalone-rules",
        apply: (rs) => {
            const vpc = one(rs, TYPES.vpc);
            const like = one(rs, TYPES.securityGroupIngressRule, /database-from-0/);
            const r = add(rs, like, {
                type: TYPES.securityGroupIngressRule,
                name: "default-sg-db",
                props: { ipProtocol: "tcp", fromPort: 5432, toPort: 5432, referencedSecurityGroupId: "sg-x" },
            });
            refer(r, "securityGroupId", [vpc], "sg-default");
        },
    },
    // ------------------------------------------------------------ subnets, routes, NACLs, flow logs, endpoints
    {
        name: "private subnet maps public IPs on launch",
        blockedBy: "subnet-no-auto-public-ip",
        apply: (rs) => set(one(rs, TYPES.subnet, /network-private-0/), "mapPublicIpOnLaunch", true),
    },
    {
        name: "isolated route table gets a default route to the internet gateway",
        blockedBy: "rds-private-subnets-only",
        apply: (rs) => route(rs, /network-isolated-rt/, "isolated-igw", "gatewayId", one(rs, TYPES.internetGateway)),
    },
    {
        name: "isolated route table gets a default route through a NAT gateway",
        blockedBy: "rds-subnets-no-internet-path",
        apply: (rs) => route(rs, /network-isolated-rt/, "isolated-nat", "natGatewayId", one(rs, TYPES.natGateway)),
    },
    {
        name: "database subnet group moved onto the public subnets",
        blockedBy: "rds-private-subnets-only",
        apply: (rs) => dbSubnetsOn(rs, "public"),
    },
    {
        name: "database subnet group moved onto the private (NAT-routed) subnets",
        blockedBy: "rds-subnets-no-internet-path",
        apply: (rs) => dbSubnetsOn(rs, "private"),
    },
    {
        name: "standalone NACL rule admits ::/0 on every protocol",
        blockedBy: "nacl-no-public-admin-ports",
        apply: (rs) => {
            const acl = one(rs, TYPES.networkAcl, /network-private-nacl/);
            const r = add(rs, acl, {
                type: TYPES.networkAclRule,
                name: "private-allow-all-v6",
                props: { ruleNumber: 50, egress: false, protocol: "-1", ruleAction: "allow", ipv6CidrBlock: "::/0" },
            });
            refer(r, "networkAclId", [acl], "acl-private");
        },
    },
    {
        name: "isolated NACL admits the DB port from the internet",
        blockedBy: "rds-subnets-no-internet-path",
        apply: (rs) => {
            const acl = one(rs, TYPES.networkAcl, /network-isolated-nacl/);
            set(acl, "ingress", [
                ...get(acl, "ingress"),
                { action: "allow", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 5432, toPort: 5432, ruleNo: 90 },
            ]);
        },
    },
    {
        name: "isolated layer's NACL removed (the DB subnets fall back to the allow-all default ACL)",
        blockedBy: "rds-subnets-no-internet-path",
        apply: (rs) => drop(rs, TYPES.networkAcl, /network-isolated-nacl/),
    },
    {
        name: "flow log removed",
        blockedBy: "vpc-flow-logs-enabled",
        apply: (rs) => drop(rs, TYPES.flowLog),
    },
    // ------------------------------------------------------------ RDS
    {
        name: "database made publicly accessible",
        blockedBy: "rds-not-publicly-accessible",
        apply: (rs) => set(one(rs, DB), "publiclyAccessible", true),
    },
    {
        name: "database storage unencrypted",
        blockedBy: "rds-storage-encrypted-with-cmk",
        apply: (rs) => set(one(rs, DB), "storageEncrypted", false),
    },
    {
        name: "database storage key dropped (aws/rds would be used)",
        blockedBy: "rds-storage-encrypted-with-cmk",
        apply: (rs) => set(one(rs, DB), "kmsKeyId", undefined),
    },
    {
        name: "Performance Insights key dropped (query text under aws/rds)",
        blockedBy: "rds-storage-encrypted-with-cmk",
        apply: (rs) => set(one(rs, DB), "performanceInsightsKmsKeyId", undefined),
    },
    {
        name: "automated backups turned off",
        blockedBy: "rds-backup-retention",
        apply: (rs) => set(one(rs, DB), "backupRetentionPeriod", 0),
    },
    {
        name: "deletion protection off",
        blockedBy: "rds-deletion-protection",
        apply: (rs) => set(one(rs, DB), "deletionProtection", false),
    },
    {
        name: "parameter group stops forcing TLS",
        blockedBy: "rds-tls-enforced",
        apply: (rs) => set(one(rs, TYPES.rdsParameterGroup), "parameters", []),
    },
    {
        name: "database falls back to the default parameter group",
        blockedBy: "rds-uses-tls-parameter-group",
        apply: (rs) => {
            const db = one(rs, DB);
            set(db, "parameterGroupName", undefined);
            delete db.propertyDependencies?.parameterGroupName;
        },
    },
    {
        name: "IAM database authentication off",
        blockedBy: "rds-iam-auth-enabled",
        apply: (rs) => set(one(rs, DB), "iamDatabaseAuthenticationEnabled", false),
    },
    {
        name: "prod database single-AZ",
        blockedBy: "rds-multi-az",
        apply: (rs) => set(one(rs, DB), "multiAz", false),
    },
    {
        name: "literal master password instead of the RDS-managed secret",
        blockedBy: "rds-managed-master-password",
        apply: (rs) => {
            const db = one(rs, DB);
            set(db, "manageMasterUserPassword", undefined);
            set(db, "password", "Sup3rSecret!");
        },
    },
    // ------------------------------------------------------------ edge
    {
        name: "HTTP listener forwards to the targets instead of redirecting",
        blockedBy: "alb-http-redirects-to-https",
        apply: (rs) =>
            set(http(rs), "defaultActions", [
                { type: "forward", targetGroupArn: get(https(rs), "defaultActions.0.targetGroupArn") },
            ]),
    },
    {
        name: "HTTPS listener downgraded to an old TLS policy",
        blockedBy: "alb-https-listener-tls-policy",
        apply: (rs) => set(https(rs), "sslPolicy", "ELBSecurityPolicy-2016-08"),
    },
    {
        name: "HTTPS listener's default action redirects to plain HTTP",
        blockedBy: "alb-no-redirect-to-plain-http",
        apply: (rs) =>
            set(https(rs), "defaultActions", [
                { type: "redirect", redirect: { protocol: "HTTP", port: "80", statusCode: "HTTP_301" } },
            ]),
    },
    {
        name: "listener rule on the HTTP listener forwards plain HTTP",
        blockedBy: "alb-listener-rule-no-plain-http-forward",
        apply: (rs) => {
            const l = http(rs);
            const r = add(rs, l, {
                type: TYPES.listenerRule,
                name: "edge-http-api",
                props: {
                    priority: 10,
                    conditions: [{ pathPattern: { values: ["/api/*"] } }],
                    actions: [{ type: "forward", targetGroupArn: get(https(rs), "defaultActions.0.targetGroupArn") }],
                },
            });
            refer(r, "listenerArn", [l], "arn:listener-http");
        },
    },
    {
        name: "WAF association removed",
        blockedBy: "public-alb-has-waf",
        apply: (rs) => drop(rs, TYPES.webAclAssociation),
    },
    {
        name: "ALB access logs off",
        blockedBy: "alb-access-logs-enabled",
        apply: (rs) => set(one(rs, LB), "accessLogs.enabled", false),
    },
    {
        name: "ALB passes invalid header fields",
        blockedBy: "alb-drop-invalid-headers",
        apply: (rs) => set(one(rs, LB), "dropInvalidHeaderFields", false),
    },
    {
        name: "target group re-encryption dropped (plain HTTP to the nodes)",
        blockedBy: "alb-target-group-https",
        apply: (rs) => set(one(rs, TYPES.targetGroup), "protocol", "HTTP"),
    },
    {
        name: "certificate validated by e-mail",
        blockedBy: "acm-certificate-managed-dns",
        apply: (rs) => set(one(rs, TYPES.certificate), "validationMethod", "EMAIL"),
    },
];

mutationSuite("insecure changes to the network, edge and data tiers", rows);
