import { strict as assert } from "assert";
import * as path from "path";
import { CheckOptions, runCheck } from "../tools/check";
import { Pack, startPack } from "../tools/lib/analyzer";
import { Capture, PROJECT_ROOT, readStackConfig, runProgram } from "./support/harness";

/**
 * The first deploy in phases (issues 16, 17): `foundation` creates what must exist before anything can
 * reach the private cluster or pull the app's image (keys, network, CI runner, ECR); `full` the rest. A stack
 * without a released image declares no workload that would pull from the still-empty repository.
 */

const DEV_APP = JSON.parse(readStackConfig("dev")["platform:app"]) as Record<string, unknown>;
const { imageTag: _unused, ...APP_WITHOUT_IMAGE } = DEV_APP;
const DIGEST = `sha256:${"c".repeat(64)}`;

const types = (c: Capture) => new Set(c.resources.map((r) => r.type));

async function checkMandatory(pack: Pack, overrides: Record<string, unknown>, firstLine?: RegExp): Promise<string[]> {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: () => undefined };
    const args: CheckOptions = {
        stack: "dev",
        verbose: false,
        quiet: false,
        help: false,
        color: false,
        progress: false,
        pack,
        overrides,
    } as CheckOptions;
    const result = await runCheck(args, io);
    assert.equal(result.resources.length > 0, true, "the program ran");
    if (firstLine) assert.match(lines[0], firstLine, "check says which phase the stack config is in");
    return result.violations
        .filter((v) => v.enforcementLevel === "mandatory" || v.enforcementLevel === "remediate")
        .map((v) => `${v.policyName}: ${v.message}`);
}

describe("first deploy in phases", function () {
    this.timeout(300_000);
    let foundation: { capture: Capture; outputs: Record<string, unknown> };
    let noImage: { capture: Capture; outputs: Record<string, unknown> };
    let pack: Pack;

    before(async () => {
        pack = await startPack(path.join(PROJECT_ROOT, "policy"));
        foundation = await runProgram("dev", { overrides: { phase: "foundation" } });
        noImage = await runProgram("dev", { overrides: { app: APP_WITHOUT_IMAGE } });
    });
    after(async () => pack?.stop());

    describe("phase foundation", () => {
        it("creates the keys, the network, the CI runner and the app's repository, and nothing that needs them reachable", () => {
            const t = types(foundation.capture);
            for (const want of [
                "platform:keys:Keys",
                "platform:network:Network",
                "platform:delivery:CiRunner",
                "platform:app:Repository",
                "aws:codebuild/project:Project",
                "aws:ecr/repository:Repository",
            ])
                assert.ok(t.has(want), want);
            for (const never of [
                "eks:index:Cluster",
                "pulumi:providers:kubernetes",
                "aws:lb/loadBalancer:LoadBalancer",
                "aws:rds/instance:Instance",
                "aws:acm/certificate:Certificate",
                "platform:app:App",
            ])
                assert.ok(!t.has(never), never);
        });

        it("exports the runner the pipelines then run on, and the repository to push the first image to", () => {
            assert.equal(foundation.outputs.phase, "foundation");
            assert.equal(foundation.outputs.runnerProject, "platform-dev-runner");
            assert.equal(
                foundation.outputs.runnerLabel,
                "codebuild-platform-dev-runner-${{ github.run_id }}-${{ github.run_attempt }}",
            );
            assert.match(
                String(foundation.outputs.repositoryUrl),
                /^111122223333\.dkr\.ecr\.eu-west-1\.amazonaws\.com\/shop-api$/,
            );
        });

        it("passes the policy pack with no mandatory violation", async () =>
            assert.deepEqual(
                await checkMandatory(
                    pack,
                    { phase: "foundation" },
                    /^Phase foundation \(next: set platform:phase to full and deploy from the runner\) · first deploy needs: /,
                ),
                [],
            ));
    });

    describe("a stack without an image tag", () => {
        it("deploys every tier but declares no app workload, so nothing pulls a non-existent image", () => {
            const c = noImage.capture;
            assert.ok(types(c).has("eks:index:Cluster") && types(c).has("aws:rds/instance:Instance"));
            assert.equal(c.ofType("platform:app:App").length, 0);
            assert.equal(c.ofType("aws:ecr/repository:Repository").length, 1, "the repository exists to push to");
            const images = c.resources
                .filter((r) => r.type.startsWith("kubernetes:") && r.inputs?.spec?.template?.spec?.containers)
                .flatMap((r) => r.inputs.spec.template.spec.containers.map((x: any) => String(x.image)));
            assert.ok(
                !images.some((i) => i.includes("/shop-api")),
                `no container pulls the app image: ${images.join(", ")}`,
            );
            assert.equal(noImage.outputs.appImage, "none yet: release the first image (docs/first-deploy.md)");
        });

        it("passes the policy pack with no mandatory violation", async () =>
            assert.deepEqual(
                await checkMandatory(
                    pack,
                    { app: APP_WITHOUT_IMAGE },
                    /^Phase full \(all tiers\) · .*no app workload until an image is released/,
                ),
                [],
            ));
    });

    describe("a released image", () => {
        it("rolls the app out from the foundation's repository, pinned by tag and digest", async () => {
            const run = await runProgram("dev", { overrides: { app: { ...DEV_APP, imageTag: `1.4.2@${DIGEST}` } } });
            const repo = run.capture.one("aws:ecr/repository:Repository");
            const deployment = run.capture.one("kubernetes:apps/v1:Deployment", "deployment");
            assert.equal(
                deployment.inputs.spec.template.spec.containers[0].image,
                `${repo.state.repositoryUrl}:1.4.2@${DIGEST}`,
            );
            assert.equal(run.outputs.appImage, `${repo.state.repositoryUrl}:1.4.2@${DIGEST}`);
        });
    });
});
