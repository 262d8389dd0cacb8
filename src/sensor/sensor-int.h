/* SPDX-License-Identifier: Apache-2.0 */
/* sensor-int.h — helpers shared by the sensor module's files only. */
#ifndef MM_SENSOR_INT_H
#define MM_SENSOR_INT_H

#include "sensor.h"

/* ---- hub-link.c: the uplink, started and wired by the sensor ------------ */

typedef struct mm_sensor_link mm_sensor_link;

/* Starts the uplink of cfg->uplink (its threads never take the sensor's
 * signals); a feed update makes mm_sensor_link_feed_fd readable. The
 * error says "cannot start the uplink: …". */
mm_rc mm_sensor_link_start(const mm_sensor_config *cfg, mm_sensor_log_fn log,
                           void *log_ud, mm_sensor_link **out, mm_err *err);
/* An eventfd the loop watches: readable after the feed changed. */
int mm_sensor_link_feed_fd(const mm_sensor_link *l);
/* Takes the pending wake-ups; true when the feed changed since the last
 * call. */
bool mm_sensor_link_feed_changed(mm_sensor_link *l);
/* The alert sink (ud = the link): the alert JSON, de-identified, spooled
 * and fsynced. */
mm_rc mm_sensor_link_alert(const mm_alert *a, const char *json, size_t len,
                           void *ud);
/* The event hook (ud = the link): events send_events selects, spooled
 * without fsync; mm_sensor_link_flush makes them durable. */
void mm_sensor_link_event(const mm_event *ev, const char *line, size_t len,
                          void *ud);
mm_rc mm_sensor_link_flush(void *ud);
/* The records spooled until the next call come from `origin` (a hash of the
 * file line being handled; 0 = none): mm_spool_set_origin. */
void mm_sensor_link_set_origin(mm_sensor_link *l, uint64_t origin);
/* Stops the uplink (unsent records stay in the spool). NULL is a no-op. */
void mm_sensor_link_stop(mm_sensor_link *l);

/* ---- blocking.c: [block], the sensor's use of src/block ----------------- */

struct mm_blocker;
/* The blocker of cfg->block with its allowlist: loopback, [block] allow
 * and allow_host, [sensor] allow, [uplink] own_ranges, the hub's address
 * and the DNS servers of resolv. Names that do not resolve are skipped
 * (log says which). */
mm_rc mm_sensor_block_new(const mm_sensor_config *cfg, mm_sensor_log_fn log,
                          void *log_ud, struct mm_blocker **out, mm_err *err);
/* The feed was reloaded: read it again ([block] feed, else the hub's
 * feed.txt) and apply now. */
void mm_sensor_block_reload(struct mm_blocker *b, const mm_sensor_config *cfg,
                            mm_sensor_log_fn log, void *log_ud);
/* The alert sink (ud = the blocker): own high/critical detections. */
mm_rc mm_sensor_block_alert(const mm_alert *a, const char *json, size_t len,
                            void *ud);
/* From the loop's timer: renew, expire own detections, read counters, and
 * when one is due upload the counters to the hub through `link` (may be
 * NULL) as a mamori.block event. */
void mm_sensor_block_tick(struct mm_blocker *b, mm_sensor_link *link,
                          int64_t started_ms, mm_sensor_log_fn log,
                          void *log_ud);

#endif
