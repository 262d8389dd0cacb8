/* cmd-hub.c — `mamori hub …`: create and run a hub, manage tenants, the
 * supply-chain graph, webhooks and state-backed indicator lists, and read
 * campaigns and escalations. */
#include "cli.h"
#include "core.h"
#include "hub.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

static int open_store(const char *dir, mm_store **st)
{
    char db[1100];
    struct stat sb;
    snprintf(db, sizeof db, "%s/hub.db", dir);
    if (stat(db, &sb) != 0) {
        fprintf(stderr, "mamori hub: %s: ハブがありません / no hub here (run "
                        "mamori hub init --dir %s)\n", dir, dir);
        return MM_EXIT_USAGE;
    }
    mm_err err;
    if (mm_store_open(db, st, &err) != MM_OK)
        return fail_err(&err);
    return MM_EXIT_OK;
}

static char *slurp(const char *path, size_t *len)
{
    char *text;
    mm_err err;
    if (mm_file_read(path, FILE_MAX, &text, len, &err) != MM_OK) {
        fail_err(&err);
        return NULL;
    }
    return text;
}

/* Runs a program without a shell; returns its exit status or -1. */
static int run_prog(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open("/dev/null", O_WRONLY);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* getopt_long over argv[0..argc) (argv[0] = the subcommand word). */
#define OPTS_BEGIN(longopts)                                        \
    optind = 1;                                                     \
    opterr = 0;                                                     \
    int o_;                                                         \
    while ((o_ = getopt_long(argc, argv, "+", longopts, NULL)) != -1)

static int bad_opt(char **argv)
{
    return mm_cli_usage_error(&mm_cmd_hub, "不明なオプション / unknown or incomplete "
                                           "option '%s'", argv[optind - 1]);
}

/* ---- init ---------------------------------------------------------------------- */

static int hub_init(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"listen", 1, 0, 'l'},
                                       {"plain", 0, 0, 'p'}, {"san", 1, 0, 's'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL, *listen = "127.0.0.1:8443";
    bool plain = false;
    char san[1024] = "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1";
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 'l': listen = optarg; break;
        case 'p': plain = true; break;
        case 's': {
            mm_addr a;
            size_t l = strlen(san);
            snprintf(san + l, sizeof san - l, ",%s:%s",
                     mm_addr_parse(optarg, strlen(optarg), &a) == MM_OK ? "IP" : "DNS",
                     optarg);
            break;
        }
        default: return bad_opt(argv);
        }
    }
    if (!dir || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub, "hub init needs --dir DIR");
    mm_hub_server_conf c;
    mm_err err;
    if (mm_hub_conf_load(dir, &c, &err) != MM_OK)
        return fail_rc(MM_EINVAL, &err);
    if (mm_hub_conf_set(&c, "listen", listen, "--listen", 0, &err) != MM_OK)
        return fail_rc(MM_EINVAL, &err);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "mamori hub: %s: %s\n", dir, strerror(errno));
        return MM_EXIT_FAIL;
    }
    char path[1100];
    snprintf(path, sizeof path, "%s/hub.db", dir);
    struct stat sb;
    if (stat(path, &sb) == 0) {
        fprintf(stderr, "mamori hub: %s: 既にハブがあります / a hub already exists\n", dir);
        return MM_EXIT_USAGE;
    }
    mm_store *st;
    if (mm_store_open(path, &st, &err) != MM_OK)
        return fail_err(&err);
    mm_store_close(st);
    snprintf(path, sizeof path, "%s/hub.conf", dir);
    FILE *f = fopen(path, "wx");
    if (f) {
        fprintf(f,
                "# mamori hub configuration (docs/hub.md)\n"
                "listen = %s\n"
                "tls = %s\n"
                "cert = hub-cert.pem\n"
                "key = hub-key.pem\n"
                "# correlation: a campaign opens at k tenants within window_hours\n"
                "k = 2\n"
                "window_hours = 24\n"
                "ip_ttl_days = 14\n"
                "domain_ttl_days = 30\n"
                "escalate_score = 60\n"
                "ci_depth = 3\n"
                "# uploads per second per tenant, and the bucket size\n"
                "rate = 20\n"
                "burst = 40\n"
                "threads = 8\n"
                "# allow = 192.0.2.0/24   (more good actors, repeatable)\n",
                listen, plain ? "off" : "on");
        fclose(f);
    }
    char key[1100], crt[1100];
    snprintf(key, sizeof key, "%s/hub-key.pem", dir);
    snprintf(crt, sizeof crt, "%s/hub-cert.pem", dir);
    char *const av[] = {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", crt, "-days", "825", "-subj",
                        "/CN=mamori-hub", "-addext", san, NULL};
    if (run_prog(av) != 0) {
        fprintf(stderr, "mamori hub: 証明書を作れません / cannot create the "
                        "certificate (is the openssl command installed?)\n");
        return MM_EXIT_FAIL;
    }
    chmod(key, 0600);
    printf("ハブを作成しました / hub created: %s\n"
           "  store %s/hub.db, config %s/hub.conf, certificate %s (give it to "
           "sensors as ca_file)\n",
           dir, dir, dir, crt);
    return MM_EXIT_OK;
}

