/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-spool.c — hostile spool segments: truncated records, garbage, huge
 * lines, bad sequences. The segment parser and the real open/read/append/
 * ack path must never crash; a torn last record is cut and counted. */
#include "uplink.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void noop(uint64_t seq, const char *line, size_t len, void *ud)
{
    (void)seq;
    (void)line;
    (void)len;
    (void)ud;
}

static void put(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        return;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            break;
        p += w;
        n -= (size_t)w;
    }
    close(fd);
}

static char dir[64];

static void remove_dir(void)
{
    rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t corrupt = 0;
    bool torn = false;
    size_t valid = mm_spool_parse_segment((const char *)data, size, noop, NULL,
                                          &corrupt, &torn);
    if (valid > size)
        abort();

    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/fuzz-spool-%d", (int)getpid());
        mkdir(dir, 0700);
        atexit(remove_dir);
    }
    /* Two segments: the input split at a point named by its first byte,
     * and a state file with a cursor inside them. */
    size_t cut = size ? (size_t)data[0] * size / 256 : 0;
    char p[128];
    snprintf(p, sizeof p, "%s/%020d.seg", dir, 1);
    put(p, data, cut);
    snprintf(p, sizeof p, "%s/%020d.seg", dir, 3);
    put(p, data + cut, size - cut);
    snprintf(p, sizeof p, "%s/state.json", dir);
    const char state[] = "{\"version\":1,\"spool_id\":\"0123456789abcdef\","
                         "\"acked\":1,\"dropped\":0,\"rejected\":0}\n";
    put(p, (const uint8_t *)state, sizeof state - 1);

    mm_spool *sp;
    mm_spool_opts o = {.max_bytes = 1 << 20};
    if (mm_spool_open(dir, &o, &sp, NULL) == MM_OK) {
        mm_spool_batch b;
        mm_spool_batch_init(&b);
        for (int i = 0; i < 8; i++) {
            if (mm_spool_read(sp, &b, 100, 1 << 16, NULL) != MM_OK || b.n == 0)
                break;
            mm_spool_ack(sp, b.last_seq, NULL);
        }
        json_t *r = json_pack("{s:{s:s}}", "event", "kind", "alert");
        mm_spool_append(sp, &r, 1, false, NULL, NULL, NULL);
        json_decref(r);
        mm_spool_batch_free(&b);
        mm_spool_close(sp);
    }
    DIR *dh = opendir(dir);
    struct dirent *de;
    while (dh && (de = readdir(dh)) != NULL) {
        if (de->d_name[0] == '.' &&
            (de->d_name[1] == '\0' || de->d_name[1] == '.'))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        unlink(p);
    }
    if (dh)
        closedir(dh);
    return 0;
}
