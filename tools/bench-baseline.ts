import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

/**
 * The bench's baseline: the bare Pulumi mock runtime declaring `count` resources with the same SDKs loaded
 * as the platform program (aws, eks, kubernetes), and nothing else: no capture, no policy pack, no report.
 *
 *   node -r ./lib/engine/register.js tools/bench-baseline.ts <count>
 */
require("@pulumi/eks");
require("@pulumi/kubernetes");

async function main() {
    const count = Number(process.argv[2] ?? 200);
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({ id: `${args.name}-id`, state: args.inputs }),
            call: () => ({}),
        },
        "bench",
        "baseline",
        false,
    );
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    for (let i = 0; i < count; i++)
        new aws.ec2.SecurityGroup(`sg-${i}`, { description: `baseline ${i}`, tags: { index: String(i) } });
    await settings.waitForRPCs();
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
