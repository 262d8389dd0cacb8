/* SPDX-License-Identifier: Apache-2.0 */
/* auth.c — people's credentials at the hub: roles, Argon2id passwords
 * (libsodium crypto_pwhash_str with the interactive limits: 64 MiB and 2
 * passes, about 0.1 s per login on one core — the limit libsodium advises
 * for online logins, and it keeps a burst of logins from exhausting the
 * hub's memory), session ids and CSRF tokens, the login throttle, TOTP
 * (RFC 6238), and the account administration `mamori hub user …` calls. */
#include "hub-int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const role_names[MM_ROLE_COUNT] = {
    "sme", "provider", "buyer", "coordinator", "admin"};

MM_HUB_NAMES(mm_hub_role_name, mm_hub_role_from_name, mm_hub_role, role_names,
             MM_ROLE_COUNT, "?")

bool mm_hub_user_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > MM_HUB_USER_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!mm_name_char(s[i]) && s[i] != '@')
            return false;
    return true;
}

/* libsodium's randombytes works before sodium_init (getrandom); init is
 * still asked for, for its CPU feature checks. */
static void sodium_ready(void)
{
    int r = sodium_init();
    (void)r;
}

/* ---- passwords -----------------------------------------------------------
 */

mm_rc mm_hub_password_hash(const char *pw, size_t len, char *out,
                           size_t outlen, mm_err *err)
{
    if (len == 0 || len > MM_HUB_PASSWORD_MAX)
        return mm_err_set(err, MM_EINVAL, "<password>", 0,
                          "パスワードは 1〜256 バイト / the password must be "
                          "1..256 bytes");
    if (outlen < crypto_pwhash_STRBYTES || sodium_init() < 0)
        return mm_err_set(err, MM_EINTERNAL, "<password>", 0,
                          "libsodium is not usable");
    if (crypto_pwhash_str(out, pw, len, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return mm_err_set(err, MM_ENOMEM, "<password>", 0,
                          "not enough memory to hash the password");
    return MM_OK;
}

bool mm_hub_password_verify(const char *hash, const char *pw, size_t len)
{
    if (!hash[0] || len > MM_HUB_PASSWORD_MAX || sodium_init() < 0)
        return false;
    return crypto_pwhash_str_verify(hash, pw, len) == 0;
}

/* Characters a person can copy without confusing 0/O or 1/l/I. */
static const char pw_alphabet[] = "abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUV"
                                  "WXYZ23456789";

void mm_hub_password_new(char *out, size_t outlen)
{
    size_t n = outlen - 1 < 20 ? outlen - 1 : 20;
    uint32_t max = (uint32_t)(sizeof pw_alphabet - 1);
    sodium_ready();
    for (size_t i = 0; i < n; i++)
        out[i] = pw_alphabet[randombytes_uniform(max)];
    out[n] = '\0';
}

void mm_hub_session_new(char *id, char *id_hash, char *csrf)
{
    uint8_t r[32];
    sodium_ready();
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(id, 65, r, sizeof r);
    mm_hub_token_hash(id, 64, id_hash, 65);
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(csrf, 65, r, sizeof r);
    sodium_memzero(r, sizeof r);
}

bool mm_hub_str_equal(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    /* the lengths are not secret (fixed-size tokens); the bytes are */
    if (na != nb)
        return false;
    return na == 0 || sodium_memcmp(a, b, na) == 0;
}

/* ---- login throttle ------------------------------------------------------
 */

#define THROTTLE_FORGET_MS (15LL * 60 * 1000)
#define THROTTLE_BASE_S 30u
#define THROTTLE_MAX_S 3600u
/* Keys remembered at once; beyond it the stalest is reused (memory). */
#define THROTTLE_KEYS 4096u

typedef struct tkey {
    char key[80];
    unsigned fails;
    int64_t last_ms;
} tkey;

struct mm_hub_throttle {
    unsigned limit;
    tkey k[THROTTLE_KEYS];
};

mm_hub_throttle *mm_hub_throttle_new(unsigned limit)
{
    mm_hub_throttle *t = calloc(1, sizeof *t);
    if (t)
        t->limit = limit ? limit : 5;
    return t;
}

void mm_hub_throttle_free(mm_hub_throttle *t)
{
    free(t);
}

static tkey *tfind(mm_hub_throttle *t, const char *key, bool make)
{
    tkey *victim = NULL; /* an empty slot, else the stalest */
    for (unsigned i = 0; i < THROTTLE_KEYS; i++) {
        tkey *k = &t->k[i];
        if (k->key[0] && strcmp(k->key, key) == 0)
            return k;
        if (!victim || (!k->key[0] && victim->key[0]) ||
            (k->key[0] && victim->key[0] && k->last_ms < victim->last_ms))
            victim = k;
    }
    if (!make)
        return NULL;
    memset(victim, 0, sizeof *victim);
    snprintf(victim->key, sizeof victim->key, "%s", key);
    return victim;
}

/* The wait after `fails` failures: none below the limit, then 30 s
 * doubling per further failure up to an hour. */
static unsigned backoff_s(unsigned fails, unsigned limit)
{
    if (fails < limit)
        return 0;
    unsigned shift = fails - limit;
    if (shift > 7)
        return THROTTLE_MAX_S;
    unsigned s = THROTTLE_BASE_S << shift;
    return s > THROTTLE_MAX_S ? THROTTLE_MAX_S : s;
}

unsigned mm_hub_throttle_wait(mm_hub_throttle *t, const char *key,
                              int64_t now_ms)
{
    tkey *k = tfind(t, key, false);
    if (!k)
        return 0;
    unsigned b = backoff_s(k->fails, t->limit);
    int64_t until = k->last_ms + (int64_t)b * 1000;
    if (now_ms - k->last_ms > THROTTLE_FORGET_MS + (int64_t)b * 1000) {
        memset(k, 0, sizeof *k); /* quiet long enough: forgotten */
        return 0;
    }
    if (now_ms >= until)
        return 0;
    return (unsigned)((until - now_ms + 999) / 1000);
}

void mm_hub_throttle_fail(mm_hub_throttle *t, const char *key, int64_t now_ms)
{
    tkey *k = tfind(t, key, true);
    k->fails++;
    k->last_ms = now_ms;
}

void mm_hub_throttle_reset(mm_hub_throttle *t, const char *key)
{
    tkey *k = tfind(t, key, false);
    if (k)
        memset(k, 0, sizeof *k);
}

/* ---- TOTP (RFC 6238 over RFC 4226 HOTP with HMAC-SHA-1) ------------------
 * libsodium has no SHA-1, so this is the small FIPS 180-4 form; it is used
 * only inside HMAC for one-time codes, where SHA-1 is what every
 * authenticator app implements. */

typedef struct sha1 {
    uint32_t h[5];
    uint8_t buf[64];
    size_t nbuf;
    uint64_t bits;
} sha1;

static uint32_t rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(sha1 *s, const uint8_t *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999;
        } else if (i < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1;
        } else if (i < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdc;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6;
        }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    s->h[0] += a;
    s->h[1] += b;
    s->h[2] += c;
    s->h[3] += d;
    s->h[4] += e;
}

static void sha1_init(sha1 *s)
{
    static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe,
                                   0x10325476, 0xc3d2e1f0};
    memset(s, 0, sizeof *s);
    memcpy(s->h, iv, sizeof iv);
}

