/**
 * API Gateway's authorizer result cache: one entry per authorizer and
 * identity-source values, kept for the authorizer's TTL (ReauthorizeEvery).
 * What is cached is the authorizer's answer; the policy in it is evaluated
 * again for each request's method ARN, as API Gateway does.
 */
const MAX_ENTRIES = 10_000;

export class AuthorizerCache<T> {
  readonly #entries = new Map<string, { value: T; expiresAtMs: number }>();

  get(key: string, nowMs = Date.now()): T | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs > nowMs) return entry.value;
    this.#entries.delete(key);
    return undefined;
  }

  set(key: string, value: T, ttlSeconds: number, nowMs = Date.now()): void {
    if (ttlSeconds <= 0) return;
    // A long-running server with many identities must not grow without bound: drop the oldest.
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value as string);
    this.#entries.set(key, { value, expiresAtMs: nowMs + ttlSeconds * 1000 });
  }
}
