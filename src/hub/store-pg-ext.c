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
    xparams p = {.n = 0};
    x_text(&p, tenant);
    mm_store_visit v = {.fn.token = fn, .ud = ud};
    return x_rows(s,
                  TOKEN_COLS "WHERE $1::text IS NULL OR tenant=$1 ORDER BY "
                             "tenant COLLATE \"C\",created,id COLLATE \"C\"",
                  &p, token_row, &v, err, "list tokens");
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

/* Retention by arrival, as in SQLite: the events received before
 * `before_ms` go, with their idempotence keys (a resent one is stored
 * again, as in SQLite where the key is the row). One statement: atomic. */
mm_rc mm_hub__pg_events_prune(mm_store *s, int64_t before_ms, mm_usage_fn fn,
                              void *ud, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, before_ms);
    mm_store_visit v = {.fn.usage = fn, .ud = ud};
    return x_rows(s,
                  "WITH d AS (DELETE FROM events WHERE received < $1 "
                  "RETURNING tenant,event_id,length(json) AS n), k AS "
                  "(DELETE FROM event_keys e USING d WHERE e.tenant=d.tenant "
                  "AND e.event_id=d.event_id) SELECT tenant,sum(n) FROM d "
                  "GROUP BY tenant ORDER BY tenant COLLATE \"C\"",
                  &p, usage_row, &v, err, "prune events");
}

mm_rc mm_hub__pg_probe(mm_store *s, mm_err *err)
{
    xparams p = {.n = 0};
    x_int(&p, mm_now_ms());
    return x_run(s,
                 "INSERT INTO health_probe(id,at) VALUES(1,$1) ON "
                 "CONFLICT(id) DO UPDATE SET at=excluded.at",
                 &p, NULL, err, "probe write");
}
