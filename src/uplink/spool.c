/* SPDX-License-Identifier: Apache-2.0 */
/* spool.c — the durable on-disk queue between detection and upload.
 *
 * <dir>/<first-seq 20 digits>.seg   records, one JSON line each
 * <dir>/state.json                  {"spool_id","acked","dropped","rejected"}
 * <dir>/rejected/<seq>.json         records the hub refused (400)
 *
 * A record's sequence is the number after the last '-' of its event.id.
 * Segment i holds sequences [first_i, first_{i+1}); the last segment holds
 * [first, next_seq). Only fsynced records are handed to the reader, so a
 * record that was uploaded can never be lost by a crash and its sequence
 * reused. */
#include "uplink.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEG_MIN (64u * 1024u)
#define SEG_MAX (8u * 1024u * 1024u)
#define STATE_MAX 4096

typedef struct seg {
    uint64_t first;
    uint64_t bytes;
} seg;

struct mm_spool {
    char dir[1024];
    pthread_mutex_t mu;
    uint64_t max_bytes;
    uint64_t seg_bytes;
    seg *segs;
    size_t nsegs, segcap;
    int fd; /* the segment being appended to (the last), or -1 */
    int dirfd;
    uint64_t next_seq;
    uint64_t synced_seq; /* records <= this are durable */
    uint64_t synced_off; /* durable bytes of the active segment */
    bool dirty;
    uint64_t acked, dropped, rejected, corrupt;
    uint64_t total_bytes;
    char id[17];
    /* reader position cache: in segment rd_first, after seq rd_seq */
    uint64_t rd_first, rd_seq, rd_off;
    bool rd_valid;
    /* mm_spool_set_origin: records get event.id "<id>-o<origin>.<k>" and
     * carry their sequence in event.sequence (0 = the "<id>-<seq>" form) */
    uint64_t origin;
    unsigned origin_k;
};

/* ---- records --------------------------------------------------------------
 */

/* Parses the sequence out of a record line; false when the line is not a
 * JSON object with event.id "<id>-<digits>". */
static bool record_seq(const char *line, size_t len, uint64_t *seq)
{
    if (len < 2 || line[0] != '{')
        return false;
    json_error_t je;
    json_t *o = json_loadb(line, len, 0, &je);
    if (!o)
        return false;
    bool ok = false;
    json_t *ev = json_object_get(o, "event");
    json_t *id = json_is_object(ev) ? json_object_get(ev, "id") : NULL;
    json_t *sq = json_is_object(ev) ? json_object_get(ev, "sequence") : NULL;
    if (json_is_integer(sq)) {
        ok = json_integer_value(sq) > 0;
        if (ok)
            *seq = (uint64_t)json_integer_value(sq);
    } else if (json_is_string(id)) {
        const char *s = json_string_value(id);
        const char *dash = strrchr(s, '-');
        if (dash && dash[1]) {
            uint64_t v = 0;
            ok = true;
            for (const char *p = dash + 1; *p; p++) {
                if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) {
                    ok = false;
                    break;
                }
                v = v * 10 + (uint64_t)(*p - '0');
            }
            ok = ok && v > 0;
            if (ok)
                *seq = v;
        }
    }
    json_decref(o);
    return ok;
}

size_t mm_spool_parse_segment(const char *data, size_t len,
                              mm_spool_record_fn fn, void *ud,
                              uint64_t *corrupt, bool *torn)
{
    size_t pos = 0;
    uint64_t prev = 0;
    *torn = false;
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);
        if (!nl) {
            *torn = true;
            (*corrupt)++;
            return pos;
        }
        size_t n = (size_t)(nl - (data + pos));
        uint64_t seq;
        if (n <= MM_SPOOL_RECORD_MAX && record_seq(data + pos, n, &seq) &&
            seq > prev) {
            prev = seq;
            if (fn)
                fn(seq, data + pos, n, ud);
        } else if (n > 0) {
            (*corrupt)++;
        }
        pos += n + 1;
    }
    return pos;
}

