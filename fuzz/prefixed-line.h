/* SPDX-License-Identifier: Apache-2.0 */
/* prefixed-line.h — the body shared by the fuzz targets of line parsers that
 * are reached behind a header: the including file defines
 *   static const char *const prefixes[] = {…};
 * the first input byte picks a prefix, the rest is the message; the line is
 * parsed as syslog and as auto with a small mm_parse_state, and every span
 * of the event must lie in the line. */
#ifndef MM_FUZZ_PREFIXED_LINE_H
#define MM_FUZZ_PREFIXED_LINE_H

#include "parse.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const mm_event *ev, const char *p, size_t n)
{
    const mm_span *s[] = {&ev->src_domain, &ev->dst_domain, &ev->user,
                          &ev->host,       &ev->process,    &ev->method,
                          &ev->path,       &ev->query,      &ev->user_agent,
                          &ev->referrer,   &ev->message,    &ev->executable,
                          &ev->group};
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
    const char *pre = prefixes[data[0] % (sizeof prefixes / sizeof *prefixes)];
    size_t np = strlen(pre), n = np + size - 1;
    /* an exact-size copy so any read past the end is caught */
    char *line = malloc(n ? n : 1);
    if (!line)
        return 0;
    memcpy(line, pre, np);
    memcpy(line + np, data + 1, size - 1);
    mm_parse_state *st = NULL;
    (void)mm_parse_state_new(16, &st);
    mm_parse_opts o = {.year = 2024, .state = st};
    static const mm_logtype types[] = {MM_LOG_SYSLOG, MM_LOG_AUTO};
    for (size_t t = 0; t < 2; t++) {
        mm_event ev;
        mm_rc rc = mm_parse_line(&o, types[t], line, n, &ev);
        if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
            abort();
        check(&ev, line, n);
    }
    mm_parse_state_free(st);
    free(line);
    return 0;
}

#endif /* MM_FUZZ_PREFIXED_LINE_H */
