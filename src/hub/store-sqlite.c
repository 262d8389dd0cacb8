/* SPDX-License-Identifier: Apache-2.0 */
/* store-sqlite.c — the SQLite back end of mm_store: WAL, synchronous=FULL
 * (every commit fsyncs the log before returning), prepared statements, one
 * transaction per group of batches; for the server, WAL checkpoints run in
 * a background thread on a second connection. */
#include "hub-int.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

enum {
    Q_EVENT_PUT,
    Q_EVENT_ROWID,
    Q_EVENT_SCAN,
    Q_TENANT_PUT,
    Q_TENANT_LIST,
    Q_LINK_PUT,
    Q_LINK_LIST,
    Q_CAMP_INS,
    Q_CAMP_UPD,
    Q_CAMP_LIST,
    Q_HIT_PUT,
    Q_HIT_LIST,
    Q_SEQ_NEXT,
    Q_IND_PUT,
    Q_IND_LIST,
    Q_WARN_PUT,
    Q_WARN_LIST_T,
    Q_WARN_LIST_ALL,
    Q_WARN_DUE,
    Q_WARN_MARK,
    Q_ESC_PUT,
    Q_ESC_LIST,
    Q_HOOK_SET,
    Q_HOOK_DEL,
    Q_HOOK_GET,
    Q_SIOC_PUT,
    Q_SIOC_LIST,
    Q_COUNT
};

static const char *const sql_text[Q_COUNT] = {
    [Q_EVENT_PUT] =
        "INSERT OR IGNORE INTO events(tenant,event_id,kind,ts,rule_id,"
        "severity,src_ip,domain,url_path,users_hash,received,json) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
    [Q_EVENT_ROWID] = "SELECT id FROM events WHERE tenant=? AND event_id=?",
    [Q_EVENT_SCAN] =
        "SELECT tenant,ts,severity,rule_id,src_ip,domain,url_path,users_hash "
        "FROM events WHERE ts >= ? ORDER BY ts",
    [Q_TENANT_PUT] =
        "INSERT INTO tenants(id,name,kind,industry,region,token_hash,ranges) "
        "VALUES(?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
        "name=excluded.name,"
        "kind=excluded.kind,industry=excluded.industry,region=excluded.region,"
        "token_hash=excluded.token_hash,ranges=excluded.ranges",
    [Q_TENANT_LIST] =
        "SELECT id,name,kind,industry,region,token_hash,ranges FROM tenants "
        "ORDER BY id",
    [Q_LINK_PUT] =
        "INSERT INTO links(supplier,customer,disclose) VALUES(?,?,?) "
        "ON CONFLICT(supplier,customer) DO UPDATE SET "
        "disclose=excluded.disclose",
    [Q_LINK_LIST] =
        "SELECT supplier,customer,disclose FROM links ORDER BY 1,2",
    [Q_CAMP_INS] =
        "INSERT INTO campaigns(key_type,key,opened,first_ts,last_ts,tenants,"
        "score,severity,escalated,closed_ts) VALUES(?,?,?,?,?,?,?,?,?,?)",
    [Q_CAMP_UPD] =
        "UPDATE campaigns SET key_type=?,key=?,opened=?,first_ts=?,last_ts=?,"
        "tenants=?,score=?,severity=?,escalated=?,closed_ts=? WHERE id=?",
    [Q_CAMP_LIST] =
        "SELECT "
        "id,key_type,key,opened,first_ts,last_ts,tenants,score,severity,"
        "escalated,closed_ts FROM campaigns ORDER BY id",
    [Q_HIT_PUT] =
        "INSERT INTO campaign_hits(campaign,tenant,first_ts,last_ts,count) "
        "VALUES(?,?,?,?,?) ON CONFLICT(campaign,tenant) DO UPDATE SET "
        "first_ts=min(first_ts,excluded.first_ts),last_ts=max(last_ts,"
        "excluded.last_ts),count=count+excluded.count",
    [Q_HIT_LIST] =
        "SELECT campaign,tenant,first_ts,last_ts,count FROM campaign_hits "
        "WHERE campaign=? ORDER BY first_ts,tenant",
    [Q_SEQ_NEXT] = "SELECT coalesce(max(seq),0)+1 FROM indicators",
    [Q_IND_PUT] =
        "INSERT INTO indicators(type,value,campaign,confidence,first_seen,"
        "last_seen,valid_until,removed,seq) VALUES(?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(type,value) DO UPDATE SET campaign=excluded.campaign,"
        "confidence=excluded.confidence,first_seen=excluded.first_seen,"
        "last_seen=excluded.last_seen,valid_until=excluded.valid_until,"
        "removed=excluded.removed,seq=excluded.seq",
    [Q_IND_LIST] =
        "SELECT seq,type,value,campaign,confidence,first_seen,last_seen,"
        "valid_until,removed FROM indicators WHERE seq > ? ORDER BY seq",
    [Q_WARN_PUT] =
        "INSERT INTO warnings(tenant,campaign,kind,severity,created,text_ja,"
        "text_en,hook_state,hook_attempts,hook_next) "
        "VALUES(?,?,?,?,?,?,?,?,?,?)",
    [Q_WARN_LIST_T] =
        "SELECT id,tenant,campaign,kind,severity,created,text_ja,text_en,"
        "hook_state,hook_attempts,hook_next FROM warnings WHERE tenant=? AND "
        "id > ? ORDER BY id LIMIT 1000",
    [Q_WARN_LIST_ALL] =
        "SELECT id,tenant,campaign,kind,severity,created,text_ja,text_en,"
        "hook_state,hook_attempts,hook_next FROM warnings WHERE id > ? "
        "ORDER BY id",
    [Q_WARN_DUE] =
        "SELECT id,tenant,campaign,kind,severity,created,text_ja,text_en,"
        "hook_state,hook_attempts,hook_next FROM warnings WHERE hook_state=1 "
        "AND hook_next <= ? ORDER BY id LIMIT 100",
    [Q_WARN_MARK] = "UPDATE warnings SET "
                    "hook_state=?,hook_attempts=?,hook_next=? WHERE id=?",
    [Q_ESC_PUT] = "INSERT INTO escalations(campaign,reason,score,created) "
                  "VALUES(?,?,?,?)",
    [Q_ESC_LIST] =
        "SELECT id,campaign,reason,score,created FROM escalations ORDER BY id",
    [Q_HOOK_SET] =
        "INSERT INTO webhooks(tenant,url,secret) VALUES(?,?,?) ON CONFLICT("
        "tenant) DO UPDATE SET url=excluded.url,secret=excluded.secret",
    [Q_HOOK_DEL] = "DELETE FROM webhooks WHERE tenant=?",
    [Q_HOOK_GET] = "SELECT url,secret FROM webhooks WHERE tenant=?",
    [Q_SIOC_PUT] =
        "INSERT OR IGNORE INTO state_iocs(type,value,source) VALUES(?,?,?)",
    [Q_SIOC_LIST] =
        "SELECT type,value,source FROM state_iocs ORDER BY type,value",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS tenants(id TEXT PRIMARY KEY, name TEXT NOT "
    "NULL, kind TEXT NOT NULL CHECK(kind IN ('sme','buyer','critical',"
    "'provider')), industry TEXT NOT NULL DEFAULT '', region TEXT NOT NULL "
    "DEFAULT '', token_hash TEXT NOT NULL UNIQUE, ranges TEXT NOT NULL "
    "DEFAULT '');"
    "CREATE TABLE IF NOT EXISTS links(supplier TEXT NOT NULL REFERENCES "
    "tenants(id), customer TEXT NOT NULL REFERENCES tenants(id), disclose "
    "INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(supplier,customer));"
    "CREATE TABLE IF NOT EXISTS events(id INTEGER PRIMARY KEY, tenant TEXT "
    "NOT NULL, event_id TEXT NOT NULL, kind TEXT NOT NULL, ts INTEGER NOT "
    "NULL, rule_id TEXT NOT NULL DEFAULT '', severity INTEGER NOT NULL "
    "DEFAULT 0, src_ip TEXT NOT NULL DEFAULT '', domain TEXT NOT NULL "
    "DEFAULT '', url_path TEXT NOT NULL DEFAULT '', users_hash INTEGER NOT "
    "NULL DEFAULT 0, received INTEGER NOT NULL, json TEXT NOT NULL, "
    "UNIQUE(tenant,event_id));"
    "CREATE INDEX IF NOT EXISTS events_ts ON events(ts);"
    "CREATE TABLE IF NOT EXISTS campaigns(id INTEGER PRIMARY KEY, key_type "
    "TEXT NOT NULL, key TEXT NOT NULL, opened INTEGER NOT NULL, first_ts "
    "INTEGER NOT NULL, last_ts INTEGER NOT NULL, tenants INTEGER NOT NULL, "
    "score INTEGER NOT NULL, severity INTEGER NOT NULL, escalated INTEGER "
    "NOT NULL DEFAULT 0, UNIQUE(key_type,key));"
    "CREATE TABLE IF NOT EXISTS campaign_hits(campaign INTEGER NOT NULL "
    "REFERENCES campaigns(id), tenant TEXT NOT NULL, first_ts INTEGER NOT "
    "NULL, last_ts INTEGER NOT NULL, count INTEGER NOT NULL, PRIMARY "
    "KEY(campaign,tenant));"
    "CREATE TABLE IF NOT EXISTS indicators(type TEXT NOT NULL, value TEXT "
    "NOT NULL, campaign INTEGER NOT NULL, confidence INTEGER NOT NULL, "
    "first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL, valid_until "
    "INTEGER NOT NULL, removed INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT "
    "NULL, PRIMARY KEY(type,value));"
    "CREATE INDEX IF NOT EXISTS indicators_seq ON indicators(seq);"
    "CREATE TABLE IF NOT EXISTS warnings(id INTEGER PRIMARY KEY, tenant TEXT "
    "NOT NULL, campaign INTEGER NOT NULL, kind TEXT NOT NULL, severity "
    "INTEGER NOT NULL, created INTEGER NOT NULL, text_ja TEXT NOT NULL, "
    "text_en TEXT NOT NULL, hook_state INTEGER NOT NULL DEFAULT 0, "
    "hook_attempts INTEGER NOT NULL DEFAULT 0, hook_next INTEGER NOT NULL "
    "DEFAULT 0);"
    "CREATE INDEX IF NOT EXISTS warnings_tenant ON warnings(tenant,id);"
    "CREATE INDEX IF NOT EXISTS warnings_hook ON warnings(hook_state,"
    "hook_next);"
    "CREATE TABLE IF NOT EXISTS escalations(id INTEGER PRIMARY KEY, campaign "
    "INTEGER NOT NULL, reason TEXT NOT NULL, score INTEGER NOT NULL, created "
    "INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS webhooks(tenant TEXT PRIMARY KEY, url TEXT "
    "NOT NULL, secret TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS state_iocs(type TEXT NOT NULL, value TEXT NOT "
    "NULL, source TEXT NOT NULL, PRIMARY KEY(type,value));";

/* Rows per multi-row event INSERT (put_events), largest first; the last
 * is 1 so any batch size splits into them. */
enum { PUT_CHUNKS = 3, PUT_CHUNK_MAX = 64 };
static const int put_chunk_rows[PUT_CHUNKS] = {PUT_CHUNK_MAX, 8, 1};

typedef struct sq_store {
    mm_store base;
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    sqlite3_stmt *put_rows[PUT_CHUNKS]; /* put_events, by chunk size */
    char path[1024];
    bool in_tx;
    /* background checkpoints (sq_background) */
    sqlite3 *ck;
    pthread_t ck_th;
    pthread_mutex_t ck_mu;
    pthread_cond_t ck_cv;
    bool ck_started, ck_want, ck_stop;
    int ck_wake_frames, ck_inline_frames; /* CK_*_BYTES in pages */
    /* server mode: commits are written with synchronous=NORMAL and made
     * durable by sq_sync (fdatasync of the WAL file) */
    bool deferred;
    int walfd;
    char walpath[1100];
    pthread_mutex_t sync_mu;
    bool console_ready; /* the console tables exist (console section) */
} sq_store;

/* WAL bytes after which the checkpoint thread is woken (SQLite's own
 * auto-checkpoint default of 1000 4 KiB pages), and after which the
 * committing connection checkpoints itself because the thread is falling
 * behind (bounds the log at about 80 MB); counted in frames of the store's
 * page size. */
#define CK_WAKE_BYTES (4000 * 1024)
#define CK_INLINE_BYTES (80000 * 1024)

static mm_rc sq_fail(sq_store *s, mm_err *err, const char *what)
{
    return mm_err_set(err, MM_EIO, s->path, 0, "sqlite %s: %s", what,
                      sqlite3_errmsg(s->db));
}

static sqlite3_stmt *stmt(sq_store *s, int q)
{
    sqlite3_stmt *st = s->q[q];
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

static void bind_text(sqlite3_stmt *st, int i, const char *t)
{
    sqlite3_bind_text(st, i, t ? t : "", -1, SQLITE_STATIC);
}

static void col_copy(sqlite3_stmt *st, int i, char *out, size_t outlen)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    size_t n = t ? strlen((const char *)t) : 0;
    if (n >= outlen)
        n = outlen - 1;
    if (n)
        memcpy(out, t, n);
    out[n] = '\0';
}

static mm_rc sq_exec(sq_store *s, const char *sql, mm_err *err)
{
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        mm_rc rc = mm_err_set(err, MM_EIO, s->path, 0, "sqlite: %s",
                              msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return rc;
    }
    return MM_OK;
}

static void sq_close(mm_store *base)
{
    sq_store *s = (sq_store *)base;
    if (s->ck_started) {
        pthread_mutex_lock(&s->ck_mu);
        s->ck_stop = true;
        pthread_cond_signal(&s->ck_cv);
        pthread_mutex_unlock(&s->ck_mu);
        pthread_join(s->ck_th, NULL);
        pthread_mutex_destroy(&s->ck_mu);
        pthread_cond_destroy(&s->ck_cv);
    }
    if (s->ck)
        sqlite3_close(s->ck);
    if (s->deferred) {
        close(s->walfd);
        pthread_mutex_destroy(&s->sync_mu);
    }
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(s->q[i]);
    for (int i = 0; i < PUT_CHUNKS; i++)
        sqlite3_finalize(s->put_rows[i]);
    sqlite3_close(s->db);
    free(s);
}

static mm_rc sq_begin(mm_store *base, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    mm_rc rc = sq_exec(s, "BEGIN IMMEDIATE", err);
    if (rc == MM_OK)
        s->in_tx = true;
    return rc;
}

static mm_rc sq_commit(mm_store *base, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    mm_rc rc = sq_exec(s, "COMMIT", err);
    if (rc != MM_OK)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = false;
    return rc;
}

static void sq_rollback(mm_store *base)
{
    sq_store *s = (sq_store *)base;
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = false;
}

static mm_rc step_done(sq_store *s, sqlite3_stmt *st, mm_err *err,
                       const char *what)
{
    int r = sqlite3_step(st);
    sqlite3_reset(st);
    if (r != SQLITE_DONE)
        return sq_fail(s, err, what);
    return MM_OK;
}

/* step_done for an INSERT; *id = the new row's id. */
static mm_rc step_insert(sq_store *s, sqlite3_stmt *st, int64_t *id,
                         mm_err *err, const char *what)
{
    mm_rc rc = step_done(s, st, err, what);
    if (rc == MM_OK)
        *id = sqlite3_last_insert_rowid(s->db);
    return rc;
}

/* A caller's row callback and its data, for each_row. */
typedef mm_store_visit visit;

/* Decodes the current row of `st` and hands it to the caller's callback. */
typedef mm_rc (*row_reader)(sqlite3_stmt *st, const visit *v);

/* Hands each row of `st` to `read` until the rows end or the callback stops
 * the walk; the statement is reset either way, and a failed step is
 * reported as "sqlite <what>". */
static mm_rc each_row(sq_store *s, sqlite3_stmt *st, row_reader read,
                      const visit *v, mm_err *err, const char *what)
{
    int r = SQLITE_DONE;
    mm_rc rc = MM_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((rc = read(st, v)) != MM_OK)
            break;
    sqlite3_reset(st);
    if (rc == MM_OK && r != SQLITE_ROW && r != SQLITE_DONE)
        return sq_fail(s, err, what);
    return rc;
}

/* each_row over a statement with at most one parameter, an integer: ?1 =
 * `arg` when it has one. */
static mm_rc list_rows(mm_store *base, int q, int64_t arg, row_reader read,
                       const visit *v, mm_err *err, const char *what)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, q);
    if (sqlite3_bind_parameter_count(st) > 0)
        sqlite3_bind_int64(st, 1, arg);
    return each_row(s, st, read, v, err, what);
}

