/* SPDX-License-Identifier: Apache-2.0 */
/* cmd-scs-common.c — what every `mamori scs` subcommand shares: exit codes
 * from status codes, option parsing into `opts`, --lang, the catalogue,
 * today's date and writing the result to --out or stdout. */
#include "cmd-scs.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int mm_cli_scs_rc_exit(mm_rc rc)
{
    switch (rc) {
    case MM_OK: return MM_EXIT_OK;
    case MM_EIO:
    case MM_ENOMEM:
    case MM_EINTERNAL: return MM_EXIT_FAIL;
    default: return MM_EXIT_USAGE;
    }
}

int mm_cli_scs_report(const mm_err *err, mm_rc rc)
{
    char msg[1024];
    mm_err_format(err, msg, sizeof msg);
    fprintf(stderr, "mamori scs: %s\n", msg);
    return mm_cli_scs_rc_exit(rc);
}

typedef struct opt_ctx {
    opts *o;
    const mm_cli_opt *tab;
    bool file; /* takes one FILE argument */
} opt_ctx;

static int take_opt(int key, const char *val, void *ud)
{
    opt_ctx *x = ud;
    opts *o = x->o;
    if (key == MM_CLI_POSITIONAL) {
        if (o->positional || !x->file)
            return mm_cli_usage_error(&mm_cmd_scs,
                                      "余分な引数 / unexpected "
                                      "argument '%s'",
                                      val);
        o->positional = val;
    } else if (key == K_FORCE) {
        o->force = 1;
    } else if (key == K_EVIDENCE) {
        if (o->n_evidence >= MM_SCS_EVIDENCE_FILES_MAX)
            return mm_cli_usage_error(&mm_cmd_scs,
                                      "--evidence は %u 個までです "
                                      "/ at most %u --evidence files",
                                      MM_SCS_EVIDENCE_FILES_MAX,
                                      MM_SCS_EVIDENCE_FILES_MAX);
        o->evidence[o->n_evidence++] = val;
    } else {
        const char **slot = (const char **)((char *)o + key);
        if (*slot) {
            const char *name = "";
            for (const mm_cli_opt *t = x->tab; t->name; t++)
                if (t->key == key)
                    name = t->name;
            return mm_cli_usage_error(&mm_cmd_scs,
                                      "%s が2回あります / %s "
                                      "given twice",
                                      name, name);
        }
        *slot = val;
    }
    return 0;
}

/* Returns -1 to go on, else the exit code (the subcommands' convention). */
int mm_cli_scs_parse_opts(int argc, char **argv, const mm_cli_opt *tab,
                          bool file, opts *o)
{
    memset(o, 0, sizeof *o);
    opt_ctx x = {o, tab, file};
    int r = mm_cli_opts_parse(&mm_cmd_scs, tab, argc, argv, 0, take_opt, &x);
    return r ? r : -1;
}

int mm_cli_scs_lang(const char *s, mm_scs_lang *out)
{
    static const char *const langs[] = {"ja", "en", NULL}; /* mm_scs_lang */
    int i;
    int r = mm_cli_choice(&mm_cmd_scs, s, langs, MM_SCS_JA,
                          "--lang は ja か en です / --lang "
                          "must be ja or en",
                          &i);
    *out = (mm_scs_lang)i;
    return r;
}

int mm_cli_scs_load_catalogue(const char *given, mm_scs_catalogue **cat)
{
    char path[PATH_MAX + 64];
    mm_scs_catalogue_path(given, path, sizeof path);
    mm_err err;
    mm_rc rc = mm_scs_catalogue_load(path, cat, &err);
    if (rc != MM_OK) {
        mm_cli_scs_report(&err, rc);
        return MM_EXIT_USAGE;
    }
    return -1;
}

void mm_cli_scs_today(char out[11])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        snprintf(out, 11, "2026-01-01");
}

/* Writes to --out (atomically) or stdout. */
int mm_cli_scs_emit(const char *out, const mm_buf *b, unsigned mode)
{
    if (!out || strcmp(out, "-") == 0) {
        if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
            fprintf(
                stderr,
                "mamori scs: 標準出力に書けません / cannot write stdout\n");
            return MM_EXIT_FAIL;
        }
        return fflush(stdout) == 0 ? MM_EXIT_OK : MM_EXIT_FAIL;
    }
    mm_err err;
    mm_rc rc =
        mm_file_write_atomic(out, b->data ? b->data : "", b->len, mode, &err);
    return rc == MM_OK ? MM_EXIT_OK : mm_cli_scs_report(&err, rc);
}
