/* SPDX-License-Identifier: Apache-2.0 */
/* cluster.c — the local scale-out hub of `mamori demo --cluster`, started
 * in the demo's directory on loopback the way scripts/cluster does it, in C
 * so the user types one command: PostgreSQL (initdb, then `postgres` in the
 * foreground as the postgres user when the demo runs as root — initdb
 * refuses root), a 3-node NATS JetStream cluster, three front ends (`mamori
 * hub serve` with the bus), the correlator(s) (`mamori hub correlate`) and
 * a balancer in front of the front ends. Every process is a child of the
 * demo with a parent-death signal, stopped by pid in
 * mm_demo_cluster_down. --chaos kills one front end, one correlator and
 * one NATS node with SIGKILL during the replay. */
#include "demo-int.h"
#include "hub.h"

#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Two correlators sharing the key space's partitions (docs/scale.md,
 * "Partitioned correlators"); front ends and correlators use the same
 * number. */
#define N_CORR 2
#define PARTITIONS "8"
#define N_PARTITIONS 8u
/* Visits (replay steps) after which --chaos kills: a front end, the
 * correlator, a NATS node. */
#define CHAOS_FE_STEP 1
#define CHAOS_CORR_STEP 4
#define CHAOS_NATS_STEP 6

struct mm_demo_cluster {
    char self[1024], dir[1024];
    char pgbin[512], natsbin[512];
    mm_demo_user pguser; /* uid 0: the demo's own user */
    unsigned pg_port;
    pid_t pg_pid;
    char store[256];
    char bus[512];
    unsigned nats_port[MM_DEMO_NATS], route_port[MM_DEMO_NATS];
    pid_t nats_pid[MM_DEMO_NATS];
    char hub_dir[1100];
    pid_t fe_pid[MM_DEMO_FRONTENDS];
    unsigned fe_port[MM_DEMO_FRONTENDS];
    pid_t corr_pid[MM_DEMO_CORRELATORS_MAX];
    int n_corr, corr_started;
    mm_demo_balancer *bal;
};

/* ---- programs ----------------------------------------------------------- */

/* The newest /usr/lib/postgresql/N/bin holding initdb and postgres. */
static bool find_pgbin(mm_demo_cluster *c)
{
    glob_t g;
    if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) != 0)
        return false;
    long best = -1;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *p = g.gl_pathv[i];
        long v = strtol(p + strlen("/usr/lib/postgresql/"), NULL, 10);
        char pg[600];
        snprintf(pg, sizeof pg, "%.*s/postgres", (int)(strrchr(p, '/') - p),
                 p);
        if (v > best && access(p, X_OK) == 0 && access(pg, X_OK) == 0) {
            best = v;
            snprintf(c->pgbin, sizeof c->pgbin, "%.*s",
                     (int)(strrchr(p, '/') - p), p);
        }
    }
    globfree(&g);
    return best >= 0;
}

/* nats-server on PATH, or in /usr/sbin (Debian's place, off a normal
 * user's PATH). */
static bool find_nats(mm_demo_cluster *c)
{
    const char *env = getenv("PATH");
    char path[4096];
    snprintf(path, sizeof path, "%s:/usr/sbin:/usr/local/sbin:/usr/bin",
             env ? env : "");
    char *save = NULL;
    for (char *d = strtok_r(path, ":", &save); d;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(c->natsbin, sizeof c->natsbin, "%s/nats-server", d);
        if (*d && access(c->natsbin, X_OK) == 0)
            return true;
    }
    return false;
}

/* ---- PostgreSQL --------------------------------------------------------- */

/* PostgreSQL does not run as root: the postgres user, else nobody. */
static void pick_pguser(mm_demo_cluster *c)
{
    if (geteuid() != 0)
        return;
    struct passwd *pw = getpwnam("postgres");
    if (!pw)
        pw = getpwnam("nobody");
    if (pw)
        c->pguser = (mm_demo_user){pw->pw_uid, pw->pw_gid};
}

