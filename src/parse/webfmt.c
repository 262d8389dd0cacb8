/* SPDX-License-Identifier: Apache-2.0 */
/* webfmt.c — an Apache LogFormat subset compiled into a small step program
 * (literal text and field directives) and the parser that runs it.
 *
 * Supported: %h %a %l %u %t %r %>s %s %b %B %{Referer}i %{User-Agent}i
 * %{X-Forwarded-For}i (other %{…}i headers are read and ignored) %D %T %v
 * %m %U %q %H and %%. Two fields need literal text between them, except
 * %U%q and fields next to %t. A field ends where the literal text after it
 * starts (for a quoted field: at an unescaped quote followed by that text); a
 * field at the end of the format takes the rest of the line. %t carries
 * its own brackets, as Apache writes it. */
#include "parse-int.h"

#include <stdlib.h>

#define WEBFMT_SPEC_MAX 1024u
#define WEBFMT_STEPS_MAX 64u

enum step_kind {
    ST_LIT = 0,
    ST_CLIENT,  /* %h %a */
    ST_IGNORE,  /* %l %D %T %H, unknown %{…}i */
    ST_USER,    /* %u */
    ST_TIME,    /* %t */
    ST_REQUEST, /* %r */
    ST_STATUS,  /* %s %>s */
    ST_BYTES,   /* %b %B */
    ST_REFERER, /* %{Referer}i */
    ST_UA,      /* %{User-Agent}i */
    ST_XFF,     /* %{X-Forwarded-For}i */
    ST_VHOST,   /* %v */
    ST_METHOD,  /* %m */
    ST_PATH,    /* %U */
    ST_QUERY,   /* %q */
};

typedef struct step {
    uint8_t kind;
    uint16_t off, len; /* literal text in mm_webfmt.text */
} step;

struct mm_webfmt {
    unsigned n;
    step s[WEBFMT_STEPS_MAX];
    char text[WEBFMT_SPEC_MAX];
};

static bool name_is(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n != l)
        return false;
    for (size_t i = 0; i < n; i++)
        if (pp_lower(p[i]) != pp_lower(lit[i]))
            return false;
    return true;
}

