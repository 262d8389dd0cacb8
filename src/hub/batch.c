/* batch.c — decode and validate an uploaded batch (zstd with a cap, NDJSON,
 * every line checked before anything is stored). */
#include "hub.h"

#include <jansson.h>
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
            rc = mm_err_set(err, MM_EPARSE, "<body>", 0,
                            "truncated zstd data");
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
        return mm_err_set(err, MM_EPARSE, "<body>", lineno,
                          "line %u: invalid JSON: %s", lineno, je.text);
    if (!json_is_object(o)) {
        rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                        "line %u: not a JSON object", lineno);
        goto out;
    }
    json_t *ev = json_object_get(o, "event");
    if (!json_is_object(ev)) {
        rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                        "line %u: missing \"event\" object", lineno);
        goto out;
    }
    s = get_str(o, "event", "id", &n);
    if (!s || n == 0 || n > MM_HUB_EVENT_ID_MAX || strlen(s) != n) {
        rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                        "line %u: event.id must be a string of 1..%u bytes",
                        lineno, MM_HUB_EVENT_ID_MAX);
        goto out;
    }
    memcpy(e->id, s, n + 1);
    s = get_str(o, "event", "kind", &n);
    if (!s || (strcmp(s, "alert") != 0 && strcmp(s, "event") != 0)) {
        rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                        "line %u: event.kind must be \"alert\" or \"event\"",
                        lineno);
        goto out;
    }
    e->alert = s[0] == 'a';
    e->severity = severity_of(ev);
    s = get_str(o, "@timestamp", NULL, &n);
    if (!s || mm_hub_parse_time(s, n, &e->ts_ms) != MM_OK) {
        rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                        "line %u: @timestamp must be an RFC 3339 time",
                        lineno);
        goto out;
    }
    s = get_str(o, "rule", "id", &n);
    if (s) {
        if (n == 0 || n >= sizeof e->rule_id || strlen(s) != n) {
            rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                            "line %u: rule.id must be 1..128 bytes", lineno);
            goto out;
        }
        memcpy(e->rule_id, s, n + 1);
    } else if (e->alert || has_member(o, "rule", "id")) {
        rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                        "line %u: an alert needs rule.id (a string)", lineno);
        goto out;
    }
    s = get_str(o, "source", "ip", &n);
    if (s) {
        if (mm_addr_parse(s, n, &e->src) != MM_OK) {
            rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                            "line %u: source.ip is not an IP address", lineno);
            goto out;
        }
        /* formatted here, in the HTTP thread, not under the store lock */
        mm_addr_format(&e->src, e->src_text, sizeof e->src_text);
    } else if (has_member(o, "source", "ip")) {
        rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                        "line %u: source.ip must be a string", lineno);
        goto out;
    }
    s = get_str(o, "source", "domain", &n);
    if (!s)
        s = get_str(o, "destination", "domain", &n);
    if (s && n > 0 && n < sizeof e->domain && strlen(s) == n) {
        for (size_t i = 0; i < n; i++)
            e->domain[i] = (char)((s[i] >= 'A' && s[i] <= 'Z') ? s[i] + 32 : s[i]);
        e->domain[n] = '\0';
    }
    s = get_str(o, "url", "path", &n);
    if (s) {
        if (n >= sizeof e->path)
            n = sizeof e->path - 1;
        memcpy(e->path, s, n);
        e->path[n] = '\0';
    }
    s = get_str(o, "observer", "tenant", &n);
    if (s) {
        if (n > MM_HUB_ID_MAX || strlen(s) != n) {
            rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                            "line %u: observer.tenant too long", lineno);
            goto out;
        }
        memcpy(e->observer_tenant, s, n + 1);
    }
    /* the set of tried user names: user.name as a string or an array */
    json_t *user = json_object_get(o, "user");
    json_t *names = json_is_object(user) ? json_object_get(user, "name") : NULL;
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

mm_rc mm_hub_batch_decode(const void *body, size_t len, bool zstd,
                          mm_hub_batch *out, mm_err *err)
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
    for (const char *p = buf, *end = buf + blen; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t ll = (size_t)(le - p);
        if (ll && p[ll - 1] == '\r')
            ll--;
        bool blank = true;
        for (size_t i = 0; i < ll; i++)
            if (p[i] != ' ' && p[i] != '\t') {
                blank = false;
                break;
            }
        if (!blank)
            lines++;
        p = nl ? nl + 1 : end;
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
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        size_t ll = (size_t)(le - p);
        lineno++;
        if (ll && p[ll - 1] == '\r')
            ll--;
        bool blank = true;
        for (size_t i = 0; i < ll; i++)
            if (p[i] != ' ' && p[i] != '\t') {
                blank = false;
                break;
            }
        if (!blank) {
            if (ll > MM_HUB_LINE_MAX)
                rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                                "line %u: longer than %u bytes", lineno,
                                MM_HUB_LINE_MAX);
            else if (memchr(p, '\0', ll))
                rc = mm_err_set(err, MM_EPARSE, "<body>", lineno,
                                "line %u: NUL byte", lineno);
            else
                rc = decode_line(p, ll, lineno, &ev[n], err);
            if (rc == MM_OK) {
                /* a repeated id inside one batch is a duplicate, too:
                 * the store's UNIQUE constraint keeps the first one */
                n++;
            }
        }
        p = nl ? nl + 1 : end;
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

void mm_hub_batch_free(mm_hub_batch *b)
{
    if (!b)
        return;
    free(b->ev);
    free(b->buf);
    memset(b, 0, sizeof *b);
}
