/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-view.c — `mamori hub campaigns | escalations | serve | scs`:
 * list what correlation found, run the API, the SCS buyer view. */
#include "cmd-hub.h"
#include "report.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef mm_rc (*render_fn)(mm_store *st, mm_buf *out, mm_err *err);

/* A whole document (JSON, STIX) rendered by the hub, then printed. */
static mm_rc print_doc(mm_store *st, render_fn fn, mm_err *err)
{
    mm_buf b;
    mm_buf_init(&b, 256u * 1024u * 1024u);
    mm_rc r = fn(st, &b, err);
    if (r == MM_OK && b.len && fwrite(b.data, 1, b.len, stdout) != b.len)
        r = mm_err_set(err, MM_EIO, "", 0, "cannot write stdout");
    mm_buf_free(&b);
    return r;
}

static mm_rc print_campaign(const mm_campaign *c, void *ud)
{
    (void)ud;
    char f[32], l[32];
    mm_time_format(c->first_ts, f, sizeof f);
    mm_time_format(c->last_ts, l, sizeof l);
    printf("c-%-5lld %-6s %-40s tenants %-3u score %-3u %s … %s%s%s\n",
           (long long)c->id, c->key_type, c->key, c->tenants, c->score, f, l,
           c->closed_ts ? "  終了/closed" : "",
           c->escalated ? "  ESCALATED" : "");
    return MM_OK;
}

static mm_rc list_campaigns(mm_store *st, mm_err *err)
{
    return mm_store_campaign_list(st, print_campaign, NULL, err);
}

/* With option `doc_key` (--json, --stix) the document `doc`, else a line
 * per row from `list`. */
static int show(hub_args *a, int doc_key, render_fn doc,
                mm_rc (*list)(mm_store *st, mm_err *err))
{
    mm_err err;
    mm_rc r =
        HAS(a, doc_key) ? print_doc(a->st, doc, &err) : list(a->st, &err);
    return r == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail(&err);
}

static int run_campaigns(hub_args *a)
{
    return show(a, K_JSON, mm_hub_campaigns_json, list_campaigns);
}

static mm_rc print_esc(const mm_escalation *e, void *ud)
{
    (void)ud;
    char t[32];
    mm_time_format(e->created_ms, t, sizeof t);
    printf("%-4lld %s c-%-5lld score %-3u %s\n", (long long)e->id, t,
           (long long)e->campaign, e->score, e->reason);
    return MM_OK;
}

static mm_rc escalations_stix(mm_store *st, mm_buf *out, mm_err *err)
{
    return mm_hub_escalations_stix(st, mm_now_ms() / 1000 * 1000, out, err);
}

static mm_rc list_escalations(mm_store *st, mm_err *err)
{
    return mm_store_escalation_list(st, print_esc, NULL, err);
}

static int run_escalations(hub_args *a)
{
    return show(a, K_STIX, escalations_stix, list_escalations);
}

/* ---- serve
 * --------------------------------------------------------------------------
 */

/* The server's log (certificate reloads): one line on stderr. */
static void hub_log(void *ud, mm_log_level level, const char *msg)
{
    (void)ud;
    (void)level;
    fprintf(stderr, "mamori hub: %s\n", msg);
}

