"use strict";
/**
 * Preloaded (`node --require`) into the policy pack process that `check` starts, before
 * run-policy-pack loads the pack. It wraps every policy of the pack's PolicyPack so `check` can name
 * the policy and the resource of a call that does not return when its --timeout passes: an await that
 * never settles, or a loop that blocks the process.
 *
 * Each call only stores four integers in shared memory (a slot of `calls`: call id, policy, resource,
 * start time); a worker thread, which keeps running while a policy blocks the main thread, reads the
 * slots every POLL_MS and writes `{"e":"start",...}` to the file descriptor in CHECK_PACK_PROBE_FD for a
 * call running longer than REPORT_AFTER_MS, and `{"e":"end",...}` once it returns. Writing a line per
 * call instead (two write(2) calls for each of the ~145 policies on each resource) took a quarter of
 * the pack's CPU time on a 1,300-resource stack.
 *
 * Validator type tags (`__pulumiType`, set by validateResourceOfType) are kept, so @pulumi/policy still
 * skips a policy for other types. The pack also exits when `check` is gone (its parent changed), even
 * while a policy blocks its main thread, so no pack outlives its check.
 *
 * Speed, not semantics: @pulumi/policy's server (server.js, makeAnalyzeRpcFun / makeAnalyzeStackRpcFun)
 * deserializes a resource's properties again for every policy that runs on it, and AnalyzeStack deserializes
 * every resource again for every stack policy. For this pack that is ~145 decodings per Analyze and ~30 per
 * resource in AnalyzeStack: most of the pack's CPU, and on a 3,000-resource stack a 68 s AnalyzeStack with a
 * 6.3 GB peak. The probe decodes each request's properties once (keyed by the protobuf Struct the request
 * holds, which google-protobuf returns as the same object on every get) and hands every policy the same
 * decoded value, deep-frozen, so a policy that writes to its props fails loudly instead of leaking the write
 * into the next policy. Each policy still gets its own unknown-checking proxy from the server.
 */
const Module = require("module");
const path = require("path");
const { isMainThread, Worker } = require("worker_threads");

const fd = Number(process.env.CHECK_PACK_PROBE_FD);

/** Concurrent calls tracked (Analyze requests may overlap); a call beyond this many is not tracked. */
const SLOTS = 512;
/** Int32 fields of a slot: call id (0 = free), policy index, resource index, start (ms since EPOCH). */
const FIELDS = 4;
/** Resource URNs kept for the slots to point at: a ring, each URN written once when first analyzed. */
const URNS = 4096;
const URN_BYTES = 2048;
const POLL_MS = 100;
const REPORT_AFTER_MS = 200;

const WORKER = `
const fs = require("fs");
const { workerData, parentPort } = require("worker_threads");
const { fd, calls, urnBytes, urnLengths, urnBytesEach, fields, epoch, parentPid, pollMs, reportAfterMs } = workerData;
const decoder = new TextDecoder();
let names = [];
parentPort.on("message", (m) => (names = m.names));
const reported = new Map(); // call id -> slot
const emit = (event) => {
    try {
        fs.writeSync(fd, JSON.stringify(event) + "\\n");
    } catch {
        // check stopped reading: nothing to report to
    }
};
const urnAt = (i) => (i < 0 ? "(stack)" : decoder.decode(urnBytes.slice(i * urnBytesEach, i * urnBytesEach + Atomics.load(urnLengths, i))));
const typeOf = (urn) => {
    const parts = urn.split("::");
    return parts.length >= 4 ? parts[2].split("$").pop() : "";
};
setInterval(() => {
    // The process exits with its check, even while a policy blocks the main thread.
    if (process.ppid !== parentPid) process.kill(process.pid, "SIGKILL");
    const now = Date.now() - epoch;
    for (let s = 0; s < calls.length / fields; s++) {
        const id = Atomics.load(calls, s * fields);
        if (id === 0 || reported.has(id)) continue;
        const policy = calls[s * fields + 1];
        const resource = calls[s * fields + 2];
        const start = calls[s * fields + 3];
        if (Atomics.load(calls, s * fields) !== id || now - start < reportAfterMs) continue;
        const urn = urnAt(resource);
        emit({ e: "start", id, policy: names[policy] ?? "", urn: urn === "(stack)" ? "(stack)" : urn, type: typeOf(urn), ms: now - start });
        reported.set(id, s);
    }
    for (const [id, s] of reported)
        if (Atomics.load(calls, s * fields) !== id) {
            emit({ e: "end", id });
            reported.delete(id);
        }
}, pollMs);
`;

function deepFreeze(v) {
    if (v && typeof v === "object" && !Object.isFrozen(v)) {
        Object.freeze(v);
        for (const k of Object.keys(v)) deepFreeze(v[k]);
    }
    return v;
}

/** @pulumi/policy's deserializeProperties, decoding each Struct once (proxySecrets false: the validation path). */
function memoizeDeserialize(deserialize) {
    if (typeof deserialize.deserializeProperties !== "function" || deserialize.__memoized) return;
    const original = deserialize.deserializeProperties;
    const decoded = new WeakMap();
    deserialize.deserializeProperties = function (struct, proxySecrets) {
        if (proxySecrets || !struct || typeof struct !== "object") return original.apply(this, arguments);
        let v = decoded.get(struct);
        if (v === undefined) {
            v = deepFreeze(original.apply(this, arguments));
            decoded.set(struct, v);
        }
        return v;
    };
    deserialize.__memoized = true;
}

