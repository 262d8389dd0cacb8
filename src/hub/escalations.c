/* SPDX-License-Identifier: Apache-2.0 */
/* escalations.c — the coordinator's escalation queue as JSON
 * (GET /api/v1/escalations): each escalation with its campaign, score and
 * time, and its reason with every tenant id in it replaced by the same
 * keyed pseudonym the campaign and graph views use. Access is decided by
 * the caller (api-console.c). */
#include "hub-int.h"

#include <stdlib.h>
#include <string.h>

typedef mm_hub_vec vec;

static mm_rc push_ten(const mm_tenant *t, void *ud)
{
    return mm_hub_vec_push(ud, t);
}

static bool id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/* `reason` with each whole word that is a tenant id replaced by its
 * pseudonym. A tenant named like an ordinary word ("a") also hides that
 * word: more is hidden, never less. */
static void deidentify(const uint8_t *key, const vec *ts, const char *reason,
                       mm_buf *out)
{
    const mm_tenant *tv = ts->v;
    for (const char *p = reason; *p;) {
        size_t n = 0;
        while (id_char(p[n]))
            n++;
        const char *hit = NULL;
        for (size_t i = 0; n && i < ts->n && !hit; i++)
            if (strlen(tv[i].id) == n && memcmp(tv[i].id, p, n) == 0)
                hit = tv[i].id;
        if (hit) {
            char name[MM_HUB_ID_MAX + 1];
            mm_hub_pseudonym(key, hit, name, sizeof name);
            mm_buf_puts(out, name);
        } else {
            mm_buf_printf(out, "%.*s", (int)(n ? n : 1), p);
        }
        p += n ? n : 1;
    }
}

typedef struct esc_ctx {
    const uint8_t *key;
    const vec *ts; /* mm_tenant, with key */
    const char *tz;
    mm_buf *out;
    size_t n; /* written so far */
} esc_ctx;

static mm_rc esc_json(const mm_escalation *e, void *ud)
{
    esc_ctx *x = ud;
    mm_buf why;
    mm_buf_init(&why, 4096);
    if (x->key)
        deidentify(x->key, x->ts, e->reason, &why);
    else
        mm_buf_puts(&why, e->reason);
    mm_buf_printf(x->out, "%s{\"id\":%lld,\"campaign\":\"c-%lld\",",
                  x->n++ ? "," : "", (long long)e->id, (long long)e->campaign);
    mm_hub_jstr(x->out, "reason", why.data ? why.data : "");
    mm_buf_printf(x->out, ",\"score\":%u,", e->score);
    mm_hub_jtime(x->out, "created", e->created_ms, x->tz);
    mm_buf_puts(x->out, "}");
    mm_buf_free(&why);
    return MM_OK;
}

mm_rc mm_hub_escalations_json(mm_store *st, const uint8_t *key, const char *tz,
                              mm_buf *out, mm_err *err)
{
    vec ts = {NULL, 0, sizeof(mm_tenant)};
    mm_rc rc = key ? mm_store_tenant_list(st, push_ten, &ts, err) : MM_OK;
    esc_ctx x = {key, &ts, tz, out, 0};
    mm_buf_puts(out, "{\"escalations\":[");
    if (rc == MM_OK)
        rc = mm_store_escalation_list(st, esc_json, &x, err);
    mm_buf_puts(out, "]}");
    free(ts.v);
    return rc;
}
