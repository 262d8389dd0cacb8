/* SPDX-License-Identifier: Apache-2.0 */
/* cli-input-records.c — inputs whose records span lines or are not text:
 * Windows .evtx files (through the parse module's libevtx reader) and event
 * XML files, framed at "</Event>" whatever their layout. */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Windows event XML in text files: one <Event> per line, several on one
 * line (wevtutil qe /f:xml writes them back to back) or one spread over
 * many lines (pretty-printed). Records are framed at "</Event>" so each
 * reaches the parser whole; lines that are not event XML pass through. */
static bool xml_start(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t'))
        p++;
    return e - p > 6 && p[0] == '<' && (p[1] == 'E' || p[1] == '?') &&
           (memcmp(p, "<Event", 6) == 0 || memcmp(p, "<?xml", 5) == 0);
}

void mm_input_xml_emit(const mm_input *in, mm_xml_frame *f, mm_span line,
                       bool cut, uint64_t lineno, const mm_input_visitor *v,
                       void *ud)
{
    static const char close[] = "</Event>";
    const size_t cn = sizeof close - 1;
    if (f->acc.len == 0 && !xml_start(line.p, line.p + line.len)) {
        v->on_line(in, line, cut, lineno, ud);
        return;
    }
    if (f->acc.len == 0 && !cut) {
        const char *c = memmem(line.p, line.len, close, cn);
        const char *end = line.p + line.len;
        while (end > line.p && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (c && c + cn == end) { /* the common case: a whole record */
            v->on_line(in, line, false, lineno, ud);
            return;
        }
    }
    if (mm_buf_append(&f->acc, line.p, line.len) != MM_OK ||
        mm_buf_append(&f->acc, "\n", 1) != MM_OK) {
        v->on_line(in, mm_span_make(f->acc.data, f->acc.len), true, lineno,
                   ud);
        mm_buf_reset(&f->acc);
        return;
    }
    for (;;) {
        const char *c = memmem(f->acc.data, f->acc.len, close, cn);
        if (!c)
            break;
        size_t n = (size_t)(c - f->acc.data) + cn;
        v->on_line(in, mm_span_make(f->acc.data, n), false, lineno, ud);
        memmove(f->acc.data, f->acc.data + n, f->acc.len - n);
        f->acc.len -= n;
        const char *p = f->acc.data, *e = p + f->acc.len;
        while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
            p++;
        if (p == e || (e - p >= 9 && memcmp(p, "</Events>", 9) == 0)) {
            mm_buf_reset(&f->acc);
            break;
        }
        size_t ws = (size_t)(p - f->acc.data);
        memmove(f->acc.data, p, f->acc.len - ws);
        f->acc.len -= ws;
    }
}

/* An .evtx file: each record's XML goes to the visitor as one line of
 * type "windows"; unreadable records as empty (unparsed) lines. */
int mm_input_each_evtx(const char *cmd, const char *path, const mm_input *in0,
                       const mm_input_visitor *v, void *ud)
{
    mm_input in = *in0;
    in.type = MM_LOG_WINDOWS;
    mm_evtx *x;
    mm_err err;
    memset(&err, 0, sizeof err);
    if (mm_evtx_open(path, &x, &err) != MM_OK) {
        fprintf(stderr, "mamori %s: %s: %s\n", cmd, path, err.msg);
        if (v->on_end)
            v->on_end(&in, ud);
        return MM_EXIT_FAIL;
    }
    mm_span xml;
    uint64_t recno, bad = 0;
    while (mm_evtx_next(x, &xml, &recno) == MM_OK) {
        for (; bad < mm_evtx_skipped(x); bad++)
            v->on_line(&in, mm_span_make("", 0), false, recno, ud);
        v->on_line(&in, xml, false, recno, ud);
    }
    for (; bad < mm_evtx_skipped(x); bad++)
        v->on_line(&in, mm_span_make("", 0), false, 0, ud);
    mm_evtx_free(x);
    if (v->on_end)
        v->on_end(&in, ud);
    return MM_EXIT_OK;
}

/* A file of event XML (starts with "<?xml", "<Events>" or "<Event"):
 * read in blocks and framed at "</Event>" whatever its line layout — one
 * record per line, pretty-printed, or wevtutil's records back to back on
 * one endless line. */
bool mm_input_is_xml_file(int fd)
{
    char head[64];
    ssize_t n = pread(fd, head, sizeof head, 0);
    const char *p = head, *e = head + (n > 0 ? n : 0);
    if (e - p >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return e - p >= 6 &&
           (memcmp(p, "<?xml", 5) == 0 || memcmp(p, "<Event", 6) == 0);
}

#define XML_BLOCK (1024u * 1024u)

int mm_input_each_xml(const char *cmd, const char *path, int fd,
                      const mm_input *in, const mm_input_visitor *v, void *ud)
{
    static const char close_tag[] = "</Event>";
    const size_t cn = sizeof close_tag - 1;
    size_t cap = XML_BLOCK + MM_EVTX_RECORD_MAX, len = 0;
    char *buf = malloc(cap);
    uint64_t recno = 0;
    int status = MM_EXIT_OK;
    if (!buf) {
        fprintf(stderr, "mamori %s: %s: out of memory\n", cmd, path);
        return MM_EXIT_FAIL;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            fprintf(stderr, "mamori %s: %s: %s\n", cmd, path, strerror(errno));
            status = MM_EXIT_FAIL;
            break;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        size_t off = 0;
        const char *c;
        while ((c = memmem(buf + off, len - off, close_tag, cn)) != NULL) {
            size_t end = (size_t)(c - buf) + cn;
            while (off < end && (buf[off] == ' ' || buf[off] == '\t' ||
                                 buf[off] == '\r' || buf[off] == '\n'))
                off++; /* the parser recognises a record by its '<' */
            v->on_line(in, mm_span_make(buf + off, end - off), false, ++recno,
                       ud);
            off = end;
        }
        if (len - off > MM_EVTX_RECORD_MAX) { /* no end in sight: cut */
            v->on_line(in, mm_span_make(buf + off, MM_EVTX_RECORD_MAX), true,
                       ++recno, ud);
            off = len;
        }
        memmove(buf, buf + off, len - off);
        len -= off;
    }
    const char *p = buf, *e = buf + len;
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p < e && !(e - p >= 9 && memcmp(p, "</Events>", 9) == 0))
        v->on_line(in, mm_span_make(p, (size_t)(e - p)), false, ++recno, ud);
    free(buf);
    return status;
}

bool mm_input_is_evtx(int fd)
{
    char head[8];
    return pread(fd, head, sizeof head, 0) == (ssize_t)sizeof head &&
           mm_evtx_is(head, sizeof head);
}
