/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-sqlbatch.c — the SQLite store's multi-row event INSERTs
 * (put_events) against the one-row path, and its versioned schema
 * migrations (store-sqlite-migrate.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T0 1763770000000LL
#define NOW 1795000000000LL
#define BATCH 150 /* two chunks of 64, two of 8, six single rows */

typedef struct fx {
    char dir[64];
    char path[2][128]; /* [0] put_events, [1] put_event one row at a time */
    mm_store *st[2];
    mm_store_ops one_row;
} fx;

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    char dir[64] = "/tmp/mm-test-sqlbatch.XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(f->dir, sizeof f->dir, "%s", dir);
    for (int k = 0; k < 2; k++)
        snprintf(f->path[k], sizeof f->path[k], "%s/hub%d.db", dir, k);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    for (int k = 0; k < 2; k++)
        if (f->st[k])
            mm_store_close(f->st[k]);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return 1;
    free(f);
    return 0;
}

static void open_pair(fx *f)
{
    mm_err err;
    for (int k = 0; k < 2; k++)
        assert_int_equal(mm_store_open(f->path[k], &f->st[k], &err), MM_OK);
    assert_non_null(f->st[0]->ops->put_events);
    f->one_row = *f->st[1]->ops;
    f->one_row.put_events = NULL;
    f->st[1]->ops = &f->one_row;
}

/* Line i of a batch: ids repeat ones stored before (sN), the line before
 * (same chunk) and a line of an earlier chunk; one event is from far in
 * the future (clamped); alerts and events alternate. */
static size_t batch_text(char *out, size_t n, int round)
{
    size_t k = 0;
    char t[32];
    for (int i = 0; i < BATCH; i++) {
        char id[32];
        if (i % 10 == 3)
            snprintf(id, sizeof id, "s%d", (i / 10) % 12);
        else if (i % 10 == 7)
            snprintf(id, sizeof id, "r%d-%d", round, i - 1);
        else if (i == 100)
            snprintf(id, sizeof id, "r%d-5", round);
        else
            snprintf(id, sizeof id, "r%d-%d", round, i);
        int64_t ts = i == 20 ? NOW + 86400000LL * 30 : T0 + i * 1000;
        mm_time_format(ts, t, sizeof t);
        k += (size_t)snprintf(
            out + k, n - k,
            "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"kind\":\"%s\","
            "\"severity\":%d},\"rule\":{\"id\":\"ssh.bruteforce\"},"
            "\"source\":{\"ip\":\"10.0.%d.%d\"}}\n",
            t, id, i % 2 ? "event" : "alert", i % 5, round, i);
    }
    return k;
}

static void decode(const char *text, size_t len, mm_hub_batch *b)
{
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(text, len, false, b, &err), MM_OK);
}

/* Stores b in store k the way ingest_one does, flags into dup. */
static void store_batch(fx *f, int k, const mm_hub_batch *b, bool *dup)
{
    mm_store *st = f->st[k];
    mm_err err;
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    if (st->ops->put_events) {
        assert_int_equal(st->ops->put_events(st, "a", b->ev, b->n, NOW,
                                             NOW + 60000, dup, &err),
                         MM_OK);
    } else {
        for (size_t i = 0; i < b->n; i++) {
            mm_hub_event e = b->ev[i];
            if (e.ts_ms > NOW + 60000)
                e.ts_ms = NOW;
            assert_int_equal(
                mm_store_put_event(st, "a", &e, NOW, &dup[i], &err), MM_OK);
        }
    }
    assert_int_equal(mm_store_commit(st, &err), MM_OK);
}

