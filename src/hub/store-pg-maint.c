/* SPDX-License-Identifier: Apache-2.0 */
/* store-pg-maint.c — upkeep of a large PostgreSQL store.
 *
 * Retention (mm_store_ops.events_prune), with the meaning SQLite gives it:
 * every event received before `before` goes, except an alert an open case
 * points at, with its idempotence key and its triage state; the bytes freed
 * are reported per tenant.
 *
 * events is partitioned by month of event time. A month partition whose
 * whole time range is before `before` and whose rows were all received
 * before it (and holds no alert of an open case) is taken out whole:
 * DETACH and a rename in one short transaction (under the advisory lock
 * that serialises partition creation, with a lock timeout so ingest is
 * never stalled for long), then its rows' event_keys and alert_state rows
 * are deleted in bounded batches (the detached table walked by id, the
 * cursor kept in flags so an interrupted walk resumes where it stopped)
 * and the table is dropped. What is left — the month that straddles the
 * horizon, a month with late arrivals or an open case's alert,
 * events_other — goes row by row, walked by id (the events_id index) in
 * bounded batches from a cursor kept in flags. The retention horizon is
 * one value per hub (hub.conf retention_days), so a month goes once it is
 * past that one horizon.
 *
 * All of it runs in short steps (events_prune_step), each one statement
 * or one short transaction, so a front end lets its other requests use
 * the store between them (server.c). */
#include "store-pg-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One pruner at a time among the processes sharing the database ("mamp",
 * a session lock): another front end's prune skips its turn. The key of
 * partition creation ("mamo") is store-pg.c's PG_LOCK_KEY. */
#define PRUNE_LOCK_KEY "1835101552"
#define PARTITION_LOCK_KEY "1835101551"
/* event keys deleted per statement while a dropped month is walked */
#define KEYS_PER_BATCH "10000"
#define DETACHED_PREFIX "events_drop_"

/* 8: a row of a month (2000-01 .. 2099-12) can never land in the default
 * partition. A front end whose memory says a month partition exists after
 * another one dropped it gets an error for that insert (and forgets what
 * it knew) instead of storing the row where it would block the month's
 * partition from ever being created again; the constraint also spares
 * PostgreSQL the scan of events_other when it creates a month. Rows that
 * got there before (a transaction that created its month's partition and
 * was rolled back, when the front end still believed in the partition)
 * are first moved to their month, made for them. */
const char mm_hub__pg_migration_8[] =
    "ALTER TABLE events_other DROP CONSTRAINT IF EXISTS events_other_range;"
    "CREATE TEMP TABLE mm_stray ON COMMIT DROP AS SELECT * FROM events_other "
    "WHERE ts >= 946684800000 AND ts < 4102444800000;"
    "DELETE FROM events_other WHERE ts >= 946684800000 AND ts < "
    "4102444800000;"
    "DO $$DECLARE m timestamp; BEGIN FOR m IN SELECT DISTINCT "
    "date_trunc('month',to_timestamp(ts/1000) AT TIME ZONE 'UTC') FROM "
    "mm_stray LOOP EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION "
    "OF events FOR VALUES FROM (%s) TO (%s)','events_y' || "
    "to_char(m,'YYYY\"m\"MM'),(extract(epoch FROM m)*1000)::bigint,"
    "(extract(epoch FROM m + interval '1 month')*1000)::bigint); END LOOP; "
    "END$$;"
    "INSERT INTO events SELECT * FROM mm_stray;"
    "ALTER TABLE events_other ADD CONSTRAINT events_other_range CHECK(ts < "
    "946684800000 OR ts >= 4102444800000);";

static int64_t r_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* Runs one statement with text parameters, discarding its rows. */
static mm_rc run(mm_store *s, const char *sql, int n, const char *const *v,
                 mm_err *err, const char *what)
{
    return mm_hub__pg_exec(s, sql, n, v, NULL, err, what);
}

#define NAME_LEN 64

/* One batch of a detached month's walk: the event keys and triage states
 * of its next KEYS_PER_BATCH rows deleted (its own transaction: no lock
 * held for long, a resend of one of these events waits at most one
 * batch), the cursor (last id done) saved with them; once none is left
 * the table is dropped (*done). */
