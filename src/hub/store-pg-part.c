/* SPDX-License-Identifier: Apache-2.0 */
/* store-pg-part.c — what partitioned correlators keep in PostgreSQL
 * (docs/scale.md): which partition has correlated which event
 * (event_parts, written in the correlation's own transaction), and the
 * session advisory locks by which exactly one correlator owns a
 * partition while its database session lives. */
#include "store-pg-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* First key of the advisory locks (int4, int4): partitions ("mmpt") and
 * correlator slots ("mmsl"), apart from the migration lock. */
static const char *const lock_ns[2] = {"1835888756", "1835889516"};

/* Self-contained: applied after the other versions whatever its number. */
const char mm_hub__pg_migration_parts[] =
    "CREATE TABLE IF NOT EXISTS event_parts(tenant text NOT NULL, event_id "
    "text NOT NULL, part smallint NOT NULL, PRIMARY KEY(tenant,event_id,"
    "part));";

/* Whether this session holds partition `part`'s lock: a session lost and
 * reconnected holds none, and then another correlator may own it. */
static mm_rc part_fence(mm_store *s, unsigned part, mm_err *err)
{
    uint64_t mine = 0, all = 0;
    mm_rc rc = mm_hub__pg_part_locks(s, 0, &mine, &all, err);
    if (rc == MM_OK && !(mine >> part & 1))
        rc = mm_err_set(err, MM_EIO, "postgresql", 0,
                        "パーティション %u の担当を失いました / partition %u "
                        "is no longer this correlator's (database session "
                        "lost)",
                        part, part);
    return rc;
}

/* '{"id1","id2"}': a text[] literal, quotes and backslashes escaped. */
static mm_rc ids_array(const mm_hub_event *ev, size_t n, mm_buf *b)
{
    mm_rc rc = mm_buf_puts(b, "{");
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        rc = mm_buf_puts(b, i ? ",\"" : "\"");
        for (const char *p = ev[i].id; *p && rc == MM_OK; p++) {
            if (*p == '"' || *p == '\\')
                rc = mm_buf_append(b, "\\", 1);
            if (rc == MM_OK)
                rc = mm_buf_append(b, p, 1);
        }
        if (rc == MM_OK)
            rc = mm_buf_puts(b, "\"");
    }
    if (rc == MM_OK)
        rc = mm_buf_append(b, "}", 2); /* with the NUL */
    return rc;
}

mm_rc mm_hub__pg_event_parts_claim(mm_store *s, const char *tenant,
                                   const mm_hub_event *ev, size_t n,
                                   unsigned part, bool *fresh, mm_err *err)
{
    for (size_t i = 0; i < n; i++)
        fresh[i] = false;
    /* part + 64 * the hop's first key (hop.c): the lock is part's */
    mm_rc rc = part_fence(s, part % MM_HUB_PARTS_MAX, err);
    if (rc != MM_OK || n == 0)
        return rc;
    mm_buf ids;
    mm_buf_init(&ids, (size_t)1 << 30);
    if (ids_array(ev, n, &ids) != MM_OK) {
        mm_buf_free(&ids);
        return mm_err_set(err, MM_ENOMEM, "postgresql", 0, "out of memory");
    }
    char p[16];
    snprintf(p, sizeof p, "%u", part);
    const char *v[] = {tenant, ids.data, p};
    PGresult *r = NULL;
    /* the ordinal of the first occurrence of each id newly recorded */
    rc = mm_hub__pg_exec(
        s,
        "WITH u AS (SELECT id, min(i) AS i FROM unnest($2::text[]) WITH "
        "ORDINALITY AS a(id,i) GROUP BY id), ins AS (INSERT INTO "
        "event_parts(tenant,event_id,part) SELECT $1, id, $3::smallint FROM "
        "u ON CONFLICT DO NOTHING RETURNING event_id) SELECT u.i FROM u JOIN "
        "ins ON ins.event_id = u.id",
        3, v, &r, err, "record the partition's events");
    mm_buf_free(&ids);
    for (int i = 0; rc == MM_OK && i < PQntuples(r); i++) {
        long k = strtol(PQgetvalue(r, i, 0), NULL, 10);
        if (k >= 1 && (size_t)k <= n)
            fresh[k - 1] = true;
    }
    PQclear(r);
    return rc;
}

mm_rc mm_hub__pg_part_lock(mm_store *s, unsigned ns, unsigned key, bool lock,
                           bool *got, mm_err *err)
{
    *got = false;
    if (ns > 1 || key >= MM_HUB_PARTS_MAX)
        return mm_err_set(err, MM_EINVAL, "postgresql", 0,
                          "no such partition lock");
    char k[16];
    snprintf(k, sizeof k, "%u", key);
    const char *v[] = {lock_ns[ns], k};
    PGresult *r = NULL;
    mm_rc rc = mm_hub__pg_exec(
        s,
        lock ? "SELECT pg_try_advisory_lock($1::int, $2::int)"
             : "SELECT pg_advisory_unlock($1::int, $2::int)",
        2, v, &r, err, lock ? "claim a partition" : "release a partition");
    if (rc == MM_OK && PQntuples(r) == 1)
        *got = PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return rc;
}

mm_rc mm_hub__pg_part_locks(mm_store *s, unsigned ns, uint64_t *mine,
                            uint64_t *all, mm_err *err)
{
    *mine = *all = 0;
    if (ns > 1)
        return mm_err_set(err, MM_EINVAL, "postgresql", 0,
                          "no such partition lock");
    const char *v[] = {lock_ns[ns]};
    PGresult *r = NULL;
    mm_rc rc = mm_hub__pg_exec(
        s,
        "SELECT objid, pid = pg_backend_pid() FROM pg_locks WHERE "
        "locktype = 'advisory' AND granted AND objsubid = 2 AND classid = "
        "$1::int::oid AND database = (SELECT oid FROM pg_database WHERE "
        "datname = current_database())",
        1, v, &r, err, "list the partition locks");
    for (int i = 0; rc == MM_OK && i < PQntuples(r); i++) {
        unsigned long k = strtoul(PQgetvalue(r, i, 0), NULL, 10);
        if (k >= MM_HUB_PARTS_MAX)
            continue;
        *all |= (uint64_t)1 << k;
        if (PQgetvalue(r, i, 1)[0] == 't')
            *mine |= (uint64_t)1 << k;
    }
    PQclear(r);
    return rc;
}
