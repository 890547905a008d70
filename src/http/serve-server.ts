/**
 * `emu serve`'s HTTP server: API routes (REST and HTTP API events), the
 * Lambda Invoke API on the same port, and one extra port per Function URL.
 * Each function runs in its own FunctionHost; the server only maps requests
 * to events and results to responses, and logs one line per request.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CodeSource } from '../build/index.js';
import type { EmulatorOptions } from '../emulator.js';
import type { CorsRule } from '../template/index.js';
import { gatewayPreflight, isPreflight, restMockPreflight, withGatewayCors } from './cors.js';
import { FunctionHost } from './function-host.js';
import { invokeStreamedFunctionUrl } from './function-url-stream.js';
import { handleStreamInvoke, STREAM_INVOKE_PATH } from './invoke-stream-api.js';
import { jsonMessage, noRoute, type GatewayResponse } from './gateway-response.js';
import { handleInvoke, INVOKE_PATH, serviceError } from './invoke-api.js';
import { BodyTooLargeError, readIncomingRequest, type IncomingRequest } from './incoming-request.js';
import { headersTimeoutMs, MAX_HEADER_BYTES, MAX_SYNC_REQUEST_BYTES, requestTimeoutMs } from './limits.js';
import { routeAuthorization } from './route-authorization.js';
import { invokeForRoute, type RouteAnswer } from './route-invocation.js';
import { Router, type Route } from './router.js';
import { monotonicMs } from '../measure/clock.js';

export interface ServedFunction {
  emulator: EmulatorOptions;
  /** What it runs: its code as written or its build (see openCodeSource), watched or not. */
  code: CodeSource;
  /** A second name the Invoke API answers to (the template's logical id). */
  alias?: string;
  routes: Array<Omit<Route, 'functionName'>>;
  functionUrl: boolean;
  /** The Function URL's CORS settings (FunctionUrlConfig.Cors). */
  functionUrlCors?: CorsRule;
  /** FunctionUrlConfig.InvokeMode RESPONSE_STREAM. */
  functionUrlStreaming?: boolean;
}

export interface ServeServerOptions {
  host: string;
  port: number;
  functions: ServedFunction[];
  region: string;
  accountId: string;
  /** The server's stderr: request lines, function logs (tagged), warnings. */
  writeLog(text: string): void;
  /** A promise while that stderr is full: functions' output then waits (see backPressure in emulator.ts). */
  logBackPressure?(): Promise<void> | undefined;
  /** --jwks-url: JWT issuers' key sets, by issuer. */
  jwksUrls?: Record<string, string>;
}

export interface ServeServer {
  url: string;
  routes: readonly Route[];
  functionUrls: Array<{ functionName: string; url: string }>;
  close(): Promise<void>;
}

