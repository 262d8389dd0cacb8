/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-block.c — `mamori block`: apply a feed to mamori's nftables set, show
 * what it dropped, remove everything it added, and render the same list for
 * a YAMAHA RTX or an appliance that pulls lists. The work is in src/block. */
#include "block.h"
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "使い方 / usage:\n"
    "  mamori block apply --feed FILE [--allow CIDR]… [--ttl SECONDS]\n"
    "                     [--max N] [--dry-run]\n"
    "  mamori block status [--json]\n"
    "  mamori block remove\n"
    "  mamori block yamaha --feed FILE --filter-base N --interface IF\n"
    "                      [--keep \"1010 1011\"] [--allow CIDR]…\n"
    "  mamori block list --feed FILE --format fortigate|paloalto|cisco\n"
    "\n"
    "apply: フィードの IP/CIDR を nftables の mamori 専用テーブル (table\n"
    "  inet mamori) のセットに期限付きで入れます。既存のルールには触れま\n"
    "  せん。許可リスト (loopback、/etc/resolv.conf の DNS、--allow) は\n"
    "  常に優先。\n"
    "  puts the feed's addresses into mamori's own nftables table with a\n"
    "  timeout; the SME's rules are never touched. The allowlist\n"
    "  (loopback, the DNS servers of /etc/resolv.conf, --allow) always\n"
    "  wins.\n"
    "  --ttl S       遮断の期限 (既定 3600 秒) / how long (default 3600 "
    "s)\n"
    "  --max N       件数の上限 (既定 10000) / cap on entries (10000)\n"
    "  --dry-run     確認のみ。変更しない / check and print, change "
    "nothing\n"
    "  --resolv FILE DNS サーバを読むファイル / resolv.conf to allowlist\n"
    "status: 遮断中のアドレスと落としたパケット・バイト数 / entries with\n"
    "  dropped packets and bytes (--json for JSON)\n"
    "remove: mamori が加えた遮断をすべて解除 / remove everything mamori\n"
    "  added\n"
    "yamaha: RTX に貼り付ける ip filter 行と解除行 / YAMAHA RTX ip "
    "filter\n"
    "  lines and their removal lines (--keep: the interface's existing\n"
    "  filter numbers, kept after mamori's)\n"
    "list: FortiGate / Palo Alto / Cisco が読む一覧 / the plain list\n"
    "  those appliances pull\n";

enum {
    K_FEED = 1,
    K_ALLOW,
    K_TTL,
    K_MAX,
    K_DRY,
    K_JSON,
    K_BASE,
    K_IFACE,
    K_KEEP,
    K_FORMAT,
    K_RESOLV,
};

static const mm_cli_opt block_opts[] = {
    {"--feed", NULL, K_FEED, true, NULL},
    {"--allow", NULL, K_ALLOW, true, NULL},
    {"--ttl", NULL, K_TTL, true, NULL},
    {"--max", NULL, K_MAX, true, NULL},
    {"--dry-run", NULL, K_DRY, false, NULL},
    {"--json", NULL, K_JSON, false, NULL},
    {"--filter-base", NULL, K_BASE, true, NULL},
    {"--interface", NULL, K_IFACE, true, NULL},
    {"--keep", NULL, K_KEEP, true, NULL},
    {"--format", NULL, K_FORMAT, true, NULL},
    {"--resolv", NULL, K_RESOLV, true, NULL},
    {0},
};

typedef struct opts {
    const char *sub, *feed, *iface, *keep, *format, *resolv;
    const char *allow[MM_BLOCK_ALLOW_MAX];
    size_t n_allow;
    unsigned long ttl, max, base;
    bool dry, json;
} opts;

static int bad(const char *what, const char *val)
{
    return mm_cli_usage_error(&mm_cmd_block, "%s が不正です / bad %s: '%s'",
                              what, what, val);
}

