/* SPDX-License-Identifier: Apache-2.0 */
/* tokens.c — bearer tokens with scopes, expiry, revocation, rotation and a
 * last-used time (issue 12): the checks the server makes per request, the
 * operations of `mamori hub token …` and the admin API. Rows live in the
 * store (mm_store_ops token_*); the secret itself is never stored, only its
 * SHA-256. */
#include "hub-int.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    unsigned bit;
} scope_names[] = {
    {"upload", MM_SCOPE_UPLOAD}, {"feed", MM_SCOPE_FEED},
    {"read", MM_SCOPE_READ},     {"metrics", MM_SCOPE_METRICS},
    {"admin", MM_SCOPE_ADMIN},
};
#define N_SCOPES (sizeof scope_names / sizeof scope_names[0])

bool mm_hub_scopes_parse(const char *s, unsigned *out)
{
    unsigned bits = 0;
    const char *p = s;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        unsigned bit = 0;
        for (size_t i = 0; i < N_SCOPES; i++)
            if (strlen(scope_names[i].name) == n &&
                strncmp(scope_names[i].name, p, n) == 0)
                bit = scope_names[i].bit;
        if (!bit || (e && !e[1]))
            return false;
        bits |= bit;
        p = e ? e + 1 : NULL;
    }
    *out = bits;
    return bits != 0;
}

void mm_hub_scopes_format(unsigned scopes, char *out, size_t outlen)
{
    size_t l = 0;
    out[0] = '\0';
    for (size_t i = 0; i < N_SCOPES && l < outlen; i++)
        if (scopes & scope_names[i].bit)
            l += (size_t)snprintf(out + l, outlen - l, "%s%s", l ? "," : "",
                                  scope_names[i].name);
}

bool mm_hub_expiry_parse(const char *s, int64_t *out_ms)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 ||
        sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 || y < 2000 ||
        y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return false;
    int64_t start = mm_time_from_civil(y, m, d, 0, 0, 0) * 1000;
    /* reject 2027-02-31 and the like: the day must round-trip */
    char back[32];
    mm_time_format(start, back, sizeof back);
    if (strncmp(back, s, 10) != 0)
        return false;
    *out_ms = start + 86400000LL;
    return true;
}

/* The row of a new secret for `tenant`. */
static void token_make(const char *tenant, unsigned scopes, int64_t expires,
                       int64_t now, char *secret, size_t secretlen,
                       mm_token *t)
{
    memset(t, 0, sizeof *t);
    mm_hub_token_new(secret, secretlen);
    mm_hub_token_hash(secret, strlen(secret), t->hash, sizeof t->hash);
    snprintf(t->id, sizeof t->id, "tk_%.16s", t->hash);
    snprintf(t->tenant, sizeof t->tenant, "%s", tenant);
    t->scopes = scopes;
    t->created_ms = now;
    t->expires_ms = expires;
}

static mm_rc no_tokens(mm_err *err)
{
    return mm_err_set(err, MM_EINVAL, "<store>", 0,
                      "this store has no token table");
}

/* ud: int64_t[2] = {now, count of live tokens}. */
static mm_rc count_live(const mm_token *t, void *ud)
{
    int64_t *v = ud;
    v[1] += !t->revoked_ms && (!t->expires_ms || t->expires_ms > v[0]);
    return MM_OK;
}

mm_rc mm_hub_token_add(mm_store *st, const char *tenant, unsigned scopes,
                       int64_t expires_ms, int64_t now_ms, char *secret,
                       size_t secretlen, mm_token *out, mm_err *err)
{
    if (!st->ops->token_put)
        return no_tokens(err);
    if (!scopes || (scopes & ~MM_SCOPE_ALL))
        return mm_err_set(err, MM_EINVAL, "<token>", 0,
                          "scopes: one or more of "
                          "upload,feed,read,metrics,admin");
    mm_rc rc = mm_hub_admin_tenant_get(st, tenant, NULL, err);
    if (rc != MM_OK)
        return rc;
    int64_t live[2] = {now_ms, 0};
    rc = st->ops->token_list(st, tenant, count_live, live, err);
    if (rc != MM_OK)
        return rc;
    if (live[1] >= (int64_t)MM_TOKEN_PER_TENANT_MAX)
        return mm_err_set(err, MM_ELIMIT, tenant, 0,
                          "%u live tokens already; revoke one first",
                          MM_TOKEN_PER_TENANT_MAX);
    mm_token t;
    token_make(tenant, scopes, expires_ms, now_ms, secret, secretlen, &t);
    rc = st->ops->token_put(st, &t, err);
    if (rc == MM_OK && out)
        *out = t;
    return rc;
}

