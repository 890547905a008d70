// Execution role and credentials: the real STS client against a small STS-compatible server on
// 127.0.0.1 that checks the SigV4 signature and answers with AWS's XML; the handler then reads its
// credentials from its environment, as on AWS.
import assert from 'node:assert/strict';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { parseRoleArn, resolveFunctionCredentials, roleSessionName } from '../src/credentials/index.js';
import { EmuError } from '../src/errors/emu-error.js';
import type { SandboxCredentials } from '../src/sandbox/function-config.js';
import { FIXTURES, withEmulator, runEmu, type CliRun } from './helpers.js';

const USER = { accessKeyId: 'AKIAUSEREXAMPLE00001', secretAccessKey: 'user-secret-never-printed' };
const ROLE = 'arn:aws:iam::123456789012:role/service-role/whoami-role';
const DENIED_ROLE = 'arn:aws:iam::123456789012:role/denied';
const IDENTITY = path.join(FIXTURES, 'identity');
const scratch = mkdtempSync(path.join(tmpdir(), 'emu-credentials-'));

interface StsCall {
  roleArn: string | null;
  sessionName: string | null;
  accessKeyId: string;
}

interface Issued {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: Date;
}

/** An STS that accepts AssumeRole signed with USER's secret, like AWS's regional endpoint (query protocol, XML). */
class FakeSts {
  readonly calls: StsCall[] = [];
  readonly issued: Issued[] = [];
  /** How long the credentials it issues last. */
  lifetimeMs = 3_600_000;
  #server: Server = createServer((request, response) => {
    void this.#answer(request).then(({ status, xml }) => {
      response.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomBytes(16).toString('hex') });
      response.end(xml);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  async #answer(request: IncomingMessage): Promise<{ status: number; xml: string }> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const form = new URLSearchParams(body);
    const signature = checkSignature(request, body);
    if (signature !== undefined) return stsError(403, 'Sender', signature.code, signature.message);
    const call = { roleArn: form.get('RoleArn'), sessionName: form.get('RoleSessionName'), accessKeyId: USER.accessKeyId };
    this.calls.push(call);
    if (form.get('Action') !== 'AssumeRole' || call.roleArn === null || call.sessionName === null) {
      return stsError(400, 'Sender', 'ValidationError', 'AssumeRole needs RoleArn and RoleSessionName');
    }
    if (call.roleArn === DENIED_ROLE) {
      return stsError(403, 'Sender', 'AccessDenied', `User: arn:aws:iam::123456789012:user/dev is not authorized to perform: sts:AssumeRole on resource: ${DENIED_ROLE}`);
    }
    const issued: Issued = {
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(20).toString('base64'),
      sessionToken: randomBytes(48).toString('base64'),
      expiresAt: new Date(Math.floor((Date.now() + this.lifetimeMs) / 1000) * 1000),
    };
    this.issued.push(issued);
    return { status: 200, xml: assumeRoleXml(call.roleArn, call.sessionName, issued) };
  }
}