/* ---- files ----------------------------------------------------------------
 */

static mm_rc io_err(mm_err *err, const char *path, const char *what)
{
    return mm_err_set(err, MM_EIO, path, 0, "%s: %s", what, strerror(errno));
}

static void seg_path(const mm_spool *sp, uint64_t first, char *out,
                     size_t outlen)
{
    snprintf(out, outlen, "%s/%020" PRIu64 ".seg", sp->dir, first);
}

static mm_rc write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return MM_EIO;
        }
        p += w;
        n -= (size_t)w;
    }
    return MM_OK;
}

/* Writes `data` to dir/name atomically (mm_file_write_atomic). */
static mm_rc atomic_write(const char *dir, const char *name, const char *data,
                          size_t len, mm_err *err)
{
    char path[1400];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return mm_err_set(err, MM_EINVAL, dir, 0, "path too long");
    return mm_file_write_atomic(path, data, len, 0600, err);
}

static mm_rc save_state(mm_spool *sp, mm_err *err)
{
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "{\"version\":1,\"spool_id\":\"%s\",\"acked\":%" PRIu64
                     ",\"dropped\":%" PRIu64 ",\"rejected\":%" PRIu64 "}\n",
                     sp->id, sp->acked, sp->dropped, sp->rejected);
    return atomic_write(sp->dir, "state.json", buf, (size_t)n, err);
}

static mm_rc load_state(mm_spool *sp, mm_err *err)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/state.json", sp->dir);
    char *buf;
    size_t n;
    mm_rc rc = mm_file_read(path, STATE_MAX, &buf, &n, err);
    if (rc == MM_ENOTFOUND) {
        /* A new spool: a random id names its records. */
        uint64_t r = mm_random_seed();
        snprintf(sp->id, sizeof sp->id, "%016" PRIx64, r);
        return save_state(sp, err);
    }
    if (rc != MM_OK)
        return rc;
    json_error_t je;
    json_t *o = json_loadb(buf, n, 0, &je);
    free(buf);
    json_t *id = o ? json_object_get(o, "spool_id") : NULL;
    if (!o || !json_is_string(id) || json_string_length(id) != 16) {
        json_decref(o);
        return mm_err_set(err, MM_EPARSE, path, 0,
                          "spool state is damaged (no spool_id); move the "
                          "spool aside to start a new one");
    }
    memcpy(sp->id, json_string_value(id), 16);
    sp->id[16] = '\0';
    for (size_t i = 0; i < 16; i++) {
        char c = sp->id[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            json_decref(o);
            return mm_err_set(err, MM_EPARSE, path, 0,
                              "spool state has a bad spool_id");
        }
    }
    json_t *v;
    if ((v = json_object_get(o, "acked")) && json_is_integer(v) &&
        json_integer_value(v) >= 0)
        sp->acked = (uint64_t)json_integer_value(v);
    if ((v = json_object_get(o, "dropped")) && json_is_integer(v) &&
        json_integer_value(v) >= 0)
        sp->dropped = (uint64_t)json_integer_value(v);
    if ((v = json_object_get(o, "rejected")) && json_is_integer(v) &&
        json_integer_value(v) >= 0)
        sp->rejected = (uint64_t)json_integer_value(v);
    json_decref(o);
    return MM_OK;
}

static int seg_cmp(const void *a, const void *b)
{
    const seg *x = a, *y = b;
    return x->first < y->first ? -1 : x->first > y->first;
}

static mm_rc seg_push(mm_spool *sp, uint64_t first, uint64_t bytes)
{
    seg *ns = mm_grow(sp->segs, &sp->segcap, sp->nsegs + 1, sizeof *ns, 16);
    if (!ns)
        return MM_ENOMEM;
    sp->segs = ns;
    sp->segs[sp->nsegs].first = first;
    sp->segs[sp->nsegs].bytes = bytes;
    sp->nsegs++;
    return MM_OK;
}

static void seg_remove_front(mm_spool *sp, size_t k)
{
    memmove(sp->segs, sp->segs + k, (sp->nsegs - k) * sizeof *sp->segs);
    sp->nsegs -= k;
}

