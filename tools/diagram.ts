import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { PROJECT_ROOT, runProgram, RunOptions } from "../lib/engine";
import { Architecture, buildArchitecture } from "./lib/architecture";
import { Layout, layoutArchitecture, toDrawio, toMarkdown, toSvg } from "./lib/render";

/**
 * `npm run diagram -- --stack <name> [--out docs] [--check]`: runs the program under the same mocks
 * as `check` and writes docs/architecture-<stack>.drawio, .svg and .md (Mermaid).
 * `--check` writes nothing and exits 1 when the committed files differ from the code.
 */

export interface Diagrams {
    drawio: string;
    markdown: string;
    svg: string;
}

/** The stack's architecture and its laid-out drawing, from one run of the program under mocks. */
export async function drawStack(
    stack: string,
    options: RunOptions = {},
): Promise<{ arch: Architecture; layout: Layout }> {
    const { capture } = await runProgram(stack, options);
    const arch = buildArchitecture(capture, stack);
    return { arch, layout: await layoutArchitecture(arch) };
}

export function diagramsOf(arch: Architecture, layout: Layout): Diagrams {
    return { drawio: toDrawio(arch, layout), markdown: toMarkdown(arch), svg: toSvg(arch, layout) };
}

export async function renderDiagrams(stack: string, options: RunOptions = {}): Promise<Diagrams> {
    const { arch, layout } = await drawStack(stack, options);
    return diagramsOf(arch, layout);
}

export function diagramPaths(stack: string, outDir = path.join(PROJECT_ROOT, "docs")): Diagrams {
    const file = (ext: string) => path.join(outDir, `architecture-${stack}.${ext}`);
    return { drawio: file("drawio"), markdown: file("md"), svg: file("svg") };
}

const USAGE = "usage: npm run diagram -- [--stack dev] [--out docs] [--check]";

async function main(argv: string[]): Promise<number> {
    let values: { stack?: string; out?: string; check?: boolean; help?: boolean };
    try {
        ({ values } = parseArgs({
            args: argv,
            options: {
                stack: { type: "string" },
                out: { type: "string" },
                check: { type: "boolean" },
                help: { type: "boolean", short: "h" },
            },
            strict: true,
        }));
    } catch (e) {
        console.error(`${(e as Error).message}\n${USAGE}`);
        return 64;
    }
    if (values.help) {
        console.log(USAGE);
        return 0;
    }
    const stacks = values.stack ? [values.stack] : ["dev", "prod"];
    const outDir = path.resolve(values.out ?? path.join(PROJECT_ROOT, "docs"));
    let stale = 0;
    for (const stack of stacks) {
        const d = await renderDiagrams(stack);
        const files = diagramPaths(stack, outDir);
        for (const kind of ["drawio", "markdown", "svg"] as const) {
            const [file, text] = [files[kind], d[kind]];
            const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
            if (values.check) {
                if (current !== text) {
                    console.error(`${path.relative(PROJECT_ROOT, file)} is out of date: run npm run diagram`);
                    stale++;
                }
            } else {
                fs.mkdirSync(path.dirname(file), { recursive: true });
                fs.writeFileSync(file, text);
                console.log(`${current === text ? "unchanged" : "wrote"} ${path.relative(process.cwd(), file)}`);
            }
        }
    }
    return stale > 0 ? 1 : 0;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e) => {
            console.error(e instanceof Error ? e.message : e);
            process.exit(e?.name === "ConfigError" ? 2 : 3);
        },
    );
}
