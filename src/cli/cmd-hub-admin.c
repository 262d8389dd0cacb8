/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub-admin.c — `mamori hub init | tenant | link | graph import |
 * webhook set | ioc import`: options in, src/hub/admin.c does the work,
 * the result printed. */
#include "cmd-hub.h"

#include <stdlib.h>
#include <string.h>

static int run_init(hub_args *a)
{
    mm_err err;
    mm_rc rc = mm_hub_admin_init(a->dir, a->listen, a->tls != 0, a->san,
                                 a->n_san, &err);
    if (rc != MM_OK)
        return mm_cli_hub_fail_rc(rc, &err);
    printf("ハブを作成しました / hub created: %s\n"
           "  store %s/hub.db, config %s/hub.conf, certificate "
           "%s/hub-cert.pem (give "
           "it to sensors as ca_file)\n",
           a->dir, a->dir, a->dir, a->dir);
    return MM_EXIT_OK;
}

/* The tenant the options describe; an exit code when one is bad. */
static int tenant_from_args(const hub_args *a, mm_tenant *t)
{
    memset(t, 0, sizeof *t);
    if (!mm_hub_id_valid(a->id))
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "--id: 1..64 of A-Z a-z 0-9 . _ -");
    snprintf(t->id, sizeof t->id, "%s", a->id);
    if (strlen(a->name) >= sizeof t->name || !*a->name)
        return mm_cli_usage_error(&mm_cmd_hub, "--name: 1..256 bytes");
    snprintf(t->name, sizeof t->name, "%s", a->name);
    if (!mm_tenant_kind_from_name(a->kind, &t->kind))
        return mm_cli_usage_error(
            &mm_cmd_hub, "--kind must be sme, buyer, critical or provider");
    if (a->industry)
        snprintf(t->industry, sizeof t->industry, "%s", a->industry);
    if (a->region)
        snprintf(t->region, sizeof t->region, "%s", a->region);
    for (size_t i = 0; i < a->n_range; i++) {
        mm_cidr c;
        const char *r = a->range[i];
        size_t l = strlen(t->ranges);
        if (mm_cidr_parse(r, strlen(r), &c) != MM_OK)
            return mm_cli_usage_error(&mm_cmd_hub,
                                      "--range '%s' is not a CIDR", r);
        if (l + strlen(r) + 2 > sizeof t->ranges)
            return mm_cli_usage_error(&mm_cmd_hub, "too many --range");
        snprintf(t->ranges + l, sizeof t->ranges - l, "%s%s", l ? "," : "", r);
    }
    return MM_EXIT_OK;
}

