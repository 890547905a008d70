// API Gateway authorizers in emu serve (docs/authorizers.md): Lambda TOKEN and REQUEST (REST), Lambda
// REQUEST in payload 1.0 and 2.0 with policies or simple responses (HTTP API), JWT (HTTP API) and Cognito
// (REST) tokens signed in the test (RS256, ES256) against a JWKS the test serves on loopback. Real CLI,
// real HTTP, cold and warm; caching seen in the authorizer's own count of its invocations.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { assertNoProcessLeft, REPO_ROOT } from './helpers.js';
import { echo, send, startServe, type RawResponse, type RunningServe } from './serve-helpers.js';

const TEMPLATE = path.join(REPO_ROOT, 'test', 'fixtures', 'serve-auth', 'template.yaml');
const COGNITO_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Local';

interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

async function signingKey(alg: 'RS256' | 'ES256', kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A loopback issuer: its discovery document and JWKS; /dead/... accepts the request and never answers. */
async function startIssuer(keys: SigningKey[]): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}`;
    if (req.url?.startsWith('/dead')) return; // the socket stays open until the server closes
    if (req.url === '/issuer/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: `${base}/issuer`, jwks_uri: `${base}/issuer/jwks.json` }));
    } else if (req.url === '/issuer/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys.map((key) => key.jwk) }));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

function jwt(key: SigningKey, claims: Record<string, unknown>, options: { expiresIn?: string | number; notBefore?: string | number } = {}): Promise<string> {
  const token = new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).setIssuedAt().setExpirationTime(options.expiresIn ?? '10m');
  if (options.notBefore !== undefined) token.setNotBefore(options.notBefore);
  return token.sign(key.privateKey);
}

const bearer = (token: string): string[] => ['Authorization', token];
const authorizerOf = (response: RawResponse): Record<string, unknown> => echo(response.json()).at('requestContext.authorizer') as Record<string, unknown>;

for (const mode of ['warm', 'cold'] as const) {
  describe(`authorizers (${mode})`, () => {
    let serve: RunningServe;
    let issuer: { url: string; server: Server };
    let callsDir: string;
    let rsa: SigningKey;
    let ec: SigningKey;
    let stranger: SigningKey;
    // The authorizer fixture appends each token it is asked about; no file yet means no call yet.
    const calls = (token: string): number => {
      const file = path.join(callsDir, 'calls');
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter((line) => line === token).length : 0;
    };
    const stderrSince = (mark: number): string => serve.stderr().slice(mark);

    before(async () => {
      [rsa, ec, stranger] = await Promise.all([signingKey('RS256', 'rsa-1'), signingKey('ES256', 'ec-1'), signingKey('RS256', 'rsa-1')]);
      issuer = await startIssuer([rsa, ec]);
      callsDir = mkdtempSync(path.join(os.tmpdir(), 'emu-auth-'));
      serve = await startServe([
        '--template', TEMPLATE, '--no-credentials', `--${mode}`,
        '--parameter-overrides', `CallsFile=${path.join(callsDir, 'calls')}`, `Issuer=${issuer.url}/issuer`, `DeadIssuer=${issuer.url}/dead`,
        '--jwks-url', `${COGNITO_ISSUER}=${issuer.url}/issuer/jwks.json`,
      ]);
    });
    after(async () => {
      await serve.stop();
      issuer.server.closeAllConnections();
      await new Promise((resolve) => issuer.server.close(resolve));
      rmSync(callsDir, { recursive: true, force: true });
      assertNoProcessLeft();
    });

    test('the routes emu cannot protect are named at start, and stay open', async () => {
      assert.match(serve.stderr(), /warning: EchoFn: route GET \/rest\/iam is left unprotected: its authorizer AWS_IAM is not emulated/);
      assert.match(serve.stderr(), /route GET \/rest\/elsewhere is left unprotected: its authorizer ElsewhereAuth is not emulated \(its FunctionArn .*in-another-stack/);
      for (const route of ['/rest/iam', '/rest/elsewhere', '/rest/open', '/http/open']) {
        const response = await send(`${serve.url}${route}`);
        assert.equal(response.status, 200, route);
        assert.equal(authorizerOf(response), undefined, `${route}: no authorizer, no requestContext.authorizer`);
      }
    });

    test('REST TOKEN: the event, an allowing policy, the context as strings beside principalId, and the cache', async () => {
      const token = `allow-${mode}`;
      const response = await send(`${serve.url}/rest/token/7`, { headers: bearer(token) });
      assert.equal(response.status, 200, response.text);
      const authorizer = authorizerOf(response);
      assert.equal(authorizer.principalId, `user-${token}`);
      assert.deepEqual([authorizer.calls, authorizer.token, authorizer.admin, authorizer.level], ['1', token, 'true', '3']);
      assert.equal(typeof authorizer.integrationLatency, 'number');
      assert.deepEqual(JSON.parse(authorizer.event as string), { type: 'TOKEN', authorizationToken: token, methodArn: 'arn:aws:execute-api:us-east-1:123456789012:k3xmpl7q2d/dev/GET/rest/token/7' });
      const again = await send(`${serve.url}/rest/token/7`, { headers: bearer(token) });
      assert.equal(again.status, 200);
      assert.equal(authorizerOf(again).calls, '1', 'the cached answer');
      // The cached policy allows /rest/token/7 only: API Gateway evaluates it again for /8, unasked, and denies.
      const other = await send(`${serve.url}/rest/token/8`, { headers: bearer(token) });
      assert.equal(other.status, 403);
      assert.deepEqual(other.json(), { message: 'User is not authorized to access this resource' });
      assert.equal(calls(token), 1, 'one invocation for three requests');
      const wild = await send(`${serve.url}/rest/token/9`, { headers: bearer(`wild-${mode}`) });
      assert.equal(wild.status, 200, 'a wildcard Resource matches');
    });

    test('REST TOKEN: deny, no policy for the method, a missing or invalid token', async () => {
      const deny = await send(`${serve.url}/rest/token/1`, { headers: bearer(`deny-${mode}`) });
      assert.equal(deny.status, 403);
      assert.deepEqual(deny.json(), { message: 'User is not authorized to access this resource with an explicit deny' });
      assert.equal(deny.headers['x-amzn-errortype'], 'AccessDeniedException');
      const other = await send(`${serve.url}/rest/token/1`, { headers: bearer(`other-${mode}`) });
      assert.equal(other.status, 403);
      assert.deepEqual(other.json(), { message: 'User is not authorized to access this resource' });
      for (const headers of [[], bearer(''), bearer(`nope-${mode}`)]) {
        const refused = await send(`${serve.url}/rest/token/1`, { headers });
        assert.equal(refused.status, 401, JSON.stringify(headers));
        assert.deepEqual(refused.json(), { message: 'Unauthorized' });
      }
      assert.equal(calls(`nope-${mode}`), 0, 'a token that fails the ValidationExpression is refused unasked');
      const unauthorized = await send(`${serve.url}/rest/token/1`, { headers: bearer(`unauthorized-${mode}`) });
      assert.equal(unauthorized.status, 401, 'an authorizer failing with "Unauthorized" is a 401');
    });

    test('REST and HTTP: an authorizer that throws, returns garbage or times out is a 500, the reason on stderr, and the server goes on', async () => {
      const mark = serve.stderr().length;
      for (const token of ['throw', 'garbage', 'hang']) {
        const response = await send(`${serve.url}/rest/token/1`, { headers: bearer(`${token}-${mode}`) });
        assert.equal(response.status, 500, token);
        assert.equal(response.text, '{"message":null}');
        const http = await send(`${serve.url}/http/simple`, { headers: bearer(`${token}-${mode}`) });
        assert.equal(http.status, 500, token);
        assert.deepEqual(http.json(), { message: 'Internal Server Error' });
      }
      const log = stderrSince(mark);
      assert.match(log, /authorizer TokenAuth: the function failed: Error: the authorizer broke \(API Gateway answers 500\)/);
      assert.match(log, /authorizer TokenAuth: the answer has no principalId string/);
      assert.match(log, /authorizer SimpleAuth: a simple response needs a boolean isAuthorized/);
      assert.match(log, /authorizer TokenAuth: the function failed: Sandbox.Timedout/);
      const after = await send(`${serve.url}/rest/token/7`, { headers: bearer(`allow-after-${mode}`) });
      assert.equal(after.status, 200, 'still serving');
    });

    test('REST REQUEST: every identity source is needed, the event is the request, and TTL 0 asks every time', async () => {
      const token = `allow-req-${mode}`;
      const missing = await send(`${serve.url}/rest/request`, { headers: ['x-token', token] });
      assert.equal(missing.status, 401, 'the q query string is an identity source too');
      assert.equal(calls(token), 0);
      for (const expected of ['1', '2']) {
        const response = await send(`${serve.url}/rest/request?q=1`, { headers: ['x-token', token] });
        assert.equal(response.status, 200, response.text);
        assert.equal(authorizerOf(response).calls, expected);
        const event = JSON.parse(authorizerOf(response).event as string) as Record<string, any>;
        assert.equal(event.type, 'REQUEST');
        assert.equal(event.methodArn, 'arn:aws:execute-api:us-east-1:123456789012:k3xmpl7q2d/dev/GET/rest/request');
        assert.equal(event.headers['x-token'], token);
        assert.deepEqual(event.queryStringParameters, { q: '1' });
        assert.equal(event.resource, '/rest/request');
        assert.equal(event.requestContext.stage, 'dev');
      }
    });

    test('HTTP API simple responses (payload 2.0): the event, authorizer.lambda as returned, Forbidden, Unauthorized, the cache', async () => {
      const token = `allow-simple-${mode}`;
      const response = await send(`${serve.url}/http/simple?x=1`, { headers: bearer(token) });
      assert.equal(response.status, 200, response.text);
      const { lambda } = authorizerOf(response) as { lambda: Record<string, unknown> };
      assert.deepEqual({ ...lambda, event: undefined }, { calls: 1, token, nested: { admin: true }, event: undefined });
      const event = JSON.parse(lambda.event as string) as Record<string, any>;
      assert.deepEqual([event.version, event.type, event.routeKey, event.rawPath, event.rawQueryString], ['2.0', 'REQUEST', 'GET /http/simple', '/http/simple', 'x=1']);
      assert.equal(event.routeArn, 'arn:aws:execute-api:us-east-1:123456789012:h7xmpl4w9c/$default/GET/http/simple');
      assert.deepEqual(event.identitySource, [token]);
      assert.equal(event.headers.authorization, token);
      const cached = await send(`${serve.url}/http/simple`, { headers: bearer(token) });
      assert.equal((authorizerOf(cached).lambda as Record<string, unknown>).calls, 1, 'cached for ReauthorizeEvery (300 s by default)');
      assert.equal(calls(token), 1);
      const denied = await send(`${serve.url}/http/simple`, { headers: bearer(`deny-simple-${mode}`) });
      assert.equal(denied.status, 403);
      assert.deepEqual(denied.json(), { message: 'Forbidden' });
      const missing = await send(`${serve.url}/http/simple`);
      assert.equal(missing.status, 401);
      assert.deepEqual(missing.json(), { message: 'Unauthorized' });
    });

    test('HTTP API IAM policies: payload 2.0 uncached, payload 1.0 with its own event', async () => {
      const token = `allow-p2-${mode}`;
      for (const expected of [1, 2]) {
        const response = await send(`${serve.url}/http/policy2`, { headers: bearer(token) });
        assert.equal(response.status, 200, response.text);
        assert.equal((authorizerOf(response).lambda as Record<string, unknown>).calls, expected, 'ReauthorizeEvery 0: no cache');
      }
      const deny = await send(`${serve.url}/http/policy2`, { headers: bearer(`deny-p2-${mode}`) });
      assert.equal(deny.status, 403);
      assert.deepEqual(deny.json(), { message: 'Forbidden' });
      const v1 = await send(`${serve.url}/http/policy1`, { headers: bearer(`allow-p1-${mode}`) });
      assert.equal(v1.status, 200, v1.text);
      const routeEvent = echo(v1.json());
      assert.equal(routeEvent.at('version'), '1.0');
      const lambda = routeEvent.at('requestContext.authorizer.lambda') as Record<string, unknown>;
      const event = JSON.parse(lambda.event as string) as Record<string, unknown>;
      assert.deepEqual([event.version, event.type, event.identitySource, event.authorizationToken], ['1.0', 'REQUEST', `allow-p1-${mode}`, `allow-p1-${mode}`]);
      assert.equal(event.methodArn, 'arn:aws:execute-api:us-east-1:123456789012:h7xmpl4w9c/$default/GET/http/policy1');
    });

    test('JWT (HTTP API): RS256 and ES256 tokens from the JWKS, claims and scopes in authorizer.jwt', async () => {
      for (const key of [rsa, ec]) {
        const token = await jwt(key, { iss: `${issuer.url}/issuer`, aud: 'local-app', sub: `user-${key.alg}`, scope: 'items/read profile' });
        const response = await send(`${serve.url}/http/jwt`, { headers: bearer(`Bearer ${token}`) });
        assert.equal(response.status, 200, `${key.alg}: ${response.text}`);
        const { jwt: seen } = authorizerOf(response) as { jwt: { claims: Record<string, string>; scopes: string[] } };
        assert.equal(seen.claims.sub, `user-${key.alg}`);
        assert.equal(seen.claims.aud, 'local-app');
        assert.equal(typeof seen.claims.exp, 'string');
        assert.deepEqual(seen.scopes, ['items/read', 'profile']);
      }
      const byClientId = await jwt(rsa, { iss: `${issuer.url}/issuer`, client_id: 'local-app', scope: 'items/read' });
      assert.equal((await send(`${serve.url}/http/jwt-scoped`, { headers: bearer(byClientId) })).status, 200, 'client_id stands for a missing aud; the route scope is there');
    });

    test('JWT (HTTP API): each bad token is a 401 with WWW-Authenticate, a missing scope a 403, a JWKS that does not answer a 401', async () => {
      const iss = `${issuer.url}/issuer`;
      const cases: Array<[string, string]> = [
        ['malformed', 'not.a.jwt'],
        ['wrong audience', await jwt(rsa, { iss, aud: 'another-app' })],
        ['expired', await jwt(ec, { iss, aud: 'local-app' }, { expiresIn: Math.floor(Date.now() / 1000) - 60 })],
        ['not yet valid', await jwt(rsa, { iss, aud: 'local-app' }, { notBefore: '5m' })],
        ['unknown issuer', await jwt(rsa, { iss: 'https://elsewhere.example', aud: 'local-app' })],
        ['signed by another key', await jwt(stranger, { iss, aud: 'local-app' })],
      ];
      const mark = serve.stderr().length;
      for (const [name, token] of cases) {
        const response = await send(`${serve.url}/http/jwt`, { headers: bearer(token) });
        assert.equal(response.status, 401, name);
        assert.deepEqual(response.json(), { message: 'Unauthorized' }, name);
        assert.match(String(response.headers['www-authenticate']), /^Bearer error="invalid_token"/, name);
      }
      assert.match(stderrSince(mark), /authorizer JwtAuth: the token has expired \(API Gateway answers 401\)/);
      const unscoped = await send(`${serve.url}/http/jwt-scoped`, { headers: bearer(await jwt(rsa, { iss, aud: 'local-app', scope: 'profile' })) });
      assert.equal(unscoped.status, 403);
      assert.deepEqual(unscoped.json(), { message: 'Forbidden' });
      const dead = await send(`${serve.url}/http/jwt-dead`, { headers: bearer(await jwt(rsa, { iss: `${issuer.url}/dead`, aud: 'local-app' })) });
      assert.equal(dead.status, 401);
      assert.match(stderrSince(mark), /authorizer DeadJwtAuth: cannot read the issuer's keys from .*\/dead\/.well-known\/openid-configuration/);
      assert.equal((await send(`${serve.url}/http/open`)).status, 200, 'still serving');
    });

    test('Cognito (REST): a pool token checked against --jwks-url, claims as strings in authorizer.claims', async () => {
      const token = await jwt(rsa, { iss: COGNITO_ISSUER, aud: 'some-app-client', token_use: 'id', email: 'a@example.com', email_verified: true });
      const response = await send(`${serve.url}/rest/cognito`, { headers: bearer(token) });
      assert.equal(response.status, 200, response.text);
      const { claims } = authorizerOf(response) as { claims: Record<string, string> };
      assert.deepEqual([claims.email, claims.email_verified, claims.token_use], ['a@example.com', 'true', 'id']);
      for (const headers of [[], bearer('garbage'), bearer(await jwt(stranger, { iss: COGNITO_ISSUER }))]) {
        const refused = await send(`${serve.url}/rest/cognito`, { headers });
        assert.equal(refused.status, 401);
        assert.deepEqual(refused.json(), { message: 'Unauthorized' });
      }
    });
  });
}
