/* SPDX-License-Identifier: Apache-2.0 */
/* plan.c — what to block: the allowlist that always wins, the feed reader,
 * the cap, and the de-duplication nftables interval sets need. */
#include "block.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

mm_rc mm_block_allow_init(mm_block_allow *a)
{
    memset(a, 0, sizeof *a);
    mm_rc rc = mm_block_allow_add(a, "127.0.0.0/8", "loopback", NULL);
    return rc ? rc : mm_block_allow_add(a, "::1/128", "loopback", NULL);
}

void mm_block_allow_free(mm_block_allow *a)
{
    free(a->v);
    memset(a, 0, sizeof *a);
}

/* Doubles a vector's capacity (16 at first). */
static mm_rc grow(void **v, size_t *cap, size_t elem)
{
    size_t nc = *cap ? *cap * 2 : 16;
    void *nv = realloc(*v, nc * elem);
    if (!nv)
        return MM_ENOMEM;
    *v = nv;
    *cap = nc;
    return MM_OK;
}

static mm_rc allow_push(mm_block_allow *a, const mm_cidr *c)
{
    if (a->n >= MM_BLOCK_ALLOW_MAX)
        return MM_ELIMIT;
    if (a->n == a->cap && grow((void **)&a->v, &a->cap, sizeof *a->v) != MM_OK)
        return MM_ENOMEM;
    a->v[a->n++] = *c;
    return MM_OK;
}

/* Adds an address a resolver gave as text; other text is passed over. */
static mm_rc allow_push_text(mm_block_allow *a, const char *txt)
{
    mm_cidr c;
    if (mm_cidr_parse(txt, strlen(txt), &c) != MM_OK)
        return MM_OK;
    return allow_push(a, &c);
}

static mm_rc allow_push_failed(mm_rc rc, const char *where, mm_err *err)
{
    return rc ? mm_err_set(err, rc, where, 0, "allowlist full or no memory")
              : MM_OK;
}

mm_rc mm_block_allow_add(mm_block_allow *a, const char *cidr, const char *what,
                         mm_err *err)
{
    mm_cidr c;
    const char *why = NULL;
    if (mm_cidr_parse_why(cidr, strlen(cidr), &c, &why) != MM_OK)
        return mm_err_set(err, MM_EPARSE, what, 0,
                          "許可リストの値が不正です / bad allowlist entry "
                          "'%.64s': %s",
                          cidr, why ? why : "not an address");
    mm_rc rc = allow_push(a, &c);
    if (rc == MM_ELIMIT)
        return mm_err_set(err, rc, what, 0,
                          "許可リストは %u 件までです / at most %u allowlist "
                          "entries",
                          MM_BLOCK_ALLOW_MAX, MM_BLOCK_ALLOW_MAX);
    return rc ? mm_err_set(err, rc, what, 0, "out of memory") : MM_OK;
}

mm_rc mm_block_allow_add_resolv(mm_block_allow *a, const char *path,
                                mm_err *err)
{
    char *text = NULL;
    size_t len = 0;
    mm_rc rc = mm_file_read(path, 1024 * 1024, &text, &len, err);
    if (rc == MM_ENOTFOUND)
        return MM_OK;
    if (rc != MM_OK)
        return rc;
    char *save = NULL;
    for (char *ln = strtok_r(text, "\n", &save); ln && rc == MM_OK;
         ln = strtok_r(NULL, "\n", &save)) {
        char word[16], val[128];
        if (sscanf(ln, " %15s %127s", word, val) != 2 ||
            strcmp(word, "nameserver") != 0)
            continue;
        char *pct = strchr(val, '%'); /* fe80::1%eth0 */
        if (pct)
            *pct = '\0';
        rc = allow_push_text(a, val);
    }
    free(text);
    return allow_push_failed(rc, path, err);
}

mm_rc mm_block_allow_add_host(mm_block_allow *a, const char *host, mm_err *err)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return mm_err_set(err, MM_ENOTFOUND, host, 0,
                          "名前を解決できません / cannot resolve '%.64s'",
                          host);
    mm_rc rc = MM_OK;
    for (struct addrinfo *ai = res; ai && rc == MM_OK; ai = ai->ai_next) {
        char txt[64];
        if (getnameinfo(ai->ai_addr, ai->ai_addrlen, txt, sizeof txt, NULL, 0,
                        NI_NUMERICHOST) != 0)
            continue;
        rc = allow_push_text(a, txt);
    }
    freeaddrinfo(res);
    return allow_push_failed(rc, host, err);
}

bool mm_block_allowed(const mm_block_allow *a, const mm_cidr *c)
{
    for (size_t i = 0; i < a->n; i++)
        if (mm_cidr_within(c, &a->v[i]) || mm_cidr_within(&a->v[i], c))
            return true;
    return false;
}

void mm_block_plan_init(mm_block_plan *p, size_t max)
{
    memset(p, 0, sizeof *p);
    p->max = max == 0                     ? MM_BLOCK_MAX_DEFAULT
             : max > MM_BLOCK_MAX_CEILING ? MM_BLOCK_MAX_CEILING
                                          : max;
}

