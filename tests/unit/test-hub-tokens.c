/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-tokens.c — bearer tokens: scopes, expiry, revoke, rotate,
 * last-used throttling and the migration of tenants' old tokens; the store
 * side of quotas (bytes per tenant, retention pruning, probe write). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1795000000000LL

static void test_scopes(void **state)
{
    (void)state;
    unsigned s = 0;
    char out[64];
    assert_true(mm_hub_scopes_parse("feed,upload", &s));
    assert_int_equal(s, MM_SCOPE_FEED | MM_SCOPE_UPLOAD);
    mm_hub_scopes_format(s, out, sizeof out);
    assert_string_equal(out, "upload,feed");
    assert_true(mm_hub_scopes_parse("admin", &s));
    assert_int_equal(s, MM_SCOPE_ADMIN);
    assert_false(mm_hub_scopes_parse("", &s));
    assert_false(mm_hub_scopes_parse("root", &s));
    assert_false(mm_hub_scopes_parse("feed,", &s));
    assert_false(mm_hub_scopes_parse("feedx", &s));
}

static void test_expiry(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_true(mm_hub_expiry_parse("2027-03-31", &ms));
    char t[32];
    mm_time_format(ms, t, sizeof t);
    assert_string_equal(t, "2027-04-01T00:00:00.000Z");
    assert_false(mm_hub_expiry_parse("2027-02-30", &ms));
    assert_false(mm_hub_expiry_parse("2027-3-31", &ms));
    assert_false(mm_hub_expiry_parse("2027-03-31x", &ms));
    assert_false(mm_hub_expiry_parse("tomorrow", &ms));
}

static mm_store *open_store(char *dir, size_t n)
{
    snprintf(dir, n, "/tmp/mm-tok-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/hub.db", dir);
    mm_store *st;
    mm_err err;
    assert_int_equal(mm_store_open(path, &st, &err), MM_OK);
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "a");
    snprintf(t.name, sizeof t.name, "A");
    mm_hub_token_hash("old-secret", 10, t.token_hash, sizeof t.token_hash);
    assert_int_equal(mm_store_tenant_put(st, &t, &err), MM_OK);
    return st;
}

static void close_store(mm_store *st, const char *dir)
{
    mm_store_close(st);
    char p[160];
    snprintf(p, sizeof p, "%s/hub.db", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/hub.db-wal", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/hub.db-shm", dir);
    unlink(p);
    rmdir(dir);
}

static void test_lifecycle(void **state)
{
    (void)state;
    char dir[64];
    mm_store *st = open_store(dir, sizeof dir);
    mm_token tk;
    mm_err err;
    /* the tenant's old token: upload+feed+read, no expiry */
    assert_int_equal(mm_hub_token_check(st, "old-secret", 10, MM_SCOPE_UPLOAD,
                                        true, NOW, &tk),
                     200);
    assert_int_equal(tk.scopes, MM_SCOPE_LEGACY);
    assert_int_equal(tk.last_used_ms, NOW);
    assert_int_equal(mm_hub_token_check(st, "old-secret", 10,
                                        MM_SCOPE_METRICS | MM_SCOPE_ADMIN,
                                        true, NOW, &tk),
                     403);
    assert_int_equal(
        mm_hub_token_check(st, "nope", 4, MM_SCOPE_FEED, true, NOW, &tk), 401);
    /* last_used: not rewritten within the minute, rewritten after it */
    mm_hub_token_check(st, "old-secret", 10, MM_SCOPE_FEED, true, NOW + 30000,
                       &tk);
    assert_int_equal(tk.last_used_ms, NOW);
    mm_hub_token_check(st, "old-secret", 10, MM_SCOPE_FEED, true,
                       NOW + MM_TOKEN_TOUCH_MS, &tk);
    assert_int_equal(tk.last_used_ms, NOW + MM_TOKEN_TOUCH_MS);
    /* a metrics token that expires */
    char sec[80];
    mm_token m;
    assert_int_equal(mm_hub_token_add(st, "a", MM_SCOPE_METRICS, NOW + 1000,
                                      NOW, sec, sizeof sec, &m, &err),
                     MM_OK);
    assert_int_equal(mm_hub_token_check(st, sec, strlen(sec), MM_SCOPE_METRICS,
                                        true, NOW, &tk),
                     200);
    assert_int_equal(mm_hub_token_check(st, sec, strlen(sec), MM_SCOPE_UPLOAD,
                                        true, NOW, &tk),
                     403);
    assert_int_equal(mm_hub_token_check(st, sec, strlen(sec), MM_SCOPE_METRICS,
                                        true, NOW + 1000, &tk),
                     401);
    /* rotate: old refused, new works with the same scopes */
    char sec2[80];
    mm_token r;
    assert_int_equal(
        mm_hub_token_rotate(st, m.id, NOW, sec2, sizeof sec2, &r, &err),
        MM_OK);
    assert_int_equal(r.scopes, MM_SCOPE_METRICS);
    assert_int_equal(r.expires_ms, NOW + 1000);
    assert_int_equal(mm_hub_token_check(st, sec, strlen(sec), MM_SCOPE_METRICS,
                                        true, NOW, &tk),
                     401);
    assert_int_equal(mm_hub_token_check(st, sec2, strlen(sec2),
                                        MM_SCOPE_METRICS, true, NOW, &tk),
                     200);
    /* revoke */
    assert_int_equal(mm_hub_token_revoke(st, r.id, NOW, &err), MM_OK);
    assert_int_equal(mm_hub_token_check(st, sec2, strlen(sec2),
                                        MM_SCOPE_METRICS, true, NOW, &tk),
                     401);
    assert_int_equal(
        mm_hub_token_rotate(st, r.id, NOW, sec2, sizeof sec2, &r, &err),
        MM_EINVAL);
    assert_int_equal(mm_hub_token_revoke(st, "tk_0", NOW, &err), MM_ENOTFOUND);
    /* bad input */
    assert_int_equal(mm_hub_token_add(st, "zz", MM_SCOPE_FEED, 0, NOW, sec,
                                      sizeof sec, NULL, &err),
                     MM_ENOTFOUND);
    assert_int_equal(
        mm_hub_token_add(st, "a", 0, 0, NOW, sec, sizeof sec, NULL, &err),
        MM_EINVAL);
    /* the list names tokens, never secrets or hashes */
    mm_buf b;
    mm_buf_init(&b, 1u << 20);
    assert_int_equal(mm_hub_token_list_json(st, "a", &b, &err), MM_OK);
    assert_non_null(strstr(b.data, "\"scopes\":\"upload,feed,read\""));
    assert_null(strstr(b.data, tk.hash));
    mm_buf_free(&b);
    close_store(st, dir);
}

