/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-glue.c — where the hub's parts meet: a critical alert and a new
 * incident case make outbox rows in their own transaction
 * (outbox-alert.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-int.h"
#include "report.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1795000000000LL

typedef struct fx {
    char dir[64];
    char path[128];
    mm_store *st;
    mm_hub *h;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mm-test-glue.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/hub.db", f->dir);
    mm_err err;
    assert_int_equal(mm_store_open(f->path, &f->st, &err), MM_OK);
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "a");
    snprintf(t.name, sizeof t.name, "Alpha");
    t.kind = MM_TK_SME;
    char tok[80];
    assert_int_equal(mm_hub_admin_tenant_add(f->st, &t, tok, sizeof tok, &err),
                     MM_OK);
    mm_hub_params p;
    mm_hub_params_default(&p);
    assert_int_equal(mm_hub_new(f->st, &p, &f->h, &err), MM_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    mm_hub_free(f->h);
    mm_store_close(f->st);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return 1;
    free(f);
    return 0;
}

/* Posts one line for tenant "a" through the real decoder and ingest. */
static void post_line(fx *f, const char *line)
{
    mm_hub_batch b;
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(line, strlen(line), false, &b, &err),
                     MM_OK);
    mm_hub_ingest_result r;
    assert_int_equal(
        mm_hub_ingest(f->h, mm_hub_tenant_by_id(f->h, "a"), &b, NOW, &r, &err),
        MM_OK);
    mm_hub_batch_free(&b);
}

static void post_alert(fx *f, const char *id, const char *rule, int sev)
{
    char t[32], line[512];
    mm_time_format(NOW - 60000, t, sizeof t);
    snprintf(line, sizeof line,
             "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"kind\":"
             "\"alert\",\"severity\":%d},\"rule\":{\"id\":\"%s\",\"name_ja\":"
             "\"テスト\"},\"source\":{\"ip\":\"203.0.113.9\"}}\n",
             t, id, sev, rule);
    post_line(f, line);
}

typedef struct rows {
    int n;
    mm_outbox_msg last;
} rows;

static mm_rc take_row(const mm_outbox_msg *m, void *ud)
{
    rows *r = ud;
    r->n++;
    r->last = *m;
    return MM_OK;
}

static rows outbox(fx *f)
{
    rows r;
    memset(&r, 0, sizeof r);
    mm_err err;
    assert_int_equal(f->st->ops->outbox_list(f->st, "a", take_row, &r, &err),
                     MM_OK);
    return r;
}

static void test_outbox_alert_case(void **state)
{
    fx *f = *state;
    mm_err err;
    mm_notify_pref p = {0, "a", "email", "o@a.example.jp", 1, false};
    assert_int_equal(mm_hub_notify_add(f->st, &p, &err), MM_OK);
    mm_notify_pref hi = {0, "a", "email", "boss@a.example.jp", 4, false};
    assert_int_equal(mm_hub_notify_add(f->st, &hi, &err), MM_OK);
    /* a high alert: nothing (warnings cover campaigns; alerts only when
     * critical) */
    post_alert(f, "e1", "ssh.bruteforce", 3);
    assert_int_equal(outbox(f).n, 0);
    /* a critical one: one row per preference */
    post_alert(f, "e2", "ssh.bruteforce", 4);
    rows r = outbox(f);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.last.severity, 4);
    assert_non_null(strstr(r.last.subject, "緊急"));
    assert_non_null(strstr(r.last.body, "203.0.113.9"));
    assert_non_null(strstr(r.last.body, "テスト"));
    /* replayed: a duplicate is not told again */
    post_alert(f, "e2", "ssh.bruteforce", 4);
    assert_int_equal(outbox(f).n, 2);
    /* a critical rule at severity high counts as critical */
    post_alert(f, "e3", "ssh.success_after_failures", 3);
    assert_int_equal(outbox(f).n, 4);
    /* the sweep opens the cases of the critical alerts: no second message */
    int64_t cursor = 0;
    unsigned opened = 0;
    assert_int_equal(mm_hub_case_sweep(f->st, &cursor, NOW, &opened, &err),
                     MM_OK);
    assert_int_equal(opened, 2);
    assert_int_equal(outbox(f).n, 4);
    /* a person opens a case on the high alert: told once, as critical */
    mm_hub_case c;
    int64_t e1 = 1; /* the first stored alert */
    assert_int_equal(mm_hub_case_open(f->st, e1, "prov", false, NOW, &c, &err),
                     MM_OK);
    r = outbox(f);
    assert_int_equal(r.n, 6);
    assert_non_null(strstr(r.last.subject, "事案"));
    assert_int_equal(r.last.created_ms, NOW);
    /* opening it again gives the open case back, no new row */
    assert_int_equal(mm_hub_case_open(f->st, e1, "prov", false, NOW, &c, &err),
                     MM_OK);
    assert_int_equal(outbox(f).n, 6);
}

/* The monthly report counts the month's cases from the case store and the
 * same alerts as the console's summary. */
