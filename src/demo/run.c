/* SPDX-License-Identifier: Apache-2.0 */
/* run.c — the orchestration of `mamori demo`: a hub and five SME sensors on
 * loopback, real attacks from data/samples replayed so that the same
 * attackers reach the SMEs one after another; narrates detection → uplink →
 * campaign → warnings → feed → the later SMEs already protected. Children
 * are the mamori binary: `mamori hub …` and `mamori sensor --config …`.
 * Every hub figure is read through the store interface (mm_store_ops). */
#include "core.h"
#include "demo-int.h"
#include "hub.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N_SME 5
#define STEP_S 600 /* log time between an attacker's visits: 10 minutes */
#define LINES_MAX 64
#define VISIT_MAX_S 180 /* log time one visit may span */

typedef struct tenant_def {
    const char *id, *name_ja, *name_en, *kind;
} tenant_def;

static const tenant_def tenants[] = {
    {"sme-yamada", "山田精機", "Yamada Precision", "sme"},
    {"sme-sato", "佐藤金型", "Sato Mold", "sme"},
    {"sme-suzuki", "鈴木電装", "Suzuki Electric Parts", "sme"},
    {"sme-takahashi", "高橋樹脂", "Takahashi Plastics", "sme"},
    {"sme-tanaka", "田中鍍金", "Tanaka Plating", "sme"},
    {"buyer-mirai", "みらい自動車", "Mirai Motors", "buyer"},
    {"ci-towa", "東和電力", "Towa Electric Power", "critical"},
};
#define N_TENANTS (sizeof tenants / sizeof tenants[0])
#define BUYER 5
#define CRITICAL 6

/* Internal context each SME's logs carry (and that must never leave it):
 * a staff PC that mistypes a password, and the staff user name. */
static const char *const staff_ip[N_SME] = {
    "192.168.10.23", "192.168.20.5", "10.1.2.3", "172.16.5.9", "192.168.1.77"};
static const char *const staff_user[N_SME] = {"yamada-k", "sato-m", "suzuki-a",
                                              "takahashi-r", "tanaka-y"};
static const char *const hostnames[N_SME] = {
    "yamada-srv", "sato-fs01", "suzuki-gw", "takahashi-web", "tanaka-nas"};

typedef struct attacker {
    const char *ip;
    const char *what_ja, *what_en;
    bool web;
    int order[N_SME]; /* SME index visited at step k */
    double offset_s;  /* log-time offset of the first visit */
    /* sample lines (the attacker's own, from data/samples) */
    char *lines[LINES_MAX];
    int64_t rel[LINES_MAX]; /* seconds after the attacker's first line */
    int n;
} attacker;

typedef struct demo {
    char self[1024];
    char dir[1024];
    char samples[1024];
    bool keep;
    mm_demo_say_fn say;
    void *say_ud;
    char hub_dir[1100];
    char token[N_TENANTS][128];
    unsigned port;
    pid_t hub_pid;
    pid_t sensor_pid[N_SME];
    char sme_dir[N_SME][1100];
    int64_t t0;  /* log time of the first step */
    int64_t sim; /* log time "now" in the replay */
    /* per (attacker, sme): when the indicator was in the feed (log time),
     * and when the attacker's first line was written there */
    int64_t feed_at[2][N_SME];
    int64_t first_at[2][N_SME];
    bool blocked[2][N_SME]; /* an ioc alert fired at the first line */
    double feed_ms[2];      /* see mm_demo_result.feed_ms; -1 unmeasured */
    /* One clock for what is compared: the demo's own monotonic clock. When
     * the demo first saw the attacker in the SME's feed.txt, when it wrote
     * the attacker's first line into the SME's log, and whether that visit
     * came after the attacker's campaign opened. */
    int64_t feed_mono[2][N_SME];
    int64_t first_mono[2][N_SME];
    bool after_open[2][N_SME];
    mm_store *store; /* the hub's store, read-only use */
    /* --cluster: the local scale-out hub (cluster.c); --chaos kills in it */
    bool cluster, chaos;
    mm_demo_cluster *cl;
    int64_t replay_mono; /* when the replay began (demo clock) */
    unsigned k;          /* the hub's k: tenants that open a campaign */
    mm_demo_result *res;
} demo;

/* ---- narration ------------------------------------------------------------
 */

/* One message: Japanese, then English indented below it. */
static void say2(const demo *d, const char *ja, const char *en)
{
    if (d->say)
        d->say(d->say_ud, ja, en);
}

/* `ja` and `en` take the same arguments, in the same order. */
static void sayf(const demo *d, const char *ja, const char *en, ...)
{
    char a[1024], b[1024];
    va_list ap, ap2;
    va_start(ap, en);
    va_copy(ap2, ap);
    vsnprintf(a, sizeof a, ja, ap);
    vsnprintf(b, sizeof b, en, ap2);
    va_end(ap2);
    va_end(ap);
    say2(d, a, b);
}

/* Log time (s, UTC) as people here read it: "2026-12-07 14:05:00 JST". */
static void jst_format(int64_t t, char *out, size_t n)
{
    time_t s = (time_t)t + 9 * 3600;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, n, "%Y-%m-%d %H:%M:%S JST", &tm);
}

static void nap_ms(unsigned ms)
{
    mm_demo_nap(ms);
}

/* ---- child processes ------------------------------------------------------
 */

