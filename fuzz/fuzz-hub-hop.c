/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-hub-hop.c — the hop chain of partitioned correlators (hop.c) on
 * hostile input. Byte 0 picks the number of partitions (2..64), bytes 1-3
 * are a Mamori-Hop header value, the rest a batch. Checks: a header that
 * parses formats back to itself; for every event, the chain from key 0
 * visits each key exactly once, in order, each hop's run non-empty and in
 * one partition, and the front end's partition is the first key's. */
#include "hub.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_header(const uint8_t *d, size_t n)
{
    char v[4] = {0};
    memcpy(v, d, n < 3 ? n : 3);
    mm_hub_hop h;
    if (!mm_hub_hop_parse(v, &h))
        return;
    if (h.start >= MM_HUB_EVENT_KEYS)
        abort();
    char back[8];
    mm_hub_hop_format(&h, back, sizeof back);
    mm_hub_hop again;
    if (v[0] && (strcmp(back, v) != 0 || !mm_hub_hop_parse(back, &again) ||
                 again.start != h.start || again.acted != h.acted))
        abort();
}

static void check_chain(const mm_hub_event *e, uint32_t part_n)
{
    uint8_t part[MM_HUB_EVENT_KEYS];
    char type[MM_HUB_EVENT_KEYS];
    unsigned n = mm_hub_event_key_parts(e, part_n, part, type);
    if (n > MM_HUB_EVENT_KEYS)
        abort();
    if (n && mm_hub_event_first_partition(e, "t", part_n) != part[0])
        abort();
    unsigned s = 0, hops = 0;
    while (s < n) {
        if (part[s] >= part_n)
            abort();
        unsigned next;
        unsigned len = mm_hub_hop_run(part, n, s, part[s], &next);
        if (len == 0 || next != s + len || next > n ||
            (next < n && part[next] == part[s]))
            abort();
        s = next;
        if (++hops > n)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    uint32_t part_n = 2 + data[0] % (MM_HUB_PARTS_MAX - 1);
    check_header(data + 1, 3);
    mm_hub_batch b;
    mm_err err;
    if (mm_hub_batch_decode((const char *)data + 4, size - 4, false, &b,
                            &err) != MM_OK)
        return 0;
    for (size_t i = 0; i < b.n; i++)
        check_chain(&b.ev[i], part_n);
    mm_hub_batch_free(&b);
    return 0;
}