static mm_rc walk_batch(mm_store *s, const char *table, bool *done,
                        mm_err *err)
{
    char key[NAME_LEN + 16], sql[1024];
    snprintf(key, sizeof key, "retention:%s", table);
    const char *v[2] = {NULL, key};
    PGresult *r;
    *done = false;
    mm_rc rc = mm_hub__pg_exec(
        s, "SELECT coalesce((SELECT val FROM flags WHERE key=$1),0)", 1, &v[1],
        &r, err, "read the retention cursor");
    if (rc != MM_OK)
        return rc;
    char last[24];
    snprintf(last, sizeof last, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    snprintf(sql, sizeof sql,
             "WITH b AS (SELECT id,tenant,event_id FROM \"%s\" WHERE id > "
             "$1::bigint ORDER BY id LIMIT " KEYS_PER_BATCH "), k AS (DELETE "
             "FROM event_keys e USING b WHERE e.tenant=b.tenant AND "
             "e.event_id=b.event_id), p AS (DELETE FROM event_parts x USING b "
             "WHERE x.tenant=b.tenant AND x.event_id=b.event_id), a AS "
             "(DELETE FROM alert_state t USING b WHERE t.alert=b.id), f AS "
             "(INSERT INTO flags(key,val) SELECT "
             "$2,max(id) FROM b HAVING count(*)>0 ON CONFLICT(key) DO UPDATE "
             "SET val=excluded.val) SELECT count(*) FROM b",
             table);
    v[0] = last;
    rc = mm_hub__pg_exec(s, sql, 2, v, &r, err, "delete dropped keys");
    if (rc != MM_OK)
        return rc;
    int64_t n = r_i64(r, 0, 0);
    PQclear(r);
    if (n > 0)
        return MM_OK;
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS \"%s\"", table);
    rc = s->ops->begin(s, err);
    if (rc == MM_OK)
        rc = run(s, sql, 0, NULL, err, "drop a month");
    if (rc == MM_OK)
        rc = run(s, "DELETE FROM flags WHERE key=$1", 1, &v[1], err,
                 "drop the retention cursor");
    if (rc != MM_OK) {
        s->ops->rollback(s);
        return rc;
    }
    rc = s->ops->commit(s, err);
    *done = rc == MM_OK;
    return rc;
}

/* Whether month partition `part` may go whole: every row received
 * before `before` and none an open case's alert. A scan without locks;
 * *use gets its bytes per tenant (tenant, bytes, newest, max id) and
 * *top the highest id seen. */
static mm_rc month_done(mm_store *s, const char *part, int64_t before,
                        PGresult **use, int64_t *top, bool *done, mm_err *err)
{
    char sql[400];
    *done = false;
    *top = 0;
    snprintf(sql, sizeof sql,
             "SELECT tenant,sum(length(json)),max(received),max(id) FROM "
             "\"%s\" GROUP BY tenant ORDER BY tenant COLLATE \"C\"",
             part);
    mm_rc rc = mm_hub__pg_exec(s, sql, 0, NULL, use, err, "check a month");
    if (rc != MM_OK)
        return rc;
    int64_t newest = 0;
    for (int i = 0; i < PQntuples(*use); i++) {
        int64_t rec = r_i64(*use, i, 2), id = r_i64(*use, i, 3);
        newest = rec > newest ? rec : newest;
        *top = id > *top ? id : *top;
    }
    if (newest >= before)
        return MM_OK;
    snprintf(sql, sizeof sql,
             "SELECT EXISTS(SELECT 1 FROM cases c JOIN \"%s\" e ON "
             "e.id=c.alert WHERE c.status='open')",
             part);
    PGresult *r;
    rc = mm_hub__pg_exec(s, sql, 0, NULL, &r, err, "check a month");
    if (rc == MM_OK) {
        *done = PQgetvalue(r, 0, 0)[0] == 'f';
        PQclear(r);
    }
    return rc;
}

/* The short transaction that takes `part` out of events and renames it
 * `out`, unless a row came in since the check (ids only grow): *moved.
 * The lock timeout keeps ingest from queueing behind DETACH for long; a
 * month that could not be locked is tried again at the next prune. */
