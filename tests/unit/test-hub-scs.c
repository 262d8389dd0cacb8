/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-scs.c — the hub's SCS buyer view: requirements only for linked
 * suppliers, the latest confirmation wins, meets (★4 covers ★3), and a
 * confirmation altered by one byte is rejected with nothing stored. Real
 * confirmations are made in-process with the scs module. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-int.h"
#include "scs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct fx {
    mm_store *st;
    mm_scs_catalogue *cat;
    char pk[MM_SCS_PK_HEX + 1], sk[MM_SCS_SK_HEX + 1];
} fx;

static void add_tenant(mm_store *st, const char *id, const char *name)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    snprintf(t.name, sizeof t.name, "%s", name);
    t.kind = MM_TK_SME;
    mm_hub_token_hash(id, strlen(id), t.token_hash, sizeof t.token_hash);
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
    assert_non_null(f);
    mm_err err;
    assert_int_equal(mm_store_open(":memory:", &f->st, &err), MM_OK);
    const char *src = getenv("SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/data/scs/catalogue.txt", src ? src : ".");
    if (mm_scs_catalogue_load(path, &f->cat, &err) != MM_OK)
        fail_msg("cannot load %s: %s", path, err.msg);
    setenv("MAMORI_SCS_CATALOGUE", path, 1); /* the hub's recompute */
    assert_int_equal(mm_scs_keygen(f->pk, f->sk), MM_OK);
    add_tenant(f->st, "s1", "Supplier One");
    add_tenant(f->st, "s2", "Supplier Two");
    add_tenant(f->st, "b1", "Buyer One");
    add_tenant(f->st, "b2", "Buyer Two");
    add_link(f->st, "s1", "b1", true);
    add_link(f->st, "s2", "b1", false);
    add_link(f->st, "s2", "b2", false);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    mm_store_close(f->st);
    mm_scs_catalogue_free(f->cat);
    free(f);
    return 0;
}

/* The Japanese calendar date `days` ago (dates must not be in the future
 * nor older than the scheme's validity, so they follow the clock). */
static const char *ago(int days, char out[16])
{
    char t[32];
    mm_time_format(mm_now_ms() + 9 * 3600000LL - days * 86400000LL, t,
                   sizeof t);
    snprintf(out, 16, "%.10s", t);
    return out;
}

/* Registers a fresh key for (role, id) and writes its secret to sk. */
static void register_key(fx *f, mm_hub_reg_role role, const char *id,
                         char sk[MM_SCS_SK_HEX + 1])
{
    mm_hub_registrant r;
    memset(&r, 0, sizeof r);
    r.role = role;
    snprintf(r.id, sizeof r.id, "%s", id);
    snprintf(r.name, sizeof r.name, "登録 %s", id);
    assert_int_equal(mm_scs_keygen(r.public_key, sk), MM_OK);
    mm_err err;
    assert_int_equal(mm_hub_registry_add(f->st, &r, 1, &err), MM_OK);
}

/* A confirmed assessment of tests/data/scs/<answers>.json for tenant s1,
 * signed by a registered expert `regno` (caller frees); ★4 targets are
 * countersigned by a registered assessor. */
static char *confirmed(fx *f, const char *answers, const char *date,
                       const char *regno, size_t *len)
{
    register_key(f, MM_HUB_REG_EXPERT, regno, f->sk);
    const char *src = getenv("SRCDIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/scs/%s.json", src ? src : ".",
             answers);
    mm_err err;
    mm_scs_answers *a = NULL;
    if (mm_scs_answers_load(path, f->cat, &a, &err) != MM_OK)
        fail_msg("%s: %s", path, err.msg);
    mm_scs_assessment *as = NULL;
    assert_int_equal(mm_scs_assess(f->cat, a, NULL, 0, NULL, 0, NULL,
                                   "2026-11-21", &as, &err),
                     MM_OK);
    mm_buf aj, out;
    mm_buf_init(&aj, MM_SCS_REPORT_MAX);
    mm_buf_init(&out, MM_SCS_REPORT_MAX);
    assert_int_equal(mm_scs_assessment_json(as, false, &aj), MM_OK);
    mm_scs_expert ex = {"山田 太郎", regno, date, "s1"};
    assert_int_equal(
        mm_scs_confirm(aj.data, aj.len, "a", &ex, f->sk, &out, &err), MM_OK);
    if (strcmp(answers, "star4") == 0) {
        char ask[MM_SCS_SK_HEX + 1];
        register_key(f, MM_HUB_REG_ASSESSOR, "A-1", ask);
        mm_scs_assessor who = {"評価機構", "A-1", date, "s1"};
        mm_buf cs;
        mm_buf_init(&cs, MM_SCS_REPORT_MAX);
        assert_int_equal(
            mm_scs_countersign(out.data, out.len, "c", &who, ask, &cs, &err),
            MM_OK);
        mm_buf_free(&out);
        out = cs;
    }
    mm_buf_free(&aj);
    mm_scs_assessment_free(as);
    mm_scs_answers_free(a);
    *len = out.len;
    return out.data;
}

