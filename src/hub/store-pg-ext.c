/* SPDX-License-Identifier: Apache-2.0 */
/* store-pg-ext.c — the PostgreSQL versions of the mm_store ops added after
 * store-pg.c's first schema, with the semantics of their SQLite versions
 * (store-sqlite.c, store-sqlite-notify.c). Each group has its own schema
 * migration (appended to store-pg.c's list, never edited once shipped).
 * These are operator- or request-speed calls: plain parameterised
 * statements, not prepared ones. Text is ordered with COLLATE "C" (byte
 * order) as SQLite does. */
#include "store-pg-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- migration 2: tokens, health probe ------------------------------------
 * As in SQLite, a tenant's token from `tenant add` (tenants.token_hash) is
 * also a token row (upload+feed+read, no expiry): copied for the tenants
 * already there, and by a trigger for every tenant put after. */
const char mm_hub__pg_migration_2[] =
    "CREATE TABLE tokens(id text PRIMARY KEY, tenant text NOT NULL, hash "
    "text NOT NULL UNIQUE, scopes integer NOT NULL, created bigint NOT NULL "
    "DEFAULT 0, expires bigint NOT NULL DEFAULT 0, revoked bigint NOT NULL "
    "DEFAULT 0, last_used bigint NOT NULL DEFAULT 0);"
    "CREATE INDEX tokens_tenant ON tokens(tenant,created);"
    "CREATE TABLE health_probe(id integer PRIMARY KEY, at bigint NOT NULL);"
    "CREATE FUNCTION mm_tenant_token() RETURNS trigger LANGUAGE plpgsql AS "
    "$$BEGIN INSERT INTO tokens(id,tenant,hash,scopes) VALUES('tk_' || "
    "substr(NEW.token_hash,1,16),NEW.id,NEW.token_hash,7) ON CONFLICT DO "
    "NOTHING; RETURN NULL; END$$;"
    "CREATE TRIGGER tenants_token AFTER INSERT OR UPDATE OF token_hash ON "
    "tenants FOR EACH ROW EXECUTE FUNCTION mm_tenant_token();"
    "INSERT INTO tokens(id,tenant,hash,scopes) SELECT 'tk_' || "
    "substr(token_hash,1,16),id,token_hash,7 FROM tenants ON CONFLICT DO "
    "NOTHING;";

/* Text parameters of one statement: integers formatted in place. */
#define X_PARAMS_MAX 16
typedef struct xparams {
    const char *v[X_PARAMS_MAX];
    char num[X_PARAMS_MAX][24];
    int n;
} xparams;

static void x_text(xparams *p, const char *t)
{
    p->v[p->n++] = t;
}

static void x_int(xparams *p, int64_t x)
{
    snprintf(p->num[p->n], sizeof p->num[0], "%lld", (long long)x);
    p->v[p->n] = p->num[p->n];
    p->n++;
}

static mm_rc x_run(mm_store *s, const char *sql, const xparams *p,
                   PGresult **out, mm_err *err, const char *what)
{
    return mm_hub__pg_exec(s, sql, p ? p->n : 0, p ? p->v : NULL, out, err,
                           what);
}

static int64_t x_i64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static bool x_bool(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col)[0] == 't';
}

static void x_copy(const PGresult *r, int row, int col, char *out,
                   size_t outlen)
{
    snprintf(out, outlen, "%s", PQgetvalue(r, row, col));
}

/* Runs a query and hands each row to read(r, i, v) until the rows end or
 * it returns non-OK (that rc is returned). */
typedef mm_rc (*x_reader)(const PGresult *r, int row, const mm_store_visit *v);

static mm_rc x_rows(mm_store *s, const char *sql, const xparams *p,
                    x_reader read, const mm_store_visit *v, mm_err *err,
                    const char *what)
{
    PGresult *r = NULL;
    mm_rc rc = x_run(s, sql, p, &r, err, what);
    for (int i = 0, n = r ? PQntuples(r) : 0; rc == MM_OK && i < n; i++)
        rc = read(r, i, v);
    if (r)
        PQclear(r);
    return rc;
}

/* x_rows of "COLS WHERE tenant is $1 (NULL = every tenant) ORDER". */
static mm_rc x_rows_tenant(mm_store *s, const char *cols, const char *order,
                           const char *tenant, x_reader read,
                           const mm_store_visit *v, mm_err *err,
                           const char *what)
{
    char sql[512];
    snprintf(sql, sizeof sql, "%sWHERE $1::text IS NULL OR tenant=$1 %s", cols,
             order);
    xparams p = {.n = 0};
    x_text(&p, tenant);
    return x_rows(s, sql, &p, read, v, err, what);
}

/* ---- tokens ---------------------------------------------------------------
 */

mm_rc mm_hub__pg_token_put(mm_store *s, const mm_token *t, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, t->id);
    x_text(&p, t->tenant);
    x_text(&p, t->hash);
    const int64_t n[] = {t->scopes, t->created_ms, t->expires_ms,
                         t->revoked_ms, t->last_used_ms};
    for (size_t i = 0; i < sizeof n / sizeof *n; i++)
        x_int(&p, n[i]);
    return x_run(s,
                 "INSERT INTO tokens(id,tenant,hash,scopes,created,expires,"
                 "revoked,last_used) VALUES($1,$2,$3,$4,$5,$6,$7,$8) ON "
                 "CONFLICT(id) DO UPDATE SET scopes=excluded.scopes,expires="
                 "excluded.expires,revoked=excluded.revoked,last_used="
                 "excluded.last_used",
                 &p, NULL, err, "put token");
}

#define TOKEN_COLS                                                            \
    "SELECT id,tenant,hash,scopes,created,expires,revoked,last_used FROM "    \
    "tokens "

static void token_of(const PGresult *r, int i, mm_token *t)
{
    memset(t, 0, sizeof *t);
    x_copy(r, i, 0, t->id, sizeof t->id);
    x_copy(r, i, 1, t->tenant, sizeof t->tenant);
    x_copy(r, i, 2, t->hash, sizeof t->hash);
    t->scopes = (unsigned)x_i64(r, i, 3);
    t->created_ms = x_i64(r, i, 4);
    t->expires_ms = x_i64(r, i, 5);
    t->revoked_ms = x_i64(r, i, 6);
    t->last_used_ms = x_i64(r, i, 7);
}

mm_rc mm_hub__pg_token_get(mm_store *s, const char *hash, const char *id,
                           mm_token *out, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, hash ? hash : id);
    PGresult *r;
    mm_rc rc =
        x_run(s, hash ? TOKEN_COLS "WHERE hash=$1" : TOKEN_COLS "WHERE id=$1",
              &p, &r, err, "get token");
    if (rc != MM_OK)
        return rc;
    if (PQntuples(r) > 0)
        token_of(r, 0, out);
    else
        rc = mm_err_set(err, MM_ENOTFOUND, "<token>", 0, "no such token");
    PQclear(r);
    return rc;
}

static mm_rc token_row(const PGresult *r, int i, const mm_store_visit *v)
{
    mm_token t;
    token_of(r, i, &t);
    return v->fn.token(&t, v->ud);
}

mm_rc mm_hub__pg_token_list(mm_store *s, const char *tenant, mm_token_fn fn,
                            void *ud, mm_err *err)
{
    mm_store_visit v = {.fn.token = fn, .ud = ud};
    return x_rows_tenant(
        s, TOKEN_COLS,
        "ORDER BY tenant COLLATE \"C\",created,id COLLATE \"C\"", tenant,
        token_row, &v, err, "list tokens");
}

