/* SPDX-License-Identifier: Apache-2.0 */
/* conf.c — a small INI reader: headers, key = value, comments, quotes. */
#include "core.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Trims spaces and tabs on both ends of [*p, *p + *n). */
static void trim(const char **p, size_t *n)
{
    while (*n && is_space(**p)) {
        (*p)++;
        (*n)--;
    }
    while (*n && is_space((*p)[*n - 1]))
        (*n)--;
}

/* Copies a name of [A-Za-z0-9_.-] into out; false when empty, too long or
 * holding another character. */
static bool take_name(const char *p, size_t n, char *out, size_t outlen)
{
    if (!mm_name_valid(p, n, outlen - 1))
        return false;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

typedef struct conf_state {
    const char *file;
    unsigned line;
    char section[MM_CONF_NAME_MAX];
    char label[MM_FIELD_MAX + 1];
    char key[MM_CONF_NAME_MAX];
    char value[MM_FIELD_MAX + 1];
} conf_state;

/* A syntax error at the current line. */
static mm_rc syntax(const conf_state *st, mm_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static mm_rc syntax(const conf_state *st, mm_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    mm_rc rc = mm_err_vset(err, MM_EPARSE, st->file, st->line, fmt, ap);
    va_end(ap);
    return rc;
}

/* Whether the text after a ']' or a closing quote is blank or a comment. */
static bool blank_or_comment(const char *p, size_t n)
{
    trim(&p, &n);
    return n == 0 || p[0] == '#' || p[0] == ';';
}

static mm_rc conf_header(conf_state *st, const char *p, size_t n,
                         mm_conf_fn fn, void *ud, mm_err *err)
{
    /* p[0] == '[' */
    const char *close = memchr(p, ']', n);
    if (!close)
        return syntax(st, err, "section header without ']'");
    if (!blank_or_comment(close + 1, n - (size_t)(close + 1 - p)))
        return syntax(st, err, "unexpected text after ']'");
    const char *in = p + 1;
    size_t inn = (size_t)(close - in);
    trim(&in, &inn);
    size_t w = 0;
    while (w < inn && !is_space(in[w]))
        w++;
    if (!take_name(in, w, st->section, sizeof st->section))
        return syntax(st, err,
                      "bad section name (letters, digits, '_', '-', "
                      "'.', at most %u bytes)",
                      MM_CONF_NAME_MAX - 1);
    const char *lab = in + w;
    size_t labn = inn - w;
    trim(&lab, &labn);
    if (labn) {
        if (lab[0] == '"' && labn >= 2 && lab[labn - 1] == '"') {
            lab++;
            labn -= 2;
        }
        for (size_t i = 0; i < labn; i++)
            if ((unsigned char)lab[i] < 0x20 || lab[i] == '"')
                return syntax(st, err, "bad section label");
    }
    memcpy(st->label, lab, labn);
    st->label[labn] = '\0';
    mm_conf_item it = {st->file, st->line, st->section, st->label, NULL, NULL};
    return fn(&it, ud, err);
}

/* Unquotes a value starting with '"' into st->value. */
static mm_rc conf_quoted(conf_state *st, const char *p, size_t n, mm_err *err)
{
    size_t o = 0, i = 1;
    for (; i < n && p[i] != '"'; i++) {
        char c = p[i];
        if (c == '\\') {
            if (i + 1 >= n || (p[i + 1] != '"' && p[i + 1] != '\\'))
                return syntax(st, err,
                              "bad escape in quoted value (only \\\" "
                              "and \\\\)");
            c = p[++i];
        }
        st->value[o++] = c;
    }
    if (i >= n)
        return syntax(st, err, "unterminated quoted value");
    st->value[o] = '\0';
    if (!blank_or_comment(p + i + 1, n - i - 1))
        return syntax(st, err, "unexpected text after quoted value");
    return MM_OK;
}

static mm_rc conf_keyval(conf_state *st, const char *p, size_t n,
                         mm_conf_fn fn, void *ud, mm_err *err)
{
    const char *eq = memchr(p, '=', n);
    if (!eq)
        return syntax(st, err, "expected 'key = value' or '[section]'");
    if (!st->section[0])
        return syntax(st, err, "key outside a section");
    const char *k = p;
    size_t kn = (size_t)(eq - p);
    trim(&k, &kn);
    if (!take_name(k, kn, st->key, sizeof st->key))
        return syntax(st, err,
                      "bad key name (letters, digits, '_', '-', '.', "
                      "at most %u bytes)",
                      MM_CONF_NAME_MAX - 1);
    const char *v = eq + 1;
    size_t vn = n - (size_t)(v - p);
    trim(&v, &vn);
    if (vn && v[0] == '"') {
        mm_rc rc = conf_quoted(st, v, vn, err);
        if (rc != MM_OK)
            return rc;
    } else {
        /* An inline comment starts at whitespace followed by '#' or ';'. */
        for (size_t i = 1; i < vn; i++)
            if ((v[i] == '#' || v[i] == ';') && is_space(v[i - 1])) {
                vn = i;
                break;
            }
        if (vn && (v[0] == '#' || v[0] == ';'))
            vn = 0;
        trim(&v, &vn);
        memcpy(st->value, v, vn);
        st->value[vn] = '\0';
    }
    mm_conf_item it = {st->file,  st->line, st->section,
                       st->label, st->key,  st->value};
    return fn(&it, ud, err);
}

mm_rc mm_conf_parse(const char *file, const char *text, size_t len,
                    mm_conf_fn fn, void *ud, mm_err *err)
{
    conf_state st;
    memset(&st, 0, sizeof st);
    st.file = file ? file : "-";
    if (len > MM_CONF_MAX_BYTES)
        return mm_err_set(err, MM_ELIMIT, st.file, 0,
                          "file larger than %u bytes", MM_CONF_MAX_BYTES);
    size_t pos = 0;
    /* A UTF-8 byte-order mark is tolerated. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        pos = 3;
    while (pos < len) {
        st.line++;
        const char *p = text + pos;
        const char *nl = memchr(p, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - p) : len - pos;
        pos += n + (nl ? 1 : 0);
        if (n > MM_FIELD_MAX)
            return mm_err_set(err, MM_ELIMIT, st.file, st.line,
                              "line longer than %u bytes", MM_FIELD_MAX);
        if (memchr(p, '\0', n))
            return mm_err_set(err, MM_EPARSE, st.file, st.line,
                              "NUL byte in line");
        if (n && p[n - 1] == '\r')
            n--;
        trim(&p, &n);
        if (n == 0 || p[0] == '#' || p[0] == ';')
            continue;
        mm_rc rc = p[0] == '[' ? conf_header(&st, p, n, fn, ud, err)
                               : conf_keyval(&st, p, n, fn, ud, err);
        if (rc != MM_OK)
            return rc;
    }
    return MM_OK;
}

mm_rc mm_conf_parse_file(const char *path, mm_conf_fn fn, void *ud,
                         mm_err *err)
{
    char *text;
    size_t len;
    mm_rc rc = mm_file_read(path, MM_CONF_MAX_BYTES, &text, &len, err);
    if (rc == MM_OK)
        rc = mm_conf_parse(path, text, len, fn, ud, err);
    free(text);
    return rc;
}
