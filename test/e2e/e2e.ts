/**
 * The ephemeral integration test users run in THEIR sandbox account (docs/delivery.md, "Prove it in a
 * sandbox"): deploy a dev-sized stack with a throw-away config, smoke-test it from outside, and always
 * destroy it. This module is the logic; test/e2e/run.ts wires it to the Pulumi Automation API
 * (@pulumi/pulumi/automation) and to real sockets. Here (no AWS, no Pulumi CLI) it is unit-tested with
 * the Automation layer and the network stubbed (test/e2e/e2e.test.ts): nothing in this repository has
 * ever run it against AWS.
 */
import { parseArgs } from "util";
import { parse, stringify } from "yaml";

export interface E2eOptions {
    stack: string;
    /** Sandbox account id: the throw-away stack refuses any other (aws:allowedAccountIds). */
    account: string;
    /** A Route 53 zone the sandbox owns (the stack creates records and a certificate under it). */
    domain: string;
    region: string;
    /** Extra `key=value` config overrides (e.g. to open the API endpoint to the runner's CIDR). */
    set: Record<string, string>;
    /** Stack config the throw-away one starts from. */
    baseConfig: string;
}

export const USAGE = `usage: npm run test:e2e -- --stack e2e-<id> --account <12 digits> --domain <sandbox zone> [--region eu-west-1] [--base Pulumi.dev.yaml] [--set key=value ...]
Deploys a dev-sized throw-away stack into a SANDBOX account with the policy pack, smoke-tests it, and always destroys it.
Needs: sandbox credentials, PULUMI_BACKEND_URL (e.g. file://~/.pulumi-e2e or the sandbox bucket), the Pulumi CLI, kubectl.`;

export function parseE2eArgs(argv: string[]): E2eOptions {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            account: { type: "string" },
            domain: { type: "string" },
            region: { type: "string", default: "eu-west-1" },
            base: { type: "string", default: "Pulumi.dev.yaml" },
            set: { type: "string", multiple: true, default: [] },
        },
    });
    const fail = (m: string): never => {
        throw new Error(`${m}\n${USAGE}`);
    };
    // e2e- keeps throw-away stacks apart from dev/prod in every listing, state file and resource name.
    if (!values.stack || !/^e2e-[a-z0-9][a-z0-9-]{2,30}$/.test(values.stack))
        fail(`--stack must be e2e-<id> (lowercase letters, digits, dashes), got ${JSON.stringify(values.stack ?? "")}`);
    if (!values.account || !/^\d{12}$/.test(values.account))
        fail(`--account must be the 12-digit sandbox account id, got ${JSON.stringify(values.account ?? "")}`);
    if (!values.domain || !/^([a-z0-9-]+\.)+[a-z]{2,}$/.test(values.domain))
        fail(`--domain must be a DNS zone the sandbox owns, got ${JSON.stringify(values.domain ?? "")}`);
    const set: Record<string, string> = {};
    for (const kv of values.set ?? []) {
        const i = kv.indexOf("=");
        if (i <= 0) fail(`--set must be key=value, got ${JSON.stringify(kv)}`);
        set[kv.slice(0, i)] = kv.slice(i + 1);
    }
    return {
        stack: values.stack!,
        account: values.account!,
        domain: values.domain!,
        region: values.region!,
        set,
        baseConfig: values.base!,
    };
}

/**
 * The throw-away stack config: the dev config made smaller and disposable. Every difference is listed
 * here so a reader can see what the e2e run did NOT test (prod sizing, deletion protection).
 */
export function throwAwayConfig(baseYaml: string, o: E2eOptions): string {
    const doc = parse(baseYaml) ?? {};
    const config: Record<string, any> = { ...(doc.config ?? {}) };
    delete config.secretsprovider;
    delete config.encryptedkey;
    const c = (k: string) => `platform:${k}`;
    config["aws:region"] = o.region;
    config["aws:allowedAccountIds"] = [o.account];
    config[c("environment")] = "dev";
    config[c("domain")] = o.domain;
    config[c("protect")] = "false"; // the run must be able to destroy everything it made
    config[c("azCount")] = "2";
    config[c("natMode")] = "single";
    // Role ARNs of the base account mean nothing in the sandbox: rewrite the account id in every ARN.
    const rewrite = (v: unknown): unknown =>
        typeof v === "string"
            ? v.replace(/^(arn:aws[\w-]*:iam::)\d{12}(:)/, `$1${o.account}$2`)
            : Array.isArray(v)
              ? v.map(rewrite)
              : v && typeof v === "object"
                ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rewrite(x)]))
                : v;
    for (const k of Object.keys(config)) config[k] = rewrite(config[k]);
    if (config[c("database")])
        config[c("database")] = {
            ...config[c("database")],
            multiAz: false,
            instanceClass: "db.t4g.micro",
            allocatedStorageGb: 20,
            maxAllocatedStorageGb: 20,
        };
    for (const [k, v] of Object.entries(o.set)) config[k.includes(":") ? k : c(k)] = v;
    return `# Throw-away config of ${o.stack}, written by test/e2e (deleted after the run). Do not commit.\n${stringify({ config })}`;
}