static void test_requirement_only_for_linked(void **state)
{
    fx *f = *state;
    mm_err err;
    int level = 0;
    assert_int_equal(mm_hub_scs_require(f->st, "b1", "s1", 4, 1000, &err),
                     MM_OK);
    assert_int_equal(
        mm_store_scs_requirement_get(f->st, "b1", "s1", &level, NULL, &err),
        MM_OK);
    assert_int_equal(level, 4);
    /* b2 is not s1's customer; s1 is nobody's buyer */
    assert_int_equal(mm_hub_scs_require(f->st, "b2", "s1", 3, 1000, &err),
                     MM_ENOTFOUND);
    assert_int_equal(mm_hub_scs_require(f->st, "s1", "b1", 3, 1000, &err),
                     MM_ENOTFOUND);
    assert_int_equal(
        mm_store_scs_requirement_get(f->st, "b2", "s1", &level, NULL, &err),
        MM_ENOTFOUND);
    assert_int_equal(mm_hub_scs_require(f->st, "b1", "s1", 5, 1000, &err),
                     MM_EINVAL);
    assert_int_equal(mm_hub_scs_require(f->st, "b1", "s1", 3, 2000, &err),
                     MM_OK);
    assert_int_equal(
        mm_store_scs_requirement_get(f->st, "b1", "s1", &level, NULL, &err),
        MM_OK);
    assert_int_equal(level, 3);
}

static const mm_hub_scs_row *row_of(const mm_hub_scs_row *v, size_t n,
                                    const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].supplier, id) == 0)
            return &v[i];
    fail_msg("no row for %s", id);
    return NULL;
}

static void test_latest_wins_and_meets(void **state)
{
    fx *f = *state;
    mm_err err;
    size_t l3, l4, lold;
    char d3[16], d4[16], dold[16];
    char *c3 = confirmed(f, "star3", ago(20, d3), "012345", &l3);
    char *c4 = confirmed(f, "star4", ago(10, d4), "054321", &l4);
    char *old = confirmed(f, "none", ago(300, dold), "011111", &lold);
    mm_hub_scs_confirmation c;
    int64_t now = mm_now_ms();
    assert_int_equal(mm_hub_scs_submit(f->st, "s1", c3, l3, now, &c, &err),
                     MM_OK);
    assert_int_equal(c.achieved, 3);
    assert_int_equal(mm_hub_scs_require(f->st, "b1", "s1", 4, 10, &err),
                     MM_OK);

    mm_hub_scs_row *v;
    size_t n;
    assert_int_equal(mm_hub_scs_status(f->st, "b1", &v, &n, &err), MM_OK);
    assert_int_equal(n, 2);
    const mm_hub_scs_row *r = row_of(v, n, "s1");
    assert_int_equal(r->required, 4);
    assert_true(r->has_conf);
    assert_int_equal(r->conf.achieved, 3);
    assert_int_equal(r->meets, 0);
    assert_string_equal(r->status_ja, "要求 ★4 に対し確認済み ★3：未達");
    assert_string_equal(r->status_en, "required ★4, confirmed ★3: not met");
    assert_string_equal(r->name, "Supplier One");
    r = row_of(v, n, "s2");
    assert_string_equal(r->name, ""); /* no disclose */
    assert_int_equal(r->meets, -1);
    assert_false(r->has_conf);
    free(v);

    /* ★3 required: ★3 meets it */
    assert_int_equal(mm_hub_scs_require(f->st, "b1", "s1", 3, 20, &err),
                     MM_OK);
    assert_int_equal(mm_hub_scs_status(f->st, "b1", &v, &n, &err), MM_OK);
    assert_int_equal(row_of(v, n, "s1")->meets, 1);
    free(v);

    /* a newer ★4 confirmation wins; ★4 covers ★3 */
    assert_int_equal(mm_hub_scs_submit(f->st, "s1", c4, l4, now, &c, &err),
                     MM_OK);
    assert_string_equal(c.assessor_id, "A-1");
    /* an older one submitted later does not displace it */
    assert_int_equal(mm_hub_scs_submit(f->st, "s1", old, lold, now, &c, &err),
                     MM_OK);
    assert_int_equal(c.achieved, 0);
    assert_int_equal(mm_hub_scs_status(f->st, "b1", &v, &n, &err), MM_OK);
    r = row_of(v, n, "s1");
    assert_int_equal(r->conf.achieved, 4);
    assert_string_equal(r->conf.registration_no, "054321");
    assert_int_equal(r->meets, 1);
    assert_string_equal(r->status_en, "required ★3, confirmed ★4: met");
    free(v);

    /* a required level with no confirmation is not met */
    assert_int_equal(mm_hub_scs_require(f->st, "b1", "s2", 3, 50, &err),
                     MM_OK);
    assert_int_equal(mm_hub_scs_status(f->st, "b1", &v, &n, &err), MM_OK);
    r = row_of(v, n, "s2");
    assert_int_equal(r->meets, 0);
    assert_string_equal(r->status_en,
                        "required ★3, no confirmation submitted: not met");
    free(v);

    /* b2 sees s2 only */
    assert_int_equal(mm_hub_scs_status(f->st, "b2", &v, &n, &err), MM_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].supplier, "s2");
    assert_int_equal(v[0].required, 0);
    free(v);
    free(c3);
    free(c4);
    free(old);
}