/* Last sequence segment i may hold. */
static uint64_t seg_last(const mm_spool *sp, size_t i)
{
    return i + 1 < sp->nsegs ? sp->segs[i + 1].first - 1 : sp->next_seq - 1;
}

typedef struct last_rec {
    uint64_t seq;
} last_rec;

static void note_last(uint64_t seq, const char *line, size_t len, void *ud)
{
    (void)line;
    (void)len;
    ((last_rec *)ud)->seq = seq;
}

mm_rc mm_spool_open(const char *dir, const mm_spool_opts *opts, mm_spool **out,
                    mm_err *err)
{
    *out = NULL;
    if (strlen(dir) >= 1000)
        return mm_err_set(err, MM_EINVAL, dir, 0, "spool_dir is too long");
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return io_err(err, dir, "cannot create the spool directory");
    mm_spool *sp = calloc(1, sizeof *sp);
    if (!sp)
        return MM_ENOMEM;
    snprintf(sp->dir, sizeof sp->dir, "%s", dir);
    pthread_mutex_init(&sp->mu, NULL);
    sp->fd = -1;
    sp->max_bytes =
        opts && opts->max_bytes ? opts->max_bytes : MM_SPOOL_MAX_DEFAULT;
    sp->seg_bytes =
        opts && opts->segment_bytes ? opts->segment_bytes : sp->max_bytes / 16;
    if (sp->seg_bytes < SEG_MIN)
        sp->seg_bytes = SEG_MIN;
    if (sp->seg_bytes > SEG_MAX)
        sp->seg_bytes = SEG_MAX;
    sp->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    mm_rc rc;
    if (sp->dirfd < 0) {
        rc = io_err(err, dir, "cannot open the spool directory");
        goto fail;
    }
    if ((rc = load_state(sp, err)) != MM_OK)
        goto fail;

    DIR *dh = opendir(dir);
    if (!dh) {
        rc = io_err(err, dir, "cannot list");
        goto fail;
    }
    struct dirent *de;
    rc = MM_OK;
    while (rc == MM_OK && (de = readdir(dh)) != NULL) {
        const char *nm = de->d_name;
        size_t n = strlen(nm);
        if (n != 24 || strcmp(nm + 20, ".seg") != 0)
            continue;
        uint64_t first = 0;
        bool ok = true;
        for (int i = 0; i < 20; i++) {
            if (nm[i] < '0' || nm[i] > '9' || first > (UINT64_MAX - 9) / 10) {
                ok = false;
                break;
            }
            first = first * 10 + (uint64_t)(nm[i] - '0');
        }
        if (!ok || first == 0)
            continue;
        char path[1200];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, nm);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        rc = seg_push(sp, first, (uint64_t)st.st_size);
    }
    closedir(dh);
    if (rc != MM_OK)
        goto fail;
    if (sp->nsegs > 1)
        qsort(sp->segs, sp->nsegs, sizeof *sp->segs, seg_cmp);

    /* The newest segment: find its last record, cut a torn tail, drop it
     * when empty. */
    sp->next_seq = sp->acked + 1;
    while (sp->nsegs > 0) {
        seg *last = &sp->segs[sp->nsegs - 1];
        char path[1200];
        seg_path(sp, last->first, path, sizeof path);
        char *data = NULL;
        size_t len = 0;
        rc = mm_file_read(path, SEG_MAX + 2 * MM_SPOOL_RECORD_MAX + 16, &data,
                          &len, err);
        if (rc != MM_OK)
            goto fail;
        last_rec lr = {0};
        bool torn;
        uint64_t corrupt = 0;
        size_t valid =
            mm_spool_parse_segment(data, len, note_last, &lr, &corrupt, &torn);
        free(data);
        if (torn) {
            if (truncate(path, (off_t)valid) != 0) {
                rc = io_err(err, path, "cannot cut the torn last record");
                goto fail;
            }
            sp->corrupt++;
            last->bytes = valid;
        }
        if (last->bytes == 0) {
            unlink(path);
            sp->nsegs--;
            continue;
        }
        if (last->first > sp->next_seq)
            sp->next_seq = last->first;
        if (lr.seq + 1 > sp->next_seq)
            sp->next_seq = lr.seq + 1;
        /* A segment must not outlive its own range: when a record in it
         * claims a lower number than its name, the name still bounds it. */
        break;
    }
    if (sp->nsegs > 0 && sp->next_seq <= sp->segs[sp->nsegs - 1].first)
        sp->next_seq = sp->segs[sp->nsegs - 1].first + 1;
    for (size_t i = 0; i < sp->nsegs; i++)
        sp->total_bytes += sp->segs[i].bytes;
    sp->synced_seq = sp->next_seq - 1;
    fsync(sp->dirfd);
    *out = sp;
    return MM_OK;
