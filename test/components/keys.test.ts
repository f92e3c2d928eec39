import { strict as assert } from "assert";
import { KEY_PURPOSES, Keys, KeysArgs } from "../../components/keys";
import { Capture } from "../support/harness";
import { TAGS, assertComponent, buildAlone, doc } from "../support/component";

const TYPE = "platform:keys:Keys";
const KEY = "aws:kms/key:Key";
const SLR = "aws:iam/serviceLinkedRole:ServiceLinkedRole";

function alone(extra: Partial<KeysArgs> = {}): Promise<Capture> {
    return buildAlone(() => new Keys("kms", { accountId: "111122223333", region: "eu-west-1", tags: TAGS, ...extra }));
}

describe("Keys component", () => {
    let c: Capture;
    before(async () => {
        c = await alone();
    });

    it("constructs with minimal args: one rotating key per purpose, aliased under <project>-<stack>", () => {
        assertComponent(c, TYPE, "kms", { accountId: "111122223333", region: "eu-west-1" });
        assert.deepEqual(
            c
                .ofType(KEY)
                .map((k) => k.name)
                .sort(),
            KEY_PURPOSES.map((p) => `kms-${p}`).sort(),
        );
        for (const key of c.ofType(KEY)) {
            assert.equal(key.inputs.enableKeyRotation, true, key.name);
            assert.equal(key.inputs.deletionWindowInDays, 30, key.name);
        }
        assert.deepEqual(
            c
                .ofType("aws:kms/alias:Alias")
                .map((a) => a.inputs.name)
                .sort(),
            KEY_PURPOSES.map((p) => `alias/aws-platform-dev-${p}`).sort(),
        );
    });

    it("gives only the account root administration, and the logs service use of the logs key in this region", () => {
        const logs = doc(c.one(KEY, "logs")).Statement;
        assert.deepEqual(
            logs.map((s: any) => s.Principal),
            [{ AWS: "arn:aws:iam::111122223333:root" }, { Service: "logs.eu-west-1.amazonaws.com" }],
        );
        assert.deepEqual(
            doc(c.one(KEY, "app")).Statement.map((s: any) => s.Sid),
            ["AccountRootAdministers"],
        );
    });

    it("names the existing Auto Scaling service-linked role in the EBS key policy and creates none by default", async () => {
        assert.equal(c.ofType(SLR).length, 0);
        const ebs = doc(c.one(KEY, "ebs")).Statement;
        assert.equal(
            ebs.find((s: any) => s.Sid === "AutoScalingUsesKeyForNodeVolumes").Principal.AWS,
            "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
        );

        const created = await alone({ createAutoScalingServiceLinkedRole: true, aliasPrefix: "shared" });
        const role = created.one(SLR, "kms-autoscaling-slr");
        assert.equal(role.inputs.awsServiceName, "autoscaling.amazonaws.com");
        const statement = doc(created.one(KEY, "ebs")).Statement.find(
            (s: any) => s.Sid === "AutoScalingUsesKeyForNodeVolumes",
        );
        assert.equal(statement.Principal.AWS, role.state.arn);
        assert.equal(created.one("aws:kms/alias:Alias", "kms-ebs").inputs.name, "alias/shared-ebs");
    });
});
