/** The mock provider world lives in the engine (lib/engine/mocks.ts). */
export * from "../../lib/engine/mocks";
