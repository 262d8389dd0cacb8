/* cmd-hub-view.c — `mamori hub serve | campaigns | escalations | scs`:
 * run the API, list what correlation found, the SCS buyer view. */
#include "cmd-hub.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- reading ------------------------------------------------------------------------ */

static mm_rc print_campaign(const mm_campaign *c, void *ud)
{
    (void)ud;
    char f[32], l[32];
    mm_time_format(c->first_ts, f, sizeof f);
    mm_time_format(c->last_ts, l, sizeof l);
    printf("c-%-5lld %-6s %-40s tenants %-3u score %-3u %s … %s%s\n", (long long)c->id,
           c->key_type, c->key, c->tenants, c->score, f, l,
           c->escalated ? "  ESCALATED" : "");
    return MM_OK;
}

int mm_cli_hub_campaigns(const hub_args *a)
{
    mm_store *st;
    int rc = mm_cli_hub_open(a->dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc r;
    if ((a->given >> K_JSON) & 1u) {
        mm_buf b;
        mm_buf_init(&b, 256u * 1024u * 1024u);
        r = mm_hub_campaigns_json(st, &b, &err);
        if (r == MM_OK)
            fputs(b.data, stdout);
        mm_buf_free(&b);
    } else {
        r = mm_store_campaign_list(st, print_campaign, NULL, &err);
    }
    mm_store_close(st);
    return r == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail(&err);
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

int mm_cli_hub_escalations(const hub_args *a)
{
    mm_store *st;
    int rc = mm_cli_hub_open(a->dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc r;
    if ((a->given >> K_STIX) & 1u) {
        mm_buf b;
        mm_buf_init(&b, 256u * 1024u * 1024u);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        r = mm_hub_escalations_stix(st, (int64_t)ts.tv_sec * 1000, &b, &err);
        if (r == MM_OK)
            fputs(b.data, stdout);
        mm_buf_free(&b);
    } else {
        r = mm_store_escalation_list(st, print_esc, NULL, &err);
    }
    mm_store_close(st);
    return r == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail(&err);
}

/* ---- serve -------------------------------------------------------------------------- */

int mm_cli_hub_serve(const hub_args *a)
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
    if (listen && mm_hub_conf_set(&c, "listen", listen, "--listen", 0, &err) != MM_OK)
        return mm_cli_hub_fail_rc(MM_EINVAL, &err);
    if (tls >= 0)
        c.tls = tls == 1;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
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
    sigwait(&set, &sig);
    fprintf(stderr, "mamori hub: 停止します / stopping\n");
    mm_hub_server_stop(s);
    return MM_EXIT_OK;
}

/* ---- SCS buyer view ------------------------------------------------------------------ */

static int64_t wall_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int mm_cli_hub_scs_submit(const hub_args *a)
{
    const char *dir = a->dir, *tenant = a->tenant;
    const char *path = a->pos[0];
    size_t len;
    char *doc = mm_cli_hub_slurp(path, &len);
    if (!doc)
        return MM_EXIT_FAIL;
    mm_store *st;
    int rc = mm_cli_hub_open(dir, &st);
    if (rc) {
        free(doc);
        return rc;
    }
    mm_err err;
    mm_rc r = mm_hub_admin_tenant_get(st, tenant, NULL, &err);
    if (r != MM_OK) {
        mm_store_close(st);
        free(doc);
        return mm_cli_hub_fail_rc(r, &err);
    }
    mm_hub_scs_confirmation c;
    r = mm_hub_scs_submit(st, tenant, doc, len, wall_ms(), &c, &err);
    mm_store_close(st);
    free(doc);
    if (r != MM_OK) {
        fprintf(stderr, "mamori hub: %s: 確認済み評価として受け付けません / not "
                        "accepted as a confirmed assessment\n", path);
        return mm_cli_hub_fail_rc(r, &err);
    }
    printf("%s: 確認済み %s（%s、登録番号 %s）を登録しました / recorded confirmed %s "
           "(%s, registration no. %s)\n", tenant,
           c.achieved ? (c.achieved == 4 ? "★4" : "★3") : "★なし", c.confirmed_date,
           c.registration_no, c.achieved ? (c.achieved == 4 ? "★4" : "★3") : "none",
           c.confirmed_date, c.registration_no);
    return MM_EXIT_OK;
}

int mm_cli_hub_scs_require(const hub_args *a)
{
    const char *dir = a->dir, *buyer = a->buyer, *sup = a->supplier, *lv = a->level;
    if (strcmp(lv, "3") != 0 && strcmp(lv, "4") != 0 && strcmp(lv, "★3") != 0 &&
        strcmp(lv, "★4") != 0)
        return mm_cli_usage_error(&mm_cmd_hub, "--level は 3 か 4 / --level must be 3 or 4");
    int level = lv[strlen(lv) - 1] - '0';
    mm_store *st;
    int rc = mm_cli_hub_open(dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc r = mm_hub_scs_require(st, buyer, sup, level, wall_ms(), &err);
    mm_store_close(st);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    printf("%s は %s に ★%d を求めます / %s requires ★%d of %s\n", buyer, sup, level,
           buyer, level, sup);
    return MM_EXIT_OK;
}

int mm_cli_hub_scs_status(const hub_args *a)
{
    const char *dir = a->dir, *buyer = a->buyer;
    bool json = (a->given >> K_JSON) & 1u;
    mm_store *st;
    int rc = mm_cli_hub_open(dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc tr = mm_hub_admin_tenant_get(st, buyer, NULL, &err);
    if (tr != MM_OK) {
        mm_store_close(st);
        return mm_cli_hub_fail_rc(tr, &err);
    }
    if (json) {
        mm_buf b;
        mm_buf_init(&b, FILE_MAX);
        mm_rc r = mm_hub_scs_status_json(st, buyer, &b, &err);
        mm_store_close(st);
        if (r == MM_OK)
            fwrite(b.data, 1, b.len, stdout);
        mm_buf_free(&b);
        return r == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail(&err);
    }
    mm_hub_scs_row *v;
    size_t n;
    mm_rc r = mm_hub_scs_status(st, buyer, &v, &n, &err);
    mm_store_close(st);
    if (r != MM_OK)
        return mm_cli_hub_fail(&err);
    printf("バイヤー / buyer: %s   仕入先 / suppliers: %zu\n", buyer, n);
    printf("%-20s %-6s %-8s %-11s %-8s %s\n", "仕入先/SUPPLIER", "要求/REQ", "確認/CONF",
           "確認日/DATE", "登録番号/REG", "判定 / STATUS");
    for (size_t i = 0; i < n; i++) {
        const mm_hub_scs_row *x = &v[i];
        char who[330];
        snprintf(who, sizeof who, "%s%s%s%s", x->supplier, x->name[0] ? " (" : "",
                 x->name, x->name[0] ? ")" : "");
        const char *conf = !x->has_conf ? "-" : x->conf.achieved == 4 ? "★4"
                         : x->conf.achieved == 3 ? "★3" : "none";
        printf("%-20s %-6s %-8s %-11s %-8s %s / %s\n", who,
               x->required == 4 ? "★4" : x->required == 3 ? "★3" : "-", conf,
               x->has_conf ? x->conf.confirmed_date : "-",
               x->has_conf ? x->conf.registration_no : "-", x->status_ja, x->status_en);
    }
    free(v);
    return MM_EXIT_OK;
}
