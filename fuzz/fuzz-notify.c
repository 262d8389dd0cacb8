/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-notify.c — libFuzzer target for the mail header checks and the
 * RFC 2047 encoder (src/notify): the input, split at the first two NUL
 * bytes, is an address, a subject and a body. Whatever the input, an
 * accepted message is pure ASCII, every line ends in CRLF, no header line
 * is longer than 998 bytes, and nothing the fields hold can start a new
 * header: the only header lines are the ones compose writes. */
#include "notify.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_message(const char *m, size_t n)
{
    const char *end = strstr(m, "\r\n\r\n");
    if (!end)
        abort();
    static const char *const names[] = {
        "Date: ",         "From: ",
        "To: ",           "Subject: ",
        "Message-ID: ",   "MIME-Version: ",
        "Content-Type: ", "Content-Transfer-Encoding: "};
    size_t line_start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c >= 128 || (c == '\n' && (i == 0 || m[i - 1] != '\r')) ||
            (c == '\r' && m[i + 1] != '\n'))
            abort();
        if (c != '\n')
            continue;
        if (i - line_start > 998)
            abort();
        line_start = i + 1;
        if (m + line_start >= end + 2)
            continue;
        /* a header line: a known name, or a folded continuation */
        const char *l = m + line_start;
        bool known = *l == ' ' || l == end + 2;
        for (size_t k = 0; k < sizeof names / sizeof *names && !known; k++)
            known = strncmp(l, names[k], strlen(names[k])) == 0;
        if (!known)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 3);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = s[size + 1] = s[size + 2] = '\0';
    const char *addr = s;
    const char *subject = addr + strlen(addr) + 1;
    if (subject > s + size)
        subject = s + size + 1;
    const char *body = subject + strlen(subject) + 1;
    if (body > s + size + 1)
        body = s + size + 2;
    (void)mm_notify_header_safe(subject);
    mm_buf b;
    mm_buf_init(&b, 1u << 22);
    (void)mm_notify_rfc2047(subject, &b);
    /* the encoded words alone: printable ASCII and folding only */
    for (size_t i = 0; i < b.len; i++)
        if ((unsigned char)b.data[i] >= 128 || b.data[i] == '\0')
            abort();
    mm_buf_reset(&b);
    mm_mail m = {"hub@example.jp", addr, subject, body, 0, "id.1"};
    mm_err err;
    if (mm_notify_mail_compose(&m, &b, &err) == MM_OK) {
        if (!mm_notify_addr_valid(addr) || !mm_notify_header_safe(subject))
            abort();
        check_message(b.data, b.len);
    } else if (b.len != 0) {
        abort(); /* a refused message leaves nothing behind */
    }
    mm_buf_free(&b);
    free(s);
    return 0;
}
