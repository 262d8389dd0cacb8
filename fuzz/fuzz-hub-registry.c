/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-hub-registry.c — the expert / assessor registry CSV import on
 * hostile files (quoting, long lines, bad keys and dates); the first byte
 * picks the role. One in-memory store for the whole run. */
#include "hub.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_store *st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_err err;
    if (!st && mm_store_open(":memory:", &st, &err) != MM_OK)
        __builtin_trap();
    if (size == 0)
        return 0;
    mm_hub_reg_role role =
        (data[0] & 1) ? MM_HUB_REG_ASSESSOR : MM_HUB_REG_EXPERT;
    size_t n = 0;
    (void)mm_hub_registry_import(st, role, "fuzz.csv", (const char *)data + 1,
                                 size - 1, 1, &n, &err);
    return 0;
}
