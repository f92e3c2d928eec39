import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** Repository root (lib/engine/../..) and the platform's Pulumi project name. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT_NAME = "aws-platform";

/**
 * The `config:` map of a stack file's text. `check` reads the same file twice (validation, then the program run), and
 * with hundreds of teams parsing is a visible share of its CPU: the last text parsed is kept. The map is frozen at its
 * top level, and callers copy it before changing it.
 */
let lastParsed: { text: string; config: Readonly<Record<string, unknown>> } | undefined;
function parsedConfig(text: string): Readonly<Record<string, unknown>> {
    if (lastParsed?.text !== text) {
        const doc = (YAML.parse(text) ?? {}) as { config?: Record<string, unknown> };
        lastParsed = { text, config: Object.freeze({ ...(doc.config ?? {}) }) };
    }
    return lastParsed.config;
}

/** Flattens a Pulumi.<stack>.yaml into the key → string map the engine hands to a program. */
export function readStackConfig(
    stack: string,
    file?: string,
    overrides: Record<string, unknown> = {},
    project = PROJECT_NAME,
): Record<string, string> {
    const configPath = file ?? path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(configPath)) throw new Error(`no stack config file ${configPath}`);
    const values: Record<string, unknown> = { ...parsedConfig(fs.readFileSync(configPath, "utf8")) };
    for (const [k, v] of Object.entries(overrides)) {
        const key = k.includes(":") ? k : `platform:${k}`;
        if (v === undefined) delete values[key];
        else values[key] = v;
    }
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) {
        const key = k.includes(":") ? k : `${project}:${k}`;
        out[key] = typeof v === "string" ? v : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);
    }
    return out;
}
