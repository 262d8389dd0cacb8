/* SPDX-License-Identifier: Apache-2.0 */
/* cli-opts.c — the one option parser of every command: a table of options
 * (name, short alias, takes a value, help) and a callback per option and
 * per plain argument, with the same errors everywhere (docs/cli.md). */
#include "cli.h"

#include <string.h>

static const mm_cli_opt *find(const mm_cli_opt *tab, const char *a, size_t n)
{
    /* tab may be NULL: no options */
    for (const mm_cli_opt *o = tab; o && o->name; o++)
        if ((strncmp(o->name, a, n) == 0 && o->name[n] == '\0') ||
            (o->alias && strncmp(o->alias, a, n) == 0 && o->alias[n] == '\0'))
            return o;
    return NULL;
}

int mm_cli_opts_parse(const mm_command *cmd, const mm_cli_opt *tab, int argc,
                      char **argv, int first, mm_cli_opt_fn fn, void *ud)
{
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (strcmp(a, "--") == 0) {
            for (i++; i < argc; i++)
                if ((r = fn(MM_CLI_POSITIONAL, argv[i], ud)) != 0)
                    return r;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') { /* "-" is stdin: an argument */
            if ((r = fn(MM_CLI_POSITIONAL, a, ud)) != 0)
                return r;
            continue;
        }
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        size_t n = eq ? (size_t)(eq - a) : strlen(a);
        const mm_cli_opt *o = find(tab, a, n);
        if (!o)
            return mm_cli_usage_error(cmd,
                                      "不明なオプション / unknown option "
                                      "'%.*s'",
                                      (int)n, a);
        const char *val = NULL;
        if (o->arg) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return mm_cli_usage_error(cmd,
                                          "%s には値が必要です / %s needs "
                                          "a value",
                                          o->name, o->name);
        } else if (eq) {
            return mm_cli_usage_error(cmd,
                                      "%s は値を取りません / %s takes no "
                                      "value",
                                      o->name, o->name);
        }
        if ((r = fn(o->key, val, ud)) != 0)
            return r;
    }
    return MM_EXIT_OK;
}

const mm_cli_opt *mm_cli_opt_find(const mm_cli_opt *tab, const char *arg)
{
    return find(tab, arg, strlen(arg));
}

int mm_cli_choice(const mm_command *cmd, const char *val,
                  const char *const *names, int dflt, const char *msg,
                  int *idx)
{
    *idx = dflt;
    if (!val)
        return -1;
    for (int i = 0; names[i]; i++)
        if (strcmp(val, names[i]) == 0) {
            *idx = i;
            return -1;
        }
    return mm_cli_usage_error(cmd, "%s", msg);
}
