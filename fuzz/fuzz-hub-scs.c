/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-hub-scs.c — the hub's SCS routes on hostile bodies: a submitted
 * "confirmed assessment" (accepted only when the scs module verifies it)
 * and a requirement body. One in-memory store for the whole run. */
#include "hub.h"
#include "scs.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_store *st;

static void init_store(void)
{
    mm_err err;
    if (mm_store_open(":memory:", &st, &err) != MM_OK)
        __builtin_trap();
    static const char *const ids[] = {"s1", "b1"};
    for (int i = 0; i < 2; i++) {
        mm_tenant t;
        memset(&t, 0, sizeof t);
        snprintf(t.id, sizeof t.id, "%s", ids[i]);
        snprintf(t.name, sizeof t.name, "%s", ids[i]);
        mm_hub_token_hash(ids[i], 2, t.token_hash, sizeof t.token_hash);
        if (mm_store_tenant_put(st, &t, &err) != MM_OK)
            __builtin_trap();
    }
    mm_link l = {"s1", "b1", true};
    if (mm_store_link_put(st, &l, &err) != MM_OK)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!st)
        init_store();
    mm_tenant s1, b1;
    memset(&s1, 0, sizeof s1);
    memset(&b1, 0, sizeof b1);
    snprintf(s1.id, sizeof s1.id, "s1");
    snprintf(b1.id, sizeof b1.id, "b1");
    mm_buf out;
    mm_buf_init(&out, 1u << 20);
    unsigned status = 0;
    mm_err err;
    bool valid =
        mm_scs_verify((const char *)data, size, "fuzz", NULL, &err) == MM_OK;
    mm_hub_scs_http(st, &s1, "POST", "/api/v1/scs/confirmation",
                    (const char *)data, size, 1, &status, &out);
    if (status == 200 && !valid)
        __builtin_trap();
    out.len = 0;
    mm_hub_scs_http(st, &b1, "PUT", "/api/v1/scs/requirements/s1",
                    (const char *)data, size, 1, &status, &out);
    if (status != 200 && status != 400)
        __builtin_trap();
    out.len = 0;
    mm_hub_scs_http(st, &b1, "GET", "/api/v1/scs/suppliers", NULL, 0, 1,
                    &status, &out);
    if (status != 200)
        __builtin_trap();
    mm_buf_free(&out);
    return 0;
}
