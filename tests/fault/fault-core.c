/* SPDX-License-Identifier: Apache-2.0 */
/* fault-core.c — allocation failures in core: buffers and JSON, the line
 * reader, the INI reader, whole-file read and atomic write. */
#include "fault.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static mm_rc sc_buf_json(mm_buf *out, mm_err *err)
{
    (void)err;
    mm_buf b;
    mm_buf_init(&b, 1u << 20);
    mm_rc rc = MM_OK;
    for (int i = 0; rc == MM_OK && i < 200; i++) {
        rc = mm_buf_printf(&b, "%d:", i);
        if (rc == MM_OK)
            rc = mm_buf_json_str(&b, "ログ\x01\xff\"\\", 10);
    }
    mm_event ev;
    memset(&ev, 0, sizeof ev);
    ev.ts_ms = 1449730546000;
    ev.dataset = MM_DS_SSHD;
    ev.action = MM_ACT_AUTH_FAILURE;
    mm_addr_parse("173.234.31.186", 14, &ev.src);
    ev.user = mm_span_make("webmaster", 9);
    if (rc == MM_OK)
        rc = mm_event_to_json(&ev, &b);
    if (rc == MM_OK)
        rc = mm_buf_append(out, b.data, b.len);
    mm_buf_free(&b);
    return rc;
}

static mm_rc sc_lines(mm_buf *out, mm_err *err)
{
    char path[1024];
    fault_src("data/samples/loghub-OpenSSH_2k.log", path, sizeof path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mm_err_set(err, MM_EIO, path, 0, "cannot open");
    mm_lines lr;
    mm_rc rc = mm_lines_init(&lr, fd, 100);
    bool inited = rc == MM_OK;
    uint64_t n = 0, cut = 0, h = 0;
    while (rc == MM_OK) {
        mm_span line;
        bool truncated;
        rc = mm_lines_next(&lr, &line, &truncated);
        if (rc != MM_OK)
            break;
        n++;
        cut += truncated;
        h = mm_hash64(line.p, line.len, h);
    }
    if (rc == MM_EOF)
        rc = mm_buf_printf(out, "%llu %llu %llx", (unsigned long long)n,
                           (unsigned long long)cut, (unsigned long long)h);
    else if (rc == MM_ENOMEM)
        mm_err_set(err, rc, path, 0, "out of memory");
    if (inited)
        mm_lines_fini(&lr);
    close(fd);
    return rc;
}

static mm_rc count_item(const mm_conf_item *it, void *ud, mm_err *err)
{
    (void)err;
    mm_buf *out = ud;
    return mm_buf_printf(out, "%s.%s.%s=%s\n", it->section, it->label,
                         it->key ? it->key : "", it->value ? it->value : "");
}

static mm_rc sc_conf_file(mm_buf *out, mm_err *err)
{
    char path[1024];
    fault_src("fuzz/corpus/fuzz-conf/full.conf", path, sizeof path);
    return mm_conf_parse_file(path, count_item, out, err);
}

static mm_rc sc_file_atomic(mm_buf *out, mm_err *err)
{
    char dir[512], path[600];
    fault_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/f.json", dir);
    mm_rc rc = mm_file_write_atomic(path, "{\"a\":1}\n", 8, 0600, err);
    char *text = NULL;
    size_t len = 0;
    if (rc == MM_OK)
        rc = mm_file_read(path, 0, &text, &len, err);
    if (rc == MM_OK)
        rc = mm_buf_append(out, text, len);
    free(text);
    unlink(path);
    rmdir(dir);
    return rc;
}

int main(void)
{
    static const fault_scenario sc[] = {
        {"core buf+json", sc_buf_json, false, false},
        {"core lines", sc_lines, false, false},
        {"core conf file", sc_conf_file, false, false},
        {"core file atomic", sc_file_atomic, false, false},
    };
    return fault_main("fault-core", sc, sizeof sc / sizeof *sc);
}
