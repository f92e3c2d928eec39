import type { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** google-protobuf's bytes for `Struct.fromJavaScript(o).serializeBinary()`, or undefined where it has its own way. */
export function encodeStruct(o: unknown): Buffer | undefined;
/** google-protobuf's `Struct.deserializeBinary(bytes).toJavaScript()`, or undefined where it has its own way. */
export function decodeStruct(buf: Uint8Array, start?: number, end?: number): Record<string, unknown> | undefined;
/** Installs the faster paths on google-protobuf's Struct class (once per process); returns the class. */
export function install(structPb?: unknown, jspb?: unknown): typeof Struct;
/** The library's own Struct functions, as they were before `install`. */
export function originals(struct: typeof Struct):
    | {
          fromJavaScript: (typeof Struct)["fromJavaScript"];
          serializeBinaryToWriter: (typeof Struct)["serializeBinaryToWriter"];
          toJavaScript: (this: Struct) => Record<string, unknown>;
          getFieldsMap: (this: Struct, noLazyCreate?: boolean) => ReturnType<Struct["getFieldsMap"]>;
      }
    | undefined;
/** `Struct.fromJavaScript(json)` for a fresh JSON.parse result the caller never touches again (no defensive copy). */
export function fromJson(struct: typeof Struct, json: Record<string, unknown>): Struct;
