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

/* Reads the value of an option given as "--opt VALUE" or "--opt=VALUE". */
static const char *opt_value(const char *name, int argc, char **argv, int *i)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0' || *i + 1 >= argc)
        return NULL;
    return argv[++*i];
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

int mm_input_opts_parse(const mm_command *cmd, mm_input_opts *o, int argc,
                        char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        long num;
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                if (push(&o->files, &o->n_files, argv[i]))
                    return MM_EXIT_FAIL;
            break;
        }
        if (a[0] != '-' || strcmp(a, "-") == 0) {
            if (push(&o->files, &o->n_files, a))
                return MM_EXIT_FAIL;
        } else if ((v = opt_value("--type", argc, argv, &i))) {
            if (!mm_logtype_from_name(v, &o->type))
                return mm_cli_usage_error(cmd, "--type: 不明な形式 / unknown "
                                               "log type '%s'", v);
        } else if ((v = opt_value("--rules", argc, argv, &i))) {
            o->rules_dir = v;
        } else if ((v = opt_value("--ioc", argc, argv, &i))) {
            if (push(&o->iocs, &o->n_iocs, v))
                return MM_EXIT_FAIL;
        } else if ((v = opt_value("--allow", argc, argv, &i))) {
            if (push(&o->allows, &o->n_allows, v))
                return MM_EXIT_FAIL;
        } else if ((v = opt_value("--year", argc, argv, &i))) {
            if (!parse_int(v, 1970, 9999, &num))
                return mm_cli_usage_error(cmd, "--year: 1970〜9999 の数 / "
                                               "a year 1970-9999, not '%s'", v);
            o->parse.year = (int)num;
        } else if ((v = opt_value("--timezone", argc, argv, &i))) {
            if (mm_time_parse_offset(v, strlen(v), &o->parse.tz_offset_s))
                return mm_cli_usage_error(cmd, "--timezone: +09:00 のように "
                                               "/ like +09:00, not '%s'", v);
        } else if ((v = opt_value("--web-format", argc, argv, &i))) {
            mm_err err = {0};
            mm_webfmt_free(o->web_format);
            o->web_format = NULL;
            if (mm_webfmt_compile(v, &o->web_format, &err) != MM_OK)
                return mm_cli_usage_error(cmd, "--web-format: %s", err.msg);
            o->parse.web_format = o->web_format;
        } else if (strcmp(a, "--trust-xff") == 0) {
            o->parse.trust_xff = true;
        } else if (cmd->extra_opt && cmd->extra_opt(o, argc, argv, &i)) {
            continue;
        } else {
            return mm_cli_usage_error(cmd, "不明なオプション / unknown option "
                                           "'%s'", a);
        }
    }
    return MM_EXIT_OK;
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
    time_t t = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_mtime
                                                           : time(NULL);
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
        /* sshd connections are remembered per input (PIDs of one host) */
        mm_parse_state *pst = NULL;
        if (mm_parse_state_new(0, &pst) == MM_OK)
            in.parse.state = pst;
        mm_lines lr;
        mm_rc rc = mm_lines_init(&lr, fd, 0);
        mm_span line;
        bool cut;
        while (rc == MM_OK && (rc = mm_lines_next(&lr, &line, &cut)) == MM_OK)
            v->on_line(&in, line, cut, lr.lineno, ud);
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
