/* SPDX-License-Identifier: Apache-2.0 */
/* deid.c — de-identification of alerts and events before they leave the
 * SME: internal addresses, user names and host names are replaced by a
 * keyed hash (HMAC-SHA256 with the tenant's secret) or removed; raw log
 * lines are removed unless the tenant opts in. */
#include "uplink.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef mm_cidr own_range;

struct mm_deid {
    mm_deid_mode mode;
    bool send_raw;
    unsigned char key[64];
    size_t key_len;
    unsigned char base[64]; /* the key before a tenant id was mixed in */
    size_t base_len;
    /* HMAC state after the key (copied per hash: half its cost saved) */
    crypto_auth_hmacsha256_state hst;
    unsigned n_ranges;
    own_range ranges[MM_DEID_RANGES_MAX];
    unsigned n_domains;
    char domains[MM_DEID_RANGES_MAX][256];
};

mm_rc mm_deid_new(mm_deid_mode mode, const void *secret, size_t secret_len,
                  bool send_raw, mm_deid **out, mm_err *err)
{
    *out = NULL;
    if (mode != MM_DEID_HASH && mode != MM_DEID_DROP)
        return mm_err_set(err, MM_EINVAL, "<uplink>", 0,
                          "unknown de-identification mode");
    if (mode == MM_DEID_HASH && (secret == NULL || secret_len < 16))
        return mm_err_set(err, MM_EINVAL, "<uplink>", 0,
                          "tenant_secret must be at least 16 bytes for "
                          "deid = hash");
    if (sodium_init() < 0)
        return mm_err_set(err, MM_EINTERNAL, "<uplink>", 0,
                          "libsodium failed to initialise");
    mm_deid *d = calloc(1, sizeof *d);
    if (!d)
        return MM_ENOMEM;
    d->mode = mode;
    d->send_raw = send_raw;
    if (mode == MM_DEID_HASH) {
        /* Long secrets are first reduced to 32 bytes (as HMAC does). */
        if (secret_len > sizeof d->key) {
            crypto_hash_sha256(d->key, secret, secret_len);
            d->key_len = 32;
        } else {
            memcpy(d->key, secret, secret_len);
            d->key_len = secret_len;
        }
        memcpy(d->base, d->key, d->key_len);
        d->base_len = d->key_len;
        crypto_auth_hmacsha256_init(&d->hst, d->key, d->key_len);
    }
    *out = d;
    return MM_OK;
}

void mm_deid_free(mm_deid *d)
{
    if (!d)
        return;
    sodium_memzero(d->key, sizeof d->key);
    sodium_memzero(d->base, sizeof d->base);
    free(d);
}

void mm_deid_set_tenant(mm_deid *d, const char *tenant)
{
    if (d->mode != MM_DEID_HASH)
        return;
    static const char label[] = "mamori-deid-tenant";
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, d->base, d->base_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)label,
                                  sizeof label); /* with its NUL */
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)tenant,
                                  strlen(tenant));
    crypto_auth_hmacsha256_final(&st, d->key);
    d->key_len = crypto_auth_hmacsha256_BYTES;
    crypto_auth_hmacsha256_init(&d->hst, d->key, d->key_len);
}

mm_rc mm_deid_add_own_range(mm_deid *d, const char *cidr, mm_err *err)
{
    mm_cidr r;
    if (mm_cidr_parse(cidr, strlen(cidr), &r) != MM_OK)
        return mm_err_set(err, MM_EINVAL, "<uplink>", 0,
                          "own_ranges: '%.80s' is not an address or CIDR",
                          cidr);
    if (d->n_ranges >= MM_DEID_RANGES_MAX)
        return mm_err_set(err, MM_ELIMIT, "<uplink>", 0,
                          "own_ranges: more than %u ranges",
                          MM_DEID_RANGES_MAX);
    d->ranges[d->n_ranges++] = r;
    return MM_OK;
}

static bool domain_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

mm_rc mm_deid_add_own_domain(mm_deid *d, const char *domain, mm_err *err)
{
    size_t n = strlen(domain);
    while (n && domain[n - 1] == '.')
        n--;
    while (n && domain[0] == '.') {
        domain++;
        n--;
    }
    bool ok = n > 0 && n < 254;
    for (size_t i = 0; ok && i < n; i++)
        ok = domain_char_ok(domain[i]);
    if (!ok)
        return mm_err_set(err, MM_EINVAL, "<uplink>", 0,
                          "own_domains: '%.80s' is not a domain name", domain);
    if (d->n_domains >= MM_DEID_RANGES_MAX)
        return mm_err_set(err, MM_ELIMIT, "<uplink>", 0,
                          "own_domains: more than %u domains",
                          MM_DEID_RANGES_MAX);
    memcpy(d->domains[d->n_domains], domain, n);
    d->domains[d->n_domains][n] = '\0';
    d->n_domains++;
    return MM_OK;
}

bool mm_deid_addr_internal(const mm_deid *d, const mm_addr *a)
{
    if (mm_addr_is_reserved(a))
        return true;
    for (unsigned i = 0; i < d->n_ranges; i++)
        if (mm_cidr_contains(&d->ranges[i], a))
            return true;
    return false;
}

/* True when `name` (len n) equals `suffix` or ends with "." + suffix,
 * ignoring case. */
static bool has_suffix(const char *name, size_t n, const char *suffix)
{
    size_t s = strlen(suffix);
    if (n < s)
        return false;
    if (strncasecmp(name + n - s, suffix, s) != 0)
        return false;
    return n == s || name[n - s - 1] == '.';
}

