/* SPDX-License-Identifier: Apache-2.0 */
/* store-pg.c — the PostgreSQL back end of mm_store (libpq), for a hub whose
 * store lives on another machine or is shared by several front ends.
 *
 * Same semantics as store-sqlite.c: put_event is idempotent on (tenant,
 * event id), ids and the indicator feed sequence come from the database,
 * every write between begin and commit is one transaction, and commit
 * returns once PostgreSQL has made it durable (synchronous_commit), so
 * there is no background/sync step. Events go to a table partitioned by
 * month of event time; a month's partition is created the first time an
 * event of that month arrives. The schema is versioned (mamori_schema) and
 * migrated by `mamori hub migrate` or, for an empty database, on open.
 *
 * A lost connection (PostgreSQL restarted) fails the current call with
 * MM_EIO; the next call outside a transaction reconnects and prepares the
 * statements again, so the hub answers 500 meanwhile and recovers alone. */
#include "hub-int.h"
#include "store-pg-int.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Schema versions this build knows; migrations[v-1] brings v-1 to v. */
#define PG_SCHEMA_VERSION 9
/* Advisory lock key serialising migrations and partition creation among
 * front ends ("mamo"). */
#define PG_LOCK_KEY "1835101551"
/* Months with their own partition: 2000-01 .. 2099-12; other event times
 * (a broken clock) go to the default partition, so no month partition ever
 * overlaps rows already stored there. */
#define PG_MONTH_FIRST_YEAR 2000
#define PG_MONTHS (100 * 12)

static const char migration_1[] =
    "CREATE TABLE tenants(id text PRIMARY KEY, name text NOT NULL, kind text "
    "NOT NULL CHECK(kind IN ('sme','buyer','critical','provider')), industry "
    "text NOT NULL DEFAULT '', region text NOT NULL DEFAULT '', token_hash "
    "text NOT NULL UNIQUE, ranges text NOT NULL DEFAULT '');"
    "CREATE TABLE links(supplier text NOT NULL REFERENCES tenants(id), "
    "customer text NOT NULL REFERENCES tenants(id), disclose boolean NOT "
    "NULL DEFAULT false, PRIMARY KEY(supplier,customer));"
    /* one row per (tenant, event id) whatever the event time: the
     * idempotence key (a partitioned table's unique keys must contain the
     * partition key, which would let a resent event with another time in) */
    "CREATE TABLE event_keys(tenant text NOT NULL, event_id text NOT NULL, "
    "PRIMARY KEY(tenant,event_id));"
    "CREATE TABLE events(tenant text NOT NULL, event_id text NOT NULL, kind "
    "text NOT NULL, ts bigint NOT NULL, rule_id text NOT NULL DEFAULT '', "
    "severity integer NOT NULL DEFAULT 0, src_ip text NOT NULL DEFAULT '', "
    "domain text NOT NULL DEFAULT '', url_path text NOT NULL DEFAULT '', "
    "users_hash bigint NOT NULL DEFAULT 0, received bigint NOT NULL, json "
    "text NOT NULL) PARTITION BY RANGE(ts);"
    "CREATE TABLE events_other PARTITION OF events DEFAULT;"
    "CREATE INDEX events_ts ON events(ts);"
    "CREATE TABLE campaigns(id bigserial PRIMARY KEY, key_type text NOT "
    "NULL, key text NOT NULL, opened bigint NOT NULL, first_ts bigint NOT "
    "NULL, last_ts bigint NOT NULL, tenants integer NOT NULL, score integer "
    "NOT NULL, severity integer NOT NULL, escalated boolean NOT NULL DEFAULT "
    "false, UNIQUE(key_type,key));"
    "CREATE TABLE campaign_hits(campaign bigint NOT NULL REFERENCES "
    "campaigns(id), tenant text NOT NULL, first_ts bigint NOT NULL, last_ts "
    "bigint NOT NULL, count bigint NOT NULL, PRIMARY KEY(campaign,tenant));"
    "CREATE SEQUENCE indicator_seq;"
    "CREATE TABLE indicators(type text NOT NULL, value text NOT NULL, "
    "campaign bigint NOT NULL, confidence integer NOT NULL, first_seen "
    "bigint NOT NULL, last_seen bigint NOT NULL, valid_until bigint NOT "
    "NULL, removed boolean NOT NULL DEFAULT false, seq bigint NOT NULL, "
    "PRIMARY KEY(type,value));"
    "CREATE INDEX indicators_seq ON indicators(seq);"
    "CREATE TABLE warnings(id bigserial PRIMARY KEY, tenant text NOT NULL, "
    "campaign bigint NOT NULL, kind text NOT NULL, severity integer NOT "
    "NULL, created bigint NOT NULL, text_ja text NOT NULL, text_en text NOT "
    "NULL, hook_state integer NOT NULL DEFAULT 0, hook_attempts integer NOT "
    "NULL DEFAULT 0, hook_next bigint NOT NULL DEFAULT 0);"
    "CREATE INDEX warnings_tenant ON warnings(tenant,id);"
    "CREATE INDEX warnings_hook ON warnings(hook_state,hook_next);"
    "CREATE TABLE escalations(id bigserial PRIMARY KEY, campaign bigint NOT "
    "NULL, reason text NOT NULL, score integer NOT NULL, created bigint NOT "
    "NULL);"
    "CREATE TABLE webhooks(tenant text PRIMARY KEY, url text NOT NULL, "
    "secret text NOT NULL);"
    "CREATE TABLE state_iocs(type text NOT NULL, value text NOT NULL, "
    "source text NOT NULL, PRIMARY KEY(type,value));"
    "CREATE TABLE scs_requirements(buyer text NOT NULL, supplier text NOT "
    "NULL, level text NOT NULL CHECK(level IN ('★3','★4')), set_at bigint "
    "NOT NULL, PRIMARY KEY(buyer,supplier));"
    "CREATE TABLE scs_confirmations(id bigserial PRIMARY KEY, supplier text "
    "NOT NULL, received_at bigint NOT NULL, achieved text NOT NULL "
    "CHECK(achieved IN ('★3','★4','none')), target text NOT NULL, "
    "expert_name text NOT NULL, registration_no text NOT NULL, "
    "confirmed_date text NOT NULL, catalogue_version text NOT NULL, "
    "public_key text NOT NULL, document text NOT NULL);"
    "CREATE INDEX scs_confirmations_supplier ON "
    "scs_confirmations(supplier,confirmed_date,id);";

/* 6: campaigns close after their window (closed_ts, 0 = open); one key
 * may then have several campaigns, one open at most. */
static const char migration_6[] =
    "ALTER TABLE campaigns ADD COLUMN closed_ts bigint NOT NULL DEFAULT 0;"
    "ALTER TABLE campaigns DROP CONSTRAINT IF EXISTS "
    "campaigns_key_type_key_key;"
    "CREATE INDEX campaigns_key ON campaigns(key_type,key);";

static const char *const migrations[PG_SCHEMA_VERSION] = {
    migration_1,
    mm_hub__pg_migration_2,
    mm_hub__pg_migration_3,
    mm_hub__pg_migration_4,
    mm_hub__pg_migration_5,
    migration_6,
    mm_hub__pg_migration_7,
    mm_hub__pg_migration_8,
    mm_hub__pg_migration_parts};

#define WARN_COLS                                                             \
    "SELECT id,tenant,campaign,kind,severity,created,text_ja,text_en,"        \
    "hook_state,hook_attempts,hook_next FROM warnings "

/* Text columns are ordered with COLLATE "C" (byte order), as SQLite does,
 * whatever the database's locale. */
/* A prepared statement: its name on the connection and its text. */
typedef struct stmt {
    const char *name;
    const char *sql;
} stmt;

static const stmt q_event_put = {
    "event_put",
    "WITH k AS (INSERT INTO event_keys(tenant,event_id) VALUES($1,$2) ON "
    "CONFLICT DO NOTHING RETURNING 1) INSERT INTO events(tenant,event_id,"
    "kind,ts,rule_id,severity,src_ip,domain,url_path,users_hash,received,"
    "json) SELECT $1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12 FROM k"};
static const stmt q_event_scan = {
    "event_scan",
    "SELECT tenant,ts,severity,rule_id,src_ip,domain,url_path,users_hash "
    "FROM events WHERE ts >= $1 ORDER BY ts"};
static const stmt q_tenant_put = {
    "tenant_put",
    "INSERT INTO tenants(id,name,kind,industry,region,token_hash,ranges) "
    "VALUES($1,$2,$3,$4,$5,$6,$7) ON CONFLICT(id) DO UPDATE SET "
    "name=excluded.name,kind=excluded.kind,industry=excluded.industry,"
    "region=excluded.region,token_hash=excluded.token_hash,"
    "ranges=excluded.ranges"};
static const stmt q_tenant_list = {
    "tenant_list",
    "SELECT id,name,kind,industry,region,token_hash,ranges FROM tenants "
    "ORDER BY id COLLATE \"C\""};