export async function startServeServer(options: ServeServerOptions): Promise<ServeServer> {
  const hosts = new Map<string, FunctionHost>();
  const hostList = options.functions.map((fn) => {
    const host = new FunctionHost({ emulator: fn.emulator, code: fn.code, writeLog: options.writeLog, logBackPressure: options.logBackPressure });
    hosts.set(host.name, host);
    if (fn.alias !== undefined && !hosts.has(fn.alias)) hosts.set(fn.alias, host);
    return host;
  });
  await Promise.all(hostList.map((host) => host.start()));
  const router = new Router(options.functions.flatMap((fn, i) => fn.routes.map((route) => ({ ...route, functionName: (hostList[i] as FunctionHost).name }))));
  const authorize = routeAuthorization({ hosts, writeLog: options.writeLog, ...(options.jwksUrls === undefined ? {} : { jwksUrls: options.jwksUrls }) });
  const onlyRest = router.routes.length > 0 && router.routes.every((route) => route.api === 'rest');
  const servers: Server[] = [];
  const listen = async (port: number, handle: (request: IncomingRequest) => Promise<RouteAnswer>): Promise<string> => {
    const headersTimeout = headersTimeoutMs();
    // Node refuses a requestTimeout below the headersTimeout.
    const requestTimeout = Math.max(requestTimeoutMs(), headersTimeout);
    const server = createServer(
      // Node checks these timeouts only every connectionsCheckingInterval (30 s by default).
      { headersTimeout, requestTimeout, maxHeaderSize: MAX_HEADER_BYTES, connectionsCheckingInterval: Math.min(1000, headersTimeout) },
      (req, res) => void serveOne(req, res, handle, options.writeLog),
    );
    servers.push(server);
    return listenOn(server, options.host, port);
  };
  try {
    const url = await listen(options.port, async (request) => {
      if (STREAM_INVOKE_PATH.test(request.rawPath)) return handleStreamInvoke(request, { functions: hosts, region: options.region, accountId: options.accountId, writeLog: options.writeLog });
      if (INVOKE_PATH.test(request.rawPath)) {
        const answer = await handleInvoke(request, { functions: hosts, region: options.region, accountId: options.accountId, writeLog: options.writeLog });
        return answer.result === undefined ? { response: answer.response, functionName: answer.functionName } : { ...answer, result: answer.result };
      }
      const preflight = corsPreflight(router, request);
      if (preflight !== undefined) return { response: preflight };
      const match = router.match(request.method, request.rawPath);
      if (match === null) return { response: noRoute(onlyRest ? 'rest' : 'http') };
      const context = serverContext(request, options);
      const auth = await authorize(request, match, context);
      const answer = auth !== undefined && 'response' in auth ? { response: auth.response } : await invokeForRoute(request, match, hosts.get(match.route.functionName) as FunctionHost, context, options.writeLog, auth?.authorizer);
      const cors = match.route.cors;
      return cors !== undefined && cors.product === 'http' ? { ...answer, response: withGatewayCors(cors, request, answer.response) } : answer;
    });
    const functionUrls: ServeServer['functionUrls'] = [];
    let next = options.port === 0 ? 0 : options.port + 1;
    for (const [i, fn] of options.functions.entries()) {
      if (!fn.functionUrl) continue;
      const host = hostList[i] as FunctionHost;
      const cors = fn.functionUrlCors;
      const fnUrl = await listen(next, async (request) => {
        if (cors !== undefined && isPreflight(request)) return { response: gatewayPreflight(cors, request) };
        const answer = fn.functionUrlStreaming === true ? await invokeStreamedFunctionUrl(request, host, serverContext(request, options), options.writeLog) : await invokeForRoute(request, 'function-url', host, serverContext(request, options), options.writeLog);
        return cors === undefined ? answer : { ...answer, response: withGatewayCors(cors, request, answer.response) };
      });
      functionUrls.push({ functionName: host.name, url: fnUrl });
      if (next !== 0) next++;
    }
    return { url, routes: router.routes, functionUrls, close: () => closeAll(servers, hostList) };
  } catch (error) {
    await closeAll(servers, hostList);
    throw error;
  }
}

/**
 * The answer CORS gives before any route: an HTTP API's to a preflight on any path (its
 * routes' rule, else the API's), or the OPTIONS method SAM adds to a REST API path with
 * Cors unless the template defines OPTIONS there itself.
 */
function corsPreflight(router: Router, request: IncomingRequest): GatewayResponse | undefined {
  if (request.method !== 'OPTIONS') return undefined;
  const onPath = router.routesForPath(request.rawPath);
  const rest = onPath.filter((route) => route.api === 'rest');
  const restRule = rest.find((route) => route.cors !== undefined)?.cors;
  if (restRule !== undefined && !rest.some((route) => route.method === 'OPTIONS')) {
    return restMockPreflight(restRule, rest.map((route) => route.method));
  }
  if (!isPreflight(request)) return undefined;
  // A path no route has (an HTTP API's $default route aside) is the API's: emu serves every API on one port, so any HTTP API's rule.
  const candidates = onPath.length > 0 ? onPath : router.routes;
  const httpRule = candidates.find((route) => route.api === 'http' && route.cors !== undefined)?.cors;
  return httpRule === undefined ? undefined : gatewayPreflight(httpRule, request);
}