/* Binds one event's 12 columns at parameters at+1..at+12 of an events
 * INSERT; `ip` holds the source address's text while the statement runs. */
static void bind_event(sqlite3_stmt *st, int at, const char *tenant,
                       const mm_hub_event *ev, int64_t ts, int64_t received,
                       char ip[static 48])
{
    const char *ip_text = ev->src_text; /* the event outlives the step */
    if (!ev->src_text[0] && ev->src.family) {
        mm_addr_format(&ev->src, ip, 48);
        ip_text = ip;
    }
    bind_text(st, at + 1, tenant);
    bind_text(st, at + 2, ev->id);
    bind_text(st, at + 3, ev->alert ? "alert" : "event");
    sqlite3_bind_int64(st, at + 4, ts);
    bind_text(st, at + 5, ev->rule_id);
    sqlite3_bind_int(st, at + 6, ev->severity);
    sqlite3_bind_text(st, at + 7, ip_text, -1, SQLITE_STATIC);
    bind_text(st, at + 8, ev->domain);
    bind_text(st, at + 9, ev->path);
    sqlite3_bind_int64(st, at + 10, (sqlite3_int64)ev->users_hash);
    sqlite3_bind_int64(st, at + 11, received);
    sqlite3_bind_text(st, at + 12, ev->json, (int)ev->json_len, SQLITE_STATIC);
}

static mm_rc sq_put_event(mm_store *base, const char *tenant,
                          const mm_hub_event *ev, int64_t received, bool *dup,
                          mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_EVENT_PUT);
    char ip[48];
    bind_event(st, 0, tenant, ev, ev->ts_ms, received, ip);
    mm_rc rc = step_done(s, st, err, "insert event");
    if (rc != MM_OK)
        return rc;
    *dup = sqlite3_changes(s->db) == 0;
    return MM_OK;
}

/* Prepares the multi-row event INSERTs, one per chunk size. */
static mm_rc prepare_put_rows(sq_store *s, mm_err *err)
{
    enum { ROW_SQL = 28 }; /* ",(?,?,?,?,?,?,?,?,?,?,?,?)" */
    char sql[256 + PUT_CHUNK_MAX * ROW_SQL];
    for (int c = 0; c < PUT_CHUNKS; c++) {
        /* the text of Q_EVENT_PUT up to VALUES, then the row tuples */
        size_t k =
            (size_t)snprintf(sql, sizeof sql, "%.*s",
                             (int)(strstr(sql_text[Q_EVENT_PUT], "VALUES") -
                                   sql_text[Q_EVENT_PUT] + 6),
                             sql_text[Q_EVENT_PUT]);
        for (int r = 0; r < put_chunk_rows[c]; r++)
            k += (size_t)snprintf(sql + k, sizeof sql - k,
                                  "%s(?,?,?,?,?,?,?,?,?,?,?,?)", r ? "," : "");
        if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
                               &s->put_rows[c], NULL) != SQLITE_OK)
            return sq_fail(s, err, "prepare");
    }
    return MM_OK;
}

/* dup[0..n) of a chunk that stored fewer rows than it had. An events id is
 * an INTEGER PRIMARY KEY without AUTOINCREMENT, so SQLite gives each new
 * row max(id)+1 (random ids only once max(id) reaches 2^63-1, which a hub
 * never does): the rows this statement inserted are exactly those with an
 * id above last_insert_rowid()-changes(), every older row (stored before or
 * by an earlier chunk) lies at or below it. Read on this connection inside
 * the open transaction, before any other INSERT. */
static mm_rc chunk_dups(sq_store *s, const char *tenant,
                        const mm_hub_event *ev, size_t n, bool *dup,
                        mm_err *err)
{
    int changes = sqlite3_changes(s->db);
    /* with no change last_insert_rowid may be any table's */
    int64_t first_new =
        changes ? sqlite3_last_insert_rowid(s->db) - changes + 1 : INT64_MAX;
    sqlite3_stmt *st = stmt(s, Q_EVENT_ROWID);
    bind_text(st, 1, tenant);
    for (size_t i = 0; i < n; i++) {
        bind_text(st, 2, ev[i].id);
        int r = sqlite3_step(st);
        int64_t id = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        sqlite3_reset(st);
        if (r != SQLITE_ROW && r != SQLITE_DONE)
            return sq_fail(s, err, "find event");
        dup[i] = id < first_new; /* missing (id 0): ignored, not stored */
        /* a repeated id in the chunk: only its first occurrence went in */
        for (size_t k = 0; k < i && !dup[i]; k++)
            dup[i] = strcmp(ev[k].id, ev[i].id) == 0;
    }
    return MM_OK;
}

/* Stores ev[0..n) with one multi-row INSERT of rows_per statement. */
static mm_rc put_chunk(sq_store *s, int c, const char *tenant,
                       const mm_hub_event *ev, int64_t received,
                       int64_t ts_max, bool *dup, mm_err *err)
{
    sqlite3_stmt *st = s->put_rows[c];
    int n = put_chunk_rows[c];
    char ip[PUT_CHUNK_MAX][48];
    for (int r = 0; r < n; r++)
        bind_event(st, r * 12, tenant, &ev[r],
                   ev[r].ts_ms > ts_max ? received : ev[r].ts_ms, received,
                   ip[r]);
    mm_rc rc = step_done(s, st, err, "insert events");
    if (rc != MM_OK)
        return rc;
    if (sqlite3_changes(s->db) == n) { /* the common case: all new */
        memset(dup, 0, (size_t)n * sizeof *dup);
        return MM_OK;
    }
    return chunk_dups(s, tenant, ev, (size_t)n, dup, err);
}

/* put_events: the batch in chunks of the largest prepared size that fits
 * (a multi-row INSERT stores ~40 % more rows per second than one row per
 * statement; RETURNING would cost ~12 % of it, hence chunk_dups). */
static mm_rc sq_put_events(mm_store *base, const char *tenant,
                           const mm_hub_event *ev, size_t n,
                           int64_t received_ms, int64_t ts_max, bool *dup,
                           mm_err *err)
{
    sq_store *s = (sq_store *)base;
    size_t i = 0;
    mm_rc rc = MM_OK;
    for (int c = 0; c < PUT_CHUNKS && rc == MM_OK; c++)
        for (; rc == MM_OK && n - i >= (size_t)put_chunk_rows[c];
             i += (size_t)put_chunk_rows[c])
            rc = put_chunk(s, c, tenant, ev + i, received_ms, ts_max, dup + i,
                           err);
    return rc;
}

static mm_rc event_row(sqlite3_stmt *st, const visit *v)
{
    mm_event_row row;
    memset(&row, 0, sizeof row);
    row.tenant = (const char *)sqlite3_column_text(st, 0);
    row.ts_ms = sqlite3_column_int64(st, 1);
    row.severity = sqlite3_column_int(st, 2);
    row.rule_id = (const char *)sqlite3_column_text(st, 3);
    const char *ip = (const char *)sqlite3_column_text(st, 4);
    if (ip && *ip)
        mm_addr_parse(ip, strlen(ip), &row.src);
    row.domain = (const char *)sqlite3_column_text(st, 5);
    row.path = (const char *)sqlite3_column_text(st, 6);
    row.users_hash = (uint64_t)sqlite3_column_int64(st, 7);
    return v->fn.event(&row, v->ud);
}

static mm_rc sq_scan_events(mm_store *base, int64_t since, mm_event_row_fn fn,
                            void *ud, mm_err *err)
{
    return list_rows(base, Q_EVENT_SCAN, since, event_row,
                     &(visit){.fn.event = fn, .ud = ud}, err, "scan events");
}

/* Copies tenants' tokens into the tokens table (section at the end). */
static mm_rc sq_token_migrate(sq_store *s, mm_err *err);
static mm_rc sq_campaign_close_migrate(sq_store *s, mm_err *err);

static mm_rc sq_tenant_put(mm_store *base, const mm_tenant *t, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_TENANT_PUT);
    bind_text(st, 1, t->id);
    bind_text(st, 2, t->name);
    bind_text(st, 3, mm_tenant_kind_name(t->kind));
    bind_text(st, 4, t->industry);
    bind_text(st, 5, t->region);
    bind_text(st, 6, t->token_hash);
    bind_text(st, 7, t->ranges);
    mm_rc rc = step_done(s, st, err, "put tenant");
    return rc == MM_OK ? sq_token_migrate(s, err) : rc;
}

