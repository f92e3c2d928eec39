import * as pulumi from "@pulumi/pulumi";

/**
 * Provider-like outputs for resources and function calls under `pulumi.runtime.setMocks`.
 * Part of the engine (lib/engine): shared by the offline `check`/`diagram`/`bench` tools and the tests: one place knows what AWS,
 * EKS and Kubernetes would hand back (ids, ARNs, endpoints), so every consumer sees the same world.
 */

export const MOCK_ACCOUNT = "123456789012";

export interface MockWorld {
    accountId: string;
    region: string;
}

type State = Record<string, unknown>;

function suffix(name: string): string {
    return name.replace(/[^A-Za-z0-9-]/g, "-").toLowerCase();
}

/** `aws:ec2/securityGroup:SecurityGroup` → service `ec2`, kind `securityGroup`. */
function awsParts(type: string): { service: string; kind: string } {
    const [, mod = "", kind = ""] = /^aws:([^/]+)\/([^:]+):/.exec(type) ?? [];
    return { service: mod, kind };
}

const ID_PREFIX: Record<string, string> = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:route53/zone:Zone": "Z",
};

/** A deterministic id: stable across runs so diagrams and reports do not churn. */
function mockId(type: string, name: string): string {
    const prefix = ID_PREFIX[type];
    if (prefix === "Z") return `Z${hash(name).toUpperCase().slice(0, 12)}`;
    return prefix ? `${prefix}-${hash(name)}` : `${suffix(name)}-id`;
}

function hash(s: string): string {
    let h = 2166136261;
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
    return h.toString(16).padStart(8, "0") + ((s.length * 2654435761) >>> 0).toString(16).padStart(8, "0").slice(0, 9);
}

function arnFor(world: MockWorld, type: string, name: string, id: string): string {
    const { service, kind } = awsParts(type);
    const region = ["iam", "route53"].includes(service) ? "" : world.region; // global services
    const account = service === "route53" ? "" : world.accountId;
    const svc =
        { lb: "elasticloadbalancing", alb: "elasticloadbalancing", cloudwatch: "logs", rds: "rds" }[service] ?? service;
    if (service === "kms" && kind === "key") return `arn:aws:kms:${world.region}:${world.accountId}:key/${id}`;
    if (service === "iam" && kind === "role") return `arn:aws:iam::${world.accountId}:role/${name}`;
    if (service === "iam" && kind === "policy") return `arn:aws:iam::${world.accountId}:policy/${name}`;
    if (service === "cloudwatch" && kind === "logGroup")
        return `arn:aws:logs:${world.region}:${world.accountId}:log-group:${name}`;
    if ((service === "lb" || service === "alb") && kind === "loadBalancer")
        return `arn:aws:elasticloadbalancing:${world.region}:${world.accountId}:loadbalancer/app/${name.slice(0, 32)}/${hash(name).slice(0, 16)}`;
    if ((service === "lb" || service === "alb") && kind === "targetGroup")
        return `arn:aws:elasticloadbalancing:${world.region}:${world.accountId}:targetgroup/${name.slice(0, 32)}/${hash(name).slice(0, 16)}`;
    if (service === "acm") return `arn:aws:acm:${world.region}:${world.accountId}:certificate/${hash(name)}`;
    return `arn:aws:${svc}:${region}:${account}:${kind}/${id}`;
}

function kubeconfig(name: string, world: MockWorld): State {
    return {
        apiVersion: "v1",
        kind: "Config",
        clusters: [
            {
                name,
                cluster: {
                    server: `https://${hash(name).toUpperCase()}.gr7.${world.region}.eks.amazonaws.com`,
                    "certificate-authority-data": "bW9jaw==",
                },
            },
        ],
        contexts: [{ name: "aws", context: { cluster: name, user: "aws" } }],
        "current-context": "aws",
        users: [
            {
                name: "aws",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1beta1",
                        command: "aws",
                        args: ["eks", "get-token", "--cluster-name", name],
                    },
                },
            },
        ],
    };
}

