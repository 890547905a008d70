/*
 * Starting a sandbox with vfork instead of fork. Node 20's libuv starts children with a plain
 * fork, and on this kind of VM a fork blocks the supervisor's event loop for 4-8 ms on every cold
 * start (docs/cold-start.md); vfork shares the parent's memory until exec, so nothing is copied.
 *
 * The child does what libuv's child does and sets the parent-death signal itself, which spares
 * each start setpriv's exec (vfork-child.h, shared with the launcher, emu-launch.c).
 *
 * The child is not libuv's, so libuv never reaps it: a thread per child waits for it and hands
 * its exit status to JavaScript.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vfork-child.h"

#define CHECK(env, call)                                                   \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error((env), "EMU_NATIVE", "N-API call failed: " #call); \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static char *copy_string(napi_env env, napi_value value) {
  size_t length;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
  char *text = malloc(length + 1);
  if (text == NULL) return NULL;
  napi_get_value_string_utf8(env, value, text, length + 1, &length);
  return text;
}

static void free_strings(char **strings) {
  if (strings == NULL) return;
  for (char **each = strings; *each != NULL; each++) free(*each);
  free(strings);
}

/* A JavaScript array of strings as a NULL-terminated vector (NULL on any failure). */
static char **copy_strings(napi_env env, napi_value array) {
  uint32_t count;
  if (napi_get_array_length(env, array, &count) != napi_ok) return NULL;
  char **strings = calloc(count + 1, sizeof(char *));
  if (strings == NULL) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    if (napi_get_element(env, array, i, &item) != napi_ok || (strings[i] = copy_string(env, item)) == NULL) {
      free_strings(strings);
      return NULL;
    }
  }
  return strings;
}

static void throw_errno(napi_env env, const char *syscall, int error) {
  char message[256];
  snprintf(message, sizeof message, "%s failed: %s", syscall, strerror(error));
  const char *code = strerrorname_np(error);
  napi_throw_error(env, code != NULL ? code : "EMU_NATIVE", message);
}

/*
 * spawn(file, argv, envp, cwd, parentDeathSignal, cgroupProcs[, handoff]) -> { pid, stdout, stderr[, handoff] }
 * (the supervisor's ends of the socket pairs). cgroupProcs: a cgroup.procs file the child joins before
 * exec, so everything it and its descendants use is counted there; null for none. handoff: one
 * more socket pair, the child's end as its fd 3 (emu run's early start hands the runtime its
 * launch through it), the supervisor's end non-blocking.
 */
static napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value args[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "spawn(file, argv, envp, cwd, parentDeathSignal, cgroupProcs[, handoff])");
    return NULL;
  }
  bool handoff = false;
  if (argc >= 7) CHECK(env, napi_get_value_bool(env, args[6], &handoff));
  napi_valuetype cgroup_type;
  CHECK(env, napi_typeof(env, args[5], &cgroup_type));
  bool parent_death_signal;
  CHECK(env, napi_get_value_bool(env, args[4], &parent_death_signal));
  char *file = copy_string(env, args[0]);
  char **argv = copy_strings(env, args[1]);
  char **envp = copy_strings(env, args[2]);
  char *cwd = copy_string(env, args[3]);
  char *cgroup_procs = cgroup_type == napi_string ? copy_string(env, args[5]) : NULL;
  napi_value result = NULL;
  int null_fd = -1, out[2] = {-1, -1}, err[2] = {-1, -1}, hand[2] = {-1, -1};
  if (file == NULL || argv == NULL || envp == NULL || cwd == NULL || (cgroup_type != napi_null && cgroup_procs == NULL)) {
    napi_throw_type_error(env, NULL, "spawn: file, argv, envp and cwd must be strings, cgroupProcs a string or null");
    goto done;
  }
  const char *failed_call = open_child_files(&null_fd, out, err, handoff ? hand : NULL);
  if (failed_call != NULL) {
    throw_errno(env, failed_call, errno);
    goto done;
  }

  /* No handler of the parent's may run in the child while it shares the parent's memory. */
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  const struct child_launch launch = {
      .file = file,
      .argv = argv,
      .envp = envp,
      .cwd = cwd,
      .stdin_fd = null_fd,
      .stdout_fd = out[1],
      .stderr_fd = err[1],
      .handoff_fd = handoff ? hand[1] : -1,
      .cgroup_procs = cgroup_procs,
      .parent_death_parent = parent_death_signal ? getpid() : 0,
  };
  volatile struct failure failure = {0, 0};
  const pid_t pid = vfork();
  if (pid == 0) exec_child(&launch, &failure);
  const int vfork_error = errno;
  pthread_sigmask(SIG_SETMASK, &previous, NULL);

  if (pid < 0) {
    throw_errno(env, "vfork", vfork_error);
    goto done;
  }
  if (failure.step != 0) {
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    throw_errno(env, FAILED_STEPS[failure.step], failure.error);
    goto done;
  }
  napi_value value;
  napi_create_object(env, &result);
  napi_create_int32(env, pid, &value);
  napi_set_named_property(env, result, "pid", value);
  napi_create_int32(env, out[0], &value);
  napi_set_named_property(env, result, "stdout", value);
  napi_create_int32(env, err[0], &value);
  napi_set_named_property(env, result, "stderr", value);
  if (handoff) {
    napi_create_int32(env, hand[0], &value);
    napi_set_named_property(env, result, "handoff", value);
  }
  out[0] = err[0] = hand[0] = -1; /* JavaScript owns them now */

