/**
 * A fake Lambda API on loopback for the --remote tests: Invoke with faults
 * chosen by the event (throttle, 500, dropped connections, slow answers), and
 * GetFunctionConfiguration / UpdateFunctionConfiguration with LastUpdateStatus
 * going InProgress → Successful, for the --cold configuration dance. It counts
 * every attempt and every answer per event, so tests can check that nothing
 * was answered twice.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'throttle-once' | '500-once' | 'drop-once' | 'always-500' | 'always-throttle' | 'slow' | 'drop-mid-body';

export interface FakeEvent {
  n: number;
  fault?: Fault;
}

export interface FunctionConfiguration {
  FunctionName: string;
  MemorySize: number;
  Timeout: number;
  Environment: { Variables: Record<string, string> };
  LastUpdateStatus: 'Successful' | 'InProgress' | 'Failed';
}

export interface FakeLambda {
  url: string;
  /** Attempts that reached the fake, per event n. */
  attempts: Map<number, number>;
  /** 200 answers written whole, per event n. */
  answered: Map<number, number>;
  configuration: FunctionConfiguration;
  /** Invocations that arrived while an update was InProgress (a --cold that did not wait). */
  invokedWhileUpdating: number;
  /** Every UpdateFunctionConfiguration body, in order. */
  updates: Array<Record<string, unknown>>;
  /** Fail the nth UpdateFunctionConfiguration (1-based) with a 400, or make it end in LastUpdateStatus Failed. */
  failUpdate?: { at: number; how: 'refuse' | 'status-failed' };
  close(): Promise<void>;
}

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;
const CONFIGURATION = /^\/2015-03-31\/functions\/([^/]+)\/configuration$/;

/** answerDelayMs: every answer written that long after its request arrived (a slow service), 'slow' events 3 s. */
export async function startFakeLambda(options: { updateStepsInProgress?: number; answerDelayMs?: number } = {}): Promise<FakeLambda> {
  const slowTimers = new Set<NodeJS.Timeout>();
  let warm = false;
  let pendingPolls = 0;
  const fake: FakeLambda = {
    url: '',
    attempts: new Map(),
    answered: new Map(),
    invokedWhileUpdating: 0,
    configuration: { FunctionName: 'fake-fn', MemorySize: 256, Timeout: 30, Environment: { Variables: { KEEP: 'me' } }, LastUpdateStatus: 'Successful' },
    updates: [],
    close: async () => {
      for (const timer of slowTimers) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const invoke = (event: FakeEvent, response: ServerResponse): void => {
    if (fake.configuration.LastUpdateStatus === 'InProgress') fake.invokedWhileUpdating += 1;
    const attempt = (fake.attempts.get(event.n) ?? 0) + 1;
    fake.attempts.set(event.n, attempt);
    const fault = event.fault;
    if ((fault === 'throttle-once' && attempt === 1) || fault === 'always-throttle') return refuse(response, 429, 'TooManyRequestsException', 'Rate exceeded');
    if ((fault === '500-once' && attempt === 1) || fault === 'always-500') return refuse(response, 500, 'ServiceException', 'the fake failed');
    if (fault === 'drop-once' && attempt === 1) return void response.socket?.destroy();
    if (fault === 'drop-mid-body') {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"n":');
      setTimeout(() => response.socket?.destroy(), 20).unref();
      return;
    }
    const cold = !warm;
    warm = true;
    const answer = (): void => {
      const report = `REPORT RequestId: 00000000-0000-4000-8000-${String(event.n).padStart(12, '0')}\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: ${fake.configuration.MemorySize} MB\tMax Memory Used: 70 MB${cold ? '\tInit Duration: 150.25 ms' : ''}\t\n`;
      const tail = Buffer.from(`START RequestId: x Version: $LATEST\nfake log line ${event.n}\nEND RequestId: x\n${report}`).toString('base64');
      response.writeHead(200, { 'content-type': 'application/json', 'x-amzn-RequestId': `req-${event.n}-${attempt}`, 'X-Amz-Log-Result': tail });
      response.end(JSON.stringify({ n: event.n }));
      fake.answered.set(event.n, (fake.answered.get(event.n) ?? 0) + 1);
    };
    const delayMs = fault === 'slow' ? 3000 : (options.answerDelayMs ?? 0);
    if (delayMs === 0) return answer();
    const timer = setTimeout(() => (slowTimers.delete(timer), response.destroyed || answer()), delayMs);
    slowTimers.add(timer);
    response.on('close', () => (clearTimeout(timer), slowTimers.delete(timer)));
  };
  const update = (body: Record<string, unknown>, response: ServerResponse): void => {
    fake.updates.push(body);
    if (fake.configuration.LastUpdateStatus === 'InProgress') return refuse(response, 409, 'ResourceConflictException', 'An update is in progress for resource');
    if (fake.failUpdate?.at === fake.updates.length && fake.failUpdate.how === 'refuse') return refuse(response, 400, 'InvalidParameterValueException', 'the fake refused this update');
    const environment = body.Environment as FunctionConfiguration['Environment'] | undefined;
    if (environment !== undefined) fake.configuration.Environment = { Variables: { ...environment.Variables } };
    warm = false;
    fake.configuration.LastUpdateStatus = 'InProgress';
    pendingPolls = options.updateStepsInProgress ?? 2;
    const endsFailed = fake.failUpdate?.at === fake.updates.length && fake.failUpdate.how === 'status-failed';
    (fake as { endsFailed?: boolean }).endsFailed = endsFailed;
    sendJson(response, 200, fake.configuration);
  };
  const getConfiguration = (response: ServerResponse): void => {
    if (fake.configuration.LastUpdateStatus === 'InProgress' && pendingPolls-- <= 0) {
      fake.configuration.LastUpdateStatus = (fake as { endsFailed?: boolean }).endsFailed === true ? 'Failed' : 'Successful';
    }
    sendJson(response, 200, fake.configuration);
  };
  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      const body = Buffer.concat(chunks).toString('utf8');
      if (INVOKE.test(url) && request.method === 'POST') return invoke(JSON.parse(body) as FakeEvent, response);
      if (CONFIGURATION.test(url) && request.method === 'GET') return getConfiguration(response);
      if (CONFIGURATION.test(url) && request.method === 'PUT') return update(JSON.parse(body) as Record<string, unknown>, response);
      refuse(response, 404, 'ResourceNotFoundException', `no route ${request.method} ${url}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

function refuse(response: ServerResponse, status: number, type: string, message: string): void {
  response.writeHead(status, { 'content-type': 'application/json', 'x-amzn-ErrorType': type });
  response.end(JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message }));
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(value));
}