static const stmt q_link_put = {
    "link_put",
    "INSERT INTO links(supplier,customer,disclose) VALUES($1,$2,$3) "
    "ON CONFLICT(supplier,customer) DO UPDATE SET "
    "disclose=excluded.disclose"};
static const stmt q_link_list = {
    "link_list", "SELECT supplier,customer,disclose FROM links ORDER BY "
                 "supplier COLLATE \"C\",customer COLLATE \"C\""};
static const stmt q_camp_ins = {
    "camp_ins",
    "INSERT INTO campaigns(key_type,key,opened,first_ts,last_ts,tenants,"
    "score,severity,escalated,closed_ts) VALUES($1,$2,$3,$4,$5,$6,$7,$8,"
    "$9,$10) RETURNING id"};
static const stmt q_camp_upd = {
    "camp_upd",
    "UPDATE campaigns SET key_type=$1,key=$2,opened=$3,first_ts=$4,"
    "last_ts=$5,tenants=$6,score=$7,severity=$8,escalated=$9,"
    "closed_ts=$10 WHERE id=$11"};
static const stmt q_camp_list = {
    "camp_list",
    "SELECT id,key_type,key,opened,first_ts,last_ts,tenants,"
    "score,severity,escalated,closed_ts FROM campaigns ORDER BY id"};
static const stmt q_hit_put = {
    "hit_put",
    "INSERT INTO campaign_hits AS h(campaign,tenant,first_ts,last_ts,"
    "count) VALUES($1,$2,$3,$4,$5) ON CONFLICT(campaign,tenant) DO UPDATE "
    "SET first_ts=least(h.first_ts,excluded.first_ts),"
    "last_ts=greatest(h.last_ts,excluded.last_ts),"
    "count=h.count+excluded.count"};
static const stmt q_hit_list = {
    "hit_list",
    "SELECT campaign,tenant,first_ts,last_ts,count FROM campaign_hits "
    "WHERE campaign=$1 ORDER BY first_ts,tenant COLLATE \"C\""};
static const stmt q_ind_put = {
    "ind_put",
    "INSERT INTO indicators(type,value,campaign,confidence,first_seen,"
    "last_seen,valid_until,removed,seq) VALUES($1,$2,$3,$4,$5,$6,$7,$8,"
    "nextval('indicator_seq')) ON CONFLICT(type,value) DO UPDATE SET "
    "campaign=excluded.campaign,confidence=excluded.confidence,"
    "first_seen=excluded.first_seen,last_seen=excluded.last_seen,"
    "valid_until=excluded.valid_until,removed=excluded.removed,"
    "seq=excluded.seq RETURNING seq"};
static const stmt q_ind_list = {
    "ind_list",
    "SELECT seq,type,value,campaign,confidence,first_seen,last_seen,"
    "valid_until,removed FROM indicators WHERE seq > $1 ORDER BY seq"};
static const stmt q_warn_put = {
    "warn_put",
    "INSERT INTO warnings(tenant,campaign,kind,severity,created,text_ja,"
    "text_en,hook_state,hook_attempts,hook_next) VALUES($1,$2,$3,$4,$5,"
    "$6,$7,$8,$9,$10) RETURNING id"};
static const stmt q_warn_list_t = {
    "warn_list_t",
    WARN_COLS "WHERE tenant=$1 AND id > $2 ORDER BY id LIMIT 1000"};
static const stmt q_warn_list_all = {"warn_list_all",
                                     WARN_COLS "WHERE id > $1 ORDER BY id"};
/* Due webhook deliveries are claimed, not just read: the rows get a
 * 60-second lease (hook_next) in the same statement, and rows another
 * front end is claiming are skipped, so two front ends on one database
 * never deliver the same warning at once; the caller's warning_hook_mark
 * then sets the real state. A front end that dies mid-delivery leaves the
 * lease to expire and another one retries. */
static const stmt q_warn_due = {
    "warn_due",
    "WITH c AS (UPDATE warnings SET hook_next=$1+60000 WHERE id IN (SELECT "
    "id FROM warnings WHERE hook_state=1 AND hook_next <= $1 ORDER BY id "
    "LIMIT 100 FOR UPDATE SKIP LOCKED) RETURNING id,tenant,campaign,kind,"
    "severity,created,text_ja,text_en,hook_state,hook_attempts,hook_next) "
    "SELECT * FROM c ORDER BY id"};
static const stmt q_warn_mark = {
    "warn_mark", "UPDATE warnings SET hook_state=$1,hook_attempts=$2,"
                 "hook_next=$3 WHERE id=$4"};
static const stmt q_esc_put = {
    "esc_put", "INSERT INTO escalations(campaign,reason,score,created) "
               "VALUES($1,$2,$3,$4) RETURNING id"};
static const stmt q_esc_list = {
    "esc_list",
    "SELECT id,campaign,reason,score,created FROM escalations ORDER BY id"};
static const stmt q_hook_set = {
    "hook_set", "INSERT INTO webhooks(tenant,url,secret) VALUES($1,$2,$3) "
                "ON CONFLICT(tenant) DO UPDATE SET url=excluded.url,"
                "secret=excluded.secret"};
static const stmt q_hook_del = {"hook_del",
                                "DELETE FROM webhooks WHERE tenant=$1"};
static const stmt q_hook_get = {
    "hook_get", "SELECT url,secret FROM webhooks WHERE tenant=$1"};
static const stmt q_sioc_put = {"sioc_put",
                                "INSERT INTO state_iocs(type,value,source) "
                                "VALUES($1,$2,$3) ON CONFLICT DO NOTHING"};
static const stmt q_sioc_list = {
    "sioc_list", "SELECT type,value,source FROM state_iocs ORDER BY type "
                 "COLLATE \"C\",value COLLATE \"C\""};
static const stmt q_scs_req_put = {
    "scs_req_put",
    "INSERT INTO scs_requirements(buyer,supplier,level,set_at) VALUES($1,"
    "$2,$3,$4) ON CONFLICT(buyer,supplier) DO UPDATE SET "
    "level=excluded.level,set_at=excluded.set_at"};
static const stmt q_scs_req_get = {
    "scs_req_get", "SELECT level,set_at FROM scs_requirements WHERE "
                   "buyer=$1 AND supplier=$2"};
static const stmt q_scs_conf_put = {
    "scs_conf_put",
    "INSERT INTO scs_confirmations(supplier,received_at,achieved,target,"
    "expert_name,registration_no,confirmed_date,catalogue_version,"
    "public_key,document) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)"};
static const stmt q_scs_conf_latest = {
    "scs_conf_latest",
    "SELECT supplier,received_at,achieved,target,expert_name,"
    "registration_no,confirmed_date,catalogue_version,public_key FROM "
    "scs_confirmations WHERE supplier=$1 ORDER BY confirmed_date COLLATE "
    "\"C\" DESC, id DESC LIMIT 1"};
static const stmt q_event_count = {
    "event_count",
    "SELECT count(*) FROM events WHERE ($1::text IS NULL OR tenant=$1) "
    "AND ($2::text IS NULL OR kind=$2) AND ($3::text IS NULL OR "
    "src_ip=$3)"};

/* A whole batch from the session's staging table (filled by COPY): the
 * first occurrence of each event id is inserted unless (tenant, id) is
 * stored already; the ordinals of the events inserted are returned; the
 * staging rows are removed by the same statement (all CTEs see one
 * snapshot). Rows go in in batch order, so events.id numbers them in
 * arrival order as SQLite's rowid does (the console's alert ids). */
static const stmt q_batch_put = {
    "batch_put",
    "WITH b AS (SELECT DISTINCT ON (event_id) * FROM mm_batch ORDER BY "
    "event_id, ord), k AS (INSERT INTO event_keys(tenant,event_id) SELECT "
    "$1, event_id FROM b ON CONFLICT DO NOTHING RETURNING event_id), e AS "
    "(INSERT INTO events(tenant,event_id,kind,ts,rule_id,severity,src_ip,"
    "domain,url_path,users_hash,received,json) SELECT $1,b.event_id,b.kind,"
    "b.ts,b.rule_id,b.severity,b.src_ip,b.domain,b.url_path,b.users_hash,$2,"
    "b.json FROM b JOIN k USING(event_id) ORDER BY b.ord), d AS (DELETE "
    "FROM mm_batch) "
    "SELECT b.ord FROM b JOIN k USING(event_id)"};

/* Every statement, prepared on each (re)connection. */
static const stmt *const stmts[] = {
    &q_event_put,       &q_event_scan,  &q_tenant_put,  &q_tenant_list,
    &q_link_put,        &q_link_list,   &q_camp_ins,    &q_camp_upd,
    &q_camp_list,       &q_hit_put,     &q_hit_list,    &q_ind_put,
    &q_ind_list,        &q_warn_put,    &q_warn_list_t, &q_warn_list_all,
    &q_warn_due,        &q_warn_mark,   &q_esc_put,     &q_esc_list,
    &q_hook_set,        &q_hook_del,    &q_hook_get,    &q_sioc_put,
    &q_sioc_list,       &q_scs_req_put, &q_scs_req_get, &q_scs_conf_put,
    &q_scs_conf_latest, &q_event_count, &q_batch_put,
};

