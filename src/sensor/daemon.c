/* SPDX-License-Identifier: Apache-2.0 */
/* daemon.c — the sensor loop: one epoll over inotify, a timer, the signal
 * fd and the syslog sockets; every line goes parse → detect → sinks. */
#include "sensor-int.h"
#include "block.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define SINKS_MAX 8
/* Bytes one file may read per turn of the loop before others get a go. */
#define POLL_BUDGET (4u * 1024u * 1024u)
/* Datagrams taken per wakeup of the UDP socket. */
#define UDP_BATCH 256
/* When every TCP slot is taken, a new sender takes the slot of the
 * connection silent longest, if it has been silent at least this long: idle
 * connections can no longer lock out the next sender (issue 12 §2). */
#define CONN_EVICT_IDLE_MS 1000

enum { SRC_FILE, SRC_UDP, SRC_TCP };
/* epoll tags: kind in the high 32 bits, index in the low. */
enum {
    EV_SIGNAL = 1,
    EV_TIMER,
    EV_INOTIFY,
    EV_UDP,
    EV_LISTEN,
    EV_CONN,
    EV_FEED
};

typedef struct source {
    char name[MM_CONF_NAME_MAX];
    char path[MM_SENSOR_PATH_MAX];
    int kind;
    mm_logtype type;
    mm_source_stats stats;
    mm_follow follow;
    bool follow_ready;
    int wd;         /* inotify watch on the file's directory, -1 if none */
    bool pending;   /* more to read right away */
    int last_errno; /* last open/read problem logged, to log it once */
    mm_parse_state *pstate; /* sshd connections of this source (or NULL) */
    uint64_t health_lines;  /* lines at the last health report */
} source;

typedef struct conn {
    int fd;
    mm_syslog_framer fr;
    int64_t last_ms;
    uint8_t peer[16]; /* client address (IPv4 as ::ffff:a.b.c.d) */
} conn;

typedef struct sink {
    mm_sensor_sink_fn fn;
    void *ud;
} sink;

struct mm_sensor {
    const mm_sensor_config *cfg;
    mm_sensor_log_fn log;
    void *log_ud;
    mm_ruleset *rs;
    mm_detector *det;
    mm_parse_opts popts;
    source *src;
    size_t n_src;
    source *udp_src, *tcp_src;
    int epfd, sigfd, timerfd, inofd, udpfd, tcpfd;
    uint16_t udp_port, tcp_port;
    conn *conns;
    size_t n_conns_max;
    uint64_t conns_rejected, frames_dropped;
    char *udpbuf;
    mm_alertlog alog;
    sink sinks[SINKS_MAX];
    size_t n_sinks;
    mm_sensor_event_fn ev_fn; /* event hook (the uplink), or NULL */
    mm_sensor_flush_fn ev_flush;
    void *ev_ud;
    mm_buf json;
    char state_path[MM_SENSOR_PATH_MAX];
    char status_path[MM_SENSOR_PATH_MAX];
    int64_t started_ms, last_state_ms, last_status_ms;
    int64_t last_health_ms; /* the last mamori.status upload */
    uint64_t health_seq;
    uint64_t alerts, sink_errors, reloads, reload_failures;
    char last_reload_error[600];
    bool state_corrupt;
    bool stop;
    mm_sensor_link *link;   /* the uplink, when the config has [uplink] */
    struct mm_blocker *blk; /* [block] (blocking.c), or NULL */
};

static void health_tick(mm_sensor *s, int64_t now);

static void slog(mm_sensor *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void slog(mm_sensor *s, int level, const char *fmt, ...)
{
    if (!s->log)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->log(s->log_ud, (mm_log_level)level, msg);
}

/* ---- alerts ------------------------------------------------------------- */

static mm_rc alertfile_sink(const mm_alert *a, const char *json, size_t len,
                            void *ud)
{
    (void)a;
    return mm_alertlog_write(ud, json, len, NULL);
}

static void on_alert(const mm_alert *a, void *ud)
{
    mm_sensor *s = ud;
    mm_buf_reset(&s->json);
    if (mm_alert_to_json(a, &s->json) != MM_OK) {
        s->sink_errors++;
        return;
    }
    s->alerts++;
    for (size_t i = 0; i < s->n_sinks; i++) {
        mm_rc rc =
            s->sinks[i].fn(a, s->json.data, s->json.len, s->sinks[i].ud);
        if (rc != MM_OK) {
            s->sink_errors++;
            slog(s, 2, "警告の出力に失敗 / alert sink %zu failed: %s", i,
                 mm_rc_name(rc));
        }
    }
}

/* ---- lines -------------------------------------------------------------- */

static void handle_line_at(mm_sensor *s, source *src, const char *line,
                           size_t len, bool truncated)
{
    mm_parse_stats *st = &src->stats.parse;
    st->lines++;
    if (truncated)
        st->truncated++;
    mm_event ev;
    mm_parse_opts po = s->popts;
    po.state = src->pstate;
    mm_rc rc = mm_parse_line(&po, src->type, line, len, &ev);
    if (rc == MM_OK) {
        st->events++;
        if (truncated)
            ev.anomalies |= MM_ANOM_TRUNCATED;
        if (s->ev_fn)
            s->ev_fn(&ev, line, len, s->ev_ud);
        mm_detector_feed(s->det, &ev, line, len, on_alert, s);
    } else if (rc == MM_SKIP) {
        st->skipped++;
    } else {
        st->unparsed++;
    }
}

/* Where a line of a file comes from, the same after a restart: the uplink
 * makes its records' event ids of it, so lines read again after a crash
 * (from the last saved offsets) are not stored twice by the hub. 0 for a
 * socket's lines. */
static uint64_t line_origin(const source *src)
{
    if (src->kind != SRC_FILE)
        return 0;
    const mm_follow *f = &src->follow;
    uint64_t v[3] = {f->pos.dev, f->pos.ino, f->base + f->lr.consumed};
    uint64_t h = mm_hash64(src->name, strlen(src->name), 0x6d616d6f7269ull);
    h = mm_hash64(v, sizeof v, h);
    return h ? h : 1;
}

static void handle_line(mm_sensor *s, source *src, const char *line,
                        size_t len, bool truncated)
{
    uint64_t origin = s->link ? line_origin(src) : 0;
    if (origin)
        mm_sensor_link_set_origin(s->link, origin);
    handle_line_at(s, src, line, len, truncated);
    if (origin)
        mm_sensor_link_set_origin(s->link, 0);
}

typedef struct line_ctx {
    mm_sensor *s;
    source *src;
} line_ctx;

static void line_cb(const char *line, size_t len, bool truncated, void *ud)
{
    line_ctx *c = ud;
    handle_line(c->s, c->src, line, len, truncated);
}

/* ---- files -------------------------------------------------------------- */

static void dir_of(const char *path, char *dir, size_t n)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, n, ".");
    else if (slash == path)
        snprintf(dir, n, "/");
    else
        snprintf(dir, n, "%.*s", (int)(slash - path), path);
}