static bool has_own_domain(const mm_deid *d, const char *p, size_t n);

bool mm_deid_domain_internal(const mm_deid *d, const char *name, size_t len)
{
    static const char *const private_suffixes[] = {
        "local", "lan",       "internal",    "intranet",  "corp",
        "home",  "home.arpa", "localdomain", "localhost", "private"};
    while (len && name[len - 1] == '.')
        len--;
    if (len == 0)
        return false;
    const char *dot = memrchr(name, '.', len);
    if (!dot)
        return true; /* single label: a machine on the local network */
    /* every private suffix ends in a label starting with one of these */
    char c = (char)(dot[1] | 0x20);
    if (dot + 1 < name + len && !strchr("lichap", c))
        return has_own_domain(d, name, len);
    for (size_t i = 0;
         i < sizeof private_suffixes / sizeof private_suffixes[0]; i++)
        if (has_suffix(name, len, private_suffixes[i]))
            return true;
    return has_own_domain(d, name, len);
}

void mm_deid_hash(const mm_deid *d, const char *value, size_t len,
                  char out[19])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_state st = d->hst;
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)value, len);
    crypto_auth_hmacsha256_final(&st, mac);
    out[0] = 'h';
    out[1] = ':';
    for (unsigned i = 0; i < 8; i++) {
        out[2 + 2 * i] = hex[mac[i] >> 4];
        out[3 + 2 * i] = hex[mac[i] & 15];
    }
    out[18] = '\0';
}

/* ---- JSON helpers ---------------------------------------------------------
 */

/* Sets obj[key] to the hash of `value` (hash mode) or deletes it. */
static void put_hash(const mm_deid *d, json_t *obj, const char *key,
                     const char *value, size_t len)
{
    if (d->mode == MM_DEID_DROP) {
        json_object_del(obj, key);
        return;
    }
    char h[19];
    mm_deid_hash(d, value, len, h);
    json_object_set_new(obj, key, json_string(h));
}

/* Replaces obj[key] by its hash (or removes it) when it is a string;
 * removes it when it is anything else. */
static void hash_member(const mm_deid *d, json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return;
    if (json_is_string(v)) {
        char tmp[MM_FIELD_MAX];
        size_t n = json_string_length(v);
        if (n >= sizeof tmp)
            n = sizeof tmp - 1;
        memcpy(tmp, json_string_value(v), n);
        put_hash(d, obj, key, tmp, n);
    } else {
        json_object_del(obj, key);
    }
}

/* Parses a JSON string as an address; false when it is not one. */
static bool json_addr(json_t *v, mm_addr *a)
{
    if (!json_is_string(v))
        return false;
    return mm_addr_parse(json_string_value(v), json_string_length(v), a) ==
           MM_OK;
}

static bool str_internal_domain(const mm_deid *d, json_t *v)
{
    return json_is_string(v) &&
           mm_deid_domain_internal(d, json_string_value(v),
                                   json_string_length(v));
}

/* source / destination / client / server: an internal .ip moves to a
 * hashed .address; the endpoint's domain and user go with it. */
static void deid_endpoint(const mm_deid *d, json_t *root, const char *name)
{
    json_t *ep = json_object_get(root, name);
    if (!json_is_object(ep))
        return;
    bool internal = false;
    json_t *ip = json_object_get(ep, "ip");
    if (ip) {
        mm_addr a;
        if (json_addr(ip, &a)) {
            internal = mm_deid_addr_internal(d, &a);
            if (internal) {
                char txt[64];
                size_t n = mm_addr_format(&a, txt, sizeof txt);
                json_object_del(ep, "ip");
                put_hash(d, ep, "address", txt, n);
            }
        } else {
            /* Not an address at all: we cannot tell, so it does not leave. */
            internal = true;
            json_object_del(ep, "ip");
        }
    }
    json_t *addr = json_object_get(ep, "address");
    if (addr && !internal && json_is_string(addr)) {
        mm_addr a;
        if (json_addr(addr, &a) ? mm_deid_addr_internal(d, &a)
                                : str_internal_domain(d, addr))
            hash_member(d, ep, "address");
    }
    json_t *dom = json_object_get(ep, "domain");
    if (dom &&
        (internal || !json_is_string(dom) || str_internal_domain(d, dom)))
        hash_member(d, ep, "domain");
    json_object_del(ep, "mac");
    json_t *nat = json_object_get(ep, "nat");
    if (json_is_object(nat)) {
        mm_addr a;
        json_t *nip = json_object_get(nat, "ip");
        if (nip && (!json_addr(nip, &a) || mm_deid_addr_internal(d, &a)))
            json_object_del(nat, "ip");
    }
    json_t *user = json_object_get(ep, "user");
    if (user) {
        json_t *un =
            json_is_object(user) ? json_object_get(user, "name") : NULL;
        if (un && json_is_string(un) && d->mode == MM_DEID_HASH) {
            json_t *nu = json_object();
            put_hash(d, nu, "name", json_string_value(un),
                     json_string_length(un));
            json_object_set_new(ep, "user", nu);
        } else {
            json_object_del(ep, "user");
        }
    }
    if (json_object_size(ep) == 0)
        json_object_del(root, name);
}

/* user: only a hash of user.name leaves (a string, or an array of the
 * names tried, each hashed). */