mm_rc mm_hub_token_revoke(mm_store *st, const char *id, int64_t now_ms,
                          mm_err *err)
{
    if (!st->ops->token_get)
        return no_tokens(err);
    mm_token t;
    mm_rc rc = st->ops->token_get(st, NULL, id, &t, err);
    if (rc != MM_OK)
        return rc;
    if (!t.revoked_ms)
        t.revoked_ms = now_ms;
    return st->ops->token_put(st, &t, err);
}

mm_rc mm_hub_token_rotate(mm_store *st, const char *id, int64_t now_ms,
                          char *secret, size_t secretlen, mm_token *out,
                          mm_err *err)
{
    if (!st->ops->token_get)
        return no_tokens(err);
    mm_token old, t;
    mm_rc rc = st->ops->token_get(st, NULL, id, &old, err);
    if (rc != MM_OK)
        return rc;
    if (old.revoked_ms)
        return mm_err_set(err, MM_EINVAL, id, 0,
                          "the token is revoked; add a new one instead");
    token_make(old.tenant, old.scopes, old.expires_ms, now_ms, secret,
               secretlen, &t);
    old.revoked_ms = now_ms;
    rc = mm_store_begin(st, err);
    if (rc != MM_OK)
        return rc;
    rc = st->ops->token_put(st, &t, err);
    if (rc == MM_OK)
        rc = st->ops->token_put(st, &old, err);
    rc = mm_store_end(st, rc, err);
    if (rc == MM_OK && out)
        *out = t;
    return rc;
}

unsigned mm_hub_token_check(mm_store *st, const char *secret, size_t len,
                            unsigned need, bool any, int64_t now_ms,
                            mm_token *out)
{
    if (!st->ops->token_get || len == 0 || len > 256)
        return 401;
    char hash[65];
    mm_err err;
    mm_hub_token_hash(secret, len, hash, sizeof hash);
    mm_rc rc = st->ops->token_get(st, hash, NULL, out, &err);
    if (rc != MM_OK) /* a store that cannot answer is not a bad token */
        return rc == MM_ENOTFOUND ? 401 : 500;
    if (out->revoked_ms || (out->expires_ms && now_ms >= out->expires_ms))
        return 401;
    bool ok = any ? (out->scopes & need) != 0 : (out->scopes & need) == need;
    if (!ok)
        return 403;
    if (now_ms - out->last_used_ms >= MM_TOKEN_TOUCH_MS &&
        st->ops->token_touch(st, out->id, now_ms, &err) == MM_OK)
        out->last_used_ms = now_ms;
    return 200;
}

/* ---- listing ---------------------------------------------------------- */

static void put_time(mm_buf *b, const char *key, int64_t ms)
{
    char t[32];
    mm_buf_printf(b, ",\"%s\":", key);
    if (!ms) {
        mm_buf_puts(b, "null");
        return;
    }
    mm_time_format(ms, t, sizeof t);
    mm_buf_printf(b, "\"%s\"", t);
}

/* One token as JSON (never the hash: it would let a reader test guesses). */
static void token_json(mm_buf *b, const mm_token *t)
{
    char sc[64];
    mm_hub_scopes_format(t->scopes, sc, sizeof sc);
    mm_buf_printf(b, "{\"id\":\"%s\",\"tenant\":", t->id);
    mm_buf_json_str(b, t->tenant, strlen(t->tenant));
    mm_buf_printf(b, ",\"scopes\":\"%s\"", sc);
    put_time(b, "created", t->created_ms);
    put_time(b, "expires", t->expires_ms);
    put_time(b, "revoked", t->revoked_ms);
    put_time(b, "last_used", t->last_used_ms);
    mm_buf_puts(b, "}");
}

/* ud: the mm_buf, which ends in '[' before the first token. */
static mm_rc list_one(const mm_token *t, void *ud)
{
    mm_buf *b = ud;
    if (b->len && b->data[b->len - 1] == '}')
        mm_buf_puts(b, ",");
    token_json(b, t);
    return MM_OK;
}

mm_rc mm_hub_token_list_json(mm_store *st, const char *tenant, mm_buf *out,
                             mm_err *err)
{
    if (!st->ops->token_list)
        return no_tokens(err);
    mm_buf_puts(out, "{\"tokens\":[");
    mm_rc rc = st->ops->token_list(st, tenant, list_one, out, err);
    mm_buf_puts(out, "]}");
    return rc;
}

/* ---- the admin API ------------------------------------------------------ */

static void http_error(unsigned code, const char *msg, unsigned *status,
                       mm_buf *out)
{
    *status = code;
    mm_buf_reset(out);
    mm_buf_puts(out, "{\"error\":");
    mm_buf_json_str(out, msg, strlen(msg));
    mm_buf_puts(out, "}");
}

