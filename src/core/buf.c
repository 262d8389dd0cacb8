/* SPDX-License-Identifier: Apache-2.0 */
/* buf.c — growable byte buffer with a ceiling, and JSON string escaping. */
#include "core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void mm_buf_init(mm_buf *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : SIZE_MAX / 2;
}

void mm_buf_free(mm_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void mm_buf_reset(mm_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static mm_rc buf_reserve(mm_buf *b, size_t extra)
{
    if (extra > b->max || b->len > b->max - extra)
        return MM_ELIMIT;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return MM_OK;
    char *p = mm_grow(b->data, &b->cap, need, 1, 256);
    if (!p)
        return MM_ENOMEM;
    b->data = p;
    return MM_OK;
}

mm_rc mm_buf_append(mm_buf *b, const void *p, size_t n)
{
    mm_rc rc = buf_reserve(b, n);
    if (rc != MM_OK)
        return rc;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return MM_OK;
}

mm_rc mm_buf_puts(mm_buf *b, const char *s)
{
    return mm_buf_append(b, s, strlen(s));
}

mm_rc mm_buf_printf(mm_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return MM_EINVAL;
    mm_rc rc = buf_reserve(b, (size_t)n);
    if (rc != MM_OK)
        return rc;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return MM_OK;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_seq_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    unsigned min;
    unsigned cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, cp = c & 0x1fu, min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, cp = c & 0x0fu, min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, cp = c & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

mm_rc mm_buf_json_str(mm_buf *b, const char *p, size_t n)
{
    /* Worst case every byte becomes \u00XX (6 bytes). */
    mm_rc rc = buf_reserve(b, n * 6 + 2);
    if (rc != MM_OK)
        return rc;
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)p;
    char *o = b->data + b->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            *o++ = (char)c;
            i++;
            continue;
        }
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
            i++;
        } else {
            size_t k = utf8_seq_len(s + i, n - i);
            if (k == 0) {
                memcpy(o, "\xef\xbf\xbd", 3); /* U+FFFD */
                o += 3;
                i++;
            } else {
                memcpy(o, s + i, k);
                o += k;
                i += k;
            }
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
    return MM_OK;
}
