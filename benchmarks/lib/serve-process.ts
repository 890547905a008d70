// A child process whose first stdout line says it is ready (emu serve --json prints its addresses so),
// stopped with SIGINT as a user stops it. Shared by the benchmarks that measure through emu serve.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface LineProcess {
  line: string;
  child: ChildProcess;
  pid: number;
  stop(): Promise<void>;
}

/** Runs `node <args>` from the repository root and resolves with its first stdout line. */
export async function startFirstLine(args: string[]): Promise<LineProcess> {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'ignore'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0] as string);
    });
    void exited.then(() => reject(new Error(`node ${args.join(' ')} exited before its first line`)));
  });
  return { line, child, pid: child.pid as number, stop: async () => void (child.kill('SIGINT'), await exited) };
}

export interface RunningServe extends LineProcess {
  url: string;
  functionUrls: Array<{ functionName: string; url: string }>;
}

/** `emu serve <args> --port 0 --json`, resolved once it listens. */
export async function startServe(args: string[]): Promise<RunningServe> {
  const started = await startFirstLine(['bin/emu.js', 'serve', ...args, '--port', '0', '--json']);
  const { url, functionUrls } = JSON.parse(started.line) as { url: string; functionUrls: RunningServe['functionUrls'] };
  return { ...started, url, functionUrls };
}