static void test_tampered_rejected(void **state)
{
    fx *f = *state;
    mm_err err;
    size_t len;
    char d[16];
    char *doc = confirmed(f, "star3", ago(1, d), "012345", &len);
    char *p = strstr(doc, "\"registration_no\":\"012345\"");
    assert_non_null(p);
    p[strlen("\"registration_no\":\"01234")] = '6'; /* one byte */
    mm_rc rc = mm_hub_scs_submit(f->st, "s1", doc, len, 10, NULL, &err);
    assert_int_equal(rc, MM_EINVAL);
    mm_hub_scs_confirmation c;
    assert_int_equal(mm_store_scs_confirmation_latest(f->st, "s1", &c, &err),
                     MM_ENOTFOUND);
    /* not JSON, and not a confirmation */
    assert_int_equal(mm_hub_scs_submit(f->st, "s1", "{", 1, 10, NULL, &err),
                     MM_EPARSE);
    assert_int_equal(mm_hub_scs_submit(f->st, "s1", "{}", 2, 10, NULL, &err),
                     MM_EPARSE);
    assert_int_equal(mm_store_scs_confirmation_latest(f->st, "s1", &c, &err),
                     MM_ENOTFOUND);
    free(doc);
}

static void test_http_routes(void **state)
{
    fx *f = *state;
    mm_tenant b2, s1;
    memset(&b2, 0, sizeof b2);
    memset(&s1, 0, sizeof s1);
    snprintf(b2.id, sizeof b2.id, "b2");
    snprintf(s1.id, sizeof s1.id, "s1");
    mm_buf out;
    unsigned status;
    mm_buf_init(&out, 1u << 20);
    const char *body = "{\"level\":\"★4\"}";
    mm_hub_scs_http(f->st, &b2, "PUT", "/api/v1/scs/requirements/s1", body,
                    strlen(body), 1, &status, &out);
    assert_int_equal(status, 403);
    out.len = 0;
    mm_hub_scs_http(f->st, &b2, "PUT", "/api/v1/scs/requirements/s2", body,
                    strlen(body), 1, &status, &out);
    assert_int_equal(status, 200);
    out.len = 0;
    mm_hub_scs_http(f->st, &b2, "PUT", "/api/v1/scs/requirements/s2",
                    "{\"level\":3}", 11, 1, &status, &out);
    assert_int_equal(status, 400);
    out.len = 0;
    mm_hub_scs_http(f->st, &s1, "POST", "/api/v1/scs/confirmation", "x", 1, 1,
                    &status, &out);
    assert_int_equal(status, 400);
    out.len = 0;
    mm_hub_scs_http(f->st, &s1, "GET", "/api/v1/scs/nothing", NULL, 0, 1,
                    &status, &out);
    assert_int_equal(status, 404);
    mm_buf_free(&out);
}

