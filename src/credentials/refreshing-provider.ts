/**
 * Temporary credentials handed out until they get close to expiring, then
 * fetched again (one fetch at a time however many sandboxes start at once).
 */
import type { CredentialsProvider, SandboxCredentials } from '../sandbox/function-config.js';

/**
 * Longer than the pool's 5-minute recycling margin, so a sandbox started with
 * these credentials serves a while before it is recycled for them.
 */
export const REFRESH_MARGIN_MS = 10 * 60_000;

export function refreshingProvider(initial: SandboxCredentials, fetch: () => Promise<SandboxCredentials>, marginMs = REFRESH_MARGIN_MS): CredentialsProvider {
  let current = initial;
  let pending: Promise<SandboxCredentials> | undefined;
  return async () => {
    if (current.expiresAt === undefined || current.expiresAt.getTime() - Date.now() > marginMs) return current;
    pending ??= fetch()
      .then((fresh) => (current = fresh))
      .finally(() => (pending = undefined));
    return pending;
  };
}