static void watch_dir(mm_sensor *s, source *src)
{
    if (src->wd >= 0 || s->inofd < 0)
        return;
    char dir[MM_SENSOR_PATH_MAX];
    dir_of(src->path, dir, sizeof dir);
    src->wd = inotify_add_watch(
        s->inofd, dir,
        IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
            IN_CLOSE_WRITE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF);
}

static void poll_file(mm_sensor *s, source *src)
{
    line_ctx c = {s, src};
    mm_rc rc = mm_follow_poll(&src->follow, POLL_BUDGET, line_cb, &c);
    src->pending = rc == MM_AGAIN;
    if (rc == MM_EIO) {
        int e = errno;
        const char *why =
            e == ELOOP ? "シンボリックリンクは開かない / a symbolic link "
                         "is not followed (O_NOFOLLOW)"
            : e == EINVAL ? "通常ファイルではない (FIFO・デバイス等) / not a "
                            "regular file (FIFO, device or directory)"
                          : strerror(e);
        if (e != src->last_errno)
            slog(s, 1, "%s を読めない / cannot read %s: %s", src->path,
                 src->path, why);
        src->last_errno = e;
    } else if (rc == MM_OK || rc == MM_AGAIN) {
        src->last_errno = 0;
    }
}

static void poll_all_files(mm_sensor *s, bool only_pending)
{
    for (size_t i = 0; i < s->n_src; i++) {
        source *src = &s->src[i];
        if (src->kind != SRC_FILE || (only_pending && !src->pending))
            continue;
        watch_dir(s, src);
        poll_file(s, src);
    }
}

static void on_inotify(mm_sensor *s)
{
    char buf[16384]
        __attribute__((aligned(__alignof__(struct inotify_event))));
    bool any = false;
    for (;;) {
        ssize_t n = read(s->inofd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const void *)p;
            for (size_t i = 0; i < s->n_src; i++) {
                source *src = &s->src[i];
                if (src->kind != SRC_FILE)
                    continue;
                if (ev->mask & IN_Q_OVERFLOW || src->wd == ev->wd) {
                    src->pending = true;
                    any = true;
                }
                if (src->wd == ev->wd && (ev->mask & IN_IGNORED))
                    src->wd = -1; /* directory gone; re-added on rescan */
            }
            p += sizeof *ev + ev->len;
        }
    }
    if (any)
        poll_all_files(s, true);
}

/* ---- state and status --------------------------------------------------- */

static mm_rc save_state(mm_sensor *s, mm_err *err)
{
    /* What the event hook took from the lines read so far must be durable
     * before the offsets move past those lines. */
    if (s->ev_flush) {
        mm_rc frc = s->ev_flush(s->ev_ud);
        if (frc != MM_OK)
            return mm_err_set(err, frc, s->state_path, 0,
                              "event hook could not flush; offsets kept");
    }
    mm_sensor_state_entry *e = calloc(s->n_src, sizeof *e);
    if (!e)
        return mm_err_set(err, MM_ENOMEM, s->state_path, 0, "out of memory");
    for (size_t i = 0; i < s->n_src; i++) {
        source *src = &s->src[i];
        snprintf(e[i].name, sizeof e[i].name, "%s", src->name);
        snprintf(e[i].path, sizeof e[i].path, "%s", src->path);
        if (src->kind == SRC_FILE)
            mm_follow_get_pos(&src->follow, &e[i].pos);
        e[i].stats = src->stats;
    }
    mm_rc rc = mm_sensor_state_save(s->state_path, e, s->n_src, err);
    free(e);
    return rc;
}

