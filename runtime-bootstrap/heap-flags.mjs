// The sandbox starts with AWS's heap flags (--max-old-space-size, --max-semi-space-size).
// Any V8 flag makes V8 refuse Node's built-in code cache, so each builtin the runtime
// loads would be compiled from source: ~5 ms of CPU on every cold start. The heap was
// sized when the process started, so the flags can sit at their defaults while the
// runtime loads its builtins; they are restored before the handler loads, and user
// code (its builtins, Workers, v8.getHeapStatistics()) sees exactly what AWS gives it.
// Imported first by index.mjs, so it runs before the other runtime modules load.
const v8 = process.getBuiltinModule('node:v8');
const HEAP_FLAG = /^--max[-_](?:old|semi)[-_]space[-_]size=/;
const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].filter((flag) => HEAP_FLAG.test(flag));

for (const flag of given) v8.setFlagsFromString(flag.replace(/=.*/, '=0')); // 0 is V8's default: "derive from the system"

export function restoreHeapFlags() {
  for (const flag of given) v8.setFlagsFromString(flag);
}
