/* SPDX-License-Identifier: Apache-2.0 */
/* store-sqlite-answers.c — the SQLite side of the console's ★
 * self-assessment: one answers document per tenant (scs_answers), replaced
 * whole at every answer so the SME resumes where it stopped. Own table,
 * created on first use; statements prepared per call (a person's pace). */
#include "hub-int.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char answers_schema[] =
    "CREATE TABLE IF NOT EXISTS scs_answers(tenant TEXT PRIMARY KEY, doc "
    "TEXT NOT NULL, saved_by TEXT NOT NULL, saved_at INTEGER NOT NULL);";

static mm_rc prepare(mm_store *s, const char *sql, sqlite3_stmt **st,
                     mm_err *err)
{
    const char *path;
    sqlite3 *db = mm_hub__sqlite_db(s, &path);
    if (sqlite3_exec(db, answers_schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return mm_err_set(err, MM_EIO, path, 0, "sqlite scs answers: %s",
                          sqlite3_errmsg(db));
    return MM_OK;
}

mm_rc mm_hub__sq_scs_answers_put(mm_store *s, const char *tenant,
                                 const char *doc, size_t len, const char *by,
                                 int64_t now_ms, mm_err *err)
{
    sqlite3_stmt *st;
    mm_rc rc = prepare(s,
                       "INSERT OR REPLACE INTO scs_answers(tenant,doc,"
                       "saved_by,saved_at) VALUES(?,?,?,?)",
                       &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, doc, (int)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms);
    if (sqlite3_step(st) != SQLITE_DONE) {
        const char *path;
        sqlite3 *db = mm_hub__sqlite_db(s, &path);
        rc = mm_err_set(err, MM_EIO, path, 0, "sqlite put scs answers: %s",
                        sqlite3_errmsg(db));
    }
    sqlite3_finalize(st);
    return rc;
}

mm_rc mm_hub__sq_scs_answers_get(mm_store *s, const char *tenant, char **doc,
                                 size_t *len, int64_t *saved_ms, mm_err *err)
{
    sqlite3_stmt *st;
    *doc = NULL;
    mm_rc rc = prepare(
        s, "SELECT doc,saved_at FROM scs_answers WHERE tenant=?", &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_text(st, 1, tenant, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        rc = MM_ENOTFOUND;
    } else {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (!(*doc = malloc(n + 1))) {
            rc = mm_err_set(err, MM_ENOMEM, "scs_answers", 0, "out of memory");
        } else {
            memcpy(*doc, t ? (const char *)t : "", n);
            (*doc)[n] = '\0';
            if (len)
                *len = n;
            if (saved_ms)
                *saved_ms = sqlite3_column_int64(st, 1);
        }
    }
    sqlite3_finalize(st);
    return rc;
}
