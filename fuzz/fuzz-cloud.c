/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-cloud.c — libFuzzer target for the cloud sign-in parser (Entra ID /
 * Google Workspace JSON, src/parse/cloud.c) through mm_parse_line, as type
 * `cloud` and under `auto`. Every span of the event must lie in the line. */
#include "parse.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const mm_event *ev, const char *p, size_t n)
{
    const mm_span *s[] = {&ev->user, &ev->user_agent, &ev->message, &ev->host,
                          &ev->process};
    for (size_t i = 0; i < sizeof s / sizeof *s; i++)
        if (s[i]->len && (s[i]->p < p || s[i]->p + s[i]->len > p + n))
            abort();
    if (ev->auth_factors > 2)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* an exact-size copy so any read past the end is caught */
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    static const mm_logtype types[] = {MM_LOG_CLOUD, MM_LOG_AUTO};
    for (size_t i = 0; i < 2; i++) {
        mm_event ev;
        mm_rc rc = mm_parse_line(NULL, types[i], line, size, &ev);
        if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
            abort();
        check(&ev, line, size);
    }
    free(line);
    return 0;
}
