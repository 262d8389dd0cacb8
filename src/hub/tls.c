/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tls.c — the hub's certificate and key, reloadable without a restart.
 *
 * libmicrohttpd copies a certificate given with MHD_OPTION_HTTPS_MEM_CERT
 * into its GnuTLS credentials once, at start. Instead the daemon asks us
 * for the certificate at every handshake (MHD_OPTION_HTTPS_CERT_CALLBACK,
 * a gnutls_certificate_retrieve_function2; MHD 0.9.75 accepts it in place
 * of MEM_CERT/MEM_KEY), and we hand out the pair that is current under a
 * mutex. A reload loads and checks the new pair first (readable, the key
 * matches the certificate, valid now) and swaps it in only when it is
 * good, so a broken file never takes the hub off the air. Connections
 * already set up keep their session keys.
 *
 * The GnuTLS callback has no user pointer: MHD sets the session pointer to
 * its connection (gnutls_session_set_ptr in new_connection_prepare_), and
 * the connection's socket context, set by mm_hub_tls_notify before the
 * connection's first read (so before its handshake), is the mm_hub_tls.
 */
#include "hub-tls.h"

#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_CHAIN 16 /* certificates in one PEM file (leaf + chain) */

typedef struct tls_pair {
    gnutls_pcert_st pcert[MAX_CHAIN];
    unsigned n;
    gnutls_privkey_t key;
    time_t not_after;
    char sha256[96]; /* the leaf's fingerprint, "AB:CD:…" */
    /* Retired pairs stay allocated until the hub stops: GnuTLS keeps the
     * pointers the callback returned for the whole session, and a
     * session that fetched a pair just before a reload still uses it. A
     * pair is a few KiB, a reload is an operator's act. */
    struct tls_pair *older;
} tls_pair;

struct mm_hub_tls {
    pthread_mutex_t mu;
    tls_pair *cur;
    unsigned retired;
    char cert_path[1100], key_path[1100];
};

static void pair_free(tls_pair *p)
{
    while (p) {
        tls_pair *o = p->older;
        for (unsigned i = 0; i < p->n; i++)
            gnutls_pcert_deinit(&p->pcert[i]);
        if (p->key)
            gnutls_privkey_deinit(p->key);
        free(p);
        p = o;
    }
}

/* The SHA-256 key ids of the certificate's public key and of the key's. */
static bool pair_matches(tls_pair *p)
{
    unsigned char a[64], b[64];
    size_t na = sizeof a, nb = sizeof b;
    gnutls_pubkey_t pub;
    if (gnutls_pubkey_init(&pub) < 0)
        return false;
    bool ok =
        gnutls_pubkey_import_privkey(pub, p->key, 0, 0) >= 0 &&
        gnutls_pubkey_get_key_id(pub, GNUTLS_KEYID_USE_SHA256, b, &nb) >= 0 &&
        gnutls_pubkey_get_key_id(p->pcert[0].pubkey, GNUTLS_KEYID_USE_SHA256,
                                 a, &na) >= 0 &&
        na == nb && memcmp(a, b, na) == 0;
    gnutls_pubkey_deinit(pub);
    return ok;
}

static void day_str(time_t t, char out[16])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
        snprintf(out, 16, "?");
}

