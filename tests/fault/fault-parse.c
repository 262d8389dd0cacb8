/* SPDX-License-Identifier: Apache-2.0 */
/* fault-parse.c — allocation failures in the parsers: a custom web log
 * format, and sample logs read with the line reader and turned into event
 * JSON. */
#include "fault.h"
#include "parse.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Reads `rel` line by line, parses each as `type`, appends event JSON. */
static mm_rc parse_file(const char *rel, mm_logtype type,
                        const mm_parse_opts *o, unsigned max_lines,
                        mm_buf *out, mm_err *err)
{
    char path[1024];
    fault_src(rel, path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mm_err_set(err, MM_EIO, path, 0, "cannot open");
    mm_lines lr;
    mm_rc rc = mm_lines_init(&lr, fd, 0);
    if (rc != MM_OK) {
        close(fd);
        return mm_err_set(err, rc, path, 0, "out of memory");
    }
    for (unsigned i = 0; rc == MM_OK && i < max_lines; i++) {
        mm_span line;
        bool cut;
        rc = mm_lines_next(&lr, &line, &cut);
        if (rc != MM_OK)
            break;
        mm_event ev;
        mm_rc prc = mm_parse_line(o, type, line.p, line.len, &ev);
        if (prc == MM_OK)
            rc = mm_event_to_json(&ev, out);
        if (rc == MM_OK)
            rc = mm_buf_puts(out, "\n");
    }
    if (rc == MM_EOF)
        rc = MM_OK;
    mm_lines_fini(&lr);
    close(fd);
    return rc;
}

static mm_rc sc_sshd(mm_buf *out, mm_err *err)
{
    mm_parse_opts o = {.year = 2015};
    return parse_file("data/samples/loghub-OpenSSH_2k.log", MM_LOG_AUTO, &o,
                      300, out, err);
}

static mm_rc sc_webfmt(mm_buf *out, mm_err *err)
{
    mm_webfmt *f = NULL;
    mm_rc rc = mm_webfmt_compile(
        "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"", &f,
        err);
    if (rc != MM_OK)
        return rc;
    mm_parse_opts o = {.web_format = f};
    rc = parse_file("data/samples/elastic-apache_access_10k.log",
                    MM_LOG_WEB_ACCESS, &o, 200, out, err);
    mm_webfmt_free(f);
    return rc;
}

int main(void)
{
    static const fault_scenario sc[] = {
        {"parse sshd", sc_sshd, false, false},
        {"parse web format", sc_webfmt, false, false},
    };
    return fault_main("fault-parse", sc, sizeof sc / sizeof *sc);
}
