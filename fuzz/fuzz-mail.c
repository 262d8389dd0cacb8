/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-mail.c — libFuzzer target for the mail servers' (postfix, dovecot,
 * courier, exim, cyrus, sendmail, solid-pop3d) parser: the first input byte
 * picks one of the line prefixes below (the syslog header or form that reaches
 * the parser), the rest is the message; the line is parsed as syslog and as
 * auto with a small mm_parse_state. Every span of the event must lie in the
 * line. */

static const char *const prefixes[] = {"Jan  1 00:00:00 h postfix/smtpd[1]: ",
                                       "Jan  1 00:00:00 h dovecot: ",
                                       "Jan  1 00:00:00 h imapd: ",
                                       "2024-01-01 00:00:00 ",
                                       "Jan  1 00:00:00 h cyrus/imap[1]: ",
                                       "Jan  1 00:00:00 h sm-mta[1]: ",
                                       "Jan  1 00:00:00 h solid-pop3d[1]: ",
                                       "@400000004c91b044077a9e94 "};

#include "prefixed-line.h"
