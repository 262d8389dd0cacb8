/* SPDX-License-Identifier: Apache-2.0 */
/* test-demo.c — unit tests of the demo's log-time shifting helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "demo.h"

#include <string.h>

static void test_syslog(void **state)
{
    (void)state;
    /* data/samples/loghub-OpenSSH_2k.log, line 1020 */
    const char *l = "Dec 10 10:54:27 LabSZ sshd[24868]: Invalid user zhangyan "
                    "from 183.62.140.253";
    int64_t t;
    assert_true(mm_demo_syslog_time(l, strlen(l), 2015, &t));
    assert_int_equal(t, mm_time_from_civil(2015, 12, 10, 10, 54, 27));
    mm_buf b;
    mm_buf_init(&b, 4096);
    int64_t nt = mm_time_from_civil(2026, 11, 2, 1, 2, 3);
    assert_int_equal(mm_demo_rewrite_syslog(l, strlen(l), nt, "sme-srv", &b),
                     MM_OK);
    assert_string_equal(b.data, "Nov  2 01:02:03 sme-srv sshd[24868]: Invalid "
                                "user zhangyan from 183.62.140.253\n");
    mm_buf_reset(&b);
    assert_int_equal(mm_demo_rewrite_syslog(l, strlen(l), nt, NULL, &b),
                     MM_OK);
    assert_non_null(strstr(b.data, " LabSZ sshd"));
    /* no stamp */
    assert_false(mm_demo_syslog_time("hello world", 11, 2015, &t));
    assert_false(mm_demo_syslog_time("Foo 10 10:54:27 x", 17, 2015, &t));
    assert_int_equal(mm_demo_rewrite_syslog("short", 5, nt, NULL, &b),
                     MM_EPARSE);
    mm_buf_free(&b);
}

static void test_access(void **state)
{
    (void)state;
    /* data/samples/elastic-apache_access_10k.log, line 379 */
    const char *l = "144.76.194.187 - - [17/May/2015:13:05:28 +0000] \"GET "
                    "/wp-login.php HTTP/1.0\" 404 292 \"-\" \"-\"";
    int64_t t;
    assert_true(mm_demo_access_time(l, strlen(l), &t));
    assert_int_equal(t, mm_time_from_civil(2015, 5, 17, 13, 5, 28));
    const char *z = "1.2.3.4 - - [17/May/2015:13:05:28 +0900] \"GET / "
                    "HTTP/1.0\" 200 1";
    assert_true(mm_demo_access_time(z, strlen(z), &t));
    assert_int_equal(t, mm_time_from_civil(2015, 5, 17, 4, 5, 28));
    mm_buf b;
    mm_buf_init(&b, 4096);
    int64_t nt = mm_time_from_civil(2026, 1, 9, 23, 59, 58);
    assert_int_equal(mm_demo_rewrite_access(l, strlen(l), nt, &b), MM_OK);
    assert_string_equal(b.data,
                        "144.76.194.187 - - [09/Jan/2026:23:59:58 +0000] "
                        "\"GET /wp-login.php HTTP/1.0\" 404 292 \"-\" "
                        "\"-\"\n");
    assert_false(mm_demo_access_time("no time [here]", 14, &t));
    assert_int_equal(mm_demo_rewrite_access("x [", 3, nt, &b), MM_EPARSE);
    mm_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_syslog),
        cmocka_unit_test(test_access),
    };
    return cmocka_run_group_tests_name("demo", tests, NULL, NULL);
}
