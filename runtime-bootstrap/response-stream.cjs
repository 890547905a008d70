'use strict';
// A streaming handler's invocation: handler(event, responseStream, context), the response POSTed
// as it is written (Lambda-Runtime-Function-Response-Mode: streaming, chunked), a failure after
// the first byte sent in the Lambda-Runtime-Function-Error-Type / -Error-Body trailers. Follows
// AWS's runtime client (ResponseStream.js, StreamingContext.js, Runtime.js:95-158). Loaded only
// for a handler awslambda.streamifyResponse marked. node:http here: a streamed body needs its
// own connection, and its cost is paid only by streaming functions.
const http = require('node:http');
const net = require('node:net');
// The marks awslambda.streamifyResponse sets (index.cjs), from the global symbol registry.
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');

const ERROR_TYPE_TRAILER = 'Lambda-Runtime-Function-Error-Type';
const ERROR_BODY_TRAILER = 'Lambda-Runtime-Function-Error-Body';

class MalformedStreamingHandler extends Error {
  name = 'Runtime.MalformedStreamingHandler';
}

/**
 * Checks the handler's mark at init (RIC's UserFunction.js:238-252) and returns the per-invocation
 * runner; logError and toErrorPayload are the runtime's (index.cjs).
 */
function streamingInvoker(handler, address, { logError, toErrorPayload }) {
  if (handler[STREAMING] !== 'response') throw new MalformedStreamingHandler('Only response streaming is supported.');
  const highWaterMark = handler[HIGH_WATER_MARK];
  const colon = address.lastIndexOf(':');
  const target = { host: address.slice(0, colon) || '127.0.0.1', port: Number(address.slice(colon + 1)), highWaterMark };
  return (prepare, requestId) => runStreamed(handler, target, { prepare, requestId, logError, toErrorPayload });
}

/** Resolves when the invocation is over and the runtime may ask for the next event. */
async function runStreamed(handler, target, { prepare, requestId, logError, toErrorPayload }) {
  const stream = openResponseStream(target, requestId, toErrorPayload);
  const fail = (error) => {
    logError('Invoke Error', error);
    stream.fail(error);
  };
  try {
    const { event, context } = prepare(); // a bad event or ClientContext fails the invocation
    const returned = handler(event, stream.writable, context);
    if (typeof returned?.then !== 'function') {
      fail('Streaming does not support non-async handlers.'); // RIC fails a plain function's invocation so (Runtime.js:129-133)
      return await stream.answered.catch(() => {});
    }
    if ((await returned) !== undefined) console.warn('Streaming handlers ignore return values.');
    // As in RIC: a handler that returned without ending its stream waits here, and times out.
    await stream.answered;
    if (!stream.writable.writableFinished) fail('Response stream is not finished.');
  } catch (error) {
    fail(error);
  }
  await stream.answered.catch(() => {});
}

/** The POST and the Writable the handler gets (an http.ClientRequest, as RIC gives it). */
function openResponseStream(target, requestId, toErrorPayload) {
  const agent = new http.Agent({ keepAlive: false });
  // RIC sets the socket's highWaterMark from streamifyResponse's options (ResponseStream.js:150-158).
  agent.createConnection = (options, onConnect) => net.createConnection({ ...options, highWaterMark: target.highWaterMark }, onConnect);
  const req = http.request({
    host: target.host,
    port: target.port,
    method: 'POST',
    path: `/2018-06-01/runtime/invocation/${encodeURIComponent(requestId)}/response`,
    agent,
    headers: {
      'Lambda-Runtime-Function-Response-Mode': 'streaming',
      Trailer: `${ERROR_TYPE_TRAILER}, ${ERROR_BODY_TRAILER}`,
      'Content-Type': 'application/octet-stream',
    },
  });
  const answered = new Promise((resolve, reject) => {
    req.once('response', (res) => {
      res.resume();
      res.once('end', resolve);
      res.once('aborted', reject);
    });
    req.on('error', reject); // a write after end, a destroy: the invocation's own failure, never a crash
  });
  answered.catch(() => {});
  return { writable: asResponseStream(req), answered, fail: (error) => failStream(req, toErrorPayload(error)) };
}

function asResponseStream(req) {
  let written = false;
  req.setContentType = (contentType) => {
    if (written) throw new Error('Cannot set content-type, too late.');
    req.setHeader('Content-Type', contentType);
  };
  const write = req.write.bind(req);
  req.write = (chunk, encoding, callback) => {
    // RIC sends anything else as its JSON text (ResponseStream.js:232-238).
    if (typeof chunk !== 'string' && !Buffer.isBuffer(chunk) && !(chunk instanceof Uint8Array)) chunk = JSON.stringify(chunk);
    if (!written && typeof req._onBeforeFirstWrite === 'function') req._onBeforeFirstWrite((prelude) => write(prelude));
    written = true;
    return write(chunk, encoding, callback);
  };
  return req;
}

/** The error goes in the trailers and ends the body; a stream already ended or destroyed keeps what it sent. */
function failStream(req, payload) {
  if (req.destroyed || req.writableEnded) return;
  req.addTrailers({ [ERROR_TYPE_TRAILER]: payload.errorType, [ERROR_BODY_TRAILER]: Buffer.from(JSON.stringify(payload)).toString('base64') });
  req.end();
}

module.exports = { streamingInvoker };
