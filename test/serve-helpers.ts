/** A real `emu serve` process for the serve tests, and a raw HTTP client that can repeat headers. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { listDescendants } from '../src/sandbox/index.js';
import { assertNoSandboxOf, eventually, isAlive, REPO_ROOT } from './helpers.js';

export const EMU = path.join(REPO_ROOT, 'bin', 'emu.js');
export const SERVE_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'serve');

export interface RunningServe {
  url: string;
  /** The emu serve process itself. */
  pid: number;
  functionUrls: Array<{ functionName: string; url: string }>;
  stderr(): string;
  /** SIGINT (or the signal given), then checks the exit code is 0 and that no sandbox outlived emu. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** How long emu serve may take to start listening, and to exit once asked to stop, before the test SIGKILLs it and fails. */
export const SERVE_START_TIMEOUT_MS = 60_000;
export const SERVE_STOP_TIMEOUT_MS = 30_000;

export async function startServe(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<RunningServe> {
  const env = options.env === undefined ? process.env : { ...process.env, ...options.env };
  const child = spawn(process.execPath, [EMU, 'serve', '--port', '0', '--json', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`emu serve did not start listening within ${SERVE_START_TIMEOUT_MS} ms (SIGKILLed): ${stderr}`));
    }, SERVE_START_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      resolve(stdout.split('\n')[0] as string);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`emu serve exited with ${code}: ${stderr}`));
    });
  });
  const address = JSON.parse(line) as { url: string; functionUrls: RunningServe['functionUrls'] };
  return { ...address, pid: child.pid as number, stderr: () => stderr, stop: (signal) => stop(child, exited, () => stderr, signal) };
}

async function stop(child: ChildProcess, exited: Promise<number | null>, stderr: () => string, signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
  const sandboxes = listDescendants(child.pid as number);
  child.kill(signal);
  assert.equal(await exitWithin(child, exited, SERVE_STOP_TIMEOUT_MS), 0, `emu serve after ${signal}: ${stderr()}`);
  assert.ok(await eventually(() => sandboxes.every((pid) => !isAlive(pid))), `sandboxes left: ${sandboxes.filter(isAlive).join(' ')}`);
  assertNoSandboxOf(child.pid as number);
}

/** The exit code; past timeoutMs, SIGKILL and a failure (a process that ignores its signal must not hang the suite). */
export async function exitWithin(child: ChildProcess, exited: Promise<number | null>, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
  const outcome = await Promise.race([exited, late]);
  clearTimeout(timer);
  if (outcome !== 'late') return outcome;
  child.kill('SIGKILL');
  await exited;
  throw new Error(`process ${child.pid} had not exited ${timeoutMs} ms after it was asked to (SIGKILLed)`);
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

/** Headers as a flat [name, value, name, value…] list, so a test can send a header twice. */
export function send(url: string, options: { method?: string; headers?: string[]; body?: Buffer | string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // A flat header list replaces Node's defaults, Host included.
    const headers = ['Host', new URL(url).host, ...(options.headers ?? [])];
    const req = httpRequest(url, { method: options.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: <T>() => JSON.parse(text) as T });
      });
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/** The echo fixture answers with the event it received, as the response body. */
export async function echoedEvent(url: string, options: Parameters<typeof send>[1] = {}): Promise<Echo> {
  const response = await send(url, options);
  assert.equal(response.status, 200, response.text);
  return echo(response.json());
}

/** An echoed event, read field by dotted path: `event.at('requestContext.http.method')`. */
export interface Echo {
  raw: Record<string, unknown>;
  at(path: string): unknown;
}

export function echo(raw: Record<string, unknown>): Echo {
  return {
    raw,
    at: (path) =>
      path.split('.').reduce<unknown>((value, key) => (typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined), raw),
  };
}