static unsigned status_of(mm_rc rc)
{
    return rc == MM_ENOTFOUND ? 404
           : rc == MM_EINVAL  ? 400
           : rc == MM_ELIMIT  ? 409
                              : 500;
}

/* A made or rotated token: the secret is in this reply only. */
static void reply_secret(const mm_token *t, const char *secret, mm_buf *out)
{
    mm_buf_printf(out, "{\"token\":\"%s\",\"info\":", secret);
    token_json(out, t);
    mm_buf_puts(out, "}");
}

/* POST /api/v1/admin/tokens {"tenant":…,"scopes":"upload,feed",
 * "expires":"YYYY-MM-DD"} */
static void http_add(mm_store *st, const char *body, size_t len, int64_t now,
                     unsigned *status, mm_buf *out)
{
    json_error_t je;
    json_t *o = json_loadb(body ? body : "", len, JSON_REJECT_DUPLICATES, &je);
    const char *tenant = json_string_value(json_object_get(o, "tenant"));
    const char *sc = json_string_value(json_object_get(o, "scopes"));
    const char *ex = json_string_value(json_object_get(o, "expires"));
    unsigned scopes = 0;
    int64_t expires = 0;
    if (!tenant || !mm_hub_id_valid(tenant))
        http_error(400, "body needs \"tenant\": a tenant id", status, out);
    else if (!sc || !mm_hub_scopes_parse(sc, &scopes))
        http_error(400,
                   "body needs \"scopes\": upload,feed,read,metrics,admin",
                   status, out);
    else if (ex && !mm_hub_expiry_parse(ex, &expires))
        http_error(400, "\"expires\" must be a date YYYY-MM-DD", status, out);
    else {
        char secret[80];
        mm_token t;
        mm_err err;
        mm_rc rc = mm_hub_token_add(st, tenant, scopes, expires, now, secret,
                                    sizeof secret, &t, &err);
        if (rc != MM_OK) {
            http_error(status_of(rc), err.msg, status, out);
        } else {
            *status = 201;
            reply_secret(&t, secret, out);
        }
    }
    json_decref(o);
}

/* POST /api/v1/admin/tokens/ID/revoke and …/rotate */
static void http_change(mm_store *st, const char *rest, int64_t now,
                        unsigned *status, mm_buf *out)
{
    char id[20];
    const char *sl = strchr(rest, '/');
    size_t n = sl ? (size_t)(sl - rest) : 0;
    if (!sl || n == 0 || n >= sizeof id) {
        http_error(404, "no such endpoint", status, out);
        return;
    }
    memcpy(id, rest, n);
    id[n] = '\0';
    mm_err err;
    mm_rc rc;
    if (strcmp(sl, "/revoke") == 0) {
        rc = mm_hub_token_revoke(st, id, now, &err);
        if (rc == MM_OK) {
            *status = 200;
            mm_buf_printf(out, "{\"revoked\":\"%s\"}", id);
        }
    } else if (strcmp(sl, "/rotate") == 0) {
        char secret[80];
        mm_token t;
        rc = mm_hub_token_rotate(st, id, now, secret, sizeof secret, &t, &err);
        if (rc == MM_OK) {
            *status = 200;
            reply_secret(&t, secret, out);
        }
    } else {
        http_error(404, "no such endpoint", status, out);
        return;
    }
    if (rc != MM_OK)
        http_error(status_of(rc), err.msg, status, out);
}

void mm_hub_token_http(mm_store *st, const char *method, const char *url,
                       const char *tenant_arg, const char *body, size_t len,
                       int64_t now_ms, unsigned *status, mm_buf *out)
{
    static const char base[] = "/api/v1/admin/tokens";
    size_t bl = sizeof base - 1;
    bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;
    if (strncmp(url, base, bl) != 0 || (url[bl] && url[bl] != '/')) {
        http_error(404, "no such endpoint", status, out);
    } else if (!url[bl] && get) {
        if (tenant_arg && !mm_hub_id_valid(tenant_arg)) {
            http_error(400, "tenant: a tenant id", status, out);
            return;
        }
        mm_err err;
        mm_rc rc = mm_hub_token_list_json(st, tenant_arg, out, &err);
        *status = rc == MM_OK ? 200 : 500;
        if (rc != MM_OK)
            http_error(500, err.msg, status, out);
    } else if (!url[bl] && post) {
        http_add(st, body, len, now_ms, status, out);
    } else if (url[bl] == '/' && post) {
        http_change(st, url + bl + 1, now_ms, status, out);
    } else {
        http_error(405, "use GET to list, POST to add, revoke or rotate",
                   status, out);
    }
}