static void deid_user(const mm_deid *d, json_t *root)
{
    json_t *user = json_object_get(root, "user");
    if (!user)
        return;
    json_t *un = json_is_object(user) ? json_object_get(user, "name") : NULL;
    if (d->mode == MM_DEID_HASH && json_is_string(un)) {
        json_t *nu = json_object();
        put_hash(d, nu, "name", json_string_value(un), json_string_length(un));
        json_object_set_new(root, "user", nu);
    } else if (d->mode == MM_DEID_HASH && json_is_array(un)) {
        json_t *names = json_array();
        size_t i;
        json_t *x;
        json_array_foreach(un, i, x)
        {
            if (!json_is_string(x))
                continue;
            char h[19];
            mm_deid_hash(d, json_string_value(x), json_string_length(x), h);
            json_array_append_new(names, json_string(h));
        }
        json_t *nu = json_object();
        json_object_set_new(nu, "name", names);
        json_object_set_new(root, "user", nu);
    } else {
        json_object_del(root, "user");
    }
}

/* Replaces internal addresses in an array of address strings. */
static void deid_ip_array(const mm_deid *d, json_t *arr)
{
    if (!json_is_array(arr))
        return;
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *v = json_array_get(arr, i);
        mm_addr a;
        if (!json_addr(v, &a) || mm_deid_addr_internal(d, &a))
            json_array_remove(arr, i);
    }
}

/* host / observer: names and internal addresses of the SME's machines. */
static void deid_machine(const mm_deid *d, json_t *root, const char *name)
{
    json_t *h = json_object_get(root, name);
    if (!h)
        return;
    if (!json_is_object(h)) {
        json_object_del(root, name);
        return;
    }
    hash_member(d, h, "name");
    hash_member(d, h, "hostname");
    json_object_del(h, "id");
    json_object_del(h, "mac");
    json_object_del(h, "domain");
    json_t *ip = json_object_get(h, "ip");
    if (json_is_array(ip)) {
        deid_ip_array(d, ip);
    } else if (ip) {
        mm_addr a;
        if (!json_addr(ip, &a) || mm_deid_addr_internal(d, &a))
            json_object_del(h, "ip");
    }
    if (json_object_size(h) == 0)
        json_object_del(root, name);
}

static void deid_related(const mm_deid *d, json_t *root)
{
    json_t *rel = json_object_get(root, "related");
    if (!json_is_object(rel)) {
        if (rel)
            json_object_del(root, "related");
        return;
    }
    deid_ip_array(d, json_object_get(rel, "ip"));
    json_object_del(rel, "user");
    json_object_del(rel, "hosts");
    json_object_del(rel, "hash");
}

/* ---- free text -------------------------------------------------------------
 * Any string can carry an internal address, an internal or own domain, or
 * the record's user or host name in clear (a URL path, a query, a referrer,
 * a user agent). The scrubber cuts a string into tokens of [A-Za-z0-9._:-]
 * and replaces each that is one of those by its hash ("h:removed" in drop
 * mode); a token with ':' that is not an IPv6 address is looked at per
 * ':'-separated part (host:port). Query values are hashed whole. */

/* What a record names in clear: replaced wherever it appears in free text
 * (so its pseudonym never stands next to it). */
typedef struct scrub_ctx {
    char user[128];
    size_t user_n;
    char host[128];
    size_t host_n;
    char peer[128]; /* an internal host the referrer names */
    size_t peer_n;
} scrub_ctx;

enum { SCRUB_TEXT, SCRUB_QUERY, SCRUB_URL };

static void scrub_ctx_set(char *dst, size_t cap, size_t *n, const char *p,
                          size_t len)
{
    /* names of one or two bytes would hash every such word */
    if (len < 3 || len >= cap)
        return;
    memcpy(dst, p, len);
    *n = len;
}

/* Token bytes: 1 alphanumeric or - _, 2 '.', 4 ':', 8 '@' (a flag each,
 * so a token with neither '.' nor ':' is passed over at once). */
static const uint8_t tok_class[256] = {
    ['-'] = 1, ['_'] = 1, ['.'] = 2, [':'] = 4, ['@'] = 8, ['0'] = 1,
    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,
    ['7'] = 1, ['8'] = 1, ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1,
    ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1,
    ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1,
    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
    ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1,
    ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1,
    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,
    ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1,
    ['z'] = 1,
};

/* Own domains match anywhere in a name, at a label boundary
 * ("a.example.co.jp", "example.co.jp.evil.net"). */
static bool has_own_domain(const mm_deid *d, const char *p, size_t n)
{
    for (unsigned i = 0; i < d->n_domains; i++) {
        size_t l = strlen(d->domains[i]);
        for (size_t k = 0; l <= n && k + l <= n; k++)
            if ((k == 0 || p[k - 1] == '.') &&
                (k + l == n || p[k + l] == '.') &&
                strncasecmp(p + k, d->domains[i], l) == 0)
                return true;
    }
    return false;
}

static bool is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9');
}

/* `w` inside p[0..n) as a whole word (case-insensitive): bounded by the
 * ends or by '.', '-', '_' ("fileserver01.xlsx", "tanaka-backup"). */
static bool has_word(const char *p, size_t n, const char *w, size_t wn)
{
    char c0 = (char)(w[0] | 0x20);
    for (size_t k = 0; wn && k + wn <= n; k++)
        if ((char)(p[k] | 0x20) == c0 && (k == 0 || !is_alnum(p[k - 1])) &&
            (k + wn == n || !is_alnum(p[k + wn])) &&
            strncasecmp(p + k, w, wn) == 0)
            return true;
    return false;
}

