/**
 * An STS or credential-chain failure → one line, and whose fault it is: the
 * user's configuration (usage) or the network or AWS (internal). Only names
 * and first message lines are used: neither ever holds a secret.
 */
import { internalError, usageError, type EmuError } from '../errors/emu-error.js';

const REJECTED_CREDENTIALS = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'ExpiredTokenException', 'UnrecognizedClientException', 'IncompleteSignature']);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

interface SdkErrorLike {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

export function assumeRoleFailure(error: unknown, roleArn: string, endpoint: string): EmuError {
  const { name = 'Error', message = String(error), code, $metadata } = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorLike;
  const detail = (message.split('\n')[0] ?? '').trim();
  if (isMissingCredentials(name)) {
    return usageError(`--role: no AWS credentials of your own to assume ${roleArn} with (${detail}); set AWS_PROFILE, --profile or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`);
  }
  if (name === 'AccessDenied' || name === 'AccessDeniedException') return usageError(`--role: access denied assuming ${roleArn}: ${detail}`);
  if (REJECTED_CREDENTIALS.has(name)) return usageError(`--role: STS rejected your own AWS credentials (${name}): ${detail}`);
  if ((code !== undefined && NETWORK_CODES.has(code)) || name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|socket hang up/.test(message)) {
    return internalError(`--role: cannot reach STS at ${endpoint} (${code ?? name})`);
  }
  const status = $metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) return usageError(`--role: STS refused to assume ${roleArn}: ${name}: ${detail}`);
  return internalError(`--role: STS failed assuming ${roleArn}: ${name}: ${detail}`);
}

/** The chain found nothing, or a profile (SSO, process) could not give credentials. */
export function isMissingCredentials(name: string): boolean {
  return name === 'CredentialsProviderError' || name === 'TokenProviderError';
}

export function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? '').trim();
}
