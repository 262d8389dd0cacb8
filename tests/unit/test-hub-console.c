/* SPDX-License-Identifier: Apache-2.0 */
/* test-hub-console.c — people at the hub: the access matrix (role ×
 * resource × tenant → allow / 403 / 404), Argon2id passwords, TOTP against
 * the RFC 6238 vectors, the login throttle, and the console handler's
 * session, CSRF, expiry and triage rules on an in-memory store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "hub-int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the access matrix ---------------------------------------------------
 * Tenants: s1 (SME, monitored by provider p, supplies b1 which supplies
 * b2), s2 (SME, unrelated to everyone), p (provider), b2 (buyer), c
 * (coordinator's centre), adm. */

static bool t_provides(void *ud, const char *provider, const char *sme)
{
    (void)ud;
    return strcmp(provider, "p") == 0 && strcmp(sme, "s1") == 0;
}

static bool t_supplies(void *ud, const char *supplier, const char *buyer)
{
    (void)ud;
    return strcmp(buyer, "b2") == 0 &&
           (strcmp(supplier, "s1") == 0 || strcmp(supplier, "b1") == 0);
}

static const mm_hub_relations rel = {t_provides, t_supplies, NULL};

#define A MM_ACCESS_ALLOW
#define F MM_ACCESS_FORBIDDEN
#define N MM_ACCESS_NOT_FOUND

typedef struct row {
    mm_hub_role role;
    const char *actor;
    mm_hub_res res;
    const char *target;
    mm_hub_decision want;
} row;

