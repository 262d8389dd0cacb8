/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hub-tls.h — tls.c for server.c only: the GnuTLS and libmicrohttpd
 * headers it needs stay out of hub-int.h (GnuTLS's names collide with the
 * hub's own).
 */
#ifndef MM_HUB_TLS_H
#define MM_HUB_TLS_H

#include "hub-int.h"

/* ---- tls.c: the certificate and key, reloadable (issue 12) -------------
 * The pair at cert_path/key_path is read, the key matched to the
 * certificate and the certificate's validity checked against now_ms;
 * MM_EPARSE/MM_EINVAL/MM_EIO with a Japanese / English reason otherwise.
 * A reload that fails keeps the current pair. Replaced pairs are freed by
 * mm_hub_tls_free only (a handshake may still hold them). */
#include <gnutls/abstract.h>
#include <microhttpd.h>
typedef struct mm_hub_tls mm_hub_tls;
mm_rc mm_hub_tls_new(const char *cert_path, const char *key_path,
                     int64_t now_ms, mm_hub_tls **out, mm_err *err);
mm_rc mm_hub_tls_reload(mm_hub_tls *t, int64_t now_ms, mm_err *err);
/* The same checks on a pair in memory, nothing kept (the fuzz target). */
mm_rc mm_hub_tls_check(const char *cert, size_t cert_len, const char *key,
                       size_t key_len, int64_t now_ms, mm_err *err);
/* "期限 / expires YYYY-MM-DD, SHA-256 AB:…" of the current certificate. */
void mm_hub_tls_describe(mm_hub_tls *t, char *out, size_t n);
/* Pairs replaced so far (kept until mm_hub_tls_free). */
unsigned mm_hub_tls_retired(mm_hub_tls *t);
void mm_hub_tls_free(mm_hub_tls *t);
/* MHD_OPTION_NOTIFY_CONNECTION with the mm_hub_tls as closure, and
 * MHD_OPTION_HTTPS_CERT_CALLBACK: the callback finds the pair through the
 * connection's socket context the first one sets. */
void mm_hub_tls_notify(void *cls, struct MHD_Connection *c,
                       void **socket_context,
                       enum MHD_ConnectionNotificationCode code);
int mm_hub_tls_retrieve(gnutls_session_t ses, const gnutls_datum_t *req_ca,
                        int nreqs, const gnutls_pk_algorithm_t *algos,
                        int nalgos, gnutls_pcert_st **pcert, unsigned int *n,
                        gnutls_privkey_t *key);

#endif /* MM_HUB_TLS_H */
