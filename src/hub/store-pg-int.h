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
extern const char mm_hub__pg_migration_3[];
extern const char mm_hub__pg_migration_4[];
extern const char mm_hub__pg_migration_5[];
extern const char mm_hub__pg_migration_7[];
/* event_parts (store-pg-part.c): partitioned correlators */
extern const char mm_hub__pg_migration_parts[];
/* store-pg-maint.c: events_other holds no month's rows. */
extern const char mm_hub__pg_migration_8[];

/* Forgets which month partitions this connection knows exist (one was
 * dropped, or an insert failed because another process dropped one): the
 * next insert of each month makes sure of its partition again. */
void mm_hub__pg_months_forget(mm_store *s);

/* The condition of migration 7's partial index events_mamori (the
 * sensors' own reports). */
#define PG_MAMORI_DATASET                                                     \
    "kind='event' AND strpos(json,'\"dataset\":\"mamori.')>0"

/* Before migrating a database from version `from`: builds the indexes the
 * migrations would build under a table lock on each existing partition
 * with CREATE INDEX CONCURRENTLY (inserts go on meanwhile), so the
 * migration's CREATE INDEX only attaches them. On connection c, outside a
 * transaction. */
mm_rc mm_hub__pg_index_online(PGconn *c, int from, mm_err *err);

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
mm_hub__notify_pref_put_op mm_hub__pg_notify_pref_put;
mm_hub__notify_pref_del_op mm_hub__pg_notify_pref_del;
mm_hub__notify_pref_list_op mm_hub__pg_notify_pref_list;
mm_hub__outbox_put_op mm_hub__pg_outbox_put;
mm_hub__outbox_due_op mm_hub__pg_outbox_due;
mm_hub__outbox_list_op mm_hub__pg_outbox_list;
mm_hub__outbox_mark_op mm_hub__pg_outbox_mark;
mm_hub__flag_get_op mm_hub__pg_flag_get;
mm_hub__flag_put_op mm_hub__pg_flag_put;
mm_hub__event_histogram_op mm_hub__pg_event_histogram;
mm_rc mm_hub__pg_user_put(mm_store *s, const mm_hub_user *u, mm_err *err);
mm_rc mm_hub__pg_user_get(mm_store *s, const char *name, mm_hub_user *out,
                          mm_err *err);
mm_rc mm_hub__pg_user_list(mm_store *s, mm_hub_user_fn fn, void *ud,
                           mm_err *err);
mm_rc mm_hub__pg_user_del(mm_store *s, const char *name, mm_err *err);
mm_rc mm_hub__pg_provider_link_put(mm_store *s, const char *provider,
                                   const char *sme, mm_err *err);
mm_rc mm_hub__pg_provider_link_list(mm_store *s, const char *provider,
                                    mm_link_row_fn fn, void *ud, mm_err *err);
mm_rc mm_hub__pg_session_put(mm_store *s, const mm_hub_session *se,
                             mm_err *err);
mm_rc mm_hub__pg_session_get(mm_store *s, const char *id_hash,
                             mm_hub_session *out, mm_err *err);
mm_rc mm_hub__pg_session_touch(mm_store *s, const char *id_hash,
                               int64_t last_ms, mm_err *err);
mm_rc mm_hub__pg_session_del(mm_store *s, const char *id_hash, mm_err *err);
mm_rc mm_hub__pg_alert_list(mm_store *s, const mm_hub_alert_filter *f,
                            mm_hub_alert_fn fn, void *ud, mm_err *err);
mm_rc mm_hub__pg_alert_state_set(mm_store *s, int64_t id, const char *status,
                                 const char *assignee, int64_t now_ms,
                                 mm_err *err);
mm_rc mm_hub__pg_alert_summary(mm_store *s, const char *tenant,
                               int64_t from_ms, int64_t to_ms,
                               uint64_t *alerts, uint64_t *closed,
                               int64_t *last_received, mm_err *err);
mm_rc mm_hub__pg_audit_put(mm_store *s, const mm_hub_audit *a, mm_err *err);
mm_rc mm_hub__pg_audit_list(mm_store *s, const char *kind, int64_t ref,
                            mm_hub_audit_fn fn, void *ud, mm_err *err);
mm_rc mm_hub__pg_case_put(mm_store *s, mm_hub_case *c, mm_err *err);
mm_rc mm_hub__pg_case_list(mm_store *s, int64_t id, const char *tenant,
                           const char *status, int64_t alert,
                           mm_hub_case_fn fn, void *ud, mm_err *err);
mm_rc mm_hub__pg_case_step_put(mm_store *s, const mm_hub_case_step *cs,
                               mm_err *err);
mm_rc mm_hub__pg_case_step_list(mm_store *s, int64_t id,
                                mm_hub_case_step_fn fn, void *ud, mm_err *err);
mm_rc mm_hub__pg_dispatch_put(mm_store *s, mm_hub_dispatch *d, mm_err *err);
mm_rc mm_hub__pg_dispatch_list(mm_store *s, int64_t id, mm_hub_dispatch_fn fn,
                               void *ud, mm_err *err);
mm_rc mm_hub__pg_scs_registrant_put(mm_store *s, const mm_hub_registrant *r,
                                    mm_err *err);
mm_rc mm_hub__pg_scs_registrant_by_key(mm_store *s, int role,
                                       const char *public_key,
                                       mm_hub_registrant *out, mm_err *err);
mm_rc mm_hub__pg_scs_registrant_list(mm_store *s, int role,
                                     mm_hub_registrant_fn fn, void *ud,
                                     mm_err *err);
mm_hub__tenant_events_op mm_hub__pg_tenant_events;
mm_hub__dataset_events_op mm_hub__pg_dataset_events;
mm_hub__scs_answers_put_op mm_hub__pg_scs_answers_put;
mm_hub__scs_answers_get_op mm_hub__pg_scs_answers_get;
mm_hub__scs_request_put_op mm_hub__pg_scs_request_put;
mm_hub__scs_request_get_op mm_hub__pg_scs_request_get;
mm_hub__scs_request_list_op mm_hub__pg_scs_request_list;
mm_hub__scs_request_mark_op mm_hub__pg_scs_request_mark;

/* store-pg-part.c: partitioned correlators (docs/scale.md) */
mm_rc mm_hub__pg_event_parts_claim(mm_store *s, const char *tenant,
                                   const mm_hub_event *ev, size_t n,
                                   unsigned part, bool *fresh, mm_err *err);
mm_rc mm_hub__pg_part_lock(mm_store *s, unsigned ns, unsigned key, bool lock,
                           bool *got, mm_err *err);
mm_rc mm_hub__pg_part_locks(mm_store *s, unsigned ns, uint64_t *mine,
                            uint64_t *all, mm_err *err);

/* store-pg-maint.c: retention in short steps */
mm_rc mm_hub__pg_events_prune_step(mm_store *s, mm_store_prune *p,
                                   mm_usage_fn fn, void *ud, bool *more,
                                   mm_err *err);

#endif
