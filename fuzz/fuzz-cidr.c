/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-cidr.c — the one CIDR parser (core/cidr.c) and its invariants. */
#include "core.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_cidr c;
    const char *why = NULL;
    if (mm_cidr_parse_why((const char *)data, size, &c, &why) != MM_OK) {
        if (!why)
            abort(); /* every refusal names its reason */
        return 0;
    }
    unsigned max = c.addr.family == 4 ? 32u : 128u;
    if ((c.addr.family != 4 && c.addr.family != 6) || c.bits > max)
        abort();
    /* The network address lies in its own prefix, and printing it back
     * gives the same prefix. */
    if (!mm_cidr_contains(&c, &c.addr) || !mm_cidr_within(&c, &c))
        abort();
    char net[64], text[80];
    mm_addr_format(&c.addr, net, sizeof net);
    int n = snprintf(text, sizeof text, "%s/%u", net, c.bits);
    mm_cidr again;
    if (mm_cidr_parse(text, (size_t)n, &again) != MM_OK ||
        again.bits != c.bits || !mm_addr_eq(&again.addr, &c.addr))
        abort();
    return 0;
}