static int run_tenant_add(hub_args *a)
{
    mm_tenant t;
    int rc = tenant_from_args(a, &t);
    if (rc)
        return rc;
    char token[80];
    mm_err err;
    mm_rc r = mm_hub_admin_tenant_add(a->st, &t, token, sizeof token, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    return mm_cli_hub_secret(
        token,
        "テナント %s を追加しました。上のトークンは二度と表示されません。"
        "センサーの設定に保存してください。\n"
        "tenant %s added. The token above is shown only once: put it "
        "in the sensor's configuration now.\n",
        t.id, t.id);
}

static mm_rc print_tenant(const mm_tenant *t, void *ud)
{
    hub_list *x = ud;
    if (x->json) {
        const char *k[] = {"id",       "name",   "kind",
                           "industry", "region", "ranges"};
        const char *v[] = {
            t->id,       t->name,   mm_tenant_kind_name(t->kind),
            t->industry, t->region, t->ranges};
        mm_buf b;
        mm_buf_init(&b, 8192);
        mm_buf_puts(&b, x->n ? "," : "");
        mm_cli_hub_json_object(&b, k, v, sizeof k / sizeof *k);
        fputs(b.data ? b.data : "", stdout);
        mm_buf_free(&b);
    } else {
        printf("%-20s %-9s %-14s %-10s %s%s%s\n", t->id,
               mm_tenant_kind_name(t->kind),
               t->industry[0] ? t->industry : "-",
               t->region[0] ? t->region : "-", t->name,
               t->ranges[0] ? "  ranges " : "", t->ranges);
    }
    x->n++;
    return MM_OK;
}

static int run_tenant_list(hub_args *a)
{
    hub_list x = {HAS(a, K_JSON), 0};
    mm_err err;
    mm_cli_hub_list_begin(&x, "tenants", "%-20s %-9s %-14s %-10s %s\n", "ID",
                          "KIND", "INDUSTRY", "REGION", "NAME");
    mm_rc r = mm_store_tenant_list(a->st, print_tenant, &x, &err);
    return mm_cli_hub_list_end(&x, r, &err);
}

static int run_link(hub_args *a)
{
    mm_link l;
    memset(&l, 0, sizeof l);
    snprintf(l.supplier, sizeof l.supplier, "%s", a->pos[0]);
    snprintf(l.customer, sizeof l.customer, "%s", a->pos[1]);
    l.disclose = HAS(a, K_DISCLOSE);
    mm_err err;
    mm_rc r = strlen(a->pos[0]) >= sizeof l.supplier ||
                      strlen(a->pos[1]) >= sizeof l.customer
                  ? mm_err_set(&err, MM_EINVAL, "", 0,
                               "SUPPLIER and CUSTOMER must be "
                               "two different tenant ids")
                  : mm_hub_admin_link_add(a->st, &l, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_usage(r, &err);
    printf("%s → %s%s\n", l.supplier, l.customer,
           l.disclose ? " (disclose)" : "");
    return MM_EXIT_OK;
}

typedef mm_rc (*import_fn)(mm_store *st, const char *name, const char *text,
                           size_t len, size_t *n, mm_err *err);

/* graph import and ioc import: FILE (read by the dispatcher) in one
 * transaction, then how many `what` were taken. */
static int import(hub_args *a, import_fn fn, const char *what_ja,
                  const char *what_en)
{
    size_t n;
    mm_err err;
    memset(&err, 0, sizeof err);
    mm_rc r = fn(a->st, a->pos[0], a->text, a->len, &n, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_rc(r, &err);
    printf("%zu 件の%sを取り込みました / %zu %s imported\n", n, what_ja, n,
           what_en);
    return MM_EXIT_OK;
}

static int run_graph_import(hub_args *a)
{
    return import(a, mm_hub_admin_graph_import, "取引関係", "links");
}

static int run_ioc_import(hub_args *a)
{
    return import(a, mm_hub_admin_ioc_import, "国家関与指標",
                  "state-backed indicators");
}

static int run_webhook_set(hub_args *a)
{
    char secret[128];
    mm_err err;
    mm_rc r = mm_hub_admin_webhook_set(a->st, a->tenant, a->url, a->secret,
                                       secret, sizeof secret, &err);
    if (r != MM_OK)
        return mm_cli_hub_fail_usage(r, &err);
    if (*a->url)
        return mm_cli_hub_secret(
            secret, "webhook set; the line above is the HMAC-SHA256 secret\n");
    fprintf(stderr, "webhook removed\n");
    return MM_EXIT_OK;
}

/* ---- the rows
 * ------------------------------------------------------------------------ */

static const mm_cli_opt init_opts[] = {O_DIR,
                                       OPT("--listen", K_LISTEN, true),
                                       OPT("--plain", K_PLAIN, false),
                                       OPT("--san", K_SAN, true),
                                       {0}};
static const mm_cli_opt tenant_add_opts[] = {
    O_DIR,
    O_ID,
    O_NAME,
    OPT("--kind", K_KIND, true),
    OPT("--industry", K_INDUSTRY, true),
    OPT("--region", K_REGION, true),
    OPT("--range", K_RANGE, true),
    {0}};
static const mm_cli_opt link_opts[] = {
    O_DIR, OPT("--disclose", K_DISCLOSE, false), {0}};
static const mm_cli_opt import_opts[] = {O_DIR, {0}};
static const mm_cli_opt webhook_opts[] = {O_DIR,
                                          O_TENANT,
                                          OPT("--url", K_URL, true),
                                          OPT("--secret", K_SECRET, true),
                                          {0}};

const hub_sub mm_cli_hub_admin_subs[] = {
    {"init", init_opts, NEED(K_DIR), 0, "hub init needs --dir DIR", 0, false,
     run_init},
    {"tenant add", tenant_add_opts,
     NEED(K_DIR) | NEED(K_ID) | NEED(K_NAME) | NEED(K_KIND), 0,
     "tenant add needs --dir, --id, --name and --kind", 0, true,
     run_tenant_add},
    {"tenant list", mm_cli_hub_list_opts, NEED(K_DIR), 0,
     "tenant list needs --dir DIR", 0, true, run_tenant_list},
    {"link", link_opts, NEED(K_DIR), 2,
     "link needs --dir DIR SUPPLIER CUSTOMER", 0, true, run_link},
    {"graph import", import_opts, NEED(K_DIR), 1,
     "graph import needs --dir DIR FILE.csv", MM_EXIT_USAGE, true,
     run_graph_import},
    {"webhook set", webhook_opts, NEED(K_DIR) | NEED(K_TENANT) | NEED(K_URL),
     0, "webhook set needs --dir, --tenant and --url", 0, true,
     run_webhook_set},
    {"ioc import", import_opts, NEED(K_DIR), 1,
     "ioc import needs --dir DIR FILE", MM_EXIT_USAGE, true, run_ioc_import},
    {0},
};
