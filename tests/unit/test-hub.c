/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub.c — the hub: store, batch decoding, correlation, warnings, feed,
 * STIX, graph CSV and indicator-list parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define T0 1763770000000LL /* 2025-11-22 event time */
#define NOW 1795000000000LL

typedef struct fx {
    char dir[64];
    char path[128];
    mm_store *st;
    mm_hub *h;
} fx;

static void add_tenant(mm_store *st, const char *id, const char *name,
                       mm_tenant_kind kind, const char *ranges)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    snprintf(t.name, sizeof t.name, "%s", name);
    t.kind = kind;
    mm_hub_token_hash(id, strlen(id), t.token_hash, sizeof t.token_hash);
    snprintf(t.ranges, sizeof t.ranges, "%s", ranges ? ranges : "");
    mm_err err;
    assert_int_equal(mm_store_tenant_put(st, &t, &err), MM_OK);
}

static void add_link(mm_store *st, const char *s, const char *c, bool disc)
{
    mm_link l;
    memset(&l, 0, sizeof l);
    snprintf(l.supplier, sizeof l.supplier, "%s", s);
    snprintf(l.customer, sizeof l.customer, "%s", c);
    l.disclose = disc;
    mm_err err;
    assert_int_equal(mm_store_link_put(st, &l, &err), MM_OK);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/mm-test-hub.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/hub.db", f->dir);
    mm_err err;
    assert_int_equal(mm_store_open(f->path, &f->st, &err), MM_OK);
    add_tenant(f->st, "a", "Alpha Parts", MM_TK_SME, "45.77.10.0/24");
    add_tenant(f->st, "b", "Beta Metal", MM_TK_SME, NULL);
    add_tenant(f->st, "c", "Gamma Works", MM_TK_SME, NULL);
    add_tenant(f->st, "x", "Big Buyer", MM_TK_BUYER, NULL);
    add_tenant(f->st, "m", "Mid Tier", MM_TK_SME, NULL);
    add_tenant(f->st, "n", "Upper Tier", MM_TK_BUYER, NULL);
    add_tenant(f->st, "ci", "Power Grid Co", MM_TK_CRITICAL, NULL);
    add_tenant(f->st, "far", "Far Grid Co", MM_TK_CRITICAL, NULL);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    mm_hub_free(f->h);
    mm_store_close(f->st);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return 1;
    free(f);
    return 0;
}

static void start(fx *f, unsigned k)
{
    mm_hub_params p;
    mm_hub_params_default(&p);
    p.k = k;
    mm_err err;
    assert_int_equal(mm_hub_new(f->st, &p, &f->h, &err), MM_OK);
}

/* Posts one alert line for `tenant` through the real decoder. */
static mm_hub_ingest_result post(fx *f, const char *tenant, const char *id,
                                 const char *ip, int64_t ts)
{
    char t[32], line[512];
    mm_time_format(ts, t, sizeof t);
    snprintf(
        line, sizeof line,
        "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"%s\",\"kind\":\"alert\","
        "\"severity\":3},\"rule\":{\"id\":\"ssh.bruteforce\"},\"source\":"
        "{\"ip\":\"%s\"}}\n",
        t, id, ip);
    mm_hub_batch b;
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(line, strlen(line), false, &b, &err),
                     MM_OK);
    mm_hub_ingest_result r;
    assert_int_equal(mm_hub_ingest(f->h, mm_hub_tenant_by_id(f->h, tenant), &b,
                                   NOW, &r, &err),
                     MM_OK);
    mm_hub_batch_free(&b);
    return r;
}

static mm_rc count_camp(const mm_campaign *c, void *ud)
{
    (void)c;
    (*(int *)ud)++;
    return MM_OK;
}

static int campaigns(fx *f)
{
    int n = 0;
    mm_err err;
    assert_int_equal(mm_store_campaign_list(f->st, count_camp, &n, &err),
                     MM_OK);
    return n;
}

typedef struct wl {
    int n;
    char kinds[8][16];
    char ja[8][MM_WARN_TEXT_MAX];
    char en[8][MM_WARN_TEXT_MAX];
} wl;

static mm_rc collect_w(const mm_warning *w, void *ud)
{
    wl *l = ud;
    if (l->n < 8) {
        snprintf(l->kinds[l->n], 16, "%s", w->kind);
        snprintf(l->ja[l->n], MM_WARN_TEXT_MAX, "%s", w->text_ja);
        snprintf(l->en[l->n], MM_WARN_TEXT_MAX, "%s", w->text_en);
    }
    l->n++;
    return MM_OK;
}

static wl *warnings_of(fx *f, const char *tenant)
{
    wl *l = calloc(1, sizeof *l);
    mm_err err;
    assert_int_equal(
        mm_store_warning_list(f->st, tenant, 0, collect_w, l, &err), MM_OK);
    return l;
}