/* ---- tenants ---------------------------------------------------------------------- */

static mm_rc find_tenant(const mm_tenant *t, void *ud)
{
    mm_tenant *want = ud;
    if (strcmp(t->id, want->id) == 0) {
        *want = *t;
        return MM_ELIMIT; /* stop: found */
    }
    return MM_OK;
}

static bool tenant_exists(mm_store *st, const char *id, mm_tenant *out)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    mm_err err;
    bool found = mm_store_tenant_list(st, find_tenant, &t, &err) == MM_ELIMIT;
    if (found && out)
        *out = t;
    return found;
}

static int tenant_add(int argc, char **argv)
{
    static const struct option lo[] = {
        {"dir", 1, 0, 'd'},      {"id", 1, 0, 'i'},     {"name", 1, 0, 'n'},
        {"kind", 1, 0, 'k'},     {"industry", 1, 0, 'I'}, {"region", 1, 0, 'r'},
        {"range", 1, 0, 'R'},    {0, 0, 0, 0}};
    const char *dir = NULL;
    mm_tenant t;
    memset(&t, 0, sizeof t);
    bool have_kind = false;
    unsigned nranges = 0;
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 'i':
            if (!mm_hub_id_valid(optarg))
                return mm_cli_usage_error(&mm_cmd_hub, "--id: 1..64 of A-Z a-z 0-9 . _ -");
            snprintf(t.id, sizeof t.id, "%s", optarg);
            break;
        case 'n':
            if (strlen(optarg) >= sizeof t.name || !*optarg)
                return mm_cli_usage_error(&mm_cmd_hub, "--name: 1..256 bytes");
            snprintf(t.name, sizeof t.name, "%s", optarg);
            break;
        case 'k':
            if (!mm_tenant_kind_from_name(optarg, &t.kind))
                return mm_cli_usage_error(&mm_cmd_hub,
                                          "--kind must be sme, buyer, critical or provider");
            have_kind = true;
            break;
        case 'I': snprintf(t.industry, sizeof t.industry, "%s", optarg); break;
        case 'r': snprintf(t.region, sizeof t.region, "%s", optarg); break;
        case 'R': {
            mm_cidr c;
            size_t l = strlen(t.ranges);
            if (mm_cidr_parse(optarg, strlen(optarg), &c) != MM_OK)
                return mm_cli_usage_error(&mm_cmd_hub, "--range '%s' is not a CIDR", optarg);
            if (++nranges > MM_HUB_RANGES_MAX || l + strlen(optarg) + 2 > sizeof t.ranges)
                return mm_cli_usage_error(&mm_cmd_hub, "too many --range");
            snprintf(t.ranges + l, sizeof t.ranges - l, "%s%s", l ? "," : "", optarg);
            break;
        }
        default: return bad_opt(argv);
        }
    }
    if (!dir || !t.id[0] || !t.name[0] || !have_kind || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "tenant add needs --dir, --id, --name and --kind");
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    if (tenant_exists(st, t.id, NULL)) {
        mm_store_close(st);
        fprintf(stderr, "mamori hub: テナント '%s' は既にあります / tenant '%s' "
                        "already exists\n", t.id, t.id);
        return MM_EXIT_USAGE;
    }
    char token[80];
    mm_hub_token_new(token, sizeof token);
    mm_hub_token_hash(token, strlen(token), t.token_hash, sizeof t.token_hash);
    mm_err err;
    if (mm_store_tenant_put(st, &t, &err) != MM_OK) {
        mm_store_close(st);
        return fail_err(&err);
    }
    mm_store_close(st);
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