/* True when a token (no ':' unless an IPv6 address) must not leave. */
static bool tok_secret(const mm_deid *d, const scrub_ctx *x, const char *p,
                       size_t n)
{
    if (x && (has_word(p, n, x->user, x->user_n) ||
              has_word(p, n, x->host, x->host_n) ||
              has_word(p, n, x->peer, x->peer_n)))
        return true;
    const char *at = memrchr(p, '@', n);
    if (at) /* a mailbox: secret when either side is */
        return tok_secret(d, x, p, (size_t)(at - p)) ||
               tok_secret(d, x, at + 1, n - (size_t)(at - p) - 1);
    const char *dot = memchr(p, '.', n);
    const char *colon = memchr(p, ':', n);
    if (!dot && !colon)
        return false;
    mm_addr a;
    if (mm_addr_parse(p, n, &a) == MM_OK)
        return mm_deid_addr_internal(d, &a);
    if (colon || !dot)
        return false;
    bool alpha = false;
    for (size_t i = 0; i < n && !alpha; i++)
        alpha = (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z');
    return alpha && mm_deid_domain_internal(d, p, n);
}

/* Appends the replacement of a secret token. */
static void put_secret(const mm_deid *d, const char *p, size_t n, mm_buf *out)
{
    char h[19] = "h:removed";
    if (d->mode == MM_DEID_HASH)
        mm_deid_hash(d, p, n, h);
    mm_buf_puts(out, h);
}

/* A token is looked at whole, or per ':'-part when it has a ':' and is
 * neither an address nor a mailbox (host:port). */
static bool tok_whole(const char *p, size_t n)
{
    mm_addr a;
    return !memchr(p, ':', n) || memchr(p, '@', n) ||
           mm_addr_parse(p, n, &a) == MM_OK;
}

/* True when the token (its trailing dots cut) holds anything secret. */
static bool tok_any(const mm_deid *d, const scrub_ctx *x, const char *p,
                    size_t n)
{
    if (tok_whole(p, n))
        return tok_secret(d, x, p, n);
    for (size_t start = 0, i = 0; i <= n; i++)
        if (i == n || p[i] == ':') {
            if (tok_secret(d, x, p + start, i - start))
                return true;
            start = i + 1;
        }
    return false;
}

/* Writes a secret token's replacement: whole, or part by part. */
static void tok_write(const mm_deid *d, const scrub_ctx *x, const char *p,
                      size_t n, mm_buf *out)
{
    if (tok_whole(p, n)) {
        put_secret(d, p, n, out);
        return;
    }
    for (size_t start = 0, i = 0; i <= n; i++)
        if (i == n || p[i] == ':') {
            if (tok_secret(d, x, p + start, i - start))
                put_secret(d, p + start, i - start, out);
            else
                mm_buf_append(out, p + start, i - start);
            if (i < n)
                mm_buf_append(out, ":", 1);
            start = i + 1;
        }
}

/* Free text: every token checked; nothing is written unless one is secret
 * (the common case costs a scan and no allocation). */
static bool scrub_text(const mm_deid *d, const scrub_ctx *x, const char *s,
                       size_t n, mm_buf *out)
{
    size_t i = 0, last = 0;
    bool changed = false;
    /* with no names to look for, only a token with '.' or ':' can be an
     * address or a domain */
    bool names = x && (x->user_n || x->host_n || x->peer_n);
    while (i < n) {
        if (!tok_class[(unsigned char)s[i]]) {
            i++;
            continue;
        }
        size_t j = i;
        unsigned cls = 0;
        while (j < n && tok_class[(unsigned char)s[j]])
            cls |= tok_class[(unsigned char)s[j++]];
        size_t k = j;
        while (k > i && s[k - 1] == '.') /* end of a sentence: the dots stay */
            k--;
        if (k > i && (names || (cls & 6)) && tok_any(d, x, s + i, k - i)) {
            mm_buf_append(out, s + last, i - last);
            tok_write(d, x, s + i, k - i, out);
            last = k;
            changed = true;
        }
        i = j;
    }
    if (changed)
        mm_buf_append(out, s + last, n - last);
    return changed;
}

/* Appends s[0..n) scrubbed as free text. */
static bool text_or_copy(const mm_deid *d, const scrub_ctx *x, const char *s,
                         size_t n, mm_buf *out)
{
    if (scrub_text(d, x, s, n, out))
        return true;
    mm_buf_append(out, s, n);
    return false;
}

/* key=value pairs: keys scrubbed, every non-empty value hashed whole (a
 * value can hold any name or secret). */
static bool scrub_query(const mm_deid *d, const scrub_ctx *x, const char *s,
                        size_t n, mm_buf *out)
{
    size_t mark = out->len, i = 0;
    bool changed = false;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&' && s[j] != ';')
            j++;
        const char *eq = memchr(s + i, '=', j - i);
        size_t kn = eq ? (size_t)(eq - (s + i)) : j - i;
        changed |= text_or_copy(d, x, s + i, kn, out);
        if (eq) {
            mm_buf_append(out, "=", 1);
            if (j - i - kn - 1) {
                put_secret(d, eq + 1, j - i - kn - 1, out);
                changed = true;
            }
        }
        if (j < n)
            mm_buf_append(out, s + j, 1);
        i = j + 1;
    }
    if (!changed)
        out->len = mark;
    return changed;
}

