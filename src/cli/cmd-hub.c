/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-hub.c — `mamori hub …`: create and run a hub, manage tenants, the
 * supply-chain graph, webhooks and state-backed indicator lists, and read
 * campaigns and escalations. The work is in src/hub (admin.c); this file
 * parses options (one table row per subcommand) and prints. */
#include "cmd-hub.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "使い方 / usage:\n"
    "  mamori hub init --dir DIR [--listen HOST:PORT] [--plain] [--san "
    "NAME]...\n"
    "      ハブを作成（ストア、設定 hub.conf、自己署名証明書）/ create a hub "
    "(store,\n"
    "      config, self-signed certificate made with the openssl command)\n"
    "  mamori hub tenant add --dir DIR --id ID --name NAME --kind "
    "sme|buyer|critical|provider\n"
    "      [--industry X] [--region Y] [--range CIDR]...\n"
    "      テナント追加、トークンを一度だけ表示 / add a tenant; prints its "
    "token once\n"
    "  mamori hub tenant list --dir DIR [--json]\n"
    "  mamori hub link --dir DIR SUPPLIER CUSTOMER [--disclose]\n"
    "      取引関係（仕入先→顧客）/ a supplier→customer link; --disclose lets "
    "the\n"
    "      customer see the supplier's name in warnings\n"
    "  mamori hub graph import --dir DIR FILE.csv   "
    "(supplier,customer,disclose)\n"
    "  mamori hub webhook set --dir DIR --tenant ID --url URL [--secret S]\n"
    "      警告の送信先（HMAC-SHA256 署名）/ warning webhook, body signed "
    "with\n"
    "      HMAC-SHA256 in X-Mamori-Signature; --url '' removes it\n"
    "  mamori hub ioc import --dir DIR FILE   国家関与の指標リスト / "
    "state-backed list\n"
    "      (plain text, or Elastic rule NDJSON such as ACSC 2020-008)\n"
    "  mamori hub serve --dir DIR [--listen HOST:PORT] [--tls|--plain] "
    "[--store URI]\n"
    "      [--bus nats://HOST:PORT,…]   フロントエンド / a front end "
    "(docs/scale.md)\n"
    "      [--partitions N]   バスの分割数 / key partitions on the bus\n"
    "      API を起動（平文 HTTP はループバックのみ）/ run the API (plain "
    "HTTP on\n"
    "      loopback only); writes the bound port to DIR/hub.port\n"
    "      SIGHUP 証明書と鍵を再読み込み / re-read the TLS certificate and "
    "key\n"
    "  mamori hub campaigns --dir DIR [--json]\n"
    "  mamori hub escalations --dir DIR [--stix]\n"
    "  mamori hub scs submit --dir DIR --tenant ID FILE\n"
    "      仕入先の確認済み評価（mamori scs confirm）を検証して登録 / verify "
    "and record\n"
    "      a supplier's confirmed assessment\n"
    "  mamori hub scs require --dir DIR --buyer B --supplier S --level 3|4\n"
    "      バイヤーが仕入先に求める★ / the ★ a buyer requires of its "
    "supplier\n"
    "  mamori hub scs status --dir DIR --buyer B [--json]\n"
    "      仕入先ごとの要求★と確認済み★ / required vs confirmed ★ per "
    "supplier\n"
    "  mamori hub feed retract --dir DIR --value IP|DOMAIN [--reason TEXT]\n"
    "      誤検知の取り消し: 全センサーと一覧から 1 分以内に削除 / retract a\n"
    "      false positive: removed from every sensor and list within a "
    "minute\n"
    "  mamori hub migrate --store postgresql://USER@HOST:PORT/DB\n"
    "      PostgreSQL のスキーマを作成・更新 / create or upgrade the "
    "PostgreSQL schema\n"
    "      (--store, or store = URI in hub.conf, replaces DIR/hub.db)\n"
    "  mamori hub token add --dir DIR --tenant ID [--scope "
    "upload,feed,read,metrics,admin]\n"
    "      [--expires YYYY-MM-DD]   トークン追加（一度だけ表示）/ add a "
    "token (shown once)\n"
    "  mamori hub token list --dir DIR [--tenant ID] [--json]\n"
    "  mamori hub token revoke|rotate --dir DIR --id TOKEN-ID\n"
    "      失効 / 再発行（旧トークンは失効）/ revoke; rotate = new token, "
    "old one revoked\n"
    "  mamori hub notify add --dir DIR --tenant ID --email ADDR|--teams "
    "URL|--slack URL\n"
    "      [--min-severity low|medium|high|critical] [--digest daily]\n"
    "      警告の通知先（メール、Teams、Slack）/ where warnings are sent\n"
    "  mamori hub notify list --dir DIR [--tenant ID] [--json]\n"
    "  mamori hub notify del --dir DIR --tenant ID --id N\n"
    "  mamori hub notify outbox --dir DIR [--tenant ID]   送信待ち・送信済み "
    "/ outbox\n"
    "  mamori hub report --dir DIR --tenant ID --month YYYY-MM [--format "
    "pdf|html] -o FILE\n"
    "      経営者向けの月次報告（A4、日本語と英語）/ monthly report for "
    "executives\n"
    "  mamori hub expert add --dir DIR --registration-no N --name NAME "
    "--pubkey FILE\n"
    "      [--valid-from D] [--valid-until D] [--region R] [--industry I]... "
    "[--theme T]...\n"
    "      [--contact C]   確認を受け付ける登録セキスペ / a registered "
    "expert\n"
    "  mamori hub expert import --dir DIR --csv FILE   一括登録（全件か0件） "
    "/ "
    "bulk, all or nothing\n"
    "  mamori hub expert list --dir DIR [--json]\n"
    "  mamori hub assessor add|import|list …   ★4 "
    "の第三者評価機関（--assessor-id "
    "ID） /\n"
    "      third-party assessors for ★4, same options with --assessor-id ID\n"
    "  mamori hub evidence --dir DIR --tenant ID [-o FILE] [--now TIME] "
    "[--window-days N]\n"
    "      テナントの SCS 証拠（ハブが見たもの） / the tenant's SCS evidence "
    "from what the hub saw\n"
    "  mamori hub user add --dir DIR --tenant ID --role "
    "sme|provider|buyer|coordinator|admin\n"
    "      --name NAME [--password-stdin]\n"
    "      画面にログインする人を追加、パスワードを一度だけ表示 / add a "
    "console\n"
    "      account; prints a one-time password unless given on stdin\n"
    "  mamori hub user list --dir DIR [--json]\n"
    "  mamori hub user del --dir DIR --name NAME\n"
    "  mamori hub user totp --dir DIR --name NAME\n"
    "      ワンタイムコード（TOTP）を登録し otpauth:// URI を表示 / enrol "
    "TOTP\n"
    "  mamori hub provider link --dir DIR --provider TENANT --sme TENANT\n"
    "      監視事業者が見守る中小企業 / an SME a monitoring provider "
    "watches\n"
    "  mamori hub case export --dir DIR --case N -o FILE\n"
    "      インシデント記録を HTML の経過表に（警察・保険会社向け） / a case "
    "as an\n"
    "      HTML timeline for the police or an insurer\n"
    "  mamori hub correlate --store postgresql://… --bus nats://… [--dir "
    "DIR]\n"
    "      [--group N]   N バッチを1トランザクションで / batches per "
    "transaction (256)\n"
    "      バスのバッチを相関しストアへ / correlate the bus's batches into "
    "the store\n"
    "      [--partitions N]   N 分割を複数の相関器で分担・引き継ぎ / share N "
    "partitions\n"
    "      among correlators, taking over a dead one's\n"
    "  mamori hub bus upgrade --bus nats://… [--force]\n"
    "      古い mamori "
    "が作ったストリームを作業キューに作り直す（未処理があれば"
    "拒否）/\n"
    "      recreate an older mamori's stream as a work queue (refused while "
    "it holds\n"
    "      batches not yet correlated)\n"
    "\n詳細 / details: docs/hub.md, docs/api.md, docs/scale.md,\n"
    "  docs/security.md, docs/notify.md\n";

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

