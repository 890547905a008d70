// InvokeWithResponseStream names its function as Invoke does (issue #15): a bare name, a logical id,
// `name:qualifier`, a partial or full ARN, `?Qualifier=`; and refuses as Invoke refuses (AWS's error
// types and messages), through @aws-sdk/client-lambda's InvokeWithResponseStreamCommand against emu serve.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { InvokeCommand, InvokeWithResponseStreamCommand, LambdaClient, type InvokeWithResponseStreamCommandInput } from '@aws-sdk/client-lambda';
import { assertNoProcessLeft, FIXTURES } from './helpers.js';
import { startServe, type RunningServe } from './serve-helpers.js';

const TEMPLATE = path.join(FIXTURES, 'streaming', 'template.yaml');
const ARN = 'arn:aws:lambda:us-east-1:123456789012:function:Paced';
let serve: RunningServe;
let client: LambdaClient;

before(async () => {
  serve = await startServe(['--template', TEMPLATE, '--no-credentials']);
  client = new LambdaClient({ endpoint: serve.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
});

after(async () => {
  client.destroy();
  await serve.stop();
  assertNoProcessLeft();
});

async function streamed(input: Omit<InvokeWithResponseStreamCommandInput, 'Payload'>): Promise<string> {
  const answer = await client.send(new InvokeWithResponseStreamCommand({ ...input, Payload: Buffer.from('{"pauseMs":1}') }));
  assert.equal(answer.StatusCode, 200);
  assert.equal(answer.ExecutedVersion, '$LATEST');
  const chunks: string[] = [];
  for await (const event of answer.EventStream ?? []) if (event.PayloadChunk?.Payload !== undefined) chunks.push(Buffer.from(event.PayloadChunk.Payload).toString());
  return chunks.join('');
}

/** The error each command gives, as the SDK reports it: name, HTTP status, message. */
async function refusals(input: { FunctionName: string; Qualifier?: string }): Promise<{ invoke: unknown; stream: unknown }> {
  const caught = async (send: () => Promise<unknown>): Promise<unknown> => {
    try {
      await send();
    } catch (error) {
      const e = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
      return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
    }
    return 'no error';
  };
  return {
    invoke: await caught(() => client.send(new InvokeCommand({ ...input, Payload: Buffer.from('{}') }))),
    stream: await caught(() => client.send(new InvokeWithResponseStreamCommand({ ...input, Payload: Buffer.from('{}') }))),
  };
}

test('every name form Invoke accepts streams the function: name, name:$LATEST, partial and full ARN, ?Qualifier=$LATEST', async () => {
  const forms: Omit<InvokeWithResponseStreamCommandInput, 'Payload'>[] = [
    { FunctionName: 'Paced' },
    { FunctionName: 'Paced:$LATEST' },
    { FunctionName: '123456789012:function:Paced' },
    { FunctionName: ARN },
    { FunctionName: `${ARN}:$LATEST` },
    { FunctionName: 'Paced', Qualifier: '$LATEST' },
    { FunctionName: `${ARN}:$LATEST`, Qualifier: '$LATEST' },
  ];
  for (const form of forms) assert.equal(await streamed(form), 'first,second', JSON.stringify(form));
});

test('refusals are Invoke\'s, type, status and message: an unknown qualifier or function, a conflicting ?Qualifier=, another region', async () => {
  const cases: [{ FunctionName: string; Qualifier?: string }, { name: string; status: number; message: string }][] = [
    [{ FunctionName: 'Paced:live' }, { name: 'ResourceNotFoundException', status: 404, message: `Function not found: ${ARN}:live` }],
    [{ FunctionName: 'Paced', Qualifier: '7' }, { name: 'ResourceNotFoundException', status: 404, message: `Function not found: ${ARN}:7` }],
    [{ FunctionName: 'Nope' }, { name: 'ResourceNotFoundException', status: 404, message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:Nope' }],
    [
      { FunctionName: 'Paced:$LATEST', Qualifier: 'live' },
      { name: 'InvalidParameterValueException', status: 400, message: 'The derived qualifier from the function name does not match the specified qualifier.' },
    ],
    [
      { FunctionName: 'arn:aws:lambda:eu-west-1:123456789012:function:Paced' },
      { name: 'ResourceNotFoundException', status: 404, message: "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')" },
    ],
  ];
  for (const [input, expected] of cases) {
    const { invoke, stream } = await refusals(input);
    assert.deepEqual(stream, expected, JSON.stringify(input));
    assert.deepEqual(stream, invoke, `InvokeWithResponseStream refuses as Invoke does: ${JSON.stringify(input)}`);
  }
  assert.equal(await streamed({ FunctionName: 'Paced' }), 'first,second', 'the server goes on');
});
