import * as path from "path";
import { fileURLToPath } from "url";
import { MockMonitor, Mocks } from "@pulumi/pulumi/runtime/mocks";
import { CapturedResource, SourcePosition } from "./capture";
import { originalPosition } from "./positions";

/**
 * The mock resource monitor, extended to keep what the engine receives with each registration and
 * what `pulumi.runtime.setMocks`'s `Mocks.newResource` never sees: URN, parent, dependencies,
 * protect, the source position and component outputs.
 *
 * Why a subclass: the SDK's `MockMonitor` (runtime/mocks.ts) passes only type, name, inputs,
 * provider, custom, id and transforms to `Mocks.newResource`, and `setMocks` offers no other hook.
 * lib/engine/run.ts installs this subclass in the runtime slot where `setMocks` puts its monitor,
 * instead of patching methods of a live monitor object.
 */

/** Registration details, keyed to the `newResource` call the base class makes for that request. */
export type RegistrationMeta = Pick<
    CapturedResource,
    "urn" | "parent" | "remote" | "dependencies" | "propertyDependencies" | "protect" | "source"
>;

function toPlain(v: any): any {
    return v && typeof v.toJavaScript === "function" ? v.toJavaScript() : v;
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

function position(pb: any): SourcePosition | undefined {
    const uri: string | undefined = pb?.getUri?.();
    if (!uri) return undefined;
    // A line of the compiled JavaScript (register.js keeps Node's source maps off): mapped to the .ts line.
    return originalPosition(uri.startsWith("file:") ? fileURLToPath(uri) : uri, pb.getLine(), pb.getColumn());
}

/**
 * The SDK picks a fixed number of frames up the constructor chain (resource.ts `Resource.stackTrace(4)`),
 * which lands in a library when a resource class has a deeper hierarchy; then the first project frame
 * of the stack trace the SDK also sends is the declaring line.
 */
function sourceOf(req: any): SourcePosition | undefined {
    const first = position(req.getSourceposition?.());
    if (first && !first.file.includes(NODE_MODULES)) return first;
    const frames: any[] = req.getStacktrace?.()?.getFramesList?.() ?? [];
    for (const f of frames) {
        const p = position(f.getPc?.());
        if (p && !p.file.includes(NODE_MODULES)) return p;
    }
    return first;
}

export class CapturingMonitor extends MockMonitor {
    /** The registration whose `newResource` call is in progress (the base class makes it synchronously). */
    current: RegistrationMeta | undefined;
    readonly registeredOutputs = new Map<string, Record<string, any>>();

    constructor(mocks: Mocks) {
        super(mocks);
    }

    private urnOf(parent: string, type: string, name: string): string {
        return (this as unknown as { newUrn(p: string, t: string, n: string): string }).newUrn(parent, type, name);
    }

    override registerResource(req: any, callback: (err: any, res: any) => void): Promise<void> {
        let meta: RegistrationMeta;
        try {
            const parent = req.getParent();
            const propertyDependencies: Record<string, string[]> = {};
            req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
                propertyDependencies[key] = deps.getUrnsList();
            });
            meta = {
                urn: this.urnOf(parent, req.getType(), req.getName()),
                parent,
                remote: req.getRemote(),
                dependencies: req.getDependenciesList(),
                propertyDependencies,
                protect: toPlain(req.getProtect()) === true,
                source: sourceOf(req),
            };
        } catch (e) {
            callback(e, undefined);
            return Promise.resolve();
        }
        // MockMonitor.registerResource calls mocks.newResource before its first await.
        this.current = meta;
        try {
            return super.registerResource(req, callback);
        } finally {
            this.current = undefined;
        }
    }

    override readResource(req: any, callback: (err: any, res: any) => void): Promise<void> {
        const parent = req.getParent();
        this.current = {
            urn: this.urnOf(parent, req.getType(), req.getName()),
            parent,
            remote: false,
            dependencies: req.getDependenciesList?.() ?? [],
            propertyDependencies: {},
            protect: false,
            source: sourceOf(req),
        };
        try {
            return super.readResource(req, callback);
        } finally {
            this.current = undefined;
        }
    }

    override registerResourceOutputs(req: any, callback: (err: any, res: any) => void): void {
        this.registeredOutputs.set(req.getUrn(), toPlain(req.getOutputs()) ?? {});
        super.registerResourceOutputs(req, callback);
    }
}
