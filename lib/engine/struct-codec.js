"use strict";
/**
 * A faster google.protobuf.Struct for the two processes of `check` (the program under mocks, and the policy
 * pack), with the same values and the same wire bytes as google-protobuf's.
 *
 * Why: google-protobuf builds a message object per value (a Map per object, a Value per field) on every
 * `Struct.fromJavaScript`, and again on every decode. A registration under mocks goes through four of
 * those (the SDK's request, the mock monitor's response), and the pack decodes every resource twice
 * (Analyze, then AnalyzeStack). For this program, whose vendored CRDs carry ~1 MB of OpenAPI schema,
 * that was about a quarter of the CPU of `check --stack prod` and most of its garbage collection.
 *
 * What `install()` changes, on google-protobuf's own Struct class (so every user of the class, the SDK
 * and @pulumi/policy included, gets it):
 * - `Struct.fromJavaScript(obj)` keeps a deep copy of `obj` instead of building Value messages.
 * - A Struct field read from the wire keeps its encoded bytes instead of decoding them.
 * - `toJavaScript()` returns what google-protobuf would: a fresh object whose keys come in sorted order
 *   (its Map iterates sorted keys), decoded from the bytes or copied from the kept object.
 * - Serializing writes bytes equal to google-protobuf's (sorted keys, the same UTF-8 and doubles).
 * - Anything else that reads or writes the fields (`getFieldsMap`, `clone`, ...) first turns the Struct into
 *   an ordinary google-protobuf Struct ("materializes" it), after which it is exactly the library's.
 * Values google-protobuf would reject or encode its own way (undefined, functions, class instances,
 * strings with lone surrogates, a "__proto__" key, unknown wire fields, invalid UTF-8) take the library's path unchanged:
 * this module only ever answers where its answer is the library's.
 *
 * test/struct-codec.test.ts compares values and bytes with google-protobuf's on generated inputs.
 */

const JS = Symbol("struct-codec.js");
const BYTES = Symbol("struct-codec.bytes");

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

class Fallback extends Error {}
const FALLBACK = new Fallback("struct-codec: not a canonical Struct");

// ---------------------------------------------------------------- copy (fromJavaScript / toJavaScript)