/* Starts this binary with `args` (NULL-terminated, without argv[0]);
 * stdout to `out_fd` when >= 0, else with stderr to `log`. */
static pid_t spawn(const demo *d, const char *const *args, const char *log,
                   int out_fd)
{
    const char *argv[24];
    int n = 0;
    argv[n++] = d->self;
    for (; args[n - 1] && n < 23; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    /* The hub and sensors stop when the demo goes away, however it ends. */
    return mm_demo_spawn(d->self, argv, log, out_fd, NULL, SIGTERM);
}

/* Runs this binary to the end; stdout into `out` (may be NULL). Returns
 * the exit status, or -1. */
static int run(const demo *d, const char *const *args, mm_buf *out,
               const char *log)
{
    int p[2] = {-1, -1};
    if (out && pipe(p) != 0)
        return -1;
    pid_t pid = spawn(d, args, log, out ? p[1] : -1);
    if (out)
        close(p[1]);
    if (pid < 0) {
        if (out)
            close(p[0]);
        return -1;
    }
    if (out) {
        char buf[4096];
        ssize_t r;
        while ((r = read(p[0], buf, sizeof buf)) > 0)
            mm_buf_append(out, buf, (size_t)r);
        close(p[0]);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void stop_child(pid_t *pid)
{
    mm_demo_stop(pid, SIGTERM);
}

/* ---- files ----------------------------------------------------------------
 */

static bool write_file(const char *path, const char *text, bool append)
{
    FILE *f = fopen(path, append ? "a" : "w");
    if (!f)
        return false;
    bool ok = fputs(text, f) >= 0;
    ok = fclose(f) == 0 && ok;
    return ok;
}

static char *read_file(const char *path, size_t cap)
{
    char *t;
    return mm_file_read(path, cap, &t, NULL, NULL) == MM_OK ? t : NULL;
}

/* True when `path` holds a line that is exactly `ip`. */
static bool file_has_line(const char *path, const char *ip)
{
    char *t = read_file(path, 64u * 1024 * 1024);
    if (!t)
        return false;
    size_t n = strlen(ip);
    bool found = false;
    for (char *p = t; p && *p && !found;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        found = len == n && memcmp(p, ip, n) == 0;
        p = nl ? nl + 1 : NULL;
    }
    free(t);
    return found;
}

/* A number from the sensor's status.json ("rules.ioc_ips", …). */
static long status_num(const char *dir, const char *obj, const char *key)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/state/status.json", dir);
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    json_t *v = json_object_get(json_object_get(o, obj), key);
    long r = json_is_integer(v) ? (long)json_integer_value(v) : -1;
    json_decref(o);
    return r;
}

/* ---- samples --------------------------------------------------------------
 */

static bool find_samples(demo *d, const char *opt)
{
    const char *cands[4] = {opt, "data/samples", NULL, NULL};
    char exe_rel[1100], exe_rel2[1100];
    char *slash = strrchr(d->self, '/');
    if (slash) {
        snprintf(exe_rel, sizeof exe_rel, "%.*s/../data/samples",
                 (int)(slash - d->self), d->self);
        snprintf(exe_rel2, sizeof exe_rel2, "%.*s/../../data/samples",
                 (int)(slash - d->self), d->self);
        cands[2] = exe_rel;
        cands[3] = exe_rel2;
    }
    for (int i = 0; i < 4; i++) {
        if (!cands[i])
            continue;
        char p[1200];
        snprintf(p, sizeof p, "%s/loghub-OpenSSH_2k.log", cands[i]);
        if (access(p, R_OK) == 0) {
            snprintf(d->samples, sizeof d->samples, "%s", cands[i]);
            return true;
        }
        if (i == 0)
            return false; /* an explicit --samples must be right */
    }
    return false;
}

static int cmp_rel(const void *a, const void *b, void *ud)
{
    const int64_t *rel = ud;
    int x = *(const int *)a, y = *(const int *)b;
    return rel[x] < rel[y] ? -1 : rel[x] > rel[y];
}

/* Takes up to `max` lines of `file` that belong to the attacker: for
 * syslog, lines naming the address; for access logs, lines it sent. */
static bool load_attacker(demo *d, attacker *a, const char *file, int max)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", d->samples, file);
    char *t = read_file(path, 64u * 1024 * 1024);
    if (!t)
        return false;
    size_t iplen = strlen(a->ip);
    int64_t first = INT64_MAX;
    int64_t times[LINES_MAX] = {0};
    for (char *p = t; p && *p && a->n < max;) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        bool mine = a->web ? len > iplen && memcmp(p, a->ip, iplen) == 0 &&
                                 p[iplen] == ' '
                           : memmem(p, len, a->ip, iplen) != NULL;
        int64_t ts;
        bool timed = a->web ? mm_demo_access_time(p, len, &ts)
                            : mm_demo_syslog_time(p, len, 2015, &ts);
        if (mine && timed) {
            a->lines[a->n] = strndup(p, len);
            times[a->n] = ts;
            if (ts < first)
                first = ts;
            a->n++;
        }
        p = nl ? nl + 1 : NULL;
    }
    free(t);
    for (int i = 0; i < a->n; i++)
        a->rel[i] = times[i] - first;
    /* Access logs are written out of order; replay them in time order. */
    int idx[LINES_MAX];
    for (int i = 0; i < a->n; i++)
        idx[i] = i;
    qsort_r(idx, (size_t)a->n, sizeof idx[0], cmp_rel, a->rel);
    char *l2[LINES_MAX] = {0};
    int64_t r2[LINES_MAX] = {0};
    for (int i = 0; i < a->n; i++) {
        l2[i] = a->lines[idx[i]];
        r2[i] = a->rel[idx[i]];
    }
    memcpy(a->lines, l2, sizeof(char *) * (size_t)a->n);
    memcpy(a->rel, r2, sizeof(int64_t) * (size_t)a->n);
    /* One visit is the attacker's first few minutes there. */
    while (a->n > 0 && a->rel[a->n - 1] > VISIT_MAX_S)
        free(a->lines[--a->n]);
    return a->n > 0;
}