mm_rc mm_hub__pg_token_touch(mm_store *s, const char *id, int64_t now_ms,
                             mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, now_ms);
    x_text(&p, id);
    return x_run(s, "UPDATE tokens SET last_used=$1 WHERE id=$2", &p, NULL,
                 err, "touch token");
}

/* ---- quotas, retention, health probe --------------------------------------
 */

static mm_rc usage_row(const PGresult *r, int i, const mm_store_visit *v)
{
    return v->fn.usage(PQgetvalue(r, i, 0), (uint64_t)x_i64(r, i, 1), v->ud);
}

/* Bytes as SQLite's length() of the JSON text: characters. */
mm_rc mm_hub__pg_tenant_usage(mm_store *s, mm_usage_fn fn, void *ud,
                              mm_err *err)
{
    mm_store_visit v = {.fn.usage = fn, .ud = ud};
    return x_rows(s,
                  "SELECT tenant,sum(length(json)) FROM events GROUP BY "
                  "tenant ORDER BY tenant COLLATE \"C\"",
                  NULL, usage_row, &v, err, "usage");
}

/* events_prune: store-pg-maint.c */

mm_rc mm_hub__pg_probe(mm_store *s, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, mm_now_ms());
    return x_run(s,
                 "INSERT INTO health_probe(id,at) VALUES(1,$1) ON "
                 "CONFLICT(id) DO UPDATE SET at=excluded.at",
                 &p, NULL, err, "probe write");
}

/* ---- migration 3: notifications --------------------------------------------
 * Preferences, the outbox (state 1 pending, 2 sent: a sent row stays sent)
 * and durable flags, as store-sqlite-notify.c. */
const char mm_hub__pg_migration_3[] =
    "CREATE TABLE notify_prefs(id bigserial PRIMARY KEY, tenant text NOT "
    "NULL, channel text NOT NULL CHECK(channel IN ('email','teams','slack')),"
    " target text NOT NULL, min_severity integer NOT NULL, digest boolean "
    "NOT NULL DEFAULT false);"
    "CREATE INDEX notify_prefs_tenant ON notify_prefs(tenant);"
    "CREATE TABLE outbox(id bigserial PRIMARY KEY, pref bigint NOT NULL, "
    "tenant text NOT NULL, channel text NOT NULL, target text NOT NULL, "
    "warning bigint NOT NULL, severity integer NOT NULL, created bigint NOT "
    "NULL, digest boolean NOT NULL, subject text NOT NULL, body text NOT "
    "NULL, state integer NOT NULL, attempts integer NOT NULL, next bigint "
    "NOT NULL, last_error text NOT NULL DEFAULT '');"
    "CREATE INDEX outbox_due ON outbox(state,next);"
    "CREATE TABLE flags(key text PRIMARY KEY, val bigint NOT NULL);";

/* Runs an INSERT … RETURNING id and sets *id. */
static mm_rc x_insert(mm_store *s, const char *sql, const xparams *p,
                      int64_t *id, mm_err *err, const char *what)
{
    PGresult *r;
    mm_rc rc = x_run(s, sql, p, &r, err, what);
    if (rc == MM_OK) {
        *id = PQntuples(r) ? x_i64(r, 0, 0) : 0;
        PQclear(r);
    }
    return rc;
}

mm_rc mm_hub__pg_notify_pref_put(mm_store *s, mm_notify_pref *np, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, np->tenant);
    x_text(&p, np->channel);
    x_text(&p, np->target);
    x_int(&p, np->min_severity);
    x_text(&p, np->digest ? "t" : "f");
    return x_insert(s,
                    "INSERT INTO notify_prefs(tenant,channel,target,"
                    "min_severity,digest) VALUES($1,$2,$3,$4,$5) RETURNING id",
                    &p, &np->id, err, "put notify preference");
}

mm_rc mm_hub__pg_notify_pref_del(mm_store *s, const char *tenant, int64_t id,
                                 mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, tenant);
    x_int(&p, id);
    PGresult *r;
    mm_rc rc = x_run(s, "DELETE FROM notify_prefs WHERE tenant=$1 AND id=$2",
                     &p, &r, err, "delete notify preference");
    if (rc != MM_OK)
        return rc;
    bool none = strcmp(PQcmdTuples(r), "0") == 0;
    PQclear(r);
    return none ? mm_err_set(err, MM_ENOTFOUND, tenant, 0,
                             "no notification %lld for this tenant",
                             (long long)id)
                : MM_OK;
}

static mm_rc pref_row(const PGresult *r, int i, const mm_store_visit *v)
{
    mm_notify_pref np;
    memset(&np, 0, sizeof np);
    np.id = x_i64(r, i, 0);
    x_copy(r, i, 1, np.tenant, sizeof np.tenant);
    x_copy(r, i, 2, np.channel, sizeof np.channel);
    x_copy(r, i, 3, np.target, sizeof np.target);
    np.min_severity = (int)x_i64(r, i, 4);
    np.digest = x_bool(r, i, 5);
    return v->fn.notify_pref(&np, v->ud);
}

mm_rc mm_hub__pg_notify_pref_list(mm_store *s, const char *tenant,
                                  mm_notify_pref_fn fn, void *ud, mm_err *err)
{
    mm_store_visit v = {.fn.notify_pref = fn, .ud = ud};
    return x_rows_tenant(
        s,
        "SELECT id,tenant,channel,target,min_severity,digest FROM "
        "notify_prefs ",
        "ORDER BY id", tenant, pref_row, &v, err, "list notify preferences");
}

mm_rc mm_hub__pg_outbox_put(mm_store *s, mm_outbox_msg *m, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, m->pref);
    x_text(&p, m->tenant);
    x_text(&p, m->channel);
    x_text(&p, m->target);
    const int64_t n[] = {m->warning, m->severity, m->created_ms, m->digest};
    for (size_t i = 0; i < sizeof n / sizeof *n; i++)
        x_int(&p, n[i]);
    x_text(&p, m->subject);
    x_text(&p, m->body);
    x_int(&p, m->state);
    x_int(&p, m->attempts);
    x_int(&p, m->next_ms);
    x_text(&p, m->last_error);
    return x_insert(s,
                    "INSERT INTO outbox(pref,tenant,channel,target,warning,"
                    "severity,created,digest,subject,body,state,attempts,next,"
                    "last_error) VALUES($1,$2,$3,$4,$5,$6,$7,$8::int::boolean,"
                    "$9,$10,$11,$12,$13,$14) RETURNING id",
                    &p, &m->id, err, "put outbox");
}

/* One outbox row, on the heap (its body is large). */
static mm_rc outbox_row(const PGresult *r, int i, const mm_store_visit *v)
{
    mm_outbox_msg *m = calloc(1, sizeof *m);
    if (!m)
        return MM_ENOMEM;
    m->id = x_i64(r, i, 0);
    m->pref = x_i64(r, i, 1);
    x_copy(r, i, 2, m->tenant, sizeof m->tenant);
    x_copy(r, i, 3, m->channel, sizeof m->channel);
    x_copy(r, i, 4, m->target, sizeof m->target);
    m->warning = x_i64(r, i, 5);
    m->severity = (int)x_i64(r, i, 6);
    m->created_ms = x_i64(r, i, 7);
    m->digest = x_bool(r, i, 8);
    x_copy(r, i, 9, m->subject, sizeof m->subject);
    x_copy(r, i, 10, m->body, sizeof m->body);
    m->state = (int)x_i64(r, i, 11);
    m->attempts = (unsigned)x_i64(r, i, 12);
    m->next_ms = x_i64(r, i, 13);
    x_copy(r, i, 14, m->last_error, sizeof m->last_error);
    mm_rc rc = v->fn.outbox(m, v->ud);
    free(m);
    return rc;
}

