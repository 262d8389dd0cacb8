/* cmd-hub.c — `mamori hub …`: create and run a hub, manage tenants, the
 * supply-chain graph, webhooks and state-backed indicator lists, and read
 * campaigns and escalations. The work is in src/hub (admin.c); this file
 * parses options (one table row per subcommand) and prints. */
#include "cli.h"
#include "core.h"
#include "hub.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define FILE_MAX (64u * 1024u * 1024u)

static const char usage[] =
    "使い方 / usage:\n"
    "  mamori hub init --dir DIR [--listen HOST:PORT] [--plain] [--san NAME]...\n"
    "      ハブを作成（ストア、設定 hub.conf、自己署名証明書）/ create a hub (store,\n"
    "      config, self-signed certificate made with the openssl command)\n"
    "  mamori hub tenant add --dir DIR --id ID --name NAME --kind sme|buyer|critical|provider\n"
    "      [--industry X] [--region Y] [--range CIDR]...\n"
    "      テナント追加、トークンを一度だけ表示 / add a tenant; prints its token once\n"
    "  mamori hub tenant list --dir DIR [--json]\n"
    "  mamori hub link --dir DIR SUPPLIER CUSTOMER [--disclose]\n"
    "      取引関係（仕入先→顧客）/ a supplier→customer link; --disclose lets the\n"
    "      customer see the supplier's name in warnings\n"
    "  mamori hub graph import --dir DIR FILE.csv   (supplier,customer,disclose)\n"
    "  mamori hub webhook set --dir DIR --tenant ID --url URL [--secret S]\n"
    "      警告の送信先（HMAC-SHA256 署名）/ warning webhook, body signed with\n"
    "      HMAC-SHA256 in X-Mamori-Signature; --url '' removes it\n"
    "  mamori hub ioc import --dir DIR FILE   国家関与の指標リスト / state-backed list\n"
    "      (plain text, or Elastic rule NDJSON such as ACSC 2020-008)\n"
    "  mamori hub serve --dir DIR [--listen HOST:PORT] [--tls|--plain]\n"
    "      API を起動（平文 HTTP はループバックのみ）/ run the API (plain HTTP on\n"
    "      loopback only); writes the bound port to DIR/hub.port\n"
    "  mamori hub campaigns --dir DIR [--json]\n"
    "  mamori hub escalations --dir DIR [--stix]\n"
    "  mamori hub scs submit --dir DIR --tenant ID FILE\n"
    "      仕入先の確認済み評価（mamori scs confirm）を検証して登録 / verify and record\n"
    "      a supplier's confirmed assessment\n"
    "  mamori hub scs require --dir DIR --buyer B --supplier S --level 3|4\n"
    "      バイヤーが仕入先に求める★ / the ★ a buyer requires of its supplier\n"
    "  mamori hub scs status --dir DIR --buyer B [--json]\n"
    "      仕入先ごとの要求★と確認済み★ / required vs confirmed ★ per supplier\n"
    "\n詳細 / details: docs/hub.md, docs/api.md\n";

const mm_command mm_cmd_hub;

static int fail_err(const mm_err *err)
{
    char msg[900];
    mm_err_format(err, msg, sizeof msg);
    fprintf(stderr, "mamori hub: %s\n", msg);
    return MM_EXIT_FAIL;
}

/* Input errors (bad file, bad value) exit 2, run-time errors 1. */
static int fail_rc(mm_rc rc, const mm_err *err)
{
    fail_err(err);
    return rc == MM_EPARSE || rc == MM_EINVAL || rc == MM_ENOTFOUND ||
                   rc == MM_ELIMIT
               ? MM_EXIT_USAGE
               : MM_EXIT_FAIL;
}

