/** The tests' view of the engine (lib/engine): kept so test files import one local module. */
export * from "../../lib/engine";
