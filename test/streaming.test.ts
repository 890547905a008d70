// Response streaming through the supervisor's API: a streaming handler's bytes over the real
// Runtime API socket, read by a caller's onResponseStream as they arrive (issue #15).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InvocationResult, ResponseStream, StreamEnding } from '../src/index.js';
import { FIXTURES, MODES, withEmulator, type TestEmulator } from './helpers.js';

const CODE_DIR = `${FIXTURES}streaming`;

interface Streamed {
  result: InvocationResult;
  body: Buffer;
  ending: StreamEnding;
  /** performance.now() at each chunk's arrival. */
  arrivals: number[];
}

/** Invokes with onResponseStream, reading each chunk after delayMs (a slow reader when > 0). */
async function invokeStreamed(t: TestEmulator, event: unknown, delayMs = 0): Promise<Streamed> {
  let reading: Promise<{ body: Buffer; ending: StreamEnding; arrivals: number[] }> | undefined;
  const onResponseStream = (stream: ResponseStream): void => {
    reading = (async () => {
      const chunks: Buffer[] = [];
      const arrivals: number[] = [];
      for await (const chunk of stream) {
        arrivals.push(performance.now());
        chunks.push(chunk);
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      return { body: Buffer.concat(chunks), ending: await stream.ended, arrivals };
    })();
  };
  const result = await t.emulator.invoke(event, { onResponseStream });
  assert.ok(reading !== undefined, 'onResponseStream was called');
  return { result, ...(await reading) };
}

function pattern(sizeBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) buffer[i] = i % 251;
  return buffer;
}

for (const mode of MODES) {
  const opts = (handler: string, timeoutSeconds = 10) => ({ codeDir: CODE_DIR, handler: `handlers.${handler}`, mode, timeoutSeconds });

  test(`${mode}: the first bytes reach the caller before the handler ends (write, 300 ms, write); metrics carry time to first byte and bytes`, async () => {
    await withEmulator(opts('paced'), async (t) => {
      for (let i = 0; i < 2; i++) {
        const { result, body, ending, arrivals } = await invokeStreamed(t, { pauseMs: 300 });
        assert.equal(body.toString(), 'first,second');
        assert.deepEqual(ending, { status: 'complete', bytesStreamed: 12 });
        assert.equal(result.status, 'ok');
        assert.ok(arrivals.length >= 2, 'two writes 300 ms apart arrive as two chunks');
        assert.ok((arrivals.at(-1) as number) - (arrivals[0] as number) >= 200, 'the first chunk came well before the last');
        assert.equal(result.metrics.bytesStreamed, 12);
        assert.ok(result.metrics.timeToFirstByteMs !== undefined && result.metrics.timeToFirstByteMs < result.metrics.durationMs);
        if (mode === 'warm') assert.equal(result.metrics.coldStart, i === 0);
      }
    });
  });

  test(`${mode}: a plain invoke of a streaming function returns the whole body as the payload`, async () => {
    await withEmulator(opts('paced'), async (t) => {
      const result = await t.emulator.invoke({ pauseMs: 10 });
      assert.equal(result.status, 'ok');
      assert.equal(result.payloadJson, 'first,second');
      assert.equal(result.metrics.bytesStreamed, 12);
    });
  });
}

test('a 32 MB body arrives byte for byte; a slow reader holds the handler back (back-pressure reaches its write())', async () => {
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.large', timeoutSeconds: 60 }, async (t) => {
    const sizeBytes = 32 * 1024 * 1024;
    const { body, ending, result } = await invokeStreamed(t, { sizeBytes });
    assert.equal(ending.status, 'complete');
    assert.equal(result.metrics.bytesStreamed, sizeBytes);
    assert.ok(body.equals(pattern(sizeBytes)), 'byte-exact');
    const slow = await invokeStreamed(t, { sizeBytes: 4 * 1024 * 1024 }, 5);
    assert.equal(slow.body.length, 4 * 1024 * 1024);
    const waits = [...t.output().matchAll(/drain waits: (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(waits.length, 2, t.output());
    assert.ok((waits[1] as number) > 0, `the handler waited for drain under a slow reader (${waits[1]} waits)`);
  });
});

test('100 MB arrive byte for byte, and the supervisor never holds more than a few MiB of dead chunks (a young collection every 4 MiB streamed)', async () => {
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.large', timeoutSeconds: 60 }, async (t) => {
    const sizeBytes = 100 * 1024 * 1024;
    await t.emulator.invoke({ sizeBytes: 1024 * 1024 }); // the cold start's own allocations first
    const baseBytes = process.memoryUsage().arrayBuffers;
    let peakBytes = baseBytes;
    let streamedBytes = 0;
    let firstWrongAt = -1;
    let chunkCount = 0;
    const result = await t.emulator.invoke({ sizeBytes }, {
      onResponseStream: (stream) =>
        void (async () => {
          for await (const chunk of stream) {
            // Checked as it comes and dropped at once, as a client's socket would: nothing kept.
            for (let i = 0; i < chunk.length && firstWrongAt < 0; i++) if (chunk[i] !== (streamedBytes + i) % 251) firstWrongAt = streamedBytes + i;
            streamedBytes += chunk.length;
            if (++chunkCount % 8 === 0) peakBytes = Math.max(peakBytes, process.memoryUsage().arrayBuffers);
          }
        })(),
    });
    assert.equal(result.status, 'ok');
    assert.equal(streamedBytes, sizeBytes);
    assert.equal(result.metrics.bytesStreamed, sizeBytes);
    assert.equal(firstWrongAt, -1, `byte-exact (first wrong byte at ${firstWrongAt})`);
    // Without the pacing (scavenge-pacer.ts), chunks wait for V8's own young collection, which a
    // stream's few JS objects bring late: 29.8 MB for 64 MB here, 20-26 MB of dead chunks in emu serve.
    const growthMb = (peakBytes - baseBytes) / 1024 / 1024;
    assert.ok(growthMb < 12, `ArrayBuffer memory grew by ${growthMb.toFixed(1)} MB while 100 MB streamed`);
  });
});

