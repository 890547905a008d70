export { Sandbox, SandboxGoneError, type SandboxInvocation, type SandboxOutcome, type StreamedMetrics, type SandboxState, type SandboxListeners, type InitReport } from './sandbox.js';
export { functionArn, type FunctionConfig } from './function-config.js';
export { RESERVED_VARIABLES } from './environment.js';
export { listDescendants, listMarkedProcesses, killSandboxTree, killMarkedProcesses } from './process-tree.js';
export { offerEarlyStart, type EarlyStart, type EarlyProcess, type RememberedLaunch } from './early-start.js';
