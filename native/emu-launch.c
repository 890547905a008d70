/*
 * emu's launcher: what the `emu` command runs first where this install built it (bin/emu).
 * It ends by exec'ing Node on the CLI (bin/emu.js), so it adds one exec to every command. For a
 * rerun of an `emu run`, it first starts the runtime the same command line, run from the same
 * folder, started last time: the sandbox's Node then starts while the CLI's Node is still
 * starting, some 50 ms before bin/early-start.cjs could start it. What to start is in the cache
 * that bin/early-start.cjs keeps (its format is described there), trusted on the same terms: the
 * user's own file, writable by nobody else. The CLI takes the process over through
 * _EMU_EARLY_START (its pid, the parent's ends of its sockets, when it started, and which cache
 * file named it), or ends it; the kernel ends it if the CLI never starts (parent-death signal).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include "vfork-child.h"

#define CACHE_MAGIC "emu remembered launches 1"
/* Far more than 32 launches take: anything larger is not a file bin/early-start.cjs wrote. */
#define MAX_CACHE_BYTES (4 << 20)
#define MAX_COUNT 4096

/* The fields of the cache: strings, each ended by a NUL. */
struct fields {
  char *at;
  char *end;
};

static char *next_field(struct fields *fields) {
  if (fields->at >= fields->end) return NULL;
  char *field = fields->at;
  char *nul = memchr(field, '\0', (size_t)(fields->end - field));
  if (nul == NULL) return NULL;
  fields->at = nul + 1;
  return field;
}

static long next_count(struct fields *fields) {
  const char *field = next_field(fields);
  if (field == NULL || *field == '\0') return -1;
  char *rest;
  const long count = strtol(field, &rest, 10);
  return *rest != '\0' || count < 0 || count > MAX_COUNT ? -1 : count;
}

struct launch {
  char *file;
  char **args; /* argv for execve: file first */
  char **env;  /* the start-time variables, room left for two more and the NULL */
  long env_count;
};

/* Takes the next `count` fields, into `vector` (NULL-terminated) unless it is NULL; false when the cache ends first. */
static int take_fields(struct fields *fields, long count, char **vector) {
  for (long i = 0; i < count; i++) {
    char *field = next_field(fields);
    if (field == NULL) return 0;
    if (vector != NULL) vector[i] = field;
  }
  if (vector != NULL) vector[count] = NULL;
  return 1;
}

/* The entry whose command ([cwd, ...argv]) is this one's: 1 and `launch` filled, else 0. */
static int find_launch(char *text, size_t size, const char *cwd, int argc, char **argv, struct launch *launch) {
  struct fields fields = {text, text + size};
  const char *magic = next_field(&fields);
  if (magic == NULL || strcmp(magic, CACHE_MAGIC) != 0) return 0;
  while (fields.at < fields.end) {
    const long key_count = next_count(&fields);
    if (key_count < 1) return 0;
    int same = key_count == argc;
    for (long i = 0; i < key_count; i++) {
      const char *part = next_field(&fields);
      if (part == NULL) return 0;
      if (same) same = strcmp(part, i == 0 ? cwd : argv[i]) == 0;
    }
    /* Another command's entry is only walked past: nothing is kept of it. */
    char *file = next_field(&fields);
    const long arg_count = next_count(&fields);
    if (file == NULL || arg_count < 0) return 0;
    char **args = same ? calloc((size_t)arg_count + 2, sizeof *args) : NULL;
    if (same && args == NULL) return 0;
    if (same) args[0] = file;
    if (!take_fields(&fields, arg_count, same ? args + 1 : NULL)) return 0;
    const long env_count = next_count(&fields);
    if (env_count < 0) return 0;
    char **env = same ? calloc((size_t)env_count + 3, sizeof *env) : NULL;
    if (same && env == NULL) return 0;
    if (!take_fields(&fields, env_count, env)) return 0;
    if (!same) continue;
    launch->file = file;
    launch->args = args;
    launch->env = env;
    launch->env_count = env_count;
    return 1;
  }
  return 0;
}

static int cache_path(char *path, size_t size) {
  const char *xdg = getenv("XDG_CACHE_HOME");
  const char *home = getenv("HOME");
  int written;
  if (xdg != NULL && *xdg != '\0') written = snprintf(path, size, "%s/emu/remembered-launches", xdg);
  else if (home != NULL && *home != '\0') written = snprintf(path, size, "%s/.cache/emu/remembered-launches", home);
  else return 0;
  return written > 0 && (size_t)written < size;
}

/* As bin/early-start.cjs decides: `emu run`, not its help, not turned off, not under the execa starter. */
static int wants_early_start(int argc, char **argv) {
  if (argc < 2 || strcmp(argv[1], "run") != 0) return 0;
  for (int i = 2; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) return 0;
  }
  const char *off = getenv("EMU_EARLY_START");
  const char *starter = getenv("EMU_PROCESS_STARTER");
  return !(off != NULL && strcmp(off, "0") == 0) && !(starter != NULL && strcmp(starter, "execa") == 0);
}

static int clear_cloexec(int fd) {
  const int flags = fcntl(fd, F_GETFD);
  return flags >= 0 && fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) == 0;
}