typedef struct pg_store {
    mm_store base;
    PGconn *c;
    mm_bus *bus;          /* front end on the bus (mm_store_pg_attach_bus) */
    mm_store_ops bus_ops; /* pg_ops with put_events publishing */
    bool prepared;        /* the statements exist on this connection */
    bool in_tx;
    /* months whose partition is known to exist (bit per month from
     * PG_MONTH_FIRST_YEAR) */
    unsigned char months[PG_MONTHS / 8];
} pg_store;

/* Parameters of one statement: text values, or raw bytes (binary format,
 * which for a text column is the UTF-8 itself: no NUL terminator needed). */
#define PG_PARAMS_MAX 12
typedef struct params {
    const char *v[PG_PARAMS_MAX];
    int len[PG_PARAMS_MAX];
    int fmt[PG_PARAMS_MAX];
    char num[PG_PARAMS_MAX][24];
    int n;
} params;

static void p_text(params *p, const char *t)
{
    p->v[p->n] = t ? t : "";
    p->len[p->n] = 0;
    p->fmt[p->n++] = 0;
}

/* SQL NULL for a NULL pointer (event_count's "any"). */
static void p_text_or_null(params *p, const char *t)
{
    p->v[p->n] = t;
    p->len[p->n] = 0;
    p->fmt[p->n++] = 0;
}

static void p_int(params *p, int64_t x)
{
    snprintf(p->num[p->n], sizeof p->num[0], "%lld", (long long)x);
    p_text(p, p->num[p->n]);
}

static void p_bool(params *p, bool b)
{
    p_text(p, b ? "t" : "f");
}

static void p_bytes(params *p, const char *b, size_t n)
{
    p->v[p->n] = b ? b : "";
    p->len[p->n] = b ? (int)n : 0;
    p->fmt[p->n++] = 1;
}

static mm_rc pg_fail(pg_store *s, const PGresult *r, mm_err *err,
                     const char *what)
{
    const char *m = r ? PQresultErrorMessage(r) : "";
    if (!m || !*m)
        m = PQerrorMessage(s->c);
    char msg[400];
    snprintf(msg, sizeof msg, "%s", m && *m ? m : "unknown error");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    return mm_err_set(err, MM_EIO, "postgresql", 0, "postgresql %s: %s", what,
                      msg);
}

/* Runs SQL text (no parameters) outside the prepared set. */
static mm_rc pg_exec(pg_store *s, const char *sql, mm_err *err,
                     const char *what)
{
    PGresult *r = PQexec(s->c, sql);
    ExecStatusType st = PQresultStatus(r);
    mm_rc rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                   ? MM_OK
                   : pg_fail(s, r, err, what);
    PQclear(r);
    return rc;
}

static mm_rc pg_prepare_all(pg_store *s, mm_err *err)
{
    /* after a failed attempt on this connection some may exist already */
    mm_rc rc0 = pg_exec(s, "DEALLOCATE ALL", err, "deallocate");
    if (rc0 != MM_OK)
        return rc0;
    /* the staging table of put_events: per session, so made again after a
     * reconnection */
    rc0 = pg_exec(
        s,
        "CREATE TEMP TABLE IF NOT EXISTS mm_batch(ord integer NOT NULL, "
        "event_id text NOT NULL, kind text NOT NULL, ts bigint NOT NULL, "
        "rule_id text NOT NULL, severity integer NOT NULL, src_ip text NOT "
        "NULL, domain text NOT NULL, url_path text NOT NULL, users_hash "
        "bigint NOT NULL, json text NOT NULL) ON COMMIT DELETE ROWS",
        err, "create the staging table");
    if (rc0 != MM_OK)
        return rc0;
    for (size_t i = 0; i < sizeof stmts / sizeof *stmts; i++) {
        PGresult *r = PQprepare(s->c, stmts[i]->name, stmts[i]->sql, 0, NULL);
        mm_rc rc = PQresultStatus(r) == PGRES_COMMAND_OK
                       ? MM_OK
                       : pg_fail(s, r, err, "prepare");
        PQclear(r);
        if (rc != MM_OK)
            return rc;
    }
    s->prepared = true;
    return MM_OK;
}

/* The connection, re-made (and the statements prepared again) when it was
 * lost outside a transaction. Inside one the transaction is gone with the
 * connection: the call fails and the caller rolls back. */
static mm_rc pg_ready(pg_store *s, mm_err *err)
{
    if (PQstatus(s->c) == CONNECTION_OK && s->prepared)
        return MM_OK;
    if (s->in_tx)
        return mm_err_set(err, MM_EIO, "postgresql", 0,
                          "postgresql: connection lost in a transaction");
    if (PQstatus(s->c) != CONNECTION_OK) {
        s->prepared = false;
        PQreset(s->c);
        if (PQstatus(s->c) != CONNECTION_OK)
            return pg_fail(s, NULL, err, "reconnect");
    }
    return pg_prepare_all(s, err);
}

/* Hands a statement's result to *out (when not NULL) or frees it; a failed
 * one sets err. */
static mm_rc take_result(pg_store *s, PGresult *r, PGresult **out, mm_err *err,
                         const char *what)
{
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        mm_rc rc = pg_fail(s, r, err, what);
        PQclear(r);
        return rc;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return MM_OK;
}

/* Runs prepared statement q; *out gets the result (rows) when not NULL. */
static mm_rc pg_run(pg_store *s, const stmt *q, const params *p,
                    PGresult **out, mm_err *err, const char *what)
{
    if (out)
        *out = NULL;
    mm_rc rc = pg_ready(s, err);
    if (rc != MM_OK)
        return rc;
    return take_result(s,
                       PQexecPrepared(s->c, q->name, p ? p->n : 0,
                                      p ? p->v : NULL, p ? p->len : NULL,
                                      p ? p->fmt : NULL, 0),
                       out, err, what);
}

static int64_t col_i64(const PGresult *r, int row, int col)
{
    const char *t = PQgetvalue(r, row, col);
    return t ? strtoll(t, NULL, 10) : 0;
}

static bool col_bool(const PGresult *r, int row, int col)
{
    const char *t = PQgetvalue(r, row, col);
    return t && t[0] == 't';
}

static void col_copy(const PGresult *r, int row, int col, char *out,
                     size_t outlen)
{
    const char *t = PQgetvalue(r, row, col);
    size_t n = t ? (size_t)PQgetlength(r, row, col) : 0;
    if (n >= outlen)
        n = outlen - 1;
    if (n)
        memcpy(out, t, n);
    out[n] = '\0';
}

/* ---- for this back end's other files (store-pg-ext.c) ---------------------
 */

mm_rc mm_hub__pg_exec(mm_store *base, const char *sql, int n,
                      const char *const *v, PGresult **out, mm_err *err,
                      const char *what)
{
    pg_store *s = (pg_store *)base;
    if (out)
        *out = NULL;
    mm_rc rc = pg_ready(s, err);
    return rc != MM_OK
               ? rc
               : take_result(
                     s, PQexecParams(s->c, sql, n, NULL, v, NULL, NULL, 0),
                     out, err, what);
}

/* ---- transactions --------------------------------------------------------
 */

static void pg_close(mm_store *base)
{
    pg_store *s = (pg_store *)base;
    mm_bus_close(s->bus);
    PQfinish(s->c);
    free(s);
}

static mm_rc pg_begin(mm_store *base, mm_err *err)
{
    pg_store *s = (pg_store *)base;
    mm_rc rc = pg_ready(s, err);
    if (rc == MM_OK)
        rc = pg_exec(s, "BEGIN", err, "begin");
    if (rc == MM_OK)
        s->in_tx = true;
    return rc;
}

static mm_rc pg_commit(mm_store *base, mm_err *err)
{
    pg_store *s = (pg_store *)base;
    /* COMMIT of an aborted transaction answers ROLLBACK without an error:
     * check the state first so a failed batch is never reported stored */
    mm_rc rc = PQtransactionStatus(s->c) == PQTRANS_INTRANS
                   ? pg_exec(s, "COMMIT", err, "commit")
                   : mm_err_set(err, MM_EIO, "postgresql", 0,
                                "postgresql commit: the transaction failed");
    if (rc != MM_OK && PQstatus(s->c) == CONNECTION_OK)
        PQclear(PQexec(s->c, "ROLLBACK"));
    if (rc != MM_OK) /* partitions it created are gone with it */
        mm_hub__pg_months_forget(base);
    s->in_tx = false;
    return rc;
}

static void pg_rollback(mm_store *base)
{
    pg_store *s = (pg_store *)base;
    if (s->in_tx && PQstatus(s->c) == CONNECTION_OK)
        PQclear(PQexec(s->c, "ROLLBACK"));
    s->in_tx = false;
    mm_hub__pg_months_forget(base); /* partitions it created are gone */
}

