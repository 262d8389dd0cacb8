/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-mssql.c — libFuzzer target for the SQL Server 18456 parser: the first
 * input byte picks one of the line prefixes below (the syslog header or form
 * that reaches the parser), the rest is the message; the line is parsed as
 * syslog and as auto with a small mm_parse_state. Every span of the event
 * must lie in the line. */

static const char *const prefixes[] = {
    "2024-05-01 10:00:00.12 Logon       ",
    "Jan  1 00:00:00 db1 MSSQLSERVER[1]: ", ""};

#include "prefixed-line.h"