static const row matrix[] = {
    /* sme: its own tenant, nothing else; others' data does not exist */
    {MM_ROLE_SME, "s1", MM_RES_ALERTS, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_ALERT_WRITE, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_CASES, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_CASE_WRITE, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_SUMMARY, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_SCS, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_ALERTS, "s2", N},
    {MM_ROLE_SME, "s1", MM_RES_TENANT, "s2", N},
    {MM_ROLE_SME, "s1", MM_RES_ALERTS, "b2", N},
    {MM_ROLE_SME, "s1", MM_RES_CAMPAIGNS, NULL, F},
    {MM_ROLE_SME, "s1", MM_RES_GRAPH, NULL, F},
    {MM_ROLE_SME, "s1", MM_RES_USERS, NULL, F},
    {MM_ROLE_SME, "s1", MM_RES_SUPPLIERS, "s1", F},
    /* provider: the SMEs linked to it */
    {MM_ROLE_PROVIDER, "p", MM_RES_ALERTS, "s1", A},
    {MM_ROLE_PROVIDER, "p", MM_RES_ALERT_WRITE, "s1", A},
    {MM_ROLE_PROVIDER, "p", MM_RES_CASE_WRITE, "s1", A},
    {MM_ROLE_PROVIDER, "p", MM_RES_SUMMARY, "s1", A},
    {MM_ROLE_PROVIDER, "p", MM_RES_ALERTS, "s2", N},
    {MM_ROLE_PROVIDER, "p", MM_RES_CASES, "s2", N},
    {MM_ROLE_PROVIDER, "p", MM_RES_ALERTS, "p", A},
    {MM_ROLE_PROVIDER, "p", MM_RES_CAMPAIGNS, NULL, F},
    /* a provider relation is not a buyer's and vice versa */
    {MM_ROLE_SME, "p", MM_RES_ALERTS, "s1", N},
    /* buyer: its suppliers' warnings and ★, never their alerts */
    {MM_ROLE_BUYER, "b2", MM_RES_TENANT, "s1", A},
    {MM_ROLE_BUYER, "b2", MM_RES_WARNINGS, "s1", A},
    {MM_ROLE_BUYER, "b2", MM_RES_SCS, "s1", A},
    {MM_ROLE_BUYER, "b2", MM_RES_SCS, "b1", A},
    {MM_ROLE_BUYER, "b2", MM_RES_ALERTS, "s1", F},
    {MM_ROLE_BUYER, "b2", MM_RES_ALERT_WRITE, "s1", F},
    {MM_ROLE_BUYER, "b2", MM_RES_CASES, "s1", F},
    {MM_ROLE_BUYER, "b2", MM_RES_SUMMARY, "s1", F},
    {MM_ROLE_BUYER, "b2", MM_RES_ALERTS, "s2", N},
    {MM_ROLE_BUYER, "b2", MM_RES_SCS, "s2", N},
    {MM_ROLE_BUYER, "b2", MM_RES_SUPPLIERS, "b2", A},
    {MM_ROLE_BUYER, "b2", MM_RES_ALERTS, "b2", A},
    {MM_ROLE_BUYER, "b2", MM_RES_GRAPH, NULL, F},
    /* coordinator: hub-wide de-identified views, no tenant's alerts */
    {MM_ROLE_COORDINATOR, "c", MM_RES_CAMPAIGNS, NULL, A},
    {MM_ROLE_COORDINATOR, "c", MM_RES_GRAPH, NULL, A},
    {MM_ROLE_COORDINATOR, "c", MM_RES_ESCALATIONS, NULL, A},
    {MM_ROLE_COORDINATOR, "c", MM_RES_USERS, NULL, F},
    {MM_ROLE_COORDINATOR, "c", MM_RES_ALERTS, "s1", N},
    {MM_ROLE_COORDINATOR, "c", MM_RES_CASES, "s2", N},
    {MM_ROLE_COORDINATOR, "c", MM_RES_ALERTS, "c", F},
    {MM_ROLE_COORDINATOR, "c", MM_RES_TENANT, "c", A},
    /* admin: everything */
    {MM_ROLE_ADMIN, "adm", MM_RES_ALERTS, "s2", A},
    {MM_ROLE_ADMIN, "adm", MM_RES_CASE_WRITE, "s1", A},
    {MM_ROLE_ADMIN, "adm", MM_RES_USERS, NULL, A},
    {MM_ROLE_ADMIN, "adm", MM_RES_GRAPH, NULL, A},
    /* a tenant resource without its tenant is refused */
    {MM_ROLE_SME, "s1", MM_RES_ALERTS, NULL, F},
    /* the ★ self-assessment: the SME answers, its provider only looks,
     * a buyer of the SME is refused, everyone else finds nothing */
    {MM_ROLE_SME, "s1", MM_RES_SCS_SELF, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_SCS_ANSWER, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_SCS_SELF, "s2", N},
    {MM_ROLE_SME, "s1", MM_RES_SCS_ANSWER, "s2", N},
    {MM_ROLE_PROVIDER, "p", MM_RES_SCS_SELF, "s1", A},
    {MM_ROLE_PROVIDER, "p", MM_RES_SCS_ANSWER, "s1", F},
    {MM_ROLE_PROVIDER, "p", MM_RES_SCS_SELF, "s2", N},
    {MM_ROLE_BUYER, "b2", MM_RES_SCS_SELF, "s1", F},
    {MM_ROLE_BUYER, "b2", MM_RES_SCS_ANSWER, "s1", F},
    {MM_ROLE_COORDINATOR, "c", MM_RES_SCS_SELF, "s1", N},
    {MM_ROLE_SME, "s1", MM_RES_ASM, "s1", A},
    {MM_ROLE_SME, "s1", MM_RES_ASM, "s2", N},
    {MM_ROLE_PROVIDER, "p", MM_RES_ASM, "s1", A},
    {MM_ROLE_PROVIDER, "p", MM_RES_ASM, "s2", N},
    {MM_ROLE_BUYER, "b2", MM_RES_ASM, "s1", F},
    {MM_ROLE_COORDINATOR, "c", MM_RES_ASM, "s1", N},
};

static void test_access_matrix(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof matrix / sizeof *matrix; i++) {
        const row *r = &matrix[i];
        mm_hub_decision got =
            mm_hub_access(r->role, r->actor, r->res, r->target, &rel);
        if (got != r->want)
            fail_msg("row %zu: %s %s res %d on %s: got %d, want %d", i,
                     mm_hub_role_name(r->role), r->actor, (int)r->res,
                     r->target ? r->target : "(hub)", (int)got, (int)r->want);
    }
}

