/* SPDX-License-Identifier: Apache-2.0 */
/* follow.c — follow one file across rename rotation, copytruncate and
 * restarts, reading every complete line exactly once. */
#include "sensor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Log files are opened without following a symbolic link (the sensor runs
 * as root: a link planted in a log directory must not make it read another
 * file) and without blocking (open() of a FIFO with no writer would hang
 * the loop); only a regular file is then followed (issue 12 §6). */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW | O_NONBLOCK)

/* Directory entries looked at when searching for a rotated sibling. */
#define SIBLING_SCAN_MAX 4096

mm_rc mm_follow_init(mm_follow *f, const char *path,
                     const mm_follow_pos *saved, bool start_at_end,
                     mm_source_stats *stats)
{
    memset(f, 0, sizeof *f);
    if (strlen(path) >= sizeof f->path)
        return MM_EINVAL;
    snprintf(f->path, sizeof f->path, "%s", path);
    f->fd = -1;
    if (saved && saved->valid)
        f->pos = *saved;
    f->start_at_end = start_at_end;
    f->stats = stats;
    return MM_OK;
}

static void follow_close(mm_follow *f)
{
    if (f->lr_ready)
        mm_lines_fini(&f->lr);
    f->lr_ready = false;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

void mm_follow_fini(mm_follow *f)
{
    follow_close(f);
}

/* Hash of the first `want` bytes of fd; *got says how many there were. */
static mm_rc head_of(int fd, uint32_t want, uint64_t *hash, uint32_t *got)
{
    char buf[MM_SENSOR_HEAD_BYTES];
    size_t n;
    if (mm_pread_full(fd, buf, want, 0, &n) != MM_OK)
        return MM_EIO;
    *got = (uint32_t)n;
    *hash = mm_hash64(buf, n, 0);
    return MM_OK;
}

/* True when fd starts with the bytes pos remembers. */
static bool head_matches(int fd, const mm_follow_pos *pos)
{
    uint64_t h;
    uint32_t got;
    if (head_of(fd, pos->head_len, &h, &got) != MM_OK)
        return false;
    return got == pos->head_len && h == pos->head_hash;
}

/* Grows the remembered head up to MM_SENSOR_HEAD_BYTES as the file grows. */
static void head_refresh(mm_follow *f)
{
    if (f->pos.head_len >= MM_SENSOR_HEAD_BYTES)
        return;
    uint64_t h;
    uint32_t got;
    if (head_of(f->fd, MM_SENSOR_HEAD_BYTES, &h, &got) == MM_OK &&
        got > f->pos.head_len) {
        f->pos.head_len = got;
        f->pos.head_hash = h;
    }
}

/* Starts the line reader on f->fd at `offset`. */
static mm_rc reader_start(mm_follow *f, uint64_t offset, bool skipping)
{
    if (f->lr_ready)
        mm_lines_fini(&f->lr);
    f->lr_ready = false;
    if (lseek(f->fd, (off_t)offset, SEEK_SET) < 0)
        return MM_EIO;
    mm_rc rc = mm_lines_init(&f->lr, f->fd, 0);
    if (rc != MM_OK)
        return rc;
    f->lr.follow = true;
    f->lr.skipping = skipping;
    f->lr_ready = true;
    f->base = offset;
    f->pos.offset = offset;
    f->pos.skipping = skipping;
    return MM_OK;
}

/* Takes `fd` (with stat `sb`) as the file being read, from `offset`. */
static mm_rc adopt(mm_follow *f, int fd, const struct stat *sb,
                   uint64_t offset, bool skipping, bool at_path)
{
    follow_close(f);
    f->mtime_ns = 0;
    f->fd = fd;
    f->at_path = at_path;
    if (!f->pos.valid || f->pos.dev != (uint64_t)sb->st_dev ||
        f->pos.ino != (uint64_t)sb->st_ino) {
        /* A different file: its own identity; keep the head length only
         * when the head really is the same bytes (copy of the file). */
        bool same_head = f->pos.valid && offset > 0;
        f->pos.dev = (uint64_t)sb->st_dev;
        f->pos.ino = (uint64_t)sb->st_ino;
        if (!same_head)
            f->pos.head_len = 0;
    }
    f->pos.valid = true;
    if (f->pos.head_len == 0)
        f->pos.head_hash = mm_hash64("", 0, 0);
    head_refresh(f);
    return reader_start(f, offset, skipping);
}

/* Splits path into directory and base name. */
static void split_path(const char *path, char *dir, size_t dlen,
                       const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dlen, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dlen, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

static bool copy_already_read(const mm_follow *f, uint64_t ino)
{
    for (unsigned i = 0; i < f->n_copies && i < 4; i++)
        if (f->copies[i] == ino)
            return true;
    return false;
}

static int64_t ctime_ns(const struct stat *sb)
{
    return (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
}

/* Looks among "<base>.*" and "<base>-*" next to f->path for the file pos
 * describes: the same inode (renamed away), or — by_copy — the newest
 * other file with the same first bytes, made after pos->seen_ns, holding
 * more than pos->offset bytes and not read before (the copy copytruncate
 * made). Returns an open fd or -1. */
static int find_sibling(mm_follow *f, const mm_follow_pos *pos, bool by_copy,
                        struct stat *out)
{
    char dir[MM_SENSOR_PATH_MAX];
    const char *base;
    split_path(f->path, dir, sizeof dir, &base);
    size_t blen = strlen(base);
    /* Without a remembered head only a file with nothing read yet can be
     * matched (by time alone). */
    if (by_copy && pos->head_len == 0 && pos->offset > 0)
        return -1;
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int found = -1;
    int64_t found_ct = 0;
    struct dirent *de;
    for (int seen = 0; (de = readdir(d)) && seen < SIBLING_SCAN_MAX; seen++) {
        const char *n = de->d_name;
        if (strncmp(n, base, blen) != 0 || (n[blen] != '.' && n[blen] != '-'))
            continue;
        char full[MM_SENSOR_PATH_MAX * 2 + 2];
        snprintf(full, sizeof full, "%s/%s", dir, n);
        int fd = open(full, OPEN_FLAGS);
        if (fd < 0)
            continue;
        struct stat sb;
        bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
        if (ok && !by_copy)
            ok = (uint64_t)sb.st_dev == pos->dev &&
                 (uint64_t)sb.st_ino == pos->ino;
        if (ok && by_copy)
            ok = (uint64_t)sb.st_ino != pos->ino &&
                 !copy_already_read(f, (uint64_t)sb.st_ino) &&
                 (uint64_t)sb.st_size > pos->offset &&
                 ctime_ns(&sb) >= pos->seen_ns &&
                 (found < 0 || ctime_ns(&sb) > found_ct);
        if (ok)
            ok = head_matches(fd, pos);
        if (!ok) {
            close(fd);
            continue;
        }
        if (found >= 0)
            close(found);
        *out = sb;
        found = fd;
        found_ct = ctime_ns(&sb);
        if (!by_copy)
            break;
    }
    closedir(d);
    if (found >= 0 && by_copy)
        f->copies[f->n_copies++ % 4] = (uint64_t)out->st_ino;
    return found;
}

/* Opens the file at the path (when there is one) and decides where to
 * start. `first` is true on the first poll after start. */
static mm_rc follow_open(mm_follow *f, bool first)
{
    int fd = open(f->path, OPEN_FLAGS);
    if (fd < 0 && errno == ENOENT && f->pos.valid) {
        /* Rotated away while we were stopped and no new file yet: finish
         * the old one now rather than when the new file appears. */
        struct stat ssb;
        int sfd = find_sibling(f, &f->pos, false, &ssb);
        if (sfd >= 0) {
            f->stats->rotations++;
            return adopt(f, sfd, &ssb, f->pos.offset, f->pos.skipping, false);
        }
        return MM_OK;
    }
    if (fd < 0)
        return errno == ENOENT ? MM_OK : MM_EIO;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        errno = EINVAL; /* a FIFO, device or directory (sensor.h) */
        return MM_EIO;
    }
    if (!f->pos.valid) {
        uint64_t off = first ? (uint64_t)sb.st_size : 0;
        return adopt(f, fd, &sb, off, false, true);
    }
    bool same_ino =
        f->pos.dev == (uint64_t)sb.st_dev && f->pos.ino == (uint64_t)sb.st_ino;
    if (same_ino && (uint64_t)sb.st_size >= f->pos.offset &&
        head_matches(fd, &f->pos))
        return adopt(f, fd, &sb, f->pos.offset, f->pos.skipping, true);
    /* The saved file is not at the path any more (rotated while we were
     * stopped), or it was truncated: finish the saved file first. */
    struct stat ssb;
    int sfd = find_sibling(f, &f->pos, same_ino, &ssb);
    if (same_ino)
        f->stats->truncations++;
    else
        f->stats->rotations++;
    if (sfd >= 0) {
        close(fd);
        return adopt(f, sfd, &ssb, f->pos.offset, f->pos.skipping, false);
    }
    f->pos.valid = false;
    return adopt(f, fd, &sb, 0, false, true);
}

/* Hands out complete lines until EOF or until `budget` bytes were used. */
static mm_rc read_lines(mm_follow *f, size_t budget, mm_line_fn fn, void *ud)
{
    uint64_t start = f->lr.consumed;
    for (;;) {
        mm_span line;
        bool trunc;
        mm_rc rc = mm_lines_next(&f->lr, &line, &trunc);
        if (rc == MM_EOF)
            break;
        if (rc != MM_OK)
            return rc;
        fn(line.p, line.len, trunc, ud);
        if (budget && f->lr.consumed - start >= budget) {
            f->pos.offset = f->base + f->lr.consumed;
            f->pos.skipping = f->lr.skipping;
            return MM_AGAIN;
        }
    }
    f->pos.offset = f->base + f->lr.consumed;
    f->pos.skipping = f->lr.skipping;
    return MM_OK;
}

/* The file being read is finished (rotated away): hand out a last line
 * without newline, then close it. */
static void finish_file(mm_follow *f, mm_line_fn fn, void *ud)
{
    f->lr.follow = false;
    mm_span line;
    bool trunc;
    while (mm_lines_next(&f->lr, &line, &trunc) == MM_OK)
        fn(line.p, line.len, trunc, ud);
    follow_close(f);
    f->pos.valid = false;
}

/* The file shrank or its first bytes changed (copytruncate): read what a
 * copy next to it still holds beyond our offset, then start again at 0. */
static mm_rc on_truncated(mm_follow *f)
{
    f->stats->truncations++;
    if (f->at_path) {
        struct stat ssb;
        int sfd = find_sibling(f, &f->pos, true, &ssb);
        if (sfd >= 0)
            return adopt(f, sfd, &ssb, f->pos.offset, f->pos.skipping, false);
    }
    f->pos.head_len = 0;
    f->pos.head_hash = mm_hash64("", 0, 0);
    f->mtime_ns = 0; /* a new file in all but inode */
    mm_rc rc = reader_start(f, 0, false);
    head_refresh(f);
    return rc;
}

/* MM_AGAIN when the file was found truncated and reading restarted.
 * `before_read`: also suspect a file modified without growing. */
static mm_rc check_truncated(mm_follow *f, bool before_read)
{
    struct stat sb;
    if (fstat(f->fd, &sb) != 0)
        return MM_EIO;
    off_t readpos = lseek(f->fd, 0, SEEK_CUR);
    bool shrunk = readpos >= 0 && (uint64_t)sb.st_size < (uint64_t)readpos;
    bool rewritten = !shrunk && f->at_path && f->pos.head_len > 0 &&
                     !head_matches(f->fd, &f->pos);
    if (!shrunk && !rewritten) {
        /* Same size as read so far but modified since: truncated and
         * regrown to the very same size — typically an empty file that got
         * lines, was copied and truncated between two looks. Only a fresh
         * copy next to it proves it. */
        int64_t mt =
            (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
        if (before_read && f->at_path && f->mtime_ns && mt != f->mtime_ns &&
            readpos >= 0 && (uint64_t)sb.st_size == (uint64_t)readpos) {
            struct stat ssb;
            int sfd = find_sibling(f, &f->pos, true, &ssb);
            if (sfd >= 0) {
                f->stats->truncations++;
                mm_rc rc =
                    adopt(f, sfd, &ssb, f->pos.offset, f->pos.skipping, false);
                return rc == MM_OK ? MM_AGAIN : rc;
            }
        }
        return MM_OK;
    }
    mm_rc rc = on_truncated(f);
    return rc == MM_OK ? MM_AGAIN : rc;
}

/* The clock file times come from (coarse), so comparisons are fair. */
static int64_t coarse_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

mm_rc mm_follow_poll(mm_follow *f, size_t budget, mm_line_fn fn, void *ud)
{
    int64_t t0 = coarse_now_ns();
    bool first = f->start_at_end; /* only for the very first open */
    f->start_at_end = false;
    /* Bounded: each round either returns or switches to another file. */
    for (int round = 0; round < 8; round++) {
        if (f->fd < 0) {
            mm_rc rc = follow_open(f, first);
            if (rc != MM_OK || f->fd < 0)
                return rc;
            first = false;
        }
        /* Shrunk or rewritten since the last look (copytruncate)? Checked
         * before reading so that new bytes at an old offset are not taken
         * for the continuation of the old file. */
        mm_rc rc = check_truncated(f, true);
        if (rc == MM_AGAIN)
            continue;
        if (rc != MM_OK)
            return rc;
        rc = read_lines(f, budget, fn, ud);
        if (rc != MM_OK)
            return rc;
        rc = check_truncated(f, false);
        if (rc == MM_AGAIN)
            continue;
        if (rc != MM_OK)
            return rc;
        struct stat sb;
        if (fstat(f->fd, &sb) != 0)
            return MM_EIO;
        head_refresh(f);
        struct stat psb;
        if (stat(f->path, &psb) != 0) {
            f->pos.seen_ns = t0;
            return MM_OK; /* gone: keep the old file open, wait */
        }
        if (psb.st_dev == sb.st_dev && psb.st_ino == sb.st_ino) {
            f->at_path = true;
            f->pos.seen_ns = t0;
            f->mtime_ns =
                (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
            return MM_OK; /* caught up */
        }
        /* Another file is at the path now: this one is finished. */
        if (f->at_path)
            f->stats->rotations++;
        finish_file(f, fn, ud);
    }
    return MM_AGAIN;
}

void mm_follow_get_pos(const mm_follow *f, mm_follow_pos *pos)
{
    *pos = f->pos;
}
