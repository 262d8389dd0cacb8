/* cmd-hub.c — `mamori hub …`: create and run a hub, manage tenants, the
 * supply-chain graph, webhooks and state-backed indicator lists, and read
 * campaigns and escalations. The work is in src/hub (admin.c); this file
 * parses options (one table row per subcommand) and prints. */
#include "cmd-hub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int mm_cli_hub_fail(const mm_err *err)
{
    char msg[900];
    mm_err_format(err, msg, sizeof msg);
    fprintf(stderr, "mamori hub: %s\n", msg);
    return MM_EXIT_FAIL;
}

/* Input errors (bad file, bad value) exit 2, run-time errors 1. */
int mm_cli_hub_fail_rc(mm_rc rc, const mm_err *err)
{
    mm_cli_hub_fail(err);
    return rc == MM_EPARSE || rc == MM_EINVAL || rc == MM_ENOTFOUND ||
                   rc == MM_ELIMIT
               ? MM_EXIT_USAGE
               : MM_EXIT_FAIL;
}

/* A bad value the hub refused (MM_EINVAL) is a usage error. */
int mm_cli_hub_fail_usage(mm_rc rc, const mm_err *err)
{
    if (rc != MM_EINVAL)
        return mm_cli_hub_fail_rc(rc, err);
    char msg[900];
    mm_err_format(err, msg, sizeof msg);
    return mm_cli_usage_error(&mm_cmd_hub, "%s", msg);
}

int mm_cli_hub_open(const char *dir, mm_store **st)
{
    mm_err err;
    mm_rc rc = mm_hub_admin_open(dir, st, &err);
    return rc == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail_rc(rc, &err);
}

char *mm_cli_hub_slurp(const char *path, size_t *len)
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
    {"init", init_opts, NEED(K_DIR), 0, "hub init needs --dir DIR", mm_cli_hub_init},
    {"tenant add", tenant_add_opts, NEED(K_DIR) | NEED(K_ID) | NEED(K_NAME) | NEED(K_KIND),
     0, "tenant add needs --dir, --id, --name and --kind", mm_cli_hub_tenant_add},
    {"tenant list", dir_json_opts, NEED(K_DIR), 0, "tenant list needs --dir DIR", mm_cli_hub_tenant_list},
    {"link", link_opts, NEED(K_DIR), 2, "link needs --dir DIR SUPPLIER CUSTOMER", mm_cli_hub_link},
    {"graph import", dir_opts, NEED(K_DIR), 1, "graph import needs --dir DIR FILE.csv", mm_cli_hub_graph_import},
    {"webhook set", webhook_opts, NEED(K_DIR) | NEED(K_TENANT) | NEED(K_URL), 0,
     "webhook set needs --dir, --tenant and --url", mm_cli_hub_webhook_set},
    {"ioc import", dir_opts, NEED(K_DIR), 1, "ioc import needs --dir DIR FILE", mm_cli_hub_ioc_import},
    {"serve", serve_opts, NEED(K_DIR), 0, "serve needs --dir DIR", mm_cli_hub_serve},
    {"campaigns", dir_json_opts, NEED(K_DIR), 0, "campaigns needs --dir DIR", mm_cli_hub_campaigns},
    {"escalations", escalations_opts, NEED(K_DIR), 0, "escalations needs --dir DIR", mm_cli_hub_escalations},
    {"scs submit", scs_submit_opts, NEED(K_DIR) | NEED(K_TENANT), 1,
     "scs submit needs --dir, --tenant and FILE", mm_cli_hub_scs_submit},
    {"scs require", scs_require_opts,
     NEED(K_DIR) | NEED(K_BUYER) | NEED(K_SUPPLIER) | NEED(K_LEVEL), 0,
     "scs require needs --dir, --buyer, --supplier and --level", mm_cli_hub_scs_require},
    {"scs status", scs_status_opts, NEED(K_DIR) | NEED(K_BUYER), 0, "scs status needs --dir and --buyer",
     mm_cli_hub_scs_status},
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
