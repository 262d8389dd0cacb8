/* SPDX-License-Identifier: Apache-2.0 */
/* batch.c — decode and validate an uploaded batch (zstd with a cap, NDJSON,
 * every line checked before anything is stored): a zero-copy fast path for
 * the common line, jansson for everything else and for every error. */
#include "hub-int.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

/* Decompresses with a hard cap: more than `cap` bytes of output is
 * MM_ELIMIT, whatever the frame header claims. */
static mm_rc unzstd(const void *in, size_t inlen, size_t cap, char **out,
                    size_t *outlen, mm_err *err)
{
    ZSTD_DStream *ds = ZSTD_createDStream();
    if (!ds)
        return mm_err_set(err, MM_ENOMEM, "<body>", 0, "out of memory");
    size_t bufcap = inlen * 4 + 4096;
    if (bufcap > cap + 1)
        bufcap = cap + 1;
    char *buf = malloc(bufcap + 1);
    mm_rc rc = MM_OK;
    if (!buf) {
        ZSTD_freeDStream(ds);
        return mm_err_set(err, MM_ENOMEM, "<body>", 0, "out of memory");
    }
    ZSTD_initDStream(ds);
    ZSTD_inBuffer ib = {in, inlen, 0};
    ZSTD_outBuffer ob = {buf, bufcap, 0};
    for (;;) {
        size_t r = ZSTD_decompressStream(ds, &ob, &ib);
        if (ZSTD_isError(r)) {
            rc = mm_err_set(err, MM_EPARSE, "<body>", 0, "bad zstd data: %s",
                            ZSTD_getErrorName(r));
            break;
        }
        if (r == 0 && ib.pos == ib.size)
            break; /* every frame complete, all input used */
        if (ob.pos == ob.size) {
            if (ob.size > cap) {
                rc = mm_err_set(err, MM_ELIMIT, "<body>", 0,
                                "batch larger than %u bytes after "
                                "decompression",
                                MM_HUB_BATCH_MAX_BYTES);
                break;
            }
            size_t nc = ob.size * 2;
            if (nc > cap + 1)
                nc = cap + 1;
            char *nb = realloc(buf, nc + 1);
            if (!nb) {
                rc = mm_err_set(err, MM_ENOMEM, "<body>", 0, "out of memory");
                break;
            }
            buf = nb;
            ob.dst = buf;
            ob.size = nc;
        } else if (ib.pos == ib.size) {
            rc =
                mm_err_set(err, MM_EPARSE, "<body>", 0, "truncated zstd data");
            break;
        }
    }
    if (rc == MM_OK && ob.pos > cap)
        rc = mm_err_set(err, MM_ELIMIT, "<body>", 0,
                        "batch larger than %u bytes after decompression",
                        MM_HUB_BATCH_MAX_BYTES);
    ZSTD_freeDStream(ds);
    if (rc != MM_OK) {
        free(buf);
        return rc;
    }
    buf[ob.pos] = '\0';
    *out = buf;
    *outlen = ob.pos;
    return MM_OK;
}

static const char *get_str(json_t *obj, const char *k1, const char *k2,
                           size_t *len)
{
    json_t *v = json_object_get(obj, k1);
    if (k2) {
        if (!json_is_object(v))
            return NULL;
        v = json_object_get(v, k2);
    }
    if (!json_is_string(v))
        return NULL;
    *len = json_string_length(v);
    return json_string_value(v);
}

