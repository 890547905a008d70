// A function's declared Node.js runtime runs on a Node.js of that major: `emu runtime install` fetches the
// official binary from the npm registry (real download, into a temporary XDG_CACHE_HOME), the finder picks it
// up, and without one emu says in one line what it found and how to get the missing one.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { assertNoProcessLeft, FIXTURES, runEmu } from './helpers.js';

const cache = mkdtempSync(path.join(os.tmpdir(), 'emu-node-cache-'));
const env = { ...process.env, XDG_CACHE_HOME: cache };
const REPORT = ['report.handler', '-', '--code-dir', path.join(FIXTURES, 'node-version'), '--no-credentials'];
const hostMajor = process.versions.node.split('.')[0] as string;
// A major that is not this Node's: what the install test fetches.
const other = hostMajor === '22' ? '20' : '22';
after(() => {
  rmSync(cache, { recursive: true, force: true });
  assertNoProcessLeft();
});

interface Report {
  node: string;
  executionEnv: string;
  path: string;
}

test(`nodejs${other}.x with no Node.js ${other} anywhere: runs on this Node, with one line saying what was found and how to get it`, async () => {
  const run = await runEmu(['run', ...REPORT, '--runtime', `nodejs${other}.x`], { env, stdin: '{}' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as Report).node, process.version);
  const warning = run.stderr.split('\n').filter((line) => line.includes(`nodejs${other}.x`));
  assert.equal(warning.length, 1, run.stderr);
  assert.match(warning[0] as string, new RegExp(`no Node.js ${other} found \\(found: ${process.versions.node.replaceAll('.', '\\.')} \\(this Node\\).*\\); running on this Node .*emu runtime install nodejs${other}\\.x`));
});

test(`emu runtime install nodejs${other}.x fetches it from the npm registry; the function then runs on it, and list shows it`, async () => {
  const install = await runEmu(['runtime', 'install', `nodejs${other}.x`], { env, timeoutMs: 300_000 });
  assert.equal(install.code, 0, install.stderr);
  const executable = install.stdout.trim();
  assert.match(executable, new RegExp(`^${cache}/emu/node/v${other}\\.\\d+\\.\\d+/bin/node$`));
  assert.match(install.stderr, new RegExp(`Node.js ${other}\\.\\d+\\.\\d+ installed`));
  const again = await runEmu(['runtime', 'install', `nodejs${other}.x`], { env });
  assert.equal(again.stdout.trim(), executable);
  assert.match(again.stderr, /was already installed/);

  const run = await runEmu(['run', ...REPORT, '--runtime', `nodejs${other}.x`], { env, stdin: '{}' });
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  assert.match(report.node, new RegExp(`^v${other}\\.`));
  assert.equal(report.executionEnv, `AWS_Lambda_nodejs${other}.x`);
  assert.equal(report.path, path.dirname(executable), "the runtime's Node first on PATH, as /var/lang/bin on AWS");
  assert.doesNotMatch(run.stderr, /warning/);

  const list = await runEmu(['runtime', 'list'], { env });
  assert.match(list.stdout, new RegExp(`^${other}\\.\\d+\\.\\d+ ${executable} \\(emu's cache\\)$`, 'm'));
  assert.match(list.stdout, new RegExp(`^${process.versions.node} ${process.execPath} \\(this Node\\)$`, 'm'));
});

test('--node PATH runs that Node.js; the runtime this Node matches needs no search', async () => {
  const wrapper = path.join(cache, 'node-wrapper');
  writeFileSync(wrapper, `#!/bin/sh\nexec ${process.execPath} "$@"\n`);
  chmodSync(wrapper, 0o755);
  const run = await runEmu(['run', ...REPORT, '--node', wrapper], { env, stdin: '{}' });
  assert.equal(run.code, 0, run.stderr);
  assert.equal((JSON.parse(run.stdout) as Report).path, cache, 'the given Node’s folder first on PATH');
  const host = await runEmu(['run', ...REPORT, '--runtime', `nodejs${hostMajor}.x`], { env, stdin: '{}' });
  assert.equal((JSON.parse(host.stdout) as Report).node, process.version);
  assert.doesNotMatch(host.stderr, /warning/);
});

test('a runtime emu does not run, or a Node.js install of something else: exit 2, one line', async () => {
  const bad = await runEmu(['run', ...REPORT, '--runtime', 'java21'], { env, stdin: '{}' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^emu: runtime 'java21' is not one emu runs: nodejs18\.x, nodejs20\.x, nodejs22\.x, nodejs24\.x, python3\.9 … python3\.13, provided\.al2023, provided\.al2, provided\n$/);
  const install = await runEmu(['runtime', 'install', 'provided.al2023'], { env });
  assert.equal(install.code, 2);
  assert.match(install.stderr, /^emu: 'provided\.al2023' is not a Node\.js runtime/);
});
