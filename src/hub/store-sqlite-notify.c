/* SPDX-License-Identifier: Apache-2.0 */
/* store-sqlite-notify.c — the SQLite back end's notification tables:
 * preferences, the durable outbox, named flags, and per-day event counts
 * for reports; and the SCS requests SMEs send to experts. Tables are created
 * on first use (opening a store stays as it was); statements are prepared per
 * call: these run per warning or per second, not per event. */
#include "hub-int.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char notify_schema[] =
    "CREATE TABLE IF NOT EXISTS notify_prefs(id INTEGER PRIMARY KEY, tenant "
    "TEXT NOT NULL, channel TEXT NOT NULL CHECK(channel IN ('email','teams',"
    "'slack')), target TEXT NOT NULL, min_severity INTEGER NOT NULL, digest "
    "INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS notify_prefs_tenant ON notify_prefs(tenant);"
    "CREATE TABLE IF NOT EXISTS outbox(id INTEGER PRIMARY KEY, pref INTEGER "
    "NOT NULL, tenant TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT "
    "NULL, warning INTEGER NOT NULL, severity INTEGER NOT NULL, created "
    "INTEGER NOT NULL, digest INTEGER NOT NULL, subject TEXT NOT NULL, body "
    "TEXT NOT NULL, state INTEGER NOT NULL, attempts INTEGER NOT NULL, next "
    "INTEGER NOT NULL, last_error TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS outbox_due ON outbox(state,next);"
    "CREATE TABLE IF NOT EXISTS flags(key TEXT PRIMARY KEY, val INTEGER NOT "
    "NULL);"
    "CREATE TABLE IF NOT EXISTS scs_requests(id INTEGER PRIMARY KEY, tenant "
    "TEXT NOT NULL, expert TEXT NOT NULL, created INTEGER NOT NULL, updated "
    "INTEGER NOT NULL, state INTEGER NOT NULL, target TEXT NOT NULL, "
    "achieved TEXT NOT NULL, message TEXT NOT NULL, reason TEXT NOT NULL, "
    "document TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS scs_requests_expert ON scs_requests(expert);"
    "CREATE INDEX IF NOT EXISTS scs_requests_tenant ON scs_requests(tenant);";

static mm_rc fail(mm_store *s, mm_err *err, const char *what)
{
    const char *path;
    sqlite3 *db = mm_hub__sqlite_db(s, &path);
    return mm_err_set(err, MM_EIO, path, 0, "sqlite %s: %s", what,
                      sqlite3_errmsg(db));
}