/** Outputs a provider would add to a resource's inputs, by type. */
function outputsFor(world: MockWorld, type: string, name: string, id: string, inputs: State): State {
    const arn = arnFor(world, type, name, id);
    const common: State = { arn, id };
    switch (type) {
        case "aws:ec2/vpc:Vpc":
            return {
                ...common,
                defaultSecurityGroupId: `sg-default-${hash(name)}`,
                mainRouteTableId: `rtb-main-${hash(name)}`,
                defaultNetworkAclId: `acl-default-${hash(name)}`,
            };
        case "aws:kms/key:Key":
            return { ...common, keyId: id };
        case "aws:kms/alias:Alias":
            return {
                ...common,
                arn: `arn:aws:kms:${world.region}:${world.accountId}:${inputs.name ?? `alias/${name}`}`,
            };
        case "aws:iam/role:Role":
            return { ...common, name: inputs.name ?? name, uniqueId: `AROA${hash(name).toUpperCase()}` };
        case "aws:s3/bucket:Bucket":
        case "aws:s3/bucketV2:BucketV2": {
            const bucket = (inputs.bucket as string) ?? `${suffix(name)}-${hash(name).slice(0, 7)}`;
            return {
                ...common,
                bucket,
                arn: `arn:aws:s3:::${bucket}`,
                bucketRegionalDomainName: `${bucket}.s3.${world.region}.amazonaws.com`,
            };
        }
        case "aws:lb/loadBalancer:LoadBalancer":
        case "aws:alb/loadBalancer:LoadBalancer":
            return {
                ...common,
                dnsName: `${suffix(name).slice(0, 20)}-${hash(name).slice(0, 10)}.${world.region}.elb.amazonaws.com`,
                zoneId: "Z32O12XQLNTSW2",
                arnSuffix: `app/${name.slice(0, 32)}/${hash(name).slice(0, 16)}`,
            };
        case "aws:lb/targetGroup:TargetGroup":
        case "aws:alb/targetGroup:TargetGroup":
            return { ...common, arnSuffix: `targetgroup/${name.slice(0, 32)}/${hash(name).slice(0, 16)}` };
        case "aws:route53/zone:Zone":
            return { ...common, zoneId: id, nameServers: ["ns-1.awsdns-01.org", "ns-2.awsdns-02.co.uk"] };
        case "aws:acm/certificate:Certificate": {
            const names = [inputs.domainName, ...((inputs.subjectAlternativeNames as string[]) ?? [])].filter(
                Boolean,
            ) as string[];
            return {
                ...common,
                domainValidationOptions: names.map((d) => ({
                    domainName: d,
                    resourceRecordName: `_${hash(d).slice(0, 12)}.${d}.`,
                    resourceRecordType: "CNAME",
                    resourceRecordValue: `_${hash(d + "v").slice(0, 12)}.acm-validations.aws.`,
                })),
            };
        }
        case "aws:rds/instance:Instance": {
            const port = (inputs.port as number) ?? (inputs.engine === "mysql" ? 3306 : 5432);
            const address = `${suffix(name)}.${hash(name).slice(0, 12)}.${world.region}.rds.amazonaws.com`;
            return {
                ...common,
                arn: `arn:aws:rds:${world.region}:${world.accountId}:db:${suffix(name)}`,
                address,
                endpoint: `${address}:${port}`,
                port,
                resourceId: `db-${hash(name).toUpperCase()}`,
                masterUserSecrets: [
                    {
                        secretArn: `arn:aws:secretsmanager:${world.region}:${world.accountId}:secret:rds!db-${hash(name)}`,
                        secretStatus: "active",
                        kmsKeyId: inputs.masterUserSecretKmsKeyId,
                    },
                ],
            };
        }
        case "aws:ecr/repository:Repository":
            return {
                ...common,
                repositoryUrl: `${world.accountId}.dkr.ecr.${world.region}.amazonaws.com/${inputs.name ?? suffix(name)}`,
                registryId: world.accountId,
            };
        case "aws:eks/cluster:Cluster":
            return {
                ...common,
                name: inputs.name ?? name,
                endpoint: `https://${hash(name).toUpperCase()}.gr7.${world.region}.eks.amazonaws.com`,
            };
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
            return { ...common, url: inputs.url };
        case "eks:index:Cluster": {
            const clusterName = (inputs.name as string) ?? `${suffix(name)}-eks`;
            const issuer = `oidc.eks.${world.region}.amazonaws.com/id/${hash(name).toUpperCase()}`;
            const kc = kubeconfig(clusterName, world);
            return {
                kubeconfig: kc,
                kubeconfigJson: JSON.stringify(kc),
                clusterSecurityGroupId: `sg-cluster-${hash(name)}`,
                nodeSecurityGroupId: `sg-node-${hash(name)}`,
                clusterIngressRuleId: `sgr-${hash(name)}`,
                oidcProviderArn: `arn:aws:iam::${world.accountId}:oidc-provider/${issuer}`,
                oidcProviderUrl: `https://${issuer}`,
                oidcIssuer: issuer,
                eksCluster: {
                    name: clusterName,
                    arn: `arn:aws:eks:${world.region}:${world.accountId}:cluster/${clusterName}`,
                    endpoint: `https://${hash(name).toUpperCase()}.gr7.${world.region}.eks.amazonaws.com`,
                    version: inputs.version,
                    vpcConfig: { clusterSecurityGroupId: `sg-eks-${hash(name)}` },
                    identities: [{ oidcs: [{ issuer: `https://${issuer}` }] }],
                },
                core: {
                    cluster: { name: clusterName },
                    vpcId: inputs.vpcId,
                    subnetIds: inputs.privateSubnetIds,
                    endpoint: `https://${hash(name).toUpperCase()}.gr7.${world.region}.eks.amazonaws.com`,
                },
                instanceRoles: [],
            };
        }
        case "eks:index:ManagedNodeGroup":
            return {
                nodeGroup: {
                    nodeGroupName: inputs.nodeGroupName ?? name,
                    arn: `arn:aws:eks:${world.region}:${world.accountId}:nodegroup/${name}`,
                    status: "ACTIVE",
                },
            };
        case "aws:rds/subnetGroup:SubnetGroup":
        case "aws:rds/parameterGroup:ParameterGroup":
        case "aws:rds/optionGroup:OptionGroup":
        case "aws:backup/vault:Vault":
            // Autonamed by the provider: the logical name plus a random suffix, which other resources reference.
            return { ...common, name: inputs.name ?? `${suffix(name)}-${hash(name).slice(0, 7)}` };
        case "aws:route53/record:Record":
            // Route53 reports the record's name without the trailing dot as its FQDN.
            return { ...common, fqdn: String(inputs.name ?? name).replace(/\.$/, "") };
        case "aws:eks/nodeGroup:NodeGroup": {
            // EKS names the node group's Auto Scaling group eks-<node group>-<uuid>; the cluster tier attaches it to the ALB target group.
            const nodeGroupName = (inputs.nodeGroupName as string) ?? `${suffix(name)}-${hash(name).slice(0, 7)}`;
            return {
                ...common,
                nodeGroupName,
                status: "ACTIVE",
                resources: [
                    {
                        autoscalingGroups: [{ name: `eks-${nodeGroupName}-${hash(name + "asg")}` }],
                        remoteAccessSecurityGroupId: "",
                    },
                ],
            };
        }
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { ...common, latestVersion: 1, defaultVersion: 1 };
        // Placeholder PEM text: the shape a Secret's stringData needs, no real key material.
        case "tls:index/privateKey:PrivateKey":
            return { privateKeyPem: `-----BEGIN PRIVATE KEY-----\nmock-${hash(name)}\n-----END PRIVATE KEY-----\n` };
        case "tls:index/selfSignedCert:SelfSignedCert":
            return { certPem: `-----BEGIN CERTIFICATE-----\nmock-${hash(name)}\n-----END CERTIFICATE-----\n` };
        default:
            return type.startsWith("aws:") ? common : {};
    }
}

