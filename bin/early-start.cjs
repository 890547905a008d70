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
const fs = require('node:fs');
const path = require('node:path');

const SPAWN_LIBRARY = path.join(__dirname, '..', 'native', 'build', 'sandbox-spawn.node');
/** Enough for the commands a developer keeps re-running; the oldest goes first. */
const MAX_ENTRIES = 32;

function cacheFile(env) {
  const root = env.XDG_CACHE_HOME || (env.HOME ? path.join(env.HOME, '.cache') : undefined);
  return root === undefined ? undefined : path.join(root, 'emu', 'early-start.json');
}

/** The remembered launches, by command: a file that is not this user's own, or is writable by others, is not trusted. */
function readEntries(file) {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const stat = fs.fstatSync(fd);
      if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return [];
      if ((stat.mode & 0o022) !== 0) return [];
      const entries = JSON.parse(fs.readFileSync(fd, 'utf8'));
      return Array.isArray(entries) ? entries : [];
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return []; // none yet, or unreadable: no early start
  }
}

function isLaunch(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.file === 'string' &&
    Array.isArray(value.args) &&
    value.args.every((arg) => typeof arg === 'string') &&
    value.startupEnv !== null &&
    typeof value.startupEnv === 'object' &&
    Object.values(value.startupEnv).every((text) => typeof text === 'string')
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
 */
function earlyStart(argv, cwd, env) {
  const file = cacheFile(env);
  const key = JSON.stringify([cwd, ...argv]);
  let entries;
  const readOnce = () => (entries ??= file === undefined ? [] : readEntries(file)); // one read per run, whether it starts early or not
  let early = startIfRemembered(argv, env, cwd, readOnce().find((entry) => entry.key === key));
  return {
    take() {
      const taken = early;
      early = undefined;
      return taken;
    },
    remember: (launch) => {
      if (file !== undefined && isLaunch(launch)) remember(file, key, readOnce(), launch);
    },
    /** Ends the early process if nobody took it; resolves once it is reaped. */
    discard() {
      const unused = early;
      early = undefined;
      if (unused === undefined) return Promise.resolve();
      return new Promise((resolve) => {
        unused.onExit(() => resolve());
        unused.end();
      });
    },
  };
}

function remember(file, key, entries, launch) {
  const same = entries.find((entry) => entry.key === key);
  if (same !== undefined && JSON.stringify(same.launch) === JSON.stringify(launch)) return; // the usual case: nothing to write
  const kept = entries.filter((entry) => entry.key !== key).slice(-(MAX_ENTRIES - 1));
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}`; // written whole, then renamed: a concurrent run reads the old or the new
    fs.writeFileSync(temporary, JSON.stringify([...kept, { key, launch }]), { mode: 0o600 });
    fs.renameSync(temporary, file);
  } catch {
    // an unwritable cache: every run starts the usual way
  }
}

function startIfRemembered(argv, env, cwd, entry) {
  const wanted = argv[0] === 'run' && !argv.includes('--help') && !argv.includes('-h') && env.EMU_EARLY_START !== '0' && env.EMU_PROCESS_STARTER !== 'execa';
  if (!wanted || entry === undefined || !isLaunch(entry.launch)) return undefined;
  const library = openSpawnLibrary();
  return library === undefined ? undefined : startEarly(library, entry.launch, cwd);
}

function startEarly(library, launch, cwd) {
  // The marker lets emu's process checks find it; the handoff variable tells the bootstrap to wait for fd 3.
  const startEnv = { ...launch.startupEnv, _EMU_SANDBOX_ID: `${process.pid}/early-start`, _EMU_HANDOFF_FD: '3' };
  const envp = Object.entries(startEnv).map(([name, value]) => `${name}=${value}`);
  const startedAt = performance.now();
  let started;
  try {
    started = library.spawn(launch.file, [launch.file, ...launch.args], envp, cwd, true, null, true);
  } catch {
    return undefined; // a remembered Node that is gone, say: the usual start will say why
  }
  let exit;
  const exitListeners = [];
  try {
    library.watch(started.pid, (code, signalNumber) => {
      exit = { code, signalNumber };
      for (const listener of exitListeners.splice(0)) listener(code, signalNumber);
    });
  } catch {
    for (const fd of [started.stdout, started.stderr, started.handoff]) fs.closeSync(fd); // the library ended and reaped it
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
    end() {
      try {
        process.kill(-started.pid, 'SIGKILL');
      } catch {
        // already gone
      }
      for (const fd of [started.stdout, started.stderr, started.handoff]) fs.closeSync(fd);
    },
  };
}

module.exports = { earlyStart };
