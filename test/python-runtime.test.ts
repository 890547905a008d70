// emu's Python runtime (runtime-bootstrap/python/bootstrap.py) under a real python3 in real sandboxes:
// handler loading, the context object, error payloads and logs with the texts of AWS's runtime
// interface client (awslambdaric; docs/python-runtime.md cites each), cold and warm.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { assertNoProcessLeft, FIXTURES, MODES, REPO_ROOT, withEmulator } from './helpers.js';

const CODE_DIR = path.join(FIXTURES, 'python');
const BOOTSTRAP = path.join(REPO_ROOT, 'runtime-bootstrap', 'python', 'bootstrap.py');
const python = (handler: string, extra: Record<string, unknown> = {}) => ({ runtime: 'python3.11', handler, codeDir: CODE_DIR, ...extra });

describe('cold and warm', () => {
  for (const mode of MODES) {
    test(`${mode}: events answered, module state kept only when warm, the task root first on sys.path`, async () => {
      await withEmulator(python('app.echo', { mode }), async ({ emulator }) => {
        const first = await emulator.invoke({ n: 1 });
        const second = await emulator.invoke({ n: 2 });
        assert.equal(first.status, 'ok', first.payloadJson);
        assert.deepEqual(first.payload, { event: { n: 1 }, invocations: 1, path0: CODE_DIR });
        assert.equal((second.payload as { invocations: number }).invocations, mode === 'warm' ? 2 : 1);
        assert.deepEqual([first.metrics.coldStart, second.metrics.coldStart], [true, mode === 'cold']);
        assert.equal(first.payloadJson, `{"event": {"n": 1}, "invocations": 1, "path0": "${CODE_DIR}"}`, "json.dumps's separators, as RIC's encoder");
      });
    });
  }
});

describe('the declared Python version', () => {
  test('python3.9 runs the bootstrap too; python3.12 keeps non-ASCII in results where python3.11 escapes it, as RIC\'s encoder', async () => {
    const answers: Record<string, string> = {};
    for (const runtime of ['python3.9', 'python3.11', 'python3.12']) {
      await withEmulator(python('app.unicode', { runtime }), async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.equal(result.status, 'ok', result.payloadJson);
        answers[runtime] = result.payloadJson;
      });
    }
    assert.deepEqual(answers, {
      'python3.9': '{"word": "caf\\u00e9", "version": "3.9"}',
      'python3.11': '{"word": "caf\\u00e9", "version": "3.11"}',
      'python3.12': '{"word": "café", "version": "3.12"}',
    });
  });
});