/* A bad value the hub refused (MM_EINVAL) is a usage error. */
static int fail_usage(mm_rc rc, const mm_err *err)
{
    if (rc != MM_EINVAL)
        return fail_rc(rc, err);
    char msg[900];
    mm_err_format(err, msg, sizeof msg);
    return mm_cli_usage_error(&mm_cmd_hub, "%s", msg);
}

static int open_store(const char *dir, mm_store **st)
{
    mm_err err;
    mm_rc rc = mm_hub_admin_open(dir, st, &err);
    return rc == MM_OK ? MM_EXIT_OK : fail_rc(rc, &err);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "mamori hub: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    mm_buf b;
    mm_buf_init(&b, FILE_MAX);
    char tmp[65536];
    size_t n;
    bool ok = true;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        if (mm_buf_append(&b, tmp, n) != MM_OK) {
            fprintf(stderr, "mamori hub: %s: larger than %u bytes\n", path, FILE_MAX);
            ok = false;
            break;
        }
    if (ferror(f)) {
        fprintf(stderr, "mamori hub: %s: read error\n", path);
        ok = false;
    }
    fclose(f);
    if (!ok) {
        mm_buf_free(&b);
        return NULL;
    }
    if (!b.data)
        mm_buf_puts(&b, "");
    *len = b.len;
    return b.data;
}

/* ---- options: one table for every subcommand ---------------------------------- */

enum {
    K_DIR, K_LISTEN, K_PLAIN, K_TLS, K_SAN, K_ID, K_NAME, K_KIND, K_INDUSTRY,
    K_REGION, K_RANGE, K_DISCLOSE, K_JSON, K_STIX, K_TENANT, K_URL, K_SECRET,
    K_BUYER, K_SUPPLIER, K_LEVEL,
};
#define SAN_MAX 64u

/* What a subcommand was given. */
typedef struct hub_args {
    unsigned given; /* 1u << K_… of every option seen */
    const char *dir, *listen, *id, *name, *kind, *industry, *region, *tenant;
    const char *url, *secret, *buyer, *supplier, *level;
    int tls; /* -1 not given, 0 --plain, 1 --tls (the last one counts) */
    const char *san[SAN_MAX];
    size_t n_san;
    const char *range[MM_HUB_RANGES_MAX + 1];
    size_t n_range;
    const char *pos[3];
    size_t n_pos;
} hub_args;

#define OPT(name, key, arg) {name, NULL, key, arg, NULL}
#define O_DIR OPT("--dir", K_DIR, true)
#define O_JSON OPT("--json", K_JSON, false)
#define O_LISTEN OPT("--listen", K_LISTEN, true)
#define O_PLAIN OPT("--plain", K_PLAIN, false)
#define O_TENANT OPT("--tenant", K_TENANT, true)
#define O_BUYER OPT("--buyer", K_BUYER, true)

static const mm_cli_opt init_opts[] = {O_DIR, O_LISTEN, O_PLAIN,
                                       OPT("--san", K_SAN, true), {0}};
static const mm_cli_opt tenant_add_opts[] = {
    O_DIR, OPT("--id", K_ID, true), OPT("--name", K_NAME, true),
    OPT("--kind", K_KIND, true), OPT("--industry", K_INDUSTRY, true),
    OPT("--region", K_REGION, true), OPT("--range", K_RANGE, true), {0}};
static const mm_cli_opt dir_json_opts[] = {O_DIR, O_JSON, {0}};
static const mm_cli_opt link_opts[] = {O_DIR, OPT("--disclose", K_DISCLOSE, false), {0}};
static const mm_cli_opt dir_opts[] = {O_DIR, {0}};
static const mm_cli_opt webhook_opts[] = {O_DIR, O_TENANT, OPT("--url", K_URL, true),
                                          OPT("--secret", K_SECRET, true), {0}};
static const mm_cli_opt serve_opts[] = {O_DIR, O_LISTEN, OPT("--tls", K_TLS, false),
                                        O_PLAIN, {0}};