static mm_rc pg_up(mm_demo_cluster *c, mm_err *err)
{
    char pgdir[1100], data[1200], log[1200];
    snprintf(pgdir, sizeof pgdir, "%s/pg", c->dir);
    snprintf(data, sizeof data, "%s/data", pgdir);
    snprintf(log, sizeof log, "%s/initdb.log", pgdir);
    pick_pguser(c);
    /* the postgres user only passes through the demo's directory */
    if (mkdir(pgdir, 0700) != 0 || chmod(c->dir, 0711) != 0 ||
        (c->pguser.uid && chown(pgdir, c->pguser.uid, c->pguser.gid) != 0))
        return mm_err_set(err, MM_EIO, "", 0, "%s: %s", pgdir,
                          strerror(errno));
    char initdb[600], postgres[600];
    snprintf(initdb, sizeof initdb, "%s/initdb", c->pgbin);
    snprintf(postgres, sizeof postgres, "%s/postgres", c->pgbin);
    const char *ia[] = {initdb,      "-D",    data, "-U",   "postgres",
                        "-A",        "trust", "-E", "UTF8", "--locale=C.UTF-8",
                        "--no-sync", NULL};
    const mm_demo_user *as = c->pguser.uid ? &c->pguser : NULL;
    /* the postgres user must reach DIR/pg: a parent it may not pass
     * through (a TMPDIR under /root) is said plainly */
    const char *ta[] = {"test", "-w", pgdir, NULL};
    pid_t pid =
        as ? mm_demo_spawn("/usr/bin/test", ta, NULL, -1, as, SIGKILL) : 0;
    if (pid < 0 || (pid > 0 && mm_demo_wait(pid) != 0))
        return mm_err_set(
            err, MM_EIO, "", 0,
            "PostgreSQL を動かす利用者が作業ディレクトリ %s に"
            "入れません（TMPDIR を /tmp などに）/ the PostgreSQL "
            "user cannot reach %s (set TMPDIR to e.g. /tmp)",
            c->dir, c->dir);
    pid = mm_demo_spawn(initdb, ia, log, -1, as, SIGKILL);
    if (pid <= 0 || mm_demo_wait(pid) != 0)
        return mm_err_set(err, MM_EIO, "", 0,
                          "PostgreSQL を準備できません / initdb failed (see "
                          "%s)",
                          log);
    c->pg_port = mm_demo_free_port();
    char port[32];
    snprintf(port, sizeof port, "port=%u", c->pg_port);
    snprintf(log, sizeof log, "%s/server.log", pgdir);
    /* a throw-away database: no fsync (the machine does not crash in the
     * demo; the processes that die are killed, which fsync=off survives) */
    const char *pa[] = {postgres,
                        "-D",
                        data,
                        "-c",
                        "listen_addresses=127.0.0.1",
                        "-c",
                        port,
                        "-c",
                        "unix_socket_directories=",
                        "-c",
                        "fsync=off",
                        "-c",
                        "full_page_writes=off",
                        NULL};
    c->pg_pid = mm_demo_spawn(postgres, pa, log, -1, as, SIGQUIT);
    snprintf(c->store, sizeof c->store,
             "postgresql://postgres@127.0.0.1:%u/postgres", c->pg_port);
    /* ready when the store opens (the schema is made on that first open) */
    for (int t = 0; t < 600 && c->pg_pid > 0 && !mm_demo_interrupted(); t++) {
        mm_store *st = NULL;
        mm_err e2;
        if (mm_demo_port_open(c->pg_port) &&
            mm_store_open(c->store, &st, &e2) == MM_OK) {
            mm_store_close(st);
            return MM_OK;
        }
        mm_demo_nap(50);
    }
    return mm_err_set(err, MM_EIO, "", 0,
                      "PostgreSQL が起動しません / PostgreSQL did not start "
                      "(see %s)",
                      log);
}

