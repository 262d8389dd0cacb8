/* SPDX-License-Identifier: Apache-2.0 */
/* rules.c — the rule-file loader. Each keyword is one row of `keywords[]`
 * (name, which kinds take it, whether it may repeat, its parser); docs/
 * rules.md mirrors the table. A bad line stops the load with file:line. */
#include "detect-int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define RULE_FILE_MAX (16u * 1024u * 1024u) /* one rules file (memory) */
#define RULE_FILES_MAX 1024u                /* files in a rules dir */

static const char *const field_names[MM_F_COUNT] = {
    [MM_F_NONE] = "",
    [MM_F_DATASET] = "event.dataset",
    [MM_F_CATEGORY] = "event.category",
    [MM_F_ACTION] = "event.action",
    [MM_F_OUTCOME] = "event.outcome",
    [MM_F_STATUS] = "http.response.status_code",
    [MM_F_DST_PORT] = "destination.port",
    [MM_F_SRC_IP] = "source.ip",
    [MM_F_DST_IP] = "destination.ip",
    [MM_F_USER] = "user.name",
    [MM_F_URL] = "url.original",
    [MM_F_UA] = "user_agent.original",
    [MM_F_REFERRER] = "http.request.referrer",
    [MM_F_MESSAGE] = "message",
    [MM_F_SRC_DOMAIN] = "source.domain",
    [MM_F_DST_DOMAIN] = "destination.domain",
    [MM_F_SERVICE] = "service.type",
    [MM_F_EXE] = "process.executable",
    [MM_F_GROUP] = "group.name",
    [MM_F_HOST] = "host.name",
};

const char *mm_field_name(mm_field f)
{
    return (unsigned)f < MM_F_COUNT ? field_names[f] : "";
}

static mm_field field_from(const char *p, size_t n)
{
    for (unsigned i = 1; i < MM_F_COUNT; i++)
        if (strlen(field_names[i]) == n && memcmp(field_names[i], p, n) == 0)
            return (mm_field)i;
    return MM_F_NONE;
}

static const char *const kind_names[MM_KIND_COUNT] = {
    "threshold", "distinct", "sequence", "signature", "ioc"};

/* ---- small text helpers ---------------------------------------------------
 */

typedef struct tok {
    const char *p;
    size_t n;
} tok;

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static tok trim(const char *p, size_t n)
{
    while (n && is_space(*p))
        p++, n--;
    while (n && is_space(p[n - 1]))
        n--;
    tok t = {p, n};
    return t;
}

static bool tok_eq(tok t, const char *s)
{
    return strlen(s) == t.n && memcmp(t.p, s, t.n) == 0;
}

/* Cuts an inline " # comment" from a token-list value. */
static tok cut_comment(tok v)
{
    for (size_t i = 0; i < v.n; i++)
        if (v.p[i] == '#' && (i == 0 || is_space(v.p[i - 1])))
            return trim(v.p, i);
    return v;
}

/* Next comma-separated item of *rest; an empty list yields one empty item
 * so callers report it. rest->p == NULL marks the end. */
static bool next_item(tok *rest, tok *item)
{
    if (!rest->p)
        return false;
    const char *c = memchr(rest->p, ',', rest->n);
    size_t n = c ? (size_t)(c - rest->p) : rest->n;
    *item = trim(rest->p, n);
    if (c) {
        rest->n -= n + 1;
        rest->p = c + 1;
    } else {
        rest->p = NULL;
        rest->n = 0;
    }
    return true;
}

