'use strict';
// emu run's early start: the sandbox's Node begins its own start while this process is still
// loading the CLI (two cores: the two starts overlap), then gets its launch through fd 3.
//
// What to start is the launch the same command line, run from the same directory, started last
// time: the command's argv, the runtime's command line, and the variables Node reads while it
// starts (NODE_OPTIONS, LD_LIBRARY_PATH, TZ, ...), remembered in the user's cache. The process
// starter hands the early process over only when the launch it now builds agrees with all of it
// (src/sandbox/early-start.ts), else ends it and starts the sandbox as always, so a stale
// or missing entry costs one wasted start, never a different sandbox. Only emu's own Node
// bootstrap understands the handover, so only its launches are remembered.
//
// Where bin/emu ran emu's launcher (native/emu-launch.c), the launcher has already started it,
// before this Node began its own start: it says so in _EMU_EARLY_START, and this file takes the
// process over instead of starting one.
const fs = require('node:fs');
const path = require('node:path');

const SPAWN_LIBRARY = path.join(__dirname, '..', 'native', 'build', 'sandbox-spawn.node');
/** Enough for the commands a developer keeps re-running; the oldest goes first. */
const MAX_ENTRIES = 32;
/** The supervisor's clock (src/measure/clock.ts): CLOCK_MONOTONIC in ms, as the launcher reports a start in ns. */
const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;
/** Set by the launcher for this process alone: what it started. */
const LAUNCHED_VARIABLE = '_EMU_EARLY_START';

// The cache is NUL-ended strings, so that the launcher reads it with no parser: this first line,
// then per entry the command's part count and parts (the working folder, then argv), the
// runtime's file, its argument count and arguments, the start-time variable count and the
// variables as NAME=VALUE. None of these can hold a NUL, so a command's parts joined by NULs
// are its key, one string for one command.
const CACHE_MAGIC = 'emu remembered launches 1';

function cacheFile(env) {
  const root = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined);
  return root === undefined ? undefined : path.join(root, 'emu', 'remembered-launches');
}

/**
 * The remembered launches, by command, and which file version they came from (dev:ino:size:mtime,
 * as the launcher reports it): a file that is not this user's own, or is writable by others, is not trusted.
 */
function readEntries(file) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const stat = fs.fstatSync(fd, { bigint: true });
      if (typeof process.getuid === 'function' && stat.uid !== BigInt(process.getuid())) return { entries: [] };
      if ((stat.mode & 0o022n) !== 0n) return { entries: [] };
      return { entries: decodeEntries(fs.readFileSync(fd, 'utf8')), version: `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}` };
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return { entries: [] }; // none yet, or unreadable: no early start
  }
}

function decodeEntries(text) {
  const fields = text.split('\0');
  if (fields.pop() !== '' || fields[0] !== CACHE_MAGIC) return [];
  let at = 1;
  const take = (count) => {
    if (!Number.isSafeInteger(count) || count < 0 || at + count > fields.length) throw new Error('a truncated cache');
    at += count;
    return fields.slice(at - count, at);
  };
  const count = () => (/^\d+$/.test(fields[at] ?? '') ? Number(take(1)[0]) : -1);
  const variable = (text) => {
    const equals = text.indexOf('=');
    if (equals <= 0) throw new Error('a variable without a name');
    return [text.slice(0, equals), text.slice(equals + 1)];
  };
  const entries = [];
  try {
    while (at < fields.length) {
      const key = take(count()).join('\0');
      const [file] = take(1);
      const args = take(count());
      const startupEnv = Object.fromEntries(take(count()).map(variable));
      entries.push({ key, launch: { file, args, startupEnv } });
    }
  } catch {
    return []; // not a file this wrote whole
  }
  return entries;
}