static const mm_cli_opt escalations_opts[] = {O_DIR, OPT("--stix", K_STIX, false), {0}};
static const mm_cli_opt scs_submit_opts[] = {O_DIR, O_TENANT, {0}};
static const mm_cli_opt scs_require_opts[] = {
    O_DIR, O_BUYER, OPT("--supplier", K_SUPPLIER, true), OPT("--level", K_LEVEL, true),
    {0}};
static const mm_cli_opt scs_status_opts[] = {O_DIR, O_BUYER, O_JSON, {0}};

static int take_opt(int key, const char *v, void *ud)
{
    hub_args *a = ud;
    if (key == MM_CLI_POSITIONAL) {
        if (a->n_pos < sizeof a->pos / sizeof *a->pos)
            a->pos[a->n_pos] = v;
        a->n_pos++; /* too many: the subcommand's "needs" error */
        return 0;
    }
    a->given |= 1u << key;
    switch (key) {
    case K_DIR: a->dir = v; break;
    case K_LISTEN: a->listen = v; break;
    case K_PLAIN: a->tls = 0; break;
    case K_TLS: a->tls = 1; break;
    case K_ID: a->id = v; break;
    case K_NAME: a->name = v; break;
    case K_KIND: a->kind = v; break;
    case K_INDUSTRY: a->industry = v; break;
    case K_REGION: a->region = v; break;
    case K_TENANT: a->tenant = v; break;
    case K_URL: a->url = v; break;
    case K_SECRET: a->secret = v; break;
    case K_BUYER: a->buyer = v; break;
    case K_SUPPLIER: a->supplier = v; break;
    case K_LEVEL: a->level = v; break;
    case K_SAN:
        if (a->n_san == SAN_MAX)
            return mm_cli_usage_error(&mm_cmd_hub, "too many --san");
        a->san[a->n_san++] = v;
        break;
    case K_RANGE:
        if (a->n_range == MM_HUB_RANGES_MAX)
            return mm_cli_usage_error(&mm_cmd_hub, "too many --range");
        a->range[a->n_range++] = v;
        break;
    default: break; /* flags: only `given` */
    }
    return 0;
}

/* ---- init, tenants, links, graph, webhooks, indicator lists ------------------------ */

static int run_init(const hub_args *a)
{
    mm_err err;
    mm_rc rc = mm_hub_admin_init(a->dir, a->listen, a->tls != 0, a->san, a->n_san, &err);
    if (rc != MM_OK)
        return fail_rc(rc, &err);
    printf("ハブを作成しました / hub created: %s\n"
           "  store %s/hub.db, config %s/hub.conf, certificate %s/hub-cert.pem (give "
           "it to sensors as ca_file)\n",
           a->dir, a->dir, a->dir, a->dir);
    return MM_EXIT_OK;
}

/* The tenant the options describe; an exit code when one is bad. */
static int tenant_from_args(const hub_args *a, mm_tenant *t)
{
    memset(t, 0, sizeof *t);
    if (!mm_hub_id_valid(a->id))
        return mm_cli_usage_error(&mm_cmd_hub, "--id: 1..64 of A-Z a-z 0-9 . _ -");
    snprintf(t->id, sizeof t->id, "%s", a->id);
    if (strlen(a->name) >= sizeof t->name || !*a->name)
        return mm_cli_usage_error(&mm_cmd_hub, "--name: 1..256 bytes");
    snprintf(t->name, sizeof t->name, "%s", a->name);
    if (!mm_tenant_kind_from_name(a->kind, &t->kind))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--kind must be sme, buyer, critical or provider");
    if (a->industry)
        snprintf(t->industry, sizeof t->industry, "%s", a->industry);
    if (a->region)
        snprintf(t->region, sizeof t->region, "%s", a->region);
    for (size_t i = 0; i < a->n_range; i++) {
        mm_cidr c;
        const char *r = a->range[i];
        size_t l = strlen(t->ranges);
        if (mm_cidr_parse(r, strlen(r), &c) != MM_OK)
            return mm_cli_usage_error(&mm_cmd_hub, "--range '%s' is not a CIDR", r);
        if (l + strlen(r) + 2 > sizeof t->ranges)
            return mm_cli_usage_error(&mm_cmd_hub, "too many --range");
        snprintf(t->ranges + l, sizeof t->ranges - l, "%s%s", l ? "," : "", r);
    }
    return MM_EXIT_OK;
}

