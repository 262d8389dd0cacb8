/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-samba.c — libFuzzer target for the Samba auth audit parser: the first
 * input byte picks one of the line prefixes below (the syslog header or form
 * that reaches the parser), the rest is the message; the line is parsed as
 * syslog and as auto with a small mm_parse_state. Every span of the event
 * must lie in the line. */

static const char *const prefixes[] = {"Jan  1 00:00:00 fs1 smbd[812]: ", "  ",
                                       "[2019/01/01 10:00:00.000000,  2] "};

#include "prefixed-line.h"
