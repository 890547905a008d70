/**
 * `emu runtime install <nodejsNN.x>` and `emu runtime list`: the Node.js versions a function's
 * Runtime can run on. stdout gets the result (the installed binary's path; one line per Node
 * found), stderr what happened.
 */
import { usageError } from '../errors/emu-error.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

export const RUNTIME_USAGE = `Usage: emu runtime install <nodejs18.x | nodejs20.x | nodejs22.x | nodejs24.x>
       emu runtime list

install  fetches the official Node.js binary of the newest release of that major from the
         npm registry (the node-<platform>-<arch> packages), checks its sha512 and keeps it in
         emu's cache ($XDG_CACHE_HOME/emu/node, else ~/.cache/emu/node); prints its path.
list     every Node.js emu finds for a function's Runtime: this one, the version managers'
         (nvm, fnm, n, volta, asdf, nodenv) and emu's cache; one "version path (source)" per line.
`;

export async function runRuntimeCommand(argv: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = argv;
  if (action === undefined || action === '-h' || action === '--help' || action === 'help') {
    (action === undefined ? io.stderr : io.stdout).write(RUNTIME_USAGE);
    return action === undefined ? ExitCode.usage : ExitCode.success;
  }
  if (action === 'list') {
    if (rest.length > 0) throw usageError(`emu runtime list takes no arguments ('${rest[0]}' given)`);
    const { listNodes } = await import('../sandbox/node-finder.js');
    for (const node of listNodes()) io.stdout.write(`${node.version} ${node.executable} (${node.source})\n`);
    return ExitCode.success;
  }
  if (action !== 'install') throw usageError(`unknown emu runtime action '${action}' (install or list)`);
  const [runtime, ...extra] = rest;
  if (runtime === undefined) throw usageError('emu runtime install needs a runtime, e.g. nodejs22.x');
  if (extra.length > 0) throw usageError(`unexpected argument '${extra[0]}'`);
  const { installNode } = await import('../runtimes/node-install.js');
  const installed = await installNode(runtime);
  io.stderr.write(`emu: Node.js ${installed.version} ${installed.downloaded ? 'installed' : 'was already installed'}; functions with Runtime ${runtime} run on it\n`);
  io.stdout.write(`${installed.executable}\n`);
  return ExitCode.success;
}
