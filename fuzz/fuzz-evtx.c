/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-evtx.c — libFuzzer target for .evtx files (libevtx through
 * mm_evtx_*) and the XML parser behind it: the input is written to a
 * memory file and read like a file on disk; every record must render or be
 * skipped, and parse without reading outside its XML. Seeds: real files
 * cut to their first chunk (tests/data/windows). */
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libevtx 20181227 (Debian 12) leaks the partial XML tree of a record it
 * fails to render (libfwevt); that is the library's, not mamori's. */
const char *__lsan_default_suppressions(void)
{
    return "leak:libevtx.so\n";
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz-evtx", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    mm_evtx *x;
    mm_err err;
    if (mm_evtx_open(path, &x, &err) == MM_OK) {
        mm_span xml;
        uint64_t recno;
        unsigned n = 0;
        while (n++ < 4096 && mm_evtx_next(x, &xml, &recno) == MM_OK) {
            mm_event ev;
            mm_rc rc =
                mm_parse_line(NULL, MM_LOG_WINDOWS, xml.p, xml.len, &ev);
            if (rc != MM_OK && rc != MM_SKIP && rc != MM_EPARSE)
                abort();
            if (ev.user.len && (ev.user.p < xml.p ||
                                ev.user.p + ev.user.len > xml.p + xml.len))
                abort();
        }
        mm_evtx_free(x);
    }
    close(fd);
    return 0;
}
