/**
 * The AWS SDK's default credential chain (environment, shared config and
 * credentials files with profiles, SSO, credential_process, web identity,
 * container and instance metadata), loaded only when needed: importing it
 * costs a one-shot `emu run` ~50 ms.
 */
import { createRequire } from 'node:module';
import type { SandboxCredentials } from '../sandbox/function-config.js';

/**
 * The SDK's packages are CommonJS and loaded on demand with require, not import():
 * the CLI runs as a code-cached script (bin/emu.js), and Node 20 drops the import()
 * callback of a script compiled from a code cache.
 */
export const requireSdk = createRequire(import.meta.url);

export interface SdkIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
  expiration?: Date | undefined;
}

/** The SDK's memoized chain; forceRefresh skips its cache. */
export type SdkCredentialsProvider = (options?: { forceRefresh?: boolean }) => Promise<SdkIdentity>;

/** The SDK prints some warnings with console.warn unless given a logger: emu's output is its own. */
export const SILENT_LOGGER = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

export async function defaultChain(profile: string | undefined): Promise<SdkCredentialsProvider> {
  const { defaultProvider } = requireSdk('@aws-sdk/credential-provider-node') as typeof import('@aws-sdk/credential-provider-node');
  return defaultProvider({ ...(profile === undefined ? {} : { profile }), logger: SILENT_LOGGER });
}

export function toSandboxCredentials(identity: SdkIdentity): SandboxCredentials {
  const credentials: SandboxCredentials = { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey };
  if (identity.sessionToken !== undefined) credentials.sessionToken = identity.sessionToken;
  if (identity.expiration !== undefined) credentials.expiresAt = identity.expiration;
  return credentials;
}