/* ---- events ------------------------------------------------------------- */

/* Days from 1970-01-01 to y-m-01 (proleptic Gregorian; H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int64_t month_start_ms(int month_index)
{
    int64_t y = PG_MONTH_FIRST_YEAR + month_index / 12;
    unsigned m = (unsigned)(month_index % 12) + 1;
    return days_from_civil(y, m) * 86400000;
}

/* The month index of ts (0 = PG_MONTH_FIRST_YEAR-01), -1 outside the
 * months that get a partition. */
static int month_of(int64_t ts)
{
    static const int64_t lo_days = 10957; /* 2000-01-01 */
    if (ts < lo_days * 86400000 || ts >= month_start_ms(PG_MONTHS))
        return -1;
    /* a guess from the mean month length, then corrected */
    int i = (int)((ts - lo_days * 86400000) / (int64_t)2629746000);
    if (i >= PG_MONTHS)
        i = PG_MONTHS - 1;
    while (i > 0 && month_start_ms(i) > ts)
        i--;
    while (i + 1 < PG_MONTHS && month_start_ms(i + 1) <= ts)
        i++;
    return i;
}

/* Creates the month partition for ts when this process has not seen it.
 * The advisory lock (held to the end of the transaction) makes two front
 * ends creating the same month wait for each other, so IF NOT EXISTS
 * never races. */
static mm_rc ensure_partition(pg_store *s, int64_t ts, mm_err *err)
{
    int m = month_of(ts);
    if (m < 0 || (s->months[m / 8] >> (m % 8)) & 1u)
        return MM_OK;
    int y = PG_MONTH_FIRST_YEAR + m / 12, mo = m % 12 + 1;
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ");"
             "CREATE TABLE IF NOT EXISTS events_y%04dm%02d PARTITION OF "
             "events FOR VALUES FROM (%lld) TO (%lld)",
             y, mo, (long long)month_start_ms(m),
             (long long)month_start_ms(m + 1));
    mm_rc rc = pg_exec(s, sql, err, "create partition");
    if (rc == MM_OK)
        s->months[m / 8] |= (unsigned char)(1u << (m % 8));
    return rc;
}

void mm_hub__pg_months_forget(mm_store *base)
{
    pg_store *s = (pg_store *)base;
    memset(s->months, 0, sizeof s->months);
}

static mm_rc pg_put_event(mm_store *base, const char *tenant,
                          const mm_hub_event *ev, int64_t received, bool *dup,
                          mm_err *err)
{
    pg_store *s = (pg_store *)base;
    mm_rc rc = pg_ready(s, err);
    if (rc == MM_OK)
        rc = ensure_partition(s, ev->ts_ms, err);
    if (rc != MM_OK)
        return rc;
    char buf[48] = "";
    const char *ip = ev->src_text;
    if (!ip[0] && ev->src.family) {
        mm_addr_format(&ev->src, buf, sizeof buf);
        ip = buf;
    }
    params p = {.n = 0};
    p_text(&p, tenant);
    p_text(&p, ev->id);
    p_text(&p, ev->alert ? "alert" : "event");
    p_int(&p, ev->ts_ms);
    p_text(&p, ev->rule_id);
    p_int(&p, ev->severity);
    p_text(&p, ip);
    p_text(&p, ev->domain);
    p_text(&p, ev->path);
    p_int(&p, (int64_t)ev->users_hash);
    p_int(&p, received);
    p_bytes(&p, ev->json, ev->json_len);
    PGresult *r;
    rc = pg_run(s, &q_event_put, &p, &r, err, "insert event");
    if (rc != MM_OK) {
        mm_hub__pg_months_forget(base); /* a month may have been dropped */
        return rc;
    }
    *dup = strcmp(PQcmdTuples(r), "0") == 0;
    PQclear(r);
    return MM_OK;
}

/* Appends one field of a COPY text row, escaped, then `sep`. */
static mm_rc copy_field(mm_buf *b, const char *p, size_t n, char sep)
{
    size_t run = 0;
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        char c = p[i];
        const char *esc = c == '\\'   ? "\\\\"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                                      : NULL;
        if (!esc)
            continue;
        rc = mm_buf_append(b, p + run, i - run);
        if (rc == MM_OK)
            rc = mm_buf_append(b, esc, 2);
        run = i + 1;
    }
    if (rc == MM_OK)
        rc = mm_buf_append(b, p + run, n - run);
    return rc == MM_OK ? mm_buf_append(b, &sep, 1) : rc;
}

static mm_rc copy_text(mm_buf *b, const char *t)
{
    return copy_field(b, t, strlen(t), '\t');
}

/* One staging row (ord, then the columns of events but tenant and
 * received). */
static mm_rc copy_row(mm_buf *b, size_t ord, const mm_hub_event *e, int64_t ts)
{
    char ip[48] = "";
    const char *src = e->src_text;
    if (!src[0] && e->src.family) {
        mm_addr_format(&e->src, ip, sizeof ip);
        src = ip;
    }
    mm_rc rc = mm_buf_printf(b, "%zu\t", ord);
    if (rc == MM_OK)
        rc = copy_text(b, e->id);
    if (rc == MM_OK)
        rc = mm_buf_printf(b, "%s\t%lld\t", e->alert ? "alert" : "event",
                           (long long)ts);
    if (rc == MM_OK)
        rc = copy_text(b, e->rule_id);
    if (rc == MM_OK)
        rc = mm_buf_printf(b, "%d\t", e->severity);
    if (rc == MM_OK)
        rc = copy_text(b, src);
    if (rc == MM_OK)
        rc = copy_text(b, e->domain);
    if (rc == MM_OK)
        rc = copy_text(b, e->path);
    if (rc == MM_OK)
        rc = mm_buf_printf(b, "%lld\t", (long long)(int64_t)e->users_hash);
    if (rc == MM_OK)
        rc = copy_field(b, e->json ? e->json : "", e->json ? e->json_len : 0,
                        '\n');
    return rc;
}

/* Sends the staging rows with COPY … FROM STDIN. */
static mm_rc copy_in(pg_store *s, const mm_buf *b, mm_err *err)
{
    PGresult *r = PQexec(s->c, "COPY mm_batch FROM STDIN");
    bool in = PQresultStatus(r) == PGRES_COPY_IN;
    mm_rc rc = in ? MM_OK : pg_fail(s, r, err, "copy batch");
    PQclear(r);
    if (!in)
        return rc;
    if (PQputCopyData(s->c, b->data ? b->data : "", (int)b->len) != 1 ||
        PQputCopyEnd(s->c, NULL) != 1)
        rc = pg_fail(s, NULL, err, "copy batch");
    while ((r = PQgetResult(s->c)) != NULL) {
        if (rc == MM_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            rc = pg_fail(s, r, err, "copy batch");
        PQclear(r);
    }
    return rc;
}

/* A batch in two round trips whatever its size: COPY into the session's
 * staging table, then one statement inserts the new events and returns
 * their ordinals (put_event would take one round trip per event). */
static mm_rc pg_put_events(mm_store *base, const char *tenant,
                           const mm_hub_event *ev, size_t n, int64_t received,
                           int64_t ts_max, bool *dup, mm_err *err)
{
    pg_store *s = (pg_store *)base;
    mm_rc rc = pg_ready(s, err);
    mm_buf b;
    mm_buf_init(&b, (size_t)1 << 30);
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        int64_t ts = ev[i].ts_ms > ts_max ? received : ev[i].ts_ms;
        dup[i] = true;
        rc = ensure_partition(s, ts, err);
        if (rc == MM_OK && copy_row(&b, i, &ev[i], ts) != MM_OK)
            rc = mm_err_set(err, MM_ENOMEM, "postgresql", 0, "out of memory");
    }
    if (rc == MM_OK && n)
        rc = copy_in(s, &b, err);
    mm_buf_free(&b);
    if (rc != MM_OK || n == 0)
        return rc;
    params p = {.n = 0};
    p_text(&p, tenant);
    p_int(&p, received);
    PGresult *r;
    rc = pg_run(s, &q_batch_put, &p, &r, err, "insert batch");
    if (rc != MM_OK) {
        mm_hub__pg_months_forget(base); /* a month may have been dropped */
        return rc;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t ord = col_i64(r, i, 0);
        if (ord >= 0 && (size_t)ord < n)
            dup[ord] = false;
    }
    PQclear(r);
    return MM_OK;
}

/* ---- reading rows --------------------------------------------------------
 */

/* A caller's row callback and its data. */
typedef mm_store_visit visit;

typedef mm_rc (*row_reader)(const PGresult *r, int row, const visit *v);

/* Runs q and hands each row to `read` until the rows end or the callback
 * stops the walk (its rc is returned). */