static bool parse_u32(tok t, uint32_t max, uint32_t *out)
{
    if (!t.n || t.n > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < t.n; i++) {
        if (t.p[i] < '0' || t.p[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(t.p[i] - '0');
    }
    if (v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

static bool parse_duration(tok t, uint32_t *out)
{
    if (!t.n)
        return false;
    uint32_t mul = 1;
    char u = t.p[t.n - 1];
    if (u == 's' || u == 'm' || u == 'h' || u == 'd') {
        mul = u == 's' ? 1 : u == 'm' ? 60 : u == 'h' ? 3600 : 86400;
        t.n--;
    }
    uint32_t v;
    if (!parse_u32(t, MM_WINDOW_MAX_S, &v) || v == 0)
        return false;
    if ((uint64_t)v * mul > MM_WINDOW_MAX_S)
        return false;
    *out = v * mul;
    return true;
}

static char *dup_tok(tok t)
{
    char *s = malloc(t.n + 1);
    if (s) {
        memcpy(s, t.p, t.n);
        s[t.n] = '\0';
    }
    return s;
}

/* ---- keyword parsers ------------------------------------------------------
 */

/* Loader state while reading one file. */
typedef struct ctx {
    const char *name;
    unsigned line;
    char why[400];
} ctx;

#define FAIL(c, ...) (snprintf((c)->why, sizeof(c)->why, __VA_ARGS__), false)

/* The name of value x of an enum-valued field, NULL past its last value
 * or for a field that is no enum. */
static const char *enum_name(mm_field f, unsigned x)
{
    switch (f) {
    case MM_F_DATASET:
        return x < MM_DS_COUNT ? mm_dataset_name((mm_dataset)x) : NULL;
    case MM_F_CATEGORY:
        return x < MM_CAT_COUNT ? mm_category_name((mm_category)x) : NULL;
    case MM_F_ACTION:
        return x < MM_ACT_COUNT ? mm_action_name((mm_action)x) : NULL;
    case MM_F_SERVICE:
        return x < MM_SVC_COUNT ? mm_service_name((mm_service)x) : NULL;
    case MM_F_OUTCOME:
        return x < MM_OUT_COUNT ? mm_outcome_name((mm_outcome)x) : NULL;
    default: return NULL;
    }
}

/* The bit of the value named v. Value 0 is "none" (no dataset, category,
 * action or service: never matched), except for the outcome "unknown". */
static bool enum_bit(mm_field f, tok v, uint64_t *bit)
{
    const char *name;
    for (unsigned x = f == MM_F_OUTCOME ? 0 : 1;
         (name = enum_name(f, x)) != NULL; x++)
        if (tok_eq(v, name)) {
            *bit = UINT64_C(1) << x;
            return true;
        }
    return false;
}

static bool parse_range(tok v, uint32_t max, mm_range *r)
{
    const char *dash = memchr(v.p, '-', v.n);
    tok a = v, b = v;
    if (dash) {
        a = trim(v.p, (size_t)(dash - v.p));
        b = trim(dash + 1, v.n - (size_t)(dash - v.p) - 1);
    }
    if (!parse_u32(a, max, &r->lo) || !parse_u32(b, max, &r->hi))
        return false;
    return r->lo <= r->hi;
}

/* "field = v1, v2, lo-hi" */
static bool parse_filter(ctx *c, tok v, mm_filter *f)
{
    const char *eq = memchr(v.p, '=', v.n);
    if (!eq)
        return FAIL(c, "expected 'field = value, ...'");
    tok fn = trim(v.p, (size_t)(eq - v.p));
    tok rest = trim(eq + 1, v.n - (size_t)(eq - v.p) - 1);
    mm_field field = field_from(fn.p, fn.n);
    uint64_t *mask = NULL;
    mm_range *ranges = NULL;
    unsigned *nr = NULL;
    uint32_t max = 0;
    switch (field) {
    case MM_F_DATASET: mask = &f->datasets; break;
    case MM_F_CATEGORY: mask = &f->categories; break;
    case MM_F_ACTION: mask = &f->actions; break;
    case MM_F_OUTCOME: mask = &f->outcomes; break;
    case MM_F_SERVICE: mask = &f->services; break;
    case MM_F_STATUS: ranges = f->status, nr = &f->n_status, max = 999; break;
    case MM_F_DST_PORT: ranges = f->port, nr = &f->n_port, max = 65535; break;
    default: return FAIL(c, "unknown filter field '%.*s'", (int)fn.n, fn.p);
    }
    if (!rest.n)
        return FAIL(c, "no values for '%s'", field_names[field]);
    if (nr && *nr)
        return FAIL(c, "'%s' given twice", field_names[field]);
    uint64_t m = 0;
    tok item;
    while (next_item(&rest, &item)) {
        if (!item.n)
            return FAIL(c, "empty value in list for '%s'", field_names[field]);
        if (mask) {
            uint64_t bit;
            if (!enum_bit(field, item, &bit))
                return FAIL(c, "unknown %s '%.*s'", field_names[field],
                            (int)item.n, item.p);
            m |= bit;
        } else {
            if (*nr == MM_RANGES_MAX)
                return FAIL(c, "more than %u values for '%s'", MM_RANGES_MAX,
                            field_names[field]);
            if (!parse_range(item, max, &ranges[*nr]))
                return FAIL(c, "bad number or range '%.*s' for '%s'",
                            (int)item.n, item.p, field_names[field]);
            (*nr)++;
        }
    }
    if (mask)
        *mask = *mask ? (*mask & m) : m;
    return true;
}

typedef bool (*kw_fn)(ctx *c, mm_rule *r, tok v);

static bool kw_kind(ctx *c, mm_rule *r, tok v)
{
    for (unsigned k = 0; k < MM_KIND_COUNT; k++)
        if (tok_eq(v, kind_names[k])) {
            r->kind = (mm_rule_kind)k;
            return true;
        }
    return FAIL(c,
                "unknown kind '%.*s' (threshold, distinct, sequence, "
                "signature, ioc)",
                (int)v.n, v.p);
}

static bool kw_severity(ctx *c, mm_rule *r, tok v)
{
    for (unsigned s = MM_SEV_LOW; s <= MM_SEV_CRITICAL; s++)
        if (tok_eq(v, mm_severity_name((mm_severity)s))) {
            r->severity = (mm_severity)s;
            return true;
        }
    return FAIL(c, "unknown severity '%.*s' (low, medium, high, critical)",
                (int)v.n, v.p);
}

static bool kw_category(ctx *c, mm_rule *r, tok v)
{
    if (!v.n || v.n > 63)
        return FAIL(c, "bad category");
    for (size_t i = 0; i < v.n; i++)
        if (!((v.p[i] >= 'a' && v.p[i] <= 'z') || v.p[i] == '_' ||
              (v.p[i] >= '0' && v.p[i] <= '9')))
            return FAIL(c, "bad category '%.*s' (a-z, 0-9, _)", (int)v.n, v.p);
    free(r->category);
    r->category = dup_tok(v);
    return r->category ? true : FAIL(c, "out of memory");
}

/* Checks one id of a comma list: ATT&CK "T1234" or "T1234.001", or a
 * "CVE-YYYY-NNNN…" identifier. */
static bool valid_technique(tok t)
{
    if ((t.n != 5 && t.n != 9) || t.p[0] != 'T')
        return false;
    for (size_t i = 1; i < t.n; i++)
        if (!(i == 5 ? t.p[i] == '.' : (t.p[i] >= '0' && t.p[i] <= '9')))
            return false;
    return true;
}

static bool valid_cve(tok t)
{
    if (t.n < 13 || t.n > 24 || memcmp(t.p, "CVE-", 4) != 0 || t.p[8] != '-')
        return false;
    for (size_t i = 4; i < t.n; i++)
        if (i != 8 && !(t.p[i] >= '0' && t.p[i] <= '9'))
            return false;
    return true;
}

/* A comma list of ids, each checked by `ok`, kept as "a,b,c". */
static bool id_list(ctx *c, tok v, bool (*ok)(tok), const char *what,
                    const char *form, char **out)
{
    char buf[512];
    size_t n = 0;
    tok rest = v, item;
    while (next_item(&rest, &item)) {
        if (!ok(item))
            return FAIL(c, "bad %s '%.*s' (want %s)", what, (int)item.n,
                        item.p, form);
        if (n + item.n + 2 > sizeof buf)
            return FAIL(c, "too many %s ids", what);
        if (n)
            buf[n++] = ',';
        memcpy(buf + n, item.p, item.n);
        n += item.n;
    }
    if (!n)
        return FAIL(c, "no %s ids", what);
    free(*out);
    *out = dup_tok((tok){buf, n});
    return *out ? true : FAIL(c, "out of memory");
}

static bool kw_technique(ctx *c, mm_rule *r, tok v)
{
    return id_list(c, v, valid_technique, "ATT&CK technique",
                   "T1234 or T1234.001", &r->techniques);
}

static bool kw_vulnerability(ctx *c, mm_rule *r, tok v)
{
    return id_list(c, v, valid_cve, "vulnerability", "CVE-YYYY-NNNN",
                   &r->vulnerabilities);
}

static bool kw_match(ctx *c, mm_rule *r, tok v)
{
    return parse_filter(c, v, &r->match);
}

static bool kw_then(ctx *c, mm_rule *r, tok v)
{
    return parse_filter(c, v, &r->then);
}

static bool kw_key(ctx *c, mm_rule *r, tok v)
{
    const char *slash = memchr(v.p, '/', v.n);
    tok f = slash ? trim(v.p, (size_t)(slash - v.p)) : v;
    mm_field field = field_from(f.p, f.n);
    if (field != MM_F_SRC_IP && field != MM_F_DST_IP && field != MM_F_USER &&
        field != MM_F_HOST)
        return FAIL(c,
                    "unknown key '%.*s' (source.ip, source.ip/N, "
                    "destination.ip, user.name, host.name)",
                    (int)v.n, v.p);
    r->key = field;
    r->key_prefix4 = 32;
    r->key_prefix6 = 128;
    if (slash) {
        uint32_t n;
        tok num = trim(slash + 1, v.n - (size_t)(slash - v.p) - 1);
        if (field == MM_F_USER || field == MM_F_HOST ||
            !parse_u32(num, 32, &n) || n < 8)
            return FAIL(c, "bad key prefix '%.*s' (8..32)", (int)v.n, v.p);
        r->key_prefix4 = (uint8_t)n;
        r->key_prefix6 = (uint8_t)(n == 32 ? 128 : n + 32);
    }
    return true;
}

static bool kw_count(ctx *c, mm_rule *r, tok v)
{
    uint32_t n;
    if (!parse_u32(v, MM_COUNT_MAX, &n) || n == 0)
        return FAIL(c, "bad number '%.*s' for count (1..%u)", (int)v.n, v.p,
                    MM_COUNT_MAX);
    r->count = n;
    return true;
}

/* The value of a duration keyword (window, suppress) into *s. */
static bool duration_kw(ctx *c, tok v, uint32_t *s)
{
    if (!parse_duration(v, s))
        return FAIL(c,
                    "bad duration '%.*s' (like 30s, 10m, 1h, 1d; at most "
                    "7d)",
                    (int)v.n, v.p);
    return true;
}

static bool kw_window(ctx *c, mm_rule *r, tok v)
{
    return duration_kw(c, v, &r->window_s);
}

static bool kw_suppress(ctx *c, mm_rule *r, tok v)
{
    return duration_kw(c, v, &r->suppress_s);
}

static bool kw_distinct(ctx *c, mm_rule *r, tok v)
{
    mm_field f = field_from(v.p, v.n);
    if (f != MM_F_USER && f != MM_F_DST_PORT && f != MM_F_DST_IP)
        return FAIL(c,
                    "unknown distinct field '%.*s' (user.name, "
                    "destination.port, destination.ip)",
                    (int)v.n, v.p);
    r->distinct = f;
    return true;
}

static bool kw_field(ctx *c, mm_rule *r, tok v)
{
    tok rest = v, item;
    while (next_item(&rest, &item)) {
        mm_field f = field_from(item.p, item.n);
        bool ok = r->kind == MM_KIND_SIGNATURE
                      ? (f == MM_F_URL || f == MM_F_UA || f == MM_F_REFERRER ||
                         f == MM_F_MESSAGE || f == MM_F_EXE || f == MM_F_GROUP)
                      : (f == MM_F_SRC_IP || f == MM_F_DST_IP ||
                         f == MM_F_SRC_DOMAIN || f == MM_F_DST_DOMAIN);
        if (!ok)
            return FAIL(c, "unknown field '%.*s' for kind %s", (int)item.n,
                        item.p, kind_names[r->kind]);
        r->fields |= 1u << f;
    }
    if (!r->fields)
        return FAIL(c, "no field named");
    return true;
}

/* ioc: match only the indicator set of this name (a file's base name). */
static bool kw_set(ctx *c, mm_rule *r, tok v)
{
    if (!v.n || v.n >= sizeof r->ioc_set)
        return FAIL(c, "set name of 1..%zu bytes", sizeof r->ioc_set - 1);
    memcpy(r->ioc_set, v.p, v.n);
    r->ioc_set[v.n] = '\0';
    return true;
}

static bool kw_pattern(ctx *c, mm_rule *r, tok v)
{
    if (!v.n)
        return FAIL(c, "empty pattern");
    if (v.n > MM_PATTERN_MAX)
        return FAIL(c, "pattern longer than %u bytes", MM_PATTERN_MAX);
    if (r->n_patterns == MM_PATTERNS_PER_RULE)
        return FAIL(c, "more than %u patterns in one rule",
                    MM_PATTERNS_PER_RULE);
    char *p = dup_tok(v);
    if (!p)
        return FAIL(c, "out of memory");
    if (memchr(v.p, '\0', v.n)) {
        free(p);
        return FAIL(c, "NUL byte in pattern");
    }
    /* Let Hyperscan judge the pattern now, so errors name this line. */
    hs_expr_info_t *info = NULL;
    hs_compile_error_t *cerr = NULL;
    if (hs_expression_info(p, HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, &info,
                           &cerr) != HS_SUCCESS) {
        snprintf(c->why, sizeof c->why, "pattern rejected by Hyperscan: %s",
                 cerr && cerr->message ? cerr->message : "unknown error");
        hs_free_compile_error(cerr);
        free(p);
        return false;
    }
    bool empty = info->min_width == 0;
    free(info);
    if (empty) {
        free(p);
        return FAIL(c, "pattern can match an empty string");
    }
    char **np = realloc(r->patterns, (r->n_patterns + 1) * sizeof *np);
    unsigned *nl =
        np ? realloc(r->pattern_lines, (r->n_patterns + 1) * sizeof *nl)
           : NULL;
    if (np)
        r->patterns = np;
    if (!nl) {
        free(p);
        return FAIL(c, "out of memory");
    }
    r->pattern_lines = nl;
    r->patterns[r->n_patterns] = p;
    r->pattern_lines[r->n_patterns++] = c->line;
    return true;
}

static bool set_text(ctx *c, char **dst, tok v)
{
    if (!v.n)
        return FAIL(c, "empty text");
    free(*dst);
    *dst = dup_tok(v);
    return *dst ? true : FAIL(c, "out of memory");
}

static bool kw_title_ja(ctx *c, mm_rule *r, tok v)
{
    return set_text(c, &r->title_ja, v);
}
static bool kw_title_en(ctx *c, mm_rule *r, tok v)
{
    return set_text(c, &r->title_en, v);
}
static bool kw_advice_ja(ctx *c, mm_rule *r, tok v)
{
    return set_text(c, &r->advice_ja, v);
}
static bool kw_advice_en(ctx *c, mm_rule *r, tok v)
{
    return set_text(c, &r->advice_en, v);
}

#define K_THR (1u << MM_KIND_THRESHOLD)
#define K_DIS (1u << MM_KIND_DISTINCT)
#define K_SEQ (1u << MM_KIND_SEQUENCE)
#define K_SIG (1u << MM_KIND_SIGNATURE)
#define K_IOC (1u << MM_KIND_IOC)
#define K_ALL (K_THR | K_DIS | K_SEQ | K_SIG | K_IOC)

typedef struct keyword {
    const char *name;
    unsigned kinds;    /* kinds that take it */
    unsigned required; /* kinds that need it */
    bool repeat;       /* may appear more than once */
    bool text;         /* value is free text: no inline comment */
    kw_fn fn;
} keyword;

/* The keyword table; docs/rules.md has one row per entry. */
static const keyword keywords[] = {
    {"kind", K_ALL, K_ALL, false, false, kw_kind},
    {"severity", K_ALL, K_ALL, false, false, kw_severity},
    {"category", K_ALL, 0, false, false, kw_category},
    {"match", K_ALL, K_THR | K_DIS | K_SEQ, true, false, kw_match},
    {"then", K_SEQ, K_SEQ, true, false, kw_then},
    {"key", K_THR | K_DIS | K_SEQ | K_SIG, 0, false, false, kw_key},
    {"count", K_THR | K_DIS | K_SEQ | K_SIG, K_THR | K_DIS | K_SEQ, false,
     false, kw_count},
    {"distinct", K_DIS, K_DIS, false, false, kw_distinct},
    {"window", K_THR | K_DIS | K_SEQ | K_SIG, K_THR | K_DIS | K_SEQ, false,
     false, kw_window},
    {"suppress", K_ALL, 0, false, false, kw_suppress},
    {"field", K_SIG | K_IOC, K_SIG | K_IOC, false, false, kw_field},
    {"pattern", K_SIG, K_SIG, true, true, kw_pattern},
    {"title.ja", K_ALL, K_ALL, false, true, kw_title_ja},
    {"title.en", K_ALL, K_ALL, false, true, kw_title_en},
    {"advice.ja", K_ALL, K_ALL, false, true, kw_advice_ja},
    {"advice.en", K_ALL, K_ALL, false, true, kw_advice_en},
    {"technique", K_ALL, 0, false, false, kw_technique},
    {"vulnerability", K_ALL, 0, false, false, kw_vulnerability},
    {"set", K_IOC, 0, false, false, kw_set},
};
#define N_KEYWORDS (sizeof keywords / sizeof keywords[0])

void mm_rule_free(mm_rule *r)
{
    free(r->category);
    free(r->techniques);
    free(r->vulnerabilities);
    free(r->title_ja);
    free(r->title_en);
    free(r->advice_ja);
    free(r->advice_en);
    free(r->file);
    for (unsigned i = 0; i < r->n_patterns; i++)
        free(r->patterns[i]);
    free(r->patterns);
    free(r->pattern_lines);
    memset(r, 0, sizeof *r);
}

int mm_ruleset_find(const mm_ruleset *rs, const char *id)
{
    for (unsigned i = 0; i < rs->n_rules; i++)
        if (strcmp(rs->rules[i].id, id) == 0)
            return (int)i;
    return -1;
}

static bool valid_id(tok t)
{
    if (!t.n || t.n > MM_RULE_ID_MAX)
        return false;
    for (size_t i = 0; i < t.n; i++) {
        char ch = t.p[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

/* Checks a finished rule and fills defaults; false with c->why. */
static bool finish_rule(ctx *c, mm_rule *r, uint32_t seen)
{
    for (size_t k = 0; k < N_KEYWORDS; k++)
        if ((keywords[k].required & (1u << r->kind)) && !(seen & (1u << k)))
            return FAIL(c, "rule %s: missing '%s'", r->id, keywords[k].name);
    if (!r->key) {
        r->key = MM_F_SRC_IP;
        r->key_prefix4 = 32;
        r->key_prefix6 = 128;
    }
    if (r->kind == MM_KIND_SIGNATURE) {
        if (!r->count)
            r->count = 1;
        if (!r->window_s)
            r->window_s = 3600;
    }
    if (!r->suppress_s)
        r->suppress_s = 3600;
    if (r->kind == MM_KIND_DISTINCT && r->count > MM_SLOTS_BIG)
        return FAIL(c, "rule %s: distinct count above %u", r->id,
                    MM_SLOTS_BIG);
    if (r->kind == MM_KIND_DISTINCT && r->distinct == MM_F_USER &&
        r->key == MM_F_USER)
        return FAIL(c, "rule %s: key and distinct field are the same", r->id);
    r->quantum_s = 1;
    if (r->count > MM_SLOTS_BIG)
        r->quantum_s = (r->window_s + MM_SLOTS_BIG - 2) / (MM_SLOTS_BIG - 1);
    r->id_hash = mm_hash64(r->id, strlen(r->id), 0x6d616d6f72692121ull);
    r->file = strdup(c->name);
    return r->file ? true : FAIL(c, "out of memory");
}

mm_rc mm_ruleset_add_rules(mm_ruleset *rs, const char *name, const char *text,
                           size_t len, mm_err *err)
{
    ctx c = {.name = name ? name : "<rules>", .line = 0, .why = ""};
    if (rs->compiled)
        return mm_err_set(err, MM_EINVAL, c.name, 0,
                          "ruleset already compiled");
    mm_rule *tmp = NULL;
    unsigned n = 0, cap = 0;
    mm_rule *cur = NULL;
    uint32_t seen = 0;
    unsigned rule_line = 0;
    mm_rc rc = MM_OK;
    const char *p = text, *end = text + len;

    while (p < end || cur) {
        tok line = {p, 0};
        bool at_end = p >= end;
        if (!at_end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t ln = nl ? (size_t)(nl - p) : (size_t)(end - p);
            c.line++;
            line.n = ln;
            p = nl ? nl + 1 : end;
            if (ln && line.p[ln - 1] == '\r')
                line.n--;
            if (line.n > MM_RULE_LINE_MAX) {
                snprintf(c.why, sizeof c.why, "line longer than %u bytes",
                         MM_RULE_LINE_MAX);
                rc = MM_ELIMIT;
                goto fail;
            }
            if (memchr(line.p, '\0', line.n)) {
                snprintf(c.why, sizeof c.why, "NUL byte in line");
                rc = MM_EPARSE;
                goto fail;
            }
            line = trim(line.p, line.n);
            if (!line.n || line.p[0] == '#')
                continue;
        }
        tok kw = line, val = {line.p + line.n, 0};
        for (size_t i = 0; i < line.n; i++)
            if (is_space(line.p[i])) {
                kw.n = i;
                val = trim(line.p + i, line.n - i);
                break;
            }
        bool new_rule = !at_end && tok_eq(kw, "rule");
        if ((new_rule || at_end) && cur) {
            unsigned here = c.line;
            c.line = rule_line;
            if (!finish_rule(&c, cur, seen)) {
                rc = MM_EPARSE;
                goto fail;
            }
            c.line = here;
            cur = NULL;
        }
        if (at_end)
            break;
        if (new_rule) {
            val = cut_comment(val);
            if (!valid_id(val)) {
                snprintf(c.why, sizeof c.why,
                         "bad rule id '%.*s' (a-z 0-9 . _ -, up to %u)",
                         (int)(val.n > 80 ? 80 : val.n), val.p,
                         MM_RULE_ID_MAX);
                rc = MM_EPARSE;
                goto fail;
            }
            bool dup = false;
            for (unsigned i = 0; i < n && !dup; i++)
                dup = tok_eq(val, tmp[i].id);
            for (unsigned i = 0; i < rs->n_rules && !dup; i++)
                dup = tok_eq(val, rs->rules[i].id);
            if (dup) {
                snprintf(c.why, sizeof c.why, "duplicate rule id '%.*s'",
                         (int)val.n, val.p);
                rc = MM_EPARSE;
                goto fail;
            }
            if (rs->n_rules + n >= MM_RULES_MAX) {
                snprintf(c.why, sizeof c.why, "more than %u rules",
                         MM_RULES_MAX);
                rc = MM_ELIMIT;
                goto fail;
            }
            if (n == cap) {
                unsigned nc = cap ? cap * 2 : 16;
                mm_rule *nt = realloc(tmp, nc * sizeof *nt);
                if (!nt) {
                    snprintf(c.why, sizeof c.why, "out of memory");
                    rc = MM_ENOMEM;
                    goto fail;
                }
                tmp = nt;
                cap = nc;
            }
            cur = &tmp[n++];
            memset(cur, 0, sizeof *cur);
            memcpy(cur->id, val.p, val.n);
            cur->line = c.line;
            rule_line = c.line;
            seen = 0;
            continue;
        }
        if (!cur) {
            snprintf(c.why, sizeof c.why,
                     "'%.*s' outside a rule (start one with 'rule ID')",
                     (int)(kw.n > 80 ? 80 : kw.n), kw.p);
            rc = MM_EPARSE;
            goto fail;
        }
        size_t k;
        for (k = 0; k < N_KEYWORDS; k++)
            if (tok_eq(kw, keywords[k].name))
                break;
        if (k == N_KEYWORDS) {
            snprintf(c.why, sizeof c.why, "unknown keyword '%.*s'",
                     (int)(kw.n > 80 ? 80 : kw.n), kw.p);
            rc = MM_EPARSE;
            goto fail;
        }
        const keyword *K = &keywords[k];
        if (k != 0 && !(seen & 1u)) {
            snprintf(c.why, sizeof c.why,
                     "'kind' must be the first keyword of a rule");
            rc = MM_EPARSE;
            goto fail;
        }
        if (k != 0 && !(K->kinds & (1u << cur->kind))) {
            snprintf(c.why, sizeof c.why, "'%s' does not apply to kind %s",
                     K->name, kind_names[cur->kind]);
            rc = MM_EPARSE;
            goto fail;
        }
        if ((seen & (1u << k)) && !K->repeat) {
            snprintf(c.why, sizeof c.why, "'%s' given twice", K->name);
            rc = MM_EPARSE;
            goto fail;
        }
        if (!K->text)
            val = cut_comment(val);
        if (!val.n) {
            snprintf(c.why, sizeof c.why, "'%s' needs a value", K->name);
            rc = MM_EPARSE;
            goto fail;
        }
        if (!K->fn(&c, cur, val)) {
            rc = MM_EPARSE;
            goto fail;
        }
        seen |= 1u << k;
    }
    /* Success: append all. */
    if (n) {
        if (rs->n_rules + n > rs->cap_rules) {
            unsigned nc = rs->cap_rules ? rs->cap_rules : 32;
            while (nc < rs->n_rules + n)
                nc *= 2;
            mm_rule *nr = realloc(rs->rules, nc * sizeof *nr);
            if (!nr) {
                snprintf(c.why, sizeof c.why, "out of memory");
                rc = MM_ENOMEM;
                c.line = 0;
                goto fail;
            }
            rs->rules = nr;
            rs->cap_rules = nc;
        }
        memcpy(rs->rules + rs->n_rules, tmp, n * sizeof *tmp);
        rs->n_rules += n;
    }
    free(tmp);
    return MM_OK;
fail:
    for (unsigned i = 0; i < n; i++)
        mm_rule_free(&tmp[i]);
    free(tmp);
    return mm_err_set(err, rc, c.name, c.line, "%s", c.why);
}

mm_rc mm_ruleset_add_default_rules(mm_ruleset *rs, mm_err *err)
{
    for (size_t i = 0; i < mm_default_rule_files_count; i++) {
        const mm_embedded_file *f = &mm_default_rule_files[i];
        mm_rc rc = mm_ruleset_add_rules(rs, f->name, f->text, f->len, err);
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

mm_rc mm_ruleset_add_rules_dir(mm_ruleset *rs, const char *dir, mm_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, dir, 0,
                          "cannot open rules directory: %s", strerror(errno));
    char **names = NULL;
    size_t n = 0;
    mm_rc rc = MM_OK;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 7 || de->d_name[0] == '.' ||
            strcmp(de->d_name + l - 6, ".rules") != 0)
            continue;
        if (n == RULE_FILES_MAX) {
            rc = mm_err_set(err, MM_ELIMIT, dir, 0, "more than %u rule files",
                            RULE_FILES_MAX);
            goto out;
        }
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = strdup(de->d_name))) {
            if (nn)
                names = nn;
            rc = mm_err_set(err, MM_ENOMEM, dir, 0, "out of memory");
            goto out;
        }
        names = nn;
        n++;
    }
    qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        char path[4096];
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, names[i]) >=
            sizeof path) {
            rc = mm_err_set(err, MM_ELIMIT, dir, 0, "path too long");
            break;
        }
        char *text;
        size_t len;
        rc = mm_file_read(path, RULE_FILE_MAX, &text, &len, err);
        if (rc != MM_OK)
            break;
        rc = mm_ruleset_add_rules(rs, path, text, len, err);
        free(text);
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}