/* The leaf's validity against now, and its fingerprint for the log. */
static mm_rc pair_dates(const char *cert_path, int64_t now_ms, tls_pair *p,
                        mm_err *err)
{
    gnutls_x509_crt_t crt;
    if (gnutls_x509_crt_init(&crt) < 0)
        return mm_err_set(err, MM_ENOMEM, "<tls>", 0, "out of memory");
    int g =
        gnutls_x509_crt_import(crt, &p->pcert[0].cert, GNUTLS_X509_FMT_DER);
    time_t nb = g < 0 ? (time_t)-1 : gnutls_x509_crt_get_activation_time(crt);
    p->not_after =
        g < 0 ? (time_t)-1 : gnutls_x509_crt_get_expiration_time(crt);
    gnutls_x509_crt_deinit(crt);
    if (nb == (time_t)-1 || p->not_after == (time_t)-1)
        return mm_err_set(err, MM_EPARSE, cert_path, 0,
                          "証明書の有効期間を読めません / the certificate's "
                          "validity dates cannot be read");
    char d[16];
    time_t now = (time_t)(now_ms / 1000);
    if (p->not_after < now) {
        day_str(p->not_after, d);
        return mm_err_set(err, MM_EINVAL, cert_path, 0,
                          "証明書の有効期限が %s に切れています / the "
                          "certificate expired on %s",
                          d, d);
    }
    if (nb > now) {
        day_str(nb, d);
        return mm_err_set(err, MM_EINVAL, cert_path, 0,
                          "証明書はまだ有効ではありません（%s から）/ the "
                          "certificate is not valid before %s",
                          d, d);
    }
    unsigned char md[32];
    size_t mdn = sizeof md;
    if (gnutls_fingerprint(GNUTLS_DIG_SHA256, &p->pcert[0].cert, md, &mdn) < 0)
        mdn = 0;
    size_t o = 0; /* 32 × "AB" + 31 × ":" + NUL = 96 */
    for (size_t i = 0; i < mdn && o + 3 < sizeof p->sha256; i++)
        o += (size_t)snprintf(p->sha256 + o, sizeof p->sha256 - o,
                              i ? ":%02X" : "%02X", md[i]);
    return MM_OK;
}

static mm_rc pair_parse(const char *cert_path, const char *key_path,
                        const char *cert, size_t cert_len, const char *key,
                        size_t key_len, tls_pair *p, mm_err *err)
{
    gnutls_datum_t d = {(unsigned char *)cert, (unsigned)cert_len};
    p->n = MAX_CHAIN;
    int g = gnutls_pcert_list_import_x509_raw(p->pcert, &p->n, &d,
                                              GNUTLS_X509_FMT_PEM, 0);
    if (g < 0 || p->n == 0) {
        p->n = 0;
        return mm_err_set(err, MM_EPARSE, cert_path, 0,
                          "証明書を読めません / not a PEM certificate (%s)",
                          g < 0 ? gnutls_strerror(g) : "empty");
    }
    d.data = (unsigned char *)key;
    d.size = (unsigned)key_len;
    if (gnutls_privkey_init(&p->key) < 0) {
        p->key = NULL;
        return mm_err_set(err, MM_ENOMEM, "<tls>", 0, "out of memory");
    }
    g = gnutls_privkey_import_x509_raw(p->key, &d, GNUTLS_X509_FMT_PEM, NULL,
                                       0);
    if (g < 0)
        return mm_err_set(err, MM_EPARSE, key_path, 0,
                          "秘密鍵を読めません / not a PEM private key (%s)",
                          gnutls_strerror(g));
    if (!pair_matches(p))
        return mm_err_set(err, MM_EINVAL, key_path, 0,
                          "秘密鍵が証明書と合いません / the key does not "
                          "match the certificate %s",
                          cert_path);
    return MM_OK;
}

/* Checks a pair held in memory; *out (when out is not NULL) only when it
 * is usable now. */
static mm_rc pair_make(const char *cert_path, const char *key_path,
                       const char *cert, size_t cert_len, const char *key,
                       size_t key_len, int64_t now_ms, tls_pair **out,
                       mm_err *err)
{
    tls_pair *p = calloc(1, sizeof *p);
    if (!p)
        return mm_err_set(err, MM_ENOMEM, "<tls>", 0, "out of memory");
    mm_rc rc =
        pair_parse(cert_path, key_path, cert, cert_len, key, key_len, p, err);
    if (rc == MM_OK)
        rc = pair_dates(cert_path, now_ms, p, err);
    if (rc == MM_OK && out) {
        *out = p;
        p = NULL;
    }
    pair_free(p);
    return rc;
}

