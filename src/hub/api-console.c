/* SPDX-License-Identifier: Apache-2.0 */
/* api-console.c — the console's JSON API (docs/api.md "Console API"):
 * people log in (POST /api/v1/session), get a session cookie and a CSRF
 * token, and read and triage their alerts. Every route asks mm_hub_access
 * (access.c) before it reads or writes anything; an unrelated tenant's
 * resource answers 404. The handler is independent of HTTP (the tests call
 * it directly); mm_hub_console_mhd at the end is the libmicrohttpd glue
 * server.c calls. Store calls hold the server's lock; password hashing
 * runs outside it. */
#include "hub-int.h"
#include "scs.h"

#include <jansson.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define COOKIE "mamori_session"
/* Login bodies and triage notes (memory per request). */
#define BODY_MAX (64u * 1024u)
#define RESP_MAX (32u * 1024u * 1024u)
#define ALERTS_DEFAULT 50u
#define ALERTS_MAX 500u
/* Failures before the throttle waits: per account, per client address
 * (an office behind one NAT shares an address, so it gets more). */
#define FAILS_ACCOUNT 5u
#define FAILS_ADDRESS 20u
/* Graph depth along which a buyer sees its suppliers. */
#define SUPPLY_DEPTH 3

struct mm_hub_console {
    mm_store *st;
    pthread_mutex_t *mu; /* the server's store lock; NULL in tests */
    bool tls;
    int64_t idle_ms, max_ms;
    mm_hub_throttle *th_user, *th_addr;
    char dummy_hash[128];   /* verified for unknown users: same timing */
    int64_t case_cursor;    /* alerts up to this id were swept for cases */
    uint8_t pseudo_key[32]; /* keys the coordinator's tenant pseudonyms */
    int64_t last_sweep_ms;
    bool sweep_more;    /* the last pass was bounded: more critical alerts */
    char dir[1024];     /* the hub directory: DIR/asm-<tenant>.json */
    mm_store *sweep_rd; /* the sweep's own connection (NULL: none) */
};

static void lock(mm_hub_console *cs)
{
    if (cs->mu)
        pthread_mutex_lock(cs->mu);
}

static void unlock(mm_hub_console *cs)
{
    if (cs->mu)
        pthread_mutex_unlock(cs->mu);
}

/* A session limit from hub.conf in ms; 0 there means the default. */
static int64_t seconds_ms(unsigned s, unsigned dflt)
{
    return (int64_t)(s ? s : dflt) * 1000;
}

mm_rc mm_hub_console_new(mm_store *st, pthread_mutex_t *mu,
                         const mm_hub_server_conf *conf, mm_hub_console **out,
                         mm_err *err)
{
    mm_hub_console *cs = calloc(1, sizeof *cs);
    if (cs) {
        cs->th_user = mm_hub_throttle_new(FAILS_ACCOUNT);
        cs->th_addr = mm_hub_throttle_new(FAILS_ADDRESS);
    }
    if (!cs || !cs->th_user || !cs->th_addr) {
        mm_hub_console_free(cs);
        return mm_err_set(err, MM_ENOMEM, "<console>", 0, "out of memory");
    }
    cs->st = st;
    cs->mu = mu;
    randombytes_buf(cs->pseudo_key, sizeof cs->pseudo_key);
    cs->case_cursor = mm_hub_case_sweep_start(st);
    cs->tls = conf->tls;
    snprintf(cs->dir, sizeof cs->dir, "%s", conf->dir);
    cs->idle_ms = seconds_ms(conf->session_idle_s, 1800);
    cs->max_ms = seconds_ms(conf->session_max_s, 43200);
    *out = cs;
    return MM_OK;
}

void mm_hub_console_free(mm_hub_console *cs)
{
    if (cs) {
        mm_hub_throttle_free(cs->th_user);
        mm_hub_throttle_free(cs->th_addr);
    }
    free(cs);
}

bool mm_hub_console_route(const char *url)
{
    static const char *const routes[] = {
        "/api/v1/session", "/api/v1/tenants",   "/api/v1/alerts",
        "/api/v1/cases",   "/api/v1/summary",   "/api/v1/campaigns",
        "/api/v1/graph",   "/api/v1/suppliers", "/api/v1/escalations",
        "/api/v1/asm",     "/api/v1/experts"};
    /* the ★ self-assessment; the rest of /api/v1/scs/ is the bearer-token
     * API (scs-status.c) */
    static const char *const scs_self[] = {"/api/v1/scs/questions",
                                           "/api/v1/scs/answers",
                                           "/api/v1/scs/assessment"};
    for (size_t i = 0; i < sizeof scs_self / sizeof *scs_self; i++)
        if (strcmp(url, scs_self[i]) == 0)
            return true;
    for (size_t i = 0; i < sizeof routes / sizeof *routes; i++) {
        size_t n = strlen(routes[i]);
        if (strncmp(url, routes[i], n) == 0 &&
            (url[n] == '\0' || url[n] == '/'))
            return true;
    }
    return false;
}

/* ---- small helpers -------------------------------------------------------
 */

static void fail(mm_hub_http_resp *o, unsigned status, const char *msg)
{
    o->status = status;
    mm_buf_reset(&o->body);
    mm_buf_puts(&o->body, "{\"error\":");
    mm_buf_json_str(&o->body, msg, strlen(msg));
    mm_buf_puts(&o->body, "}");
}

static void fail_access(mm_hub_http_resp *o, mm_hub_decision d)
{
    if (d == MM_ACCESS_FORBIDDEN)
        fail(o, 403, "この情報を見る権限がありません / forbidden");
    else
        fail(o, 404, "見つかりません / not found");
}

#define jstr mm_hub_jstr
#define jtime mm_hub_jtime

static const char *const sev_names[] = {"none", "low", "medium", "high",
                                        "critical"};

static const char *sev_name(int s)
{
    return s >= 0 && s <= 4 ? sev_names[s] : "none";
}

static int sev_of(const char *s)
{
    for (int i = 0; i <= 4; i++)
        if (strcmp(s, sev_names[i]) == 0)
            return i;
    return -1;
}

static const char *const states[] = {"new", "acknowledged", "assigned",
                                     "closed", "false_positive"};

static bool state_valid(const char *s)
{
    for (size_t i = 0; i < sizeof states / sizeof *states; i++)
        if (strcmp(s, states[i]) == 0)
            return true;
    return false;
}

static const char *arg(const mm_hub_http_req *rq, const char *name)
{
    const char *v = rq->arg ? rq->arg(rq->arg_ctx, name) : NULL;
    return v && *v ? v : NULL;
}