static void put_stats(mm_buf *b, const mm_source_stats *st)
{
    const mm_parse_stats *p = &st->parse;
    mm_buf_printf(
        b,
        "\"lines\":%llu,\"events\":%llu,\"skipped\":%llu,"
        "\"unparsed\":%llu,\"truncated\":%llu,\"rotations\":%llu,"
        "\"truncations\":%llu",
        (unsigned long long)p->lines, (unsigned long long)p->events,
        (unsigned long long)p->skipped, (unsigned long long)p->unparsed,
        (unsigned long long)p->truncated, (unsigned long long)st->rotations,
        (unsigned long long)st->truncations);
}

static mm_rc write_status(mm_sensor *s, bool running, mm_err *err)
{
    mm_buf b;
    mm_buf_init(&b, 4u * 1024u * 1024u);
    char t1[32], t2[32];
    mm_time_format(s->started_ms, t1, sizeof t1);
    mm_time_format(mm_now_ms(), t2, sizeof t2);
    mm_buf_printf(&b,
                  "{\"version\":\"%s\",\"pid\":%ld,\"running\":%s,"
                  "\"started\":\"%s\",\"updated\":\"%s\",",
                  MM_VERSION, (long)getpid(), running ? "true" : "false", t1,
                  t2);
    mm_ruleset_info ri;
    mm_ruleset_get_info(s->rs, &ri);
    mm_detector_stats ds;
    mm_detector_get_stats(s->det, &ds);
    mm_buf_printf(&b,
                  "\"rules\":{\"rules\":%u,\"signatures\":%u,\"ioc_ips\":%zu,"
                  "\"ioc_domains\":%zu,\"allow\":%zu,\"reloads\":%llu,"
                  "\"reload_failures\":%llu,\"last_reload_error\":",
                  ri.rules, ri.signatures, ri.ioc_ips, ri.ioc_domains,
                  ri.allow, (unsigned long long)s->reloads,
                  (unsigned long long)s->reload_failures);
    mm_buf_json_str(&b, s->last_reload_error, strlen(s->last_reload_error));
    mm_buf_printf(&b,
                  "},\"detector\":{\"events\":%llu,\"alerts\":%llu,"
                  "\"suppressed\":%llu,\"windows\":%zu,\"evicted\":%zu,"
                  "\"memory\":%zu},",
                  (unsigned long long)ds.events, (unsigned long long)ds.alerts,
                  (unsigned long long)ds.suppressed, ds.windows, ds.evicted,
                  ds.memory);
    mm_buf_puts(&b, "\"alerts\":{\"file\":");
    mm_buf_json_str(&b, s->alog.path, strlen(s->alog.path));
    mm_buf_printf(&b,
                  ",\"written\":%llu,\"rotations\":%llu,"
                  "\"sink_errors\":%llu},",
                  (unsigned long long)s->alerts,
                  (unsigned long long)s->alog.rotations,
                  (unsigned long long)s->sink_errors);
    size_t open_conns = 0;
    for (size_t i = 0; i < s->n_conns_max; i++)
        open_conns += s->conns[i].fd >= 0;
    mm_buf_printf(&b,
                  "\"syslog\":{\"udp_port\":%u,\"tcp_port\":%u,"
                  "\"connections\":%zu,\"rejected\":%llu,"
                  "\"frames_dropped\":%llu},",
                  s->udp_port, s->tcp_port, open_conns,
                  (unsigned long long)s->conns_rejected,
                  (unsigned long long)s->frames_dropped);
    if (s->blk && mm_blocker_status_json(s->blk, &b) == MM_OK)
        mm_buf_puts(&b, ",");
    mm_buf_printf(&b, "\"state_reset\":%s,\"sources\":[",
                  s->state_corrupt ? "true" : "false");
    mm_source_stats tot;
    memset(&tot, 0, sizeof tot);
    for (size_t i = 0; i < s->n_src; i++) {
        source *src = &s->src[i];
        static const char *const kinds[] = {"file", "udp", "tcp"};
        mm_buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
        mm_buf_json_str(&b, src->name, strlen(src->name));
        mm_buf_printf(&b, ",\"kind\":\"%s\",\"type\":\"%s\",",
                      kinds[src->kind], mm_logtype_name(src->type));
        if (src->kind == SRC_FILE) {
            mm_follow_pos pos;
            mm_follow_get_pos(&src->follow, &pos);
            mm_buf_puts(&b, "\"path\":");
            mm_buf_json_str(&b, src->path, strlen(src->path));
            mm_buf_printf(&b, ",\"open\":%s,\"offset\":%llu,",
                          src->follow.fd >= 0 ? "true" : "false",
                          (unsigned long long)pos.offset);
        }
        put_stats(&b, &src->stats);
        mm_buf_puts(&b, "}");
        tot.parse.lines += src->stats.parse.lines;
        tot.parse.events += src->stats.parse.events;
        tot.parse.skipped += src->stats.parse.skipped;
        tot.parse.unparsed += src->stats.parse.unparsed;
        tot.parse.truncated += src->stats.parse.truncated;
        tot.rotations += src->stats.rotations;
        tot.truncations += src->stats.truncations;
    }
    mm_buf_puts(&b, "],\"totals\":{");
    put_stats(&b, &tot);
    mm_rc rc = mm_buf_puts(&b, "}}\n");
    if (rc == MM_OK)
        rc = mm_file_write_atomic(s->status_path, b.data, b.len, 0640, err);
    else
        mm_err_set(err, rc, s->status_path, 0, "status too large");
    mm_buf_free(&b);
    return rc;
}