void mm_block_plan_free(mm_block_plan *p)
{
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

mm_rc mm_block_plan_add(mm_block_plan *p, const mm_block_allow *a,
                        const mm_cidr *c, unsigned ttl_s)
{
    unsigned min =
        c->addr.family == 4 ? MM_BLOCK_MIN_BITS_V4 : MM_BLOCK_MIN_BITS_V6;
    if (c->bits < min) {
        p->too_wide++;
        return MM_OK;
    }
    if (a && mm_block_allowed(a, c)) {
        p->allowed++;
        return MM_OK;
    }
    if (p->n >= p->max) {
        p->capped++;
        return MM_OK;
    }
    if (p->n == p->cap && grow((void **)&p->v, &p->cap, sizeof *p->v) != MM_OK)
        return MM_ENOMEM;
    mm_block_entry *e = &p->v[p->n++];
    memset(e, 0, sizeof *e);
    e->net = *c;
    e->ttl_s = ttl_s ? ttl_s : MM_BLOCK_TTL_DEFAULT;
    if (e->ttl_s > MM_BLOCK_TTL_MAX)
        e->ttl_s = MM_BLOCK_TTL_MAX;
    return MM_OK;
}

/* A domain name as the hub shares it: letters, digits, '-', '.', with at
 * least one dot and one letter (so "1.2.3" is a bad address, not a name). */
static bool looks_domain(const char *s, size_t n)
{
    bool dot = false, alpha = false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (ch == '.')
            dot = true;
        else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
            alpha = true;
        else if (!(ch >= '0' && ch <= '9') && ch != '-' && ch != '_')
            return false;
    }
    return dot && alpha;
}

mm_rc mm_block_feed_parse(mm_block_plan *p, const mm_block_allow *a,
                          const char *name, const char *text, size_t len,
                          unsigned ttl_s, mm_err *err)
{
    unsigned lineno = 0;
    size_t pos = 0;
    while (pos < len) {
        const char *ln = text + pos;
        const char *nl = memchr(ln, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - ln) : len - pos;
        pos += n + (nl ? 1 : 0);
        lineno++;
        size_t s = 0;
        while (s < n && (ln[s] == ' ' || ln[s] == '\t'))
            s++;
        size_t e = s;
        while (e < n && ln[e] != ' ' && ln[e] != '\t' && ln[e] != '\r' &&
               ln[e] != '#')
            e++;
        if (e == s)
            continue; /* blank or comment */
        mm_cidr c;
        const char *why = NULL;
        if (mm_cidr_parse_why(ln + s, e - s, &c, &why) == MM_OK) {
            if (mm_block_plan_add(p, a, &c, ttl_s) != MM_OK)
                return mm_err_set(err, MM_ENOMEM, name, lineno,
                                  "out of memory");
        } else if (looks_domain(ln + s, e - s)) {
            p->domains++;
        } else {
            return mm_err_set(err, MM_EPARSE, name, lineno,
                              "IP アドレスでも CIDR でもありません / not an "
                              "IP address or CIDR: %s",
                              why ? why : "bad value");
        }
    }
    return MM_OK;
}

static int cmp_entry(const void *x, const void *y)
{
    const mm_block_entry *a = x, *b = y;
    if (a->net.addr.family != b->net.addr.family)
        return a->net.addr.family < b->net.addr.family ? -1 : 1;
    int c = memcmp(a->net.addr.bytes, b->net.addr.bytes,
                   a->net.addr.family == 4 ? 4 : 16);
    if (c)
        return c;
    /* the wider prefix first, so the narrower ones after it are dropped */
    return a->net.bits < b->net.bits ? -1 : a->net.bits > b->net.bits;
}

void mm_block_plan_finish(mm_block_plan *p)
{
    if (p->n < 2)
        return;
    qsort(p->v, p->n, sizeof *p->v, cmp_entry);
    size_t k = 1;
    for (size_t i = 1; i < p->n; i++) {
        if (mm_cidr_within(&p->v[i].net, &p->v[k - 1].net)) {
            p->dups++;
            continue;
        }
        p->v[k++] = p->v[i];
    }
    p->n = k;
}

long mm_block_plan_find(const mm_block_plan *p, const mm_cidr *c)
{
    size_t lo = 0, hi = p->n;
    mm_block_entry key;
    memset(&key, 0, sizeof key);
    key.net = *c;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_entry(&key, &p->v[mid]);
        if (r == 0)
            return (long)mid;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

void mm_block_cidr_format(const mm_cidr *c, char *out, size_t outlen)
{
    char a[64];
    mm_addr_format(&c->addr, a, sizeof a);
    unsigned full = c->addr.family == 4 ? 32 : 128;
    if (c->bits >= full)
        snprintf(out, outlen, "%s", a);
    else
        snprintf(out, outlen, "%s/%u", a, c->bits);
}