static void sha1_update(sha1 *s, const uint8_t *p, size_t n)
{
    s->bits += (uint64_t)n * 8;
    while (n--) {
        s->buf[s->nbuf++] = *p++;
        if (s->nbuf == 64) {
            sha1_block(s, s->buf);
            s->nbuf = 0;
        }
    }
}

static void sha1_final(sha1 *s, uint8_t out[20])
{
    uint64_t bits = s->bits;
    uint8_t pad = 0x80, zero = 0, len[8];
    sha1_update(s, &pad, 1);
    while (s->nbuf != 56)
        sha1_update(s, &zero, 1);
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    sha1_update(s, len, 8);
    for (int i = 0; i < 20; i++)
        out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static void hmac_sha1(const uint8_t *key, size_t klen, const uint8_t *msg,
                      size_t mlen, uint8_t out[20])
{
    uint8_t k[64] = {0}, pad[64], inner[20];
    if (klen > 64) {
        sha1 s;
        sha1_init(&s);
        sha1_update(&s, key, klen);
        sha1_final(&s, k);
    } else {
        memcpy(k, key, klen);
    }
    sha1 s;
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x36;
    sha1_init(&s);
    sha1_update(&s, pad, 64);
    sha1_update(&s, msg, mlen);
    sha1_final(&s, inner);
    for (int i = 0; i < 64; i++)
        pad[i] = k[i] ^ 0x5c;
    sha1_init(&s);
    sha1_update(&s, pad, 64);
    sha1_update(&s, inner, 20);
    sha1_final(&s, out);
    sodium_memzero(k, sizeof k);
}

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Decodes base32 (RFC 4648, upper case, no padding); -1 on a bad byte. */
static int b32_decode(const char *s, uint8_t *out, size_t outlen)
{
    uint32_t acc = 0;
    unsigned nb = 0;
    size_t n = 0;
    for (; *s; s++) {
        const char *p = strchr(b32, *s);
        if (!p || n >= outlen)
            return -1;
        acc = acc << 5 | (uint32_t)(p - b32);
        nb += 5;
        if (nb >= 8) {
            out[n++] = (uint8_t)(acc >> (nb - 8));
            nb -= 8;
        }
    }
    return (int)n;
}

void mm_hub_totp_secret_new(char *out, size_t outlen)
{
    uint8_t r[20];
    sodium_ready();
    randombytes_buf(r, sizeof r);
    size_t o = 0;
    for (size_t bit = 0; bit < 160 && o + 1 < outlen; bit += 5) {
        size_t byte = bit / 8, off = bit % 8;
        unsigned v =
            (unsigned)r[byte] << 8 | (byte + 1 < 20 ? r[byte + 1] : 0);
        out[o++] = b32[(v >> (11 - off)) & 31];
    }
    out[o] = '\0';
}

mm_rc mm_hub_totp_code(const char *secret_b32, int64_t unix_s, char out[7])
{
    uint8_t key[64], msg[8], mac[20];
    int kl = b32_decode(secret_b32, key, sizeof key);
    if (kl <= 0)
        return MM_EINVAL;
    uint64_t step = (uint64_t)(unix_s / 30);
    for (int i = 0; i < 8; i++)
        msg[i] = (uint8_t)(step >> (56 - 8 * i));
    hmac_sha1(key, (size_t)kl, msg, 8, mac);
    unsigned off = mac[19] & 15;
    uint32_t bin = (uint32_t)(mac[off] & 0x7f) << 24 |
                   (uint32_t)mac[off + 1] << 16 | (uint32_t)mac[off + 2] << 8 |
                   mac[off + 3];
    snprintf(out, 7, "%06u", (unsigned)(bin % 1000000u));
    sodium_memzero(key, sizeof key);
    return MM_OK;
}

bool mm_hub_totp_check(const char *secret_b32, const char *code,
                       int64_t unix_s)
{
    bool ok = false;
    for (int d = -1; d <= 1; d++) {
        char c[7];
        if (mm_hub_totp_code(secret_b32, unix_s + 30 * d, c) != MM_OK)
            return false;
        ok |= mm_hub_str_equal(c, code);
    }
    return ok;
}

/* ---- accounts ------------------------------------------------------------
 */

static mm_rc unsupported(mm_err *err)
{
    return mm_err_set(err, MM_EINVAL, "<store>", 0,
                      "this store has no accounts (not supported)");
}

mm_rc mm_hub_admin_user_add(mm_store *st, mm_hub_user *u, const char *pw,
                            char *pw_out, size_t outlen, mm_err *err)
{
    if (!st->ops->user_put || !st->ops->user_get)
        return unsupported(err);
    if (!mm_hub_user_valid(u->name))
        return mm_err_set(err, MM_EINVAL, "<user>", 0,
                          "ユーザー名は 1〜64 文字の [A-Za-z0-9._@-] / user "
                          "names are 1..64 of [A-Za-z0-9._@-]");
    if ((unsigned)u->role >= MM_ROLE_COUNT)
        return mm_err_set(err, MM_EINVAL, "<user>", 0, "unknown role");
    mm_rc rc = mm_hub_admin_tenant_get(st, u->tenant, NULL, err);
    if (rc != MM_OK)
        return rc;
    mm_hub_user old;
    rc = st->ops->user_get(st, u->name, &old, err);
    if (rc == MM_OK)
        return mm_err_set(err, MM_EINVAL, "<user>", 0,
                          "このユーザー名は使用済み / user '%s' exists",
                          u->name);
    if (rc != MM_ENOTFOUND)
        return rc;
    char fresh[21];
    if (!pw) {
        mm_hub_password_new(fresh, sizeof fresh);
        pw = fresh;
        if (pw_out)
            snprintf(pw_out, outlen, "%s", fresh);
    }
    rc =
        mm_hub_password_hash(pw, strlen(pw), u->pwhash, sizeof u->pwhash, err);
    sodium_memzero(fresh, sizeof fresh);
    if (rc != MM_OK)
        return rc;
    if (!u->tz[0])
        snprintf(u->tz, sizeof u->tz, "Asia/Tokyo");
    u->created_ms = mm_now_ms();
    return st->ops->user_put(st, u, err);
}

mm_rc mm_hub_admin_provider_link(mm_store *st, const char *provider,
                                 const char *sme, mm_err *err)
{
    if (!st->ops->provider_link_put)
        return unsupported(err);
    mm_tenant p, s;
    mm_rc rc = mm_hub_admin_tenant_get(st, provider, &p, err);
    if (rc == MM_OK)
        rc = mm_hub_admin_tenant_get(st, sme, &s, err);
    if (rc != MM_OK)
        return rc;
    if (p.kind != MM_TK_PROVIDER || strcmp(provider, sme) == 0)
        return mm_err_set(err, MM_EINVAL, "<link>", 0,
                          "'%s' は監視事業者（kind provider）ではありません / "
                          "'%s' is not a provider tenant",
                          provider, provider);
    return st->ops->provider_link_put(st, provider, sme, err);
}

mm_rc mm_hub_admin_user_totp(mm_store *st, const char *name, char *uri,
                             size_t urilen, mm_err *err)
{
    if (!st->ops->user_put || !st->ops->user_get)
        return unsupported(err);
    mm_hub_user u;
    mm_rc rc = st->ops->user_get(st, name, &u, err);
    if (rc == MM_ENOTFOUND)
        return mm_err_set(err, MM_ENOTFOUND, "<user>", 0,
                          "不明なユーザー / unknown user '%s'", name);
    if (rc != MM_OK)
        return rc;
    mm_hub_totp_secret_new(u.totp, sizeof u.totp);
    rc = st->ops->user_put(st, &u, err);
    if (rc == MM_OK)
        snprintf(uri, urilen,
                 "otpauth://totp/mamori:%s?secret=%s&issuer=mamori&"
                 "algorithm=SHA1&digits=6&period=30",
                 u.name, u.totp);
    return rc;
}