static int run_serve(hub_args *a)
{
    const char *dir = a->dir, *listen = a->listen;
    int tls = a->tls;
    mm_store *probe;
    int rc = mm_cli_hub_open(dir, &probe);
    if (rc)
        return rc;
    mm_store_close(probe);
    mm_hub_server_conf c;
    mm_err err;
    if (mm_hub_conf_load(dir, &c, &err) != MM_OK)
        return mm_cli_hub_fail_rc(MM_EINVAL, &err);
    if (a->store &&
        mm_hub_conf_set(&c, "store", a->store, "--store", 0, &err) != MM_OK)
        return mm_cli_hub_fail_rc(MM_EINVAL, &err);
    if (a->bus &&
        mm_hub_conf_set(&c, "bus", a->bus, "--bus", 0, &err) != MM_OK)
        return mm_cli_hub_fail_rc(MM_EINVAL, &err);
    if (a->partitions && mm_hub_conf_set(&c, "bus_partitions", a->partitions,
                                         "--partitions", 0, &err) != MM_OK)
        return mm_cli_hub_fail_rc(MM_EINVAL, &err);
    if (listen &&
        mm_hub_conf_set(&c, "listen", listen, "--listen", 0, &err) != MM_OK)
        return mm_cli_hub_fail_rc(MM_EINVAL, &err);
    if (tls >= 0)
        c.tls = tls == 1;
    if (c.mail.report_mail) /* monthly report mail (src/report) */
        c.mail.hourly = mm_report_mail_hourly;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP); /* re-read the TLS certificate and key */
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    c.log = hub_log;
    mm_hub_server *s;
    mm_rc r = mm_hub_server_start(&c, &s, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r == MM_EINVAL ? MM_EINVAL : MM_EIO, &err);
    char path[1100];
    snprintf(path, sizeof path, "%s/hub.port", dir);
    FILE *f = fopen(path, "w");
    if (f) {
        fprintf(f, "%u\n", mm_hub_server_port(s));
        fclose(f);
    }
    fprintf(stderr, "mamori hub: 待ち受け中 / listening on %s://%s%s%s:%u\n",
            c.tls ? "https" : "http", strchr(c.listen_host, ':') ? "[" : "",
            c.listen_host, strchr(c.listen_host, ':') ? "]" : "",
            mm_hub_server_port(s));
    int sig;
    while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
        mm_hub_server_reload_tls(s, &err); /* the server logs the outcome */
    fprintf(stderr, "mamori hub: 停止します / stopping\n");
    mm_hub_server_stop(s);
    return MM_EXIT_OK;
}

/* ---- SCS buyer view
 * ------------------------------------------------------------------ */

