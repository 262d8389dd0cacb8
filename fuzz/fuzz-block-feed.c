/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-block-feed.c — the block module's feed reader (src/block/plan.c)
 * and the renderings of whatever plan it gives: no entry the allowlist
 * covers, none too wide, none inside another, and every rendering of it
 * succeeds. */
#include "block.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_block_allow a;
    if (mm_block_allow_init(&a) != MM_OK ||
        mm_block_allow_add(&a, "192.0.2.0/24", "fuzz", NULL) != MM_OK)
        abort();
    mm_block_plan p;
    mm_block_plan_init(&p, 64);
    mm_err err;
    mm_rc rc = mm_block_feed_parse(&p, &a, "fuzz", (const char *)data, size,
                                   60, &err);
    if (rc != MM_OK && rc != MM_EPARSE)
        abort();
    mm_block_plan_finish(&p);
    if (p.n > 64)
        abort();
    for (size_t i = 0; i < p.n; i++) {
        if (mm_block_allowed(&a, &p.v[i].net))
            abort();
        if (i && mm_cidr_within(&p.v[i].net, &p.v[i - 1].net))
            abort();
        if (mm_block_plan_find(&p, &p.v[i].net) != (long)i)
            abort();
    }
    mm_buf b, r;
    mm_buf_init(&b, 1 << 24);
    mm_buf_init(&r, 1 << 24);
    mm_block_yamaha_opts yo = {1000, "lan2", "1 2"};
    if (mm_block_render_nft(&p, &p, &b) != MM_OK ||
        mm_block_render_list(&p, MM_BLOCK_LIST_PALOALTO, &b) != MM_OK ||
        mm_block_render_yamaha(&p, &yo, &b, &r, &err) != MM_OK ||
        mm_block_status_json(&p, &b) != MM_OK)
        abort();
    mm_buf_free(&b);
    mm_buf_free(&r);
    mm_block_plan_free(&p);
    mm_block_allow_free(&a);
    return 0;
}
