/** What the engine records of each resource registration, and lookups over a run's records. */

/** Where the program declared a resource: the SDK's `sourcePosition` of the registration call. */
export interface SourcePosition {
    /** Absolute path of the file (the SDK sends a file:// URI). */
    file: string;
    line: number;
    column: number;
}

export interface CapturedResource {
    type: string;
    name: string;
    urn: string;
    /** URN of the parent resource ('' for the stack's direct children). */
    parent: string;
    /** True for provider-managed resources, false for components. */
    custom: boolean;
    /** Remote component (e.g. eks:index:Cluster): inputs only, children live in the provider. */
    remote: boolean;
    id: string;
    inputs: Record<string, any>;
    /** The inputs plus mock provider outputs. */
    state: Record<string, any>;
    dependencies: string[];
    propertyDependencies: Record<string, string[]>;
    provider: string;
    protect: boolean;
    /** What a component registered with `registerOutputs` ({} for custom resources); set when the run settles. */
    outputs: Record<string, any>;
    /**
     * The registration call's position as the SDK sends it in RegisterResourceRequest.sourcePosition,
     * mapped to the first frame of the SDK's stack trace that lies in the project (not node_modules)
     * when the SDK's own pick is a library frame. Undefined when the SDK sent none.
     */
    source?: SourcePosition;
}

export class Capture {
    readonly resources: CapturedResource[] = [];

    ofType(type: string): CapturedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    /** The one resource of `type` whose logical name is `name` (or ends with `-name`). */
    one(type: string, name?: string): CapturedResource {
        const hits = this.ofType(type).filter(
            (r) => name === undefined || r.name === name || r.name.endsWith(`-${name}`),
        );
        if (hits.length !== 1) {
            const names =
                this.ofType(type)
                    .map((r) => r.name)
                    .join(", ") || "none";
            throw new Error(
                `expected one ${type}${name ? ` named ${name}` : ""}, found ${hits.length} (have: ${names})`,
            );
        }
        return hits[0];
    }

    byUrn(urn: string): CapturedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }

    /** The resources whose parent is `urn`. */
    childrenOf(urn: string): CapturedResource[] {
        return this.resources.filter((r) => r.parent === urn);
    }

    /** The resource `r` names by id/ARN in one of its inputs (mock ids are unique). */
    referenced(value: unknown): CapturedResource | undefined {
        return this.resources.find((r) => r.id === value || r.state.arn === value);
    }
}
