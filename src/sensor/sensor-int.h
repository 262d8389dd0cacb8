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
/* Stops the uplink (unsent records stay in the spool). NULL is a no-op. */
void mm_sensor_link_stop(mm_sensor_link *l);

#endif
