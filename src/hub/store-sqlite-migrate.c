/* SPDX-License-Identifier: Apache-2.0 */
/* store-sqlite-migrate.c — versioned schema migrations of the SQLite store:
 * PRAGMA user_version counts the steps applied, each step runs at open in
 * its own transaction (so a crash leaves a store at one version or the
 * next), and the critical-alert index is rebuilt whenever the list it was
 * generated from (cases.c) changes. */
#include "hub-int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* Step k (1-based) takes a store from version k-1 to k. Never edit a
 * shipped step: add one. */
static const char *const steps[] = {
    /* 1: the sensor's own reports (store-sqlite-glue.c) indexed on
     * kind='event' alone (the queries keep their instr() filter): the
     * instr() condition cost ~25 % of multi-row insert speed, even for
     * alert rows; the console's alert indexes made here instead of on the
     * first console request; a draft index dropped */
    "DROP INDEX IF EXISTS events_mamori;"
    "CREATE INDEX events_mamori ON events(tenant,ts) WHERE kind='event';"
    "CREATE INDEX IF NOT EXISTS events_alerts ON events(tenant,id) WHERE "
    "kind='alert';"
    "CREATE INDEX IF NOT EXISTS events_alerts_id ON events(id) WHERE "
    "kind='alert';"
    "DROP INDEX IF EXISTS events_alerts_crit;",
};

enum { VERSION_LATEST = (int)(sizeof steps / sizeof *steps) };

static mm_rc fail(sqlite3 *db, const char *path, mm_err *err, const char *what)
{
    mm_rc rc = mm_err_set(err, MM_EIO, path, 0, "sqlite %s: %s", what,
                          sqlite3_errmsg(db));
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

/* The first column of the first row of `sql` as text into out ("" when no
 * row), or as an integer into *n when out is NULL. */
static int query_one(sqlite3 *db, const char *sql, char *out, size_t outlen,
                     int *n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return SQLITE_ERROR;
    int r = sqlite3_step(st);
    if (out)
        snprintf(out, outlen, "%s",
                 r == SQLITE_ROW && sqlite3_column_text(st, 0)
                     ? (const char *)sqlite3_column_text(st, 0)
                     : "");
    else
        *n = r == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    return r == SQLITE_ROW || r == SQLITE_DONE ? SQLITE_OK : r;
}

static int user_version(sqlite3 *db, int *v)
{
    return query_one(db, "PRAGMA user_version", NULL, 0, v);
}

/* Applies step `to` unless another process did it first. */
static mm_rc apply_step(sqlite3 *db, const char *path, int to, mm_err *err)
{
    char what[64], bump[48];
    snprintf(what, sizeof what, "schema migration to version %d", to);
    int v = 0;
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        user_version(db, &v) != SQLITE_OK)
        return fail(db, path, err, what);
    snprintf(bump, sizeof bump, "PRAGMA user_version=%d", to);
    if (v < to &&
        (sqlite3_exec(db, steps[to - 1], NULL, NULL, NULL) != SQLITE_OK ||
         sqlite3_exec(db, bump, NULL, NULL, NULL) != SQLITE_OK))
        return fail(db, path, err, what);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, path, err, what);
    return MM_OK;
}

/* The critical alerts in id order, for the case sweep and the console's
 * critical queue (issue 11): a partial index whose condition is
 * mm_hub__critical_sql's word for word, else the planner ignores it.
 * SQLite keeps the index's CREATE text in sqlite_master, so that text
 * records what it was built from: a changed rule list rebuilds it (one
 * pass over the events), an unchanged one costs one read per open. */
static mm_rc critical_index(sqlite3 *db, const char *path, mm_err *err)
{
    char crit[512], want[768], have[768];
    mm_hub__critical_sql(crit, sizeof crit);
    snprintf(want, sizeof want,
             "CREATE INDEX events_alerts_critical ON events(id) WHERE "
             "kind='alert' AND %s",
             crit);
    const char *have_sql = "SELECT sql FROM sqlite_master WHERE type='index' "
                           "AND name='events_alerts_critical'";
    if (query_one(db, have_sql, have, sizeof have, NULL) != SQLITE_OK)
        return fail(db, path, err, "read the critical alert index");
    if (strcmp(have, want) == 0)
        return MM_OK;
    const char *what = "rebuild the critical alert index";
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
        query_one(db, have_sql, have, sizeof have, NULL) != SQLITE_OK)
        return fail(db, path, err, what);
    if (strcmp(have, want) != 0 &&
        (sqlite3_exec(db, "DROP INDEX IF EXISTS events_alerts_critical", NULL,
                      NULL, NULL) != SQLITE_OK ||
         sqlite3_exec(db, want, NULL, NULL, NULL) != SQLITE_OK))
        return fail(db, path, err, what);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        return fail(db, path, err, what);
    return MM_OK;
}

int mm_hub__sq_schema_version(void)
{
    return VERSION_LATEST;
}

mm_rc mm_hub__sq_migrate(sqlite3 *db, const char *path, mm_err *err)
{
    int v = 0;
    if (user_version(db, &v) != SQLITE_OK)
        return fail(db, path, err, "read the schema version");
    if (v > VERSION_LATEST)
        return mm_err_set(err, MM_EINVAL, path, 0,
                          "schema version %d is newer than this mamori's "
                          "(%d): use a newer mamori",
                          v, VERSION_LATEST);
    for (int to = v + 1; to <= VERSION_LATEST; to++) {
        mm_rc rc = apply_step(db, path, to, err);
        if (rc != MM_OK)
            return rc;
    }
    return critical_index(db, path, err);
}