static bool parse_u64(const char *v, int64_t *out)
{
    int64_t x = 0;
    if (!v || !*v)
        return false;
    for (; *v; v++) {
        if (*v < '0' || *v > '9' || x > (INT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (*v - '0');
    }
    *out = x;
    return true;
}

/* ---- relations: provider links and the supply-chain graph --------------- */

typedef struct ctx {
    mm_hub_console *cs;
    mm_hub_user user;
    mm_hub_session sess;
    mm_hub_vec graph, prov; /* of mm_link */
    bool loaded;
    mm_hub_relations rel;
    const char *step_id; /* POST …/steps/{step_id} */
} ctx;

static mm_rc add_link(const mm_link *l, void *ud)
{
    return mm_hub_vec_push(ud, l);
}

/* Loads the graph and the provider links once per request (caller holds
 * the lock). */
static void load_links(ctx *x)
{
    if (x->loaded)
        return;
    x->loaded = true;
    mm_err err;
    mm_store *st = x->cs->st;
    x->graph.size = x->prov.size = sizeof(mm_link);
    (void)mm_store_link_list(st, add_link, &x->graph, &err);
    if (st->ops->provider_link_list)
        (void)st->ops->provider_link_list(st, NULL, add_link, &x->prov, &err);
}

static bool rel_provides(void *ud, const char *provider, const char *sme)
{
    ctx *x = ud;
    load_links(x);
    const mm_link *p = x->prov.v;
    for (size_t i = 0; i < x->prov.n; i++)
        if (strcmp(p[i].supplier, provider) == 0 &&
            strcmp(p[i].customer, sme) == 0)
            return true;
    return false;
}

/* Is `supplier` upstream of `customer` within `depth` links? */
static bool upstream(const mm_hub_vec *g, const char *supplier,
                     const char *customer, int depth)
{
    const mm_link *l = g->v;
    for (size_t i = 0; i < g->n; i++) {
        if (strcmp(l[i].customer, customer) != 0)
            continue;
        if (strcmp(l[i].supplier, supplier) == 0)
            return true;
        if (depth > 1 && upstream(g, supplier, l[i].supplier, depth - 1))
            return true;
    }
    return false;
}

static bool rel_supplies(void *ud, const char *supplier, const char *buyer)
{
    ctx *x = ud;
    load_links(x);
    return upstream(&x->graph, supplier, buyer, SUPPLY_DEPTH);
}

static mm_hub_decision may(ctx *x, mm_hub_res res, const char *tenant)
{
    return mm_hub_access(x->user.role, x->user.tenant, res, tenant, &x->rel);
}

static void ctx_free(ctx *x)
{
    free(x->graph.v);
    free(x->prov.v);
}

/* ---- sessions ------------------------------------------------------------
 */

static void session_body(mm_buf *b, const mm_hub_user *u, const char *csrf)
{
    mm_buf_puts(b, "{");
    jstr(b, "user", u->name);
    mm_buf_puts(b, ",");
    jstr(b, "role", mm_hub_role_name(u->role));
    mm_buf_puts(b, ",");
    jstr(b, "tenant", u->tenant);
    mm_buf_puts(b, ",");
    jstr(b, "csrf", csrf);
    mm_buf_puts(b, ",");
    jstr(b, "tz", u->tz[0] ? u->tz : "Asia/Tokyo");
    mm_buf_puts(b, "}");
}

/* The session of the request's cookie, checked for expiry (an expired one
 * is deleted); fills x->sess and x->user. Caller holds the lock. */
static bool session_of(ctx *x, const mm_hub_http_req *rq, int64_t now)
{
    mm_store *st = x->cs->st;
    const char *id = rq->cookie_session;
    if (!id || strlen(id) != 64 || !st->ops->session_get)
        return false;
    char h[65];
    mm_hub_token_hash(id, 64, h, sizeof h);
    mm_err err;
    if (st->ops->session_get(st, h, &x->sess, &err) != MM_OK)
        return false;
    if (now - x->sess.last_ms > x->cs->idle_ms ||
        now - x->sess.created_ms > x->cs->max_ms) {
        (void)st->ops->session_del(st, h, &err);
        return false;
    }
    if (st->ops->user_get(st, x->sess.user, &x->user, &err) != MM_OK)
        return false;
    if (now - x->sess.last_ms >= 1000) /* one write per second at most */
        (void)st->ops->session_touch(st, h, now, &err);
    return true;
}

static void set_cookie(mm_hub_console *cs, mm_hub_http_resp *o, const char *id)
{
    snprintf(o->set_cookie, sizeof o->set_cookie,
             COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%lld%s",
             id, id[0] ? (long long)(cs->max_ms / 1000) : 0LL,
             cs->tls ? "; Secure" : "");
}

/* A user to verify against: the stored one, or (unknown name) a dummy
 * hash, so both take the same time. */
static const char *hash_to_verify(mm_hub_console *cs, const mm_hub_user *u,
                                  bool known)
{
    if (known)
        return u->pwhash;
    if (!cs->dummy_hash[0]) {
        mm_err err;
        char pw[21];
        mm_hub_password_new(pw, sizeof pw);
        if (mm_hub_password_hash(pw, strlen(pw), cs->dummy_hash,
                                 sizeof cs->dummy_hash, &err) != MM_OK)
            cs->dummy_hash[0] = '\0';
    }
    return cs->dummy_hash;
}

static bool second_factor_ok(const mm_hub_user *u, const char *totp,
                             int64_t now)
{
    if (!u->totp[0])
        return true; /* not enrolled */
    return totp && mm_hub_totp_check(u->totp, totp, now / 1000);
}

static void login(mm_hub_console *cs, const mm_hub_http_req *rq, int64_t now,
                  mm_hub_http_resp *o)
{
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->body_len, 0, NULL);
    const char *name = json_string_value(json_object_get(j, "user"));
    const char *pw = json_string_value(json_object_get(j, "password"));
    const char *totp = json_string_value(json_object_get(j, "totp"));
    if (!name || !pw || !mm_hub_user_valid(name) ||
        strlen(pw) > MM_HUB_PASSWORD_MAX) {
        json_decref(j);
        fail(o, 401,
             "ユーザー名かパスワードが違います / wrong user or "
             "password");
        return;
    }
    char ku[80], ka[80];
    snprintf(ku, sizeof ku, "u:%s", name);
    snprintf(ka, sizeof ka, "a:%s", rq->client_addr ? rq->client_addr : "");
    mm_hub_user u;
    mm_err err;
    lock(cs);
    unsigned wu = mm_hub_throttle_wait(cs->th_user, ku, now);
    unsigned wa = mm_hub_throttle_wait(cs->th_addr, ka, now);
    bool known = wu == 0 && wa == 0 &&
                 cs->st->ops->user_get(cs->st, name, &u, &err) == MM_OK;
    unlock(cs);
    if (wu || wa) {
        json_decref(j);
        snprintf(o->retry_after, sizeof o->retry_after, "%u",
                 wu > wa ? wu : wa);
        fail(o, 429,
             "ログインの失敗が続いたため一時的に停止中 / too many "
             "failed logins; retry later");
        return;
    }
    if (!known)
        memset(&u, 0, sizeof u);
    bool ok = mm_hub_password_verify(hash_to_verify(cs, &u, known), pw,
                                     strlen(pw)) &&
              known && second_factor_ok(&u, totp, now);
    json_decref(j);
    mm_hub_session se;
    char id[65];
    memset(&se, 0, sizeof se);
    mm_rc rc = MM_OK;
    lock(cs);
    if (!ok) {
        mm_hub_throttle_fail(cs->th_user, ku, now);
        mm_hub_throttle_fail(cs->th_addr, ka, now);
    } else {
        mm_hub_throttle_reset(cs->th_user, ku);
        mm_hub_session_new(id, se.id_hash, se.csrf);
        snprintf(se.user, sizeof se.user, "%s", u.name);
        se.created_ms = se.last_ms = now;
        rc = cs->st->ops->session_put(cs->st, &se, &err);
    }
    unlock(cs);
    if (!ok) {
        fail(o, 401,
             "ユーザー名かパスワード（または確認コード）が違います / "
             "wrong user, password or one-time code");
        return;
    }
    if (rc == MM_OK)
        rc = mm_store_sync(cs->st, &err);
    if (rc != MM_OK) {
        fail(o, 500, "the store could not save the session");
        return;
    }
    o->status = 200;
    session_body(&o->body, &u, se.csrf);
    set_cookie(cs, o, id);
}

static void logout(ctx *x, const mm_hub_http_req *rq, mm_hub_http_resp *o)
{
    char h[65];
    mm_err err;
    mm_hub_token_hash(rq->cookie_session, 64, h, sizeof h);
    lock(x->cs);
    (void)x->cs->st->ops->session_del(x->cs->st, h, &err);
    unlock(x->cs);
    (void)mm_store_sync(x->cs->st, &err);
    o->status = 204;
    set_cookie(x->cs, o, "");
}

/* ---- tenants -------------------------------------------------------------
 */

static mm_rc add_tenant(const mm_tenant *t, void *ud)
{
    return mm_hub_vec_push(ud, t);
}

/* A buyer sees a supplier's name only when a direct link discloses it. */
static bool name_disclosed(ctx *x, const char *supplier)
{
    load_links(x);
    const mm_link *l = x->graph.v;
    for (size_t i = 0; i < x->graph.n; i++)
        if (strcmp(l[i].supplier, supplier) == 0 &&
            strcmp(l[i].customer, x->user.tenant) == 0)
            return l[i].disclose;
    return false;
}

static void get_tenants(ctx *x, mm_hub_http_resp *o)
{
    mm_hub_vec l = {NULL, 0, sizeof(mm_tenant)};
    mm_err err;
    lock(x->cs);
    mm_rc rc = mm_store_tenant_list(x->cs->st, add_tenant, &l, &err);
    mm_buf *b = &o->body;
    mm_buf_puts(b, "{\"tenants\":[");
    bool first = true;
    for (size_t i = 0; rc == MM_OK && i < l.n; i++) {
        const mm_tenant *t = (const mm_tenant *)l.v + i;
        if (may(x, MM_RES_TENANT, t->id) != MM_ACCESS_ALLOW)
            continue;
        mm_hub_relation r =
            mm_hub_relation_of(x->user.role, x->user.tenant, t->id, &x->rel);
        bool hide = r == MM_REL_BUYER && !name_disclosed(x, t->id);
        mm_buf_puts(b, first ? "{" : ",{");
        first = false;
        jstr(b, "id", t->id);
        mm_buf_puts(b, ",");
        jstr(b, "name", hide ? "" : t->name);
        mm_buf_puts(b, ",");
        jstr(b, "kind", mm_tenant_kind_name(t->kind));
        mm_buf_puts(b, ",");
        jstr(b, "role_relation",
             r == MM_REL_NONE ? "admin" : mm_hub_relation_name(r));
        mm_buf_puts(b, "}");
    }
    unlock(x->cs);
    free(l.v);
    mm_buf_puts(b, "]}");
    if (rc != MM_OK)
        fail(o, 500, err.msg);
    else
        o->status = 200;
}

/* ---- alerts --------------------------------------------------------------
 */

typedef struct arow {
    int64_t id;
    char *json; /* the rendered object */
} arow;

typedef struct alist {
    mm_hub_vec rows; /* arow */
    const char *tz;
    bool detail; /* add "sample" */
} alist;

static const char *jpath(json_t *root, const char *a, const char *b,
                         const char *c)
{
    json_t *v = json_object_get(root, a);
    if (b)
        v = json_object_get(v, b);
    if (c)
        v = json_object_get(v, c);
    return json_string_value(v);
}

static int64_t jpath_time(json_t *root, const char *key, int64_t dflt)
{
    const char *s = jpath(root, "mamori", key, NULL);
    int64_t ms;
    if (s && mm_hub_parse_time(s, strlen(s), &ms) == MM_OK)
        return ms;
    return dflt;
}

/* Renders one alert: the columns of the store plus what the sensor's
 * alert carries (rule name, advice, count, first and last seen). */
static void render_alert(mm_buf *b, const mm_hub_alert_row *a, const char *tz,
                         bool detail)
{
    json_t *root = json_loadb(a->json, a->json_len, 0, NULL);
    json_t *cnt = json_object_get(json_object_get(root, "mamori"), "count");
    mm_buf_printf(b, "{\"id\":%lld,", (long long)a->id);
    jstr(b, "tenant", a->tenant);
    mm_buf_puts(b, ",");
    jstr(b, "rule_id", a->rule_id);
    mm_buf_puts(b, ",");
    jstr(b, "rule_name", jpath(root, "rule", "name", NULL));
    mm_buf_puts(b, ",");
    jstr(b, "rule_name_ja", jpath(root, "rule", "name_ja", NULL));
    mm_buf_puts(b, ",");
    jstr(b, "severity", sev_name(a->severity));
    mm_buf_puts(b, ",");
    jstr(b, "status", a->status);
    mm_buf_puts(b, ",");
    jstr(b, "assignee", a->assignee[0] ? a->assignee : NULL);
    mm_buf_puts(b, ",");
    jtime(b, "first_seen", jpath_time(root, "first_seen", a->ts_ms), tz);
    mm_buf_puts(b, ",");
    jtime(b, "last_seen", jpath_time(root, "last_seen", a->ts_ms), tz);
    mm_buf_printf(b, ",\"count\":%lld,",
                  json_is_integer(cnt) ? (long long)json_integer_value(cnt)
                                       : 1LL);
    jstr(b, "source_ip", a->src_ip[0] ? a->src_ip : NULL);
    mm_buf_puts(b, ",");
    jstr(b, "advice_ja", jpath(root, "mamori", "advice", "ja"));
    mm_buf_puts(b, ",");
    jstr(b, "advice_en", jpath(root, "mamori", "advice", "en"));
    mm_buf_puts(b, ",");
    jtime(b, "received", a->received_ms, tz);
    mm_buf_puts(b, ",");
    jtime(b, "updated", a->updated_ms, tz);
    if (detail) {
        json_t *s = json_array_get(
            json_object_get(json_object_get(root, "mamori"), "samples"), 0);
        mm_buf_puts(b, ",");
        jstr(b, "sample", json_string_value(s));
    }
    json_decref(root);
}

static mm_rc collect_alert(const mm_hub_alert_row *a, void *ud)
{
    alist *l = ud;
    mm_buf b;
    mm_buf_init(&b, 1024 * 1024);
    render_alert(&b, a, l->tz, l->detail);
    arow r = {a->id, b.data}; /* the text is owned by the list now */
    if (!b.data || mm_hub_vec_push(&l->rows, &r) != MM_OK) {
        mm_buf_free(&b);
        return MM_ENOMEM;
    }
    return MM_OK;
}

static void alist_free(alist *l)
{
    arow *rv = l->rows.v;
    for (size_t i = 0; i < l->rows.n; i++)
        free(rv[i].json);
    free(rv);
}

typedef struct aquery {
    mm_hub_alert_filter f;
    const char *tenant; /* the tenant asked for, NULL = every visible */
} aquery;

/* Reads and checks the query of GET /api/v1/alerts; false after fail(). */
static bool alert_query(const mm_hub_http_req *rq, aquery *q,
                        mm_hub_http_resp *o)
{
    memset(q, 0, sizeof *q);
    q->tenant = arg(rq, "tenant");
    q->f.status = arg(rq, "status");
    const char *sev = arg(rq, "severity"), *lim = arg(rq, "limit"),
               *bef = arg(rq, "before");
    int64_t n = ALERTS_DEFAULT;
    if ((q->f.status && !state_valid(q->f.status)) ||
        (sev && sev_of(sev) < 0) || (lim && (!parse_u64(lim, &n) || n < 1)) ||
        (bef && !parse_u64(bef, &q->f.before))) {
        fail(o, 400,
             "status は new|acknowledged|assigned|closed|false_positive、"
             "severity は low|medium|high|critical、limit と before は数 / "
             "bad status, severity, limit or before");
        return false;
    }
    q->f.min_severity = sev ? sev_of(sev) : 0;
    /* one more than asked, to know whether there is a next page */
    q->f.limit = (unsigned)(n > ALERTS_MAX ? ALERTS_MAX : n) + 1;
    return true;
}

/* Bounds q to what the caller may see, one query's worth: the tenant asked
 * for, or by role every tenant (admin), the provider's own and its SMEs',
 * or its own tenant; *none when it may see no alerts (an empty list). */
static mm_hub_decision alert_scope(ctx *x, aquery *q, bool *none)
{
    *none = false;
    if (q->tenant) {
        q->f.tenant = q->tenant;
        return may(x, MM_RES_ALERTS, q->tenant);
    }
    if (x->user.role == MM_ROLE_ADMIN)
        return MM_ACCESS_ALLOW; /* tenant NULL: every tenant */
    if (x->user.role == MM_ROLE_PROVIDER)
        q->f.provider = x->user.tenant; /* its SMEs, provider_links */
    else
        q->f.tenant = x->user.tenant;
    /* the same policy as a per-tenant ask: no alerts of its own (the
     * coordinator) is an empty queue, not an error */
    *none = may(x, MM_RES_ALERTS, x->user.tenant) != MM_ACCESS_ALLOW;
    return MM_ACCESS_ALLOW;
}

static void get_alerts(ctx *x, const mm_hub_http_req *rq, mm_hub_http_resp *o)
{
    aquery q;
    if (!alert_query(rq, &q, o))
        return;
    /* one indexed query, newest first from `before`; only the page (and
     * one more row, to know whether there is a next) is rendered */
    alist l = {{NULL, 0, sizeof(arow)}, x->user.tz, false};
    mm_err err;
    mm_rc rc = MM_OK;
    bool none;
    lock(x->cs);
    mm_hub_decision d = alert_scope(x, &q, &none);
    if (d == MM_ACCESS_ALLOW && !none)
        rc = x->cs->st->ops->alert_list(x->cs->st, &q.f, collect_alert, &l,
                                        &err);
    unlock(x->cs);
    size_t lim = q.f.limit - 1, n = l.rows.n < lim ? l.rows.n : lim;
    if (d != MM_ACCESS_ALLOW) {
        fail_access(o, d);
    } else if (rc != MM_OK) {
        fail(o, 500, "the store could not list the alerts");
    } else {
        const arow *pv = l.rows.v;
        mm_buf_puts(&o->body, "{\"alerts\":[");
        for (size_t i = 0; i < n; i++)
            mm_buf_printf(&o->body, "%s%s}", i ? "," : "", pv[i].json);
        if (l.rows.n > n) /* there is more: "before" of the next page */
            mm_buf_printf(&o->body, "],\"next\":%lld}",
                          (long long)pv[n - 1].id);
        else
            mm_buf_puts(&o->body, "],\"next\":null}");
        o->status = 200;
    }
    alist_free(&l);
}

/* Looks up alert `id` and asks whether the caller may use it as `res`;
 * caller holds the lock. */
static mm_hub_decision alert_access(ctx *x, int64_t id, mm_hub_res res,
                                    mm_hub_alert_brief *w)
{
    mm_err err;
    if (mm_hub_alert_brief_get(x->cs->st, id, w, &err) != MM_OK)
        return MM_ACCESS_NOT_FOUND;
    return may(x, res, w->tenant);
}

static mm_rc put_audit_row(const mm_hub_audit *a, void *ud)
{
    const char **tz = ud;
    mm_buf *b = (mm_buf *)(void *)tz[1];
    mm_hub_audit_json(b, a, tz[0], b->data[b->len - 1] == '[');
    return MM_OK;
}

/* Writes the alert with its audit trail; caller holds the lock. */
static void alert_detail(ctx *x, int64_t id, mm_hub_http_resp *o)
{
    alist l = {{NULL, 0, sizeof(arow)}, x->user.tz, true};
    mm_hub_alert_filter f = {.id = id, .limit = 1};
    mm_err err;
    mm_store *st = x->cs->st;
    mm_rc rc = st->ops->alert_list(st, &f, collect_alert, &l, &err);
    if (rc == MM_OK && l.rows.n == 1) {
        mm_buf_puts(&o->body, ((const arow *)l.rows.v)[0].json);
        mm_buf_puts(&o->body, ",\"audit\":[");
        const char *pass[2] = {x->user.tz, (const char *)(void *)&o->body};
        rc = st->ops->audit_list(st, "alert", id, put_audit_row, pass, &err);
        mm_buf_puts(&o->body, "]}");
    }
    alist_free(&l);
    if (rc != MM_OK || o->body.len == 0)
        fail(o, 500, "the store could not read the alert");
    else
        o->status = 200;
}

static void get_alert(ctx *x, int64_t id, mm_hub_http_resp *o)
{
    mm_hub_alert_brief w;
    lock(x->cs);
    mm_hub_decision d = alert_access(x, id, MM_RES_ALERTS, &w);
    if (d == MM_ACCESS_ALLOW)
        alert_detail(x, id, o);
    unlock(x->cs);
    if (d != MM_ACCESS_ALLOW)
        fail_access(o, d);
}

/* One audit line for alert `id` by the caller. */
static mm_rc audit(ctx *x, const char *kind, int64_t id, int64_t now,
                   const char *what, const char *note, mm_err *err)
{
    mm_hub_audit a;
    memset(&a, 0, sizeof a);
    snprintf(a.kind, sizeof a.kind, "%s", kind);
    a.ref = id;
    a.ts_ms = now;
    snprintf(a.actor, sizeof a.actor, "%s", x->user.name);
    snprintf(a.what, sizeof a.what, "%s", what);
    snprintf(a.note, sizeof a.note, "%s", note ? note : "");
    return x->cs->st->ops->audit_put(x->cs->st, &a, err);
}

typedef struct triage {
    const char *status, *assignee, *note;
} triage;

/* Reads {"status"?, "assignee"?, "note"?}; false after fail(). */
static bool triage_body(const mm_hub_http_req *rq, json_t **j, triage *t,
                        mm_hub_http_resp *o)
{
    memset(t, 0, sizeof *t);
    *j = json_loadb(rq->body ? rq->body : "", rq->body_len, 0, NULL);
    if (!json_is_object(*j)) {
        fail(o, 400,
             "本文は JSON オブジェクト / the body must be a JSON "
             "object");
        return false;
    }
    t->status = json_string_value(json_object_get(*j, "status"));
    t->assignee = json_string_value(json_object_get(*j, "assignee"));
    t->note = json_string_value(json_object_get(*j, "note"));
    if ((t->status && !state_valid(t->status)) ||
        (t->assignee && *t->assignee && !mm_hub_user_valid(t->assignee)) ||
        (t->note && strlen(t->note) > 1000) ||
        (!t->status && !t->assignee && !t->note)) {
        fail(o, 400,
             "status（new|acknowledged|assigned|closed|false_positive）、"
             "assignee（ユーザー名）、note（1000 バイトまで）のいずれか / "
             "give status, assignee (a user name) or note (up to 1000 "
             "bytes)");
        return false;
    }
    return true;
}

/* Applies a triage change and its audit lines; caller holds the lock. */
static mm_rc apply_triage(ctx *x, int64_t id, const mm_hub_alert_brief *w,
                          const triage *t, int64_t now, mm_err *err)
{
    mm_store *st = x->cs->st;
    const char *status = t->status ? t->status : w->status;
    const char *assignee = t->assignee ? t->assignee : w->assignee;
    if (t->assignee && *t->assignee && !t->status)
        status = "assigned";
    char what[96];
    mm_rc rc = mm_store_begin(st, err);
    if (rc == MM_OK)
        rc = st->ops->alert_state_set(st, id, status, assignee, now, err);
    if (rc == MM_OK && strcmp(status, w->status) != 0) {
        snprintf(what, sizeof what, "status:%s", status);
        rc = audit(x, "alert", id, now, what, t->note, err);
    }
    if (rc == MM_OK && strcmp(assignee, w->assignee) != 0) {
        snprintf(what, sizeof what, "assignee:%s", assignee);
        rc = audit(x, "alert", id, now, what, t->note, err);
    }
    if (rc == MM_OK && strcmp(status, w->status) == 0 &&
        strcmp(assignee, w->assignee) == 0)
        rc = audit(x, "alert", id, now, "note", t->note, err);
    rc = mm_store_end(st, rc, err);
    return rc;
}

static void post_alert(ctx *x, int64_t id, const mm_hub_http_req *rq,
                       int64_t now, mm_hub_http_resp *o)
{
    json_t *j;
    triage t;
    if (!triage_body(rq, &j, &t, o)) {
        json_decref(j);
        return;
    }
    mm_hub_alert_brief w;
    mm_err err;
    mm_hub_user who;
    mm_rc rc = MM_OK;
    lock(x->cs);
    mm_hub_decision d = alert_access(x, id, MM_RES_ALERT_WRITE, &w);
    if (d == MM_ACCESS_ALLOW && t.assignee && *t.assignee &&
        x->cs->st->ops->user_get(x->cs->st, t.assignee, &who, &err) != MM_OK)
        rc = MM_ENOTFOUND;
    if (d == MM_ACCESS_ALLOW && rc == MM_OK)
        rc = apply_triage(x, id, &w, &t, now, &err);
    unlock(x->cs);
    json_decref(j);
    if (d != MM_ACCESS_ALLOW)
        return fail_access(o, d);
    if (rc == MM_ENOTFOUND)
        return fail(o, 400, "担当者が見つかりません / unknown assignee");
    if (rc == MM_OK)
        rc = mm_store_sync(x->cs->st, &err);
    if (rc != MM_OK)
        return fail(o, 500, "the store could not save the change");
    lock(x->cs);
    alert_detail(x, id, o);
    unlock(x->cs);
}

/* ---- incident cases ------------------------------------------------------
 */

/* Opens the cases of new critical alerts; caller holds the lock. */
static void sweep_cases(mm_hub_console *cs, int64_t now)
{
    unsigned n;
    mm_err err;
    cs->last_sweep_ms = now;
    (void)mm_hub_case_sweep_pass(cs->st, &cs->case_cursor, now, &n,
                                 &cs->sweep_more, &err);
}

void mm_hub_console_tick(mm_hub_console *cs, int64_t now_ms)
{
    /* each second, or at each wake-up while a backlog remains */
    if (cs && (cs->sweep_more || now_ms - cs->last_sweep_ms >= 1000))
        sweep_cases(cs, now_ms);
}

void mm_hub_console_sweep_store(mm_hub_console *cs, mm_store *rd)
{
    if (cs)
        cs->sweep_rd = rd;
}

bool mm_hub_console_tick_unlocked(mm_hub_console *cs, int64_t now_ms)
{
    if (!cs || !cs->sweep_rd)
        return false;
    if (cs->sweep_more || now_ms - cs->last_sweep_ms >= 1000) {
        unsigned n;
        mm_err err;
        cs->last_sweep_ms = now_ms;
        (void)mm_hub_case_sweep_split(cs->sweep_rd, cs->st, cs->mu,
                                      &cs->case_cursor, now_ms, &n,
                                      &cs->sweep_more, &err);
    }
    return true;
}

static mm_rc add_case(const mm_hub_case *c, void *ud)
{
    return mm_hub_vec_push(ud, c);
}

static mm_rc count_step(const mm_hub_case_step *st, void *ud)
{
    (void)st;
    (*(unsigned *)ud)++;
    return MM_OK;
}

static int case_desc(const void *a, const void *b)
{
    int64_t x = ((const mm_hub_case *)a)->id, y = ((const mm_hub_case *)b)->id;
    return x < y ? 1 : x > y ? -1 : 0;
}

static void case_row(ctx *x, mm_buf *b, const mm_hub_case *c)
{
    unsigned done = 0;
    size_t total;
    mm_err err;
    mm_hub_checklist(&total);
    (void)x->cs->st->ops->case_step_list(x->cs->st, c->id, count_step, &done,
                                         &err);
    mm_buf_printf(b, "{\"id\":%lld,", (long long)c->id);
    jstr(b, "tenant", c->tenant);
    mm_buf_printf(b, ",\"alert_id\":%lld,", (long long)c->alert);
    jstr(b, "status", c->status);
    mm_buf_puts(b, ",");
    jstr(b, "title", c->title);
    mm_buf_puts(b, ",");
    jtime(b, "opened", c->opened_ms, x->user.tz);
    mm_buf_puts(b, ",");
    jstr(b, "opened_by", c->opened_by);
    mm_buf_printf(b,
                  ",\"personal_data\":%s,\"steps_done\":%u,"
                  "\"steps_total\":%zu}",
                  c->personal_data ? "true" : "false", done, total);
}

static void get_cases(ctx *x, const mm_hub_http_req *rq, int64_t now,
                      mm_hub_http_resp *o)
{
    const char *tenant = arg(rq, "tenant"), *status = arg(rq, "status");
    if (status && strcmp(status, "open") != 0 && strcmp(status, "closed") != 0)
        return fail(o, 400,
                    "status は open か closed / status must be open "
                    "or closed");
    mm_hub_vec ts = {NULL, 0, sizeof(mm_tenant)};
    mm_hub_vec l = {NULL, 0, sizeof(mm_hub_case)};
    mm_err err;
    mm_rc rc = MM_OK;
    lock(x->cs);
    sweep_cases(x->cs, now);
    mm_hub_decision d =
        tenant ? may(x, MM_RES_CASES, tenant) : MM_ACCESS_ALLOW;
    if (d == MM_ACCESS_ALLOW)
        rc = mm_store_tenant_list(x->cs->st, add_tenant, &ts, &err);
    const mm_tenant *tv = ts.v;
    for (size_t i = 0; d == MM_ACCESS_ALLOW && rc == MM_OK && i < ts.n; i++)
        if ((!tenant || strcmp(tenant, tv[i].id) == 0) &&
            may(x, MM_RES_CASES, tv[i].id) == MM_ACCESS_ALLOW)
            rc = x->cs->st->ops->case_list(x->cs->st, 0, tv[i].id, status, 0,
                                           add_case, &l, &err);
    if (d == MM_ACCESS_ALLOW && rc == MM_OK) {
        if (l.n)
            qsort(l.v, l.n, l.size, case_desc);
        mm_buf_puts(&o->body, "{\"cases\":[");
        for (size_t i = 0; i < l.n; i++) {
            mm_buf_puts(&o->body, i ? "," : "");
            case_row(x, &o->body, (const mm_hub_case *)l.v + i);
        }
        mm_buf_puts(&o->body, "]}");
        o->status = 200;
    }
    unlock(x->cs);
    free(ts.v);
    free(l.v);
    if (d != MM_ACCESS_ALLOW)
        fail_access(o, d);
    else if (rc != MM_OK)
        fail(o, 500, "the store could not list the cases");
}

/* Case `id` if the caller may use it as `res`; caller holds the lock. */
static mm_hub_decision case_access(ctx *x, int64_t id, mm_hub_res res,
                                   mm_hub_case *c)
{
    mm_err err;
    bool found = mm_hub_case_get(x->cs->st, id, c, &err) == MM_OK;
    return found ? may(x, res, c->tenant) : MM_ACCESS_NOT_FOUND;
}

/* Replies with the case as JSON; caller holds the lock. */
static void case_reply(ctx *x, int64_t id, unsigned status,
                       mm_hub_http_resp *o)
{
    mm_err err;
    mm_buf_reset(&o->body);
    if (mm_hub_case_json(x->cs->st, id, x->user.tz, &o->body, &err) != MM_OK)
        return fail(o, 500, "the store could not read the case");
    o->status = status;
}

static void get_case(ctx *x, int64_t id, bool html, int64_t now,
                     mm_hub_http_resp *o)
{
    mm_hub_case c;
    mm_err err;
    lock(x->cs);
    sweep_cases(x->cs, now);
    mm_hub_decision d = case_access(x, id, MM_RES_CASES, &c);
    if (d == MM_ACCESS_ALLOW && !html)
        case_reply(x, id, 200, o);
    if (d == MM_ACCESS_ALLOW && html) {
        if (mm_hub_case_html(x->cs->st, id, &o->body, &err) == MM_OK) {
            o->status = 200;
            o->ctype = "text/html; charset=utf-8";
        } else {
            fail(o, 500, "the store could not read the case");
        }
    }
    unlock(x->cs);
    if (d != MM_ACCESS_ALLOW)
        fail_access(o, d);
}

/* Commits nothing itself: runs fn under the lock for a case the caller
 * may change, syncs, and replies with the case. */
typedef mm_rc (*case_change_fn)(ctx *x, mm_hub_case *c, json_t *j, int64_t now,
                                mm_err *err);

static void change_case(ctx *x, int64_t id, const mm_hub_http_req *rq,
                        int64_t now, case_change_fn fn, mm_hub_http_resp *o)
{
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->body_len, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return fail(o, 400,
                    "本文は JSON オブジェクト / the body must be a "
                    "JSON object");
    }
    mm_hub_case c;
    mm_err err;
    memset(&err, 0, sizeof err);
    mm_rc rc = MM_OK;
    lock(x->cs);
    mm_hub_decision d = case_access(x, id, MM_RES_CASE_WRITE, &c);
    if (d == MM_ACCESS_ALLOW)
        rc = fn(x, &c, j, now, &err);
    unlock(x->cs);
    json_decref(j);
    if (d != MM_ACCESS_ALLOW)
        return fail_access(o, d);
    if (rc == MM_EINVAL)
        return fail(o, 400, err.msg);
    if (rc == MM_OK)
        rc = mm_store_sync(x->cs->st, &err);
    if (rc != MM_OK)
        return fail(o, 500, "the store could not save the change");
    lock(x->cs);
    case_reply(x, id, 200, o);
    unlock(x->cs);
}