describe('handler loading', () => {
  test('a slashed path to a module in a package (src/api/users.list), and a folder without __init__.py (nsdir.mod.handler)', async () => {
    const before = compiledFiles(); // a python run by hand here may have left some: only new ones count
    await withEmulator(python('src/api/users.list'), async ({ emulator }) => {
      assert.deepEqual((await emulator.invoke({})).payload, ['ann', 'bo']);
    });
    await withEmulator(python('nsdir.mod.handler'), async ({ emulator }) => {
      assert.equal((await emulator.invoke({})).payload, 'namespace');
    });
    // AWS's task root is read-only: no compiled files appear beside the function's code (nor emu's bootstrap).
    assert.deepEqual(compiledFiles().filter((file) => !before.includes(file)), []);
  });

  const initFailures: Array<[string, string, string]> = [
    ['nope.handler', 'Runtime.ImportModuleError', "Unable to import module 'nope': No module named 'nope'"],
    ['app.missing', 'Runtime.HandlerNotFound', "Handler 'missing' missing on module 'app'"],
    ['bad', 'Runtime.MalformedHandlerName', "Bad handler 'bad': not enough values to unpack (expected 2, got 1)"],
    ['sys.handler', 'Runtime.BuiltInModuleConflict', 'Cannot use built-in module sys as a handler module'],
    ['syntax_error.handler', 'Runtime.UserCodeSyntaxError', "Syntax error in module 'syntax_error': expected ':' (syntax_error.py, line 1)"],
  ];
  for (const [handler, errorType, errorMessage] of initFailures) {
    test(`${handler}: ${errorType}, "${errorMessage}", posted to /init/error`, async () => {
      await withEmulator(python(handler), async ({ emulator, output }) => {
        const result = await emulator.invoke({});
        assert.equal(result.status, 'error');
        const payload = result.payload as { errorType: string; errorMessage: string; requestId: string; stackTrace: string[] };
        assert.equal(payload.errorType, errorType);
        assert.equal(payload.errorMessage, errorMessage);
        assert.equal(payload.requestId, '');
        if (errorType === 'Runtime.UserCodeSyntaxError') assert.deepEqual(payload.stackTrace, [`  File "${path.join(CODE_DIR, 'syntax_error.py')}" Line 1\n    def handler(event, context)\n`]);
        else assert.deepEqual(payload.stackTrace, []);
        assert.match(output(), /\[WARNING\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t\tLAMBDA_WARNING: Unhandled exception\. The most likely cause/);
        assert.ok(output().includes(`[ERROR] ${errorType}: ${errorMessage}\rTraceback (most recent call last):`), output());
      });
    });
  }

  test('an exception raised at import: its own type, the trace from the first frame outside the runtime', async () => {
    await withEmulator(python('init_raises.handler'), async ({ emulator }) => {
      const payload = (await emulator.invoke({})).payload as { errorType: string; errorMessage: string; stackTrace: string[] };
      assert.equal(payload.errorType, 'RuntimeError');
      assert.equal(payload.errorMessage, 'init went wrong');
      assert.ok(!payload.stackTrace.some((frame) => frame.includes('bootstrap.py') || frame.includes('emu_runtime')), payload.stackTrace.join(''));
      assert.equal(payload.stackTrace.at(-1), `  File "${path.join(CODE_DIR, 'init_raises.py')}", line 1, in <module>\n    raise RuntimeError("init went wrong")\n`);
    });
  });
});

describe('the context object', () => {
  test('every field from the environment and the /next headers', async () => {
    const options = python('app.context_fields', { functionName: 'orders', memoryMb: 256, timeoutSeconds: 30 });
    await withEmulator(options, async ({ emulator }) => {
      const result = await emulator.invoke({}, { clientContext: { custom: { a: 1 }, env: { b: 2 }, client: { app_title: 'shop' } }, identity: { cognitoIdentityId: 'id-1', cognitoIdentityPoolId: 'pool-1' }, tenantId: 'tenant-7' });
      const context = result.payload as Record<string, unknown>;
      assert.equal(context.function_name, 'orders');
      assert.equal(context.function_version, '$LATEST');
      assert.equal(context.invoked_function_arn, 'arn:aws:lambda:us-east-1:123456789012:function:orders');
      assert.equal(context.memory_limit_in_mb, '256', 'a string, as RIC reads it from the environment');
      assert.equal(context.aws_request_id, result.requestId);
      assert.equal(context.log_group_name, '/aws/lambda/orders');
      assert.match(String(context.log_stream_name), /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\]/);
      assert.deepEqual(context.identity, ['id-1', 'pool-1']);
      assert.deepEqual(context.client_context, [{ a: 1 }, { b: 2 }, 'shop']);
      assert.equal(context.tenant_id, 'tenant-7');
      const remainingMs = context.remaining_ms as number;
      assert.ok(remainingMs > 20_000 && remainingMs <= 30_000, `remaining ${remainingMs} ms`);
    });
  });

  test('without client context or identity: client_context None, identity fields None, tenant_id None', async () => {
    await withEmulator(python('app.context_fields'), async ({ emulator }) => {
      const context = (await emulator.invoke({})).payload as Record<string, unknown>;
      assert.equal(context.client_context, null);
      assert.deepEqual(context.identity, [null, null]);
      assert.equal(context.tenant_id, null);
    });
  });
});

describe('errors in the handler', () => {
  for (const mode of MODES) {
    test(`${mode}: an exception is RIC's payload, logged as [ERROR] with CR between lines, and the sandbox lives on when warm`, async () => {
      await withEmulator(python('app.raises', { mode }), async ({ emulator, output }) => {
        const result = await emulator.invoke({ n: 4 });
        assert.equal(result.status, 'error');
        assert.deepEqual(Object.keys(result.payload as object), ['errorMessage', 'errorType', 'requestId', 'stackTrace']);
        assert.deepEqual(result.payload, {
          errorMessage: 'bad value 4',
          errorType: 'ValueError',
          requestId: result.requestId,
          stackTrace: [`  File "${path.join(CODE_DIR, 'app.py')}", line 28, in raises\n    raise ValueError("bad value " + str(event.get("n")))\n`],
        });
        assert.ok(output().includes(`[ERROR] ValueError: bad value 4\rTraceback (most recent call last):\r\u00a0\u00a0File "${path.join(CODE_DIR, 'app.py')}", line 28, in raises\r\u00a0\u00a0\u00a0\u00a0raise ValueError`), JSON.stringify(output()));
        const again = await emulator.invoke({ n: 5 });
        assert.equal((again.payload as { errorMessage: string }).errorMessage, 'bad value 5');
        assert.equal(again.metrics.coldStart, mode === 'cold');
      });
    });
  }

  test('a result json cannot encode: Runtime.MarshalError with RIC\'s text', async () => {
    await withEmulator(python('app.unserialisable'), async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.deepEqual(result.payload, { errorMessage: 'Unable to marshal response: Object of type set is not JSON serializable', errorType: 'Runtime.MarshalError', requestId: result.requestId, stackTrace: [] });
    });
  });

  test('sys.exit(3) in the handler ends the runtime: Runtime.ExitError with its status', async () => {
    await withEmulator(python('app.exits'), async ({ emulator }) => {
      const result = await emulator.invoke({});
      assert.equal(result.error?.errorType, 'Runtime.ExitError');
      assert.match(String(result.error?.errorMessage), /Runtime exited with error: exit status 3$/);
      assert.equal((await emulator.invoke({ n: 2 })).status, 'error', 'a fresh sandbox runs the next event');
    });
  });
});