static mm_rc detach_tx(mm_store *s, const char *part, int64_t top,
                       const char *out, bool *moved, mm_err *err)
{
    char sql[200], id[24];
    const char *v[1] = {id};
    snprintf(id, sizeof id, "%lld", (long long)top);
    *moved = false;
    mm_rc rc = s->ops->begin(s, err);
    if (rc != MM_OK)
        return rc;
    rc = run(s, "SET LOCAL lock_timeout='5s'", 0, NULL, err, "detach a month");
    if (rc == MM_OK)
        rc = run(s, "SELECT pg_advisory_xact_lock(" PARTITION_LOCK_KEY ")", 0,
                 NULL, err, "lock for retention");
    snprintf(sql, sizeof sql,
             "SELECT EXISTS(SELECT 1 FROM \"%s\" WHERE id > $1::bigint)",
             part);
    PGresult *r = NULL;
    if (rc == MM_OK)
        rc = mm_hub__pg_exec(s, sql, 1, v, &r, err, "check a month");
    bool late = rc == MM_OK && PQgetvalue(r, 0, 0)[0] == 't';
    if (r)
        PQclear(r);
    snprintf(sql, sizeof sql, "ALTER TABLE events DETACH PARTITION \"%s\"",
             part);
    if (rc == MM_OK && !late)
        rc = run(s, sql, 0, NULL, err, "detach a month");
    snprintf(sql, sizeof sql, "ALTER TABLE \"%s\" RENAME TO \"%s\"", part,
             out);
    if (rc == MM_OK && !late)
        rc = run(s, sql, 0, NULL, err, "detach a month");
    if (rc != MM_OK || late) {
        s->ops->rollback(s);
        return rc;
    }
    rc = s->ops->commit(s, err);
    *moved = rc == MM_OK;
    return rc;
}

/* Detaches month partition `part` when it is done (month_done) and
 * reports its bytes (*moved); its keys are walked away after (walk_batch). */
static mm_rc drop_month(mm_store *s, const char *part, int64_t before,
                        mm_usage_fn fn, void *ud, bool *moved, mm_err *err)
{
    PGresult *use = NULL;
    int64_t top;
    bool done;
    char out[NAME_LEN];
    *moved = false;
    snprintf(out, sizeof out, DETACHED_PREFIX "%.40s",
             part + strlen("events_"));
    mm_rc rc = month_done(s, part, before, &use, &top, &done, err);
    if (rc == MM_OK && done)
        rc = detach_tx(s, part, top, out, moved, err);
    /* the bytes left the tenants' stored events with the commit */
    for (int i = 0; rc == MM_OK && *moved && fn && i < PQntuples(use); i++)
        rc = fn(PQgetvalue(use, i, 0), (uint64_t)r_i64(use, i, 1), ud);
    if (use)
        PQclear(use);
    if (*moved)
        mm_hub__pg_months_forget(s);
    return rc;
}

/* The next month partition after `$2` (by name) entirely before `$1` (its
 * end computed from the name, as store-pg.c names them). */
#define MONTH_NEXT                                                            \
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON "                 \
    "c.oid=i.inhrelid WHERE i.inhparent='events'::regclass AND c.relname ~ "  \
    "'^events_y[0-9]{4}m[0-9]{2}$' AND (extract(epoch FROM "                  \
    "make_date(substr(c.relname,9,4)::int,substr(c.relname,14,2)::int,1) + "  \
    "interval '1 month')*1000)::bigint <= $1::bigint AND c.relname::text > "  \
    "$2 ORDER BY c.relname LIMIT 1"
/* A detached month whose walk is unfinished (a process killed mid-walk). */
#define DETACHED_LEFT                                                         \
    "SELECT tablename FROM pg_tables WHERE schemaname=current_schema() AND "  \
    "tablename ~ '^" DETACHED_PREFIX                                          \
    "y[0-9]{4}m[0-9]{2}$' ORDER BY 1 LIMIT 1"
/* Rows judged per step of the row prune (by id, through events_id). */
#define ROWS_PER_STEP 10000
/* Where the row prune resumes: every row with a lower id is gone. */
#define ROWS_CURSOR "prune:rows"

/* The first column of the first row of a query on names into name ("" when
 * there is no row). */