static mm_rc list_rows(pg_store *s, const stmt *q, const params *p,
                       row_reader read, const visit *v, mm_err *err,
                       const char *what)
{
    PGresult *r;
    mm_rc rc = pg_run(s, q, p, &r, err, what);
    if (rc != MM_OK)
        return rc;
    int n = PQntuples(r);
    for (int i = 0; i < n && rc == MM_OK; i++)
        rc = read(r, i, v);
    PQclear(r);
    return rc;
}

/* list_rows for a statement with one integer parameter. */
static mm_rc list_rows_i(pg_store *s, const stmt *q, int64_t arg,
                         row_reader read, const visit *v, mm_err *err,
                         const char *what)
{
    params p = {.n = 0};
    p_int(&p, arg);
    return list_rows(s, q, &p, read, v, err, what);
}

static mm_rc event_row(const PGresult *r, int i, const visit *v)
{
    mm_event_row row;
    memset(&row, 0, sizeof row);
    row.tenant = PQgetvalue(r, i, 0);
    row.ts_ms = col_i64(r, i, 1);
    row.severity = (int)col_i64(r, i, 2);
    row.rule_id = PQgetvalue(r, i, 3);
    const char *ip = PQgetvalue(r, i, 4);
    if (ip && *ip)
        mm_addr_parse(ip, strlen(ip), &row.src);
    row.domain = PQgetvalue(r, i, 5);
    row.path = PQgetvalue(r, i, 6);
    row.users_hash = (uint64_t)col_i64(r, i, 7);
    return v->fn.event(&row, v->ud);
}

/* The window can hold millions of events: rows are fetched one at a time
 * (single-row mode) instead of the whole result in memory. The callbacks
 * only fill the in-memory index; they do not use the store. */
static mm_rc pg_scan_events(mm_store *base, int64_t since, mm_event_row_fn fn,
                            void *ud, mm_err *err)
{
    pg_store *s = (pg_store *)base;
    mm_rc rc = pg_ready(s, err);
    if (rc != MM_OK)
        return rc;
    params p = {.n = 0};
    p_int(&p, since);
    if (!PQsendQueryPrepared(s->c, q_event_scan.name, p.n, p.v, p.len, p.fmt,
                             0))
        return pg_fail(s, NULL, err, "scan events");
    PQsetSingleRowMode(s->c);
    visit v = {.fn.event = fn, .ud = ud};
    PGresult *r;
    while ((r = PQgetResult(s->c)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_SINGLE_TUPLE && rc == MM_OK)
            rc = event_row(r, 0, &v);
        else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK &&
                 rc == MM_OK)
            rc = pg_fail(s, r, err, "scan events");
        PQclear(r); /* after a stop, the rest is drained */
    }
    return rc;
}

/* ---- tenants and links ----------------------------------------------------
 */

static mm_rc pg_tenant_put(mm_store *base, const mm_tenant *t, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, t->id);
    p_text(&p, t->name);
    p_text(&p, mm_tenant_kind_name(t->kind));
    p_text(&p, t->industry);
    p_text(&p, t->region);
    p_text(&p, t->token_hash);
    p_text(&p, t->ranges);
    return pg_run((pg_store *)base, &q_tenant_put, &p, NULL, err,
                  "put tenant");
}

static mm_rc tenant_row(const PGresult *r, int i, const visit *v)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    char kind[16];
    col_copy(r, i, 0, t.id, sizeof t.id);
    col_copy(r, i, 1, t.name, sizeof t.name);
    col_copy(r, i, 2, kind, sizeof kind);
    mm_tenant_kind_from_name(kind, &t.kind);
    col_copy(r, i, 3, t.industry, sizeof t.industry);
    col_copy(r, i, 4, t.region, sizeof t.region);
    col_copy(r, i, 5, t.token_hash, sizeof t.token_hash);
    col_copy(r, i, 6, t.ranges, sizeof t.ranges);
    return v->fn.tenant(&t, v->ud);
}

static mm_rc pg_tenant_list(mm_store *base, mm_tenant_fn fn, void *ud,
                            mm_err *err)
{
    return list_rows((pg_store *)base, &q_tenant_list, NULL, tenant_row,
                     &(visit){.fn.tenant = fn, .ud = ud}, err, "list tenants");
}

static mm_rc pg_link_put(mm_store *base, const mm_link *l, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, l->supplier);
    p_text(&p, l->customer);
    p_bool(&p, l->disclose);
    return pg_run((pg_store *)base, &q_link_put, &p, NULL, err, "put link");
}

static mm_rc link_row(const PGresult *r, int i, const visit *v)
{
    mm_link l;
    col_copy(r, i, 0, l.supplier, sizeof l.supplier);
    col_copy(r, i, 1, l.customer, sizeof l.customer);
    l.disclose = col_bool(r, i, 2);
    return v->fn.link(&l, v->ud);
}

static mm_rc pg_link_list(mm_store *base, mm_link_row_fn fn, void *ud,
                          mm_err *err)
{
    return list_rows((pg_store *)base, &q_link_list, NULL, link_row,
                     &(visit){.fn.link = fn, .ud = ud}, err, "list links");
}

/* ---- campaigns and hits ---------------------------------------------------
 */

/* Runs q and reads the one id it returns into *id. */
static mm_rc run_returning(pg_store *s, const stmt *q, const params *p,
                           int64_t *id, mm_err *err, const char *what)
{
    PGresult *r;
    mm_rc rc = pg_run(s, q, p, &r, err, what);
    if (rc != MM_OK)
        return rc;
    if (PQntuples(r) == 1)
        *id = col_i64(r, 0, 0);
    else
        rc = mm_err_set(err, MM_EIO, "postgresql", 0,
                        "postgresql %s: no id returned", what);
    PQclear(r);
    return rc;
}

static mm_rc pg_campaign_put(mm_store *base, mm_campaign *c, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, c->key_type);
    p_text(&p, c->key);
    p_int(&p, c->opened_ms);
    p_int(&p, c->first_ts);
    p_int(&p, c->last_ts);
    p_int(&p, c->tenants);
    p_int(&p, c->score);
    p_int(&p, c->severity);
    p_bool(&p, c->escalated);
    p_int(&p, c->closed_ts);
    if (c->id) {
        p_int(&p, c->id);
        return pg_run((pg_store *)base, &q_camp_upd, &p, NULL, err,
                      "put campaign");
    }
    return run_returning((pg_store *)base, &q_camp_ins, &p, &c->id, err,
                         "put campaign");
}

static mm_rc campaign_row(const PGresult *r, int i, const visit *v)
{
    mm_campaign c;
    memset(&c, 0, sizeof c);
    c.id = col_i64(r, i, 0);
    col_copy(r, i, 1, c.key_type, sizeof c.key_type);
    col_copy(r, i, 2, c.key, sizeof c.key);
    c.opened_ms = col_i64(r, i, 3);
    c.first_ts = col_i64(r, i, 4);
    c.last_ts = col_i64(r, i, 5);
    c.tenants = (unsigned)col_i64(r, i, 6);
    c.score = (unsigned)col_i64(r, i, 7);
    c.severity = (int)col_i64(r, i, 8);
    c.escalated = col_bool(r, i, 9);
    c.closed_ts = col_i64(r, i, 10);
    return v->fn.campaign(&c, v->ud);
}

static mm_rc pg_campaign_list(mm_store *base, mm_campaign_fn fn, void *ud,
                              mm_err *err)
{
    return list_rows((pg_store *)base, &q_camp_list, NULL, campaign_row,
                     &(visit){.fn.campaign = fn, .ud = ud}, err,
                     "list campaigns");
}

static mm_rc pg_hit_put(mm_store *base, const mm_hit *h, mm_err *err)
{
    params p = {.n = 0};
    p_int(&p, h->campaign);
    p_text(&p, h->tenant);
    p_int(&p, h->first_ts);
    p_int(&p, h->last_ts);
    p_int(&p, (int64_t)h->count);
    return pg_run((pg_store *)base, &q_hit_put, &p, NULL, err, "put hit");
}

static mm_rc hit_row(const PGresult *r, int i, const visit *v)
{
    mm_hit h;
    h.campaign = col_i64(r, i, 0);
    col_copy(r, i, 1, h.tenant, sizeof h.tenant);
    h.first_ts = col_i64(r, i, 2);
    h.last_ts = col_i64(r, i, 3);
    h.count = (uint64_t)col_i64(r, i, 4);
    return v->fn.hit(&h, v->ud);
}

static mm_rc pg_hit_list(mm_store *base, int64_t campaign, mm_hit_fn fn,
                         void *ud, mm_err *err)
{
    return list_rows_i((pg_store *)base, &q_hit_list, campaign, hit_row,
                       &(visit){.fn.hit = fn, .ud = ud}, err, "list hits");
}

/* ---- indicators ------------------------------------------------------------
 */

