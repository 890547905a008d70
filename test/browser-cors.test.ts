// A real browser as the client (docs/cors.md): headless Chromium loads a page from one loopback
// origin, whose script fetches emu serve on another: what CORS allows must be readable, what it
// does not must be refused by the browser itself. The page posts what each fetch got to its server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { assertNoProcessLeft, REPO_ROOT } from './helpers.js';
import { startServe } from './serve-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const TEMPLATE = path.join(REPO_ROOT, 'test', 'fixtures', 'serve-cors', 'template.yaml');
const BROWSER_TIMEOUT_MS = 90_000;
const probe = spawnSync(CHROMIUM, ['--version'], { encoding: 'utf8', timeout: 30_000 });
const missing = probe.status === 0 ? undefined : `no ${CHROMIUM} (apt-get install chromium; .ci/run does): ${probe.error?.message ?? probe.stderr}`;
if (missing !== undefined) process.stderr.write(`skipping the browser test: ${missing}\n`);

const scratch = mkdtempSync(path.join(os.tmpdir(), 'emu-browser-'));
after(() => {
  rmSync(scratch, { recursive: true, force: true });
  assertNoProcessLeft();
});

interface Attempt {
  ok: boolean;
  status?: number;
  answer?: string | null;
  body?: { method: string };
  error?: string;
}

function page(api: string, functionUrl: string): string {
  const script = `
    const out = {};
    async function attempt(name, url, init) {
      try {
        const response = await fetch(url, init);
        out[name] = { ok: true, status: response.status, answer: response.headers.get('x-answer'), body: await response.json() };
      } catch (error) {
        out[name] = { ok: false, error: error.name };
      }
    }
    (async () => {
      const api = ${JSON.stringify(api)};
      await attempt('httpSimple', api + '/open/a');
      await attempt('httpPreflighted', api + '/open/a', { method: 'PUT', headers: { 'x-custom': '1', 'content-type': 'application/json' }, body: '{}' });
      await attempt('restAllowed', api + '/rest/a?allow=' + encodeURIComponent(location.origin), { method: 'PUT', headers: { 'x-custom': '1' } });
      await attempt('restRefused', api + '/rest/a', { method: 'PUT', headers: { 'x-custom': '1' } });
      await attempt('functionUrl', ${JSON.stringify(functionUrl)} + '/x', { method: 'DELETE' });
      await attempt('noCors', api + '/closed');
      await fetch('/results', { method: 'POST', body: JSON.stringify(out) });
    })();`;
  return `<!doctype html><html><head><title>emu cors</title></head><body><script>${script}</script></body></html>`;
}

/** A page server on its own port (its own origin); resolves the results the page posts back. */
async function pageServer(): Promise<{ server: Server; origin: string; setPage(html: string): void; results: Promise<Record<string, Attempt>> }> {
  let html = '';
  let deliver: (results: Record<string, Attempt>) => void = () => {};
  const results = new Promise<Record<string, Attempt>>((resolve) => (deliver = resolve));
  const server = createServer((request, response) => {
    if (request.method === 'POST' && request.url === '/results') {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        response.writeHead(204).end();
        deliver(JSON.parse(body) as Record<string, Attempt>);
      });
      return;
    }
    response.writeHead(request.url === '/' ? 200 : 404, { 'content-type': 'text/html' }).end(request.url === '/' ? html : '');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, origin, setPage: (text) => (html = text), results };
}

test('headless Chromium: CORS lets through what each product allows, and the browser refuses the rest', { skip: missing, timeout: 180_000 }, async () => {
  const site = await pageServer();
  const serve = await startServe(['--template', TEMPLATE, '--no-credentials', '--parameter-overrides', `PageOrigin=${site.origin}`]);
  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-extensions', `--user-data-dir=${path.join(scratch, 'profile')}`];
  const browser = spawn(CHROMIUM, [...flags, `${site.origin}/`], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let browserLog = '';
  browser.stderr.on('data', (chunk: Buffer) => (browserLog += chunk.toString()));
  const exited = new Promise<void>((resolve) => browser.once('exit', () => resolve()));
  try {
    site.setPage(page(serve.url, serve.functionUrls[0]?.url as string));
    const timer = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no results from the page within ${BROWSER_TIMEOUT_MS} ms; chromium said: ${browserLog.slice(-2000)}`)), BROWSER_TIMEOUT_MS).unref());
    const results = await Promise.race([site.results, timer]);
    assert.deepEqual(results.httpSimple, { ok: true, status: 200, answer: 'answered GET', body: { method: 'GET', path: '/open/a' } });
    assert.deepEqual(results.httpPreflighted, { ok: true, status: 200, answer: 'answered PUT', body: { method: 'PUT', path: '/open/a' } });
    assert.deepEqual(results.restAllowed, { ok: true, status: 200, answer: null, body: { method: 'PUT', path: '/rest/a' } }, 'x-answer is not exposed by a REST API');
    assert.deepEqual(results.restRefused, { ok: false, error: 'TypeError' }, "the function's own origin is not the page's");
    assert.deepEqual(results.functionUrl, { ok: true, status: 200, answer: 'answered DELETE', body: { method: 'DELETE', path: '/x' } });
    assert.deepEqual(results.noCors, { ok: false, error: 'TypeError' });
    // The browser sent its preflights, and the gateways answered them without a function.
    assert.match(serve.stderr(), /OPTIONS \/open\/a 204 - /);
    assert.match(serve.stderr(), /OPTIONS \/rest\/a 200 - /);
    assert.match(serve.stderr(), /PUT \/open\/a 200 CorsFunction/);
  } finally {
    try {
      process.kill(-(browser.pid as number), 'SIGKILL'); // chromium's whole process group: its zygote and renderers too
    } catch {
      // already gone
    }
    await exited;
    await serve.stop();
    await new Promise<void>((resolve) => site.server.close(() => resolve()));
  }
});