/* The console's self-assessment store: a new file names the company,
 * a valid file is kept, a bad one refused without touching the kept one,
 * and a store without the ops says so. */
static void test_self_answers(void **state)
{
    fx *f = *state;
    mm_err err;
    mm_buf b;
    mm_buf_init(&b, 1u << 22);
    assert_int_equal(
        mm_hub_scs_answers_get(f->st, "s1", "Supplier One", 0, &b, &err),
        MM_OK);
    assert_non_null(strstr(b.data, "\"name\": \"Supplier One\""));
    assert_non_null(strstr(b.data, "\"target\": \"★1\""));
    assert_int_equal(mm_hub_scs_self_assess(f->st, NULL, "s1", 0, &b, &err),
                     MM_ENOTFOUND);
    const char *id = f->cat->items[0].id;
    char doc[512], bad[512];
    snprintf(doc, sizeof doc,
             "{\"organisation\":{\"name\":\"S1\"},\"target\":\"★1\","
             "\"answers\":{\"%s\":\"yes\"}}",
             id);
    snprintf(bad, sizeof bad,
             "{\"organisation\":{\"name\":\"S1\"},\"target\":\"★1\","
             "\"answers\":{\"9-9-9\":\"yes\"}}");
    assert_int_equal(mm_hub_scs_answers_put(f->st, "s1", doc, strlen(doc),
                                            "alice", 1, &err),
                     MM_OK);
    assert_int_equal(mm_hub_scs_answers_put(f->st, "s1", bad, strlen(bad),
                                            "alice", 2, &err),
                     MM_EPARSE);
    assert_non_null(strstr(err.msg, "9-9-9"));
    char *big = calloc(1, MM_HUB_SCS_ANSWERS_MAX + 2);
    assert_non_null(big);
    memset(big, ' ', MM_HUB_SCS_ANSWERS_MAX + 1);
    assert_int_equal(mm_hub_scs_answers_put(f->st, "s1", big, strlen(big),
                                            "alice", 3, &err),
                     MM_ELIMIT);
    free(big);
    mm_buf_reset(&b);
    assert_int_equal(mm_hub_scs_answers_get(f->st, "s1", "x", 0, &b, &err),
                     MM_OK);
    assert_non_null(strstr(b.data, "\"S1\""));
    assert_null(strstr(b.data, "9-9-9"));
    mm_buf_reset(&b);
    /* 2025-12-01T00:00:00Z: today's date when the file has none */
    assert_int_equal(
        mm_hub_scs_self_assess(f->st, NULL, "s1", 1764547200000LL, &b, &err),
        MM_OK);
    assert_non_null(strstr(b.data, "\"ladder\""));
    /* a back end without the ops (PostgreSQL today) */
    mm_store_ops ops = *f->st->ops;
    const mm_store_ops *keep = f->st->ops;
    ops.scs_answers_put = NULL;
    ops.scs_answers_get = NULL;
    f->st->ops = &ops;
    assert_int_equal(mm_hub_scs_answers_get(f->st, "s1", "x", 0, &b, &err),
                     MM_EINTERNAL);
    assert_non_null(strstr(err.msg, "not supported by this store"));
    assert_int_equal(mm_hub_scs_answers_put(f->st, "s1", doc, strlen(doc),
                                            "alice", 4, &err),
                     MM_EINTERNAL);
    assert_int_equal(mm_hub_scs_self_assess(f->st, NULL, "s1", 0, &b, &err),
                     MM_EINTERNAL);
    f->st->ops = keep;
    mm_buf_free(&b);
}

/* ---- renewal reminders ---------------------------------------------------
 */