static mm_rc first_name(mm_store *s, const char *sql, int n,
                        const char *const *v, char name[NAME_LEN], mm_err *err)
{
    PGresult *r;
    name[0] = '\0';
    mm_rc rc = mm_hub__pg_exec(s, sql, n, v, &r, err, "list partitions");
    if (rc != MM_OK)
        return rc;
    if (PQntuples(r) > 0)
        snprintf(name, NAME_LEN, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return MM_OK;
}

/* One step of the row prune, for what the month drops left (the month that
 * straddles the horizon, late arrivals, an open case's alert,
 * events_other): the next rows by id (events_id; ids are taken at insert,
 * so they follow arrival up to the clock skew between the hub's processes
 * and a group's duration) judged, and those received before the horizon
 * deleted with their keys and triage states in one statement. *done at a
 * batch with none received before it: the rest arrived later (a row out
 * of that order goes at a later prune). The cursor saved with each batch
 * stays below the first row kept (received after the horizon, or an open
 * case's alert) and at or below the last row deleted: every row under it
 * is gone, whatever the next horizon. */
static mm_rc rows_step(mm_store *s, mm_store_prune *p, mm_usage_fn fn,
                       void *ud, bool *done, mm_err *err)
{
    char cur[24], bef[24], lim[16], hi[24], save[24];
    snprintf(cur, sizeof cur, "%lld", (long long)p->row_cursor);
    snprintf(bef, sizeof bef, "%lld", (long long)p->before_ms);
    snprintf(lim, sizeof lim, "%u",
             p->rows_per_step ? p->rows_per_step : ROWS_PER_STEP);
    const char *v[5] = {cur, bef, lim, NULL, NULL};
    PGresult *r;
    *done = false;
    mm_rc rc = mm_hub__pg_exec(
        s,
        "SELECT count(*) FILTER (WHERE received < $2::bigint), "
        "coalesce(max(id),0), coalesce(max(id) FILTER (WHERE received < "
        "$2::bigint),0), coalesce(min(id) FILTER (WHERE received >= "
        "$2::bigint OR id IN (SELECT alert FROM cases WHERE "
        "status='open')),0) FROM (SELECT id,received FROM events WHERE id > "
        "$1::bigint ORDER BY id LIMIT $3::int) c",
        3, v, &r, err, "prune events");
    if (rc != MM_OK)
        return rc;
    int64_t old = r_i64(r, 0, 0), top = r_i64(r, 0, 1);
    int64_t old_top = r_i64(r, 0, 2), hold = r_i64(r, 0, 3);
    PQclear(r);
    if (old == 0) {
        *done = true;
        return MM_OK;
    }
    if (hold && !p->hold)
        p->hold = hold;
    if (old_top > p->old_top)
        p->old_top = old_top;
    int64_t keep =
        p->hold && p->hold - 1 < p->old_top ? p->hold - 1 : p->old_top;
    snprintf(hi, sizeof hi, "%lld", (long long)top);
    snprintf(save, sizeof save, "%lld", (long long)keep);
    const char *w[5] = {cur, hi, bef, ROWS_CURSOR, save};
    rc = mm_hub__pg_exec(
        s,
        "WITH d AS (DELETE FROM events WHERE id > $1::bigint AND id <= "
        "$2::bigint AND received < $3::bigint AND id NOT IN (SELECT alert "
        "FROM cases WHERE status='open') RETURNING tenant,event_id,id,"
        "length(json) AS n), k AS (DELETE FROM event_keys e USING d WHERE "
        "e.tenant=d.tenant AND e.event_id=d.event_id), p AS (DELETE FROM "
        "event_parts x USING d WHERE x.tenant=d.tenant AND "
        "x.event_id=d.event_id), a AS (DELETE FROM alert_state t USING d "
        "WHERE t.alert=d.id), f AS (INSERT INTO flags(key,val) VALUES($4,"
        "$5::bigint) ON CONFLICT(key) DO UPDATE SET val=excluded.val) SELECT "
        "tenant,sum(n) FROM d GROUP BY tenant ORDER BY tenant COLLATE \"C\"",
        5, w, &r, err, "prune events");
    for (int i = 0; rc == MM_OK && fn && i < PQntuples(r); i++)
        rc = fn(PQgetvalue(r, i, 0), (uint64_t)r_i64(r, i, 1), ud);
    PQclear(r);
    p->row_cursor = top;
    return rc;
}

enum { PRUNE_LOCK, PRUNE_WALK, PRUNE_MONTHS, PRUNE_ROWS, PRUNE_DONE };

/* A cursor past every row (a database restored from a backup older than
 * its flags, a sequence reset) would end every row prune at its first
 * step, for ever: the walk starts again from the lowest id, and the new
 * cursor is saved at once so the caller hears of it once
 * (p->cursor_reset). */
static mm_rc cursor_restart(mm_store *s, mm_store_prune *p, int64_t low,
                            mm_err *err)
{
    char save[24];
    p->cursor_reset = p->row_cursor;
    p->row_cursor = low - 1;
    snprintf(save, sizeof save, "%lld", (long long)p->row_cursor);
    return run(s,
               "INSERT INTO flags(key,val) VALUES($1,$2::bigint) ON "
               "CONFLICT(key) DO UPDATE SET val=excluded.val",
               2, (const char *[]){ROWS_CURSOR, save}, err,
               "reset the retention cursor");
}

/* The first step: one pruner at a time (another process's prune: done at
 * once), and the row cursor where the last prune left it. */
static mm_rc prune_start(mm_store *s, mm_store_prune *p, mm_err *err)
{
    PGresult *r;
    mm_rc rc =
        mm_hub__pg_exec(s, "SELECT pg_try_advisory_lock(" PRUNE_LOCK_KEY ")",
                        0, NULL, &r, err, "lock for retention");
    if (rc != MM_OK)
        return rc;
    p->locked = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    p->phase = p->locked ? PRUNE_WALK : PRUNE_DONE;
    if (!p->locked)
        return MM_OK; /* another process prunes now */
    const char *k = ROWS_CURSOR;
    rc = mm_hub__pg_exec(
        s,
        "SELECT coalesce((SELECT val FROM flags WHERE key=$1),0), "
        "coalesce((SELECT max(id) FROM events),0), "
        "coalesce((SELECT min(id) FROM events),0)",
        1, &k, &r, err, "read the retention cursor");
    if (rc != MM_OK)
        return rc;
    int64_t top = r_i64(r, 0, 1), low = r_i64(r, 0, 2);
    p->row_cursor = r_i64(r, 0, 0);
    PQclear(r);
    return top && p->row_cursor > top ? cursor_restart(s, p, low, err) : MM_OK;
}

/* Unfinished walks first, then each month past the horizon (detached,
 * then walked), then the rows. */
static mm_rc prune_phase(mm_store *s, mm_store_prune *p, mm_usage_fn fn,
                         void *ud, mm_err *err)
{
    char name[NAME_LEN], bef[24];
    bool done = false;
    mm_rc rc = MM_OK;
    switch (p->phase) {
    case PRUNE_LOCK: return prune_start(s, p, err);
    case PRUNE_WALK:
        rc = first_name(s, DETACHED_LEFT, 0, NULL, name, err);
        if (rc == MM_OK && !name[0])
            p->phase = PRUNE_MONTHS;
        else if (rc == MM_OK)
            rc = walk_batch(s, name, &done, err);
        return rc;
    case PRUNE_MONTHS:
        snprintf(bef, sizeof bef, "%lld", (long long)p->before_ms);
        rc = first_name(s, MONTH_NEXT, 2, (const char *[]){bef, p->month},
                        name, err);
        if (rc == MM_OK && !name[0])
            p->phase = PRUNE_ROWS;
        if (rc != MM_OK || !name[0])
            return rc;
        snprintf(p->month, sizeof p->month, "%s", name);
        rc = drop_month(s, name, p->before_ms, fn, ud, &done, err);
        if (rc == MM_OK && done)
            p->phase = PRUNE_WALK;
        return rc;
    case PRUNE_ROWS:
        rc = rows_step(s, p, fn, ud, &done, err);
        if (rc == MM_OK && done)
            p->phase = PRUNE_DONE;
        return rc;
    default: return MM_OK;
    }
}

mm_rc mm_hub__pg_events_prune_step(mm_store *s, mm_store_prune *p,
                                   mm_usage_fn fn, void *ud, bool *more,
                                   mm_err *err)
{
    mm_rc rc = prune_phase(s, p, fn, ud, err);
    if (rc != MM_OK)
        p->phase = PRUNE_DONE;
    if (p->phase == PRUNE_DONE && p->locked) {
        mm_err e2;
        (void)run(s, "SELECT pg_advisory_unlock(" PRUNE_LOCK_KEY ")", 0, NULL,
                  &e2, "unlock for retention");
        p->locked = false;
    }
    p->steps++;
    *more = p->phase != PRUNE_DONE;
    return rc;
}

mm_rc mm_hub__pg_events_prune(mm_store *s, int64_t before_ms, mm_usage_fn fn,
                              void *ud, mm_err *err)
{
    mm_store_prune p = {.before_ms = before_ms};
    bool more = true;
    mm_rc rc = MM_OK;
    while (rc == MM_OK && more)
        rc = mm_hub__pg_events_prune_step(s, &p, fn, ud, &more, err);
    return rc;
}

/* ---- indexes built online before a migration
 * -------------------------------- A migration runs in one transaction, and
 * CREATE INDEX on events holds a SHARE lock on every partition until that
 * transaction commits: no event can be inserted for as long as the index takes
 * to build (bench/ bench-pg-migrate.sh measures it). So before migration 7 its
 * partial index is built on each partition with CREATE INDEX CONCURRENTLY,
 * which lets inserts go on; migration 7's CREATE INDEX then finds an equal
 * index on each partition and attaches it instead of building one. A partition
 * made in between gets its index built by the migration (it is new, so
 * small). An earlier build left invalid (interrupted) is dropped first. */
#define ONLINE_LOCK_KEY "1835101545" /* "mami": one online build at a time */
#define ONLINE_SUFFIX "_mamori"

/* Runs one statement on c outside a transaction. */
static mm_rc raw_exec(PGconn *c, const char *sql, PGresult **out, mm_err *err)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (out)
            *out = r;
        else
            PQclear(r);
        return MM_OK;
    }
    char msg[300];
    snprintf(msg, sizeof msg, "%s", PQresultErrorMessage(r));
    msg[strcspn(msg, "\n")] = '\0';
    PQclear(r);
    return mm_err_set(err, MM_EIO, "postgresql", 0,
                      "postgresql build an index: %s", msg);
}

