/** Ctrl-C and friends: one handler, removed again when the work is done. */

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Calls onInterrupt once on the first SIGINT, SIGTERM or SIGHUP; returns the function that removes the hooks. */
export function onInterrupt(onInterrupt: (signal: NodeJS.Signals) => void): () => void {
  let fired = false;
  const listener = (signal: NodeJS.Signals): void => {
    if (fired) return;
    fired = true;
    onInterrupt(signal);
  };
  for (const signal of SIGNALS) process.on(signal, listener);
  return () => {
    for (const signal of SIGNALS) process.off(signal, listener);
  };
}