test('past 200 MiB the stream ends with Function.ResponseSizeTooLarge, exactly 200 MiB passed on, and the runtime goes on; a plain invoke fails past 6 MB', async () => {
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.large', mode: 'warm', timeoutSeconds: 60 }, async (t) => {
    const limitBytes = 200 * 1024 * 1024;
    let passedBytes = 0;
    let ending: StreamEnding | undefined;
    const result = await t.emulator.invoke({ sizeBytes: limitBytes + 65536 }, {
      onResponseStream: (stream) =>
        void (async () => {
          for await (const chunk of stream) passedBytes += chunk.length;
          ending = await stream.ended;
        })(),
    });
    assert.equal(passedBytes, limitBytes);
    assert.equal(ending?.status === 'error' && ending.errorType, 'Function.ResponseSizeTooLarge');
    assert.equal(result.error?.errorType, 'Function.ResponseSizeTooLarge');
    assert.equal(result.metrics.bytesStreamed, limitBytes);
    const plain = await t.emulator.invoke({ sizeBytes: 7 * 1024 * 1024 });
    assert.equal(plain.error?.errorType, 'Function.ResponseSizeTooLarge', 'a plain Invoke has the buffered limit');
    assert.equal(plain.metrics.coldStart, false, 'the runtime went on after the oversized stream');
    assert.equal((await t.emulator.invoke({ sizeBytes: 5 })).payloadJson, '\u0000\u0001\u0002\u0003\u0004');
  });
});

test('HttpResponseStream.from: the prelude JSON and 8 NUL bytes go first; setContentType sets the stream\'s type; pipeline works', async () => {
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.http' }, async (t) => {
    const { body, ending } = await invokeStreamed(t, {});
    assert.equal(ending.status, 'complete');
    const prelude = JSON.stringify({ statusCode: 201, headers: { 'x-custom': 'yes' }, cookies: ['a=1'] });
    assert.ok(body.equals(Buffer.concat([Buffer.from(prelude), Buffer.alloc(8), Buffer.from('hello world')])), JSON.stringify(body.toString()));
  });
  for (const [handler, expected, contentType] of [
    ['contentType', 'typed', 'text/plain'],
    ['piped', 'abc', 'application/octet-stream'],
    ['writesObject', '{"a":1}42', 'application/octet-stream'],
  ] as const) {
    await withEmulator({ codeDir: CODE_DIR, handler: `handlers.${handler}` }, async (t) => {
      let seenType = '';
      const result = await t.emulator.invoke({}, { onResponseStream: (stream) => void ((seenType = stream.contentType), stream.discard()) });
      assert.equal(result.status, 'ok', handler);
      assert.equal(seenType, contentType, handler);
      assert.equal((await t.emulator.invoke({})).payloadJson, expected, handler);
    });
  }
});

test('an error after the first byte ends the stream with the trailers\' error; one before any byte fails the invocation; the sandbox is reused', async () => {
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.failsMidStream', mode: 'warm' }, async (t) => {
    const { body, ending, result } = await invokeStreamed(t, {});
    assert.equal(body.toString(), 'partial');
    assert.equal(ending.status, 'error');
    assert.equal(ending.status === 'error' && ending.errorType, 'Error');
    assert.equal(result.error?.errorType, 'Error');
    assert.equal(result.error?.errorMessage, 'broke mid-stream');
    assert.equal((await t.emulator.invoke({})).metrics.coldStart, false, 'the runtime went on');
  });
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.throwsBeforeWriting' }, async (t) => {
    const result = await t.emulator.invoke({});
    assert.equal(result.status, 'error');
    assert.equal(result.error?.errorType, 'TypeError');
    assert.equal(result.error?.errorMessage, 'nothing written');
  });
});