/* ---- the hub --------------------------------------------------------------
 */

static bool setup_hub(demo *d, bool *tls)
{
    snprintf(d->hub_dir, sizeof d->hub_dir, "%s/hub", d->dir);
    char log[1200];
    snprintf(log, sizeof log, "%s/hub-setup.log", d->dir);
    const char *init[] = {"hub",      "init",        "--dir", d->hub_dir,
                          "--listen", "127.0.0.1:0", NULL};
    *tls = true;
    if (run(d, init, NULL, log) != 0) {
        /* No openssl command for the certificate: plain HTTP on loopback. */
        const char *plain[] = {"hub",      "init",     "--dir",
                               d->hub_dir, "--listen", "127.0.0.1:0",
                               "--plain",  NULL};
        *tls = false;
        if (run(d, plain, NULL, log) != 0)
            return false;
    }
    mm_hub_server_conf *hc = calloc(1, sizeof *hc);
    mm_err cerr;
    d->k = hc && mm_hub_conf_load(d->hub_dir, hc, &cerr) == MM_OK
               ? hc->params.k
               : 2;
    free(hc);
    if (d->cluster) {
        /* the tenants, links and everything after go to PostgreSQL */
        char conf[1200], line[512];
        snprintf(conf, sizeof conf, "%s/hub.conf", d->hub_dir);
        snprintf(line, sizeof line, "store = %s\n",
                 mm_demo_cluster_store(d->cl));
        if (!write_file(conf, line, true))
            return false;
    }
    for (size_t i = 0; i < N_TENANTS; i++) {
        char name[256];
        snprintf(name, sizeof name, "%s (%s)", tenants[i].name_ja,
                 tenants[i].name_en);
        const char *add[] = {"hub",      "tenant", "add",           "--dir",
                             d->hub_dir, "--id",   tenants[i].id,   "--name",
                             name,       "--kind", tenants[i].kind, NULL};
        mm_buf out;
        mm_buf_init(&out, 4096);
        int rc = run(d, add, &out, log);
        size_t n = 0;
        while (out.data && n < out.len && out.data[n] != '\n')
            n++;
        if (rc != 0 || n == 0 || n >= sizeof d->token[i]) {
            mm_buf_free(&out);
            return false;
        }
        memcpy(d->token[i], out.data, n);
        d->token[i][n] = '\0';
        mm_buf_free(&out);
    }
    /* The supply chain: every SME supplies the car maker; the last three
     * also supply the power company (critical infrastructure). */
    for (int i = 0; i < N_SME; i++) {
        const char *l1[] = {"hub",        "link",        "--dir",
                            d->hub_dir,   tenants[i].id, tenants[BUYER].id,
                            "--disclose", NULL};
        if (run(d, l1, NULL, log) != 0)
            return false;
        if (i >= 2) {
            const char *l2[] = {"hub",         "link",
                                "--dir",       d->hub_dir,
                                tenants[i].id, tenants[CRITICAL].id,
                                "--disclose",  NULL};
            if (run(d, l2, NULL, log) != 0)
                return false;
        }
    }
    if (d->cluster) {
        mm_err err;
        return mm_demo_cluster_hubs(d->cl, d->hub_dir, &d->port, &err) ==
                   MM_OK &&
               mm_store_open(mm_demo_cluster_store(d->cl), &d->store, &err) ==
                   MM_OK;
    }
    snprintf(log, sizeof log, "%s/hub.log", d->hub_dir);
    const char *serve[] = {"hub", "serve", "--dir", d->hub_dir, NULL};
    d->hub_pid = spawn(d, serve, log, -1);
    if (d->hub_pid <= 0)
        return false;
    char portf[1200];
    snprintf(portf, sizeof portf, "%s/hub.port", d->hub_dir);
    for (int i = 0; i < 200; i++) {
        char *p = read_file(portf, 64);
        if (p) {
            d->port = (unsigned)strtoul(p, NULL, 10);
            free(p);
            if (d->port)
                break;
        }
        if (waitpid(d->hub_pid, NULL, WNOHANG) == d->hub_pid) {
            d->hub_pid = 0;
            return false;
        }
        nap_ms(50);
    }
    if (!d->port)
        return false;
    char db[1200];
    snprintf(db, sizeof db, "%s/hub.db", d->hub_dir);
    mm_err err;
    return mm_store_open(db, &d->store, &err) == MM_OK;
}

/* ---- the hub's figures, through the store interface -----------------------
 */

/* Events at the hub for `tenant`, `kind`, source `ip` (NULL = any); -1 on
 * error. */
static long hub_events(demo *d, const char *tenant, const char *kind,
                       const char *ip)
{
    uint64_t n = 0;
    mm_err err;
    if (d->store->ops->event_count(d->store, tenant, kind, ip, &n, &err) !=
        MM_OK)
        return -1;
    return (long)n;
}

