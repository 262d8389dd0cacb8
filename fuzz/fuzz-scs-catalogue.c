/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-scs-catalogue.c — the SCS catalogue loader and its listings. */
#include "scs.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_scs_catalogue *cat = NULL;
    mm_err err;
    if (mm_scs_catalogue_parse((const char *)data, size, "fuzz", &cat, &err) !=
        MM_OK)
        return 0;
    mm_buf b;
    mm_buf_init(&b, MM_SCS_REPORT_MAX);
    mm_scs_catalogue_table(cat, 0, MM_SCS_JA, &b);
    mm_buf_reset(&b);
    mm_scs_catalogue_table(cat, 3, MM_SCS_EN, &b);
    mm_buf_reset(&b);
    mm_scs_catalogue_json(cat, 4, &b);
    for (size_t i = 0; i < cat->n_items; i++)
        (void)mm_scs_catalogue_find(cat, cat->items[i].id);
    mm_buf_free(&b);
    mm_scs_catalogue_free(cat);
    return 0;
}
