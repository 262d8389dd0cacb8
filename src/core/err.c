/* SPDX-License-Identifier: Apache-2.0 */
/* err.c — status names and caller-owned error records. */
#include "core.h"

#include <stdio.h>
#include <string.h>

static const char *const rc_names[] = {
    [MM_OK] = "ok",
    [MM_SKIP] = "skip",
    [MM_EOF] = "eof",
    [MM_AGAIN] = "again",
    [MM_EPARSE] = "eparse",
    [MM_EINVAL] = "einval",
    [MM_ENOMEM] = "enomem",
    [MM_ELIMIT] = "elimit",
    [MM_EIO] = "eio",
    [MM_ENOTFOUND] = "enotfound",
    [MM_EINTERNAL] = "einternal",
};

const char *mm_rc_name(mm_rc rc)
{
    if ((size_t)rc < sizeof rc_names / sizeof rc_names[0] && rc_names[rc])
        return rc_names[rc];
    return "unknown";
}

mm_rc mm_err_vset(mm_err *err, mm_rc rc, const char *file, unsigned line,
                  const char *fmt, va_list ap)
{
    if (!err)
        return rc;
    snprintf(err->file, sizeof err->file, "%s", file ? file : "");
    err->line = line;
    err->col = 0;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    return rc;
}

mm_rc mm_err_set(mm_err *err, mm_rc rc, const char *file, unsigned line,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rc = mm_err_vset(err, rc, file, line, fmt, ap);
    va_end(ap);
    return rc;
}

void mm_err_format(const mm_err *err, char *out, size_t outlen)
{
    if (!outlen)
        return;
    if (err->file[0] && err->line && err->col)
        snprintf(out, outlen, "%s:%u:%u: %s", err->file, err->line, err->col,
                 err->msg);
    else if (err->file[0] && err->line)
        snprintf(out, outlen, "%s:%u: %s", err->file, err->line, err->msg);
    else if (err->file[0])
        snprintf(out, outlen, "%s: %s", err->file, err->msg);
    else
        snprintf(out, outlen, "%s", err->msg);
}

bool mm_span_eq(mm_span s, const char *cstr)
{
    size_t n = strlen(cstr);
    return s.len == n && (n == 0 || memcmp(s.p, cstr, n) == 0);
}

size_t mm_span_copy(mm_span s, char *out, size_t outlen)
{
    if (!outlen)
        return 0;
    size_t n = s.len < outlen - 1 ? s.len : outlen - 1;
    if (n)
        memcpy(out, s.p, n);
    out[n] = '\0';
    return n;
}
