// emu's Node runtime: runs inside every sandbox, speaks the Lambda Runtime API
// 2018-06-01 to whoever AWS_LAMBDA_RUNTIME_API names. Plain ESM, node: builtins
// only, never imports emu's src/: it is on every cold start's critical path.
import { createAwsLambdaGlobal, isStreamingHandler } from './awslambda-global.mjs';
import { logContext, logError, patchConsole } from './console-patch.mjs';
import { NodeJsExit, UnhandledPromiseRejection, callbackHandlerRefusal, toErrorPayload } from './errors.mjs';
import { loadHandler } from './handler-loader.mjs';
import { RuntimeApiClient } from './runtime-api-client.mjs';

// A plain copy: the runtime sets _X_AMZN_TRACE_ID on every invocation, and each write to the
// real process.env is a setenv() whose old string glibc never frees (~150 bytes an invocation,
// which pushed a long-lived warm sandbox past 128 MB over a million invocations).
process.env = { ...process.env };
const env = process.env;
// Wording chosen to match AWS's runtime client; it is not in AWS's public docs.
const NODE_JS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled.';
const runtimeApi = env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001';
const client = new RuntimeApiClient(runtimeApi, () => process.exit(1));

/** What the process-level hooks report to: the invocation in flight, or init. */
let currentRequestId = null;
/** What to do when the event loop drains: set per invocation (callback semantics). */
let onEmptyEventLoop = null;
/** The current invocation has been answered (or there is none yet). */
let answered = true;
/** A fatal error came after the answer: the exit code to leave with when the next event arrives. */
let exitOnNextEvent = null;

patchConsole(env);
installProcessHooks();
if (env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== '1' && env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== 'true') {
  globalThis.awslambda = createAwsLambdaGlobal();
}

let handler;
try {
  handler = await loadHandler(env.LAMBDA_TASK_ROOT ?? process.cwd(), env._HANDLER ?? '');
} catch (error) {
  await failInit('Uncaught Exception', error);
}
const refusal = callbackHandlerRefusal(handler, Number(process.versions.node.split('.')[0]));
if (refusal !== undefined) {
  logContext.requestId = '-'; // 4.x's request id outside an invocation
  await failInit('Init Error', refusal);
}
const handlerIsAsync = handler.constructor?.name === 'AsyncFunction';
/** A streaming handler's runner, from a module only streaming functions load. */
let runStreamed = null;
if (isStreamingHandler(handler)) {
  try {
    runStreamed = (await import('./response-stream.mjs')).streamingInvoker(handler, runtimeApi, logError);
  } catch (error) {
    await failInit('Init Error', error);
  }
}
waitForNextInvocation();

async function failInit(label, error) {
  logError(label, error);
  await client.postInitError(toErrorPayload(error));
  process.exit(129);
}

function waitForNextInvocation() {
  client.next().then(runInvocation, (error) => {
    console.error('Runtime API /next failed', error);
    process.exit(1);
  });
}

function runInvocation(next) {
  if (next.status !== 200) process.exit(1); // 403/500 from /next: the runtime must exit
  if (exitOnNextEvent !== null) process.exit(exitOnNextEvent);
  const headers = next.headers;
  const requestId = headers['lambda-runtime-aws-request-id'];
  currentRequestId = requestId;
  answered = false;
  logContext.requestId = requestId;
  logContext.tenantId = headers['lambda-runtime-aws-tenant-id'];
  if (headers['lambda-runtime-trace-id']) env._X_AMZN_TRACE_ID = headers['lambda-runtime-trace-id'];
  else delete env._X_AMZN_TRACE_ID;
  if (runStreamed !== null) return runStreamedInvocation(next, requestId);

  let completed = false;
  const complete = (error, result) => {
    if (completed) return; // only the first completion counts
    completed = true;
    answered = true;
    onEmptyEventLoop = null;
    let post;
    if (error === null) {
      post = serialise(result, requestId);
    } else {
      logError('Invoke Error', error);
      post = client.postError(requestId, toErrorPayload(error));
    }
    // Pipelined: /next goes out right behind the result, saving a round trip per invocation.
    post.catch(() => process.exit(1));
    waitForNextInvocation();
  };
  let context;
  const { callback, succeed, fail, done } = completions(complete, () => context.callbackWaitsForEmptyEventLoop);
  // A callback handler that never calls back succeeds with null once the loop
  // drains; an async one whose promise can no longer settle fails.
  onEmptyEventLoop = handlerIsAsync ? () => complete(new NodeJsExit(NODE_JS_EXIT_MESSAGE)) : () => complete(null, null);

  // A throw goes to the callback, as in RIC (Runtime.js:85): `throw null` then answers null, and a
  // throw after the callback was called changes nothing.
  try {
    context = buildContext(headers, requestId, succeed, fail, done); // a bad ClientContext header fails the invocation
    const returned = handler(JSON.parse(next.body.toString('utf8')), context, callback);
    if (returned && typeof returned.then === 'function') returned.then(succeed, fail);
  } catch (error) {
    callback(error);
  }
}

