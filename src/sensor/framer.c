/* SPDX-License-Identifier: Apache-2.0 */
/* framer.c — syslog over TCP: RFC 6587 octet counting and newline framing,
 * recognised per frame, with a cap on the message size. */
#include "sensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { F_IDLE = 0, F_DIGITS, F_OCTETS, F_NEWLINE };

/* Longest octet count accepted: 10 digits. */
#define LEN_DIGITS_MAX 10

mm_rc mm_syslog_framer_init(mm_syslog_framer *fr, size_t max_msg)
{
    memset(fr, 0, sizeof *fr);
    if (max_msg == 0 || max_msg > MM_SYSLOG_MSG_MAX)
        max_msg = MM_SYSLOG_MSG_MAX;
    fr->buf = malloc(max_msg);
    fr->max_msg = max_msg;
    return fr->buf ? MM_OK : MM_ENOMEM;
}

void mm_syslog_framer_fini(mm_syslog_framer *fr)
{
    free(fr->buf);
    fr->buf = NULL;
}

static void take(mm_syslog_framer *fr, const char *p, size_t n)
{
    size_t room = fr->max_msg - fr->len;
    if (n > room) {
        fr->truncated = true;
        n = room;
    }
    memcpy(fr->buf + fr->len, p, n);
    fr->len += n;
}

static void emit(mm_syslog_framer *fr, mm_line_fn fn, void *ud)
{
    size_t n = fr->len;
    while (n && (fr->buf[n - 1] == '\n' || fr->buf[n - 1] == '\r' ||
                 fr->buf[n - 1] == '\0'))
        n--;
    if (n || fr->truncated)
        fn(fr->buf, n, fr->truncated, ud);
    fr->len = 0;
    fr->truncated = false;
    fr->mode = F_IDLE;
}

mm_rc mm_syslog_framer_feed(mm_syslog_framer *fr, const char *p, size_t n,
                            mm_line_fn fn, void *ud)
{
    size_t i = 0;
    while (i < n) {
        char c = p[i];
        switch (fr->mode) {
        case F_IDLE:
            if (c == '\n' || c == '\r' || c == '\0' || c == ' ') {
                i++; /* stray separators between frames */
            } else if (c >= '1' && c <= '9') {
                fr->mode = F_DIGITS;
                fr->declared = 0;
                fr->digits = 0;
            } else {
                fr->mode = F_NEWLINE;
                fr->len = 0;
                fr->truncated = false;
            }
            break;
        case F_DIGITS:
            if (c >= '0' && c <= '9' && fr->digits < LEN_DIGITS_MAX) {
                fr->declared = fr->declared * 10 + (uint64_t)(c - '0');
                fr->digits++;
                i++;
            } else if (c == ' ') {
                fr->want = fr->declared;
                fr->len = 0;
                fr->truncated = false;
                fr->mode = F_OCTETS;
                i++;
            } else {
                /* Not "LEN SP": a newline-framed message that happens to
                 * start with digits. Keep the digits as its first bytes. */
                char digits[24];
                int k = snprintf(digits, sizeof digits, "%llu",
                                 (unsigned long long)fr->declared);
                fr->len = 0;
                fr->truncated = false;
                take(fr, digits, (size_t)k);
                fr->mode = F_NEWLINE;
            }
            break;
        case F_OCTETS: {
            size_t k = n - i;
            if ((uint64_t)k > fr->want)
                k = (size_t)fr->want;
            take(fr, p + i, k);
            i += k;
            fr->want -= k;
            if (fr->want == 0)
                emit(fr, fn, ud);
            break;
        }
        case F_NEWLINE: {
            const char *nl = memchr(p + i, '\n', n - i);
            size_t k = nl ? (size_t)(nl - (p + i)) : n - i;
            take(fr, p + i, k);
            i += k;
            if (nl) {
                i++;
                emit(fr, fn, ud);
            }
            break;
        }
        }
    }
    return MM_OK;
}

mm_rc mm_syslog_framer_finish(mm_syslog_framer *fr, mm_line_fn fn, void *ud)
{
    mm_rc rc = MM_OK;
    if (fr->mode == F_NEWLINE)
        emit(fr, fn, ud);
    else if (fr->mode != F_IDLE)
        rc = MM_AGAIN;
    fr->mode = F_IDLE;
    fr->len = 0;
    fr->truncated = false;
    return rc;
}
