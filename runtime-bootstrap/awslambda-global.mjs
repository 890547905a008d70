// The `awslambda` global a function sees, as AWS's Node runtime client defines it
// (UserFunction.js:205-212, HttpResponseStream.js): tiny, since every cold start loads it; the
// streaming machinery itself (response-stream.mjs) is loaded only for a streaming handler.
export const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
export const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const PRELUDE_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
const DELIMITER_BYTES = 8;

class HttpResponseStream {
  /** Status, headers and cookies go first, as JSON, then 8 NUL bytes; the body follows. */
  static from(responseStream, prelude) {
    responseStream.setContentType(PRELUDE_CONTENT_TYPE);
    const preludeJson = JSON.stringify(prelude); // JSON cannot hold a raw NUL, so the delimiter is unambiguous
    responseStream._onBeforeFirstWrite = (write) => {
      write(preludeJson);
      write(new Uint8Array(DELIMITER_BYTES));
    };
    return responseStream;
  }
}

export function createAwsLambdaGlobal() {
  return {
    streamifyResponse(handler, options) {
      handler[STREAMING] = 'response';
      if (typeof options?.highWaterMark === 'number') handler[HIGH_WATER_MARK] = parseInt(options.highWaterMark);
      return handler;
    },
    HttpResponseStream,
  };
}

/** true for a handler streamifyResponse marked (any value but undefined, null or false, as RIC reads it). */
export function isStreamingHandler(handler) {
  const mark = handler?.[STREAMING];
  return mark !== undefined && mark !== null && mark !== false;
}
