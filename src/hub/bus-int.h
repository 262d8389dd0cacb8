/* SPDX-License-Identifier: Apache-2.0 */
/* bus-int.h — what the NATS files of the hub share (bus-nats.c: the
 * JetStream bus; bus-notice.c: notices; bus-stream.c: the stream upgrade). */
#ifndef MM_BUS_INT_H
#define MM_BUS_INT_H

#include "hub-int.h"

#include <nats/nats.h>

/* A connection to the servers of a bus list (comma-separated nats://
 * URLs), connect timeout wait_ms, reconnecting forever 100 ms apart;
 * *servers gets how many URLs the list has. MM_EINVAL for a list without
 * one, MM_EIO when no server answers. */
mm_rc mm_bus__connect(const char *urls, int wait_ms, natsConnection **nc,
                      int *servers, mm_err *err);

#endif
