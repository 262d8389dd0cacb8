/* SPDX-License-Identifier: Apache-2.0 */
/* evtx.c — Windows .evtx files through libevtx: each record rendered as
 * its event XML (the same text wevtutil and evtxexport -f xml print),
 * which the XML parser (winxml.c, type "windows") then reads like any
 * other event XML. Records libevtx cannot read (truncated or corrupted
 * chunks) are skipped and counted, never fatal. Only the live records
 * are read, as evtxexport does by default: "recovered" records are
 * fragments left in free chunk space, often unreadable or duplicates. */
#include "parse-int.h"

/* libevtx.h includes libbfio.h (not shipped by libevtx-dev) only for the
 * file-IO-handle functions, which mamori does not use. */
#include <libevtx/features.h>
#undef LIBEVTX_HAVE_BFIO
#include <libevtx.h>
#include <stdlib.h>

struct mm_evtx {
    libevtx_file_t *file;
    int n_live;
    int next;     /* index of the next record */
    uint64_t bad; /* records skipped */
    char *buf;
    size_t cap;
};

/* libevtx's message for `err`, then frees it. */
static mm_rc lib_err(mm_err *err, mm_rc rc, const char *path,
                     libevtx_error_t **e, const char *what)
{
    char msg[256] = "";
    if (e && *e) {
        libevtx_error_sprint(*e, msg, sizeof msg);
        libevtx_error_free(e);
    }
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = 0;
    return mm_err_set(err, rc, path, 0, "%s%s%s", what, msg[0] ? ": " : "",
                      msg);
}

bool mm_evtx_is(const void *head, size_t n)
{
    return n >= 8 && memcmp(head, "ElfFile\0", 8) == 0;
}

mm_rc mm_evtx_open(const char *path, mm_evtx **out, mm_err *err)
{
    *out = NULL;
    mm_evtx *x = calloc(1, sizeof *x);
    if (!x)
        return mm_err_set(err, MM_ENOMEM, path, 0, "out of memory");
    libevtx_error_t *e = NULL;
    if (libevtx_file_initialize(&x->file, &e) != 1) {
        free(x);
        return lib_err(err, MM_ENOMEM, path, &e, "libevtx");
    }
    if (libevtx_file_open(x->file, path, LIBEVTX_OPEN_READ, &e) != 1) {
        libevtx_file_free(&x->file, NULL);
        free(x);
        return lib_err(err, MM_EPARSE, path, &e, "not a readable EVTX file");
    }
    if (libevtx_file_get_number_of_records(x->file, &x->n_live, &e) != 1) {
        mm_evtx_free(x);
        return lib_err(err, MM_EPARSE, path, &e, "EVTX records unreadable");
    }
    *out = x;
    return MM_OK;
}

void mm_evtx_free(mm_evtx *x)
{
    if (!x)
        return;
    if (x->file) {
        libevtx_file_close(x->file, NULL);
        libevtx_file_free(&x->file, NULL);
    }
    free(x->buf);
    free(x);
}

uint64_t mm_evtx_skipped(const mm_evtx *x)
{
    return x ? x->bad : 0;
}

static bool grow(mm_evtx *x, size_t size)
{
    if (size <= x->cap)
        return true;
    if (mm_resize(&x->buf, size, 1) != MM_OK)
        return false;
    x->cap = size;
    return true;
}

/* The XML of one record into x->buf; false when libevtx cannot render
 * it. Asking for the size renders the record once more, so the buffer
 * (64 KiB to start) is tried first and the size asked only when it is too
 * small. */
static bool render(mm_evtx *x, libevtx_record_t *rec, size_t *len)
{
    if (!grow(x, 64u * 1024u))
        return false;
    if (libevtx_record_get_utf8_xml_string(rec, (uint8_t *)x->buf, x->cap,
                                           NULL) != 1) {
        size_t size = 0;
        if (libevtx_record_get_utf8_xml_string_size(rec, &size, NULL) != 1 ||
            size == 0 || size > MM_EVTX_RECORD_MAX || size <= x->cap ||
            !grow(x, size) ||
            libevtx_record_get_utf8_xml_string(rec, (uint8_t *)x->buf, size,
                                               NULL) != 1)
            return false;
    }
    *len = strnlen(x->buf, x->cap);
    return true;
}

mm_rc mm_evtx_next(mm_evtx *x, mm_span *xml, uint64_t *recno)
{
    while (x->next < x->n_live) {
        int i = x->next++;
        libevtx_record_t *rec = NULL;
        int ok = libevtx_file_get_record_by_index(x->file, i, &rec, NULL);
        size_t len = 0;
        bool good = ok == 1 && rec && render(x, rec, &len);
        if (rec)
            libevtx_record_free(&rec, NULL);
        if (!good) {
            x->bad++;
            continue;
        }
        *xml = mm_span_make(x->buf, len);
        *recno = (uint64_t)i + 1;
        return MM_OK;
    }
    return MM_EOF;
}
