/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-graph-csv.c — the supply-chain graph CSV parser and the indicator
 * list parser (plain text and rule NDJSON) on hostile files. */
#include "hub.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_rc on_link(const mm_link *l, void *ud, mm_err *err)
{
    (void)ud;
    (void)err;
    if (!mm_hub_id_valid(l->supplier) || !mm_hub_id_valid(l->customer) ||
        strcmp(l->supplier, l->customer) == 0)
        __builtin_trap();
    return MM_OK;
}

static mm_rc on_ioc(const mm_stateioc *i, void *ud)
{
    (void)ud;
    if (strlen(i->value) == 0)
        __builtin_trap();
    if (strcmp(i->type, "domain-name") != 0) {
        mm_addr a;
        if (mm_addr_parse(i->value, strlen(i->value), &a) != MM_OK ||
            mm_addr_is_reserved(&a))
            __builtin_trap();
    }
    return MM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_err err;
    mm_hub_graph_parse("fuzz.csv", (const char *)data, size, on_link, NULL,
                       &err);
    mm_hub_ioc_parse("fuzz.txt", (const char *)data, size, on_ioc, NULL, &err);
    return 0;
}