static void test_store_exactly_once(void **state)
{
    fx *f = *state;
    start(f, 2);
    mm_hub_ingest_result r = post(f, "a", "e1", "45.33.32.156", T0);
    assert_int_equal(r.accepted, 1);
    r = post(f, "a", "e1", "45.33.32.156", T0);
    assert_int_equal(r.accepted, 0);
    assert_int_equal(r.duplicates, 1);
    /* the same id at another tenant is another event */
    r = post(f, "b", "e1", "8.26.1.1", T0);
    assert_int_equal(r.accepted, 1);
    mm_store_stats ss;
    mm_err err;
    assert_int_equal(mm_store_stats_get(f->st, &ss, &err), MM_OK);
    assert_int_equal(ss.events, 2);
    assert_true(ss.size_bytes > 0);
    /* counts by tenant, kind and source (what mamori demo reads) */
    uint64_t n = 9;
    assert_int_equal(
        f->st->ops->event_count(f->st, NULL, NULL, NULL, &n, &err), MM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(
        f->st->ops->event_count(f->st, "a", "alert", "45.33.32.156", &n, &err),
        MM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(
        f->st->ops->event_count(f->st, "a", NULL, "8.26.1.1", &n, &err),
        MM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(
        f->st->ops->event_count(f->st, NULL, "event", NULL, &n, &err), MM_OK);
    assert_int_equal(n, 0);
    /* reopen: tenants and events survive */
    mm_hub_free(f->h);
    f->h = NULL;
    mm_store_close(f->st);
    assert_int_equal(mm_store_open(f->path, &f->st, &err), MM_OK);
    start(f, 2);
    assert_non_null(mm_hub_tenant_by_id(f->h, "ci"));
    char hash[65];
    mm_hub_token_hash("b", 1, hash, sizeof hash);
    assert_string_equal(mm_hub_tenant_by_hash(f->h, hash)->id, "b");
    r = post(f, "b", "e1", "8.26.1.1", T0);
    assert_int_equal(r.duplicates, 1);
}

static void test_k_tenants(void **state)
{
    fx *f = *state;
    start(f, 3);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0 + 60000);
    assert_int_equal(campaigns(f), 0); /* k-1 tenants */
    post(f, "a", "2", "45.33.32.156", T0 + 70000);
    assert_int_equal(campaigns(f), 0); /* same tenant again: still k-1 */
    mm_hub_ingest_result r = post(f, "c", "1", "45.33.32.156", T0 + 120000);
    assert_true(r.campaigns_opened >= 1);
    assert_true(campaigns(f) >= 1);
    wl *l = warnings_of(f, "a");
    assert_true(l->n >= 1);
    assert_string_equal(l->kinds[0], "hit");
    assert_non_null(strstr(l->ja[0], "45.33.32.156"));
    assert_non_null(strstr(l->en[0], "3 companies"));
    free(l);
}

static void test_window(void **state)
{
    fx *f = *state;
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0 + 25LL * 3600 * 1000);
    assert_int_equal(campaigns(f), 0);
}

static void test_reserved_and_own(void **state)
{
    fx *f = *state;
    start(f, 2);
    post(f, "a", "1", "10.1.2.3", T0);
    post(f, "b", "1", "10.1.2.3", T0);
    post(f, "a", "2", "192.168.1.9", T0);
    post(f, "b", "2", "192.168.1.9", T0);
    post(f, "a", "3", "8.8.8.8", T0); /* allowlisted public DNS */
    post(f, "b", "3", "8.8.8.8", T0);
    post(f, "a", "4", "45.77.10.5", T0); /* a's own range, reported by a */
    post(f, "b", "4", "45.77.10.5",
         T0); /* … and by b: still a member's network */
    post(f, "c", "4", "45.77.10.5", T0);
    assert_int_equal(campaigns(f), 0);
}

/* Members' ranges are looked up in a merged interval index: overlapping,
 * nested and adjacent prefixes of several tenants, both families, and the
 * addresses just inside and just outside their edges. */
static void test_member_ranges(void **state)
{
    fx *f = *state;
    add_tenant(f->st, "d", "Delta Cast", MM_TK_SME,
               "45.80.0.0/16,45.80.1.0/24,45.81.0.0/31,2c0f:f000::/32");
    add_tenant(f->st, "e", "Echo Mold", MM_TK_SME,
               "45.82.0.0/24,45.82.1.0/24");
    start(f, 2);
    static const struct {
        const char *ip;
        bool member;
    } cases[] = {
        {"45.80.0.0", true},      {"45.80.255.255", true},
        {"45.79.255.255", false}, {"45.81.0.1", true},
        {"45.81.0.2", false},     {"45.82.1.255", true},
        {"45.82.2.0", false},     {"2c0f:f000:ffff::1", true},
        {"2c0f:f001::1", false},
    };
    unsigned outside = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[16];
        snprintf(id, sizeof id, "m%zu", i);
        post(f, "a", id, cases[i].ip, T0);
        post(f, "b", id, cases[i].ip, T0);
        outside += !cases[i].member;
        if ((unsigned)campaigns(f) != outside)
            fail_msg("%s: member %d but campaigns %u, expected %u",
                     cases[i].ip, cases[i].member, (unsigned)campaigns(f),
                     outside);
    }
}

/* The allowlist (built in, plus hub.conf's `allow`) is an interval index
 * too: its edges, both families, overlapping entries and a /32. */
static void test_allowlist_edges(void **state)
{
    fx *f = *state;
    start(f, 2);
    mm_err err;
    static const char *const extra[] = {"45.90.0.0/23", "45.90.1.0/24",
                                        "45.91.0.7", "2a0c:9a40::/29"};
    for (size_t i = 0; i < sizeof extra / sizeof *extra; i++)
        assert_int_equal(mm_hub_allow_add(f->h, extra[i], &err), MM_OK);
    assert_int_equal(mm_hub_allow_add(f->h, "45.90.0.0/33", &err), MM_EINVAL);
    static const struct {
        const char *ip;
        bool allowed;
    } cases[] = {
        {"8.8.8.0", true},
        {"8.8.8.255", true},
        {"8.8.9.0", false},
        {"66.249.95.255", true}, /* /19 */
        {"66.249.96.0", false},
        {"45.90.1.255", true},
        {"45.90.2.0", false},
        {"45.91.0.7", true},
        {"45.91.0.8", false},
        {"2001:4860:4860::8888", true},
        {"2001:4860:4861::1", false},
        {"2a0c:9a47:ffff::1", true},
        {"2a0c:9a48::1", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mm_addr a;
        assert_int_equal(mm_addr_parse(cases[i].ip, strlen(cases[i].ip), &a),
                         MM_OK);
        if (mm_hub_allowed(f->h, &a) != cases[i].allowed)
            fail_msg("%s: allowed %d, expected %d", cases[i].ip,
                     mm_hub_allowed(f->h, &a), cases[i].allowed);
    }
}

static mm_rc get_score(const mm_campaign *c, void *ud)
{
    *(unsigned *)ud = c->score;
    return MM_OK;
}

static void test_supplier_warning(void **state)
{
    fx *f = *state;
    add_link(f->st, "a", "x", true);
    add_link(f->st, "b", "x", false);
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0 + 3600 * 1000);
    wl *l = warnings_of(f, "x");
    assert_int_equal(l->n, 1);
    assert_string_equal(l->kinds[0], "supplier");
    assert_non_null(strstr(l->en[0], "2 of your suppliers"));
    assert_non_null(strstr(l->en[0], "Alpha Parts")); /* disclosed */
    assert_null(strstr(l->en[0], "Beta Metal"));      /* not disclosed */
    assert_non_null(strstr(l->en[0], "1 not disclosed"));
    assert_non_null(strstr(l->ja[0], "Alpha Parts"));
    free(l);
    /* score: 20 + 15 (2nd tenant) + 15 (spread within 1 h) + 15 (severity
     * high) + 10 (one customer with two hit suppliers) */
    unsigned score = 0;
    mm_err err;
    assert_int_equal(mm_store_campaign_list(f->st, get_score, &score, &err),
                     MM_OK);
    assert_int_equal(score, 75);
    /* a third party not linked gets nothing */
    l = warnings_of(f, "m");
    assert_int_equal(l->n, 0);
    free(l);
}

static mm_rc link_list_fails(mm_store *st, mm_link_row_fn fn, void *ud,
                             mm_err *err)
{
    (void)st;
    (void)fn;
    (void)ud;
    return mm_err_set(err, MM_EIO, "<store>", 0, "connection lost");
}

/* A reload whose link listing fails keeps the links it had: buyers are
 * still warned. */