/** An object literal's kind of object (google-protobuf's goog.typeOf has its own rules for anything else). */
function isPlainObject(v) {
    return Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * A deep copy of `v` in the shape google-protobuf's toJavaScript returns (object keys sorted), or FALLBACK
 * thrown for anything but null, strings, numbers, booleans, arrays and plain objects.
 */
function copyValue(v) {
    switch (typeof v) {
        case "string":
        case "number":
        case "boolean":
            return v;
        case "object": {
            if (v === null) return null;
            if (Array.isArray(v)) {
                if (Object.getPrototypeOf(v) !== Array.prototype) throw FALLBACK;
                const out = new Array(v.length);
                for (let i = 0; i < v.length; i++) out[i] = copyValue(v[i]);
                return out;
            }
            if (!isPlainObject(v)) throw FALLBACK;
            return copyObject(v);
        }
        default:
            throw FALLBACK;
    }
}

/** google-protobuf's Map keeps entries in an object literal, where a "__proto__" key is its own story. */
const PROTO_KEY = "__proto__";

function copyObject(o) {
    const keys = Object.keys(o).sort();
    const out = {};
    for (const k of keys) {
        if (k === PROTO_KEY) throw FALLBACK;
        out[k] = copyValue(o[k]);
    }
    return out;
}

// ---------------------------------------------------------------- encode

/** Bytes needed for an unsigned varint. */
function varintSize(n) {
    let size = 1;
    while (n >= 0x80) {
        n = Math.floor(n / 128);
        size++;
    }
    return size;
}

/**
 * Encodes in two passes: `sizeOf*` computes every nested message's length once (kept in `sizes`, in the
 * order the writer needs them), then `write*` emits the bytes into one buffer.
 */
class Encoder {
    constructor() {
        this.sizes = [];
        this.strings = [];
    }

    stringSize(s) {
        if (!s.isWellFormed()) throw FALLBACK; // google-protobuf writes lone surrogates its own way
        const n = Buffer.byteLength(s, "utf8");
        this.strings.push(n);
        return n;
    }

    // Struct: field 1, repeated entry { 1: key, 2: Value }; entries in sorted key order.
    sizeOfStruct(o) {
        if (!isPlainObject(o)) throw FALLBACK;
        const slot = this.sizes.length;
        this.sizes.push(0);
        let size = 0;
        for (const k of Object.keys(o).sort()) {
            if (k === PROTO_KEY) throw FALLBACK;
            const entrySlot = this.sizes.length;
            this.sizes.push(0);
            const keyLen = this.stringSize(k);
            const valueLen = this.sizeOfValue(o[k]);
            const entry = 1 + varintSize(keyLen) + keyLen + 1 + varintSize(valueLen) + valueLen;
            this.sizes[entrySlot] = entry;
            size += 1 + varintSize(entry) + entry;
        }
        this.sizes[slot] = size;
        return size;
    }

    // Value: oneof { 1: null (enum), 2: number (double), 3: string, 4: bool, 5: Struct, 6: ListValue }.
    sizeOfValue(v) {
        switch (typeof v) {
            case "string": {
                const n = this.stringSize(v);
                return 1 + varintSize(n) + n;
            }
            case "number":
                return 9;
            case "boolean":
                return 2;
            case "object": {
                if (v === null) return 2;
                if (Array.isArray(v)) {
                    if (Object.getPrototypeOf(v) !== Array.prototype) throw FALLBACK;
                    const n = this.sizeOfList(v);
                    return 1 + varintSize(n) + n;
                }
                const n = this.sizeOfStruct(v);
                return 1 + varintSize(n) + n;
            }
            default:
                throw FALLBACK;
        }
    }

    // ListValue: field 1, repeated Value.
    sizeOfList(a) {
        const slot = this.sizes.length;
        this.sizes.push(0);
        let size = 0;
        for (let i = 0; i < a.length; i++) {
            const n = this.sizeOfValue(a[i]);
            size += 1 + varintSize(n) + n;
        }
        this.sizes[slot] = size;
        return size;
    }

    encode(o) {
        const total = this.sizeOfStruct(o);
        this.buf = Buffer.allocUnsafe(total);
        this.pos = 0;
        this.sizeIndex = 0;
        this.stringIndex = 0;
        this.writeStruct(o);
        return this.buf;
    }

    varint(n) {
        while (n >= 0x80) {
            this.buf[this.pos++] = (n & 0x7f) | 0x80;
            n = Math.floor(n / 128);
        }
        this.buf[this.pos++] = n;
    }

    string(s) {
        const n = this.strings[this.stringIndex++];
        this.varint(n);
        this.pos += this.buf.write(s, this.pos, n, "utf8");
    }

    writeStruct(o) {
        this.sizeIndex++; // the Struct's own size was written by the caller
        for (const k of Object.keys(o).sort()) {
            this.buf[this.pos++] = 0x0a; // field 1, length-delimited
            this.varint(this.sizes[this.sizeIndex++]);
            this.buf[this.pos++] = 0x0a; // key
            this.string(k);
            this.buf[this.pos++] = 0x12; // value
            this.writeValueWithLength(o[k]);
        }
    }

    writeValueWithLength(v) {
        // A Value's length is its one field: tag + payload, recomputed here from what the size pass kept.
        switch (typeof v) {
            case "string": {
                const n = this.strings[this.stringIndex];
                this.varint(1 + varintSize(n) + n);
                this.buf[this.pos++] = 0x1a;
                this.string(v);
                return;
            }
            case "number":
                this.buf[this.pos++] = 9;
                this.buf[this.pos++] = 0x11;
                if (Number.isNaN(v)) {
                    // google-protobuf's splitFloat64 writes NaN as 0x7FFFFFFFFFFFFFFF, not the canonical quiet NaN.
                    this.pos = this.buf.writeUInt32LE(0xffffffff, this.pos);
                    this.pos = this.buf.writeUInt32LE(0x7fffffff, this.pos);
                } else this.pos = this.buf.writeDoubleLE(v, this.pos);
                return;
            case "boolean":
                this.buf[this.pos++] = 2;
                this.buf[this.pos++] = 0x20;
                this.buf[this.pos++] = v ? 1 : 0;
                return;
            default: {
                if (v === null) {
                    this.buf[this.pos++] = 2;
                    this.buf[this.pos++] = 0x08;
                    this.buf[this.pos++] = 0;
                    return;
                }
                const n = this.sizes[this.sizeIndex];
                this.varint(1 + varintSize(n) + n);
                if (Array.isArray(v)) {
                    this.buf[this.pos++] = 0x32;
                    this.varint(n);
                    this.writeList(v);
                } else {
                    this.buf[this.pos++] = 0x2a;
                    this.varint(n);
                    this.writeStruct(v);
                }
            }
        }
    }

    writeList(a) {
        this.sizeIndex++;
        for (let i = 0; i < a.length; i++) {
            this.buf[this.pos++] = 0x0a;
            this.writeValueWithLength(a[i]);
        }
    }
}

/** google-protobuf's bytes for `Struct.fromJavaScript(o).serializeBinary()`, or undefined where it has its own way. */
function encodeStruct(o) {
    try {
        return new Encoder().encode(o);
    } catch (e) {
        if (e === FALLBACK) return undefined;
        throw e;
    }
}

// ---------------------------------------------------------------- decode

class Decoder {
    constructor(buf, start, end) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
    }

    varint() {
        let result = 0;
        let shift = 1;
        for (let i = 0; i < 10; i++) {
            if (this.pos >= this.end) throw FALLBACK;
            const b = this.buf[this.pos++];
            result += (b & 0x7f) * shift;
            if (b < 0x80) return result;
            shift *= 128;
        }
        throw FALLBACK;
    }

    /** Reads [start, end) with `read`; then the cursor is at `end` and the outer limit is restored. */
    within(start, end, read) {
        const saved = this.end;
        this.pos = start;
        this.end = end;
        const out = read.call(this, end);
        this.end = saved;
        this.pos = end;
        return out;
    }

    /** The payload of the length-delimited field at the cursor, which must end by `end`: [start, end); the cursor moves past it. */
    field(end) {
        const n = this.varint();
        const start = this.pos;
        if (start + n > end) throw FALLBACK;
        this.pos = start + n;
        return [start, this.pos];
    }

    struct(start, end) {
        return this.within(start, end, this.readStruct);
    }

    readStruct(end) {
        // Map entries, last one per key wins; google-protobuf's toJavaScript then orders the keys.
        const entries = new Map();
        while (this.pos < end) {
            if (this.varint() !== 0x0a) throw FALLBACK;
            const [entryStart, entryEnd] = this.field(end);
            this.pos = entryStart;
            let key = "";
            let value;
            let hasValue = false;
            while (this.pos < entryEnd) {
                const tag = this.varint();
                const [s, e] = this.field(entryEnd);
                if (tag === 0x0a) {
                    key = utf8.decode(this.buf.subarray(s, e));
                    if (key === PROTO_KEY) throw FALLBACK;
                } else if (tag === 0x12) {
                    value = this.within(s, e, this.readValue);
                    hasValue = true;
                } else throw FALLBACK;
            }
            // A missing value is a Value with no kind: google-protobuf's toJavaScript throws on it.
            if (!hasValue) throw FALLBACK;
            entries.set(key, value);
        }
        const out = {};
        for (const k of [...entries.keys()].sort()) out[k] = entries.get(k);
        return out;
    }

    readValue(end) {
        // One kind per Value; should several come, the last wins, as in google-protobuf's oneof.
        let kind = 0;
        let out;
        while (this.pos < end) {
            const tag = this.varint();
            if (tag === 0x08) {
                this.varint(); // null_value (any enum number)
                out = null;
            } else if (tag === 0x11) {
                if (this.pos + 8 > end) throw FALLBACK;
                out = this.buf.readDoubleLE(this.pos);
                this.pos += 8;
            } else if (tag === 0x20) out = this.varint() !== 0;
            else if (tag === 0x1a || tag === 0x2a || tag === 0x32) {
                const [s, e] = this.field(end);
                out =
                    tag === 0x1a
                        ? utf8.decode(this.buf.subarray(s, e))
                        : this.within(s, e, tag === 0x2a ? this.readStruct : this.readList);
            } else throw FALLBACK;
            kind++;
        }
        if (kind === 0) throw FALLBACK;
        return out;
    }

    readList(end) {
        const out = [];
        while (this.pos < end) {
            if (this.varint() !== 0x0a) throw FALLBACK;
            const [s, e] = this.field(end);
            out.push(this.within(s, e, this.readValue));
        }
        return out;
    }
}

