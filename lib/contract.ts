/**
 * The platform contract: the literals that the program (index.ts, components/), the policy pack
 * (policy/) and the tools (tools/) must agree on. A literal used by two of them lives here, once.
 *
 * Plain constants only, no imports: the pack loads this file from policy/ under the CLI's policy host
 * (run-policy-pack registers ts-node in policy/ and compiles what the pack requires, this file included).
 */

/**
 * Resource type tokens (`<package>:<module>/<name>:<Type>`) that the program, the pack or the tools name. The pack names
 * every token through here; aliases that express the same thing (`aws:lb/…` and `aws:alb/…`, `…V2`) sit side by side.
 */
export const TYPES = {
    // EC2 / VPC
    vpc: "aws:ec2/vpc:Vpc",
    defaultVpc: "aws:ec2/defaultVpc:DefaultVpc",
    subnet: "aws:ec2/subnet:Subnet",
    securityGroup: "aws:ec2/securityGroup:SecurityGroup",
    defaultSecurityGroup: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
    securityGroupIngressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    securityGroupEgressRule: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
    internetGateway: "aws:ec2/internetGateway:InternetGateway",
    natGateway: "aws:ec2/natGateway:NatGateway",
    eip: "aws:ec2/eip:Eip",
    routeTable: "aws:ec2/routeTable:RouteTable",
    defaultRouteTable: "aws:ec2/defaultRouteTable:DefaultRouteTable",
    route: "aws:ec2/route:Route",
    routeTableAssociation: "aws:ec2/routeTableAssociation:RouteTableAssociation",
    mainRouteTableAssociation: "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation",
    networkAcl: "aws:ec2/networkAcl:NetworkAcl",
    defaultNetworkAcl: "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl",
    networkAclRule: "aws:ec2/networkAclRule:NetworkAclRule",
    networkAclAssociation: "aws:ec2/networkAclAssociation:NetworkAclAssociation",
    vpcEndpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
    flowLog: "aws:ec2/flowLog:FlowLog",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    launchConfiguration: "aws:ec2/launchConfiguration:LaunchConfiguration",
    ec2Instance: "aws:ec2/instance:Instance",
    spotInstanceRequest: "aws:ec2/spotInstanceRequest:SpotInstanceRequest",
    ebsVolume: "aws:ebs/volume:Volume",
    ebsEncryptionByDefault: "aws:ec2/ebsEncryptionByDefault:EbsEncryptionByDefault",
    ebsDefaultKmsKey: "aws:ebs/defaultKmsKey:DefaultKmsKey",
    // Edge: load balancers, WAF, ACM, Route 53
    loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
    albLoadBalancer: "aws:alb/loadBalancer:LoadBalancer",
    classicLoadBalancer: "aws:elb/loadBalancer:LoadBalancer",
    listener: "aws:lb/listener:Listener",
    albListener: "aws:alb/listener:Listener",
    listenerRule: "aws:lb/listenerRule:ListenerRule",
    albListenerRule: "aws:alb/listenerRule:ListenerRule",
    targetGroup: "aws:lb/targetGroup:TargetGroup",
    albTargetGroup: "aws:alb/targetGroup:TargetGroup",
    webAcl: "aws:wafv2/webAcl:WebAcl",
    webAclRule: "aws:wafv2/webAclRule:WebAclRule",
    webAclRuleGroupAssociation: "aws:wafv2/webAclRuleGroupAssociation:WebAclRuleGroupAssociation",
    wafRuleGroup: "aws:wafv2/ruleGroup:RuleGroup",
    webAclAssociation: "aws:wafv2/webAclAssociation:WebAclAssociation",
    webAclLogging: "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration",
    certificate: "aws:acm/certificate:Certificate",
    zone: "aws:route53/zone:Zone",
    record: "aws:route53/record:Record",
    route53QueryLog: "aws:route53/queryLog:QueryLog",
    // Keys, logs, IAM
    kmsKey: "aws:kms/key:Key",
    kmsKeyPolicy: "aws:kms/keyPolicy:KeyPolicy",
    kmsAlias: "aws:kms/alias:Alias",
    logGroup: "aws:cloudwatch/logGroup:LogGroup",
    cloudTrail: "aws:cloudtrail/trail:Trail",
    iamRole: "aws:iam/role:Role",
    iamPolicy: "aws:iam/policy:Policy",
    iamRolePolicy: "aws:iam/rolePolicy:RolePolicy",
    iamUserPolicy: "aws:iam/userPolicy:UserPolicy",
    iamGroupPolicy: "aws:iam/groupPolicy:GroupPolicy",
    iamRolePolicyAttachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    iamUserPolicyAttachment: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    iamGroupPolicyAttachment: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    iamPolicyAttachment: "aws:iam/policyAttachment:PolicyAttachment",
    iamRolePolicyAttachmentsExclusive: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
    iamUser: "aws:iam/user:User",
    iamAccessKey: "aws:iam/accessKey:AccessKey",
    iamUserLoginProfile: "aws:iam/userLoginProfile:UserLoginProfile",
    iamServiceSpecificCredential: "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
    iamSigningCertificate: "aws:iam/signingCertificate:SigningCertificate",
    secretsManagerSecret: "aws:secretsmanager/secret:Secret",
    secretsManagerSecretPolicy: "aws:secretsmanager/secretPolicy:SecretPolicy",
    codebuildProject: "aws:codebuild/project:Project",
    // Storage: S3 (both the current and the …V2 tokens), ECR
    bucket: "aws:s3/bucket:Bucket",
    bucketV2: "aws:s3/bucketV2:BucketV2",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    bucketPublicAccessBlock: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    accountPublicAccessBlock: "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock",
    bucketOwnershipControls: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
    bucketAcl: "aws:s3/bucketAcl:BucketAcl",
    bucketAclV2: "aws:s3/bucketAclV2:BucketAclV2",
    bucketSse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    bucketSseV2: "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
    bucketVersioning: "aws:s3/bucketVersioning:BucketVersioning",
    bucketVersioningV2: "aws:s3/bucketVersioningV2:BucketVersioningV2",
    bucketLogging: "aws:s3/bucketLogging:BucketLogging",
    bucketLoggingV2: "aws:s3/bucketLoggingV2:BucketLoggingV2",
    ecrRepository: "aws:ecr/repository:Repository",
    ecrPullThroughCacheRule: "aws:ecr/pullThroughCacheRule:PullThroughCacheRule",
    ecrRepositoryPolicy: "aws:ecr/repositoryPolicy:RepositoryPolicy",
    ecrLifecyclePolicy: "aws:ecr/lifecyclePolicy:LifecyclePolicy",
    ecrRegistryScanning: "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
    ecrPublicRepository: "aws:ecrpublic/repository:Repository",
    // Data: RDS, Backup
    rdsInstance: "aws:rds/instance:Instance",
    rdsCluster: "aws:rds/cluster:Cluster",
    rdsClusterInstance: "aws:rds/clusterInstance:ClusterInstance",
    rdsSubnetGroup: "aws:rds/subnetGroup:SubnetGroup",
    rdsParameterGroup: "aws:rds/parameterGroup:ParameterGroup",
    rdsClusterParameterGroup: "aws:rds/clusterParameterGroup:ClusterParameterGroup",
    backupVault: "aws:backup/vault:Vault",
    backupVaultPolicy: "aws:backup/vaultPolicy:VaultPolicy",
    backupVaultLock: "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    // EKS
    awsEksCluster: "aws:eks/cluster:Cluster",
    awsEksNodeGroup: "aws:eks/nodeGroup:NodeGroup",
    awsEksAddon: "aws:eks/addon:Addon",
    awsEksAccessEntry: "aws:eks/accessEntry:AccessEntry",
    awsEksAccessPolicyAssociation: "aws:eks/accessPolicyAssociation:AccessPolicyAssociation",
    /** Remote components of @pulumi/eks 4.x: offline we see their inputs only, never their children. */
    eksCluster: "eks:index:Cluster",
    eksManagedNodeGroup: "eks:index:ManagedNodeGroup",
    eksNodeGroup: "eks:index:NodeGroup",
    eksNodeGroupV2: "eks:index:NodeGroupV2",
    eksVpcCniAddon: "eks:index:VpcCniAddon",
    // Kubernetes
    k8sNamespace: "kubernetes:core/v1:Namespace",
    k8sConfigMap: "kubernetes:core/v1:ConfigMap",
    k8sConfigMapPatch: "kubernetes:core/v1:ConfigMapPatch",
    k8sPod: "kubernetes:core/v1:Pod",
    k8sReplicationController: "kubernetes:core/v1:ReplicationController",
    k8sService: "kubernetes:core/v1:Service",
    k8sServiceAccount: "kubernetes:core/v1:ServiceAccount",
    k8sServiceAccountPatch: "kubernetes:core/v1:ServiceAccountPatch",
    k8sResourceQuota: "kubernetes:core/v1:ResourceQuota",
    k8sLimitRange: "kubernetes:core/v1:LimitRange",
    k8sDeployment: "kubernetes:apps/v1:Deployment",
    k8sStatefulSet: "kubernetes:apps/v1:StatefulSet",
    k8sDaemonSet: "kubernetes:apps/v1:DaemonSet",
    k8sReplicaSet: "kubernetes:apps/v1:ReplicaSet",
    k8sJob: "kubernetes:batch/v1:Job",
    k8sCronJob: "kubernetes:batch/v1:CronJob",
    k8sIngress: "kubernetes:networking.k8s.io/v1:Ingress",
    k8sNetworkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    k8sStorageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
    k8sRole: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    k8sClusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    k8sRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    k8sClusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    /** Gateway API and NGINX Gateway Fabric custom resources (no provider class: CRDs). */
    gateway: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
    httpRoute: "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute",
    nginxProxy: "kubernetes:gateway.nginx.org/v1alpha2:NginxProxy",
    nginxProxyV1alpha1: "kubernetes:gateway.nginx.org/v1alpha1:NginxProxy",
    nginxSnippetsFilter: "kubernetes:gateway.nginx.org/v1alpha1:SnippetsFilter",
    nginxSnippetsPolicy: "kubernetes:gateway.nginx.org/v1alpha1:SnippetsPolicy",
    /** Rendered by the provider (Chart v4 runs no hooks); offline we see the chart's inputs only. */
    helmChartV4: "kubernetes:helm.sh/v4:Chart",
    helmReleaseV3: "kubernetes:helm.sh/v3:Release",
    // The platform's own components
    /** The bootstrap project's Pulumi state bucket and key (IAM-04, STK-18 find the state bucket by this parent). */
    stateBackend: "platform:bootstrap:StateBackend",
} as const;