/* The host of a URL's authority is internal: an internal address, a
 * single label, a private suffix or an own domain. */
static bool host_secret(const mm_deid *d, const char *p, size_t n)
{
    if (n >= 2 && p[0] == '[' && p[n - 1] == ']') {
        p++;
        n -= 2;
    }
    mm_addr a;
    if (mm_addr_parse(p, n, &a) == MM_OK)
        return mm_deid_addr_internal(d, &a);
    return n > 0 && mm_deid_domain_internal(d, p, n);
}

/* Where a URL's authority (after "://", up to the path) and its host (after
 * any user info, without the port) are in s[0..q); false when none. */
typedef struct url_parts {
    size_t hs, he; /* authority */
    size_t h0, h1; /* host */
} url_parts;

static bool url_authority(const char *s, size_t q, url_parts *u)
{
    const char *sep = q >= 3 ? memmem(s, q, "://", 3) : NULL;
    if (!sep)
        return false;
    u->hs = (size_t)(sep - s) + 3;
    u->he = u->hs;
    while (u->he < q && s[u->he] != '/')
        u->he++;
    const char *at = memrchr(s + u->hs, '@', u->he - u->hs);
    u->h0 = at ? (size_t)(at - s) + 1 : u->hs;
    u->h1 = u->h0;
    if (u->h1 < u->he && s[u->h1] == '[') {
        while (u->h1 < u->he && s[u->h1] != ']')
            u->h1++;
        u->h1 += u->h1 < u->he;
    } else {
        while (u->h1 < u->he && s[u->h1] != ':')
            u->h1++;
    }
    return true;
}

/* A URL: user info hashed, an internal host hashed, the path as text, the
 * query as pairs. */
static bool scrub_url(const mm_deid *d, const scrub_ctx *x, const char *s,
                      size_t n, mm_buf *out)
{
    size_t mark = out->len, pos = 0;
    const char *qm = memchr(s, '?', n);
    size_t q = qm ? (size_t)(qm - s) : n;
    bool changed = false;
    url_parts u;
    if (url_authority(s, q, &u)) {
        mm_buf_append(out, s, u.hs);
        if (u.h0 > u.hs) { /* user info */
            put_secret(d, s + u.hs, u.h0 - 1 - u.hs, out);
            mm_buf_append(out, "@", 1);
            changed = true;
        }
        if (host_secret(d, s + u.h0, u.h1 - u.h0)) {
            put_secret(d, s + u.h0, u.h1 - u.h0, out);
            changed = true;
        } else {
            mm_buf_append(out, s + u.h0, u.h1 - u.h0);
        }
        mm_buf_append(out, s + u.h1, u.he - u.h1);
        pos = u.he;
    }
    changed |= text_or_copy(d, x, s + pos, q - pos, out);
    if (q < n) {
        mm_buf_append(out, "?", 1);
        if (scrub_query(d, x, s + q + 1, n - q - 1, out))
            changed = true;
        else
            mm_buf_append(out, s + q + 1, n - q - 1);
    }
    if (!changed)
        out->len = mark;
    return changed;
}

/* An internal host named by the referrer (a machine name, not an
 * address) is replaced wherever else the record names it. */
static void scrub_ctx_peer(const mm_deid *d, scrub_ctx *x, const char *s,
                           size_t n)
{
    const char *qm = memchr(s, '?', n);
    url_parts u;
    mm_addr a;
    if (!url_authority(s, qm ? (size_t)(qm - s) : n, &u) ||
        !host_secret(d, s + u.h0, u.h1 - u.h0) ||
        mm_addr_parse(s + u.h0, u.h1 - u.h0, &a) == MM_OK || s[u.h0] == '[')
        return;
    scrub_ctx_set(x->peer, sizeof x->peer, &x->peer_n, s + u.h0, u.h1 - u.h0);
}

/* Appends the scrubbed `s` to `out`; false when nothing changed (then `out`
 * holds nothing of it). Shared by the JSON and the event paths. */
static bool scrub(const mm_deid *d, const scrub_ctx *x, int kind,
                  const char *s, size_t n, mm_buf *out)
{
    return kind == SCRUB_QUERY ? scrub_query(d, x, s, n, out)
           : kind == SCRUB_URL ? scrub_url(d, x, s, n, out)
                               : scrub_text(d, x, s, n, out);
}

/* Scrubs a string member in place. */
static void deid_scrub(const mm_deid *d, const scrub_ctx *x, json_t *obj,
                       const char *key, int kind)
{
    json_t *v = json_object_get(obj, key);
    if (!v || !json_is_string(v))
        return;
    mm_buf out;
    mm_buf_init(&out, json_string_length(v) * 4 + 64);
    if (scrub(d, x, kind, json_string_value(v), json_string_length(v), &out))
        json_object_set_new(obj, key,
                            json_stringn(out.data ? out.data : "", out.len));
    mm_buf_free(&out);
}

/* Safety net over the whole tree: any string that is, as a whole, an
 * internal address is hashed in place. */