function encodeEntries(entries) {
  const fields = [CACHE_MAGIC];
  for (const { key, launch } of entries) {
    const command = key.split('\0');
    const variables = Object.entries(launch.startupEnv).map(([name, value]) => `${name}=${value}`);
    fields.push(String(command.length), ...command, launch.file, String(launch.args.length), ...launch.args, String(variables.length), ...variables);
  }
  return `${fields.join('\0')}\0`;
}

function isLaunch(value) {
  const text = (item) => typeof item === 'string' && !item.includes('\0');
  return (
    value !== null &&
    typeof value === 'object' &&
    text(value.file) &&
    Array.isArray(value.args) &&
    value.args.every(text) &&
    value.startupEnv !== null &&
    typeof value.startupEnv === 'object' &&
    Object.entries(value.startupEnv).every(([name, item]) => text(name) && !name.includes('=') && text(item))
  );
}

function openSpawnLibrary() {
  if (process.platform !== 'linux') return undefined;
  const module = { exports: {} };
  try {
    process.dlopen(module, SPAWN_LIBRARY);
  } catch {
    return undefined; // not built here: sandboxes start the usual way
  }
  return typeof module.exports.spawn === 'function' && typeof module.exports.watch === 'function' ? module.exports : undefined;
}

/**
 * The early start for this command line, for the CLI (src/sandbox/early-start.ts's EarlyStart):
 * take() the started runtime once (undefined when nothing was remembered, it is turned off, or
 * the vfork library is missing), remember(launch) for the next run, discard() what nobody took.
 * env is this process's own: the launcher's variable is taken out of it.
 */
function earlyStart(argv, cwd, env) {
  const file = cacheFile(env);
  const key = [cwd, ...argv].join('\0');
  const launched = env[LAUNCHED_VARIABLE];
  delete env[LAUNCHED_VARIABLE]; // for this process alone: nothing it starts inherits it
  let cache;
  const readOnce = () => (cache ??= file === undefined ? { entries: [] } : readEntries(file)); // one read per run, whether it starts early or not
  const entry = () => readOnce().entries.find((each) => each.key === key);
  let early;
  let ending = Promise.resolve(); // a launcher's process this run could not use: reaped before the CLI exits
  if (launched === undefined) early = startIfRemembered(argv, env, cwd, entry);
  else {
    const taken = takeOver(launched, entry()?.launch);
    // Used only where this process would have started the same entry itself.
    if (taken !== undefined && wantsEarlyStart(argv, env) && entry() !== undefined && taken.cacheVersion === readOnce().version) early = taken.early;
    else if (taken !== undefined) ending = endAndReap(taken.early); // the cache changed since the launcher read it, say
  }
  return {
    take() {
      const taken = early;
      early = undefined;
      return taken;
    },
    remember: (launch) => {
      if (file !== undefined && isLaunch(launch)) remember(file, key, readOnce().entries, launch);
    },
    /** Ends the early process if nobody took it; resolves once it is reaped. */
    discard() {
      const unused = early;
      early = undefined;
      return Promise.all([ending, unused === undefined ? undefined : endAndReap(unused)]).then(() => undefined);
    },
  };
}

function endAndReap(early) {
  return new Promise((resolve) => {
    early.onExit(() => resolve());
    early.end();
  });
}