static mm_rc pg_indicator_put(mm_store *base, mm_indicator *i, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, i->type);
    p_text(&p, i->value);
    p_int(&p, i->campaign);
    p_int(&p, i->confidence);
    p_int(&p, i->first_seen);
    p_int(&p, i->last_seen);
    p_int(&p, i->valid_until);
    p_bool(&p, i->removed);
    return run_returning((pg_store *)base, &q_ind_put, &p, &i->seq, err,
                         "put indicator");
}

static mm_rc indicator_row(const PGresult *r, int row, const visit *v)
{
    mm_indicator i;
    i.seq = col_i64(r, row, 0);
    col_copy(r, row, 1, i.type, sizeof i.type);
    col_copy(r, row, 2, i.value, sizeof i.value);
    i.campaign = col_i64(r, row, 3);
    i.confidence = (unsigned)col_i64(r, row, 4);
    i.first_seen = col_i64(r, row, 5);
    i.last_seen = col_i64(r, row, 6);
    i.valid_until = col_i64(r, row, 7);
    i.removed = col_bool(r, row, 8);
    return v->fn.indicator(&i, v->ud);
}

static mm_rc pg_indicator_list(mm_store *base, int64_t since,
                               mm_indicator_fn fn, void *ud, mm_err *err)
{
    return list_rows_i((pg_store *)base, &q_ind_list, since, indicator_row,
                       &(visit){.fn.indicator = fn, .ud = ud}, err,
                       "list indicators");
}

/* ---- warnings and escalations ---------------------------------------------
 */

static mm_rc pg_warning_put(mm_store *base, mm_warning *w, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, w->tenant);
    p_int(&p, w->campaign);
    p_text(&p, w->kind);
    p_int(&p, w->severity);
    p_int(&p, w->created_ms);
    p_text(&p, w->text_ja);
    p_text(&p, w->text_en);
    p_int(&p, w->hook_state);
    p_int(&p, w->hook_attempts);
    p_int(&p, w->hook_next_ms);
    return run_returning((pg_store *)base, &q_warn_put, &p, &w->id, err,
                         "put warning");
}

static mm_rc warning_row(const PGresult *r, int i, const visit *v)
{
    mm_warning *w = v->w;
    w->id = col_i64(r, i, 0);
    col_copy(r, i, 1, w->tenant, sizeof w->tenant);
    w->campaign = col_i64(r, i, 2);
    col_copy(r, i, 3, w->kind, sizeof w->kind);
    w->severity = (int)col_i64(r, i, 4);
    w->created_ms = col_i64(r, i, 5);
    col_copy(r, i, 6, w->text_ja, sizeof w->text_ja);
    col_copy(r, i, 7, w->text_en, sizeof w->text_en);
    w->hook_state = (int)col_i64(r, i, 8);
    w->hook_attempts = (unsigned)col_i64(r, i, 9);
    w->hook_next_ms = col_i64(r, i, 10);
    return v->fn.warning(w, v->ud);
}

static mm_rc warn_rows(pg_store *s, const stmt *q, const params *p,
                       mm_warning_fn fn, void *ud, mm_err *err)
{
    visit v = {.fn.warning = fn, .ud = ud, .w = malloc(sizeof *v.w)};
    if (!v.w)
        return mm_err_set(err, MM_ENOMEM, "postgresql", 0, "out of memory");
    mm_rc rc = list_rows(s, q, p, warning_row, &v, err, "list warnings");
    free(v.w);
    return rc;
}

static mm_rc pg_warning_list(mm_store *base, const char *tenant, int64_t since,
                             mm_warning_fn fn, void *ud, mm_err *err)
{
    params p = {.n = 0};
    if (tenant)
        p_text(&p, tenant);
    p_int(&p, since);
    return warn_rows((pg_store *)base,
                     tenant ? &q_warn_list_t : &q_warn_list_all, &p, fn, ud,
                     err);
}

static mm_rc pg_warning_hooks_due(mm_store *base, int64_t now,
                                  mm_warning_fn fn, void *ud, mm_err *err)
{
    params p = {.n = 0};
    p_int(&p, now);
    return warn_rows((pg_store *)base, &q_warn_due, &p, fn, ud, err);
}

static mm_rc pg_warning_hook_mark(mm_store *base, int64_t id, int state,
                                  unsigned attempts, int64_t next_ms,
                                  mm_err *err)
{
    params p = {.n = 0};
    p_int(&p, state);
    p_int(&p, attempts);
    p_int(&p, next_ms);
    p_int(&p, id);
    return pg_run((pg_store *)base, &q_warn_mark, &p, NULL, err,
                  "mark warning");
}

static mm_rc pg_escalation_put(mm_store *base, mm_escalation *e, mm_err *err)
{
    params p = {.n = 0};
    p_int(&p, e->campaign);
    p_text(&p, e->reason);
    p_int(&p, e->score);
    p_int(&p, e->created_ms);
    return run_returning((pg_store *)base, &q_esc_put, &p, &e->id, err,
                         "put escalation");
}

static mm_rc escalation_row(const PGresult *r, int i, const visit *v)
{
    mm_escalation e;
    e.id = col_i64(r, i, 0);
    e.campaign = col_i64(r, i, 1);
    col_copy(r, i, 2, e.reason, sizeof e.reason);
    e.score = (unsigned)col_i64(r, i, 3);
    e.created_ms = col_i64(r, i, 4);
    return v->fn.escalation(&e, v->ud);
}

static mm_rc pg_escalation_list(mm_store *base, mm_escalation_fn fn, void *ud,
                                mm_err *err)
{
    return list_rows((pg_store *)base, &q_esc_list, NULL, escalation_row,
                     &(visit){.fn.escalation = fn, .ud = ud}, err,
                     "list escalations");
}

/* ---- webhooks and state indicators ----------------------------------------
 */

static mm_rc pg_webhook_set(mm_store *base, const char *tenant,
                            const char *url, const char *secret, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, tenant);
    bool del = !url || !*url;
    if (!del) {
        p_text(&p, url);
        p_text(&p, secret);
    }
    return pg_run((pg_store *)base, del ? &q_hook_del : &q_hook_set, &p, NULL,
                  err, "set webhook");
}

/* Runs a one-row lookup: MM_ENOTFOUND (err untouched) when no row. */
static mm_rc get_row(pg_store *s, const stmt *q, const params *p, PGresult **r,
                     mm_err *err, const char *what)
{
    mm_rc rc = pg_run(s, q, p, r, err, what);
    if (rc == MM_OK && PQntuples(*r) == 0) {
        PQclear(*r);
        *r = NULL;
        rc = MM_ENOTFOUND;
    }
    return rc;
}

static mm_rc pg_webhook_get(mm_store *base, const char *tenant, char *url,
                            char *secret, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, tenant);
    PGresult *r;
    mm_rc rc =
        get_row((pg_store *)base, &q_hook_get, &p, &r, err, "get webhook");
    if (rc != MM_OK)
        return rc;
    col_copy(r, 0, 0, url, 1024);
    col_copy(r, 0, 1, secret, 128);
    PQclear(r);
    return MM_OK;
}

static mm_rc pg_stateioc_put(mm_store *base, const mm_stateioc *i, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, i->type);
    p_text(&p, i->value);
    p_text(&p, i->source);
    return pg_run((pg_store *)base, &q_sioc_put, &p, NULL, err,
                  "put state indicator");
}

static mm_rc stateioc_row(const PGresult *r, int row, const visit *v)
{
    mm_stateioc i;
    col_copy(r, row, 0, i.type, sizeof i.type);
    col_copy(r, row, 1, i.value, sizeof i.value);
    col_copy(r, row, 2, i.source, sizeof i.source);
    return v->fn.stateioc(&i, v->ud);
}

static mm_rc pg_stateioc_list(mm_store *base, mm_stateioc_fn fn, void *ud,
                              mm_err *err)
{
    return list_rows((pg_store *)base, &q_sioc_list, NULL, stateioc_row,
                     &(visit){.fn.stateioc = fn, .ud = ud}, err,
                     "list state indicators");
}

/* ---- statistics ------------------------------------------------------------
 */

static mm_rc pg_stats(mm_store *base, mm_store_stats *o, mm_err *err)
{
    pg_store *s = (pg_store *)base;
    memset(o, 0, sizeof *o);
    mm_rc rc = pg_ready(s, err);
    if (rc != MM_OK)
        return rc;
    PGresult *r =
        PQexec(s->c, "SELECT (SELECT count(*) FROM event_keys),"
                     "pg_database_size(current_database()),"
                     "(SELECT count(*) FROM campaigns),"
                     "(SELECT count(*) FROM warnings),"
                     "(SELECT count(*) FROM indicators WHERE NOT removed),"
                     "(SELECT count(*) FROM escalations),"
                     "(SELECT coalesce(max(ts),0) FROM events)");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        rc = pg_fail(s, r, err, "stats");
        PQclear(r);
        return rc;
    }
    o->events = (uint64_t)col_i64(r, 0, 0);
    o->size_bytes = (uint64_t)col_i64(r, 0, 1);
    o->campaigns = (uint64_t)col_i64(r, 0, 2);
    o->warnings = (uint64_t)col_i64(r, 0, 3);
    o->indicators = (uint64_t)col_i64(r, 0, 4);
    o->escalations = (uint64_t)col_i64(r, 0, 5);
    o->max_ts = col_i64(r, 0, 6);
    PQclear(r);
    return MM_OK;
}

