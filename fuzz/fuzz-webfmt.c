/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-webfmt.c — libFuzzer target for mm_webfmt_compile and the access-log
 * parser it drives: the input is "FORMAT\nLINE". */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t sl = nl ? (size_t)(nl - data) : size;
    char *spec = malloc(sl + 1);
    if (!spec)
        return 0;
    memcpy(spec, data, sl);
    spec[sl] = '\0';
    mm_webfmt *f = NULL;
    mm_err err;
    mm_rc rc = mm_webfmt_compile(spec, &f, &err);
    free(spec);
    if (rc != MM_OK) {
        if (f || err.msg[0] == '\0')
            abort();
        return 0;
    }
    size_t ll = nl ? size - sl - 1 : 0;
    char *line = malloc(ll ? ll : 1);
    if (!line) {
        mm_webfmt_free(f);
        return 0;
    }
    if (ll)
        memcpy(line, nl + 1, ll);
    mm_parse_opts o = {.web_format = f, .trust_xff = (sl & 1) != 0};
    mm_event ev;
    for (int t = 0; t < 2; t++) {
        rc = mm_parse_line(&o, t ? MM_LOG_AUTO : MM_LOG_WEB_ACCESS, line, ll,
                           &ev);
        if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
            abort();
        const mm_span *s[] = {&ev.src_domain, &ev.dst_domain, &ev.user,
                              &ev.method,     &ev.path,       &ev.query,
                              &ev.user_agent, &ev.referrer,   &ev.message};
        for (size_t i = 0; i < sizeof s / sizeof *s; i++)
            if (s[i]->len &&
                (s[i]->p < line || s[i]->p + s[i]->len > line + ll))
                abort();
    }
    free(line);
    mm_webfmt_free(f);
    return 0;
}
