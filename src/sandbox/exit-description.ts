/** How AWS words a runtime's exit: Go's os.ProcessState text, behind "Runtime exited…". */

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const SIGNAL_TEXT: Partial<Record<NodeJS.Signals, string>> = {
  SIGKILL: 'killed',
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGTERM: 'terminated',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
  SIGFPE: 'floating point exception',
  SIGINT: 'interrupt',
  SIGHUP: 'hangup',
  SIGPIPE: 'broken pipe',
  SIGQUIT: 'quit',
  SIGTRAP: 'trace/breakpoint trap',
  SIGUSR1: 'user defined signal 1',
  SIGUSR2: 'user defined signal 2',
};

export function exitDescription({ code, signal }: ExitStatus): string {
  if (signal !== null) return `Runtime exited with error: signal: ${SIGNAL_TEXT[signal] ?? signal}`;
  if (code === 0 || code === null) return 'Runtime exited without providing a reason';
  return `Runtime exited with error: exit status ${code}`;
}
