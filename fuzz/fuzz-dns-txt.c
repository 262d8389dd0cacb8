/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-dns-txt.c — the DNS answer parser behind the ASM TXT ownership proof
 * (src/hub/dns-txt.c) on hostile messages: compression loops, lengths past
 * the end, counts that lie, split character-strings. */
#include "hub.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_rc on_txt(const char *txt, size_t len, void *ud)
{
    size_t *total = ud;
    if (strlen(txt) > len) /* the text is NUL-terminated within len */
        __builtin_trap();
    *total += len;
    return MM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_err err;
    size_t total = 0;
    (void)mm_hub_dns_txt_parse(data, size, on_txt, &total, &err);
    return 0;
}