/* The step of a one-letter directive; ST_LIT for an unsupported one. */
static uint8_t directive_kind(char d)
{
    static const struct {
        char d;
        uint8_t kind;
    } kinds[] = {
        {'h', ST_CLIENT}, {'a', ST_CLIENT}, {'l', ST_IGNORE},
        {'D', ST_IGNORE}, {'T', ST_IGNORE}, {'H', ST_IGNORE},
        {'u', ST_USER},   {'t', ST_TIME},   {'r', ST_REQUEST},
        {'s', ST_STATUS}, {'b', ST_BYTES},  {'B', ST_BYTES},
        {'v', ST_VHOST},  {'m', ST_METHOD}, {'U', ST_PATH},
        {'q', ST_QUERY},
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (kinds[i].d == d)
            return kinds[i].kind;
    return ST_LIT;
}

static mm_rc fail(mm_err *err, size_t col, const char *what)
{
    mm_err_set(err, MM_EINVAL, "<web-format>", 0, "%s (column %zu)", what,
               col + 1);
    if (err)
        err->col = (unsigned)(col + 1);
    return MM_EINVAL;
}

mm_rc mm_webfmt_compile(const char *spec, mm_webfmt **out, mm_err *err)
{
    *out = NULL;
    if (!spec)
        return fail(err, 0, "empty web format");
    size_t n = strnlen(spec, WEBFMT_SPEC_MAX + 1);
    if (n == 0)
        return fail(err, 0, "empty web format");
    if (n > WEBFMT_SPEC_MAX)
        return fail(err, WEBFMT_SPEC_MAX, "web format longer than 1024 bytes");
    mm_webfmt *f = calloc(1, sizeof *f);
    if (!f)
        return mm_err_set(err, MM_ENOMEM, "<web-format>", 0, "out of memory");
    size_t tl = 0, fields = 0;
    for (size_t i = 0; i < n;) {
        if (f->n >= WEBFMT_STEPS_MAX) {
            free(f);
            return fail(err, i, "web format has more than 64 parts");
        }
        if (spec[i] != '%' || (i + 1 < n && spec[i + 1] == '%')) {
            /* literal run (with \" and \\ unescaped, %% as %) */
            step *s = &f->s[f->n];
            if (f->n > 0 && f->s[f->n - 1].kind == ST_LIT)
                s = &f->s[f->n - 1];
            else {
                s->kind = ST_LIT;
                s->off = (uint16_t)tl;
                s->len = 0;
                f->n++;
            }
            char c = spec[i];
            if (c == '%') {
                i += 2;
            } else if (c == '\\' && i + 1 < n &&
                       (spec[i + 1] == '"' || spec[i + 1] == '\\')) {
                c = spec[i + 1];
                i += 2;
            } else if (c == '\\' && i + 1 < n && spec[i + 1] == 't') {
                c = '\t';
                i += 2;
            } else {
                i++;
            }
            f->text[tl++] = c;
            s->len++;
            continue;
        }
        size_t col = i++;
        while (i < n && (spec[i] == '>' || spec[i] == '<'))
            i++;
        const char *arg = NULL;
        size_t argn = 0;
        if (i < n && spec[i] == '{') {
            const char *c = memchr(spec + i, '}', n - i);
            if (!c) {
                free(f);
                return fail(err, col, "unterminated %{ in web format");
            }
            arg = spec + i + 1;
            argn = (size_t)(c - arg);
            i = (size_t)(c - spec) + 1;
        }
        if (i >= n) {
            free(f);
            return fail(err, col, "web format ends inside a % directive");
        }
        char d = spec[i++];
        uint8_t k;
        if (arg && d == 'i') {
            k = name_is(arg, argn, "Referer")           ? ST_REFERER
                : name_is(arg, argn, "User-Agent")      ? ST_UA
                : name_is(arg, argn, "X-Forwarded-For") ? ST_XFF
                                                        : ST_IGNORE;
        } else if (arg) {
            free(f);
            return fail(err, col,
                        "unsupported %{...} directive in web format");
        } else {
            k = directive_kind(d);
            if (k == ST_LIT) {
                free(f);
                return fail(err, col, "unsupported directive in web format");
            }
        }
        if (f->n > 0 && f->s[f->n - 1].kind != ST_LIT &&
            f->s[f->n - 1].kind != ST_TIME && k != ST_TIME &&
            !(f->s[f->n - 1].kind == ST_PATH && k == ST_QUERY)) {
            free(f);
            return fail(err, col,
                        "two fields with nothing between them in web format");
        }
        f->s[f->n].kind = k;
        f->n++;
        fields++;
    }
    if (fields == 0) {
        free(f);
        return fail(err, 0, "web format has no % field");
    }
    *out = f;
    return MM_OK;
}

void mm_webfmt_free(mm_webfmt *f)
{
    free(f);
}

/* End of a field that the literal `lit` follows. */
static const char *field_end(const char *p, const char *e, const char *lit,
                             size_t ln)
{
    bool quoted = lit[0] == '"';
    while (p <= e) {
        const char *q = pp_find(p, e, lit, ln);
        if (!q)
            return NULL;
        if (!quoted || !pp_escaped(p, q))
            return q;
        p = q + 1;
    }
    return NULL;
}

static bool is_dash(const char *p, const char *e)
{
    return e - p == 1 && *p == '-';
}

/* A field that may be empty or "-" (absent). */
static void opt_field(mm_span *dst, const char *v, const char *ve)
{
    if (ve > v && !is_dash(v, ve))
        *dst = pp_span(v, ve);
}

mm_rc pp_access_fmt(const mm_parse_opts *opts, const mm_webfmt *f,
                    const char *p, const char *e, mm_event *ev)
{
    mm_span xff = {0};
    for (unsigned i = 0; i < f->n; i++) {
        const step *s = &f->s[i];
        if (s->kind == ST_LIT) {
            if (!pp_starts(p, e, f->text + s->off, s->len))
                return MM_EPARSE;
            p += s->len;
            continue;
        }
        const char *v = p, *ve;
        if (s->kind == ST_TIME) {
            if (p >= e || *p != '[')
                return MM_EPARSE;
            size_t lim = (size_t)(e - p) < 64 ? (size_t)(e - p) : 64;
            const char *c = memchr(p, ']', lim);
            if (!c || !pp_clf_time(p + 1, c, &ev->ts_ms))
                return MM_EPARSE;
            p = c + 1;
            continue;
        }
        if (s->kind == ST_PATH && i + 1 < f->n &&
            f->s[i + 1].kind == ST_QUERY) {
            /* "%U%q": the path ends at '?' before the end of the query */
            const char *qe = e;
            if (i + 2 < f->n) {
                const step *l = &f->s[i + 2];
                qe = field_end(p, e, f->text + l->off, l->len);
                if (!qe)
                    return MM_EPARSE;
            }
            ve = memchr(p, '?', (size_t)(qe - p));
            if (!ve)
                ve = qe;
        } else if (i + 1 < f->n && f->s[i + 1].kind == ST_LIT) {
            const step *l = &f->s[i + 1];
            ve = field_end(p, e, f->text + l->off, l->len);
            if (!ve)
                return MM_EPARSE;
        } else if (i + 1 < f->n) {
            ve = PP_FIND(p, e, "["); /* next is %t */
            if (!ve)
                return MM_EPARSE;
        } else {
            ve = e;
        }
        p = ve;
        switch (s->kind) {
        case ST_CLIENT:
            if (!pp_peer(v, ve, ev))
                return MM_EPARSE;
            break;
        case ST_USER: opt_field(&ev->user, v, ve); break;
        case ST_REQUEST: pp_http_request(v, ve, ev); break;
        case ST_STATUS:
            if (!is_dash(v, ve)) {
                int st = pp_digits(v, ve, 3);
                if (ve - v != 3 || st < 100)
                    return MM_EPARSE;
                ev->status = (uint16_t)st;
            }
            break;
        case ST_BYTES:
            if (!is_dash(v, ve)) {
                const char *q = v;
                if (!pp_uint(&q, ve, UINT64_MAX, &ev->bytes) || q != ve)
                    return MM_EPARSE;
            }
            break;
        case ST_REFERER: opt_field(&ev->referrer, v, ve); break;
        case ST_UA: opt_field(&ev->user_agent, v, ve); break;
        case ST_XFF: xff = pp_span(v, ve); break;
        case ST_VHOST: opt_field(&ev->dst_domain, v, ve); break;
        case ST_METHOD: opt_field(&ev->method, v, ve); break;
        case ST_PATH: opt_field(&ev->path, v, ve); break;
        case ST_QUERY:
            if (ve > v && *v == '?')
                ev->query = pp_span(v + 1, ve);
            break;
        default: break;
        }
    }
    if (xff.len && !is_dash(xff.p, xff.p + xff.len))
        pp_xff(opts, xff.p, xff.p + xff.len, ev);
    pp_web_outcome(ev);
    return MM_OK;
}