static void test_renewal_stage_and_text(void **state)
{
    (void)state;
    assert_int_equal(mm_hub_scs_renewal_stage(61), 0);
    assert_int_equal(mm_hub_scs_renewal_stage(60), 60);
    assert_int_equal(mm_hub_scs_renewal_stage(15), 60);
    assert_int_equal(mm_hub_scs_renewal_stage(14), 14);
    assert_int_equal(mm_hub_scs_renewal_stage(0), 14);
    assert_int_equal(mm_hub_scs_renewal_stage(-1), -1);
    char ja[64], en[64];
    mm_hub_scs_expiry_text(10, ja, en, sizeof ja);
    assert_string_equal(ja, "あと 10 日で期限切れ");
    assert_string_equal(en, "expires in 10 days");
    mm_hub_scs_expiry_text(-3, ja, en, sizeof ja);
    assert_string_equal(ja, "期限切れ");
    assert_string_equal(en, "lapsed");
    int64_t d = 0;
    assert_false(mm_hub_scs_days_left("", 0, &d));
    assert_false(mm_hub_scs_days_left("2026-13-40", 0, &d));
    /* 2026-12-01 00:00 JST is 2026-11-30 15:00 UTC */
    assert_true(mm_hub_scs_days_left("2026-12-11", 1796050800000LL, &d));
    assert_int_equal(d, 10);
}

typedef struct mails {
    unsigned n, to_b1_named, to_b2_named, to_b2;
    char last_subject[512];
} mails;

static mm_rc count_mail(const mm_outbox_msg *m, void *ud)
{
    mails *x = ud;
    x->n++;
    if (strcmp(m->tenant, "b1") == 0 && strstr(m->body, "Supplier One"))
        x->to_b1_named++;
    if (strcmp(m->tenant, "b2") == 0) {
        x->to_b2++;
        x->to_b2_named += strstr(m->body, "Supplier One") != NULL;
    }
    snprintf(x->last_subject, sizeof x->last_subject, "%s", m->subject);
    return MM_OK;
}

static unsigned due(fx *f, int64_t now)
{
    unsigned q = 99;
    mm_err err;
    if (mm_hub_scs_renewal_due(f->st, now, &q, &err) != MM_OK)
        fail_msg("renewal: %s", err.msg);
    return q;
}

static void notify(fx *f, const char *tenant, const char *addr)
{
    mm_notify_pref p;
    memset(&p, 0, sizeof p);
    snprintf(p.tenant, sizeof p.tenant, "%s", tenant);
    snprintf(p.channel, sizeof p.channel, "email");
    snprintf(p.target, sizeof p.target, "%s", addr);
    p.min_severity = 4; /* reminders are not warnings: sent regardless */
    mm_err err;
    assert_int_equal(mm_hub_notify_add(f->st, &p, &err), MM_OK);
}

/* A ★3 confirmed 355 days ago lapses in 10 days: the 60-day reminder (a
 * clock 40 days back), the 14-day one and the lapsed one each go once to
 * s1, b1 (name disclosed) and b2 (id only), never twice. */
static void test_renewal_reminders_once(void **state)
{
    fx *f = *state;
    add_link(f->st, "s1", "b2", false);
    notify(f, "s1", "owner@s1.example.jp");
    notify(f, "b1", "buyer@b1.example.jp");
    notify(f, "b2", "buyer@b2.example.jp");
    char d[16];
    size_t len;
    char *doc = confirmed(f, "star3", ago(355, d), "012345", &len);
    mm_err err;
    mm_hub_scs_confirmation c;
    int64_t now = mm_now_ms();
    assert_int_equal(mm_hub_scs_submit(f->st, "s1", doc, len, now, &c, &err),
                     MM_OK);
    free(doc);
    int64_t left = 0;
    assert_true(mm_hub_scs_days_left(c.valid_until, now, &left));
    assert_int_equal(left, 10);
    assert_int_equal(due(f, now - 51 * 86400000LL), 0); /* 61 days left */
    assert_int_equal(due(f, now - 40 * 86400000LL), 3); /* 50: the 60 one */
    assert_int_equal(due(f, now - 40 * 86400000LL), 0);
    assert_int_equal(due(f, now - 30 * 86400000LL), 0);
    assert_int_equal(due(f, now), 3); /* 10 days left: the 14 one */
    mails m = {0};
    assert_int_equal(
        f->st->ops->outbox_list(f->st, NULL, count_mail, &m, &err), MM_OK);
    assert_int_equal(m.n, 6);
    assert_non_null(strstr(m.last_subject, "あと 10 日で期限切れ"));
    assert_int_equal(due(f, now), 0);
    assert_int_equal(due(f, now + 5 * 86400000LL), 0);
    assert_int_equal(due(f, now + 11 * 86400000LL), 3); /* lapsed */
    assert_int_equal(due(f, now + 30 * 86400000LL), 0);
    memset(&m, 0, sizeof m);
    assert_int_equal(
        f->st->ops->outbox_list(f->st, NULL, count_mail, &m, &err), MM_OK);
    assert_int_equal(m.n, 9);
    assert_int_equal(m.to_b1_named, 3);
    assert_int_equal(m.to_b2, 3);
    assert_int_equal(m.to_b2_named, 0); /* the link does not disclose */
    assert_non_null(strstr(m.last_subject, "期限切れ / SCS ★3 confirmation: "
                                           "lapsed"));
}