/* ---- NATS --------------------------------------------------------------- */

/* `n` ports free now and different from each other. */
static bool free_ports(unsigned *out, int n)
{
    for (int i = 0; i < n; i++) {
        bool dup = true;
        for (int tries = 0; dup && tries < 50; tries++) {
            out[i] = mm_demo_free_port();
            dup = out[i] == 0;
            for (int j = 0; j < i && !dup; j++)
                dup = out[j] == out[i];
        }
        if (dup)
            return false;
    }
    return true;
}

static mm_rc nats_up(mm_demo_cluster *c, mm_err *err)
{
    /* PostgreSQL listens already, so its port is not among these */
    unsigned ports[2 * MM_DEMO_NATS];
    if (!free_ports(ports, 2 * MM_DEMO_NATS))
        return mm_err_set(err, MM_EIO, "", 0, "no free port on 127.0.0.1");
    char routes[512] = "";
    for (int i = 0; i < MM_DEMO_NATS; i++) {
        c->nats_port[i] = ports[2 * i];
        c->route_port[i] = ports[2 * i + 1];
        size_t n = strlen(routes);
        snprintf(routes + n, sizeof routes - n, "%snats-route://127.0.0.1:%u",
                 i ? "," : "", c->route_port[i]);
        n = strlen(c->bus);
        snprintf(c->bus + n, sizeof c->bus - n, "%snats://127.0.0.1:%u",
                 i ? "," : "", c->nats_port[i]);
    }
    for (int i = 0; i < MM_DEMO_NATS; i++) {
        char sd[1100], log[1200], name[16], cport[16], cl[64];
        snprintf(sd, sizeof sd, "%s/nats%d", c->dir, i + 1);
        snprintf(log, sizeof log, "%s/server.log", sd);
        snprintf(name, sizeof name, "n%d", i + 1);
        snprintf(cport, sizeof cport, "%u", c->nats_port[i]);
        snprintf(cl, sizeof cl, "nats://127.0.0.1:%u", c->route_port[i]);
        if (mkdir(sd, 0700) != 0)
            return mm_err_set(err, MM_EIO, "", 0, "%s: %s", sd,
                              strerror(errno));
        const char *a[] = {
            c->natsbin,       "-js",    "-n",        name,  "-a",
            "127.0.0.1",      "-p",     cport,       "-sd", sd,
            "--cluster_name", "mamori", "--cluster", cl,    "--routes",
            routes,           NULL};
        c->nats_pid[i] = mm_demo_spawn(c->natsbin, a, log, -1, NULL, SIGKILL);
    }
    for (int i = 0; i < MM_DEMO_NATS; i++) {
        int t = 0;
        while (!mm_demo_port_open(c->nats_port[i]) && t++ < 200 &&
               !mm_demo_interrupted())
            mm_demo_nap(50);
        if (t >= 200 || c->nats_pid[i] <= 0)
            return mm_err_set(err, MM_EIO, "", 0,
                              "NATS が起動しません / NATS node %d did not "
                              "start (see %s/nats%d/server.log)",
                              i + 1, c->dir, i + 1);
    }
    return MM_OK;
}

mm_rc mm_demo_cluster_up(const char *self, const char *dir,
                         mm_demo_cluster **out, mm_err *err)
{
    *out = NULL;
    mm_demo_cluster *c = calloc(1, sizeof *c);
    if (!c)
        return mm_err_set(err, MM_ENOMEM, "", 0, "out of memory");
    snprintf(c->self, sizeof c->self, "%s", self);
    snprintf(c->dir, sizeof c->dir, "%s", dir);
    c->n_corr = N_CORR;
    mm_rc rc = MM_OK;
    if (!find_pgbin(c))
        rc = mm_err_set(err, MM_ENOTFOUND, "", 0,
                        "PostgreSQL がインストールされていません（Debian: "
                        "apt-get install postgresql）/ PostgreSQL is not "
                        "installed (Debian package postgresql; scripts/deps "
                        "installs it)");
    else if (!find_nats(c))
        rc = mm_err_set(err, MM_ENOTFOUND, "", 0,
                        "nats-server がインストールされていません（Debian: "
                        "apt-get install nats-server）/ nats-server is not "
                        "installed (Debian package nats-server; scripts/deps "
                        "installs it)");
    *out = c; /* stopped by mm_demo_cluster_down, also after an error */
    if (rc == MM_OK)
        rc = pg_up(c, err);
    if (rc == MM_OK)
        rc = nats_up(c, err);
    return rc;
}

