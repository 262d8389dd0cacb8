/* SPDX-License-Identifier: Apache-2.0 */
/* test-report.c — src/report: the month argument, JST month bounds, the
 * figures read from a store and the lines both renderings share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void test_month_parse(void **state)
{
    (void)state;
    int y = 0, m = 0;
    assert_int_equal(mm_report_month_parse("2026-11", &y, &m), MM_OK);
    assert_int_equal(y, 2026);
    assert_int_equal(m, 11);
    static const char *const bad[] = {"2026-13", "2026-00", "2026-1",
                                      "26-11",   "2026/11", "2026-11x",
                                      "",        "abcd-ef", "1999-12"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(mm_report_month_parse(bad[i], &y, &m), MM_EINVAL);
    assert_int_equal(mm_report_month_parse(NULL, &y, &m), MM_EINVAL);
}

static void test_collect_and_blocks(void **state)
{
    (void)state;
    char dir[] = "/tmp/mm-test-report.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/hub.db", dir);
    mm_store *st;
    mm_err err;
    assert_int_equal(mm_store_open(path, &st, &err), MM_OK);
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "a");
    snprintf(t.name, sizeof t.name, "山田製作所");
    char tok[80];
    assert_int_equal(mm_hub_admin_tenant_add(st, &t, tok, sizeof tok, &err),
                     MM_OK);
    mm_report *r = malloc(sizeof *r);
    /* February 2028 (leap year), asked for on 2028-02-10 12:00 JST */
    int64_t now = (mm_time_from_civil(2028, 2, 10, 3, 0, 0)) * 1000;
    assert_int_equal(mm_report_collect(st, "a", 2028, 2, now, r, &err), MM_OK);
    assert_int_equal(r->days, 29);
    assert_int_equal(r->days_elapsed, 10);
    assert_int_equal(r->from_ms,
                     (mm_time_from_civil(2028, 1, 31, 15, 0, 0)) * 1000);
    assert_int_equal(r->alerts, 0);
    assert_false(r->has_conf);
    mm_report_block *b = calloc(MM_REPORT_BLOCKS_MAX, sizeof *b);
    size_t n = 0;
    mm_report_blocks(r, b, &n);
    assert_true(n > 10 && n < MM_REPORT_BLOCKS_MAX);
    assert_int_equal(b[0].kind, MM_RB_TITLE);
    assert_non_null(strstr(b[0].ja, "2028年2月"));
    assert_non_null(strstr(b[0].ja, "山田製作所"));
    assert_non_null(strstr(b[0].en, "February 2028"));
    size_t plots = 0, steps = 0;
    for (size_t i = 0; i < n; i++) {
        plots += b[i].kind == MM_RB_PLOT;
        steps += (b[i].ja[0] >= '1' && b[i].ja[0] <= '3' && b[i].ja[1] == '.');
        if (b[i].kind != MM_RB_PLOT)
            assert_true(b[i].en[0] != '\0'); /* English for every line */
    }
    assert_int_equal(plots, 1);
    assert_int_equal(steps, 3);
    assert_int_equal(mm_report_collect(st, "zz", 2028, 2, now, r, &err),
                     MM_ENOTFOUND);
    free(b);
    free(r);
    mm_store_close(st);
    char f[96];
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s%s", path, suffix[i]);
        unlink(f);
    }
    rmdir(dir);
}

static mm_rc last_row(const mm_outbox_msg *m, void *ud)
{
    *(mm_outbox_msg *)ud = *m;
    return MM_OK;
}

static void add_tenant(mm_store *st, const char *id, const char *name)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    snprintf(t.name, sizeof t.name, "%s", name);
    char tok[80];
    mm_err err;
    assert_int_equal(mm_hub_admin_tenant_add(st, &t, tok, sizeof tok, &err),
                     MM_OK);
}

static void test_mail_due(void **state)
{
    (void)state;
    char dir[] = "/tmp/mm-test-report-mail.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof path, "%s/hub.db", dir);
    mm_store *st;
    mm_err err;
    assert_int_equal(mm_store_open(path, &st, &err), MM_OK);
    add_tenant(st, "a", "山田製作所");
    add_tenant(st, "b", "Beta");
    mm_notify_pref p = {0, "a", "email", "boss@a.example.jp", 4, false};
    assert_int_equal(mm_hub_notify_add(st, &p, &err), MM_OK);
    mm_notify_pref s = {0, "a",  "slack", "https://hooks.example.com/x",
                        1, false};
    assert_int_equal(mm_hub_notify_add(st, &s, &err), MM_OK);
    /* 2027-01-01 00:30 JST is still 2026-12-31 in UTC: last month is
     * December 2026 in Japan */
    int64_t now = (mm_time_from_civil(2026, 12, 31, 15, 30, 0)) * 1000;
    unsigned q = 9;
    assert_int_equal(mm_report_mail_due(st, now, &q, &err), MM_OK);
    assert_int_equal(q, 1); /* e-mail only, whatever its min severity */
    mm_outbox_msg *m = calloc(1, sizeof *m);
    assert_int_equal(st->ops->outbox_list(st, "a", last_row, m, &err), MM_OK);
    assert_string_equal(m->target, "boss@a.example.jp");
    assert_non_null(strstr(m->subject, "2026年12月"));
    assert_non_null(
        strstr(m->body, "月次セキュリティ報告 2026年12月 — 山田製作所"));
    assert_non_null(strstr(m->body, "Monthly security report, December 2026"));
    /* once per tenant and month: an hour later nothing new */
    assert_int_equal(mm_report_mail_due(st, now + 3600000, &q, &err), MM_OK);
    assert_int_equal(q, 0);
    /* a tenant that gets an address later still gets this month's */
    mm_notify_pref pb = {0, "b", "email", "it@b.example.jp", 1, false};
    assert_int_equal(mm_hub_notify_add(st, &pb, &err), MM_OK);
    assert_int_equal(mm_report_mail_due(st, now + 7200000, &q, &err), MM_OK);
    assert_int_equal(q, 1);
    int64_t v = 0;
    assert_int_equal(st->ops->flag_get(st, "report-mail:b:2026-12", &v, &err),
                     MM_OK);
    free(m);
    mm_store_close(st);
    char f[96];
    static const char *const suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s%s", path, suffix[i]);
        unlink(f);
    }
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_month_parse),
        cmocka_unit_test(test_collect_and_blocks),
        cmocka_unit_test(test_mail_due),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
