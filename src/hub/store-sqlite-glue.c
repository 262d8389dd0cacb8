/* SPDX-License-Identifier: Apache-2.0 */
/* store-sqlite-glue.c — the SQLite side of the sensor's own reports
 * (mamori.block counters, mamori.status health): found through a partial
 * index over the events of kind "event" (never the tenant's alerts),
 * keeping those whose JSON names a "mamori.*" dataset. */
#include "hub-int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* The queries' condition. The partial index events_mamori (made at open,
 * store-sqlite-migrate.c) covers kind='event' alone: the instr() test in
 * the index cost ~25 % of insert speed, in the queries it reads only the
 * tenant's events of the time range. */
#define MAMORI_DATASET "kind='event' AND instr(json,'\"dataset\":\"mamori.')>0"

static mm_rc fail(mm_store *s, mm_err *err, const char *what)
{
    const char *path;
    sqlite3 *db = mm_hub__sqlite_db(s, &path);
    return mm_err_set(err, MM_EIO, path, 0, "sqlite %s: %s", what,
                      sqlite3_errmsg(db));
}

mm_rc mm_hub__dataset_pattern(const char *dataset, char *pat, size_t n,
                              mm_err *err)
{
    if (strncmp(dataset, "mamori.", 7) != 0 ||
        (size_t)snprintf(pat, n, "\"dataset\":\"%s\"", dataset) >= n)
        return mm_err_set(err, MM_EINVAL, "dataset", 0,
                          "only the sensor's own mamori.* datasets");
    return MM_OK;
}

mm_rc mm_hub__sq_dataset_events(mm_store *s, const char *tenant,
                                const char *dataset, int64_t since_ms,
                                int64_t until_ms, bool newest, size_t limit,
                                mm_tenant_event_fn fn, void *ud, mm_err *err)
{
    sqlite3 *db = mm_hub__sqlite_db(s, NULL);
    sqlite3_stmt *st = NULL;
    char pat[160];
    mm_rc rc = mm_hub__dataset_pattern(dataset, pat, sizeof pat, err);
    if (rc != MM_OK)
        return rc;
    if (sqlite3_prepare_v2(
            db,
            newest
                ? "SELECT ts,kind,json FROM events INDEXED BY events_mamori "
                  "WHERE tenant=?1 AND ts>=?2 AND ts<?3 AND " MAMORI_DATASET
                  " AND instr(json,?4)>0 ORDER BY ts DESC,id DESC LIMIT ?5"
                : "SELECT ts,kind,json FROM events INDEXED BY events_mamori "
                  "WHERE tenant=?1 AND ts>=?2 AND ts<?3 AND " MAMORI_DATASET
                  " AND instr(json,?4)>0 ORDER BY ts,id LIMIT ?5",
            -1, &st, NULL) != SQLITE_OK)
        return fail(s, err, "dataset events");
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since_ms);
    sqlite3_bind_int64(st, 3, until_ms);
    sqlite3_bind_text(st, 4, pat, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, limit ? (int64_t)limit : -1);
    return mm_hub__sq_event_rows(s, st, fn, ud, "dataset events", err);
}