/* Writes `what` to the case's timeline inside a transaction with `put`. */
static mm_rc case_write(ctx *x, mm_hub_case *c, const char *what,
                        const char *note, int64_t now, mm_err *err,
                        mm_rc (*put)(ctx *x, mm_hub_case *c, void *arg,
                                     mm_err *err),
                        void *arg)
{
    mm_store *st = x->cs->st;
    mm_rc rc = mm_store_begin(st, err);
    if (rc == MM_OK)
        rc = put(x, c, arg, err);
    if (rc == MM_OK)
        rc = audit(x, "case", c->id, now, what, note, err);
    return mm_store_end(st, rc, err);
}

static const char *note_of(json_t *j, mm_err *err, mm_rc *rc)
{
    const char *n = json_string_value(json_object_get(j, "note"));
    if (n && strlen(n) > 1000)
        *rc = mm_err_set(err, MM_EINVAL, "<case>", 0,
                         "note は 1000 バイトまで / note: up to 1000 bytes");
    return n;
}

static mm_rc put_step(ctx *x, mm_hub_case *c, void *arg, mm_err *err)
{
    (void)c;
    return x->cs->st->ops->case_step_put(x->cs->st, arg, err);
}

static mm_rc tick_step(ctx *x, mm_hub_case *c, json_t *j, int64_t now,
                       mm_err *err, const char *step)
{
    size_t n;
    const mm_hub_step_def *defs = mm_hub_checklist(&n);
    bool known = false;
    for (size_t i = 0; i < n; i++)
        known |= strcmp(defs[i].id, step) == 0;
    mm_rc rc = MM_OK;
    const char *note = note_of(j, err, &rc);
    if (rc != MM_OK)
        return rc;
    if (!known || !json_is_true(json_object_get(j, "done")))
        return mm_err_set(err, MM_EINVAL, "<case>", 0,
                          "手順 id とチェック {\"done\":true} が必要 / need a "
                          "checklist step id and {\"done\":true}");
    mm_hub_case_step cs;
    memset(&cs, 0, sizeof cs);
    cs.case_id = c->id;
    snprintf(cs.step, sizeof cs.step, "%s", step);
    snprintf(cs.done_by, sizeof cs.done_by, "%s", x->user.name);
    cs.done_ms = now;
    snprintf(cs.note, sizeof cs.note, "%s", note ? note : "");
    char what[96];
    snprintf(what, sizeof what, "step:%s", step);
    return case_write(x, c, what, note, now, err, put_step, &cs);
}

