/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-hub-batch.c — the hub's batch decoder/validator on hostile bodies.
 * The first byte picks plain (even) or zstd (odd) so both paths are fuzzed.
 * Differential: the production decoder (fast path + jansson) must give the
 * same result, error and events as the jansson-only reference. */
#include "hub.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_event(const mm_hub_event *a, const mm_hub_event *b)
{
    return strcmp(a->id, b->id) == 0 && a->alert == b->alert &&
           a->ts_ms == b->ts_ms && strcmp(a->rule_id, b->rule_id) == 0 &&
           a->severity == b->severity && a->src.family == b->src.family &&
           memcmp(a->src.bytes, b->src.bytes, sizeof a->src.bytes) == 0 &&
           strcmp(a->src_text, b->src_text) == 0 &&
           strcmp(a->domain, b->domain) == 0 &&
           strcmp(a->path, b->path) == 0 && a->users_hash == b->users_hash &&
           a->n_users == b->n_users &&
           strcmp(a->observer_tenant, b->observer_tenant) == 0 &&
           a->json_len == b->json_len &&
           memcmp(a->json, b->json, a->json_len) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool zstd = data[0] & 1;
    mm_hub_batch b, r;
    mm_err err, rerr;
    memset(&err, 0, sizeof err);
    memset(&rerr, 0, sizeof rerr);
    mm_rc rc = mm_hub_batch_decode(data + 1, size - 1, zstd, &b, &err);
    mm_rc rrc = mm_hub_batch_decode_ref(data + 1, size - 1, zstd, &r, &rerr);
    if (rc != rrc)
        __builtin_trap();
    if (rc == MM_OK) {
        if (b.n != r.n)
            __builtin_trap();
        for (size_t i = 0; i < b.n; i++) {
            /* every accepted event must satisfy the protocol's promises */
            size_t n = strlen(b.ev[i].id);
            if (n == 0 || n > MM_HUB_EVENT_ID_MAX)
                __builtin_trap();
            if (b.ev[i].alert && !b.ev[i].rule_id[0])
                __builtin_trap();
            if (b.ev[i].json < b.buf ||
                b.ev[i].json + b.ev[i].json_len > b.buf + b.len)
                __builtin_trap();
            if (!same_event(&b.ev[i], &r.ev[i]))
                __builtin_trap();
        }
        mm_hub_batch_free(&b);
        mm_hub_batch_free(&r);
    } else if (b.ev || b.buf || r.ev || r.buf) {
        __builtin_trap(); /* nothing held on failure */
    } else if (strcmp(err.msg, rerr.msg) != 0 || err.line != rerr.line) {
        __builtin_trap();
    }
    return 0;
}