/* Every role but admin, on every resource of the unrelated tenant s2:
 * 404, never 200 or 403 (existence is not revealed). */
static void test_unrelated_is_404(void **state)
{
    (void)state;
    static const char *const actor[] = {"s1", "p", "b2", "c"};
    for (int role = 0; role < MM_ROLE_ADMIN; role++)
        for (int res = 0; res < MM_RES_COUNT; res++) {
            if (res >= MM_RES_CAMPAIGNS && res != MM_RES_SUPPLIERS)
                continue; /* hub-wide */
            assert_int_equal(mm_hub_access((mm_hub_role)role, actor[role],
                                           (mm_hub_res)res, "s2", &rel),
                             N);
        }
}

/* ---- passwords, TOTP, throttle ------------------------------------------ */

static void test_password(void **state)
{
    (void)state;
    char h[128], pw[21];
    mm_err err;
    mm_hub_password_new(pw, sizeof pw);
    assert_int_equal(strlen(pw), 20);
    assert_int_equal(mm_hub_password_hash(pw, strlen(pw), h, sizeof h, &err),
                     MM_OK);
    assert_non_null(strstr(h, "$argon2id$"));
    assert_true(mm_hub_password_verify(h, pw, strlen(pw)));
    pw[0] ^= 1;
    assert_false(mm_hub_password_verify(h, pw, strlen(pw)));
    assert_int_equal(mm_hub_password_hash("", 0, h, sizeof h, &err),
                     MM_EINVAL);
    assert_true(mm_hub_str_equal("abc", "abc"));
    assert_false(mm_hub_str_equal("abc", "abd"));
    assert_false(mm_hub_str_equal("abc", "ab"));
}

static void test_totp_rfc6238(void **state)
{
    (void)state;
    /* RFC 6238 appendix B, SHA-1 seed "12345678901234567890", last six
     * digits of the eight-digit vectors */
    const char *key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    static const struct {
        int64_t t;
        const char *code;
    } v[] = {{59, "287082"},         {1111111109, "081804"},
             {1111111111, "050471"}, {1234567890, "005924"},
             {2000000000, "279037"}, {20000000000LL, "353130"}};
    char c[7];
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        assert_int_equal(mm_hub_totp_code(key, v[i].t, c), MM_OK);
        assert_string_equal(c, v[i].code);
    }
    /* ±1 step accepted, 2 steps not */
    assert_true(mm_hub_totp_check(key, "005924", 1234567890 + 30));
    assert_true(mm_hub_totp_check(key, "005924", 1234567890 - 30));
    assert_false(mm_hub_totp_check(key, "005924", 1234567890 + 60));
    assert_false(mm_hub_totp_check(key, "00592", 1234567890));
    char s[33];
    mm_hub_totp_secret_new(s, sizeof s);
    assert_int_equal(strlen(s), 32);
    assert_int_equal(mm_hub_totp_code(s, 0, c), MM_OK);
    assert_int_equal(mm_hub_totp_code("not base32!", 0, c), MM_EINVAL);
}

static void test_throttle(void **state)
{
    (void)state;
    mm_hub_throttle *t = mm_hub_throttle_new(5);
    assert_non_null(t);
    int64_t now = 1000000;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(mm_hub_throttle_wait(t, "u:x", now), 0);
        mm_hub_throttle_fail(t, "u:x", now);
    }
    assert_int_equal(mm_hub_throttle_wait(t, "u:x", now), 0);
    mm_hub_throttle_fail(t, "u:x", now); /* 5th failure */
    assert_int_equal(mm_hub_throttle_wait(t, "u:x", now), 30);
    assert_int_equal(mm_hub_throttle_wait(t, "u:other", now), 0);
    assert_int_equal(mm_hub_throttle_wait(t, "u:x", now + 30000), 0);
    mm_hub_throttle_fail(t, "u:x", now + 30000); /* 6th: doubles */
    assert_int_equal(mm_hub_throttle_wait(t, "u:x", now + 30000), 60);
    mm_hub_throttle_reset(t, "u:x");
    assert_int_equal(mm_hub_throttle_wait(t, "u:x", now + 30000), 0);
    mm_hub_throttle_free(t);
}