static void test_limit(void **state)
{
    (void)state;
    char dir[64];
    mm_store *st = open_store(dir, sizeof dir);
    char sec[80];
    mm_err err;
    mm_rc rc = MM_OK;
    unsigned n = 0;
    while (rc == MM_OK && n < 100) {
        rc = mm_hub_token_add(st, "a", MM_SCOPE_FEED, 0, NOW, sec, sizeof sec,
                              NULL, &err);
        n += rc == MM_OK;
    }
    assert_int_equal(rc, MM_ELIMIT);
    assert_int_equal(n + 1, MM_TOKEN_PER_TENANT_MAX); /* + the old one */
    close_store(st, dir);
}

static mm_rc sum_usage(const char *tenant, uint64_t bytes, void *ud)
{
    uint64_t *v = ud;
    v[strcmp(tenant, "a") == 0 ? 0 : 1] += bytes;
    return MM_OK;
}

/* Stored bytes per tenant, and retention pruning by arrival. */
static void test_usage_prune(void **state)
{
    (void)state;
    char dir[64];
    mm_store *st = open_store(dir, sizeof dir);
    mm_err err;
    static const char json[] = "{\"x\":1234567890}"; /* 16 bytes */
    for (int i = 0; i < 4; i++) {
        mm_hub_event ev;
        memset(&ev, 0, sizeof ev);
        snprintf(ev.id, sizeof ev.id, "e%d", i);
        ev.ts_ms = NOW;
        ev.json = json;
        ev.json_len = 16;
        bool dup;
        /* three received 100 days ago, one now */
        assert_int_equal(mm_store_put_event(
                             st, "a", &ev,
                             i < 3 ? NOW - 100LL * 86400000 : NOW, &dup, &err),
                         MM_OK);
    }
    uint64_t u[2] = {0, 0};
    assert_int_equal(st->ops->tenant_usage(st, sum_usage, u, &err), MM_OK);
    assert_int_equal(u[0], 64);
    uint64_t p[2] = {0, 0};
    assert_int_equal(
        st->ops->events_prune(st, NOW - 90LL * 86400000, sum_usage, p, &err),
        MM_OK);
    assert_int_equal(p[0], 48);
    u[0] = 0;
    assert_int_equal(st->ops->tenant_usage(st, sum_usage, u, &err), MM_OK);
    assert_int_equal(u[0], 16);
    assert_int_equal(st->ops->probe(st, &err), MM_OK);
    close_store(st, dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scopes),      cmocka_unit_test(test_expiry),
        cmocka_unit_test(test_lifecycle),   cmocka_unit_test(test_limit),
        cmocka_unit_test(test_usage_prune),
    };
    return cmocka_run_group_tests_name("hub-tokens", tests, NULL, NULL);
}