static mm_rc tenant_row(sqlite3_stmt *st, const visit *v)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    char kind[16];
    col_copy(st, 0, t.id, sizeof t.id);
    col_copy(st, 1, t.name, sizeof t.name);
    col_copy(st, 2, kind, sizeof kind);
    mm_tenant_kind_from_name(kind, &t.kind);
    col_copy(st, 3, t.industry, sizeof t.industry);
    col_copy(st, 4, t.region, sizeof t.region);
    col_copy(st, 5, t.token_hash, sizeof t.token_hash);
    col_copy(st, 6, t.ranges, sizeof t.ranges);
    return v->fn.tenant(&t, v->ud);
}

static mm_rc sq_tenant_list(mm_store *base, mm_tenant_fn fn, void *ud,
                            mm_err *err)
{
    return list_rows(base, Q_TENANT_LIST, 0, tenant_row,
                     &(visit){.fn.tenant = fn, .ud = ud}, err, "list tenants");
}

static mm_rc sq_link_put(mm_store *base, const mm_link *l, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_LINK_PUT);
    bind_text(st, 1, l->supplier);
    bind_text(st, 2, l->customer);
    sqlite3_bind_int(st, 3, l->disclose ? 1 : 0);
    return step_done(s, st, err, "put link");
}

static mm_rc link_row(sqlite3_stmt *st, const visit *v)
{
    mm_link l;
    col_copy(st, 0, l.supplier, sizeof l.supplier);
    col_copy(st, 1, l.customer, sizeof l.customer);
    l.disclose = sqlite3_column_int(st, 2) != 0;
    return v->fn.link(&l, v->ud);
}

static mm_rc sq_link_list(mm_store *base, mm_link_row_fn fn, void *ud,
                          mm_err *err)
{
    return list_rows(base, Q_LINK_LIST, 0, link_row,
                     &(visit){.fn.link = fn, .ud = ud}, err, "list links");
}

static mm_rc sq_campaign_put(mm_store *base, mm_campaign *c, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, c->id ? Q_CAMP_UPD : Q_CAMP_INS);
    bind_text(st, 1, c->key_type);
    bind_text(st, 2, c->key);
    sqlite3_bind_int64(st, 3, c->opened_ms);
    sqlite3_bind_int64(st, 4, c->first_ts);
    sqlite3_bind_int64(st, 5, c->last_ts);
    sqlite3_bind_int(st, 6, (int)c->tenants);
    sqlite3_bind_int(st, 7, (int)c->score);
    sqlite3_bind_int(st, 8, c->severity);
    sqlite3_bind_int(st, 9, c->escalated ? 1 : 0);
    sqlite3_bind_int64(st, 10, c->closed_ts);
    if (c->id) {
        sqlite3_bind_int64(st, 11, c->id);
        return step_done(s, st, err, "put campaign");
    }
    return step_insert(s, st, &c->id, err, "put campaign");
}

static mm_rc campaign_row(sqlite3_stmt *st, const visit *v)
{
    mm_campaign c;
    memset(&c, 0, sizeof c);
    c.id = sqlite3_column_int64(st, 0);
    col_copy(st, 1, c.key_type, sizeof c.key_type);
    col_copy(st, 2, c.key, sizeof c.key);
    c.opened_ms = sqlite3_column_int64(st, 3);
    c.first_ts = sqlite3_column_int64(st, 4);
    c.last_ts = sqlite3_column_int64(st, 5);
    c.tenants = (unsigned)sqlite3_column_int(st, 6);
    c.score = (unsigned)sqlite3_column_int(st, 7);
    c.severity = sqlite3_column_int(st, 8);
    c.escalated = sqlite3_column_int(st, 9) != 0;
    c.closed_ts = sqlite3_column_int64(st, 10);
    return v->fn.campaign(&c, v->ud);
}

static mm_rc sq_campaign_list(mm_store *base, mm_campaign_fn fn, void *ud,
                              mm_err *err)
{
    return list_rows(base, Q_CAMP_LIST, 0, campaign_row,
                     &(visit){.fn.campaign = fn, .ud = ud}, err,
                     "list campaigns");
}

static mm_rc sq_hit_put(mm_store *base, const mm_hit *h, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_HIT_PUT);
    sqlite3_bind_int64(st, 1, h->campaign);
    bind_text(st, 2, h->tenant);
    sqlite3_bind_int64(st, 3, h->first_ts);
    sqlite3_bind_int64(st, 4, h->last_ts);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)h->count);
    return step_done(s, st, err, "put hit");
}

static mm_rc hit_row(sqlite3_stmt *st, const visit *v)
{
    mm_hit h;
    h.campaign = sqlite3_column_int64(st, 0);
    col_copy(st, 1, h.tenant, sizeof h.tenant);
    h.first_ts = sqlite3_column_int64(st, 2);
    h.last_ts = sqlite3_column_int64(st, 3);
    h.count = (uint64_t)sqlite3_column_int64(st, 4);
    return v->fn.hit(&h, v->ud);
}

static mm_rc sq_hit_list(mm_store *base, int64_t campaign, mm_hit_fn fn,
                         void *ud, mm_err *err)
{
    return list_rows(base, Q_HIT_LIST, campaign, hit_row,
                     &(visit){.fn.hit = fn, .ud = ud}, err, "list hits");
}

static mm_rc sq_indicator_put(mm_store *base, mm_indicator *i, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_SEQ_NEXT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return sq_fail(s, err, "indicator sequence");
    }
    i->seq = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    st = stmt(s, Q_IND_PUT);
    bind_text(st, 1, i->type);
    bind_text(st, 2, i->value);
    sqlite3_bind_int64(st, 3, i->campaign);
    sqlite3_bind_int(st, 4, (int)i->confidence);
    sqlite3_bind_int64(st, 5, i->first_seen);
    sqlite3_bind_int64(st, 6, i->last_seen);
    sqlite3_bind_int64(st, 7, i->valid_until);
    sqlite3_bind_int(st, 8, i->removed ? 1 : 0);
    sqlite3_bind_int64(st, 9, i->seq);
    return step_done(s, st, err, "put indicator");
}

static mm_rc indicator_row(sqlite3_stmt *st, const visit *v)
{
    mm_indicator i;
    i.seq = sqlite3_column_int64(st, 0);
    col_copy(st, 1, i.type, sizeof i.type);
    col_copy(st, 2, i.value, sizeof i.value);
    i.campaign = sqlite3_column_int64(st, 3);
    i.confidence = (unsigned)sqlite3_column_int(st, 4);
    i.first_seen = sqlite3_column_int64(st, 5);
    i.last_seen = sqlite3_column_int64(st, 6);
    i.valid_until = sqlite3_column_int64(st, 7);
    i.removed = sqlite3_column_int(st, 8) != 0;
    return v->fn.indicator(&i, v->ud);
}

static mm_rc sq_indicator_list(mm_store *base, int64_t since,
                               mm_indicator_fn fn, void *ud, mm_err *err)
{
    return list_rows(base, Q_IND_LIST, since, indicator_row,
                     &(visit){.fn.indicator = fn, .ud = ud}, err,
                     "list indicators");
}

static mm_rc sq_warning_put(mm_store *base, mm_warning *w, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_WARN_PUT);
    bind_text(st, 1, w->tenant);
    sqlite3_bind_int64(st, 2, w->campaign);
    bind_text(st, 3, w->kind);
    sqlite3_bind_int(st, 4, w->severity);
    sqlite3_bind_int64(st, 5, w->created_ms);
    bind_text(st, 6, w->text_ja);
    bind_text(st, 7, w->text_en);
    sqlite3_bind_int(st, 8, w->hook_state);
    sqlite3_bind_int(st, 9, (int)w->hook_attempts);
    sqlite3_bind_int64(st, 10, w->hook_next_ms);
    return step_insert(s, st, &w->id, err, "put warning");
}

static mm_rc warning_row(sqlite3_stmt *st, const visit *v)
{
    mm_warning *w = v->w;
    w->id = sqlite3_column_int64(st, 0);
    col_copy(st, 1, w->tenant, sizeof w->tenant);
    w->campaign = sqlite3_column_int64(st, 2);
    col_copy(st, 3, w->kind, sizeof w->kind);
    w->severity = sqlite3_column_int(st, 4);
    w->created_ms = sqlite3_column_int64(st, 5);
    col_copy(st, 6, w->text_ja, sizeof w->text_ja);
    col_copy(st, 7, w->text_en, sizeof w->text_en);
    w->hook_state = sqlite3_column_int(st, 8);
    w->hook_attempts = (unsigned)sqlite3_column_int(st, 9);
    w->hook_next_ms = sqlite3_column_int64(st, 10);
    return v->fn.warning(w, v->ud);
}

static mm_rc warn_rows(sq_store *s, sqlite3_stmt *st, mm_warning_fn fn,
                       void *ud, mm_err *err)
{
    visit v = {.fn.warning = fn, .ud = ud, .w = malloc(sizeof *v.w)};
    if (!v.w) {
        sqlite3_reset(st);
        return mm_err_set(err, MM_ENOMEM, s->path, 0, "out of memory");
    }
    mm_rc rc = each_row(s, st, warning_row, &v, err, "list warnings");
    free(v.w);
    return rc;
}

static mm_rc sq_warning_list(mm_store *base, const char *tenant, int64_t since,
                             mm_warning_fn fn, void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    if (tenant) {
        st = stmt(s, Q_WARN_LIST_T);
        bind_text(st, 1, tenant);
        sqlite3_bind_int64(st, 2, since);
    } else {
        st = stmt(s, Q_WARN_LIST_ALL);
        sqlite3_bind_int64(st, 1, since);
    }
    return warn_rows(s, st, fn, ud, err);
}

static mm_rc sq_warning_hooks_due(mm_store *base, int64_t now,
                                  mm_warning_fn fn, void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_WARN_DUE);
    sqlite3_bind_int64(st, 1, now);
    return warn_rows(s, st, fn, ud, err);
}

static mm_rc sq_warning_hook_mark(mm_store *base, int64_t id, int state,
                                  unsigned attempts, int64_t next_ms,
                                  mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_WARN_MARK);
    sqlite3_bind_int(st, 1, state);
    sqlite3_bind_int(st, 2, (int)attempts);
    sqlite3_bind_int64(st, 3, next_ms);
    sqlite3_bind_int64(st, 4, id);
    return step_done(s, st, err, "mark warning");
}

static mm_rc sq_escalation_put(mm_store *base, mm_escalation *e, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_ESC_PUT);
    sqlite3_bind_int64(st, 1, e->campaign);
    bind_text(st, 2, e->reason);
    sqlite3_bind_int(st, 3, (int)e->score);
    sqlite3_bind_int64(st, 4, e->created_ms);
    return step_insert(s, st, &e->id, err, "put escalation");
}

static mm_rc escalation_row(sqlite3_stmt *st, const visit *v)
{
    mm_escalation e;
    e.id = sqlite3_column_int64(st, 0);
    e.campaign = sqlite3_column_int64(st, 1);
    col_copy(st, 2, e.reason, sizeof e.reason);
    e.score = (unsigned)sqlite3_column_int(st, 3);
    e.created_ms = sqlite3_column_int64(st, 4);
    return v->fn.escalation(&e, v->ud);
}

static mm_rc sq_escalation_list(mm_store *base, mm_escalation_fn fn, void *ud,
                                mm_err *err)
{
    return list_rows(base, Q_ESC_LIST, 0, escalation_row,
                     &(visit){.fn.escalation = fn, .ud = ud}, err,
                     "list escalations");
}

static mm_rc sq_webhook_set(mm_store *base, const char *tenant,
                            const char *url, const char *secret, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    if (!url || !*url) {
        st = stmt(s, Q_HOOK_DEL);
        bind_text(st, 1, tenant);
    } else {
        st = stmt(s, Q_HOOK_SET);
        bind_text(st, 1, tenant);
        bind_text(st, 2, url);
        bind_text(st, 3, secret);
    }
    return step_done(s, st, err, "set webhook");
}

static mm_rc sq_webhook_get(mm_store *base, const char *tenant, char *url,
                            char *secret, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_HOOK_GET);
    bind_text(st, 1, tenant);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        col_copy(st, 0, url, 1024);
        col_copy(st, 1, secret, 128);
        sqlite3_reset(st);
        return MM_OK;
    }
    sqlite3_reset(st);
    if (r == SQLITE_DONE)
        return MM_ENOTFOUND;
    return sq_fail(s, err, "get webhook");
}

static mm_rc sq_stateioc_put(mm_store *base, const mm_stateioc *i, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = stmt(s, Q_SIOC_PUT);
    bind_text(st, 1, i->type);
    bind_text(st, 2, i->value);
    bind_text(st, 3, i->source);
    return step_done(s, st, err, "put state indicator");
}

static mm_rc stateioc_row(sqlite3_stmt *st, const visit *v)
{
    mm_stateioc i;
    col_copy(st, 0, i.type, sizeof i.type);
    col_copy(st, 1, i.value, sizeof i.value);
    col_copy(st, 2, i.source, sizeof i.source);
    return v->fn.stateioc(&i, v->ud);
}

