/* SPDX-License-Identifier: Apache-2.0 */
/* test-store-pg.c — src/hub/store-pg.c against a real PostgreSQL: the one
 * named by $MM_PG_URI, else one this test starts with scripts/cluster (and
 * stops). Without PostgreSQL's binaries it prints one TAP skip line. Every
 * test starts from an empty database (schema public dropped and made
 * again). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-int.h"

#include <pthread.h>
#include <time.h>

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char g_uri[1024];
static char g_dir[128];

/* Runs SQL on a side connection (resetting, inspecting, sabotaging). */
static void side_sql(const char *sql)
{
    PGconn *c = PQconnectdb(g_uri);
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    PGresult *r = PQexec(c, "SET client_min_messages=warning");
    PQclear(r);
    r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("%s: %s", sql, PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
}

static long side_count(const char *sql)
{
    PGconn *c = PQconnectdb(g_uri);
    PGresult *r = PQexec(c, sql);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    long n = strtol(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    PQfinish(c);
    return n;
}

static int reset_db(void **state)
{
    side_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    mm_store *st;
    mm_err err;
    if (mm_store_open(g_uri, &st, &err) != MM_OK) {
        fprintf(stderr, "open: %s\n", err.msg);
        return -1;
    }
    *state = st;
    return 0;
}

static int close_db(void **state)
{
    mm_store_close(*state);
    return 0;
}

static void ev_make(mm_hub_event *e, const char *id, int64_t ts,
                    const char *ip, const char *json)
{
    memset(e, 0, sizeof *e);
    snprintf(e->id, sizeof e->id, "%s", id);
    e->ts_ms = ts;
    e->severity = 2;
    snprintf(e->rule_id, sizeof e->rule_id, "ssh-brute");
    e->alert = true;
    if (ip) {
        mm_addr_parse(ip, strlen(ip), &e->src);
        snprintf(e->src_text, sizeof e->src_text, "%s", ip);
    }
    e->users_hash = 0xfedcba9876543210ull; /* above INT64_MAX */
    e->json = json;
    e->json_len = strlen(json);
}

static mm_rc put(mm_store *st, const char *tenant, const mm_hub_event *e,
                 bool *dup)
{
    mm_err err;
    return mm_store_put_event(st, tenant, e, 1000, dup, &err);
}

/* 2026-12-07 and 1990-01-01 (outside the monthly partitions) in ms. */
#define TS_2026 1796601600000LL
#define TS_1990 631152000000LL

static mm_rc count_row(const mm_event_row *r, void *ud)
{
    uint64_t *n = ud;
    assert_int_equal(r->users_hash, 0xfedcba9876543210ull);
    (*n)++;
    return MM_OK;
}

static void test_events_idempotent_and_partitioned(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_hub_event e;
    bool dup = true;
    /* the JSON is not NUL-terminated inside a batch: only json_len counts */
    static const char line[] = "{\"event\":{\"id\":\"e1\"}}XXXX";
    ev_make(&e, "e1", TS_2026, "192.0.2.7", line);
    e.json_len = strlen(line) - 4;
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(put(st, "t1", &e, &dup), MM_OK);
    assert_false(dup);
    assert_int_equal(put(st, "t1", &e, &dup), MM_OK);
    assert_true(dup);
    /* the same id from another tenant is another event */
    assert_int_equal(put(st, "t2", &e, &dup), MM_OK);
    assert_false(dup);
    /* resent with another time (another partition): still a duplicate */
    e.ts_ms = TS_1990;
    assert_int_equal(put(st, "t1", &e, &dup), MM_OK);
    assert_true(dup);
    ev_make(&e, "e2", TS_1990, NULL, "{}");
    assert_int_equal(put(st, "t1", &e, &dup), MM_OK);
    assert_false(dup);
    assert_int_equal(mm_store_commit(st, &err), MM_OK);

    assert_int_equal(side_count("SELECT count(*) FROM events_y2026m12"), 2);
    assert_int_equal(side_count("SELECT count(*) FROM events_other"), 1);
    assert_int_equal(side_count("SELECT count(*) FROM events WHERE "
                                "json='{\"event\":{\"id\":\"e1\"}}'"),
                     2);
    uint64_t n = 0;
    assert_int_equal(st->ops->scan_events(st, TS_2026, count_row, &n, &err),
                     MM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(
        st->ops->event_count(st, "t1", "alert", "192.0.2.7", &n, &err), MM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(st->ops->event_count(st, NULL, NULL, NULL, &n, &err),
                     MM_OK);
    assert_int_equal(n, 3);
    mm_store_stats ss;
    assert_int_equal(mm_store_stats_get(st, &ss, &err), MM_OK);
    assert_int_equal(ss.events, 3);
    assert_int_equal(ss.max_ts, TS_2026);
    assert_true(ss.size_bytes > 0);
}

/* The whole-batch path (COPY): the same answers as put_event one by one,
 * a repeat inside the batch included; times past ts_max are clamped. */
static void test_put_events_batch(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_hub_event ev[5];
    bool dup[5], one;
    ev_make(&ev[0], "p1", TS_2026, "192.0.2.1", "{\"tab\":\"a\tb\\\\\"}");
    ev_make(&ev[1], "p2", TS_2026, "2001:db8::1", "{}");
    ev_make(&ev[2], "p1", TS_2026 + 5, "192.0.2.1", "{\"again\":1}");
    ev_make(&ev[3], "p3", TS_2026 + 9000000000LL, NULL, "{}");
    ev_make(&ev[4], "p4", TS_1990, NULL, "{}");
    assert_non_null(st->ops->put_events);
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(put(st, "t1", &ev[1], &one), MM_OK); /* stored before */
    assert_int_equal(st->ops->put_events(st, "t1", ev, 5, TS_2026 + 1000,
                                         TS_2026 + 3600000, dup, &err),
                     MM_OK);
    assert_false(dup[0]);
    assert_true(dup[1]);
    assert_true(dup[2]);
    assert_false(dup[3]);
    assert_false(dup[4]);
    /* a second batch in the same transaction sees the first */
    assert_int_equal(st->ops->put_events(st, "t1", ev, 2, TS_2026 + 1000,
                                         TS_2026 + 3600000, dup, &err),
                     MM_OK);
    assert_true(dup[0] && dup[1]);
    assert_int_equal(mm_store_commit(st, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 4);
    assert_int_equal(
        side_count("SELECT count(*) FROM events WHERE event_id='p3' AND "
                   "ts=1796601601000 AND received=1796601601000"),
        1);
    assert_int_equal(side_count("SELECT count(*) FROM events WHERE "
                                "json=E'{\"tab\":\"a\\tb\\\\\\\\\"}'"),
                     1);
    assert_int_equal(side_count("SELECT count(*) FROM events WHERE "
                                "users_hash=-81985529216486896"),
                     4);
}

static void test_rollback_stores_nothing(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_hub_event e;
    bool dup;
    ev_make(&e, "r1", TS_2026, "192.0.2.8", "{}");
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(put(st, "t1", &e, &dup), MM_OK);
    mm_store_rollback(st);
    assert_int_equal(side_count("SELECT count(*) FROM event_keys"), 0);
    /* a failed statement aborts the transaction: commit must say so */
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "a");
    snprintf(t.name, sizeof t.name, "A");
    snprintf(t.token_hash, sizeof t.token_hash, "same");
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(put(st, "t1", &e, &dup), MM_OK);
    assert_int_equal(st->ops->tenant_put(st, &t, &err), MM_OK);
    snprintf(t.id, sizeof t.id, "b"); /* same token hash: UNIQUE fails */
    assert_int_equal(st->ops->tenant_put(st, &t, &err), MM_EIO);
    assert_int_equal(mm_store_commit(st, &err), MM_EIO);
    assert_int_equal(side_count("SELECT count(*) FROM event_keys"), 0);
    assert_int_equal(side_count("SELECT count(*) FROM tenants"), 0);
}

static mm_rc campaign_cb(const mm_campaign *c, void *ud)
{
    mm_campaign *out = ud;
    *out = *c;
    return MM_OK;
}

static mm_rc hit_cb(const mm_hit *h, void *ud)
{
    mm_hit *out = ud;
    *out = *h;
    return MM_OK;
}

static mm_rc ind_cb(const mm_indicator *i, void *ud)
{
    int64_t *seqs = ud;
    seqs[seqs[0] + 1] = i->seq;
    seqs[0]++;
    return MM_OK;
}

static mm_rc warn_cb(const mm_warning *w, void *ud)
{
    mm_warning *out = ud;
    *out = *w;
    return MM_OK;
}

static mm_rc link_cb(const mm_link *l, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s>%s%s;", l->supplier, l->customer,
             l->disclose ? "!" : "");
    return MM_OK;
}

static mm_rc tenant_cb(const mm_tenant *t, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s:%s;", t->id, mm_tenant_kind_name(t->kind));
    return MM_OK;
}

static void add_tenant(mm_store *st, const char *id, mm_tenant_kind k)
{
    mm_tenant t;
    mm_err err;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    snprintf(t.name, sizeof t.name, "株式会社 %s", id);
    snprintf(t.token_hash, sizeof t.token_hash, "h-%s", id);
    t.kind = k;
    assert_int_equal(st->ops->tenant_put(st, &t, &err), MM_OK);
}

static void test_records_round_trip(void **state)
{
    mm_store *st = *state;
    mm_err err;
    /* tenants and links, in byte order whatever the locale */
    add_tenant(st, "b", MM_TK_BUYER);
    add_tenant(st, "a", MM_TK_SME);
    add_tenant(st, "Z", MM_TK_CRITICAL);
    char got[256] = "";
    assert_int_equal(st->ops->tenant_list(st, tenant_cb, got, &err), MM_OK);
    assert_string_equal(got, "Z:critical;a:sme;b:buyer;");
    mm_link l = {"a", "b", true};
    assert_int_equal(st->ops->link_put(st, &l, &err), MM_OK);
    l.disclose = false;
    assert_int_equal(st->ops->link_put(st, &l, &err), MM_OK);
    got[0] = '\0';
    assert_int_equal(st->ops->link_list(st, link_cb, got, &err), MM_OK);
    assert_string_equal(got, "a>b;");

    /* campaign insert then update, hits merged */
    mm_campaign c;
    memset(&c, 0, sizeof c);
    snprintf(c.key_type, sizeof c.key_type, "ip");
    snprintf(c.key, sizeof c.key, "192.0.2.9");
    c.tenants = 2;
    c.score = 40;
    assert_int_equal(st->ops->campaign_put(st, &c, &err), MM_OK);
    assert_int_equal(c.id, 1);
    c.escalated = true;
    c.score = 70;
    assert_int_equal(st->ops->campaign_put(st, &c, &err), MM_OK);
    mm_campaign back;
    assert_int_equal(st->ops->campaign_list(st, campaign_cb, &back, &err),
                     MM_OK);
    assert_int_equal(back.score, 70);
    assert_true(back.escalated);
    mm_hit h = {c.id, "a", 100, 200, 3};
    assert_int_equal(st->ops->hit_put(st, &h, &err), MM_OK);
    h.first_ts = 50;
    h.last_ts = 150;
    h.count = 2;
    assert_int_equal(st->ops->hit_put(st, &h, &err), MM_OK);
    mm_hit hb;
    assert_int_equal(st->ops->hit_list(st, c.id, hit_cb, &hb, &err), MM_OK);
    assert_int_equal(hb.first_ts, 50);
    assert_int_equal(hb.last_ts, 200);
    assert_int_equal(hb.count, 5);

    /* every indicator write takes the next sequence number */
    mm_indicator ind;
    memset(&ind, 0, sizeof ind);
    snprintf(ind.type, sizeof ind.type, "ipv4-addr");
    snprintf(ind.value, sizeof ind.value, "192.0.2.9");
    ind.campaign = c.id;
    assert_int_equal(st->ops->indicator_put(st, &ind, &err), MM_OK);
    assert_int_equal(ind.seq, 1);
    snprintf(ind.value, sizeof ind.value, "192.0.2.10");
    assert_int_equal(st->ops->indicator_put(st, &ind, &err), MM_OK);
    snprintf(ind.value, sizeof ind.value, "192.0.2.9");
    ind.removed = true;
    assert_int_equal(st->ops->indicator_put(st, &ind, &err), MM_OK);
    assert_int_equal(ind.seq, 3);
    int64_t seqs[8] = {0};
    assert_int_equal(st->ops->indicator_list(st, 1, ind_cb, seqs, &err),
                     MM_OK);
    assert_int_equal(seqs[0], 2);
    assert_int_equal(seqs[1], 2);
    assert_int_equal(seqs[2], 3);

    /* warnings: ids, per-tenant listing, webhook states */
    mm_warning *w = calloc(1, sizeof *w), *wb = calloc(1, sizeof *wb);
    snprintf(w->tenant, sizeof w->tenant, "b");
    w->campaign = c.id;
    snprintf(w->kind, sizeof w->kind, "supplier");
    snprintf(w->text_ja, sizeof w->text_ja, "取引先が攻撃されています");
    w->hook_state = 1;
    w->hook_next_ms = 500;
    assert_int_equal(st->ops->warning_put(st, w, &err), MM_OK);
    assert_int_equal(w->id, 1);
    assert_int_equal(mm_store_warning_list(st, "b", 0, warn_cb, wb, &err),
                     MM_OK);
    assert_string_equal(wb->text_ja, "取引先が攻撃されています");
    wb->id = 0;
    assert_int_equal(st->ops->warning_hooks_due(st, 400, warn_cb, wb, &err),
                     MM_OK);
    assert_int_equal(wb->id, 0);
    assert_int_equal(st->ops->warning_hooks_due(st, 500, warn_cb, wb, &err),
                     MM_OK);
    assert_int_equal(wb->id, 1);
    /* claimed for 60 s: another front end does not deliver it meanwhile */
    wb->id = 0;
    assert_int_equal(st->ops->warning_hooks_due(st, 500, warn_cb, wb, &err),
                     MM_OK);
    assert_int_equal(wb->id, 0);
    assert_int_equal(
        st->ops->warning_hooks_due(st, 500 + 60000, warn_cb, wb, &err), MM_OK);
    assert_int_equal(wb->id, 1);
    assert_int_equal(st->ops->warning_hook_mark(st, 1, 2, 1, 0, &err), MM_OK);
    wb->id = 0;
    assert_int_equal(
        st->ops->warning_hooks_due(st, 1000000, warn_cb, wb, &err), MM_OK);
    assert_int_equal(wb->id, 0);
    free(w);
    free(wb);

    mm_escalation esc = {0, c.id, "CI supplier", 70, 9};
    assert_int_equal(st->ops->escalation_put(st, &esc, &err), MM_OK);
    assert_int_equal(esc.id, 1);

    char url[1024], secret[128];
    assert_int_equal(st->ops->webhook_get(st, "a", url, secret, &err),
                     MM_ENOTFOUND);
    assert_int_equal(
        mm_store_webhook_set(st, "a", "https://x.example/h", "s3cret", &err),
        MM_OK);
    assert_int_equal(st->ops->webhook_get(st, "a", url, secret, &err), MM_OK);
    assert_string_equal(url, "https://x.example/h");
    assert_int_equal(mm_store_webhook_set(st, "a", "", "", &err), MM_OK);
    assert_int_equal(st->ops->webhook_get(st, "a", url, secret, &err),
                     MM_ENOTFOUND);

    mm_stateioc si = {"domain-name", "evil.example", "ACSC"};
    assert_int_equal(mm_store_stateioc_put(st, &si, &err), MM_OK);
    assert_int_equal(mm_store_stateioc_put(st, &si, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM state_iocs"), 1);
}

static void test_scs(void **state)
{
    mm_store *st = *state;
    mm_err err;
    int level = 0;
    int64_t set_ms = 0;
    assert_int_equal(
        mm_store_scs_requirement_get(st, "b", "a", &level, &set_ms, &err),
        MM_ENOTFOUND);
    assert_int_equal(mm_store_scs_requirement_put(st, "b", "a", 4, 77, &err),
                     MM_OK);
    assert_int_equal(
        mm_store_scs_requirement_get(st, "b", "a", &level, &set_ms, &err),
        MM_OK);
    assert_int_equal(level, 4);
    assert_int_equal(set_ms, 77);
    mm_hub_scs_confirmation c, out;
    memset(&c, 0, sizeof c);
    snprintf(c.supplier, sizeof c.supplier, "a");
    c.achieved = 3;
    c.target = 4;
    snprintf(c.confirmed_date, sizeof c.confirmed_date, "2026-11-01");
    snprintf(c.registration_no, sizeof c.registration_no, "R-1");
    c.document = "{\"doc\":1}";
    c.document_len = 9;
    assert_int_equal(mm_store_scs_confirmation_put(st, &c, &err), MM_OK);
    snprintf(c.confirmed_date, sizeof c.confirmed_date, "2026-12-01");
    snprintf(c.registration_no, sizeof c.registration_no, "R-2");
    c.achieved = 0;
    assert_int_equal(mm_store_scs_confirmation_put(st, &c, &err), MM_OK);
    assert_int_equal(mm_store_scs_confirmation_latest(st, "a", &out, &err),
                     MM_OK);
    assert_string_equal(out.registration_no, "R-2");
    assert_int_equal(out.achieved, 0);
    assert_int_equal(out.target, 4);
}

/* The schema is versioned: a newer one and a foreign database are
 * refused with a clear error; migrate on an up-to-date one does nothing. */
static mm_rc token_cb(const mm_token *t, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s:%s:%u;", t->tenant, t->id, t->scopes);
    return MM_OK;
}

static mm_rc usage_cb(const char *tenant, uint64_t bytes, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s=%llu;", tenant, (unsigned long long)bytes);
    return MM_OK;
}

/* Migration 2: tokens (a tenant's own token becomes a row, also for the
 * tenants of a version-1 database), usage, retention, the health probe. */
static void test_tokens_usage_probe(void **state)
{
    mm_store *st = *state;
    mm_err err;
    add_tenant(st, "b", MM_TK_BUYER);
    add_tenant(st, "a", MM_TK_SME);
    mm_token t;
    assert_int_equal(st->ops->token_get(st, "h-a", NULL, &t, &err), MM_OK);
    assert_string_equal(t.id, "tk_h-a");
    assert_string_equal(t.tenant, "a");
    assert_int_equal(t.scopes, 7);
    mm_token n = {.id = "tk_0123456789abcdef",
                  .tenant = "a",
                  .hash = "hh",
                  .scopes = MM_SCOPE_ADMIN,
                  .created_ms = 5,
                  .expires_ms = 9};
    assert_int_equal(st->ops->token_put(st, &n, &err), MM_OK);
    n.revoked_ms = 7;
    assert_int_equal(st->ops->token_put(st, &n, &err), MM_OK);
    assert_int_equal(st->ops->token_touch(st, n.id, 8, &err), MM_OK);
    assert_int_equal(st->ops->token_get(st, NULL, n.id, &t, &err), MM_OK);
    assert_string_equal(t.hash, "hh");
    assert_true(t.created_ms == 5 && t.expires_ms == 9 && t.revoked_ms == 7 &&
                t.last_used_ms == 8);
    assert_int_equal(st->ops->token_get(st, "none", NULL, &t, &err),
                     MM_ENOTFOUND);
    char got[256] = "";
    assert_int_equal(st->ops->token_list(st, "a", token_cb, got, &err), MM_OK);
    assert_string_equal(got, "a:tk_h-a:7;a:tk_0123456789abcdef:16;");
    got[0] = '\0';
    assert_int_equal(st->ops->token_list(st, NULL, token_cb, got, &err),
                     MM_OK);
    assert_string_equal(got,
                        "a:tk_h-a:7;a:tk_0123456789abcdef:16;b:tk_h-b:7;");
    /* usage in characters of the JSON, as SQLite's length(); retention by
     * arrival, and a pruned event can be stored again */
    static const char js[] = "{\"event\":{\"id\":\"e\"}}";
    const size_t jn = strlen(js);
    mm_hub_event e;
    bool dup;
    ev_make(&e, "e1", TS_2026, "1.2.3.4", js);
    assert_int_equal(mm_store_put_event(st, "a", &e, 100, &dup, &err), MM_OK);
    ev_make(&e, "e2", TS_2026, "1.2.3.4", js);
    assert_int_equal(mm_store_put_event(st, "b", &e, 300, &dup, &err), MM_OK);
    got[0] = '\0';
    assert_int_equal(st->ops->tenant_usage(st, usage_cb, got, &err), MM_OK);
    char want[64];
    snprintf(want, sizeof want, "a=%zu;b=%zu;", jn, jn);
    assert_string_equal(got, want);
    got[0] = '\0';
    assert_int_equal(st->ops->events_prune(st, 200, usage_cb, got, &err),
                     MM_OK);
    snprintf(want, sizeof want, "a=%zu;", jn);
    assert_string_equal(got, want);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 1);
    ev_make(&e, "e1", TS_2026, "1.2.3.4", js);
    assert_int_equal(mm_store_put_event(st, "a", &e, 400, &dup, &err), MM_OK);
    assert_false(dup);
    assert_int_equal(st->ops->probe(st, &err), MM_OK);
    assert_int_equal(st->ops->probe(st, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM health_probe"), 1);
    /* a version-1 database with a tenant: migrating makes its token */
    side_sql("DROP TABLE tokens, health_probe, notify_prefs, outbox, flags, "
             "users, provider_links, sessions, alert_state, audit, cases, "
             "case_steps, case_dispatch, scs_registry, scs_answers, "
             "scs_requests; DROP INDEX events_mamori; "
             "ALTER TABLE events DROP COLUMN id; DROP SEQUENCE events_id_seq; "
             "ALTER TABLE campaigns DROP COLUMN closed_ts; "
             "DROP INDEX campaigns_key; "
             "DROP FUNCTION mm_tenant_token CASCADE; "
             "DELETE FROM mamori_schema WHERE version>=2; "
             "INSERT INTO tenants(id,name,kind,token_hash) "
             "VALUES('old','o','sme','h-old')");
    int from = 0, to = 0;
    assert_int_equal(mm_store_migrate(g_uri, &from, &to, &err), MM_OK);
    assert_true(from == 1 && to == 9);
    /* events already stored get their alert number */
    assert_int_equal(side_count("SELECT count(*) FROM events WHERE id>0"), 2);
    assert_int_equal(
        side_count("SELECT count(*) FROM tokens WHERE tenant='old' AND "
                   "scopes=7"),
        1);
}

static mm_rc pref_cb(const mm_notify_pref *p, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%lld:%s:%s:%s:%d:%d;", (long long)p->id,
             p->tenant, p->channel, p->target, p->min_severity, p->digest);
    return MM_OK;
}

static mm_rc outbox_cb(const mm_outbox_msg *m, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%lld:%lld:%s:%lld:%d:%d:%s:%s:%d:%u:%lld:%s;",
             (long long)m->id, (long long)m->pref, m->tenant,
             (long long)m->warning, m->severity, m->digest, m->subject,
             m->body, m->state, m->attempts, (long long)m->next_ms,
             m->last_error);
    return MM_OK;
}

/* Migration 3: notification preferences, the outbox, flags, and the event
 * histogram, as store-sqlite-notify.c. */
static void test_notify(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_notify_pref np = {.tenant = "a",
                         .channel = "email",
                         .target = "a@example.jp",
                         .min_severity = 3};
    assert_int_equal(st->ops->notify_pref_put(st, &np, &err), MM_OK);
    assert_int_equal(np.id, 1);
    mm_notify_pref nb = {.tenant = "b",
                         .channel = "slack",
                         .target = "https://hooks.example/x",
                         .digest = true,
                         .min_severity = 1};
    assert_int_equal(st->ops->notify_pref_put(st, &nb, &err), MM_OK);
    char got[256] = "";
    assert_int_equal(st->ops->notify_pref_list(st, NULL, pref_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "1:a:email:a@example.jp:3:0;"
                             "2:b:slack:https://hooks.example/x:1:1;");
    assert_int_equal(st->ops->notify_pref_del(st, "a", 2, &err), MM_ENOTFOUND);
    assert_int_equal(st->ops->notify_pref_del(st, "b", 2, &err), MM_OK);
    got[0] = '\0';
    assert_int_equal(st->ops->notify_pref_list(st, "b", pref_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "");
    /* the outbox: due by next time, a sent row stays sent */
    mm_outbox_msg *m = calloc(1, sizeof *m);
    assert_non_null(m);
    *m = (mm_outbox_msg){.pref = 1,
                         .tenant = "a",
                         .channel = "email",
                         .target = "a@example.jp",
                         .warning = 9,
                         .severity = 3,
                         .created_ms = 10,
                         .digest = true,
                         .subject = "警告",
                         .body = "本文",
                         .state = 1,
                         .next_ms = 50};
    assert_int_equal(st->ops->outbox_put(st, m, &err), MM_OK);
    assert_int_equal(m->id, 1);
    m->next_ms = 500;
    assert_int_equal(st->ops->outbox_put(st, m, &err), MM_OK);
    free(m);
    got[0] = '\0';
    assert_int_equal(st->ops->outbox_due(st, 100, outbox_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "1:1:a:9:3:1:警告:本文:1:0:50:;");
    assert_int_equal(st->ops->outbox_mark(st, 1, 2, 1, 0, "", &err), MM_OK);
    assert_int_equal(st->ops->outbox_mark(st, 1, 1, 2, 0, "late", &err),
                     MM_OK);
    assert_int_equal(st->ops->outbox_mark(st, 2, 1, 1, 900, "timeout", &err),
                     MM_OK);
    got[0] = '\0';
    assert_int_equal(st->ops->outbox_list(st, "a", outbox_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "1:1:a:9:3:1:警告:本文:2:1:0:;"
                             "2:1:a:9:3:1:警告:本文:1:1:900:timeout;");
    got[0] = '\0';
    assert_int_equal(st->ops->outbox_list(st, "b", outbox_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "");
    /* flags */
    int64_t val = 0;
    assert_int_equal(st->ops->flag_get(st, "report-sent:a", &val, &err),
                     MM_ENOTFOUND);
    assert_int_equal(st->ops->flag_put(st, "report-sent:a", 5, &err), MM_OK);
    assert_int_equal(st->ops->flag_put(st, "report-sent:a", 6, &err), MM_OK);
    assert_int_equal(st->ops->flag_get(st, "report-sent:a", &val, &err),
                     MM_OK);
    assert_int_equal(val, 6);
    /* histogram: per bucket, by tenant, kind and rule prefix */
    static const char js[] = "{}";
    mm_hub_event e;
    bool dup;
    const int64_t day = 86400000;
    for (int i = 0; i < 4; i++) {
        const char id[] = {'h', (char)('0' + i), '\0'};
        ev_make(&e, id, TS_2026 + i / 2 * day + i, "1.2.3.4", js);
        if (i == 3)
            snprintf(e.rule_id, sizeof e.rule_id, "web-sqli");
        assert_int_equal(mm_store_put_event(st, "a", &e, 1, &dup, &err),
                         MM_OK);
    }
    uint64_t c[3] = {9, 9, 9};
    assert_int_equal(st->ops->event_histogram(st, "a", NULL, "ssh", TS_2026,
                                              day, c, 3, &err),
                     MM_OK);
    assert_true(c[0] == 2 && c[1] == 1 && c[2] == 0);
    assert_int_equal(st->ops->event_histogram(st, "b", NULL, NULL, TS_2026,
                                              day, c, 3, &err),
                     MM_OK);
    assert_true(c[0] == 0 && c[1] == 0 && c[2] == 0);
    assert_int_equal(st->ops->event_histogram(st, NULL, "alert", NULL, TS_2026,
                                              day, c, 3, &err),
                     MM_OK);
    assert_true(c[0] == 2 && c[1] == 2 && c[2] == 0);
}

static mm_rc user_cb(const mm_hub_user *u, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s:%s:%s:%s:%s;", u->name, u->tenant,
             mm_hub_role_name(u->role), u->totp, u->tz);
    return MM_OK;
}

/* Migration 4: console users, provider links and sessions. */
static void test_people(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_hub_user u = {.name = "yamada",
                     .tenant = "a",
                     .role = MM_ROLE_SME,
                     .pwhash = "$argon2id$x",
                     .created_ms = 5};
    assert_int_equal(st->ops->user_put(st, &u, &err), MM_OK);
    mm_hub_user w = {.name = "Admin",
                     .tenant = "ops",
                     .role = MM_ROLE_ADMIN,
                     .pwhash = "$argon2id$y",
                     .tz = "UTC"};
    assert_int_equal(st->ops->user_put(st, &w, &err), MM_OK);
    snprintf(u.totp, sizeof u.totp, "JBSWY3DPEHPK3PXP");
    assert_int_equal(st->ops->user_put(st, &u, &err), MM_OK);
    mm_hub_user g;
    assert_int_equal(st->ops->user_get(st, "yamada", &g, &err), MM_OK);
    assert_string_equal(g.pwhash, "$argon2id$x");
    assert_int_equal(g.created_ms, 5);
    assert_int_equal(st->ops->user_get(st, "none", &g, &err), MM_ENOTFOUND);
    char got[256] = "";
    assert_int_equal(st->ops->user_list(st, user_cb, got, &err), MM_OK);
    assert_string_equal(got, "Admin:ops:admin::UTC;"
                             "yamada:a:sme:JBSWY3DPEHPK3PXP:Asia/Tokyo;");
    /* provider links: set semantics, byte order */
    assert_int_equal(st->ops->provider_link_put(st, "p", "b", &err), MM_OK);
    assert_int_equal(st->ops->provider_link_put(st, "p", "a", &err), MM_OK);
    assert_int_equal(st->ops->provider_link_put(st, "p", "a", &err), MM_OK);
    assert_int_equal(st->ops->provider_link_put(st, "q", "c", &err), MM_OK);
    got[0] = '\0';
    assert_int_equal(st->ops->provider_link_list(st, "p", link_cb, got, &err),
                     MM_OK);
    char all[256] = "";
    assert_int_equal(st->ops->provider_link_list(st, NULL, link_cb, all, &err),
                     MM_OK);
    assert_string_equal(got, "p>a;p>b;");
    assert_string_equal(all, "p>a;p>b;q>c;");
    /* sessions: touch, delete, old ones purged at each login, and gone
     * with their user */
    mm_hub_session se = {.id_hash = "s1",
                         .user = "yamada",
                         .csrf = "c1",
                         .created_ms = 1000,
                         .last_ms = 1000};
    assert_int_equal(st->ops->session_put(st, &se, &err), MM_OK);
    assert_int_equal(st->ops->session_touch(st, "s1", 2000, &err), MM_OK);
    mm_hub_session gs;
    assert_int_equal(st->ops->session_get(st, "s1", &gs, &err), MM_OK);
    assert_true(strcmp(gs.user, "yamada") == 0 && strcmp(gs.csrf, "c1") == 0 &&
                gs.created_ms == 1000 && gs.last_ms == 2000);
    mm_hub_session late = {.id_hash = "s2",
                           .user = "Admin",
                           .csrf = "c2",
                           .created_ms = 1000 + 8LL * 86400000,
                           .last_ms = 1000 + 8LL * 86400000};
    assert_int_equal(st->ops->session_put(st, &late, &err), MM_OK);
    assert_int_equal(st->ops->session_get(st, "s1", &gs, &err), MM_ENOTFOUND);
    se.created_ms = se.last_ms = late.created_ms;
    assert_int_equal(st->ops->session_put(st, &se, &err), MM_OK);
    assert_int_equal(st->ops->session_del(st, "s2", &err), MM_OK);
    assert_int_equal(st->ops->session_get(st, "s2", &gs, &err), MM_ENOTFOUND);
    assert_int_equal(st->ops->user_del(st, "yamada", &err), MM_OK);
    assert_int_equal(st->ops->session_get(st, "s1", &gs, &err), MM_ENOTFOUND);
    assert_int_equal(st->ops->user_del(st, "yamada", &err), MM_ENOTFOUND);
    assert_int_equal(st->ops->user_get(st, "Admin", &g, &err), MM_OK);
}

static mm_rc alert_cb(const mm_hub_alert_row *a, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s:%s:%s:%s:%d;", a->tenant, a->rule_id,
             a->status, a->assignee, (int)a->json_len);
    return MM_OK;
}

static mm_rc alert_id_cb(const mm_hub_alert_row *a, void *ud)
{
    int64_t *ids = ud;
    ids[ids[0] + 1] = a->id;
    ids[0]++;
    return MM_OK;
}

static mm_rc audit_cb(const mm_hub_audit *a, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s:%lld:%s:%s:%s;", a->kind,
             (long long)a->ts_ms, a->actor, a->what, a->note);
    return MM_OK;
}

static mm_rc case_cb(const mm_hub_case *c, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s:%s:%lld:%d:%s;", c->tenant, c->status,
             (long long)c->closed_ms, c->personal_data, c->title);
    return MM_OK;
}

static mm_rc step_cb(const mm_hub_case_step *cs, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s:%s:%lld;", cs->step, cs->done_by,
             (long long)cs->done_ms);
    return MM_OK;
}

static mm_rc dispatch_cb(const mm_hub_dispatch *d, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%lld:%lld:%s:%s;", (long long)d->requested_ms,
             (long long)d->arrived_ms, d->by, d->note);
    return MM_OK;
}

/* Console alerts (events of kind alert, numbered in arrival order), their
 * triage state, the audit trail, a month's summary; cases, steps and
 * dispatches: the semantics of store-sqlite.c. */
static void test_console(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_hub_event e;
    bool dup;
    const char *ids[] = {"e1", "e2", "e3"};
    for (int i = 0; i < 3; i++) {
        ev_make(&e, ids[i], TS_2026 + i, "192.0.2.1", "{\"a\":1}");
        e.severity = i + 1;
        assert_int_equal(put(st, i == 2 ? "b" : "a", &e, &dup), MM_OK);
    }
    ev_make(&e, "e4", TS_2026 + 9, NULL, "{}");
    e.alert = false;
    assert_int_equal(put(st, "a", &e, &dup), MM_OK);
    int64_t got_ids[8] = {0};
    mm_hub_alert_filter f = {.tenant = "a", .limit = 10};
    assert_int_equal(st->ops->alert_list(st, &f, alert_id_cb, got_ids, &err),
                     MM_OK);
    assert_int_equal(got_ids[0], 2); /* a's two alerts, newest first */
    assert_true(got_ids[1] > got_ids[2] && got_ids[2] > 0);
    assert_int_equal(st->ops->alert_state_set(st, got_ids[1], "assigned",
                                              "yamada", 77, &err),
                     MM_OK);
    char got[512] = "";
    assert_int_equal(st->ops->alert_list(st, &f, alert_cb, got, &err), MM_OK);
    assert_string_equal(got, "a:ssh-brute:assigned:yamada:7;"
                             "a:ssh-brute:new::7;");
    got[0] = '\0';
    mm_hub_alert_filter g = {.id = got_ids[2], .limit = 5};
    assert_int_equal(st->ops->alert_list(st, &g, alert_cb, got, &err), MM_OK);
    assert_string_equal(got, "a:ssh-brute:new::7;");
    got[0] = '\0';
    mm_hub_alert_filter h = {
        .tenant = "a", .status = "new", .min_severity = 1, .limit = 5};
    assert_int_equal(st->ops->alert_list(st, &h, alert_cb, got, &err), MM_OK);
    assert_string_equal(got, "a:ssh-brute:new::7;");
    got[0] = '\0';
    mm_hub_alert_filter b = {.tenant = "a", .before = got_ids[1], .limit = 5};
    assert_int_equal(st->ops->alert_list(st, &b, alert_cb, got, &err), MM_OK);
    assert_string_equal(got, "a:ssh-brute:new::7;");
    got[0] = '\0';
    mm_hub_alert_filter af = {.tenant = "a", .after = got_ids[2], .limit = 5};
    assert_int_equal(st->ops->alert_list(st, &af, alert_cb, got, &err), MM_OK);
    assert_string_equal(got, "a:ssh-brute:assigned:yamada:7;");
    assert_int_equal(
        st->ops->alert_state_set(st, got_ids[2], "closed", "", 78, &err),
        MM_OK);
    uint64_t n = 0, closed = 0;
    int64_t last = 0;
    assert_int_equal(st->ops->alert_summary(st, "a", TS_2026, TS_2026 + 100,
                                            &n, &closed, &last, &err),
                     MM_OK);
    assert_true(n == 2 && closed == 1 && last == 1000);
    assert_int_equal(
        st->ops->alert_summary(st, "z", 0, 1, &n, &closed, &last, &err),
        MM_OK);
    assert_true(n == 0 && closed == 0 && last == 0);
    mm_hub_audit a1 = {.kind = "alert",
                       .ref = got_ids[1],
                       .ts_ms = 5,
                       .actor = "yamada",
                       .what = "assign",
                       .note = "見ます"};
    mm_hub_audit a2 = a1;
    a2.ts_ms = 6;
    snprintf(a2.what, sizeof a2.what, "close");
    a2.note[0] = '\0';
    assert_int_equal(st->ops->audit_put(st, &a1, &err), MM_OK);
    assert_int_equal(st->ops->audit_put(st, &a2, &err), MM_OK);
    got[0] = '\0';
    assert_int_equal(
        st->ops->audit_list(st, "alert", got_ids[1], audit_cb, got, &err),
        MM_OK);
    assert_string_equal(got, "alert:5:yamada:assign:見ます;"
                             "alert:6:yamada:close:;");
    /* cases: insert gives the id, update changes status and closed time */
    mm_hub_case c = {.tenant = "a",
                     .alert = got_ids[1],
                     .opened_ms = 10,
                     .opened_by = "mamori",
                     .title = "侵入の疑い"};
    assert_int_equal(st->ops->case_put(st, &c, &err), MM_OK);
    assert_true(c.id > 0);
    mm_hub_case c2 = {.tenant = "b",
                      .alert = 99,
                      .opened_ms = 11,
                      .opened_by = "sato",
                      .status = "open"};
    assert_int_equal(st->ops->case_put(st, &c2, &err), MM_OK);
    assert_true(c2.id > c.id);
    snprintf(c.status, sizeof c.status, "closed");
    c.closed_ms = 20;
    c.personal_data = true;
    assert_int_equal(st->ops->case_put(st, &c, &err), MM_OK);
    got[0] = '\0';
    assert_int_equal(
        st->ops->case_list(st, 0, NULL, NULL, 0, case_cb, got, &err), MM_OK);
    assert_string_equal(got, "b:open:0:0:;a:closed:20:1:侵入の疑い;");
    got[0] = '\0';
    assert_int_equal(st->ops->case_list(st, 0, "a", "closed", got_ids[1],
                                        case_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "a:closed:20:1:侵入の疑い;");
    got[0] = '\0';
    assert_int_equal(
        st->ops->case_list(st, c2.id, NULL, "closed", 0, case_cb, got, &err),
        MM_OK);
    assert_string_equal(got, "");
    /* steps: the first tick is kept */
    mm_hub_case_step s1 = {.case_id = c.id,
                           .step = "isolate",
                           .done_by = "yamada",
                           .done_ms = 30};
    assert_int_equal(st->ops->case_step_put(st, &s1, &err), MM_OK);
    s1.done_ms = 40;
    snprintf(s1.done_by, sizeof s1.done_by, "sato");
    assert_int_equal(st->ops->case_step_put(st, &s1, &err), MM_OK);
    mm_hub_case_step s2 = {
        .case_id = c.id, .step = "report", .done_by = "sato", .done_ms = 35};
    assert_int_equal(st->ops->case_step_put(st, &s2, &err), MM_OK);
    got[0] = '\0';
    assert_int_equal(st->ops->case_step_list(st, c.id, step_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "isolate:yamada:30;report:sato:35;");
    /* dispatches: in the order recorded, ids given back */
    mm_hub_dispatch d1 = {.case_id = c.id,
                          .requested_ms = 50,
                          .by = "p1",
                          .ts_ms = 50,
                          .note = "駆付け"};
    mm_hub_dispatch d2 = {
        .case_id = c.id, .arrived_ms = 90, .by = "p1", .ts_ms = 90};
    assert_int_equal(st->ops->dispatch_put(st, &d1, &err), MM_OK);
    assert_int_equal(st->ops->dispatch_put(st, &d2, &err), MM_OK);
    assert_true(d1.id > 0 && d2.id > d1.id);
    got[0] = '\0';
    assert_int_equal(st->ops->dispatch_list(st, c.id, dispatch_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "50:0:p1:駆付け;0:90:p1:;");
    got[0] = '\0';
    assert_int_equal(st->ops->dispatch_list(st, c2.id, dispatch_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "");
}

static mm_rc reg_cb(const mm_hub_registrant *r, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    snprintf(out + n, 512 - n, "%s:%s:%s;", r->id, r->name, r->valid_until);
    return MM_OK;
}

/* The SCS registry: replace by (role, id), list by id, by key the one
 * valid longest (open-ended first). */
static void test_registry(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_hub_registrant r = {.role = MM_HUB_REG_EXPERT,
                           .id = "000123",
                           .name = "山田",
                           .public_key = "ab01",
                           .valid_until = "2027-03-31",
                           .region = "大阪",
                           .industries = "製造;物流",
                           .added_ms = 7};
    assert_int_equal(st->ops->scs_registrant_put(st, &r, &err), MM_OK);
    mm_hub_registrant r2 = r;
    snprintf(r2.id, sizeof r2.id, "000045");
    snprintf(r2.name, sizeof r2.name, "佐藤");
    snprintf(r2.valid_until, sizeof r2.valid_until, "2028-03-31");
    assert_int_equal(st->ops->scs_registrant_put(st, &r2, &err), MM_OK);
    mm_hub_registrant a = r;
    a.role = MM_HUB_REG_ASSESSOR;
    snprintf(a.id, sizeof a.id, "A1");
    a.valid_until[0] = '\0';
    assert_int_equal(st->ops->scs_registrant_put(st, &a, &err), MM_OK);
    snprintf(r.name, sizeof r.name, "山田太郎");
    assert_int_equal(st->ops->scs_registrant_put(st, &r, &err), MM_OK);
    char got[512] = "";
    assert_int_equal(
        st->ops->scs_registrant_list(st, MM_HUB_REG_EXPERT, reg_cb, got, &err),
        MM_OK);
    assert_string_equal(got, "000045:佐藤:2028-03-31;"
                             "000123:山田太郎:2027-03-31;");
    mm_hub_registrant g;
    assert_int_equal(st->ops->scs_registrant_by_key(st, MM_HUB_REG_EXPERT,
                                                    "ab01", &g, &err),
                     MM_OK);
    assert_string_equal(g.id, "000045");
    assert_string_equal(g.industries, "製造;物流");
    assert_int_equal(g.added_ms, 7);
    assert_int_equal(st->ops->scs_registrant_by_key(st, MM_HUB_REG_ASSESSOR,
                                                    "ab01", &g, &err),
                     MM_OK);
    assert_true(g.role == MM_HUB_REG_ASSESSOR && strcmp(g.id, "A1") == 0);
    assert_int_equal(st->ops->scs_registrant_by_key(st, MM_HUB_REG_EXPERT,
                                                    "ffff", &g, &err),
                     MM_ENOTFOUND);
}

static mm_rc evrow_cb(int64_t ts_ms, const char *kind, const char *json,
                      size_t len, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    assert_int_equal(strlen(json), len);
    snprintf(out + n, 512 - n, "%lld:%s:%c;", (long long)(ts_ms - TS_2026),
             kind, len > 30 ? json[len - 4] : '-');
    return MM_OK;
}

/* The SCS evidence and the sensor's own reports: a tenant's events as
 * received, oldest first (until inclusive); datasets only "mamori.*", until
 * exclusive, newest first with a limit. Each row prints as
 * "dt:kind:c;" with c the last letter of its dataset (k block, s status). */
static void test_tenant_events(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_hub_event e;
    bool dup;
    static const char blk[] = "{\"event\":{\"dataset\":\"mamori.block\"}}";
    static const char sts[] = "{\"event\":{\"dataset\":\"mamori.status\"}}";
    struct {
        const char *id, *tenant, *json;
        int64_t dt;
        bool alert;
    } rows[] = {{"a1", "t1", "{}", 20, true}, {"b1", "t1", blk, 10, false},
                {"b2", "t1", blk, 30, false}, {"s1", "t1", sts, 10, false},
                {"b3", "t2", blk, 10, false}, {"b4", "t1", blk, 40, false}};
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        ev_make(&e, rows[i].id, TS_2026 + rows[i].dt, "192.0.2.1",
                rows[i].json);
        e.alert = rows[i].alert;
        assert_int_equal(put(st, rows[i].tenant, &e, &dup), MM_OK);
    }
    char got[512] = "";
    assert_int_equal(st->ops->tenant_events(st, "t1", TS_2026 + 10,
                                            TS_2026 + 30, evrow_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "10:event:k;10:event:s;20:alert:-;30:event:k;");
    got[0] = '\0';
    assert_int_equal(st->ops->dataset_events(st, "t1", "mamori.block",
                                             TS_2026 + 10, TS_2026 + 40, false,
                                             0, evrow_cb, got, &err),
                     MM_OK);
    assert_string_equal(got, "10:event:k;30:event:k;");
    got[0] = '\0';
    assert_int_equal(st->ops->dataset_events(st, "t1", "mamori.block", 0,
                                             TS_2026 + 41, true, 2, evrow_cb,
                                             got, &err),
                     MM_OK);
    assert_string_equal(got, "40:event:k;30:event:k;");
    got[0] = '\0';
    assert_int_equal(st->ops->dataset_events(st, "t1", "mamori.status", 0,
                                             TS_2026 + 41, true, 0, evrow_cb,
                                             got, &err),
                     MM_OK);
    assert_string_equal(got, "10:event:s;");
    assert_int_equal(st->ops->dataset_events(st, "t1", "ecs.block", 0, TS_2026,
                                             true, 0, evrow_cb, got, &err),
                     MM_EINVAL);
}

static mm_rc req_cb(const mm_hub_scs_request *r, void *ud)
{
    char *out = ud;
    size_t n = strlen(out);
    assert_null(r->document);
    snprintf(out + n, 512 - n, "%lld:%s:%s:%d:%s;", (long long)r->id,
             r->tenant, r->expert, r->state, r->reason);
    return MM_OK;
}

/* The console's self-assessment (one document per tenant, replaced whole)
 * and the requests to experts (newest first, by tenant and/or expert). */
static void test_scs_answers_requests(void **state)
{
    mm_store *st = *state;
    mm_err err;
    char *doc = NULL;
    size_t len = 0;
    int64_t saved = 0;
    assert_int_equal(
        st->ops->scs_answers_get(st, "t1", &doc, &len, &saved, &err),
        MM_ENOTFOUND);
    assert_null(doc);
    static const char d1[] = "{\"a\":\"★3\"}xx";
    assert_int_equal(st->ops->scs_answers_put(st, "t1", d1, strlen(d1) - 2,
                                              "owner", 5, &err),
                     MM_OK);
    assert_int_equal(
        st->ops->scs_answers_put(st, "t1", "{}", 2, NULL, 9, &err), MM_OK);
    assert_int_equal(st->ops->scs_answers_put(st, "t2", d1, strlen(d1) - 2,
                                              "owner", 7, &err),
                     MM_OK);
    assert_int_equal(
        st->ops->scs_answers_get(st, "t1", &doc, &len, &saved, &err), MM_OK);
    assert_true(strcmp(doc, "{}") == 0 && len == 2 && saved == 9);
    free(doc);
    assert_int_equal(
        st->ops->scs_answers_get(st, "t2", &doc, NULL, NULL, &err), MM_OK);
    assert_string_equal(doc, "{\"a\":\"★3\"}");
    free(doc);

    mm_hub_scs_request *r = calloc(1, sizeof *r), *g = calloc(1, sizeof *g);
    assert_true(r && g);
    *r = (mm_hub_scs_request){.tenant = "t1",
                              .expert = "000123",
                              .created_ms = 3,
                              .updated_ms = 3,
                              .target = "★3",
                              .achieved = "★3",
                              .message = "よろしく",
                              .document = "{\"x\":1}"};
    assert_int_equal(st->ops->scs_request_put(st, r, &err), MM_OK);
    int64_t first = r->id;
    assert_true(first > 0);
    snprintf(r->tenant, sizeof r->tenant, "t2");
    r->document = NULL;
    assert_int_equal(st->ops->scs_request_put(st, r, &err), MM_OK);
    snprintf(r->expert, sizeof r->expert, "000045");
    assert_int_equal(st->ops->scs_request_put(st, r, &err), MM_OK);
    assert_true(r->id > first);
    assert_int_equal(st->ops->scs_request_get(st, first, true, g, &err),
                     MM_OK);
    assert_true(strcmp(g->document, "{\"x\":1}") == 0 &&
                g->document_len == 7 && strcmp(g->message, "よろしく") == 0 &&
                strcmp(g->target, "★3") == 0 && g->created_ms == 3);
    free(g->document);
    assert_int_equal(st->ops->scs_request_get(st, first + 1, false, g, &err),
                     MM_OK);
    assert_true(g->document == NULL && strcmp(g->tenant, "t2") == 0);
    assert_int_equal(st->ops->scs_request_get(st, 999, true, g, &err),
                     MM_ENOTFOUND);
    assert_int_equal(st->ops->scs_request_mark(st, first, 2, "不足", 11, &err),
                     MM_OK);
    assert_int_equal(st->ops->scs_request_mark(st, 999, 2, "x", 11, &err),
                     MM_ENOTFOUND);
    char got[512] = "", want[512];
    assert_int_equal(
        st->ops->scs_request_list(st, NULL, "000123", req_cb, got, &err),
        MM_OK);
    snprintf(want, sizeof want, "%lld:t2:000123:0:;%lld:t1:000123:2:不足;",
             (long long)first + 1, (long long)first);
    assert_string_equal(got, want);
    got[0] = '\0';
    assert_int_equal(
        st->ops->scs_request_list(st, "t2", NULL, req_cb, got, &err), MM_OK);
    snprintf(want, sizeof want, "%lld:t2:000045:0:;%lld:t2:000123:0:;",
             (long long)first + 2, (long long)first + 1);
    assert_string_equal(got, want);
    assert_int_equal(st->ops->scs_request_get(st, first, false, g, &err),
                     MM_OK);
    assert_true(g->state == 2 && g->updated_ms == 11);
    free(r);
    free(g);
}

static void test_schema_versions(void **state)
{
    (void)state;
    mm_err err;
    int from = -1, to = -1;
    assert_int_equal(mm_store_migrate(g_uri, &from, &to, &err), MM_OK);
    assert_int_equal(from, 9);
    assert_int_equal(to, 9);
    side_sql("INSERT INTO mamori_schema(version) VALUES(99)");
    mm_store *st2;
    assert_int_equal(mm_store_open(g_uri, &st2, &err), MM_EINVAL);
    assert_non_null(strstr(err.msg, "newer"));
    assert_int_equal(mm_store_migrate(g_uri, &from, &to, &err), MM_EINVAL);
    side_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public; "
             "CREATE TABLE other(x int)");
    assert_int_equal(mm_store_open(g_uri, &st2, &err), MM_EINVAL);
    assert_non_null(strstr(err.msg, "no mamori schema"));
    assert_int_equal(
        mm_store_open("postgresql://127.0.0.1:1/none", &st2, &err), MM_EIO);
}

/* PostgreSQL drops the connection (restart): the call in flight fails, the
 * next one outside a transaction reconnects with its statements. */
static void test_reconnect(void **state)
{
    mm_store *st = *state;
    mm_err err;
    mm_hub_event e;
    bool dup;
    ev_make(&e, "c1", TS_2026, "192.0.2.1", "{}");
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    side_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
             "pid <> pg_backend_pid() AND datname=current_database()");
    assert_int_equal(put(st, "t1", &e, &dup), MM_EIO);
    mm_store_rollback(st);
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(put(st, "t1", &e, &dup), MM_OK);
    assert_false(dup);
    assert_int_equal(mm_store_commit(st, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM event_keys"), 1);
}

/* A PostgreSQL for the tests: $MM_PG_URI, or one started here. */
static int start_pg(void)
{
    const char *uri = getenv("MM_PG_URI");
    if (uri && *uri) {
        snprintf(g_uri, sizeof g_uri, "%s", uri);
        return 0;
    }
    if (system("command -v pg_config >/dev/null 2>&1 && "
               "test -x \"$(pg_config --bindir)/initdb\"") != 0)
        return 1;
    const char *src = getenv("SRCDIR");
    snprintf(g_dir, sizeof g_dir, "/tmp/mm-test-store-pg.%ld", (long)getpid());
    char cmd[1400];
    snprintf(cmd, sizeof cmd,
             "'%s/scripts/cluster' up --no-nats --fast --dir %s >/dev/null",
             src && *src ? src : ".", g_dir);
    if (system(cmd) != 0)
        return -1;
    snprintf(cmd, sizeof cmd, "%s/cluster.env", g_dir);
    FILE *f = fopen(cmd, "r");
    char line[1000];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "MM_PG_URI=", 10) == 0) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(g_uri, sizeof g_uri, "%s", line + 10);
        }
    if (f)
        fclose(f);
    return g_uri[0] ? 0 : -1;
}

static void stop_pg(void)
{
    if (!g_dir[0])
        return;
    const char *src = getenv("SRCDIR");
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "'%s/scripts/cluster' down --dir %s",
             src && *src ? src : ".", g_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not stop the test PostgreSQL in %s\n", g_dir);
}

/* Partitioned correlators: the partition lock fences event_parts_claim,
 * which reports each id new once per partition, rolled back with its
 * transaction; locks are per session. */
static void test_event_parts(void **state)
{
    mm_store *st = *state;
    const mm_store_ops *ops = st->ops;
    mm_err err;
    mm_hub_event ev[4];
    ev_make(&ev[0], "p1", TS_2026, "45.33.32.1", "{}");
    ev_make(&ev[1], "p2", TS_2026, NULL, "{}");
    ev_make(&ev[2], "p1", TS_2026, NULL, "{}"); /* repeated in the batch */
    ev_make(&ev[3], "q\"uo\\te", TS_2026, NULL, "{}");
    bool fresh[4];
    assert_int_equal(ops->event_parts_claim(st, "t", ev, 4, 3, fresh, &err),
                     MM_EIO); /* not this session's partition */
    bool got = false;
    assert_int_equal(ops->part_lock(st, 0, 3, true, &got, &err), MM_OK);
    assert_true(got);
    mm_store *st2;
    assert_int_equal(mm_store_open(g_uri, &st2, &err), MM_OK);
    assert_int_equal(ops->part_lock(st2, 0, 3, true, &got, &err), MM_OK);
    assert_false(got); /* one owner at a time */
    uint64_t mine = 0, all = 0;
    assert_int_equal(ops->part_locks(st2, 0, &mine, &all, &err), MM_OK);
    assert_true(mine == 0 && all == (uint64_t)1 << 3);
    assert_int_equal(ops->part_locks(st, 0, &mine, &all, &err), MM_OK);
    assert_true(mine == (uint64_t)1 << 3 && all == mine);
    assert_int_equal(ops->part_lock(st2, 1, 0, true, &got, &err), MM_OK);
    assert_true(got); /* a correlator slot: another namespace */
    assert_int_equal(ops->part_locks(st, 1, &mine, &all, &err), MM_OK);
    assert_true(mine == 0 && all == 1);
    assert_int_equal(ops->part_lock(st, 2, 0, true, &got, &err), MM_EINVAL);

    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(ops->event_parts_claim(st, "t", ev, 4, 3, fresh, &err),
                     MM_OK);
    assert_true(fresh[0] && fresh[1] && !fresh[2] && fresh[3]);
    assert_int_equal(mm_store_commit(st, &err), MM_OK);
    /* again, and on another partition */
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(ops->event_parts_claim(st, "t", ev, 4, 3, fresh, &err),
                     MM_OK);
    assert_true(!fresh[0] && !fresh[1] && !fresh[2] && !fresh[3]);
    assert_int_equal(ops->event_parts_claim(st, "u", ev, 2, 3, fresh, &err),
                     MM_OK);
    assert_true(fresh[0] && fresh[1]); /* another tenant's ids */
    mm_store_rollback(st);
    assert_int_equal(mm_store_begin(st, &err), MM_OK);
    assert_int_equal(ops->event_parts_claim(st, "u", ev, 2, 3, fresh, &err),
                     MM_OK);
    assert_true(fresh[0] && fresh[1]); /* the rollback took them back */
    assert_int_equal(mm_store_commit(st, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM event_parts"), 5);
    /* given back: no longer this session's to write */
    assert_int_equal(ops->part_lock(st, 0, 3, false, &got, &err), MM_OK);
    assert_true(got);
    assert_int_equal(ops->event_parts_claim(st, "t", ev, 1, 3, fresh, &err),
                     MM_EIO);
    assert_int_equal(ops->part_lock(st2, 0, 3, true, &got, &err), MM_OK);
    assert_true(got);
    mm_store_close(st2);
}

/* ---- retention by month partition (store-pg-maint.c) ---------------- */

#define MS_2025_12 1764547200000LL
#define MS_2026_01 1767225600000LL
#define MS_2026_02 1769904000000LL
#define MS_2026_02_15 1771113600000LL
#define MS_2026_03 1772323200000LL
#define MS_2026_04 1775001600000LL

static mm_rc usage_sum(const char *tenant, uint64_t bytes, void *ud)
{
    uint64_t *sum = ud; /* [0] tenant a, [1] tenant b */
    sum[tenant[0] == 'b'] += bytes;
    return MM_OK;
}

/* One event of `tenant` at ts, received at `rec`; dup returned. */
static bool put_at(mm_store *st, const char *tenant, const char *id,
                   int64_t ts, int64_t rec, const char *json)
{
    mm_err err;
    mm_hub_event e;
    bool dup = true;
    ev_make(&e, id, ts, "192.0.2.1", json);
    mm_rc rc = mm_store_put_event(st, tenant, &e, rec, &dup, &err);
    if (rc != MM_OK)
        fail_msg("put %s: %s", id, err.msg);
    return dup;
}

/* Every partitioned index of events has one child per partition. */
static void assert_indexes_whole(void)
{
    long parts = side_count("SELECT count(*) FROM pg_inherits WHERE "
                            "inhparent='events'::regclass");
    assert_int_equal(side_count("SELECT count(*) FROM pg_inherits WHERE "
                                "inhparent='events_mamori'::regclass"),
                     parts);
    assert_int_equal(side_count("SELECT count(*) FROM pg_inherits WHERE "
                                "inhparent='events_id'::regclass"),
                     parts);
    assert_int_equal(side_count("SELECT count(*) FROM pg_index WHERE "
                                "indrelid='events'::regclass AND NOT "
                                "indisvalid"),
                     0);
}

static void test_retention_months(void **state)
{
    mm_store *st = *state;
    mm_err err;
    static const char js[] = "{\"event\":{\"dataset\":\"mamori.status\"}}";
    const uint64_t jn = strlen(js);
    /* three months, each received within its month; 2025-12 holds the
     * alert of an open case */
    assert_false(
        put_at(st, "a", "jan1", MS_2026_01 + DAY_MS, MS_2026_01 + DAY_MS, js));
    assert_false(put_at(st, "b", "jan2", MS_2026_01 + 2 * DAY_MS,
                        MS_2026_01 + 3 * DAY_MS, js));
    assert_false(
        put_at(st, "a", "feb1", MS_2026_02 + DAY_MS, MS_2026_02 + DAY_MS, js));
    assert_false(put_at(st, "a", "feb2", MS_2026_02 + 20 * DAY_MS,
                        MS_2026_02 + 20 * DAY_MS, js));
    assert_false(
        put_at(st, "b", "mar1", MS_2026_03 + DAY_MS, MS_2026_03 + DAY_MS, js));
    assert_false(
        put_at(st, "a", "dec1", MS_2025_12 + DAY_MS, MS_2025_12 + DAY_MS, js));
    assert_false(
        put_at(st, "a", "dec2", MS_2025_12 + DAY_MS, MS_2025_12 + DAY_MS, js));
    long jan_alert = side_count("SELECT id FROM events WHERE event_id='jan1'");
    long dec_alert = side_count("SELECT id FROM events WHERE event_id='dec1'");
    long top = side_count("SELECT max(id) FROM events");
    assert_int_equal(
        st->ops->alert_state_set(st, jan_alert, "acknowledged", "", 5, &err),
        MM_OK);
    mm_hub_case c = {.tenant = "a",
                     .alert = dec_alert,
                     .opened_ms = 10,
                     .opened_by = "mamori",
                     .status = "open"};
    assert_int_equal(st->ops->case_put(st, &c, &err), MM_OK);
    /* another front end has January's partition in its memory */
    mm_store *st2;
    assert_int_equal(mm_store_open(g_uri, &st2, &err), MM_OK);
    assert_true(put_at(st2, "a", "jan1", MS_2026_01 + DAY_MS, 1, js));
    /* partitioned correlators' marks go with their events */
    side_sql("INSERT INTO event_parts VALUES('a','jan1',0),('a','feb1',1),"
             "('a','feb2',2)");

    /* horizon 2026-02-15: January goes whole, February row by row, March
     * stays; December stays (an open case's alert) but its other row goes */
    uint64_t freed[2] = {0, 0};
    assert_int_equal(
        st->ops->events_prune(st, MS_2026_02_15, usage_sum, freed, &err),
        MM_OK);
    assert_int_equal(freed[0], 3 * jn); /* jan1, feb1, dec2 */
    assert_int_equal(freed[1], jn);     /* jan2 */
    assert_int_equal(side_count("SELECT count(*) FROM pg_tables WHERE "
                                "tablename ~ '^events_(y2026m01|drop_)'"),
                     0);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 3);
    assert_int_equal(side_count("SELECT count(*) FROM event_keys"), 3);
    assert_int_equal(side_count("SELECT count(*) FROM event_parts"), 1);
    assert_int_equal(side_count("SELECT count(*) FROM events WHERE "
                                "event_id IN ('feb2','mar1','dec1')"),
                     3);
    assert_int_equal(side_count("SELECT count(*) FROM alert_state"), 0);
    assert_int_equal(side_count("SELECT count(*) FROM flags WHERE key LIKE "
                                "'retention:%'"),
                     0);
    assert_int_equal(side_count("SELECT count(*) FROM pg_tables WHERE "
                                "tablename='events_y2025m12'"),
                     1);
    assert_indexes_whole();

    /* a resend of a dropped event: stored again (its key went with it, as
     * in SQLite), in January made again, and a duplicate after that; alert
     * numbers go on from where they were */
    int64_t now = MS_2026_04;
    assert_false(put_at(st, "a", "jan1", MS_2026_01 + DAY_MS, now, js));
    assert_true(put_at(st, "a", "jan1", MS_2026_01 + DAY_MS, now, js));
    assert_true(side_count("SELECT id FROM events WHERE event_id='jan1'") >
                top);
    assert_int_equal(side_count("SELECT count(*) FROM events_y2026m01"), 1);
    assert_indexes_whole();
    /* the other front end's memory was stale: its insert fails once (never
     * into events_other), then it makes sure of the partition again */
    mm_hub_event e;
    bool dup;
    ev_make(&e, "jan3", MS_2026_01 + DAY_MS, NULL, js);
    side_sql("DROP TABLE events_y2026m01; DELETE FROM event_keys WHERE "
             "event_id='jan1'");
    assert_int_equal(mm_store_put_event(st2, "a", &e, now, &dup, &err),
                     MM_EIO);
    assert_int_equal(side_count("SELECT count(*) FROM events_other"), 0);
    assert_int_equal(mm_store_put_event(st2, "a", &e, now, &dup, &err), MM_OK);
    assert_false(dup);
    mm_store_close(st2);
    /* a month with a late arrival is not dropped: the late row stays */
    assert_int_equal(
        st->ops->events_prune(st, MS_2026_02_15, usage_sum, freed, &err),
        MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM events_y2026m01"), 1);
    /* a walk left unfinished (process killed after the detach) is
     * finished by the next prune: keys gone, table dropped */
    side_sql("ALTER TABLE events DETACH PARTITION events_y2026m03; "
             "ALTER TABLE events_y2026m03 RENAME TO events_drop_y2026m03");
    assert_int_equal(st->ops->events_prune(st, 0, NULL, NULL, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM pg_tables WHERE "
                                "tablename ~ '^events_drop_'"),
                     0);
    assert_int_equal(
        side_count("SELECT count(*) FROM event_keys WHERE event_id='mar1'"),
        0);
    /* once the case is closed, December goes whole too */
    snprintf(c.status, sizeof c.status, "closed");
    assert_int_equal(st->ops->case_put(st, &c, &err), MM_OK);
    assert_int_equal(
        st->ops->events_prune(st, MS_2026_02_15, NULL, NULL, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM pg_tables WHERE "
                                "tablename='events_y2025m12'"),
                     0);
    assert_indexes_whole();
}

/* ---- retention in short steps (store-pg-maint.c) -------------------- */

/* A thread that takes the hub's lock whenever it can while a prune runs:
 * it gets it between steps. */
typedef struct locker {
    pthread_mutex_t *mu;
    volatile bool stop;
    unsigned got;
} locker;

static void *locker_main(void *arg)
{
    locker *l = arg;
    while (!l->stop) {
        pthread_mutex_lock(l->mu);
        l->got++;
        pthread_mutex_unlock(l->mu);
        nanosleep(&(struct timespec){0, 200000}, NULL);
    }
    return NULL;
}

/* Steps until done; the number of steps taken. */
static uint64_t prune_all(mm_store *st, mm_store_prune *p, uint64_t *freed)
{
    mm_err err;
    bool more = true;
    while (more)
        assert_int_equal(
            st->ops->events_prune_step(st, p, usage_sum, freed, &more, &err),
            MM_OK);
    return p->steps;
}

static void test_retention_steps(void **state)
{
    mm_store *st = *state;
    mm_err err;
    static const char js[] = "{\"event\":{\"id\":\"x\"}}";
    const uint64_t jn = strlen(js);
    /* 40 events of a this month, received at 0, 10, … 390 (in id order);
     * the sixth (received 50) is an open case's alert */
    int64_t ts = (int64_t)time(NULL) * 1000;
    char id[16];
    for (int i = 0; i < 40; i++) {
        snprintf(id, sizeof id, "r%d", i);
        assert_false(put_at(st, "a", id, ts, i * 10, js));
    }
    long held = side_count("SELECT id FROM events WHERE event_id='r5'");
    mm_hub_case c = {.tenant = "a",
                     .alert = held,
                     .opened_ms = 10,
                     .opened_by = "mamori",
                     .status = "open"};
    assert_int_equal(st->ops->case_put(st, &c, &err), MM_OK);

    /* horizon 205: r0..r20 go but r5, 7 rows a step, the hub's lock given
     * back between steps */
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    locker l = {&mu, false, 0};
    pthread_t th;
    uint64_t freed[2] = {0, 0};
    bool stop = false;
    pthread_mutex_lock(&mu);
    assert_int_equal(pthread_create(&th, NULL, locker_main, &l), 0);
    assert_int_equal(mm_hub__prune_steps(st, 205, usage_sum, freed, &mu, &stop,
                                         NULL, NULL, &err),
                     MM_OK);
    pthread_mutex_unlock(&mu);
    l.stop = true;
    pthread_join(th, NULL);
    assert_true(l.got >= 1);
    assert_int_equal(freed[0], 20 * jn);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 20);
    assert_int_equal(
        side_count("SELECT count(*) FROM events WHERE event_id='r5'"), 1);
    assert_int_equal(side_count("SELECT count(*) FROM event_keys"), 20);
    /* the cursor stops below the kept alert */
    assert_int_equal(side_count("SELECT val FROM flags WHERE "
                                "key='prune:rows'"),
                     held - 1);

    /* in small steps: several of them, and they resume from the cursor in
     * another process (a new session) */
    mm_store *st2;
    assert_int_equal(mm_store_open(g_uri, &st2, &err), MM_OK);
    mm_store_prune p = {.before_ms = 305, .rows_per_step = 3};
    freed[0] = 0;
    assert_true(prune_all(st2, &p, freed) >= 6);
    assert_int_equal(freed[0], 10 * jn); /* r21..r30 */
    assert_int_equal(side_count("SELECT count(*) FROM events"), 10);
    /* one pruner at a time: while st2 is in the middle of one, another
     * process's prune does nothing */
    memset(&p, 0, sizeof p);
    p.before_ms = 1000;
    p.rows_per_step = 2;
    bool more = true;
    for (int i = 0; i < 4 && more; i++)
        assert_int_equal(st2->ops->events_prune_step(st2, &p, usage_sum, freed,
                                                     &more, &err),
                         MM_OK);
    assert_true(more);
    assert_int_equal(st->ops->events_prune(st, 1000, NULL, NULL, &err), MM_OK);
    long left = side_count("SELECT count(*) FROM events");
    assert_true(left >= 8);
    /* st2 dies in the middle: its lock goes with its session, and the next
     * prune finishes the work; the case closed, its alert goes too */
    mm_store_close(st2);
    for (int i = 0; i < 100 && side_count("SELECT count(*) FROM pg_locks "
                                          "WHERE locktype='advisory' AND "
                                          "objid=1835101552") > 0;
         i++) /* the server ends the session after the client left */
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    snprintf(c.status, sizeof c.status, "closed");
    assert_int_equal(st->ops->case_put(st, &c, &err), MM_OK);
    assert_int_equal(st->ops->events_prune(st, 1000, NULL, NULL, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 0);
    assert_int_equal(side_count("SELECT count(*) FROM event_keys"), 0);
    /* a new event is past the cursor: pruned in its turn */
    assert_false(put_at(st, "a", "late", ts, 2000, js));
    assert_int_equal(st->ops->events_prune(st, 1500, NULL, NULL, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 1);
    assert_int_equal(st->ops->events_prune(st, 2500, NULL, NULL, &err), MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 0);
}

static void count_log(void *ud, mm_log_level level, const char *msg)
{
    (void)msg;
    if (level == MM_LOG_WARN)
        ++*(int *)ud;
}

/* A restored database whose row cursor is past every id: the row prune
 * starts again from the lowest id (and says so once) instead of stopping
 * at its first step for ever. */
static void test_retention_cursor_past_rows(void **state)
{
    mm_store *st = *state;
    mm_err err;
    int64_t ts = (int64_t)time(NULL) * 1000;
    char id[16];
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "c%d", i);
        assert_false(put_at(st, "a", id, ts, i * 10, "{}"));
    }
    long last_old = side_count("SELECT id FROM events WHERE event_id='c2'");
    side_sql("INSERT INTO flags(key,val) SELECT 'prune:rows',max(id)+1000 "
             "FROM events ON CONFLICT(key) DO UPDATE SET val=excluded.val");
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    bool stop = false;
    int warned = 0;
    pthread_mutex_lock(&mu);
    assert_int_equal(mm_hub__prune_steps(st, 25, NULL, NULL, &mu, &stop,
                                         count_log, &warned, &err),
                     MM_OK);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 2);
    assert_int_equal(warned, 1);
    assert_int_equal(
        side_count("SELECT val FROM flags WHERE key='prune:rows'"), last_old);
    /* the cursor is sound again: the next prune goes on quietly */
    assert_int_equal(mm_hub__prune_steps(st, 1000, NULL, NULL, &mu, &stop,
                                         count_log, &warned, &err),
                     MM_OK);
    pthread_mutex_unlock(&mu);
    assert_int_equal(side_count("SELECT count(*) FROM events"), 0);
    assert_int_equal(warned, 1);
}

/* Migration 8 on a database where a month's row sits in events_other (a
 * rolled-back partition): the row moves to its month, made for it. */
static void test_migration_8_strays(void **state)
{
    mm_store *st = *state;
    mm_err err;
    side_sql("ALTER TABLE events_other DROP CONSTRAINT events_other_range; "
             "INSERT INTO events(tenant,event_id,kind,ts,received,json) "
             "VALUES('a','s1','event',1778000000000,1,'{}'),"
             "('a','s0','event',1,1,'{}'); "
             "INSERT INTO event_keys VALUES('a','s1'),('a','s0'); "
             "DELETE FROM mamori_schema WHERE version>=8");
    int from = 0, to = 0;
    assert_int_equal(mm_store_migrate(g_uri, &from, &to, &err), MM_OK);
    assert_true(from == 7 && to == 9);
    assert_int_equal(side_count("SELECT count(*) FROM events_y2026m05"), 1);
    assert_int_equal(side_count("SELECT count(*) FROM events_other"), 1);
    assert_false(put_at(st, "a", "s2", 1778000000000, 2, "{}"));
    assert_true(put_at(st, "a", "s1", 1778000000000, 2, "{}"));
    assert_int_equal(side_count("SELECT count(*) FROM events_y2026m05"), 2);
    assert_indexes_whole();
}

/* Migration 7 on a database with events: events_mamori is built on each
 * partition beforehand (CREATE INDEX CONCURRENTLY) and attached. */
static void test_migration_7_online(void **state)
{
    mm_store *st = *state;
    static const char js[] = "{\"event\":{\"dataset\":\"mamori.status\"}}";
    assert_false(put_at(st, "a", "m1", MS_2026_01, 1, js));
    assert_false(put_at(st, "a", "m2", MS_2026_03, 1, js));
    side_sql("DROP INDEX events_mamori; DROP TABLE scs_answers, "
             "scs_requests; ALTER TABLE events_other DROP CONSTRAINT "
             "events_other_range; DELETE FROM mamori_schema WHERE "
             "version>=7");
    mm_err err;
    int from = 0, to = 0;
    assert_int_equal(mm_store_migrate(g_uri, &from, &to, &err), MM_OK);
    assert_true(from == 6 && to == 9);
    assert_int_equal(side_count("SELECT count(*) FROM pg_inherits i JOIN "
                                "pg_class c ON c.oid=i.inhrelid WHERE "
                                "inhparent='events_mamori'::regclass AND "
                                "c.relname LIKE '%\\_mamori'"),
                     3); /* two months and events_other */
    assert_indexes_whole();
    assert_false(put_at(st, "a", "m3", MS_2026_04, 1, js));
    assert_indexes_whole();
}

int main(void)
{
    int s = start_pg();
    if (s == 1) {
        printf("ok 1 # skip PostgreSQL binaries missing (scripts/deps)\n");
        return 0;
    }
    if (s != 0) {
        printf("not ok 1 - could not start PostgreSQL\n");
        stop_pg();
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_events_idempotent_and_partitioned,
                                        reset_db, close_db),
        cmocka_unit_test_setup_teardown(test_put_events_batch, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_rollback_stores_nothing, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_records_round_trip, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_scs, reset_db, close_db),
        cmocka_unit_test_setup_teardown(test_schema_versions, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_reconnect, reset_db, close_db),
        cmocka_unit_test_setup_teardown(test_tokens_usage_probe, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_notify, reset_db, close_db),
        cmocka_unit_test_setup_teardown(test_people, reset_db, close_db),
        cmocka_unit_test_setup_teardown(test_console, reset_db, close_db),
        cmocka_unit_test_setup_teardown(test_registry, reset_db, close_db),
        cmocka_unit_test_setup_teardown(test_tenant_events, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_scs_answers_requests, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_event_parts, reset_db, close_db),
        cmocka_unit_test_setup_teardown(test_retention_months, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_migration_8_strays, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_migration_7_online, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_retention_steps, reset_db,
                                        close_db),
        cmocka_unit_test_setup_teardown(test_retention_cursor_past_rows,
                                        reset_db, close_db),
    };
    int rc = cmocka_run_group_tests_name("store-pg", tests, NULL, NULL);
    stop_pg();
    return rc;
}