int mm_cli_hub_secret(const char *secret, const char *note, ...)
{
    printf("%s\n", secret);
    va_list ap;
    va_start(ap, note);
    vfprintf(stderr, note, ap);
    va_end(ap);
    return MM_EXIT_OK;
}

void mm_cli_hub_json_object(mm_buf *b, const char *const *k,
                            const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        mm_buf_printf(b, "%s\"%s\":", i ? "," : "{", k[i]);
        mm_buf_json_str(b, v[i], strlen(v[i]));
    }
    mm_buf_puts(b, n ? "}" : "{}");
}

const mm_cli_opt mm_cli_hub_list_opts[] = {O_DIR, O_JSON, {0}};

void mm_cli_hub_list_begin(const hub_list *l, const char *key,
                           const char *header, ...)
{
    if (l->json) {
        printf("{\"%s\":[", key);
        return;
    }
    va_list ap;
    va_start(ap, header);
    vprintf(header, ap);
    va_end(ap);
}

int mm_cli_hub_list_end(const hub_list *l, mm_rc r, const mm_err *err)
{
    if (l->json)
        fputs("]}\n", stdout);
    return r == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail(err);
}

int mm_cli_hub_open(const char *dir, mm_store **st)
{
    mm_err err;
    mm_rc rc = mm_hub_admin_open(dir, st, &err);
    return rc == MM_OK ? MM_EXIT_OK : mm_cli_hub_fail_rc(rc, &err);
}

/* Reads a whole file (64 MiB at most), NUL-terminated; NULL after
 * printing why. */
static char *slurp(const char *path, size_t *len)
{
    char *text;
    mm_err err;
    if (mm_file_read(path, FILE_MAX, &text, len, &err) != MM_OK) {
        mm_cli_hub_fail(&err);
        return NULL;
    }
    return text;
}