static mm_rc put_dispatch(ctx *x, mm_hub_case *c, void *arg, mm_err *err)
{
    (void)c;
    return x->cs->st->ops->dispatch_put(x->cs->st, arg, err);
}

/* "requested_at" / "arrived_at": RFC 3339, or absent (0). */
static bool time_member(json_t *j, const char *key, int64_t *ms)
{
    json_t *v = json_object_get(j, key);
    *ms = 0;
    if (!v || json_is_null(v))
        return true;
    const char *s = json_string_value(v);
    return s && mm_hub_parse_time(s, strlen(s), ms) == MM_OK;
}

static mm_rc record_dispatch(ctx *x, mm_hub_case *c, json_t *j, int64_t now,
                             mm_err *err)
{
    mm_hub_dispatch d;
    memset(&d, 0, sizeof d);
    mm_rc rc = MM_OK;
    const char *note = note_of(j, err, &rc);
    if (rc != MM_OK)
        return rc;
    if (!time_member(j, "requested_at", &d.requested_ms) ||
        !time_member(j, "arrived_at", &d.arrived_ms))
        return mm_err_set(err, MM_EINVAL, "<case>", 0,
                          "requested_at / arrived_at は RFC 3339 の時刻 / "
                          "must be RFC 3339 times");
    if (!d.requested_ms && !d.arrived_ms)
        d.requested_ms = now; /* "we asked for someone now" */
    d.case_id = c->id;
    snprintf(d.by, sizeof d.by, "%s", x->user.name);
    d.ts_ms = now;
    snprintf(d.note, sizeof d.note, "%s", note ? note : "");
    return case_write(x, c,
                      d.arrived_ms ? "dispatch:arrived" : "dispatch:requested",
                      note, now, err, put_dispatch, &d);
}