/** Resources whose children exist only in a provider (remote components, rendered charts and manifests). */
export const OPAQUE_TYPE_PATTERNS: readonly RegExp[] = [
    /^eks:index:/,
    /^kubernetes:helm\.sh\//,
    /^kubernetes:yaml(\/v2)?:/,
    /^kubernetes:kustomize(\/v2)?:/,
];

/** Security group role tag (NET-04): only the group tagged `sg-role: alb-public` may admit the internet. */
export const SG_ROLE_TAG = "sg-role";
export const SG_ROLES = {
    albPublic: "alb-public",
    eksNodes: "eks-nodes",
    database: "database",
    /** The one-off job that creates the application's database user with the master credentials. */
    dbAdminJob: "db-admin-job",
    ciRunner: "ci-runner",
} as const;

/** Pod label by which a workload opts in to a service-account token (K8S-13). */
export const API_ACCESS_LABEL = "api-access";

/** Ports the internet may reach, on the public ALB only (NET-04). */
export const PORTS = {
    http: 80,
    https: 443,
    /** Internet-facing ports of the public ALB: HTTP (redirect only) and HTTPS. */
    publicWeb: [80, 443] as readonly number[],
    /** Ports never open to the internet (NET-03): SSH and RDP. */
    admin: [22, 3389] as readonly number[],
} as const;

