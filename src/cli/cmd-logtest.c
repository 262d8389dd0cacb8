/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-logtest.c — `mamori logtest`: show how each line parses and which
 * single-line rules it matches, like ossec-logtest or fail2ban-regex. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "使い方 / usage: mamori logtest [options] [FILE...]\n"
    "\n"
    "各行の解析結果を1行1つのJSONで出力します(ファイル省略時は標準入力)"
    "。\n"
    "Prints one JSON object per line that yields an event (stdin when no "
    "FILE):\n"
    "  {\"line\": N, <ECS fields>, \"rule\": {\"ids\": [...]}}\n"
    "Lines that yield nothing are counted on stderr.\n"
    "\n"
    "--summary: "
    "ファイルごとに、データセットとアクション別の件数、解析できない行の\n"
    "割合と最初の数行の例を表示します(--json で1ファイル1行のJSON)。\n"
    "--summary: per file, counts by dataset and action, the share of "
    "unparsed\n"
    "lines and the first few of them (--json: one JSON object per "
    "file).\n"
    "\n" MM_INPUT_OPTIONS_USAGE
    "  --summary         per-file summary instead of one line per event\n"
    "  --json            with --summary: JSON instead of text\n";

#define LT_EXAMPLES 5      /* unparsed lines shown per input */
#define LT_EXAMPLE_MAX 300 /* bytes kept of each */

typedef struct logtest_opts {
    bool summary;
    bool json;
} logtest_opts;

/* Per-input counters of --summary. */
typedef struct lt_summary {
    mm_parse_stats st;
    uint64_t by[MM_DS_COUNT][MM_ACT_COUNT]; /* events by dataset, action */
    uint64_t skipped_by[MM_DS_COUNT];
    unsigned n_ex;
    uint64_t ex_line[LT_EXAMPLES];
    size_t ex_len[LT_EXAMPLES];
    char ex[LT_EXAMPLES][LT_EXAMPLE_MAX];
} lt_summary;

typedef struct logtest {
    mm_detector *det;
    mm_buf out;
    mm_parse_stats total;
    bool failed_write;
    logtest_opts *lo;
    lt_summary *sum;
} logtest;

static void summary_line(logtest *lt, mm_span line, uint64_t lineno, mm_rc rc,
                         const mm_event *ev)
{
    lt_summary *s = lt->sum;
    s->st.lines++;
    if (rc == MM_OK) {
        s->st.events++;
        if ((unsigned)ev->dataset < MM_DS_COUNT &&
            (unsigned)ev->action < MM_ACT_COUNT)
            s->by[ev->dataset][ev->action]++;
    } else if (rc == MM_SKIP) {
        s->st.skipped++;
        if ((unsigned)ev->dataset < MM_DS_COUNT)
            s->skipped_by[ev->dataset]++;
    } else {
        s->st.unparsed++;
        if (s->n_ex < LT_EXAMPLES) {
            size_t n = line.len < LT_EXAMPLE_MAX ? line.len : LT_EXAMPLE_MAX;
            memcpy(s->ex[s->n_ex], line.p, n);
            s->ex_len[s->n_ex] = n;
            s->ex_line[s->n_ex++] = lineno;
        }
    }
}

static void summary_text(const char *name, const lt_summary *s, mm_buf *b)
{
    double share = s->st.lines
                       ? 100.0 * (double)s->st.unparsed / (double)s->st.lines
                       : 0.0;
    mm_buf_printf(
        b,
        "%s: %llu 行 / lines — %llu イベント / events, %llu 対象外 / "
        "skipped, %llu 解析不能 / unparsed (%.1f %%)\n",
        name, (unsigned long long)s->st.lines,
        (unsigned long long)s->st.events, (unsigned long long)s->st.skipped,
        (unsigned long long)s->st.unparsed, share);
    for (unsigned d = 0; d < MM_DS_COUNT; d++) {
        for (unsigned a = 0; a < MM_ACT_COUNT; a++)
            if (s->by[d][a])
                mm_buf_printf(b, "  %-22s %-34s %10llu\n",
                              mm_dataset_name((mm_dataset)d),
                              mm_action_name((mm_action)a),
                              (unsigned long long)s->by[d][a]);
        if (s->skipped_by[d])
            mm_buf_printf(b, "  %-22s %-34s %10llu\n",
                          mm_dataset_name((mm_dataset)d), "(対象外 / skipped)",
                          (unsigned long long)s->skipped_by[d]);
    }
    if (s->n_ex)
        mm_buf_puts(b, "  解析できなかった行の例 / unparsed examples:\n");
    for (unsigned i = 0; i < s->n_ex; i++) {
        mm_buf_printf(b, "    %llu: ", (unsigned long long)s->ex_line[i]);
        /* the raw bytes through the JSON escaper: control bytes and
         * invalid UTF-8 cannot reach the terminal as they are */
        mm_buf_json_str(b, s->ex[i], s->ex_len[i]);
        mm_buf_puts(b, "\n");
    }
}

