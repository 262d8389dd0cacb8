/* SPDX-License-Identifier: Apache-2.0 */
/* hub-link.c — the sensor's side of the uplink: started with the sensor
 * when the config has [uplink], it takes every alert (a second sink) and
 * the concerning plain events (handed over as mm_event, de-identified
 * straight from their fields), and turns "the shared feed changed" on the
 * uplink's feed thread into a wake-up of the sensor's own epoll loop (an
 * eventfd), where the ruleset is reloaded. */
#include "sensor-int.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct mm_sensor_link {
    mm_uplink *u;
    mm_sensor_log_fn log;
    void *log_ud;
    int feedfd;            /* eventfd: counts feed updates not yet applied */
    uint64_t event_errors; /* events the uplink refused (first one logged) */
};

static void link_log(void *ud, mm_log_level level, const char *msg)
{
    mm_sensor_link *l = ud;
    if (l->log)
        l->log(l->log_ud, level, msg);
}

/* Runs on the uplink's feed thread: only logs and wakes the loop. */
static void link_feed(void *ud, const char *path, size_t n, size_t changed)
{
    mm_sensor_link *l = ud;
    if (l->log) {
        char msg[1400];
        snprintf(msg, sizeof msg,
                 "共有フィードを更新 (%zu 件、変更 %zu "
                 "件)、ルールを再読み込みします "
                 "/ shared feed updated (%zu indicators, %zu changed): %s; "
                 "reloading",
                 n, changed, n, changed, path);
        l->log(l->log_ud, MM_LOG_INFO, msg);
    }
    uint64_t one = 1;
    /* Fails only when the counter is at its ceiling: a reload is pending
     * anyway. */
    if (write(l->feedfd, &one, sizeof one) < 0 && errno != EAGAIN)
        link_log(l, MM_LOG_WARN, "cannot wake the sensor loop for the feed");
}

mm_rc mm_sensor_link_start(const mm_sensor_config *cfg, mm_sensor_log_fn log,
                           void *log_ud, mm_sensor_link **out, mm_err *err)
{
    *out = NULL;
    mm_sensor_link *l = calloc(1, sizeof *l);
    if (!l)
        return mm_err_set(err, MM_ENOMEM, cfg->file, 0, "out of memory");
    l->log = log;
    l->log_ud = log_ud;
    l->feedfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (l->feedfd < 0) {
        free(l);
        return mm_err_set(err, MM_EIO, cfg->file, 0, "eventfd: %s",
                          strerror(errno));
    }
    /* The uplink's threads inherit this mask: the loop's signals must reach
     * its signalfd, never a thread that would take the default action. */
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    mm_uplink_opts uo = {.log = link_log, .on_feed = link_feed, .ud = l};
    mm_err uerr;
    mm_rc rc = mm_uplink_start(&cfg->uplink, &uo, &l->u, &uerr);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != MM_OK) {
        char msg[900];
        mm_err_format(&uerr, msg, sizeof msg);
        close(l->feedfd);
        free(l);
        return mm_err_set(err, rc, "", 0,
                          "ハブへの送信を開始できない / cannot start the "
                          "uplink: %s",
                          msg);
    }
    *out = l;
    return MM_OK;
}

int mm_sensor_link_feed_fd(const mm_sensor_link *l)
{
    return l->feedfd;
}

bool mm_sensor_link_feed_changed(mm_sensor_link *l)
{
    uint64_t n = 0;
    return read(l->feedfd, &n, sizeof n) == (ssize_t)sizeof n && n > 0;
}

mm_rc mm_sensor_link_alert(const mm_alert *a, const char *json, size_t len,
                           void *ud)
{
    (void)a;
    mm_sensor_link *l = ud;
    mm_err err;
    mm_rc rc = mm_uplink_submit_text(l->u, json, len, 0, &err);
    if (rc != MM_OK && l->log) {
        char msg[900];
        mm_err_format(&err, msg, sizeof msg);
        l->log(l->log_ud, MM_LOG_ERROR, msg);
    }
    return rc;
}

void mm_sensor_link_event(const mm_event *ev, const char *line, size_t len,
                          void *ud)
{
    (void)line;
    (void)len;
    mm_sensor_link *l = ud;
    if (!mm_uplink_wants_event(l->u, ev))
        return;
    mm_err err;
    if (mm_uplink_submit_event(l->u, ev, MM_UPLINK_DEFER, &err) != MM_OK &&
        l->event_errors++ == 0 && l->log) {
        char msg[900];
        mm_err_format(&err, msg, sizeof msg);
        l->log(l->log_ud, MM_LOG_WARN, msg);
    }
}

mm_rc mm_sensor_link_flush(void *ud)
{
    mm_sensor_link *l = ud;
    mm_err err;
    return mm_uplink_sync(l->u, &err);
}

void mm_sensor_link_stop(mm_sensor_link *l)
{
    if (!l)
        return;
    /* Records not yet uploaded stay in the spool for the next start. */
    mm_uplink_stop(l->u);
    close(l->feedfd);
    free(l);
}

void mm_sensor_link_set_origin(mm_sensor_link *l, uint64_t origin)
{
    mm_uplink_set_origin(l->u, origin);
}