/* ---- the handler on an in-memory store ---------------------------------- */

typedef struct fx {
    mm_store *st;
    mm_hub_console *cs;
    char cookie[65], csrf[65];
} fx;

static void tenant(mm_store *st, const char *id, mm_tenant_kind kind)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    snprintf(t.name, sizeof t.name, "Tenant %s", id);
    t.kind = kind;
    mm_hub_token_hash(id, strlen(id), t.token_hash, sizeof t.token_hash);
    mm_err err;
    assert_int_equal(mm_store_tenant_put(st, &t, &err), MM_OK);
}

static void user(mm_store *st, const char *name, const char *tn,
                 mm_hub_role role)
{
    mm_hub_user u;
    memset(&u, 0, sizeof u);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.tenant, sizeof u.tenant, "%s", tn);
    u.role = role;
    mm_err err;
    assert_int_equal(
        mm_hub_admin_user_add(st, &u, "correct horse", NULL, 0, &err), MM_OK);
}

/* Stores one alert of tenant `tn` through the batch decoder, received at
 * `received` ms. */
static void alert_at(mm_store *st, const char *tn, const char *id,
                     int64_t received)
{
    char line[512];
    int n = snprintf(line, sizeof line,
                     "{\"@timestamp\":\"2026-12-01T00:00:00Z\",\"event\":{"
                     "\"id\":\"%s\",\"kind\":\"alert\",\"severity\":4},"
                     "\"rule\":{\"id\":\"ssh.success_after_failures\","
                     "\"name\":\"SSH <script>x</script>\"},\"source\":{"
                     "\"ip\":\"203.0.113.9\"},\"mamori\":{\"count\":7,"
                     "\"advice\":{\"ja\":\"確認\",\"en\":\"check\"}}}\n",
                     id);
    mm_hub_batch b;
    mm_err err;
    assert_int_equal(mm_hub_batch_decode(line, (size_t)n, false, &b, &err),
                     MM_OK);
    bool dup;
    assert_int_equal(
        mm_store_put_event(st, tn, &b.ev[0], received, &dup, &err), MM_OK);
    mm_hub_batch_free(&b);
}

static void alert(mm_store *st, const char *tn, const char *id)
{
    alert_at(st, tn, id, 1);
}

static int setup(void **state)
{
    fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    mm_err err;
    assert_int_equal(mm_store_open(":memory:", &f->st, &err), MM_OK);
    mm_hub_server_conf conf;
    memset(&conf, 0, sizeof conf);
    conf.session_idle_s = 60;
    conf.session_max_s = 600;
    assert_int_equal(mm_hub_console_new(f->st, NULL, &conf, &f->cs, &err),
                     MM_OK);
    tenant(f->st, "s1", MM_TK_SME);
    tenant(f->st, "s2", MM_TK_SME);
    user(f->st, "alice", "s1", MM_ROLE_SME);
    alert(f->st, "s1", "e-1");
    alert(f->st, "s2", "e-2");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    mm_hub_console_free(f->cs);
    mm_store_close(f->st);
    free(f);
    return 0;
}

/* One request; returns the status, body in *out (caller frees). */
static unsigned call(fx *f, const char *method, const char *path,
                     const char *body, const char *csrf, int64_t now,
                     mm_hub_http_resp *o)
{
    mm_hub_http_req rq = {.method = method,
                          .path = path,
                          .body = body,
                          .body_len = body ? strlen(body) : 0,
                          .cookie_session = f->cookie[0] ? f->cookie : NULL,
                          .csrf_header = csrf,
                          .client_addr = "192.0.2.1"};
    memset(o, 0, sizeof *o);
    mm_buf_init(&o->body, 1u << 20);
    mm_hub_console_handle(f->cs, &rq, now, o);
    return o->status;
}

