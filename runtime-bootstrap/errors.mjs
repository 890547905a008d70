// AWS's runtime error classes and payload shapes, as the Node runtime reports them.
const { types } = process.getBuiltinModule('node:util');

function runtimeError(className) {
  const ErrorClass = class extends Error {};
  ErrorClass.prototype.name = `Runtime.${className}`;
  return ErrorClass;
}

export const ImportModuleError = runtimeError('ImportModuleError');
export const HandlerNotFound = runtimeError('HandlerNotFound');
export const MalformedHandlerName = runtimeError('MalformedHandlerName');
export const UserCodeSyntaxError = runtimeError('UserCodeSyntaxError');
export const UnhandledPromiseRejection = runtimeError('UnhandledPromiseRejection');
export const NodeJsExit = runtimeError('NodeJsExit');

/** Wraps a load failure the way AWS does: the cause's text becomes the message. */
export function wrapAs(ErrorClass, cause) {
  const error = new ErrorClass(String(cause));
  if (typeof cause?.stack === 'string') error.stack = cause.stack;
  return error;
}

function looksLikeError(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.name === 'string' &&
    typeof value.message === 'string' &&
    typeof value.stack === 'string'
  );
}

/** The body posted to /error and /init/error: {errorType, errorMessage, trace}. */
export function toErrorPayload(error) {
  try {
    if (types.isNativeError(error) || looksLikeError(error)) {
      return {
        errorType: error.name,
        errorMessage: error.message,
        trace: String(error.stack).replaceAll('\x7F', '%7F').split('\n'),
      };
    }
    return { errorType: typeof error, errorMessage: String(error), trace: [] };
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
