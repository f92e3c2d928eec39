import * as assert from "assert";
import fc from "fast-check";
import * as jspb from "google-protobuf";
import { ListValue, Struct, Value } from "google-protobuf/google/protobuf/struct_pb";
import * as pb from "@pulumi/pulumi/proto/analyzer_pb";
import { decodeStruct, encodeStruct, fromJson, install, originals } from "../lib/engine/struct-codec";

/**
 * lib/engine/struct-codec.js must give google-protobuf's answers: the same values (key order included) and the
 * same bytes. Each property compares with the library's own functions (kept by `install`) on generated values;
 * the seed is fixed so a failure reproduces.
 */

install();
const lib = originals(Struct)!;
const SEED = 20261130;

/** The library's encoding and decoding, bypassing the codec. */
function libBytes(o: unknown): Buffer {
    return Buffer.from(lib.fromJavaScript(o as any).serializeBinary());
}
function libValue(bytes: Uint8Array): unknown {
    // A plain reader over the bytes: the codec's fast path only applies to a Struct read as a field.
    const s = new Struct();
    Struct.deserializeBinaryFromReader(s, new jspb.BinaryReader(bytes));
    return lib.toJavaScript.call(s);
}

/** deepStrictEqual (Object.is on numbers: -0, NaN) and the same key order at every level. */
function same(actual: unknown, expected: unknown, what: string) {
    assert.deepStrictEqual(actual, expected, what);
    const order = (v: unknown): unknown =>
        Array.isArray(v)
            ? v.map(order)
            : v && typeof v === "object"
              ? Object.entries(v).map(([k, x]) => [k, order(x)])
              : null;
    assert.deepStrictEqual(order(actual), order(expected), `${what}: key order`);
}

const doubles = fc.oneof(
    fc.double(),
    fc.constantFrom(-0, 0, NaN, Infinity, -Infinity, Number.MIN_VALUE, Number.MAX_VALUE, 2 ** 53 + 1),
);
const strings = fc.oneof(fc.string(), fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }));
const keys = fc.oneof(fc.string(), fc.constantFrom("", "10", "9", "a", "B", "__proto__", "é", "😀"));
const { tree } = fc.letrec((t) => ({
    value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        fc.constant(null),
        fc.boolean(),
        doubles,
        strings,
        t("list"),
        t("tree"),
    ),
    list: fc.array(t("value"), { maxLength: 5 }),
    tree: fc.dictionary(keys, t("value"), { maxKeys: 6 }),
}));
const structs = tree as fc.Arbitrary<Record<string, unknown>>;