/**
 * ELB TLS policies an HTTPS listener may use (EDGE-02): TLS 1.3 with 1.2 fallback and the TLS 1.3-only
 * policy, as listed in the ELB user guide (describe-ssl-policies). The first is the platform's default.
 */
export const TLS_POLICIES = [
    "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
    "ELBSecurityPolicy-TLS13-1-3-2021-06",
] as const;
export const DEFAULT_TLS_POLICY: (typeof TLS_POLICIES)[number] = TLS_POLICIES[0];

/** Oldest EKS Kubernetes minor the platform runs and the pack allows (EKS-04). */
export const MIN_EKS_VERSION = "1.31";

/**
 * Exemptions: tag / annotation `policy.exempt/<policy-name>` = "<TICKET-123>: <reason>". Every key the
 * program writes is listed here; test/contract.test.ts asserts each one names a policy of the pack.
 */
export const EXEMPTION_PREFIX = "policy.exempt/";
export const exemptionKey = <P extends string>(policyName: P): `policy.exempt/${P}` =>
    `${EXEMPTION_PREFIX}${policyName}`;
export const EXEMPTIONS = {
    /** ALB access log delivery supports only SSE-S3 (STO-01). */
    s3SseKmsRequired: exemptionKey("s3-sse-kms-required"),
    /** The ingress controller writes its config and temp files (K8S-04). */
    k8sReadOnlyRootFilesystem: exemptionKey("k8s-read-only-root-filesystem"),
    /** A public endpoint restricted to listed CIDRs (EKS-01). */
    eksEndpointPrivate: exemptionKey("eks-endpoint-private"),
    /** ClusterRoles with wildcards in platform namespaces (K8S-19). */
    k8sRbacNoWildcards: exemptionKey("k8s-rbac-no-wildcards"),
} as const;

