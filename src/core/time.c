/* SPDX-License-Identifier: Apache-2.0 */
/* time.c — civil time to epoch without libc time-zone state. */
#include "core.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm), valid for any year that fits in int. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t mm_time_from_civil(int year, int month, int day, int hour, int min,
                           int sec)
{
    return days_from_civil(year, month, day) * 86400 + hour * 3600 + min * 60 +
           sec;
}

int mm_time_month(const char *p)
{
    static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    for (int i = 0; i < 12; i++)
        if (memcmp(p, names + 3 * i, 3) == 0)
            return i + 1;
    return 0;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

size_t mm_time_format(int64_t ts_ms, char *out, size_t outlen)
{
    int64_t secs = ts_ms >= 0 ? ts_ms / 1000 : (ts_ms - 999) / 1000;
    int ms = (int)(ts_ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t rem = secs - days * 86400;
    int y, m, d;
    civil_from_days(days, &y, &m, &d);
    int n =
        snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
                 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60), ms);
    return n < 0 ? 0 : (size_t)n;
}

mm_rc mm_time_parse_offset(const char *p, size_t len, int *offset_s)
{
    if (len == 1 && (p[0] == 'Z' || p[0] == 'z')) {
        *offset_s = 0;
        return MM_OK;
    }
    if ((len != 5 && len != 6) || (p[0] != '+' && p[0] != '-'))
        return MM_EPARSE;
    const char *mm = p + (len == 6 ? 4 : 3);
    if (len == 6 && p[3] != ':')
        return MM_EPARSE;
    for (int i = 1; i < 3; i++)
        if (p[i] < '0' || p[i] > '9' || mm[i - 1] < '0' || mm[i - 1] > '9')
            return MM_EPARSE;
    int h = (p[1] - '0') * 10 + (p[2] - '0');
    int m = (mm[0] - '0') * 10 + (mm[1] - '0');
    if (h > 23 || m > 59)
        return MM_EPARSE;
    *offset_s = (p[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return MM_OK;
}

static int64_t clock_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t mm_now_ms(void)
{
    return clock_ms(CLOCK_REALTIME);
}

int64_t mm_now_s(void)
{
    return clock_ms(CLOCK_REALTIME) / 1000;
}

int64_t mm_mono_ms(void)
{
    return clock_ms(CLOCK_MONOTONIC);
}

int64_t mm_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