static void deid_walk(const mm_deid *d, json_t *v, unsigned depth)
{
    if (depth > 32)
        return;
    if (json_is_object(v)) {
        const char *key;
        json_t *child;
        void *tmp;
        json_object_foreach_safe(v, tmp, key, child)
        {
            mm_addr a;
            if (json_addr(child, &a) && mm_deid_addr_internal(d, &a)) {
                char txt[64];
                size_t n = mm_addr_format(&a, txt, sizeof txt);
                put_hash(d, v, key, txt, n);
            } else if (json_is_string(child)) {
                deid_scrub(d, NULL, v, key, SCRUB_TEXT);
            } else {
                deid_walk(d, child, depth + 1);
            }
        }
    } else if (json_is_array(v)) {
        for (size_t i = json_array_size(v); i-- > 0;) {
            json_t *child = json_array_get(v, i);
            mm_addr a;
            if (json_addr(child, &a) && mm_deid_addr_internal(d, &a)) {
                if (d->mode == MM_DEID_DROP) {
                    json_array_remove(v, i);
                } else {
                    char txt[64], h[19];
                    size_t n = mm_addr_format(&a, txt, sizeof txt);
                    mm_deid_hash(d, txt, n, h);
                    json_array_set_new(v, i, json_string(h));
                }
            } else if (json_is_string(child)) {
                mm_buf out;
                mm_buf_init(&out, json_string_length(child) * 4 + 64);
                if (scrub_text(d, NULL, json_string_value(child),
                               json_string_length(child), &out))
                    json_array_set_new(
                        v, i, json_stringn(out.data ? out.data : "", out.len));
                mm_buf_free(&out);
            } else {
                deid_walk(d, child, depth + 1);
            }
        }
    }
}

/* The record's user and host names in clear, before they are hashed. */
static void json_ctx(const mm_deid *d, json_t *obj, scrub_ctx *x)
{
    memset(x, 0, sizeof *x);
    json_t *u = json_object_get(json_object_get(obj, "user"), "name");
    if (json_is_string(u))
        scrub_ctx_set(x->user, sizeof x->user, &x->user_n,
                      json_string_value(u), json_string_length(u));
    json_t *h = json_object_get(json_object_get(obj, "host"), "name");
    if (json_is_string(h))
        scrub_ctx_set(x->host, sizeof x->host, &x->host_n,
                      json_string_value(h), json_string_length(h));
    json_t *r = json_object_get(
        json_object_get(json_object_get(obj, "http"), "request"), "referrer");
    if (json_is_string(r))
        scrub_ctx_peer(d, x, json_string_value(r), json_string_length(r));
}

mm_rc mm_deid_json(const mm_deid *d, json_t *obj)
{
    if (!json_is_object(obj))
        return MM_EINVAL;
    scrub_ctx x;
    json_ctx(d, obj, &x);
    if (!d->send_raw) {
        json_object_del(obj, "message");
        json_t *ev = json_object_get(obj, "event");
        if (json_is_object(ev))
            json_object_del(ev, "original");
        json_t *log = json_object_get(obj, "log");
        if (json_is_object(log))
            json_object_del(log, "original");
        json_t *mam = json_object_get(obj, "mamori");
        if (json_is_object(mam))
            json_object_del(mam, "samples");
    }
    deid_endpoint(d, obj, "source");
    deid_endpoint(d, obj, "destination");
    deid_endpoint(d, obj, "client");
    deid_endpoint(d, obj, "server");
    deid_user(d, obj);
    deid_machine(d, obj, "host");
    deid_machine(d, obj, "observer");
    deid_machine(d, obj, "agent");
    deid_related(d, obj);
    json_t *url = json_object_get(obj, "url");
    if (json_is_object(url)) {
        deid_scrub(d, &x, url, "path", SCRUB_TEXT);
        deid_scrub(d, &x, url, "query", SCRUB_QUERY);
        deid_scrub(d, &x, url, "original", SCRUB_URL);
        deid_scrub(d, &x, url, "full", SCRUB_URL);
        json_t *ud = json_object_get(url, "domain");
        if (ud && (!json_is_string(ud) || str_internal_domain(d, ud)))
            hash_member(d, url, "domain");
        json_object_del(url, "username");
        json_object_del(url, "password");
    }
    json_t *http = json_object_get(obj, "http");
    json_t *req =
        json_is_object(http) ? json_object_get(http, "request") : NULL;
    if (json_is_object(req))
        deid_scrub(d, &x, req, "referrer", SCRUB_URL);
    json_t *ua = json_object_get(obj, "user_agent");
    if (json_is_object(ua))
        deid_scrub(d, &x, ua, "original", SCRUB_TEXT);
    json_t *mam = json_object_get(obj, "mamori");
    if (json_is_object(mam)) {
        /* The grouping key may be a user name or an internal address; a
         * public address is an attacker-side fact and stays. */
        json_t *key = json_object_get(mam, "key");
        mm_addr a;
        if (key && !(json_addr(key, &a) && !mm_deid_addr_internal(d, &a)))
            hash_member(d, mam, "key");
    }
    deid_walk(d, obj, 0);
    return MM_OK;
}

/* ---- a plain event, straight from its fields -------------------------------
 * mm_deid_event gives what mm_event_to_json → jansson → mm_deid_json →
 * json_dumps(JSON_COMPACT) gave, without the round trip: members in the
 * same order (jansson keeps insertion order; replaced values keep their
 * place, added ones go last), strings escaped as jansson prints them, and
 * the same rules as above applied to each field, the safety-net walk
 * included (`leaf`). */

typedef struct ew {
    mm_jw j; /* the event writer (core), which calls the hooks below */
    const mm_deid *d;
    scrub_ctx x;  /* the event's user and host names */
    mm_buf clean; /* a field's text after UTF-8 repair (rarely used) */
    const mm_event *ev;
    int64_t now_ms;
    size_t *id_at; /* where "event" ends (mm_deid_event) */
} ew;