describe('logs', () => {
  test('text format: print as written, logging as [LEVEL]\\ttimestamp\\trequestId\\tmessage, the root logger at WARNING', async () => {
    await withEmulator(python('app.logs'), async ({ emulator, output }) => {
      const result = await emulator.invoke({});
      assert.equal(result.payload, 'ok');
      assert.ok(output().includes('printed line\n'));
      assert.match(output(), new RegExp(`\\[WARNING\\]\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\\t${result.requestId}\\twarned here\\n`));
      assert.ok(!output().includes('info line'));
    });
  });

  test('AWS_LAMBDA_LOG_FORMAT=JSON with AWS_LAMBDA_LOG_LEVEL=DEBUG: one JSON object per record, every level', async () => {
    await withEmulator(python('app.logs', { env: { AWS_LAMBDA_LOG_FORMAT: 'JSON', AWS_LAMBDA_LOG_LEVEL: 'DEBUG' } }), async ({ emulator, output }) => {
      const result = await emulator.invoke({});
      const records = output().split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(records.map((record) => [record.level, record.message, record.logger, record.requestId]), [
        ['WARNING', 'warned here', 'root', result.requestId],
        ['INFO', 'info line', 'root', result.requestId],
        ['DEBUG', 'debug line', 'root', result.requestId],
      ]);
      assert.match(String(records[0]?.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.deepEqual(Object.keys(records[0] ?? {}), ['timestamp', 'level', 'message', 'logger', 'requestId']);
    });
  });

  test('JSON format: an unhandled exception is logged as one JSON object with log_level ERROR', async () => {
    await withEmulator(python('app.raises', { env: { AWS_LAMBDA_LOG_FORMAT: 'JSON' } }), async ({ emulator, output }) => {
      const result = await emulator.invoke({ n: 1 });
      const line = output().split('\n').find((text) => text.includes('"log_level": "ERROR"'));
      assert.ok(line !== undefined, output());
      const record = JSON.parse(line) as Record<string, unknown>;
      assert.deepEqual(Object.keys(record), ['timestamp', 'log_level', 'errorMessage', 'errorType', 'requestId', 'stackTrace']);
      assert.equal(record.requestId, result.requestId);
    });
  });
});

describe('what the runtime loads before the handler asks', () => {
  test('a no-op invocation loads none of json, logging, socket, traceback, re, enum beyond what python itself loads here', async () => {
    const heavy = ['enum', 'importlib', 'json', 'logging', 're', 'selectors', 'socket', 'traceback'];
    // This machine's site-packages may import some of them at start-up (a .pth file): the yardstick is a bare python's.
    const bare = spawnSync('/usr/bin/python3.11', ['-c', `import sys; print(",".join(n for n in ${JSON.stringify(heavy)} if n in sys.modules))`], { env: {}, encoding: 'utf8', timeout: 20_000 });
    const byPython = bare.stdout.trim() === '' ? [] : bare.stdout.trim().split(',');
    await withEmulator(python('lazy_imports.loaded', { pythonExecutable: '/usr/bin/python3.11' }), async ({ emulator }) => {
      const result = await emulator.invoke({ a: [1, 'é'] });
      assert.equal(result.status, 'ok', result.payloadJson);
      assert.deepEqual(result.payload, byPython);
    });
  });

  test('logging imported only inside the handler still gets Lambda\'s handler on the root logger', async () => {
    await withEmulator(python('lazy_imports.logs_late'), async ({ emulator, output }) => {
      const result = await emulator.invoke({});
      assert.equal(result.payload, 'StdoutHandler', result.payloadJson);
      assert.match(output(), new RegExp(`\\[WARNING\\]\\t\\S+Z\\t${result.requestId}\\timported late\\n`));
    });
  });

  test('logging.basicConfig at import does nothing, as on AWS, whose runtime configured the root logger first', async () => {
    await withEmulator(python('basic_config.handler'), async ({ emulator, output }) => {
      const result = await emulator.invoke({});
      assert.equal(result.payload, 1, 'one handler on the root logger: Lambda\'s');
      assert.match(output(), /\[WARNING\]\t\S+Z\t\tat import\n/, 'logged at init: no request id yet');
      assert.ok(!output().includes('custom '), output());
      assert.ok(!output().includes('info at the handler'), 'the root logger stays at WARNING');
    });
  });

  test('a 5 MB event arrives whole (read in pieces from the socket), and json text parses as the json module parses it', async () => {
    const blob = 'x'.repeat(5 * 1024 * 1024 - 100) + 'end';
    for (const mode of MODES) {
      await withEmulator(python('lazy_imports.echo_size', { mode }), async ({ emulator }) => {
        const result = await emulator.invokeJson(`  {"blob": "${blob}", "nested": {"n": 1e400, "m": -0.0, "s": "\\u00e9\\ud83d\\ude00"}}  `);
        assert.equal(result.status, 'ok', result.payloadJson.slice(0, 300));
        assert.equal(result.payloadJson, '{"size": 5242783, "tail": "end", "nested": {"n": Infinity, "m": -0.0, "s": "\\u00e9\\ud83d\\ude00"}}');
      });
    }
  });
});

describe('the Runtime API requests, as RIC makes them', () => {
  test('/init/error carries Lambda-Runtime-Function-Error-Type; an invocation error carries the X-Ray cause; /next waits without a timeout', async () => {
    const seen: Array<{ url: string; headers: IncomingHttpHeaders; body: string }> = [];
    let nextCalls = 0;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ url: request.url ?? '', headers: request.headers, body });
        if (request.url?.endsWith('/invocation/next')) {
          nextCalls += 1;
          if (nextCalls > 1) return void response.writeHead(500).end(); // the runtime must exit on a failed /next
          // A long poll: answered only after a pause longer than a default socket timeout would allow for nothing.
          setTimeout(() => response.writeHead(200, { 'Lambda-Runtime-Aws-Request-Id': 'req-1', 'Lambda-Runtime-Deadline-Ms': String(Date.now() + 60_000), 'Content-Type': 'application/json' }).end('{"n":2}'), 1500);
          return;
        }
        response.writeHead(202).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const api = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const initFailure = await runBootstrap({ AWS_LAMBDA_RUNTIME_API: api, _HANDLER: 'nope.handler', LAMBDA_TASK_ROOT: CODE_DIR });
      assert.equal(initFailure, 1);
      const init = seen.find((request) => request.url === '/2018-06-01/runtime/init/error');
      assert.equal(init?.headers['lambda-runtime-function-error-type'], 'Runtime.ImportModuleError');
      assert.equal((JSON.parse(init?.body ?? '{}') as { errorType: string }).errorType, 'Runtime.ImportModuleError');

      const invocationRun = await runBootstrap({ AWS_LAMBDA_RUNTIME_API: api, _HANDLER: 'app.raises', LAMBDA_TASK_ROOT: CODE_DIR });
      assert.equal(invocationRun, 1, 'exits when /next answers 500');
      const error = seen.find((request) => request.url === '/2018-06-01/runtime/invocation/req-1/error');
      assert.ok(error !== undefined, JSON.stringify(seen.map((request) => request.url)));
      assert.equal(error.headers['lambda-runtime-function-error-type'], undefined, 'aws-lambda-cpp posts invocation errors without it');
      const cause = JSON.parse(String(error.headers['lambda-runtime-function-xray-error-cause'])) as { exceptions: Array<{ type: string; message: string }> };
      assert.deepEqual(cause.exceptions.map((exception) => [exception.type, exception.message]), [['ValueError', 'bad value 2']]);
    } finally {
      server.close();
    }
    assertNoProcessLeft();
  });
});

function compiledFiles(): string[] {
  return [CODE_DIR, path.dirname(BOOTSTRAP)].flatMap((dir) => readdirSync(dir, { recursive: true }).map((name) => path.join(dir, String(name))).filter((file) => file.endsWith('.pyc')));
}

function runBootstrap(env: Record<string, string>): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-u', BOOTSTRAP], { cwd: CODE_DIR, env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore', timeout: 20_000 });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code));
  });
}