static void persist(mm_sensor *s, bool running)
{
    mm_err err;
    char msg[900];
    if (save_state(s, &err) != MM_OK) {
        mm_err_format(&err, msg, sizeof msg);
        slog(s, 2, "状態を保存できない / cannot save state: %s", msg);
    }
    if (write_status(s, running, &err) != MM_OK) {
        mm_err_format(&err, msg, sizeof msg);
        slog(s, 2, "状態を保存できない / cannot write status: %s", msg);
    }
    s->last_state_ms = s->last_status_ms = mm_now_ms();
}

/* Reads the offsets file and hands each source its saved position and
 * counters. A corrupt file is kept aside and every file starts at its end
 * (nothing counted twice; the warning says lines may have been missed). */
static void load_state(mm_sensor *s)
{
    mm_sensor_state_entry *e = NULL;
    size_t n = 0;
    mm_err err;
    mm_rc rc = mm_sensor_state_load(s->state_path, &e, &n, &err);
    if (rc == MM_ENOTFOUND)
        return;
    if (rc != MM_OK) {
        char msg[900], aside[MM_SENSOR_PATH_MAX + 16];
        mm_err_format(&err, msg, sizeof msg);
        snprintf(aside, sizeof aside, "%s.corrupt", s->state_path);
        rename(s->state_path, aside);
        slog(s, 1,
             "状態ファイルが壊れています。%s に退避し、各ファイルの末尾から"
             "読み始めます（停止中の行は読まれていない可能性があります） / "
             "state file is corrupt (%s); kept as %s, every file starts at "
             "its end (lines written while stopped may be missed)",
             aside, msg, aside);
        s->state_corrupt = true;
        return;
    }
    for (size_t i = 0; i < s->n_src; i++) {
        source *src = &s->src[i];
        for (size_t j = 0; j < n; j++) {
            if (strcmp(e[j].name, src->name) != 0)
                continue;
            src->stats = e[j].stats;
            if (src->kind == SRC_FILE && e[j].pos.valid &&
                strcmp(e[j].path, src->path) == 0)
                src->follow.pos = e[j].pos;
            break;
        }
    }
    free(e);
}

/* ---- syslog sockets ----------------------------------------------------- */

static int bind_socket(const char *spec, int type, uint16_t *bound,
                       mm_err *err)
{
    mm_addr a;
    uint16_t port;
    if (mm_sensor_parse_endpoint(spec, &a, &port) != MM_OK)
        return mm_err_set(err, MM_EINVAL, spec, 0, "bad endpoint"), -1;
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    if (a.family == 4) {
        struct sockaddr_in *in = (struct sockaddr_in *)&ss;
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        memcpy(&in->sin_addr, a.bytes, 4);
        sl = sizeof *in;
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        memcpy(&in6->sin6_addr, a.bytes, 16);
        sl = sizeof *in6;
    }
    int fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return mm_err_set(err, MM_EIO, spec, 0, "socket: %s", strerror(errno)),
               -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (type == SOCK_DGRAM) {
        int rcv = 4 * 1024 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    }
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 ||
        (type == SOCK_STREAM && listen(fd, 64) != 0)) {
        int e = errno;
        close(fd);
        return mm_err_set(err, MM_EIO, spec, 0, "cannot listen on %s: %s",
                          spec, strerror(e)),
               -1;
    }
    struct sockaddr_storage got;
    socklen_t gl = sizeof got;
    getsockname(fd, (struct sockaddr *)&got, &gl);
    *bound = got.ss_family == AF_INET
                 ? ntohs(((struct sockaddr_in *)&got)->sin_port)
                 : ntohs(((struct sockaddr_in6 *)&got)->sin6_port);
    return fd;
}

static void on_udp(mm_sensor *s)
{
    size_t cap = s->cfg->syslog_max_message;
    for (int k = 0; k < UDP_BATCH; k++) {
        struct iovec iov = {s->udpbuf, cap};
        struct msghdr mh;
        memset(&mh, 0, sizeof mh);
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        ssize_t n = recvmsg(s->udpfd, &mh, MSG_DONTWAIT);
        if (n < 0)
            return;
        size_t len = (size_t)n;
        while (len &&
               (s->udpbuf[len - 1] == '\n' || s->udpbuf[len - 1] == '\r' ||
                s->udpbuf[len - 1] == '\0'))
            len--;
        bool trunc = (mh.msg_flags & MSG_TRUNC) != 0;
        if (len || trunc)
            handle_line(s, s->udp_src, s->udpbuf, len, trunc);
    }
}

static mm_rc epoll_add(mm_sensor *s, int fd, uint32_t kind, uint32_t idx)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = ((uint64_t)kind << 32) | idx;
    return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? MM_OK : MM_EIO;
}

static void conn_close(mm_sensor *s, conn *c)
{
    line_ctx lc = {s, s->tcp_src};
    if (mm_syslog_framer_finish(&c->fr, line_cb, &lc) == MM_AGAIN)
        s->frames_dropped++;
    mm_syslog_framer_fini(&c->fr);
    close(c->fd); /* also leaves the epoll set */
    c->fd = -1;
}

/* The client address as 16 bytes (IPv4 mapped into IPv6). */
static void peer_key(const struct sockaddr_storage *ss, uint8_t out[16])
{
    memset(out, 0, 16);
    if (ss->ss_family == AF_INET6) {
        memcpy(out,
               &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr,
               16);
    } else if (ss->ss_family == AF_INET) {
        out[10] = out[11] = 0xff;
        memcpy(out + 12,
               &((const struct sockaddr_in *)(const void *)ss)->sin_addr, 4);
    }
}

