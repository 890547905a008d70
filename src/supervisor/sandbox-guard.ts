/**
 * No sandbox outlives the process that started it. While any emulator is open this
 * process holds an exit hook and a SIGINT/SIGTERM/SIGHUP hook: both end every live
 * sandbox at once (synchronously: a signal's default action leaves no time for more).
 * A signal then has its normal effect: when no listener of the host program's own is
 * there to decide, the hook steps aside and raises the signal again. The hooks go when
 * the last emulator closes. (A supervisor killed outright, by SIGKILL or the OOM killer,
 * runs no code at all: for that the kernel's parent-death signal ends each sandbox; see
 * src/sandbox/spawn-bootstrap.ts.)
 */
import type { Sandbox } from '../sandbox/index.js';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

const liveSandboxes = new Set<Sandbox>();
let openEmulators = 0;

export const sandboxGuard = {
  sandboxStarted(sandbox: Sandbox): void {
    liveSandboxes.add(sandbox);
  },
  sandboxEnded(sandbox: Sandbox): void {
    liveSandboxes.delete(sandbox);
  },
  emulatorOpened(): void {
    if (openEmulators++ === 0) install();
  },
  emulatorClosed(): void {
    if (--openEmulators === 0) uninstall();
  },
};

function endEverySandbox(): void {
  for (const sandbox of liveSandboxes) void sandbox.retire();
}

function onSignal(signal: NodeJS.Signals): void {
  endEverySandbox();
  if (process.listenerCount(signal) > 1) return; // the host program's own listener decides what happens next
  uninstall();
  process.kill(process.pid, signal); // no listener left: the default action, as if emu had never been here
}

function install(): void {
  process.on('exit', endEverySandbox);
  // First in line, whenever installed: it sees every listener of the host's, before one can remove itself.
  for (const signal of SIGNALS) process.prependListener(signal, onSignal);
}

function uninstall(): void {
  process.off('exit', endEverySandbox);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}
