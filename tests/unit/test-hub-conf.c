/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-conf.c — hub.conf options land in their fields, with their
 * units (the table of options in src/hub/conf.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hub.h"

#include <string.h>

static void test_defaults(void **state)
{
    (void)state;
    mm_hub_params p;
    mm_hub_params_default(&p);
    assert_int_equal(p.k, 2);
    assert_int_equal(p.window_ms, 24 * 3600000LL);
    assert_int_equal(p.ip_ttl_ms, 14 * 86400000LL);
    assert_int_equal(p.domain_ttl_ms, 30 * 86400000LL);
    assert_int_equal(p.escalate_score, 60);
    assert_int_equal(p.ci_depth, 3);
}

static void test_numbers(void **state)
{
    (void)state;
    mm_hub_server_conf c;
    memset(&c, 0, sizeof c);
    static const char *const kv[][2] = {
        {"k", "5"},
        {"window_hours", "2"},
        {"ip_ttl_days", "3"},
        {"domain_ttl_days", "365"},
        {"escalate_score", "0"},
        {"ci_depth", "10"},
        {"rate", "0.5"},
        {"burst", "7"},
        {"threads", "4"},
        {"max_connections", "64"},
        {"max_connections_per_ip", "9"},
        {"idle_timeout", "3600"},
        {"keys_max", "2500000"},
    };
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        assert_int_equal(mm_hub_conf_set(&c, kv[i][0], kv[i][1], "t", 1, NULL),
                         MM_OK);
    assert_int_equal(c.params.k, 5);
    assert_int_equal(c.params.window_ms, 2 * 3600000LL);
    assert_int_equal(c.params.ip_ttl_ms, 3 * 86400000LL);
    assert_int_equal(c.params.domain_ttl_ms, 365 * 86400000LL);
    assert_int_equal(c.params.escalate_score, 0);
    assert_int_equal(c.params.ci_depth, 10);
    assert_true(c.rate == 0.5);
    assert_true(c.burst == 7.0);
    assert_int_equal(c.threads, 4);
    assert_int_equal(c.max_connections, 64);
    assert_int_equal(c.max_connections_per_ip, 9);
    assert_int_equal(c.idle_timeout, 3600);
    assert_int_equal(c.params.keys_max, 2500000);
    /* out of bounds or not whole: refused, field unchanged */
    mm_err e;
    assert_int_equal(mm_hub_conf_set(&c, "k", "1", "t", 2, &e), MM_EINVAL);
    assert_int_equal(mm_hub_conf_set(&c, "threads", "2.5", "t", 3, &e),
                     MM_EINVAL);
    assert_int_equal(mm_hub_conf_set(&c, "nope", "1", "t", 4, &e), MM_EINVAL);
    assert_int_equal(c.params.k, 5);
    assert_int_equal(c.threads, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
