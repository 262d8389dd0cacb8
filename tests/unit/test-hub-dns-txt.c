/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-dns-txt.c — the DNS answer parser behind the ASM TXT ownership
 * proof (src/hub/dns-txt.c): records found and joined, other types skipped,
 * bad messages refused with an error instead of being read past their end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub.h"

#include <stdio.h>
#include <string.h>

typedef struct got {
    char txt[4][600];
    size_t n;
} got;

static mm_rc collect(const char *txt, size_t len, void *ud)
{
    got *g = ud;
    assert_true(strlen(txt) == len);
    if (g->n < 4)
        snprintf(g->txt[g->n++], sizeof g->txt[0], "%s", txt);
    return MM_OK;
}

/* A reply to "_m.x" TXT: header, the question, then answers (pointer to
 * the question's name). */
static const unsigned char reply[] = {
    0x12, 0x34, 0x81, 0x80, 0, 1, 0, 3, 0, 0, 0, 0,
    /* question */
    2, '_', 'm', 1, 'x', 0, 0, 16, 0, 1,
    /* an A record: skipped */
    0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 2,
    /* TXT "ab" "cd" → "abcd" */
    0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 6, 2, 'a', 'b', 2, 'c', 'd',
    /* TXT "mamori-verify=1" */
    0xc0, 12, 0, 16, 0, 1, 0, 0, 0, 60, 0, 16, 15, 'm', 'a', 'm', 'o', 'r',
    'i', '-', 'v', 'e', 'r', 'i', 'f', 'y', '=', '1'};

static void test_records(void **state)
{
    (void)state;
    got g = {0};
    mm_err err;
    assert_int_equal(
        mm_hub_dns_txt_parse(reply, sizeof reply, collect, &g, &err), MM_OK);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.txt[0], "abcd");
    assert_string_equal(g.txt[1], "mamori-verify=1");
}

static void test_bad(void **state)
{
    (void)state;
    got g = {0};
    mm_err err;
    /* every shorter prefix: an error or fewer records, never a read past
     * the end (the sanitizer build checks that) */
    for (size_t n = 0; n < sizeof reply; n++) {
        g.n = 0;
        mm_rc rc = mm_hub_dns_txt_parse(reply, n, collect, &g, &err);
        assert_true(rc != MM_OK || g.n < 2);
    }
    unsigned char m[sizeof reply];
    memcpy(m, reply, sizeof m);
    m[2] = 0x01; /* a query, not an answer */
    assert_int_equal(mm_hub_dns_txt_parse(m, sizeof m, collect, &g, &err),
                     MM_EPARSE);
    memcpy(m, reply, sizeof m);
    m[3] = 0x83; /* NXDOMAIN */
    assert_int_equal(mm_hub_dns_txt_parse(m, sizeof m, collect, &g, &err),
                     MM_ENOTFOUND);
    memcpy(m, reply, sizeof m);
    m[12] = 0x40; /* a reserved label type */
    assert_int_equal(mm_hub_dns_txt_parse(m, sizeof m, collect, &g, &err),
                     MM_EPARSE);
    memcpy(m, reply, sizeof m);
    m[7] = 9; /* more answers claimed than sent */
    assert_int_equal(mm_hub_dns_txt_parse(m, sizeof m, collect, &g, &err),
                     MM_EPARSE);
}

static void test_query_errors(void **state)
{
    (void)state;
    got g = {0};
    mm_err err;
    assert_int_equal(
        mm_hub_dns_txt_query("localhost:53", "_m.x", collect, &g, &err),
        MM_EINVAL);
    assert_int_equal(
        mm_hub_dns_txt_query("127.0.0.1:0", "_m.x", collect, &g, &err),
        MM_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_records),
        cmocka_unit_test(test_bad),
        cmocka_unit_test(test_query_errors),
    };
    return cmocka_run_group_tests_name("hub-dns-txt", tests, NULL, NULL);
}