/* Campaigns keyed on one value: how many, the most tenants of one, and the
 * earliest opening (hub clock, ms; 0 when none). */
typedef struct camp_q {
    const char *key;
    long n, tenants;
    int64_t opened;
} camp_q;

static mm_rc camp_row(const mm_campaign *c, void *ud)
{
    camp_q *q = ud;
    if (strcmp(c->key, q->key) != 0)
        return MM_OK;
    q->n++;
    if ((long)c->tenants > q->tenants)
        q->tenants = (long)c->tenants;
    if (q->opened == 0 || c->opened_ms < q->opened)
        q->opened = c->opened_ms;
    return MM_OK;
}

static camp_q hub_campaign(demo *d, const char *key)
{
    camp_q q = {key, 0, 0, 0};
    mm_err err;
    if (mm_store_campaign_list(d->store, camp_row, &q, &err) != MM_OK)
        q.n = -1;
    return q;
}

/* Buyers and critical operators (the demo has two; room for more). */
#define UP_MAX 64
typedef struct up_q {
    char id[UP_MAX][MM_HUB_ID_MAX + 1];
    bool warned[UP_MAX];
    int n;
} up_q;

static mm_rc up_tenant(const mm_tenant *t, void *ud)
{
    up_q *q = ud;
    if (q->n < UP_MAX && (t->kind == MM_TK_BUYER || t->kind == MM_TK_CRITICAL))
        snprintf(q->id[q->n++], sizeof q->id[0], "%s", t->id);
    return MM_OK;
}

static mm_rc up_warning(const mm_warning *w, void *ud)
{
    up_q *q = ud;
    for (int i = 0; i < q->n; i++)
        if (strcmp(q->id[i], w->tenant) == 0)
            q->warned[i] = true;
    return MM_OK;
}

/* Buyers and critical operators holding at least one warning; -1 on
 * error. */
static long hub_warned_buyers(demo *d)
{
    up_q *q = calloc(1, sizeof *q);
    mm_err err;
    if (!q || mm_store_tenant_list(d->store, up_tenant, q, &err) != MM_OK ||
        d->store->ops->warning_list(d->store, NULL, 0, up_warning, q, &err) !=
            MM_OK) {
        free(q);
        return -1;
    }
    long n = 0;
    for (int i = 0; i < q->n; i++)
        n += q->warned[i];
    free(q);
    return n;
}

/* ---- the sensors ----------------------------------------------------------
 */

static bool setup_sensors(demo *d, bool tls)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    for (int i = 0; i < N_SME; i++) {
        char *s = d->sme_dir[i];
        snprintf(s, sizeof d->sme_dir[i], "%s/%s", d->dir, tenants[i].id);
        char p[1300];
        if (mkdir(s, 0700) != 0)
            return false;
        snprintf(p, sizeof p, "%s/state", s);
        mkdir(p, 0700);
        snprintf(p, sizeof p, "%s/auth.log", s);
        write_file(p, "", false);
        snprintf(p, sizeof p, "%s/access.log", s);
        write_file(p, "", false);
        uint64_t r1 = mm_random_seed(), r2 = mm_random_seed();
        char conf[8192];
        char ca[1300] = "";
        if (tls)
            snprintf(ca, sizeof ca, "ca_file = %s/hub-cert.pem\n", d->hub_dir);
        snprintf(conf, sizeof conf,
                 "# mamori demo: %s (%s)\n"
                 "[sensor]\n"
                 "state_dir = %s/state\n"
                 "alerts = %s/alerts.json\n"
                 "year = %d\n"
                 "timezone = +00:00\n"
                 "state_interval = 1\n"
                 "status_interval = 1\n"
                 "rescan_ms = 100\n\n"
                 "[input auth]\npath = %s/auth.log\ntype = syslog\n\n"
                 "[input web]\npath = %s/access.log\ntype = web-access\n\n"
                 "[uplink]\n"
                 "hub_url = %s://127.0.0.1:%u\n"
                 "%s"
                 "token = %s\n"
                 "spool_dir = %s/spool\n"
                 "tenant_secret = %016llx%016llx\n"
                 "own_ranges = 133.5.%d.0/24\n"
                 "send_events = authentication_failure, invalid_user\n"
                 "feed_wait = 10\n"
                 "backoff_cap = 2\n"
                 /* no mamori.status event a minute after the start: the
                  * figures must not depend on how long the demo ran */
                 "status_interval = 0\n",
                 tenants[i].name_ja, tenants[i].name_en, s, s,
                 tm.tm_year + 1900, s, s, tls ? "https" : "http", d->port, ca,
                 d->token[i], s, (unsigned long long)r1,
                 (unsigned long long)r2, 10 + i);
        snprintf(p, sizeof p, "%s/sensor.conf", s);
        if (!write_file(p, conf, false))
            return false;
        char log[1300];
        snprintf(log, sizeof log, "%s/sensor.log", s);
        const char *args[] = {"sensor", "--config", p, NULL};
        d->sensor_pid[i] = spawn(d, args, log, -1);
        if (d->sensor_pid[i] <= 0)
            return false;
    }
    /* Ready when every sensor wrote its status and its feed file; up to 60 s,
     * because five sanitizer builds compiling their rules on a loaded
     * machine can take more than 15. */
    for (int t = 0; t < 1200; t++) {
        int ready = 0;
        for (int i = 0; i < N_SME; i++) {
            char p[1300];
            snprintf(p, sizeof p, "%s/state/feed.txt", d->sme_dir[i]);
            ready += status_num(d->sme_dir[i], "rules", "rules") > 0 &&
                     access(p, R_OK) == 0;
            if (waitpid(d->sensor_pid[i], NULL, WNOHANG) == d->sensor_pid[i]) {
                d->sensor_pid[i] = 0;
                return false;
            }
        }
        if (ready == N_SME)
            return true;
        nap_ms(50);
    }
    return false;
}