static int run_tenant_add(const hub_args *a)
{
    mm_tenant t;
    int rc = tenant_from_args(a, &t);
    mm_store *st;
    if (rc || (rc = open_store(a->dir, &st)))
        return rc;
    char token[80];
    mm_err err;
    mm_rc r = mm_hub_admin_tenant_add(st, &t, token, sizeof token, &err);
    mm_store_close(st);
    if (r != MM_OK)
        return fail_rc(r, &err);
    printf("%s\n", token);
    fprintf(stderr, "テナント %s を追加しました。上のトークンは二度と表示されません。"
                    "センサーの設定に保存してください。\n"
                    "tenant %s added. The token above is shown only once: put it "
                    "in the sensor's configuration now.\n", t.id, t.id);
    return MM_EXIT_OK;
}

typedef struct list_ctx {
    bool json;
    unsigned n;
} list_ctx;

static mm_rc print_tenant(const mm_tenant *t, void *ud)
{
    list_ctx *x = ud;
    if (x->json) {
        mm_buf b;
        mm_buf_init(&b, 8192);
        mm_buf_puts(&b, x->n ? ",{\"id\":" : "{\"id\":");
        mm_buf_json_str(&b, t->id, strlen(t->id));
        mm_buf_puts(&b, ",\"name\":");
        mm_buf_json_str(&b, t->name, strlen(t->name));
        mm_buf_printf(&b, ",\"kind\":\"%s\",\"industry\":", mm_tenant_kind_name(t->kind));
        mm_buf_json_str(&b, t->industry, strlen(t->industry));
        mm_buf_puts(&b, ",\"region\":");
        mm_buf_json_str(&b, t->region, strlen(t->region));
        mm_buf_puts(&b, ",\"ranges\":");
        mm_buf_json_str(&b, t->ranges, strlen(t->ranges));
        mm_buf_puts(&b, "}");
        fputs(b.data ? b.data : "", stdout);
        mm_buf_free(&b);
    } else {
        printf("%-20s %-9s %-14s %-10s %s%s%s\n", t->id, mm_tenant_kind_name(t->kind),
               t->industry[0] ? t->industry : "-", t->region[0] ? t->region : "-",
               t->name, t->ranges[0] ? "  ranges " : "", t->ranges);
    }
    x->n++;
    return MM_OK;
}

static int run_tenant_list(const hub_args *a)
{
    list_ctx x = {(a->given >> K_JSON) & 1u, 0};
    mm_store *st;
    int rc = open_store(a->dir, &st);
    if (rc)
        return rc;
    mm_err err;
    if (x.json)
        fputs("{\"tenants\":[", stdout);
    else
        printf("%-20s %-9s %-14s %-10s %s\n", "ID", "KIND", "INDUSTRY", "REGION", "NAME");
    mm_rc r = mm_store_tenant_list(st, print_tenant, &x, &err);
    if (x.json)
        fputs("]}\n", stdout);
    mm_store_close(st);
    return r == MM_OK ? MM_EXIT_OK : fail_err(&err);
}

