/**
 * The engine: runs a Pulumi program under mocks and captures resources, source positions and
 * outputs. Used by the tools (check, diagram, bench) and the tests; it imports nothing from test/.
 */
export { Capture } from "./capture";
export type { CapturedResource, SourcePosition } from "./capture";
export { createMocks, MOCK_ACCOUNT } from "./mocks";
export type { MockWorld } from "./mocks";
export { CapturingMonitor } from "./monitor";
export { outputValue, runProgram, runUnderMocks } from "./run";
export type { ProgramRun, RunOptions } from "./run";
export { PROJECT_NAME, PROJECT_ROOT, readStackConfig } from "./stack-config";
export { originalPosition, stackFrame } from "./positions";