static void test_reload_keeps_links(void **state)
{
    fx *f = *state;
    add_link(f->st, "a", "x", true);
    add_link(f->st, "b", "x", true);
    start(f, 2);
    mm_store_ops ops = *f->st->ops;
    const mm_store_ops *keep = f->st->ops;
    ops.link_list = link_list_fails;
    f->st->ops = &ops;
    mm_err err;
    assert_int_equal(mm_hub_reload(f->h, &err), MM_EIO);
    f->st->ops = keep;
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0 + 1000);
    wl *l = warnings_of(f, "x");
    assert_int_equal(l->n, 1);
    assert_string_equal(l->kinds[0], "supplier");
    free(l);
}

static mm_rc count_esc(const mm_escalation *e, void *ud)
{
    (void)e;
    (*(int *)ud)++;
    return MM_OK;
}

static void test_ci_up_graph(void **state)
{
    fx *f = *state;
    /* a → m → n → ci (3 tiers); n → x → m2 … far is 4 tiers: not warned */
    add_link(f->st, "a", "m", false);
    add_link(f->st, "m", "n", false);
    add_link(f->st, "n", "ci", false);
    add_link(f->st, "ci", "far", false);
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0 + 60000);
    wl *l = warnings_of(f, "ci");
    assert_int_equal(l->n, 1);
    assert_string_equal(l->kinds[0], "critical");
    free(l);
    l = warnings_of(f, "far");
    assert_int_equal(l->n, 0);
    free(l);
    /* score: 2 tenants within 1 h, severity 3: 35 + 15 + 15 = 65 ≥ 60, but
     * an ordinary campaign touching ONE supplier of the operator is a
     * warning (above), not an escalation (issue 12) */
    int n = 0;
    mm_err err;
    assert_int_equal(mm_store_escalation_list(f->st, count_esc, &n, &err),
                     MM_OK);
    assert_int_equal(n, 0);
}

/* Two suppliers of a critical operator hit by one campaign with a high
 * score: its supply chain is being walked → escalated. */
static void test_ci_two_suppliers_escalate(void **state)
{
    fx *f = *state;
    add_link(f->st, "a", "ci", false);
    add_link(f->st, "b", "m", false);
    add_link(f->st, "m", "ci", false);
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0 + 60000);
    int n = 0;
    mm_err err;
    assert_int_equal(mm_store_escalation_list(f->st, count_esc, &n, &err),
                     MM_OK);
    assert_int_equal(n, 1);
}

static void test_feed_decay(void **state)
{
    fx *f = *state;
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0);
    assert_true(mm_hub_cursor(f->h) > 0);
    mm_buf b;
    mm_buf_init(&b, 1 << 20);
    mm_err err;
    assert_int_equal(mm_hub_feed_json(f->h, -1, NOW, &b, &err), MM_OK);
    json_t *j = json_loads(b.data, 0, NULL);
    assert_non_null(j);
    json_t *inds = json_object_get(j, "indicators");
    assert_int_equal(json_array_size(inds), 1);
    json_t *i0 = json_array_get(inds, 0);
    assert_string_equal(json_string_value(json_object_get(i0, "value")),
                        "45.33.32.156");
    assert_string_equal(json_string_value(json_object_get(i0, "type")),
                        "ipv4-addr");
    assert_string_equal(json_string_value(json_object_get(i0, "op")), "add");
    json_int_t c0 = json_integer_value(json_object_get(i0, "confidence"));
    assert_true(c0 > 0);
    json_decref(j);
    /* decay: polynomial, lower after 7 days, zero at expiry */
    mm_indicator ind = {0};
    ind.confidence = 80;
    ind.last_seen = NOW;
    ind.valid_until = NOW + 14LL * 86400000;
    assert_int_equal(mm_hub_confidence(&ind, NOW), 80);
    assert_int_equal(mm_hub_confidence(&ind, NOW + 7LL * 86400000), 60);
    assert_int_equal(mm_hub_confidence(&ind, NOW + 14LL * 86400000), 0);
    /* expiry: after 14 days the indicator is removed (op remove) */
    int64_t cur = mm_hub_cursor(f->h);
    unsigned n = 0;
    assert_int_equal(mm_hub_expire(f->h, NOW + 15LL * 86400000, &n, &err),
                     MM_OK);
    assert_int_equal(n, 1);
    assert_true(mm_hub_cursor(f->h) > cur);
    mm_buf_reset(&b);
    assert_int_equal(
        mm_hub_feed_json(f->h, cur, NOW + 15LL * 86400000, &b, &err), MM_OK);
    assert_non_null(strstr(b.data, "\"op\":\"remove\""));
    mm_buf_reset(&b);
    assert_int_equal(mm_hub_feed_txt(f->h, NOW + 15LL * 86400000, &b, &err),
                     MM_OK);
    assert_null(strstr(b.data, "45.33.32.156"));
    mm_buf_free(&b);
}

static void test_stix_shape(void **state)
{
    fx *f = *state;
    mm_stateioc s = {"ipv4-addr", "45.33.32.156", "test-advisory"};
    mm_err err;
    assert_int_equal(mm_store_stateioc_put(f->st, &s, &err), MM_OK);
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "c", "1", "45.33.32.156", T0 + 1000);
    mm_buf b;
    mm_buf_init(&b, 1 << 20);
    assert_int_equal(mm_hub_escalations_stix(f->st, NOW, &b, &err), MM_OK);
    json_t *j = json_loads(b.data, 0, NULL);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "type")),
                        "bundle");
    assert_int_equal(
        strncmp(json_string_value(json_object_get(j, "id")), "bundle--", 8),
        0);
    json_t *objs = json_object_get(j, "objects");
    size_t i;
    json_t *o;
    int ind = 0, ident = 0, rel = 0, ncamp = 0;
    json_array_foreach(objs, i, o)
    {
        const char *type = json_string_value(json_object_get(o, "type"));
        assert_string_equal(
            json_string_value(json_object_get(o, "spec_version")), "2.1");
        const char *id = json_string_value(json_object_get(o, "id"));
        char want[64];
        snprintf(want, sizeof want, "%s--", type);
        assert_int_equal(strncmp(id, want, strlen(want)), 0);
        assert_int_equal(strlen(id), strlen(want) + 36);
        assert_int_equal(id[strlen(want) + 14], '4'); /* version nibble */
        if (strcmp(type, "indicator") == 0) {
            ind++;
            assert_string_equal(
                json_string_value(json_object_get(o, "pattern")),
                "[ipv4-addr:value = '45.33.32.156']");
            assert_string_equal(
                json_string_value(json_object_get(o, "pattern_type")), "stix");
        } else if (strcmp(type, "identity") == 0) {
            ident++;
        } else if (strcmp(type, "relationship") == 0) {
            rel++;
            assert_string_equal(
                json_string_value(json_object_get(o, "relationship_type")),
                "indicates");
        } else if (strcmp(type, "campaign") == 0) {
            ncamp++;
            assert_non_null(
                strstr(json_string_value(json_object_get(o, "description")),
                       "test-advisory"));
        }
    }
    assert_int_equal(ident, 1);
    assert_true(ncamp >= 1);
    assert_true(ind >= 1);
    assert_int_equal(rel, ind);
    json_decref(j);
    mm_buf_free(&b);
}

