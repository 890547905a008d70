/**
 * API Gateway's own answers when an authorizer refuses or fails, per product
 * (docs/authorizers.md cites each): REST's gateway responses carry an
 * x-amzn-ErrorType, HTTP APIs answer with a bare message.
 */
import { jsonMessage, type GatewayResponse } from './gateway-response.js';

export type AuthRefusal = 'unauthorized' | 'explicit-deny' | 'implicit-deny' | 'failure';

export function authRefusal(api: 'rest' | 'http', refusal: AuthRefusal, wwwAuthenticate?: string): GatewayResponse {
  const response = api === 'rest' ? restRefusal(refusal) : httpRefusal(refusal);
  return wwwAuthenticate === undefined ? response : { ...response, headers: [...response.headers, ['www-authenticate', wwwAuthenticate]] };
}

function restRefusal(refusal: AuthRefusal): GatewayResponse {
  switch (refusal) {
    case 'unauthorized':
      return jsonMessage(401, 'Unauthorized', 'UnauthorizedException');
    case 'explicit-deny':
      return jsonMessage(403, 'User is not authorized to access this resource with an explicit deny', 'AccessDeniedException');
    case 'implicit-deny':
      return jsonMessage(403, 'User is not authorized to access this resource', 'AccessDeniedException');
    case 'failure': {
      // AUTHORIZER_CONFIGURATION_ERROR's default body: a null message.
      const response = jsonMessage(500, '', 'AuthorizerConfigurationException');
      return { ...response, body: Buffer.from('{"message":null}') };
    }
  }
}

function httpRefusal(refusal: AuthRefusal): GatewayResponse {
  if (refusal === 'unauthorized') return jsonMessage(401, 'Unauthorized');
  if (refusal === 'failure') return jsonMessage(500, 'Internal Server Error');
  return jsonMessage(403, 'Forbidden');
}
