import * as fs from "fs";
import * as path from "path";

/**
 * Maps a resource URN to the source file (repository-relative) and line that declares it, for
 * SARIF locations: the nearest enclosing component's file (found by its `platform:<tier>:<Name>`
 * type token), else the program file; a violation with no resource points at the stack config.
 */

export interface LocatableResource {
    type: string;
    name: string;
    urn: string;
    parent: string;
}

export interface SourceLocation {
    file: string;
    line: number;
}

interface FileText {
    rel: string;
    lines: string[];
}

const TOKEN = /["'`]([a-z][\w-]*:[\w-]+:[A-Z][\w]*)["'`]/g;

export class SourceLocator {
    private readonly byUrn: Map<string, LocatableResource>;
    private readonly tokenFiles = new Map<string, { file: FileText; line: number }>();
    private readonly program: FileText;

    constructor(
        private readonly root: string,
        programFile: string,
        private readonly configFile: string,
        resources: LocatableResource[],
    ) {
        this.byUrn = new Map(resources.map((r) => [r.urn, r]));
        this.program = this.read(programFile);
        const dirs = new Set([path.join(root, "components"), path.dirname(path.resolve(root, programFile))]);
        for (const dir of dirs) {
            if (!fs.existsSync(dir)) continue;
            for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".ts") && !n.endsWith(".d.ts"))) this.index(this.read(path.join(dir, f)));
        }
    }

    private read(file: string): FileText {
        const abs = path.resolve(this.root, file);
        const rel = path.relative(this.root, abs).split(path.sep).join("/");
        return { rel, lines: fs.existsSync(abs) ? fs.readFileSync(abs, "utf8").split("\n") : [] };
    }

    /** Records where each component type token is first used as a string literal (its `super(...)` call). */
    private index(file: FileText) {
        file.lines.forEach((text, i) => {
            for (const m of text.matchAll(TOKEN)) if (!this.tokenFiles.has(m[1])) this.tokenFiles.set(m[1], { file, line: i + 1 });
        });
    }

    locate(urn: string): SourceLocation {
        const target = this.byUrn.get(urn);
        if (!target) return { file: this.configFile, line: 1 };
        for (let r: LocatableResource | undefined = target; r; r = r.parent ? this.byUrn.get(r.parent) : undefined) {
            const hit = this.tokenFiles.get(r.type);
            if (!hit) continue;
            // `${name}-<role>` children: point at the line naming the role when it is written literally.
            const role = r === target ? "" : target.name.startsWith(`${r.name}-`) ? target.name.slice(r.name.length + 1) : "";
            const roleLine = role ? hit.file.lines.findIndex((l) => l.includes(`-${role}\``) || l.includes(`-${role}"`)) : -1;
            return { file: hit.file.rel, line: roleLine >= 0 ? roleLine + 1 : hit.line };
        }
        const line = this.program.lines.findIndex((l) => [`"${target.name}"`, `'${target.name}'`, `\`${target.name}\``].some((q) => l.includes(q)));
        return { file: this.program.rel, line: line >= 0 ? line + 1 : 1 };
    }
}