/* Creates the tables when missing and prepares `sql`. */
static mm_rc prep(mm_store *s, const char *sql, sqlite3_stmt **st, mm_err *err)
{
    sqlite3 *db = mm_hub__sqlite_db(s, NULL);
    *st = NULL;
    if (sqlite3_exec(db, notify_schema, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return fail(s, err, "prepare (notify)");
    return MM_OK;
}

/* Binds the variadic arguments in order by `types`: 't' text ("" for
 * NULL), 'n' text or NULL, 'i' int, 'I' int64_t. */
static void vbind(sqlite3_stmt *st, const char *types, va_list ap)
{
    for (int i = 0; types[i]; i++) {
        if (types[i] == 'i') {
            sqlite3_bind_int(st, i + 1, va_arg(ap, int));
        } else if (types[i] == 'I') {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        } else {
            const char *t = va_arg(ap, const char *);
            if (t || types[i] == 't')
                sqlite3_bind_text(st, i + 1, t ? t : "", -1, SQLITE_STATIC);
        }
    }
}

/* prep, then the arguments bound by `types` (vbind). */
static mm_rc prepf(mm_store *s, sqlite3_stmt **st, mm_err *err,
                   const char *sql, const char *types, ...)
{
    mm_rc rc = prep(s, sql, st, err);
    if (rc == MM_OK) {
        va_list ap;
        va_start(ap, types);
        vbind(*st, types, ap);
        va_end(ap);
    }
    return rc;
}

/* Runs one statement that returns no rows, the arguments bound by `types`;
 * *id (when not NULL) gets the new row id and *changed (when not NULL) the
 * number of rows changed. */
static mm_rc execf(mm_store *s, int64_t *id, int *changed, mm_err *err,
                   const char *what, const char *sql, const char *types, ...)
{
    sqlite3_stmt *st;
    mm_rc rc = prep(s, sql, &st, err);
    if (rc != MM_OK)
        return rc;
    va_list ap;
    va_start(ap, types);
    vbind(st, types, ap);
    va_end(ap);
    sqlite3 *db = mm_hub__sqlite_db(s, NULL);
    rc = sqlite3_step(st) == SQLITE_DONE ? MM_OK : fail(s, err, what);
    sqlite3_finalize(st);
    if (rc == MM_OK && id)
        *id = sqlite3_last_insert_rowid(db);
    if (rc == MM_OK && changed)
        *changed = sqlite3_changes(db);
    return rc;
}

static void copy(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    snprintf(out, outlen, "%s", t ? (const char *)t : "");
}

mm_rc mm_hub__sq_notify_pref_put(mm_store *s, mm_notify_pref *p, mm_err *err)
{
    return execf(s, &p->id, NULL, err, "put notify preference",
                 "INSERT INTO notify_prefs(tenant,channel,target,"
                 "min_severity,digest) VALUES(?,?,?,?,?)",
                 "tttii", p->tenant, p->channel, p->target, p->min_severity,
                 (int)p->digest);
}

mm_rc mm_hub__sq_notify_pref_del(mm_store *s, const char *tenant, int64_t id,
                                 mm_err *err)
{
    int changed = 0;
    mm_rc rc = execf(s, NULL, &changed, err, "delete notify preference",
                     "DELETE FROM notify_prefs WHERE tenant=? AND id=?", "tI",
                     tenant, id);
    if (rc == MM_OK && changed == 0)
        rc = mm_err_set(err, MM_ENOTFOUND, tenant, 0,
                        "no notification %lld for this tenant", (long long)id);
    return rc;
}

mm_rc mm_hub__sq_notify_pref_list(mm_store *s, const char *tenant,
                                  mm_notify_pref_fn fn, void *ud, mm_err *err)
{
    sqlite3_stmt *st;
    mm_rc rc = prepf(s, &st, err,
                     "SELECT id,tenant,channel,target,min_severity,digest "
                     "FROM notify_prefs WHERE ?1 IS NULL OR tenant=?1 "
                     "ORDER BY id",
                     "n", tenant);
    if (rc != MM_OK)
        return rc;
    int r;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        mm_notify_pref p;
        memset(&p, 0, sizeof p);
        p.id = sqlite3_column_int64(st, 0);
        copy(st, 1, p.tenant, sizeof p.tenant);
        copy(st, 2, p.channel, sizeof p.channel);
        copy(st, 3, p.target, sizeof p.target);
        p.min_severity = sqlite3_column_int(st, 4);
        p.digest = sqlite3_column_int(st, 5) != 0;
        rc = fn(&p, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = fail(s, err, "list notify preferences");
    sqlite3_finalize(st);
    return rc;
}

mm_rc mm_hub__sq_outbox_put(mm_store *s, mm_outbox_msg *m, mm_err *err)
{
    return execf(s, &m->id, NULL, err, "put outbox",
                 "INSERT INTO outbox(pref,tenant,channel,target,warning,"
                 "severity,created,digest,subject,body,state,attempts,"
                 "next,last_error) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                 "ItttIiIittiiIt", m->pref, m->tenant, m->channel, m->target,
                 m->warning, m->severity, m->created_ms, (int)m->digest,
                 m->subject, m->body, m->state, (int)m->attempts, m->next_ms,
                 m->last_error);
}

static mm_rc outbox_rows(mm_store *s, sqlite3_stmt *st, mm_outbox_fn fn,
                         void *ud, mm_err *err)
{
    mm_outbox_msg *m = malloc(sizeof *m);
    mm_rc rc = m ? MM_OK : mm_err_set(err, MM_ENOMEM, "outbox", 0, "memory");
    int r = SQLITE_DONE;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        memset(m, 0, sizeof *m);
        m->id = sqlite3_column_int64(st, 0);
        m->pref = sqlite3_column_int64(st, 1);
        copy(st, 2, m->tenant, sizeof m->tenant);
        copy(st, 3, m->channel, sizeof m->channel);
        copy(st, 4, m->target, sizeof m->target);
        m->warning = sqlite3_column_int64(st, 5);
        m->severity = sqlite3_column_int(st, 6);
        m->created_ms = sqlite3_column_int64(st, 7);
        m->digest = sqlite3_column_int(st, 8) != 0;
        copy(st, 9, m->subject, sizeof m->subject);
        copy(st, 10, m->body, sizeof m->body);
        m->state = sqlite3_column_int(st, 11);
        m->attempts = (unsigned)sqlite3_column_int(st, 12);
        m->next_ms = sqlite3_column_int64(st, 13);
        copy(st, 14, m->last_error, sizeof m->last_error);
        rc = fn(m, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = fail(s, err, "list outbox");
    free(m);
    sqlite3_finalize(st);
    return rc;
}

#define OUTBOX_COLS MM_HUB_OUTBOX_COLS

mm_rc mm_hub__sq_outbox_due(mm_store *s, int64_t now, mm_outbox_fn fn,
                            void *ud, mm_err *err)
{
    sqlite3_stmt *st;
    mm_rc rc = prepf(s, &st, err,
                     OUTBOX_COLS "WHERE state=1 AND next<=? ORDER BY id "
                                 "LIMIT 100",
                     "I", now);
    return rc == MM_OK ? outbox_rows(s, st, fn, ud, err) : rc;
}

mm_rc mm_hub__sq_outbox_list(mm_store *s, const char *tenant, mm_outbox_fn fn,
                             void *ud, mm_err *err)
{
    sqlite3_stmt *st;
    mm_rc rc = prepf(s, &st, err,
                     OUTBOX_COLS "WHERE ?1 IS NULL OR tenant=?1 ORDER BY id",
                     "n", tenant);
    return rc == MM_OK ? outbox_rows(s, st, fn, ud, err) : rc;
}

mm_rc mm_hub__sq_outbox_mark(mm_store *s, int64_t id, int state,
                             unsigned attempts, int64_t next_ms,
                             const char *last_error, mm_err *err)
{
    /* A row once sent stays sent: a late mark from a stale reader can not
     * make it pending again (never sent twice). */
    return execf(s, NULL, NULL, err, "mark outbox",
                 "UPDATE outbox SET state=?,attempts=?,next=?,last_error=? "
                 "WHERE id=? AND state<>2",
                 "iiItI", state, (int)attempts, next_ms, last_error, id);
}

mm_rc mm_hub__sq_flag_get(mm_store *s, const char *key, int64_t *val,
                          mm_err *err)
{
    sqlite3_stmt *st;
    mm_rc rc =
        prepf(s, &st, err, "SELECT val FROM flags WHERE key=?", "t", key);
    if (rc != MM_OK)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *val = sqlite3_column_int64(st, 0);
    else
        rc = r == SQLITE_DONE ? MM_ENOTFOUND : fail(s, err, "get flag");
    sqlite3_finalize(st);
    return rc;
}

mm_rc mm_hub__sq_flag_put(mm_store *s, const char *key, int64_t val,
                          mm_err *err)
{
    return execf(s, NULL, NULL, err, "put flag",
                 "INSERT INTO flags(key,val) VALUES(?,?) ON CONFLICT(key) "
                 "DO UPDATE SET val=excluded.val",
                 "tI", key, val);
}

mm_rc mm_hub__sq_event_histogram(mm_store *s, const char *tenant,
                                 const char *kind, const char *rule_prefix,
                                 int64_t from_ms, int64_t bucket_ms,
                                 uint64_t *counts, size_t n, mm_err *err)
{
    memset(counts, 0, n * sizeof *counts);
    if (bucket_ms <= 0 || n == 0)
        return MM_OK;
    sqlite3_stmt *st;
    mm_rc rc = prepf(s, &st, err,
                     "SELECT (ts-?4)/?5, count(*) FROM events WHERE ts>=?4 "
                     "AND ts<?6 AND (?1 IS NULL OR tenant=?1) AND (?2 IS NULL "
                     "OR kind=?2) AND (?3 IS NULL OR substr(rule_id,1,"
                     "length(?3))=?3) GROUP BY 1",
                     "nnnIII", tenant, kind, rule_prefix, from_ms, bucket_ms,
                     from_ms + bucket_ms * (int64_t)n);
    if (rc != MM_OK)
        return rc;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t i = sqlite3_column_int64(st, 0);
        if (i >= 0 && (size_t)i < n)
            counts[i] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    if (r != SQLITE_DONE)
        rc = fail(s, err, "count events per day");
    sqlite3_finalize(st);
    return rc;
}

/* ---- SCS requests to experts (scs-request.c) ------------------------------
 */

mm_rc mm_hub__sq_scs_request_put(mm_store *s, mm_hub_scs_request *r,
                                 mm_err *err)
{
    return execf(s, &r->id, NULL, err, "put scs request",
                 "INSERT INTO scs_requests(tenant,expert,created,updated,"
                 "state,target,achieved,message,reason,document) "
                 "VALUES(?,?,?,?,?,?,?,?,?,?)",
                 "ttIIitttts", r->tenant, r->expert, r->created_ms,
                 r->updated_ms, r->state, r->target, r->achieved, r->message,
                 r->reason, r->document ? r->document : "");
}

#define REQ_COLS                                                              \
    "id,tenant,expert,created,updated,state,target,achieved,message,reason"

static void request_row(sqlite3_stmt *st, mm_hub_scs_request *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(st, 0);
    copy(st, 1, r->tenant, sizeof r->tenant);
    copy(st, 2, r->expert, sizeof r->expert);
    r->created_ms = sqlite3_column_int64(st, 3);
    r->updated_ms = sqlite3_column_int64(st, 4);
    r->state = sqlite3_column_int(st, 5);
    copy(st, 6, r->target, sizeof r->target);
    copy(st, 7, r->achieved, sizeof r->achieved);
    copy(st, 8, r->message, sizeof r->message);
    copy(st, 9, r->reason, sizeof r->reason);
}

mm_rc mm_hub__sq_scs_request_get(mm_store *s, int64_t id, bool doc,
                                 mm_hub_scs_request *out, mm_err *err)
{
    sqlite3_stmt *st;
    mm_rc rc = prepf(s, &st, err,
                     "SELECT " REQ_COLS ",document FROM scs_requests "
                     "WHERE id=?",
                     "I", id);
    if (rc != MM_OK)
        return rc;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        request_row(st, out);
        if (doc) {
            const char *d = (const char *)sqlite3_column_text(st, 10);
            out->document_len = (size_t)sqlite3_column_bytes(st, 10);
            out->document = malloc(out->document_len + 1);
            if (!out->document)
                rc = mm_err_set(err, MM_ENOMEM, "scs request", 0,
                                "out of memory");
            else
                memcpy(out->document, d ? d : "", out->document_len + 1);
        }
    } else {
        rc = r == SQLITE_DONE ? MM_ENOTFOUND : fail(s, err, "get scs request");
    }
    sqlite3_finalize(st);
    return rc;
}

mm_rc mm_hub__sq_scs_request_list(
    mm_store *s, const char *tenant, const char *expert,
    mm_rc (*fn)(const mm_hub_scs_request *r, void *ud), void *ud, mm_err *err)
{
    sqlite3_stmt *st;
    mm_rc rc = prepf(s, &st, err,
                     "SELECT " REQ_COLS " FROM scs_requests WHERE (?1 IS "
                     "NULL OR tenant=?1) AND (?2 IS NULL OR expert=?2) ORDER "
                     "BY id DESC",
                     "nn", tenant, expert);
    if (rc != MM_OK)
        return rc;
    mm_hub_scs_request *row = malloc(sizeof *row);
    if (!row)
        rc = mm_err_set(err, MM_ENOMEM, "scs request", 0, "out of memory");
    for (int r = SQLITE_ROW; rc == MM_OK && r == SQLITE_ROW;) {
        r = sqlite3_step(st);
        if (r == SQLITE_ROW) {
            request_row(st, row); /* the row without its document */
            rc = fn(row, ud);
        } else if (r != SQLITE_DONE) {
            rc = fail(s, err, "list scs requests");
        }
    }
    free(row);
    sqlite3_finalize(st);
    return rc;
}

mm_rc mm_hub__sq_scs_request_mark(mm_store *s, int64_t id, int state,
                                  const char *reason, int64_t now_ms,
                                  mm_err *err)
{
    int changed = 0;
    mm_rc rc = execf(s, NULL, &changed, err, "mark scs request",
                     "UPDATE scs_requests SET state=?,reason=?,updated=? "
                     "WHERE id=?",
                     "itII", state, reason, now_ms, id);
    if (rc == MM_OK && changed == 0)
        rc = mm_err_set(err, MM_ENOTFOUND, "scs request", 0, "no request %lld",
                        (long long)id);
    return rc;
}
