/** The Invoke payloads AWS returns when the platform, not the function, ends an invocation. */
import { ErrorTypes, MAX_RESPONSE_BYTES } from '../errors/catalogue.js';
import { exitDescription, type ExitStatus } from './exit-description.js';

export interface FailurePayload {
  errorType: string;
  payloadJson: string;
}

function payload(errorType: string, errorMessage: string): FailurePayload {
  return { errorType, payloadJson: JSON.stringify({ errorType, errorMessage }) };
}

export function timeoutPayload(requestId: string, timeoutMs: number): FailurePayload {
  return payload(ErrorTypes.timedOut, `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
}

// AWS's exact wording for out-of-memory is unconfirmed; this is what its platform logs show for the kill.
export function outOfMemoryPayload(requestId: string): FailurePayload {
  return payload(ErrorTypes.outOfMemory, `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`);
}

export function exitPayload(requestId: string, status: ExitStatus): FailurePayload {
  return payload(ErrorTypes.exitError, `RequestId: ${requestId} Error: ${exitDescription(status)}`);
}

export function responseTooLargePayload(sizeBytes: number): FailurePayload {
  return payload(
    ErrorTypes.responseSizeTooLarge,
    `Response payload size (${sizeBytes} bytes) exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
  );
}

/** The errorType of a payload the runtime posted (any text is allowed there). */
export function postedErrorType(payloadJson: string): string {
  try {
    const type = (JSON.parse(payloadJson) as { errorType?: unknown } | null)?.errorType;
    return typeof type === 'string' ? type : ErrorTypes.unknown;
  } catch {
    return ErrorTypes.unknown;
  }
}
