import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { S3Event } from 'aws-lambda';
import { runEventCommand } from '../src/cli/event-command.js';
import {
  albRequestEvent,
  apiGatewayHttpApiEvent,
  apiGatewayProxyEvent,
  cloudWatchLogsEvent,
  cognitoPostConfirmationEvent,
  decodeCloudWatchLogsData,
  dynamoDbInsertEvent,
  dynamoDbModifyEvent,
  dynamoDbRemoveEvent,
  dynamoDbUpdateEvent,
  EventOptionError,
  functionUrlEvent,
  generateEvent,
  kinesisGetRecordsEvent,
  listEventKinds,
  marshall,
  s3DeleteEvent,
  s3PutEvent,
  setPath,
  snsNotificationEvent,
  sqsReceiveMessageEvent,
} from '../src/events/index.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isBase64 = (text: string): boolean => BASE64.test(text) && Buffer.from(text, 'base64').toString('base64') === text;
const md5 = (text: string): string => createHash('md5').update(text).digest('hex');

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runEventCommand(args, { stdout, stderr });
  return { code, stdout: out, stderr: err };
}

describe('every catalogued event', () => {
  for (const { source, kind } of listEventKinds()) {
    it(`${source} ${kind} survives a JSON round trip unchanged`, () => {
      const event = generateEvent(source, kind);
      assert.deepStrictEqual(JSON.parse(JSON.stringify(event)), event);
    });
  }

  it('uses the fixed account and the requested region', () => {
    for (const { source, kind } of listEventKinds()) {
      const text = JSON.stringify(generateEvent(source, kind, { region: 'eu-west-3' }));
      assert.doesNotMatch(text, /us-east-1/, `${source} ${kind}`);
      for (const account of text.match(/arn:aws:[^"]*/g) ?? []) assert.match(account, /^arn:aws:[a-z0-9-]+:(eu-west-3)?:(123456789012)?:/);
    }
  });
});

describe('HTTP events', () => {
  it('REST (payload 1.0) parses path, query, resource and body', () => {
    const event = apiGatewayProxyEvent({ path: '/items/42?tag=a&tag=b%20c', resource: '/items/{id}', body: '{"x":1}' });
    assert.equal(event.httpMethod, 'POST');
    assert.deepEqual(event.pathParameters, { id: '42' });
    assert.deepEqual(event.queryStringParameters, { tag: 'b c' });
    assert.deepEqual(event.multiValueQueryStringParameters, { tag: ['a', 'b c'] });
    assert.equal(event.headers['Content-Type'], 'application/json');
    assert.equal(event.requestContext.path, '/prod/items/42');
    assert.match(event.requestContext.requestTime ?? '', /^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    assert.equal('authorizer' in event.requestContext, false);
  });

  it('REST defaults to a greedy proxy resource', () => {
    const event = apiGatewayProxyEvent({ path: '/a/b' });
    assert.equal(event.resource, '/{proxy+}');
    assert.deepEqual(event.pathParameters, { proxy: 'a/b' });
    assert.equal(event.body, null);
  });

  it('HTTP API (payload 2.0) joins repeated values and leaves out empty parts', () => {
    const event = apiGatewayHttpApiEvent({ path: '/items/7', query: 'a=1&a=2', route: 'GET /items/{id}' });
    assert.equal(event.version, '2.0');
    assert.equal(event.rawQueryString, 'a=1&a=2');
    assert.deepEqual(event.queryStringParameters, { a: '1,2' });
    assert.deepEqual(event.pathParameters, { id: '7' });
    assert.equal('body' in event, false);
    assert.equal(event.headers['x-forwarded-proto'], 'https');
    assert.equal(apiGatewayHttpApiEvent({ stage: 'dev', path: '/x' }).rawPath, '/dev/x');
  });

  it('Function URL events use the lambda-url domain', () => {
    const event = functionUrlEvent({ method: 'put', body: 'hi' });
    assert.match(event.requestContext.domainName, /^[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws$/);
    assert.equal(event.requestContext.http.method, 'PUT');
    assert.equal(event.body, 'hi');
  });

  it('ALB passes raw query values and an empty body', () => {
    const event = albRequestEvent({ query: 'q=a%20b' });
    assert.deepEqual(event.queryStringParameters, { q: 'a%20b' });
    assert.equal(event.body, '');
    assert.match(event.requestContext.elb.targetGroupArn, /^arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup\//);
  });
});

describe('record events', () => {
  it('S3 put URL-encodes the key; delete carries no size or eTag', () => {
    const put = s3PutEvent({ bucket: 'photos', key: 'my dir/a b+c.jpg', size: 5 });
    const record = put.Records[0];
    assert.equal(record?.s3.object.key, 'my+dir/a+b%2Bc.jpg');
    assert.equal(record?.s3.object.size, 5);
    assert.equal(record?.s3.bucket.arn, 'arn:aws:s3:::photos');
    assert.match(record?.eventTime ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const removed = s3DeleteEvent().Records[0]?.s3.object;
    assert.deepEqual(Object.keys(removed ?? {}).sort(), ['key', 'sequencer']);
  });

  it('SQS batches carry distinct ids and correct MD5s', () => {
    const event = sqsReceiveMessageEvent({ body: 'hello', batchSize: 4, queue: 'jobs.fifo', messageAttributes: { n: 3 } });
    assert.equal(event.Records.length, 4);
    assert.equal(new Set(event.Records.map((r) => r.messageId)).size, 4);
    for (const record of event.Records) {
      assert.equal(record.md5OfBody, md5('hello'));
      assert.match(record.md5OfMessageAttributes ?? '', /^[0-9a-f]{32}$/);
      assert.equal(record.attributes.MessageGroupId, 'group-1');
      assert.equal(record.eventSourceARN, 'arn:aws:sqs:us-east-1:123456789012:jobs.fifo');
    }
    assert.equal('md5OfMessageAttributes' in (sqsReceiveMessageEvent().Records[0] ?? {}), false);
  });

  it('SNS signs with a 256-byte base64 signature and omits an absent subject', () => {
    const sns = snsNotificationEvent().Records[0]?.Sns;
    assert.ok(sns && isBase64(sns.Signature));
    assert.equal(Buffer.from(sns.Signature, 'base64').length, 256);
    assert.equal('Subject' in sns, false);
    assert.equal(snsNotificationEvent({ subject: 'Hi' }).Records[0]?.Sns.Subject, 'Hi');
  });

  it('Kinesis data is the base64 of the payload, with growing sequence numbers', () => {
    const event = kinesisGetRecordsEvent({ data: 'héllo', batchSize: 3 });
    const sequences = event.Records.map((r) => BigInt(r.kinesis.sequenceNumber));
    for (const record of event.Records) {
      assert.ok(isBase64(record.kinesis.data));
      assert.equal(Buffer.from(record.kinesis.data, 'base64').toString('utf8'), 'héllo');
      assert.match(record.eventID, /^shardId-\d{12}:\d{56}$/);
    }
    assert.ok(sequences[0]! < sequences[1]! && sequences[1]! < sequences[2]!);
  });

  it('CloudWatch Logs data is gzipped JSON in base64', () => {
    const event = cloudWatchLogsEvent({ logGroup: '/app', message: 'boom', batchSize: 2 });
    assert.ok(isBase64(event.awslogs.data));
    const raw = Buffer.from(event.awslogs.data, 'base64');
    assert.deepEqual([...raw.subarray(0, 2)], [0x1f, 0x8b]);
    const decoded = JSON.parse(gunzipSync(raw).toString('utf8')) as ReturnType<typeof decodeCloudWatchLogsData>;
    assert.deepEqual(decoded, decodeCloudWatchLogsData(event));
    assert.equal(decoded.messageType, 'DATA_MESSAGE');
    assert.equal(decoded.owner, '123456789012');
    assert.equal(decoded.logGroup, '/app');
    assert.deepEqual(decoded.logEvents.map((e) => e.message), ['boom', 'boom']);
    for (const logEvent of decoded.logEvents) assert.match(logEvent.id, /^\d{56}$/);
  });

  it('DynamoDB streams marshal items and honour the view type', () => {
    const insert = dynamoDbInsertEvent({ keys: { pk: 'u#1' }, item: { n: 2, ok: true, tags: ['a'] } }).Records[0];
    assert.deepEqual(insert?.dynamodb?.NewImage, { pk: { S: 'u#1' }, n: { N: '2' }, ok: { BOOL: true }, tags: { L: [{ S: 'a' }] } });
    assert.equal(insert?.dynamodb?.OldImage, undefined);
    const modify = dynamoDbModifyEvent({ viewType: 'KEYS_ONLY' }).Records[0]?.dynamodb;
    assert.ok(modify?.Keys && !modify.NewImage && !modify.OldImage);
    assert.ok(dynamoDbRemoveEvent().Records[0]?.dynamodb?.OldImage);
    const update = dynamoDbUpdateEvent().Records;
    assert.deepEqual(update.map((r) => r.eventName), ['INSERT', 'MODIFY', 'REMOVE']);
    assert.equal(new Set(update.map((r) => JSON.stringify(r.dynamodb?.Keys))).size, 1);
    assert.deepEqual(marshall({ a: null }), { M: { a: { NULL: true } } });
  });

  it('Cognito post confirmation ties sub to the generated user name', () => {
    const event = cognitoPostConfirmationEvent();
    assert.equal(event.request.userAttributes['sub'], event.userName);
    assert.match(event.userPoolId, /^us-east-1_\w{9}$/);
  });
});

describe('setPath', () => {
  it('creates objects and arrays on the way and accepts quoted keys', () => {
    const target: Record<string, unknown> = { Records: [{}] };
    setPath(target, 'Records[0].s3.object.key', 'x');
    setPath(target, 'list[0].name', 'first');
    setPath(target, '["detail-type"]', 'Custom');
    setPath(target, 'headers["X.Dotted"]', 'yes');
    assert.deepEqual(target, {
      Records: [{ s3: { object: { key: 'x' } } }],
      list: [{ name: 'first' }],
      'detail-type': 'Custom',
      headers: { 'X.Dotted': 'yes' },
    });
  });

  it('rejects bad paths with EventOptionError', () => {
    for (const path of ['', 'a..b', 'a.', 'a[x]', 'a.[0]', '__proto__.x', 'list[5]']) {
      assert.throws(() => setPath({ list: [] }, path, 1), EventOptionError, path);
    }
    assert.throws(() => setPath({ a: 'text' }, 'a.b', 1), /'a' is a string/);
  });
});

describe('emu event CLI', () => {
  it('prints one pretty event, with friendly flags and --set applied', async () => {
    const result = await run(['s3', 'put', '--bucket', 'b1', '--set', 'Records[0].s3.object.size=42', '--set', 'Records[0].eventName=ObjectCreated:Copy']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^\{\n {2}"Records"/);
    const event = JSON.parse(result.stdout) as S3Event;
    assert.equal(event.Records[0]?.s3.bucket.name, 'b1');
    assert.equal(event.Records[0]?.s3.object.size, 42);
    assert.equal(event.Records[0]?.eventName, 'ObjectCreated:Copy');
  });

  it('--count prints NDJSON with fresh ids for every kind', async () => {
    for (const { source, kind } of listEventKinds()) {
      const result = await run([source, kind, '--count', '5']);
      const lines = result.stdout.trimEnd().split('\n');
      assert.equal(lines.length, 5, `${source} ${kind}`);
      assert.equal(new Set(lines).size, 5, `${source} ${kind}`);
      for (const line of lines) JSON.parse(line);
    }
  });

  it('--count gives distinct record ids and streams large batches', async () => {
    const result = await run(['sqs', 'receive-message', '--batch-size', '3', '--count', '2000']);
    const ids = result.stdout.trimEnd().split('\n').flatMap((line) => (JSON.parse(line) as ReturnType<typeof sqsReceiveMessageEvent>).Records.map((r) => r.messageId));
    assert.equal(ids.length, 6000);
    assert.equal(new Set(ids).size, 6000);
  });

  it('lists every kind and prints help', async () => {
    const list = await run(['list']);
    assert.equal(list.code, 0);
    for (const { source, kind } of listEventKinds()) assert.match(list.stdout, new RegExp(`^${source} +${kind} `, 'm'));
    assert.match((await run(['--help'])).stdout, /^Usage:/);
    assert.match((await run(['sqs', 'receive-message', '--help'])).stdout, /--batch-size/);
  });

  const usageErrors = [
    [[], 'missing <source>'],
    [['nope', 'put'], "unknown source 'nope'"],
    [['s3', 'nope'], "unknown kind 'nope'"],
    [['s3'], 'missing kind'],
    [['s3', 'put', '--count', '0'], '--count must be a positive integer'],
    [['s3', 'put', '--count', 'two'], '--count must be a positive integer'],
    [['s3', 'put', '--set', 'novalue'], '--set expects PATH=VALUE'],
    [['s3', 'put', '--set', 'a..b=1'], 'bad path'],
    [['s3', 'put', '--frobnicate'], 'unknown option --frobnicate'],
    [['s3', 'put', '--queue', 'q'], '--queue does not apply to s3 put'],
    [['sqs', 'receive-message', '--batch-size', '1.5'], '--batch-size must be an integer'],
    [['dynamodb', 'insert', '--keys', '[1]'], '--keys must be a JSON object'],
  ] as const;
  for (const [args, message] of usageErrors) {
    it(`exits 2 for: emu event ${args.join(' ')}`, async () => {
      const result = await run([...args]);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.ok(result.stderr.startsWith('emu event: '), result.stderr);
      assert.ok(result.stderr.includes(message), result.stderr);
      assert.equal(result.stderr.trimEnd().split('\n').length, 1);
    });
  }
});