static bool num(const char *val, unsigned long lo, unsigned long hi,
                unsigned long *out)
{
    char *end = NULL;
    unsigned long v = strtoul(val, &end, 10);
    if (!val[0] || *end || val[0] == '-' || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int take(int key, const char *val, void *ud)
{
    opts *o = ud;
    switch (key) {
    case MM_CLI_POSITIONAL:
        if (o->sub)
            return bad("argument", val);
        o->sub = val;
        return 0;
    case K_FEED: o->feed = val; return 0;
    case K_ALLOW:
        if (o->n_allow >= MM_BLOCK_ALLOW_MAX)
            return bad("--allow", val);
        o->allow[o->n_allow++] = val;
        return 0;
    case K_TTL:
        return num(val, 1, MM_BLOCK_TTL_MAX, &o->ttl) ? 0 : bad("--ttl", val);
    case K_MAX:
        return num(val, 1, MM_BLOCK_MAX_CEILING, &o->max) ? 0
                                                          : bad("--max", val);
    case K_BASE:
        return num(val, 1, 2147483647ul, &o->base) ? 0
                                                   : bad("--filter-base", val);
    case K_DRY: o->dry = true; return 0;
    case K_JSON: o->json = true; return 0;
    case K_IFACE: o->iface = val; return 0;
    case K_KEEP: o->keep = val; return 0;
    case K_FORMAT: o->format = val; return 0;
    case K_RESOLV: o->resolv = val; return 0;
    default: return 0;
    }
}

static int fail(const mm_err *err, mm_rc rc)
{
    char msg[1024];
    mm_err_format(err, msg, sizeof msg);
    fprintf(stderr, "mamori block: %s\n", msg);
    return rc == MM_EIO || rc == MM_ENOMEM ? MM_EXIT_FAIL : MM_EXIT_USAGE;
}

/* The allowlist (loopback, DNS upstreams, --allow) and the feed as a
 * finished plan. */
static int build_plan(const opts *o, mm_block_allow *al, mm_block_plan *p)
{
    mm_err err;
    memset(&err, 0, sizeof err);
    mm_block_plan_init(p, o->max);
    mm_rc rc = mm_block_allow_init(al);
    if (rc == MM_OK)
        rc = mm_block_allow_add_resolv(
            al, o->resolv ? o->resolv : "/etc/resolv.conf", &err);
    for (size_t i = 0; i < o->n_allow && rc == MM_OK; i++)
        rc = mm_block_allow_add(al, o->allow[i], "--allow", &err);
    char *text = NULL;
    size_t len = 0;
    if (rc == MM_OK)
        rc = mm_file_read(o->feed, MM_BLOCK_FEED_MAX_BYTES, &text, &len, &err);
    if (rc == MM_OK)
        rc = mm_block_feed_parse(p, al, o->feed, text, len, (unsigned)o->ttl,
                                 &err);
    free(text);
    if (rc != MM_OK)
        return fail(&err, rc);
    mm_block_plan_finish(p);
    fprintf(stderr,
            "mamori block: %zu 件を遮断対象 / %zu to block; 除外 / left out: "
            "許可リスト allowlisted %zu, 上限 over the cap %zu, 広すぎる too "
            "wide %zu, 重複 duplicates %zu, ドメイン domains %zu\n",
            p->n, p->n, p->allowed, p->capped, p->too_wide, p->dups,
            p->domains);
    return 0;
}

static int run_apply(const opts *o)
{
    mm_block_allow al;
    mm_block_plan p;
    int r = build_plan(o, &al, &p);
    if (r == 0) {
        mm_err err;
        mm_buf script;
        mm_buf_init(&script, (size_t)64 * 1024 * 1024);
        mm_rc rc = mm_block_apply(&p, o->dry, o->dry ? &script : NULL, &err);
        if (rc != MM_OK)
            r = fail(&err, rc);
        else if (o->dry)
            printf("# 試行のみ (変更なし) / dry run: nothing changed\n%s",
                   script.data ? script.data : "");
        mm_buf_free(&script);
    }
    mm_block_plan_free(&p);
    mm_block_allow_free(&al);
    return r;
}

static int run_status(const opts *o)
{
    mm_block_plan st;
    mm_block_plan_init(&st, 0);
    mm_err err;
    mm_rc rc = mm_block_status(&st, &err);
    if (rc != MM_OK) {
        mm_block_plan_free(&st);
        return fail(&err, rc);
    }
    if (o->json) {
        mm_buf b;
        mm_buf_init(&b, (size_t)64 * 1024 * 1024);
        mm_block_status_json(&st, &b);
        printf("%s\n", b.data ? b.data : "{}");
        mm_buf_free(&b);
    } else {
        printf("%-44s %12s %14s %10s\n", "遮断中 / blocked", "packets",
               "bytes", "expires");
        for (size_t i = 0; i < st.n; i++) {
            char net[64];
            mm_block_cidr_format(&st.v[i].net, net, sizeof net);
            printf("%-44s %12llu %14llu %9us\n", net,
                   (unsigned long long)st.v[i].packets,
                   (unsigned long long)st.v[i].bytes, st.v[i].expires_s);
        }
    }
    mm_block_plan_free(&st);
    return MM_EXIT_OK;
}

static int run_remove(void)
{
    mm_err err;
    bool removed = false;
    mm_rc rc = mm_block_remove(&removed, &err);
    if (rc != MM_OK)
        return fail(&err, rc);
    fprintf(stderr, "mamori block: %s\n",
            removed ? "mamori の遮断をすべて解除しました / removed every "
                      "block mamori added (table inet mamori)"
                    : "mamori の遮断はありません / nothing to remove");
    return MM_EXIT_OK;
}

static int run_render(const opts *o, bool yamaha)
{
    mm_block_list_format f = MM_BLOCK_LIST_FORTIGATE;
    if (yamaha && (!o->iface || !o->base))
        return mm_cli_usage_error(&mm_cmd_block, "yamaha には --filter-base "
                                                 "と --interface が必要です / "
                                                 "yamaha needs --filter-base "
                                                 "and --interface");
    if (!yamaha &&
        (!o->format || !mm_block_list_format_from_name(o->format, &f)))
        return bad("--format", o->format ? o->format : "");
    mm_block_allow al;
    mm_block_plan p;
    int r = build_plan(o, &al, &p);
    mm_buf a, rm;
    mm_buf_init(&a, (size_t)64 * 1024 * 1024);
    mm_buf_init(&rm, (size_t)64 * 1024 * 1024);
    mm_err err;
    mm_rc rc = MM_OK;
    if (r == 0 && yamaha) {
        mm_block_yamaha_opts yo = {(unsigned)o->base, o->iface, o->keep};
        rc = mm_block_render_yamaha(&p, &yo, &a, &rm, &err);
        if (rc == MM_OK)
            printf("# 遮断 / apply\n%s# 解除 / remove\n%s",
                   a.data ? a.data : "", rm.data ? rm.data : "");
    } else if (r == 0) {
        rc = mm_block_render_list(&p, f, &a);
        if (rc == MM_OK)
            fputs(a.data ? a.data : "", stdout);
    }
    if (r == 0 && rc != MM_OK)
        r = fail(&err, rc);
    mm_buf_free(&a);
    mm_buf_free(&rm);
    mm_block_plan_free(&p);
    mm_block_allow_free(&al);
    return r;
}

static int block_run(int argc, char **argv)
{
    opts o;
    memset(&o, 0, sizeof o);
    o.ttl = MM_BLOCK_TTL_DEFAULT;
    int r =
        mm_cli_opts_parse(&mm_cmd_block, block_opts, argc, argv, 1, take, &o);
    if (r)
        return r;
    if (!o.sub)
        return mm_cli_usage_error(&mm_cmd_block, "サブコマンドがありません / "
                                                 "missing subcommand");
    bool needs_feed = strcmp(o.sub, "apply") == 0 ||
                      strcmp(o.sub, "yamaha") == 0 ||
                      strcmp(o.sub, "list") == 0;
    if (needs_feed && !o.feed)
        return mm_cli_usage_error(&mm_cmd_block, "--feed FILE が必要です / "
                                                 "--feed FILE is required");
    if (strcmp(o.sub, "apply") == 0)
        return run_apply(&o);
    if (strcmp(o.sub, "status") == 0)
        return run_status(&o);
    if (strcmp(o.sub, "remove") == 0)
        return run_remove();
    if (strcmp(o.sub, "yamaha") == 0)
        return run_render(&o, true);
    if (strcmp(o.sub, "list") == 0)
        return run_render(&o, false);
    return bad("subcommand", o.sub);
}

const mm_command mm_cmd_block = {"block",
                                 "共有フィードで実際に遮断 (nftables)",
                                 "block the shared feed for real (nftables)",
                                 usage,
                                 block_run,
                                 block_opts};
