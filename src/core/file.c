/* SPDX-License-Identifier: Apache-2.0 */
/* file.c — whole-file reads with a size cap, atomic replacement, and
 * positioned reads that survive short reads. */
#include "core.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static mm_rc read_fail(int fd, char *buf, mm_rc rc, mm_err *err,
                       const char *path, const char *msg, int e)
{
    free(buf);
    close(fd);
    if (e)
        return mm_err_set(err, rc, path, 0, "%s: %s", msg, strerror(e));
    return mm_err_set(err, rc, path, 0, "%s", msg);
}

mm_rc mm_file_read(const char *path, size_t max, char **out, size_t *len,
                   mm_err *err)
{
    *out = NULL;
    if (len)
        *len = 0;
    if (max == 0)
        max = MM_FILE_MAX_DEFAULT;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return mm_err_set(err, errno == ENOENT ? MM_ENOTFOUND : MM_EIO, path,
                          0, "開けません / cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
        return read_fail(fd, NULL, MM_EIO, err, path,
                         "通常のファイルではありません / not a regular file",
                         0);
    if ((uint64_t)st.st_size > max) {
        close(fd);
        return mm_err_set(
            err, MM_ELIMIT, path, 0,
            "ファイルが大きすぎます / file larger than %zu bytes", max);
    }
    /* The size is a hint: the file may grow or shrink while it is read. */
    size_t cap = (size_t)st.st_size + 1, got = 0;
    char *buf = malloc(cap);
    if (!buf)
        return read_fail(fd, NULL, MM_ENOMEM, err, path, "out of memory", 0);
    for (;;) {
        if (got == cap - 1) {
            if (got >= max) {
                char probe;
                ssize_t r = read(fd, &probe, 1);
                if (r == 0)
                    break;
                return read_fail(fd, buf, MM_ELIMIT, err, path,
                                 "ファイルが大きすぎます / file too large", 0);
            }
            size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb)
                return read_fail(fd, buf, MM_ENOMEM, err, path,
                                 "out of memory", 0);
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + got, cap - 1 - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return read_fail(fd, buf, MM_EIO, err, path,
                             "読めません / read failed", errno);
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    if (len)
        *len = got;
    return MM_OK;
}

static bool write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

mm_rc mm_file_parse(const char *path, size_t max, mm_file_parse_fn parse,
                    void *ud, mm_err *err)
{
    char *text;
    size_t len;
    mm_rc rc = mm_file_read(path, max, &text, &len, err);
    if (rc == MM_OK)
        rc = parse(text, len, path, ud, err);
    free(text);
    return rc;
}

/* fsync of the directory holding `path`, so a rename in it is durable. */
static void sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
}

mm_rc mm_file_write_atomic(const char *path, const void *data, size_t len,
                           unsigned mode, mm_err *err)
{
    char tmp[4096];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return mm_err_set(err, MM_EINVAL, path, 0, "path too long");
    /* A stale temporary file may have another mode: start afresh. */
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
    if (fd < 0)
        return mm_err_set(err, MM_EIO, tmp, 0,
                          "作成できません / cannot create: %s",
                          strerror(errno));
    if (!write_all(fd, data, len) || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return mm_err_set(err, MM_EIO, tmp, 0,
                          "書き込めません / cannot write: %s", strerror(e));
    }
    if (close(fd) != 0 || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return mm_err_set(err, MM_EIO, path, 0,
                          "置き換えられません / cannot rename: %s",
                          strerror(e));
    }
    sync_dir(path);
    return MM_OK;
}

mm_rc mm_pread_full(int fd, void *buf, size_t len, uint64_t off, size_t *got)
{
    char *p = buf;
    size_t n = 0;
    *got = 0;
    while (n < len) {
        ssize_t r = pread(fd, p + n, len - n, (off_t)(off + n));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return MM_EIO;
        if (r == 0)
            break;
        n += (size_t)r;
        *got = n;
    }
    return MM_OK;
}
