// A server under load in the serve benchmark, started as a child process and ready once a line of
// its stdout matches (serverless-offline's "Server ready", a bare server's port line).
import { spawn } from 'node:child_process';

export interface ServerUnderLoad {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** `node <args>` in `cwd`; when `url` is empty the ready line's first capture is the port of http://127.0.0.1:<port>/hello. */
export async function startUntilLine(name: string, url: string, args: string[], cwd: string, ready: RegExp): Promise<ServerUnderLoad> {
  const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  let seen = false;
  const match = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: not ready after 60 s:\n${output}`)), 60_000);
    const onData = (chunk: Buffer): void => {
      // Kept reading (and dropped) after it is ready: serverless-offline logs every request.
      if (seen || output.length > 100_000) return;
      output += chunk.toString();
      for (const line of output.split('\n')) {
        const found = ready.exec(line);
        if (found !== null) {
          clearTimeout(timer);
          seen = true;
          resolve(found);
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited before it was ready:\n${output}`));
    });
  });
  return {
    name,
    url: url === '' ? `http://127.0.0.1:${match[1]}/hello` : url,
    pid: child.pid as number,
    stop: async () => void (child.kill('SIGINT'), await exited),
  };
}