static void test_report_cases(void **state)
{
    fx *f = *state;
    mm_err err;
    post_alert(f, "r1", "ssh.bruteforce", 4);
    post_alert(f, "r2", "ssh.bruteforce", 2);
    int64_t cursor = 0;
    unsigned opened = 0;
    assert_int_equal(mm_hub_case_sweep(f->st, &cursor, NOW, &opened, &err),
                     MM_OK);
    assert_int_equal(opened, 1);
    mm_hub_case c;
    assert_int_equal(mm_hub_case_open(f->st, 2, "prov", false, NOW, &c, &err),
                     MM_OK);
    c.closed_ms = NOW + 1000;
    snprintf(c.status, sizeof c.status, "closed");
    assert_int_equal(f->st->ops->case_put(f->st, &c, &err), MM_OK);
    mm_report *r = calloc(1, sizeof *r);
    assert_int_equal(mm_report_collect(f->st, "a", 2026, 11, NOW, r, &err),
                     MM_OK);
    assert_true(r->has_cases);
    assert_int_equal(r->cases_opened, 2);
    assert_int_equal(r->cases_closed, 1);
    mm_report_block *b = calloc(MM_REPORT_BLOCKS_MAX, sizeof *b);
    size_t n = 0;
    mm_report_blocks(r, b, &n);
    bool said = false;
    for (size_t i = 0; i < n; i++)
        said |= strstr(b[i].ja, "事案）を 2 件開き、1 件を") != NULL;
    assert_true(said);
    /* another month: none */
    assert_int_equal(mm_report_collect(f->st, "a", 2026, 10, NOW, r, &err),
                     MM_OK);
    assert_int_equal(r->cases_opened + r->cases_closed, 0);
    /* the console's summary of the month gives the report's alert count */
    assert_int_equal(mm_report_collect(f->st, "a", 2026, 11, NOW, r, &err),
                     MM_OK);
    mm_buf out;
    mm_buf_init(&out, 1 << 16);
    assert_int_equal(
        mm_hub_summary_json(f->st, "a", "2026-11", NULL, &out, &err), MM_OK);
    char want[64];
    snprintf(want, sizeof want, "\"attacks\":%llu,",
             (unsigned long long)r->alerts);
    assert_int_equal(r->alerts, 2);
    assert_non_null(strstr((const char *)out.data, want));
    mm_buf_free(&out);
    free(b);
    free(r);
}

static int64_t count(fx *f, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(mm_hub__sqlite_db(f->st, NULL), sql, -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static mm_rc no_usage(const char *tenant, uint64_t bytes, void *ud)
{
    (void)tenant;
    *(uint64_t *)ud += bytes;
    return MM_OK;
}

/* Retention never takes an alert an open case points at; the triage state
 * of what it deletes goes too, the audit trail stays. */
static void test_prune_keeps_open_cases(void **state)
{
    fx *f = *state;
    mm_err err;
    post_alert(f, "p1", "ssh.bruteforce", 2); /* id 1: open case */
    post_alert(f, "p2", "ssh.bruteforce", 2); /* id 2: triaged */
    post_alert(f, "p3", "ssh.bruteforce", 2); /* id 3: closed case */
    mm_hub_case c1, c3;
    assert_int_equal(mm_hub_case_open(f->st, 1, "prov", false, NOW, &c1, &err),
                     MM_OK);
    assert_int_equal(mm_hub_case_open(f->st, 3, "prov", false, NOW, &c3, &err),
                     MM_OK);
    snprintf(c3.status, sizeof c3.status, "closed");
    c3.closed_ms = NOW;
    assert_int_equal(f->st->ops->case_put(f->st, &c3, &err), MM_OK);
    for (int64_t id = 1; id <= 3; id++)
        assert_int_equal(f->st->ops->alert_state_set(f->st, id, "acknowledged",
                                                     "", NOW, &err),
                         MM_OK);
    mm_hub_audit a = {"alert", 2, NOW, "sme", "status:acknowledged", ""};
    assert_int_equal(f->st->ops->audit_put(f->st, &a, &err), MM_OK);
    int64_t audits = count(f, "SELECT count(*) FROM audit");
    uint64_t freed = 0;
    assert_int_equal(
        f->st->ops->events_prune(f->st, NOW + 1, no_usage, &freed, &err),
        MM_OK);
    assert_true(freed > 0);
    assert_int_equal(count(f, "SELECT count(*) FROM events"), 1);
    assert_int_equal(count(f, "SELECT min(id) FROM events"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM alert_state"), 1);
    assert_int_equal(count(f, "SELECT min(alert) FROM alert_state"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM audit"), audits);
    /* the case closes: the next prune takes its alert too */
    snprintf(c1.status, sizeof c1.status, "closed");
    c1.closed_ms = NOW;
    assert_int_equal(f->st->ops->case_put(f->st, &c1, &err), MM_OK);
    assert_int_equal(
        f->st->ops->events_prune(f->st, NOW + 1, no_usage, &freed, &err),
        MM_OK);
    assert_int_equal(count(f, "SELECT count(*) FROM events"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM alert_state"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_outbox_alert_case, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_report_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prune_keeps_open_cases, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("hub-glue", tests, NULL, NULL);
}
