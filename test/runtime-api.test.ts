// The Runtime API server, spoken to over real sockets as any runtime client would, and another runtime client running in a sandbox.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { RuntimeApiServer, type RuntimeApiHooks } from '../src/runtime-api/runtime-api-server.js';
import { withEmulator } from './helpers.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(address: string, method: string, urlPath: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Reply> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path: `/2018-06-01${urlPath}`, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function recordingServer(): { server: RuntimeApiServer; events: string[] } {
  const events: string[] = [];
  const hooks: RuntimeApiHooks = {
    onNext: () => events.push('next'),
    onDelivered: (id) => events.push(`delivered ${id}`),
    onResponse: (id, body) => events.push(`response ${id} ${body.toString()}`),
    onError: (id, body, errorType) => events.push(`error ${id} ${errorType} ${body.toString()}`),
    onInitError: (body, errorType) => events.push(`init-error ${errorType} ${body.toString()}`),
    onResponseTooLarge: (id, size) => events.push(`too-large ${id} ${size}`),
    onResponseStream: (id, stream) => {
      events.push(`stream ${id}`);
      stream.discard();
    },
  };
  return { server: new RuntimeApiServer(hooks), events };
}

const invocation = {
  requestId: 'req-1',
  eventJson: '{"hello":"world"}',
  timeoutMs: 3000,
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f',
  traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1',
  clientContextJson: '{"client":{}}',
};