static void test_batch_decode(void **state)
{
    (void)state;
    mm_hub_batch b;
    mm_err err;
    const char *good =
        "{\"@timestamp\":\"2026-11-22T01:02:03.5+09:00\",\"event\":{\"id\":"
        "\"x1\","
        "\"kind\":\"event\"},\"source\":{\"ip\":\"::ffff:45.33.32.156\"},"
        "\"user\":{\"name\":[\"root\",\"admin\",\"root\"]}}\n\n";
    assert_int_equal(mm_hub_batch_decode(good, strlen(good), false, &b, &err),
                     MM_OK);
    assert_int_equal(b.n, 1);
    assert_int_equal(b.ev[0].src.family, 4);
    assert_int_equal(b.ev[0].n_users, 2);
    assert_true(b.ev[0].users_hash != 0);
    assert_int_equal(b.ev[0].ts_ms, 1795276923500LL);
    mm_hub_batch_free(&b);
    /* line 2 bad: an alert without rule.id */
    char bad[1024];
    snprintf(bad, sizeof bad,
             "%s{\"@timestamp\":\"2026-11-22T01:02:03Z\","
             "\"event\":{\"id\":\"x2\",\"kind\":\"alert\"}}\n",
             good);
    assert_int_equal(mm_hub_batch_decode(bad, strlen(bad), false, &b, &err),
                     MM_EPARSE);
    assert_int_equal(err.line, 3);
    assert_null(b.ev);
    assert_non_null(strstr(err.msg, "rule.id"));
    const char *badid =
        "{\"@timestamp\":\"2026-11-22T01:02:03Z\",\"event\":{\"id\":"
        "\"0123456789012345678901234567890123456789012345678901234567890123x\""
        ","
        "\"kind\":\"event\"}}";
    assert_int_equal(
        mm_hub_batch_decode(badid, strlen(badid), false, &b, &err), MM_EPARSE);
    const char *badts = "{\"@timestamp\":\"yesterday\",\"event\":{\"id\":"
                        "\"a\",\"kind\":\"event\"}}";
    assert_int_equal(
        mm_hub_batch_decode(badts, strlen(badts), false, &b, &err), MM_EPARSE);
    /* too many lines */
    size_t n = MM_HUB_BATCH_MAX_LINES + 1;
    char *many = malloc(n * 3 + 1);
    for (size_t i = 0; i < n; i++)
        memcpy(many + 3 * i, "{}\n", 3);
    assert_int_equal(mm_hub_batch_decode(many, n * 3, false, &b, &err),
                     MM_ELIMIT);
    free(many);
    /* zstd: round trip, and a bomb stops at the cap */
    size_t cap = ZSTD_compressBound(strlen(good));
    char *z = malloc(cap);
    size_t zl = ZSTD_compress(z, cap, good, strlen(good), 3);
    assert_int_equal(mm_hub_batch_decode(z, zl, true, &b, &err), MM_OK);
    assert_int_equal(b.n, 1);
    mm_hub_batch_free(&b);
    assert_int_equal(mm_hub_batch_decode(z, zl - 3, true, &b, &err),
                     MM_EPARSE);
    free(z);
    size_t big = MM_HUB_BATCH_MAX_BYTES + 100;
    char *zeros = calloc(1, big);
    memset(zeros, ' ', big);
    cap = ZSTD_compressBound(big);
    z = malloc(cap);
    zl = ZSTD_compress(z, cap, zeros, big, 3);
    assert_true(zl < 10000);
    assert_int_equal(mm_hub_batch_decode(z, zl, true, &b, &err), MM_ELIMIT);
    free(z);
    free(zeros);
}

static mm_rc count_link(const mm_link *l, void *ud, mm_err *err)
{
    (void)l;
    (void)err;
    (*(int *)ud)++;
    return MM_OK;
}

static void test_graph_csv(void **state)
{
    (void)state;
    mm_err err;
    int n = 0;
    const char *ok =
        "supplier,customer,disclose\n# comment\na,x,1\nb , x , no\nc,x\n";
    assert_int_equal(
        mm_hub_graph_parse("g.csv", ok, strlen(ok), count_link, &n, &err),
        MM_OK);
    assert_int_equal(n, 3);
    const char *bad1 = "a,x,1\nb;x\n";
    n = 0;
    assert_int_equal(
        mm_hub_graph_parse("g.csv", bad1, strlen(bad1), count_link, &n, &err),
        MM_EPARSE);
    assert_int_equal(err.line, 2);
    assert_string_equal(err.file, "g.csv");
    const char *bad2 = "a,x,maybe\n";
    assert_int_equal(
        mm_hub_graph_parse("g.csv", bad2, strlen(bad2), count_link, &n, &err),
        MM_EPARSE);
    assert_non_null(strstr(err.msg, "disclose"));
    const char *bad3 = "a,a\n";
    assert_int_equal(
        mm_hub_graph_parse("g.csv", bad3, strlen(bad3), count_link, &n, &err),
        MM_EPARSE);
    const char *bad4 = "\n\na,x,1,extra\n";
    assert_int_equal(
        mm_hub_graph_parse("g.csv", bad4, strlen(bad4), count_link, &n, &err),
        MM_EPARSE);
    assert_int_equal(err.line, 3);
    const char *bad5 = "a b,x\n";
    assert_int_equal(
        mm_hub_graph_parse("g.csv", bad5, strlen(bad5), count_link, &n, &err),
        MM_EPARSE);
}

typedef struct iocs {
    int ip, dom;
    bool saw_ip, saw_dom;
} iocs;

static mm_rc count_ioc(const mm_stateioc *s, void *ud)
{
    iocs *c = ud;
    if (strcmp(s->type, "domain-name") == 0) {
        c->dom++;
        if (strcmp(s->value, "mailguardonline.net") == 0)
            c->saw_dom = true;
    } else {
        c->ip++;
        if (strcmp(s->value, "104.156.233.219") == 0)
            c->saw_ip = true;
    }
    return MM_OK;
}

