/* fuzz-hub-batch.c — the hub's batch decoder/validator on hostile bodies.
 * The first byte picks plain (even) or zstd (odd) so both paths are fuzzed. */
#include "hub.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool zstd = data[0] & 1;
    mm_hub_batch b;
    mm_err err;
    mm_rc rc = mm_hub_batch_decode(data + 1, size - 1, zstd, &b, &err);
    if (rc == MM_OK) {
        for (size_t i = 0; i < b.n; i++) {
            /* every accepted event must satisfy the protocol's promises */
            size_t n = strlen(b.ev[i].id);
            if (n == 0 || n > MM_HUB_EVENT_ID_MAX)
                __builtin_trap();
            if (b.ev[i].alert && !b.ev[i].rule_id[0])
                __builtin_trap();
            if (b.ev[i].json < b.buf || b.ev[i].json + b.ev[i].json_len > b.buf + b.len)
                __builtin_trap();
        }
        mm_hub_batch_free(&b);
    } else if (b.ev || b.buf) {
        __builtin_trap(); /* nothing held on failure */
    }
    return 0;
}
