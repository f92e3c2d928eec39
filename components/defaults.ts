import * as pulumi from "@pulumi/pulumi";

/**
 * A component's args over its defaults: what its resources read. An arg given as `undefined` takes the default
 * too (config mapping often passes optional keys through), so a default cannot be switched off by accident.
 */
export function withDefaults<A extends object, D extends Partial<A>>(defaults: D, args: A): A & D {
    const given = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
    return { ...defaults, ...given } as A & D;
}

/**
 * What a component registers as its inputs (`super(type, name, registrable(args), opts)`): its args without the
 * values that are not known when it is constructed (Outputs, promises, resources), at any depth. The SDK sends a
 * component's registration only after its inputs resolve, and its children wait for that registration: another
 * tier's outputs among them (a subnet id, a security group) would make every child wait for that tier and
 * serialize the deployment. What the pack judges on a component is its decisions (switches, sizes, names), which
 * are plain values.
 */
export function registrable<A extends object>(args: A): Partial<A> {
    return keepKnown(args) as Partial<A>;
}

function keepKnown(v: unknown): unknown {
    if (pulumi.Output.isInstance(v) || v instanceof Promise || pulumi.Resource.isInstance(v)) return undefined;
    if (Array.isArray(v)) return v.map(keepKnown).filter((x) => x !== undefined);
    if (v && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) {
            const kept = keepKnown(x);
            if (kept !== undefined) out[k] = kept;
        }
        return out;
    }
    return v;
}
