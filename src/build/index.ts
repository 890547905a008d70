export { resolveBuild, type BuildPlan, type BuildRequest, type EsbuildPlan } from './build-plan.js';
export { buildFunction, type BuildFunctionOptions, type BuildResult } from './build-function.js';
export { BuildError } from './build-error.js';
export type { PlanOptions } from './build-properties.js';
export { watchBuild, type BuildWatcher, type WatchBuildOptions } from './watch-build.js';
export { openCodeSource, type CodeSource, type CodeSourceOptions, type RunnableCode } from './function-code.js';
export { watchFiles } from './watch-files.js';
