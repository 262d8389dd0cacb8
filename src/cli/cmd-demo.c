/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-demo.c — `mamori demo`: options, then mm_demo_run (src/demo), then
 * the results in Japanese and English (and one JSON line with --json). */
#include "cli.h"
#include "core.h"
#include "demo.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* One message: Japanese, then English indented below it. */
static void say(void *ud, const char *ja, const char *en)
{
    (void)ud;
    printf("%s\n    %s\n", ja, en);
    fflush(stdout);
}

/* A figure, or JSON null when it was not measured (negative). */
static void json_num(mm_buf *j, double v, const char *fmt)
{
    if (v < 0)
        mm_buf_puts(j, "null");
    else
        mm_buf_printf(j, fmt, v);
}

/* --cluster: what ran, and with --chaos what was killed and when. */
static void cluster_json(mm_buf *j, const mm_demo_result *r)
{
    mm_buf_printf(j,
                  ",\"store\":\"postgresql\",\"bus\":\"nats\","
                  "\"nodes\":{\"frontends\":%d,\"correlators\":%d,"
                  "\"nats\":%d,\"postgresql\":1},\"killed\":[",
                  r->frontends, r->correlators, r->nats_nodes);
    for (int i = 0; i < r->n_kills; i++) {
        const mm_demo_kill *k = &r->kills[i];
        mm_buf_printf(j,
                      "%s{\"what\":\"%s\",\"name\":\"%s\",\"pid\":%ld,"
                      "\"signal\":\"SIGKILL\",\"after_visit\":%d,"
                      "\"at_ms\":%lld}",
                      i ? "," : "", k->what, k->name, k->pid, k->after_visit,
                      (long long)k->at_ms);
    }
    mm_buf_puts(j, "]");
}

static void print_json(const mm_demo_result *r)
{
    mm_buf j;
    mm_buf_init(&j, 4096);
    /* "blocked_at_first_line" keeps its name for existing readers; it counts
     * first-line ioc.ip alerts (the address on the shared list). */
    mm_buf_printf(&j,
                  "{\"tenants\":%u,\"events_ingested\":%ld,\"campaigns\":%ld,"
                  "\"warned_buyers\":%ld,\"escalations\":%ld,"
                  "\"tenants_protected_before_first_hit\":%d,"
                  "\"reached_after_campaign\":%d,\"protected_fraction\":",
                  r->tenants, r->events, r->campaigns, r->warned_buyers,
                  r->escalations, r->protected_before, r->reached_after_open);
    json_num(&j, r->protected_fraction, "%.3f");
    mm_buf_printf(&j,
                  ",\"median_lead_time_s\":%.0f,\"blocked_at_first_line\":%d,"
                  "\"feed_latency_ms\":[",
                  r->median_lead_s, r->first_line_hits);
    json_num(&j, r->feed_ms[0], "%.0f");
    mm_buf_puts(&j, ",");
    json_num(&j, r->feed_ms[1], "%.0f");
    mm_buf_puts(&j, "],\"dir\":");
    mm_buf_json_str(&j, r->kept ? r->dir : "", r->kept ? strlen(r->dir) : 0);
    if (r->cluster)
        cluster_json(&j, r);
    printf("%s}\n", j.data ? j.data : "{}");
    mm_buf_free(&j);
}

static void print_results(const mm_demo_result *r, bool json)
{
    char a[1024], b[1024];
    snprintf(a, sizeof a,
             "\n結果: 共有サーバーが受け取った記録 %ld 件、複数の会社をねらう"
             "攻撃 %ld 件、警告を受けた発注元 %ld 社、国の分析機関への報告 "
             "%ld 件",
             r->events, r->campaigns, r->warned_buyers, r->escalations);
    snprintf(b, sizeof b,
             "result: %ld records received, %ld attacks on several companies "
             "(campaigns), %ld buyers warned, %ld escalations",
             r->events, r->campaigns, r->warned_buyers, r->escalations);
    say(NULL, a, b);
    snprintf(a, sizeof a,
             "共有リストが攻撃者の最初の1行より先にセンサーに届いていた: "
             "%d 件 / 攻撃者が記録された後に来た %d 件 (会社は %d 社、中央値 "
             "%.0f 秒前、ログの時刻)、最初の1行で見分けた: %d 件",
             r->protected_pairs, r->reached_after_open, r->protected_before,
             r->median_lead_s, r->first_line_hits);
    snprintf(b, sizeof b,
             "the shared list was at the sensor before the attacker's first "
             "line: %d of %d visits after the campaign opened (%d companies, "
             "median %.0f s ahead, log time); recognised at the first line: "
             "%d",
             r->protected_pairs, r->reached_after_open, r->protected_before,
             r->median_lead_s, r->first_line_hits);
    say(NULL, a, b);
    if (json)
        print_json(r);
}

