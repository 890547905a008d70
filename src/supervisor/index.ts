export { FunctionPool, type SandboxMode, type FunctionPoolOptions } from './function-pool.js';
export { Supervisor, type InvokeOptions, type SupervisorOptions } from './supervisor.js';
export type { InvocationResult, InvocationMetrics, InvocationError } from './invocation-result.js';
export type { ResponseStream, StreamEnding } from '../runtime-api/response-stream.js';
export { endLine, platformLogFormat, reportLine, startLine, type PlatformLogFormat } from './platform-log.js';