/* The supplier's own view and the buyer view say how long it holds. */
static void test_expiry_in_views(void **state)
{
    fx *f = *state;
    char d[16];
    size_t len;
    char *doc = confirmed(f, "star3", ago(355, d), "012345", &len);
    mm_tenant s1, b1;
    memset(&s1, 0, sizeof s1);
    memset(&b1, 0, sizeof b1);
    snprintf(s1.id, sizeof s1.id, "s1");
    snprintf(b1.id, sizeof b1.id, "b1");
    mm_buf out;
    unsigned status;
    mm_buf_init(&out, 1u << 20);
    int64_t now = mm_now_ms();
    mm_hub_scs_http(f->st, &s1, "GET", "/api/v1/scs/confirmation", NULL, 0,
                    now, &status, &out);
    assert_int_equal(status, 404);
    out.len = 0;
    mm_hub_scs_http(f->st, &s1, "POST", "/api/v1/scs/confirmation", doc, len,
                    now, &status, &out);
    assert_int_equal(status, 200);
    assert_non_null(strstr(out.data, "\"expires_in_days\":10,"));
    out.len = 0;
    mm_hub_scs_http(f->st, &s1, "GET", "/api/v1/scs/confirmation", NULL, 0,
                    now, &status, &out);
    assert_int_equal(status, 200);
    assert_non_null(
        strstr(out.data, "\"expiry_ja\":\"あと 10 日で期限切れ\""));
    out.len = 0;
    mm_hub_scs_http(f->st, &b1, "GET", "/api/v1/scs/suppliers", NULL, 0, now,
                    &status, &out);
    assert_int_equal(status, 200);
    assert_non_null(strstr(out.data, "\"expiry_en\":\"expires in 10 days\""));
    assert_non_null(strstr(out.data, "確認済み ★3（あと 10 日で期限切れ）"));
    assert_non_null(strstr(out.data, "\"expires_in_days\":null"));
    mm_buf_free(&out);
    free(doc);
}

/* ---- requests to an expert -------------------------------------------------
 */

static const char *sign_hdr(const char *sk, const char *regno,
                            const char *method, const char *path,
                            const char *body, int64_t ts, char *out, size_t n)
{
    char sig[MM_SCS_SIG_HEX + 1];
    mm_err err;
    assert_int_equal(mm_scs_request_sign(sk, method, path, ts, body,
                                         body ? strlen(body) : 0, sig, &err),
                     MM_OK);
    snprintf(out, n, "%s %lld %s", regno, (long long)ts, sig);
    return out;
}

/* Only the registered key, for this method, path, body and about now. */
static void test_expert_auth(void **state)
{
    fx *f = *state;
    char sk[MM_SCS_SK_HEX + 1], h[400], no[16];
    register_key(f, MM_HUB_REG_EXPERT, "012345", sk);
    const char *p = "/api/v1/scs/requests/7/rejection",
               *b = "{\"reason\":\"x\"}";
    int64_t now = mm_now_ms();
    mm_err err;
    sign_hdr(sk, "012345", "POST", p, b, now, h, sizeof h);
    assert_int_equal(mm_hub_scs_expert_auth(f->st, h, "POST", p, b, strlen(b),
                                            now, no, &err),
                     MM_OK);
    assert_string_equal(no, "012345");
    /* another body, method or path: refused */
    assert_int_equal(
        mm_hub_scs_expert_auth(f->st, h, "POST", p, "{}", 2, now, no, &err),
        MM_EINVAL);
    assert_int_equal(mm_hub_scs_expert_auth(f->st, h, "GET", p, b, strlen(b),
                                            now, no, &err),
                     MM_EINVAL);
    assert_int_equal(mm_hub_scs_expert_auth(f->st, h, "POST",
                                            "/api/v1/scs/requests/8/rejection",
                                            b, strlen(b), now, no, &err),
                     MM_EINVAL);
    /* six minutes later: a replay is refused */
    assert_int_equal(mm_hub_scs_expert_auth(f->st, h, "POST", p, b, strlen(b),
                                            now + 360000, no, &err),
                     MM_EINVAL);
    /* a key that is not registered, under a registered number */
    char pk2[MM_SCS_PK_HEX + 1], sk2[MM_SCS_SK_HEX + 1];
    assert_int_equal(mm_scs_keygen(pk2, sk2), MM_OK);
    sign_hdr(sk2, "012345", "POST", p, b, now, h, sizeof h);
    assert_int_equal(mm_hub_scs_expert_auth(f->st, h, "POST", p, b, strlen(b),
                                            now, no, &err),
                     MM_EINVAL);
    assert_non_null(strstr(err.msg, "registered key"));
    assert_int_equal(mm_hub_scs_expert_auth(f->st, "012345 1 2 3", "GET", p,
                                            NULL, 0, now, no, &err),
                     MM_EINVAL);
}