static unsigned call_free(fx *f, const char *method, const char *path,
                          const char *body, const char *csrf, int64_t now)
{
    mm_hub_http_resp o;
    unsigned s = call(f, method, path, body, csrf, now, &o);
    mm_buf_free(&o.body);
    return s;
}

static void log_in(fx *f, int64_t now)
{
    mm_hub_http_resp o;
    f->cookie[0] = '\0';
    assert_int_equal(call(f, "POST", "/api/v1/session",
                          "{\"user\":\"alice\",\"password\":\"correct "
                          "horse\"}",
                          NULL, now, &o),
                     200);
    const char *c = strstr(o.set_cookie, "mamori_session=");
    assert_non_null(c);
    memcpy(f->cookie, c + 15, 64);
    f->cookie[64] = '\0';
    assert_non_null(strstr(o.set_cookie, "HttpOnly; SameSite=Strict"));
    const char *k = strstr(o.body.data, "\"csrf\":\"");
    assert_non_null(k);
    memcpy(f->csrf, k + 8, 64);
    f->csrf[64] = '\0';
    mm_buf_free(&o.body);
}

static void test_login_and_csrf(void **state)
{
    fx *f = *state;
    int64_t now = 1700000000000;
    assert_int_equal(call_free(f, "GET", "/api/v1/alerts", NULL, NULL, now),
                     401);
    log_in(f, now);
    mm_hub_http_resp o;
    assert_int_equal(call(f, "GET", "/api/v1/alerts", NULL, NULL, now, &o),
                     200);
    /* only s1's alert */
    assert_non_null(strstr(o.body.data, "\"tenant\":\"s1\""));
    assert_null(strstr(o.body.data, "\"tenant\":\"s2\""));
    assert_non_null(strstr(o.body.data, "\"count\":7"));
    mm_buf_free(&o.body);
    assert_int_equal(call_free(f, "GET", "/api/v1/alerts/2", NULL, NULL, now),
                     404);
    const char *ack = "{\"status\":\"acknowledged\",\"note\":\"見ました\"}";
    assert_int_equal(call_free(f, "POST", "/api/v1/alerts/1", ack, NULL, now),
                     403);
    char bad[65];
    memcpy(bad, f->csrf, sizeof bad);
    bad[0] = bad[0] == 'a' ? 'b' : 'a';
    assert_int_equal(call_free(f, "POST", "/api/v1/alerts/1", ack, bad, now),
                     403);
    assert_int_equal(
        call(f, "POST", "/api/v1/alerts/1", ack, f->csrf, now, &o), 200);
    assert_non_null(strstr(o.body.data, "\"status\":\"acknowledged\""));
    assert_non_null(strstr(o.body.data, "\"actor\":\"alice\""));
    assert_non_null(strstr(o.body.data, "見ました"));
    mm_buf_free(&o.body);
    /* another tenant's alert: 404 for writes too */
    assert_int_equal(
        call_free(f, "POST", "/api/v1/alerts/2", ack, f->csrf, now), 404);
    assert_int_equal(
        call_free(f, "DELETE", "/api/v1/session", NULL, f->csrf, now), 204);
    assert_int_equal(call_free(f, "GET", "/api/v1/session", NULL, NULL, now),
                     401);
}

static void test_expiry(void **state)
{
    fx *f = *state;
    int64_t now = 1700000000000;
    log_in(f, now);
    assert_int_equal(
        call_free(f, "GET", "/api/v1/session", NULL, NULL, now + 59000), 200);
    /* idle: 60 s after the last request */
    assert_int_equal(
        call_free(f, "GET", "/api/v1/session", NULL, NULL, now + 120000), 401);
    /* absolute: 600 s after login even when active */
    log_in(f, now);
    for (int64_t t = now; t < now + 600000; t += 50000)
        assert_int_equal(call_free(f, "GET", "/api/v1/session", NULL, NULL, t),
                         200);
    assert_int_equal(
        call_free(f, "GET", "/api/v1/session", NULL, NULL, now + 600001), 401);
    /* a session never presented again is purged by a later login */
    log_in(f, now);
    char h[65];
    mm_hub_session se;
    mm_err err;
    mm_hub_token_hash(f->cookie, 64, h, sizeof h);
    assert_int_equal(f->st->ops->session_get(f->st, h, &se, &err), MM_OK);
    log_in(f, now + 8 * 86400000LL);
    assert_int_equal(f->st->ops->session_get(f->st, h, &se, &err),
                     MM_ENOTFOUND);
}