static mm_rc put_case(ctx *x, mm_hub_case *c, void *arg, mm_err *err)
{
    (void)arg;
    return x->cs->st->ops->case_put(x->cs->st, c, err);
}

static mm_rc update_case(ctx *x, mm_hub_case *c, json_t *j, int64_t now,
                         mm_err *err)
{
    const char *status = json_string_value(json_object_get(j, "status"));
    json_t *pd = json_object_get(j, "personal_data");
    mm_rc rc = MM_OK;
    const char *note = note_of(j, err, &rc);
    if (rc != MM_OK)
        return rc;
    if ((status && strcmp(status, "open") != 0 &&
         strcmp(status, "closed") != 0) ||
        (pd && !json_is_boolean(pd)) || (!status && !pd && !note))
        return mm_err_set(err, MM_EINVAL, "<case>", 0,
                          "status（open|closed）、personal_data（真偽）、"
                          "note のいずれか / give status (open|closed), "
                          "personal_data (boolean) or note");
    char what[96] = "note";
    if (status && strcmp(status, c->status) != 0) {
        snprintf(c->status, sizeof c->status, "%s", status);
        c->closed_ms = strcmp(status, "closed") == 0 ? now : 0;
        snprintf(what, sizeof what, "status:%s", status);
    } else if (pd) {
        c->personal_data = json_is_true(pd);
        snprintf(what, sizeof what, "personal_data:%s",
                 c->personal_data ? "true" : "false");
    }
    if (pd)
        c->personal_data = json_is_true(pd);
    return case_write(x, c, what, note, now, err, put_case, NULL);
}