static bool has_member(json_t *obj, const char *k1, const char *k2)
{
    json_t *v = json_object_get(obj, k1);
    return v && (!k2 || (json_is_object(v) && json_object_get(v, k2)));
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int severity_of(json_t *ev)
{
    json_t *v = json_object_get(ev, "severity");
    if (json_is_integer(v)) {
        json_int_t x = json_integer_value(v);
        return x < 0 ? 0 : x > 4 ? 4 : (int)x;
    }
    if (json_is_string(v)) {
        static const char *const n[] = {"low", "medium", "high", "critical"};
        for (int i = 0; i < 4; i++)
            if (strcmp(json_string_value(v), n[i]) == 0)
                return i + 1;
    }
    return 0;
}

/* A source.domain / destination.domain value (1 byte or more): true when
 * it is a DNS name (one trailing dot allowed and dropped); the first valid
 * one is kept, lower-cased, in e->domain. */
static bool domain_take(const char *s, size_t n, mm_hub_event *e)
{
    if (n > 1 && s[n - 1] == '.')
        n--;
    if (!mm_hub_valid_domain(s, n))
        return false;
    if (e->domain[0])
        return true;
    for (size_t i = 0; i < n; i++)
        e->domain[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
    e->domain[n] = '\0';
    return true;
}

/* user.name as a string, or every string in it as an array */
static bool names_ok(json_t *names)
{
    if (json_is_string(names))
        return mm_hub_valid_name(json_string_value(names),
                                 json_string_length(names));
    size_t i;
    json_t *x;
    json_array_foreach(names, i, x)
    {
        if (json_is_string(x) &&
            !mm_hub_valid_name(json_string_value(x), json_string_length(x)))
            return false;
    }
    return true;
}

/* A refused line of a batch: "line N: " and what is wrong with it. */
static mm_rc bad_line(mm_err *err, unsigned lineno, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static mm_rc bad_line(mm_err *err, unsigned lineno, const char *fmt, ...)
{
    char what[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return mm_err_set(err, MM_EPARSE, "<body>", lineno, "line %u: %s", lineno,
                      what);
}

/* Validates one line into `e`. Returns MM_OK or MM_EPARSE with err->msg. */
static mm_rc decode_line(const char *line, size_t len, unsigned lineno,
                         mm_hub_event *e, mm_err *err)
{
    json_error_t je;
    json_t *o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    mm_rc rc = MM_OK;
    size_t n;
    const char *s;
    memset(e, 0, sizeof *e);
    e->json = line;
    e->json_len = len;
    if (!o)
        return bad_line(err, lineno, "invalid JSON: %s", je.text);
    if (!json_is_object(o)) {
        rc = bad_line(err, lineno, "not a JSON object");
        goto out;
    }
    json_t *ev = json_object_get(o, "event");
    if (!json_is_object(ev)) {
        rc = bad_line(err, lineno, "missing \"event\" object");
        goto out;
    }
    s = get_str(o, "event", "id", &n);
    if (!s || n == 0 || n > MM_HUB_EVENT_ID_MAX || strlen(s) != n) {
        rc = bad_line(err, lineno, "event.id must be a string of 1..%u bytes",
                      MM_HUB_EVENT_ID_MAX);
        goto out;
    }
    memcpy(e->id, s, n + 1);
    s = get_str(o, "event", "kind", &n);
    if (!s || (strcmp(s, "alert") != 0 && strcmp(s, "event") != 0)) {
        rc =
            bad_line(err, lineno, "event.kind must be \"alert\" or \"event\"");
        goto out;
    }
    e->alert = s[0] == 'a';
    e->severity = severity_of(ev);
    s = get_str(o, "@timestamp", NULL, &n);
    if (!s || mm_hub_parse_time(s, n, &e->ts_ms) != MM_OK) {
        rc = bad_line(err, lineno, "@timestamp must be an RFC 3339 time");
        goto out;
    }
    s = get_str(o, "rule", "id", &n);
    if (s) {
        if (!mm_hub_valid_rule_id(s, n)) {
            rc = bad_line(err, lineno,
                          "rule.id must be 1..128 bytes of [a-z0-9._-]");
            goto out;
        }
        memcpy(e->rule_id, s, n + 1);
    } else if (e->alert || has_member(o, "rule", "id")) {
        rc = bad_line(err, lineno, "an alert needs rule.id (a string)");
        goto out;
    }
    s = get_str(o, "source", "ip", &n);
    if (s) {
        if (mm_addr_parse(s, n, &e->src) != MM_OK) {
            rc = bad_line(err, lineno, "source.ip is not an IP address");
            goto out;
        }
        /* formatted here, in the HTTP thread, not under the store lock */
        mm_addr_format(&e->src, e->src_text, sizeof e->src_text);
    } else if (has_member(o, "source", "ip")) {
        rc = bad_line(err, lineno, "source.ip must be a string");
        goto out;
    }
    static const char *const dom_obj[2] = {"source", "destination"};
    for (int k = 0; k < 2; k++) {
        s = get_str(o, dom_obj[k], "domain", &n);
        if (!s || n == 0)
            continue;
        if (!domain_take(s, n, e)) {
            rc = bad_line(err, lineno, "%s.domain is not a DNS name",
                          dom_obj[k]);
            goto out;
        }
    }
    s = get_str(o, "url", "path", &n);
    if (s && n > 0) {
        if (!mm_hub_valid_path(s, n)) {
            rc = bad_line(err, lineno,
                          "url.path must be 1..2048 bytes of "
                          "printable ASCII without space");
            goto out;
        }
        if (n >= sizeof e->path)
            n = sizeof e->path - 1;
        memcpy(e->path, s, n);
        e->path[n] = '\0';
    }
    s = get_str(o, "observer", "tenant", &n);
    if (s) {
        if (n > MM_HUB_ID_MAX || strlen(s) != n) {
            rc = bad_line(err, lineno, "observer.tenant too long");
            goto out;
        }
        memcpy(e->observer_tenant, s, n + 1);
    }
    /* the set of tried user names: user.name as a string or an array */
    json_t *user = json_object_get(o, "user");
    json_t *names =
        json_is_object(user) ? json_object_get(user, "name") : NULL;
    if (!names_ok(names)) {
        rc = bad_line(err, lineno,
                      "user.name must be 0..256 bytes of "
                      "printable UTF-8");
        goto out;
    }
    if (json_is_array(names)) {
        const char *v[MM_HUB_USERS_MAX] = {0};
        size_t k = 0, i;
        json_t *x;
        json_array_foreach(names, i, x)
        {
            if (json_is_string(x) && k < MM_HUB_USERS_MAX)
                v[k++] = json_string_value(x);
        }
        qsort(v, k, sizeof v[0], cmp_str);
        uint64_t h = 0x6d616d6f7269ULL;
        unsigned distinct = 0;
        for (i = 0; i < k; i++) {
            if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
                continue;
            distinct++;
            h = mm_hash64(v[i], strlen(v[i]), h);
        }
        e->n_users = distinct;
        e->users_hash = distinct >= 2 ? h : 0;
    }
out:
    json_decref(o);
    return rc;
}

/* ---- the fast path: a bounded, zero-copy JSON checker/extractor ----------
 *
 * It accepts a line only when jansson (json_loadb, JSON_REJECT_DUPLICATES)
 * would accept it too and every field the hub reads is a plain value it can
 * take as is; then it fills the event exactly as decode_line does. Anything
 * else (a \u escape, an escape inside a field the hub reads, an exponent, a
 * long number, deep nesting, many keys in one object, invalid input, a line
 * the hub rejects) returns false and the line goes through decode_line,
 * which gives the same answer and the same error text as before. */

/* what a value is, as far as the hub cares */
enum { FT_NONE = 0, FT_STR, FT_INT, FT_OBJ, FT_OTHER };

/* fields the hub reads */
enum {
    F_EVENT,
    F_TS,
    F_RULE,
    F_SOURCE,
    F_DEST,
    F_URL,
    F_OBSERVER,
    F_USER,
    F_EV_ID,
    F_EV_KIND,
    F_EV_SEV,
    F_RULE_ID,
    F_SRC_IP,
    F_SRC_DOMAIN,
    F_DST_DOMAIN,
    F_URL_PATH,
    F_OBS_TENANT,
    F_USER_NAME,
    F_N
};

/* parent object → field of interest (F_N = top level object) */
#define FAST_KEY(parent, key, field)                                          \
    {                                                                         \
        parent, key, field, sizeof key - 1                                    \
    }
static const struct {
    int parent;
    const char *key;
    int field;
    size_t len; /* strlen(key) */
} fast_keys[] = {
    FAST_KEY(F_N, "event", F_EVENT),
    FAST_KEY(F_N, "@timestamp", F_TS),
    FAST_KEY(F_N, "rule", F_RULE),
    FAST_KEY(F_N, "source", F_SOURCE),
    FAST_KEY(F_N, "destination", F_DEST),
    FAST_KEY(F_N, "url", F_URL),
    FAST_KEY(F_N, "observer", F_OBSERVER),
    FAST_KEY(F_N, "user", F_USER),
    FAST_KEY(F_EVENT, "id", F_EV_ID),
    FAST_KEY(F_EVENT, "kind", F_EV_KIND),
    FAST_KEY(F_EVENT, "severity", F_EV_SEV),
    FAST_KEY(F_RULE, "id", F_RULE_ID),
    FAST_KEY(F_SOURCE, "ip", F_SRC_IP),
    FAST_KEY(F_SOURCE, "domain", F_SRC_DOMAIN),
    FAST_KEY(F_DEST, "domain", F_DST_DOMAIN),
    FAST_KEY(F_URL, "path", F_URL_PATH),
    FAST_KEY(F_OBSERVER, "tenant", F_OBS_TENANT),
    FAST_KEY(F_USER, "name", F_USER_NAME),
};

#define FAST_DEPTH_MAX 32
#define FAST_KEYS_MAX 32

typedef struct fval {
    int type;      /* FT_* */
    const char *p; /* string bytes (no quotes) */
    size_t n;
    bool esc;  /* the string has an escape: not usable as is */
    int64_t i; /* FT_INT */
} fval;

typedef struct fast {
    const char *p, *end;
    fval f[F_N];
    bool names_array; /* user.name is an array */
    unsigned nnames;
    mm_span names[MM_HUB_USERS_MAX];
    bool names_esc;
    bool names_bad; /* a user.name string that is not a valid name */
} fast;

static void fast_ws(fast *x)
{
    while (x->p < x->end &&
           (*x->p == ' ' || *x->p == '\t' || *x->p == '\n' || *x->p == '\r'))
        x->p++;
}

/* Skips blanks, then takes the character `c` if it comes next. */
static bool fast_take(fast *x, char c)
{
    fast_ws(x);
    if (x->p >= x->end || *x->p != c)
        return false;
    x->p++;
    return true;
}

/* A string after its opening quote; strict UTF-8 as jansson checks it. */
static bool fast_string(fast *x, const char **s, size_t *n, bool *esc)
{
    const unsigned char *p = (const unsigned char *)x->p,
                        *end = (const unsigned char *)x->end;
    *s = x->p;
    *esc = false;
    for (;;) {
        if (p >= end)
            return false;
        unsigned c = *p;
        if (c == '"')
            break;
        if (c < 0x20)
            return false;
        if (c == '\\') {
            if (p + 1 >= end)
                return false;
            unsigned e = p[1];
            if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' &&
                e != 'n' && e != 'r' && e != 't')
                return false; /* \u (or invalid): jansson decides */
            *esc = true;
            p += 2;
            continue;
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        unsigned len, v;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            v = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            v = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            v = c & 0x07;
        } else {
            return false;
        }
        if ((size_t)(end - p) < len)
            return false;
        for (unsigned i = 1; i < len; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            v = (v << 6) | (p[i] & 0x3F);
        }
        if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
            v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return false;
        p += len;
    }
    *n = (size_t)((const char *)p - *s);
    x->p = (const char *)p + 1;
    return true;
}

/* A number: integers of up to 18 digits, reals without an exponent and of
 * at most 300 digits (jansson can take neither as an overflow). */
static bool fast_number(fast *x, fval *v)
{
    const char *p = x->p, *end = x->end;
    bool neg = false;
    if (p < end && *p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9')
        return false;
    const char *d0 = p;
    int64_t iv = 0;
    if (*p == '0') {
        p++;
    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            if (p - d0 >= 18)
                return false;
            iv = iv * 10 + (*p - '0');
            p++;
        }
    }
    bool real = false;
    if (p < end && *p == '.') {
        real = true;
        p++;
        const char *f0 = p;
        while (p < end && *p >= '0' && *p <= '9')
            p++;
        if (p == f0 || p - d0 > 300)
            return false;
    }
    if (p < end && (*p == 'e' || *p == 'E'))
        return false;
    if (p < end && *p >= '0' && *p <= '9')
        return false; /* a leading zero followed by digits */
    x->p = p;
    v->type = real ? FT_OTHER : FT_INT;
    v->i = neg ? -iv : iv;
    return true;
}

static bool fast_value(fast *x, unsigned depth, int field, fval *v);

static int fast_field(int parent, const char *k, size_t kn)
{
    for (size_t i = 0; i < sizeof fast_keys / sizeof *fast_keys; i++)
        if (fast_keys[i].parent == parent && fast_keys[i].len == kn &&
            memcmp(fast_keys[i].key, k, kn) == 0)
            return fast_keys[i].field;
    return -1;
}

/* An object after '{'; `self` is its field (F_N top level, -1 none). */
static bool fast_object(fast *x, unsigned depth, int self)
{
    mm_span keys[FAST_KEYS_MAX];
    unsigned nk = 0;
    if (fast_take(x, '}'))
        return true;
    for (;;) {
        if (!fast_take(x, '"'))
            return false;
        const char *k;
        size_t kn;
        bool esc;
        if (!fast_string(x, &k, &kn, &esc) || esc || nk == FAST_KEYS_MAX)
            return false;
        for (unsigned i = 0; i < nk; i++)
            if (keys[i].len == kn && memcmp(keys[i].p, k, kn) == 0)
                return false; /* a duplicate key: jansson rejects it */
        keys[nk++] = mm_span_make(k, kn);
        if (!fast_take(x, ':'))
            return false;
        fast_ws(x);
        int f = self >= 0 ? fast_field(self, k, kn) : -1;
        fval tmp;
        if (!fast_value(x, depth + 1, f, f >= 0 ? &x->f[f] : &tmp))
            return false;
        if (!fast_take(x, ','))
            return fast_take(x, '}');
    }
}

/* An array after '['; user.name's strings are collected like decode_line
 * does (the first MM_HUB_USERS_MAX strings). */
static bool fast_array(fast *x, unsigned depth, bool names)
{
    if (fast_take(x, ']'))
        return true;
    for (;;) {
        fast_ws(x);
        fval v;
        if (!fast_value(x, depth + 1, -1, &v))
            return false;
        if (names && v.type == FT_STR) {
            if (v.esc)
                x->names_esc = true;
            else if (!mm_hub_valid_name(v.p, v.n))
                x->names_bad = true;
            if (x->nnames < MM_HUB_USERS_MAX)
                x->names[x->nnames++] = mm_span_make(v.p, v.n);
        }
        if (!fast_take(x, ','))
            return fast_take(x, ']');
    }
}

static bool fast_lit(fast *x, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(x->end - x->p) < n || memcmp(x->p, lit, n) != 0)
        return false;
    x->p += n;
    return true;
}

static bool fast_value(fast *x, unsigned depth, int field, fval *v)
{
    memset(v, 0, sizeof *v);
    if (depth > FAST_DEPTH_MAX || x->p >= x->end)
        return false;
    char c = *x->p;
    if (c == '{') {
        x->p++;
        v->type = FT_OBJ;
        /* only fields that are parents in fast_keys look further down */
        return fast_object(x, depth,
                           field >= F_EVENT && field <= F_USER ? field : -1);
    }
    if (c == '[') {
        x->p++;
        v->type = FT_OTHER;
        if (field == F_USER_NAME)
            x->names_array = true;
        return fast_array(x, depth, field == F_USER_NAME);
    }
    if (c == '"') {
        x->p++;
        v->type = FT_STR;
        return fast_string(x, &v->p, &v->n, &v->esc);
    }
    if (c == '-' || (c >= '0' && c <= '9'))
        return fast_number(x, v);
    v->type = FT_OTHER;
    return fast_lit(x, "true") || fast_lit(x, "false") || fast_lit(x, "null");
}

static bool span_is(const fval *v, const char *s)
{
    size_t n = strlen(s);
    return v->n == n && memcmp(v->p, s, n) == 0;
}

/* a plain string field: present as a string without escapes */
static bool fast_str(const fast *x, int f)
{
    return x->f[f].type == FT_STR;
}

static int cmp_span(const void *a, const void *b)
{
    const mm_span *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* The fast path for one line: true with `e` filled exactly as decode_line
 * would, or false (then decode_line decides). */
static bool fast_line(const char *line, size_t len, mm_hub_event *e)
{
    fast x;
    memset(&x, 0, sizeof x);
    x.p = line;
    x.end = line + len;
    fast_ws(&x);
    if (x.p >= x.end || *x.p != '{')
        return false;
    x.p++;
    if (!fast_object(&x, 1, F_N))
        return false;
    fast_ws(&x);
    if (x.p != x.end)
        return false;
    /* every string the hub reads must be usable as is */
    for (int f = 0; f < F_N; f++)
        if (x.f[f].type == FT_STR && x.f[f].esc)
            return false;
    if (x.names_esc)
        return false;
    memset(e, 0, sizeof *e);
    e->json = line;
    e->json_len = len;
    if (x.f[F_EVENT].type != FT_OBJ)
        return false;
    const fval *v = &x.f[F_EV_ID];
    if (!fast_str(&x, F_EV_ID) || v->n == 0 || v->n > MM_HUB_EVENT_ID_MAX)
        return false;
    memcpy(e->id, v->p, v->n);
    v = &x.f[F_EV_KIND];
    if (!fast_str(&x, F_EV_KIND) ||
        !(span_is(v, "alert") || span_is(v, "event")))
        return false;
    e->alert = v->p[0] == 'a';
    v = &x.f[F_EV_SEV];
    if (v->type == FT_INT) {
        e->severity = v->i < 0 ? 0 : v->i > 4 ? 4 : (int)v->i;
    } else if (v->type == FT_STR) {
        static const char *const sn[] = {"low", "medium", "high", "critical"};
        for (int i = 0; i < 4; i++)
            if (span_is(v, sn[i]))
                e->severity = i + 1;
    }
    v = &x.f[F_TS];
    if (!fast_str(&x, F_TS) ||
        mm_hub_parse_time(v->p, v->n, &e->ts_ms) != MM_OK)
        return false;
    bool rule_obj = x.f[F_RULE].type == FT_OBJ;
    v = &x.f[F_RULE_ID];
    if (rule_obj && v->type == FT_STR) {
        if (!mm_hub_valid_rule_id(v->p, v->n))
            return false;
        memcpy(e->rule_id, v->p, v->n);
    } else if (e->alert || (rule_obj && v->type != FT_NONE)) {
        return false;
    }
    bool src_obj = x.f[F_SOURCE].type == FT_OBJ;
    v = &x.f[F_SRC_IP];
    if (src_obj && v->type == FT_STR) {
        if (mm_addr_parse(v->p, v->n, &e->src) != MM_OK)
            return false;
        mm_addr_format(&e->src, e->src_text, sizeof e->src_text);
    } else if (src_obj && v->type != FT_NONE) {
        return false;
    }
    v = &x.f[F_SRC_DOMAIN];
    if (src_obj && v->type == FT_STR && v->n > 0 &&
        !domain_take(v->p, v->n, e))
        return false;
    v = &x.f[F_DST_DOMAIN];
    if (x.f[F_DEST].type == FT_OBJ && v->type == FT_STR && v->n > 0 &&
        !domain_take(v->p, v->n, e))
        return false;
    v = &x.f[F_URL_PATH];
    if (x.f[F_URL].type == FT_OBJ && v->type == FT_STR && v->n > 0) {
        if (!mm_hub_valid_path(v->p, v->n))
            return false;
        size_t n = v->n < sizeof e->path - 1 ? v->n : sizeof e->path - 1;
        memcpy(e->path, v->p, n);
        e->path[n] = '\0';
    }
    v = &x.f[F_OBS_TENANT];
    if (x.f[F_OBSERVER].type == FT_OBJ && v->type == FT_STR) {
        if (v->n > MM_HUB_ID_MAX)
            return false;
        memcpy(e->observer_tenant, v->p, v->n);
    }
    if (x.f[F_USER].type == FT_OBJ &&
        (x.names_bad ||
         (x.f[F_USER_NAME].type == FT_STR &&
          !mm_hub_valid_name(x.f[F_USER_NAME].p, x.f[F_USER_NAME].n))))
        return false;
    if (x.f[F_USER].type == FT_OBJ && x.names_array) {
        qsort(x.names, x.nnames, sizeof x.names[0], cmp_span);
        uint64_t h = 0x6d616d6f7269ULL;
        unsigned distinct = 0;
        for (unsigned i = 0; i < x.nnames; i++) {
            if (i > 0 && cmp_span(&x.names[i], &x.names[i - 1]) == 0)
                continue;
            distinct++;
            h = mm_hash64(x.names[i].p, x.names[i].len, h);
        }
        e->n_users = distinct;
        e->users_hash = distinct >= 2 ? h : 0;
    }
    return true;
}

/* ---- the batch ------------------------------------------------------------
 */

/* The line at *pp (before end) without its '\n' and a trailing '\r': its
 * start, its length in *ll; *pp moves on to the next line. */
static char *next_line(char **pp, char *end, size_t *ll)
{
    char *p = *pp;
    char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = (size_t)((nl ? nl : end) - p);
    if (n && p[n - 1] == '\r')
        n--;
    *ll = n;
    *pp = nl ? nl + 1 : end;
    return p;
}

/* Whether a line holds only spaces and tabs (skipped, not counted). */
static bool blank_line(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t')
            return false;
    return true;
}

static mm_rc batch_decode(const void *body, size_t len, bool zstd,
                          mm_hub_batch *out, mm_err *err, bool use_fast)
{
    memset(out, 0, sizeof *out);
    char *buf = NULL;
    size_t blen = 0;
    mm_rc rc;
    if (zstd) {
        rc = unzstd(body, len, MM_HUB_BATCH_MAX_BYTES, &buf, &blen, err);
        if (rc != MM_OK)
            return rc;
    } else {
        if (len > MM_HUB_BATCH_MAX_BYTES)
            return mm_err_set(err, MM_ELIMIT, "<body>", 0,
                              "batch larger than %u bytes",
                              MM_HUB_BATCH_MAX_BYTES);
        buf = malloc(len + 1);
        if (!buf)
            return mm_err_set(err, MM_ENOMEM, "<body>", 0, "out of memory");
        if (len)
            memcpy(buf, body, len);
        buf[len] = '\0';
        blen = len;
    }
    /* count lines first, so the cap is checked before any parsing */
    size_t lines = 0;
    for (char *p = buf, *end = buf + blen; p < end;) {
        size_t ll;
        const char *line = next_line(&p, end, &ll);
        if (!blank_line(line, ll))
            lines++;
    }
    if (lines > MM_HUB_BATCH_MAX_LINES) {
        free(buf);
        return mm_err_set(err, MM_ELIMIT, "<body>", 0,
                          "batch has %zu lines, more than %u", lines,
                          MM_HUB_BATCH_MAX_LINES);
    }
    if (lines == 0) {
        free(buf);
        return mm_err_set(err, MM_EPARSE, "<body>", 0, "empty batch");
    }
    mm_hub_event *ev = malloc(lines * sizeof *ev);
    if (!ev) {
        free(buf);
        return mm_err_set(err, MM_ENOMEM, "<body>", 0, "out of memory");
    }
    size_t n = 0;
    unsigned lineno = 0;
    rc = MM_OK;
    for (char *p = buf, *end = buf + blen; p < end && rc == MM_OK;) {
        size_t ll;
        char *line = next_line(&p, end, &ll);
        lineno++;
        if (!blank_line(line, ll)) {
            if (ll > MM_HUB_LINE_MAX)
                rc = bad_line(err, lineno, "longer than %u bytes",
                              MM_HUB_LINE_MAX);
            else if (memchr(line, '\0', ll))
                rc = bad_line(err, lineno, "NUL byte");
            else if (!use_fast || !fast_line(line, ll, &ev[n]))
                rc = decode_line(line, ll, lineno, &ev[n], err);
            if (rc == MM_OK) {
                /* a repeated id inside one batch is a duplicate, too:
                 * the store's UNIQUE constraint keeps the first one */
                n++;
            }
        }
    }
    if (rc != MM_OK) {
        free(ev);
        free(buf);
        return rc;
    }
    out->buf = buf;
    out->len = blen;
    out->ev = ev;
    out->n = n;
    return MM_OK;
}

mm_rc mm_hub_batch_decode(const void *body, size_t len, bool zstd,
                          mm_hub_batch *out, mm_err *err)
{
    return batch_decode(body, len, zstd, out, err, true);
}

mm_rc mm_hub_batch_decode_ref(const void *body, size_t len, bool zstd,
                              mm_hub_batch *out, mm_err *err)
{
    return batch_decode(body, len, zstd, out, err, false);
}

void mm_hub_batch_free(mm_hub_batch *b)
{
    if (!b)
        return;
    free(b->ev);
    free(b->buf);
    memset(b, 0, sizeof *b);
}
