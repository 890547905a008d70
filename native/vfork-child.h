/*
 * What a vfork child does between vfork and exec, for the sandbox starter (sandbox-spawn.c) and
 * the launcher (emu-launch.c) alike: what libuv's child does (every signal to its default, none
 * blocked, a new session, stdin from /dev/null, stdout and stderr to socket pairs, the working
 * directory), plus the parent-death signal. It calls only async-signal-safe functions and writes
 * only to `failure`, as a vfork child must; the parent reads `failure` once vfork returns.
 */
#ifndef EMU_VFORK_CHILD_H
#define EMU_VFORK_CHILD_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct failure {
  int step; /* 0 none, 1 dup2, 2 chdir, 3 parent gone, 4 execve, 5 joining the cgroup */
  int error;
};

static const char *const FAILED_STEPS[] = {"", "dup2", "chdir", "prctl", "execve", "joining its cgroup"};

struct child_launch {
  const char *file;
  char *const *argv;
  char *const *envp;
  const char *cwd;
  int stdin_fd, stdout_fd, stderr_fd;
  int handoff_fd;             /* becomes fd 3; -1 for none */
  const char *cgroup_procs;   /* a cgroup.procs file to join before exec; NULL for none */
  pid_t parent_death_parent;  /* the parent whose death SIGKILLs the child; 0 for no such signal */
};

/*
 * /dev/null for the child's stdin and socket pairs for its stdout, stderr and (handoff non-NULL)
 * fd 3, all close-on-exec, the parent's end of fd 3 non-blocking. Socket pairs, not pipes, as
 * libuv gives a child: the runtime's stdout is the same kind of file under either starter.
 * NULL on success, else the call that failed (errno says why); what was opened stays in the arrays.
 */
static const char *open_child_files(int *null_fd, int out[2], int err[2], int handoff[2]) {
  if ((*null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) return "open /dev/null";
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, err) < 0) return "socketpair";
  if (handoff != NULL && (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, handoff) < 0 || fcntl(handoff[0], F_SETFL, O_NONBLOCK) < 0)) return "socketpair";
  return NULL;
}

/* dup2, or, when the descriptor already has that number, just clear its close-on-exec flag. */
static int move_fd(int fd, int target) {
  if (fd != target) return dup2(fd, target);
  int flags = fcntl(fd, F_GETFD);
  return flags < 0 ? -1 : fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
}

static void fail_child(volatile struct failure *failure, int step) {
  failure->error = errno;
  failure->step = step;
  _exit(127);
}

/* In the vfork child: becomes the launch, or _exits 127 with `failure` saying which step failed. */
static void exec_child(const struct child_launch *launch, volatile struct failure *failure) {
  /* The child gets its own copy of the dispositions (vfork does not share them): reset every one. */
  struct sigaction defaults;
  memset(&defaults, 0, sizeof defaults);
  defaults.sa_handler = SIG_DFL;
  for (int signal_number = 1; signal_number < 32; signal_number++) {
    if (signal_number != SIGKILL && signal_number != SIGSTOP) sigaction(signal_number, &defaults, NULL);
  }
  setsid(); /* its own session and process group, as Node's `detached` gives: a group kill reaches grandchildren */
  /* fd 3 last: the descriptors moved before it may have had that number. */
  if (move_fd(launch->stdin_fd, 0) < 0 || move_fd(launch->stdout_fd, 1) < 0 || move_fd(launch->stderr_fd, 2) < 0 ||
      (launch->handoff_fd >= 0 && move_fd(launch->handoff_fd, 3) < 0)) {
    fail_child(failure, 1);
  }
  if (chdir(launch->cwd) < 0) fail_child(failure, 2);
  if (launch->cgroup_procs != NULL) {
    /* "0" is the writer itself, in cgroup v1 and v2 alike. */
    const int procs = open(launch->cgroup_procs, O_WRONLY | O_CLOEXEC);
    if (procs < 0 || write(procs, "0", 1) != 1) fail_child(failure, 5);
    close(procs);
  }
  if (launch->parent_death_parent != 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* The parent died before the signal was armed: nothing would deliver it now. */
    if (getppid() != launch->parent_death_parent) {
      errno = ESRCH;
      fail_child(failure, 3);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  execve(launch->file, launch->argv, launch->envp);
  fail_child(failure, 4);
}

#endif