/* The flow in-process: send, the expert lists and rejects; another
 * expert sees nothing. */
static void test_request_flow(void **state)
{
    fx *f = *state;
    char sk1[MM_SCS_SK_HEX + 1], sk2[MM_SCS_SK_HEX + 1], h[400];
    register_key(f, MM_HUB_REG_EXPERT, "012345", sk1);
    register_key(f, MM_HUB_REG_EXPERT, "054321", sk2);
    notify(f, "s1", "owner@s1.example.jp");
    mm_tenant s1;
    memset(&s1, 0, sizeof s1);
    snprintf(s1.id, sizeof s1.id, "s1");
    const char *body =
        "{\"expert\":\"012345\",\"assessment\":{\"target\":\"★3\","
        "\"achieved\":\"none\",\"items\":[{\"id\":\"1-1\",\"answer\":\"no\"}],"
        "\"catalogue\":{}}}";
    mm_buf out;
    unsigned status;
    mm_buf_init(&out, 1u << 20);
    int64_t now = mm_now_ms();
    mm_hub_scs_http(f->st, &s1, "POST", "/api/v1/scs/requests", body,
                    strlen(body), now, &status, &out);
    assert_int_equal(status, 201);
    const char *lp = "/api/v1/scs/requests";
    out.len = 0;
    mm_hub_scs_expert_http(
        f->st, sign_hdr(sk2, "054321", "GET", lp, NULL, now, h, sizeof h),
        "GET", lp, NULL, 0, now, &status, &out);
    assert_int_equal(status, 200);
    assert_string_equal(out.data, "{\"requests\":[]}");
    out.len = 0;
    const char *gp = "/api/v1/scs/requests/1";
    mm_hub_scs_expert_http(
        f->st, sign_hdr(sk2, "054321", "GET", gp, NULL, now, h, sizeof h),
        "GET", gp, NULL, 0, now, &status, &out);
    assert_int_equal(status, 404);
    out.len = 0;
    mm_hub_scs_expert_http(
        f->st, sign_hdr(sk1, "012345", "GET", gp, NULL, now, h, sizeof h),
        "GET", gp, NULL, 0, now, &status, &out);
    assert_int_equal(status, 200);
    assert_non_null(strstr(out.data, "\"assessment\":{"));
    const char *rp = "/api/v1/scs/requests/1/rejection",
               *rb = "{\"reason\":\"根拠が不足 / not enough evidence\"}";
    out.len = 0;
    mm_hub_scs_expert_http(
        f->st, sign_hdr(sk1, "012345", "POST", rp, rb, now, h, sizeof h),
        "POST", rp, rb, strlen(rb), now, &status, &out);
    assert_int_equal(status, 200);
    out.len = 0;
    mm_hub_scs_http(f->st, &s1, "GET", gp, NULL, 0, now, &status, &out);
    assert_int_equal(status, 200);
    assert_non_null(strstr(out.data, "\"state\":\"rejected\""));
    assert_non_null(strstr(out.data, "not enough evidence"));
    mails m = {0};
    mm_err err;
    assert_int_equal(
        f->st->ops->outbox_list(f->st, "s1", count_mail, &m, &err), MM_OK);
    assert_int_equal(m.n, 1); /* the SME is told, once */
    assert_non_null(strstr(m.last_subject, "SCS request #1: declined"));
    mm_buf_free(&out);
}

/* The console's directory: each filter a substring of its field, as
 * `mamori scs experts` filters; an expert past its registration left out. */