/* A slot for a new connection from `peer`: a free one, else the one silent
 * longest when it has been silent CONN_EVICT_IDLE_MS (it is closed); none
 * (n_conns_max) when the address already holds max_connections_per_ip or
 * every connection is busy. */
static size_t conn_slot(mm_sensor *s, const uint8_t peer[16], int64_t now)
{
    size_t free_slot = s->n_conns_max, oldest = s->n_conns_max;
    unsigned same = 0;
    for (size_t i = 0; i < s->n_conns_max; i++) {
        conn *c = &s->conns[i];
        if (c->fd < 0) {
            if (free_slot == s->n_conns_max)
                free_slot = i;
            continue;
        }
        same += memcmp(c->peer, peer, 16) == 0;
        if (oldest == s->n_conns_max || c->last_ms < s->conns[oldest].last_ms)
            oldest = i;
    }
    unsigned per_ip = s->cfg->syslog_max_per_ip ? s->cfg->syslog_max_per_ip
                                                : 16; /* 0: not from a file */
    if (same >= per_ip)
        return s->n_conns_max;
    if (free_slot < s->n_conns_max)
        return free_slot;
    if (oldest < s->n_conns_max &&
        now - s->conns[oldest].last_ms >= CONN_EVICT_IDLE_MS) {
        conn_close(s, &s->conns[oldest]);
        return oldest;
    }
    return s->n_conns_max;
}

static void on_accept(mm_sensor *s)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        memset(&ss, 0, sizeof ss);
        int fd = accept4(s->tcpfd, (struct sockaddr *)&ss, &sl,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        uint8_t peer[16];
        peer_key(&ss, peer);
        int64_t now = mm_now_ms();
        size_t slot = conn_slot(s, peer, now);
        conn *c = slot < s->n_conns_max ? &s->conns[slot] : NULL;
        if (!c || mm_syslog_framer_init(&c->fr, s->cfg->syslog_max_message) !=
                      MM_OK) {
            s->conns_rejected++;
            close(fd);
            continue;
        }
        c->fd = fd;
        c->last_ms = now;
        memcpy(c->peer, peer, 16);
        if (epoll_add(s, fd, EV_CONN, (uint32_t)slot) != MM_OK) {
            mm_syslog_framer_fini(&c->fr);
            close(fd);
            c->fd = -1;
            s->conns_rejected++;
        }
    }
}

