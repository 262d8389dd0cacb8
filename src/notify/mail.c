/* SPDX-License-Identifier: Apache-2.0 */
/* mail.c — Internet mail for people who read Japanese: address and header
 * checks (no header injection), RFC 2047 encoded words, the whole message
 * with a base64 UTF-8 body and CRLF line ends. */
#include "notify.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* RFC 5322 atext without the characters some mail software mishandles in
 * an unquoted local part is still atext; we accept all of it. */
static bool atext(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool domain_ok(const char *d)
{
    size_t n = strlen(d);
    if (n < 3 || n > 253 || d[0] == '.' || d[0] == '-' || d[n - 1] == '.' ||
        !strchr(d, '.'))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '.')
            return false;
        if (c == '.' && d[i + 1] == '.')
            return false;
    }
    return true;
}

bool mm_notify_addr_valid(const char *s)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    const char *at = strchr(s, '@');
    if (n < 3 || n > MM_NOTIFY_ADDR_MAX || !at || at == s ||
        strchr(at + 1, '@'))
        return false;
    if (s[0] == '.' || at[-1] == '.')
        return false;
    for (const char *p = s; p < at; p++)
        if (!atext((unsigned char)*p) && !(*p == '.' && p[1] != '.'))
            return false;
    return domain_ok(at + 1);
}

/* Length of the UTF-8 character at p (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *p)
{
    if (p[0] < 0x80)
        return 1;
    size_t n = (p[0] & 0xE0) == 0xC0   ? 2
               : (p[0] & 0xF0) == 0xE0 ? 3
               : (p[0] & 0xF8) == 0xF0 ? 4
                                       : 0;
    if (n == 0 || (n == 2 && p[0] < 0xC2) || (n == 4 && p[0] > 0xF4))
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xC0) != 0x80)
            return 0;
    if ((n == 3 && p[0] == 0xE0 && p[1] < 0xA0) ||
        (n == 3 && p[0] == 0xED && p[1] >= 0xA0) ||
        (n == 4 && p[0] == 0xF0 && p[1] < 0x90) ||
        (n == 4 && p[0] == 0xF4 && p[1] >= 0x90))
        return 0; /* overlong, surrogate, beyond U+10FFFF */
    return n;
}

bool mm_notify_header_safe(const char *s)
{
    if (!s)
        return false;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        if (*p < 0x20 || *p == 0x7F)
            return false;
        size_t n = utf8_len(p);
        if (!n)
            return false;
        p += n;
    }
    return true;
}

/* Encoded words: "=?UTF-8?B?" + base64 + "?=" is at most 75 characters,
 * so 63 bytes of base64, i.e. 45 bytes of text per word (a multiple of 3
 * keeps every word's base64 unpadded except the last). */
#define WORD_BYTES 45u

static mm_rc put_b64(mm_buf *out, const unsigned char *p, size_t n)
{
    char b64[sodium_base64_ENCODED_LEN(WORD_BYTES * 2,
                                       sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, p, n, sodium_base64_VARIANT_ORIGINAL);
    return mm_buf_puts(out, b64);
}

mm_rc mm_notify_rfc2047(const char *text, mm_buf *out)
{
    if (!mm_notify_header_safe(text) || strlen(text) > MM_NOTIFY_SUBJECT_MAX)
        return MM_EINVAL;
    const unsigned char *p = (const unsigned char *)text;
    size_t len = strlen(text), i = 0;
    mm_rc rc = MM_OK;
    bool first = true;
    while (rc == MM_OK && (i < len || first)) {
        size_t take = 0;
        while (i + take < len) {
            size_t c = utf8_len(p + i + take);
            if (take + c > WORD_BYTES)
                break;
            take += c;
        }
        rc = mm_buf_puts(out, first ? "=?UTF-8?B?" : "\r\n =?UTF-8?B?");
        if (rc == MM_OK)
            rc = put_b64(out, p + i, take);
        if (rc == MM_OK)
            rc = mm_buf_puts(out, "?=");
        i += take;
        first = false;
    }
    return rc;
}

static bool id_ok(const char *s)
{
    if (!s || !*s || strlen(s) > 128)
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '.' || *s == '-'))
            return false;
    return true;
}

