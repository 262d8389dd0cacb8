/* SPDX-License-Identifier: Apache-2.0 */
/* alertlog.c — alerts as JSON lines, one write(2) per line, rotated at a
 * size cap keeping N old files. */
#include "sensor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static mm_rc alertlog_reopen(mm_alertlog *al, mm_err *err)
{
    al->fd = open(al->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (al->fd < 0)
        return mm_err_set(err, MM_EIO, al->path, 0, "cannot open: %s",
                          strerror(errno));
    struct stat sb;
    al->size = fstat(al->fd, &sb) == 0 ? (uint64_t)sb.st_size : 0;
    return MM_OK;
}

mm_rc mm_alertlog_open(mm_alertlog *al, const char *path, uint64_t max_bytes,
                       unsigned keep, mm_err *err)
{
    memset(al, 0, sizeof *al);
    al->fd = -1;
    if (strlen(path) >= sizeof al->path)
        return mm_err_set(err, MM_EINVAL, path, 0, "path too long");
    snprintf(al->path, sizeof al->path, "%s", path);
    al->max_bytes = max_bytes;
    al->keep = keep;
    return alertlog_reopen(al, err);
}

static mm_rc alertlog_rotate(mm_alertlog *al, mm_err *err)
{
    char from[MM_SENSOR_PATH_MAX + 16], to[MM_SENSOR_PATH_MAX + 16];
    close(al->fd);
    al->fd = -1;
    if (al->keep == 0) {
        unlink(al->path);
    } else {
        snprintf(to, sizeof to, "%s.%u", al->path, al->keep);
        unlink(to);
        for (unsigned i = al->keep; i > 1; i--) {
            snprintf(from, sizeof from, "%s.%u", al->path, i - 1);
            snprintf(to, sizeof to, "%s.%u", al->path, i);
            if (rename(from, to) != 0 && errno != ENOENT)
                return mm_err_set(err, MM_EIO, from, 0, "rename: %s",
                                  strerror(errno));
        }
        snprintf(to, sizeof to, "%s.1", al->path);
        if (rename(al->path, to) != 0 && errno != ENOENT)
            return mm_err_set(err, MM_EIO, al->path, 0, "rename: %s",
                              strerror(errno));
    }
    al->rotations++;
    return alertlog_reopen(al, err);
}

mm_rc mm_alertlog_write(mm_alertlog *al, const char *line, size_t len,
                        mm_err *err)
{
    if (al->fd < 0) {
        mm_rc rc = alertlog_reopen(al, err);
        if (rc != MM_OK)
            return rc;
    }
    if (al->size > 0 && al->size + len + 1 > al->max_bytes) {
        mm_rc rc = alertlog_rotate(al, err);
        if (rc != MM_OK)
            return rc;
    }
    struct iovec iov[2] = {{(void *)(uintptr_t)line, len}, {"\n", 1}};
    size_t total = len + 1;
    ssize_t w;
    do
        w = writev(al->fd, iov, 2);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return mm_err_set(err, MM_EIO, al->path, 0, "write: %s",
                          strerror(errno));
    al->size += (uint64_t)w;
    if ((size_t)w != total) {
        /* Short write (disk full): finish the line so the file stays
         * one JSON object per line. */
        size_t done = (size_t)w;
        while (done < total) {
            const char *p = done < len ? line + done : "\n";
            size_t k = done < len ? len - done : 1;
            ssize_t r = write(al->fd, p, k);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                return mm_err_set(err, MM_EIO, al->path, 0, "write: %s",
                                  strerror(errno));
            done += (size_t)r;
            al->size += (uint64_t)r;
        }
    }
    al->written++;
    return MM_OK;
}

void mm_alertlog_close(mm_alertlog *al)
{
    if (al->fd >= 0)
        close(al->fd);
    al->fd = -1;
}