/** Inputs that name a KMS key (STK-04 and the diagram's encryption edges). `[]` = every element; `types` limits generic names. */
export const KMS_REFERENCE_PATHS: ReadonlyArray<{ path: string; types?: readonly string[] }> = [
    { path: "kmsKeyId" },
    { path: "kmsKeyArn" },
    { path: "kmsMasterKeyId" },
    { path: "performanceInsightsKmsKeyId" },
    { path: "masterUserSecretKmsKeyId" },
    { path: "encryptionConfig.provider.keyArn" },
    { path: "encryptionConfigKeyArn" },
    { path: "rules[].applyServerSideEncryptionByDefault.kmsMasterKeyId" },
    { path: "encryptionConfigurations[].kmsKey" },
    { path: "encryptionConfiguration.kmsKey" },
    { path: "keyArn", types: [TYPES.ebsDefaultKmsKey] },
    { path: "parameters.kmsKeyId", types: [TYPES.k8sStorageClass] },
    { path: "blockDeviceMappings[].ebs.kmsKeyId" },
    { path: "rootBlockDevice.kmsKeyId" },
    { path: "ebsBlockDevices[].kmsKeyId" },
];

/** The pack's domain modules (policy/<module>.ts, each exporting `policies`), in assembly order. */
export const POLICY_MODULES = [
    "network",
    "edge",
    "iam",
    "cluster",
    "cluster-access",
    "kubernetes",
    "ingress",
    "data",
    "storage",
    "keys",
    "logging",
    "stack",
] as const;

/** "1.31" → [1, 31] (a leading v and a patch are accepted); anything else → undefined. */
export function eksMajorMinor(v: unknown): [number, number] | undefined {
    const m = typeof v === "string" ? /^v?(\d+)\.(\d+)(\.\d+)?$/.exec(v.trim()) : null;
    return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** True when `version` is a major.minor no older than `min` (EKS-04). */
export function eksVersionAtLeast(version: unknown, min: string = MIN_EKS_VERSION): boolean {
    const v = eksMajorMinor(version);
    const m = eksMajorMinor(min);
    return !!v && !!m && (v[0] > m[0] || (v[0] === m[0] && v[1] >= m[1]));
}
