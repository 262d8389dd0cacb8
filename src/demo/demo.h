/*
 * demo.h — helpers of `mamori demo`: moving real log lines (data/samples)
 * to another time and host so that the same attackers reach several SMEs
 * one after another. The orchestration itself is src/cli/cmd-demo.c.
 */
#ifndef MM_DEMO_H
#define MM_DEMO_H

#include "core.h"

/* Log time (seconds since the epoch, UTC) of a syslog line
 * "Mmm dd hh:mm:ss host …" in `year`; false when the line has none. */
bool mm_demo_syslog_time(const char *line, size_t len, int year, int64_t *t);
/* Log time of an access-log line "… [dd/Mon/yyyy:hh:mm:ss +zzzz] …". */
bool mm_demo_access_time(const char *line, size_t len, int64_t *t);

/* Appends the syslog line to `out` with its time replaced by `t` (UTC) and
 * its host field by `host` (NULL keeps it), plus a newline. MM_EPARSE when
 * the line has no syslog time stamp. */
mm_rc mm_demo_rewrite_syslog(const char *line, size_t len, int64_t t,
                             const char *host, mm_buf *out);
/* Appends the access-log line with its time replaced by `t` (as +0000),
 * plus a newline. MM_EPARSE when it has no [time]. */
mm_rc mm_demo_rewrite_access(const char *line, size_t len, int64_t t,
                             mm_buf *out);

#endif /* MM_DEMO_H */
