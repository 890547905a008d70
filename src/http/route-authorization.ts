/**
 * The authorizer step between routing and the route's function: a Lambda
 * authorizer, or a JWT / Cognito one (its verifier, and the `jose` library,
 * loaded only when a template has one). Passes on what the route's event
 * carries as `requestContext.authorizer`, or API Gateway's refusal.
 */
import type { RouteAuth } from '../template/index.js';
import type { EventContext } from './event-context.js';
import type { FunctionHost } from './function-host.js';
import type { IncomingRequest } from './incoming-request.js';
import { lambdaAuthorizerCache, runLambdaAuthorizer, type AuthOutcome } from './lambda-authorizer.js';
import type { RouteMatch } from './router.js';

export type { AuthOutcome } from './lambda-authorizer.js';

export interface RouteAuthorizationOptions {
  hosts: ReadonlyMap<string, FunctionHost>;
  /** `--jwks-url ISSUER=URL`: where an issuer's keys are, in place of its discovery document. */
  jwksUrls?: Readonly<Record<string, string>>;
  writeLog(text: string): void;
}

export type Authorize = (request: IncomingRequest, match: RouteMatch, context: EventContext) => Promise<AuthOutcome | undefined>;

export function routeAuthorization(options: RouteAuthorizationOptions): Authorize {
  const cache = lambdaAuthorizerCache();
  let jwt: Promise<import('./jwt-authorizer.js').JwtVerifier> | undefined;
  return async (request, match, context) => {
    const auth: RouteAuth | undefined = match.route.auth;
    if (auth === undefined) return undefined;
    if (auth.kind === 'lambda') return runLambdaAuthorizer(request, match, context, auth, { hosts: options.hosts, cache, writeLog: options.writeLog });
    jwt ??= import('./jwt-authorizer.js').then(({ JwtVerifier }) => new JwtVerifier({ jwksUrls: options.jwksUrls ?? {}, writeLog: options.writeLog }));
    return (await jwt).authorize(request, match, auth);
  };
}