const char *mm_demo_cluster_store(const mm_demo_cluster *c)
{
    return c->store;
}

const char *mm_demo_cluster_bus(const mm_demo_cluster *c)
{
    return c->bus;
}

void mm_demo_cluster_counts(const mm_demo_cluster *c, int *fe, int *corr,
                            int *nats)
{
    *fe = MM_DEMO_FRONTENDS;
    *corr = c->n_corr;
    *nats = MM_DEMO_NATS;
}

/* ---- front ends and correlators ----------------------------------------- */

static bool copy_file(const char *from, const char *to, const char *extra)
{
    char *t = NULL;
    size_t n = 0;
    if (mm_file_read(from, 16u << 20, &t, &n, NULL) != MM_OK)
        return false;
    FILE *f = fopen(to, "w");
    bool ok = f && fwrite(t, 1, n, f) == n && (!extra || fputs(extra, f) >= 0);
    if (f)
        ok = fclose(f) == 0 && ok;
    free(t);
    return ok;
}

/* DIR/feN: the hub's configuration (plus the bus), certificate and key,
 * and its empty hub.db (the mark of a hub directory; the store is
 * PostgreSQL). */
static bool fe_dir(const mm_demo_cluster *c, int i)
{
    static const char *const files[] = {"hub.conf", "hub.db", "hub-cert.pem",
                                        "hub-key.pem"};
    char d[1100];
    snprintf(d, sizeof d, "%s/fe%d", c->dir, i + 1);
    if (mkdir(d, 0700) != 0)
        return false;
    char bus[600];
    snprintf(bus, sizeof bus, "bus = %s\nbus_partitions = " PARTITIONS "\n",
             c->bus);
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        char from[1300], to[1300];
        snprintf(from, sizeof from, "%s/%s", c->hub_dir, files[k]);
        snprintf(to, sizeof to, "%s/%s", d, files[k]);
        if (access(from, R_OK) != 0 && k > 0)
            continue; /* plain HTTP: no certificate */
        if (!copy_file(from, to, k == 0 ? bus : NULL))
            return false;
    }
    return true;
}

static pid_t start_fe(const mm_demo_cluster *c, int i)
{
    char d[1100], log[1200], portf[1200];
    snprintf(d, sizeof d, "%s/fe%d", c->dir, i + 1);
    snprintf(log, sizeof log, "%s/hub.log", d);
    snprintf(portf, sizeof portf, "%s/hub.port", d);
    unlink(portf);
    const char *a[] = {c->self, "hub", "serve", "--dir", d, NULL};
    return mm_demo_spawn(c->self, a, log, -1, NULL, SIGTERM);
}

static unsigned fe_port(const mm_demo_cluster *c, int i)
{
    char p[1200];
    snprintf(p, sizeof p, "%s/fe%d/hub.port", c->dir, i + 1);
    char *t = NULL;
    if (mm_file_read(p, 64, &t, NULL, NULL) != MM_OK)
        return 0;
    unsigned port = (unsigned)strtoul(t, NULL, 10);
    free(t);
    return port;
}

/* Waits for every front end's port; one that exits (the JetStream
 * cluster still electing its leader) is started again. */
