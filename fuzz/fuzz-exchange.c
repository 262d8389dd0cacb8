/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-exchange.c — libFuzzer target for the Exchange protocol-log (CSV)
 * parser: the first input byte picks one of the line prefixes below (the
 * syslog header or form that reaches the parser), the rest is the message; the
 * line is parsed as syslog and as auto with a small mm_parse_state. Every span
 * of the event must lie in the line. */

static const char *const prefixes[] = {
    "2024-05-01T00:00:04.456Z,",
    ("2024-05-01T00:00:04.456Z,EX01\\Client "
     "Proxy EX01,08DC69A7,8,10.0.0.5:587,"),
    "#"};

#include "prefixed-line.h"