static void on_conn(mm_sensor *s, size_t idx)
{
    conn *c = &s->conns[idx];
    if (c->fd < 0)
        return;
    char buf[65536];
    line_ctx lc = {s, s->tcp_src};
    /* Bounded per wakeup so one busy client cannot starve the rest. */
    for (int k = 0; k < 16; k++) {
        ssize_t n = read(c->fd, buf, sizeof buf);
        if (n > 0) {
            c->last_ms = mm_now_ms();
            mm_syslog_framer_feed(&c->fr, buf, (size_t)n, line_cb, &lc);
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        conn_close(s, c);
        return;
    }
}

/* ---- reload ------------------------------------------------------------- */

mm_rc mm_sensor_reload(mm_sensor *s, mm_err *err)
{
    mm_ruleset *rs;
    mm_rc rc = mm_sensor_ruleset_build(s->cfg, &rs, err);
    if (rc != MM_OK) {
        s->reload_failures++;
        mm_err_format(err, s->last_reload_error, sizeof s->last_reload_error);
        return rc;
    }
    rc = mm_detector_set_ruleset(s->det, rs);
    if (rc != MM_OK) {
        mm_ruleset_free(rs);
        s->reload_failures++;
        return mm_err_set(err, rc, s->cfg->file, 0,
                          "detector refused the new ruleset");
    }
    mm_ruleset_free(s->rs);
    s->rs = rs;
    s->reloads++;
    s->last_reload_error[0] = '\0';
    return MM_OK;
}

/* SIGHUP and a feed update: reload, log, report. */
static void reload_logged(mm_sensor *s)
{
    /* blocking first: it need not wait for the rules to compile */
    mm_sensor_block_reload(s->blk, s->cfg, s->log, s->log_ud);
    mm_err err;
    if (mm_sensor_reload(s, &err) == MM_OK) {
        mm_ruleset_info ri;
        mm_ruleset_get_info(s->rs, &ri);
        slog(s, 0,
             "ルールを再読み込みしました / rules reloaded: %u rules, "
             "%zu indicator addresses, %zu domains",
             ri.rules, ri.ioc_ips, ri.ioc_domains);
    } else {
        slog(s, 2,
             "再読み込みに失敗、前のルールを使い続けます / reload "
             "failed, keeping the previous rules: %s",
             s->last_reload_error);
    }
    write_status(s, true, NULL);
}

static void on_signal(mm_sensor *s)
{
    struct signalfd_siginfo si;
    while (read(s->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
        if (si.ssi_signo == SIGHUP)
            reload_logged(s);
        else
            s->stop = true;
    }
}

/* The uplink's feed thread wrote a new feed.txt. */
static void on_feed(mm_sensor *s)
{
    if (mm_sensor_link_feed_changed(s->link))
        reload_logged(s);
}

/* ---- timer -------------------------------------------------------------- */

static void on_timer(mm_sensor *s)
{
    uint64_t ticks;
    if (read(s->timerfd, &ticks, sizeof ticks) < 0 && errno == EAGAIN)
        return;
    poll_all_files(s, false);
    int64_t now = mm_now_ms();
    mm_detector_expire(s->det, now, on_alert, s);
    for (size_t i = 0; i < s->n_conns_max; i++)
        if (s->conns[i].fd >= 0 &&
            now - s->conns[i].last_ms >
                (int64_t)(s->cfg->syslog_idle_s ? s->cfg->syslog_idle_s : 60) *
                    1000)
            conn_close(s, &s->conns[i]);
    if (now - s->last_state_ms >= (int64_t)s->cfg->state_interval_s * 1000) {
        mm_err err;
        if (save_state(s, &err) != MM_OK) {
            char msg[900];
            mm_err_format(&err, msg, sizeof msg);
            slog(s, 2, "状態を保存できない / cannot save state: %s", msg);
        }
        s->last_state_ms = now;
    }
    mm_sensor_block_tick(s->blk, s->link, s->started_ms, s->log, s->log_ud);
    health_tick(s, now);
    if (now - s->last_status_ms >= (int64_t)s->cfg->status_interval_s * 1000) {
        write_status(s, true, NULL);
        s->last_status_ms = now;
    }
}

/* One source's figures in a health report: lines read, lines per second
 * since the last report, and the share of lines no parser understood. */
static void health_source(mm_buf *b, const char *name, uint64_t lines,
                          uint64_t unparsed, uint64_t prev, double secs)
{
    mm_buf_json_str(b, name, strlen(name));
    mm_buf_printf(b,
                  ",\"lines\":%llu,\"lines_per_s\":%.3f,\"unparsed_share\":"
                  "%.4f",
                  (unsigned long long)lines,
                  secs > 0 && lines >= prev ? (double)(lines - prev) / secs
                                            : 0.0,
                  lines ? (double)unparsed / (double)lines : 0.0);
}

/* Every [uplink] status_interval seconds: a small mamori.status event
 * through the uplink, so the hub knows the sensor is alive and reading
 * (docs/uplink.md). */
static void health_tick(mm_sensor *s, int64_t now)
{
    unsigned iv = s->cfg->uplink.status_interval_s;
    /* the first one an interval after the start, then every interval */
    int64_t since = s->last_health_ms ? s->last_health_ms : s->started_ms;
    if (!s->link || iv == 0 || now - since < (int64_t)iv * 1000)
        return;
    double secs = (double)(now - since) / 1000.0;
    char t[32];
    mm_time_format(now, t, sizeof t);
    mm_buf b;
    mm_buf_init(&b, 256u * 1024u);
    mm_buf_printf(&b,
                  "{\"@timestamp\":\"%s\",\"event\":{\"kind\":\"event\","
                  "\"id\":\"s%lld-status-%llu\",\"dataset\":\"mamori.status\","
                  "\"action\":\"sensor_status\"},\"mamori\":{\"status\":{"
                  "\"interval\":%u,\"sources\":[",
                  t, (long long)s->started_ms,
                  (unsigned long long)++s->health_seq, iv);
    uint64_t lines = 0, unparsed = 0, prev = 0;
    for (size_t i = 0; i < s->n_src; i++) {
        source *src = &s->src[i];
        const mm_parse_stats *p = &src->stats.parse;
        mm_buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
        health_source(&b, src->name, p->lines, p->unparsed, src->health_lines,
                      secs);
        mm_buf_puts(&b, "}");
        lines += p->lines;
        unparsed += p->unparsed;
        prev += src->health_lines;
        src->health_lines = p->lines;
    }
    mm_buf_puts(&b, "],\"name\":");
    health_source(&b, "all", lines, unparsed, prev, secs);
    if (mm_buf_puts(&b, "}}}") == MM_OK)
        mm_sensor_link_alert(NULL, b.data, b.len, s->link);
    mm_buf_free(&b);
    s->last_health_ms = now;
}

/* ---- life cycle --------------------------------------------------------- */

static mm_rc make_dir(const char *dir, mm_err *err)
{
    if (mkdir(dir, 0750) == 0 || errno == EEXIST)
        return MM_OK;
    return mm_err_set(err, MM_EIO, dir, 0, "cannot create directory: %s",
                      strerror(errno));
}

/* Names a source slot (zeroed by calloc): a file input with its path, or a
 * syslog listener (path ""); no inotify watch yet. */
static source *source_set(source *src, const char *name, const char *path,
                          int kind, mm_logtype type)
{
    snprintf(src->name, sizeof src->name, "%s", name);
    snprintf(src->path, sizeof src->path, "%s", path);
    src->kind = kind;
    src->type = type;
    src->wd = -1;
    return src;
}

mm_rc mm_sensor_new(const mm_sensor_config *cfg, mm_sensor_log_fn log,
                    void *log_ud, mm_sensor **out, mm_err *err)
{
    *out = NULL;
    mm_sensor *s = calloc(1, sizeof *s);
    if (!s)
        return mm_err_set(err, MM_ENOMEM, cfg->file, 0, "out of memory");
    s->cfg = cfg;
    s->log = log;
    s->log_ud = log_ud;
    s->epfd = s->sigfd = s->timerfd = s->inofd = s->udpfd = s->tcpfd = -1;
    s->started_ms = mm_now_ms();
    mm_buf_init(&s->json, 1024u * 1024u);
    s->popts.year = cfg->year;
    s->popts.tz_offset_s = cfg->tz_offset_s;
    s->alog.fd = -1;
    *out = s;

    /* The uplink first: it writes feed.txt, which the ruleset loads. */
    mm_rc rc = MM_OK;
    if (cfg->uplink_on)
        rc = mm_sensor_link_start(cfg, log, log_ud, &s->link, err);
    if (rc != MM_OK)
        return rc;
    rc = mm_sensor_ruleset_build(cfg, &s->rs, err);
    if (rc != MM_OK)
        return rc;
    mm_detector_opts dopts = {.max_keys = 0, .emit_on_open = true};
    rc = mm_detector_new(s->rs, &dopts, &s->det);
    if (rc != MM_OK)
        return mm_err_set(err, rc, cfg->file, 0, "cannot create detector");

    rc = make_dir(cfg->state_dir, err);
    if (rc != MM_OK)
        return rc;
    snprintf(s->state_path, sizeof s->state_path, "%.*s/state.json",
             (int)(sizeof s->state_path - 12), cfg->state_dir);
    snprintf(s->status_path, sizeof s->status_path, "%.*s/status.json",
             (int)(sizeof s->status_path - 13), cfg->state_dir);
    rc = mm_alertlog_open(&s->alog, cfg->alerts, cfg->alerts_max_bytes,
                          cfg->alerts_keep, err);
    if (rc != MM_OK)
        return rc;
    s->sinks[s->n_sinks++] = (sink){alertfile_sink, &s->alog};
    if (s->link) {
        s->sinks[s->n_sinks++] = (sink){mm_sensor_link_alert, s->link};
        mm_sensor_set_event_hook(s, mm_sensor_link_event, mm_sensor_link_flush,
                                 s->link);
    }
    if (cfg->block_on) {
        rc = mm_sensor_block_new(cfg, s->log, s->log_ud, &s->blk, err);
        if (rc != MM_OK)
            return rc;
        s->sinks[s->n_sinks++] = (sink){mm_sensor_block_alert, s->blk};
        mm_sensor_block_reload(s->blk, cfg, s->log, s->log_ud);
    }

    size_t n_src = cfg->n_inputs + (cfg->syslog_udp[0] ? 1 : 0) +
                   (cfg->syslog_tcp[0] ? 1 : 0);
    size_t n_conns = cfg->syslog_tcp[0] ? cfg->syslog_max_connections : 0;
    s->src = calloc(n_src ? n_src : 1, sizeof *s->src);
    s->conns = calloc(n_conns ? n_conns : 1, sizeof *s->conns);
    if (!s->src || !s->conns)
        return mm_err_set(err, MM_ENOMEM, cfg->file, 0, "out of memory");
    s->n_src = n_src;
    s->n_conns_max = n_conns;
    for (size_t i = 0; i < s->n_conns_max; i++)
        s->conns[i].fd = -1;
    size_t k = 0;
    for (unsigned i = 0; i < cfg->n_inputs; i++, k++)
        source_set(&s->src[k], cfg->inputs[i].name, cfg->inputs[i].path,
                   SRC_FILE, cfg->inputs[i].type);
    if (cfg->syslog_udp[0])
        s->udp_src = source_set(&s->src[k++], "syslog-udp", "", SRC_UDP,
                                cfg->syslog_type);
    if (cfg->syslog_tcp[0])
        s->tcp_src = source_set(&s->src[k++], "syslog-tcp", "", SRC_TCP,
                                cfg->syslog_type);
    load_state(s);
    for (size_t i = 0; i < s->n_src; i++) /* memory fixed at start */
        if (mm_parse_state_new(0, &s->src[i].pstate) != MM_OK)
            return mm_err_set(err, MM_ENOMEM, cfg->file, 0, "out of memory");
    for (size_t i = 0; i < s->n_src; i++) {
        source *src = &s->src[i];
        if (src->kind != SRC_FILE)
            continue;
        mm_follow_pos saved = src->follow.pos;
        rc =
            mm_follow_init(&src->follow, src->path, &saved,
                           cfg->start_at_end || s->state_corrupt, &src->stats);
        if (rc != MM_OK)
            return mm_err_set(err, rc, cfg->file, 0, "bad input path");
        src->follow_ready = true;
    }
    if (cfg->syslog_udp[0]) {
        s->udpfd = bind_socket(cfg->syslog_udp, SOCK_DGRAM, &s->udp_port, err);
        s->udpbuf = malloc(cfg->syslog_max_message);
        if (s->udpfd < 0)
            return MM_EIO;
        if (!s->udpbuf)
            return mm_err_set(err, MM_ENOMEM, cfg->file, 0, "out of memory");
    }
    if (cfg->syslog_tcp[0]) {
        s->tcpfd =
            bind_socket(cfg->syslog_tcp, SOCK_STREAM, &s->tcp_port, err);
        if (s->tcpfd < 0)
            return MM_EIO;
    }
    return MM_OK;
}

mm_rc mm_sensor_add_sink(mm_sensor *s, mm_sensor_sink_fn fn, void *ud)
{
    if (s->n_sinks >= SINKS_MAX)
        return MM_ELIMIT;
    s->sinks[s->n_sinks++] = (sink){fn, ud};
    return MM_OK;
}

void mm_sensor_set_event_hook(mm_sensor *s, mm_sensor_event_fn fn,
                              mm_sensor_flush_fn flush, void *ud)
{
    s->ev_fn = fn;
    s->ev_flush = flush;
    s->ev_ud = ud;
}

uint16_t mm_sensor_udp_port(const mm_sensor *s)
{
    return s->udp_port;
}

uint16_t mm_sensor_tcp_port(const mm_sensor *s)
{
    return s->tcp_port;
}

static mm_rc setup_loop(mm_sensor *s, sigset_t *old, mm_err *err)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, old) != 0)
        return mm_err_set(err, MM_EIO, "sigprocmask", 0, "%s",
                          strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    s->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    s->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    s->inofd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (s->sigfd < 0 || s->epfd < 0 || s->timerfd < 0)
        return mm_err_set(err, MM_EIO, "epoll", 0, "%s", strerror(errno));
    if (s->inofd < 0)
        slog(s, 1,
             "inotify を使えない、定期確認のみ / inotify unavailable "
             "(%s), polling on the timer only",
             strerror(errno));
    unsigned ms = s->cfg->rescan_ms;
    struct itimerspec its = {{ms / 1000, (long)(ms % 1000) * 1000000L},
                             {ms / 1000, (long)(ms % 1000) * 1000000L}};
    timerfd_settime(s->timerfd, 0, &its, NULL);
    if (epoll_add(s, s->sigfd, EV_SIGNAL, 0) != MM_OK ||
        epoll_add(s, s->timerfd, EV_TIMER, 0) != MM_OK ||
        (s->inofd >= 0 && epoll_add(s, s->inofd, EV_INOTIFY, 0) != MM_OK) ||
        (s->udpfd >= 0 && epoll_add(s, s->udpfd, EV_UDP, 0) != MM_OK) ||
        (s->tcpfd >= 0 && epoll_add(s, s->tcpfd, EV_LISTEN, 0) != MM_OK) ||
        (s->link &&
         epoll_add(s, mm_sensor_link_feed_fd(s->link), EV_FEED, 0) != MM_OK))
        return mm_err_set(err, MM_EIO, "epoll", 0, "%s", strerror(errno));
    return MM_OK;
}