static void ew_raw(ew *w, const char *p, size_t n)
{
    mm_jw_raw(&w->j, p, n);
}

/* A string as jansson prints it (input is valid UTF-8). */
static void ew_quote(ew *w, const char *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    ew_raw(w, "\"", 1);
    size_t last = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        ew_raw(w, p + last, i - last);
        last = i + 1;
        char e[6] = {'\\', (char)c};
        size_t k = 2;
        switch (c) {
        case '"':
        case '\\': break;
        case '\b': e[1] = 'b'; break;
        case '\f': e[1] = 'f'; break;
        case '\n': e[1] = 'n'; break;
        case '\r': e[1] = 'r'; break;
        case '\t': e[1] = 't'; break;
        default:
            memcpy(e + 1, "u00", 3);
            e[4] = hex[c >> 4];
            e[5] = hex[c & 15];
            k = 6;
        }
        ew_raw(w, e, k);
    }
    ew_raw(w, p + last, n - last);
    ew_raw(w, "\"", 1);
}

static void ew_str(ew *w, const char *key, const char *p, size_t n)
{
    mm_jw_key(&w->j, key);
    ew_quote(w, p, n);
}

/* The text a field had in the parsed JSON tree: the bytes, with each
 * invalid UTF-8 byte replaced by U+FFFD (mm_buf_json_str's repair, read
 * back from its output). Points at the span itself when it is ASCII. */
static const char *ew_text(ew *w, mm_span s, size_t *n)
{
    size_t i = 0;
    while (i < s.len && (unsigned char)s.p[i] < 0x80)
        i++;
    if (i == s.len) {
        *n = s.len;
        return s.p;
    }
    mm_buf q;
    mm_buf_init(&q, 0);
    mm_buf_reset(&w->clean);
    if (mm_buf_json_str(&q, s.p, s.len) != MM_OK) {
        w->j.rc = MM_ENOMEM;
        mm_buf_free(&q);
        *n = 0;
        return "";
    }
    /* mm_buf_json_str writes only \" \\ and \u00XX escapes */
    for (size_t k = 1; k + 1 < q.len && w->j.rc == MM_OK;) {
        char c = q.data[k];
        if (c == '\\' && q.data[k + 1] == 'u') {
            unsigned v = 0;
            for (int j = 2; j < 6; j++) {
                char h = q.data[k + (size_t)j];
                v = v * 16u + (unsigned)(h <= '9' ? h - '0' : h - 'a' + 10);
            }
            c = (char)v;
            k += 6;
        } else if (c == '\\') {
            c = q.data[k + 1];
            k += 2;
        } else {
            k++;
        }
        w->j.rc = mm_buf_append(&w->clean, &c, 1);
    }
    mm_buf_free(&q);
    *n = w->clean.len;
    return w->clean.data ? w->clean.data : "";
}

/* put_hash on a fresh member: the hash, or nothing in drop mode. */
static void ew_hash(ew *w, const char *key, const char *p, size_t n)
{
    if (w->d->mode == MM_DEID_DROP)
        return;
    char h[19];
    mm_deid_hash(w->d, p, n, h);
    ew_str(w, key, h, 18);
}

/* hash_member on a string: at most MM_FIELD_MAX - 1 bytes are hashed. */
static void ew_hash_capped(ew *w, const char *key, const char *p, size_t n)
{
    ew_hash(w, key, p, n < MM_FIELD_MAX ? n : MM_FIELD_MAX - 1);
}

/* A string member that survived the field rules: the safety-net walk
 * (deid_walk) hashes or drops it when it is, as a whole, an internal
 * address, and scrubs what it holds otherwise. */
static void ew_leaf(ew *w, const char *key, const char *p, size_t n)
{
    mm_addr a;
    if (mm_addr_parse(p, n, &a) == MM_OK && mm_deid_addr_internal(w->d, &a)) {
        char txt[64];
        size_t tn = mm_addr_format(&a, txt, sizeof txt);
        ew_hash(w, key, txt, tn);
        return;
    }
    mm_buf out;
    mm_buf_init(&out, n * 4 + 64);
    if (scrub_text(w->d, NULL, p, n, &out))
        ew_str(w, key, out.data ? out.data : "", out.len);
    else
        ew_str(w, key, p, n);
    mm_buf_free(&out);
}

static void ew_leaf_span(ew *w, const char *key, mm_span s)
{
    if (!s.len)
        return;
    size_t n;
    const char *p = ew_text(w, s, &n);
    ew_leaf(w, key, p, n);
}

/* A free-text field (SCRUB_TEXT, _QUERY or _URL), then the walk. */
static void ew_scrub(ew *w, const char *key, mm_span s, int kind)
{
    if (!s.len)
        return;
    size_t n;
    const char *p = ew_text(w, s, &n);
    mm_buf out;
    mm_buf_init(&out, n * 4 + 64);
    if (scrub(w->d, &w->x, kind, p, n, &out))
        ew_leaf(w, key, out.data ? out.data : "", out.len);
    else
        ew_leaf(w, key, p, n);
    mm_buf_free(&out);
}

