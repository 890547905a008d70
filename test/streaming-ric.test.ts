// AWS's own runtime interface client (aws-lambda-ric, run as a custom runtime from a layer's
// bootstrap) as a second streaming runtime client against emu's Runtime API: each case runs the
// same streaming fixture under emu's bootstrap and under RIC, cold and warm, and the two must agree
// (issue #15). RIC is AWS's truth: a difference is emu's bug or a documented exception.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { EmulatorOptions, InvocationResult, ResponseStream, StreamEnding } from '../src/index.js';
import { FIXTURES, MODES, withEmulator, type TestEmulator } from './helpers.js';
import { ricUnavailableReason, writeRicLayer } from './ric-runtime.js';

const CODE_DIR = `${FIXTURES}streaming`;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-streaming-ric-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const ricReason = ricUnavailableReason();
if (ricReason !== undefined) console.log(`# RIC half skipped: ${ricReason}`);
const CLIENTS = ['emu', 'ric'] as const;
type Client = (typeof CLIENTS)[number];

interface Streamed {
  result: InvocationResult;
  body: Buffer;
  ending: StreamEnding;
  /** performance.now() at each chunk's arrival, and when invoke() resolved. */
  arrivals: number[];
  resolvedAt: number;
}

async function invokeStreamed(t: TestEmulator, event: unknown): Promise<Streamed> {
  let reading: Promise<{ body: Buffer; ending: StreamEnding; arrivals: number[] }> | undefined;
  const onResponseStream = (stream: ResponseStream): void => {
    reading = (async () => {
      const chunks: Buffer[] = [];
      const arrivals: number[] = [];
      for await (const chunk of stream) {
        arrivals.push(performance.now());
        chunks.push(chunk);
      }
      return { body: Buffer.concat(chunks), ending: await stream.ended, arrivals };
    })();
  };
  const result = await t.emulator.invoke(event, { onResponseStream });
  const resolvedAt = performance.now();
  assert.ok(reading !== undefined, 'onResponseStream was called');
  return { result, resolvedAt, ...(await reading) };
}

function options(client: Client, handler: string, mode: 'cold' | 'warm'): Partial<EmulatorOptions> & { handler: string } {
  const base = { codeDir: CODE_DIR, handler: `handlers.${handler}`, mode, timeoutSeconds: 20, memoryMb: 256 };
  return client === 'ric' ? { ...base, runtime: 'provided.al2023', layers: [writeRicLayer(path.join(scratch, 'ric-layer'))] } : base;
}

function pattern(sizeBytes: number): Buffer {
  const buffer = Buffer.allocUnsafe(sizeBytes);
  for (let i = 0; i < sizeBytes; i++) buffer[i] = i % 251;
  return buffer;
}

/** What a case gives, without what depends on the runtime (times, stacks). */
type Outcome = Record<string, unknown>;

/** Runs `scenario` twice per mode (the second warm one reuses the sandbox) under each client and checks both agree. */
function bothClients(name: string, handler: string, scenario: (t: TestEmulator, client: Client) => Promise<Outcome>): void {
  for (const mode of MODES) {
    describe(`${mode}: ${name}`, () => {
      const outcomes = new Map<Client, Outcome[]>();
      for (const client of CLIENTS) {
        test(client === 'emu' ? 'emu’s bootstrap' : 'aws-lambda-ric as a custom runtime: the same outcome', async (t) => {
          if (client === 'ric' && ricReason !== undefined) return t.skip(ricReason);
          const runs: Outcome[] = [];
          await withEmulator(options(client, handler, mode), async (emu) => {
            for (let i = 0; i < 2; i++) {
              const outcome = await scenario(emu, client);
              const result = outcome.result as InvocationResult;
              assert.equal(result.metrics.coldStart, mode === 'cold' || i === 0, `invocation ${i + 1}: cold start`);
              delete outcome.result;
              runs.push(outcome);
            }
          });
          outcomes.set(client, runs);
          if (client === 'ric' && outcomes.has('emu')) assert.deepEqual(runs, outcomes.get('emu'));
        });
      }
    });
  }
}

bothClients('the first bytes reach the caller before the handler ends (write, 300 ms, write)', 'paced', async (t) => {
  const { result, body, ending, arrivals, resolvedAt } = await invokeStreamed(t, { pauseMs: 300 });
  assert.ok(arrivals.length >= 2, `two writes 300 ms apart arrive as two chunks (${arrivals.length})`);
  assert.ok((arrivals.at(-1) as number) - (arrivals[0] as number) >= 200, 'the first chunk came well before the last');
  assert.ok(resolvedAt - (arrivals[0] as number) >= 200, 'the first chunk came well before the invocation ended');
  assert.ok(result.metrics.timeToFirstByteMs !== undefined && result.metrics.timeToFirstByteMs + 200 <= result.metrics.durationMs);
  return { result, status: result.status, body: body.toString(), ending, bytesStreamed: result.metrics.bytesStreamed };
});

bothClients('a 16 MB body arrives byte for byte', 'large', async (t) => {
  const sizeBytes = 16 * 1024 * 1024;
  const { result, body, ending } = await invokeStreamed(t, { sizeBytes });
  assert.ok(body.equals(pattern(sizeBytes)), `byte-exact (${body.length} bytes)`);
  return { result, status: result.status, ending, bytesStreamed: result.metrics.bytesStreamed };
});

bothClients('HttpResponseStream.from: the prelude and its 8 NUL bytes, then the body', 'http', async (t) => {
  let contentType = '';
  const { result, body, ending } = await invokeStreamed(t, { pauseMs: 20 });
  await t.emulator.invoke({}, { onResponseStream: (stream) => void ((contentType = stream.contentType), stream.discard()) });
  return { result, status: result.status, body: body.toString('base64'), ending, contentType };
});

bothClients('an error after the first byte: the trailers carry it, the caller\'s stream ends with it, the runtime goes on', 'failsMidStream', async (t) => {
  const { result, body, ending } = await invokeStreamed(t, {});
  assert.equal(ending.status, 'error');
  const errorBody = ending.status === 'error' ? (JSON.parse(ending.errorBodyJson) as Record<string, unknown>) : {};
  assert.ok(Array.isArray(errorBody.trace), 'the trailer\'s error body has a trace');
  delete errorBody.trace;
  const plain = await t.emulator.invoke({});
  return {
    result,
    body: body.toString(),
    status: result.status,
    errorType: ending.status === 'error' ? ending.errorType : undefined,
    errorBody,
    resultError: { errorType: result.error?.errorType, errorMessage: result.error?.errorMessage },
    plainInvoke: { status: plain.status, payload: plain.status === 'error' ? { errorType: plain.error?.errorType, errorMessage: plain.error?.errorMessage } : plain.payloadJson },
  };
});
