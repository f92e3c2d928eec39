/**
 * The provider classes single-type policies are written against (`resourcePolicyOf({ of: KmsKey, ... })`, built
 * on @pulumi/policy's `validateResourceOfType`, as pulumi-policy-aws does), with props typed from each class's Args.
 *
 * Imported one class file at a time rather than `import * as aws from "@pulumi/aws"`: the policy host type-checks
 * the pack with ts-node on every start (run-policy-pack forces `typeCheck: true`), and the provider index pulls in
 * 31 MB of @pulumi/aws declarations. Measured on the shared build machine (load average 20): pack start 48 s with
 * no provider classes, 98 s with the `@pulumi/aws` and `@pulumi/kubernetes` indexes, 57 s with these class files.
 */
export { Certificate as AcmCertificate } from "@pulumi/aws/acm/certificate";
export { Vault as BackupVault } from "@pulumi/aws/backup/vault";
export { Trail as CloudTrail } from "@pulumi/aws/cloudtrail/trail";
export { LogGroup } from "@pulumi/aws/cloudwatch/logGroup";
export { LoadBalancer as ClassicLoadBalancer } from "@pulumi/aws/elb/loadBalancer";
export { Role as IamRole } from "@pulumi/aws/iam/role";
export { DefaultSecurityGroup } from "@pulumi/aws/ec2/defaultSecurityGroup";
export { FlowLog } from "@pulumi/aws/ec2/flowLog";
export { Subnet } from "@pulumi/aws/ec2/subnet";
export { Repository as EcrRepository } from "@pulumi/aws/ecr/repository";
export { Key as KmsKey } from "@pulumi/aws/kms/key";
export { Instance as DbInstance } from "@pulumi/aws/rds/instance";
export { Record as Route53Record } from "@pulumi/aws/route53/record";
export { BucketPolicy } from "@pulumi/aws/s3/bucketPolicy";
export { WebAcl } from "@pulumi/aws/wafv2/webAcl";
export { WebAclLoggingConfiguration } from "@pulumi/aws/wafv2/webAclLoggingConfiguration";
export { Namespace } from "@pulumi/kubernetes/core/v1/namespace";
export { Service } from "@pulumi/kubernetes/core/v1/service";
export { Release as HelmRelease } from "@pulumi/kubernetes/helm/v3/release";
export { Chart as HelmChartV4 } from "@pulumi/kubernetes/helm/v4/chart";
export { Ingress } from "@pulumi/kubernetes/networking/v1/ingress";
export { ClusterRoleBinding } from "@pulumi/kubernetes/rbac/v1/clusterRoleBinding";
export { StorageClass } from "@pulumi/kubernetes/storage/v1/storageClass";
