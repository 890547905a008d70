// emu serve's Function URLs with InvokeMode RESPONSE_STREAM, from a real HTTP client: the head
// from HttpResponseStream.from's prelude, the body as it is written, back-pressure from a slow
// client, errors before and after the first byte.
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { assertNoProcessLeft, FIXTURES } from './helpers.js';
import { startServe, type RunningServe } from './serve-helpers.js';

const TEMPLATE = path.join(FIXTURES, 'streaming', 'template.yaml');
let serve: RunningServe;

before(async () => {
  serve = await startServe(['--template', TEMPLATE, '--no-credentials']);
});

after(async () => {
  await serve.stop();
  assertNoProcessLeft();
});

function urlOf(functionName: string): string {
  const found = serve.functionUrls.find((fn) => fn.functionName === functionName);
  assert.ok(found !== undefined, `${functionName} has a Function URL`);
  return found.url;
}

interface Received {
  res: IncomingMessage;
  chunks: Buffer[];
  /** The response ended properly (false: the connection was cut mid-body). */
  complete: boolean;
}

/** GETs url, reading each chunk after delayMs; bounded at 60 s so that a hang fails. */
function get(url: string, options: { delayMs?: number; headers?: Record<string, string> } = {}): Promise<Received> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: options.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      let complete = false;
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if ((options.delayMs ?? 0) > 0) {
          res.pause();
          setTimeout(() => res.resume(), options.delayMs);
        }
      });
      res.once('end', () => (complete = true));
      res.once('close', () => {
        clearTimeout(timer);
        resolve({ res, chunks, complete: complete && res.complete });
      });
      res.once('error', () => {});
    });
    const timer = setTimeout(() => req.destroy(new Error(`no complete answer from ${url} within 60 s`)), 60_000);
    req.once('error', reject);
    req.end();
  });
}

test('the first write reaches the client before the handler ends (write, 300 ms, write); chunked, 200, the stream\'s content type', async () => {
  for (const start of ['cold', 'warm']) {
    const { res, chunks, complete } = await get(`${urlOf('Paced')}/`);
    assert.equal(res.statusCode, 200, start);
    assert.equal(res.headers['transfer-encoding'], 'chunked');
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.ok(complete);
    assert.equal(chunks[0]?.toString(), 'first,', `${start}: the first write came on its own`);
    assert.equal(Buffer.concat(chunks).toString(), 'first,second');
  }
});

test('HttpResponseStream.from: status, headers and cookies from the prelude, the body after its delimiter, the URL\'s CORS kept', async () => {
  const { res, chunks } = await get(`${urlOf('Http')}/`, { headers: { origin: 'http://page.test' } });
  assert.equal(res.statusCode, 201);
  assert.equal(res.headers['x-custom'], 'yes');
  assert.deepEqual(res.headers['set-cookie'], ['a=1']);
  assert.equal(res.headers['access-control-allow-origin'], 'http://page.test');
  assert.equal(Buffer.concat(chunks).toString(), 'hello world', 'no prelude byte in the body');
});

test('a 24 MB body arrives byte for byte; a slow client holds the handler back', async () => {
  const sizeBytes = 24 * 1024 * 1024;
  const { chunks, complete } = await get(`${urlOf('Large')}/?size=${sizeBytes}`);
  assert.ok(complete);
  const body = Buffer.concat(chunks);
  assert.equal(body.length, sizeBytes);
  let mismatch = -1;
  for (let i = 0; i < sizeBytes; i++) {
    if (body[i] !== i % 251) {
      mismatch = i;
      break;
    }
  }
  assert.equal(mismatch, -1, 'byte-exact');
  const slow = await get(`${urlOf('Large')}/?size=${4 * 1024 * 1024}`, { delayMs: 5 });
  assert.equal(Buffer.concat(slow.chunks).length, 4 * 1024 * 1024);
  const waits = [...serve.stderr().matchAll(/drain waits: (\d+)/g)].map((m) => Number(m[1]));
  assert.ok((waits.at(-1) ?? 0) > 0, `the handler waited for drain under a slow client: ${waits.join(', ')}`);
});

test('an error after the first byte cuts the response (no last chunk); one before any byte is a 502', async () => {
  const cut = await get(`${urlOf('FailsMidStream')}/`);
  assert.equal(cut.res.statusCode, 200);
  assert.equal(Buffer.concat(cut.chunks).toString(), 'partial');
  assert.equal(cut.complete, false, 'the client sees the body did not end');
  assert.match(serve.stderr(), /FailsMidStream: the function failed mid-stream: Error/);
  const early = await get(`${urlOf('ThrowsBeforeWriting')}/`);
  assert.equal(early.res.statusCode, 502);
  assert.deepEqual(JSON.parse(Buffer.concat(early.chunks).toString()), { message: 'Internal server error' });
  const again = await get(`${urlOf('FailsMidStream')}/`);
  assert.equal(Buffer.concat(again.chunks).toString(), 'partial', 'the server and the function go on');
});

test('InvokeWithResponseStream through @aws-sdk/client-lambda: PayloadChunk events as written, then InvokeComplete with the error and the log tail', async () => {
  const { LambdaClient, InvokeWithResponseStreamCommand } = await import('@aws-sdk/client-lambda');
  const client = new LambdaClient({ endpoint: serve.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  try {
    const read = async (functionName: string, logType?: 'Tail') => {
      const answer = await client.send(new InvokeWithResponseStreamCommand({ FunctionName: functionName, Payload: Buffer.from('{}'), ...(logType === undefined ? {} : { LogType: logType }) }));
      const chunks: string[] = [];
      let complete: { ErrorCode?: string; ErrorDetails?: string; LogResult?: string } | undefined;
      for await (const event of answer.EventStream ?? []) {
        if (event.PayloadChunk?.Payload !== undefined) chunks.push(Buffer.from(event.PayloadChunk.Payload).toString());
        if (event.InvokeComplete !== undefined) complete = event.InvokeComplete;
      }
      return { answer, chunks, complete };
    };
    const paced = await read('Paced');
    assert.equal(paced.answer.StatusCode, 200);
    assert.equal(paced.answer.ExecutedVersion, '$LATEST');
    assert.equal(paced.chunks[0], 'first,', 'the first write is its own PayloadChunk');
    assert.equal(paced.chunks.join(''), 'first,second');
    assert.ok(paced.complete !== undefined && paced.complete.ErrorCode === undefined, JSON.stringify(paced.complete));
    const failed = await read('FailsMidStream', 'Tail');
    assert.equal(failed.chunks.join(''), 'partial');
    assert.equal(failed.complete?.ErrorCode, 'Error');
    assert.equal(failed.complete?.ErrorDetails, 'broke mid-stream');
    assert.match(Buffer.from(failed.complete?.LogResult ?? '', 'base64').toString(), /broke mid-stream[\s\S]*REPORT RequestId/);
  } finally {
    client.destroy();
  }
});
