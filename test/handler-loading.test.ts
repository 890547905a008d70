// Handlers are found and loaded as AWS's Node runtime does, and load failures give AWS's Runtime.* errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MODES, withEmulator } from './helpers.js';

for (const mode of MODES) {
  describe(`handler loading (${mode})`, () => {
    const loads = [
      ['cjs-package/index.handler', { kind: 'commonjs', hasRequire: true }],
      ['esm-package/index.handler', { kind: 'esm', hasImportMeta: true }],
      ['plain.handler', 'from .cjs'],
      ['src/api/users.list', [{ id: 1, name: 'Ada' }]],
      ['src/api/users.nested.deeper.handler', 'nested property path'],
      ['top-level-await.handler', 'ready'],
    ] as const;
    for (const [handler, expected] of loads) {
      test(`loads ${handler}`, async () => {
        await withEmulator({ handler, mode }, async ({ emulator }) => {
          const result = await emulator.invoke({});
          assert.equal(result.status, 'ok', result.payloadJson);
          assert.deepEqual(result.payload, expected);
        });
      });
    }

    test('top-level await counts in Init Duration', async () => {
      await withEmulator({ handler: 'top-level-await.handler', mode }, async ({ emulator }) => {
        const result = await emulator.invoke({});
        assert.ok((result.metrics.initDurationMs ?? 0) >= 300, `init ${result.metrics.initDurationMs} ms`);
      });
    });

    const failures = [
      ['noop.missing', 'Runtime.HandlerNotFound', /^noop\.missing is undefined or not exported$/],
      ['cjs-package/index.notAFunction', 'Runtime.HandlerNotFound', /^cjs-package\/index\.notAFunction is not a function$/],
      ['nowhere.handler', 'Runtime.ImportModuleError', /^Error: Cannot find module 'nowhere'/],
      ['syntax-error.handler', 'Runtime.UserCodeSyntaxError', /^SyntaxError: Unexpected token/],
      ['nodot', 'Runtime.MalformedHandlerName', /^Bad handler$/],
      ['../outside.handler', 'Runtime.MalformedHandlerName', /is not a valid handler name/],
    ] as const;
    for (const [handler, errorType, message] of failures) {
      test(`${handler} fails init with ${errorType}, and every invocation reports it`, async () => {
        await withEmulator({ handler, mode }, async ({ emulator }) => {
          for (let i = 0; i < 2; i++) {
            const result = await emulator.invoke({});
            assert.equal(result.error?.errorType, errorType, result.payloadJson);
            assert.match(result.error?.errorMessage ?? '', message);
            assert.equal(result.metrics.coldStart, true, 'init is retried on the next invocation');
          }
        });
      });
    }
  });
}