done:
  if (null_fd >= 0) close(null_fd);
  for (int i = 0; i < 2; i++) {
    if (out[i] >= 0) close(out[i]);
    if (err[i] >= 0) close(err[i]);
    if (hand[i] >= 0) close(hand[i]);
  }
  free(file);
  free(cwd);
  free(cgroup_procs);
  free_strings(argv);
  free_strings(envp);
  return result;
}

struct waiter {
  pid_t pid;
  int status;
  napi_threadsafe_function callback;
};

static void deliver_exit(napi_env env, napi_value callback, void *context, void *data) {
  struct waiter *waiter = data;
  (void)context;
  if (env != NULL && callback != NULL) {
    napi_value args[2], undefined;
    napi_get_undefined(env, &undefined);
    if (WIFEXITED(waiter->status)) {
      napi_create_int32(env, WEXITSTATUS(waiter->status), &args[0]);
      napi_get_null(env, &args[1]);
    } else {
      napi_get_null(env, &args[0]);
      napi_create_int32(env, WIFSIGNALED(waiter->status) ? WTERMSIG(waiter->status) : 0, &args[1]);
    }
    napi_call_function(env, undefined, callback, 2, args, NULL);
  }
  free(waiter);
}

static void *wait_for_exit(void *data) {
  struct waiter *waiter = data;
  while (waitpid(waiter->pid, &waiter->status, 0) < 0 && errno == EINTR) {
  }
  napi_threadsafe_function callback = waiter->callback;
  if (napi_call_threadsafe_function(callback, waiter, napi_tsfn_blocking) != napi_ok) free(waiter);
  napi_release_threadsafe_function(callback, napi_tsfn_release);
  return NULL;
}

/* watch(pid, callback(code, signalNumber)): reaps the child and reports how it ended, once. */
static napi_value Watch(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value args[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, args, NULL, NULL));
  struct waiter *waiter = calloc(1, sizeof *waiter);
  if (waiter == NULL) {
    napi_throw_error(env, "ENOMEM", "watch: out of memory");
    return NULL;
  }
  napi_value name;
  if (napi_get_value_int32(env, args[0], &waiter->pid) != napi_ok ||
      napi_create_string_utf8(env, "emu-sandbox-exit", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, args[1], NULL, name, 0, 1, NULL, NULL, NULL, deliver_exit, &waiter->callback) != napi_ok) {
    free(waiter);
    napi_throw_type_error(env, NULL, "watch(pid, callback)");
    return NULL;
  }
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attributes, 64 * 1024);
  pthread_t thread;
  const int error = pthread_create(&thread, &attributes, wait_for_exit, waiter);
  pthread_attr_destroy(&attributes);
  if (error != 0) {
    /* Nothing could reap it later: it is ended and reaped now, so no zombie is left behind. */
    kill(-waiter->pid, SIGKILL);
    kill(waiter->pid, SIGKILL);
    int status;
    while (waitpid(waiter->pid, &status, 0) < 0 && errno == EINTR) {
    }
    napi_release_threadsafe_function(waiter->callback, napi_tsfn_abort);
    free(waiter);
    throw_errno(env, "pthread_create", error);
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value function;
  napi_create_function(env, "spawn", NAPI_AUTO_LENGTH, Spawn, NULL, &function);
  napi_set_named_property(env, exports, "spawn", function);
  napi_create_function(env, "watch", NAPI_AUTO_LENGTH, Watch, NULL, &function);
  napi_set_named_property(env, exports, "watch", function);
  return exports;
}