static int tenant_list(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"json", 0, 0, 'j'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL;
    list_ctx x = {false, 0};
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 'j': x.json = true; break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub, "tenant list needs --dir DIR");
    mm_store *st;
    int rc = open_store(dir, &st);
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

/* ---- graph -------------------------------------------------------------------------- */

static int link_cmd(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"disclose", 0, 0, 'D'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL;
    mm_link l;
    memset(&l, 0, sizeof l);
    optind = 1;
    opterr = 0;
    int o_;
    /* no "+": positional SUPPLIER CUSTOMER may come before the options */
    while ((o_ = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 'D': l.disclose = true; break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || argc - optind != 2)
        return mm_cli_usage_error(&mm_cmd_hub, "link needs --dir DIR SUPPLIER CUSTOMER");
    const char *sup = argv[optind], *cus = argv[optind + 1];
    if (!mm_hub_id_valid(sup) || !mm_hub_id_valid(cus) || strcmp(sup, cus) == 0)
        return mm_cli_usage_error(&mm_cmd_hub, "SUPPLIER and CUSTOMER must be two "
                                               "different tenant ids");
    snprintf(l.supplier, sizeof l.supplier, "%s", sup);
    snprintf(l.customer, sizeof l.customer, "%s", cus);
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    const char *missing = !tenant_exists(st, sup, NULL) ? sup
                        : !tenant_exists(st, cus, NULL) ? cus : NULL;
    if (missing) {
        mm_store_close(st);
        fprintf(stderr, "mamori hub: 不明なテナント / unknown tenant '%s'\n", missing);
        return MM_EXIT_USAGE;
    }
    mm_err err;
    mm_rc r = mm_store_link_put(st, &l, &err);
    mm_store_close(st);
    if (r != MM_OK)
        return fail_err(&err);
    printf("%s → %s%s\n", sup, cus, l.disclose ? " (disclose)" : "");
    return MM_EXIT_OK;
}

typedef struct graph_ctx {
    mm_store *st;
    mm_link *v;
    size_t n, cap;
    char **ids;
    size_t nids;
} graph_ctx;

static mm_rc collect_id(const mm_tenant *t, void *ud)
{
    graph_ctx *g = ud;
    char **n = realloc(g->ids, (g->nids + 1) * sizeof *n);
    if (!n)
        return MM_ENOMEM;
    g->ids = n;
    if (!(g->ids[g->nids] = strdup(t->id)))
        return MM_ENOMEM;
    g->nids++;
    return MM_OK;
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool known(graph_ctx *g, const char *id)
{
    return bsearch(&id, g->ids, g->nids, sizeof *g->ids, cmp_id) != NULL;
}

static mm_rc collect_link(const mm_link *l, void *ud, mm_err *err)
{
    graph_ctx *g = ud;
    if (!known(g, l->supplier))
        return mm_err_set(err, MM_ENOTFOUND, "", 0, "unknown tenant '%s' (supplier)",
                          l->supplier);
    if (!known(g, l->customer))
        return mm_err_set(err, MM_ENOTFOUND, "", 0, "unknown tenant '%s' (customer)",
                          l->customer);
    if (g->n == g->cap) {
        size_t nc = g->cap ? g->cap * 2 : 256;
        mm_link *nv = realloc(g->v, nc * sizeof *nv);
        if (!nv)
            return mm_err_set(err, MM_ENOMEM, "", 0, "out of memory");
        g->v = nv;
        g->cap = nc;
    }
    g->v[g->n++] = *l;
    return MM_OK;
}

static int graph_import(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {0, 0, 0, 0}};
    const char *dir = NULL;
    optind = 1;
    opterr = 0;
    int o_;
    while ((o_ = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (o_ == 'd')
            dir = optarg;
        else
            return bad_opt(argv);
    }
    if (!dir || argc - optind != 1)
        return mm_cli_usage_error(&mm_cmd_hub, "graph import needs --dir DIR FILE.csv");
    const char *file = argv[optind];
    size_t len;
    char *text = slurp(file, &len);
    if (!text)
        return MM_EXIT_USAGE;
    graph_ctx g;
    memset(&g, 0, sizeof g);
    int rc = open_store(dir, &g.st);
    mm_err err;
    memset(&err, 0, sizeof err);
    if (!rc) {
        mm_rc r = mm_store_tenant_list(g.st, collect_id, &g, &err);
        if (r == MM_OK) {
            qsort(g.ids, g.nids, sizeof *g.ids, cmp_id);
            r = mm_hub_graph_parse(file, text, len, collect_link, &g, &err);
        }
        /* all or nothing: one transaction for every link */
        if (r == MM_OK)
            r = mm_store_begin(g.st, &err);
        if (r == MM_OK) {
            for (size_t i = 0; i < g.n && r == MM_OK; i++)
                r = mm_store_link_put(g.st, &g.v[i], &err);
            if (r == MM_OK)
                r = mm_store_commit(g.st, &err);
            else
                mm_store_rollback(g.st);
        }
        if (r == MM_OK)
            printf("%zu 件の取引関係を取り込みました / %zu links imported\n", g.n, g.n);
        else
            rc = fail_rc(r, &err);
        mm_store_close(g.st);
    }
    for (size_t i = 0; i < g.nids; i++)
        free(g.ids[i]);
    free(g.ids);
    free(g.v);
    free(text);
    return rc;
}

/* ---- webhooks and state indicator lists ------------------------------------------- */

static int webhook_set(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"tenant", 1, 0, 't'},
                                       {"url", 1, 0, 'u'}, {"secret", 1, 0, 's'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL, *tenant = NULL, *url = NULL, *secret = NULL;
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 't': tenant = optarg; break;
        case 'u': url = optarg; break;
        case 's': secret = optarg; break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || !tenant || !url || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub, "webhook set needs --dir, --tenant and --url");
    if (*url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return mm_cli_usage_error(&mm_cmd_hub, "--url must start with https:// or http://");
    if (strlen(url) >= 1024 || (secret && (strlen(secret) < 16 || strlen(secret) >= 128)))
        return mm_cli_usage_error(&mm_cmd_hub, "--url under 1024 bytes, --secret 16..127 bytes");
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    if (!tenant_exists(st, tenant, NULL)) {
        mm_store_close(st);
        fprintf(stderr, "mamori hub: 不明なテナント / unknown tenant '%s'\n", tenant);
        return MM_EXIT_USAGE;
    }
    char gen[80];
    if (!secret) {
        mm_hub_token_new(gen, sizeof gen);
        secret = gen + 4;
    }
    mm_err err;
    mm_rc r = mm_store_webhook_set(st, tenant, url, secret, &err);
    mm_store_close(st);
    if (r != MM_OK)
        return fail_err(&err);
    if (*url)
        printf("%s\n", secret);
    fprintf(stderr, *url ? "webhook set; the line above is the HMAC-SHA256 secret\n"
                         : "webhook removed\n");
    return MM_EXIT_OK;
}

typedef struct ioc_ctx {
    mm_store *st;
    size_t n;
    mm_err *err;
} ioc_ctx;

static mm_rc put_ioc(const mm_stateioc *i, void *ud)
{
    ioc_ctx *x = ud;
    x->n++;
    return mm_store_stateioc_put(x->st, i, x->err);
}

static int ioc_import(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {0, 0, 0, 0}};
    const char *dir = NULL;
    optind = 1;
    opterr = 0;
    int o_;
    while ((o_ = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        if (o_ == 'd')
            dir = optarg;
        else
            return bad_opt(argv);
    }
    if (!dir || argc - optind != 1)
        return mm_cli_usage_error(&mm_cmd_hub, "ioc import needs --dir DIR FILE");
    const char *file = argv[optind];
    size_t len;
    char *text = slurp(file, &len);
    if (!text)
        return MM_EXIT_USAGE;
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc) {
        free(text);
        return rc;
    }
    mm_err err;
    memset(&err, 0, sizeof err);
    ioc_ctx x = {st, 0, &err};
    mm_rc r = mm_store_begin(st, &err);
    if (r == MM_OK) {
        r = mm_hub_ioc_parse(file, text, len, put_ioc, &x, &err);
        if (r == MM_OK)
            r = mm_store_commit(st, &err);
        else
            mm_store_rollback(st);
    }
    mm_store_close(st);
    free(text);
    if (r != MM_OK)
        return fail_rc(r, &err);
    printf("%zu 件の国家関与指標を取り込みました / %zu state-backed indicators imported\n",
           x.n, x.n);
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

static int campaigns_cmd(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"json", 0, 0, 'j'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL;
    bool json = false;
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 'j': json = true; break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub, "campaigns needs --dir DIR");
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc r;
    if (json) {
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

static int escalations_cmd(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"stix", 0, 0, 's'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL;
    bool stix = false;
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 's': stix = true; break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub, "escalations needs --dir DIR");
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc r;
    if (stix) {
        mm_buf b;
        mm_buf_init(&b, 256u * 1024u * 1024u);
        r = mm_hub_escalations_stix(st, mm_now_s() * 1000, &b, &err);
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

static int serve(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"listen", 1, 0, 'l'},
                                       {"tls", 0, 0, 't'},  {"plain", 0, 0, 'p'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL, *listen = NULL;
    int tls = -1;
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 'l': listen = optarg; break;
        case 't': tls = 1; break;
        case 'p': tls = 0; break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub, "serve needs --dir DIR");
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

static int scs_submit(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"tenant", 1, 0, 't'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL, *tenant = NULL;
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 't': tenant = optarg; break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || !tenant || argc - optind != 1)
        return mm_cli_usage_error(&mm_cmd_hub, "scs submit needs --dir, --tenant and FILE");
    const char *path = argv[optind];
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
    if (!tenant_exists(st, tenant, NULL)) {
        mm_store_close(st);
        free(doc);
        fprintf(stderr, "mamori hub: 不明なテナント / unknown tenant '%s'\n", tenant);
        return MM_EXIT_USAGE;
    }
    mm_err err;
    mm_hub_scs_confirmation c;
    mm_rc r = mm_hub_scs_submit(st, tenant, doc, len, mm_now_ms(), &c, &err);
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

static int scs_require(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"buyer", 1, 0, 'b'},
                                       {"supplier", 1, 0, 's'}, {"level", 1, 0, 'l'},
                                       {0, 0, 0, 0}};
    const char *dir = NULL, *buyer = NULL, *sup = NULL;
    int level = 0;
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 'b': buyer = optarg; break;
        case 's': sup = optarg; break;
        case 'l':
            if (strcmp(optarg, "3") != 0 && strcmp(optarg, "4") != 0 &&
                strcmp(optarg, "★3") != 0 && strcmp(optarg, "★4") != 0)
                return mm_cli_usage_error(&mm_cmd_hub, "--level は 3 か 4 / --level must be 3 or 4");
            level = optarg[strlen(optarg) - 1] - '0';
            break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || !buyer || !sup || !level || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "scs require needs --dir, --buyer, --supplier and --level");
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    mm_err err;
    mm_rc r = mm_hub_scs_require(st, buyer, sup, level, mm_now_ms(), &err);
    mm_store_close(st);
    if (r != MM_OK)
        return fail_rc(r, &err);
    printf("%s は %s に ★%d を求めます / %s requires ★%d of %s\n", buyer, sup, level,
           buyer, level, sup);
    return MM_EXIT_OK;
}

static int scs_status(int argc, char **argv)
{
    static const struct option lo[] = {{"dir", 1, 0, 'd'}, {"buyer", 1, 0, 'b'},
                                       {"json", 0, 0, 'j'}, {0, 0, 0, 0}};
    const char *dir = NULL, *buyer = NULL;
    bool json = false;
    OPTS_BEGIN(lo)
    {
        switch (o_) {
        case 'd': dir = optarg; break;
        case 'b': buyer = optarg; break;
        case 'j': json = true; break;
        default: return bad_opt(argv);
        }
    }
    if (!dir || !buyer || optind != argc)
        return mm_cli_usage_error(&mm_cmd_hub, "scs status needs --dir and --buyer");
    mm_store *st;
    int rc = open_store(dir, &st);
    if (rc)
        return rc;
    if (!tenant_exists(st, buyer, NULL)) {
        mm_store_close(st);
        fprintf(stderr, "mamori hub: 不明なテナント / unknown tenant '%s'\n", buyer);
        return MM_EXIT_USAGE;
    }
    mm_err err;
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

static int scs_cmd(int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    if (strcmp(sub, "submit") == 0)
        return scs_submit(argc - 1, argv + 1);
    if (strcmp(sub, "require") == 0)
        return scs_require(argc - 1, argv + 1);
    if (strcmp(sub, "status") == 0)
        return scs_status(argc - 1, argv + 1);
    return mm_cli_usage_error(&mm_cmd_hub, "不明なサブコマンド / unknown subcommand 'scs %s'",
                              sub);
}

/* ---- dispatch ----------------------------------------------------------------------- */

static int hub_run(int argc, char **argv)
{
    if (argc < 2)
        return mm_cli_usage_error(&mm_cmd_hub, "サブコマンドがありません / missing subcommand");
    const char *sub = argv[1];
    const char *sub2 = argc > 2 ? argv[2] : "";
    if (strcmp(sub, "init") == 0)
        return hub_init(argc - 1, argv + 1);
    if (strcmp(sub, "tenant") == 0 && strcmp(sub2, "add") == 0)
        return tenant_add(argc - 2, argv + 2);
    if (strcmp(sub, "tenant") == 0 && strcmp(sub2, "list") == 0)
        return tenant_list(argc - 2, argv + 2);
    if (strcmp(sub, "link") == 0)
        return link_cmd(argc - 1, argv + 1);
    if (strcmp(sub, "graph") == 0 && strcmp(sub2, "import") == 0)
        return graph_import(argc - 2, argv + 2);
    if (strcmp(sub, "webhook") == 0 && strcmp(sub2, "set") == 0)
        return webhook_set(argc - 2, argv + 2);
    if (strcmp(sub, "ioc") == 0 && strcmp(sub2, "import") == 0)
        return ioc_import(argc - 2, argv + 2);
    if (strcmp(sub, "serve") == 0)
        return serve(argc - 1, argv + 1);
    if (strcmp(sub, "campaigns") == 0)
        return campaigns_cmd(argc - 1, argv + 1);
    if (strcmp(sub, "escalations") == 0)
        return escalations_cmd(argc - 1, argv + 1);
    if (strcmp(sub, "scs") == 0)
        return scs_cmd(argc - 1, argv + 1);
    return mm_cli_usage_error(&mm_cmd_hub, "不明なサブコマンド / unknown subcommand '%s%s%s'",
                              sub, *sub2 ? " " : "", sub2);
}

const mm_command mm_cmd_hub = {
    .name = "hub",
    .summary_ja = "ハブ（相関・警告・共有フィード）",
    .summary_en = "the hub: correlation, warnings, shared feed",
    .usage = usage,
    .run = hub_run,
};