/* ---- the replay -----------------------------------------------------------
 */

typedef struct step {
    int a;   /* attacker */
    int k;   /* k-th victim of that attacker */
    int sme; /* which SME */
    int64_t when;
} step;

static int cmp_step(const void *x, const void *y)
{
    const step *a = x, *b = y;
    return a->when < b->when ? -1 : a->when > b->when;
}

/* Notes, for every attacker and SME, when its indicator first showed up in
 * the SME's feed (in replay log time). */
static void observe_feeds(demo *d, attacker *att, int n_att)
{
    for (int a = 0; a < n_att; a++)
        for (int i = 0; i < N_SME; i++) {
            if (d->feed_at[a][i])
                continue;
            char p[1300];
            snprintf(p, sizeof p, "%s/state/feed.txt", d->sme_dir[i]);
            if (file_has_line(p, att[a].ip)) {
                d->feed_at[a][i] = d->sim;
                d->feed_mono[a][i] = mm_mono_ms();
            }
        }
}

static long feed_lines(const char *dir)
{
    char p[1300];
    snprintf(p, sizeof p, "%s/state/feed.txt", dir);
    char *t = read_file(p, 64u * 1024 * 1024);
    if (!t)
        return 0;
    long n = 0;
    for (char *q = t; q && *q;) {
        if (*q != '#' && *q != '\n')
            n++;
        q = strchr(q, '\n');
        q = q ? q + 1 : NULL;
    }
    free(t);
    return n;
}

/* Waits until the sensor's ruleset holds every indicator of its feed (the
 * reload after the feed changed). */
static bool wait_reloaded(demo *d, int sme)
{
    long want = feed_lines(d->sme_dir[sme]);
    for (int t = 0; t < 400; t++) { /* 20 s: sanitizer builds under load */
        if (status_num(d->sme_dir[sme], "rules", "ioc_ips") >= want)
            return true;
        nap_ms(50);
    }
    return false;
}

static bool alert_in_file(const demo *d, int sme, const char *rule,
                          const char *ip)
{
    char p[1300];
    snprintf(p, sizeof p, "%s/alerts.json", d->sme_dir[sme]);
    char *t = read_file(p, 64u * 1024 * 1024);
    if (!t)
        return false;
    char r[160], s[160];
    snprintf(r, sizeof r, "\"id\":\"%s\"", rule);
    snprintf(s, sizeof s, "\"ip\":\"%s\"", ip);
    bool found = false;
    for (char *q = t; q && *q && !found;) {
        char *nl = strchr(q, '\n');
        if (nl)
            *nl = '\0';
        found = strstr(q, r) && strstr(q, s);
        q = nl ? nl + 1 : NULL;
    }
    free(t);
    return found;
}

/* The attacker's lines (and, on the SSH visit, the staff's mistyped
 * password from an internal PC) appended to the SME's log at once. */
static bool write_visit(demo *d, const attacker *a, int sme, int64_t when)
{
    mm_buf b;
    mm_buf_init(&b, 1u << 20);
    if (!a->web) {
        for (int j = 0; j < 6; j++) {
            char l[256];
            snprintf(l, sizeof l,
                     "Jan  1 00:00:00 host sshd[%d]: Failed password for %s "
                     "from %s port %d ssh2",
                     3100 + j, staff_user[sme], staff_ip[sme], 52100 + j);
            mm_demo_rewrite_syslog(l, strlen(l), when - 240 + j * 7,
                                   hostnames[sme], &b);
        }
    }
    for (int i = 0; i < a->n; i++) {
        const char *l = a->lines[i];
        int64_t t = when + a->rel[i];
        if (a->web)
            mm_demo_rewrite_access(l, strlen(l), t, &b);
        else
            mm_demo_rewrite_syslog(l, strlen(l), t, hostnames[sme], &b);
        if (t > d->sim)
            d->sim = t;
    }
    char p[1300];
    snprintf(p, sizeof p, "%s/%s", d->sme_dir[sme],
             a->web ? "access.log" : "auth.log");
    bool ok = b.data && write_file(p, b.data, true);
    mm_buf_free(&b);
    return ok;
}

static void name_of(int sme, char *ja, size_t jn, char *en, size_t en_n)
{
    snprintf(ja, jn, "%s", tenants[sme].name_ja);
    snprintf(en, en_n, "%s", tenants[sme].name_en);
}

/* The shared list reaching every sensor, end to end on the demo's own
 * clock: from writing the line that made the campaign (t_write) to the
 * attacker's address being in the last sensor's feed.txt, polled every
 * 5 ms. Only a measured figure is printed; otherwise feed_ms stays -1. */
