// `emu serve --watch`: a code change gives the next requests fresh sandboxes, without restarting emu.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { send, SERVE_FIXTURES, startServe } from './serve-helpers.js';

test('--watch: after the handler file changes, requests get the new code', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'emu-watch-'));
  copyFileSync(path.join(SERVE_FIXTURES, 'api', 'watched.mjs'), path.join(dir, 'watched.mjs'));
  const serve = await startServe(['watched.handler', '--code-dir', dir, '--watch']);
  try {
    assert.equal((await send(serve.url)).text, '{"version":1}');
    writeFileSync(path.join(dir, 'watched.mjs'), 'export const handler = async () => ({ version: 2 });\n');
    let latest = '';
    for (const until = Date.now() + 5000; latest !== '{"version":2}' && Date.now() < until; ) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      latest = (await send(serve.url)).text;
    }
    assert.equal(latest, '{"version":2}', serve.stderr());
    assert.match(serve.stderr(), /watched\.mjs changed; new requests get fresh sandboxes/);
  } finally {
    await serve.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