/** Results for provider function calls (data sources) the program makes. */
function callResult(world: MockWorld, token: string, args: State): State {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId: world.accountId,
                arn: `arn:aws:iam::${world.accountId}:user/mock`,
                userId: "AIDAMOCK",
                id: world.accountId,
            };
        case "aws:index/getRegion:getRegion":
            return { name: world.region, region: world.region, id: world.region, description: world.region };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
            const names = ["a", "b", "c", "d"].map((s) => `${world.region}${s}`);
            return { names, zoneIds: names.map((_, i) => `euw1-az${i + 1}`), id: world.region };
        }
        case "aws:route53/getZone:getZone":
            return {
                zoneId: args.zoneId ?? "ZMOCKZONE",
                name: args.name ?? "example.com",
                id: args.zoneId ?? "ZMOCKZONE",
            };
        case "aws:iam/getRoles:getRoles":
            // Every account that has run an Auto Scaling group has its service-linked role.
            return {
                arns: [
                    `arn:aws:iam::${world.accountId}:role${args.pathPrefix ?? "/"}${String(args.nameRegex ?? "").replace(/^\^|\$$/g, "")}`,
                ],
                names: [String(args.nameRegex ?? "").replace(/^\^|\$$/g, "")],
                id: "roles",
            };
        case "aws:elb/getServiceAccount:getServiceAccount":
            return { arn: "arn:aws:iam::156460612806:root", id: "156460612806" };
        default:
            return {};
    }
}

export function createMocks(
    world: MockWorld,
    onResource?: (args: pulumi.runtime.MockResourceArgs, id: string, state: State) => void,
): pulumi.runtime.Mocks {
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: State } {
            const id = args.id || mockId(args.type, args.name);
            const state = { ...args.inputs, ...outputsFor(world, args.type, args.name, id, args.inputs) };
            onResource?.(args, id, state);
            return { id: args.custom === false && !args.type.startsWith("eks:") ? undefined : id, state };
        },
        call(args: pulumi.runtime.MockCallArgs): State {
            return callResult(world, args.token, args.inputs);
        },
    };
}
