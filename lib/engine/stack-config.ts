import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";

/** Repository root (lib/engine/../..) and the platform's Pulumi project name. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");
export const PROJECT_NAME = "aws-platform";

/** Flattens a Pulumi.<stack>.yaml into the key → string map the engine hands to a program. */
export function readStackConfig(
    stack: string,
    file?: string,
    overrides: Record<string, unknown> = {},
    project = PROJECT_NAME,
): Record<string, string> {
    const configPath = file ?? path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(configPath)) throw new Error(`no stack config file ${configPath}`);
    const doc = (YAML.parse(fs.readFileSync(configPath, "utf8")) ?? {}) as { config?: Record<string, unknown> };
    const values: Record<string, unknown> = { ...(doc.config ?? {}) };
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