async function serveOne(req: IncomingMessage, res: ServerResponse, handle: (request: IncomingRequest) => Promise<RouteAnswer>, writeLog: (text: string) => void): Promise<void> {
  const started = monotonicMs();
  let answer: RouteAnswer;
  try {
    // API Gateway takes 10 MB, but no body past Lambda's 6 MiB can be invoked: refuse it as soon as it is seen.
    answer = await handle(await readIncomingRequest(req, MAX_SYNC_REQUEST_BYTES));
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      // The rest of the body is discarded, not kept, and the connection closes once the 413 is out.
      const response = tooLarge(req.url ?? '/');
      answer = { response: { ...response, headers: [...response.headers, ['connection', 'close']] } };
    } else if (req.socket.destroyed) return; // the client left before sending its whole request
    else {
      writeLog(`emu: internal error while serving ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}\n`);
      answer = { response: jsonMessage(500, 'Internal server error') };
    }
  }
  const { response } = answer;
  // Logged before answering, so the line is there by the time the client has its response.
  writeLog(accessLine(req, response, answer, monotonicMs() - started));
  if (answer.streamed !== undefined) {
    return answer.streamed.pipeTo(res, response).catch((error: unknown) => {
      writeLog(`emu: internal error while streaming ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}\n`);
      res.destroy();
    });
  }
  try {
    writeResponse(res, response);
  } catch (error) {
    // The mappers only hand over sendable headers; should one slip through, this request fails, not the server.
    writeLog(`emu: internal error while answering ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}\n`);
    if (res.headersSent) res.destroy();
    else writeResponse(res, jsonMessage(500, 'Internal server error'));
  }
}

/** The Invoke API refuses in Lambda's REST-JSON shape, an API route in API Gateway's. */
function tooLarge(url: string): GatewayResponse {
  if (!INVOKE_PATH.test(url.split('?')[0] as string)) return jsonMessage(413, 'Request Entity Too Large');
  return serviceError(413, 'RequestTooLargeException', `Request must be smaller than ${MAX_SYNC_REQUEST_BYTES} bytes for the InvokeFunction operation`);
}

function writeResponse(res: ServerResponse, response: GatewayResponse): void {
  const flat: string[] = [];
  for (const [name, value] of response.headers) flat.push(name, value);
  // A 204 carries no body and no Content-Length, a 304 no body (RFC 9110 §8.6, §15.4.5).
  const bodyless = response.statusCode === 204 || response.statusCode === 304;
  if (!bodyless) flat.push('content-length', String(response.body.length));
  res.writeHead(response.statusCode, flat);
  res.end(bodyless ? undefined : response.body);
}

function accessLine(req: IncomingMessage, response: GatewayResponse, answer: RouteAnswer, ms: number): string {
  const fn = answer.functionName ?? '-';
  const start = answer.result === undefined ? '' : answer.result.metrics.coldStart ? ' cold' : ' warm';
  return `${req.method} ${req.url} ${response.statusCode} ${fn} ${ms.toFixed(1)} ms${start}\n`;
}

function serverContext(request: IncomingRequest, options: ServeServerOptions): { accountId: string; region: string; domainName: string; port: number } {
  const hostHeader = request.rawHeaders.find(([name]) => name.toLowerCase() === 'host')?.[1] ?? `${options.host}:${options.port}`;
  const port = Number(hostHeader.split(':').pop());
  return { accountId: options.accountId, region: options.region, domainName: hostHeader, port: Number.isInteger(port) ? port : 80 };
}

function listenOn(server: Server, host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      resolve(`http://${shown}:${address.port}`);
    });
  });
}

async function closeAll(servers: Server[], hosts: FunctionHost[]): Promise<void> {
  await Promise.all(
    servers.map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    ),
  );
  await Promise.all(hosts.map((host) => host.close()));
}