static void test_directory_filters(void **state)
{
    fx *f = *state;
    static const struct {
        const char *id, *region, *ind, *themes, *until;
    } ex[] = {{"012345", "大阪府", "製造;物流", "★3確認;ASM", "2099-12-31"},
              {"054321", "東京都", "製造", "★4確認", "2099-12-31"},
              {"099999", "大阪府", "製造", "★3確認", "2020-01-01"}};
    mm_err err;
    for (size_t i = 0; i < sizeof ex / sizeof *ex; i++) {
        mm_hub_registrant r;
        memset(&r, 0, sizeof r);
        r.role = MM_HUB_REG_EXPERT;
        snprintf(r.id, sizeof r.id, "%s", ex[i].id);
        snprintf(r.name, sizeof r.name, "専門家 %s", ex[i].id);
        snprintf(r.region, sizeof r.region, "%s", ex[i].region);
        snprintf(r.industries, sizeof r.industries, "%s", ex[i].ind);
        snprintf(r.themes, sizeof r.themes, "%s", ex[i].themes);
        snprintf(r.valid_until, sizeof r.valid_until, "%s", ex[i].until);
        char sk[MM_SCS_SK_HEX + 1];
        assert_int_equal(mm_scs_keygen(r.public_key, sk), MM_OK);
        assert_int_equal(mm_hub_registry_add(f->st, &r, 1, &err), MM_OK);
    }
    int64_t today = mm_now_ms() / 86400000LL;
    static const struct {
        const char *region, *ind, *theme, *want;
    } q[] = {{NULL, NULL, NULL, "012345,054321"},
             {"大阪", NULL, NULL, "012345"},
             {"", "製造", "", "012345,054321"},
             {NULL, "物流", "ASM", "012345"},
             {"東京", NULL, "★3", ""},
             {"沖縄", NULL, NULL, ""}};
    for (size_t i = 0; i < sizeof q / sizeof *q; i++) {
        mm_buf b;
        mm_buf_init(&b, 1u << 20);
        assert_int_equal(mm_hub_registry_find(f->st, MM_HUB_REG_EXPERT, today,
                                              q[i].region, q[i].ind,
                                              q[i].theme, &b, &err),
                         MM_OK);
        char got[64] = "";
        for (const char *p = b.data;
             (p = strstr(p, "\"registration_no\":\""));) {
            p += 19;
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%.6s",
                     got[0] ? "," : "", p);
        }
        if (strcmp(got, q[i].want) != 0)
            fail_msg("query %zu: got %s, want %s", i, got, q[i].want);
        mm_buf_free(&b);
    }
}

/* The console's view of the self-check: the token only while unproven,
 * last_check null before the first check. */
static void test_asm_view(void **state)
{
    (void)state;
    char dir[] = "/tmp/mm-asm-view-XXXXXX";
    assert_non_null(mkdtemp(dir));
    mm_err err;
    char tok[33];
    assert_int_equal(mm_hub_asm_add(dir, "s1", "shop.example.jp", tok, &err),
                     MM_OK);
    mm_buf b;
    mm_buf_init(&b, 1u << 20);
    assert_int_equal(mm_hub_asm_view(dir, "s1", &b, &err), MM_OK);
    assert_non_null(strstr(b.data, tok));
    assert_non_null(strstr(b.data, "\"last_check\":null"));
    assert_non_null(strstr(b.data, "\"verified_at\":null"));
    b.len = 0;
    assert_int_equal(mm_hub_asm_view(dir, "s2", &b, &err), MM_OK);
    assert_non_null(strstr(b.data, "\"assets\":[]"));
    assert_int_equal(mm_hub_asm_view(dir, "../x", &b, &err), MM_EINVAL);
    mm_buf_free(&b);
    char p[128];
    snprintf(p, sizeof p, "%s/asm-s1.json", dir);
    unlink(p);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_requirement_only_for_linked,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_latest_wins_and_meets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tampered_rejected, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_http_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_answers, setup, teardown),
        cmocka_unit_test(test_renewal_stage_and_text),
        cmocka_unit_test_setup_teardown(test_renewal_reminders_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_expiry_in_views, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expert_auth, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_flow, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_filters, setup,
                                        teardown),
        cmocka_unit_test(test_asm_view),
    };
    return cmocka_run_group_tests_name("hub-scs", tests, NULL, NULL);
}
