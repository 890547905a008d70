'use strict';
// emu's Node runtime: runs inside every sandbox, speaks the Lambda Runtime API 2018-06-01 to
// whoever AWS_LAMBDA_RUNTIME_API names. CommonJS, node: builtins only, never imports emu's src/.
// It is on every cold start's critical path, which is why it is one file (each module file
// required costs ~0.3 ms more) and loads nothing a no-op CommonJS handler does not need: not
// Node's ES module loader (an ES module handler makes it through import()), nor node:http, nor
// the streaming module (response-stream.cjs), and what it loads comes from Node's code cache
// (see "Heap flags"). Sections: heap flags; the runtime (init, invocations, process hooks);
// errors; console; the awslambda global; handler loading; the Runtime API client; start.

// ---- Heap flags ------------------------------------------------------------------------------
// Why the runtime's own modules load with AWS's heap flags set back to V8's defaults.
// Node's built-in modules are compiled ahead of time into a code cache that V8 accepts only
// when the V8 flags hash as they did when it was built: any flag, AWS's
// --max-semi-space-size / --max-old-space-size included, makes V8 refuse it, and each built-in
// module is then compiled from source, node:net alone ~10 ms of each cold start. The heap's
// sizes are fixed when it is set up at start, so setting the flags' values back to their
// defaults (which hash as no flags) while the runtime loads what it needs, and restoring them
// before the function's first line runs, changes no limit (heap_size_limit and the young
// generation's size stay those of the flags) and leaves the function's own loading as AWS has
// it. Without V8's setFlagsFromString (process.binding may go in a later Node), nothing changes.
const HEAP_FLAG = /^--max[-_](?:semi|old)[-_]space[-_]size=\d+$/;

let suspended = [];
let setFlags = null;

/** Sets the heap flags of this process's command line to V8's defaults until resumeHeapFlags(); true if it did now. */
function suspendHeapFlags() {
  if (suspended.length > 0) return false;
  const flags = process.execArgv.filter((arg) => HEAP_FLAG.test(arg));
  if (flags.length === 0) return false;
  setFlags ??= v8SetFlagsFromString();
  if (setFlags === undefined) return false;
  for (const flag of flags) setFlags(flag.replace(/=\d+$/, '=0'));
  suspended = flags;
  return true;
}

/** Puts the heap flags back as the command line gave them (a Worker the function starts gets AWS's limits). */
function resumeHeapFlags() {
  for (const flag of suspended) setFlags(flag);
  suspended = [];
}

/** load() with the heap flags suspended: for a built-in module the runtime needs after init began. */
function withHeapFlagsSuspended(load) {
  const suspendedNow = suspendHeapFlags();
  try {
    return load();
  } finally {
    if (suspendedNow) resumeHeapFlags();
  }
}

// node:v8's setFlagsFromString would load node:stream (~6 ms) before the flags are reset; the
// binding underneath it costs nothing. Its access is deprecated, hence the muted warning.
function v8SetFlagsFromString() {
  const noDeprecation = process.noDeprecation;
  process.noDeprecation = true;
  try {
    const binding = process.binding('v8');
    return typeof binding?.setFlagsFromString === 'function' ? binding.setFlagsFromString : undefined;
  } catch {
    return undefined;
  } finally {
    process.noDeprecation = noDeprecation;
  }
}

