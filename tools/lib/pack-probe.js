"use strict";
/**
 * Preloaded (`node --require`) into the policy pack process that `check` starts, before
 * run-policy-pack loads the pack. It wraps every policy of the pack's PolicyPack so each call
 * writes `{"e":"start",...}` / `{"e":"end",...}` lines to the file descriptor in
 * CHECK_PACK_PROBE_FD, synchronously: a policy that never returns (an await that never settles, or
 * a loop that blocks the process) has a start without an end, so `check` can name the policy and
 * the resource when its --timeout passes. Validator type tags (`__pulumiType`, set by
 * validateResourceOfType) are kept, so @pulumi/policy still skips a policy for other types.
 * The process also exits when `check` is gone (its parent changed), so no pack outlives its check.
 */
const fs = require("fs");
const Module = require("module");

const fd = Number(process.env.CHECK_PACK_PROBE_FD);
const parentPid = process.ppid;
setInterval(() => {
    if (process.ppid !== parentPid) process.exit(1);
}, 500).unref();

if (Number.isInteger(fd) && fd > 2) {
    let seq = 0;
    const emit = (event) => {
        try {
            fs.writeSync(fd, `${JSON.stringify(event)}\n`);
        } catch {
            // check stopped reading: nothing to report to
        }
    };
    const wrap = (policyName, fn, urnOf) => {
        if (typeof fn !== "function") return fn;
        const wrapped = async function (args, report) {
            const id = ++seq;
            emit({ e: "start", id, policy: policyName, urn: urnOf(args), type: (args && args.type) || "" });
            try {
                return await fn.call(this, args, report);
            } finally {
                emit({ e: "end", id });
            }
        };
        if (fn.__pulumiType !== undefined) wrapped.__pulumiType = fn.__pulumiType;
        return wrapped;
    };
    const probePolicy = (p) => {
        if (!p || typeof p !== "object") return p;
        const out = Object.assign(Object.create(Object.getPrototypeOf(p)), p);
        if (p.validateResource !== undefined) {
            const urn = (a) => (a && a.urn) || "";
            out.validateResource = Array.isArray(p.validateResource)
                ? p.validateResource.map((f) => wrap(p.name, f, urn))
                : wrap(p.name, p.validateResource, urn);
        }
        if (typeof p.validateStack === "function") out.validateStack = wrap(p.name, p.validateStack, () => "(stack)");
        return out;
    };
    const patched = new WeakMap();
    const load = Module._load;
    Module._load = function (request, parent, isMain) {
        const exported = load.apply(this, arguments);
        if (request !== "@pulumi/policy" || !exported || typeof exported.PolicyPack !== "function") return exported;
        if (!patched.has(exported)) {
            class ProbedPolicyPack extends exported.PolicyPack {
                constructor(name, args, ...rest) {
                    super(
                        name,
                        args && Array.isArray(args.policies)
                            ? { ...args, policies: args.policies.map(probePolicy) }
                            : args,
                        ...rest,
                    );
                }
            }
            patched.set(
                exported,
                Object.create(exported, { PolicyPack: { value: ProbedPolicyPack, enumerable: true } }),
            );
        }
        return patched.get(exported);
    };
}