static bool wait_fes(mm_demo_cluster *c)
{
    int again = 0;
    for (int t = 0; t < 1200 && !mm_demo_interrupted(); t++) {
        int up = 0;
        for (int i = 0; i < MM_DEMO_FRONTENDS; i++) {
            if (c->fe_port[i] || (c->fe_port[i] = fe_port(c, i)) != 0) {
                up++;
                continue;
            }
            if (waitpid(c->fe_pid[i], NULL, WNOHANG) == c->fe_pid[i]) {
                c->fe_pid[i] = 0;
                if (again++ > 10)
                    return false;
                c->fe_pid[i] = start_fe(c, i);
            }
        }
        if (up == MM_DEMO_FRONTENDS)
            return true;
        mm_demo_nap(50);
    }
    return false;
}

/* `mamori hub correlate`, one batch per transaction (--group 1: the
 * single-node hub's results, docs/demo.md). */
static pid_t start_corr(mm_demo_cluster *c)
{
    char log[1200];
    snprintf(log, sizeof log, "%s/correlate%d.log", c->dir, ++c->corr_started);
    const char *a[] = {c->self,    "hub",     "correlate", "--store",
                       c->store,   "--bus",   c->bus,      "--dir",
                       c->hub_dir, "--group", "1",         "--partitions",
                       PARTITIONS, NULL};
    return mm_demo_spawn(c->self, a, log, -1, NULL, SIGTERM);
}

mm_rc mm_demo_cluster_hubs(mm_demo_cluster *c, const char *hub_dir,
                           unsigned *port, mm_err *err)
{
    snprintf(c->hub_dir, sizeof c->hub_dir, "%s", hub_dir);
    for (int i = 0; i < MM_DEMO_FRONTENDS; i++) {
        if (!fe_dir(c, i))
            return mm_err_set(err, MM_EIO, "", 0, "%s/fe%d: %s", c->dir, i + 1,
                              strerror(errno));
        c->fe_pid[i] = start_fe(c, i);
    }
    if (!wait_fes(c))
        return mm_err_set(err, MM_EIO, "", 0,
                          "受付サーバーが起動しません / the front ends did "
                          "not start (see %s/fe*/hub.log)",
                          c->dir);
    for (int i = 0; i < c->n_corr; i++)
        if ((c->corr_pid[i] = start_corr(c)) <= 0)
            return mm_err_set(err, MM_EIO, "", 0, "fork: %s", strerror(errno));
    return mm_demo_balancer_start(c->fe_port, MM_DEMO_FRONTENDS, port, &c->bal,
                                  err);
}

/* ---- chaos ---------------------------------------------------------------
 */

static void note_kill(mm_demo_result *r, const char *what, const char *name,
                      pid_t pid, int step, int64_t t0_ms)
{
    if (r->n_kills >= MM_DEMO_KILLS_MAX)
        return;
    mm_demo_kill *k = &r->kills[r->n_kills++];
    snprintf(k->what, sizeof k->what, "%s", what);
    snprintf(k->name, sizeof k->name, "%s", name);
    k->pid = (long)pid;
    k->after_visit = step + 1;
    k->at_ms = mm_mono_ms() - t0_ms;
}

static void kill9(pid_t *pid)
{
    if (*pid <= 0)
        return;
    kill(*pid, SIGKILL);
    waitpid(*pid, NULL, 0);
    *pid = 0;
}

/* What --chaos kills, after which visit, and how it is told. */
typedef struct chaos_kill {
    int step;
    const char *what, *name, *ja, *en;
} chaos_kill;

