// console.* in Lambda's log format, as AWS's Node.js runtime client writes it (src/LogPatch.js in
// aws-lambda-ric 3.3.0): text lines "<ISO time>\t<request id>\t<LEVEL>\t<message>" with newlines
// turned into \r (one record per line), or JSON records when AWS_LAMBDA_LOG_FORMAT is json in any
// case. AWS_LAMBDA_LOG_LEVEL mutes lower levels in both formats; console.fatal is never muted.
import { formatErrorForLog, intoError } from './errors.mjs';

const { format } = process.getBuiltinModule('node:util');

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
export const logContext = { requestId: undefined, tenantId: undefined };

let jsonFormat = false;

export function patchConsole(env) {
  jsonFormat = env.AWS_LAMBDA_LOG_FORMAT?.toUpperCase() === 'JSON';
  const minimum = LEVELS[env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? LEVELS.TRACE;
  const line = jsonFormat ? jsonLine : textLine;
  // (message, ...params), not (...args): console.log() logs "undefined", as util.format(undefined) does.
  const writer = (level) => (message, ...params) => void process.stdout.write(line(level, message, params));
  for (const [method, level] of METHODS) console[method] = LEVELS[level] < minimum ? () => {} : writer(level);
  console.log = console.info;
  console.fatal = writer('FATAL');
}

/**
 * How the runtime logs an error it reports ("Invoke Error", "Uncaught Exception", …): a non-Error
 * wrapped in an Error first; as text, the message then the error as JSON; as JSON, the error alone.
 */
export function logError(message, error) {
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