test('bad input: a return value is ignored with a warning, a plain function, a write after end, a destroyed stream; none crash the supervisor', async () => {
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.returnsValue' }, async (t) => {
    const result = await t.emulator.invoke({});
    assert.equal(result.payloadJson, 'written');
    assert.match(t.output(), /WARN\tStreaming handlers ignore return values\./);
  });
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.notAsync' }, async (t) => {
    const result = await t.emulator.invoke({});
    assert.equal(result.payloadJson, 'sync', 'the stream it ended stands (RIC\'s trailers come too late)');
    assert.match(t.output(), /Streaming does not support non-async handlers\./);
  });
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.writesAfterEnd', mode: 'warm' }, async (t) => {
    assert.equal((await t.emulator.invoke({})).payloadJson, 'done');
    assert.equal((await t.emulator.invoke({})).payloadJson, 'done', 'the late write did not kill the runtime');
  });
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.destroys', mode: 'warm' }, async (t) => {
    // Runtime.TruncatedResponse (RIE's for a cut stream), and the runtime goes on, every time. The
    // runtime asks for its next event at once, on its other connection, and that /next used to be
    // read before the stream's close and refused (403), so the bootstrap exited: Runtime.ExitError
    // and a new sandbox, in about a third of the cuts under load (runtime-api-server.ts's
    // #afterOpenStream). Twenty cuts in a row on one sandbox.
    for (let i = 0; i < 20; i++) {
      const { body, ending, result } = await invokeStreamed(t, {});
      assert.equal(body.toString(), 'cut');
      assert.equal(ending.status === 'error' && ending.errorType, 'Runtime.TruncatedResponse', `cut ${i}: ${JSON.stringify(ending)}`);
      assert.equal(result.error?.errorType, 'Runtime.TruncatedResponse');
      assert.equal(result.metrics.coldStart, i === 0, `cut ${i}: the runtime went on to the next event`);
    }
  });
});

test('a /next while the stream is still open gets RIE\'s 403 (from InvocationResponse), and the stream goes on to its end', async () => {
  const runtimeClient = `${FIXTURES}fake-runtimes/next-while-streaming.mjs`;
  await withEmulator({ handler: 'next-while-streaming.handler', runtimeClient, mode: 'warm' }, async (t) => {
    for (let i = 0; i < 2; i++) {
      const { body, ending, result } = await invokeStreamed(t, {});
      assert.equal(body.toString(), 'open,closed');
      assert.equal(ending.status, 'complete');
      assert.equal(result.metrics.coldStart, i === 0, 'the runtime went on');
    }
    const refusals = [...t.output().matchAll(/^next-while-streaming (\d+) (".*")$/gm)];
    assert.equal(refusals.length, 2, t.output());
    for (const [, status, body] of refusals) {
      assert.equal(status, '403');
      assert.deepEqual(JSON.parse(JSON.parse(body as string) as string), {
        errorType: 'InvalidStateTransition',
        errorMessage: 'State transition from InvocationResponse to Ready failed for runtime. Error: State transition is not allowed',
      });
    }
  });
});

test('a timeout or a crash mid-stream: the sandbox is killed and the stream ends with that error', async () => {
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.hangsMidStream', timeoutSeconds: 1 }, async (t) => {
    const { body, ending, result } = await invokeStreamed(t, {});
    assert.equal(body.toString(), 'before timeout');
    assert.equal(ending.status === 'error' && ending.errorType, 'Sandbox.Timedout');
    assert.equal(result.metrics.sandboxLost, true);
  });
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.neverEnds', timeoutSeconds: 1 }, async (t) => {
    const { ending } = await invokeStreamed(t, {});
    assert.equal(ending.status === 'error' && ending.errorType, 'Sandbox.Timedout', 'a stream never ended times out, as under RIC');
  });
  await withEmulator({ codeDir: CODE_DIR, handler: 'handlers.crashes', mode: 'warm' }, async (t) => {
    const { body, ending, result } = await invokeStreamed(t, {});
    assert.equal(body.toString(), 'before crash');
    assert.equal(ending.status === 'error' && ending.errorType, 'Runtime.ExitError');
    assert.equal(result.error?.errorType, 'Runtime.ExitError');
    assert.equal((await t.emulator.invoke({})).metrics.coldStart, true, 'a new sandbox');
  });
});