/* ---- SCS buyer view
 * ---------------------------------------------------------- */

static const char *scs_level_text(int level)
{
    return level == 4 ? "★4" : level == 3 ? "★3" : "none";
}

static int scs_level_of(const char *t)
{
    return strcmp(t, "★4") == 0 ? 4 : strcmp(t, "★3") == 0 ? 3 : 0;
}

static mm_rc pg_scs_requirement_put(mm_store *base, const char *buyer,
                                    const char *supplier, int level,
                                    int64_t set_ms, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, buyer);
    p_text(&p, supplier);
    p_text(&p, scs_level_text(level));
    p_int(&p, set_ms);
    return pg_run((pg_store *)base, &q_scs_req_put, &p, NULL, err,
                  "put scs requirement");
}

static mm_rc pg_scs_requirement_get(mm_store *base, const char *buyer,
                                    const char *supplier, int *level,
                                    int64_t *set_ms, mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, buyer);
    p_text(&p, supplier);
    PGresult *r;
    mm_rc rc = get_row((pg_store *)base, &q_scs_req_get, &p, &r, err,
                       "get scs requirement");
    if (rc != MM_OK)
        return rc;
    *level = scs_level_of(PQgetvalue(r, 0, 0));
    if (set_ms)
        *set_ms = col_i64(r, 0, 1);
    PQclear(r);
    return MM_OK;
}

static mm_rc pg_scs_confirmation_put(mm_store *base,
                                     const mm_hub_scs_confirmation *c,
                                     mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, c->supplier);
    p_int(&p, c->received_ms);
    p_text(&p, scs_level_text(c->achieved));
    p_text(&p, scs_level_text(c->target));
    p_text(&p, c->expert_name);
    p_text(&p, c->registration_no);
    p_text(&p, c->confirmed_date);
    p_text(&p, c->catalogue_version);
    p_text(&p, c->public_key);
    p_bytes(&p, c->document, c->document ? c->document_len : 0);
    return pg_run((pg_store *)base, &q_scs_conf_put, &p, NULL, err,
                  "put scs confirmation");
}

static mm_rc pg_scs_confirmation_latest(mm_store *base, const char *supplier,
                                        mm_hub_scs_confirmation *out,
                                        mm_err *err)
{
    params p = {.n = 0};
    p_text(&p, supplier);
    PGresult *r;
    mm_rc rc = get_row((pg_store *)base, &q_scs_conf_latest, &p, &r, err,
                       "get scs confirmation");
    if (rc != MM_OK)
        return rc;
    memset(out, 0, sizeof *out);
    col_copy(r, 0, 0, out->supplier, sizeof out->supplier);
    out->received_ms = col_i64(r, 0, 1);
    out->achieved = scs_level_of(PQgetvalue(r, 0, 2));
    out->target = scs_level_of(PQgetvalue(r, 0, 3));
    col_copy(r, 0, 4, out->expert_name, sizeof out->expert_name);
    col_copy(r, 0, 5, out->registration_no, sizeof out->registration_no);
    col_copy(r, 0, 6, out->confirmed_date, sizeof out->confirmed_date);
    col_copy(r, 0, 7, out->catalogue_version, sizeof out->catalogue_version);
    col_copy(r, 0, 8, out->public_key, sizeof out->public_key);
    PQclear(r);
    return MM_OK;
}

static mm_rc pg_event_count(mm_store *base, const char *tenant,
                            const char *kind, const char *src_ip, uint64_t *n,
                            mm_err *err)
{
    params p = {.n = 0};
    p_text_or_null(&p, tenant);
    p_text_or_null(&p, kind);
    p_text_or_null(&p, src_ip);
    PGresult *r;
    *n = 0;
    mm_rc rc =
        get_row((pg_store *)base, &q_event_count, &p, &r, err, "count events");
    if (rc == MM_OK) {
        *n = (uint64_t)col_i64(r, 0, 0);
        PQclear(r);
    }
    return rc;
}

static const mm_store_ops pg_ops = {
    .name = "postgresql",
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .put_event = pg_put_event,
    .scan_events = pg_scan_events,
    .tenant_put = pg_tenant_put,
    .tenant_list = pg_tenant_list,
    .link_put = pg_link_put,
    .link_list = pg_link_list,
    .campaign_put = pg_campaign_put,
    .campaign_list = pg_campaign_list,
    .hit_put = pg_hit_put,
    .hit_list = pg_hit_list,
    .indicator_put = pg_indicator_put,
    .indicator_list = pg_indicator_list,
    .warning_put = pg_warning_put,
    .warning_list = pg_warning_list,
    .warning_hooks_due = pg_warning_hooks_due,
    .warning_hook_mark = pg_warning_hook_mark,
    .escalation_put = pg_escalation_put,
    .escalation_list = pg_escalation_list,
    .webhook_set = pg_webhook_set,
    .webhook_get = pg_webhook_get,
    .stateioc_put = pg_stateioc_put,
    .stateioc_list = pg_stateioc_list,
    .stats = pg_stats,
    .background = NULL, /* commits are durable by themselves */
    .sync = NULL,
    .scs_requirement_put = pg_scs_requirement_put,
    .scs_requirement_get = pg_scs_requirement_get,
    .scs_confirmation_put = pg_scs_confirmation_put,
    .scs_confirmation_latest = pg_scs_confirmation_latest,
    .event_count = pg_event_count,
    .put_events = pg_put_events,
    .token_put = mm_hub__pg_token_put,
    .token_get = mm_hub__pg_token_get,
    .token_list = mm_hub__pg_token_list,
    .token_touch = mm_hub__pg_token_touch,
    .tenant_usage = mm_hub__pg_tenant_usage,
    .events_prune = mm_hub__pg_events_prune,
    .probe = mm_hub__pg_probe,
    .notify_pref_put = mm_hub__pg_notify_pref_put,
    .notify_pref_del = mm_hub__pg_notify_pref_del,
    .notify_pref_list = mm_hub__pg_notify_pref_list,
    .outbox_put = mm_hub__pg_outbox_put,
    .outbox_due = mm_hub__pg_outbox_due,
    .outbox_list = mm_hub__pg_outbox_list,
    .outbox_mark = mm_hub__pg_outbox_mark,
    .flag_get = mm_hub__pg_flag_get,
    .flag_put = mm_hub__pg_flag_put,
    .event_histogram = mm_hub__pg_event_histogram,
    .user_put = mm_hub__pg_user_put,
    .user_get = mm_hub__pg_user_get,
    .user_list = mm_hub__pg_user_list,
    .user_del = mm_hub__pg_user_del,
    .provider_link_put = mm_hub__pg_provider_link_put,
    .provider_link_list = mm_hub__pg_provider_link_list,
    .session_put = mm_hub__pg_session_put,
    .session_get = mm_hub__pg_session_get,
    .session_touch = mm_hub__pg_session_touch,
    .session_del = mm_hub__pg_session_del,
    .alert_list = mm_hub__pg_alert_list,
    .alert_state_set = mm_hub__pg_alert_state_set,
    .audit_put = mm_hub__pg_audit_put,
    .audit_list = mm_hub__pg_audit_list,
    .case_put = mm_hub__pg_case_put,
    .case_list = mm_hub__pg_case_list,
    .case_step_put = mm_hub__pg_case_step_put,
    .case_step_list = mm_hub__pg_case_step_list,
    .dispatch_put = mm_hub__pg_dispatch_put,
    .dispatch_list = mm_hub__pg_dispatch_list,
    .alert_summary = mm_hub__pg_alert_summary,
    .scs_registrant_put = mm_hub__pg_scs_registrant_put,
    .scs_registrant_by_key = mm_hub__pg_scs_registrant_by_key,
    .scs_registrant_list = mm_hub__pg_scs_registrant_list,
    .tenant_events = mm_hub__pg_tenant_events,
    .dataset_events = mm_hub__pg_dataset_events,
    .scs_answers_put = mm_hub__pg_scs_answers_put,
    .scs_answers_get = mm_hub__pg_scs_answers_get,
    .scs_request_put = mm_hub__pg_scs_request_put,
    .scs_request_get = mm_hub__pg_scs_request_get,
    .scs_request_list = mm_hub__pg_scs_request_list,
    .scs_request_mark = mm_hub__pg_scs_request_mark,
    .event_parts_claim = mm_hub__pg_event_parts_claim,
    .part_lock = mm_hub__pg_part_lock,
    .part_locks = mm_hub__pg_part_locks,
    .events_prune_step = mm_hub__pg_events_prune_step,
};

/* ---- opening and migrations -----------------------------------------------
 */

