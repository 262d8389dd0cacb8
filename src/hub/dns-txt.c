/* SPDX-License-Identifier: Apache-2.0 */
/* dns-txt.c — TXT records for the ASM ownership proof (asm.c): the query
 * goes through libresolv (res_nquery) to the system's resolver or to one
 * given as HOST:PORT (hub.conf asm_dns); the answer is parsed here, not by
 * libresolv's ns_* helpers, so that a hostile answer meets one small,
 * bounds-checked parser (fuzz/fuzz-dns-txt.c). */
#include "hub.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DNS_HDR 12u
#define T_TXT_ 16u
#define C_IN_ 1u
#define TXT_MAX 1024u

static unsigned get16(const unsigned char *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* Skips a (possibly compressed) name at *off; false when malformed. */
static bool skip_name(const unsigned char *m, size_t len, size_t *off)
{
    size_t o = *off;
    for (unsigned labels = 0; labels < 128; labels++) {
        if (o >= len)
            return false;
        unsigned l = m[o];
        if ((l & 0xc0) == 0xc0) { /* a pointer ends the name */
            if (o + 2 > len)
                return false;
            *off = o + 2;
            return true;
        }
        if (l & 0xc0) /* 0x40 / 0x80: reserved label types */
            return false;
        o += 1 + l;
        if (l == 0) {
            *off = o;
            return true;
        }
    }
    return false;
}

/* One TXT rdata: its character-strings joined (RFC 7208 §3.3). */
static bool txt_join(const unsigned char *r, size_t rl, char *out, size_t *n)
{
    size_t o = 0, k = 0;
    while (o < rl) {
        size_t l = r[o++];
        if (o + l > rl || k + l >= TXT_MAX)
            return false;
        memcpy(out + k, r + o, l);
        k += l;
        o += l;
    }
    out[k] = '\0';
    *n = k;
    return true;
}

mm_rc mm_hub_dns_txt_parse(const unsigned char *msg, size_t len,
                           mm_hub_txt_fn fn, void *ud, mm_err *err)
{
    if (len < DNS_HDR || !(msg[2] & 0x80))
        return mm_err_set(err, MM_EPARSE, "dns", 0, "not a DNS answer");
    if ((msg[3] & 0x0f) != 0)
        return mm_err_set(err, MM_ENOTFOUND, "dns", 0, "DNS rcode %u",
                          msg[3] & 0x0fu);
    unsigned qd = get16(msg + 4), an = get16(msg + 6);
    size_t off = DNS_HDR;
    for (unsigned i = 0; i < qd; i++) {
        if (!skip_name(msg, len, &off) || off + 4 > len)
            return mm_err_set(err, MM_EPARSE, "dns", 0, "bad question");
        off += 4;
    }
    char *txt = malloc(TXT_MAX);
    if (!txt)
        return mm_err_set(err, MM_ENOMEM, "dns", 0, "out of memory");
    mm_rc rc = MM_OK;
    for (unsigned i = 0; i < an && rc == MM_OK; i++) {
        if (!skip_name(msg, len, &off) || off + 10 > len) {
            rc = mm_err_set(err, MM_EPARSE, "dns", 0, "bad answer record");
            break;
        }
        unsigned type = get16(msg + off), cls = get16(msg + off + 2);
        size_t rl = get16(msg + off + 8);
        off += 10;
        if (off + rl > len) {
            rc = mm_err_set(err, MM_EPARSE, "dns", 0, "truncated record");
            break;
        }
        size_t n;
        if (type == T_TXT_ && cls == C_IN_ && txt_join(msg + off, rl, txt, &n))
            rc = fn(txt, n, ud);
        off += rl;
    }
    free(txt);
    return rc;
}

/* "A.B.C.D:PORT" (IPv4: what res_state's nsaddr_list holds). */
static bool parse_server(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return false;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    unsigned long p = strtoul(colon + 1, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)p);
    return *end == '\0' && end != colon + 1 && p > 0 && p < 65536 &&
           inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

mm_rc mm_hub_dns_txt_query(const char *server, const char *name,
                           mm_hub_txt_fn fn, void *ud, mm_err *err)
{
    struct __res_state rs;
    memset(&rs, 0, sizeof rs);
    if (res_ninit(&rs) != 0)
        return mm_err_set(err, MM_EIO, "dns", 0, "resolver init failed");
    rs.retrans = 2; /* seconds per try: a polite, bounded wait */
    rs.retry = 2;
    if (server) {
        struct sockaddr_in sa;
        if (!parse_server(server, &sa)) {
            res_nclose(&rs);
            return mm_err_set(err, MM_EINVAL, server, 0,
                              "asm_dns は A.B.C.D:PORT です / asm_dns must "
                              "be A.B.C.D:PORT");
        }
        rs.nsaddr_list[0] = sa;
        rs.nscount = 1;
    }
    unsigned char *ans = malloc(65536);
    if (!ans) {
        res_nclose(&rs);
        return mm_err_set(err, MM_ENOMEM, "dns", 0, "out of memory");
    }
    int n = res_nquery(&rs, name, C_IN_, T_TXT_, ans, 65536);
    mm_rc rc = n < 0 ? mm_err_set(err, MM_ENOTFOUND, name, 0,
                                  "TXT レコードが見つかりません / no TXT "
                                  "record")
                     : mm_hub_dns_txt_parse(ans, (size_t)n, fn, ud, err);
    free(ans);
    res_nclose(&rs);
    return rc;
}