fail:
    mm_spool_close(sp);
    return rc;
}

void mm_spool_close(mm_spool *sp)
{
    if (!sp)
        return;
    if (sp->fd >= 0) {
        if (sp->dirty)
            fdatasync(sp->fd);
        close(sp->fd);
    }
    if (sp->dirfd >= 0)
        close(sp->dirfd);
    pthread_mutex_destroy(&sp->mu);
    free(sp->segs);
    free(sp);
}

/* Deletes segment files from the front while `keep` says no. */
static void delete_front(mm_spool *sp, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        char path[1200];
        seg_path(sp, sp->segs[i].first, path, sizeof path);
        unlink(path);
        sp->total_bytes -= sp->segs[i].bytes;
        if (sp->rd_valid && sp->rd_first == sp->segs[i].first)
            sp->rd_valid = false;
    }
    if (k > 0 && k == sp->nsegs && sp->fd >= 0) {
        close(sp->fd);
        sp->fd = -1;
    }
    seg_remove_front(sp, k);
}

/* Drops the oldest segments until `need` more bytes fit. */
static mm_rc make_room(mm_spool *sp, uint64_t need, uint64_t *dropped_now,
                       mm_err *err)
{
    size_t k = 0;
    uint64_t freed = 0, lost = 0, new_acked = sp->acked;
    while (k < sp->nsegs && sp->total_bytes - freed + need > sp->max_bytes) {
        uint64_t first = sp->segs[k].first, last = seg_last(sp, k);
        uint64_t from = first > sp->acked + 1 ? first : sp->acked + 1;
        if (last >= from)
            lost += last - from + 1;
        if (last > new_acked)
            new_acked = last;
        freed += sp->segs[k].bytes;
        k++;
    }
    if (k == 0)
        return MM_OK;
    if (k == sp->nsegs && sp->fd >= 0 && sp->dirty) {
        /* Records of the active segment that were never synced go too. */
        sp->dirty = false;
    }
    delete_front(sp, k);
    sp->acked = new_acked;
    if (sp->synced_seq < sp->acked)
        sp->synced_seq = sp->acked;
    if (sp->fd < 0)
        sp->synced_off = 0;
    sp->dropped += lost;
    if (dropped_now)
        *dropped_now += lost;
    fsync(sp->dirfd);
    return save_state(sp, err);
}

static mm_rc open_new_segment(mm_spool *sp, mm_err *err)
{
    char path[1200];
    seg_path(sp, sp->next_seq, path, sizeof path);
    int fd =
        open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return io_err(err, path, "cannot create a spool segment");
    mm_rc rc = seg_push(sp, sp->next_seq, 0);
    if (rc != MM_OK) {
        close(fd);
        unlink(path);
        return rc;
    }
    sp->fd = fd;
    sp->synced_off = 0;
    /* The new name must be durable before records in it are acknowledged. */
    fsync(sp->dirfd);
    return MM_OK;
}

