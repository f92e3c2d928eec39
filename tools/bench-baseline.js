"use strict";
/**
 * The bench's baseline: the bare Pulumi mock runtime declaring `count` resources with the same SDKs loaded
 * as the platform program (aws, eks, kubernetes), and nothing else: plain `node`, no TypeScript hook, none of
 * the engine's changes (lib/engine: struct-codec, lazy-modules, dropped promise stacks), no capture, no policy
 * pack, no report. It is what the Pulumi SDK itself costs.
 *
 *   node tools/bench-baseline.js <count>
 */
const fs = require("fs");

if (process.env.PLATFORM_BENCH_CPU_FILE) {
    process.on("exit", () => {
        const u = process.cpuUsage();
        fs.appendFileSync(
            process.env.PLATFORM_BENCH_CPU_FILE,
            `${process.pid} ${((u.user + u.system) / 1000).toFixed(1)}\n`,
        );
    });
}

const pulumi = require("@pulumi/pulumi");
const aws = require("@pulumi/aws");
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
    const settings = require("@pulumi/pulumi/runtime/settings");
    for (let i = 0; i < count; i++)
        new aws.ec2.SecurityGroup(`sg-${i}`, { description: `baseline ${i}`, tags: { index: String(i) } });
    await settings.waitForRPCs();
}

main().catch((e) => {
    console.error(e);
    process.exit(1);
});
