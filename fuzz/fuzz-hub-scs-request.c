/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-hub-scs-request.c — what crosses tenants in an SCS request: the
 * SME's body (POST /api/v1/scs/requests) and an expert's signed header, on
 * hostile input. The first byte picks which. One in-memory store with one
 * registered expert (012345) for the whole run. */
#include "hub.h"
#include "scs.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_store *st;

static void setup(void)
{
    mm_err err;
    char sk[MM_SCS_SK_HEX + 1];
    mm_hub_registrant r;
    memset(&r, 0, sizeof r);
    r.role = MM_HUB_REG_EXPERT;
    strcpy(r.id, "012345");
    strcpy(r.name, "fuzz");
    if (mm_store_open(":memory:", &st, &err) != MM_OK ||
        mm_scs_keygen(r.public_key, sk) != MM_OK ||
        mm_hub_registry_add(st, &r, 1, &err) != MM_OK)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st)
        setup();
    if (size == 0)
        return 0;
    mm_err err;
    if (data[0] & 1) {
        char *h = malloc(size);
        if (!h)
            return 0;
        memcpy(h, data + 1, size - 1);
        h[size - 1] = '\0';
        char regno[16];
        (void)mm_hub_scs_expert_auth(st, h, "GET", "/api/v1/scs/requests",
                                     NULL, 0, mm_now_ms(), regno, &err);
        free(h);
        return 0;
    }
    mm_hub_scs_request r;
    (void)mm_hub_scs_request_send(st, "sme", (const char *)data + 1, size - 1,
                                  1, &r, &err);
    return 0;
}