/* Starts the remembered launch, if there is one, and says so in _EMU_EARLY_START. Any failure: no early start. */
static void start_early(int argc, char **argv) {
  char cache[PATH_MAX], cwd[PATH_MAX];
  if (!cache_path(cache, sizeof cache) || getcwd(cwd, sizeof cwd) == NULL) return;
  const int cache_fd = open(cache, O_RDONLY | O_CLOEXEC);
  if (cache_fd < 0) return;
  struct stat stat;
  char *text = NULL;
  if (fstat(cache_fd, &stat) == 0 && S_ISREG(stat.st_mode) && stat.st_uid == getuid() && (stat.st_mode & 022) == 0 &&
      stat.st_size > 0 && stat.st_size <= MAX_CACHE_BYTES && (text = malloc((size_t)stat.st_size)) != NULL) {
    size_t done = 0;
    while (done < (size_t)stat.st_size) {
      const ssize_t got = read(cache_fd, text + done, (size_t)stat.st_size - done);
      if (got <= 0) break;
      done += (size_t)got;
    }
    if (done != (size_t)stat.st_size) {
      free(text);
      text = NULL;
    }
  }
  close(cache_fd);
  struct launch launch;
  if (text == NULL || !find_launch(text, (size_t)stat.st_size, cwd, argc, argv, &launch)) return;

  /* The marker lets emu's process checks find it; the handoff variable tells the bootstrap to wait for fd 3. */
  char marker[64];
  snprintf(marker, sizeof marker, "_EMU_SANDBOX_ID=%d/early-start-by-launcher", (int)getpid());
  launch.env[launch.env_count] = marker;
  launch.env[launch.env_count + 1] = "_EMU_HANDOFF_FD=3";
  launch.env[launch.env_count + 2] = NULL;

  int null_fd = -1, out[2] = {-1, -1}, err[2] = {-1, -1}, hand[2] = {-1, -1};
  pid_t pid = -1;
  struct timespec started;
  if (open_child_files(&null_fd, out, err, hand) == NULL && clear_cloexec(out[0]) && clear_cloexec(err[0]) && clear_cloexec(hand[0])) {
    const struct child_launch child = {
        .file = launch.file,
        .argv = launch.args,
        .envp = launch.env,
        .cwd = cwd,
        .stdin_fd = null_fd,
        .stdout_fd = out[1],
        .stderr_fd = err[1],
        .handoff_fd = hand[1],
        .cgroup_procs = NULL,
        .parent_death_parent = getpid(),
    };
    volatile struct failure failure = {0, 0};
    sigset_t all, previous;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &previous);
    clock_gettime(CLOCK_MONOTONIC, &started);
    pid = vfork();
    if (pid == 0) exec_child(&child, &failure);
    sigprocmask(SIG_SETMASK, &previous, NULL);
    if (pid > 0 && failure.step != 0) {
      while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
      }
      pid = -1; /* a remembered runtime that is gone, say: the usual start will say why */
    }
  }
  if (null_fd >= 0) close(null_fd);
  for (int i = 0; i < 2; i++) {
    /* The child's ends always; the parent's too unless the CLI now owns them. */
    if (out[i] >= 0 && (i == 1 || pid <= 0)) close(out[i]);
    if (err[i] >= 0 && (i == 1 || pid <= 0)) close(err[i]);
    if (hand[i] >= 0 && (i == 1 || pid <= 0)) close(hand[i]);
  }
  if (pid > 0) {
    char value[256];
    snprintf(value, sizeof value, "%d,%d,%d,%d,%lld,%llu,%llu,%lld,%lld", (int)pid, out[0], err[0], hand[0],
             (long long)started.tv_sec * 1000000000LL + started.tv_nsec, (unsigned long long)stat.st_dev, (unsigned long long)stat.st_ino,
             (long long)stat.st_size, (long long)stat.st_mtim.tv_sec * 1000000000LL + stat.st_mtim.tv_nsec);
    setenv("_EMU_EARLY_START", value, 1);
  }
  free(launch.args);
  free(launch.env);
  free(text); /* the child has exec'd (vfork returns only then): nothing points into it now */
}

int main(int argc, char **argv) {
  /* This file is native/build/emu-launch: the CLI is bin/emu.js, three levels up. */
  char cli[PATH_MAX];
  const ssize_t length = readlink("/proc/self/exe", cli, sizeof cli - 1);
  if (length > 0) {
    cli[length] = '\0';
    for (int level = 0; level < 3; level++) {
      char *slash = strrchr(cli, '/');
      if (slash != NULL) *slash = '\0';
    }
  }
  if (length <= 0 || strlen(cli) + sizeof "/bin/emu.js" > sizeof cli) {
    fprintf(stderr, "emu: internal error: the launcher cannot tell where it is installed (/proc/self/exe)\n");
    return 3;
  }
  strcat(cli, "/bin/emu.js");
  unsetenv("_EMU_EARLY_START"); /* only this launcher's own says what it started */
  if (wants_early_start(argc, argv)) start_early(argc, argv);
  char **node_argv = calloc((size_t)argc + 2, sizeof *node_argv);
  if (node_argv == NULL) return 3;
  node_argv[0] = "node";
  node_argv[1] = cli;
  for (int i = 1; i < argc; i++) node_argv[i + 1] = argv[i];
  /* As `#!/usr/bin/env node` would: the first node on PATH. */
  execvp("node", node_argv);
  fprintf(stderr, "emu: cannot run node: %s\n", strerror(errno));
  return 127;
}