static void test_ioc_acsc(void **state)
{
    (void)state;
    const char *srcdir = getenv("SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/samples/acsc-2020-008-iocs.ndjson",
             srcdir ? srcdir : ".");
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    static char text[1 << 20];
    size_t n = fread(text, 1, sizeof text, fp);
    fclose(fp);
    iocs c = {0};
    mm_err err;
    assert_int_equal(mm_hub_ioc_parse(path, text, n, count_ioc, &c, &err),
                     MM_OK);
    assert_true(c.saw_ip);
    assert_true(c.saw_dom);
    assert_true(c.ip >= 10);
    const char *plain =
        "# list\n45.33.32.156\nevil.example.com # c2\n10.0.0.1\n";
    memset(&c, 0, sizeof c);
    assert_int_equal(
        mm_hub_ioc_parse("l.txt", plain, strlen(plain), count_ioc, &c, &err),
        MM_OK);
    assert_int_equal(c.ip, 1); /* the private address is skipped */
    assert_int_equal(c.dom, 1);
    const char *bad = "45.33.32.156\nnot an indicator!\n";
    assert_int_equal(
        mm_hub_ioc_parse("l.txt", bad, strlen(bad), count_ioc, &c, &err),
        MM_EPARSE);
    assert_int_equal(err.line, 2);
}

static void post_line(fx *f, const char *tenant, const char *line)
{
    mm_hub_batch b;
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(line, strlen(line), false, &b, &err),
                     MM_OK);
    mm_hub_ingest_result r;
    assert_int_equal(mm_hub_ingest(f->h, mm_hub_tenant_by_id(f->h, tenant), &b,
                                   NOW, &r, &err),
                     MM_OK);
    mm_hub_batch_free(&b);
}

static mm_rc find_type(const mm_campaign *c, void *ud)
{
    char *want = ud;
    if (strcmp(c->key_type, want) == 0)
        want[0] = '!';
    return MM_OK;
}

static bool has_campaign_type(fx *f, const char *type)
{
    char want[16];
    snprintf(want, sizeof want, "%s", type);
    mm_err err;
    assert_int_equal(mm_store_campaign_list(f->st, find_type, want, &err),
                     MM_OK);
    return want[0] == '!';
}

/* The /24 key of IPv4 sources (formatted by hand on the hot path) and the
 * key text a campaign gets. */
static mm_rc find_key(const mm_campaign *c, void *ud)
{
    char *want = ud;
    if (strcmp(c->key_type, "net") == 0 && strcmp(c->key, want) == 0)
        want[0] = '!';
    return MM_OK;
}

static void test_net_key(void **state)
{
    fx *f = *state;
    start(f, 2);
    post_line(
        f, "a",
        "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{\"id\":\"n1\","
        "\"kind\":\"event\"},\"source\":{\"ip\":\"45.9.200.7\"}}");
    post_line(
        f, "b",
        "{\"@timestamp\":\"2025-11-22T00:01:00Z\",\"event\":{\"id\":\"n1\","
        "\"kind\":\"event\"},\"source\":{\"ip\":\"::ffff:45.9.200.99\"}}");
    char want[32] = "45.9.200.0/24";
    mm_err err;
    assert_int_equal(mm_store_campaign_list(f->st, find_key, want, &err),
                     MM_OK);
    assert_int_equal(want[0], '!');
}

/* Several batches in one transaction: each job keeps its own outcome, a
 * job refused up front stores nothing, the others are stored together. */
static void test_ingest_group(void **state)
{
    fx *f = *state;
    start(f, 2);
    const char *l1 =
        "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{\"id\":\"g1\","
        "\"kind\":\"event\"},\"source\":{\"ip\":\"45.8.1.1\"}}\n"
        "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{\"id\":\"g2\","
        "\"kind\":\"event\"}}\n";
    const char *l2 =
        "{\"@timestamp\":\"2025-11-22T00:02:00Z\",\"event\":{\"id\":\"g1\","
        "\"kind\":\"event\"},\"source\":{\"ip\":\"45.8.1.1\"}}\n";
    const char *l3 =
        "{\"@timestamp\":\"2025-11-22T00:03:00Z\",\"event\":{\"id\":\"g9\","
        "\"kind\":\"event\"},\"observer\":{\"tenant\":\"a\"}}\n";
    mm_hub_batch b[4];
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(l1, strlen(l1), false, &b[0], &err),
                     MM_OK);
    assert_int_equal(mm_hub_batch_decode(l2, strlen(l2), false, &b[1], &err),
                     MM_OK);
    assert_int_equal(mm_hub_batch_decode(l3, strlen(l3), false, &b[2], &err),
                     MM_OK);
    assert_int_equal(mm_hub_batch_decode(l1, strlen(l1), false, &b[3], &err),
                     MM_OK);
    mm_hub_ingest_job j[4];
    memset(j, 0, sizeof j);
    const char *who[4] = {"a", "b", "b", "a"};
    for (int i = 0; i < 4; i++) {
        j[i].tenant = mm_hub_tenant_by_id(f->h, who[i]);
        j[i].batch = &b[i];
    }
    mm_store_stats ss0, ss1;
    assert_int_equal(mm_store_stats_get(f->st, &ss0, &err), MM_OK);
    assert_int_equal(mm_hub_ingest_group(f->h, j, 4, NOW, &err), MM_OK);
    assert_int_equal(j[0].rc, MM_OK);
    assert_int_equal(j[0].res.accepted, 2);
    assert_int_equal(j[1].rc, MM_OK);
    assert_int_equal(j[1].res.accepted, 1);
    assert_int_equal(j[1].res.campaigns_opened, 1); /* a and b saw 45.8.1.1 */
    assert_int_equal(j[2].rc, MM_EINVAL);           /* b claiming to be a */
    assert_int_equal(j[2].err.line, 1);
    assert_int_equal(j[3].rc,
                     MM_OK); /* a's batch again in the same transaction */
    assert_int_equal(j[3].res.accepted, 0);
    assert_int_equal(j[3].res.duplicates, 2);
    assert_int_equal(mm_store_stats_get(f->st, &ss1, &err), MM_OK);
    assert_int_equal(ss1.events - ss0.events, 3);
    assert_true(has_campaign_type(f, "ip"));
    for (int i = 0; i < 4; i++)
        mm_hub_batch_free(&b[i]);
}

/* One NDJSON batch of n alerts for job j: addresses from a small pool so
 * tenants share them, some with a domain, one far in the future. */
static void prekeys_batch(int j, int n, mm_hub_batch *b)
{
    size_t cap = (size_t)n * 320 + 1;
    char *buf = malloc(cap);
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        char t[32];
        mm_time_format(i == 7 ? NOW + 10 * HOUR_MS : T0 + (j * n + i) * 1000LL,
                       t, sizeof t);
        o += (size_t)snprintf(
            buf + o, cap - o,
            "{\"@timestamp\":\"%s\",\"event\":{\"id\":\"e%d-%d\","
            "\"kind\":\"alert\",\"severity\":%d},\"rule\":{\"id\":"
            "\"ssh.bruteforce\"},\"source\":{\"ip\":\"45.9.%d.%d\"}%s}\n",
            t, j % 5, i, 1 + i % 4, i % 7, i % 13,
            i % 5 == 0 ? ",\"url\":{\"domain\":\"evil-c2.example\"}" : "");
    }
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(buf, o, false, b, &err), MM_OK);
    free(buf);
}

