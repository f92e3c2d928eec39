import { strict as assert } from "assert";
import { irsaTrustPolicy, serviceTrustPolicy } from "../../components/iam";
import { runUnderMocks } from "../support/harness";

describe("IAM trust helpers", () => {
    it("lets only the named AWS service assume a service role", () => {
        assert.deepEqual(JSON.parse(serviceTrustPolicy("ec2.amazonaws.com")).Statement, [
            { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
    });

    it("lets only one service account, with an STS-audience token of this cluster's issuer, assume an IRSA role", async () => {
        const issuer = "oidc.eks.eu-west-1.amazonaws.com/id/ABC123";
        const { outputs } = await runUnderMocks("dev", () =>
            irsaTrustPolicy(`arn:aws:iam::111122223333:oidc-provider/${issuer}`, `https://${issuer}`, "orders", "api"),
        );
        const [statement] = JSON.parse(outputs as string).Statement;
        assert.deepEqual(statement.Principal, { Federated: `arn:aws:iam::111122223333:oidc-provider/${issuer}` });
        assert.equal(statement.Action, "sts:AssumeRoleWithWebIdentity");
        assert.deepEqual(statement.Condition.StringEquals, {
            [`${issuer}:sub`]: "system:serviceaccount:orders:api",
            [`${issuer}:aud`]: "sts.amazonaws.com",
        });
    });
});
