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

/* Windows event XML in text files: one <Event> per line, several on one
 * line (wevtutil qe /f:xml writes them back to back) or one spread over
 * many lines (pretty-printed). Records are framed at "</Event>" so each
 * reaches the parser whole; lines that are not event XML pass through. */
typedef struct xml_frame {
    mm_buf acc; /* an unfinished record */
} xml_frame;

static bool xml_start(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return e - p > 6 && p[0] == '<' && (p[1] == 'E' || p[1] == '?') &&
           (memcmp(p, "<Event", 6) == 0 || memcmp(p, "<?xml", 5) == 0);
}

static void xml_emit(const mm_input *in, xml_frame *f, mm_span line, bool cut,
                     uint64_t lineno, const mm_input_visitor *v, void *ud)
{
    static const char close[] = "</Event>";
    const size_t cn = sizeof close - 1;
    if (f->acc.len == 0 && !xml_start(line.p, line.p + line.len)) {
        v->on_line(in, line, cut, lineno, ud);
        return;
    }
    if (f->acc.len == 0 && !cut) {
        const char *c = memmem(line.p, line.len, close, cn);
        const char *end = line.p + line.len;
        while (end > line.p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (c && c + cn == end) { /* the common case: a whole record */
            v->on_line(in, line, false, lineno, ud);
            return;
        }
    }
    if (mm_buf_append(&f->acc, line.p, line.len) != MM_OK ||
        mm_buf_append(&f->acc, "\n", 1) != MM_OK) {
        v->on_line(in, mm_span_make(f->acc.data, f->acc.len), true, lineno,
                   ud);
        mm_buf_reset(&f->acc);
        return;
    }
    for (;;) {
        const char *c = memmem(f->acc.data, f->acc.len, close, cn);
        if (!c)
            break;
        size_t n = (size_t)(c - f->acc.data) + cn;
        v->on_line(in, mm_span_make(f->acc.data, n), false, lineno, ud);
        memmove(f->acc.data, f->acc.data + n, f->acc.len - n);
        f->acc.len -= n;
        const char *p = f->acc.data, *e = p + f->acc.len;
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            p++;
        if (p == e || (e - p >= 9 && memcmp(p, "</Events>", 9) == 0)) {
            mm_buf_reset(&f->acc);
            break;
        }
        size_t ws = (size_t)(p - f->acc.data);
        memmove(f->acc.data, p, f->acc.len - ws);
        f->acc.len -= ws;
    }
}

/* An .evtx file: each record's XML goes to the visitor as one line of
 * type "windows"; unreadable records as empty (unparsed) lines. */
static int each_evtx(const char *cmd, const char *path, const mm_input *in0,
                     const mm_input_visitor *v, void *ud)
{
    mm_input in = *in0;
    in.type = MM_LOG_WINDOWS;
    mm_evtx *x;
    mm_err err;
    memset(&err, 0, sizeof err);
    if (mm_evtx_open(path, &x, &err) != MM_OK) {
        fprintf(stderr, "mamori %s: %s: %s\n", cmd, path, err.msg);
        if (v->on_end)
            v->on_end(&in, ud);
        return MM_EXIT_FAIL;
    }
    mm_span xml;
    uint64_t recno, bad = 0;
    while (mm_evtx_next(x, &xml, &recno) == MM_OK) {
        for (; bad < mm_evtx_skipped(x); bad++)
            v->on_line(&in, mm_span_make("", 0), false, recno, ud);
        v->on_line(&in, xml, false, recno, ud);
    }
    for (; bad < mm_evtx_skipped(x); bad++)
        v->on_line(&in, mm_span_make("", 0), false, 0, ud);
    mm_evtx_free(x);
    if (v->on_end)
        v->on_end(&in, ud);
    return MM_EXIT_OK;
}

/* A file of event XML (starts with "<?xml", "<Events>" or "<Event"):
 * read in blocks and framed at "</Event>" whatever its line layout — one
 * record per line, pretty-printed, or wevtutil's records back to back on
 * one endless line. */
static bool is_xml_file(int fd)
{
    char head[64];
    ssize_t n = pread(fd, head, sizeof head, 0);
    const char *p = head, *e = head + (n > 0 ? n : 0);
    if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return e - p >= 6 &&
           (memcmp(p, "<?xml", 5) == 0 || memcmp(p, "<Event", 6) == 0);
}

#define XML_BLOCK (1024u * 1024u)

static int each_xml(const char *cmd, const char *path, int fd,
                    const mm_input *in, const mm_input_visitor *v, void *ud)
{
    static const char close_tag[] = "</Event>";
    const size_t cn = sizeof close_tag - 1;
    size_t cap = XML_BLOCK + MM_EVTX_RECORD_MAX, len = 0;
    char *buf = malloc(cap);
    uint64_t recno = 0;
    int status = MM_EXIT_OK;
    if (!buf) {
        fprintf(stderr, "mamori %s: %s: out of memory\n", cmd, path);
        return MM_EXIT_FAIL;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "mamori %s: %s: %s\n", cmd, path, strerror(errno));
            status = MM_EXIT_FAIL;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        size_t off = 0;
        const char *c;
        while ((c = memmem(buf + off, len - off, close_tag, cn)) != NULL) {
            size_t end = (size_t)(c - buf) + cn;
            while (off < end && (buf[off] == ' ' || buf[off] == '\t' ||
                                 buf[off] == '\r' || buf[off] == '\n'))
                off++; /* the parser recognises a record by its '<' */
            v->on_line(in, mm_span_make(buf + off, end - off), false, ++recno,
                       ud);
            off = end;
        }
        if (len - off > MM_EVTX_RECORD_MAX) { /* no end in sight: cut */
            v->on_line(in, mm_span_make(buf + off, MM_EVTX_RECORD_MAX), true,
                       ++recno, ud);
            off = len;
        }
        memmove(buf, buf + off, len - off);
        len -= off;
    }
    const char *p = buf, *e = buf + len;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p < e && !(e - p >= 9 && memcmp(p, "</Events>", 9) == 0))
        v->on_line(in, mm_span_make(p, (size_t)(e - p)), false, ++recno, ud);
    free(buf);
    return status;
}

static bool is_evtx(int fd)
{
    char head[8];
    return pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
           mm_evtx_is(head, sizeof head);
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
        if (!is_stdin && is_evtx(fd)) {
            close(fd);
            if (each_evtx(cmd, files[i], &in, v, ud) != MM_EXIT_OK)
                status = MM_EXIT_FAIL;
            continue;
        }
        bool xml = in.type == MM_LOG_AUTO || in.type == MM_LOG_WINDOWS;
        if (!is_stdin && xml && is_xml_file(fd)) {
            if (each_xml(cmd, files[i], fd, &in, v, ud) != MM_EXIT_OK)
                status = MM_EXIT_FAIL;
            close(fd);
            if (v->on_end)
                v->on_end(&in, ud);
            continue;
        }
        xml_frame xf;
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
                xml_emit(&in, &xf, line, cut, lr.lineno, v, ud);
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