/* "Mon, 07 Dec 2026 14:28:24 +0900": people here read JST. */
static void rfc5322_date(int64_t ms, char *out, size_t n)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed",
                                     "Thu", "Fri", "Sat"};
    static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000) + 9 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, n, "%s, %02d %s %04d %02d:%02d:%02d +0900", wd[tm.tm_wday],
             tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
}

/* The body with CRLF line ends, then base64 in lines of 76 characters. */
static mm_rc put_body(mm_buf *out, const char *body)
{
    mm_buf crlf;
    mm_buf_init(&crlf, MM_NOTIFY_BODY_MAX * 2);
    mm_rc rc = MM_OK;
    for (const char *p = body; rc == MM_OK && *p; p++) {
        if (*p == '\n' && (p == body || p[-1] != '\r'))
            rc = mm_buf_append(&crlf, "\r", 1);
        if (rc == MM_OK)
            rc = mm_buf_append(&crlf, p, 1);
    }
    for (size_t i = 0; rc == MM_OK && i < crlf.len; i += 57) {
        size_t n = crlf.len - i < 57 ? crlf.len - i : 57;
        char
            b64[sodium_base64_ENCODED_LEN(57, sodium_base64_VARIANT_ORIGINAL)];
        sodium_bin2base64(b64, sizeof b64,
                          (const unsigned char *)crlf.data + i, n,
                          sodium_base64_VARIANT_ORIGINAL);
        rc = mm_buf_printf(out, "%s\r\n", b64);
    }
    mm_buf_free(&crlf);
    return rc;
}

mm_rc mm_notify_mail_compose(const mm_mail *m, mm_buf *out, mm_err *err)
{
    if (!mm_notify_addr_valid(m->from))
        return mm_err_set(err, MM_EINVAL, "mail", 0, "bad From address");
    if (!mm_notify_addr_valid(m->to))
        return mm_err_set(err, MM_EINVAL, "mail", 0, "bad To address");
    if (!mm_notify_header_safe(m->subject) ||
        strlen(m->subject) > MM_NOTIFY_SUBJECT_MAX)
        return mm_err_set(err, MM_EINVAL, "mail", 0,
                          "subject has control bytes, bad UTF-8 or is too "
                          "long");
    if (!id_ok(m->id_left))
        return mm_err_set(err, MM_EINVAL, "mail", 0, "bad Message-ID");
    if (!m->body || strlen(m->body) > MM_NOTIFY_BODY_MAX)
        return mm_err_set(err, MM_EINVAL, "mail", 0, "body too long");
    size_t start = out->len;
    char date[64];
    rfc5322_date(m->date_ms, date, sizeof date);
    mm_rc rc =
        mm_buf_printf(out, "Date: %s\r\nFrom: %s\r\nTo: %s\r\nSubject: ", date,
                      m->from, m->to);
    if (rc == MM_OK)
        rc = mm_notify_rfc2047(m->subject, out);
    if (rc == MM_OK)
        rc = mm_buf_printf(out,
                           "\r\nMessage-ID: <%s@%s>\r\nMIME-Version: 1.0\r\n"
                           "Content-Type: text/plain; charset=UTF-8\r\n"
                           "Content-Transfer-Encoding: base64\r\n\r\n",
                           m->id_left, strchr(m->from, '@') + 1);
    if (rc == MM_OK)
        rc = put_body(out, m->body);
    if (rc != MM_OK) {
        out->len = start;
        if (out->data)
            out->data[start] = '\0';
        return mm_err_set(err, rc, "mail", 0, "message too large");
    }
    return MM_OK;
}
