/** emu serve's side of the soak: one event as an HTTP request, and its response as an answer. */
import { type Agent, request } from 'node:http';
import { EXPECTED, type EventKind, expectsError, type SoakEvent } from './soak-mix.js';
import { type Answer, answerOfPayload, API_GATEWAY_ERROR } from './soak-tally.js';

export interface Response {
  status: number;
  functionError: string | undefined;
  body: string;
}

/** One soak event as a request: through the Invoke API (the event as body) or the API Gateway route (?fault=). */
export function send(url: string, agent: Agent, event: SoakEvent, viaApiGateway: boolean, timeoutMs: number): Promise<Response> {
  const target = viaApiGateway ? `${url}/soak?fault=${event.kind}&n=${event.index}` : `${url}/2015-03-31/functions/faults/invocations`;
  return new Promise((resolve, reject) => {
    const req = request(target, { agent, method: viaApiGateway ? 'GET' : 'POST', timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, functionError: res.headers['x-amz-function-error'] as string | undefined, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(viaApiGateway ? undefined : event.json);
  });
}

/** API Gateway shows no errorType: a function error is 502 {"message":"Internal server error"}. */
export function apiGatewayAnswer(response: Response): Answer {
  if (response.status === 200) return { errorType: 'ok' };
  if (response.status === 502 && response.body.includes('Internal server error')) return { errorType: API_GATEWAY_ERROR };
  return { errorType: `HTTP ${response.status}`, errorMessage: response.body.slice(0, 160) };
}

/** The Invoke API: 200, and X-Amz-Function-Error: Unhandled exactly when the body is an error payload. */
export function invokeAnswer(response: Response): Answer {
  if (response.status !== 200) return { errorType: `HTTP ${response.status}`, errorMessage: response.body.slice(0, 160) };
  let answer: Answer;
  try {
    answer = answerOfPayload(JSON.parse(response.body));
  } catch {
    return { errorType: '(body not JSON)', errorMessage: response.body.slice(0, 160) };
  }
  const errorHeader = response.functionError === 'Unhandled';
  return errorHeader === (answer.errorType !== 'ok') ? answer : { errorType: `X-Amz-Function-Error ${response.functionError ?? 'missing'} for ${answer.errorType}` };
}

export function allowedThroughApiGateway(kind: EventKind): (answer: Answer) => boolean {
  const okAllowed = !expectsError(kind);
  const errorAllowed = EXPECTED[kind].some((o) => o.errorType !== 'ok');
  return (answer) => (answer.errorType === 'ok' ? okAllowed : answer.errorType === API_GATEWAY_ERROR && errorAllowed);
}
