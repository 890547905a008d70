/**
 * JWT authorizers (HTTP API JwtConfiguration) and Cognito user-pool
 * authorizers (REST): the token's signature checked against its issuer's
 * JWKS with `jose`, then iss, aud / client_id, exp / nbf and the route's
 * scopes, as API Gateway checks them [DG-HTTP-JWT; DG-REST-COGNITO]. Loaded
 * only when a template has such an authorizer (route-authorization.ts).
 */
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwtAuthorizer } from '../template/index.js';
import { authRefusal } from './authorizer-responses.js';
import { headerValue, queryPairs, type IncomingRequest } from './incoming-request.js';
import type { AuthOutcome } from './lambda-authorizer.js';
import type { RouteMatch } from './router.js';

const FETCH_TIMEOUT_MS = 5000;

export interface JwtVerifierOptions {
  jwksUrls: Readonly<Record<string, string>>;
  writeLog(text: string): void;
}

/** A refusal with the reason for stderr and, for HTTP APIs, the WWW-Authenticate error. */
class Refusal extends Error {
  constructor(readonly status: 401 | 403, message: string) {
    super(message);
  }
}

export class JwtVerifier {
  readonly #options: JwtVerifierOptions;
  /** Per issuer: its key set, found once (a failed discovery is tried again next time). */
  readonly #keySets = new Map<string, Promise<JWTVerifyGetKey>>();

  constructor(options: JwtVerifierOptions) {
    this.#options = options;
  }

  async authorize(request: IncomingRequest, match: RouteMatch, auth: JwtAuthorizer & { scopes: string[] }): Promise<AuthOutcome> {
    try {
      const claims = await this.#verify(tokenOf(request, auth), auth);
      const scopes = checkScopes(claims, auth);
      const shown = claimTexts(claims);
      if (auth.api === 'rest') return { authorizer: { claims: shown } };
      const jwt = { claims: shown, scopes: scopes.length > 0 ? scopes : null };
      return { authorizer: match.route.payloadFormat === '2.0' ? { jwt } : jwt };
    } catch (error) {
      const refusal = error instanceof Refusal ? error : new Refusal(401, error instanceof Error ? error.message : String(error));
      this.#options.writeLog(`emu: authorizer ${auth.name}: ${refusal.message} (API Gateway answers ${refusal.status})\n`);
      if (auth.api === 'rest') return { response: authRefusal('rest', 'unauthorized') };
      const challenge = refusal.status === 403 ? 'Bearer error="insufficient_scope"' : `Bearer error="invalid_token" error_description="${refusal.message.replaceAll('"', "'")}"`;
      return { response: authRefusal('http', refusal.status === 403 ? 'implicit-deny' : 'unauthorized', challenge) };
    }
  }

  async #verify(token: string, auth: JwtAuthorizer): Promise<JWTPayload> {
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      throw new Refusal(401, 'the token is not a well-formed JWT');
    }
    const issuer = unverified.iss;
    if (typeof issuer !== 'string' || !auth.issuers.includes(issuer)) throw new Refusal(401, `the token's issuer ${JSON.stringify(issuer)} is not ${auth.issuers.join(' or ')}`);
    const keys = await this.#keySet(issuer);
    try {
      const { payload } = await jwtVerify(token, keys, { issuer });
      checkAudience(payload, auth);
      return payload;
    } catch (error) {
      if (error instanceof Refusal) throw error;
      if (error instanceof errors.JWTExpired) throw new Refusal(401, 'the token has expired');
      if (error instanceof errors.JOSEError) throw new Refusal(401, `the token is refused: ${error.message}`);
      throw error;
    }
  }

  #keySet(issuer: string): Promise<JWTVerifyGetKey> {
    let keys = this.#keySets.get(issuer);
    if (keys === undefined) {
      keys = findJwks(issuer, this.#options.jwksUrls[issuer]).then((url) => createRemoteJWKSet(url, { timeoutDuration: FETCH_TIMEOUT_MS }));
      keys.catch(() => this.#keySets.delete(issuer));
      this.#keySets.set(issuer, keys);
    }
    return keys;
  }
}

/** The JWKS address: the --jwks-url override, else the issuer's OpenID discovery document's jwks_uri. */
async function findJwks(issuer: string, override: string | undefined): Promise<URL> {
  if (override !== undefined) return new URL(override);
  const discovery = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  try {
    const response = await fetch(discovery, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const document = (await response.json()) as { jwks_uri?: unknown };
    if (typeof document.jwks_uri !== 'string') throw new Error('it has no jwks_uri');
    return new URL(document.jwks_uri);
  } catch (error) {
    throw new Refusal(401, `cannot read the issuer's keys from ${discovery}: ${error instanceof Error ? error.message : String(error)} (--jwks-url ${issuer}=URL names them)`);
  }
}

function tokenOf(request: IncomingRequest, auth: JwtAuthorizer): string {
  const { from, name } = auth.identitySource;
  const value = from === 'query' ? queryPairs(request.rawQuery).findLast(([key]) => key === name)?.[1] : headerValue(request, name);
  if (value === undefined || value.trim() === '') throw new Refusal(401, `no token in ${from} ${name}`);
  // API Gateway takes the token alone or after "Bearer ".
  return value.trim().replace(/^Bearer\s+/i, '');
}

/** HTTP APIs: `aud`, or for a token without one `client_id`, must be a configured audience. Cognito: any app client of the pool. */
function checkAudience(payload: JWTPayload, auth: JwtAuthorizer): void {
  if (auth.audience.length === 0) return;
  const audiences = payload.aud === undefined ? (typeof payload.client_id === 'string' ? [payload.client_id] : []) : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  if (!audiences.some((audience) => auth.audience.includes(audience))) throw new Refusal(401, `the token's audience ${JSON.stringify(audiences)} is not ${auth.audience.join(' or ')}`);
}

/** The token's scopes (`scope`, space-separated, or `scp`); a route with scopes needs one of them. */
function checkScopes(payload: JWTPayload, auth: JwtAuthorizer & { scopes: string[] }): string[] {
  const granted = typeof payload.scope === 'string' ? payload.scope.split(' ').filter((scope) => scope !== '') : Array.isArray(payload.scp) ? payload.scp.map(String) : [];
  if (auth.scopes.length > 0 && !auth.scopes.some((scope) => granted.includes(scope))) {
    throw new Refusal(auth.api === 'rest' ? 401 : 403, `the token has none of the route's scopes ${auth.scopes.join(', ')}`);
  }
  return granted;
}

/** Claims as API Gateway passes them on: every value a string, lists in brackets. */
function claimTexts(payload: JWTPayload): Record<string, string> {
  return Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, Array.isArray(value) ? `[${value.join(' ')}]` : typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)]));
}
