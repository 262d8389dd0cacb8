/* SPDX-License-Identifier: Apache-2.0 */
/* lines.c — the line reader: big reads, memchr framing, capped lines. */
#include "core.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

mm_rc mm_lines_init(mm_lines *lr, int fd, size_t max_line)
{
    memset(lr, 0, sizeof *lr);
    lr->fd = fd;
    lr->max_line = max_line ? max_line : MM_LINE_MAX;
    lr->cap = lr->max_line + MM_READ_BUF;
    lr->buf = malloc(lr->cap);
    return lr->buf ? MM_OK : MM_ENOMEM;
}

void mm_lines_fini(mm_lines *lr)
{
    free(lr->buf);
    lr->buf = NULL;
}

/* Moves unread bytes to the front and reads more. MM_EOF when none came. */
static mm_rc lines_fill(mm_lines *lr)
{
    if (lr->start > 0) {
        memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
        lr->end -= lr->start;
        lr->start = 0;
    }
    if (lr->end == lr->cap)
        return MM_OK;
    for (;;) {
        ssize_t n = read(lr->fd, lr->buf + lr->end, lr->cap - lr->end);
        if (n > 0) {
            lr->end += (size_t)n;
            return MM_OK;
        }
        if (n == 0) {
            lr->eof = true;
            return MM_EOF;
        }
        if (errno != EINTR)
            return MM_EIO;
    }
}

static void strip_cr(mm_span *line)
{
    if (line->len && line->p[line->len - 1] == '\r')
        line->len--;
}

/* Returns the bytes [start, start+len) as a line, consuming `used` bytes. */
static mm_rc lines_emit(mm_lines *lr, size_t len, size_t used, mm_span *line,
                        bool *truncated)
{
    *truncated = len > lr->max_line;
    if (*truncated)
        len = lr->max_line;
    *line = mm_span_make(lr->buf + lr->start, len);
    strip_cr(line);
    lr->start += used;
    lr->consumed += used;
    lr->lineno++;
    return MM_OK;
}

mm_rc mm_lines_next(mm_lines *lr, mm_span *line, bool *truncated)
{
    lr->eof = false;
    for (;;) {
        size_t avail = lr->end - lr->start;
        char *p = lr->buf + lr->start;
        char *nl = avail ? memchr(p, '\n', avail) : NULL;
        if (lr->skipping) {
            /* Discard the tail of an over-long line already returned. */
            size_t drop = nl ? (size_t)(nl - p) + 1 : avail;
            lr->start += drop;
            lr->consumed += drop;
            if (nl)
                lr->skipping = false;
            if (!nl && lines_fill(lr) != MM_OK && lr->eof)
                return MM_EOF;
            continue;
        }
        if (nl)
            return lines_emit(lr, (size_t)(nl - p), (size_t)(nl - p) + 1, line,
                              truncated);
        if (avail > lr->max_line) {
            /* Over-long: hand out the first max_line bytes, skip the rest. */
            lines_emit(lr, avail, lr->max_line, line, truncated);
            *truncated = true;
            lr->skipping = true;
            return MM_OK;
        }
        mm_rc rc = lines_fill(lr);
        if (rc == MM_EIO)
            return rc;
        if (rc == MM_EOF) {
            if (avail == 0 || lr->follow)
                return MM_EOF;
            return lines_emit(lr, avail, avail, line, truncated);
        }
    }
}