static void post_case(ctx *x, const mm_hub_http_req *rq, int64_t now,
                      mm_hub_http_resp *o)
{
    json_t *j = json_loadb(rq->body ? rq->body : "", rq->body_len, 0, NULL);
    json_t *aid = json_object_get(j, "alert_id");
    json_t *pd = json_object_get(j, "personal_data");
    if (!json_is_integer(aid) || json_integer_value(aid) <= 0 ||
        (pd && !json_is_boolean(pd))) {
        json_decref(j);
        return fail(o, 400,
                    "{\"alert_id\": 警報の id} が必要 / need "
                    "{\"alert_id\": N}");
    }
    int64_t id = (int64_t)json_integer_value(aid);
    bool personal = json_is_true(pd);
    json_decref(j);
    mm_hub_case c;
    mm_err err;
    mm_hub_alert_brief w;
    lock(x->cs);
    mm_hub_decision d = alert_access(x, id, MM_RES_CASE_WRITE, &w);
    mm_rc rc = d != MM_ACCESS_ALLOW
                   ? MM_OK
                   : mm_hub_case_open(x->cs->st, id, x->user.name, personal,
                                      now, &c, &err);
    unlock(x->cs);
    if (d != MM_ACCESS_ALLOW)
        return fail_access(o, d);
    if (rc == MM_OK)
        rc = mm_store_sync(x->cs->st, &err);
    if (rc != MM_OK)
        return fail(o, 500, "the store could not open the case");
    lock(x->cs);
    case_reply(x, c.id, 201, o);
    unlock(x->cs);
}

/* Step ticks carry their step id in the path (x->step_id): a small
 * adapter so they go through change_case like the other changes. */
static mm_rc tick_step_fn(ctx *x, mm_hub_case *c, json_t *j, int64_t now,
                          mm_err *err)
{
    return tick_step(x, c, j, now, err, x->step_id);
}

/* Routes /api/v1/cases…; true when it answered. */
static bool route_cases(ctx *x, const mm_hub_http_req *rq, int64_t now,
                        mm_hub_http_resp *o)
{
    const char *p = rq->path, *m = rq->method;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    bool post = strcmp(m, "POST") == 0;
    if (strcmp(p, "/api/v1/cases") == 0) {
        if (get)
            get_cases(x, rq, now, o);
        else if (post)
            post_case(x, rq, now, o);
        else
            fail(o, 405, "use GET or POST");
        return true;
    }
    const char *base = "/api/v1/cases/";
    if (strncmp(p, base, strlen(base)) != 0)
        return false;
    char *end;
    const char *num = p + strlen(base);
    long long id = (*num >= '1' && *num <= '9') ? strtoll(num, &end, 10) : 0;
    if (id <= 0)
        return false;
    if (*end == '\0' && get)
        get_case(x, id, false, now, o);
    else if (*end == '\0' && post)
        change_case(x, id, rq, now, update_case, o);
    else if (strcmp(end, "/export.html") == 0 && get)
        get_case(x, id, true, now, o);
    else if (strcmp(end, "/dispatch") == 0 && post)
        change_case(x, id, rq, now, record_dispatch, o);
    else if (strncmp(end, "/steps/", 7) == 0 && post && end[7]) {
        x->step_id = end + 7;
        change_case(x, id, rq, now, tick_step_fn, o);
    } else
        return false;
    return true;
}

/* ---- views: summary, campaigns, graph, suppliers ------------------------ */

typedef mm_rc (*view_fn)(ctx *x, const void *arg, mm_buf *out, mm_err *err);

/* Runs a view under the lock after asking access for `res` of `tenant`. */
static void view(ctx *x, mm_hub_res res, const char *tenant, view_fn fn,
                 const void *arg, mm_hub_http_resp *o)
{
    mm_err err;
    memset(&err, 0, sizeof err);
    mm_rc rc = MM_OK;
    lock(x->cs);
    mm_hub_decision d = may(x, res, tenant);
    if (d == MM_ACCESS_ALLOW)
        rc = fn(x, arg, &o->body, &err);
    unlock(x->cs);
    if (d != MM_ACCESS_ALLOW)
        return fail_access(o, d);
    if (rc == MM_EINVAL)
        return fail(o, 400, err.msg);
    if (rc != MM_OK)
        return fail(o, 500, "the store could not build the view");
    o->status = 200;
}

typedef struct summary_arg {
    const char *tenant, *month;
} summary_arg;

static mm_rc summary_view(ctx *x, const void *arg, mm_buf *out, mm_err *err)
{
    const summary_arg *a = arg;
    return mm_hub_summary_json(x->cs->st, a->tenant, a->month, x->user.tz, out,
                               err);
}

/* The key of the tenant pseudonyms in the coordinator's views: NULL (real
 * tenant ids) for an admin. */
static const uint8_t *pseudo_key(const ctx *x)
{
    return x->user.role == MM_ROLE_ADMIN ? NULL : x->cs->pseudo_key;
}

static mm_rc campaigns_view(ctx *x, const void *arg, mm_buf *out, mm_err *err)
{
    (void)arg;
    return mm_hub_campaigns_view_json(x->cs->st, pseudo_key(x), x->user.tz,
                                      out, err);
}