/* ---- options: one table for every subcommand
 * ---------------------------------- */

static int take_opt(int key, const char *v, void *ud)
{
    hub_args *a = ud;
    if (key == MM_CLI_POSITIONAL) {
        if (a->n_pos < sizeof a->pos / sizeof *a->pos)
            a->pos[a->n_pos] = v;
        a->n_pos++; /* too many: the subcommand's "needs" error */
        return 0;
    }
    if (key >= K_EXT) {
        if (a->n_ext == EXT_MAX)
            return mm_cli_usage_error(&mm_cmd_hub, "too many options");
        a->ext[a->n_ext].key = key;
        a->ext[a->n_ext++].val = v;
        return 0;
    }
    a->given |= UINT64_C(1) << key;
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
    case K_STORE: a->store = v; break;
    case K_SCOPE: a->scope = v; break;
    case K_EXPIRES: a->expires = v; break;
    case K_EMAIL: a->email = v; break;
    case K_TEAMS: a->teams = v; break;
    case K_SLACK: a->slack = v; break;
    case K_MINSEV: a->minsev = v; break;
    case K_DIGEST: a->digest = v; break;
    case K_MONTH: a->month = v; break;
    case K_FORMAT: a->format = v; break;
    case K_OUT: a->out = v; break;
    case K_ROLE: a->role = v; break;
    case K_PROVIDER: a->provider = v; break;
    case K_SME: a->sme = v; break;
    case K_BUS: a->bus = v; break;
    case K_CASE: a->case_id = v; break;
    case K_GROUP: a->group = v; break;
    case K_VALUE: a->value = v; break;
    case K_REASON: a->reason = v; break;
    case K_PARTITIONS: a->partitions = v; break;
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

/* ---- dispatch: one row per subcommand
 * ---------------------------------------------- */

static const hub_sub *const tables[] = {
    mm_cli_hub_admin_subs, mm_cli_hub_view_subs,   mm_cli_hub_scale_subs,
    mm_cli_hub_token_subs, mm_cli_hub_notify_subs, mm_cli_hub_scs_subs,
    mm_cli_hub_asm_subs,   mm_cli_hub_user_subs,   mm_cli_hub_block_subs};

/* The row named by argv[1] (and argv[2] for two-word names); *words gets
 * how many words the name has. */
static const hub_sub *find_sub(int argc, char **argv, int *words)
{
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (const hub_sub *s = tables[t]; s->name; s++) {
            const char *sp = strchr(s->name, ' ');
            size_t l1 = sp ? (size_t)(sp - s->name) : strlen(s->name);
            if (strncmp(argv[1], s->name, l1) != 0 || argv[1][l1] != '\0')
                continue;
            *words = sp ? 2 : 1;
            if (!sp || (argc > 2 && strcmp(argv[2], sp + 1) == 0))
                return s;
        }
    return NULL;
}

/* What every row needs before it runs: FILE read, the store open. */
static int run_sub(const hub_sub *s, hub_args *a)
{
    if (s->file && !(a->text = slurp(a->pos[0], &a->len)))
        return s->file;
    int rc = s->store ? mm_cli_hub_open(a->dir, &a->st) : MM_EXIT_OK;
    if (rc == MM_EXIT_OK)
        rc = s->run(a);
    mm_store_close(a->st);
    free(a->text);
    return rc;
}

static int hub_run(int argc, char **argv)
{
    if (argc < 2)
        return mm_cli_usage_error(
            &mm_cmd_hub, "サブコマンドがありません / missing subcommand");
    int words = 0;
    const hub_sub *s = find_sub(argc, argv, &words);
    if (!s) {
        const char *sub2 = argc > 2 ? argv[2] : "";
        return mm_cli_usage_error(&mm_cmd_hub,
                                  "不明なサブコマンド / unknown subcommand "
                                  "'%s%s%s'",
                                  argv[1], *sub2 ? " " : "", sub2);
    }
    hub_args a;
    memset(&a, 0, sizeof a);
    a.tls = -1;
    int rc = mm_cli_opts_parse(&mm_cmd_hub, s->opts, argc, argv, 1 + words,
                               take_opt, &a);
    if (rc)
        return rc;
    if ((a.given & s->need) != s->need || a.n_pos != s->n_pos)
        return mm_cli_usage_error(&mm_cmd_hub, "%s", s->needs);
    return run_sub(s, &a);
}

const mm_command mm_cmd_hub = {"hub",
                               "ハブ（相関・警告・共有フィード）",
                               "the hub: correlation, warnings, shared feed",
                               usage,
                               hub_run,
                               NULL};

/* The last value of an ext option, or NULL. */
const char *mm_cli_hub_ext(const hub_args *a, int key)
{
    const char *v = NULL;
    for (size_t i = 0; i < a->n_ext; i++)
        if (a->ext[i].key == key)
            v = a->ext[i].val;
    return v;
}