describe('Runtime API server', () => {
  test('/next long-polls and answers with the event and every header AWS sends', async () => {
    const { server, events } = recordingServer();
    const address = await server.listen();
    try {
      assert.match(address, /^127\.0\.0\.1:\d+$/);
      const next = call(address, 'GET', '/runtime/invocation/next');
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(events, ['next'], 'the runtime waits: nothing to deliver yet');
      const before = Date.now();
      server.deliver(invocation);
      const reply = await next;
      assert.equal(reply.status, 200);
      assert.equal(reply.body, '{"hello":"world"}');
      assert.equal(reply.headers['lambda-runtime-aws-request-id'], 'req-1');
      const deadline = Number(reply.headers['lambda-runtime-deadline-ms']);
      assert.ok(deadline >= before + 3000 && deadline <= Date.now() + 3000);
      assert.equal(reply.headers['lambda-runtime-invoked-function-arn'], invocation.invokedFunctionArn);
      assert.equal(reply.headers['lambda-runtime-trace-id'], invocation.traceId);
      assert.equal(reply.headers['lambda-runtime-client-context'], '{"client":{}}');
      assert.equal(reply.headers['lambda-runtime-cognito-identity'], undefined, 'empty headers are omitted');
      assert.equal(reply.headers['content-type'], 'application/json');
    } finally {
      server.close();
    }
  });

  test('/response answers 202, a wrong request id 400, a repeated answer 403 (as RIE), a /next in flight gets the event again', async () => {
    const { server, events } = recordingServer();
    const address = await server.listen();
    try {
      server.deliver(invocation);
      await call(address, 'GET', '/runtime/invocation/next');
      const early = await call(address, 'GET', '/runtime/invocation/next');
      assert.equal(early.status, 200, 'RIE sends the event in flight again');
      assert.equal(early.headers['lambda-runtime-aws-request-id'], 'req-1');
      assert.deepEqual(events.filter((e) => e.startsWith('delivered')), ['delivered req-1'], 'delivered once: its deadline stands');
      const wrong = await call(address, 'POST', '/runtime/invocation/other-id/response', '"x"');
      assert.equal(wrong.status, 400);
      assert.deepEqual(JSON.parse(wrong.body), { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' });
      const ok = await call(address, 'POST', '/runtime/invocation/req-1/response', '{"answer":42}');
      assert.equal(ok.status, 202);
      assert.deepEqual(JSON.parse(ok.body), { status: 'OK' });
      const again = await call(address, 'POST', '/runtime/invocation/req-1/response', '"twice"');
      assert.equal(again.status, 403);
      assert.equal(JSON.parse(again.body).errorType, 'InvalidStateTransition');
      assert.ok(events.includes('response req-1 {"answer":42}'));
      assert.ok(!events.some((e) => e.includes('twice')));
      const unknown = await call(address, 'GET', '/runtime/nope');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.body, '404 page not found\n', 'Go\'s plain-text 404, as RIE');
      const waiting = call(address, 'GET', '/runtime/invocation/next').catch(() => null); // a long poll, ended by close()
      while (events.filter((e) => e === 'next').length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      const stale = await call(address, 'POST', '/runtime/invocation/req-1/response', '"late"');
      assert.equal(stale.status, 400, 'after the next /next the old id is no longer current');
      server.close();
      await waiting;
    } finally {
      server.close();
    }
  });

  test('/error and /init/error pass the body through verbatim, with no header required (the error type is then Runtime.Unknown)', async () => {
    const { server, events } = recordingServer();
    const address = await server.listen();
    try {
      server.deliver(invocation);
      await call(address, 'GET', '/runtime/invocation/next');
      const error = await call(address, 'POST', '/runtime/invocation/req-1/error', 'not even json');
      assert.equal(error.status, 202);
      const lateInit = await call(address, 'POST', '/runtime/init/error', '{}');
      assert.equal(lateInit.status, 403, 'RIE allows /init/error only before the first /next');
      assert.deepEqual(events.filter((e) => e.includes('error')), ['error req-1 Runtime.Unknown not even json']);
    } finally {
      server.close();
    }
    const starting = recordingServer();
    const startingAddress = await starting.server.listen();
    try {
      const init = await call(startingAddress, 'POST', '/runtime/init/error', '{"errorType":"Runtime.X","errorMessage":"m"}');
      assert.equal(init.status, 202);
      assert.deepEqual(starting.events, ['init-error Runtime.Unknown {"errorType":"Runtime.X","errorMessage":"m"}']);
    } finally {
      starting.server.close();
    }
  });

  test('a response over 6,291,556 bytes gets 413 and the invocation fails; exactly the limit passes', async () => {
    const { server, events } = recordingServer();
    const address = await server.listen();
    try {
      server.deliver(invocation);
      await call(address, 'GET', '/runtime/invocation/next');
      const tooLarge = await call(address, 'POST', '/runtime/invocation/req-1/response', Buffer.alloc(6_291_557, 0x61));
      assert.equal(tooLarge.status, 413);
      assert.deepEqual(JSON.parse(tooLarge.body), { errorType: 'RequestEntityTooLarge', errorMessage: 'Exceeded maximum allowed payload size (6291556 bytes).' });
      assert.ok(events.includes('too-large req-1 6291557'));
      server.deliver({ ...invocation, requestId: 'req-2' });
      await call(address, 'GET', '/runtime/invocation/next');
      const fits = await call(address, 'POST', '/runtime/invocation/req-2/response', Buffer.alloc(6_291_556, 0x61));
      assert.equal(fits.status, 202);
    } finally {
      server.close();
    }
  });
});

test('another runtime client (plain fetch, no emu code) runs in a sandbox over the same API', async () => {
  const client = path.join(tmpdir(), `emu-fetch-runtime-${process.pid}.mjs`);
  writeFileSync(
    client,
    `const base = 'http://' + process.env.AWS_LAMBDA_RUNTIME_API + '/2018-06-01/runtime';
for (;;) {
  const next = await fetch(base + '/invocation/next');
  const id = next.headers.get('lambda-runtime-aws-request-id');
  const event = await next.json();
  await fetch(base + '/invocation/' + id + '/response', { method: 'POST', body: JSON.stringify({ doubled: event.n * 2, handler: process.env._HANDLER }) });
}
`,
  );
  await withEmulator({ handler: 'custom.handler', runtimeClient: client }, async ({ emulator }) => {
    const first = await emulator.invoke({ n: 21 });
    assert.deepEqual(first.payload, { doubled: 42, handler: 'custom.handler' });
    const second = await emulator.invoke({ n: 2 });
    assert.deepEqual(second.payload, { doubled: 4, handler: 'custom.handler' });
    assert.equal(second.metrics.coldStart, false);
  });
});