static mm_rc sq_stateioc_list(mm_store *base, mm_stateioc_fn fn, void *ud,
                              mm_err *err)
{
    return list_rows(base, Q_SIOC_LIST, 0, stateioc_row,
                     &(visit){.fn.stateioc = fn, .ud = ud}, err,
                     "list state indicators");
}

static int64_t count_of(sq_store *s, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static mm_rc sq_stats(mm_store *base, mm_store_stats *o, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    (void)err;
    memset(o, 0, sizeof *o);
    /* max(id) is exact for the rowid table and O(1); events are never
     * deleted. */
    o->events =
        (uint64_t)count_of(s, "SELECT coalesce(max(id),0) FROM events");
    o->campaigns = (uint64_t)count_of(s, "SELECT count(*) FROM campaigns");
    o->warnings =
        (uint64_t)count_of(s, "SELECT coalesce(max(id),0) FROM warnings");
    o->indicators = (uint64_t)count_of(
        s, "SELECT count(*) FROM indicators WHERE removed=0");
    o->escalations = (uint64_t)count_of(s, "SELECT count(*) FROM escalations");
    o->max_ts = count_of(s, "SELECT coalesce(max(ts),0) FROM events");
    struct stat sb;
    char wal[1100];
    if (stat(s->path, &sb) == 0)
        o->size_bytes += (uint64_t)sb.st_size;
    snprintf(wal, sizeof wal, "%s-wal", s->path);
    if (stat(wal, &sb) == 0)
        o->size_bytes += (uint64_t)sb.st_size;
    return MM_OK;
}

/* Called by SQLite after every commit with the frames now in the WAL; it
 * replaces the inline auto-checkpoint. */
static int sq_wal_hook(void *ud, sqlite3 *db, const char *name, int frames)
{
    sq_store *s = ud;
    if (frames >= s->ck_inline_frames) {
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                  NULL);
    } else if (frames >= s->ck_wake_frames) {
        pthread_mutex_lock(&s->ck_mu);
        s->ck_want = true;
        pthread_cond_signal(&s->ck_cv);
        pthread_mutex_unlock(&s->ck_mu);
    }
    return SQLITE_OK;
}

static void *sq_ck_main(void *arg)
{
    sq_store *s = arg;
    pthread_mutex_lock(&s->ck_mu);
    for (;;) {
        while (!s->ck_want && !s->ck_stop)
            pthread_cond_wait(&s->ck_cv, &s->ck_mu);
        if (s->ck_stop)
            break;
        s->ck_want = false;
        pthread_mutex_unlock(&s->ck_mu);
        /* PASSIVE: copies what no reader still needs, never blocks the
         * writer; syncs the WAL, then the database (synchronous=FULL) */
        sqlite3_wal_checkpoint_v2(s->ck, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL,
                                  NULL);
        pthread_mutex_lock(&s->ck_mu);
    }
    pthread_mutex_unlock(&s->ck_mu);
    return NULL;
}

static mm_rc sq_background(mm_store *base, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    if (s->ck_started)
        return MM_OK;
    if (sqlite3_open_v2(s->path, &s->ck,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        sqlite3_exec(s->ck, "PRAGMA synchronous=FULL", NULL, NULL, NULL) !=
            SQLITE_OK) {
        mm_rc rc = mm_err_set(err, MM_EIO, s->path, 0,
                              "cannot open the checkpoint connection: %s",
                              s->ck ? sqlite3_errmsg(s->ck) : "no memory");
        sqlite3_close(s->ck);
        s->ck = NULL;
        return rc;
    }
    sqlite3_busy_timeout(s->ck, 10000);
    pthread_mutex_init(&s->ck_mu, NULL);
    pthread_cond_init(&s->ck_cv, NULL);
    if (pthread_create(&s->ck_th, NULL, sq_ck_main, s) != 0) {
        pthread_mutex_destroy(&s->ck_mu);
        pthread_cond_destroy(&s->ck_cv);
        sqlite3_close(s->ck);
        s->ck = NULL;
        return mm_err_set(err, MM_EINTERNAL, s->path, 0,
                          "cannot start a thread");
    }
    s->ck_started = true;
    int64_t page = count_of(s, "PRAGMA page_size");
    page = page > 0 ? page : 4096;
    s->ck_wake_frames = (int)(CK_WAKE_BYTES / page);
    s->ck_inline_frames = (int)(CK_INLINE_BYTES / page);
    sqlite3_wal_hook(s->db, sq_wal_hook, s);
    /* commits stop waiting for the disk only when the WAL file can be
     * flushed here; otherwise they stay synchronous=FULL */
    snprintf(s->walpath, sizeof s->walpath, "%s-wal", s->path);
    s->walfd = open(s->walpath, O_RDWR | O_CLOEXEC);
    if (s->walfd >= 0) {
        if (sq_exec(s, "PRAGMA synchronous=NORMAL", err) != MM_OK) {
            close(s->walfd);
            return MM_EIO;
        }
        pthread_mutex_init(&s->sync_mu, NULL);
        s->deferred = true;
    }
    return MM_OK;
}

/* Makes every commit so far durable: WAL frames are appended (or, after a
 * checkpoint, rewritten from the start) in commit order, so one fdatasync
 * of the file covers them all; recovery replays the WAL up to its last
 * valid commit. Checkpointed frames are already synced in the database by
 * the checkpoint. */
static mm_rc sq_sync(mm_store *base, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    if (!s->deferred)
        return MM_OK;
    mm_rc rc = MM_OK;
    pthread_mutex_lock(&s->sync_mu);
    struct stat a, b;
    if (stat(s->walpath, &a) == 0 && fstat(s->walfd, &b) == 0 &&
        (a.st_ino != b.st_ino || a.st_dev != b.st_dev)) {
        /* the WAL file was replaced (not while SQLite keeps it open, but
         * never flush a stale file) */
        int fd = open(s->walpath, O_RDWR | O_CLOEXEC);
        if (fd >= 0) {
            close(s->walfd);
            s->walfd = fd;
        }
    }
    if (fdatasync(s->walfd) != 0)
        rc = mm_err_set(err, MM_EIO, s->walpath, 0, "cannot flush the log: %s",
                        strerror(errno));
    pthread_mutex_unlock(&s->sync_mu);
    return rc;
}

/* SCS buyer view: defined in the section at the end of this file. */
static mm_rc sq_scs_requirement_put(mm_store *base, const char *buyer,
                                    const char *supplier, int level,
                                    int64_t set_ms, mm_err *err);
static mm_rc sq_scs_requirement_get(mm_store *base, const char *buyer,
                                    const char *supplier, int *level,
                                    int64_t *set_ms, mm_err *err);
static mm_rc sq_scs_confirmation_put(mm_store *base,
                                     const mm_hub_scs_confirmation *c,
                                     mm_err *err);
static mm_rc sq_scs_confirmation_latest(mm_store *base, const char *supplier,
                                        mm_hub_scs_confirmation *out,
                                        mm_err *err);

/* Event counts for tools: defined in the section at the end of this file. */
static mm_rc sq_event_count(mm_store *base, const char *tenant,
                            const char *kind, const char *src_ip, uint64_t *n,
                            mm_err *err);

/* Tokens, quotas, retention, probe: the section at the end of this file. */
static mm_rc sq_token_put(mm_store *base, const mm_token *t, mm_err *err);
static mm_rc sq_token_get(mm_store *base, const char *hash, const char *id,
                          mm_token *out, mm_err *err);
static mm_rc sq_token_list(mm_store *base, const char *tenant,
                           mm_rc (*fn)(const mm_token *t, void *ud), void *ud,
                           mm_err *err);
static mm_rc sq_token_touch(mm_store *base, const char *id, int64_t now,
                            mm_err *err);
static mm_rc sq_tenant_usage(mm_store *base, mm_usage_fn fn, void *ud,
                             mm_err *err);
static mm_rc sq_events_prune(mm_store *base, int64_t before, mm_usage_fn fn,
                             void *ud, mm_err *err);
static mm_rc sq_probe(mm_store *base, mm_err *err);

/* SCS evidence: defined in the section at the end of this file. */
static mm_rc sq_tenant_events(mm_store *base, const char *tenant,
                              int64_t since_ms, int64_t until_ms,
                              mm_tenant_event_fn fn, void *ud, mm_err *err);
/* SCS chain of trust: defined in the section at the end of this file. */
static mm_rc sq_scs_registrant_put(mm_store *base, const mm_hub_registrant *r,
                                   mm_err *err);
static mm_rc sq_scs_registrant_by_key(mm_store *base, int role,
                                      const char *public_key,
                                      mm_hub_registrant *out, mm_err *err);
static mm_rc sq_scs_registrant_list(mm_store *base, int role,
                                    mm_hub_registrant_fn fn, void *ud,
                                    mm_err *err);

/* Accounts, sessions and alert triage: the console section at the end. */
static mm_rc sq_user_put(mm_store *base, const mm_hub_user *u, mm_err *err);
static mm_rc sq_user_get(mm_store *base, const char *name, mm_hub_user *out,
                         mm_err *err);
static mm_rc sq_user_list(mm_store *base, mm_hub_user_fn fn, void *ud,
                          mm_err *err);
static mm_rc sq_user_del(mm_store *base, const char *name, mm_err *err);
static mm_rc sq_provider_link_put(mm_store *base, const char *provider,
                                  const char *sme, mm_err *err);
static mm_rc sq_provider_link_list(mm_store *base, const char *provider,
                                   mm_link_row_fn fn, void *ud, mm_err *err);
static mm_rc sq_session_put(mm_store *base, const mm_hub_session *se,
                            mm_err *err);
static mm_rc sq_session_get(mm_store *base, const char *id_hash,
                            mm_hub_session *out, mm_err *err);
static mm_rc sq_session_touch(mm_store *base, const char *id_hash,
                              int64_t last_ms, mm_err *err);
static mm_rc sq_session_del(mm_store *base, const char *id_hash, mm_err *err);
static mm_rc sq_alert_list(mm_store *base, const mm_hub_alert_filter *f,
                           mm_hub_alert_fn fn, void *ud, mm_err *err);
static mm_rc sq_alert_state_set(mm_store *base, int64_t id, const char *status,
                                const char *assignee, int64_t now_ms,
                                mm_err *err);
static mm_rc sq_audit_put(mm_store *base, const mm_hub_audit *a, mm_err *err);
static mm_rc sq_audit_list(mm_store *base, const char *kind, int64_t ref,
                           mm_hub_audit_fn fn, void *ud, mm_err *err);

static mm_rc sq_case_put(mm_store *base, mm_hub_case *c, mm_err *err);
static mm_rc sq_case_list(mm_store *base, int64_t id, const char *tenant,
                          const char *status, int64_t alert, mm_hub_case_fn fn,
                          void *ud, mm_err *err);
static mm_rc sq_case_step_put(mm_store *base, const mm_hub_case_step *cs,
                              mm_err *err);
static mm_rc sq_case_step_list(mm_store *base, int64_t id,
                               mm_hub_case_step_fn fn, void *ud, mm_err *err);
static mm_rc sq_dispatch_put(mm_store *base, mm_hub_dispatch *d, mm_err *err);
static mm_rc sq_dispatch_list(mm_store *base, int64_t id,
                              mm_hub_dispatch_fn fn, void *ud, mm_err *err);
static mm_rc sq_alert_summary(mm_store *base, const char *tenant,
                              int64_t from_ms, int64_t to_ms, uint64_t *alerts,
                              uint64_t *closed, int64_t *last_received,
                              mm_err *err);

static const mm_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .put_event = sq_put_event,
    .put_events = sq_put_events,
    .scan_events = sq_scan_events,
    .tenant_put = sq_tenant_put,
    .tenant_list = sq_tenant_list,
    .link_put = sq_link_put,
    .link_list = sq_link_list,
    .campaign_put = sq_campaign_put,
    .campaign_list = sq_campaign_list,
    .hit_put = sq_hit_put,
    .hit_list = sq_hit_list,
    .indicator_put = sq_indicator_put,
    .indicator_list = sq_indicator_list,
    .warning_put = sq_warning_put,
    .warning_list = sq_warning_list,
    .warning_hooks_due = sq_warning_hooks_due,
    .warning_hook_mark = sq_warning_hook_mark,
    .escalation_put = sq_escalation_put,
    .escalation_list = sq_escalation_list,
    .webhook_set = sq_webhook_set,
    .webhook_get = sq_webhook_get,
    .stateioc_put = sq_stateioc_put,
    .stateioc_list = sq_stateioc_list,
    .stats = sq_stats,
    .background = sq_background,
    .sync = sq_sync,
    .notify_pref_put = mm_hub__sq_notify_pref_put,
    .notify_pref_del = mm_hub__sq_notify_pref_del,
    .notify_pref_list = mm_hub__sq_notify_pref_list,
    .outbox_put = mm_hub__sq_outbox_put,
    .outbox_due = mm_hub__sq_outbox_due,
    .user_put = sq_user_put,
    .user_get = sq_user_get,
    .user_list = sq_user_list,
    .user_del = sq_user_del,
    .provider_link_put = sq_provider_link_put,
    .provider_link_list = sq_provider_link_list,
    .session_put = sq_session_put,
    .session_get = sq_session_get,
    .session_touch = sq_session_touch,
    .session_del = sq_session_del,
    .alert_list = sq_alert_list,
    .alert_state_set = sq_alert_state_set,
    .audit_put = sq_audit_put,
    .audit_list = sq_audit_list,
    .scs_registrant_put = sq_scs_registrant_put,
    .scs_registrant_by_key = sq_scs_registrant_by_key,
    .scs_registrant_list = sq_scs_registrant_list,
    .outbox_list = mm_hub__sq_outbox_list,
    .outbox_mark = mm_hub__sq_outbox_mark,
    .flag_get = mm_hub__sq_flag_get,
    .flag_put = mm_hub__sq_flag_put,
    .event_histogram = mm_hub__sq_event_histogram,
    .scs_requirement_put = sq_scs_requirement_put,
    .scs_requirement_get = sq_scs_requirement_get,
    .scs_confirmation_put = sq_scs_confirmation_put,
    .scs_confirmation_latest = sq_scs_confirmation_latest,
    .event_count = sq_event_count,
    .token_put = sq_token_put,
    .token_get = sq_token_get,
    .token_list = sq_token_list,
    .token_touch = sq_token_touch,
    .tenant_usage = sq_tenant_usage,
    .events_prune = sq_events_prune,
    .probe = sq_probe,
    .case_put = sq_case_put,
    .case_list = sq_case_list,
    .case_step_put = sq_case_step_put,
    .case_step_list = sq_case_step_list,
    .dispatch_put = sq_dispatch_put,
    .dispatch_list = sq_dispatch_list,
    .alert_summary = sq_alert_summary,
    .tenant_events = sq_tenant_events,
    .dataset_events = mm_hub__sq_dataset_events,
    .scs_answers_put = mm_hub__sq_scs_answers_put,
    .scs_answers_get = mm_hub__sq_scs_answers_get,
    .scs_request_put = mm_hub__sq_scs_request_put,
    .scs_request_get = mm_hub__sq_scs_request_get,
    .scs_request_list = mm_hub__sq_scs_request_list,
    .scs_request_mark = mm_hub__sq_scs_request_mark,
};