/** The value google-protobuf's `Struct.deserializeBinary(bytes).toJavaScript()` returns, or undefined where it has its own way. */
function decodeStruct(buf, start = 0, end = buf.length) {
    try {
        return new Decoder(
            Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength),
            start,
            end,
        ).struct(start, end);
    } catch (e) {
        if (e === FALLBACK || e instanceof TypeError) return undefined; // TypeError: the fatal UTF-8 decoder
        throw e;
    }
}

// ---------------------------------------------------------------- install

/**
 * Installs the faster paths on google-protobuf's Struct (once per process; the module is a singleton in
 * this tree: `npm ls google-protobuf`). Returns the Struct class.
 */
function install(structPb = require("google-protobuf/google/protobuf/struct_pb"), jspb = require("google-protobuf")) {
    const Struct = structPb.Struct;
    if (Struct.__structCodec) return Struct;
    const proto = Struct.prototype;
    const original = {
        fromJavaScript: Struct.fromJavaScript,
        serializeBinaryToWriter: Struct.serializeBinaryToWriter,
        toJavaScript: proto.toJavaScript,
        getFieldsMap: proto.getFieldsMap,
        clearFieldsMap: proto.clearFieldsMap,
        clone: proto.clone,
        cloneMessage: proto.cloneMessage,
        toArray: proto.toArray,
    };

    /** Turns a kept Struct into an ordinary one, with the library's own fields. */
    function materialize(s) {
        if (s[JS] === undefined && s[BYTES] === undefined) return;
        let bytes = s[BYTES];
        if (bytes === undefined) bytes = encodeStruct(s[JS]) ?? original.fromJavaScript(s[JS]).serializeBinary();
        s[JS] = undefined;
        s[BYTES] = undefined;
        Struct.deserializeBinaryFromReader(s, new jspb.BinaryReader(bytes));
    }

    Struct.fromJavaScript = function (value) {
        let copy;
        try {
            if (value === null || typeof value !== "object" || Array.isArray(value) || !isPlainObject(value))
                throw FALLBACK;
            copy = copyObject(value);
        } catch (e) {
            if (e !== FALLBACK) throw e;
            return original.fromJavaScript.call(this, value);
        }
        const s = new Struct();
        s[JS] = copy;
        return s;
    };

    proto.toJavaScript = function () {
        if (this[JS] !== undefined) {
            try {
                return copyObject(this[JS]);
            } catch (e) {
                if (e !== FALLBACK) throw e;
                materialize(this);
            }
        }
        if (this[BYTES] !== undefined) {
            const v = decodeStruct(this[BYTES]);
            if (v !== undefined) return v;
            materialize(this);
        }
        return original.toJavaScript.call(this);
    };

    Struct.serializeBinaryToWriter = function (message, writer) {
        if (message[BYTES] === undefined && message[JS] !== undefined) {
            const bytes = encodeStruct(message[JS]);
            if (bytes === undefined) materialize(message);
            else {
                // Kept: AnalyzeStack sends the bytes Analyze encoded. The value itself is dropped (toJavaScript decodes
                // the bytes when asked), so a stack's properties are held once, not twice, while the check runs.
                message[BYTES] = bytes;
                message[JS] = undefined;
            }
        }
        if (message[BYTES] !== undefined) {
            writer.writeSerializedMessage(message[BYTES], 0, message[BYTES].length);
            return;
        }
        original.serializeBinaryToWriter.call(this, message, writer);
    };

    // A Struct field of a message being decoded (reader.readMessage(struct, Struct.deserializeBinaryFromReader),
    // as every generated message does) keeps its bytes: getFieldDecoder() reads the field's length and returns a
    // decoder over exactly its payload, all through google-protobuf's exported API. A Struct that already has
    // fields, or any other message, is read by the library as before.
    const Reader = jspb.BinaryReader;
    const readMessage = Reader.prototype.readMessage;
    Reader.prototype.readMessage = function (message, read) {
        if (
            read === Struct.deserializeBinaryFromReader &&
            message instanceof Struct &&
            message[JS] === undefined &&
            message[BYTES] === undefined &&
            !(original.getFieldsMap.call(message, true)?.getLength() > 0)
        ) {
            const decoder = this.getFieldDecoder();
            message[BYTES] = decoder.getBuffer().subarray(decoder.getCursor(), decoder.getEnd());
            return;
        }
        return readMessage.apply(this, arguments);
    };

    // Everything else that touches the fields sees an ordinary Struct.
    for (const name of ["getFieldsMap", "clearFieldsMap", "clone", "cloneMessage", "toArray"]) {
        if (typeof original[name] !== "function") continue;
        proto[name] = function () {
            materialize(this);
            return original[name].apply(this, arguments);
        };
    }
    Object.defineProperty(Struct, "__structCodec", { value: original });
    return Struct;
}

/** google-protobuf's own Struct functions, as they were before `install`. */
function originals(Struct) {
    return Struct.__structCodec;
}

/**
 * `Struct.fromJavaScript(json)` for a value the caller just made with JSON.parse and never touches again:
 * kept as it is, without the defensive copy (JSON.parse makes only plain objects, arrays and primitives).
 */
function fromJson(Struct, json) {
    if (!Struct.__structCodec) return Struct.fromJavaScript(json);
    const s = new Struct();
    s[JS] = json;
    return s;
}

module.exports = { encodeStruct, decodeStruct, install, originals, fromJson };
