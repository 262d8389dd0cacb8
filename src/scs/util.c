/* SPDX-License-Identifier: Apache-2.0 */
/* util.c — small helpers of the scs module: text checks, files, JSON. */
#include "scs-int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool scs_text_ok(const char *p, size_t n)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return false;
            i++;
            continue;
        }
        size_t len;
        unsigned cp, min;
        if (c >= 0xc2 && c <= 0xdf)
            len = 2, cp = c & 0x1fu, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef)
            len = 3, cp = c & 0x0fu, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4)
            len = 4, cp = c & 0x07u, min = 0x10000;
        else
            return false;
        if (n - i < len)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

bool scs_str_ok(const char *s, size_t max)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    return n <= max && scs_text_ok(s, n);
}

bool scs_id_ok(const char *s)
{
    for (int part = 0; part < 3; part++) {
        int digits = 0;
        while (*s >= '0' && *s <= '9') {
            s++;
            if (++digits > 3)
                return false;
        }
        if (digits == 0)
            return false;
        if (part < 2) {
            if (*s != '-')
                return false;
            s++;
        }
    }
    return *s == '\0';
}

bool scs_date_ok(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
            (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    static const int mdays[] = {31, 29, 31, 30, 31, 30,
                                31, 31, 30, 31, 30, 31};
    if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

void scs_hex(const uint8_t *p, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[p[i] >> 4];
        out[2 * i + 1] = hx[p[i] & 15];
    }
    out[2 * n] = '\0';
}

unsigned scs_line_of_key(const char *data, size_t len, const char *key)
{
    size_t kl = strlen(key);
    if (kl + 2 > len)
        return 0;
    unsigned line = 1;
    for (size_t i = 0; i + kl + 2 <= len; i++) {
        if (data[i] == '\n')
            line++;
        else if (data[i] == '"' && memcmp(data + i + 1, key, kl) == 0 &&
                 data[i + 1 + kl] == '"')
            return line;
    }
    return 0;
}

json_t *scs_json_parse(const char *data, size_t len, const char *name,
                       mm_err *err)
{
    json_error_t je;
    json_t *j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        if (err) {
            bool dup = strstr(je.text, "duplicate object key") != NULL;
            mm_err_set(err, MM_EPARSE, name,
                       je.line > 0 ? (unsigned)je.line : 0, "%s: %s",
                       dup ? "同じキーが2回あります / duplicate key"
                           : "JSON の形式が正しくありません / malformed JSON",
                       je.text);
            err->col = je.column > 0 ? (unsigned)je.column : 0;
        }
        return NULL;
    }
    return j;
}

mm_rc scs_json_dump(const json_t *j, bool pretty, mm_buf *out)
{
    size_t flags = JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
    char *s = json_dumps(j, flags);
    if (!s)
        return MM_ENOMEM;
    mm_rc rc = mm_buf_puts(out, s);
    free(s);
    return rc;
}

mm_rc scs_html_esc(mm_buf *b, const char *s)
{
    mm_rc rc = MM_OK;
    const char *run = s;
    for (; *s && rc == MM_OK; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep) {
            rc = mm_buf_append(b, run, (size_t)(s - run));
            if (rc == MM_OK)
                rc = mm_buf_puts(b, rep);
            run = s + 1;
        }
    }
    if (rc == MM_OK)
        rc = mm_buf_append(b, run, (size_t)(s - run));
    return rc;
}

const char *scs_level_name(int level)
{
    static const char *const names[] = {"none", "★1", "★2", "★3", "★4"};
    return level >= 1 && level <= 4 ? names[level] : "none";
}

int scs_level_parse(const char *s)
{
    /* "★1".."★4" or "1".."4"; ★1/★2 are SECURITY ACTION, ★3/★4 SCS */
    if (strncmp(s, "★", strlen("★")) == 0)
        s += strlen("★");
    return s[0] >= '1' && s[0] <= '4' && s[1] == '\0' ? s[0] - '0' : 0;
}

mm_rc mm_scs_read_file(const char *path, size_t max, char **out, size_t *len,
                       mm_err *err)
{
    mm_rc rc = mm_file_read(path, max, out, len, err);
    /* scs reports every unreadable input as an I/O failure (exit 1). */
    return rc == MM_ENOTFOUND ? MM_EIO : rc;
}