#define OUTBOX_COLS MM_HUB_OUTBOX_COLS

mm_rc mm_hub__pg_outbox_due(mm_store *s, int64_t now, mm_outbox_fn fn,
                            void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, now);
    mm_store_visit v = {.fn.outbox = fn, .ud = ud};
    return x_rows(s,
                  OUTBOX_COLS "WHERE state=1 AND next<=$1 ORDER BY id LIMIT "
                              "100",
                  &p, outbox_row, &v, err, "list outbox");
}

mm_rc mm_hub__pg_outbox_list(mm_store *s, const char *tenant, mm_outbox_fn fn,
                             void *ud, mm_err *err)
{
    mm_store_visit v = {.fn.outbox = fn, .ud = ud};
    return x_rows_tenant(s, OUTBOX_COLS, "ORDER BY id", tenant, outbox_row, &v,
                         err, "list outbox");
}

mm_rc mm_hub__pg_outbox_mark(mm_store *s, int64_t id, int state,
                             unsigned attempts, int64_t next_ms,
                             const char *last_error, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, state);
    x_int(&p, attempts);
    x_int(&p, next_ms);
    x_text(&p, last_error ? last_error : "");
    x_int(&p, id);
    /* a row once sent stays sent (never sent twice) */
    return x_run(s,
                 "UPDATE outbox SET state=$1,attempts=$2,next=$3,last_error="
                 "$4 WHERE id=$5 AND state<>2",
                 &p, NULL, err, "mark outbox");
}

mm_rc mm_hub__pg_flag_get(mm_store *s, const char *key, int64_t *val,
                          mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, key);
    PGresult *r;
    mm_rc rc = x_run(s, "SELECT val FROM flags WHERE key=$1", &p, &r, err,
                     "get flag");
    if (rc != MM_OK)
        return rc;
    if (PQntuples(r))
        *val = x_i64(r, 0, 0);
    else
        rc = MM_ENOTFOUND;
    PQclear(r);
    return rc;
}

mm_rc mm_hub__pg_flag_put(mm_store *s, const char *key, int64_t val,
                          mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, key);
    x_int(&p, val);
    return x_run(s,
                 "INSERT INTO flags(key,val) VALUES($1,$2) ON CONFLICT(key) "
                 "DO UPDATE SET val=excluded.val",
                 &p, NULL, err, "put flag");
}

mm_rc mm_hub__pg_event_histogram(mm_store *s, const char *tenant,
                                 const char *kind, const char *rule_prefix,
                                 int64_t from_ms, int64_t bucket_ms,
                                 uint64_t *counts, size_t n, mm_err *err)
{
    if (n)
        memset(counts, 0, n * sizeof *counts);
    if (!n || bucket_ms <= 0)
        return MM_OK; /* nothing to count */
    xparams p = {.n = 0};
    x_text(&p, tenant);
    x_text(&p, kind);
    x_text(&p, rule_prefix);
    x_int(&p, from_ms);
    x_int(&p, bucket_ms);
    x_int(&p, from_ms + bucket_ms * (int64_t)n);
    PGresult *r;
    mm_rc rc = x_run(s,
                     "SELECT (ts-$4::bigint)/$5::bigint,count(*) FROM events "
                     "WHERE ts>=$4 AND ts<$6 AND ($1::text IS NULL OR "
                     "tenant=$1) AND ($2::text IS NULL OR kind=$2) AND "
                     "($3::text IS NULL OR left(rule_id,length($3))=$3) "
                     "GROUP BY 1",
                     &p, &r, err, "count events per day");
    if (rc != MM_OK)
        return rc;
    for (int row = 0; row < PQntuples(r); row++) {
        int64_t i = x_i64(r, row, 0);
        if (i >= 0 && (size_t)i < n)
            counts[i] = (uint64_t)x_i64(r, row, 1);
    }
    PQclear(r);
    return MM_OK;
}

/* ---- migration 4: console users, provider links, sessions ------------------
 * As store-sqlite.c's console schema (a session's user is `username`: USER
 * is a keyword in PostgreSQL). */
const char mm_hub__pg_migration_4[] =
    "CREATE TABLE users(name text PRIMARY KEY, tenant text NOT NULL, role "
    "text NOT NULL CHECK(role IN ('sme','provider','buyer','coordinator',"
    "'admin')), pwhash text NOT NULL, totp text NOT NULL DEFAULT '', tz text "
    "NOT NULL DEFAULT 'Asia/Tokyo', created bigint NOT NULL);"
    "CREATE TABLE provider_links(provider text NOT NULL, sme text NOT NULL, "
    "PRIMARY KEY(provider,sme));"
    "CREATE TABLE sessions(id_hash text PRIMARY KEY, username text NOT NULL, "
    "csrf text NOT NULL, created bigint NOT NULL, last bigint NOT NULL);"
    "CREATE INDEX sessions_user ON sessions(username);";

/* The longest absolute session life hub.conf allows (as store-sqlite.c):
 * each login removes the sessions older than that. */
#define PG_SESSION_LIFE_MAX_MS (7LL * 86400 * 1000)

mm_rc mm_hub__pg_user_put(mm_store *s, const mm_hub_user *u, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, u->name);
    x_text(&p, u->tenant);
    x_text(&p, mm_hub_role_name(u->role));
    x_text(&p, u->pwhash);
    x_text(&p, u->totp);
    x_text(&p, u->tz[0] ? u->tz : "Asia/Tokyo");
    x_int(&p, u->created_ms);
    return x_run(s,
                 "INSERT INTO users(name,tenant,role,pwhash,totp,tz,created) "
                 "VALUES($1,$2,$3,$4,$5,$6,$7) ON CONFLICT(name) DO UPDATE "
                 "SET tenant=excluded.tenant,role=excluded.role,pwhash="
                 "excluded.pwhash,totp=excluded.totp,tz=excluded.tz",
                 &p, NULL, err, "put user");
}

static void user_of(const PGresult *r, int i, mm_hub_user *u)
{
    memset(u, 0, sizeof *u);
    x_copy(r, i, 0, u->name, sizeof u->name);
    x_copy(r, i, 1, u->tenant, sizeof u->tenant);
    if (!mm_hub_role_from_name(PQgetvalue(r, i, 2), &u->role))
        u->role = MM_ROLE_SME;
    x_copy(r, i, 3, u->pwhash, sizeof u->pwhash);
    x_copy(r, i, 4, u->totp, sizeof u->totp);
    x_copy(r, i, 5, u->tz, sizeof u->tz);
    u->created_ms = x_i64(r, i, 6);
}

#define USER_COLS "SELECT name,tenant,role,pwhash,totp,tz,created FROM users "

/* Runs a one-row lookup keyed by text $1: *r the row, MM_ENOTFOUND (err
 * untouched, as SQLite's) when none. */