function runStreamedInvocation(next, requestId) {
  onEmptyEventLoop = null;
  const prepare = () => ({ event: JSON.parse(next.body.toString('utf8')), context: buildContext(next.headers, requestId) });
  runStreamed(prepare, requestId).then(() => {
    answered = true;
    waitForNextInvocation();
  });
}

/**
 * The callback and context.succeed / fail / done of one invocation. Only the first call of any of
 * them counts, as in RIC (CallbackContext.js:110-126): callback(null, 'first') then
 * context.succeed('second') answers 'first', once the event loop drains.
 */
function completions(complete, waitsForEmptyEventLoop) {
  let finished = false;
  const once = (fn) => (...args) => {
    if (finished) return;
    finished = true;
    fn(...args);
  };
  const isError = (error) => error !== undefined && error !== null;
  return {
    callback: once((error, result) => {
      if (isError(error)) return complete(error, undefined);
      if (!waitsForEmptyEventLoop()) return complete(null, result);
      onEmptyEventLoop = () => complete(null, result);
    }),
    succeed: once((result) => complete(null, result)),
    fail: once((error) => complete(error ?? 'handled', undefined)),
    done: once((error, result) => (isError(error) ? complete(error, undefined) : complete(null, result))),
  };
}

function serialise(result, requestId) {
  let body;
  try {
    body = JSON.stringify(result === undefined ? null : result);
  } catch {
    const error = new Error('Unable to stringify response body'); // RIC's RAPIDClient.js:211
    logError('Invoke Error', error);
    return client.postError(requestId, toErrorPayload(error));
  }
  return client.postResponse(requestId, body ?? 'null');
}

function buildContext(headers, requestId, succeed, fail, done) {
  const deadlineMs = Number(headers['lambda-runtime-deadline-ms']);
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    awsRequestId: requestId,
    tenantId: headers['lambda-runtime-aws-tenant-id'],
    clientContext: parseJsonHeader(headers['lambda-runtime-client-context'], 'ClientContext'),
    identity: parseJsonHeader(headers['lambda-runtime-cognito-identity'], 'CognitoIdentity'),
    getRemainingTimeInMillis: () => deadlineMs - Date.now(),
    succeed,
    fail,
    done,
  };
}

function parseJsonHeader(value, what) {
  if (value === undefined || value === '') return undefined;
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new Error(`Cannot parse ${what} as json: ${error.message}`);
  }
}

function installProcessHooks() {
  process.on('beforeExit', () => {
    const action = onEmptyEventLoop;
    onEmptyEventLoop = null;
    action?.();
  });
  process.on('uncaughtException', (error) => {
    logError('Uncaught Exception', error);
    reportFatal(toErrorPayload(error), 129);
  });
  process.on('unhandledRejection', (reason, promise) => {
    const error = new UnhandledPromiseRejection(String(reason));
    error.reason = reason;
    error.promise = promise;
    logError('Unhandled Promise Rejection', error);
    reportFatal(toErrorPayload(error), 128);
  });
}

function reportFatal(payload, exitCode) {
  // Already answered: on AWS the runtime is frozen once it is back on /next, so a late failure
  // surfaces when the next event thaws it; the runtime exits then, and that invocation fails
  // with Runtime.ExitError. emu's runtime is never frozen, so it waits for that event itself.
  if (currentRequestId !== null && answered) {
    exitOnNextEvent = exitCode;
    return;
  }
  const post = currentRequestId === null ? client.postInitError(payload) : client.postError(currentRequestId, payload);
  post.finally(() => process.exit(exitCode));
}
