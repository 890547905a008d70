/**
 * What a sandbox does with a streamed response: hands it to the caller that asked for one, or, for
 * a caller that did not (a plain Invoke), collects the body as the payload, as AWS does, up to
 * the buffered limit (6 MiB + 100 bytes); past it the invocation fails as a buffered one would.
 */
import { MAX_RESPONSE_BYTES } from '../errors/catalogue.js';
import type { ResponseStream, StreamEnding } from '../runtime-api/response-stream.js';
import { responseTooLargePayload, type FailurePayload } from './failure-payloads.js';

export interface StreamedResult {
  status: 'ok' | 'error';
  payloadJson: string;
  errorType?: string;
  /** Set when the platform, not the runtime, failed the invocation (too large for a plain Invoke). */
  failure?: FailurePayload;
}

/** Passes the stream on, or collects it; resolves once the stream has ended. */
export async function takeStreamedResponse(stream: ResponseStream, onResponseStream: ((stream: ResponseStream) => void) | undefined): Promise<StreamedResult> {
  if (onResponseStream === undefined) return collect(stream);
  try {
    onResponseStream(stream);
  } catch {
    stream.discard(); // the caller's bug must not leave the runtime blocked on a full socket
  }
  return fromEnding(await stream.ended, '');
}

async function collect(stream: ResponseStream): Promise<StreamedResult> {
  const chunks: Buffer[] = [];
  let sizeBytes = 0;
  for await (const chunk of stream) {
    sizeBytes += chunk.length;
    if (sizeBytes <= MAX_RESPONSE_BYTES) chunks.push(chunk);
    else chunks.length = 0;
  }
  const ending = await stream.ended;
  if (ending.status === 'complete' && sizeBytes > MAX_RESPONSE_BYTES) {
    const failure = responseTooLargePayload(sizeBytes);
    return { status: 'error', payloadJson: failure.payloadJson, errorType: failure.errorType, failure };
  }
  return fromEnding(ending, Buffer.concat(chunks).toString('utf8'));
}

function fromEnding(ending: StreamEnding, bodyText: string): StreamedResult {
  if (ending.status === 'complete') return { status: 'ok', payloadJson: bodyText };
  return { status: 'error', payloadJson: ending.errorBodyJson, errorType: ending.errorType };
}
