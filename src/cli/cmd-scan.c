/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scan.c — `mamori scan`: batch detection over log files. */
#include "cli.h"

#include <string.h>
#include <time.h>

static const char usage[] =
    "使い方 / usage: mamori scan [options] FILE...\n"
    "\n"
    "ログを検査し、警報を1行1つのJSON(ECS形式)"
    "で標準出力に、集計を標準エラーに"
    "出します。\n"
    "Runs detection over the files (\"-\" = stdin); alerts go to stdout "
    "as "
    "JSON lines\n"
    "(ECS field names), a summary per file to stderr.\n"
    "\n" MM_INPUT_OPTIONS_USAGE
    "  --format F        json (default: one ECS object per line) or text\n"
    "                    (two readable lines per alert, Japanese first)\n"
    "  --fail-on-alert   exit 3 when any alert was raised\n"
    "  -q, --quiet       no summary on stderr\n";

typedef struct scan_opts {
    bool fail_on_alert;
    bool quiet;
    bool text;
} scan_opts;

typedef struct scan {
    mm_detector *det;
    mm_buf out;
    mm_parse_stats file; /* the input being read */
    mm_parse_stats total;
    uint64_t alerts;
    bool quiet;
    bool text;
    bool failed_write;
} scan;

/* One alert as two plain lines, Japanese then English, for people. */
static mm_rc alert_to_text(const mm_alert *a, mm_buf *out)
{
    static const char *const sev_ja[] = {"", "低", "中", "高", "緊急"};
    char first[32], last[32];
    mm_time_format(a->first_ms, first, sizeof first);
    mm_time_format(a->last_ms, last, sizeof last);
    unsigned sev = (unsigned)a->severity <= 4 ? (unsigned)a->severity : 0;
    return mm_buf_printf(out,
                         "[%s] %s — %s: %llu件 (%.19s 〜 %.19s)\n"
                         "     %s / %s — %s: %llu events\n"
                         "     対処 / what to do: %s\n",
                         sev_ja[sev], a->title_ja ? a->title_ja : a->rule_id,
                         a->key, (unsigned long long)a->count, first, last,
                         mm_severity_name(a->severity),
                         a->title_en ? a->title_en : a->rule_id, a->rule_id,
                         (unsigned long long)a->count,
                         a->advice_ja ? a->advice_ja : "-");
}

static void scan_alert(const mm_alert *alert, void *ud)
{
    scan *s = ud;
    s->alerts++;
    mm_buf_reset(&s->out);
    mm_rc rc = s->text ? alert_to_text(alert, &s->out)
                       : mm_alert_to_json(alert, &s->out);
    if (rc != MM_OK)
        return;
    if (!s->text)
        mm_buf_puts(&s->out, "\n");
    if (fwrite(s->out.data, 1, s->out.len, stdout) != s->out.len)
        s->failed_write = true;
}

static void scan_line(const mm_input *in, mm_span line, bool truncated,
                      uint64_t lineno, void *ud)
{
    (void)lineno;
    scan *s = ud;
    mm_event ev;
    if (mm_input_parse(in, line, truncated, &s->file, &ev) == MM_OK)
        mm_detector_feed(s->det, &ev, line.p, line.len, scan_alert, s);
}

static void scan_end(const mm_input *in, void *ud)
{
    scan *s = ud;
    if (!s->quiet)
        mm_input_print_stats("scan", in->name, &s->file);
    s->total.lines += s->file.lines;
    s->total.events += s->file.events;
    s->total.skipped += s->file.skipped;
    s->total.unparsed += s->file.unparsed;
    s->total.truncated += s->file.truncated;
    memset(&s->file, 0, sizeof s->file);
}

enum { K_FORMAT = 1, K_FAIL_ON_ALERT, K_QUIET };

static const mm_cli_opt scan_options[] = {
    MM_INPUT_OPT_ROWS,
    {"--format", NULL, K_FORMAT, true, "json or text"},
    {"--fail-on-alert", NULL, K_FAIL_ON_ALERT, false, "exit 3 on alerts"},
    {"--quiet", "-q", K_QUIET, false, "no summary on stderr"},
    {0},
};

static int scan_opt(int key, const char *v, void *ud)
{
    scan_opts *so = ud;
    if (key == K_FAIL_ON_ALERT)
        so->fail_on_alert = true;
    else if (key == K_QUIET)
        so->quiet = true;
    else if (strcmp(v, "text") == 0 || strcmp(v, "json") == 0)
        so->text = v[0] == 't';
    else
        return mm_cli_usage_error(&mm_cmd_scan,
                                  "--format: json か text / json "
                                  "or text, not '%s'",
                                  v);
    return MM_EXIT_OK;
}

static double now_seconds(void)
{
    return (double)mm_mono_ns() / 1e9;
}

static int scan_run(int argc, char **argv)
{
    mm_input_opts o;
    scan_opts so = {0};
    mm_input_opts_init(&o);
    o.cmd_opt = scan_opt;
    o.cmd_ud = &so;
    mm_ruleset *rs = NULL;
    scan s = {0};
    mm_buf_init(&s.out, 0);
    int status =
        mm_input_prepare(&mm_cmd_scan, &o, argc, argv, NULL, &rs, &s.det);
    if (status == MM_EXIT_OK) {
        s.quiet = so.quiet;
        s.text = so.text;
        double t0 = now_seconds();
        const mm_input_visitor v = {scan_line, scan_end};
        status = mm_input_each_file("scan", &o, &v, &s);
        mm_detector_flush(s.det, scan_alert, &s);
        double secs = now_seconds() - t0;
        if (!so.quiet) {
            if (o.n_files > 1)
                mm_input_print_stats("scan", "合計 / total", &s.total);
            fprintf(stderr,
                    "scan: %llu 件の警報 / alerts, %.3f 秒 / s, %.0f 行/秒 / "
                    "lines/s\n",
                    (unsigned long long)s.alerts, secs,
                    secs > 0 ? (double)s.total.lines / secs : 0.0);
        }
        if (s.failed_write || fflush(stdout) != 0)
            status = MM_EXIT_FAIL;
        if (status == MM_EXIT_OK && so.fail_on_alert && s.alerts)
            status = MM_EXIT_ALERTS;
    }
    mm_buf_free(&s.out);
    return mm_input_finish(&o, rs, s.det, status);
}

const mm_command mm_cmd_scan = {"scan",
                                "ログファイルを一括検査",
                                "batch detection over log files",
                                usage,
                                scan_run,
                                scan_options};