/* deid_endpoint on {ip, port, domain}; an empty endpoint is removed. */
static void ew_endpoint(void *ud, mm_jw *j, const char *name,
                        const mm_addr *ip, uint16_t port, mm_span domain)
{
    ew *w = ud;
    char ipt[64], at[64];
    size_t ipn = ip->family ? mm_addr_format(ip, ipt, sizeof ipt) : 0;
    size_t an = 0;
    bool internal = false, keep_ip = false;
    if (ipn) {
        mm_addr a;
        bool ok = mm_addr_parse(ipt, ipn, &a) == MM_OK;
        internal = !ok || mm_deid_addr_internal(w->d, &a);
        keep_ip = !internal;
        if (ok && internal && w->d->mode == MM_DEID_HASH)
            an = mm_addr_format(&a, at, sizeof at);
    }
    size_t dn = 0;
    const char *dp = domain.len ? ew_text(w, domain, &dn) : NULL;
    bool dom_hash = dp && (internal || mm_deid_domain_internal(w->d, dp, dn));
    bool keep_dom = dp && (!dom_hash || w->d->mode == MM_DEID_HASH);
    mm_jw_open(j, name);
    if (keep_ip || port || keep_dom || an)
        mm_jw_flush(j); /* written even if the walk drops the domain */
    if (keep_ip)
        ew_str(w, "ip", ipt, ipn);
    if (port)
        mm_jw_uint(j, "port", port);
    if (keep_dom && dom_hash)
        ew_hash_capped(w, "domain", dp, dn);
    else if (keep_dom)
        ew_leaf(w, "domain", dp, dn);
    if (an)
        ew_hash(w, "address", at, an);
    mm_jw_close(j);
}

/* Each text field by its rule: names hashed (or left out), free text
 * scrubbed, the rest through the safety-net walk. */
static void ew_field(void *ud, mm_jw *j, mm_ev_text f, const char *key,
                     mm_span s)
{
    ew *w = ud;
    bool hash = w->d->mode == MM_DEID_HASH;
    size_t n;
    const char *p;
    /* An object around a field that the walk drops stays, empty, as it
     * did in the JSON tree; only user and host are left out whole. */
    if (f != MM_EVT_USER && f != MM_EVT_HOST)
        mm_jw_flush(j);
    switch (f) {
    case MM_EVT_USER:
    case MM_EVT_HOST:
        if (!hash)
            return;
        p = ew_text(w, s, &n);
        if (f == MM_EVT_USER)
            ew_hash(w, key, p, n);
        else
            ew_hash_capped(w, key, p, n);
        return;
    case MM_EVT_REFERRER: ew_scrub(w, key, s, SCRUB_URL); return;
    case MM_EVT_PATH:
    case MM_EVT_UA: ew_scrub(w, key, s, SCRUB_TEXT); return;
    case MM_EVT_QUERY: ew_scrub(w, key, s, SCRUB_QUERY); return;
    case MM_EVT_MESSAGE:
        if (w->d->send_raw)
            ew_leaf_span(w, key, s);
        return;
    default: ew_leaf_span(w, key, s); return;
    }
}

/* "kind" and the place of the event id at the end of "event"; the time
 * of sending at the end of an event without its own. */
static void ew_end(void *ud, mm_jw *j, const char *obj)
{
    ew *w = ud;
    char ts[32];
    if (obj) {
        ew_str(w, "kind", "event", 5);
        *w->id_at = j->b->len;
    } else if (!w->ev->ts_ms) {
        ew_str(w, "@timestamp", ts, mm_time_format(w->now_ms, ts, sizeof ts));
    }
}

/* What the JSON path refused: jansson reads no NUL inside a string
 * (\u0000) and no integer over INT64_MAX. */
static bool ew_refused(const mm_event *ev)
{
    const mm_span *spans[] = {
        &ev->src_domain, &ev->dst_domain, &ev->user,   &ev->host, &ev->process,
        &ev->executable, &ev->group,      &ev->method, &ev->path, &ev->query,
        &ev->user_agent, &ev->referrer,   &ev->message};
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++)
        if (spans[i]->len && memchr(spans[i]->p, 0, spans[i]->len))
            return true;
    return ev->bytes > (uint64_t)INT64_MAX;
}

/* The scrubbing context of the event: its user and host names and its
 * referrer's peer, which free text must not give away either. */
static void ew_context(ew *w, const mm_event *ev)
{
    size_t xn;
    const char *xp;
    if (ev->user.len) {
        xp = ew_text(w, ev->user, &xn);
        scrub_ctx_set(w->x.user, sizeof w->x.user, &w->x.user_n, xp, xn);
    }
    if (ev->host.len) {
        xp = ew_text(w, ev->host, &xn);
        scrub_ctx_set(w->x.host, sizeof w->x.host, &w->x.host_n, xp, xn);
    }
    if (ev->referrer.len) {
        xp = ew_text(w, ev->referrer, &xn);
        scrub_ctx_peer(w->d, &w->x, xp, xn);
    }
}

mm_rc mm_deid_event(const mm_deid *d, const mm_event *ev, int64_t now_ms,
                    mm_buf *out, size_t *id_at)
{
    if (ew_refused(ev))
        return MM_EPARSE;
    ew w = {.d = d, .ev = ev, .now_ms = now_ms, .id_at = id_at};
    mm_jw_init(&w.j, out);
    mm_buf_init(&w.clean, 0);
    const mm_event_json_hooks hooks = {ew_field, ew_endpoint, ew_end, &w};
    ew_context(&w, ev);
    ew_raw(&w, "{", 1);
    mm_event_json_write(ev, &w.j, &hooks);
    ew_raw(&w, "}", 1);
    mm_buf_free(&w.clean);
    return w.j.rc;
}