static mm_rc x_get(mm_store *s, const char *sql, const char *key, PGresult **r,
                   mm_err *err, const char *what)
{
    xparams p = {.n = 0};
    x_text(&p, key);
    mm_rc rc = x_run(s, sql, &p, r, err, what);
    if (rc == MM_OK && PQntuples(*r) == 0) {
        PQclear(*r);
        *r = NULL;
        rc = MM_ENOTFOUND;
    }
    return rc;
}

mm_rc mm_hub__pg_user_get(mm_store *s, const char *name, mm_hub_user *out,
                          mm_err *err)
{
    PGresult *r;
    mm_rc rc = x_get(s, USER_COLS "WHERE name=$1", name, &r, err, "get user");
    if (rc == MM_OK) {
        user_of(r, 0, out);
        PQclear(r);
    }
    return rc;
}

static mm_rc user_row(const PGresult *r, int i, const mm_store_visit *v)
{
    mm_hub_user u;
    user_of(r, i, &u);
    return v->fn.user(&u, v->ud);
}

mm_rc mm_hub__pg_user_list(mm_store *s, mm_hub_user_fn fn, void *ud,
                           mm_err *err)
{
    mm_store_visit v = {.fn.user = fn, .ud = ud};
    return x_rows(s, USER_COLS "ORDER BY name COLLATE \"C\"", NULL, user_row,
                  &v, err, "list users");
}

/* Removes the user and its sessions in one statement. */
mm_rc mm_hub__pg_user_del(mm_store *s, const char *name, mm_err *err)
{
    PGresult *r;
    mm_rc rc = x_get(s,
                     "WITH se AS (DELETE FROM sessions WHERE username=$1) "
                     "DELETE FROM users WHERE name=$1 RETURNING 1",
                     name, &r, err, "delete user");
    if (rc == MM_OK)
        PQclear(r);
    return rc;
}

mm_rc mm_hub__pg_provider_link_put(mm_store *s, const char *provider,
                                   const char *sme, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, provider);
    x_text(&p, sme);
    return x_run(s,
                 "INSERT INTO provider_links(provider,sme) VALUES($1,$2) ON "
                 "CONFLICT DO NOTHING",
                 &p, NULL, err, "put provider link");
}

static mm_rc plink_row(const PGresult *r, int i, const mm_store_visit *v)
{
    mm_link l;
    memset(&l, 0, sizeof l);
    x_copy(r, i, 0, l.supplier, sizeof l.supplier);
    x_copy(r, i, 1, l.customer, sizeof l.customer);
    return v->fn.link(&l, v->ud);
}

mm_rc mm_hub__pg_provider_link_list(mm_store *s, const char *provider,
                                    mm_link_row_fn fn, void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, provider);
    mm_store_visit v = {.fn.link = fn, .ud = ud};
    return x_rows(s,
                  "SELECT provider,sme FROM provider_links WHERE $1::text IS "
                  "NULL OR provider=$1 ORDER BY provider COLLATE \"C\",sme "
                  "COLLATE \"C\"",
                  &p, plink_row, &v, err, "list provider links");
}

mm_rc mm_hub__pg_session_put(mm_store *s, const mm_hub_session *se,
                             mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, se->id_hash);
    x_text(&p, se->user);
    x_text(&p, se->csrf);
    x_int(&p, se->created_ms);
    x_int(&p, se->last_ms);
    mm_rc rc = x_run(s,
                     "INSERT INTO sessions(id_hash,username,csrf,created,"
                     "last) VALUES($1,$2,$3,$4,$5)",
                     &p, NULL, err, "put session");
    /* sessions nobody presents again are never seen expiring */
    xparams q = {.n = 0};
    x_int(&q, se->created_ms - PG_SESSION_LIFE_MAX_MS);
    return rc != MM_OK ? rc
                       : x_run(s, "DELETE FROM sessions WHERE created < $1",
                               &q, NULL, err, "purge sessions");
}

mm_rc mm_hub__pg_session_get(mm_store *s, const char *id_hash,
                             mm_hub_session *out, mm_err *err)
{
    PGresult *r;
    mm_rc rc = x_get(s,
                     "SELECT id_hash,username,csrf,created,last FROM "
                     "sessions WHERE id_hash=$1",
                     id_hash, &r, err, "get session");
    if (rc != MM_OK)
        return rc;
    memset(out, 0, sizeof *out);
    x_copy(r, 0, 0, out->id_hash, sizeof out->id_hash);
    x_copy(r, 0, 1, out->user, sizeof out->user);
    x_copy(r, 0, 2, out->csrf, sizeof out->csrf);
    out->created_ms = x_i64(r, 0, 3);
    out->last_ms = x_i64(r, 0, 4);
    PQclear(r);
    return MM_OK;
}

mm_rc mm_hub__pg_session_touch(mm_store *s, const char *id_hash,
                               int64_t last_ms, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, last_ms);
    x_text(&p, id_hash);
    return x_run(s, "UPDATE sessions SET last=$1 WHERE id_hash=$2", &p, NULL,
                 err, "touch session");
}

mm_rc mm_hub__pg_session_del(mm_store *s, const char *id_hash, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, id_hash);
    return x_run(s, "DELETE FROM sessions WHERE id_hash=$1", &p, NULL, err,
                 "delete session");
}

/* ---- migration 5: console alerts, audit, cases, SCS registry --------------
 * Alerts are the stored events of kind "alert", named by a number in
 * arrival order as SQLite's rowid names them: events get an id column
 * (numbered from a sequence; the rows already there are numbered by the
 * migration). Triage state, the audit trail, incident cases with their
 * steps and dispatches, and the SCS registry of experts and assessors have
 * the tables of store-sqlite.c. */
const char mm_hub__pg_migration_5[] =
    "CREATE SEQUENCE events_id_seq;"
    "ALTER TABLE events ADD COLUMN id bigint NOT NULL DEFAULT "
    "nextval('events_id_seq');"
    "CREATE INDEX events_alerts ON events(tenant,id) WHERE kind='alert';"
    "CREATE INDEX events_id ON events(id);"
    "CREATE TABLE alert_state(alert bigint PRIMARY KEY, status text NOT NULL "
    "CHECK(status IN ('new','acknowledged','assigned','closed',"
    "'false_positive')), assignee text NOT NULL DEFAULT '', updated bigint "
    "NOT NULL);"
    "CREATE TABLE audit(id bigserial PRIMARY KEY, kind text NOT NULL, ref "
    "bigint NOT NULL, ts bigint NOT NULL, actor text NOT NULL, what text NOT "
    "NULL, note text NOT NULL DEFAULT '');"
    "CREATE INDEX audit_ref ON audit(kind,ref,id);"
    "CREATE TABLE cases(id bigserial PRIMARY KEY, tenant text NOT NULL, alert "
    "bigint NOT NULL, status text NOT NULL CHECK(status IN ('open','closed')),"
    " opened bigint NOT NULL, closed bigint NOT NULL DEFAULT 0, opened_by "
    "text NOT NULL, personal_data boolean NOT NULL DEFAULT false, title text "
    "NOT NULL DEFAULT '');"
    "CREATE INDEX cases_tenant ON cases(tenant,id);"
    "CREATE INDEX cases_alert ON cases(alert);"
    "CREATE TABLE case_steps(case_id bigint NOT NULL, step text NOT NULL, "
    "done_by text NOT NULL, done_at bigint NOT NULL, note text NOT NULL "
    "DEFAULT '', PRIMARY KEY(case_id,step));"
    "CREATE TABLE case_dispatch(id bigserial PRIMARY KEY, case_id bigint NOT "
    "NULL, requested bigint NOT NULL DEFAULT 0, arrived bigint NOT NULL "
    "DEFAULT 0, by_user text NOT NULL, ts bigint NOT NULL, note text NOT NULL "
    "DEFAULT '');"
    "CREATE INDEX case_dispatch_case ON case_dispatch(case_id,id);"
    "CREATE TABLE scs_registry(role integer NOT NULL, id text NOT NULL, name "
    "text NOT NULL, public_key text NOT NULL, valid_from text NOT NULL, "
    "valid_until text NOT NULL, region text NOT NULL, industries text NOT "
    "NULL, themes text NOT NULL, contact text NOT NULL, added_at bigint NOT "
    "NULL, PRIMARY KEY(role,id));"
    "CREATE INDEX scs_registry_key ON scs_registry(role,public_key);";