mm_rc mm_store_sqlite_open(const char *path, mm_store **out, mm_err *err)
{
    *out = NULL;
    /* No memory statistics: they take a global mutex on every SQLite
     * allocation (several per inserted row). Only possible before SQLite
     * starts; later calls are refused (SQLITE_MISUSE) and change nothing. */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sq_store *s = calloc(1, sizeof *s);
    if (!s)
        return mm_err_set(err, MM_ENOMEM, path, 0, "out of memory");
    s->base.ops = &sqlite_ops;
    snprintf(s->path, sizeof s->path, "%s", path);
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        mm_rc rc = mm_err_set(err, MM_EIO, path, 0, "cannot open store: %s",
                              s->db ? sqlite3_errmsg(s->db) : "no memory");
        sqlite3_close(s->db);
        free(s);
        return rc;
    }
    sqlite3_busy_timeout(s->db, 10000);
    /* 16 KiB pages for a new store (an existing one keeps its size): a
     * batch dirties fewer pages and the WAL takes fewer frames, +10 %
     * rows/s for the hub's batch insert (measured against 4 KiB) */
    mm_rc rc = sq_exec(s,
                       "PRAGMA page_size=16384;"
                       "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                       "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;"
                       "PRAGMA cache_size=-65536;",
                       err);
    if (rc == MM_OK)
        rc = sq_exec(s, schema, err);
    if (rc == MM_OK)
        rc = sq_token_migrate(s, err);
    if (rc == MM_OK)
        rc = sq_campaign_close_migrate(s, err);
    if (rc == MM_OK)
        rc = mm_hub__sq_migrate(s->db, s->path, err);
    for (int i = 0; rc == MM_OK && i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(s->db, sql_text[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &s->q[i],
                               NULL) != SQLITE_OK)
            rc = sq_fail(s, err, "prepare");
    if (rc == MM_OK)
        rc = prepare_put_rows(s, err);
    if (rc != MM_OK) {
        sq_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return MM_OK;
}

mm_rc mm_store_open(const char *uri, mm_store **out, mm_err *err)
{
    if (strncmp(uri, "sqlite:", 7) == 0)
        return mm_store_sqlite_open(uri + 7, out, err);
    if (mm_store_is_pg(uri))
        return mm_store_pg_open(uri, out, err);
    if (strstr(uri, "://"))
        return mm_err_set(err, MM_EINVAL, uri, 0,
                          "unknown store scheme (this build has sqlite: "
                          "and postgresql://)");
    return mm_store_sqlite_open(uri, out, err);
}

/* ---- SCS buyer view: requirements and confirmations ------------------------
 * Own tables, created on first use (so opening a store stays as it was);
 * statements are prepared per call: these are rare, operator-speed calls. */

static const char scs_schema[] =
    "CREATE TABLE IF NOT EXISTS scs_requirements(buyer TEXT NOT NULL, "
    "supplier TEXT NOT NULL, level TEXT NOT NULL CHECK(level IN ('★3','★4')), "
    "set_at INTEGER NOT NULL, PRIMARY KEY(buyer,supplier));"
    "CREATE TABLE IF NOT EXISTS scs_confirmations(id INTEGER PRIMARY KEY, "
    "supplier TEXT NOT NULL, received_at INTEGER NOT NULL, achieved TEXT NOT "
    "NULL CHECK(achieved IN ('★3','★4','none')), target TEXT NOT NULL, "
    "expert_name TEXT NOT NULL, registration_no TEXT NOT NULL, "
    "confirmed_date TEXT NOT NULL, catalogue_version TEXT NOT NULL, "
    "public_key TEXT NOT NULL, document TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS scs_confirmations_supplier ON "
    "scs_confirmations(supplier,confirmed_date,id);"
    "CREATE TABLE IF NOT EXISTS scs_confirmation_trust(confirmation INTEGER "
    "PRIMARY KEY, valid_until TEXT NOT NULL, assessor_name TEXT NOT NULL, "
    "assessor_id TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS scs_registry(role INTEGER NOT NULL, id TEXT "
    "NOT NULL, name TEXT NOT NULL, public_key TEXT NOT NULL, valid_from TEXT "
    "NOT NULL, valid_until TEXT NOT NULL, region TEXT NOT NULL, industries "
    "TEXT NOT NULL, themes TEXT NOT NULL, contact TEXT NOT NULL, added_at "
    "INTEGER NOT NULL, PRIMARY KEY(role,id));"
    "CREATE INDEX IF NOT EXISTS scs_registry_key ON "
    "scs_registry(role,public_key);";

static const char *scs_level_text(int level)
{
    return level == 4 ? "★4" : level == 3 ? "★3" : "none";
}

static int scs_level_of(const unsigned char *t)
{
    if (!t)
        return 0;
    return strcmp((const char *)t, "★4") == 0   ? 4
           : strcmp((const char *)t, "★3") == 0 ? 3
                                                : 0;
}

/* Creates the tables when missing and prepares `sql`. */
static mm_rc scs_prepare(sq_store *s, const char *sql, sqlite3_stmt **st,
                         mm_err *err)
{
    mm_rc rc = sq_exec(s, scs_schema, err);
    if (rc != MM_OK)
        return rc;
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "prepare (scs)");
    return MM_OK;
}

