/* SPDX-License-Identifier: Apache-2.0 */
/* graph.c — parsers for the supply-chain graph CSV and for state-backed
 * indicator lists (plain text or Elastic rule NDJSON such as ACSC 2020-008).
 */
#include "hub.h"

#include <jansson.h>
#include <string.h>
#include <strings.h>

static void trim(const char **p, size_t *n)
{
    while (*n && (**p == ' ' || **p == '\t')) {
        (*p)++;
        (*n)--;
    }
    while (*n && ((*p)[*n - 1] == ' ' || (*p)[*n - 1] == '\t' ||
                  (*p)[*n - 1] == '\r'))
        (*n)--;
}

static bool field_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && strncasecmp(p, word, n) == 0;
}

/* Next line of text[*pos..len); false at the end. */
static bool next_line(const char *text, size_t len, size_t *pos,
                      const char **line, size_t *ll)
{
    if (*pos >= len)
        return false;
    const char *p = text + *pos;
    const char *nl = memchr(p, '\n', len - *pos);
    *line = p;
    *ll = nl ? (size_t)(nl - p) : len - *pos;
    *pos += *ll + (nl ? 1 : 0);
    return true;
}

/* A text read entry by entry: its lines that are neither blank nor comments,
 * at most MM_HUB_GRAPH_MAX_LINES lines in all. */
typedef struct {
    const char *name, *text;
    size_t len, pos;
    unsigned lineno;
    mm_rc rc;         /* MM_ELIMIT once past the line limit */
    const char *line; /* the current entry: ll bytes */
    size_t ll;
} line_reader;

/* The next entry, trimmed, in r->line; false at the end or past the limit
 * (r->rc). */
static bool next_entry(line_reader *r, mm_err *err)
{
    while (next_line(r->text, r->len, &r->pos, &r->line, &r->ll)) {
        r->lineno++;
        if (r->lineno > MM_HUB_GRAPH_MAX_LINES) {
            r->rc = mm_err_set(err, MM_ELIMIT, r->name, r->lineno,
                               "more than %u lines", MM_HUB_GRAPH_MAX_LINES);
            return false;
        }
        trim(&r->line, &r->ll);
        if (r->ll != 0 && r->line[0] != '#')
            return true;
    }
    return false;
}

mm_rc mm_hub_graph_parse(const char *name, const char *text, size_t len,
                         mm_link_fn fn, void *ud, mm_err *err)
{
    line_reader r = {.name = name, .text = text, .len = len};
    bool seen_data = false;
    while (next_entry(&r, err)) {
        if (r.ll > 512)
            return mm_err_set(err, MM_EPARSE, name, r.lineno,
                              "line longer than 512 bytes");
        if (memchr(r.line, '\0', r.ll))
            return mm_err_set(err, MM_EPARSE, name, r.lineno, "NUL byte");
        const char *f[4];
        size_t fl[4];
        unsigned nf = 0;
        const char *p = r.line, *end = r.line + r.ll;
        for (;;) {
            const char *c = memchr(p, ',', (size_t)(end - p));
            const char *fe = c ? c : end;
            if (nf == 4)
                return mm_err_set(err, MM_EPARSE, name, r.lineno,
                                  "too many fields (want supplier,customer,"
                                  "disclose)");
            f[nf] = p;
            fl[nf] = (size_t)(fe - p);
            trim(&f[nf], &fl[nf]);
            nf++;
            if (!c)
                break;
            p = c + 1;
        }
        if (nf > 3)
            return mm_err_set(err, MM_EPARSE, name, r.lineno,
                              "too many fields (want supplier,customer,"
                              "disclose)");
        if (nf < 2)
            return mm_err_set(err, MM_EPARSE, name, r.lineno,
                              "want supplier,customer[,disclose]");
        if (!seen_data && field_is(f[0], fl[0], "supplier") &&
            field_is(f[1], fl[1], "customer")) {
            seen_data = true;
            continue; /* header */
        }
        seen_data = true;
        mm_link l;
        memset(&l, 0, sizeof l);
        for (unsigned i = 0; i < 2; i++) {
            char *dst = i == 0 ? l.supplier : l.customer;
            if (fl[i] == 0 || fl[i] > MM_HUB_ID_MAX)
                return mm_err_set(err, MM_EPARSE, name, r.lineno,
                                  "%s id must be 1..%u characters",
                                  i == 0 ? "supplier" : "customer",
                                  MM_HUB_ID_MAX);
            memcpy(dst, f[i], fl[i]);
            dst[fl[i]] = '\0';
            if (!mm_hub_id_valid(dst))
                return mm_err_set(err, MM_EPARSE, name, r.lineno,
                                  "%s id '%s' may only hold A-Z a-z 0-9 . _ -",
                                  i == 0 ? "supplier" : "customer", dst);
        }
        if (strcmp(l.supplier, l.customer) == 0)
            return mm_err_set(err, MM_EPARSE, name, r.lineno,
                              "a tenant cannot supply itself ('%s')",
                              l.supplier);
        if (nf == 3 && fl[2] > 0) {
            if (field_is(f[2], fl[2], "1") || field_is(f[2], fl[2], "true") ||
                field_is(f[2], fl[2], "yes"))
                l.disclose = true;
            else if (field_is(f[2], fl[2], "0") ||
                     field_is(f[2], fl[2], "false") ||
                     field_is(f[2], fl[2], "no"))
                l.disclose = false;
            else
                return mm_err_set(err, MM_EPARSE, name, r.lineno,
                                  "disclose must be 1/0, true/false or "
                                  "yes/no");
        }
        mm_rc rc = fn(&l, ud, err);
        if (rc != MM_OK) {
            if (err && err->line == 0) {
                snprintf(err->file, sizeof err->file, "%s", name);
                err->line = r.lineno;
            }
            return rc;
        }
    }
    return r.rc;
}

