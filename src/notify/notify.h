/* SPDX-License-Identifier: Apache-2.0 */
/*
 * notify.h — messages to people: Internet mail (RFC 5322 with RFC 2047
 * encoded Japanese headers and a base64 UTF-8 body) sent over SMTP with
 * STARTTLS and AUTH through libcurl, and Microsoft Teams / Slack incoming
 * webhooks (docs/hub.md "Notifications").
 *
 * This module knows nothing of the hub: the hub's outbox (src/hub/outbox.c,
 * notifier.c) decides what to send and when, and calls these. Every header
 * value is checked here, so no field can inject a header (no CR, LF or other
 * control byte reaches the message) and every address is a plain
 * local@domain. Nothing here prints; libcurl is the only I/O.
 */
#ifndef MM_NOTIFY_H
#define MM_NOTIFY_H

#include "core.h"

#include <stdbool.h>
#include <stdint.h>

/* Longest address accepted (RFC 5321 path limit). */
#define MM_NOTIFY_ADDR_MAX 254u
/* Longest subject accepted, in bytes of UTF-8 (before encoding). */
#define MM_NOTIFY_SUBJECT_MAX 480u
/* Longest body accepted, in bytes (memory per message). */
#define MM_NOTIFY_BODY_MAX (1024u * 1024u)

/* True for an address we will put into a header and an SMTP envelope:
 * 3..254 bytes of printable ASCII, one '@' with a non-empty local part of
 * atext and dots (no leading, trailing or double dot), a domain of
 * letters, digits, '-' and dots with at least one dot. No quoted local
 * parts, no comments, no display names: nothing that could carry CR, LF,
 * '<', '>' or ','. */
bool mm_notify_addr_valid(const char *s);

/* True when `s` may be a header value: valid UTF-8 without any control
 * byte (CR, LF, NUL, TAB and the rest of C0 and DEL). */
bool mm_notify_header_safe(const char *s);

/* Appends `text` (valid UTF-8) as RFC 2047 "B" encoded words in UTF-8,
 * each at most 75 characters and cut only between characters, joined by
 * CRLF SPACE (folding) — ready to follow "Subject: ". Pure ASCII without
 * control bytes is encoded too, which is always valid. MM_EINVAL for text
 * that is not header-safe. */
mm_rc mm_notify_rfc2047(const char *text, mm_buf *out);

typedef struct mm_mail {
    const char *from;    /* checked with mm_notify_addr_valid */
    const char *to;      /* checked likewise */
    const char *subject; /* UTF-8, header-safe */
    const char *body;    /* UTF-8; LF or CRLF line ends */
    int64_t date_ms;     /* the Date header */
    const char *id_left; /* left part of Message-ID ([A-Za-z0-9.-]) */
} mm_mail;

/* Appends the whole message: Date (RFC 5322, +0900), From, To, Subject
 * (RFC 2047), Message-ID <id_left@from-domain>, MIME-Version,
 * Content-Type text/plain; charset=UTF-8, Content-Transfer-Encoding:
 * base64, a blank line, and the body in base64 lines of 76; every line
 * ends in CRLF. MM_EINVAL (err names the field) for a bad address,
 * subject or id; nothing is appended then. */
mm_rc mm_notify_mail_compose(const mm_mail *m, mm_buf *out, mm_err *err);

typedef struct mm_smtp_conf {
    const char *url;      /* smtp://host:port (STARTTLS) or smtps:// */
    const char *user;     /* NULL or "" = no AUTH */
    const char *password; /* with user */
    bool tls_required;    /* refuse to send without TLS (smtp:// only) */
    long timeout_s;       /* whole transaction (30) */
    const char *ca_file;  /* CA bundle to verify the server; NULL or "" =
                             the system's */
} mm_smtp_conf;

/* Sends `msg` (a composed message) from `from` to `to`. MM_OK only when
 * the server accepted the message (250 after DATA); else MM_EIO with the
 * server's or libcurl's reason in err. */
mm_rc mm_notify_smtp_send(const mm_smtp_conf *c, const char *from,
                          const char *to, const char *msg, size_t len,
                          mm_err *err);

typedef enum mm_chat_kind { MM_CHAT_TEAMS = 0, MM_CHAT_SLACK } mm_chat_kind;

/* The JSON body an incoming webhook accepts: Slack {"text": …} with the
 * title in bold; Teams a MessageCard {"@type":"MessageCard", "title",
 * "text"} (accepted by Office 365 connectors and by Workflows' "post to a
 * channel when a webhook request is received"). */
mm_rc mm_notify_chat_json(mm_chat_kind k, const char *title, const char *text,
                          mm_buf *out);
/* POSTs that body to `url` (https://, or http:// on loopback for tests).
 * MM_OK only on a 2xx answer. */
mm_rc mm_notify_chat_send(mm_chat_kind k, const char *url, const char *title,
                          const char *text, mm_err *err);

#endif /* MM_NOTIFY_H */