/* x_rows for the ops whose callbacks mm_store_visit does not list: each row
 * to read(r, i, ctx) until the rows end or it returns non-OK. */
typedef mm_rc (*x_reader_any)(const PGresult *r, int row, void *ctx);

static mm_rc x_each(mm_store *s, const char *sql, const xparams *p,
                    x_reader_any read, void *ctx, mm_err *err,
                    const char *what)
{
    PGresult *r = NULL;
    mm_rc rc = x_run(s, sql, p, &r, err, what);
    for (int i = 0, n = r ? PQntuples(r) : 0; rc == MM_OK && i < n; i++)
        rc = read(r, i, ctx);
    if (r)
        PQclear(r);
    return rc;
}

/* Runs an INSERT … RETURNING id and stores the id in *id. */
static mm_rc x_insert_id(mm_store *s, const char *sql, const xparams *p,
                         int64_t *id, mm_err *err, const char *what)
{
    PGresult *r = NULL;
    mm_rc rc = x_run(s, sql, p, &r, err, what);
    if (rc == MM_OK && PQntuples(r) > 0)
        *id = x_i64(r, 0, 0);
    if (r)
        PQclear(r);
    return rc;
}

typedef struct x_cb {
    void (*fn)(void);
    void *ud;
} x_cb;

/* ---- console: alerts and their triage state, audit trail ------------------
 */

static mm_rc alert_row(const PGresult *r, int i, void *ctx)
{
    const x_cb *cb = ctx;
    mm_hub_alert_row a = {
        .id = x_i64(r, i, 0),
        .tenant = PQgetvalue(r, i, 1),
        .rule_id = PQgetvalue(r, i, 2),
        .severity = (int)x_i64(r, i, 3),
        .src_ip = PQgetvalue(r, i, 4),
        .ts_ms = x_i64(r, i, 5),
        .received_ms = x_i64(r, i, 6),
        .json = PQgetvalue(r, i, 7),
        .json_len = (size_t)PQgetlength(r, i, 7),
        .status = PQgetvalue(r, i, 8),
        .assignee = PQgetvalue(r, i, 9),
        .updated_ms = x_i64(r, i, 10),
    };
    return ((mm_hub_alert_fn)cb->fn)(&a, cb->ud);
}

mm_rc mm_hub__pg_alert_list(mm_store *s, const mm_hub_alert_filter *f,
                            mm_hub_alert_fn fn, void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, f->tenant);
    x_int(&p, f->id);
    x_int(&p, f->before);
    x_text(&p, f->status);
    x_int(&p, f->min_severity);
    x_int(&p, f->limit ? f->limit : 1);
    x_int(&p, f->after);
    x_cb cb = {(void (*)(void))fn, ud};
    return x_each(
        s,
        "SELECT e.id,e.tenant,e.rule_id,e.severity,e.src_ip,e.ts,e.received,"
        "e.json,COALESCE(a.status,'new'),COALESCE(a.assignee,''),"
        "COALESCE(a.updated,0) FROM events e LEFT JOIN alert_state a ON "
        "a.alert=e.id WHERE e.kind='alert' AND ($1::text IS NULL OR "
        "e.tenant=$1) AND ($2::bigint=0 OR e.id=$2) AND ($3::bigint=0 OR "
        "e.id<$3) AND ($4::text IS NULL OR COALESCE(a.status,'new')=$4) AND "
        "e.severity>=$5 AND ($7::bigint=0 OR e.id>$7) ORDER BY e.id DESC "
        "LIMIT $6",
        &p, alert_row, &cb, err, "list alerts");
}

mm_rc mm_hub__pg_alert_state_set(mm_store *s, int64_t id, const char *status,
                                 const char *assignee, int64_t now_ms,
                                 mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, id);
    x_text(&p, status);
    x_text(&p, assignee ? assignee : "");
    x_int(&p, now_ms);
    return x_run(s,
                 "INSERT INTO alert_state(alert,status,assignee,updated) "
                 "VALUES($1,$2,$3,$4) ON CONFLICT(alert) DO UPDATE SET status="
                 "excluded.status,assignee=excluded.assignee,updated="
                 "excluded.updated",
                 &p, NULL, err, "set alert state");
}

mm_rc mm_hub__pg_alert_summary(mm_store *s, const char *tenant,
                               int64_t from_ms, int64_t to_ms,
                               uint64_t *alerts, uint64_t *closed,
                               int64_t *last_received, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, tenant);
    x_int(&p, from_ms);
    x_int(&p, to_ms);
    PGresult *r = NULL;
    mm_rc rc = x_run(
        s,
        "SELECT count(*),count(*) FILTER (WHERE a.status IN ('closed',"
        "'false_positive')),COALESCE((SELECT received FROM events WHERE "
        "tenant=$1 ORDER BY id DESC LIMIT 1),0) FROM events e LEFT JOIN "
        "alert_state a ON a.alert=e.id WHERE e.kind='alert' AND e.tenant=$1 "
        "AND e.ts>=$2 AND e.ts<$3",
        &p, &r, err, "summarise alerts");
    if (rc == MM_OK) {
        *alerts = (uint64_t)x_i64(r, 0, 0);
        *closed = (uint64_t)x_i64(r, 0, 1);
        *last_received = x_i64(r, 0, 2);
        PQclear(r);
    }
    return rc;
}

mm_rc mm_hub__pg_audit_put(mm_store *s, const mm_hub_audit *a, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, a->kind);
    x_int(&p, a->ref);
    x_int(&p, a->ts_ms);
    x_text(&p, a->actor);
    x_text(&p, a->what);
    x_text(&p, a->note);
    return x_run(s,
                 "INSERT INTO audit(kind,ref,ts,actor,what,note) VALUES($1,$2,"
                 "$3,$4,$5,$6)",
                 &p, NULL, err, "put audit");
}

static mm_rc audit_row(const PGresult *r, int i, void *ctx)
{
    const x_cb *cb = ctx;
    mm_hub_audit a;
    memset(&a, 0, sizeof a);
    x_copy(r, i, 0, a.kind, sizeof a.kind);
    a.ref = x_i64(r, i, 1);
    a.ts_ms = x_i64(r, i, 2);
    x_copy(r, i, 3, a.actor, sizeof a.actor);
    x_copy(r, i, 4, a.what, sizeof a.what);
    x_copy(r, i, 5, a.note, sizeof a.note);
    return ((mm_hub_audit_fn)cb->fn)(&a, cb->ud);
}