static void test_login_throttle(void **state)
{
    fx *f = *state;
    int64_t now = 1700000000000;
    const char *wrong = "{\"user\":\"alice\",\"password\":\"wrong\"}";
    for (int i = 0; i < 5; i++)
        assert_int_equal(
            call_free(f, "POST", "/api/v1/session", wrong, NULL, now), 401);
    mm_hub_http_resp o;
    /* even the right password waits now */
    assert_int_equal(call(f, "POST", "/api/v1/session",
                          "{\"user\":\"alice\",\"password\":\"correct "
                          "horse\"}",
                          NULL, now + 1000, &o),
                     429);
    assert_string_equal(o.retry_after, "29");
    mm_buf_free(&o.body);
    log_in(f, now + 31000);
}

/* ---- cases ---------------------------------------------------------------
 */

static void test_checklist_and_critical(void **state)
{
    (void)state;
    size_t n;
    const mm_hub_step_def *d = mm_hub_checklist(&n);
    assert_int_equal(n, 8);
    assert_string_equal(d[0].id, "isolate");
    assert_non_null(strstr(d[0].ja, "電源は切らない"));
    assert_string_equal(d[7].id, "ppc_final");
    assert_int_equal(d[7].due_days, 30);
    assert_int_equal(d[7].due_days_malicious, 60);
    assert_true(mm_hub_alert_is_critical("ssh.success_after_failures", 3));
    assert_true(mm_hub_alert_is_critical("win.log_cleared", 3));
    assert_true(mm_hub_alert_is_critical("anything", 4));
    assert_false(mm_hub_alert_is_critical("ssh.bruteforce", 3));
}

/* The sweep opens one case per critical alert, once; the HTML export
 * escapes what a sensor sent. */
static void test_sweep_and_export(void **state)
{
    fx *f = *state;
    int64_t cursor = 0;
    unsigned n;
    mm_err err;
    /* received (at 1 ms) more than 7 days before "now": history, no case,
     * and the first sweep skips it without reading it */
    int64_t old_cursor = 0;
    assert_int_equal(
        mm_hub_case_sweep(f->st, &old_cursor, 8 * 86400000LL, &n, &err),
        MM_OK);
    assert_int_equal(n, 0);
    assert_int_equal(old_cursor, 2);
    assert_int_equal(mm_hub_case_sweep(f->st, &cursor, 1000, &n, &err), MM_OK);
    assert_int_equal(n, 2); /* both fixture alerts are severity 4 */
    assert_int_equal(cursor, 2);
    assert_int_equal(mm_hub_case_sweep(f->st, &cursor, 2000, &n, &err), MM_OK);
    assert_int_equal(n, 0);
    /* a restarted server resumes after the newest automatic case */
    assert_int_equal(mm_hub_case_sweep_start(f->st), 2);
    int64_t zero = 0; /* and a sweep from 0 still opens each case once */
    assert_int_equal(mm_hub_case_sweep(f->st, &zero, 3000, &n, &err), MM_OK);
    assert_int_equal(n, 0);
    mm_hub_case c;
    assert_int_equal(
        mm_hub_case_open(f->st, 1, "alice", false, 4000, &c, &err), MM_OK);
    assert_int_equal(c.opened_ms, 1000); /* the open case of the alert */
    mm_buf b;
    mm_buf_init(&b, 1u << 20);
    assert_int_equal(mm_hub_case_html(f->st, c.id, &b, &err), MM_OK);
    assert_non_null(strstr(b.data, "初動対応"));
    assert_null(strstr(b.data, "<script"));
    mm_buf_reset(&b);
    assert_int_equal(mm_hub_case_json(f->st, c.id, NULL, &b, &err), MM_OK);
    assert_non_null(
        strstr(b.data, "\"opened\":\"1970-01-01T09:00:01.000+09:00\""));
    mm_buf_free(&b);
    assert_int_equal(mm_hub_case_html(f->st, 999, &b, &err), MM_ENOTFOUND);
    mm_buf_free(&b);
    /* history then recent alerts: the search finds the boundary, only the
     * recent ones open cases */
    int64_t day = 86400000LL, mixed = 0; /* a fresh server */
    alert_at(f->st, "s2", "e-3", 8 * day);
    alert_at(f->st, "s2", "e-4", 9 * day);
    assert_int_equal(mm_hub_case_sweep(f->st, &mixed, 10 * day, &n, &err),
                     MM_OK);
    assert_int_equal(n, 2);
    assert_int_equal(mixed, 4);
}