static mm_rc graph_view(ctx *x, const void *arg, mm_buf *out, mm_err *err)
{
    (void)arg;
    return mm_hub_graph_json(x->cs->st, pseudo_key(x), out, err);
}

static mm_rc escalations_view(ctx *x, const void *arg, mm_buf *out,
                              mm_err *err)
{
    (void)arg;
    return mm_hub_escalations_json(x->cs->st, pseudo_key(x), x->user.tz, out,
                                   err);
}

static mm_rc suppliers_view(ctx *x, const void *arg, mm_buf *out, mm_err *err)
{
    (void)arg;
    return mm_hub_scs_status_json(x->cs->st, x->user.tenant, out, err);
}

/* The tenant's outside-in self-check (asm.c), read from the hub dir. */
static mm_rc asm_view(ctx *x, const void *arg, mm_buf *out, mm_err *err)
{
    return mm_hub_asm_view(x->cs->dir, arg, out, err);
}

/* Routes the views; true when it answered. */
static bool route_views(ctx *x, const mm_hub_http_req *rq, int64_t now,
                        mm_hub_http_resp *o)
{
    const char *p = rq->path;
    if (strcmp(rq->method, "GET") != 0 && strcmp(rq->method, "HEAD") != 0)
        return false;
    if (strcmp(p, "/api/v1/summary") == 0) {
        char month[8];
        char t[40];
        mm_hub_time_tz(now, "Asia/Tokyo", t, sizeof t);
        snprintf(month, sizeof month, "%.7s", t); /* this month in JST */
        summary_arg a = {arg(rq, "tenant"), arg(rq, "month")};
        if (!a.tenant)
            a.tenant = x->user.tenant;
        if (!a.month)
            a.month = month;
        view(x, MM_RES_SUMMARY, a.tenant, summary_view, &a, o);
    } else if (strcmp(p, "/api/v1/campaigns") == 0) {
        view(x, MM_RES_CAMPAIGNS, NULL, campaigns_view, NULL, o);
    } else if (strcmp(p, "/api/v1/graph") == 0) {
        view(x, MM_RES_GRAPH, NULL, graph_view, NULL, o);
    } else if (strcmp(p, "/api/v1/suppliers") == 0) {
        view(x, MM_RES_SUPPLIERS, x->user.tenant, suppliers_view, NULL, o);
    } else if (strcmp(p, "/api/v1/escalations") == 0) {
        view(x, MM_RES_ESCALATIONS, NULL, escalations_view, NULL, o);
    } else if (strcmp(p, "/api/v1/asm") == 0) {
        const char *tenant = arg(rq, "tenant");
        if (!tenant)
            tenant = x->user.tenant;
        view(x, MM_RES_ASM, tenant, asm_view, tenant, o);
    } else {
        return false;
    }
    return true;
}

/* ---- the ★ self-assessment (scs-self.c) ----------------------------------
 * The SME answers, its provider may look, nobody else: decided by the
 * access table (MM_RES_SCS_SELF / MM_RES_SCS_ANSWER). */

static void scs_fail(mm_hub_http_resp *o, mm_rc rc, const mm_err *err)
{
    unsigned st = rc == MM_EINVAL || rc == MM_EPARSE ? 400
                  : rc == MM_ELIMIT                  ? 413
                  : rc == MM_ENOTFOUND               ? 404
                  : rc == MM_EINTERNAL               ? 501
                                                     : 500;
    fail(o, st, err->msg[0] ? err->msg : "the self-assessment failed");
}

/* GET answers / assessment of `tenant` under the lock. */
static void scs_self_read(ctx *x, const char *tenant, bool answers,
                          int64_t now, mm_hub_http_resp *o)
{
    mm_err err;
    memset(&err, 0, sizeof err);
    mm_rc rc = MM_OK;
    lock(x->cs);
    mm_hub_decision d = may(x, MM_RES_SCS_SELF, tenant);
    if (d == MM_ACCESS_ALLOW && answers) {
        mm_tenant t;
        memset(&t, 0, sizeof t);
        (void)mm_hub_admin_tenant_get(x->cs->st, tenant, &t, &err);
        rc = mm_hub_scs_answers_get(x->cs->st, tenant, t.name, now, &o->body,
                                    &err);
    } else if (d == MM_ACCESS_ALLOW) {
        rc = mm_hub_scs_self_assess(x->cs->st, x->cs->dir, tenant, now,
                                    &o->body, &err);
    }
    unlock(x->cs);
    if (d != MM_ACCESS_ALLOW)
        return fail_access(o, d);
    if (rc != MM_OK)
        return scs_fail(o, rc, &err);
    o->status = 200;
}

/* One change of the SME's own ★ self-assessment (MM_RES_SCS_ANSWER):
 * `fn` in a transaction under the lock, then synced; *d gets the access
 * decision. */
typedef mm_rc (*scs_write_fn)(ctx *x, const char *tenant,
                              const mm_hub_http_req *rq, int64_t now,
                              void *arg, mm_err *err);

static mm_rc scs_write(ctx *x, const char *tenant, scs_write_fn fn,
                       const mm_hub_http_req *rq, int64_t now, void *arg,
                       mm_hub_decision *d, mm_err *err)
{
    mm_store *st = x->cs->st;
    mm_rc rc = MM_OK;
    memset(err, 0, sizeof *err);
    lock(x->cs);
    *d = may(x, MM_RES_SCS_ANSWER, tenant);
    if (*d == MM_ACCESS_ALLOW && (rc = mm_store_begin(st, err)) == MM_OK) {
        rc = fn(x, tenant, rq, now, arg, err);
        rc = mm_store_end(st, rc, err);
    }
    unlock(x->cs);
    if (*d == MM_ACCESS_ALLOW && rc == MM_OK)
        rc = mm_store_sync(st, err);
    return rc;
}

static mm_rc put_answers(ctx *x, const char *tenant, const mm_hub_http_req *rq,
                         int64_t now, void *arg, mm_err *err)
{
    (void)arg;
    return mm_hub_scs_answers_put(x->cs->st, tenant, rq->body, rq->body_len,
                                  x->user.name, now, err);
}

static void scs_self_put(ctx *x, const char *tenant, const mm_hub_http_req *rq,
                         int64_t now, mm_hub_http_resp *o)
{
    mm_err err;
    mm_hub_decision d;
    mm_rc rc = scs_write(x, tenant, put_answers, rq, now, NULL, &d, &err);
    if (d != MM_ACCESS_ALLOW)
        return fail_access(o, d);
    if (rc != MM_OK)
        return scs_fail(o, rc, &err);
    o->status = 200;
    mm_buf_puts(&o->body, "{\"saved\":true}");
}

/* /api/v1/scs/questions|answers|assessment; true when it answered. */
static bool route_scs_self(ctx *x, const mm_hub_http_req *rq, int64_t now,
                           mm_hub_http_resp *o)
{
    const char *p = rq->path, *m = rq->method;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    const char *tenant = arg(rq, "tenant");
    if (!tenant)
        tenant = x->user.tenant;
    if (strcmp(p, "/api/v1/scs/questions") == 0 && get) {
        /* the catalogue's wording: public, for any account */
        const char *lv = arg(rq, "level");
        mm_err err;
        memset(&err, 0, sizeof err);
        mm_rc rc = mm_hub_scs_questions(lv ? mm_scs_level_parse(lv) : 0,
                                        &o->body, &err);
        if (rc != MM_OK)
            scs_fail(o, rc, &err);
        else
            o->status = 200;
    } else if (strcmp(p, "/api/v1/scs/answers") == 0 && get) {
        scs_self_read(x, tenant, true, now, o);
    } else if (strcmp(p, "/api/v1/scs/answers") == 0 &&
               strcmp(m, "PUT") == 0) {
        scs_self_put(x, tenant, rq, now, o);
    } else if (strcmp(p, "/api/v1/scs/assessment") == 0 && get) {
        scs_self_read(x, tenant, false, now, o);
    } else if (strncmp(p, "/api/v1/scs/", 12) == 0) {
        fail(o, 405, "use GET (answers: GET or PUT)");
    } else {
        return false;
    }
    return true;
}

/* ---- the expert directory and sending to an expert ----------------------
 * The directory is public (any logged-in account, as GET
 * /api/v1/scs/experts is to any tenant); sending the saved self-assessment
 * is the SME's own act (MM_RES_SCS_ANSWER). */

