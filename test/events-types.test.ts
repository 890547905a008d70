// The event generators' types, checked by the test itself: tsc runs on a fixture whose
// expect-error directives misuse every generator (a generator typed `any` leaves one unused),
// and the generated events are handed to typed handlers.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { it } from 'node:test';
import { REPO_ROOT } from './helpers.js';
import type { ALBHandler, APIGatewayProxyHandler, S3Handler, SQSHandler } from 'aws-lambda';
import { albRequestEvent, apiGatewayProxyEvent, s3PutEvent, sqsReceiveMessageEvent } from '../src/events/index.js';

it('tsc finds every generator precisely typed: each misuse in the fixture is a type error', () => {
  const tsc = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsc');
  const project = path.join(REPO_ROOT, 'test', 'fixtures', 'types', 'tsconfig.json');
  const run = spawnSync(tsc, ['--noEmit', '-p', project], { encoding: 'utf8', timeout: 120_000, killSignal: 'SIGKILL' });
  assert.equal(run.error, undefined, 'tsc ran and finished within 120 s');
  // An unused @ts-expect-error (TS2578) means that misuse type-checked: the generator is `any`.
  assert.equal(run.status, 0, run.stdout + run.stderr);
});

it('events can be passed straight to typed handlers', async () => {
  const seen: string[] = [];
  const onS3: S3Handler = async (event) => void seen.push(event.Records[0]?.eventName ?? '');
  const onSqs: SQSHandler = async (event) => void seen.push(event.Records[0]?.eventSource ?? '');
  const onRest: APIGatewayProxyHandler = async (event) => ({ statusCode: 200, body: event.httpMethod });
  const onAlb: ALBHandler = async (event) => ({ statusCode: 200, body: event.path });
  const context = {} as Parameters<S3Handler>[1];
  const noCallback = (): void => {};
  await onS3(s3PutEvent(), context, noCallback);
  await onSqs(sqsReceiveMessageEvent(), context, noCallback);
  assert.deepEqual(await onRest(apiGatewayProxyEvent(), context, noCallback), { statusCode: 200, body: 'GET' });
  assert.deepEqual(await onAlb(albRequestEvent({ path: '/health' }), context, noCallback), { statusCode: 200, body: '/health' });
  assert.deepEqual(seen, ['ObjectCreated:Put', 'aws:sqs']);
});
