// console.* in Lambda's log format: text lines "<ISO time>\t<request id>\t<LEVEL>\t<message>"
// with newlines turned into \r (one record per line), or JSON records when
// AWS_LAMBDA_LOG_FORMAT=JSON. AWS_LAMBDA_LOG_LEVEL mutes lower levels.
const { format } = process.getBuiltinModule('node:util');

const LEVELS = { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, FATAL: 5 };
const METHODS = [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['debug', 'DEBUG'],
  ['trace', 'TRACE'],
  ['fatal', 'FATAL'],
];

/** Lets the runtime tell the console which request its lines belong to. */
export const logContext = { requestId: undefined, tenantId: undefined };

export function patchConsole(env) {
  const json = env.AWS_LAMBDA_LOG_FORMAT === 'JSON';
  const minimum = LEVELS[env.AWS_LAMBDA_LOG_LEVEL?.toUpperCase()] ?? 0;
  const write = (line) => process.stdout.write(line);
  for (const [method, level] of METHODS) {
    if (LEVELS[level] < minimum) {
      console[method] = () => {};
      continue;
    }
    console[method] = json
      ? (...args) => write(jsonLine(level, args))
      : (...args) => write(textLine(level, method === 'trace' ? traceArgs(args) : args));
  }
}

function textLine(level, args) {
  const message = format(...args).replaceAll('\n', '\r');
  return `${new Date().toISOString()}\t${logContext.requestId}\t${level}\t${message}\n`;
}

function traceArgs(args) {
  const stack = new Error().stack.split('\n').slice(3).join('\n');
  return [`Trace: ${format(...args)}\n${stack}`];
}

function jsonLine(level, args) {
  const record = { timestamp: new Date().toISOString(), level, requestId: logContext.requestId };
  if (logContext.tenantId !== undefined) record.tenantId = logContext.tenantId;
  if (args.length === 1) {
    record.message = args[0] instanceof Error ? errorFields(args[0]) : args[0];
  } else {
    record.message = format(...args);
    const firstError = args.find((arg) => arg instanceof Error);
    if (firstError) Object.assign(record, errorFields(firstError));
  }
  try {
    return JSON.stringify(record) + '\n';
  } catch {
    record.message = format(...args);
    return JSON.stringify(record) + '\n';
  }
}

function errorFields(error) {
  return { errorType: error.name, errorMessage: error.message, stackTrace: String(error.stack).split('\n') };
}