/* Runs the same group of batches through f's engine. */
static void prekeys_group(fx *f, int nb, int n, mm_hub_ingest_result *res)
{
    static const char *const who[] = {"a", "b", "c", "m", "b", "a"};
    mm_hub_batch b[6];
    mm_hub_ingest_job j[6];
    memset(j, 0, sizeof j);
    for (int i = 0; i < nb; i++) {
        prekeys_batch(i, n, &b[i]);
        j[i].tenant = mm_hub_tenant_by_id(f->h, who[i]);
        j[i].batch = &b[i];
    }
    mm_err err;
    assert_int_equal(mm_hub_ingest_group(f->h, j, (size_t)nb, NOW, &err),
                     MM_OK);
    for (int i = 0; i < nb; i++) {
        assert_int_equal(j[i].rc, MM_OK);
        res[i] = j[i].res;
        mm_hub_batch_free(&b[i]);
    }
}

/* The prekeys thread changes nothing but the thread the keys are resolved
 * on: two engines, one with it, get the same groups (duplicates inside the
 * group and against stored rows, a clamped future event, shared addresses
 * and a domain) and end with the same counts, campaigns, warnings and
 * index. */
static void test_prekeys_same_results(void **state)
{
    fx *f = *state, *g;
    assert_int_equal(setup((void **)&g), 0);
    start(f, 2);
    start(g, 2);
    mm_err err;
    assert_int_equal(mm_hub_set_prekeys(g->h, &err), MM_OK);
    const int sizes[][2] = {{6, 150}, {2, 20}, {6, 150}, {3, 400}};
    for (size_t r = 0; r < sizeof sizes / sizeof *sizes; r++) {
        mm_hub_ingest_result rf[6], rg[6];
        prekeys_group(f, sizes[r][0], sizes[r][1], rf);
        prekeys_group(g, sizes[r][0], sizes[r][1], rg);
        for (int i = 0; i < sizes[r][0]; i++) {
            assert_int_equal(rf[i].accepted, rg[i].accepted);
            assert_int_equal(rf[i].duplicates, rg[i].duplicates);
            assert_int_equal(rf[i].campaigns_opened, rg[i].campaigns_opened);
            assert_int_equal(rf[i].warnings, rg[i].warnings);
            assert_int_equal(rf[i].indicators, rg[i].indicators);
        }
    }
    assert_true(campaigns(f) > 0);
    assert_int_equal(f->h->keys.n, g->h->keys.n);
    mm_buf bf, bg;
    mm_buf_init(&bf, 1 << 22);
    mm_buf_init(&bg, 1 << 22);
    assert_int_equal(mm_hub_campaigns_json(f->st, &bf, &err), MM_OK);
    assert_int_equal(mm_hub_campaigns_json(g->st, &bg, &err), MM_OK);
    assert_string_equal(bf.data, bg.data);
    mm_buf_free(&bf);
    mm_buf_free(&bg);
    static const char *const tenants[] = {"a", "b", "c", "m", "x", "n"};
    for (size_t t = 0; t < sizeof tenants / sizeof *tenants; t++) {
        wl *wf = warnings_of(f, tenants[t]), *wg = warnings_of(g, tenants[t]);
        assert_int_equal(wf->n, wg->n);
        for (int i = 0; i < wf->n && i < 8; i++)
            assert_string_equal(wf->en[i], wg->en[i]);
        free(wf);
        free(wg);
    }
    mm_store_stats sf, sg;
    assert_int_equal(mm_store_stats_get(f->st, &sf, &err), MM_OK);
    assert_int_equal(mm_store_stats_get(g->st, &sg, &err), MM_OK);
    assert_int_equal(sf.events, sg.events);
    assert_int_equal(sf.max_ts, sg.max_ts);
    teardown((void **)&g);
}

static void test_users_and_sig_keys(void **state)
{
    fx *f = *state;
    start(f, 2);
    /* different source addresses (different /24s), same set of user names
     * tried in another order: one password-spraying tool */
    post_line(
        f, "a",
        "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{\"id\":\"u1\","
        "\"kind\":\"event\"},\"source\":{\"ip\":\"45.1.1.1\"},\"user\":"
        "{\"name\":[\"oracle\",\"admin\",\"pi\"]}}");
    assert_false(has_campaign_type(f, "users"));
    post_line(
        f, "b",
        "{\"@timestamp\":\"2025-11-22T00:10:00Z\",\"event\":{\"id\":\"u1\","
        "\"kind\":\"event\"},\"source\":{\"ip\":\"46.2.2.2\"},\"user\":"
        "{\"name\":[\"pi\",\"oracle\",\"admin\"]}}");
    assert_true(has_campaign_type(f, "users"));
    /* the same signature on the same path from different addresses */
    post_line(
        f, "a",
        "{\"@timestamp\":\"2025-11-22T00:00:00Z\",\"event\":{\"id\":\"s1\","
        "\"kind\":\"alert\"},\"rule\":{\"id\":\"web.rce\"},\"url\":"
        "{\"path\":\"/cgi-bin/luci\"},\"source\":{\"ip\":\"47.1.1.1\"}}");
    assert_false(has_campaign_type(f, "sig"));
    post_line(
        f, "c",
        "{\"@timestamp\":\"2025-11-22T00:01:00Z\",\"event\":{\"id\":\"s1\","
        "\"kind\":\"alert\"},\"rule\":{\"id\":\"web.rce\"},\"url\":"
        "{\"path\":\"/cgi-bin/luci\"},\"source\":{\"ip\":\"48.1.1.1\"}}");
    assert_true(has_campaign_type(f, "sig"));
}

static void test_index_compaction(void **state)
{
    fx *f = *state;
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0); /* key kept: campaign */
    post(f, "b", "1", "45.33.32.156", T0 + 1000);
    post(f, "a", "2", "45.40.1.1", T0); /* key without campaign */
    post(f, "c", "9", "45.50.1.1",
         T0 + 48LL * 3600 * 1000); /* moves time on */
    unsigned n;
    mm_err err;
    assert_int_equal(mm_hub_expire(f->h, NOW + 61000, &n, &err), MM_OK);
    /* the stale key is gone: b's late sighting of 45.40.1.1 opens nothing */
    int before = campaigns(f);
    post(f, "b", "2", "45.40.1.1", T0 + 1000);
    assert_int_equal(campaigns(f), before);
    /* the campaign closed when time moved 48 h on (issue 12): c's
     * sighting neither joins it nor opens a new one alone */
    mm_hub_ingest_result r =
        post(f, "c", "10", "45.33.32.156", T0 + 48LL * 3600 * 1000);
    assert_int_equal(r.campaigns_opened, 0);
    assert_int_equal(r.warnings, 0);
}

