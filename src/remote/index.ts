export { RemoteInvoker, type RemoteInvokerOptions, type RemoteStats } from './remote-invoker.js';
export { RemoteErrorTypes } from './remote-failures.js';
export { arnRegion, checkEndpointUrl, describeTarget, isFunctionArn, type RemoteTarget } from './remote-target.js';
export { backoffDelayMs, retryCause, STANDARD_RETRY, type RetryCause } from './retry-policy.js';
export { parseLogTail, type ReportedFigures } from './log-tail-report.js';
export { ColdStartForcer, COLD_START_VARIABLE, type ColdStartForcerOptions } from './cold-start-forcer.js';
export { runRemoteBench, type RemoteBenchPlan, type RemoteBenchSample, type RemoteBenchSamples } from './remote-bench.js';
