export { readBenchEvents, type BenchEvent, type BenchEvents } from './bench-events.js';
export { runBench, type BenchPlan, type BenchProgress, type BenchSample, type BenchSamples, type FunctionOptions } from './bench-runner.js';
export { buildBenchReport, measuredOn, type ReportContext } from './bench-report.js';
export { maxDurationGate, maxMemoryGate } from './bench-gates.js';
export { checkComparable, compareWithBaseline, DURATION_SLACK_MS, loadBaseline, saveBaseline, serializeReport, type BaselineTolerances } from './bench-baseline.js';
export { binValues, type Bin } from './bench-histogram.js';
export { renderBenchHtml } from './bench-html.js';
export { REQUEST_PRICE_PER_MILLION_USD } from './bench-statistics.js';
export * from './bench-schema.js';