static const chaos_kill chaos_kills[] = {
    {CHAOS_FE_STEP, "frontend", "fe2",
     "  ✖ 障害の実演: 受付サーバー fe2 を強制終了 (SIGKILL)。センサーは残りの"
     "受付サーバーへ送り直します",
     "  ✖ chaos: front end fe2 killed (SIGKILL); the sensors resend through "
     "the other front ends"},
    {CHAOS_CORR_STEP, "correlator", "correlate",
     "  ✖ 障害の実演: この攻撃者を担当する相関サーバーを強制終了 (SIGKILL)。"
     "もう1台が担当を引き継ぎます",
     "  ✖ chaos: the correlator in charge of this attacker killed (SIGKILL); "
     "the other one takes its partitions over"},
    {CHAOS_NATS_STEP, "nats", "n3",
     "  ✖ 障害の実演: NATS ノード n3 を強制終了 "
     "(SIGKILL)。残りの2台で続けます",
     "  ✖ chaos: NATS node n3 killed (SIGKILL); the other two carry on"},
};

/* True when correlator `i`'s log says, last, that it owns partition p
 * ("partitions owned: 0,2,4,6 (of 8, 4)"). */
static bool owns(const mm_demo_cluster *c, int i, unsigned p)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/correlate%d.log", c->dir, i + 1);
    char *t = NULL;
    if (mm_file_read(path, 1u << 20, &t, NULL, NULL) != MM_OK)
        return false;
    const char *tag = "partitions owned: ", *q = NULL;
    for (const char *x = strstr(t, tag); x; x = strstr(x + 1, tag))
        q = x + strlen(tag);
    bool found = false;
    while (q && *q >= '0' && *q <= '9' && !found) {
        char *end;
        found = strtoul(q, &end, 10) == p;
        q = *end == ',' ? end + 1 : NULL;
    }
    free(t);
    return found;
}

/* The correlator to kill: the one owning the partition of `ip` (the
 * attacker of this visit), else the first. */
static int corr_victim(const mm_demo_cluster *c, const char *ip)
{
    char key[80];
    int n = snprintf(key, sizeof key, "ip:%s", ip ? ip : "");
    unsigned p = mm_hub_key_partition(key, (size_t)n, N_PARTITIONS);
    for (int i = 0; i < c->n_corr; i++)
        if (owns(c, i, p))
            return i;
    return 0;
}

void mm_demo_cluster_chaos(mm_demo_cluster *c, int step, const char *ip,
                           int64_t t0_ms, mm_demo_result *r,
                           mm_demo_say_fn say, void *ud)
{
    for (size_t i = 0; i < sizeof chaos_kills / sizeof chaos_kills[0]; i++) {
        const chaos_kill *k = &chaos_kills[i];
        if (k->step != step)
            continue;
        int v = k->step == CHAOS_CORR_STEP ? corr_victim(c, ip) : 0;
        pid_t *pid = k->step == CHAOS_FE_STEP     ? &c->fe_pid[1]
                     : k->step == CHAOS_CORR_STEP ? &c->corr_pid[v]
                                                  : &c->nats_pid[2];
        char name[32];
        snprintf(name, sizeof name, "%s%s", k->name,
                 k->step == CHAOS_CORR_STEP ? (v ? "2" : "1") : "");
        note_kill(r, k->what, name, *pid, step, t0_ms);
        /* the other correlator claims its partitions within about a
         * second and rebuilds their window from PostgreSQL; a batch the
         * dead one had fetched comes back after the 5 s ack wait */
        kill9(pid);
        if (say)
            say(ud, k->ja, k->en);
    }
}

void mm_demo_cluster_down(mm_demo_cluster *c)
{
    if (!c)
        return;
    mm_demo_balancer_stop(c->bal);
    for (int i = 0; i < MM_DEMO_CORRELATORS_MAX; i++)
        mm_demo_stop(&c->corr_pid[i], SIGTERM);
    for (int i = 0; i < MM_DEMO_FRONTENDS; i++)
        mm_demo_stop(&c->fe_pid[i], SIGTERM);
    for (int i = 0; i < MM_DEMO_NATS; i++)
        mm_demo_stop(&c->nats_pid[i], SIGTERM);
    mm_demo_stop(&c->pg_pid, SIGQUIT); /* immediate: the data goes anyway */
    free(c);
}