static mm_rc sq_scs_requirement_put(mm_store *base, const char *buyer,
                                    const char *supplier, int level,
                                    int64_t set_ms, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc =
        scs_prepare(s,
                    "INSERT INTO scs_requirements(buyer,supplier,level,"
                    "set_at) VALUES(?,?,?,?) ON CONFLICT(buyer,supplier) "
                    "DO UPDATE SET level=excluded.level,"
                    "set_at=excluded.set_at",
                    &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, buyer);
    bind_text(st, 2, supplier);
    bind_text(st, 3, scs_level_text(level));
    sqlite3_bind_int64(st, 4, set_ms);
    rc = step_done(s, st, err, "put scs requirement");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_scs_requirement_get(mm_store *base, const char *buyer,
                                    const char *supplier, int *level,
                                    int64_t *set_ms, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = scs_prepare(s,
                           "SELECT level,set_at FROM scs_requirements WHERE "
                           "buyer=? AND supplier=?",
                           &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, buyer);
    bind_text(st, 2, supplier);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *level = scs_level_of(sqlite3_column_text(st, 0));
        if (set_ms)
            *set_ms = sqlite3_column_int64(st, 1);
    } else if (r == SQLITE_DONE) {
        rc = MM_ENOTFOUND;
    } else {
        rc = sq_fail(s, err, "get scs requirement");
    }
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_scs_confirmation_put(mm_store *base,
                                     const mm_hub_scs_confirmation *c,
                                     mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc =
        scs_prepare(s,
                    "INSERT INTO scs_confirmations(supplier,received_at,"
                    "achieved,target,expert_name,registration_no,"
                    "confirmed_date,catalogue_version,public_key,"
                    "document) VALUES(?,?,?,?,?,?,?,?,?,?)",
                    &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, c->supplier);
    sqlite3_bind_int64(st, 2, c->received_ms);
    bind_text(st, 3, scs_level_text(c->achieved));
    bind_text(st, 4, scs_level_text(c->target));
    bind_text(st, 5, c->expert_name);
    bind_text(st, 6, c->registration_no);
    bind_text(st, 7, c->confirmed_date);
    bind_text(st, 8, c->catalogue_version);
    bind_text(st, 9, c->public_key);
    sqlite3_bind_text(st, 10, c->document ? c->document : "",
                      c->document ? (int)c->document_len : 0, SQLITE_STATIC);
    rc = step_done(s, st, err, "put scs confirmation");
    sqlite3_finalize(st);
    if (rc != MM_OK)
        return rc;
    /* what the chain of trust established, next to the row */
    rc = scs_prepare(s,
                     "INSERT INTO scs_confirmation_trust(confirmation,"
                     "valid_until,assessor_name,assessor_id) VALUES(?,?,?,?)",
                     &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, sqlite3_last_insert_rowid(s->db));
    bind_text(st, 2, c->valid_until);
    bind_text(st, 3, c->assessor_name);
    bind_text(st, 4, c->assessor_id);
    rc = step_done(s, st, err, "put scs confirmation trust");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_scs_confirmation_latest(mm_store *base, const char *supplier,
                                        mm_hub_scs_confirmation *out,
                                        mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc =
        scs_prepare(s,
                    "SELECT supplier,received_at,achieved,target,"
                    "expert_name,registration_no,confirmed_date,"
                    "catalogue_version,public_key,t.valid_until,"
                    "t.assessor_name,t.assessor_id FROM scs_confirmations "
                    "LEFT JOIN scs_confirmation_trust t ON "
                    "t.confirmation=scs_confirmations.id "
                    "WHERE supplier=? ORDER BY confirmed_date DESC, id "
                    "DESC LIMIT 1",
                    &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, supplier);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        col_copy(st, 0, out->supplier, sizeof out->supplier);
        out->received_ms = sqlite3_column_int64(st, 1);
        out->achieved = scs_level_of(sqlite3_column_text(st, 2));
        out->target = scs_level_of(sqlite3_column_text(st, 3));
        col_copy(st, 4, out->expert_name, sizeof out->expert_name);
        col_copy(st, 5, out->registration_no, sizeof out->registration_no);
        col_copy(st, 6, out->confirmed_date, sizeof out->confirmed_date);
        col_copy(st, 7, out->catalogue_version, sizeof out->catalogue_version);
        col_copy(st, 8, out->public_key, sizeof out->public_key);
        col_copy(st, 9, out->valid_until, sizeof out->valid_until);
        col_copy(st, 10, out->assessor_name, sizeof out->assessor_name);
        col_copy(st, 11, out->assessor_id, sizeof out->assessor_id);
    } else if (r == SQLITE_DONE) {
        rc = MM_ENOTFOUND;
    } else {
        rc = sq_fail(s, err, "get scs confirmation");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- event counts for tools (mamori demo) ---------------------------------
 * Prepared per call, like the SCS section: an operator-speed query. */

static mm_rc sq_event_count(mm_store *base, const char *tenant,
                            const char *kind, const char *src_ip, uint64_t *n,
                            mm_err *err)
{
    sq_store *s = (sq_store *)base;
    static const char sql[] =
        "SELECT count(*) FROM events WHERE (?1 IS NULL OR tenant=?1) AND "
        "(?2 IS NULL OR kind=?2) AND (?3 IS NULL OR src_ip=?3)";
    sqlite3_stmt *st = NULL;
    *n = 0;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "count events");
    const char *args[3] = {tenant, kind, src_ip};
    for (int i = 0; i < 3; i++)
        if (args[i])
            sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    mm_rc rc = MM_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(st, 0);
    else
        rc = sq_fail(s, err, "count events");
    sqlite3_finalize(st);
    return rc;
}

/* ---- tokens, quotas, retention, health probe -------------------------------
 * Tokens have their own table; every tenant's token from before (the
 * tenants.token_hash column, still written by `tenant add`) is copied into
 * it as upload+feed+read without expiry, at open and after each tenant
 * put. Statements are prepared per call: a few per request at most. */

static const char token_schema[] =
    "CREATE TABLE IF NOT EXISTS tokens(id TEXT PRIMARY KEY, tenant TEXT NOT "
    "NULL, hash TEXT NOT NULL UNIQUE, scopes INTEGER NOT NULL, created "
    "INTEGER NOT NULL DEFAULT 0, expires INTEGER NOT NULL DEFAULT 0, "
    "revoked INTEGER NOT NULL DEFAULT 0, last_used INTEGER NOT NULL DEFAULT "
    "0);"
    "CREATE INDEX IF NOT EXISTS tokens_tenant ON tokens(tenant,created);"
    "CREATE TABLE IF NOT EXISTS health_probe(id INTEGER PRIMARY KEY, at "
    "INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO tokens(id,tenant,hash,scopes) SELECT 'tk_' || "
    "substr(token_hash,1,16), id, token_hash, 7 FROM tenants WHERE "
    "token_hash NOT IN (SELECT hash FROM tokens);";

static mm_rc sq_token_migrate(sq_store *s, mm_err *err)
{
    return sq_exec(s, token_schema, err);
}

static mm_rc sq_token_put(mm_store *base, const mm_token *t, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db,
            "INSERT INTO tokens(id,tenant,hash,scopes,created,expires,"
            "revoked,last_used) VALUES(?,?,?,?,?,?,?,?) ON CONFLICT(id) DO "
            "UPDATE SET scopes=excluded.scopes,expires=excluded.expires,"
            "revoked=excluded.revoked,last_used=excluded.last_used",
            -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "put token");
    bind_text(st, 1, t->id);
    bind_text(st, 2, t->tenant);
    bind_text(st, 3, t->hash);
    const int64_t v[] = {t->scopes, t->created_ms, t->expires_ms,
                         t->revoked_ms, t->last_used_ms};
    for (int i = 0; i < 5; i++)
        sqlite3_bind_int64(st, 4 + i, v[i]);
    mm_rc rc = step_done(s, st, err, "put token");
    sqlite3_finalize(st);
    return rc;
}

static void token_from_row(sqlite3_stmt *st, mm_token *t)
{
    memset(t, 0, sizeof *t);
    col_copy(st, 0, t->id, sizeof t->id);
    col_copy(st, 1, t->tenant, sizeof t->tenant);
    col_copy(st, 2, t->hash, sizeof t->hash);
    t->scopes = (unsigned)sqlite3_column_int(st, 3);
    t->created_ms = sqlite3_column_int64(st, 4);
    t->expires_ms = sqlite3_column_int64(st, 5);
    t->revoked_ms = sqlite3_column_int64(st, 6);
    t->last_used_ms = sqlite3_column_int64(st, 7);
}

#define TOKEN_COLS "id,tenant,hash,scopes,created,expires,revoked,last_used"

static mm_rc sq_token_get(mm_store *base, const char *hash, const char *id,
                          mm_token *out, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db,
            hash ? "SELECT " TOKEN_COLS " FROM tokens WHERE hash=?"
                 : "SELECT " TOKEN_COLS " FROM tokens WHERE id=?",
            -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "get token");
    bind_text(st, 1, hash ? hash : id);
    int r = sqlite3_step(st);
    mm_rc rc = MM_OK;
    if (r == SQLITE_ROW)
        token_from_row(st, out);
    else if (r == SQLITE_DONE)
        rc = mm_err_set(err, MM_ENOTFOUND, "<token>", 0, "no such token");
    else
        rc = sq_fail(s, err, "get token");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_token_list(mm_store *base, const char *tenant,
                           mm_rc (*fn)(const mm_token *t, void *ud), void *ud,
                           mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " TOKEN_COLS " FROM tokens WHERE ?1 IS "
                           "NULL OR tenant=?1 ORDER BY tenant,created,id",
                           -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "list tokens");
    if (tenant)
        bind_text(st, 1, tenant);
    mm_rc rc = MM_OK;
    int r;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        mm_token t;
        token_from_row(st, &t);
        rc = fn(&t, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list tokens");
    sqlite3_finalize(st);
    return rc;
}

/* Runs one statement with an optional int64 and text parameter. */
static mm_rc sq_run(sq_store *s, const char *sql, int64_t i1, const char *t2,
                    mm_err *err, const char *what)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, err, what);
    sqlite3_bind_int64(st, 1, i1);
    if (t2)
        bind_text(st, 2, t2);
    mm_rc rc = step_done(s, st, err, what);
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_token_touch(mm_store *base, const char *id, int64_t now,
                            mm_err *err)
{
    return sq_run((sq_store *)base, "UPDATE tokens SET last_used=? WHERE id=?",
                  now, id, err, "touch token");
}

/* Rows of (tenant, bytes) to fn. */
static mm_rc usage_rows(sq_store *s, const char *sql, int64_t arg,
                        mm_usage_fn fn, void *ud, mm_err *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "usage");
    sqlite3_bind_int64(st, 1, arg);
    mm_rc rc = MM_OK;
    int r;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn((const char *)sqlite3_column_text(st, 0),
                (uint64_t)sqlite3_column_int64(st, 1), ud);
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "usage");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_tenant_usage(mm_store *base, mm_usage_fn fn, void *ud,
                             mm_err *err)
{
    return usage_rows((sq_store *)base,
                      "SELECT tenant,sum(length(json)) FROM events WHERE ?1 "
                      "= ?1 GROUP BY tenant",
                      0, fn, ud, err);
}

/* Retention by arrival: rows are numbered in the order they arrived, so
 * the first row received at or after `before` bounds the old ones (found by
 * a scan that stops there; no index on received is needed on the ingest
 * path), and the delete is a rowid range. An alert an open case points at
 * stays (the case needs its evidence); the triage state of the deleted
 * alerts goes with them, the audit trail stays as history. */
#define PRUNE_BOUND                                                           \
    "coalesce((SELECT min(id) FROM events WHERE received >= ?1),(SELECT "     \
    "max(id)+1 FROM events))"
#define PRUNE_KEEP "NOT IN (SELECT alert FROM cases WHERE status='open')"

static mm_rc console_tables(sq_store *s, mm_err *err);

static mm_rc sq_events_prune(mm_store *base, int64_t before, mm_usage_fn fn,
                             void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    mm_rc rc = console_tables(s, err);
    if (rc == MM_OK)
        rc = sq_begin(base, err);
    if (rc != MM_OK)
        return rc;
    rc = usage_rows(
        s,
        "SELECT tenant,sum(length(json)) FROM events WHERE id < " PRUNE_BOUND
        " AND id " PRUNE_KEEP " GROUP BY tenant",
        before, fn, ud, err);
    if (rc == MM_OK)
        rc = sq_run(s,
                    "DELETE FROM alert_state WHERE alert < " PRUNE_BOUND
                    " AND alert " PRUNE_KEEP,
                    before, NULL, err, "prune triage state");
    if (rc == MM_OK)
        rc = sq_run(s,
                    "DELETE FROM events WHERE id < " PRUNE_BOUND
                    " AND id " PRUNE_KEEP,
                    before, NULL, err, "prune events");
    if (rc != MM_OK) {
        sq_rollback(base);
        return rc;
    }
    return sq_commit(base, err);
}

static mm_rc sq_probe(mm_store *base, mm_err *err)
{
    return sq_run((sq_store *)base,
                  "INSERT OR REPLACE INTO health_probe(id,at) VALUES(1,?)",
                  mm_now_ms(), NULL, err, "probe write");
}

/* ---- the connection, for this back end's other files ---------------------
 * (store-sqlite-notify.c: notification preferences, the outbox, flags). */

struct sqlite3 *mm_hub__sqlite_db(mm_store *base, const char **path)
{
    sq_store *s = (sq_store *)base;
    if (path)
        *path = s->path;
    return s->db;
}

/* ---- SCS chain of trust: the registry of experts and assessors ------------
 * In the SCS tables (scs_schema); operator-speed calls, prepared per call. */

