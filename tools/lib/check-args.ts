import { parseArgs as nodeParseArgs } from "util";

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
    /** A git ref: also check that commit's program (same pack) and report what this change does. */
    base?: string;
    /** With base: exit 1 only for mandatory violations the base does not have. */
    newOnly?: boolean;
    /** With base: write the change summary as Markdown (the PR comment). */
    markdown?: string;
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
  --sarif <file>           write violations as SARIF 2.1.0 (GitHub code scanning); with --base, the new ones only
  --base <git-ref>         also check the program at <git-ref> (a temporary worktree; same pack and pack config)
                           and report what this change does: resources added, changed (with the input paths,
                           secrets masked) and removed, violations new and fixed, and the monthly cost delta
  --new-only               with --base: exit 1 only for new mandatory violations, not ones the base already has
  --markdown <file>        with --base: write that report as Markdown, for a pull-request comment
  --verbose, -v            list every resource, not only the counts per type
  --quiet, -q              print only the policy verdict, not the resource tree
  --timeout <seconds>      stop after this long and report what was still pending (default: ${DEFAULT_TIMEOUT_S})
  --no-color               plain output (also: NO_COLOR=1; colours are only used on a terminal)
  --help, -h               this text

Exit codes
  0   pass: no mandatory violation (advisory ones are printed)
  1   at least one mandatory policy violation (with --new-only: one the base does not have)
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

const OPTIONS = {
    stack: { type: "string" },
    project: { type: "string" },
    program: { type: "string" },
    "config-file": { type: "string" },
    "policy-pack": { type: "string" },
    "policy-config": { type: "string" },
    json: { type: "string" },
    sarif: { type: "string" },
    verbose: { type: "boolean", short: "v" },
    quiet: { type: "boolean", short: "q" },
    color: { type: "boolean" },
    "no-color": { type: "boolean" },
    timeout: { type: "string" },
    base: { type: "string" },
    "new-only": { type: "boolean" },
    markdown: { type: "string" },
    help: { type: "boolean", short: "h" },
} as const;

/** Parses argv (without node and script) with node's util.parseArgs; throws UsageError on anything it does not know. */
export function parseArgs(argv: string[]): CheckArgs {
    let values: Record<string, string | boolean | undefined>;
    try {
        ({ values } = nodeParseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false }));
    } catch (e) {
        const err = e as Error & { code?: string };
        // "Option '--stack <value>' argument missing" → "--stack needs a value"; the rest as node words it.
        const missing = /Option '(-\w, )?(--[\w-]+) <value>' argument missing/.exec(err.message);
        throw new UsageError(
            missing
                ? `${missing[2]} needs a value`
                : err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
                  ? `unknown argument: ${err.message}`
                  : err.message,
        );
    }
    const str = (k: keyof typeof OPTIONS) => {
        const v = values[k] as string | undefined;
        // "--json --sarif x" would read "--sarif" as the file name: a value never starts with "--".
        if (v !== undefined && (v === "" || v.startsWith("--"))) throw new UsageError(`--${k} needs a value`);
        return v;
    };
    const args: CheckArgs = {
        stack: str("stack") ?? "dev",
        project: str("project"),
        program: str("program"),
        configFile: str("config-file"),
        policyPack: str("policy-pack"),
        policyConfig: str("policy-config"),
        json: str("json"),
        sarif: str("sarif"),
        verbose: values.verbose === true,
        quiet: values.quiet === true,
        color: values["no-color"] ? false : values.color === true ? true : undefined,
        help: values.help === true,
        base: str("base"),
        newOnly: values["new-only"] === true,
        markdown: str("markdown"),
    };
    if (args.newOnly && !args.base) throw new UsageError("--new-only needs --base <git-ref>");
    if (args.markdown && !args.base) throw new UsageError("--markdown needs --base <git-ref>");
    const timeout = str("timeout");
    if (timeout !== undefined) {
        const seconds = Number(timeout);
        if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400)
            throw new UsageError(
                `--timeout must be a number of seconds between 0 and 86400, got ${JSON.stringify(timeout)}`,
            );
        args.timeout = seconds;
    }
    // Stack names become file names (Pulumi.<stack>.yaml, policy/config/<stack>.json): no paths.
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(args.stack))
        throw new UsageError(`--stack must be a stack name such as dev or prod, got ${JSON.stringify(args.stack)}`);
    return args;
}