static void feed_latency(demo *d, const attacker *a, int ai, int64_t t_write)
{
    int have = 0;
    /* 30 s: the cluster's front ends see the store's new indicators on
     * their 5-second reload, and sanitizer builds on a loaded machine are
     * slow; a fast run stops waiting as soon as every sensor has it */
    int polls = 6000;
    for (int t = 0; t < polls && have < N_SME; t++) {
        have = 0;
        for (int i = 0; i < N_SME; i++) {
            char p[1300];
            snprintf(p, sizeof p, "%s/state/feed.txt", d->sme_dir[i]);
            if (!d->feed_mono[ai][i] && file_has_line(p, a->ip)) {
                d->feed_mono[ai][i] = mm_mono_ms();
                d->feed_at[ai][i] = d->sim;
            }
            have += d->feed_mono[ai][i] != 0;
        }
        if (have < N_SME)
            nap_ms(5);
    }
    int64_t last = 0;
    for (int i = 0; i < N_SME; i++)
        if (d->feed_mono[ai][i] > last)
            last = d->feed_mono[ai][i];
    d->feed_ms[ai] = have == N_SME ? (double)(last - t_write) : -1;
    if (have == N_SME)
        sayf(d,
             "  ★ 共有リスト: 攻撃の記録から %.0f ms で %d 社すべてのセンサー"
             "に届きました（このデモの時計で測定、5 ms ごとに確認）",
             "  ★ shared list: %.0f ms after the attack was logged, at all "
             "%d sensors (measured on this demo's clock, checked every 5 ms)",
             d->feed_ms[ai], have);
    else
        sayf(d,
             "  ★ 共有リスト: %d 秒以内に届いたのは %d 社のセンサーです"
             "（全社への到着時間は測れませんでした）",
             "  ★ shared list: within %d s at %d sensor(s) (the time to all "
             "of them was not measured)",
             polls / 200, have);
}

static void replay(demo *d, attacker *att, int n_att)
{
    step steps[2 * N_SME] = {{0}};
    int ns = 0;
    for (int a = 0; a < n_att; a++)
        for (int k = 0; k < N_SME; k++)
            steps[ns++] =
                (step){a, k, att[a].order[k],
                       d->t0 + (int64_t)att[a].offset_s + (int64_t)k * STEP_S};
    qsort(steps, (size_t)ns, sizeof steps[0], cmp_step);
    bool campaign_seen[2] = {false, false};
    for (int s = 0; s < ns && !mm_demo_interrupted(); s++) {
        step *st = &steps[s];
        attacker *a = &att[st->a];
        char ja[64], en[64], tm[32];
        name_of(st->sme, ja, sizeof ja, en, sizeof en);
        jst_format(st->when, tm, sizeof tm);
        observe_feeds(d, att, n_att);
        bool known = d->feed_at[st->a][st->sme] != 0;
        if (known)
            wait_reloaded(d, st->sme);
        d->after_open[st->a][st->sme] = campaign_seen[st->a];
        {
            char j1[512], e1[512];
            snprintf(j1, sizeof j1, "\n[%s] %s が %s を攻撃: %s", tm, a->ip,
                     ja, a->what_ja);
            snprintf(e1, sizeof e1, "[%s] %s attacks %s: %s", tm, a->ip, en,
                     a->what_en);
            say2(d, j1, e1);
            if (known) {
                snprintf(j1, sizeof j1,
                         "  %s のセンサーには、この攻撃者が共有リストで既に"
                         "届いています",
                         ja);
                snprintf(e1, sizeof e1,
                         "  %s's sensor already has this attacker from the "
                         "shared list",
                         en);
                say2(d, j1, e1);
            }
        }
        d->first_at[st->a][st->sme] = st->when;
        d->first_mono[st->a][st->sme] = mm_mono_ms();
        write_visit(d, a, st->sme, st->when);
        if (d->chaos)
            mm_demo_cluster_chaos(d->cl, s, a->ip, d->replay_mono, d->res,
                                  d->say, d->say_ud);
        /* detection → alert → spool → hub; up to 60 s: a batch a killed
         * correlator held comes back after JetStream's 30-second ack wait,
         * and sanitizer builds on a loaded machine are slow */
        const char *rule = a->web ? "web.probe.wordpress" : "ssh.bruteforce";
        int64_t w0 = mm_now_ms();
        long got = 0;
        for (int t = 0; t < 1200 && got < 1; t++) {
            got = hub_events(d, tenants[st->sme].id, "alert", a->ip);
            if (got < 1)
                nap_ms(50);
        }
        if (got >= 1)
            sayf(d,
                 "  検知 → 警報 %s → 社内の名前やアドレスを伏せて共有サーバー"
                 "へ送信 (%lld ms)",
                 "  detected → alert %s → sent to the sharing server with "
                 "internal names and addresses hidden (%lld ms)",
                 rule, (long long)(mm_now_ms() - w0));
        else
            sayf(d, "  (%s: 共有サーバーへの到着を確認できませんでした)",
                 "  (%s: not seen at the sharing server in time)", rule);
        if (known) {
            for (int t = 0; t < 200 && !d->blocked[st->a][st->sme]; t++) {
                d->blocked[st->a][st->sme] =
                    alert_in_file(d, st->sme, "ioc.ip", a->ip);
                if (!d->blocked[st->a][st->sme])
                    nap_ms(50);
            }
            if (d->blocked[st->a][st->sme])
                sayf(d,
                     "  最初の1行で見分けました (ioc.ip): この相手は共有リスト"
                     "に載っていました（通信を止めるのは、止める設定 [block] "
                     "を有効にした所だけです）",
                     "  recognised at the very first line (ioc.ip): the "
                     "address was on the shared list (packets are dropped "
                     "only where [block] is enabled)");
        }
        camp_q camp = hub_campaign(d, a->ip);
        /* the k-th victim opens the campaign; through the cluster it may be
         * committed a moment after the alert (another transaction) */
        for (int t = 0; t < 600 && camp.n == 0 && !campaign_seen[st->a] &&
                        (unsigned)st->k + 1 >= d->k;
             t++) {
            nap_ms(50);
            camp = hub_campaign(d, a->ip);
        }
        if (camp.n > 0 && !campaign_seen[st->a]) {
            campaign_seen[st->a] = true;
            long tn = camp.tenants;
            sayf(d,
                 "  ★ 共有サーバー: %ld 社目で同じ攻撃者を確認 → 複数の会社を"
                 "ねらう攻撃として記録",
                 "  ★ sharing server: the same attacker at company no. %ld → "
                 "recorded as an attack on several companies (a campaign)",
                 tn);
            long wb = hub_warned_buyers(d);
            sayf(d, "  ★ 取引先 (発注元) %ld 社に警告を送信しました",
                 "  ★ warnings sent to %ld buyer(s) up the supply chain", wb);
            feed_latency(d, a, st->a, d->first_mono[st->a][st->sme]);
        }
        observe_feeds(d, att, n_att);
    }
}