mm_rc scs_file_parse(const char *path, size_t max, mm_file_parse_fn parse,
                     void *ud, mm_err *err)
{
    mm_rc rc = mm_file_parse(path, max, parse, ud, err);
    /* As mm_scs_read_file (the parsers never return MM_ENOTFOUND). */
    return rc == MM_ENOTFOUND ? MM_EIO : rc;
}

/* Letters, digits and the characters of `extra`, 1..max bytes. */
static bool id_chars_ok(const char *s, size_t max, const char *extra)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool alnum = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= 'A' && ch <= 'Z');
        if (!alnum && !strchr(extra, ch))
            return false;
    }
    return true;
}

bool scs_tenant_ok(const char *s)
{
    return id_chars_ok(s, 64, "._-");
}

bool scs_assessor_id_ok(const char *s)
{
    return id_chars_ok(s, 32, "-");
}

int64_t mm_scs_date_days(const char *date)
{
    if (!date || !scs_date_ok(date))
        return -1;
    return mm_time_from_civil((int)strtol(date, NULL, 10),
                              (int)strtol(date + 5, NULL, 10),
                              (int)strtol(date + 8, NULL, 10), 0, 0, 0) /
           86400;
}

#define CATALOGUE_REL "data/scs/catalogue.txt"

void mm_scs_catalogue_path(const char *given, char *out, size_t outlen)
{
    if (given) {
        snprintf(out, outlen, "%s", given);
        return;
    }
    const char *env = getenv("MAMORI_SCS_CATALOGUE");
    if (env && *env) {
        snprintf(out, outlen, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    char *slash = n > 0 ? (exe[n] = '\0', strrchr(exe, '/')) : NULL;
    if (slash) {
        *slash = '\0';
        static const char *const ups[] = {"/..", "/../..", "/../../.."};
        for (size_t i = 0; i < sizeof ups / sizeof *ups; i++) {
            int w =
                snprintf(out, outlen, "%s%s/%s", exe, ups[i], CATALOGUE_REL);
            if (w > 0 && (size_t)w < outlen && access(out, R_OK) == 0)
                return;
        }
    }
    snprintf(out, outlen, "/usr/share/mamori/scs/catalogue.txt");
    if (access(out, R_OK) != 0)
        snprintf(out, outlen, "%s", CATALOGUE_REL);
}

bool mm_scs_text_valid(const char *p, size_t n)
{
    return scs_text_ok(p, n);
}

int mm_scs_level_parse(const char *s)
{
    return s ? scs_level_parse(s) : 0;
}

bool scs_level_needs(int target, int level)
{
    /* two ladders: SECURITY ACTION ★1 ⊂ ★2, SCS ★3 ⊂ ★4 */
    return target <= 2 ? level <= target : level >= 3 && level <= target;
}

void scs_ladder_add(scs_ladder *l, int level, bool met)
{
    if (level < 1 || level > 4)
        return;
    l->total[level]++;
    l->met[level] += met;
}

bool scs_ladder_reached(const scs_ladder *l, int level)
{
    unsigned need = 0;
    for (int k = 1; k <= 4; k++) {
        if (!scs_level_needs(level, k))
            continue;
        if (l->met[k] != l->total[k])
            return false;
        need += l->total[k];
    }
    return need > 0;
}

int scs_ladder_achieved(const scs_ladder *l)
{
    for (int level = 4; level >= 1; level--)
        if (scs_ladder_reached(l, level))
            return level;
    return 0;
}

bool mm_scs_level_needs(int target, int level)
{
    return scs_level_needs(target, level);
}

bool mm_scs_time_parse_ms(const char *s, int64_t *ms)
{
    int64_t t;
    if (!s || !scs_time_parse(s, &t))
        return false;
    *ms = t * 1000;
    return true;
}

int scs_names_find(const scs_names *t, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, t[i].name) == 0)
            return (int)i;
    return -1;
}

const char *scs_names_label(const scs_names *t, size_t n, const char *name,
                            mm_scs_lang lang)
{
    int i = scs_names_find(t, n, name);
    if (i < 0)
        return name;
    return lang == MM_SCS_JA ? t[i].ja : t[i].en;
}