suspendHeapFlags();
const net = require('node:net');
const { closeSync, existsSync, readFileSync, readSync, statSync, writeSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { format, types } = require('node:util');

// ---- Early start -------------------------------------------------------------------------------
// `emu run` may start this process before it knows the launch (bin/early-start.cjs): then
// everything above has loaded while the CLI was still loading, and the launch comes as one line
// of JSON on fd 3, its environment and working directory. Node read what it reads at start
// (NODE_OPTIONS, LD_LIBRARY_PATH, ...) from an environment the supervisor checked to be the
// launch's own. The environment goes into the real one (setenv: native code and getenv see it as
// at exec); the time waited goes back on fd 3, so Init Duration leaves it out.
if (process.env._EMU_HANDOFF_FD === '3') receiveLaunch();

function receiveLaunch() {
  // node:net sets up its first socket lazily (~1 ms): done now, while the launch is still to come, not after it.
  new net.Socket().destroy();
  const waitStart = performance.now();
  const chunks = [];
  const chunk = Buffer.allocUnsafe(65536);
  for (;;) {
    const read = readSync(3, chunk);
    if (read === 0) process.exit(0); // the CLI went away, or started the sandbox another way
    chunks.push(Buffer.from(chunk.subarray(0, read)));
    if (chunk[read - 1] === 0x0a) break; // the launch is one line
  }
  const waitedMs = performance.now() - waitStart;
  const launch = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  for (const name of Object.keys(process.env)) if (!Object.hasOwn(launch.env, name)) delete process.env[name];
  for (const [name, value] of Object.entries(launch.env)) process.env[name] = value;
  process.chdir(launch.cwd);
  writeSync(3, `${waitedMs}\n`);
  closeSync(3);
}

// ---- The runtime -------------------------------------------------------------------------------
// A plain copy: the runtime sets _X_AMZN_TRACE_ID on every invocation, and each write to the
// real process.env is a setenv() whose old string glibc never frees (~150 bytes an invocation,
// which pushed a long-lived warm sandbox past 128 MB over a million invocations).
process.env = { ...process.env };
const env = process.env;
// Wording chosen to match AWS's runtime client; it is not in AWS's public docs.
const NODE_JS_EXIT_MESSAGE =
  'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled.';
// What Node exits with when an ES module's top-level await can never settle: AWS's runtime client
// is an ES module awaiting the function's init, so an init that can never finish ends so there.
const UNSETTLED_INIT_EXIT_CODE = 13;
const runtimeApi = env.AWS_LAMBDA_RUNTIME_API ?? '127.0.0.1:9001';

/** What the process-level hooks report to: the invocation in flight, or init. */
let currentRequestId = null;
/** What to do when the event loop drains: set per invocation (callback semantics), and during init. */
let onEmptyEventLoop = () => process.exit(UNSETTLED_INIT_EXIT_CODE);
/** The current invocation has been answered (or there is none yet). */
let answered = true;
/** A fatal error came after the answer: the exit code to leave with when the next event arrives. */
let exitOnNextEvent = null;
let handler;
let handlerIsAsync = false;
/** A streaming handler's runner, from a module only streaming functions load. */
let runStreamed = null;

/** Init: the handler loaded (an ES module's top-level await included), then the first /next. */
async function init() {
  try {
    // The heap flags are back before the function's first line runs (and before a failure is reported).
    handler = await loadHandler(env.LAMBDA_TASK_ROOT ?? process.cwd(), env._HANDLER ?? '', resumeHeapFlags);
  } catch (error) {
    resumeHeapFlags();
    return failInit('Uncaught Exception', error);
  }
  onEmptyEventLoop = null;
  const refusal = callbackHandlerRefusal(handler, Number(process.versions.node.split('.')[0]));
  if (refusal !== undefined) {
    logContext.requestId = '-'; // 4.x's request id outside an invocation
    return failInit('Init Error', refusal);
  }
  handlerIsAsync = handler.constructor?.name === 'AsyncFunction';
  if (isStreamingHandler(handler)) {
    try {
      const { streamingInvoker } = withHeapFlagsSuspended(() => require('./response-stream.cjs'));
      runStreamed = streamingInvoker(handler, runtimeApi, { logError, toErrorPayload });
    } catch (error) {
      return failInit('Init Error', error);
    }
  }
  waitForNextInvocation();
}

async function failInit(label, error) {
  onEmptyEventLoop = null;
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

// ---- Errors ------------------------------------------------------------------------------------
// AWS's runtime error classes and payload shapes, as the Node runtime reports them.

function runtimeError(className) {
  const ErrorClass = class extends Error {};
  // The class's own name too: a JSON log record's errorType is the constructor's name (ImportModuleError).
  Object.defineProperty(ErrorClass, 'name', { value: className });
  ErrorClass.prototype.name = `Runtime.${className}`;
  return ErrorClass;
}

const ImportModuleError = runtimeError('ImportModuleError');
const HandlerNotFound = runtimeError('HandlerNotFound');
const MalformedHandlerName = runtimeError('MalformedHandlerName');
const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError');
const UnhandledPromiseRejection = runtimeError('UnhandledPromiseRejection');
const NodeJsExit = runtimeError('NodeJsExit');
const CallbackHandlerDeprecated = runtimeError('CallbackHandlerDeprecated');

// aws-lambda-ric 4.x, the runtime client of AWS's Node.js 24 runtime, refuses callback handlers at init.
const CALLBACK_HANDLER_REFUSED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';

/** On Node.js 24 and later, the error a handler declaring (event, context, callback) fails init with; else undefined. */
function callbackHandlerRefusal(handler, nodeMajor) {
  if (nodeMajor < 24 || handler.length < 3 || handler[STREAMING]) return undefined;
  const error = new CallbackHandlerDeprecated(CALLBACK_HANDLER_REFUSED);
  error.name = error.name; // 4.x sets it in the constructor: an own property, so it shows in the logged error
  return error;
}

/**
 * Wraps a load failure the way AWS does: the cause's text becomes the message, and the stack is the
 * wrapper's own, so trace[0] reads "Runtime.ImportModuleError: Error: Cannot find module …".
 */
function wrapAs(ErrorClass, cause) {
  return new ErrorClass(String(cause));
}

/** What RIC's intoError does before logging a failure: a non-Error becomes an Error of its text. */
function intoError(value) {
  return value instanceof Error ? value : new Error(value);
}

function looksLikeError(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.name === 'string' &&
    typeof value.message === 'string' &&
    typeof value.stack === 'string' &&
    value.name !== '' &&
    value.message !== '' &&
    value.stack !== ''
  );
}

/** The body posted to /error and /init/error: {errorType, errorMessage, trace}. */
function toErrorPayload(error) {
  try {
    if (types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name?.replaceAll('\x7F', '%7F'),
        errorMessage: error.message?.replaceAll('\x7F', '%7F'),
        trace: error.stack.replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: error.toString(), trace: [] };
  } catch {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    };
  }
}

