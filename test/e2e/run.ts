/**
 * `npm run test:e2e -- --stack e2e-<id> --account <sandbox> --domain <sandbox zone>`
 * Wires test/e2e/e2e.ts to the Pulumi Automation API and to real sockets and kubectl. Run it in a
 * SANDBOX account only; it creates a whole platform (EKS, RDS, ALB...) for the length of the run and
 * costs money while it exists. Never run against dev or prod: the stack name must start with e2e-.
 */
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as net from "net";
import * as path from "path";
import * as tls from "tls";
import { parse } from "yaml";
import { E2eDeps, Probe, StackLike, Team, parseE2eArgs, runE2e } from "./e2e";

const ROOT = path.resolve(__dirname, "..", "..");

const probe: Probe = {
    request: (url) =>
        new Promise((resolve, reject) => {
            const get = url.startsWith("https:") ? https.get : http.get;
            const req = get(url, { timeout: 15_000 }, (res) => {
                res.resume();
                resolve({ status: res.statusCode ?? 0, headers: res.headers });
            });
            req.on("timeout", () => req.destroy(new Error(`${url}: timed out`)));
            req.on("error", reject);
        }),
    tlsHandshake: (host, minVersion, maxVersion) =>
        new Promise((resolve) => {
            const socket = tls.connect(
                { host, port: 443, servername: host, minVersion, maxVersion, timeout: 10_000 },
                () => {
                    socket.end();
                    resolve(true);
                },
            );
            socket.on("error", () => resolve(false));
            socket.on("timeout", () => {
                socket.destroy();
                resolve(false);
            });
        }),
    tcpOpen: (host, port, timeoutMs) =>
        new Promise((resolve) => {
            const socket = net.connect({ host, port });
            const done = (open: boolean) => {
                socket.destroy();
                resolve(open);
            };
            socket.setTimeout(timeoutMs, () => done(false));
            socket.on("connect", () => done(true));
            socket.on("error", () => done(false));
        }),
    canI: (verb, resource, namespace, group) =>
        new Promise((resolve, reject) => {
            // Impersonation needs a kubeconfig of an admin of the throw-away cluster (aws eks update-kubeconfig).
            execFile(
                "kubectl",
                ["auth", "can-i", verb, resource, "-n", namespace, "--as", `e2e-${group}`, "--as-group", group],
                (err, stdout) => {
                    const answer = String(stdout).trim();
                    if (answer === "yes") resolve(true);
                    else if (answer === "no") resolve(false);
                    else reject(err ?? new Error(`kubectl auth can-i: ${answer}`));
                },
            );
        }),
};

async function main(): Promise<number> {
    const options = parseE2eArgs(process.argv.slice(2));
    const { LocalWorkspace } = await import("@pulumi/pulumi/automation");
    const baseYaml = fs.readFileSync(path.join(ROOT, options.baseConfig), "utf8");
    const teams: Team[] = (
        (parse(baseYaml)?.config?.["platform:teams"] ?? []) as { name: string; developersGroup?: string }[]
    ).map((t) => ({
        name: t.name,
        developersGroup: t.developersGroup ?? `${t.name}-developers`,
    }));
    const stackFile = (name: string) => path.join(ROOT, `Pulumi.${name}.yaml`);
    const deps: E2eDeps = {
        async createStack(name, configYaml) {
            fs.writeFileSync(stackFile(name), configYaml);
            // A throw-away passphrase per run: the stack's secrets die with it.
            const stack = await LocalWorkspace.createOrSelectStack(
                { stackName: name, workDir: ROOT },
                {
                    envVars: {
                        PULUMI_CONFIG_PASSPHRASE:
                            process.env.PULUMI_CONFIG_PASSPHRASE ?? crypto.randomBytes(24).toString("hex"),
                    },
                },
            );
            const like: StackLike = {
                up: (o) => stack.up(o),
                destroy: (o) => stack.destroy(o),
                remove: () => stack.workspace.removeStack(name),
            };
            return like;
        },
        cleanupConfig: (name) => fs.rmSync(stackFile(name), { force: true }),
        probe,
        policyPack: path.join(ROOT, "policy"),
        policyPackConfig: path.join(ROOT, "policy", "config", "dev.json"),
        teams,
        log: (line) => process.stdout.write(line.endsWith("\n") ? line : `${line}\n`),
    };
    const result = await runE2e(options, baseYaml, deps);
    console.log(
        `e2e ${options.stack}: deployed=${result.deployed} destroyed=${result.destroyed} checks=${result.checks.filter((c) => c.ok).length}/${result.checks.length}`,
    );
    return result.exitCode;
}

main().then(
    (code) => (process.exitCode = code),
    (e) => {
        console.error((e as Error).message);
        process.exitCode = 64;
    },
);