static int run_scs_submit(hub_args *a)
{
    mm_err err;
    mm_hub_scs_confirmation c;
    mm_rc r = mm_hub_admin_tenant_get(a->st, a->tenant, NULL, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    r = mm_hub_scs_submit(a->st, a->tenant, a->text, a->len, mm_now_ms(), &c,
                          &err);
    if (r != MM_OK) {
        fprintf(stderr,
                "mamori hub: %s: 確認済み評価として受け付けません / not "
                "accepted as a confirmed assessment\n",
                a->pos[0]);
        return mm_cli_hub_fail_rc(r, &err);
    }
    const char *star = c.achieved ? (c.achieved == 4 ? "★4" : "★3") : NULL;
    printf("%s: 確認済み %s（%s、登録番号 %s）を登録しました / recorded "
           "confirmed %s "
           "(%s, registration no. %s)\n",
           a->tenant, star ? star : "★なし", c.confirmed_date,
           c.registration_no, star ? star : "none", c.confirmed_date,
           c.registration_no);
    return MM_EXIT_OK;
}

static int run_scs_require(hub_args *a)
{
    const char *buyer = a->buyer, *sup = a->supplier, *lv = a->level;
    if (strcmp(lv, "3") != 0 && strcmp(lv, "4") != 0 &&
        strcmp(lv, "★3") != 0 && strcmp(lv, "★4") != 0)
        return mm_cli_usage_error(
            &mm_cmd_hub, "--level は 3 か 4 / --level must be 3 or 4");
    int level = lv[strlen(lv) - 1] - '0';
    mm_err err;
    mm_rc r = mm_hub_scs_require(a->st, buyer, sup, level, mm_now_ms(), &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    printf("%s は %s に ★%d を求めます / %s requires ★%d of %s\n", buyer, sup,
           level, buyer, level, sup);
    return MM_EXIT_OK;
}

static mm_rc scs_status_json(mm_store *st, const char *buyer, mm_err *err)
{
    mm_buf b;
    mm_buf_init(&b, FILE_MAX);
    mm_rc r = mm_hub_scs_status_json(st, buyer, &b, err);
    if (r == MM_OK)
        fwrite(b.data, 1, b.len, stdout);
    mm_buf_free(&b);
    return r;
}

static int run_scs_status(hub_args *a)
{
    const char *buyer = a->buyer;
    mm_store *st = a->st;
    mm_err err;
    mm_rc r = mm_hub_admin_tenant_get(st, buyer, NULL, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    if (HAS(a, K_JSON))
        return scs_status_json(st, buyer, &err) == MM_OK
                   ? MM_EXIT_OK
                   : mm_cli_hub_fail(&err);
    mm_hub_scs_row *v;
    size_t n;
    r = mm_hub_scs_status(st, buyer, &v, &n, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail(&err);
    printf("バイヤー / buyer: %s   仕入先 / suppliers: %zu\n", buyer, n);
    printf("%-20s %-6s %-8s %-11s %-8s %s\n", "仕入先/SUPPLIER", "要求/REQ",
           "確認/CONF", "確認日/DATE", "登録番号/REG", "判定 / STATUS");
    for (size_t i = 0; i < n; i++) {
        const mm_hub_scs_row *x = &v[i];
        char who[330];
        snprintf(who, sizeof who, "%s%s%s%s", x->supplier,
                 x->name[0] ? " (" : "", x->name, x->name[0] ? ")" : "");
        const char *conf = !x->has_conf            ? "-"
                           : x->conf.achieved == 4 ? "★4"
                           : x->conf.achieved == 3 ? "★3"
                                                   : "none";
        printf("%-20s %-6s %-8s %-11s %-8s %s / %s\n", who,
               x->required == 4   ? "★4"
               : x->required == 3 ? "★3"
                                  : "-",
               conf, x->has_conf ? x->conf.confirmed_date : "-",
               x->has_conf ? x->conf.registration_no : "-", x->status_ja,
               x->status_en);
    }
    free(v);
    return MM_EXIT_OK;
}

/* ---- the rows
 * ------------------------------------------------------------------------ */

static const mm_cli_opt escalations_opts[] = {
    O_DIR, OPT("--stix", K_STIX, false), {0}};
static const mm_cli_opt serve_opts[] = {
    O_DIR,
    OPT("--listen", K_LISTEN, true),
    OPT("--tls", K_TLS, false),
    OPT("--plain", K_PLAIN, false),
    OPT("--store", K_STORE, true),
    OPT("--bus", K_BUS, true),
    OPT("--partitions", K_PARTITIONS, true),
    {0}};
static const mm_cli_opt scs_submit_opts[] = {O_DIR, O_TENANT, {0}};
static const mm_cli_opt scs_require_opts[] = {
    O_DIR,
    OPT("--buyer", K_BUYER, true),
    OPT("--supplier", K_SUPPLIER, true),
    OPT("--level", K_LEVEL, true),
    {0}};
static const mm_cli_opt scs_status_opts[] = {
    O_DIR, OPT("--buyer", K_BUYER, true), O_JSON, {0}};

const hub_sub mm_cli_hub_view_subs[] = {
    {"serve", serve_opts, NEED(K_DIR), 0, "serve needs --dir DIR", 0, false,
     run_serve},
    {"campaigns", mm_cli_hub_list_opts, NEED(K_DIR), 0,
     "campaigns needs --dir DIR", 0, true, run_campaigns},
    {"escalations", escalations_opts, NEED(K_DIR), 0,
     "escalations needs --dir DIR", 0, true, run_escalations},
    {"scs submit", scs_submit_opts, NEED(K_DIR) | NEED(K_TENANT), 1,
     "scs submit needs --dir, --tenant and FILE", MM_EXIT_FAIL, true,
     run_scs_submit},
    {"scs require", scs_require_opts,
     NEED(K_DIR) | NEED(K_BUYER) | NEED(K_SUPPLIER) | NEED(K_LEVEL), 0,
     "scs require needs --dir, --buyer, --supplier and --level", 0, true,
     run_scs_require},
    {"scs status", scs_status_opts, NEED(K_DIR) | NEED(K_BUYER), 0,
     "scs status needs --dir and --buyer", 0, true, run_scs_status},
    {0},
};
