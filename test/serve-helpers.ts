/** A real `emu serve` process for the serve tests, and a raw HTTP client that can repeat headers. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { listDescendants } from '../src/sandbox/index.js';
import { eventually, isAlive, REPO_ROOT } from './helpers.js';

export const EMU = path.join(REPO_ROOT, 'bin', 'emu.js');
export const SERVE_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'serve');

export interface RunningServe {
  url: string;
  /** The emu serve process itself. */
  pid: number;
  functionUrls: Array<{ functionName: string; url: string }>;
  stderr(): string;
  /** SIGINT, then checks the exit code is 0 and that no sandbox outlived emu. */
  stop(): Promise<void>;
}

export async function startServe(args: string[], options: { env?: NodeJS.ProcessEnv } = {}): Promise<RunningServe> {
  const env = options.env === undefined ? process.env : { ...process.env, ...options.env };
  const child = spawn(process.execPath, [EMU, 'serve', '--port', '0', '--json', ...args], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0] as string);
    });
    void exited.then((code) => reject(new Error(`emu serve exited with ${code}: ${stderr}`)));
  });
  const address = JSON.parse(line) as { url: string; functionUrls: RunningServe['functionUrls'] };
  return { ...address, pid: child.pid as number, stderr: () => stderr, stop: () => stop(child, exited, () => stderr) };
}

async function stop(child: ChildProcess, exited: Promise<number | null>, stderr: () => string): Promise<void> {
  const sandboxes = listDescendants(child.pid as number);
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr());
  assert.ok(await eventually(() => sandboxes.every((pid) => !isAlive(pid))), `sandboxes left: ${sandboxes.filter(isAlive).join(' ')}`);
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
