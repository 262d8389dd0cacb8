/* SPDX-License-Identifier: Apache-2.0 */
/* dns-txt.c — TXT records for the ASM ownership proof (asm.c): the query
 * goes through libresolv (res_nquery) to the system's resolver or to one
 * given as HOST:PORT (hub.conf asm_dns); the answer is checked whole by
 * libresolv's ns_initparse (names, counts and lengths within the message)
 * before any record is read (fuzz/fuzz-dns-txt.c). */
#include "hub.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TXT_MAX 1024u

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
    ns_msg h;
    if (len < NS_HFIXEDSZ || len > NS_MAXMSG ||
        ns_initparse(msg, (int)len, &h) < 0 || !ns_msg_getflag(h, ns_f_qr))
        return mm_err_set(err, MM_EPARSE, "dns", 0, "not a DNS answer");
    if (ns_msg_getflag(h, ns_f_rcode) != ns_r_noerror)
        return mm_err_set(err, MM_ENOTFOUND, "dns", 0, "DNS rcode %d",
                          ns_msg_getflag(h, ns_f_rcode));
    char *txt = malloc(TXT_MAX);
    if (!txt)
        return mm_err_set(err, MM_ENOMEM, "dns", 0, "out of memory");
    mm_rc rc = MM_OK;
    for (int i = 0; rc == MM_OK && i < ns_msg_count(h, ns_s_an); i++) {
        ns_rr rr;
        size_t n;
        if (ns_parserr(&h, ns_s_an, i, &rr) < 0)
            rc = mm_err_set(err, MM_EPARSE, "dns", 0, "bad answer record");
        else if (ns_rr_type(rr) == ns_t_txt && ns_rr_class(rr) == ns_c_in &&
                 txt_join(ns_rr_rdata(rr), ns_rr_rdlen(rr), txt, &n))
            rc = fn(txt, n, ud);
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
    int n = res_nquery(&rs, name, ns_c_in, ns_t_txt, ans, 65536);
    mm_rc rc = n < 0 ? mm_err_set(err, MM_ENOTFOUND, name, 0,
                                  "TXT レコードが見つかりません / no TXT "
                                  "record")
                     : mm_hub_dns_txt_parse(ans, (size_t)n, fn, ud, err);
    free(ans);
    res_nclose(&rs);
    return rc;
}
