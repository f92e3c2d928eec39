/**
 * A component's args over its defaults: what its resources read. An arg given as `undefined` takes the default
 * too (config mapping often passes optional keys through), so a default cannot be switched off by accident.
 */
export function withDefaults<A extends object, D extends Partial<A>>(defaults: D, args: A): A & D {
    const given = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
    return { ...defaults, ...given } as A & D;
}
