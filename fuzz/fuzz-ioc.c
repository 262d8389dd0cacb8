/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-ioc.c — libFuzzer target: the indicator-list loader on arbitrary
 * text, then IP and domain lookups built from the same bytes. */
#include "detect.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_ruleset *rs;
    mm_err err;
    if (mm_ruleset_new(&rs) != MM_OK)
        return 0;
    mm_ruleset_add_ioc_text(rs, "fuzz", "fuzz.txt", (const char *)data, size,
                            &err);
    /* also as an allowlist entry (NUL-terminated copy of the first line) */
    char allow[64];
    size_t n = 0;
    while (n < size && n < sizeof allow - 1 && data[n] != '\n')
        n++;
    memcpy(allow, data, n);
    allow[n] = '\0';
    mm_ruleset_add_allow(rs, allow, &err);
    static const char rules[] =
        "rule ioc.any\n  kind ioc\n  severity high\n"
        "  field source.ip, destination.ip, source.domain, "
        "destination.domain\n"
        "  title.ja あ\n  title.en a\n  advice.ja い\n  advice.en i\n";
    mm_ruleset_add_rules(rs, "r", rules, sizeof rules - 1, &err);
    if (mm_ruleset_compile(rs, &err) == MM_OK) {
        mm_detector *d;
        if (mm_detector_new(rs, NULL, &d) == MM_OK) {
            const char *p = (const char *)data, *end = p + size;
            unsigned lines = 0;
            while (p < end && lines++ < 64) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
                mm_event ev;
                memset(&ev, 0, sizeof ev);
                ev.count = 1;
                ev.ts_ms = 1700000000000LL + lines;
                mm_addr_parse(p, ln, &ev.src);
                if (ln >= 16) {
                    ev.dst.family = 6;
                    memcpy(ev.dst.bytes, p, 16);
                } else if (ln >= 4) {
                    ev.dst.family = 4;
                    memcpy(ev.dst.bytes, p, 4);
                }
                ev.dst_domain = mm_span_make(p, ln);
                ev.src_domain = mm_span_make(p, ln / 2);
                mm_line_hits h;
                mm_detector_match_line(d, &ev, p, ln, &h);
                mm_detector_feed(d, &ev, p, ln, NULL, NULL);
                p = nl ? nl + 1 : end;
            }
            mm_detector_flush(d, NULL, NULL);
            mm_detector_free(d);
        }
    }
    mm_ruleset_free(rs);
    return 0;
}