/** SigV4 recomputed independently of the SDK: the request must be signed with USER's secret for sts in the region it names. */
function checkSignature(request: IncomingMessage, body: string): { code: string; message: string } | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/sts\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(request.headers.authorization ?? '');
  if (match === null) return { code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' };
  const [, keyId, day, region, signedHeaders, signature] = match as unknown as [string, string, string, string, string, string];
  if (keyId !== USER.accessKeyId) return { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' };
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${String(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [request.method, request.url?.split('?')[0] ?? '/', '', canonicalHeaders, signedHeaders, sha256(body)].join('\n');
  const scope = `${day}/${region}/sts/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', String(request.headers['x-amz-date']), scope, sha256(canonicalRequest)].join('\n');
  let key: Buffer = Buffer.from(`AWS4${USER.secretAccessKey}`);
  for (const part of [day, region, 'sts', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(stringToSign).digest('hex');
  return expected === signature ? undefined : { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function assumeRoleXml(roleArn: string, sessionName: string, issued: Issued): string {
  const roleName = roleArn.split('/').pop() ?? '';
  return `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA3XFRBF535PLBIFPI4:${sessionName}</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/${roleName}/${sessionName}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${issued.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${issued.secretAccessKey}</SecretAccessKey>
      <SessionToken>${issued.sessionToken}</SessionToken>
      <Expiration>${issued.expiresAt.toISOString()}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
</AssumeRoleResponse>`;
}

function stsError(status: number, type: string, code: string, message: string): { status: number; xml: string } {
  return {
    status,
    xml: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>4c8a4e5d-0000-0000-0000-000000000000</RequestId></ErrorResponse>`,
  };
}

const sts = new FakeSts();
let stsUrl = '';
/** The test process's own AWS configuration: USER's keys, the fake STS, no shared files, no instance metadata. */
const BASE_ENV = {
  AWS_ACCESS_KEY_ID: USER.accessKeyId,
  AWS_SECRET_ACCESS_KEY: USER.secretAccessKey,
  AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'no-credentials'),
  AWS_CONFIG_FILE: path.join(scratch, 'no-config'),
  AWS_EC2_METADATA_DISABLED: 'true',
};
function resetAwsEnvironment(overrides: Record<string, string | undefined> = {}): void {
  for (const name of Object.keys(process.env).filter((key) => key.startsWith('AWS_'))) delete process.env[name];
  Object.assign(process.env, BASE_ENV, { AWS_ENDPOINT_URL_STS: stsUrl });
  for (const [name, value] of Object.entries(overrides)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}

async function rejection(promise: Promise<unknown>): Promise<EmuError> {
  const error = await promise.then(
    () => assert.fail('expected a rejection'),
    (reason: unknown) => reason,
  );
  assert.ok(error instanceof EmuError, `expected an EmuError, got ${String(error)}`);
  assert.equal(error.message.includes('\n'), false, 'one line');
  assert.equal(error.message.includes(USER.secretAccessKey), false, 'no secret in the message');
  return error;
}

before(async () => {
  stsUrl = await sts.start();
});
after(() => sts.stop());
beforeEach(() => {
  resetAwsEnvironment();
  sts.lifetimeMs = 3_600_000;
});

describe('role ARN', () => {
  test('a role ARN is parsed, with its path and partition; anything else is a usage error', () => {
    assert.deepEqual(parseRoleArn(ROLE), { arn: ROLE, partition: 'aws', accountId: '123456789012', roleName: 'service-role/whoami-role' });
    assert.equal(parseRoleArn('arn:aws-us-gov:iam::123456789012:role/r').partition, 'aws-us-gov');
    for (const bad of ['whoami-role', 'arn:aws:iam::12345:role/r', 'arn:aws:iam::123456789012:user/r', 'arn:aws:sts::123456789012:role/r', 'arn:aws:iam::123456789012:role/']) {
      assert.throws(() => parseRoleArn(bad), (error: unknown) => error instanceof EmuError && error.kind === 'usage' && error.message.includes(bad));
    }
  });

  test('the session is named after the function, marked as emu, within STS limits', () => {
    assert.equal(roleSessionName('whoami'), 'emu-whoami');
    assert.equal(roleSessionName('f'.repeat(64)).length, 64);
  });
});

describe('--role: AssumeRole with the real STS client', () => {
  test('the request is signed with the user credentials and names the role and session; the sandbox gets the role credentials', async () => {
    const resolved = await resolveFunctionCredentials({ role: ROLE, functionName: 'whoami', region: 'eu-west-1' });
    assert.equal(typeof resolved.credentials, 'function', 'a provider, refreshed before expiry');
    assert.deepEqual(sts.calls.at(-1), { roleArn: ROLE, sessionName: 'emu-whoami', accessKeyId: USER.accessKeyId });
    assert.match(resolved.description, /^role arn:aws:iam::123456789012:role\/service-role\/whoami-role as session emu-whoami, until \d{4}-/);
    const issued = sts.issued.at(-1) as Issued;
    await withEmulator({ handler: 'identity/whoami.handler', credentials: resolved.credentials as () => Promise<SandboxCredentials> }, async ({ emulator }) => {
      const result = await emulator.invoke({});
      const seen = JSON.parse(result.payloadJson) as Record<string, string>;
      assert.equal(seen.accessKeyId, issued.accessKeyId);
      assert.equal(seen.secretAccessKey, issued.secretAccessKey);
      assert.equal(seen.sessionToken, issued.sessionToken);
    });
  });

  test('credentials are fetched again only when they get close to expiring', async () => {
    sts.lifetimeMs = 8 * 60_000; // inside the 10-minute refresh margin
    const calls = sts.calls.length;
    const { credentials } = await resolveFunctionCredentials({ role: ROLE, functionName: 'whoami', region: 'us-east-1' });
    const provider = credentials as () => Promise<SandboxCredentials>;
    const [first, second] = await Promise.all([provider(), provider()]);
    assert.equal(first, second, 'one refresh for sandboxes starting together');
    assert.equal(sts.calls.length, calls + 2, 'the initial AssumeRole and one refresh');
    sts.lifetimeMs = 3_600_000;
    const fresh = await provider();
    const again = await provider();
    assert.equal(fresh, again);
    assert.equal(sts.calls.length, calls + 3, 'credentials valid for an hour are reused');
  });

  test('AccessDenied is a one-line usage error that names the role', async () => {
    const error = await rejection(resolveFunctionCredentials({ role: DENIED_ROLE, functionName: 'whoami', region: 'us-east-1' }));
    assert.equal(error.kind, 'usage');
    assert.match(error.message, /^--role: access denied assuming arn:aws:iam::123456789012:role\/denied: User: .* is not authorized/);
  });

  test('no credentials of the user\'s own is a usage error', async () => {
    resetAwsEnvironment({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    const error = await rejection(resolveFunctionCredentials({ role: ROLE, functionName: 'whoami', region: 'us-east-1' }));
    assert.equal(error.kind, 'usage');
    assert.match(error.message, /^--role: no AWS credentials of your own to assume arn:\S+ with/);
  });

  test('credentials STS rejects are a usage error', async () => {
    resetAwsEnvironment({ AWS_ACCESS_KEY_ID: 'AKIAUNKNOWN000000000' });
    const error = await rejection(resolveFunctionCredentials({ role: ROLE, functionName: 'whoami', region: 'us-east-1' }));
    assert.equal(error.kind, 'usage');
    assert.match(error.message, /^--role: STS rejected your own AWS credentials \(InvalidClientTokenId\)/);
  });

  test('an unreachable STS is an internal error that names the endpoint', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    resetAwsEnvironment({ AWS_ENDPOINT_URL_STS: url });
    const error = await rejection(resolveFunctionCredentials({ role: ROLE, functionName: 'whoami', region: 'us-east-1' }));
    assert.equal(error.kind, 'internal');
    assert.equal(error.message, `--role: cannot reach STS at ${url} (ECONNREFUSED)`);
  });
});

describe('without --role', () => {
  test("the sandbox gets the user's own credentials from the environment, without loading the SDK", async () => {
    resetAwsEnvironment({ AWS_SESSION_TOKEN: 'user-session-token' });
    const resolved = await resolveFunctionCredentials({ functionName: 'whoami', region: 'us-east-1' });
    assert.deepEqual(resolved.credentials, { ...USER, sessionToken: 'user-session-token' });
  });

  test('--profile reads the shared credentials file', async () => {
    const credentialsFile = path.join(scratch, 'credentials');
    writeFileSync(credentialsFile, '[dev]\naws_access_key_id = AKIAPROFILE000000001\naws_secret_access_key = profile-secret\n');
    resetAwsEnvironment({ AWS_SHARED_CREDENTIALS_FILE: credentialsFile });
    const resolved = await resolveFunctionCredentials({ profile: 'dev', functionName: 'whoami', region: 'us-east-1' });
    assert.deepEqual(resolved.credentials, { accessKeyId: 'AKIAPROFILE000000001', secretAccessKey: 'profile-secret' });
    const missing = await rejection(resolveFunctionCredentials({ profile: 'nope', functionName: 'whoami', region: 'us-east-1' }));
    assert.equal(missing.kind, 'usage');
    assert.match(missing.message, /^--profile nope: cannot get its credentials/);
  });

  test('AWS_PROFILE in the environment is followed too, as the SDK does', async () => {
    const credentialsFile = path.join(scratch, 'credentials-env-profile');
    writeFileSync(credentialsFile, '[staging]\naws_access_key_id = AKIASTAGING000000001\naws_secret_access_key = staging-secret\n');
    resetAwsEnvironment({ AWS_SHARED_CREDENTIALS_FILE: credentialsFile, AWS_PROFILE: 'staging' });
    const resolved = await resolveFunctionCredentials({ functionName: 'whoami', region: 'us-east-1' });
    assert.deepEqual(resolved.credentials, { accessKeyId: 'AKIASTAGING000000001', secretAccessKey: 'staging-secret' });
  });

  test('with nothing configured and with --no-credentials the sandbox gets none', async () => {
    resetAwsEnvironment({ AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined });
    assert.equal((await resolveFunctionCredentials({ functionName: 'whoami', region: 'us-east-1' })).credentials, undefined);
    resetAwsEnvironment();
    const none = await resolveFunctionCredentials({ noCredentials: true, functionName: 'whoami', region: 'us-east-1' });
    assert.equal(none.credentials, undefined);
    await withEmulator({ handler: 'identity/whoami.handler' }, async ({ emulator }) => {
      const seen = JSON.parse((await emulator.invoke({})).payloadJson) as Record<string, unknown>;
      assert.deepEqual([seen.accessKeyId, seen.secretAccessKey, seen.sessionToken], [null, null, null], 'nothing leaks from emu\'s own environment');
    });
  });
});

describe('warm sandboxes and expiring credentials', () => {
  test('a warm sandbox whose credentials expire within 5 minutes is replaced by one with fresh credentials', async () => {
    let served = 0;
    const provider = async (): Promise<SandboxCredentials> => {
      served += 1;
      const lifetimeMs = served === 1 ? 2 * 60_000 : 3_600_000;
      return { accessKeyId: `ASIAPROVIDED${served}`, secretAccessKey: 's', sessionToken: 't', expiresAt: new Date(Date.now() + lifetimeMs) };
    };
    await withEmulator({ handler: 'identity/whoami.handler', credentials: provider }, async ({ emulator }) => {
      const seen = [];
      for (let i = 0; i < 3; i += 1) seen.push(JSON.parse((await emulator.invoke({})).payloadJson) as { pid: number; accessKeyId: string });
      const [first, second, third] = seen as [(typeof seen)[0], (typeof seen)[0], (typeof seen)[0]];
      assert.equal(first.accessKeyId, 'ASIAPROVIDED1');
      assert.notEqual(second.pid, first.pid, 'recycled');
      assert.equal(second.accessKeyId, 'ASIAPROVIDED2');
      assert.equal(third.pid, second.pid, 'credentials valid for an hour: reused');
    });
  });
});

describe('emu run --role (CLI)', () => {
  const emu = (args: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> =>
    runEmu(args, { env: { ...process.env, ...BASE_ENV, AWS_ENDPOINT_URL_STS: stsUrl, ...env } });

  test('the handler sees the role credentials; no credential appears on stderr, even with -v', async () => {
    const run = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '-r', ROLE, '-v', '--region', 'eu-central-1']);
    assert.equal(run.code, 0, run.stderr);
    const issued = sts.issued.at(-1) as Issued;
    const seen = JSON.parse(run.stdout) as Record<string, string>;
    assert.deepEqual([seen.accessKeyId, seen.secretAccessKey, seen.sessionToken], [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken]);
    assert.deepEqual(sts.calls.at(-1), { roleArn: ROLE, sessionName: 'emu-whoami', accessKeyId: USER.accessKeyId });
    assert.match(run.stderr, /^emu: credentials: role arn:aws:iam::123456789012:role\/service-role\/whoami-role as session emu-whoami, until /m);
    for (const secret of [issued.accessKeyId, issued.secretAccessKey, issued.sessionToken, USER.accessKeyId, USER.secretAccessKey]) {
      assert.equal(run.stderr.includes(secret), false, 'a credential on stderr');
    }
  });

  test('bad role input fails before any invocation, in one line, with the usage or internal exit code', async () => {
    const badArn = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--role', 'my-role']);
    assert.equal(badArn.code, 2);
    assert.match(badArn.stderr, /^emu: --role expects an IAM role ARN such as .*, got 'my-role'\n$/);
    const denied = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--role', DENIED_ROLE]);
    assert.equal(denied.code, 2);
    assert.match(denied.stderr, /^emu: --role: access denied assuming \S+: User: .*\n$/);
    assert.equal(denied.stdout, '', 'nothing was invoked');
    const unreachable = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--role', ROLE], { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' });
    assert.equal(unreachable.code, 3);
    assert.match(unreachable.stderr, /^emu: internal error: --role: cannot reach STS at http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)\n$/);
    const both = await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--role', ROLE, '--no-credentials']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--no-credentials cannot be used with --role/);
  });

  test("without --role the handler gets the user's own credentials; --no-credentials gives none", async () => {
    const own = JSON.parse((await emu(['run', 'whoami.handler', '--code-dir', IDENTITY])).stdout) as Record<string, string | null>;
    assert.deepEqual([own.accessKeyId, own.secretAccessKey], [USER.accessKeyId, USER.secretAccessKey]);
    const none = JSON.parse((await emu(['run', 'whoami.handler', '--code-dir', IDENTITY, '--no-credentials'])).stdout) as Record<string, string | null>;
    assert.deepEqual([none.accessKeyId, none.secretAccessKey, none.sessionToken], [null, null, null]);
  });
});