const POLICY_DESERIALIZE = `${path.sep}@pulumi${path.sep}policy${path.sep}deserialize.js`;
const STRUCT_PB = `${path.sep}google-protobuf${path.sep}google${path.sep}protobuf${path.sep}struct_pb.js`;

/**
 * google-protobuf's Struct, as loaded by the pack (its own node_modules may hold its own copy), gets the
 * faster decoding of lib/engine/struct-codec.js: the request's bytes are kept and decoded straight to the
 * JavaScript value @pulumi/policy asks for, instead of into a message object per value first.
 */
function installStructCodec(file, structPb) {
    if (!structPb || !structPb.Struct || structPb.Struct.__structCodec) return;
    const jspb = require(require.resolve("google-protobuf", { paths: [path.dirname(file)] }));
    require("../../lib/engine/struct-codec").install(structPb, jspb);
}

if (isMainThread) {
    const load = Module._load;
    Module._load = function (request, parent) {
        const exported = load.apply(this, arguments);
        if (typeof request !== "string" || !exported) return exported;
        if (request.endsWith("deserialize") && !exported.__memoized) {
            try {
                if (Module._resolveFilename(request, parent).endsWith(POLICY_DESERIALIZE)) memoizeDeserialize(exported);
            } catch {
                // not @pulumi/policy's module
            }
        } else if (request.endsWith("struct_pb") && exported.Struct && !exported.Struct.__structCodec) {
            try {
                const file = Module._resolveFilename(request, parent);
                if (file.endsWith(STRUCT_PB)) installStructCodec(file, exported);
            } catch {
                // not google-protobuf's module
            }
        }
        return exported;
    };
}

// The reporting worker must not load this probe again (a Worker inherits the process's --require).
if (isMainThread && Number.isInteger(fd) && fd > 2) {
    const EPOCH = Date.now();
    const calls = new Int32Array(new SharedArrayBuffer(SLOTS * FIELDS * 4));
    const urnBytes = new Uint8Array(new SharedArrayBuffer(URNS * URN_BYTES));
    const urnLengths = new Int32Array(new SharedArrayBuffer(URNS * 4));
    const worker = new Worker(WORKER, {
        eval: true,
        execArgv: [],
        env: {},
        workerData: {
            fd,
            calls,
            urnBytes,
            urnLengths,
            urnBytesEach: URN_BYTES,
            fields: FIELDS,
            epoch: EPOCH,
            parentPid: process.ppid,
            pollMs: POLL_MS,
            reportAfterMs: REPORT_AFTER_MS,
        },
    });
    worker.unref();

    const names = [];
    const encoder = new TextEncoder();
    const urnIndex = new Map();
    const urnAtIndex = new Array(URNS);
    let nextUrn = 0;
    const indexOf = (urn) => {
        let i = urnIndex.get(urn);
        if (i !== undefined) return i;
        i = nextUrn++ % URNS;
        if (urnAtIndex[i] !== undefined) urnIndex.delete(urnAtIndex[i]);
        urnAtIndex[i] = urn;
        urnIndex.set(urn, i);
        const { written } = encoder.encodeInto(urn, urnBytes.subarray(i * URN_BYTES, (i + 1) * URN_BYTES));
        Atomics.store(urnLengths, i, written);
        return i;
    };
    let seq = 0;
    let hint = 0;
    const begin = (policy, resource) => {
        for (let k = 0; k < SLOTS; k++) {
            const s = (hint + k) % SLOTS;
            if (Atomics.load(calls, s * FIELDS) !== 0) continue;
            const id = ++seq;
            calls[s * FIELDS + 1] = policy;
            calls[s * FIELDS + 2] = resource;
            calls[s * FIELDS + 3] = Date.now() - EPOCH;
            Atomics.store(calls, s * FIELDS, id); // published last: the worker reads a complete slot
            hint = s + 1;
            return s * FIELDS;
        }
        return -1;
    };
    const end = (at) => {
        if (at >= 0) Atomics.store(calls, at, 0);
    };

    const wrap = (policy, fn, resourceOf) => {
        if (typeof fn !== "function") return fn;
        const wrapped = function (args, report) {
            const at = begin(policy, resourceOf(args));
            let result;
            try {
                result = fn.call(this, args, report);
            } catch (e) {
                end(at);
                throw e;
            }
            if (result && typeof result.then === "function")
                return result.then(
                    (v) => {
                        end(at);
                        return v;
                    },
                    (e) => {
                        end(at);
                        throw e;
                    },
                );
            end(at);
            return result;
        };
        if (fn.__pulumiType !== undefined) wrapped.__pulumiType = fn.__pulumiType;
        return wrapped;
    };
    const probePolicy = (p) => {
        if (!p || typeof p !== "object") return p;
        const policy = names.push(String(p.name)) - 1;
        const out = Object.assign(Object.create(Object.getPrototypeOf(p)), p);
        if (p.validateResource !== undefined) {
            const resource = (a) => indexOf((a && a.urn) || "");
            out.validateResource = Array.isArray(p.validateResource)
                ? p.validateResource.map((f) => wrap(policy, f, resource))
                : wrap(policy, p.validateResource, resource);
        }
        if (typeof p.validateStack === "function") out.validateStack = wrap(policy, p.validateStack, () => -1);
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
                    const policies = args && Array.isArray(args.policies) ? args.policies.map(probePolicy) : undefined;
                    worker.postMessage({ names: [...names] });
                    super(name, policies ? { ...args, policies } : args, ...rest);
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
