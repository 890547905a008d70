/** What goes back on the wire, and API Gateway's own answers when no function result can be used. */
export interface GatewayResponse {
  statusCode: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

/** A result API Gateway would refuse, with the reason for stderr. */
export interface MalformedResult {
  malformed: string;
}

export function jsonMessage(statusCode: number, message: string, errorType?: string): GatewayResponse {
  const headers: Array<[string, string]> = [['content-type', 'application/json']];
  if (errorType !== undefined) headers.push(['x-amzn-ErrorType', errorType]);
  return { statusCode, headers, body: Buffer.from(JSON.stringify({ message })) };
}

/** A function error, a timeout or a malformed result: API Gateway's 502 [KC502; DG-GWERR]. */
export const internalServerError = (): GatewayResponse => jsonMessage(502, 'Internal server error');

export function noRoute(api: 'rest' | 'http'): GatewayResponse {
  // A REST API answers an unknown path (or method) as if authentication were missing.
  return api === 'rest' ? jsonMessage(403, 'Missing Authentication Token', 'MissingAuthenticationTokenException') : jsonMessage(404, 'Not Found');
}

/** Header values as API Gateway accepts them from a function: strings, numbers and booleans. */
export function headerText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** 1xx are not final responses, so HTTP cannot carry one as the answer (unconfirmed: API Gateway's 502 for them). */
export function isStatusCode(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 200 && value <= 599;
}
