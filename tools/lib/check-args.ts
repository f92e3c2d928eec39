/** Command-line surface of `npm run check`: one parser, one usage text, one exit-code table. */

export const EXIT = {
    pass: 0,
    violations: 1,
    config: 2,
    program: 3,
    pack: 4,
    usage: 64,
    /** Ctrl-C (SIGINT) or SIGTERM: 128 + the signal number, as a shell reports it. */
    interrupted: 130,
    terminated: 143,
} as const;

/** Default --timeout in seconds: far above a prod check (see the README's bench figures), far below a CI job's limit. */
export const DEFAULT_TIMEOUT_S = 300;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CheckArgs {
    stack: string;
    /** Pulumi project directory, relative to the repository root (default: the root; e.g. bootstrap). */
    project?: string;
    /** Program to run under mocks, relative to the project root (default: Pulumi.yaml `main`). */
    program?: string;
    /** Stack config file to use instead of Pulumi.<stack>.yaml. */
    configFile?: string;
    /** Policy pack directory (default: policy/). */
    policyPack?: string;
    /** Policy pack config (default: <pack dir>/config/<stack>.json when it exists). */
    policyConfig?: string;
    json?: string;
    sarif?: string;
    verbose: boolean;
    /** Only the policy verdict, no resource tree (scripts/pulumi.sh runs the check this way before a real preview). */
    quiet: boolean;
    color?: boolean;
    help: boolean;
    /** Seconds the whole check may take (program, then policies) before it stops and says what was pending. */
    timeout?: number;
}

export const USAGE = `Usage: npm run check -- [--stack <name>] [options]

Offline preview and policy gate: runs the real program under Pulumi mocks (no cloud account, no
backend, no Pulumi CLI), prints what the stack declares, and sends every resource to the policy
pack over the analyzer protocol the Pulumi CLI uses.

Options
  --stack <name>           stack to check; reads Pulumi.<name>.yaml (default: dev)
  --project <dir>          Pulumi project directory (default: the repository root; e.g. bootstrap)
  --config-file <file>     use this stack config file instead of Pulumi.<name>.yaml
  --program <file>         program to run instead of Pulumi.yaml's main (e.g. a test fixture)
  --policy-pack <dir>      policy pack directory (default: policy)
  --policy-config <file>   policy pack config (default: <pack>/config/<name>.json if present)
  --json <file>            write the full result (resources, violations, policies, timings) as JSON
  --sarif <file>           write violations as SARIF 2.1.0 (GitHub code scanning)
  --verbose, -v            list every resource, not only the counts per type
  --quiet, -q              print only the policy verdict, not the resource tree
  --timeout <seconds>      stop after this long and report what was still pending (default: ${DEFAULT_TIMEOUT_S})
  --no-color               plain output (also: NO_COLOR=1; colours are only used on a terminal)
  --help, -h               this text

Exit codes
  0   pass: no mandatory violation (advisory ones are printed)
  1   at least one mandatory policy violation
  2   config error: invalid stack config or policy pack config (the message names the key)
  3   program error: the program threw, or did not finish within --timeout (pending resources are listed)
  4   policy pack failed to start, crashed or errored, or a policy did not return within --timeout
      (verdicts reached so far are still reported, marked incomplete)
  64  usage error: unknown option or missing value
  130 interrupted (Ctrl-C); 143 terminated (SIGTERM): the pack is stopped, reports are marked incomplete
`;

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

const VALUE_FLAGS: Record<string, keyof CheckArgs> = {
    "--stack": "stack",
    "--project": "project",
    "--program": "program",
    "--config-file": "configFile",
    "--policy-pack": "policyPack",
    "--policy-config": "policyConfig",
    "--json": "json",
    "--sarif": "sarif",
    "--timeout": "timeout",
};

/** Parses argv (without node and script); throws UsageError on anything it does not know. */
export function parseArgs(argv: string[]): CheckArgs {
    const args: CheckArgs = { stack: "dev", verbose: false, quiet: false, help: false };
    for (let i = 0; i < argv.length; i++) {
        const raw = argv[i];
        const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
        const flag = eq > 0 ? raw.slice(0, eq) : raw;
        const key = VALUE_FLAGS[flag];
        if (key) {
            const value = eq > 0 ? raw.slice(eq + 1) : argv[++i];
            if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) throw new UsageError(`${flag} needs a value`);
            (args as unknown as Record<string, unknown>)[key] = value;
        } else if (flag === "--verbose" || flag === "-v") args.verbose = true;
        else if (flag === "--quiet" || flag === "-q") args.quiet = true;
        else if (flag === "--no-color") args.color = false;
        else if (flag === "--color") args.color = true;
        else if (flag === "--help" || flag === "-h") args.help = true;
        else throw new UsageError(`unknown ${raw.startsWith("-") ? "option" : "argument"} ${raw}`);
    }
    if (args.timeout !== undefined) {
        const seconds = Number(args.timeout);
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) throw new UsageError(`--timeout must be a number of seconds between 0 and 86400, got ${JSON.stringify(String(args.timeout))}`);
        args.timeout = seconds;
    }
    // Stack names become file names (Pulumi.<stack>.yaml, policy/config/<stack>.json): no paths.
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(args.stack)) throw new UsageError(`--stack must be a stack name such as dev or prod, got ${JSON.stringify(args.stack)}`);
    return args;
}
