// AWS's runtime error classes and payload shapes, as the Node runtime reports them.
const { types } = process.getBuiltinModule('node:util');

function runtimeError(className) {
  const ErrorClass = class extends Error {};
  // The class's own name too: a JSON log record's errorType is the constructor's name (ImportModuleError).
  Object.defineProperty(ErrorClass, 'name', { value: className });
  ErrorClass.prototype.name = `Runtime.${className}`;
  return ErrorClass;
}

export const ImportModuleError = runtimeError('ImportModuleError');
export const HandlerNotFound = runtimeError('HandlerNotFound');
export const MalformedHandlerName = runtimeError('MalformedHandlerName');
export const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError');
export const UnhandledPromiseRejection = runtimeError('UnhandledPromiseRejection');
export const NodeJsExit = runtimeError('NodeJsExit');
export const CallbackHandlerDeprecated = runtimeError('CallbackHandlerDeprecated');

// aws-lambda-ric 4.x, the runtime client of AWS's Node.js 24 runtime, refuses callback handlers at init.
const CALLBACK_HANDLER_REFUSED =
  'ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.';
const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

/** On Node.js 24 and later, the error a handler declaring (event, context, callback) fails init with; else undefined. */
export function callbackHandlerRefusal(handler, nodeMajor) {
  if (nodeMajor < 24 || handler.length < 3 || handler[STREAMING]) return undefined;
  const error = new CallbackHandlerDeprecated(CALLBACK_HANDLER_REFUSED);
  error.name = error.name; // 4.x sets it in the constructor: an own property, so it shows in the logged error
  return error;
}

/**
 * Wraps a load failure the way AWS does: the cause's text becomes the message, and the stack is the
 * wrapper's own, so trace[0] reads "Runtime.ImportModuleError: Error: Cannot find module …".
 */
export function wrapAs(ErrorClass, cause) {
  return new ErrorClass(String(cause));
}

/** What RIC's intoError does before logging a failure: a non-Error becomes an Error of its text. */
export function intoError(value) {
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
export function toErrorPayload(error) {
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
export function formatErrorForLog(error) {
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
