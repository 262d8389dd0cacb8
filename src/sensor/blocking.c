/* SPDX-License-Identifier: Apache-2.0 */
/* blocking.c — [block]: the sensor applies the shared feed and its own
 * high-confidence detections with src/block (docs/block.md). The daemon
 * calls these from its loop: at start, on every feed reload, on every
 * alert (a sink) and on its timer. */
#include "block.h"
#include "sensor-int.h"

#include <stdio.h>
#include <string.h>

static void blog(mm_sensor_log_fn log, void *ud, mm_log_level lv,
                 const char *what, const mm_err *err)
{
    if (!log)
        return;
    char msg[900], line[1024];
    mm_err_format(err, msg, sizeof msg);
    snprintf(line, sizeof line, "%s: %s", what, msg);
    log(ud, lv, line);
}

/* The host of "https://hub.example:8443/x" or "http://[::1]:80". */
static void url_host(const char *url, char *out, size_t outlen)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    size_t n;
    if (*p == '[') {
        p++;
        n = strcspn(p, "]");
    } else {
        n = strcspn(p, ":/");
    }
    snprintf(out, outlen, "%.*s", (int)(n < outlen ? n : outlen - 1), p);
}

mm_rc mm_sensor_block_new(const mm_sensor_config *cfg, mm_sensor_log_fn log,
                          void *log_ud, struct mm_blocker **out, mm_err *err)
{
    const mm_block_conf *bc = cfg->block;
    mm_block_allow a;
    mm_rc rc = mm_block_allow_init(&a);
    for (unsigned i = 0; i < cfg->n_allow && rc == MM_OK; i++)
        rc = mm_block_allow_add(&a, cfg->allow[i], cfg->file, err);
    for (unsigned i = 0;
         cfg->uplink_on && i < cfg->uplink.n_own_ranges && rc == MM_OK; i++)
        rc = mm_block_allow_add(&a, cfg->uplink.own_ranges[i], cfg->file, err);
    if (rc == MM_OK && bc->resolv[0])
        rc = mm_block_allow_add_resolv(&a, bc->resolv, err);
    char host[256];
    for (unsigned i = 0; i <= bc->n_hosts && rc == MM_OK; i++) {
        mm_err e;
        if (i == bc->n_hosts && !cfg->uplink_on)
            break;
        if (i == bc->n_hosts)
            url_host(cfg->uplink.hub_url, host, sizeof host);
        else
            snprintf(host, sizeof host, "%s", bc->hosts[i]);
        mm_rc r = mm_block_allow_add_host(&a, host, &e);
        if (r == MM_ENOTFOUND)
            blog(log, log_ud, MM_LOG_WARN,
                 "許可リストに入れられません / cannot allowlist", &e);
        else
            rc = r == MM_OK ? MM_OK
                            : mm_err_set(err, r, "[block]", 0, "%s", e.msg);
    }
    if (rc != MM_OK) {
        mm_block_allow_free(&a);
        return rc;
    }
    return mm_blocker_new(bc, &a, out, err);
}

void mm_sensor_block_reload(struct mm_blocker *b, const mm_sensor_config *cfg,
                            mm_sensor_log_fn log, void *log_ud)
{
    if (!b)
        return;
    const char *path = cfg->block->feed[0] ? cfg->block->feed : cfg->feed_ioc;
    mm_err err;
    if (path[0] && mm_blocker_load_feed(b, path, &err) != MM_OK)
        blog(log, log_ud, MM_LOG_WARN,
             "遮断用フィードを読めない / cannot read the feed to block", &err);
    if (mm_blocker_sync(b, mm_now_ms(), true, &err) != MM_OK)
        blog(log, log_ud, MM_LOG_ERROR, "遮断に失敗 / blocking failed", &err);
}

mm_rc mm_sensor_block_alert(const mm_alert *a, const char *json, size_t len,
                            void *ud)
{
    (void)json;
    (void)len;
    mm_blocker_detection(ud, &a->src, (int)a->severity, mm_now_ms());
    return MM_OK;
}

void mm_sensor_block_tick(struct mm_blocker *b, mm_sensor_link *link,
                          int64_t started_ms, mm_sensor_log_fn log,
                          void *log_ud)
{
    mm_err err;
    if (!b)
        return;
    int64_t now = mm_now_ms();
    if (mm_blocker_sync(b, now, false, &err) != MM_OK)
        blog(log, log_ud, MM_LOG_ERROR, "遮断に失敗 / blocking failed", &err);
    if (!link)
        return;
    char prefix[40];
    snprintf(prefix, sizeof prefix, "s%lld", (long long)started_ms);
    mm_buf js;
    mm_buf_init(&js, 64 * 1024);
    if (mm_blocker_report_json(b, now, prefix, &js) == MM_OK)
        mm_sensor_link_alert(NULL, js.data, js.len, link);
    mm_buf_free(&js);
}
