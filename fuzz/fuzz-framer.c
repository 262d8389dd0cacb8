/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-framer.c — syslog TCP framing (RFC 6587), fed in chunks whose sizes
 * come from the input, and checked against a one-shot feed. */
#include "sensor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct sum {
    uint64_t n, bytes, hash;
} sum;

static void on_msg(const char *p, size_t len, bool truncated, void *ud)
{
    sum *s = ud;
    s->n++;
    s->bytes += len + truncated;
    s->hash = s->hash * 31 + mm_hash64(p, len, 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t step = (size_t)data[0] % 17 + 1;
    const char *p = (const char *)data + 1;
    size_t n = size - 1;
    mm_syslog_framer a, b;
    if (mm_syslog_framer_init(&a, 480) != MM_OK)
        return 0;
    if (mm_syslog_framer_init(&b, 480) != MM_OK) {
        mm_syslog_framer_fini(&a);
        return 0;
    }
    sum sa = {0, 0, 0}, sb = {0, 0, 0};
    mm_syslog_framer_feed(&a, p, n, on_msg, &sa);
    mm_syslog_framer_finish(&a, on_msg, &sa);
    for (size_t i = 0; i < n; i += step)
        mm_syslog_framer_feed(&b, p + i, n - i < step ? n - i : step, on_msg,
                              &sb);
    mm_syslog_framer_finish(&b, on_msg, &sb);
    if (sa.n != sb.n || sa.bytes != sb.bytes || sa.hash != sb.hash)
        abort(); /* framing must not depend on how the bytes arrive */
    mm_syslog_framer_fini(&a);
    mm_syslog_framer_fini(&b);
    return 0;
}