export type Check = { name: string; ok: boolean; detail: string };

export interface Probe {
    /** One HTTP(S) request without following redirects. */
    request(url: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>;
    /** Does a TLS handshake succeed when the client offers only [min, max]? */
    tlsHandshake(
        host: string,
        min: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3",
        max: "TLSv1" | "TLSv1.1" | "TLSv1.2" | "TLSv1.3",
    ): Promise<boolean>;
    /** Does a TCP connection open within the timeout? */
    tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean>;
    /** `kubectl auth can-i <verb> <resource> -n <ns> --as <user> --as-group <group>` → yes/no. */
    canI(verb: string, resource: string, namespace: string, group: string): Promise<boolean>;
}

export interface StackOutputs {
    appUrl: string;
    databaseEndpoint: string;
    teamNamespaces: Record<string, string>;
}

export interface Team {
    name: string;
    developersGroup: string;
}

/** What each team's developers may and may not do (components/tenancy.ts RBAC). */
export function rbacExpectations(teams: Team[], namespaces: Record<string, string>) {
    const rows: { team: string; verb: string; resource: string; namespace: string; group: string; expect: boolean }[] =
        [];
    for (const t of teams) {
        const own = namespaces[t.name];
        const other = Object.entries(namespaces).find(([n]) => n !== t.name)?.[1];
        const g = t.developersGroup;
        rows.push({
            team: t.name,
            verb: "create",
            resource: "deployments.apps",
            namespace: own,
            group: g,
            expect: true,
        });
        rows.push({ team: t.name, verb: "delete", resource: "pods", namespace: own, group: g, expect: true });
        rows.push({ team: t.name, verb: "get", resource: "secrets", namespace: own, group: g, expect: false });
        rows.push({ team: t.name, verb: "get", resource: "pods", namespace: "kube-system", group: g, expect: false });
        rows.push({
            team: t.name,
            verb: "create",
            resource: "clusterrolebindings.rbac.authorization.k8s.io",
            namespace: own,
            group: g,
            expect: false,
        });
        if (other)
            rows.push({
                team: t.name,
                verb: "create",
                resource: "deployments.apps",
                namespace: other,
                group: g,
                expect: false,
            });
    }
    return rows;
}

const header = (h: Record<string, string | string[] | undefined>, name: string) => {
    const v = h[name.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
};

/** The smoke checks, from outside the VPC. Each returns a result; none throws. */
export async function smoke(
    out: StackOutputs,
    teams: Team[],
    probe: Probe,
    healthPath = "/actuator/health/readiness",
): Promise<Check[]> {
    const host = new URL(out.appUrl).host;
    const checks: Check[] = [];
    const attempt = async (name: string, fn: () => Promise<[boolean, string]>) => {
        try {
            const [ok, detail] = await fn();
            checks.push({ name, ok, detail });
        } catch (e) {
            checks.push({ name, ok: false, detail: (e as Error).message });
        }
    };
    await attempt("HTTP answers 301 to the same URL over HTTPS", async () => {
        const r = await probe.request(`http://${host}/`);
        const location = header(r.headers, "location");
        return [r.status === 301 && location === `https://${host}/`, `${r.status} → ${location ?? "(no Location)"}`];
    });
    await attempt("TLS 1.2+ only (1.0/1.1 refused, 1.2 accepted)", async () => {
        const old =
            (await probe.tlsHandshake(host, "TLSv1", "TLSv1")) ||
            (await probe.tlsHandshake(host, "TLSv1.1", "TLSv1.1"));
        const modern = await probe.tlsHandshake(host, "TLSv1.2", "TLSv1.2");
        return [
            !old && modern,
            `TLS 1.0/1.1 ${old ? "ACCEPTED" : "refused"}, TLS 1.2 ${modern ? "accepted" : "REFUSED"}`,
        ];
    });
    await attempt("HSTS for at least a year", async () => {
        const r = await probe.request(`https://${host}/`);
        const hsts = header(r.headers, "strict-transport-security") ?? "";
        const age = Number(/max-age=(\d+)/.exec(hsts)?.[1] ?? 0);
        return [age >= 31536000, hsts || "(no Strict-Transport-Security)"];
    });
    await attempt("app health through the ALB", async () => {
        const r = await probe.request(`https://${host}${healthPath}`);
        return [r.status === 200, `${healthPath} → ${r.status}`];
    });
    await attempt("database port unreachable from outside", async () => {
        const [dbHost, port] = out.databaseEndpoint.split(":");
        const open = await probe.tcpOpen(dbHost, Number(port || 5432), 5000);
        return [
            !open,
            open ? `${out.databaseEndpoint} ACCEPTED a connection` : `${out.databaseEndpoint} did not answer`,
        ];
    });
    for (const row of rbacExpectations(teams, out.teamNamespaces))
        await attempt(
            `kubectl auth can-i ${row.verb} ${row.resource} -n ${row.namespace} as ${row.group}: ${row.expect ? "yes" : "no"}`,
            async () => {
                const got = await probe.canI(row.verb, row.resource, row.namespace, row.group);
                return [got === row.expect, `got ${got ? "yes" : "no"}`];
            },
        );
    return checks;
}

/** The slice of an Automation API Stack the run uses (so tests can stub it). */
export interface StackLike {
    up(opts: {
        policyPacks: string[];
        policyPackConfigs: string[];
        onOutput: (s: string) => void;
    }): Promise<{ outputs: Record<string, { value: unknown }> }>;
    destroy(opts: { onOutput: (s: string) => void }): Promise<unknown>;
    remove(): Promise<void>;
}

export interface E2eDeps {
    /** Writes the stack config and creates (or selects) the stack. */
    createStack(name: string, configYaml: string): Promise<StackLike>;
    /** Deletes the throw-away stack config file. */
    cleanupConfig(name: string): void;
    probe: Probe;
    policyPack: string;
    policyPackConfig: string;
    teams: Team[];
    log(line: string): void;
}

export interface E2eResult {
    deployed: boolean;
    destroyed: boolean;
    checks: Check[];
    error?: string;
    /** 0 all good; 1 deploy or a smoke check failed; 2 destroy failed (resources may be left: clean up by hand). */
    exitCode: 0 | 1 | 2;
}

export async function runE2e(o: E2eOptions, baseYaml: string, deps: E2eDeps): Promise<E2eResult> {
    const result: E2eResult = { deployed: false, destroyed: false, checks: [], exitCode: 1 };
    const config = throwAwayConfig(baseYaml, o);
    let stack: StackLike | undefined;
    try {
        stack = await deps.createStack(o.stack, config);
        deps.log(`deploying ${o.stack} into ${o.account} with the policy pack`);
        const up = await stack.up({
            policyPacks: [deps.policyPack],
            policyPackConfigs: [deps.policyPackConfig],
            onOutput: deps.log,
        });
        result.deployed = true;
        const outputs = Object.fromEntries(
            Object.entries(up.outputs).map(([k, v]) => [k, v.value]),
        ) as unknown as StackOutputs;
        result.checks = await smoke(outputs, deps.teams, deps.probe);
        for (const c of result.checks) deps.log(`${c.ok ? "✓" : "✗"} ${c.name}: ${c.detail}`);
    } catch (e) {
        result.error = (e as Error).message;
        deps.log(`✗ ${o.stack}: ${result.error}`);
    } finally {
        if (stack) {
            try {
                deps.log(`destroying ${o.stack} (always, pass or fail)`);
                await stack.destroy({ onOutput: deps.log });
                await stack.remove();
                result.destroyed = true;
            } catch (e) {
                deps.log(
                    `✗ DESTROY FAILED for ${o.stack}: ${(e as Error).message}\n  Resources may be left in ${o.account}: run 'pulumi destroy --stack ${o.stack}' with the same backend, then 'pulumi stack rm ${o.stack}'.`,
                );
            }
        }
        deps.cleanupConfig(o.stack);
    }
    const passed = result.deployed && !result.error && result.checks.length > 0 && result.checks.every((c) => c.ok);
    result.exitCode = stack && !result.destroyed ? 2 : passed ? 0 : 1;
    return result;
}
