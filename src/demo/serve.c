/* SPDX-License-Identifier: Apache-2.0 */
/* serve.c — `mamori demo --serve`: after the replay (run.c), the demo's hub
 * is started again with the web console on plain HTTP on loopback and kept
 * up until SIGINT or SIGTERM. One account per role is made through the
 * hub's own user code (mm_hub_admin_user_add, random passwords): the first
 * SME, a monitoring provider watching the five SMEs, the car maker (which
 * requires ★3 of its suppliers, so the console shows who falls short) and
 * an analysis centre's coordinator. */
#include "demo.h"
#include "hub.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Tenants of run.c the accounts belong to. */
static const char *const smes[] = {"sme-yamada", "sme-sato", "sme-suzuki",
                                   "sme-takahashi", "sme-tanaka"};
#define N_SMES (sizeof smes / sizeof smes[0])
#define BUYER "buyer-mirai"
#define PROVIDER "prov-mimamori"
#define CENTRE "centre-jp"

typedef struct account {
    const char *role, *user, *tenant;
    char password[MM_HUB_PASSWORD_MAX + 1];
} account;

static mm_rc add_tenant(mm_store *st, const char *id, const char *name,
                        mm_tenant_kind kind, mm_err *err)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    snprintf(t.name, sizeof t.name, "%s", name);
    t.kind = kind;
    char token[128];
    if (mm_hub_admin_tenant_get(st, id, NULL, err) == MM_OK)
        return MM_OK; /* a second --serve on the same directory */
    return mm_hub_admin_tenant_add(st, &t, token, sizeof token, err);
}

static mm_rc add_account(mm_store *st, account *a, mm_err *err)
{
    mm_hub_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "%s", a->user);
    snprintf(u.tenant, sizeof u.tenant, "%s", a->tenant);
    if (!mm_hub_role_from_name(a->role, &u.role))
        return mm_err_set(err, MM_EINVAL, "", 0, "role %s", a->role);
    /* a second --serve on the same directory: new passwords */
    if (st->ops->user_del)
        (void)st->ops->user_del(st, a->user, err);
    return mm_hub_admin_user_add(st, &u, NULL, a->password, sizeof a->password,
                                 err);
}

/* The provider and centre tenants, the links, the buyer's ★3 and the four
 * accounts, in the hub's store (the hub is not running). */
static mm_rc setup(const char *hub_dir, account *acc, size_t n, mm_err *err)
{
    mm_store *st;
    mm_rc rc = mm_hub_admin_open(hub_dir, &st, err);
    if (rc != MM_OK)
        return rc;
    if (!st->ops->user_put || !st->ops->provider_link_put) {
        mm_store_close(st);
        return mm_err_set(err, MM_EINVAL, "", 0,
                          "this store has no console tables");
    }
    rc = add_tenant(st, PROVIDER, "みまもり監視サービス (Mimamori Monitoring)",
                    MM_TK_PROVIDER, err);
    if (rc == MM_OK)
        rc = add_tenant(st, CENTRE, "分析センター (Analysis Centre)",
                        MM_TK_CRITICAL, err);
    for (size_t i = 0; rc == MM_OK && i < N_SMES; i++) {
        rc = mm_hub_admin_provider_link(st, PROVIDER, smes[i], err);
        if (rc == MM_OK && st->ops->scs_requirement_put)
            rc = mm_store_scs_requirement_put(st, BUYER, smes[i], 3,
                                              mm_now_ms(), err);
    }
    for (size_t i = 0; rc == MM_OK && i < n; i++)
        rc = add_account(st, &acc[i], err);
    if (rc == MM_OK)
        rc = mm_store_sync(st, err);
    mm_store_close(st);
    return rc;
}

/* Starts `self hub serve --dir DIR --plain` with SIGINT/SIGTERM unblocked
 * in the child, stopped with the parent. */
static pid_t start_hub(const char *self, const char *hub_dir, const char *log)
{
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(1);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
    }
    execl(self, self, "hub", "serve", "--dir", hub_dir, "--plain",
          (char *)NULL);
    _exit(127);
}

/* The port the hub wrote to hub.port (0 when it did not within ~10 s). */
static unsigned wait_port(const char *hub_dir, pid_t pid)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/hub.port", hub_dir);
    for (int i = 0; i < 200; i++) {
        FILE *f = fopen(path, "r");
        unsigned port = 0;
        if (f) {
            if (fscanf(f, "%u", &port) != 1)
                port = 0;
            fclose(f);
        }
        if (port)
            return port;
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return 0;
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    }
    return 0;
}

static void json_line(mm_buf *b, unsigned port, const account *acc, size_t n)
{
    mm_buf_printf(
        b, "{\"console_url\":\"http://127.0.0.1:%u/\",\"accounts\":[", port);
    for (size_t i = 0; i < n; i++) {
        mm_buf_puts(b, i ? ",{\"role\":" : "{\"role\":");
        mm_buf_json_str(b, acc[i].role, strlen(acc[i].role));
        mm_buf_puts(b, ",\"user\":");
        mm_buf_json_str(b, acc[i].user, strlen(acc[i].user));
        mm_buf_puts(b, ",\"password\":");
        mm_buf_json_str(b, acc[i].password, strlen(acc[i].password));
        mm_buf_puts(b, ",\"tenant\":");
        mm_buf_json_str(b, acc[i].tenant, strlen(acc[i].tenant));
        mm_buf_puts(b, "}");
    }
    mm_buf_puts(b, "]}");
}

mm_rc mm_demo_serve(const char *self, const char *dir, mm_demo_line_fn ready,
                    void *ud, mm_err *err)
{
    account acc[] = {{"sme", "yamada", "sme-yamada", ""},
                     {"provider", "mimamori", PROVIDER, ""},
                     {"buyer", "mirai", BUYER, ""},
                     {"coordinator", "centre", CENTRE, ""}};
    size_t n = sizeof acc / sizeof acc[0];
    char hub_dir[1100], log[1200], port_file[1200];
    snprintf(hub_dir, sizeof hub_dir, "%s/hub", dir);
    snprintf(log, sizeof log, "%s/hub-console.log", hub_dir);
    snprintf(port_file, sizeof port_file, "%s/hub.port", hub_dir);
    mm_rc rc = setup(hub_dir, acc, n, err);
    if (rc != MM_OK)
        return rc;
    /* wait for SIGINT/SIGTERM with sigwait: block them here (the hub child
     * unblocks them for itself) */
    sigset_t stop, old;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, &old);
    unlink(port_file);
    pid_t pid = start_hub(self, hub_dir, log);
    unsigned port = pid > 0 ? wait_port(hub_dir, pid) : 0;
    if (!port) {
        if (pid > 0) {
            kill(pid, SIGTERM);
            waitpid(pid, NULL, 0);
        }
        sigprocmask(SIG_SETMASK, &old, NULL);
        return mm_err_set(err, MM_EIO, "", 0,
                          "ハブを起動できません / cannot start the hub (see "
                          "%s)",
                          log);
    }
    mm_buf line;
    mm_buf_init(&line, 16384);
    json_line(&line, port, acc, n);
    ready(ud, line.data ? line.data : "{}");
    mm_buf_free(&line);
    int sig = 0;
    sigwait(&stop, &sig);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return MM_OK;
}