static mm_rc sync_locked(mm_spool *sp, mm_err *err)
{
    if (sp->fd >= 0 && sp->dirty) {
        if (fdatasync(sp->fd) != 0) {
            char path[1200];
            seg_path(sp, sp->segs[sp->nsegs - 1].first, path, sizeof path);
            return io_err(err, path, "cannot fsync");
        }
        sp->dirty = false;
    }
    if (sp->fd >= 0)
        sp->synced_off = sp->segs[sp->nsegs - 1].bytes;
    sp->synced_seq = sp->next_seq - 1;
    return MM_OK;
}

mm_rc mm_spool_sync(mm_spool *sp, mm_err *err)
{
    pthread_mutex_lock(&sp->mu);
    mm_rc rc = sync_locked(sp, err);
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

/* Closes the active segment after syncing it (rotation). */
static mm_rc rotate(mm_spool *sp, mm_err *err)
{
    if (sp->fd < 0)
        return MM_OK;
    mm_rc rc = sync_locked(sp, err);
    if (rc != MM_OK)
        return rc;
    close(sp->fd);
    sp->fd = -1;
    sp->synced_off = 0;
    return MM_OK;
}

/* event.id of the record about to get sp->next_seq; with an origin, the id
 * depends only on where the record came from (a line read again after a
 * crash gets its old id, and the hub's idempotence drops the copy), and
 * `*with_seq` says event.sequence must carry the sequence. Called with
 * sp->mu. */
static void next_event_id(mm_spool *sp, char *id, size_t n, bool *with_seq)
{
    *with_seq = sp->origin != 0;
    if (sp->origin)
        snprintf(id, n, "%s-o%016" PRIx64 ".%u", sp->id, sp->origin,
                 sp->origin_k++);
    else
        snprintf(id, n, "%s-%" PRIu64, sp->id, sp->next_seq);
}

void mm_spool_set_origin(mm_spool *sp, uint64_t origin)
{
    pthread_mutex_lock(&sp->mu);
    sp->origin = origin;
    sp->origin_k = 0;
    pthread_mutex_unlock(&sp->mu);
}

static mm_rc set_event_id(json_t *obj, mm_spool *sp)
{
    json_t *ev = json_object_get(obj, "event");
    if (!json_is_object(ev)) {
        ev = json_object();
        if (!ev || json_object_set_new(obj, "event", ev) != 0)
            return MM_ENOMEM;
    }
    char id[64];
    bool with_seq;
    next_event_id(sp, id, sizeof id, &with_seq);
    if (with_seq &&
        json_object_set_new(ev, "sequence",
                            json_integer((json_int_t)sp->next_seq)))
        return MM_ENOMEM;
    return json_object_set_new(ev, "id", json_string(id)) == 0 ? MM_OK
                                                               : MM_ENOMEM;
}

/* Writes one record line (`text` holds `len` bytes and room for the
 * newline at text[len]), making room at the bound. Called with sp->mu. */
static mm_rc append_line(mm_spool *sp, char *text, size_t len,
                         uint64_t *dropped_now, mm_err *err)
{
    if (len > MM_SPOOL_RECORD_MAX || len + 1 > sp->max_bytes)
        return mm_err_set(err, MM_ELIMIT, sp->dir, 0,
                          "record of %zu bytes is over the spool limit", len);
    text[len] = '\n';
    mm_rc rc = MM_OK;
    if (sp->fd >= 0 &&
        sp->segs[sp->nsegs - 1].bytes + len + 1 > sp->seg_bytes &&
        sp->segs[sp->nsegs - 1].bytes > 0)
        rc = rotate(sp, err);
    if (rc == MM_OK && sp->total_bytes + len + 1 > sp->max_bytes) {
        /* The active segment may have to go too: close it first. */
        rc = make_room(sp, len + 1, dropped_now, err);
    }
    if (rc == MM_OK && sp->fd < 0)
        rc = open_new_segment(sp, err);
    if (rc != MM_OK)
        return rc;
    seg *cur = &sp->segs[sp->nsegs - 1];
    if (write_all(sp->fd, text, len + 1) != MM_OK) {
        char path[1200];
        seg_path(sp, cur->first, path, sizeof path);
        rc = io_err(err, path, "cannot append");
        /* Never leave half a record behind. */
        if (ftruncate(sp->fd, (off_t)cur->bytes) != 0) {
            close(sp->fd);
            sp->fd = -1;
        }
        return rc;
    }
    cur->bytes += len + 1;
    sp->total_bytes += len + 1;
    sp->next_seq++;
    sp->dirty = true;
    return MM_OK;
}

mm_rc mm_spool_append(mm_spool *sp, json_t *const *objs, size_t n, bool sync,
                      uint64_t *first_seq, uint64_t *dropped_now, mm_err *err)
{
    if (dropped_now)
        *dropped_now = 0;
    for (size_t i = 0; i < n; i++)
        if (!json_is_object(objs[i]))
            return mm_err_set(err, MM_EINVAL, sp->dir, 0,
                              "spool record %zu is not a JSON object", i);
    pthread_mutex_lock(&sp->mu);
    mm_rc rc = MM_OK;
    if (first_seq)
        *first_seq = sp->next_seq;
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        rc = set_event_id(objs[i], sp);
        if (rc != MM_OK)
            break;
        char *text = json_dumps(objs[i], JSON_COMPACT);
        if (!text) {
            rc = MM_ENOMEM;
            break;
        }
        /* json_dumps leaves the NUL byte: room for the newline */
        rc = append_line(sp, text, strlen(text), dropped_now, err);
        free(text);
    }
    if (rc == MM_OK && sync)
        rc = sync_locked(sp, err);
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

mm_rc mm_spool_append_text(mm_spool *sp, const char *json, size_t len,
                           size_t id_at, bool sync, uint64_t *dropped_now,
                           mm_err *err)
{
    if (dropped_now)
        *dropped_now = 0;
    if (id_at == 0 || id_at >= len || json[0] != '{')
        return mm_err_set(err, MM_EINVAL, sp->dir, 0,
                          "spool record: no place for event.id");
    char *line = malloc(len + 128);
    if (!line)
        return mm_err_set(err, MM_ENOMEM, sp->dir, 0, "out of memory");
    pthread_mutex_lock(&sp->mu);
    memcpy(line, json, id_at);
    char id[64];
    bool with_seq;
    next_event_id(sp, id, sizeof id, &with_seq);
    int k = snprintf(line + id_at, 128, ",\"id\":\"%s\"", id);
    if (with_seq)
        k += snprintf(line + id_at + k, 128 - (size_t)k,
                      ",\"sequence\":%" PRIu64, sp->next_seq);
    size_t n = id_at + (size_t)k;
    memcpy(line + n, json + id_at, len - id_at);
    n += len - id_at;
    mm_rc rc = append_line(sp, line, n, dropped_now, err);
    if (rc == MM_OK && sync)
        rc = sync_locked(sp, err);
    pthread_mutex_unlock(&sp->mu);
    free(line);
    return rc;
}

/* ---- reading --------------------------------------------------------------
 */

void mm_spool_batch_init(mm_spool_batch *b)
{
    memset(b, 0, sizeof *b);
    mm_buf_init(&b->body, MM_UPLINK_BATCH_BYTES + MM_SPOOL_RECORD_MAX + 16);
}

void mm_spool_batch_free(mm_spool_batch *b)
{
    free(b->seq);
    free(b->off);
    free(b->len);
    mm_buf_free(&b->body);
    memset(b, 0, sizeof *b);
}

static mm_rc batch_add(mm_spool_batch *b, uint64_t seq, const char *line,
                       size_t len)
{
    if (b->n == b->cap) {
        size_t nc = mm_grow_cap(b->cap, b->n + 1, 256);
        if (mm_resize(&b->seq, nc, sizeof *b->seq) != MM_OK ||
            mm_resize(&b->off, nc, sizeof *b->off) != MM_OK ||
            mm_resize(&b->len, nc, sizeof *b->len) != MM_OK)
            return MM_ENOMEM;
        b->cap = nc;
    }
    size_t off = b->body.len;
    mm_rc rc = mm_buf_append(&b->body, line, len);
    if (rc == MM_OK)
        rc = mm_buf_append(&b->body, "\n", 1);
    if (rc != MM_OK)
        return rc;
    b->seq[b->n] = seq;
    b->off[b->n] = off;
    b->len[b->n] = len;
    b->n++;
    return MM_OK;
}

/* Reads [pos, end) of segment file `fd` in windows and adds records to the
 * batch. Returns the position after the last line consumed; *full is set
 * when the batch is full. */
static mm_rc read_segment(mm_spool *sp, int fd, uint64_t pos, uint64_t end,
                          mm_spool_batch *b, size_t max_lines,
                          size_t max_bytes, uint64_t *pos_out, bool *full,
                          char *win, size_t wincap)
{
    *full = false;
    while (pos < end && !*full) {
        size_t want = end - pos < wincap ? (size_t)(end - pos) : wincap;
        size_t got;
        if (mm_pread_full(fd, win, want, pos, &got) != MM_OK)
            return MM_EIO;
        if (got == 0)
            break;
        size_t p = 0;
        while (p < got) {
            const char *nl = memchr(win + p, '\n', got - p);
            if (!nl) {
                if (pos + got >= end || p == 0) {
                    /* A tail without newline at the end of what is
                     * durable, or a line longer than the window: corrupt. */
                    sp->corrupt++;
                    p = got;
                }
                break;
            }
            size_t n = (size_t)(nl - (win + p));
            uint64_t seq;
            if (n <= MM_SPOOL_RECORD_MAX && record_seq(win + p, n, &seq)) {
                if (seq > sp->synced_seq) {
                    /* Not durable yet (cannot happen below synced_off);
                     * stop here. */
                    *full = true;
                    break;
                }
                if (seq > sp->acked && (b->n == 0 || seq > b->seq[b->n - 1])) {
                    if (b->n >= max_lines || b->body.len + n + 1 > max_bytes) {
                        *full = true;
                        break;
                    }
                    mm_rc rc = batch_add(b, seq, win + p, n);
                    if (rc != MM_OK)
                        return rc;
                    if (seq > b->last_seq)
                        b->last_seq = seq;
                }
            } else if (n > 0) {
                sp->corrupt++;
            }
            p += n + 1;
        }
        pos += p;
        if (p == 0)
            break;
    }
    *pos_out = pos;
    return MM_OK;
}

mm_rc mm_spool_read(mm_spool *sp, mm_spool_batch *b, size_t max_lines,
                    size_t max_bytes, mm_err *err)
{
    b->n = 0;
    b->last_seq = 0;
    mm_buf_reset(&b->body);
    if (max_lines == 0)
        max_lines = 1;
    if (max_bytes > MM_UPLINK_BATCH_BYTES)
        max_bytes = MM_UPLINK_BATCH_BYTES;
    size_t wincap = max_bytes + MM_SPOOL_RECORD_MAX + 2;
    char *win = malloc(wincap);
    if (!win)
        return MM_ENOMEM;
    pthread_mutex_lock(&sp->mu);
    mm_rc rc = MM_OK;
    /* First segment that may hold acked+1. */
    size_t i = 0;
    while (i + 1 < sp->nsegs && sp->segs[i + 1].first <= sp->acked + 1)
        i++;
    bool full = false;
    for (; i < sp->nsegs && !full && rc == MM_OK; i++) {
        uint64_t last = seg_last(sp, i);
        if (last <= sp->acked)
            continue;
        if (sp->segs[i].first > sp->synced_seq)
            break;
        bool active = i + 1 == sp->nsegs && sp->fd >= 0;
        uint64_t end = active ? sp->synced_off : sp->segs[i].bytes;
        uint64_t start = 0;
        if (sp->rd_valid && sp->rd_first == sp->segs[i].first &&
            sp->rd_seq == sp->acked && sp->rd_off <= end)
            start = sp->rd_off;
        char path[1200];
        seg_path(sp, sp->segs[i].first, path, sizeof path);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            rc = io_err(err, path, "cannot open a spool segment");
            break;
        }
        uint64_t pos = start;
        rc = read_segment(sp, fd, start, end, b, max_lines, max_bytes, &pos,
                          &full, win, wincap);
        close(fd);
        if (rc == MM_EIO)
            rc = io_err(err, path, "cannot read a spool segment");
        if (rc == MM_OK && b->n > 0) {
            sp->rd_valid = true;
            sp->rd_first = sp->segs[i].first;
            sp->rd_seq = b->seq[b->n - 1];
            sp->rd_off = pos;
        }
    }
    pthread_mutex_unlock(&sp->mu);
    free(win);
    return rc;
}