function remember(file, key, entries, launch) {
  const same = entries.find((entry) => entry.key === key);
  if (same !== undefined && JSON.stringify(same.launch) === JSON.stringify(launch)) return; // the usual case: nothing to write
  const kept = entries.filter((entry) => entry.key !== key).slice(-(MAX_ENTRIES - 1));
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}`; // written whole, then renamed: a concurrent run reads the old or the new
    fs.writeFileSync(temporary, encodeEntries([...kept, { key, launch }]), { mode: 0o600 });
    fs.renameSync(temporary, file);
  } catch {
    // an unwritable cache: every run starts the usual way
  }
}

/** What the launcher decides too (native/emu-launch.c): `emu run`, not its help, not turned off, not under the execa starter. */
function wantsEarlyStart(argv, env) {
  return argv[0] === 'run' && !argv.includes('--help') && !argv.includes('-h') && env.EMU_EARLY_START !== '0' && env.EMU_PROCESS_STARTER !== 'execa';
}

function startIfRemembered(argv, env, cwd, entry) {
  if (!wantsEarlyStart(argv, env)) return undefined;
  const remembered = entry(); // decoded from NUL-ended fields: its launch is strings, as isLaunch asks
  if (remembered === undefined) return undefined;
  const library = openSpawnLibrary();
  return library === undefined ? undefined : startEarly(library, remembered.launch, cwd);
}

function startEarly(library, launch, cwd) {
  // The marker lets emu's process checks find it; the handoff variable tells the bootstrap to wait for fd 3.
  const startEnv = { ...launch.startupEnv, _EMU_SANDBOX_ID: `${process.pid}/early-start`, _EMU_HANDOFF_FD: '3' };
  const envp = Object.entries(startEnv).map(([name, value]) => `${name}=${value}`);
  const startedAt = monotonicMs();
  let started;
  try {
    started = library.spawn(launch.file, [launch.file, ...launch.args], envp, cwd, true, null, true);
  } catch {
    return undefined; // a remembered Node that is gone, say: the usual start will say why
  }
  return watched(library, launch, started, startedAt);
}

/**
 * The process the launcher started, from its report (pid, the parent's ends of its sockets, its
 * start in CLOCK_MONOTONIC ns, the cache version it read), watched, with that version; undefined
 * when the report names no child of this process (set by hand, say), which is then left alone.
 */
function takeOver(launched, launch) {
  const [pid, stdout, stderr, handoff, startedNs, ...version] = launched.split(',');
  const numbers = [pid, stdout, stderr, handoff].map(Number);
  if (!numbers.every((number) => Number.isSafeInteger(number) && number > 2) || !/^\d+$/.test(startedNs ?? '') || !isOwnChild(numbers[0])) return undefined;
  const started = { pid: numbers[0], stdout: numbers[1], stderr: numbers[2], handoff: numbers[3] };
  const startedAt = Number(startedNs) / 1e6; // the supervisor's clock too: CLOCK_MONOTONIC
  const library = openSpawnLibrary();
  if (library === undefined) {
    end(started); // the launcher is built only beside the library: not reaped before this process exits, then by init
    return undefined;
  }
  const early = watched(library, launch, started, startedAt);
  return early === undefined ? undefined : { early, cacheVersion: version.join(':') };
}

/** Whether pid is a child of this process (/proc/<pid>/stat's fourth field, after the name in parentheses). */
function isOwnChild(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === process.pid;
  } catch {
    return false;
  }
}

/** The early process, its exit watched (the watch reaps it); undefined, and it ended, if it cannot be watched. */
function watched(library, launch, started, startedAt) {
  let exit;
  const exitListeners = [];
  try {
    library.watch(started.pid, (code, signalNumber) => {
      exit = { code, signalNumber };
      for (const listener of exitListeners.splice(0)) listener(code, signalNumber);
    });
  } catch {
    closeEnds(started); // the library ended and reaped it
    return undefined;
  }
  return {
    launch,
    pid: started.pid,
    stdout: started.stdout,
    stderr: started.stderr,
    handoff: started.handoff,
    startedAt,
    /** listener(code, signalNumber) once it has exited and been reaped: at once if it already has. */
    onExit(listener) {
      if (exit !== undefined) listener(exit.code, exit.signalNumber);
      else exitListeners.push(listener);
    },
    /** SIGKILLs its process group and closes this end of its sockets; the watch reaps it. */
    end: () => end(started),
  };
}

function end(started) {
  try {
    process.kill(-started.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  closeEnds(started);
}

/** Closes this end of its sockets. */
function closeEnds(started) {
  for (const fd of [started.stdout, started.stderr, started.handoff]) {
    try {
      fs.closeSync(fd);
    } catch {
      // not open here
    }
  }
}

module.exports = { earlyStart };
