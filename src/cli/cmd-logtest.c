/* cmd-logtest.c — `mamori logtest`: show how each line parses and which
 * single-line rules it matches, like ossec-logtest or fail2ban-regex. */
#include "cli.h"

#include <string.h>

typedef struct logtest {
    mm_detector *det;
    mm_buf out;
    mm_parse_stats total;
    bool failed_write;
} logtest;

static void logtest_line(const mm_input *in, mm_span line, bool truncated,
                         uint64_t lineno, void *ud)
{
    logtest *lt = ud;
    mm_event ev;
    if (!mm_input_parse(in, line, truncated, &lt->total, &ev))
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

static int logtest_run(int argc, char **argv)
{
    mm_input_opts o;
    mm_input_opts_init(&o);
    mm_ruleset *rs = NULL;
    logtest lt = {0};
    int status = mm_input_prepare(&mm_cmd_logtest, &o, argc, argv, NULL, &rs,
                                  &lt.det);
    if (status == MM_EXIT_OK) {
        mm_buf_init(&lt.out, 0);
        const mm_input_visitor v = {logtest_line, NULL};
        status = mm_input_each_file("logtest", &o, &v, &lt);
        mm_input_print_stats("logtest", NULL, &lt.total);
        if (lt.failed_write || fflush(stdout) != 0)
            status = MM_EXIT_FAIL;
        mm_buf_free(&lt.out);
    }
    mm_detector_free(lt.det);
    mm_ruleset_free(rs);
    mm_input_opts_fini(&o);
    return status;
}

static const mm_cli_opt logtest_opts[] = {MM_INPUT_OPT_ROWS, {0}};

const mm_command mm_cmd_logtest = {
    .name = "logtest",
    .summary_ja = "ログ行の解析結果を表示",
    .summary_en = "show how log lines parse and which rules match",
    .usage =
        "使い方 / usage: mamori logtest [options] [FILE...]\n"
        "\n"
        "各行の解析結果を1行1つのJSONで出力します(ファイル省略時は標準入力)。\n"
        "Prints one JSON object per line that yields an event (stdin when no "
        "FILE):\n"
        "  {\"line\": N, <ECS fields>, \"rule\": {\"ids\": [...]}}\n"
        "Lines that yield nothing are counted on stderr.\n"
        "\n"
        MM_INPUT_OPTIONS_USAGE,
    .run = logtest_run,
    .opts = logtest_opts,
};
