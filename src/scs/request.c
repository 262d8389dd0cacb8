/* SPDX-License-Identifier: Apache-2.0 */
/* request.c — how a registered expert proves to the hub who is asking:
 * each request to the hub's expert routes is signed with the expert's
 * registered Ed25519 key (the one that signs confirmations), over the
 * method, the path, a time and the SHA-256 of the body. No password or
 * token is kept for experts; the registry is the only trust. */
#include "scs-int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define DOMAIN_REQUEST "mamori-scs-expert-request 1\n"

/* DOMAIN + method \n path \n ts \n hex(SHA-256(body)) into msg. */
static bool request_message(const char *method, const char *path,
                            int64_t ts_ms, const char *body, size_t len,
                            char *msg, size_t n, size_t *mlen)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char hh[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(h, (const unsigned char *)(body ? body : ""), len);
    scs_hex(h, sizeof h, hh);
    int w = snprintf(msg, n, "%s%s\n%s\n%lld\n%s", DOMAIN_REQUEST, method,
                     path, (long long)ts_ms, hh);
    if (w < 0 || (size_t)w >= n)
        return false;
    *mlen = (size_t)w;
    return true;
}

/* `hex` is exactly n bytes of hex. */
static bool from_hex(const char *hex, unsigned char *out, size_t n)
{
    size_t got = 0;
    return hex && strlen(hex) == 2 * n &&
           sodium_hex2bin(out, n, hex, 2 * n, NULL, &got, NULL) == 0 &&
           got == n;
}

mm_rc mm_scs_request_sign(const char *sk_hex, const char *method,
                          const char *path, int64_t ts_ms, const char *body,
                          size_t len, char sig_hex[MM_SCS_SIG_HEX + 1],
                          mm_err *err)
{
    unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
    char msg[2200];
    size_t mlen = 0;
    if (sodium_init() < 0)
        return mm_err_set(err, MM_EINTERNAL, "sodium", 0, "init failed");
    if (!from_hex(sk_hex, sk, sizeof sk))
        return mm_err_set(err, MM_EINVAL, "--key", 0,
                          "秘密鍵の形式が正しくありません / the secret key "
                          "is not %d hex characters",
                          MM_SCS_SK_HEX);
    if (!request_message(method, path, ts_ms, body, len, msg, sizeof msg,
                         &mlen)) {
        sodium_memzero(sk, sizeof sk);
        return mm_err_set(err, MM_EINVAL, path, 0, "path too long");
    }
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, mlen, sk);
    sodium_memzero(sk, sizeof sk);
    scs_hex(sig, sizeof sig, sig_hex);
    return MM_OK;
}

bool mm_scs_request_verify(const char *pk_hex, const char *method,
                           const char *path, int64_t ts_ms, const char *body,
                           size_t len, const char *sig_hex)
{
    unsigned char pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    char msg[2200];
    size_t mlen = 0;
    return sodium_init() >= 0 && from_hex(pk_hex, pk, sizeof pk) &&
           from_hex(sig_hex, sig, sizeof sig) &&
           request_message(method, path, ts_ms, body, len, msg, sizeof msg,
                           &mlen) &&
           crypto_sign_verify_detached(sig, (const unsigned char *)msg, mlen,
                                       pk) == 0;
}