/* ---- indicator lists ---------------------------------------------------- */

static bool domain_valid(const char *s, size_t n)
{
    if (n == 0 || n > 253 || s[0] == '.' || s[n - 1] == '.' || s[0] == '-')
        return false;
    bool dot = false, alpha = false;
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (label == 0)
                return false;
            dot = true;
            label = 0;
            continue;
        }
        if (++label > 63)
            return false;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            alpha = true;
        else if (!((c >= '0' && c <= '9') || c == '-' || c == '_'))
            return false;
    }
    return dot && alpha;
}

/* Classifies a value as an address or a domain; false when neither. */
static bool classify(const char *v, size_t n, mm_stateioc *out)
{
    mm_addr a;
    if (n == 0 || n >= sizeof out->value)
        return false;
    if (mm_addr_parse(v, n, &a) == MM_OK) {
        if (mm_addr_is_reserved(&a))
            return false;
        snprintf(out->type, sizeof out->type, "%s",
                 a.family == 4 ? "ipv4-addr" : "ipv6-addr");
        mm_addr_format(&a, out->value, sizeof out->value);
        return true;
    }
    if (!domain_valid(v, n))
        return false;
    snprintf(out->type, sizeof out->type, "domain-name");
    for (size_t i = 0; i < n; i++)
        out->value[i] =
            (char)((v[i] >= 'A' && v[i] <= 'Z') ? v[i] + 32 : v[i]);
    out->value[n] = '\0';
    return true;
}

/* Pulls `field: "value"` / `field: value` terms out of a Kibana query. */
static mm_rc query_terms(const char *q, const char *source, mm_stateioc_fn fn,
                         void *ud)
{
    static const char *const fields[] = {
        "source.ip", "destination.ip", "source.domain", "destination.domain"};
    for (unsigned f = 0; f < 4; f++) {
        size_t fl = strlen(fields[f]);
        for (const char *p = strstr(q, fields[f]); p;
             p = strstr(p + fl, fields[f])) {
            if (p > q && (p[-1] == '.' || p[-1] == '_' ||
                          (p[-1] >= 'a' && p[-1] <= 'z')))
                continue;
            const char *v = p + fl;
            while (*v == ' ')
                v++;
            if (*v != ':')
                continue;
            v++;
            while (*v == ' ')
                v++;
            bool quoted = *v == '"';
            if (quoted)
                v++;
            const char *e = v;
            while (*e && (quoted ? *e != '"'
                                 : (*e != ' ' && *e != ')' && *e != '(')))
                e++;
            mm_stateioc i;
            memset(&i, 0, sizeof i);
            snprintf(i.source, sizeof i.source, "%s", source);
            if (classify(v, (size_t)(e - v), &i)) {
                mm_rc rc = fn(&i, ud);
                if (rc != MM_OK)
                    return rc;
            }
        }
    }
    return MM_OK;
}

mm_rc mm_hub_ioc_parse(const char *name, const char *text, size_t len,
                       mm_stateioc_fn fn, void *ud, mm_err *err)
{
    line_reader r = {.name = name, .text = text, .len = len};
    size_t k = 0;
    while (k < len && (text[k] == ' ' || text[k] == '\n' || text[k] == '\r' ||
                       text[k] == '\t'))
        k++;
    bool ndjson = k < len && text[k] == '{';
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    while (next_entry(&r, err)) {
        mm_rc rc;
        if (ndjson) {
            json_error_t je;
            json_t *o = json_loadb(r.line, r.ll, 0, &je);
            if (!json_is_object(o)) {
                json_decref(o);
                return mm_err_set(err, MM_EPARSE, name, r.lineno,
                                  "not a JSON object%s%s", o ? "" : ": ",
                                  o ? "" : je.text);
            }
            json_t *q = json_object_get(o, "query");
            json_t *nm = json_object_get(o, "name");
            char source[128];
            snprintf(source, sizeof source, "%s%s%s", base,
                     json_is_string(nm) ? ": " : "",
                     json_is_string(nm) ? json_string_value(nm) : "");
            rc = json_is_string(q)
                     ? query_terms(json_string_value(q), source, fn, ud)
                     : MM_OK;
            json_decref(o);
        } else {
            mm_stateioc i;
            memset(&i, 0, sizeof i);
            snprintf(i.source, sizeof i.source, "%s", base);
            const char *hash = memchr(r.line, '#', r.ll);
            if (hash) {
                r.ll = (size_t)(hash - r.line);
                trim(&r.line, &r.ll);
            }
            if (!classify(r.line, r.ll, &i)) {
                mm_addr a;
                if (r.ll < 48 && mm_addr_parse(r.line, r.ll, &a) == MM_OK)
                    continue; /* reserved address: never an indicator */
                return mm_err_set(err, MM_EPARSE, name, r.lineno,
                                  "not an IP address or domain name");
            }
            rc = fn(&i, ud);
        }
        if (rc != MM_OK)
            return mm_err_set(err, rc, name, r.lineno,
                              "cannot store indicator");
    }
    return r.rc;
}
