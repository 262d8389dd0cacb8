/* SPDX-License-Identifier: Apache-2.0 */
/* replay.c — move sample log lines in time and to another host. */
#include "demo.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "Mmm dd hh:mm:ss " (day may be space-padded): 16 bytes. */
static bool syslog_stamp(const char *l, size_t len, int *mon, int *day, int *h,
                         int *mi, int *s)
{
    if (len < 16 || l[3] != ' ' || l[6] != ' ' || l[9] != ':' ||
        l[12] != ':' || l[15] != ' ')
        return false;
    *mon = mm_time_month(l);
    if (*mon == 0)
        return false;
    char d[2] = {l[4] == ' ' ? '0' : l[4], l[5]};
    return mm_digits(d, 2, day) && mm_digits(l + 7, 2, h) &&
           mm_digits(l + 10, 2, mi) && mm_digits(l + 13, 2, s) && *day >= 1 &&
           *day <= 31 && *h < 24 && *mi < 60 && *s < 61;
}

bool mm_demo_syslog_time(const char *line, size_t len, int year, int64_t *t)
{
    int mon, day, h, mi, s;
    if (!syslog_stamp(line, len, &mon, &day, &h, &mi, &s))
        return false;
    *t = mm_time_from_civil(year, mon, day, h, mi, s);
    return true;
}

/* Finds "[dd/Mon/yyyy:hh:mm:ss +zzzz]"; returns its offset or -1. */
static long access_stamp(const char *l, size_t len, int64_t *t)
{
    const char *b = memchr(l, '[', len);
    if (!b)
        return -1;
    size_t off = (size_t)(b - l);
    if (len - off < 28 || b[3] != '/' || b[7] != '/' || b[12] != ':' ||
        b[15] != ':' || b[18] != ':' || b[21] != ' ' || b[27] != ']')
        return -1;
    int day, year, h, mi, s, zh, zm;
    int mon = mm_time_month(b + 4);
    if (!mon || !mm_digits(b + 1, 2, &day) || !mm_digits(b + 8, 4, &year) ||
        !mm_digits(b + 13, 2, &h) || !mm_digits(b + 16, 2, &mi) ||
        !mm_digits(b + 19, 2, &s) || !mm_digits(b + 23, 2, &zh) ||
        !mm_digits(b + 25, 2, &zm) || (b[22] != '+' && b[22] != '-'))
        return -1;
    int64_t z = (int64_t)zh * 3600 + zm * 60;
    *t =
        mm_time_from_civil(year, mon, day, h, mi, s) - (b[22] == '+' ? z : -z);
    return (long)off;
}

bool mm_demo_access_time(const char *line, size_t len, int64_t *t)
{
    return access_stamp(line, len, t) >= 0;
}

static void civil(int64_t t, struct tm *tm)
{
    time_t tt = (time_t)t;
    gmtime_r(&tt, tm);
}

mm_rc mm_demo_rewrite_syslog(const char *line, size_t len, int64_t t,
                             const char *host, mm_buf *out)
{
    int mon, day, h, mi, s;
    if (!syslog_stamp(line, len, &mon, &day, &h, &mi, &s))
        return MM_EPARSE;
    struct tm tm;
    civil(t, &tm);
    mm_rc rc = mm_buf_printf(out, "%s %2d %02d:%02d:%02d ", months[tm.tm_mon],
                             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    size_t rest = 16;
    if (rc == MM_OK && host) {
        const char *sp = memchr(line + 16, ' ', len - 16);
        if (sp) {
            rc = mm_buf_puts(out, host);
            rest = (size_t)(sp - line);
        }
    }
    if (rc == MM_OK)
        rc = mm_buf_append(out, line + rest, len - rest);
    if (rc == MM_OK)
        rc = mm_buf_append(out, "\n", 1);
    return rc;
}

mm_rc mm_demo_rewrite_access(const char *line, size_t len, int64_t t,
                             mm_buf *out)
{
    int64_t old;
    long off = access_stamp(line, len, &old);
    if (off < 0)
        return MM_EPARSE;
    struct tm tm;
    civil(t, &tm);
    mm_rc rc = mm_buf_append(out, line, (size_t)off);
    if (rc == MM_OK)
        rc = mm_buf_printf(out, "[%02d/%s/%04d:%02d:%02d:%02d +0000]",
                           tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                           tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (rc == MM_OK)
        rc = mm_buf_append(out, line + off + 28, len - (size_t)off - 28);
    if (rc == MM_OK)
        rc = mm_buf_append(out, "\n", 1);
    return rc;
}