static void test_future_clamped(void **state)
{
    fx *f = *state;
    start(f, 2);
    /* a timestamp in the year 2999 must not push the window away from the
     * other tenants' sightings */
    post(f, "a", "1", "45.33.32.156", 32503680000000LL);
    post(f, "b", "1", "45.33.32.156", NOW - 3600 * 1000);
    assert_true(campaigns(f) >= 1);
}

static void test_rebuild_index(void **state)
{
    fx *f = *state;
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0);
    /* restart between the two sightings: the index is rebuilt */
    mm_hub_free(f->h);
    f->h = NULL;
    start(f, 2);
    post(f, "b", "1", "45.33.32.156", T0 + 1000);
    assert_true(campaigns(f) >= 1);
}

typedef struct camps_seen {
    int n;
    int64_t id[8], closed[8];
    unsigned tenants[8];
} camps_seen;

static mm_rc seen_camp(const mm_campaign *c, void *ud)
{
    camps_seen *cs = ud;
    if (cs->n < 8) {
        cs->id[cs->n] = c->id;
        cs->closed[cs->n] = c->closed_ts;
        cs->tenants[cs->n] = c->tenants;
    }
    cs->n++;
    return MM_OK;
}

static camps_seen camps_of(fx *f)
{
    camps_seen cs;
    memset(&cs, 0, sizeof cs);
    mm_err err;
    assert_int_equal(mm_store_campaign_list(f->st, seen_camp, &cs, &err),
                     MM_OK);
    return cs;
}

/* A campaign closes once its last sighting is a window W behind the newest
 * event; the same key then needs k fresh tenants for a NEW campaign, and a
 * restart keeps the closed one closed. */
static void test_campaign_closes(void **state)
{
    fx *f = *state;
    const int64_t H = 3600LL * 1000, W = 24 * H;
    start(f, 2);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0 + H);
    camps_seen cs = camps_of(f);
    assert_int_equal(cs.n, 1);
    assert_int_equal(cs.closed[0], 0);
    int64_t first = cs.id[0];
    /* a third tenant after the window: campaign 1 closed, no new one yet
     * (the sightings of a and b belong to the closed campaign) */
    mm_hub_ingest_result r = post(f, "c", "1", "45.33.32.156", T0 + W + H);
    assert_int_equal(r.campaigns_opened, 0);
    cs = camps_of(f);
    assert_int_equal(cs.n, 1);
    assert_int_equal(cs.closed[0], T0 + H + W);
    assert_int_equal(cs.tenants[0], 2);
    /* restart: still closed, and the rebuilt index agrees */
    mm_hub_free(f->h);
    f->h = NULL;
    start(f, 2);
    r = post(f, "b", "2", "45.33.32.156", T0 + W + 2 * H);
    assert_int_equal(r.campaigns_opened, 1); /* k = 2 again: c and b */
    cs = camps_of(f);
    assert_int_equal(cs.n, 2);
    assert_int_equal(cs.closed[0], T0 + H + W);
    assert_true(cs.id[1] != first);
    assert_int_equal(cs.closed[1], 0);
    assert_int_equal(cs.tenants[1], 2);
    /* the JSON shows both states */
    mm_buf b;
    mm_buf_init(&b, 1 << 20);
    mm_err err;
    assert_int_equal(mm_hub_campaigns_json(f->st, &b, &err), MM_OK);
    assert_non_null(strstr(b.data, "\"state\":\"closed\",\"closed\":"));
    assert_non_null(strstr(b.data, "\"state\":\"open\""));
    mm_buf_free(&b);
}

/* A hub with k and a correlation index capped at `cap` keys. */
static void start_capped(fx *f, unsigned k, unsigned cap)
{
    mm_hub_params p;
    mm_hub_params_default(&p);
    p.k = k;
    p.keys_max = cap;
    mm_err err;
    assert_int_equal(mm_hub_new(f->st, &p, &f->h, &err), MM_OK);
}

static bool key_held(fx *f, const char *key)
{
    return mm_hub_smap_get(&f->h->keys, key) != NULL;
}

/* At the cap, keys seen by one tenant go (oldest first) so new keys still
 * correlate; a key two tenants saw stays however old it is. */
static void test_keys_cap_evicts(void **state)
{
    fx *f = *state;
    const int64_t M = 60LL * 1000;
    start_capped(f, 3, 16);
    post(f, "a", "m1", "45.33.32.156", T0); /* 2 tenants: kept */
    post(f, "b", "m1", "45.33.32.156", T0);
    char ip[32], id[16];
    for (int i = 0; i < 50; i++) { /* 100 single-tenant keys of noise */
        snprintf(ip, sizeof ip, "23.%d.1.9", i);
        snprintf(id, sizeof id, "n%d", i);
        assert_int_equal(post(f, "c", id, ip, T0 + (i + 1) * M).accepted, 1);
    }
    assert_true(mm_hub_keys(f->h) <= 16);
    assert_true(mm_hub_keys_evicted(f->h) >= 100 - 16);
    assert_int_equal(mm_hub_keys_skipped(f->h), 0);
    assert_true(key_held(f, "ip:45.33.32.156"));
    assert_true(key_held(f, "net:45.33.32.0/24"));
    assert_true(key_held(f, "ip:23.49.1.9")); /* the newest noise stays */
    assert_false(key_held(f, "ip:23.0.1.9")); /* the oldest went */
    /* every key left is found from its home slot (deletions moved some) */
    size_t n = 0;
    for (size_t i = 0; i < f->h->keys.cap; i++)
        if (f->h->keys.e[i].key) {
            n++;
            assert_ptr_equal(mm_hub_smap_get(&f->h->keys, f->h->keys.e[i].key),
                             f->h->keys.e[i].val);
        }
    assert_int_equal(n, mm_hub_keys(f->h));
    /* the kept two-tenant key: a third tenant opens its campaign */
    assert_int_equal(
        post(f, "x", "m1", "45.33.32.156", T0 + 60 * M).campaigns_opened, 1);
    /* a new key after the cap was reached is still correlated */
    post(f, "a", "y1", "98.76.54.32", T0 + 61 * M);
    post(f, "b", "y1", "98.76.54.32", T0 + 62 * M);
    assert_int_equal(
        post(f, "n", "y1", "98.76.54.32", T0 + 63 * M).campaigns_opened, 1);
    assert_int_equal(campaigns(f), 2);
    assert_int_equal(mm_hub_keys_skipped(f->h), 0);
}

/* Nothing to evict (every key seen by two tenants): new keys are skipped
 * and counted, the held ones stay. */