/* Every stored column but the id, row by row in id order. */
static char *dump_events(mm_store *st)
{
    sqlite3 *db = mm_hub__sqlite_db(st, NULL);
    sqlite3_stmt *q;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT group_concat(tenant||'|'||event_id||'|'||"
                           "kind||'|'||ts||'|'||rule_id||'|'||severity||'|'||"
                           "src_ip||'|'||received||'|'||json,'\n') FROM "
                           "(SELECT * FROM events ORDER BY id)",
                           -1, &q, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    char *out = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    return out;
}

static void test_batch_flags_match_one_row(void **state)
{
    fx *f = *state;
    open_pair(f);
    static char text[BATCH * 400];
    bool dup[2][BATCH];
    /* stored before: s0..s11 */
    size_t k = 0;
    for (int i = 0; i < 12; i++)
        k += (size_t)snprintf(
            text + k, sizeof text - k,
            "{\"@timestamp\":\"2025-11-22T00:00:00Z\","
            "\"event\":{\"id\":\"s%d\",\"kind\":\"event\"}}\n",
            i);
    mm_hub_batch b;
    decode(text, k, &b);
    for (int s = 0; s < 2; s++)
        store_batch(f, s, &b, dup[s]);
    mm_hub_batch_free(&b);
    for (int round = 0; round < 2; round++) { /* round 1 repeats round 0 */
        decode(text, batch_text(text, sizeof text, 0), &b);
        assert_int_equal(b.n, BATCH);
        for (int s = 0; s < 2; s++)
            store_batch(f, s, &b, dup[s]);
        int dups = 0;
        for (int i = 0; i < BATCH; i++) {
            assert_int_equal(dup[0][i], dup[1][i]);
            dups += dup[0][i];
        }
        /* 15 stored before, 15 repeats of the line before, line 100 */
        assert_int_equal(dups, round ? BATCH : 31);
        mm_hub_batch_free(&b);
    }
    char *a = dump_events(f->st[0]), *one = dump_events(f->st[1]);
    assert_string_equal(a, one);
    assert_non_null(strstr(a, "|r0-20|alert|1795000000000|"));
    free(a);
    free(one);
}

/* The ingest path's counts (correlate.c ingest_one) over both stores. */
static void test_ingest_counts_match(void **state)
{
    fx *f = *state;
    open_pair(f);
    static char text[BATCH * 400];
    mm_hub_ingest_result r[2][2];
    for (int s = 0; s < 2; s++) {
        mm_err err;
        mm_tenant t;
        memset(&t, 0, sizeof t);
        snprintf(t.id, sizeof t.id, "a");
        snprintf(t.name, sizeof t.name, "Alpha");
        t.kind = MM_TK_SME;
        char tok[80];
        assert_int_equal(
            mm_hub_admin_tenant_add(f->st[s], &t, tok, sizeof tok, &err),
            MM_OK);
        mm_hub_params p;
        mm_hub_params_default(&p);
        mm_hub *h;
        assert_int_equal(mm_hub_new(f->st[s], &p, &h, &err), MM_OK);
        for (int round = 0; round < 2; round++) {
            mm_hub_batch b;
            decode(text, batch_text(text, sizeof text, round), &b);
            assert_int_equal(mm_hub_ingest(h, mm_hub_tenant_by_id(h, "a"), &b,
                                           NOW, &r[s][round], &err),
                             MM_OK);
            mm_hub_batch_free(&b);
        }
        mm_hub_free(h);
    }
    for (int round = 0; round < 2; round++) {
        assert_int_equal(r[0][round].accepted, r[1][round].accepted);
        assert_int_equal(r[0][round].duplicates, r[1][round].duplicates);
    }
    /* round 0: the 12 sN ids are new once each */
    assert_int_equal(r[0][0].accepted, BATCH - 31 + 12);
    assert_int_equal(r[0][1].accepted, BATCH - 31);
    assert_int_equal(r[0][1].duplicates, 31);
}

static int scalar(sqlite3 *db, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    int r = sqlite3_step(q);
    snprintf(out, n, "%s",
             r == SQLITE_ROW && sqlite3_column_text(q, 0)
                 ? (const char *)sqlite3_column_text(q, 0)
                 : "");
    sqlite3_finalize(q);
    return atoi(out);
}

static bool plan_uses(sqlite3 *db, const char *query, const char *index)
{
    char sql[2048], want[96];
    snprintf(sql, sizeof sql, "EXPLAIN QUERY PLAN %s", query);
    snprintf(want, sizeof want, "USING INDEX %s ", index);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
    bool found = false;
    while (sqlite3_step(q) == SQLITE_ROW) {
        char d[512];
        snprintf(d, sizeof d, "%s ", (const char *)sqlite3_column_text(q, 3));
        found |= strstr(d, want) != NULL;
    }
    sqlite3_finalize(q);
    return found;
}

/* The queries of the console's alert queues, the case sweep and the
 * sensor's own reports still find their indexes. */
static void assert_plans(sqlite3 *db)
{
    char crit[512], sql[1536];
    mm_hub__critical_sql(crit, sizeof crit);
    snprintf(sql, sizeof sql,
             "SELECT e.id FROM events e LEFT JOIN alert_state a ON "
             "a.alert=e.id WHERE e.kind='alert' AND %s ORDER BY e.id DESC "
             "LIMIT 50",
             crit);
    assert_true(plan_uses(db, sql, "events_alerts_critical"));
    assert_true(plan_uses(db,
                          "SELECT e.id FROM events e WHERE e.kind='alert' AND "
                          "e.tenant='a' ORDER BY e.id DESC LIMIT 50",
                          "events_alerts"));
    assert_true(plan_uses(db,
                          "SELECT e.id FROM events e WHERE e.kind='alert' AND "
                          "(+e.tenant='p' OR +e.tenant IN (SELECT sme FROM "
                          "provider_links WHERE provider='p')) ORDER BY e.id "
                          "DESC LIMIT 50",
                          "events_alerts_id"));
    assert_true(plan_uses(
        db,
        "SELECT ts,kind,json FROM events WHERE tenant='a' AND ts>=0 AND "
        "ts<4102444800000 AND kind='event' AND instr(json,'\"dataset\":"
        "\"mamori.')>0 AND instr(json,'\"dataset\":\"mamori.block\"')>0 "
        "ORDER BY ts,id LIMIT 10",
        "events_mamori"));
}

static mm_rc count_row(int64_t ts, const char *kind, const char *json,
                       size_t len, void *ud)
{
    (void)ts, (void)kind, (void)json, (void)len;
    (*(int *)ud)++;
    return MM_OK;
}

static mm_rc no_user(const mm_hub_user *u, void *ud)
{
    (void)u, (void)ud;
    return MM_OK;
}

/* What main made: user_version 0, the events table, events_mamori on the
 * instr() condition, a critical index from another rule list, the alert
 * indexes. */
static const char main_ddl[] =
    "CREATE TABLE events(id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, "
    "event_id TEXT NOT NULL, kind TEXT NOT NULL, ts INTEGER NOT NULL, "
    "rule_id TEXT NOT NULL DEFAULT '', severity INTEGER NOT NULL DEFAULT 0, "
    "src_ip TEXT NOT NULL DEFAULT '', domain TEXT NOT NULL DEFAULT '', "
    "url_path TEXT NOT NULL DEFAULT '', users_hash INTEGER NOT NULL DEFAULT "
    "0, received INTEGER NOT NULL, json TEXT NOT NULL, "
    "UNIQUE(tenant,event_id));"
    "CREATE INDEX events_ts ON events(ts);"
    "CREATE INDEX events_mamori ON events(tenant,ts) WHERE kind='event' AND "
    "instr(json,'\"dataset\":\"mamori.')>0;"
    "CREATE INDEX events_alerts ON events(tenant,id) WHERE kind='alert';"
    "CREATE INDEX events_alerts_id ON events(id) WHERE kind='alert';"
    "CREATE INDEX events_alerts_critical ON events(id) WHERE kind='alert' "
    "AND (severity>=4 OR rule_id='old.rule');"
    "INSERT INTO events(tenant,event_id,kind,ts,received,json) VALUES"
    "('a','e1','event',1,1,'{\"event\":{\"dataset\":\"mamori.block\"}}'),"
    "('a','e2','alert',2,2,'{}'),('b','e3','event',3,3,'{}');"
    "UPDATE events SET severity=4 WHERE event_id='e2';";

static void make_main_store(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, main_ddl, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_migrate_from_main(void **state)
{
    fx *f = *state;
    make_main_store(f->path[0]);
    mm_err err;
    for (int again = 0; again < 2; again++) { /* idempotent */
        assert_int_equal(mm_store_open(f->path[0], &f->st[0], &err), MM_OK);
        sqlite3 *db = mm_hub__sqlite_db(f->st[0], NULL);
        char v[768], crit[512], want[768];
        assert_int_equal(scalar(db, "PRAGMA user_version", v, sizeof v),
                         mm_hub__sq_schema_version());
        assert_int_equal(
            scalar(db, "SELECT count(*) FROM events", v, sizeof v), 3);
        scalar(db, "SELECT sql FROM sqlite_master WHERE name='events_mamori'",
               v, sizeof v);
        assert_string_equal(v, "CREATE INDEX events_mamori ON events(tenant,"
                               "ts) WHERE kind='event'");
        mm_hub__critical_sql(crit, sizeof crit);
        snprintf(want, sizeof want,
                 "CREATE INDEX events_alerts_critical ON events(id) WHERE "
                 "kind='alert' AND %s",
                 crit);
        scalar(db,
               "SELECT sql FROM sqlite_master WHERE "
               "name='events_alerts_critical'",
               v, sizeof v);
        assert_string_equal(v, want);
        snprintf(want, sizeof want,
                 "SELECT count(*) FROM events INDEXED BY "
                 "events_alerts_critical WHERE kind='alert' AND %s",
                 crit);
        assert_int_equal(scalar(db, want, v, sizeof v), 1);
        int n = 0;
        assert_int_equal(
            f->st[0]->ops->dataset_events(f->st[0], "a", "mamori.block", 0,
                                          100, false, 10, count_row, &n, &err),
            MM_OK);
        assert_int_equal(n, 1);
        /* the console tables (alert_state, provider_links) */
        assert_int_equal(
            f->st[0]->ops->user_list(f->st[0], no_user, NULL, &err), MM_OK);
        assert_plans(db);
        mm_store_close(f->st[0]);
        f->st[0] = NULL;
    }
}

static void test_critical_list_change_rebuilds(void **state)
{
    fx *f = *state;
    mm_err err;
    assert_int_equal(mm_store_open(f->path[0], &f->st[0], &err), MM_OK);
    mm_store_close(f->st[0]);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path[0], &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db,
                     "DROP INDEX events_alerts_critical;"
                     "CREATE INDEX events_alerts_critical ON events(id) WHERE "
                     "kind='alert' AND (severity>=4 OR rule_id='old.rule')",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(mm_store_open(f->path[0], &f->st[0], &err), MM_OK);
    char v[768];
    scalar(mm_hub__sqlite_db(f->st[0], NULL),
           "SELECT sql FROM sqlite_master WHERE name='events_alerts_critical'",
           v, sizeof v);
    assert_null(strstr(v, "old.rule"));
    assert_non_null(strstr(v, "ioc.ip"));
}

static void test_newer_schema_refused(void **state)
{
    fx *f = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path[0], &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "PRAGMA user_version=999", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    mm_err err;
    assert_int_equal(mm_store_open(f->path[0], &f->st[0], &err), MM_EINVAL);
    assert_non_null(strstr(err.msg, "999"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_batch_flags_match_one_row, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ingest_counts_match, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_migrate_from_main, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_critical_list_change_rebuilds,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
