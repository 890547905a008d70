/**
 * The AWS SDK's default credential chain (environment, shared config and
 * credentials files with profiles, SSO, credential_process, web identity,
 * container and instance metadata), loaded only when needed: importing it
 * costs a one-shot `emu run` ~50 ms.
 */
import type { SandboxCredentials } from '../sandbox/function-config.js';

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
  const { defaultProvider } = commonJsExports(await import('@aws-sdk/credential-provider-node'));
  return defaultProvider({ ...(profile === undefined ? {} : { profile }), logger: SILENT_LOGGER });
}

export function toSandboxCredentials(identity: SdkIdentity): SandboxCredentials {
  const credentials: SandboxCredentials = { accessKeyId: identity.accessKeyId, secretAccessKey: identity.secretAccessKey };
  if (identity.sessionToken !== undefined) credentials.sessionToken = identity.sessionToken;
  if (identity.expiration !== undefined) credentials.expiresAt = identity.expiration;
  return credentials;
}

/**
 * A CommonJS package's exports, imported dynamically: Node gives them by name
 * and as default, the CLI's esbuild bundle (a split chunk) only as default.
 */
export function commonJsExports<T extends object>(namespace: T & { default?: T }): T {
  return namespace.default ?? namespace;
}