/* Reads and checks both files; *out only when the pair is usable now. */
static mm_rc pair_load(const char *cert_path, const char *key_path,
                       int64_t now_ms, tls_pair **out, mm_err *err)
{
    char *cert = NULL, *key = NULL;
    size_t cert_len = 0, key_len = 0;
    mm_rc rc = mm_file_read(cert_path, 1u << 20, &cert, &cert_len, err);
    if (rc == MM_OK)
        rc = mm_file_read(key_path, 1u << 20, &key, &key_len, err);
    if (rc == MM_OK)
        rc = pair_make(cert_path, key_path, cert, cert_len, key, key_len,
                       now_ms, out, err);
    if (key)
        sodium_memzero(key, key_len);
    free(key);
    free(cert);
    return rc;
}

mm_rc mm_hub_tls_check(const char *cert, size_t cert_len, const char *key,
                       size_t key_len, int64_t now_ms, mm_err *err)
{
    return pair_make("<cert>", "<key>", cert, cert_len, key, key_len, now_ms,
                     NULL, err);
}

mm_rc mm_hub_tls_new(const char *cert_path, const char *key_path,
                     int64_t now_ms, mm_hub_tls **out, mm_err *err)
{
    *out = NULL;
    mm_hub_tls *t = calloc(1, sizeof *t);
    if (!t)
        return mm_err_set(err, MM_ENOMEM, "<tls>", 0, "out of memory");
    snprintf(t->cert_path, sizeof t->cert_path, "%s", cert_path);
    snprintf(t->key_path, sizeof t->key_path, "%s", key_path);
    mm_rc rc = pair_load(t->cert_path, t->key_path, now_ms, &t->cur, err);
    if (rc == MM_OK && pthread_mutex_init(&t->mu, NULL) != 0) {
        pair_free(t->cur);
        rc = mm_err_set(err, MM_EINTERNAL, "<tls>", 0, "no mutex");
    }
    if (rc != MM_OK) {
        free(t);
        return rc;
    }
    *out = t;
    return MM_OK;
}

mm_rc mm_hub_tls_reload(mm_hub_tls *t, int64_t now_ms, mm_err *err)
{
    tls_pair *p;
    mm_rc rc = pair_load(t->cert_path, t->key_path, now_ms, &p, err);
    if (rc != MM_OK)
        return rc;
    pthread_mutex_lock(&t->mu);
    p->older = t->cur;
    t->cur = p;
    t->retired++;
    pthread_mutex_unlock(&t->mu);
    return MM_OK;
}

void mm_hub_tls_describe(mm_hub_tls *t, char *out, size_t n)
{
    char d[16];
    pthread_mutex_lock(&t->mu);
    day_str(t->cur->not_after, d);
    snprintf(out, n, "期限 / expires %s, SHA-256 %s", d, t->cur->sha256);
    pthread_mutex_unlock(&t->mu);
}

unsigned mm_hub_tls_retired(mm_hub_tls *t)
{
    pthread_mutex_lock(&t->mu);
    unsigned r = t->retired;
    pthread_mutex_unlock(&t->mu);
    return r;
}

void mm_hub_tls_free(mm_hub_tls *t)
{
    if (!t)
        return;
    pair_free(t->cur);
    pthread_mutex_destroy(&t->mu);
    free(t);
}

void mm_hub_tls_notify(void *cls, struct MHD_Connection *c,
                       void **socket_context,
                       enum MHD_ConnectionNotificationCode code)
{
    (void)c;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        *socket_context = cls;
}

int mm_hub_tls_retrieve(gnutls_session_t ses, const gnutls_datum_t *req_ca,
                        int nreqs, const gnutls_pk_algorithm_t *algos,
                        int nalgos, gnutls_pcert_st **pcert, unsigned int *n,
                        gnutls_privkey_t *key)
{
    (void)req_ca, (void)nreqs, (void)algos, (void)nalgos;
    struct MHD_Connection *c = gnutls_session_get_ptr(ses);
    const union MHD_ConnectionInfo *ci =
        c ? MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT)
          : NULL;
    mm_hub_tls *t = ci ? ci->socket_context : NULL;
    if (!t)
        return -1; /* no certificate: the handshake fails */
    pthread_mutex_lock(&t->mu);
    *pcert = t->cur->pcert;
    *n = t->cur->n;
    *key = t->cur->key;
    pthread_mutex_unlock(&t->mu);
    return 0;
}
