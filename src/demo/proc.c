/* SPDX-License-Identifier: Apache-2.0 */
/* proc.c — the demo's child processes: started with a parent-death signal
 * (they stop when the demo goes away, however it ends), optionally as an
 * unprivileged user; stopped by pid. SIGINT/SIGTERM/SIGHUP stay blocked in
 * the demo while it runs (mm_demo_run), so a Ctrl-C is seen as pending and
 * the demo stops its children and removes its directory before it dies. */
#include "demo-int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void child_setup(const char *log, int out_fd, const mm_demo_user *as,
                        int death_sig, pid_t parent)
{
    int lfd = open(log ? log : "/dev/null",
                   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (lfd >= 0) {
        dup2(lfd, 2);
        dup2(out_fd >= 0 ? out_fd : lfd, 1);
    }
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0)
        dup2(nul, 0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (as && as->uid != 0 &&
        (setgroups(0, NULL) != 0 || setgid(as->gid) != 0 ||
         setuid(as->uid) != 0))
        _exit(126);
    /* after setuid: a change of credentials clears the death signal */
    prctl(PR_SET_PDEATHSIG, death_sig);
    if (getppid() != parent)
        _exit(1);
}

pid_t mm_demo_spawn(const char *path, const char *const *argv, const char *log,
                    int out_fd, const mm_demo_user *as, int death_sig)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    child_setup(log, out_fd, as, death_sig, parent);
    execv(path, (char *const *)argv);
    _exit(127);
}

int mm_demo_wait(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void mm_demo_stop(pid_t *pid, int sig)
{
    if (*pid <= 0)
        return;
    kill(*pid, sig);
    for (int i = 0; i < 100; i++) {
        if (waitpid(*pid, NULL, WNOHANG) == *pid) {
            *pid = 0;
            return;
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

/* Ctrl-C, kill, a closed terminal. */
static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define N_STOP (sizeof stop_signals / sizeof stop_signals[0])

void mm_demo_hold_signals(sigset_t *old)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < N_STOP; i++)
        sigaddset(&set, stop_signals[i]);
    sigprocmask(SIG_BLOCK, &set, old);
}

bool mm_demo_interrupted(void)
{
    sigset_t p;
    if (sigpending(&p) != 0)
        return false;
    for (size_t i = 0; i < N_STOP; i++)
        if (sigismember(&p, stop_signals[i]) == 1)
            return true;
    return false;
}

void mm_demo_nap(unsigned ms)
{
    if (mm_demo_interrupted())
        return;
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int loopback_socket(unsigned port, struct sockaddr_in *a)
{
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

unsigned mm_demo_free_port(void)
{
    struct sockaddr_in a;
    int fd = loopback_socket(0, &a);
    if (fd < 0)
        return 0;
    socklen_t n = sizeof a;
    unsigned port = 0;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &n) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

bool mm_demo_port_open(unsigned port)
{
    struct sockaddr_in a;
    int fd = loopback_socket(port, &a);
    if (fd < 0)
        return false;
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}
