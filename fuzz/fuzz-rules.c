/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-rules.c — libFuzzer target: the rule-file loader and compiler on
 * arbitrary text, then a detector over a few events when it compiles. */
#include "detect.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(const mm_alert *a, void *ud)
{
    mm_buf *b = ud;
    mm_buf_reset(b);
    mm_alert_to_json(a, b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_ruleset *rs;
    mm_err err;
    if (mm_ruleset_new(&rs) != MM_OK)
        return 0;
    if (mm_ruleset_add_rules(rs, "fuzz.rules", (const char *)data, size,
                             &err) == MM_OK &&
        mm_ruleset_compile(rs, &err) == MM_OK) {
        mm_detector *d;
        mm_detector_opts o = {.max_keys = 16, .emit_on_open = size & 1};
        if (mm_detector_new(rs, &o, &d) == MM_OK) {
            mm_buf b;
            mm_buf_init(&b, 1 << 16);
            static const char path[] = "/a/../wp-login.php";
            static const char query[] = "id=1%27%20or%201=1";
            for (unsigned i = 0; i < 40; i++) {
                mm_event ev;
                memset(&ev, 0, sizeof ev);
                ev.ts_ms = 1700000000000LL + (int64_t)i * 7000;
                ev.dataset = (mm_dataset)(1 + i % (MM_DS_COUNT - 1));
                ev.category = (mm_category)(i % MM_CAT_COUNT);
                ev.action = (mm_action)(i % MM_ACT_COUNT);
                ev.outcome = (mm_outcome)(i % MM_OUT_COUNT);
                ev.count = 1 + i % 3;
                ev.src.family = 4;
                ev.src.bytes[0] = 192;
                ev.src.bytes[3] = (uint8_t)(i % 5);
                ev.dst.family = 4;
                ev.dst.bytes[0] = 10;
                ev.dst_port = (uint16_t)(i * 37);
                ev.status = (uint16_t)(i % 2 ? 404 : 200);
                ev.user =
                    mm_span_make(i % 2 ? "root" : "admin", i % 2 ? 4 : 5);
                ev.path = mm_span_make(path, sizeof path - 1);
                ev.query = mm_span_make(query, sizeof query - 1);
                ev.user_agent = mm_span_make("() { :; };", 10);
                ev.message =
                    mm_span_make((const char *)data, size > 256 ? 256 : size);
                mm_detector_feed(d, &ev, "line", 4, sink, &b);
                mm_line_hits h;
                mm_detector_match_line(d, &ev, "line", 4, &h);
            }
            mm_detector_expire(d, 1700000000000LL + 86400000, sink, &b);
            mm_detector_flush(d, sink, &b);
            mm_buf_free(&b);
            mm_detector_free(d);
        }
    }
    mm_ruleset_free(rs);
    return 0;
}
