/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-authsrc.c — libFuzzer target for the authentication sources with
 * their memory across lines: the input is split into lines and each is
 * parsed with one small mm_parse_state (16 entries, so eviction and
 * reuse are exercised), as syslog and as auto (sshd connections, Dropbear,
 * mail servers, Samba, SQL Server, Exchange). Every span of the event
 * must lie in its line. */
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
    mm_parse_state *st = NULL;
    if (mm_parse_state_new(16, &st) != MM_OK)
        return 0;
    mm_parse_opts o = {.year = 2024, .state = st};
    const uint8_t *p = data, *e = data + size;
    while (p < e) {
        const uint8_t *nl = memchr(p, '\n', (size_t)(e - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
        /* an exact-size copy so any read past the end is caught */
        char *line = malloc(n ? n : 1);
        if (!line)
            break;
        memcpy(line, p, n);
        static const mm_logtype types[] = {MM_LOG_SYSLOG, MM_LOG_AUTO,
                                           MM_LOG_SSHD};
        for (size_t t = 0; t < 3; t++) {
            mm_event ev;
            mm_rc rc = mm_parse_line(&o, types[t], line, n, &ev);
            if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
                abort();
            check(&ev, line, n);
        }
        free(line);
        p += n + 1;
    }
    mm_parse_state_free(st);
    return 0;
}