/* Escalation reasons name tenants: the coordinator sees pseudonyms (whole
 * words only), the admin the ids. */
static void test_escalations_deidentified(void **state)
{
    fx *f = *state;
    mm_err err;
    mm_escalation e;
    memset(&e, 0, sizeof e);
    e.campaign = 7;
    e.score = 80;
    e.created_ms = 1000;
    snprintf(e.reason, sizeof e.reason,
             "critical-infrastructure operator s2 hit (the latest s1, s10)");
    assert_int_equal(f->st->ops->escalation_put(f->st, &e, &err), MM_OK);
    uint8_t key[32] = {1};
    char p1[MM_HUB_ID_MAX + 1], p2[MM_HUB_ID_MAX + 1], want[256];
    mm_hub_pseudonym(key, "s1", p1, sizeof p1);
    mm_hub_pseudonym(key, "s2", p2, sizeof p2);
    snprintf(want, sizeof want,
             "\"reason\":\"critical-infrastructure operator %s hit (the "
             "latest %s, s10)\"",
             p2, p1);
    mm_buf b;
    mm_buf_init(&b, 1u << 20);
    assert_int_equal(mm_hub_escalations_json(f->st, key, NULL, &b, &err),
                     MM_OK);
    assert_non_null(strstr(b.data, want));
    assert_non_null(strstr(b.data, "\"campaign\":\"c-7\",\"reason\""));
    mm_buf_reset(&b);
    assert_int_equal(mm_hub_escalations_json(f->st, NULL, NULL, &b, &err),
                     MM_OK);
    assert_non_null(strstr(b.data, "operator s2 hit (the latest s1, s10)"));
    mm_buf_free(&b);
}

static mm_rc count_alert(const mm_hub_alert_row *a, void *ud)
{
    (void)a;
    (*(unsigned *)ud)++;
    return MM_OK;
}

/* The server's sweep: alerts read on a second connection to the same file
 * (no lock), cases opened on the first under the lock; a commit on the
 * first is seen by the second at once, a non-critical alert opens none. */