mm_rc mm_hub__pg_audit_list(mm_store *s, const char *kind, int64_t ref,
                            mm_hub_audit_fn fn, void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, kind);
    x_int(&p, ref);
    x_cb cb = {(void (*)(void))fn, ud};
    return x_each(s,
                  "SELECT kind,ref,ts,actor,what,note FROM audit WHERE "
                  "kind=$1 AND ref=$2 ORDER BY id",
                  &p, audit_row, &cb, err, "list audit");
}

/* ---- console: incident cases, their steps and on-site dispatches ---------
 */

mm_rc mm_hub__pg_case_put(mm_store *s, mm_hub_case *c, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, c->id);
    x_text(&p, c->status[0] ? c->status : "open");
    x_int(&p, c->closed_ms);
    x_text(&p, c->personal_data ? "t" : "f");
    if (c->id)
        return x_run(s,
                     "UPDATE cases SET status=$2,closed=$3,personal_data=$4 "
                     "WHERE id=$1",
                     &p, NULL, err, "update case");
    p.n = 0; /* no id: $1.. are the new row's columns */
    x_text(&p, c->status[0] ? c->status : "open");
    x_int(&p, c->closed_ms);
    x_text(&p, c->personal_data ? "t" : "f");
    x_text(&p, c->tenant);
    x_int(&p, c->alert);
    x_int(&p, c->opened_ms);
    x_text(&p, c->opened_by);
    x_text(&p, c->title);
    return x_insert_id(s,
                       "INSERT INTO cases(status,closed,personal_data,tenant,"
                       "alert,opened,opened_by,title) VALUES($1,$2,$3,$4,$5,"
                       "$6,$7,$8) RETURNING id",
                       &p, &c->id, err, "insert case");
}

static mm_rc case_row(const PGresult *r, int i, void *ctx)
{
    const x_cb *cb = ctx;
    mm_hub_case c;
    memset(&c, 0, sizeof c);
    c.id = x_i64(r, i, 0);
    x_copy(r, i, 1, c.tenant, sizeof c.tenant);
    c.alert = x_i64(r, i, 2);
    x_copy(r, i, 3, c.status, sizeof c.status);
    c.opened_ms = x_i64(r, i, 4);
    c.closed_ms = x_i64(r, i, 5);
    x_copy(r, i, 6, c.opened_by, sizeof c.opened_by);
    c.personal_data = x_bool(r, i, 7);
    x_copy(r, i, 8, c.title, sizeof c.title);
    return ((mm_hub_case_fn)cb->fn)(&c, cb->ud);
}

mm_rc mm_hub__pg_case_list(mm_store *s, int64_t id, const char *tenant,
                           const char *status, int64_t alert,
                           mm_hub_case_fn fn, void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, id);
    x_text(&p, tenant);
    x_text(&p, status);
    x_int(&p, alert);
    x_cb cb = {(void (*)(void))fn, ud};
    return x_each(s,
                  "SELECT id,tenant,alert,status,opened,closed,opened_by,"
                  "personal_data,title FROM cases WHERE ($1::bigint=0 OR "
                  "id=$1) AND ($2::text IS NULL OR tenant=$2) AND ($3::text "
                  "IS NULL OR status=$3) AND ($4::bigint=0 OR alert=$4) ORDER "
                  "BY id DESC LIMIT 1000",
                  &p, case_row, &cb, err, "list cases");
}

/* The first tick of a step is kept. */
mm_rc mm_hub__pg_case_step_put(mm_store *s, const mm_hub_case_step *cs,
                               mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, cs->case_id);
    x_text(&p, cs->step);
    x_text(&p, cs->done_by);
    x_int(&p, cs->done_ms);
    x_text(&p, cs->note);
    return x_run(s,
                 "INSERT INTO case_steps(case_id,step,done_by,done_at,note) "
                 "VALUES($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING",
                 &p, NULL, err, "put case step");
}

typedef struct x_case_cb {
    x_cb cb;
    int64_t case_id;
} x_case_cb;

static mm_rc step_row(const PGresult *r, int i, void *ctx)
{
    const x_case_cb *c = ctx;
    mm_hub_case_step cs;
    memset(&cs, 0, sizeof cs);
    cs.case_id = c->case_id;
    x_copy(r, i, 0, cs.step, sizeof cs.step);
    x_copy(r, i, 1, cs.done_by, sizeof cs.done_by);
    cs.done_ms = x_i64(r, i, 2);
    x_copy(r, i, 3, cs.note, sizeof cs.note);
    return ((mm_hub_case_step_fn)c->cb.fn)(&cs, c->cb.ud);
}

mm_rc mm_hub__pg_case_step_list(mm_store *s, int64_t id,
                                mm_hub_case_step_fn fn, void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, id);
    x_case_cb c = {{(void (*)(void))fn, ud}, id};
    return x_each(s,
                  "SELECT step,done_by,done_at,note FROM case_steps WHERE "
                  "case_id=$1 ORDER BY done_at,step COLLATE \"C\"",
                  &p, step_row, &c, err, "list case steps");
}

mm_rc mm_hub__pg_dispatch_put(mm_store *s, mm_hub_dispatch *d, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, d->case_id);
    x_int(&p, d->requested_ms);
    x_int(&p, d->arrived_ms);
    x_text(&p, d->by);
    x_int(&p, d->ts_ms);
    x_text(&p, d->note);
    return x_insert_id(s,
                       "INSERT INTO case_dispatch(case_id,requested,arrived,"
                       "by_user,ts,note) VALUES($1,$2,$3,$4,$5,$6) RETURNING "
                       "id",
                       &p, &d->id, err, "put dispatch");
}

static mm_rc dispatch_row(const PGresult *r, int i, void *ctx)
{
    const x_case_cb *c = ctx;
    mm_hub_dispatch d;
    memset(&d, 0, sizeof d);
    d.case_id = c->case_id;
    d.id = x_i64(r, i, 0);
    d.requested_ms = x_i64(r, i, 1);
    d.arrived_ms = x_i64(r, i, 2);
    x_copy(r, i, 3, d.by, sizeof d.by);
    d.ts_ms = x_i64(r, i, 4);
    x_copy(r, i, 5, d.note, sizeof d.note);
    return ((mm_hub_dispatch_fn)c->cb.fn)(&d, c->cb.ud);
}

mm_rc mm_hub__pg_dispatch_list(mm_store *s, int64_t id, mm_hub_dispatch_fn fn,
                               void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, id);
    x_case_cb c = {{(void (*)(void))fn, ud}, id};
    return x_each(s,
                  "SELECT id,requested,arrived,by_user,ts,note FROM "
                  "case_dispatch WHERE case_id=$1 ORDER BY id",
                  &p, dispatch_row, &c, err, "list dispatches");
}

/* ---- SCS chain of trust: the registry of experts and assessors -----------
 */

