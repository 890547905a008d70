/**
 * A sandbox process started by the vfork library (native/sandbox-spawn.c), directly or by emu
 * run's early start: its socket-pair ends as streams, its reaped exit as Node's ChildProcess
 * reports it ('exit', then 'close' once stdout and stderr have closed too).
 */
import { EventEmitter } from 'node:events';
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants as osConstants } from 'node:os';
import { internalError } from '../errors/emu-error.js';
import type { SandboxProcess } from './process-starter.js';

export type ExitWatch = (onExit: (code: number | null, signalNumber: number | null) => void) => void;

/** Each number's first name, as Node's ChildProcess reports it: SIGABRT, not its alias SIGIOT (SIGIO, not SIGPOLL). */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>();
for (const [name, number] of Object.entries(osConstants.signals)) if (!SIGNAL_NAMES.has(number)) SIGNAL_NAMES.set(number, name as NodeJS.Signals);

export class VforkProcess extends EventEmitter implements SandboxProcess {
  readonly pid: number;
  readonly stdout: Socket;
  readonly stderr: Socket;
  readonly initStartedAt: (() => number | undefined) | undefined;

  /** watch: reports the exit once the process has been reaped (the library's watch, or an early start's). */
  constructor(
    started: { pid: number; stdout: number; stderr: number },
    watch: ExitWatch,
    initStartedAt?: () => number | undefined,
  ) {
    super();
    this.pid = started.pid;
    this.initStartedAt = initStartedAt;
    let exited = false;
    let openStreams = 2;
    const closeWhenDone = (): void => {
      if (exited && openStreams === 0) this.emit('close');
    };
    // Watched first: whatever fails after this, the child is still reaped. If the watch itself
    // fails, the library has already ended and reaped the child; its sockets go too.
    try {
      watch((code, signalNumber) => {
        exited = true;
        this.emit('exit', code, signalNumber === null ? null : (SIGNAL_NAMES.get(signalNumber) ?? null));
        closeWhenDone();
      });
    } catch (error) {
      closeSync(started.stdout);
      closeSync(started.stderr);
      throw internalError(`could not watch the sandbox's process ${started.pid}: ${(error as Error).message}`);
    }
    this.stdout = new Socket({ fd: started.stdout, readable: true, writable: false });
    this.stderr = new Socket({ fd: started.stderr, readable: true, writable: false });
    for (const stream of [this.stdout, this.stderr]) {
      stream.once('close', () => {
        openStreams -= 1;
        closeWhenDone();
      });
    }
  }
}
