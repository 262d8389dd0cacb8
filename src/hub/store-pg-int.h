/* SPDX-License-Identifier: Apache-2.0 */
/* store-pg-int.h — what store-pg.c shares with the other files of the
 * PostgreSQL back end (store-pg-ext.c: the ops added after the first
 * schema). */
#ifndef MM_STORE_PG_INT_H
#define MM_STORE_PG_INT_H

#include "hub-int.h"

#include <libpq-fe.h>

/* Runs `sql` with n text parameters (v[i] NULL = SQL NULL) on the store's
 * connection (reconnected when lost outside a transaction, as every op
 * does); *out gets the rows when not NULL (PQclear it). */
mm_rc mm_hub__pg_exec(mm_store *s, const char *sql, int n,
                      const char *const *v, PGresult **out, mm_err *err,
                      const char *what);

/* Schema migrations defined in store-pg-ext.c, listed in store-pg.c. */
extern const char mm_hub__pg_migration_2[];

/* Ops of store-pg-ext.c, in store-pg.c's ops table. */
mm_rc mm_hub__pg_token_put(mm_store *s, const mm_token *t, mm_err *err);
mm_rc mm_hub__pg_token_get(mm_store *s, const char *hash, const char *id,
                           mm_token *out, mm_err *err);
mm_rc mm_hub__pg_token_list(mm_store *s, const char *tenant, mm_token_fn fn,
                            void *ud, mm_err *err);
mm_rc mm_hub__pg_token_touch(mm_store *s, const char *id, int64_t now_ms,
                             mm_err *err);
mm_rc mm_hub__pg_tenant_usage(mm_store *s, mm_usage_fn fn, void *ud,
                              mm_err *err);
mm_rc mm_hub__pg_events_prune(mm_store *s, int64_t before_ms, mm_usage_fn fn,
                              void *ud, mm_err *err);
mm_rc mm_hub__pg_probe(mm_store *s, mm_err *err);

#endif