/* The schema version of the database: 0 for an empty one; -1 (err set)
 * for a database that holds other tables but no mamori schema. */
static mm_rc schema_version(pg_store *s, int *version, mm_err *err)
{
    PGresult *r =
        PQexec(s->c, "SELECT to_regclass('mamori_schema') IS NOT NULL,"
                     "(SELECT count(*) FROM pg_tables WHERE "
                     "schemaname=current_schema())");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        mm_rc rc = pg_fail(s, r, err, "read the schema version");
        PQclear(r);
        return rc;
    }
    bool has = col_bool(r, 0, 0);
    int64_t tables = col_i64(r, 0, 1);
    PQclear(r);
    *version = 0;
    if (!has)
        return tables == 0
                   ? MM_OK
                   : mm_err_set(err, MM_EINVAL, "postgresql", 0,
                                "このデータベースには mamori 以外の表があり"
                                "ます / the database has tables but no "
                                "mamori schema: use an empty database");
    r = PQexec(s->c, "SELECT coalesce(max(version),0) FROM mamori_schema");
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        mm_rc rc = pg_fail(s, r, err, "read the schema version");
        PQclear(r);
        return rc;
    }
    *version = (int)col_i64(r, 0, 0);
    PQclear(r);
    return MM_OK;
}

static mm_rc newer_schema(int v, mm_err *err)
{
    return mm_err_set(err, MM_EINVAL, "postgresql", 0,
                      "データベースのスキーマ (版 %d) はこの mamori (版 %d) "
                      "より新しい / the database schema (version %d) is "
                      "newer than this mamori knows (%d): upgrade mamori",
                      v, PG_SCHEMA_VERSION, v, PG_SCHEMA_VERSION);
}

/* Applies every migration after the database's version in one transaction,
 * under the advisory lock (two front ends opening one empty database at
 * once: the second waits and finds it done). */
static mm_rc migrate(pg_store *s, int *from, int *to, mm_err *err)
{
    int v = 0;
    /* indexes on events built first without a table lock
     * (store-pg-maint.c) */
    mm_rc rc = schema_version(s, &v, err);
    if (rc == MM_OK)
        rc = mm_hub__pg_index_online(s->c, v, err);
    if (rc == MM_OK)
        rc = pg_exec(s, "BEGIN; SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")",
                     err, "lock for migration");
    if (rc == MM_OK)
        rc = schema_version(s, &v, err);
    if (rc == MM_OK && v > PG_SCHEMA_VERSION)
        rc = newer_schema(v, err);
    if (rc == MM_OK && v == 0)
        rc = pg_exec(s,
                     "CREATE TABLE mamori_schema(version integer PRIMARY "
                     "KEY, applied timestamptz NOT NULL DEFAULT now())",
                     err, "migration");
    for (int i = v; rc == MM_OK && i < PG_SCHEMA_VERSION; i++) {
        char sql[96];
        rc = pg_exec(s, migrations[i], err, "migration");
        snprintf(sql, sizeof sql,
                 "INSERT INTO mamori_schema(version) VALUES(%d)", i + 1);
        if (rc == MM_OK)
            rc = pg_exec(s, sql, err, "migration");
    }
    if (rc == MM_OK)
        rc = pg_exec(s, "COMMIT", err, "commit migration");
    else
        PQclear(PQexec(s->c, "ROLLBACK"));
    if (from)
        *from = v;
    if (to)
        *to = rc == MM_OK && v < PG_SCHEMA_VERSION ? PG_SCHEMA_VERSION : v;
    return rc;
}

/* libpq prints the server's notices and warnings on stderr by default (a
 * library prints nothing: a lost connection is reported as an error of
 * the call that met it). */
static void quiet_notice(void *ud, const char *msg)
{
    (void)ud;
    (void)msg;
}

static mm_rc connect_store(const char *uri, pg_store **out, mm_err *err)
{
    *out = NULL;
    pg_store *s = calloc(1, sizeof *s);
    if (!s)
        return mm_err_set(err, MM_ENOMEM, "postgresql", 0, "out of memory");
    s->base.ops = &pg_ops;
    s->c = PQconnectdb(uri);
    PQsetNoticeProcessor(s->c, quiet_notice, NULL); /* kept by PQreset */
    if (PQstatus(s->c) != CONNECTION_OK) {
        mm_rc rc = pg_fail(s, NULL, err, "connect");
        pg_close(&s->base);
        return rc;
    }
    mm_rc rc = PQsetClientEncoding(s->c, "UTF8") == 0
                   ? pg_exec(s, "SET client_min_messages=warning", err,
                             "set up the session")
                   : pg_fail(s, NULL, err, "set client encoding");
    if (rc != MM_OK) {
        pg_close(&s->base);
        return rc;
    }
    *out = s;
    return MM_OK;
}

bool mm_store_is_pg(const char *uri)
{
    return strncmp(uri, "postgresql://", 13) == 0 ||
           strncmp(uri, "postgres://", 11) == 0;
}

mm_rc mm_store_migrate(const char *uri, int *from, int *to, mm_err *err)
{
    if (!mm_store_is_pg(uri)) {
        mm_store *st;
        mm_rc rc = mm_store_open(uri, &st, err);
        if (rc == MM_OK)
            mm_store_close(st);
        if (from)
            *from = 0;
        if (to)
            *to = 0;
        return rc;
    }
    pg_store *s;
    mm_rc rc = connect_store(uri, &s, err);
    if (rc != MM_OK)
        return rc;
    rc = migrate(s, from, to, err);
    pg_close(&s->base);
    return rc;
}

mm_rc mm_store_pg_open(const char *uri, mm_store **out, mm_err *err)
{
    *out = NULL;
    pg_store *s;
    mm_rc rc = connect_store(uri, &s, err);
    if (rc != MM_OK)
        return rc;
    int v = 0;
    rc = schema_version(s, &v, err);
    if (rc == MM_OK && v == 0)
        rc = migrate(s, NULL, &v, err);
    if (rc == MM_OK && v > PG_SCHEMA_VERSION)
        rc = newer_schema(v, err);
    else if (rc == MM_OK && v < PG_SCHEMA_VERSION)
        rc = mm_err_set(err, MM_EINVAL, "postgresql", 0,
                        "データベースのスキーマ (版 %d) が古い / the "
                        "database schema (version %d) is older than this "
                        "mamori (%d): run mamori hub migrate --store URI",
                        v, v, PG_SCHEMA_VERSION);
    if (rc == MM_OK)
        rc = pg_prepare_all(s, err);
    if (rc != MM_OK) {
        pg_close(&s->base);
        return rc;
    }
    *out = &s->base;
    return MM_OK;
}

/* ---- front end on the NATS bus ---------------------------------------------
 */

/* The batch goes to the bus as NDJSON (the raw lines as sent); the
 * correlator decodes it again and stores it through pg_put_events. */
static mm_rc pg_bus_put_events(mm_store *base, const char *tenant,
                               const mm_hub_event *ev, size_t n,
                               int64_t received, int64_t ts_max, bool *dup,
                               mm_err *err)
{
    pg_store *s = (pg_store *)base;
    (void)received;
    (void)ts_max;
    if (mm_bus_parts(s->bus) > 1)
        return mm_bus_publish_events(s->bus, tenant, ev, n, dup, err);
    mm_buf b;
    mm_buf_init(&b, (size_t)1 << 30);
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        rc = mm_buf_append(&b, ev[i].json, ev[i].json_len);
        if (rc == MM_OK)
            rc = mm_buf_append(&b, "\n", 1);
    }
    bool seen = false;
    if (rc != MM_OK)
        rc = mm_err_set(err, MM_ENOMEM, "<bus>", 0, "out of memory");
    else if (n)
        rc = mm_bus_publish(s->bus, tenant, b.data, b.len, &seen, err);
    mm_buf_free(&b);
    for (size_t i = 0; i < n; i++)
        dup[i] = seen;
    return rc;
}

mm_rc mm_store_attach_bus(mm_store *st, const char *urls, mm_err *err)
{
    return mm_store_attach_bus_parts(st, urls, 1, err);
}

mm_rc mm_store_attach_bus_parts(mm_store *st, const char *urls, uint32_t parts,
                                mm_err *err)
{
    if (st->ops->close != pg_close)
        return mm_err_set(err, MM_EINVAL, "<bus>", 0,
                          "a bus needs a PostgreSQL store (store = "
                          "postgresql://…)");
    pg_store *s = (pg_store *)st;
    if (s->bus)
        return mm_err_set(err, MM_EINVAL, "<bus>", 0, "bus already attached");
    mm_rc rc = mm_bus_open(urls, &s->bus, err);
    if (rc != MM_OK)
        return rc;
    mm_bus_set_parts(s->bus, parts);
    s->bus_ops = pg_ops;
    s->bus_ops.put_events = pg_bus_put_events;
    s->bus_ops.ingest_only = true;
    s->base.ops = &s->bus_ops;
    return MM_OK;
}
