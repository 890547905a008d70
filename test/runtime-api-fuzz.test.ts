// Whatever a sandbox sends the Runtime API (malformed request lines, escapes, framing, truncated or
// oversized bodies, slow connections), the server answers 4xx or closes the connection, never throws,
// and the runtime's own /next and /response go on working. Raw sockets against a real server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import path from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import fc from 'fast-check';
import { RuntimeApiServer, type RuntimeApiHooks } from '../src/runtime-api/runtime-api-server.js';
import { assertNoProcessLeft, FIXTURES, withEmulator } from './helpers.js';
import { checkAnswer, LIMIT_BYTES, rawRequest, requestBytes, sendRaw } from './runtime-api-raw-requests.js';

// 150 cases of 1-3 raw requests each, in a few seconds; FUZZ_RUNS=3000 for a deeper search.
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 150);

const uncaught: unknown[] = [];
const recordUncaught = (error: unknown): void => void uncaught.push(error);
process.on('uncaughtException', recordUncaught);
process.on('unhandledRejection', recordUncaught);
beforeEach(() => {
  uncaught.length = 0;
});
after(() => {
  process.off('uncaughtException', recordUncaught);
  process.off('unhandledRejection', recordUncaught);
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function call(address: string, method: string, urlPath: string, body?: string | Buffer): Promise<Reply> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path: `/2018-06-01${urlPath}`, agent: false, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${urlPath}`)));
    req.on('error', reject);
    req.end(body);
  });
}

function recordingServer(overrides: Partial<RuntimeApiHooks> = {}): { server: RuntimeApiServer; events: string[] } {
  const events: string[] = [];
  const hooks: RuntimeApiHooks = {
    onNext: () => events.push('next'),
    onDelivered: (id) => events.push(`delivered ${id}`),
    onResponse: (id, body) => events.push(`response ${id} ${body.toString()}`),
    onError: (id, body) => events.push(`error ${id} ${body.length}`),
    onInitError: (body) => events.push(`init-error ${body.length}`),
    onResponseTooLarge: (id, size) => events.push(`too-large ${id} ${size}`),
    onResponseStream: (id, stream) => {
      events.push(`stream ${id}`);
      stream.discard();
    },
    ...overrides,
  };
  return { server: new RuntimeApiServer(hooks), events };
}

function invocation(requestId: string): Parameters<RuntimeApiServer['deliver']>[0] {
  return { requestId, eventJson: '{"n":1}', timeoutMs: 3000, invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f', traceId: 'Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700' };
}

/** The runtime's side of handing out an invocation: /next is on the server before the event is delivered. */
async function startInvocation(server: RuntimeApiServer, address: string, events: string[]): Promise<string> {
  const requestId = randomUUID();
  for (let attempt = 0; ; attempt++) {
    const seen = events.length;
    const next = call(address, 'GET', '/runtime/invocation/next');
    // A /next a fuzz client left behind holds the slot until the server sees its connection close: 403 meanwhile.
    const first = await Promise.race([next, waitFor(() => events.indexOf('next', seen) >= 0).then(() => null)]);
    if (first !== null) {
      assert.equal(first.status, 403, first.body);
      assert.ok(attempt < 100, 'a closed /next still held the slot after 2 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
      continue;
    }
    server.deliver(invocation(requestId));
    const reply = await next;
    assert.equal(reply.status, 200, reply.body);
    assert.equal(reply.headers['lambda-runtime-aws-request-id'], requestId);
    return requestId;
  }
}

async function answer(address: string, events: string[], requestId: string): Promise<void> {
  const posted = await call(address, 'POST', `/runtime/invocation/${requestId}/response`, `{"id":"${requestId}"}`);
  assert.equal(posted.status, 202, posted.body);
  assert.ok(events.includes(`response ${requestId} {"id":"${requestId}"}`), 'the answer reached the hook');
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

describe('Runtime API server under arbitrary requests', () => {
  test('every generated request gets 4xx or a closed connection; the runtime exchange around it still works', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(rawRequest, { minLength: 1, maxLength: 3 }), fc.boolean(), async (generated, inFlight) => {
        // A server per case, so that a failure is shrunk on its own and not on what an earlier case left.
        const { server, events } = recordingServer();
        const address = await server.listen();
        try {
          const started = inFlight ? await startInvocation(server, address, events) : null;
          for (const raw of generated) checkAnswer(await sendRaw(address, requestBytes(raw), raw.cutAt === undefined ? 'wait' : raw.ending), raw.method);
          if (events.some((event) => event.startsWith('init-error'))) {
            // An /init/error before the first /next was accepted: RIE's runtime is in InitError, its /next refused.
            const refused = await call(address, 'GET', '/runtime/invocation/next');
            assert.equal(refused.status, 403, refused.body);
            assert.equal((JSON.parse(refused.body) as { errorType: string }).errorType, 'InvalidStateTransition');
          } else {
            await answer(address, events, started ?? (await startInvocation(server, address, events)));
          }
          assert.deepEqual(uncaught, []);
        } finally {
          server.close();
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('Runtime API server regressions', () => {
  test('a malformed escape in the request id (%E0%A4%A) gets 400 InvalidRequestID from inside a real sandbox; the invocation answers, emu survives', async () => {
    await withEmulator({ handler: 'posts-bad-escape.handler' }, async ({ emulator }) => {
      const first = await emulator.invoke({});
      assert.equal(first.status, 'ok', first.payloadJson);
      assert.deepEqual(first.payload, { status: 400, body: { errorType: 'InvalidRequestID', errorMessage: 'Invalid request ID' } });
      const second = await emulator.invoke({});
      assert.equal(second.status, 'ok');
      assert.equal(second.metrics.coldStart, false, 'the same sandbox goes on serving');
    });
    assert.deepEqual(uncaught, []);
  });

  test('the query string is ignored, an absolute-form target routed by its path, a wrong method gets 405, a route that does not exist 404, as RIE routes', async () => {
    const { server, events } = recordingServer();
    const address = await server.listen();
    try {
      assert.equal((await call(address, 'PUT', '/runtime/invocation/next')).status, 405);
      const wrongMethod = await call(address, 'GET', '/runtime/invocation/some-id/response');
      assert.equal(wrongMethod.status, 405);
      assert.equal(wrongMethod.headers.allow, 'POST');
      assert.equal((await call(address, 'GET', '/runtime/invocation/next/x')).status, 404);
      const next = call(address, 'GET', '/runtime/invocation/next?from=fuzz');
      await waitFor(() => events.includes('next'));
      server.deliver(invocation('with-query'));
      assert.equal((await next).status, 200);
      assert.equal((await call(address, 'POST', '/runtime/invocation/with-query/response?x=%zz', '1')).status, 202);
      const absolute = await sendRaw(address, Buffer.from(`POST http://${address}/2018-06-01/runtime/invocation/gone/response HTTP/1.1\r\nHost: ${address}\r\nConnection: close\r\nContent-Length: 1\r\n\r\n1`), 'wait');
      assert.match(absolute.toString(), /^HTTP\/1\.1 400 .*"InvalidRequestID"/s, 'an absolute-form target is routed by its path');
    } finally {
      server.close();
    }
  });

  test('slowloris connections, in the headers and in the body, do not stop the runtime being served', async () => {
    const { server, events } = recordingServer();
    const address = await server.listen();
    const [host, port] = address.split(':');
    const slow: Socket[] = [];
    const heads = ['POST /2018-06-01/runtime/invocation/', 'POST /2018-06-01/runtime/init/error HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n'];
    for (let i = 0; i < 40; i++) {
      const socket = connect({ host, port: Number(port) });
      socket.on('error', () => {});
      socket.write(heads[i % 2] as string);
      slow.push(socket);
    }
    const drip = setInterval(() => slow.forEach((socket) => socket.write('a')), 10);
    try {
      for (let i = 0; i < 5; i++) await answer(address, events, await startInvocation(server, address, events));
      assert.ok(slow.every((socket) => !socket.destroyed), 'the slow clients were still connected throughout');
    } finally {
      clearInterval(drip);
      slow.forEach((socket) => socket.destroy());
      server.close();
    }
    assert.deepEqual(uncaught, []);
  });

  test('an /error body past 6,291,556 bytes gets 413 and is not reported (the invocation ends by its timeout, as RIE); /init/error is bounded too', async () => {
    const { server, events } = recordingServer();
    const address = await server.listen();
    try {
      const oversized = await startInvocation(server, address, events);
      const refused = await call(address, 'POST', `/runtime/invocation/${oversized}/error`, Buffer.alloc(LIMIT_BYTES + 1, 0x61));
      assert.equal(refused.status, 413);
      assert.deepEqual(JSON.parse(refused.body), { errorType: 'RequestEntityTooLarge', errorMessage: `Exceeded maximum allowed payload size (${LIMIT_BYTES} bytes).` });
      assert.deepEqual(events.filter((event) => /^(error|too-large)/.test(event)), [], 'nothing reported for it');
      assert.equal((await call(address, 'POST', `/runtime/invocation/${oversized}/error`, '{}')).status, 403, 'it was consumed: the state moved on, as RIE\'s does');
      const fits = await startInvocation(server, address, events);
      assert.equal((await call(address, 'POST', `/runtime/invocation/${fits}/error`, Buffer.alloc(LIMIT_BYTES, 0x61))).status, 202);
      assert.ok(events.includes(`error ${fits} ${LIMIT_BYTES}`));
    } finally {
      server.close();
    }
    // /init/error is allowed only before the first /next: a server of its own.
    const starting = recordingServer();
    const startingAddress = await starting.server.listen();
    try {
      const init = await call(startingAddress, 'POST', '/runtime/init/error', Buffer.alloc(LIMIT_BYTES + 1, 0x61));
      assert.equal(init.status, 202, 'the init fails either way');
      assert.ok(starting.events.some((event) => /^init-error \d{2,3}$/.test(event)), 'reported with a short placeholder body, not the 6 MB');
    } finally {
      starting.server.close();
    }
  });

  test('an answer cut short is not delivered: a second post is refused (403, its state moved on) and the invocation ends by its timeout, as RIE', async () => {
    const runtimeClient = path.join(FIXTURES, 'fake-runtimes', 'truncated-answer.mjs');
    await withEmulator({ handler: 'fake.handler', runtimeClient, timeoutSeconds: 1 }, async ({ emulator, output }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Sandbox.Timedout', result.payloadJson);
      assert.match(output(), /repost status 403/);
    });
  });

  test('a /next sent with a body cut short gives its slot back when its client goes (found at 1,500 runs, seed 1890932273)', async () => {
    const { server, events } = recordingServer();
    const address = await server.listen();
    try {
      const head = 'GET /2018-06-01/runtime/invocation/next HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
      await sendRaw(address, Buffer.from(`${head}${(LIMIT_BYTES).toString(16)}\r\n${'a'.repeat(19_000)}`), 'end');
      await answer(address, events, await startInvocation(server, address, events));
    } finally {
      server.close();
    }
  });

  test('a hook that throws is reported and that request gets RIE\'s 500; the server and the next invocation go on', async () => {
    const failures: unknown[] = [];
    const thrown = new Set<string>();
    const throwOnce = (name: string): void => {
      if (thrown.has(name)) return;
      thrown.add(name);
      throw new Error(`${name} bug`);
    };
    const { server, events } = recordingServer({
      onNext: () => {
        events.push('next');
        throwOnce('onNext');
      },
      onResponse: (id, body) => {
        throwOnce('onResponse');
        events.push(`response ${id} ${body.toString()}`);
      },
      onServerError: (error) => failures.push(error),
    });
    const address = await server.listen();
    try {
      const failed = await call(address, 'GET', '/runtime/invocation/next');
      assert.equal(failed.status, 500);
      assert.deepEqual(JSON.parse(failed.body), { errorType: 'InternalServerError', errorMessage: 'Internal Server Error' });
      const first = await startInvocation(server, address, events);
      assert.equal((await call(address, 'POST', `/runtime/invocation/${first}/response`, '1')).status, 202, 'answered before the hook ran');
      assert.deepEqual(failures.map(String), ['Error: onNext bug', 'Error: onResponse bug']);
      await answer(address, events, await startInvocation(server, address, events));
    } finally {
      server.close();
    }
    assert.deepEqual(uncaught, []);
    assertNoProcessLeft();
  });
});
