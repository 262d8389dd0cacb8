/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-winsnare.c — libFuzzer target for Windows Snare / NXLog MSWinEventLog
 * lines (bare and behind syslog) through mm_parse_line with type "windows" and
 * "auto" (and "syslog"). Every span of the event must lie in the input. */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const mm_event *ev, const char *p, size_t n)
{
    const mm_span *s[] = {&ev->src_domain, &ev->dst_domain, &ev->user,
                          &ev->host,       &ev->process,    &ev->message,
                          &ev->executable, &ev->group};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        if (s[i]->len && (s[i]->p < p || s[i]->p + s[i]->len > p + n))
            abort();
    if (ev->count < 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy so any read past the end is caught */
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    static const mm_logtype types[] = {MM_LOG_WINDOWS, MM_LOG_AUTO,
                                       MM_LOG_SYSLOG};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        mm_event ev;
        mm_rc rc = mm_parse_line(NULL, types[i], line, size, &ev);
        if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
            abort();
        check(&ev, line, size);
    }
    free(line);
    return 0;
}