static void get_experts(ctx *x, const mm_hub_http_req *rq, int64_t now,
                        mm_hub_http_resp *o)
{
    mm_err err;
    memset(&err, 0, sizeof err);
    lock(x->cs);
    mm_rc rc = mm_hub_registry_find(x->cs->st, MM_HUB_REG_EXPERT,
                                    (now / 1000 + 9 * 3600) / 86400,
                                    arg(rq, "region"), arg(rq, "industry"),
                                    arg(rq, "theme"), &o->body, &err);
    unlock(x->cs);
    if (rc != MM_OK)
        return fail(o, 500, err.msg);
    o->status = 200;
}

typedef struct send_arg {
    const char *regno;
    mm_hub_scs_request r;
} send_arg;

static mm_rc send_fn(ctx *x, const char *tenant, const mm_hub_http_req *rq,
                     int64_t now, void *arg, mm_err *err)
{
    send_arg *a = arg;
    return mm_hub_scs_self_send(x->cs->st, x->cs->dir, tenant, a->regno,
                                rq->body, rq->body_len, now, &a->r, err);
}

static void send_to_expert(ctx *x, const char *regno,
                           const mm_hub_http_req *rq, int64_t now,
                           mm_hub_http_resp *o)
{
    mm_err err;
    mm_hub_decision d;
    send_arg a = {.regno = regno};
    mm_rc rc = scs_write(x, x->user.tenant, send_fn, rq, now, &a, &d, &err);
    const mm_hub_scs_request *r = &a.r;
    if (d != MM_ACCESS_ALLOW)
        return fail_access(o, d);
    if (rc != MM_OK)
        return fail(o,
                    rc == MM_ENOTFOUND                   ? 404
                    : rc == MM_ELIMIT                    ? 429
                    : rc == MM_EINVAL || rc == MM_EPARSE ? 400
                                                         : 500,
                    err.msg[0] ? err.msg : "the request failed");
    o->status = 201;
    mm_buf_printf(&o->body, "{\"id\":%lld,\"expert\":", (long long)r->id);
    mm_buf_json_str(&o->body, r->expert, strlen(r->expert));
    mm_buf_printf(&o->body, ",\"state\":\"%s\",\"achieved\":",
                  mm_hub_scs_request_state(r->state));
    mm_buf_json_str(&o->body, r->achieved, strlen(r->achieved));
    mm_buf_puts(&o->body, "}");
}

/* GET /api/v1/experts, POST /api/v1/experts/{regno}/request. */
static bool route_experts(ctx *x, const mm_hub_http_req *rq, int64_t now,
                          mm_hub_http_resp *o)
{
    const char *p = rq->path, *m = rq->method;
    static const char pre[] = "/api/v1/experts/";
    char regno[8];
    int used = 0;
    if (strcmp(p, "/api/v1/experts") == 0) {
        if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
            get_experts(x, rq, now, o);
        else
            fail(o, 405, "use GET");
    } else if (strncmp(p, pre, sizeof pre - 1) == 0 &&
               sscanf(p + sizeof pre - 1, "%7[0-9]/request%n", regno, &used) ==
                   1 &&
               used > 0 && p[sizeof pre - 1 + (size_t)used] == '\0') {
        if (strcmp(m, "POST") == 0)
            send_to_expert(x, regno, rq, now, o);
        else
            fail(o, 405, "use POST");
    } else {
        return false;
    }
    return true;
}

/* ---- the router ----------------------------------------------------------
 */

static bool is_write(const char *m)
{
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 ||
           strcmp(m, "DELETE") == 0 || strcmp(m, "PATCH") == 0;
}

/* "/api/v1/alerts/123" → 123; false for anything else. */
static bool path_id(const char *path, const char *prefix, int64_t *id)
{
    size_t n = strlen(prefix);
    return strncmp(path, prefix, n) == 0 && parse_u64(path + n, id) && *id > 0;
}

static void route(ctx *x, const mm_hub_http_req *rq, int64_t now,
                  mm_hub_http_resp *o)
{
    const char *p = rq->path, *m = rq->method;
    bool get = strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0;
    int64_t id;
    if (strcmp(p, "/api/v1/session") == 0) {
        if (get) {
            o->status = 200;
            session_body(&o->body, &x->user, x->sess.csrf);
        } else if (strcmp(m, "DELETE") == 0) {
            logout(x, rq, o);
        } else {
            fail(o, 405, "use GET, POST or DELETE");
        }
    } else if (strcmp(p, "/api/v1/tenants") == 0 && get) {
        get_tenants(x, o);
    } else if (strcmp(p, "/api/v1/alerts") == 0 && get) {
        get_alerts(x, rq, o);
    } else if (path_id(p, "/api/v1/alerts/", &id) && get) {
        get_alert(x, id, o);
    } else if (path_id(p, "/api/v1/alerts/", &id) && strcmp(m, "POST") == 0) {
        post_alert(x, id, rq, now, o);
    } else if (!route_cases(x, rq, now, o) && !route_views(x, rq, now, o) &&
               !route_scs_self(x, rq, now, o) &&
               !route_experts(x, rq, now, o)) {
        fail(o, 404, "no such endpoint");
    }
}

void mm_hub_console_handle(mm_hub_console *cs, const mm_hub_http_req *rq,
                           int64_t now_ms, mm_hub_http_resp *o)
{
    o->status = 500;
    o->set_cookie[0] = o->retry_after[0] = '\0';
    if (!cs->st->ops->session_get || !cs->st->ops->alert_list)
        return fail(o, 501, "this store has no console tables");
    if (strcmp(rq->path, "/api/v1/session") == 0 &&
        strcmp(rq->method, "POST") == 0)
        return login(cs, rq, now_ms, o);
    ctx x;
    memset(&x, 0, sizeof x);
    x.cs = cs;
    x.rel = (mm_hub_relations){rel_provides, rel_supplies, &x};
    lock(cs);
    bool ok = session_of(&x, rq, now_ms);
    unlock(cs);
    if (!ok)
        return fail(o, 401,
                    "ログインしてください（またはセッション切れ） / "
                    "log in first (or the session expired)");
    /* the cookie is sent by the browser on its own: a state change must
     * also prove it comes from our page */
    if (is_write(rq->method) &&
        (!rq->csrf_header || !mm_hub_str_equal(rq->csrf_header, x.sess.csrf)))
        return fail(o, 403,
                    "CSRF トークンがないか違います / missing or "
                    "wrong X-CSRF-Token");
    route(&x, rq, now_ms, o);
    ctx_free(&x);
}

/* ---- libmicrohttpd glue --------------------------------------------------
 */

typedef struct creq {
    mm_buf body;
    bool too_big;
} creq;

static const char *mhd_arg(void *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
}

static void client_text(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET,
                  &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
                  out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6,
                  &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                  out, (socklen_t)n);
}

static int send_resp(struct MHD_Connection *c, const mm_hub_http_resp *o)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(
        o->status == 204 ? 0 : o->body.len,
        (void *)(o->body.data ? o->body.data : ""), MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type",
                            o->ctype ? o->ctype : "application/json");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (o->set_cookie[0])
        MHD_add_response_header(r, "Set-Cookie", o->set_cookie);
    if (o->retry_after[0])
        MHD_add_response_header(r, "Retry-After", o->retry_after);
    int ret = MHD_queue_response(c, o->status, r);
    MHD_destroy_response(r);
    return ret;
}

int mm_hub_console_mhd(mm_hub_console *cs, struct MHD_Connection *c,
                       const char *url, const char *method, const char *upload,
                       size_t *upload_size, void **state)
{
    creq *r = *state;
    if (!r) {
        if (!(r = calloc(1, sizeof *r)))
            return MHD_NO;
        mm_buf_init(&r->body, BODY_MAX);
        *state = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_big &&
            mm_buf_append(&r->body, upload, *upload_size) != MM_OK)
            r->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    char addr[64];
    client_text(c, addr, sizeof addr);
    mm_hub_http_req rq = {
        .method = method,
        .path = url,
        .body = r->body.data,
        .body_len = r->body.len,
        .cookie_session =
            MHD_lookup_connection_value(c, MHD_COOKIE_KIND, COOKIE),
        .csrf_header =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token"),
        .client_addr = addr,
        .arg = mhd_arg,
        .arg_ctx = c,
    };
    mm_hub_http_resp o;
    memset(&o, 0, sizeof o);
    mm_buf_init(&o.body, RESP_MAX);
    if (r->too_big)
        fail(&o, 413, "body larger than 64 KiB");
    else
        mm_hub_console_handle(cs, &rq, mm_now_ms(), &o);
    int ret = send_resp(c, &o);
    mm_buf_free(&o.body);
    return ret;
}

void mm_hub_console_mhd_done(void *state)
{
    creq *r = state;
    if (r) {
        mm_buf_free(&r->body);
        free(r);
    }
}
