import * as pulumi from "@pulumi/pulumi";

/**
 * The trust policy of a role only the AWS service `service` may assume.
 *
 * @param service The service principal, such as ec2.amazonaws.com. Required.
 */
export function serviceTrustPolicy(service: string): string {
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole" }],
    });
}

/**
 * The trust policy of an IRSA role: only the service account `namespace/serviceAccount`, presenting a
 * token issued by this cluster's OIDC provider for STS, may assume it. Used by the cluster's add-on
 * roles and by the app's role, so the conditions cannot drift apart.
 *
 * @param oidcProviderArn The cluster's IAM OIDC provider. Required.
 * @param oidcProviderUrl Its issuer URL (`https://` is stripped for the condition keys). Required.
 * @param namespace The service account's namespace. Required.
 * @param serviceAccount The service account's name. Required.
 */
export function irsaTrustPolicy(
    oidcProviderArn: pulumi.Input<string>,
    oidcProviderUrl: pulumi.Input<string>,
    namespace: pulumi.Input<string>,
    serviceAccount: pulumi.Input<string>,
): pulumi.Output<string> {
    return pulumi
        .all([oidcProviderArn, oidcProviderUrl, namespace, serviceAccount])
        .apply(([providerArn, url, ns, sa]) => {
            const issuer = url.replace(/^https:\/\//, "");
            return JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Federated: providerArn },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                [`${issuer}:sub`]: `system:serviceaccount:${ns}:${sa}`,
                                [`${issuer}:aud`]: "sts.amazonaws.com",
                            },
                        },
                    },
                ],
            });
        });
}
