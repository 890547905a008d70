export { EventStream, type EventStreamOptions, type EventStreamOutcome, type RecordSink, type StreamInput, type StreamInvoker } from './event-stream.js';
export { BatchedWriter, type WritableTarget } from './batched-writer.js';
export { LogHistogram, type Distribution } from './log-histogram.js';
export { jsonProblem, readNdjsonLines, type NdjsonLine } from './ndjson-lines.js';
export { OrderedWriter } from './ordered-writer.js';
export { failureRecord, recordErrorType, StreamErrorTypes, type FailureRecord, type ResultRecord, type StreamErrorType, type StreamRecord } from './stream-record.js';
export {
  billedSummary,
  StreamSummary,
  type BilledSummary,
  type StreamSummaryReport,
  type SummaryContext,
} from './stream-summary.js';