describe("struct-codec: google.protobuf.Struct with google-protobuf's values and bytes", () => {
    it("encodes to the library's bytes (sorted keys, doubles, UTF-8)", () => {
        fc.assert(
            fc.property(structs, (o) => {
                const ours = encodeStruct(o);
                if (ours === undefined) {
                    // Only lone surrogates (the library writes them its own way) and objects that are not object
                    // literals (its goog.typeOf decides) take the library's path.
                    const nullProto = (v: unknown): boolean =>
                        !!v &&
                        typeof v === "object" &&
                        ((!Array.isArray(v) && Object.getPrototypeOf(v) === null) || Object.values(v).some(nullProto));
                    const json = JSON.stringify(o);
                    assert.ok(
                        /[\uD800-\uDFFF]/.test(json) || json.includes('"__proto__"') || nullProto(o),
                        "fell back without a reason",
                    );
                    assert.strictEqual(
                        Buffer.from(Struct.fromJavaScript(o as any).serializeBinary()).toString("hex"),
                        libBytes(o).toString("hex"),
                    );
                    return;
                }
                assert.strictEqual(ours.toString("hex"), libBytes(o).toString("hex"));
            }),
            { seed: SEED, numRuns: Number(process.env.RUNS ?? 400) },
        );
    });

    it("decodes the library's bytes to the library's value", () => {
        fc.assert(
            fc.property(structs, (o) => {
                const bytes = libBytes(o);
                const ours = decodeStruct(bytes);
                if (ours === undefined) return; // lone surrogates: the library's path (next test)
                same(ours, libValue(bytes), "decoded");
            }),
            { seed: SEED, numRuns: Number(process.env.RUNS ?? 400) },
        );
    });

    it("the installed Struct: fromJavaScript, toJavaScript, serializeBinary and a field read back as the library's", () => {
        fc.assert(
            fc.property(structs, (o) => {
                const expected = lib.toJavaScript.call(lib.fromJavaScript(o as any));
                const s = Struct.fromJavaScript(o as any);
                same(s.toJavaScript(), expected, "toJavaScript");
                assert.strictEqual(Buffer.from(s.serializeBinary()).toString("hex"), libBytes(o).toString("hex"));
                // As a field of a request: the pack's path (AnalyzeRequest.properties).
                const req = new pb.AnalyzeRequest();
                req.setType("t");
                req.setProperties(s);
                req.setName("n");
                const back = pb.AnalyzeRequest.deserializeBinary(req.serializeBinary());
                assert.strictEqual(back.getType(), "t");
                assert.strictEqual(back.getName(), "n");
                same(back.getProperties()!.toJavaScript(), expected, "field round trip");
                // Materialized: the library's own map, entry for entry.
                const entries = back.getProperties()!.getFieldsMap().getEntryList();
                assert.deepStrictEqual(
                    entries.map(([k]: [string, unknown]) => k),
                    lib
                        .fromJavaScript(o as any)
                        .getFieldsMap()
                        .getEntryList()
                        .map(([k]: [string, unknown]) => k),
                );
            }),
            { seed: SEED, numRuns: Number(process.env.RUNS ?? 200) },
        );
    });

    it("returns a fresh object on every toJavaScript, and keeps no reference to the caller's object", () => {
        const input: any = { a: { b: [1, 2] } };
        const s = Struct.fromJavaScript(input);
        input.a.b.push(3);
        const first: any = s.toJavaScript();
        assert.deepStrictEqual(first, { a: { b: [1, 2] } });
        first.a.b.push(4);
        assert.deepStrictEqual(s.toJavaScript(), { a: { b: [1, 2] } });
    });

    it("a write through getFieldsMap shows in toJavaScript and in the bytes", () => {
        const s = Struct.fromJavaScript({ a: 1 });
        s.getFieldsMap().set("b", Value.fromJavaScript("x"));
        assert.deepStrictEqual(s.toJavaScript(), { a: 1, b: "x" });
        assert.strictEqual(
            Buffer.from(s.serializeBinary()).toString("hex"),
            libBytes({ a: 1, b: "x" }).toString("hex"),
        );
        const back = pb.AnalyzeRequest.deserializeBinary(
            (() => {
                const r = new pb.AnalyzeRequest();
                r.setProperties(Struct.fromJavaScript({ a: 1 }));
                return r.serializeBinary();
            })(),
        );
        back.getProperties()!.getFieldsMap().del("a");
        assert.deepStrictEqual(back.getProperties()!.toJavaScript(), {});
        assert.deepStrictEqual(back.getProperties()!.clone().toJavaScript(), {});
    });

    it("leaves to the library what it rejects or encodes its own way", () => {
        // Unsupported values: the library's own error.
        for (const bad of [{ a: undefined }, { a: () => 1 }, { a: new Array(3) }, { a: Symbol("s") }])
            assert.throws(() => Struct.fromJavaScript(bad as any), /Unexpected struct type/);
        // Class instances and dates: the library's for-in walk, whatever it makes of them.
        class Point {
            x = 1;
        }
        for (const odd of [{ p: new Point() }, { d: new Date(0) }, Object.assign(Object.create(null), { a: 1 })])
            same(
                Struct.fromJavaScript(odd as any).toJavaScript(),
                lib.toJavaScript.call(lib.fromJavaScript(odd as any)),
                "odd",
            );
        // A lone surrogate: the library's bytes and value.
        const lone = { k: "a\uD800b", "\uDC00": 1 };
        assert.strictEqual(encodeStruct(lone), undefined);
        assert.strictEqual(
            Buffer.from(Struct.fromJavaScript(lone).serializeBinary()).toString("hex"),
            libBytes(lone).toString("hex"),
        );
        same(Struct.fromJavaScript(lone).toJavaScript(), lib.toJavaScript.call(lib.fromJavaScript(lone)), "lone");
        // JSON.parse makes "__proto__" an own key; a Struct kept by fromJson hands it to the library too.
        const json = JSON.parse('{"__proto__": {"a": 1}, "b": [2]}');
        const kept = fromJson(Struct, json);
        same(kept.toJavaScript(), lib.toJavaScript.call(lib.fromJavaScript(json)), "__proto__ key");
        assert.strictEqual(
            Buffer.from(fromJson(Struct, JSON.parse('{"__proto__": {"a": 1}, "b": [2]}')).serializeBinary()).toString(
                "hex",
            ),
            libBytes(json).toString("hex"),
        );
    });

    it("decodes non-canonical bytes as the library does, or leaves them to it", () => {
        const cases: [string, Buffer][] = [
            // an unknown field (7, varint) in the Struct: the library skips it
            ["unknown field", Buffer.from("3801" + libBytes({ a: 1 }).toString("hex"), "hex")],
            // invalid UTF-8 in a string value
            ["invalid UTF-8", Buffer.from("0a080a016112031a01ff", "hex")],
            // a map entry without a value: a Value with no kind, which the library's toJavaScript rejects
            ["no value", Buffer.from("0a030a0161", "hex")],
            // two kinds in one Value: the last one wins
            ["two kinds", Buffer.from("0a110a0161120c11000000000000f03f1a0178", "hex")],
            // the same key twice: the last entry wins
            ["duplicate key", Buffer.concat([libBytes({ a: 1 }), libBytes({ a: "x" })])],
        ];
        for (const [what, bytes] of cases) {
            let expected: unknown;
            let expectedError: string | undefined;
            try {
                expected = libValue(bytes);
            } catch (e) {
                expectedError = (e as Error).message;
            }
            const ours = decodeStruct(bytes);
            if (ours !== undefined) same(ours, expected, what);
            // Through a request, with the installed Struct: the library's value or the library's error.
            const wrapped = Buffer.concat([Buffer.from([0x12, bytes.length]), bytes]); // AnalyzeRequest.properties = 2
            const props = pb.AnalyzeRequest.deserializeBinary(wrapped).getProperties()!;
            if (expectedError !== undefined)
                assert.throws(() => props.toJavaScript(), { message: expectedError }, what);
            else same(props.toJavaScript(), expected, what);
        }
    });

    it("is installed once, and Value and ListValue stay the library's", () => {
        assert.strictEqual(install(), Struct);
        const v = Value.fromJavaScript({ a: [1] } as any);
        assert.ok(v.getStructValue() instanceof Struct);
        assert.deepStrictEqual(v.toJavaScript(), { a: [1] });
        assert.deepStrictEqual(ListValue.fromJavaScript([{ b: null }] as any).toJavaScript(), [{ b: null }]);
    });
});