/* ---- results --------------------------------------------------------------
 */

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static void wait_drained(demo *d)
{
    long last = -1;
    int stable = 0;
    /* 1 s without a new event; 3 s through the cluster, longer than a
     * sensor's retry back-off (backoff_cap = 2) after a killed node */
    int need = d->cluster ? 30 : 10;
    for (int t = 0; t < 200 + 10 * need && stable < need; t++) {
        long n = hub_events(d, NULL, NULL, NULL);
        stable = n == last ? stable + 1 : 0;
        last = n;
        nap_ms(100);
    }
}

static void cleanup(demo *d)
{
    for (int i = 0; i < N_SME; i++)
        stop_child(&d->sensor_pid[i]);
    stop_child(&d->hub_pid);
    mm_store_close(d->store);
    d->store = NULL;
    mm_demo_cluster_down(d->cl);
    d->cl = NULL;
}

static void rm_tree(const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", "--", dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

/* Where data/samples is: the option, ./data/samples, or next to the
 * binary (build/mamori, build/<variant>/mamori). */
static mm_rc start(demo *d, const mm_demo_opts *o, mm_demo_result *r,
                   mm_err *err)
{
    snprintf(d->self, sizeof d->self, "%s", o->self);
    d->cluster = o->cluster || o->chaos;
    d->chaos = o->chaos;
    d->say = o->say;
    d->say_ud = o->ud;
    d->keep = o->keep;
    if (!find_samples(d, o->samples))
        return mm_err_set(err, MM_ENOTFOUND, "", 0,
                          "サンプルログが見つかりません / cannot find "
                          "data/samples%s%s (use --samples DIR)",
                          o->samples ? " at " : "",
                          o->samples ? o->samples : "");
    if (o->dir) {
        snprintf(d->dir, sizeof d->dir, "%s", o->dir);
        d->keep = true;
        if (mkdir(d->dir, 0700) != 0 && errno != EEXIST)
            return mm_err_set(err, MM_EIO, "", 0, "%s: %s", d->dir,
                              strerror(errno));
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(d->dir, sizeof d->dir, "%s/mamori-demo-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(d->dir))
            return mm_err_set(err, MM_EIO, "", 0, "mkdtemp: %s",
                              strerror(errno));
    }
    r->kept = d->keep;
    snprintf(r->dir, sizeof r->dir, "%s", d->dir);
    return MM_OK;
}

/* The figures at the end of the run (hub figures from its store). */
static void results(demo *d, mm_demo_result *r)
{
    r->tenants = N_TENANTS;
    r->events = hub_events(d, NULL, NULL, NULL);
    mm_store_stats st;
    mm_err err;
    bool ok = mm_store_stats_get(d->store, &st, &err) == MM_OK;
    r->campaigns = ok ? (long)st.campaigns : -1;
    r->escalations = ok ? (long)st.escalations : -1;
    r->warned_buyers = hub_warned_buyers(d);
    /* Protected: the visit came after the attacker's campaign opened, and
     * the demo saw the address in that SME's feed.txt before it wrote the
     * attacker's first line there (one clock). The lead is counted in log
     * time. */
    int64_t leads[2 * N_SME] = {0};
    int nl = 0;
    for (int i = 0; i < N_SME; i++) {
        bool prot = false;
        for (int a = 0; a < 2; a++) {
            r->first_line_hits += d->blocked[a][i];
            if (!d->after_open[a][i])
                continue;
            r->reached_after_open++;
            if (d->feed_mono[a][i] &&
                d->feed_mono[a][i] < d->first_mono[a][i]) {
                prot = true;
                r->protected_pairs++;
                leads[nl++] = d->first_at[a][i] - d->feed_at[a][i];
            }
        }
        r->protected_before += prot;
    }
    r->protected_fraction =
        r->reached_after_open
            ? (double)r->protected_pairs / (double)r->reached_after_open
            : -1;
    qsort(leads, (size_t)nl, sizeof leads[0], cmp_i64);
    r->median_lead_s = nl == 0  ? 0
                       : nl % 2 ? (double)leads[nl / 2]
                                : (leads[nl / 2 - 1] + leads[nl / 2]) / 2.0;
    r->feed_ms[0] = d->feed_ms[0];
    r->feed_ms[1] = d->feed_ms[1];
}

/* --cluster: PostgreSQL and the NATS cluster, before the hub is made. */
static mm_rc start_cluster(demo *d, mm_demo_result *r, mm_err *err)
{
    mm_rc rc = mm_demo_cluster_up(d->self, d->dir, &d->cl, err);
    if (rc != MM_OK)
        return rc;
    r->cluster = true;
    mm_demo_cluster_counts(d->cl, &r->frontends, &r->correlators,
                           &r->nats_nodes);
    sayf(d,
         "大規模構成: データベース PostgreSQL 1台と、受け渡し役 NATS %d 台を"
         "起動しました",
         "scale-out: PostgreSQL and a %d-node NATS JetStream cluster up",
         r->nats_nodes);
    return MM_OK;
}

/* Loads the attackers, starts the hub and the sensors, replays. */
static mm_rc play(demo *d, attacker *att, mm_demo_result *r, mm_err *err)
{
    bool tls = false;
    if (!load_attacker(d, &att[0], "loghub-OpenSSH_2k.log", 24) ||
        !load_attacker(d, &att[1], "elastic-apache_access_10k.log", 41))
        return mm_err_set(err, MM_EPARSE, "", 0,
                          "%s: 攻撃者の行がありません / the attackers' lines "
                          "are missing",
                          d->samples);
    say2(d,
         "mamori デモ: 情報を集める共有サーバー1台、中小企業5社、発注元2社 "
         "(うち1社は電力会社)",
         "mamori demo: one hub (the sharing server), five SMEs, two buyers "
         "(one a power company)");
    mm_rc rc = d->cluster ? start_cluster(d, r, err) : MM_OK;
    if (rc != MM_OK)
        return rc;
    if (!setup_hub(d, &tls))
        return mm_err_set(err, MM_EIO, "", 0,
                          "ハブを起動できません / cannot start the hub (see "
                          "%s/hub-setup.log, %s/%s)",
                          d->dir, d->cluster ? d->dir : d->hub_dir,
                          d->cluster ? "fe*/hub.log, correlate*.log"
                                     : "hub.log");
    if (d->cluster)
        sayf(d,
             "共有サーバーは受付 %d 台と相関 %d 台で動きます（センサーは "
             "1つの宛先 127.0.0.1:%u から受付のどれかにつながります）",
             "the sharing server runs as %d front ends and %d "
             "correlator(s) (the sensors reach one of the front ends "
             "through one address, 127.0.0.1:%u)",
             r->frontends, r->correlators, d->port);
    sayf(d,
         "共有サーバー起動: %s://127.0.0.1:%u、参加する会社 %zu "
         "社と取引関係を登録",
         "sharing server up: %s://127.0.0.1:%u, %zu companies and their "
         "supply-chain links stored",
         tls ? "https" : "http", d->port, N_TENANTS);
    if (!setup_sensors(d, tls))
        return mm_err_set(
            err, MM_EIO, "", 0,
            "センサーを起動できません / cannot start the sensors "
            "(see %s/*/sensor.log)",
            d->dir);
    say2(d,
         "センサー5台起動 (SSH のログインと Web のログを見張り、共有サーバーへ"
         "送り、共有リストを受け取ります)",
         "five sensors up (watching SSH sign-ins and web logs, sending to the "
         "sharing server, receiving the shared list)");
    /* Log time: the replay ends a few minutes ago. */
    d->t0 = mm_now_ms() / 1000 - (N_SME + 1) * STEP_S;
    d->sim = d->t0;
    d->replay_mono = mm_mono_ms();
    d->res = r;
    replay(d, att, 2);
    wait_drained(d);
    results(d, r);
    return MM_OK;
}

mm_rc mm_demo_run(const mm_demo_opts *o, mm_demo_result *r, mm_err *err)
{
    memset(r, 0, sizeof *r);
    demo *d = calloc(1, sizeof *d);
    if (!d)
        return mm_err_set(err, MM_ENOMEM, "", 0, "out of memory");
    /* Ctrl-C, kill, a closed terminal: held until the children are stopped
     * and the directory removed, then delivered (proc.c) */
    sigset_t old;
    mm_demo_hold_signals(&old);
    mm_rc rc = start(d, o, r, err);
    if (rc != MM_OK) {
        free(d);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return rc;
    }
    signal(SIGPIPE, SIG_IGN);
    attacker att[2] = {
        {.ip = "183.62.140.253",
         .what_ja = "SSH のパスワード総当たり",
         .what_en = "an SSH password brute force",
         .web = false,
         .order = {0, 1, 2, 3, 4},
         .offset_s = 0},
        {.ip = "144.76.194.187",
         .what_ja = "Web の管理画面探索 (wp-login.php など)",
         .what_en = "a web scan for admin pages (wp-login.php …)",
         .web = true,
         .order = {4, 3, 2, 1, 0},
         .offset_s = STEP_S / 2},
    };
    rc = play(d, att, r, err);
    if (mm_demo_interrupted())
        rc = mm_err_set(err, MM_EIO, "", 0, "中断しました / interrupted");
    cleanup(d);
    for (int a = 0; a < 2; a++)
        for (int i = 0; i < att[a].n; i++)
            free(att[a].lines[i]);
    if (!d->keep)
        rm_tree(d->dir);
    free(d);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}
