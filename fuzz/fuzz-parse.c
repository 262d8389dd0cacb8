/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-parse.c — libFuzzer target for mm_parse_line. The first input byte
 * picks the log type (and opts), the rest is the line; every line is also
 * parsed as MM_LOG_AUTO. Every span of the event must lie in the line. */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const mm_event *ev, const char *p, size_t n)
{
    const mm_span *s[] = {&ev->src_domain, &ev->dst_domain, &ev->user,
                          &ev->host,       &ev->process,    &ev->method,
                          &ev->path,       &ev->query,      &ev->user_agent,
                          &ev->referrer,   &ev->message};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        if (s[i]->len && (s[i]->p < p || s[i]->p + s[i]->len > p + n))
            abort();
    if (ev->count < 1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    mm_parse_opts o = {.year = (data[0] & 0x40) ? 0 : 2024,
                       .tz_offset_s = (data[0] & 0x20) ? 9 * 3600 : 0,
                       .trust_xff = (data[0] & 0x10) != 0};
    mm_logtype t = (mm_logtype)(data[0] % MM_LOG_COUNT);
    /* an exact-size copy so any read past the end is caught */
    char *line = malloc(size - 1 ? size - 1 : 1);
    if (!line)
        return 0;
    memcpy(line, data + 1, size - 1);
    mm_event ev;
    mm_rc rc = mm_parse_line(&o, t, line, size - 1, &ev);
    if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
        abort();
    check(&ev, line, size - 1);
    rc = mm_parse_line(&o, MM_LOG_AUTO, line, size - 1, &ev);
    if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
        abort();
    check(&ev, line, size - 1);
    free(line);
    return 0;
}