mm_rc mm_spool_ack(mm_spool *sp, uint64_t seq, mm_err *err)
{
    pthread_mutex_lock(&sp->mu);
    mm_rc rc = MM_OK;
    if (seq >= sp->next_seq)
        seq = sp->next_seq - 1;
    if (seq > sp->acked) {
        sp->acked = seq;
        rc = save_state(sp, err);
        if (rc == MM_OK) {
            size_t k = 0;
            while (k < sp->nsegs && seg_last(sp, k) <= sp->acked) {
                /* Keep the active segment while it may still grow unless
                 * everything in it is acknowledged. */
                k++;
            }
            if (k > 0 && k == sp->nsegs && sp->fd >= 0 && sp->dirty) {
                /* Unsynced records cannot be acknowledged; keep it. */
                k--;
            }
            delete_front(sp, k);
            if (k > 0)
                fsync(sp->dirfd);
        }
    }
    pthread_mutex_unlock(&sp->mu);
    return rc;
}

mm_rc mm_spool_reject(mm_spool *sp, uint64_t seq, const char *line, size_t len,
                      const char *reason, mm_err *err)
{
    char rdir[1200];
    snprintf(rdir, sizeof rdir, "%s/rejected", sp->dir);
    if (mkdir(rdir, 0700) != 0 && errno != EEXIST)
        return io_err(err, rdir, "cannot create");
    char name[64];
    snprintf(name, sizeof name, "%020" PRIu64 ".json", seq);
    mm_buf body;
    mm_buf_init(&body, MM_SPOOL_RECORD_MAX + 4096);
    mm_rc rc = mm_buf_append(&body, line, len);
    if (rc == MM_OK)
        rc = mm_buf_puts(&body, "\n");
    if (rc == MM_OK)
        rc = atomic_write(rdir, name, body.data, body.len, err);
    mm_buf_free(&body);
    if (rc == MM_OK) {
        /* One line per rejected record: why the hub refused it. */
        char rpath[1300];
        snprintf(rpath, sizeof rpath, "%s/reasons.log", rdir);
        int fd = open(rpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            mm_buf l;
            mm_buf_init(&l, 2048);
            mm_buf_printf(&l, "%020" PRIu64 "\t", seq);
            mm_buf_json_str(&l, reason ? reason : "",
                            reason ? strlen(reason) : 0);
            mm_buf_puts(&l, "\n");
            if (l.data && write_all(fd, l.data, l.len) == MM_OK)
                fdatasync(fd);
            mm_buf_free(&l);
            close(fd);
        }
    }
    if (rc == MM_OK) {
        pthread_mutex_lock(&sp->mu);
        sp->rejected++;
        pthread_mutex_unlock(&sp->mu);
    }
    return rc;
}

void mm_spool_get_stats(mm_spool *sp, mm_spool_stats *st)
{
    pthread_mutex_lock(&sp->mu);
    st->next_seq = sp->next_seq;
    st->acked = sp->acked;
    st->pending =
        sp->next_seq - 1 > sp->acked ? sp->next_seq - 1 - sp->acked : 0;
    st->bytes = sp->total_bytes;
    st->segments = (unsigned)sp->nsegs;
    st->dropped = sp->dropped;
    st->rejected = sp->rejected;
    st->corrupt = sp->corrupt;
    memcpy(st->spool_id, sp->id, sizeof st->spool_id);
    pthread_mutex_unlock(&sp->mu);
}