static int run_link(const hub_args *a)
{
    mm_link l;
    memset(&l, 0, sizeof l);
    snprintf(l.supplier, sizeof l.supplier, "%s", a->pos[0]);
    snprintf(l.customer, sizeof l.customer, "%s", a->pos[1]);
    l.disclose = (a->given >> K_DISCLOSE) & 1u;
    if (strlen(a->pos[0]) >= sizeof l.supplier || strlen(a->pos[1]) >= sizeof l.customer)
        return mm_cli_usage_error(&mm_cmd_hub, "SUPPLIER and CUSTOMER must be two "
                                               "different tenant ids");
    mm_store *st;
    int rc = open_store(a->dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc r = mm_hub_admin_link_add(st, &l, &err);
    mm_store_close(st);
    if (r != MM_OK)
        return fail_usage(r, &err);
    printf("%s → %s%s\n", l.supplier, l.customer, l.disclose ? " (disclose)" : "");
    return MM_EXIT_OK;
}

typedef mm_rc (*import_fn)(mm_store *st, const char *name, const char *text,
                           size_t len, size_t *n, mm_err *err);

/* graph import and ioc import: read FILE, import it in one transaction. */
static int run_import(const hub_args *a, import_fn fn, size_t *n)
{
    const char *file = a->pos[0];
    size_t len;
    char *text = slurp(file, &len);
    if (!text)
        return MM_EXIT_USAGE;
    mm_store *st;
    int rc = open_store(a->dir, &st);
    if (!rc) {
        mm_err err;
        memset(&err, 0, sizeof err);
        mm_rc r = fn(st, file, text, len, n, &err);
        if (r != MM_OK)
            rc = fail_rc(r, &err);
        mm_store_close(st);
    }
    free(text);
    return rc;
}

static int run_graph_import(const hub_args *a)
{
    size_t n;
    int rc = run_import(a, mm_hub_admin_graph_import, &n);
    if (!rc)
        printf("%zu 件の取引関係を取り込みました / %zu links imported\n", n, n);
    return rc;
}

static int run_ioc_import(const hub_args *a)
{
    size_t n;
    int rc = run_import(a, mm_hub_admin_ioc_import, &n);
    if (!rc)
        printf("%zu 件の国家関与指標を取り込みました / %zu state-backed indicators "
               "imported\n", n, n);
    return rc;
}

static int run_webhook_set(const hub_args *a)
{
    mm_store *st;
    int rc = open_store(a->dir, &st);
    if (rc)
        return rc;
    char secret[128];
    mm_err err;
    mm_rc r = mm_hub_admin_webhook_set(st, a->tenant, a->url, a->secret, secret,
                                       sizeof secret, &err);
    mm_store_close(st);
    if (r != MM_OK)
        return fail_usage(r, &err);
    if (*a->url)
        printf("%s\n", secret);
    fprintf(stderr, *a->url ? "webhook set; the line above is the HMAC-SHA256 secret\n"
                            : "webhook removed\n");
    return MM_EXIT_OK;
}

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

static int run_campaigns(const hub_args *a)
{
    mm_store *st;
    int rc = open_store(a->dir, &st);
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
    return r == MM_OK ? MM_EXIT_OK : fail_err(&err);
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

static int run_escalations(const hub_args *a)
{
    mm_store *st;
    int rc = open_store(a->dir, &st);
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
    return r == MM_OK ? MM_EXIT_OK : fail_err(&err);
}

/* ---- serve -------------------------------------------------------------------------- */

static int run_serve(const hub_args *a)
{
    const char *dir = a->dir, *listen = a->listen;
    int tls = a->tls;
    mm_store *probe;
    int rc = open_store(dir, &probe);
    if (rc)
        return rc;
    mm_store_close(probe);
    mm_hub_server_conf c;
    mm_err err;
    if (mm_hub_conf_load(dir, &c, &err) != MM_OK)
        return fail_rc(MM_EINVAL, &err);
    if (listen && mm_hub_conf_set(&c, "listen", listen, "--listen", 0, &err) != MM_OK)
        return fail_rc(MM_EINVAL, &err);
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
        return fail_rc(r == MM_EINVAL ? MM_EINVAL : MM_EIO, &err);
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

static int run_scs_submit(const hub_args *a)
{
    const char *dir = a->dir, *tenant = a->tenant;
    const char *path = a->pos[0];
    size_t len;
    char *doc = slurp(path, &len);
    if (!doc)
        return MM_EXIT_FAIL;
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc) {
        free(doc);
        return rc;
    }
    mm_err err;
    mm_rc r = mm_hub_admin_tenant_get(st, tenant, NULL, &err);
    if (r != MM_OK) {
        mm_store_close(st);
        free(doc);
        return fail_rc(r, &err);
    }
    mm_hub_scs_confirmation c;
    r = mm_hub_scs_submit(st, tenant, doc, len, wall_ms(), &c, &err);
    mm_store_close(st);
    free(doc);
    if (r != MM_OK) {
        fprintf(stderr, "mamori hub: %s: 確認済み評価として受け付けません / not "
                        "accepted as a confirmed assessment\n", path);
        return fail_rc(r, &err);
    }
    printf("%s: 確認済み %s（%s、登録番号 %s）を登録しました / recorded confirmed %s "
           "(%s, registration no. %s)\n", tenant,
           c.achieved ? (c.achieved == 4 ? "★4" : "★3") : "★なし", c.confirmed_date,
           c.registration_no, c.achieved ? (c.achieved == 4 ? "★4" : "★3") : "none",
           c.confirmed_date, c.registration_no);
    return MM_EXIT_OK;
}

static int run_scs_require(const hub_args *a)
{
    const char *dir = a->dir, *buyer = a->buyer, *sup = a->supplier, *lv = a->level;
    if (strcmp(lv, "3") != 0 && strcmp(lv, "4") != 0 && strcmp(lv, "★3") != 0 &&
        strcmp(lv, "★4") != 0)
        return mm_cli_usage_error(&mm_cmd_hub, "--level は 3 か 4 / --level must be 3 or 4");
    int level = lv[strlen(lv) - 1] - '0';
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc r = mm_hub_scs_require(st, buyer, sup, level, wall_ms(), &err);
    mm_store_close(st);
    if (r != MM_OK)
        return fail_rc(r, &err);
    printf("%s は %s に ★%d を求めます / %s requires ★%d of %s\n", buyer, sup, level,
           buyer, level, sup);
    return MM_EXIT_OK;
}

static int run_scs_status(const hub_args *a)
{
    const char *dir = a->dir, *buyer = a->buyer;
    bool json = (a->given >> K_JSON) & 1u;
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc tr = mm_hub_admin_tenant_get(st, buyer, NULL, &err);
    if (tr != MM_OK) {
        mm_store_close(st);
        return fail_rc(tr, &err);
    }
    if (json) {
        mm_buf b;
        mm_buf_init(&b, FILE_MAX);
        mm_rc r = mm_hub_scs_status_json(st, buyer, &b, &err);
        mm_store_close(st);
        if (r == MM_OK)
            fwrite(b.data, 1, b.len, stdout);
        mm_buf_free(&b);
        return r == MM_OK ? MM_EXIT_OK : fail_err(&err);
    }
    mm_hub_scs_row *v;
    size_t n;
    mm_rc r = mm_hub_scs_status(st, buyer, &v, &n, &err);
    mm_store_close(st);
    if (r != MM_OK)
        return fail_err(&err);
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

/* ---- dispatch: one row per subcommand ---------------------------------------------- */

#define NEED(k) (1u << (k))

typedef struct hub_sub {
    const char *name;       /* "tenant add" */
    const mm_cli_opt *opts;
    unsigned need;          /* options it cannot do without */
    size_t n_pos;           /* plain arguments it takes */
    const char *needs;      /* the usage error when one is missing */
    int (*run)(const hub_args *a);
} hub_sub;

static const hub_sub subs[] = {
    {"init", init_opts, NEED(K_DIR), 0, "hub init needs --dir DIR", run_init},
    {"tenant add", tenant_add_opts, NEED(K_DIR) | NEED(K_ID) | NEED(K_NAME) | NEED(K_KIND),
     0, "tenant add needs --dir, --id, --name and --kind", run_tenant_add},
    {"tenant list", dir_json_opts, NEED(K_DIR), 0, "tenant list needs --dir DIR", run_tenant_list},
    {"link", link_opts, NEED(K_DIR), 2, "link needs --dir DIR SUPPLIER CUSTOMER", run_link},
    {"graph import", dir_opts, NEED(K_DIR), 1, "graph import needs --dir DIR FILE.csv", run_graph_import},
    {"webhook set", webhook_opts, NEED(K_DIR) | NEED(K_TENANT) | NEED(K_URL), 0,
     "webhook set needs --dir, --tenant and --url", run_webhook_set},
    {"ioc import", dir_opts, NEED(K_DIR), 1, "ioc import needs --dir DIR FILE", run_ioc_import},
    {"serve", serve_opts, NEED(K_DIR), 0, "serve needs --dir DIR", run_serve},
    {"campaigns", dir_json_opts, NEED(K_DIR), 0, "campaigns needs --dir DIR", run_campaigns},
    {"escalations", escalations_opts, NEED(K_DIR), 0, "escalations needs --dir DIR", run_escalations},
    {"scs submit", scs_submit_opts, NEED(K_DIR) | NEED(K_TENANT), 1,
     "scs submit needs --dir, --tenant and FILE", run_scs_submit},
    {"scs require", scs_require_opts,
     NEED(K_DIR) | NEED(K_BUYER) | NEED(K_SUPPLIER) | NEED(K_LEVEL), 0,
     "scs require needs --dir, --buyer, --supplier and --level", run_scs_require},
    {"scs status", scs_status_opts, NEED(K_DIR) | NEED(K_BUYER), 0, "scs status needs --dir and --buyer",
     run_scs_status},
};

/* The row named by argv[1] (and argv[2] for two-word names); *words gets
 * how many words the name has. */
static const hub_sub *find_sub(int argc, char **argv, int *words)
{
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++) {
        const char *sp = strchr(subs[i].name, ' ');
        size_t l1 = sp ? (size_t)(sp - subs[i].name) : strlen(subs[i].name);
        if (strncmp(argv[1], subs[i].name, l1) != 0 || argv[1][l1] != '\0')
            continue;
        if (!sp) {
            *words = 1;
            return &subs[i];
        }
        if (argc > 2 && strcmp(argv[2], sp + 1) == 0) {
            *words = 2;
            return &subs[i];
        }
    }
    return NULL;
}

static int hub_run(int argc, char **argv)
{
    if (argc < 2)
        return mm_cli_usage_error(&mm_cmd_hub, "サブコマンドがありません / missing subcommand");
    int words = 0;
    const hub_sub *s = find_sub(argc, argv, &words);
    if (!s) {
        const char *sub2 = argc > 2 ? argv[2] : "";
        return mm_cli_usage_error(&mm_cmd_hub, "不明なサブコマンド / unknown subcommand "
                                               "'%s%s%s'", argv[1], *sub2 ? " " : "", sub2);
    }
    hub_args a;
    memset(&a, 0, sizeof a);
    a.tls = -1;
    int rc = mm_cli_opts_parse(&mm_cmd_hub, s->opts, argc, argv, 1 + words, take_opt, &a);
    if (rc)
        return rc;
    if ((a.given & s->need) != s->need || a.n_pos != s->n_pos)
        return mm_cli_usage_error(&mm_cmd_hub, "%s", s->needs);
    return s->run(&a);
}

const mm_command mm_cmd_hub = {
    .name = "hub",
    .summary_ja = "ハブ（相関・警告・共有フィード）",
    .summary_en = "the hub: correlation, warnings, shared feed",
    .usage = usage,
    .run = hub_run,
};
