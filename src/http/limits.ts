/**
 * What a request to `emu serve` may be, in size and in time, so that a slow
 * or oversized client costs bounded memory and never holds the server.
 */

/** Lambda's synchronous request limit, 6 MiB [INV]: no larger body or event can be invoked. */
export const MAX_SYNC_REQUEST_BYTES = 6 * 1024 * 1024;
/** The asynchronous (Event) limit, 1 MB since Oct 2025 [B1MB]. */
export const MAX_ASYNC_REQUEST_BYTES = 1024 * 1024;
/**
 * API Gateway's quota for the request line and headers together (REST APIs: 10,240 bytes); Node answers 431 past it.
 * Node counts the request target, header names and header values (not the method, version, `: ` or CRLFs),
 * and refuses a request once they reach this many bytes.
 */
export const MAX_HEADER_BYTES = 10_240;
/** The whole request, body included, must have arrived by then (a slowly sent upload is cut off). */
export const REQUEST_TIMEOUT_MS = 60_000;
/**
 * How long a client may take to send its headers, idle connections included:
 * 10 s, well beyond any real client, short enough that slow-header clients
 * cannot pile up (AWS does not document its value).
 */
export const HEADERS_TIMEOUT_MS = 10_000;

/** HEADERS_TIMEOUT_MS, or EMU_SERVE_HEADERS_TIMEOUT_MS: tests shorten it rather than wait; it is not a user option. */
export function headersTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return positiveOverride(env.EMU_SERVE_HEADERS_TIMEOUT_MS) ?? HEADERS_TIMEOUT_MS;
}

/** REQUEST_TIMEOUT_MS, or EMU_SERVE_REQUEST_TIMEOUT_MS, for tests in the same way. */
export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return positiveOverride(env.EMU_SERVE_REQUEST_TIMEOUT_MS) ?? REQUEST_TIMEOUT_MS;
}

function positiveOverride(text: string | undefined): number | undefined {
  const value = Number(text);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}