static void test_sweep_split(void **state)
{
    (void)state;
    char dir[] = "/tmp/mamori-sweep.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/hub.db", dir);
    mm_store *st, *rd;
    mm_err err;
    assert_int_equal(mm_store_open(path, &st, &err), MM_OK);
    assert_int_equal(mm_store_open(path, &rd, &err), MM_OK);
    tenant(st, "s1", MM_TK_SME);
    alert_at(st, "s1", "e-1", 1000);
    const char line[] =
        "{\"@timestamp\":\"2026-12-01T00:00:00Z\",\"event\":{\"id\":\"e-2\","
        "\"kind\":\"alert\",\"severity\":2},\"rule\":{\"id\":"
        "\"ssh.bruteforce\"},\"source\":{\"ip\":\"203.0.113.9\"}}\n";
    mm_hub_batch b;
    bool dup;
    assert_int_equal(
        mm_hub_batch_decode(line, sizeof line - 1, false, &b, &err), MM_OK);
    assert_int_equal(mm_store_put_event(st, "s1", &b.ev[0], 1000, &dup, &err),
                     MM_OK);
    mm_hub_batch_free(&b);
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int64_t cursor = 0;
    unsigned n = 9;
    bool more = true;
    assert_int_equal(
        mm_hub_case_sweep_split(rd, st, &mu, &cursor, 2000, &n, &more, &err),
        MM_OK);
    assert_int_equal(n, 1); /* e-1 only */
    assert_int_equal(cursor, 2);
    assert_false(more);
    alert_at(st, "s1", "e-3", 3000);
    assert_int_equal(
        mm_hub_case_sweep_split(rd, st, &mu, &cursor, 4000, &n, &more, &err),
        MM_OK);
    assert_int_equal(n, 1);
    assert_int_equal(cursor, 3);
    assert_int_equal(
        mm_hub_case_sweep_split(rd, st, &mu, &cursor, 5000, &n, &more, &err),
        MM_OK);
    assert_int_equal(n, 0);
    /* the sweep read the critical alerts from their partial index, which
     * a store from before it gets at first use (dropped here: an old
     * hub.db) */
    mm_hub_alert_filter cf = {.limit = 100, .critical = true};
    unsigned rows = 0;
    assert_int_equal(rd->ops->alert_list(rd, &cf, count_alert, &rows, &err),
                     MM_OK);
    assert_int_equal(rows, 2); /* e-1 and e-3, not e-2 */
    sqlite3 *db = mm_hub__sqlite_db(st, NULL);
    assert_int_equal(sqlite3_exec(db, "DROP INDEX events_alerts_critical",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    mm_store *old;
    assert_int_equal(mm_store_open(path, &old, &err), MM_OK);
    rows = 0;
    assert_int_equal(old->ops->alert_list(old, &cf, count_alert, &rows, &err),
                     MM_OK);
    assert_int_equal(rows, 2);
    mm_store_close(old);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM sqlite_master "
                                        "WHERE name='events_alerts_critical'",
                                        -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(q, 0), 1);
    sqlite3_finalize(q);
    /* and the planner takes it for the condition the sweep's query adds */
    char crit[512], plan[800];
    mm_hub__critical_sql(crit, sizeof crit);
    snprintf(plan, sizeof plan,
             "EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE "
             "e.kind='alert' AND e.id>?1 AND %s ORDER BY e.id LIMIT 10",
             crit);
    assert_int_equal(sqlite3_prepare_v2(db, plan, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_non_null(strstr((const char *)sqlite3_column_text(q, 3),
                           "events_alerts_critical"));
    sqlite3_finalize(q);
    /* the console's unlocked tick needs its sweep connection */
    mm_hub_server_conf conf;
    memset(&conf, 0, sizeof conf);
    mm_hub_console *cs;
    assert_int_equal(mm_hub_console_new(st, &mu, &conf, &cs, &err), MM_OK);
    assert_false(mm_hub_console_tick_unlocked(cs, 6000));
    mm_hub_console_sweep_store(cs, rd);
    assert_true(mm_hub_console_tick_unlocked(cs, 6000));
    assert_int_equal(mm_hub_case_sweep_start(st), 3);
    mm_hub_console_free(cs);
    pthread_mutex_destroy(&mu);
    mm_store_close(rd);
    mm_store_close(st);
    static const char *const files[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        char f[80];
        snprintf(f, sizeof f, "%s%s", path, files[i]);
        remove(f);
    }
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_access_matrix),
        cmocka_unit_test(test_unrelated_is_404),
        cmocka_unit_test(test_password),
        cmocka_unit_test(test_totp_rfc6238),
        cmocka_unit_test(test_throttle),
        cmocka_unit_test_setup_teardown(test_login_and_csrf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_throttle, setup, teardown),
        cmocka_unit_test(test_checklist_and_critical),
        cmocka_unit_test_setup_teardown(test_sweep_and_export, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_escalations_deidentified, setup,
                                        teardown),
        cmocka_unit_test(test_sweep_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