mm_rc mm_sensor_run(mm_sensor *s, mm_err *err)
{
    sigset_t old;
    mm_rc rc = setup_loop(s, &old, err);
    if (rc != MM_OK)
        return rc;
    slog(s, 0,
         "監視を開始 / sensor started: %zu sources, syslog udp port %u, tcp "
         "port %u",
         s->n_src, s->udp_port, s->tcp_port);
    poll_all_files(s, false);
    persist(s, true);
    while (!s->stop) {
        bool pending = false;
        for (size_t i = 0; i < s->n_src; i++)
            pending |= s->src[i].pending;
        struct epoll_event evs[64];
        int n = epoll_wait(s->epfd, evs, 64, pending ? 0 : -1);
        if (n < 0 && errno != EINTR) {
            rc = mm_err_set(err, MM_EIO, "epoll_wait", 0, "%s",
                            strerror(errno));
            break;
        }
        for (int i = 0; i < n; i++) {
            uint32_t kind = (uint32_t)(evs[i].data.u64 >> 32);
            uint32_t idx = (uint32_t)evs[i].data.u64;
            switch (kind) {
            case EV_SIGNAL: on_signal(s); break;
            case EV_TIMER: on_timer(s); break;
            case EV_INOTIFY: on_inotify(s); break;
            case EV_UDP: on_udp(s); break;
            case EV_LISTEN: on_accept(s); break;
            case EV_CONN: on_conn(s, idx); break;
            case EV_FEED: on_feed(s); break;
            default: break;
            }
        }
        if (pending)
            poll_all_files(s, true);
    }
    /* Clean stop: read what is there, close connections, report open
     * alerts, then persist offsets and counters. */
    poll_all_files(s, false);
    for (size_t i = 0; i < s->n_conns_max; i++)
        if (s->conns[i].fd >= 0)
            conn_close(s, &s->conns[i]);
    mm_detector_flush(s->det, on_alert, s);
    persist(s, false);
    slog(s, 0, "停止しました / sensor stopped");
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void mm_sensor_free(mm_sensor *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->src && i < s->n_src; i++) {
        if (s->src[i].follow_ready)
            mm_follow_fini(&s->src[i].follow);
        mm_parse_state_free(s->src[i].pstate);
    }
    for (size_t i = 0; s->conns && i < s->n_conns_max; i++)
        if (s->conns[i].fd >= 0) {
            mm_syslog_framer_fini(&s->conns[i].fr);
            close(s->conns[i].fd);
        }
    int fds[] = {s->epfd, s->sigfd, s->timerfd, s->inofd, s->udpfd, s->tcpfd};
    for (size_t i = 0; i < sizeof fds / sizeof fds[0]; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    mm_alertlog_close(&s->alog);
    /* After the last flush of the detector and the offsets: what the
     * uplink has not sent stays in its spool. */
    mm_sensor_link_stop(s->link);
    mm_blocker_free(s->blk); /* entries stay and expire by their timeout */
    mm_detector_free(s->det);
    mm_ruleset_free(s->rs);
    mm_buf_free(&s->json);
    free(s->udpbuf);
    free(s->conns);
    free(s->src);
    free(s);
}
