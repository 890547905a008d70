/**
 * What RIE makes of a posted error (internal/lambda/rapi/handler/invocationerror.go): the
 * platform's error type comes from the Lambda-Runtime-Function-Error-Type header, and a body
 * sent as application/vnd.aws.lambda.error.cause+json is cut down to what the invoker may see.
 */
import type { IncomingMessage } from 'node:http';
import { ErrorTypes } from '../errors/catalogue.js';

export const ERROR_WITH_CAUSE_CONTENT_TYPE = 'application/vnd.aws.lambda.error.cause+json';
const ERROR_TYPE_HEADER = 'lambda-runtime-function-error-type';
/** Unanchored, as Go's regexp.MatchString uses it (internal/lambda/fatalerror/fatalerror.go:61). */
const VALID_ERROR_TYPE = /(Runtime|Function)\.[A-Z][a-zA-Z]+/;
/** What RIE sends the invoker when such a body does not parse: json.Marshal of its message. */
const INVALID_ERROR_BODY = Buffer.from('"Invalid error body"');

/** The header's error type when it looks like one, else Function.Unknown or Runtime.Unknown. */
export function postedErrorType(req: IncomingMessage): string {
  // Go's Header.Get reads the first of repeated headers; Node would join them.
  const value = req.headersDistinct[ERROR_TYPE_HEADER]?.[0] ?? '';
  if (VALID_ERROR_TYPE.test(value)) return value;
  return value.startsWith('Function.') ? ErrorTypes.functionUnknown : ErrorTypes.unknown;
}

/**
 * The body as RIE's invoker gets it for the error-cause content type: only errorMessage,
 * errorType and stackTrace (the cause goes to X-Ray), re-encoded as Go's json.Marshal does.
 */
export function errorWithCauseBody(body: Buffer): Buffer {
  const fields = decodeErrorWithCause(body);
  if (fields === null) return INVALID_ERROR_BODY;
  const filtered: { errorMessage: string; errorType: string; stackTrace?: string[] } = { errorMessage: fields.errorMessage, errorType: fields.errorType };
  if (fields.stackTrace.length > 0) filtered.stackTrace = fields.stackTrace; // omitempty
  return Buffer.from(goJsonEscapes(JSON.stringify(filtered)));
}

interface ErrorWithCause {
  errorMessage: string;
  errorType: string;
  stackTrace: string[];
}

/** Go's json.Unmarshal into RIE's struct: keys match case-insensitively, null leaves the zero value, a wrong type fails it all. */
function decodeErrorWithCause(body: Buffer): ErrorWithCause | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const fields: ErrorWithCause = { errorMessage: '', errorType: '', stackTrace: [] };
  if (parsed === null) return fields;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  for (const [key, value] of Object.entries(parsed)) {
    const name = key.toLowerCase();
    if (value === null || (name !== 'errormessage' && name !== 'errortype' && name !== 'stacktrace')) continue;
    if (name === 'stacktrace') {
      if (!Array.isArray(value) || value.some((line) => line !== null && typeof line !== 'string')) return null;
      fields.stackTrace = value.map((line: string | null) => line ?? '');
    } else if (typeof value === 'string') {
      fields[name === 'errormessage' ? 'errorMessage' : 'errorType'] = value;
    } else {
      return null;
    }
  }
  return fields;
}

/** json.Marshal escapes <, >, & and the JavaScript line separators; JSON.stringify does not. */
function goJsonEscapes(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