/* For each index (drop) or partition (create) named by the first column
 * of query's rows: drops that index, or builds the partition's index. */
static mm_rc raw_each(PGconn *c, const char *query, bool create, mm_err *err)
{
    PGresult *r = NULL;
    mm_rc rc = raw_exec(c, query, &r, err);
    for (int i = 0; rc == MM_OK && i < PQntuples(r); i++) {
        char sql[400];
        const char *n = PQgetvalue(r, i, 0);
        if (create)
            snprintf(sql, sizeof sql,
                     "CREATE INDEX CONCURRENTLY IF NOT EXISTS "
                     "\"%s" ONLINE_SUFFIX
                     "\" ON \"%s\"(tenant,ts) WHERE " PG_MAMORI_DATASET,
                     n, n);
        else
            snprintf(sql, sizeof sql,
                     "DROP INDEX CONCURRENTLY IF EXISTS \"%s\"", n);
        rc = raw_exec(c, sql, NULL, err);
    }
    if (r)
        PQclear(r);
    return rc;
}

mm_rc mm_hub__pg_index_online(PGconn *c, int from, mm_err *err)
{
    if (from < 1 || from >= 7)
        return MM_OK;
    mm_rc rc =
        raw_exec(c, "SELECT pg_advisory_lock(" ONLINE_LOCK_KEY ")", NULL, err);
    if (rc != MM_OK)
        return rc;
    rc = raw_each(c,
                  "SELECT c.relname FROM pg_index i JOIN pg_class c ON "
                  "c.oid=i.indexrelid WHERE NOT i.indisvalid AND c.relname "
                  "LIKE 'events%" ONLINE_SUFFIX "'",
                  false, err);
    if (rc == MM_OK)
        rc = raw_each(c,
                      "SELECT c.relname FROM pg_inherits i JOIN pg_class c "
                      "ON c.oid=i.inhrelid WHERE "
                      "i.inhparent='events'::regclass ORDER BY 1",
                      true, err);
    mm_err e2;
    (void)raw_exec(c, "SELECT pg_advisory_unlock(" ONLINE_LOCK_KEY ")", NULL,
                   &e2);
    return rc;
}