/** The error as Lambda logs it after "Invoke Error": enumerable extras included, stack as lines. */
function formatErrorForLog(error) {
  try {
    return '\t' + JSON.stringify(error, (_key, value) => withEnumerableProperties(value));
  } catch {
    return '\t' + JSON.stringify(toErrorPayload(error));
  }
}

function withEnumerableProperties(value) {
  if (!(value instanceof Error)) return value;
  const result = { errorType: value.name, errorMessage: value.message, code: value.code, ...value };
  if (typeof value.stack === 'string') result.stack = value.stack.split('\n');
  return result;
}

// ---- Console -----------------------------------------------------------------------------------
// console.* in Lambda's log format, as AWS's Node.js runtime client writes it (src/LogPatch.js in
// aws-lambda-ric 3.3.0): text lines "<ISO time>\t<request id>\t<LEVEL>\t<message>" with newlines
// turned into \r (one record per line), or JSON records when AWS_LAMBDA_LOG_FORMAT is json in any
// case. AWS_LAMBDA_LOG_LEVEL mutes lower levels in both formats; console.fatal is never muted.

const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };
// console.log is console.info; console.trace is a TRACE line like any other, without a stack.
const METHODS = [
  ['trace', 'TRACE'],
  ['debug', 'DEBUG'],
  ['info', 'INFO'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
];

/** Lets the runtime tell the console which request its lines belong to. */
const logContext = { requestId: undefined, tenantId: undefined };

let jsonFormat = false;

function patchConsole(env) {
  jsonFormat = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const minimum = LEVELS[env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const line = jsonFormat ? jsonLine : textLine;
  // (message, ...params), not (...args): console.log() logs "undefined", as util.format(undefined) does.
  // process.stdout is made on first use: a pipe's net.Socket is never made for a function that does not log.
  const writer = (level) => (message, ...params) => void process.stdout.write(line(level, message, params));
  for (const [method, level] of METHODS) console[method] = LEVELS[level] < minimum ? () => {} : writer(level);
  console.log = console.info;
  console.fatal = writer('FATAL');
}

/**
 * How the runtime logs an error it reports ("Invoke Error", "Uncaught Exception", …): a non-Error
 * wrapped in an Error first; as text, the message then the error as JSON; as JSON, the error alone.
 */
function logError(message, error) {
  const wrapped = intoError(error);
  if (jsonFormat) console.error(wrapped);
  else console.error(message, formatErrorForLog(wrapped));
}

function textLine(level, message, params) {
  const text = format(message, ...params).replaceAll('\n', '\r');
  return `${new Date().toISOString()}\t${logContext.requestId}\t${level}\t${text}\n`;
}

function jsonLine(level, message, params) {
  const record = { timestamp: new Date().toISOString(), level, requestId: logContext.requestId };
  if (logContext.tenantId !== undefined) record.tenantId = logContext.tenantId;
  if (params.length === 0) {
    record.message = message;
    try {
      return JSON.stringify(record, errorsAsRecords) + '\n';
    } catch {
      record.message = format(message); // circular, a BigInt …: its inspected text instead
      return JSON.stringify(record) + '\n';
    }
  }
  record.message = format(message, ...params);
  const firstError = [message, ...params].find((value) => value instanceof Error);
  if (firstError !== undefined) {
    record.errorType = firstError.constructor?.name ?? 'UnknownError';
    record.errorMessage = firstError.message;
    record.stackTrace = typeof firstError.stack === 'string' ? firstError.stack.split('\n') : [];
  }
  return JSON.stringify(record) + '\n';
}

/** An Error anywhere in a logged value: its class name, message, stack as lines, and its own enumerable properties. */
function errorsAsRecords(_key, value) {
  if (!(value instanceof Error)) return value;
  const stackTrace = typeof value.stack === 'string' ? value.stack.split('\n') : value.stack;
  return { errorType: value.constructor?.name ?? 'UnknownError', errorMessage: value.message, stackTrace, ...value };
}

// ---- The awslambda global ----------------------------------------------------------------------
// The `awslambda` global a function sees, as AWS's Node runtime client defines it
// (UserFunction.js:205-212, HttpResponseStream.js): tiny, since every cold start loads it; the
// streaming machinery itself (response-stream.cjs) is loaded only for a streaming handler.
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
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

function createAwsLambdaGlobal() {
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
function isStreamingHandler(handler) {
  const mark = handler?.[STREAMING];
  return mark !== undefined && mark !== null && mark !== false;
}

// ---- Handler loading ---------------------------------------------------------------------------
// Loads `_HANDLER` from the task root exactly in the order AWS's Node runtime
// tries: P, P.js (require, or import() under "type": "module"), P.mjs, P.cjs,
// then a package resolved from the task root and NODE_PATH. An ES module handler's imports
// search NODE_PATH too, as on AWS, through resolve hooks registered only when there is a layer.
// Node's ES module loader is made on the first import(): a CommonJS handler never pays for it.

/**
 * The function's handler. beforeUserCode() is called just before the function's module is loaded
 * (an ES module's after Node's ES module loader is made: the loader is the runtime's, not the function's).
 */
async function loadHandler(appRoot, fullHandler, beforeUserCode = () => {}) {
  if (fullHandler.includes('..')) {
    throw new MalformedHandlerName(
      `'${fullHandler}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const moduleRoot = path.dirname(fullHandler);
  const moduleAndHandler = path.basename(fullHandler);
  const dot = moduleAndHandler.indexOf('.');
  if (dot === -1) throw new MalformedHandlerName('Bad handler');
  const moduleName = moduleAndHandler.slice(0, dot);
  const handlerPath = moduleAndHandler.slice(dot + 1);

  // The function's modules see no main module, as under AWS's runtime (an ES module): require.main is undefined.
  process.mainModule = undefined;
  const userModule = await loadUserModule(appRoot, moduleRoot, moduleName, beforeUserCode);
  const handler = handlerPath.split('.').reduce((value, key) => value?.[key], userModule);
  if (handler === undefined) throw new HandlerNotFound(`${fullHandler} is undefined or not exported`);
  if (typeof handler !== 'function') throw new HandlerNotFound(`${fullHandler} is not a function`);
  return handler;
}

async function loadUserModule(appRoot, moduleRoot, moduleName, beforeUserCode) {
  const base = path.resolve(appRoot, moduleRoot, moduleName);
  const requireFile = (file) => {
    beforeUserCode();
    return require(file);
  };
  const importFile = async (file) => {
    await makeEsmLoader();
    beforeUserCode();
    return importModule(file);
  };
  try {
    if (statSync(base, { throwIfNoEntry: false })?.isFile()) return requireFile(base);
    if (existsSync(`${base}.js`)) {
      return isEsmPackage(base) ? await importFile(`${base}.js`) : requireFile(`${base}.js`);
    }
    if (existsSync(`${base}.mjs`)) return await importFile(`${base}.mjs`);
    if (existsSync(`${base}.cjs`)) return requireFile(`${base}.cjs`);
    const resolved = require.resolve(moduleName, { paths: [appRoot, path.resolve(appRoot, moduleRoot)] });
    return requireFile(resolved);
  } catch (error) {
    if (error instanceof SyntaxError) throw wrapAs(UserCodeSyntaxError, error);
    // AWS provides the AWS SDK v3 (in /var/runtime/node_modules) to CommonJS and ESM handlers alike; emu does not, so say so.
    const sdk = /^(Cannot find (?:module|package) '(@aws-sdk\/[^'/]+)[^\n]*)/.exec(error?.message);
    if (error?.code === 'MODULE_NOT_FOUND' || (sdk && error.code === 'ERR_MODULE_NOT_FOUND')) {
      if (sdk) error.message = `${sdk[1]}. AWS provides the AWS SDK for JavaScript v3 to Node.js functions, emu does not: add it locally (npm install --save-dev ${sdk[2]}) or in a --layer${error.message.slice(sdk[0].length)}`;
      throw wrapAs(ImportModuleError, error);
    }
    // ERR_REQUIRE_ESM: a .js that is ESM without "type": "module" is still loadable by import().
    if (error?.code === 'ERR_REQUIRE_ESM') return importModule(error.filename ?? `${base}.js`);
    throw error;
  }
}

/** Node's ES module loader, made by importing an empty module of the runtime's own. */
async function makeEsmLoader() {
  await import(pathToFileURL(path.join(__dirname, 'esm-loader.mjs')).href);
}

async function importModule(file) {
  resolveEsmFromNodePath(process.env.NODE_PATH);
  try {
    return await import(pathToFileURL(file).href);
  } catch (error) {
    if (error instanceof SyntaxError) throw wrapAs(UserCodeSyntaxError, error);
    throw error;
  }
}

/**
 * AWS's Node runtimes (18 and later) search NODE_PATH for ES module imports; Node alone does not.
 * Node 20's hooks run on a thread of their own (~50 ms of CPU to start), so only an ES module
 * handler with a node_modules folder on NODE_PATH (a layer's) pays: emu's own entries have none.
 */
let esmNodePathResolving = false;
function resolveEsmFromNodePath(nodePath) {
  if (esmNodePathResolving) return;
  esmNodePathResolving = true;
  const folders = (nodePath ?? '').split(':').filter((folder) => path.basename(folder) === 'node_modules' && existsSync(folder));
  if (folders.length === 0) return;
  const { register } = require('node:module');
  register?.('./node-path-resolve-hooks.mjs', pathToFileURL(__filename).href, { data: { folders } });
}

/** The nearest package.json's "type", searching upward and stopping at node_modules or the root. */
function isEsmPackage(file) {
  let dir = path.dirname(file);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        return JSON.parse(readFileSync(manifest, 'utf8')).type === 'module';
      } catch {
        return false;
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir || path.basename(dir) === 'node_modules') return false;
    dir = parent;
  }
}

// ---- The Runtime API client --------------------------------------------------------------------
// A lean HTTP/1.1 client for the Lambda Runtime API over one keep-alive socket.
// Why not node:http or fetch: node:http costs ~0.2 ms more per round trip (and, under the heap
// flags, ~5 ms more per cold start to compile), and fetch gives up on a response after 300 s,
// which would break an idle warm sandbox's long poll on /next. Requests are pipelined in order
// on the socket, each written whole in one write.

const API_PREFIX = '/2018-06-01';
const HEADER_END = Buffer.from('\r\n\r\n');
const READ_BUFFER_BYTES = 64 * 1024;

class RuntimeApiClient {
  #host;
  #port;
  #socket = null;
  #pending = []; // FIFO of { resolve, reject } awaiting a response
  #chunks = []; // the bytes of responses not yet complete
  #bytes = 0;
  #needed = 0; // what the response in front needs in all, once its head is in (0: not known yet)
  #onLost;
  #nextRequest;

  /** @param {string} address host:port  @param {() => void} onLost called if the API goes away mid-request */
  constructor(address, onLost) {
    const colon = address.lastIndexOf(':');
    this.#host = address.slice(0, colon) || '127.0.0.1';
    this.#port = Number(address.slice(colon + 1));
    this.#onLost = onLost;
    this.#nextRequest = `GET ${API_PREFIX}/runtime/invocation/next HTTP/1.1\r\nHost: ${this.#host}\r\n\r\n`;
  }

  /** Opens the connection ahead of the first request, so its handshake overlaps the handler's loading. */
  connect() {
    const socket = this.#connect();
    if (this.#pending.length === 0) socket.unref(); // an idle connection keeps nobody alive; see #request
  }

  next() {
    return this.#send(this.#nextRequest);
  }

  postResponse(requestId, body) {
    return this.#post(`${API_PREFIX}/runtime/invocation/${requestId}/response`, body, '');
  }

  postError(requestId, payload) {
    return this.#post(`${API_PREFIX}/runtime/invocation/${requestId}/error`, JSON.stringify(payload), '');
  }

  postInitError(payload) {
    const header = `Lambda-Runtime-Function-Error-Type: ${payload.errorType}\r\n`;
    return this.#post(`${API_PREFIX}/runtime/init/error`, JSON.stringify(payload), header);
  }

  #post(path, body, extraHeaders) {
    const head = `POST ${path} HTTP/1.1\r\nHost: ${this.#host}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extraHeaders}\r\n`;
    return this.#send(head + body);
  }

  #send(request) {
    const socket = this.#connect();
    socket.ref(); // a request in flight keeps the process alive; see #onData
    socket.write(request);
    return new Promise((resolve, reject) => this.#pending.push({ resolve, reject }));
  }

  #connect() {
    if (this.#socket !== null) return this.#socket;
    // onread: each read straight into one buffer of ours, without the stream's 'data' machinery
    // (~1 ms of a cold start, and per event less work); the bytes are copied out, as it is reused.
    const onread = { buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES), callback: (bytes, buffer) => this.#onData(Buffer.from(buffer.subarray(0, bytes))) };
    const socket = net.connect({ host: this.#host, port: this.#port, noDelay: true, onread });
    socket.on('error', () => {}); // 'close' follows and says what matters
    socket.on('close', () => this.#onClose(socket));
    this.#socket = socket;
    return socket;
  }

  #onClose(socket) {
    if (this.#socket === socket) this.#socket = null;
    this.#chunks = [];
    this.#bytes = 0;
    this.#needed = 0;
    const lost = this.#pending;
    this.#pending = [];
    // The supervisor is gone (or killed our connection): nobody will ever send
    // another event, so a sandbox must not linger as an orphan.
    if (lost.length > 0) return this.#onLost();
    // Closed while idle or mid-handler: a live server takes a new connection, a dead one refuses it.
    const probe = this.#connect();
    probe.unref();
    probe.once('error', () => this.#onLost());
  }

  #onData(chunk) {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    // A large body still arriving: kept as it came, neither copied nor parsed again until it is all in.
    if (this.#bytes < this.#needed) return;
    let buffer = this.#chunks.length === 1 ? chunk : Buffer.concat(this.#chunks, this.#bytes);
    this.#chunks = [];
    this.#bytes = 0;
    this.#needed = 0;
    for (;;) {
      const response = parseResponse(buffer);
      if (response.body === undefined) {
        if (buffer.length > 0) {
          this.#chunks.push(buffer);
          this.#bytes = buffer.length;
          this.#needed = response.needed;
        }
        return;
      }
      buffer = buffer.subarray(response.consumed);
      const waiter = this.#pending.shift();
      if (this.#pending.length === 0) this.#socket?.unref();
      waiter?.resolve(response);
    }
  }

}

/** An incomplete response: how many bytes it needs in all, when its head says (else 0). */
const INCOMPLETE = { needed: 0 };

/** Parses one complete response from the front of buf, or says how many bytes it needs. */
function parseResponse(buf) {
  const headerEnd = buf.indexOf(HEADER_END);
  if (headerEnd === -1) return INCOMPLETE;
  const lines = buf.toString('latin1', 0, headerEnd).split('\r\n');
  const status = Number(lines[0].split(' ')[1]);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon > 0) headers[lines[i].slice(0, colon).toLowerCase()] = lines[i].slice(colon + 1).trim();
  }
  const bodyStart = headerEnd + 4;
  if (headers['transfer-encoding'] === 'chunked') return parseChunked(buf, bodyStart, status, headers);
  const length = Number(headers['content-length'] ?? 0);
  if (buf.length < bodyStart + length) return { needed: bodyStart + length };
  return { status, headers, body: buf.subarray(bodyStart, bodyStart + length), consumed: bodyStart + length };
}

// Other Runtime API servers (Go's net/http in RIE) may answer chunked.
function parseChunked(buf, start, status, headers) {
  const parts = [];
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd === -1) return INCOMPLETE;
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (Number.isNaN(size)) throw new Error('malformed chunked response from the Runtime API');
    const dataStart = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = buf.indexOf(HEADER_END, lineEnd);
      const end = buf.indexOf('\r\n', dataStart) === dataStart ? dataStart + 2 : trailerEnd === -1 ? -1 : trailerEnd + 4;
      if (end === -1) return INCOMPLETE;
      return { status, headers, body: Buffer.concat(parts), consumed: end };
    }
    if (buf.length < dataStart + size + 2) return INCOMPLETE;
    parts.push(buf.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

// ---- Start -------------------------------------------------------------------------------------
const client = new RuntimeApiClient(runtimeApi, () => process.exit(1));
patchConsole(env);
installProcessHooks();
if (env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== '1' && env.AWS_LAMBDA_NODEJS_NO_GLOBAL_AWSLAMBDA !== 'true') {
  globalThis.awslambda = createAwsLambdaGlobal();
}
client.connect();
void init();