static void test_keys_cap_full(void **state)
{
    fx *f = *state;
    start_capped(f, 3, 4);
    post(f, "a", "1", "45.33.32.156", T0);
    post(f, "b", "1", "45.33.32.156", T0);
    post(f, "a", "2", "98.76.54.32", T0);
    post(f, "b", "2", "98.76.54.32", T0);
    assert_int_equal(mm_hub_keys(f->h), 4);
    assert_int_equal(post(f, "c", "1", "23.1.1.9", T0 + 1000).accepted, 1);
    assert_int_equal(mm_hub_keys(f->h), 4);
    assert_int_equal(mm_hub_keys_skipped(f->h), 2); /* its ip and net keys */
    assert_int_equal(mm_hub_keys_evicted(f->h), 0);
    assert_int_equal(
        post(f, "x", "1", "45.33.32.156", T0 + 2000).campaigns_opened, 1);
}

/* Deleting from the open-addressing map keeps every other key reachable. */
static void test_smap_del_at(void **state)
{
    (void)state;
    smap m = {NULL, 0, 0, 7};
    char k[32];
    for (int i = 0; i < 500; i++) {
        smap_ent *e;
        snprintf(k, sizeof k, "k%d", i);
        assert_int_equal(mm_hub_smap_put(&m, k, &e), MM_OK);
        e->val = (void *)(uintptr_t)(i + 1);
    }
    for (int i = 0; i < 500; i += 3) {
        snprintf(k, sizeof k, "k%d", i);
        smap_ent *e = mm_hub_smap_slot(&m, k, strlen(k),
                                       mm_hash64(k, strlen(k), m.seed));
        assert_non_null(e->key);
        free(e->key);
        mm_hub_smap_del_at(&m, (size_t)(e - m.e));
    }
    assert_int_equal(m.n, 500 - 167);
    for (int i = 0; i < 500; i++) {
        snprintf(k, sizeof k, "k%d", i);
        void *v = mm_hub_smap_get(&m, k);
        if (i % 3 == 0)
            assert_null(v);
        else
            assert_int_equal((uintptr_t)v, i + 1);
    }
    mm_hub_smap_free(&m, NULL);
}

/* Past SMAP_HUGE_BYTES (keymap.c: 2 MiB, 87,382 slots) the key table is
 * mapped, not allocated: keys grown across it stay findable, each key's
 * text lives in its entry, and nothing held only by the mapped table is
 * reported as leaked (LeakSanitizer scans it as a root region). */
#define MANY_KEYS 100000
#if defined(__SANITIZE_ADDRESS__)
#define TEST_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_LSAN 1
#endif
#endif
#ifdef TEST_LSAN
#include <sanitizer/lsan_interface.h>
#endif

static void key_text(char *k, size_t n, int i)
{
    snprintf(k, n, "ip:10.%d.%d.%d", i >> 16 & 255, i >> 8 & 255, i & 255);
}

static void test_keys_grow_mapped(void **state)
{
    (void)state;
    smap m = {NULL, 0, 0, 11};
    char k[32];
    for (int i = 0; i < MANY_KEYS; i++) {
        kentry *ke;
        key_text(k, sizeof k, i);
        assert_int_equal(mm_hub__key_entry(&m, k, strlen(k),
                                           mm_hash64(k, strlen(k), m.seed),
                                           &ke),
                         MM_OK);
        ke->last_ts = i;
    }
    assert_int_equal(m.n, MANY_KEYS);
    assert_true(m.cap * sizeof *m.e >= (size_t)2 << 20);
#ifdef TEST_LSAN
    assert_int_equal(__lsan_do_recoverable_leak_check(), 0);
#endif
    for (int i = 0; i < MANY_KEYS; i++) {
        key_text(k, sizeof k, i);
        kentry *ke = mm_hub_smap_get(&m, k);
        assert_non_null(ke);
        assert_string_equal(ke->key, k);
        assert_int_equal(ke->last_ts, i);
        kentry *again;
        assert_int_equal(mm_hub__key_entry(&m, k, strlen(k),
                                           mm_hash64(k, strlen(k), m.seed),
                                           &again),
                         MM_OK);
        assert_ptr_equal(again, ke);
    }
    assert_int_equal(m.n, MANY_KEYS);
    mm_hub__keys_free(&m);
    assert_int_equal(m.cap, 0);
    assert_null(m.e);
}

/* The minute's compaction drops the stale keys in place (a campaign's key
 * stays however old), keeps every other key findable and gives the mapped
 * table back down to a heap one when few keys are left. */
static void test_keys_compact(void **state)
{
    fx *f = *state;
    start(f, 3);
    mm_hub *h = f->h;
    const int64_t window = h->p.window_ms, now = T0 + 10 * window;
    char k[32];
    for (int i = 0; i < MANY_KEYS; i++) {
        kentry *ke;
        key_text(k, sizeof k, i);
        assert_int_equal(
            mm_hub__key_entry(&h->keys, k, strlen(k),
                              mm_hash64(k, strlen(k), h->keys.seed), &ke),
            MM_OK);
        /* one key in 64 is recent, one in 64 more is old with a campaign */
        ke->last_ts = i % 64 == 0 ? now : T0;
        ke->camp = i % 64 == 1 ? 1 : 0;
    }
    size_t big = h->keys.cap;
    h->max_ts = now;
    mm_hub__keys_compact(h);
    const size_t kept = 2 * (MANY_KEYS / 64) + (MANY_KEYS % 64 > 1 ? 2 : 0);
    assert_int_equal(h->keys.n, kept);
    assert_true(h->keys.cap < big);
    assert_true(h->keys.cap * sizeof *h->keys.e < (size_t)2 << 20);
    size_t seen = 0;
    for (size_t i = 0; i < h->keys.cap; i++)
        seen += h->keys.e[i].key != NULL;
    assert_int_equal(seen, kept);
    for (int i = 0; i < MANY_KEYS; i++) {
        key_text(k, sizeof k, i);
        kentry *ke = mm_hub_smap_get(&h->keys, k);
        if (i % 64 > 1) {
            assert_null(ke);
            continue;
        }
        assert_non_null(ke);
        assert_string_equal(ke->key, k);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_store_exactly_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_k_tenants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_window, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allowlist_edges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_ranges, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reserved_and_own, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reload_keeps_links, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_supplier_warning, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ci_up_graph, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ci_two_suppliers_escalate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_feed_decay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stix_shape, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rebuild_index, setup, teardown),
        cmocka_unit_test_setup_teardown(test_future_clamped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_index_compaction, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_users_and_sig_keys, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_net_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ingest_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prekeys_same_results, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_campaign_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_cap_evicts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_cap_full, setup, teardown),
        cmocka_unit_test(test_smap_del_at),
        cmocka_unit_test(test_keys_grow_mapped),
        cmocka_unit_test_setup_teardown(test_keys_compact, setup, teardown),
        cmocka_unit_test(test_batch_decode),
        cmocka_unit_test(test_graph_csv),
        cmocka_unit_test(test_ioc_acsc),
    };
    return cmocka_run_group_tests_name("hub", tests, NULL, NULL);
}