/* --serve: the console's URL and accounts, one JSON line. */
static void print_line(void *ud, const char *line)
{
    (void)ud;
    printf("%s\n", line);
    fflush(stdout);
}

static const char usage[] =
    "使い方 / usage: mamori demo [--json] [--dir DIR] [--samples DIR]\n"
    "                            [--cluster [--chaos]]\n"
    "\n"
    "  "
    "共有サーバー（ハブ）1台と中小企業5社のセンサーをこの機械の中で起動し、\n"
    "  data/samples の実際の攻撃ログを時刻をずらして再生します。検知 → 警報\n"
    "  → 社内の名前を伏せて送信 → 2社目で複数社をねらう攻撃として記録 →\n"
    "  取引先への警告 → 共有リスト → 後の会社は最初の1行から見分ける、を\n"
    "  日本語と英語で説明します。\n"
    "  Starts a hub and five SME sensors on loopback and replays real "
    "attacks\n"
    "  from data/samples, shifted in time so the same attackers reach the\n"
    "  SMEs one after another: detection → alert → de-identified upload →\n"
    "  campaign at the 2nd SME → warnings to the buyers → shared feed → the\n"
    "  later SMEs protected from the first line.\n"
    "\n"
    "  --json         最後に結果を JSON 1行で / end with one JSON object\n"
    "  --dir DIR      作業用ディレクトリ (残す) / work directory (kept)\n"
    "  --samples DIR  サンプルログの場所 / where data/samples is\n"
    "                 (default: ./data/samples, next to the binary)\n"
    "  --keep         一時ディレクトリを残す / keep the temporary directory\n"
    "  --serve        再生の後もハブと画面を動かし続ける (Ctrl-C で終了) /\n"
    "                 keep the hub and web console up until interrupted\n"
    "  --cluster      大規模構成で再生: PostgreSQL、NATS 3台、受付3台、相関\n"
    "                 (Debian: postgresql, nats-server) / the same replay\n"
    "                 through PostgreSQL, a 3-node NATS cluster, three front\n"
    "                 ends and the correlator, all started here on loopback\n"
    "  --chaos        --cluster の再生中に受付・相関・NATS を1台ずつ強制終了\n"
    "                 / kill (SIGKILL) one front end, one correlator and one\n"
    "                 NATS node during the replay; same results\n";

static int demo_run(int argc, char **argv)
{
    mm_demo_opts o = {.say = say};
    bool json = false, serve = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--keep"))
            o.keep = true;
        else if (!strcmp(argv[i], "--serve"))
            serve = o.keep = true;
        else if (!strcmp(argv[i], "--cluster"))
            o.cluster = true;
        else if (!strcmp(argv[i], "--chaos"))
            o.chaos = o.cluster = true;
        else if (!strcmp(argv[i], "--dir") && i + 1 < argc)
            o.dir = argv[++i];
        else if (!strcmp(argv[i], "--samples") && i + 1 < argc)
            o.samples = argv[++i];
        else
            return mm_cli_usage_error(&mm_cmd_demo,
                                      "不明なオプション / unknown option '%s'",
                                      argv[i]);
    }
    if (serve && o.cluster)
        return mm_cli_usage_error(&mm_cmd_demo,
                                  "--serve と --cluster は一緒に使えません / "
                                  "--serve does not go with --cluster");
    char self[1024];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) {
        fprintf(stderr, "mamori demo: /proc/self/exe: %s\n", strerror(errno));
        return MM_EXIT_FAIL;
    }
    self[n] = '\0';
    o.self = self;
    mm_demo_result r;
    mm_err err;
    mm_rc rc = mm_demo_run(&o, &r, &err);
    if (rc != MM_OK)
        fprintf(stderr, "mamori demo: %s\n", err.msg);
    else
        print_results(&r, json);
    if (r.kept && r.dir[0] && !json)
        say(NULL, "作業ディレクトリ:", r.dir);
    if (rc == MM_ENOTFOUND)
        return MM_EXIT_USAGE;
    if (rc == MM_OK && serve &&
        (rc = mm_demo_serve(self, r.dir, print_line, NULL, &err)) != MM_OK)
        fprintf(stderr, "mamori demo: %s\n", err.msg);
    return rc == MM_OK && r.campaigns > 0 ? MM_EXIT_OK : MM_EXIT_FAIL;
}

const mm_command mm_cmd_demo = {"demo",
                                "ハブと中小企業5社で集団防御を実演",
                                "show collective defence: a hub and five SMEs",
                                usage,
                                demo_run,
                                NULL};