mm_rc mm_hub__pg_scs_registrant_put(mm_store *s, const mm_hub_registrant *r,
                                    mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, (int64_t)r->role);
    const char *t[] = {r->id,         r->name,        r->public_key,
                       r->valid_from, r->valid_until, r->region,
                       r->industries, r->themes,      r->contact};
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        x_text(&p, t[i]);
    x_int(&p, r->added_ms);
    return x_run(s,
                 "INSERT INTO scs_registry(role,id,name,public_key,valid_from,"
                 "valid_until,region,industries,themes,contact,added_at) "
                 "VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) ON "
                 "CONFLICT(role,id) DO UPDATE SET name=excluded.name,"
                 "public_key=excluded.public_key,valid_from="
                 "excluded.valid_from,valid_until=excluded.valid_until,"
                 "region=excluded.region,industries=excluded.industries,"
                 "themes=excluded.themes,contact=excluded.contact,added_at="
                 "excluded.added_at",
                 &p, NULL, err, "put scs registrant");
}

static mm_rc registrant_row(const PGresult *r, int i, void *ctx)
{
    const x_cb *cb = ctx;
    mm_hub_registrant g;
    memset(&g, 0, sizeof g);
    g.role = x_i64(r, i, 0) == 1 ? MM_HUB_REG_ASSESSOR : MM_HUB_REG_EXPERT;
    struct {
        char *dst;
        size_t n;
    } f[] = {{g.id, sizeof g.id},
             {g.name, sizeof g.name},
             {g.public_key, sizeof g.public_key},
             {g.valid_from, sizeof g.valid_from},
             {g.valid_until, sizeof g.valid_until},
             {g.region, sizeof g.region},
             {g.industries, sizeof g.industries},
             {g.themes, sizeof g.themes},
             {g.contact, sizeof g.contact}};
    for (int k = 0; k < 9; k++)
        x_copy(r, i, k + 1, f[k].dst, f[k].n);
    g.added_ms = x_i64(r, i, 10);
    return ((mm_hub_registrant_fn)cb->fn)(&g, cb->ud);
}

/* Registrants of `role` (with `key`: only that key's, the one valid longest
 * first, open-ended before any end date; else by id). */
static mm_rc registrant_query(mm_store *s, int role, const char *key,
                              mm_hub_registrant_fn fn, void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, role);
    x_text(&p, key);
    x_cb cb = {(void (*)(void))fn, ud};
    return x_each(s,
                  "SELECT role,id,name,public_key,valid_from,valid_until,"
                  "region,industries,themes,contact,added_at FROM "
                  "scs_registry WHERE role=$1 AND ($2::text IS NULL OR "
                  "public_key=$2) ORDER BY CASE WHEN $2::text IS NULL THEN id "
                  "ELSE '' END COLLATE \"C\",valid_until='' DESC,valid_until "
                  "COLLATE \"C\" DESC",
                  &p, registrant_row, &cb, err, "list scs registry");
}

static mm_rc registrant_first(const mm_hub_registrant *r, void *ud)
{
    *(mm_hub_registrant *)ud = *r;
    return MM_ELIMIT; /* stop: found */
}

mm_rc mm_hub__pg_scs_registrant_by_key(mm_store *s, int role,
                                       const char *public_key,
                                       mm_hub_registrant *out, mm_err *err)
{
    mm_rc rc =
        registrant_query(s, role, public_key, registrant_first, out, err);
    return rc == MM_ELIMIT ? MM_OK : rc == MM_OK ? MM_ENOTFOUND : rc;
}

mm_rc mm_hub__pg_scs_registrant_list(mm_store *s, int role,
                                     mm_hub_registrant_fn fn, void *ud,
                                     mm_err *err)
{
    return registrant_query(s, role, NULL, fn, ud, err);
}

/* ---- migration 7: the SCS self-assessment answers and the requests to
 * experts; an index for the sensor's own reports ---------------------------
 * The partial index repeats MAMORI_DATASET's condition so the planner uses
 * it for dataset_events, as store-sqlite-glue.c's does on SQLite
 * (PG_MAMORI_DATASET, store-pg-int.h). */
const char mm_hub__pg_migration_7[] =
    "CREATE INDEX events_mamori ON events(tenant,ts) WHERE " PG_MAMORI_DATASET
    ";"
    "CREATE TABLE scs_answers(tenant text PRIMARY KEY, doc text NOT NULL, "
    "saved_by text NOT NULL, saved_at bigint NOT NULL);"
    "CREATE TABLE scs_requests(id bigserial PRIMARY KEY, tenant text NOT "
    "NULL, expert text NOT NULL, created bigint NOT NULL, updated bigint NOT "
    "NULL, state integer NOT NULL, target text NOT NULL, achieved text NOT "
    "NULL, message text NOT NULL, reason text NOT NULL, document text NOT "
    "NULL);"
    "CREATE INDEX scs_requests_expert ON scs_requests(expert);"
    "CREATE INDEX scs_requests_tenant ON scs_requests(tenant);";

/* ---- SCS evidence: a tenant's stored events as received ------------------
 */

static mm_rc event_row(const PGresult *r, int i, void *ctx)
{
    const x_cb *cb = ctx;
    return ((mm_tenant_event_fn)cb->fn)(x_i64(r, i, 0), PQgetvalue(r, i, 1),
                                        PQgetvalue(r, i, 2),
                                        (size_t)PQgetlength(r, i, 2), cb->ud);
}

/* x_each of an events query (ts, kind, json) into fn. */
static mm_rc x_events(mm_store *s, const char *sql, const xparams *p,
                      mm_tenant_event_fn fn, void *ud, mm_err *err,
                      const char *what)
{
    x_cb cb = {(void (*)(void))fn, ud};
    return x_each(s, sql, p, event_row, &cb, err, what);
}

mm_rc mm_hub__pg_tenant_events(mm_store *s, const char *tenant,
                               int64_t since_ms, int64_t until_ms,
                               mm_tenant_event_fn fn, void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, tenant);
    x_int(&p, since_ms);
    x_int(&p, until_ms);
    return x_events(s,
                    "SELECT ts,kind,json FROM events WHERE tenant=$1 AND "
                    "ts>=$2 AND ts<=$3 ORDER BY ts,id",
                    &p, fn, ud, err, "tenant events");
}

mm_rc mm_hub__pg_dataset_events(mm_store *s, const char *tenant,
                                const char *dataset, int64_t since_ms,
                                int64_t until_ms, bool newest, size_t limit,
                                mm_tenant_event_fn fn, void *ud, mm_err *err)
{
    char pat[160];
    mm_rc rc = mm_hub__dataset_pattern(dataset, pat, sizeof pat, err);
    if (rc != MM_OK)
        return rc;
    xparams p = {.n = 0};
    x_text(&p, tenant);
    x_int(&p, since_ms);
    x_int(&p, until_ms);
    x_text(&p, pat);
    if (limit)
        x_int(&p, (int64_t)limit);
    else
        x_text(&p, NULL); /* LIMIT NULL: every row */
    return x_events(s,
                    newest ? "SELECT ts,kind,json FROM events WHERE tenant=$1 "
                             "AND ts>=$2 AND ts<$3 AND " PG_MAMORI_DATASET
                             " AND strpos(json,$4)>0 ORDER BY ts DESC,id DESC "
                             "LIMIT $5::bigint"
                           : "SELECT ts,kind,json FROM events WHERE tenant=$1 "
                             "AND ts>=$2 AND ts<$3 AND " PG_MAMORI_DATASET
                             " AND strpos(json,$4)>0 ORDER BY ts,id LIMIT "
                             "$5::bigint",
                    &p, fn, ud, err, "dataset events");
}