static void summary_json(const char *name, const lt_summary *s, mm_buf *b)
{
    mm_buf_puts(b, "{\"file\":");
    mm_buf_json_str(b, name, strlen(name));
    mm_buf_printf(
        b,
        ",\"lines\":%llu,\"events\":%llu,\"skipped\":%llu,"
        "\"unparsed\":%llu,\"truncated\":%llu,"
        "\"unparsed_share\":%.4f,\"datasets\":{",
        (unsigned long long)s->st.lines, (unsigned long long)s->st.events,
        (unsigned long long)s->st.skipped, (unsigned long long)s->st.unparsed,
        (unsigned long long)s->st.truncated,
        s->st.lines ? (double)s->st.unparsed / (double)s->st.lines : 0.0);
    bool first_ds = true;
    for (unsigned d = 0; d < MM_DS_COUNT; d++) {
        bool any = s->skipped_by[d] != 0;
        for (unsigned a = 0; a < MM_ACT_COUNT && !any; a++)
            any = s->by[d][a] != 0;
        if (!any)
            continue;
        mm_buf_printf(b, "%s\"%s\":{\"actions\":{", first_ds ? "" : ",",
                      mm_dataset_name((mm_dataset)d));
        first_ds = false;
        bool first = true;
        for (unsigned a = 0; a < MM_ACT_COUNT; a++)
            if (s->by[d][a]) {
                mm_buf_printf(b, "%s\"%s\":%llu", first ? "" : ",",
                              mm_action_name((mm_action)a),
                              (unsigned long long)s->by[d][a]);
                first = false;
            }
        mm_buf_printf(b, "},\"skipped\":%llu}",
                      (unsigned long long)s->skipped_by[d]);
    }
    mm_buf_puts(b, "},\"unparsed_examples\":[");
    for (unsigned i = 0; i < s->n_ex; i++) {
        mm_buf_printf(b, "%s{\"line\":%llu,\"text\":", i ? "," : "",
                      (unsigned long long)s->ex_line[i]);
        mm_buf_json_str(b, s->ex[i], s->ex_len[i]);
        mm_buf_puts(b, "}");
    }
    mm_buf_puts(b, "]}\n");
}

static void logtest_end(const mm_input *in, void *ud)
{
    logtest *lt = ud;
    if (!lt->sum)
        return;
    mm_buf_reset(&lt->out);
    const char *name = strcmp(in->name, "-") == 0 ? "(stdin)" : in->name;
    if (lt->lo->json)
        summary_json(name, lt->sum, &lt->out);
    else
        summary_text(name, lt->sum, &lt->out);
    if (fwrite(lt->out.data, 1, lt->out.len, stdout) != lt->out.len)
        lt->failed_write = true;
    memset(lt->sum, 0, sizeof *lt->sum);
}

static void logtest_line(const mm_input *in, mm_span line, bool truncated,
                         uint64_t lineno, void *ud)
{
    logtest *lt = ud;
    mm_event ev;
    mm_rc rc = mm_input_parse(in, line, truncated, &lt->total, &ev);
    if (lt->sum) {
        lt->sum->st.truncated += truncated;
        summary_line(lt, line, lineno, rc, &ev);
        return;
    }
    if (rc != MM_OK)
        return;
    mm_line_hits hits;
    mm_detector_match_line(lt->det, &ev, line.p, line.len, &hits);
    mm_buf_reset(&lt->out);
    mm_buf_printf(&lt->out, "{\"line\":%llu,", (unsigned long long)lineno);
    mm_event_json_members(&ev, &lt->out);
    mm_buf_puts(&lt->out, ",\"rule\":{\"ids\":[");
    for (unsigned i = 0; i < hits.n; i++) {
        if (i)
            mm_buf_puts(&lt->out, ",");
        mm_buf_json_str(&lt->out, hits.ids[i], strlen(hits.ids[i]));
    }
    mm_buf_puts(&lt->out, "]}}\n");
    if (fwrite(lt->out.data, 1, lt->out.len, stdout) != lt->out.len)
        lt->failed_write = true;
}

enum { K_SUMMARY = 1, K_JSON };

static const mm_cli_opt logtest_options[] = {
    MM_INPUT_OPT_ROWS,
    {"--summary", NULL, K_SUMMARY, false, "per-file summary"},
    {"--json", NULL, K_JSON, false, "with --summary: JSON"},
    {0},
};

static int logtest_opt(int key, const char *v, void *ud)
{
    (void)v;
    logtest_opts *lo = ud;
    if (key == K_SUMMARY)
        lo->summary = true;
    else
        lo->json = true;
    return MM_EXIT_OK;
}

static int logtest_run(int argc, char **argv)
{
    mm_input_opts o;
    mm_input_opts_init(&o);
    logtest_opts lo = {0};
    o.cmd_opt = logtest_opt;
    o.cmd_ud = &lo;
    mm_ruleset *rs = NULL;
    logtest lt = {.lo = &lo};
    int status =
        mm_input_prepare(&mm_cmd_logtest, &o, argc, argv, NULL, &rs, &lt.det);
    if (status == MM_EXIT_OK && lo.summary &&
        !(lt.sum = calloc(1, sizeof *lt.sum))) {
        fprintf(stderr, "mamori logtest: out of memory\n");
        status = MM_EXIT_FAIL;
    }
    if (status == MM_EXIT_OK) {
        mm_buf_init(&lt.out, 0);
        const mm_input_visitor v = {logtest_line, logtest_end};
        status = mm_input_each_file("logtest", &o, &v, &lt);
        mm_input_print_stats("logtest", NULL, &lt.total);
        if (lt.failed_write || fflush(stdout) != 0)
            status = MM_EXIT_FAIL;
        mm_buf_free(&lt.out);
    }
    free(lt.sum);
    return mm_input_finish(&o, rs, lt.det, status);
}

const mm_command mm_cmd_logtest = {
    "logtest",
    "ログ行の解析結果を表示",
    "show how log lines parse and which rules match",
    usage,
    logtest_run,
    logtest_options};