static mm_rc sq_scs_registrant_put(mm_store *base, const mm_hub_registrant *r,
                                   mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = scs_prepare(
        s,
        "INSERT OR REPLACE INTO scs_registry(role,id,name,public_key,"
        "valid_from,valid_until,region,industries,themes,contact,added_at) "
        "VALUES(?,?,?,?,?,?,?,?,?,?,?)",
        &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int(st, 1, (int)r->role);
    const char *t[] = {r->id,         r->name,        r->public_key,
                       r->valid_from, r->valid_until, r->region,
                       r->industries, r->themes,      r->contact};
    for (int i = 0; i < 9; i++)
        bind_text(st, i + 2, t[i]);
    sqlite3_bind_int64(st, 11, r->added_ms);
    rc = step_done(s, st, err, "put scs registrant");
    sqlite3_finalize(st);
    return rc;
}

#define REG_COLS                                                              \
    "role,id,name,public_key,valid_from,valid_until,region,industries,"       \
    "themes,contact,added_at"

static void reg_row(sqlite3_stmt *st, mm_hub_registrant *r)
{
    memset(r, 0, sizeof *r);
    r->role = sqlite3_column_int(st, 0) == 1 ? MM_HUB_REG_ASSESSOR
                                             : MM_HUB_REG_EXPERT;
    struct {
        char *dst;
        size_t n;
    } f[] = {{r->id, sizeof r->id},
             {r->name, sizeof r->name},
             {r->public_key, sizeof r->public_key},
             {r->valid_from, sizeof r->valid_from},
             {r->valid_until, sizeof r->valid_until},
             {r->region, sizeof r->region},
             {r->industries, sizeof r->industries},
             {r->themes, sizeof r->themes},
             {r->contact, sizeof r->contact}};
    for (int i = 0; i < 9; i++)
        col_copy(st, i + 1, f[i].dst, f[i].n);
    r->added_ms = sqlite3_column_int64(st, 10);
}

/* Registrants of `role` (with `key`: only that key's, the one valid
 * longest first; else by id) through fn. */
static mm_rc reg_query(sq_store *s, int role, const char *key,
                       mm_hub_registrant_fn fn, void *ud, mm_err *err)
{
    sqlite3_stmt *st;
    mm_rc rc = scs_prepare(s,
                           "SELECT " REG_COLS " FROM scs_registry WHERE "
                           "role=?1 AND (?2 IS NULL OR public_key=?2) ORDER "
                           "BY CASE WHEN ?2 IS NULL THEN id ELSE '' END, "
                           "valid_until='' DESC, valid_until DESC",
                           &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int(st, 1, role);
    if (key)
        bind_text(st, 2, key);
    int r = SQLITE_DONE;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        mm_hub_registrant row;
        reg_row(st, &row);
        rc = fn(&row, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list scs registry");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc reg_first(const mm_hub_registrant *r, void *ud)
{
    *(mm_hub_registrant *)ud = *r;
    return MM_ELIMIT; /* stop: found */
}

static mm_rc sq_scs_registrant_by_key(mm_store *base, int role,
                                      const char *public_key,
                                      mm_hub_registrant *out, mm_err *err)
{
    mm_rc rc =
        reg_query((sq_store *)base, role, public_key, reg_first, out, err);
    return rc == MM_ELIMIT ? MM_OK : rc == MM_OK ? MM_ENOTFOUND : rc;
}

static mm_rc sq_scs_registrant_list(mm_store *base, int role,
                                    mm_hub_registrant_fn fn, void *ud,
                                    mm_err *err)
{
    return reg_query((sq_store *)base, role, NULL, fn, ud, err);
}

/* ---- console: accounts, provider links, sessions, alert triage -------------
 * Own tables, created on first use like the SCS section; statements are
 * prepared per call. Alerts are the stored events of kind "alert" (a
 * partial index keeps a tenant's alerts in id order, made at open by
 * store-sqlite-migrate.c); their triage state and the audit trail live
 * beside them. */

static const char console_schema[] =
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, tenant TEXT NOT "
    "NULL, role TEXT NOT NULL CHECK(role IN ('sme','provider','buyer',"
    "'coordinator','admin')), pwhash TEXT NOT NULL, totp TEXT NOT NULL "
    "DEFAULT '', tz TEXT NOT NULL DEFAULT 'Asia/Tokyo', created INTEGER NOT "
    "NULL);"
    "CREATE TABLE IF NOT EXISTS provider_links(provider TEXT NOT NULL, sme "
    "TEXT NOT NULL, PRIMARY KEY(provider,sme));"
    "CREATE TABLE IF NOT EXISTS sessions(id_hash TEXT PRIMARY KEY, user TEXT "
    "NOT NULL, csrf TEXT NOT NULL, created INTEGER NOT NULL, last INTEGER "
    "NOT NULL);"
    "CREATE TABLE IF NOT EXISTS alert_state(alert INTEGER PRIMARY KEY, "
    "status TEXT NOT NULL CHECK(status IN ('new','acknowledged','assigned',"
    "'closed','false_positive')), assignee TEXT NOT NULL DEFAULT '', "
    "updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS audit(id INTEGER PRIMARY KEY, kind TEXT NOT "
    "NULL, ref INTEGER NOT NULL, ts INTEGER NOT NULL, actor TEXT NOT NULL, "
    "what TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS audit_ref ON audit(kind,ref,id);"
    "CREATE TABLE IF NOT EXISTS cases(id INTEGER PRIMARY KEY, tenant TEXT "
    "NOT NULL, alert INTEGER NOT NULL, status TEXT NOT NULL CHECK(status IN "
    "('open','closed')), opened INTEGER NOT NULL, closed INTEGER NOT NULL "
    "DEFAULT 0, opened_by TEXT NOT NULL, personal_data INTEGER NOT NULL "
    "DEFAULT 0, title TEXT NOT NULL DEFAULT '');"
    "CREATE INDEX IF NOT EXISTS cases_tenant ON cases(tenant,id);"
    "CREATE INDEX IF NOT EXISTS cases_alert ON cases(alert);"
    "CREATE TABLE IF NOT EXISTS case_steps(case_id INTEGER NOT NULL, step "
    "TEXT NOT NULL, done_by TEXT NOT NULL, done_at INTEGER NOT NULL, note "
    "TEXT NOT NULL DEFAULT '', PRIMARY KEY(case_id,step));"
    "CREATE TABLE IF NOT EXISTS case_dispatch(id INTEGER PRIMARY KEY, "
    "case_id INTEGER NOT NULL, requested INTEGER NOT NULL DEFAULT 0, arrived "
    "INTEGER NOT NULL DEFAULT 0, by TEXT NOT NULL, ts INTEGER NOT NULL, note "
    "TEXT NOT NULL DEFAULT '');";

/* The longest a session can live (hub.conf session_max_s is at most 7
 * days). */
#define SESSION_LIFE_MAX_MS (7LL * 86400 * 1000)

/* Creates the console tables when missing. */
static mm_rc console_tables(sq_store *s, mm_err *err)
{
    /* the alert indexes are made at open (store-sqlite-migrate.c) */
    mm_rc rc = s->console_ready ? MM_OK : sq_exec(s, console_schema, err);
    if (rc == MM_OK)
        s->console_ready = true; /* once per connection */
    return rc;
}

/* Creates the tables when missing and prepares `sql`. */
static mm_rc console_prepare(sq_store *s, const char *sql, sqlite3_stmt **st,
                             mm_err *err)
{
    mm_rc rc = console_tables(s, err);
    if (rc != MM_OK)
        return rc;
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "prepare (console)");
    return MM_OK;
}

/* Prepares `sql`, binds the texts of args (n of them, NULL binds NULL),
 * runs it to the end and finalises it. */
static mm_rc console_exec(mm_store *base, const char *sql,
                          const char *const *args, int n, mm_err *err,
                          const char *what)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s, sql, &st, err);
    if (rc != MM_OK)
        return rc;
    for (int i = 0; i < n; i++)
        if (args[i])
            sqlite3_bind_text(st, i + 1, args[i], -1, SQLITE_STATIC);
    rc = step_done(s, st, err, what);
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_user_put(mm_store *base, const mm_hub_user *u, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(
        s,
        "INSERT INTO users(name,tenant,role,pwhash,totp,tz,created) "
        "VALUES(?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET "
        "tenant=excluded.tenant,role=excluded.role,pwhash=excluded.pwhash,"
        "totp=excluded.totp,tz=excluded.tz",
        &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, u->name);
    bind_text(st, 2, u->tenant);
    bind_text(st, 3, mm_hub_role_name(u->role));
    bind_text(st, 4, u->pwhash);
    bind_text(st, 5, u->totp);
    bind_text(st, 6, u->tz[0] ? u->tz : "Asia/Tokyo");
    sqlite3_bind_int64(st, 7, u->created_ms);
    rc = step_done(s, st, err, "put user");
    sqlite3_finalize(st);
    return rc;
}

static void user_from_row(sqlite3_stmt *st, mm_hub_user *u)
{
    memset(u, 0, sizeof *u);
    col_copy(st, 0, u->name, sizeof u->name);
    col_copy(st, 1, u->tenant, sizeof u->tenant);
    const char *role = (const char *)sqlite3_column_text(st, 2);
    if (!role || !mm_hub_role_from_name(role, &u->role))
        u->role = MM_ROLE_SME;
    col_copy(st, 3, u->pwhash, sizeof u->pwhash);
    col_copy(st, 4, u->totp, sizeof u->totp);
    col_copy(st, 5, u->tz, sizeof u->tz);
    u->created_ms = sqlite3_column_int64(st, 6);
}

#define USER_COLS "SELECT name,tenant,role,pwhash,totp,tz,created FROM users "

static mm_rc sq_user_get(mm_store *base, const char *name, mm_hub_user *out,
                         mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s, USER_COLS "WHERE name=?", &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, name);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        user_from_row(st, out);
    else
        rc = r == SQLITE_DONE ? MM_ENOTFOUND : sq_fail(s, err, "get user");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_user_list(mm_store *base, mm_hub_user_fn fn, void *ud,
                          mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s, USER_COLS "ORDER BY name", &st, err);
    if (rc != MM_OK)
        return rc;
    int r = SQLITE_DONE;
    mm_hub_user u;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        user_from_row(st, &u);
        rc = fn(&u, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list users");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_user_del(mm_store *base, const char *name, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    const char *args[1] = {name};
    mm_rc rc = console_exec(base, "DELETE FROM sessions WHERE user=?", args, 1,
                            err, "delete sessions");
    if (rc == MM_OK)
        rc = console_exec(base, "DELETE FROM users WHERE name=?", args, 1, err,
                          "delete user");
    if (rc == MM_OK && sqlite3_changes(s->db) == 0)
        rc = MM_ENOTFOUND;
    return rc;
}

static mm_rc sq_provider_link_put(mm_store *base, const char *provider,
                                  const char *sme, mm_err *err)
{
    const char *args[2] = {provider, sme};
    return console_exec(base,
                        "INSERT OR IGNORE INTO provider_links(provider,sme) "
                        "VALUES(?,?)",
                        args, 2, err, "put provider link");
}

static mm_rc sq_provider_link_list(mm_store *base, const char *provider,
                                   mm_link_row_fn fn, void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s,
                               "SELECT provider,sme FROM provider_links WHERE "
                               "?1 IS NULL OR provider=?1 ORDER BY 1,2",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    if (provider)
        bind_text(st, 1, provider);
    int r = SQLITE_DONE;
    mm_link l;
    memset(&l, 0, sizeof l);
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        col_copy(st, 0, l.supplier, sizeof l.supplier);
        col_copy(st, 1, l.customer, sizeof l.customer);
        rc = fn(&l, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list provider links");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_session_put(mm_store *base, const mm_hub_session *se,
                            mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s,
                               "INSERT INTO sessions(id_hash,user,csrf,"
                               "created,last) VALUES(?,?,?,?,?)",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, se->id_hash);
    bind_text(st, 2, se->user);
    bind_text(st, 3, se->csrf);
    sqlite3_bind_int64(st, 4, se->created_ms);
    sqlite3_bind_int64(st, 5, se->last_ms);
    rc = step_done(s, st, err, "put session");
    sqlite3_finalize(st);
    /* sessions nobody presents again are never seen expiring: each login
     * removes those past the longest absolute expiry hub.conf allows */
    char before[24];
    snprintf(before, sizeof before, "%lld",
             (long long)(se->created_ms - SESSION_LIFE_MAX_MS));
    const char *args[1] = {before};
    if (rc == MM_OK)
        rc = console_exec(base, "DELETE FROM sessions WHERE created < ?", args,
                          1, err, "purge sessions");
    return rc;
}

static mm_rc sq_session_get(mm_store *base, const char *id_hash,
                            mm_hub_session *out, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s,
                               "SELECT id_hash,user,csrf,created,last FROM "
                               "sessions WHERE id_hash=?",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, id_hash);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        memset(out, 0, sizeof *out);
        col_copy(st, 0, out->id_hash, sizeof out->id_hash);
        col_copy(st, 1, out->user, sizeof out->user);
        col_copy(st, 2, out->csrf, sizeof out->csrf);
        out->created_ms = sqlite3_column_int64(st, 3);
        out->last_ms = sqlite3_column_int64(st, 4);
    } else {
        rc = r == SQLITE_DONE ? MM_ENOTFOUND : sq_fail(s, err, "get session");
    }
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_session_touch(mm_store *base, const char *id_hash,
                              int64_t last_ms, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s, "UPDATE sessions SET last=? WHERE id_hash=?",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, last_ms);
    bind_text(st, 2, id_hash);
    rc = step_done(s, st, err, "touch session");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_session_del(mm_store *base, const char *id_hash, mm_err *err)
{
    const char *args[1] = {id_hash};
    return console_exec(base, "DELETE FROM sessions WHERE id_hash=?", args, 1,
                        err, "delete session");
}

static mm_rc sq_alert_list(mm_store *base, const mm_hub_alert_filter *f,
                           mm_hub_alert_fn fn, void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    /* only the clauses the filter uses, so the partial index serves it;
     * a provider's queue walks events_alerts_id in id order and keeps the
     * rows of its SMEs (the "+" keeps the planner off the per-tenant index,
     * which would read every alert of every SME and sort them) */
    char sql[1280], crit[512], cond[520] = "";
    if (f->critical) { /* word for word the partial index's condition */
        mm_hub__critical_sql(crit, sizeof crit);
        snprintf(cond, sizeof cond, " AND %s", crit);
    }
    snprintf(sql, sizeof sql,
             "SELECT e.id,e.tenant,e.rule_id,e.severity,e.src_ip,e.ts,"
             "e.received,e.json,COALESCE(a.status,'new'),"
             "COALESCE(a.assignee,''),COALESCE(a.updated,0) FROM events e "
             "LEFT JOIN alert_state a ON a.alert=e.id WHERE e.kind='alert'%s%s"
             "%s%s%s%s%s%s ORDER BY e.id %s LIMIT ?6",
             f->tenant ? " AND e.tenant=?1" : "", f->id ? " AND e.id=?2" : "",
             f->before ? " AND e.id<?3" : "",
             f->status ? " AND COALESCE(a.status,'new')=?4" : "",
             f->min_severity > 0 ? " AND e.severity>=?5" : "",
             f->after ? " AND e.id>?7" : "",
             f->provider && !f->tenant
                 ? " AND (+e.tenant=?8 OR +e.tenant IN (SELECT sme FROM "
                   "provider_links WHERE provider=?8))"
                 : "",
             cond, f->oldest_first ? "ASC" : "DESC");
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s, sql, &st, err);
    if (rc != MM_OK)
        return rc;
    if (f->tenant)
        bind_text(st, 1, f->tenant);
    sqlite3_bind_int64(st, 2, f->id);
    sqlite3_bind_int64(st, 3, f->before);
    sqlite3_bind_int64(st, 7, f->after);
    if (f->provider && !f->tenant)
        bind_text(st, 8, f->provider);
    if (f->status)
        bind_text(st, 4, f->status);
    sqlite3_bind_int(st, 5, f->min_severity);
    sqlite3_bind_int64(st, 6, f->limit ? f->limit : 1);
    int r = SQLITE_DONE;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        mm_hub_alert_row a = {
            .id = sqlite3_column_int64(st, 0),
            .tenant = (const char *)sqlite3_column_text(st, 1),
            .rule_id = (const char *)sqlite3_column_text(st, 2),
            .severity = sqlite3_column_int(st, 3),
            .src_ip = (const char *)sqlite3_column_text(st, 4),
            .ts_ms = sqlite3_column_int64(st, 5),
            .received_ms = sqlite3_column_int64(st, 6),
            .json = (const char *)sqlite3_column_text(st, 7),
            .json_len = (size_t)sqlite3_column_bytes(st, 7),
            .status = (const char *)sqlite3_column_text(st, 8),
            .assignee = (const char *)sqlite3_column_text(st, 9),
            .updated_ms = sqlite3_column_int64(st, 10),
        };
        rc = fn(&a, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list alerts");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_alert_state_set(mm_store *base, int64_t id, const char *status,
                                const char *assignee, int64_t now_ms,
                                mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(
        s,
        "INSERT INTO alert_state(alert,status,assignee,updated) VALUES(?,?,?,"
        "?) ON CONFLICT(alert) DO UPDATE SET status=excluded.status,"
        "assignee=excluded.assignee,updated=excluded.updated",
        &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, status);
    bind_text(st, 3, assignee);
    sqlite3_bind_int64(st, 4, now_ms);
    rc = step_done(s, st, err, "set alert state");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_audit_put(mm_store *base, const mm_hub_audit *a, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc =
        console_prepare(s,
                        "INSERT INTO audit(kind,ref,ts,actor,what,note) "
                        "VALUES(?,?,?,?,?,?)",
                        &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, a->kind);
    sqlite3_bind_int64(st, 2, a->ref);
    sqlite3_bind_int64(st, 3, a->ts_ms);
    bind_text(st, 4, a->actor);
    bind_text(st, 5, a->what);
    bind_text(st, 6, a->note);
    rc = step_done(s, st, err, "put audit");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_audit_list(mm_store *base, const char *kind, int64_t ref,
                           mm_hub_audit_fn fn, void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s,
                               "SELECT kind,ref,ts,actor,what,note FROM audit "
                               "WHERE kind=? AND ref=? ORDER BY id",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, kind);
    sqlite3_bind_int64(st, 2, ref);
    int r = SQLITE_DONE;
    mm_hub_audit a;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&a, 0, sizeof a);
        col_copy(st, 0, a.kind, sizeof a.kind);
        a.ref = sqlite3_column_int64(st, 1);
        a.ts_ms = sqlite3_column_int64(st, 2);
        col_copy(st, 3, a.actor, sizeof a.actor);
        col_copy(st, 4, a.what, sizeof a.what);
        col_copy(st, 5, a.note, sizeof a.note);
        rc = fn(&a, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list audit");
    sqlite3_finalize(st);
    return rc;
}

/* ---- console: incident cases, their steps and on-site dispatches -------- */

static mm_rc sq_case_put(mm_store *base, mm_hub_case *c, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(
        s,
        c->id ? "UPDATE cases SET status=?2,closed=?3,personal_data=?4 WHERE "
                "id=?1"
              : "INSERT INTO cases(status,closed,personal_data,tenant,alert,"
                "opened,opened_by,title) VALUES(?2,?3,?4,?5,?6,?7,?8,?9)",
        &st, err);
    if (rc != MM_OK)
        return rc;
    if (c->id)
        sqlite3_bind_int64(st, 1, c->id);
    bind_text(st, 2, c->status[0] ? c->status : "open");
    sqlite3_bind_int64(st, 3, c->closed_ms);
    sqlite3_bind_int(st, 4, c->personal_data);
    if (!c->id) {
        bind_text(st, 5, c->tenant);
        sqlite3_bind_int64(st, 6, c->alert);
        sqlite3_bind_int64(st, 7, c->opened_ms);
        bind_text(st, 8, c->opened_by);
        bind_text(st, 9, c->title);
    }
    int64_t id = c->id;
    rc = c->id ? step_done(s, st, err, "update case")
               : step_insert(s, st, &id, err, "insert case");
    c->id = id;
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_case_list(mm_store *base, int64_t id, const char *tenant,
                          const char *status, int64_t alert, mm_hub_case_fn fn,
                          void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(
        s,
        "SELECT id,tenant,alert,status,opened,closed,opened_by,"
        "personal_data,title FROM cases WHERE (?1=0 OR id=?1) AND (?2 IS "
        "NULL OR tenant=?2) AND (?3 IS NULL OR status=?3) AND (?4=0 OR "
        "alert=?4) ORDER BY id DESC LIMIT 1000",
        &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    if (tenant)
        bind_text(st, 2, tenant);
    if (status)
        bind_text(st, 3, status);
    sqlite3_bind_int64(st, 4, alert);
    int r = SQLITE_DONE;
    mm_hub_case c;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&c, 0, sizeof c);
        c.id = sqlite3_column_int64(st, 0);
        col_copy(st, 1, c.tenant, sizeof c.tenant);
        c.alert = sqlite3_column_int64(st, 2);
        col_copy(st, 3, c.status, sizeof c.status);
        c.opened_ms = sqlite3_column_int64(st, 4);
        c.closed_ms = sqlite3_column_int64(st, 5);
        col_copy(st, 6, c.opened_by, sizeof c.opened_by);
        c.personal_data = sqlite3_column_int(st, 7) != 0;
        col_copy(st, 8, c.title, sizeof c.title);
        rc = fn(&c, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list cases");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_case_step_put(mm_store *base, const mm_hub_case_step *cs,
                              mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s,
                               "INSERT OR IGNORE INTO case_steps(case_id,step,"
                               "done_by,done_at,note) VALUES(?,?,?,?,?)",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, cs->case_id);
    bind_text(st, 2, cs->step);
    bind_text(st, 3, cs->done_by);
    sqlite3_bind_int64(st, 4, cs->done_ms);
    bind_text(st, 5, cs->note);
    rc = step_done(s, st, err, "put case step");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_case_step_list(mm_store *base, int64_t id,
                               mm_hub_case_step_fn fn, void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s,
                               "SELECT step,done_by,done_at,note FROM "
                               "case_steps WHERE case_id=? ORDER BY done_at",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = SQLITE_DONE;
    mm_hub_case_step cs;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&cs, 0, sizeof cs);
        cs.case_id = id;
        col_copy(st, 0, cs.step, sizeof cs.step);
        col_copy(st, 1, cs.done_by, sizeof cs.done_by);
        cs.done_ms = sqlite3_column_int64(st, 2);
        col_copy(st, 3, cs.note, sizeof cs.note);
        rc = fn(&cs, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list case steps");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_dispatch_put(mm_store *base, mm_hub_dispatch *d, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s,
                               "INSERT INTO case_dispatch(case_id,requested,"
                               "arrived,by,ts,note) VALUES(?,?,?,?,?,?)",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, d->case_id);
    sqlite3_bind_int64(st, 2, d->requested_ms);
    sqlite3_bind_int64(st, 3, d->arrived_ms);
    bind_text(st, 4, d->by);
    sqlite3_bind_int64(st, 5, d->ts_ms);
    bind_text(st, 6, d->note);
    rc = step_insert(s, st, &d->id, err, "put dispatch");
    sqlite3_finalize(st);
    return rc;
}

static mm_rc sq_dispatch_list(mm_store *base, int64_t id,
                              mm_hub_dispatch_fn fn, void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(s,
                               "SELECT id,requested,arrived,by,ts,note FROM "
                               "case_dispatch WHERE case_id=? ORDER BY id",
                               &st, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(st, 1, id);
    int r = SQLITE_DONE;
    mm_hub_dispatch d;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        memset(&d, 0, sizeof d);
        d.case_id = id;
        d.id = sqlite3_column_int64(st, 0);
        d.requested_ms = sqlite3_column_int64(st, 1);
        d.arrived_ms = sqlite3_column_int64(st, 2);
        col_copy(st, 3, d.by, sizeof d.by);
        d.ts_ms = sqlite3_column_int64(st, 4);
        col_copy(st, 5, d.note, sizeof d.note);
        rc = fn(&d, ud);
    }
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail(s, err, "list dispatches");
    sqlite3_finalize(st);
    return rc;
}

/* ---- console: a tenant's month in figures ------------------------------ */

static mm_rc sq_alert_summary(mm_store *base, const char *tenant,
                              int64_t from_ms, int64_t to_ms, uint64_t *alerts,
                              uint64_t *closed, int64_t *last_received,
                              mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st;
    mm_rc rc = console_prepare(
        s,
        "SELECT count(*),coalesce(sum(a.status IN ('closed',"
        "'false_positive')),0),(SELECT received FROM events WHERE tenant=?1 "
        "ORDER BY id DESC LIMIT 1) FROM events e LEFT JOIN alert_state a ON "
        "a.alert=e.id WHERE e.kind='alert' AND e.tenant=?1 AND e.ts>=?2 AND "
        "e.ts<?3",
        &st, err);
    if (rc != MM_OK)
        return rc;
    bind_text(st, 1, tenant);
    sqlite3_bind_int64(st, 2, from_ms);
    sqlite3_bind_int64(st, 3, to_ms);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *alerts = (uint64_t)sqlite3_column_int64(st, 0);
        *closed = (uint64_t)sqlite3_column_int64(st, 1);
        *last_received = sqlite3_column_int64(st, 2);
    } else {
        rc = sq_fail(s, err, "summarise alerts");
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- SCS evidence: one tenant's events with their JSON --------------------
 * Prepared per call: an operator-speed scan of one tenant's window. */

static mm_rc sq_tenant_events(mm_store *base, const char *tenant,
                              int64_t since_ms, int64_t until_ms,
                              mm_tenant_event_fn fn, void *ud, mm_err *err)
{
    sq_store *s = (sq_store *)base;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT ts,kind,json FROM events WHERE tenant=? "
                           "AND ts>=? AND ts<=? ORDER BY ts,id",
                           -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "tenant events");
    bind_text(st, 1, tenant);
    sqlite3_bind_int64(st, 2, since_ms);
    sqlite3_bind_int64(st, 3, until_ms);
    return mm_hub__sq_event_rows(base, st, fn, ud, "tenant events", err);
}

mm_rc mm_hub__sq_event_rows(mm_store *base, struct sqlite3_stmt *st,
                            mm_tenant_event_fn fn, void *ud, const char *what,
                            mm_err *err)
{
    mm_rc rc = MM_OK;
    int r = SQLITE_DONE;
    while (rc == MM_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = fn(sqlite3_column_int64(st, 0),
                (const char *)sqlite3_column_text(st, 1),
                (const char *)sqlite3_column_text(st, 2),
                (size_t)sqlite3_column_bytes(st, 2), ud);
    if (rc == MM_OK && r != SQLITE_DONE)
        rc = sq_fail((sq_store *)base, err, what);
    sqlite3_finalize(st);
    return rc;
}

/* Campaigns that close (issue 12): a closed_ts column, and the same key may
 * have several campaigns (one open at most), so the UNIQUE(key_type,key) of
 * the first schema goes; SQLite drops a constraint only by rebuilding the
 * table. Done once, when table_info has no closed_ts. */
static const char campaign_close_schema[] =
    "PRAGMA foreign_keys=OFF;"
    "BEGIN IMMEDIATE;"
    "CREATE TABLE campaigns_v2(id INTEGER PRIMARY KEY, key_type TEXT NOT "
    "NULL, key TEXT NOT NULL, opened INTEGER NOT NULL, first_ts INTEGER NOT "
    "NULL, last_ts INTEGER NOT NULL, tenants INTEGER NOT NULL, score INTEGER "
    "NOT NULL, severity INTEGER NOT NULL, escalated INTEGER NOT NULL DEFAULT "
    "0, closed_ts INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO campaigns_v2(id,key_type,key,opened,first_ts,last_ts,"
    "tenants,score,severity,escalated) SELECT id,key_type,key,opened,"
    "first_ts,last_ts,tenants,score,severity,escalated FROM campaigns;"
    "DROP TABLE campaigns;"
    "ALTER TABLE campaigns_v2 RENAME TO campaigns;"
    "CREATE INDEX campaigns_key ON campaigns(key_type,key);"
    "COMMIT;"
    "PRAGMA foreign_keys=ON;";

static mm_rc sq_campaign_close_migrate(sq_store *s, mm_err *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM pragma_table_info('campaigns') "
                           "WHERE name='closed_ts'",
                           -1, &st, NULL) != SQLITE_OK)
        return sq_fail(s, err, "schema");
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_ROW)
        return MM_OK;
    if (step != SQLITE_DONE)
        return sq_fail(s, err, "schema");
    mm_rc rc = sq_exec(s, campaign_close_schema, err);
    if (rc != MM_OK) {
        sqlite3_exec(s->db, "ROLLBACK; PRAGMA foreign_keys=ON;", NULL, NULL,
                     NULL);
    }
    return rc;
}