/* ---- SCS self-assessment answers (scs-self.c) -----------------------------
 */

mm_rc mm_hub__pg_scs_answers_put(mm_store *s, const char *tenant,
                                 const char *doc, size_t len, const char *by,
                                 int64_t now_ms, mm_err *err)
{
    /* a text parameter ends at its NUL: copy the len bytes given */
    if (memchr(doc, '\0', len))
        return mm_err_set(err, MM_EINVAL, "scs_answers", 0,
                          "answers hold a NUL byte");
    char *d = malloc(len + 1);
    if (!d)
        return mm_err_set(err, MM_ENOMEM, "scs_answers", 0, "out of memory");
    memcpy(d, doc, len);
    d[len] = '\0';
    xparams p = {.n = 0};
    x_text(&p, tenant);
    x_text(&p, d);
    x_text(&p, by ? by : "");
    x_int(&p, now_ms);
    mm_rc rc = x_run(s,
                     "INSERT INTO scs_answers(tenant,doc,saved_by,saved_at) "
                     "VALUES($1,$2,$3,$4) ON CONFLICT(tenant) DO UPDATE SET "
                     "doc=excluded.doc,saved_by=excluded.saved_by,saved_at="
                     "excluded.saved_at",
                     &p, NULL, err, "put scs answers");
    free(d);
    return rc;
}

/* *out gets a NUL-terminated heap copy of column `col` (and *len its size). */
static mm_rc x_dup(const PGresult *r, int row, int col, char **out,
                   size_t *len, mm_err *err, const char *what)
{
    size_t n = (size_t)PQgetlength(r, row, col);
    if (!(*out = malloc(n + 1)))
        return mm_err_set(err, MM_ENOMEM, what, 0, "out of memory");
    memcpy(*out, PQgetvalue(r, row, col), n + 1);
    if (len)
        *len = n;
    return MM_OK;
}

mm_rc mm_hub__pg_scs_answers_get(mm_store *s, const char *tenant, char **doc,
                                 size_t *len, int64_t *saved_ms, mm_err *err)
{
    PGresult *r;
    *doc = NULL;
    mm_rc rc = x_get(s, "SELECT doc,saved_at FROM scs_answers WHERE tenant=$1",
                     tenant, &r, err, "get scs answers");
    if (rc != MM_OK)
        return rc;
    rc = x_dup(r, 0, 0, doc, len, err, "scs_answers");
    if (rc == MM_OK && saved_ms)
        *saved_ms = x_i64(r, 0, 1);
    PQclear(r);
    return rc;
}

/* ---- SCS requests to experts (scs-request.c) ------------------------------
 */

static const char request_insert[] =
    "INSERT INTO scs_requests(tenant,expert,target,achieved,message,reason,"
    "document,created,updated,state) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) "
    "RETURNING id";

/* Text parameters t, then integer ones n. */
static void x_fill(xparams *p, const char *const *t, size_t nt,
                   const int64_t *n, size_t nn)
{
    for (size_t i = 0; i < nt; i++)
        x_text(p, t[i]);
    for (size_t i = 0; i < nn; i++)
        x_int(p, n[i]);
}

mm_rc mm_hub__pg_scs_request_put(mm_store *s, mm_hub_scs_request *r,
                                 mm_err *err)
{
    xparams p = {.n = 0};
    const char *t[] = {r->tenant,
                       r->expert,
                       r->target,
                       r->achieved,
                       r->message,
                       r->reason,
                       r->document ? r->document : ""};
    const int64_t n[] = {r->created_ms, r->updated_ms, r->state};
    x_fill(&p, t, sizeof t / sizeof *t, n, sizeof n / sizeof *n);
    return x_insert_id(s, request_insert, &p, &r->id, err, "put scs request");
}

#define REQ_SELECT                                                            \
    "SELECT id,tenant,expert,created,updated,state,target,achieved,message,"  \
    "reason"

static void request_of(const PGresult *r, int i, mm_hub_scs_request *q)
{
    memset(q, 0, sizeof *q);
    q->id = x_i64(r, i, 0);
    x_copy(r, i, 1, q->tenant, sizeof q->tenant);
    x_copy(r, i, 2, q->expert, sizeof q->expert);
    q->created_ms = x_i64(r, i, 3);
    q->updated_ms = x_i64(r, i, 4);
    q->state = (int)x_i64(r, i, 5);
    x_copy(r, i, 6, q->target, sizeof q->target);
    x_copy(r, i, 7, q->achieved, sizeof q->achieved);
    x_copy(r, i, 8, q->message, sizeof q->message);
    x_copy(r, i, 9, q->reason, sizeof q->reason);
}

mm_rc mm_hub__pg_scs_request_get(mm_store *s, int64_t id, bool doc,
                                 mm_hub_scs_request *out, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, id);
    PGresult *r = NULL;
    mm_rc rc = x_run(s, REQ_SELECT ",document FROM scs_requests WHERE id=$1",
                     &p, &r, err, "get scs request");
    if (rc == MM_OK && PQntuples(r) == 0)
        rc = MM_ENOTFOUND;
    if (rc == MM_OK) {
        request_of(r, 0, out);
        if (doc)
            rc = x_dup(r, 0, 10, &out->document, &out->document_len, err,
                       "scs request");
    }
    if (r)
        PQclear(r);
    return rc;
}

typedef struct x_request_cb {
    x_cb cb;
    mm_hub_scs_request *q; /* ~3 KB: on the heap, one for every row */
} x_request_cb;

static mm_rc request_row(const PGresult *r, int i, void *ctx)
{
    const x_request_cb *c = ctx;
    request_of(r, i, c->q); /* the row without its document */
    return ((mm_rc(*)(const mm_hub_scs_request *, void *))c->cb.fn)(c->q,
                                                                    c->cb.ud);
}

mm_rc mm_hub__pg_scs_request_list(
    mm_store *s, const char *tenant, const char *expert,
    mm_rc (*fn)(const mm_hub_scs_request *r, void *ud), void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_text(&p, tenant);
    x_text(&p, expert);
    x_request_cb c = {{(void (*)(void))fn, ud}, malloc(sizeof *c.q)};
    if (!c.q)
        return mm_err_set(err, MM_ENOMEM, "scs request", 0, "out of memory");
    mm_rc rc = x_each(s,
                      REQ_SELECT " FROM scs_requests WHERE ($1::text IS NULL "
                                 "OR tenant=$1) AND ($2::text IS NULL OR "
                                 "expert=$2) ORDER BY id DESC",
                      &p, request_row, &c, err, "list scs requests");
    free(c.q);
    return rc;
}

mm_rc mm_hub__pg_scs_request_mark(mm_store *s, int64_t id, int state,
                                  const char *reason, int64_t now_ms,
                                  mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, state);
    x_text(&p, reason ? reason : "");
    x_int(&p, now_ms);
    x_int(&p, id);
    PGresult *r = NULL;
    mm_rc rc = x_run(s,
                     "UPDATE scs_requests SET state=$1,reason=$2,updated=$3 "
                     "WHERE id=$4",
                     &p, &r, err, "mark scs request");
    if (rc == MM_OK && strcmp(PQcmdTuples(r), "0") == 0)
        rc = mm_err_set(err, MM_ENOTFOUND, "scs request", 0, "no request %lld",
                        (long long)id);
    if (r)
        PQclear(r);
    return rc;
}
