/* SPDX-License-Identifier: Apache-2.0 */
/* cli-input.c — what scan and logtest share: input options, the ruleset
 * they build from them, and reading one input through the parser. */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void mm_input_opts_init(mm_input_opts *o)
{
    memset(o, 0, sizeof *o);
    o->type = MM_LOG_AUTO;
}

void mm_input_opts_fini(mm_input_opts *o)
{
    free(o->iocs);
    free(o->allows);
    free(o->files);
    mm_webfmt_free(o->web_format);
}

static int push(const char ***list, size_t *n, const char *v)
{
    const char **p = realloc(*list, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    p[(*n)++] = v;
    *list = p;
    return 0;
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

typedef struct input_parse {
    const mm_command *cmd;
    mm_input_opts *o;
} input_parse;

/* One input option or file name; the command's own options go on to
 * o->cmd_opt. */
static int input_opt(int key, const char *v, void *ud)
{
    input_parse *x = ud;
    const mm_command *cmd = x->cmd;
    mm_input_opts *o = x->o;
    long num;
    switch (key) {
    case MM_CLI_POSITIONAL:
        return push(&o->files, &o->n_files, v) ? MM_EXIT_FAIL : MM_EXIT_OK;
    case MM_INPUT_K_TYPE:
        if (!mm_logtype_from_name(v, &o->type))
            return mm_cli_usage_error(cmd,
                                      "--type: 不明な形式 / unknown "
                                      "log type '%s'",
                                      v);
        return MM_EXIT_OK;
    case MM_INPUT_K_RULES: o->rules_dir = v; return MM_EXIT_OK;
    case MM_INPUT_K_IOC:
        return push(&o->iocs, &o->n_iocs, v) ? MM_EXIT_FAIL : MM_EXIT_OK;
    case MM_INPUT_K_ALLOW:
        return push(&o->allows, &o->n_allows, v) ? MM_EXIT_FAIL : MM_EXIT_OK;
    case MM_INPUT_K_YEAR:
        if (!parse_int(v, 1970, 9999, &num))
            return mm_cli_usage_error(cmd,
                                      "--year: 1970〜9999 の数 / "
                                      "a year 1970-9999, not '%s'",
                                      v);
        o->parse.year = (int)num;
        return MM_EXIT_OK;
    case MM_INPUT_K_TIMEZONE:
        if (mm_time_parse_offset(v, strlen(v), &o->parse.tz_offset_s))
            return mm_cli_usage_error(cmd,
                                      "--timezone: +09:00 のように "
                                      "/ like +09:00, not '%s'",
                                      v);
        return MM_EXIT_OK;
    case MM_INPUT_K_WEB_FORMAT: {
        mm_err err = {0};
        mm_webfmt_free(o->web_format);
        o->web_format = NULL;
        if (mm_webfmt_compile(v, &o->web_format, &err) != MM_OK)
            return mm_cli_usage_error(cmd, "--web-format: %s", err.msg);
        o->parse.web_format = o->web_format;
        return MM_EXIT_OK;
    }
    case MM_INPUT_K_TRUST_XFF: o->parse.trust_xff = true; return MM_EXIT_OK;
    default: return o->cmd_opt ? o->cmd_opt(key, v, o->cmd_ud) : MM_EXIT_USAGE;
    }
}

int mm_input_opts_parse(const mm_command *cmd, mm_input_opts *o, int argc,
                        char **argv)
{
    input_parse x = {cmd, o};
    return mm_cli_opts_parse(cmd, cmd->opts, argc, argv, 1, input_opt, &x);
}

static int report_err(const char *cmd, const mm_err *err)
{
    char text[900];
    mm_err_format(err, text, sizeof text);
    fprintf(stderr, "mamori %s: %s\n", cmd, text);
    return MM_EXIT_USAGE;
}

int mm_input_build_ruleset(const char *cmd, const mm_input_opts *o,
                           mm_ruleset **out)
{
    mm_err err = {0};
    mm_ruleset *rs = NULL;
    mm_rc rc = mm_ruleset_new(&rs);
    if (rc != MM_OK) {
        fprintf(stderr, "mamori %s: out of memory\n", cmd);
        return MM_EXIT_FAIL;
    }
    rc = o->rules_dir ? mm_ruleset_add_rules_dir(rs, o->rules_dir, &err)
                      : mm_ruleset_add_default_rules(rs, &err);
    for (size_t i = 0; rc == MM_OK && i < o->n_iocs; i++)
        rc = mm_ruleset_add_ioc_file(rs, o->iocs[i], &err);
    for (size_t i = 0; rc == MM_OK && i < o->n_allows; i++)
        rc = mm_ruleset_add_allow(rs, o->allows[i], &err);
    if (rc == MM_OK)
        rc = mm_ruleset_compile(rs, &err);
    if (rc != MM_OK) {
        mm_ruleset_free(rs);
        return report_err(cmd, &err);
    }
    *out = rs;
    return MM_EXIT_OK;
}

/* RFC 3164 stamps carry no year: take the year of the file's modification
 * time (or now), and let the parser step back a year for stamps after it. */
static void infer_year(int fd, mm_parse_opts *po)
{
    struct stat st;
    time_t t =
        fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_mtime : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    po->year = tm.tm_year + 1900;
    po->not_after_s = (int64_t)t;
}

int mm_input_each_file(const char *cmd, const mm_input_opts *o,
                       const mm_input_visitor *v, void *ud)
{
    static const char *const stdin_only[] = {"-"};
    const char *const *files = o->n_files ? o->files : stdin_only;
    size_t n = o->n_files ? o->n_files : 1;
    int status = MM_EXIT_OK;
    for (size_t i = 0; i < n; i++) {
        bool is_stdin = strcmp(files[i], "-") == 0;
        int fd = is_stdin ? 0 : open(files[i], O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "mamori %s: %s: %s\n", cmd, files[i],
                    strerror(errno));
            status = MM_EXIT_FAIL;
            continue;
        }
        mm_input in = {.name = files[i], .type = o->type, .parse = o->parse};
        if (!in.parse.year)
            infer_year(fd, &in.parse);
        if (!is_stdin && mm_input_is_evtx(fd)) {
            close(fd);
            if (mm_input_each_evtx(cmd, files[i], &in, v, ud) != MM_EXIT_OK)
                status = MM_EXIT_FAIL;
            continue;
        }
        bool xml = in.type == MM_LOG_AUTO || in.type == MM_LOG_WINDOWS;
        if (!is_stdin && xml && mm_input_is_xml_file(fd)) {
            if (mm_input_each_xml(cmd, files[i], fd, &in, v, ud) != MM_EXIT_OK)
                status = MM_EXIT_FAIL;
            close(fd);
            if (v->on_end)
                v->on_end(&in, ud);
            continue;
        }
        mm_xml_frame xf;
        mm_buf_init(&xf.acc, MM_EVTX_RECORD_MAX);
        /* sshd connections are remembered per input (PIDs of one host) */
        mm_parse_state *pst = NULL;
        if (mm_parse_state_new(0, &pst) == MM_OK)
            in.parse.state = pst;
        mm_lines lr;
        mm_rc rc = mm_lines_init(&lr, fd, 0);
        mm_span line;
        bool cut;
        while (rc == MM_OK &&
               (rc = mm_lines_next(&lr, &line, &cut)) == MM_OK) {
            if (xml)
                mm_input_xml_emit(&in, &xf, line, cut, lr.lineno, v, ud);
            else
                v->on_line(&in, line, cut, lr.lineno, ud);
        }
        if (xf.acc.len) /* an unfinished record at the end */
            v->on_line(&in, mm_span_make(xf.acc.data, xf.acc.len), false,
                       lr.lineno, ud);
        mm_buf_free(&xf.acc);
        if (rc != MM_EOF) {
            fprintf(stderr, "mamori %s: %s: %s\n", cmd, files[i],
                    rc == MM_ENOMEM ? "out of memory" : strerror(errno));
            status = MM_EXIT_FAIL;
        }
        mm_lines_fini(&lr);
        if (!is_stdin)
            close(fd);
        if (v->on_end)
            v->on_end(&in, ud);
        mm_parse_state_free(pst);
    }
    return status;
}

int mm_input_prepare(const mm_command *cmd, mm_input_opts *o, int argc,
                     char **argv, const mm_detector_opts *dopts,
                     mm_ruleset **rs, mm_detector **det)
{
    int status = mm_input_opts_parse(cmd, o, argc, argv);
    if (status == MM_EXIT_OK)
        status = mm_input_build_ruleset(cmd->name, o, rs);
    if (status != MM_EXIT_OK)
        return status;
    if (mm_detector_new(*rs, dopts, det) != MM_OK) {
        fprintf(stderr, "mamori %s: out of memory\n", cmd->name);
        mm_ruleset_free(*rs);
        *rs = NULL;
        return MM_EXIT_FAIL;
    }
    return MM_EXIT_OK;
}

int mm_input_finish(mm_input_opts *o, mm_ruleset *rs, mm_detector *det,
                    int status)
{
    mm_detector_free(det);
    mm_ruleset_free(rs);
    mm_input_opts_fini(o);
    return status;
}

mm_rc mm_input_parse(const mm_input *in, mm_span line, bool truncated,
                     mm_parse_stats *st, mm_event *ev)
{
    st->lines++;
    st->truncated += truncated;
    mm_rc rc = mm_parse_line(&in->parse, in->type, line.p, line.len, ev);
    if (rc == MM_SKIP) {
        st->skipped++;
    } else if (rc != MM_OK) {
        st->unparsed++;
    } else {
        st->events++;
        if (truncated)
            ev->anomalies |= MM_ANOM_TRUNCATED;
    }
    return rc;
}

void mm_input_print_stats(const char *cmd, const char *name,
                          const mm_parse_stats *st)
{
    fprintf(stderr,
            "%s: %s%s%llu 行 / lines, %llu イベント / events, %llu 対象外 / "
            "skipped, %llu 解析不能 / unparsed, %llu 切り詰め / truncated\n",
            cmd, name ? name : "", name ? ": " : "",
            (unsigned long long)st->lines, (unsigned long long)st->events,
            (unsigned long long)st->skipped, (unsigned long long)st->unparsed,
            (unsigned long long)st->truncated);
}
