/* SPDX-License-Identifier: Apache-2.0 */
/* evidence-asm.c — the tenant's latest outside-in self-check (asm.c,
 * DIR/asm-<tenant>.json "last_check") as evidence checks for evidence.c:
 * asm_exposure (ports that should never face the internet, admin pages),
 * asm_vulnerable (banners on the known-exploited list) and asm_tls (expired
 * certificate, TLS 1.0/1.1 accepted). Each names the check's time and the
 * host:port behind it (docs/scs.md "Evidence produced by the hub"). */
#include "hub.h"
#include "scs.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(MM_SCS_CHECK_LINES_MAX == 8, "mm_hub_asm_ev.lines size");

/* One evidence check: its finding kinds and its words. */
static const struct asm_kind {
    const char *name;
    const char *kinds[2];
    const char *bad_ja, *bad_en, *ok_ja, *ok_en;
} asm_kinds[MM_HUB_ASM_EV_CHECKS] = {
    {"asm_exposure",
     {"open_port", "admin_page"},
     "外部からの自己点検で、インターネットに向けてはいけないポートか管理画面"
     "が外から見えました",
     "the outside-in self-check found a port that should never face the "
     "internet, or an admin page, reachable from outside",
     "外部からの自己点検で、外に向けてはいけないポートや管理画面は見えません"
     "でした",
     "the outside-in self-check found no port that should never face the "
     "internet and no admin page reachable from outside"},
    {"asm_vulnerable",
     {"kev", NULL},
     "外部からの自己点検で、悪用が確認されている脆弱性のある版が見えました",
     "the outside-in self-check saw a version with a known exploited "
     "vulnerability",
     "外部からの自己点検で、悪用が確認されている脆弱性のある版は見えません"
     "でした",
     "the outside-in self-check saw no version with a known exploited "
     "vulnerability"},
    {"asm_tls",
     {"tls_expired", "tls_weak"},
     "外部からの自己点検で、期限切れの証明書か古い暗号化方式（TLS 1.0/1.1）"
     "が見えました",
     "the outside-in self-check saw an expired certificate or an old "
     "encryption protocol (TLS 1.0/1.1) accepted",
     "外部からの自己点検で、期限切れの証明書や古い暗号化方式は見えません"
     "でした",
     "the outside-in self-check saw no expired certificate and no old "
     "encryption protocol"},
};

static bool kind_of(const struct asm_kind *k, const char *kind)
{
    for (size_t i = 0; i < 2; i++)
        if (k->kinds[i] && kind && strcmp(k->kinds[i], kind) == 0)
            return true;
    return false;
}

/* Where a finding is: an open port's detail starts with its host:port,
 * others are named by the asset (host[:port]) they were found on. */
static void where(const char *asset, const char *kind, const char *detail,
                  char *out, size_t n)
{
    size_t l = strcspn(detail, " ");
    if (strcmp(kind, "open_port") == 0 && l > 0)
        snprintf(out, n, "%.*s", (int)l, detail);
    else
        snprintf(out, n, "%s", asset);
}

/* Fills check k from the probed assets of `report`. */
static void one_check(const struct asm_kind *k, const json_t *report,
                      const char *at, size_t probed, mm_hub_asm_ev *x,
                      size_t ci, mm_scs_check *c)
{
    size_t i, j;
    const json_t *a, *f;
    size_t n = 0;
    char first[300] = "";
    json_array_foreach(json_object_get(report, "assets"), i, a)
    {
        const char *asset = json_string_value(json_object_get(a, "asset"));
        json_array_foreach(json_object_get(a, "findings"), j, f)
        {
            const char *kind = json_string_value(json_object_get(f, "kind"));
            const char *d = json_string_value(json_object_get(f, "detail"));
            if (!asset || !d || !kind_of(k, kind))
                continue;
            if (!first[0])
                where(asset, kind, d, first, sizeof first);
            if (n < MM_SCS_CHECK_LINES_MAX &&
                asprintf(&x->lines[ci][n], "%s %s: %s", asset, kind, d) > 0)
                n++;
        }
    }
    if (n)
        snprintf(x->source[ci], sizeof x->source[ci], "self-check %s %s", at,
                 first);
    else
        snprintf(x->source[ci], sizeof x->source[ci],
                 "self-check %s (%zu asset%s)", at, probed,
                 probed == 1 ? "" : "s");
    c->name = k->name;
    c->ok = n == 0;
    c->source = x->source[ci];
    c->detail_ja = n ? k->bad_ja : k->ok_ja;
    c->detail_en = n ? k->bad_en : k->ok_en;
    c->lines = (const char *const *)x->lines[ci];
    c->n_lines = n;
}

size_t mm_hub_asm_evidence(const char *dir, const char *tenant,
                           int64_t from_ms, int64_t now_ms, mm_hub_asm_ev *x,
                           mm_scs_check *c)
{
    memset(x, 0, sizeof *x);
    if (!dir || !mm_hub_id_valid(tenant))
        return 0;
    char p[4096];
    snprintf(p, sizeof p, "%s/asm-%s.json", dir, tenant);
    json_t *s = json_load_file(p, JSON_REJECT_DUPLICATES, NULL);
    const json_t *report = json_object_get(s, "last_check");
    const char *at = json_string_value(json_object_get(report, "checked_at"));
    int64_t t = 0;
    size_t probed = 0, i;
    const json_t *a;
    json_array_foreach(json_object_get(report, "assets"), i, a)
    {
        probed += json_object_get(a, "refused") == NULL;
    }
    /* nothing probed, or a check after `now` (a replay's past): no say */
    if (!at || !mm_scs_time_parse_ms(at, &t) || t > now_ms || t <= from_ms ||
        !probed) {
        json_decref(s);
        return 0;
    }
    for (size_t k = 0; k < MM_HUB_ASM_EV_CHECKS; k++) {
        one_check(&asm_kinds[k], report, at, probed, x, k, &c[k]);
        c[k].last_seen_ms = t;
    }
    json_decref(s);
    return MM_HUB_ASM_EV_CHECKS;
}

void mm_hub_asm_evidence_free(mm_hub_asm_ev *x)
{
    for (size_t k = 0; k < MM_HUB_ASM_EV_CHECKS; k++)
        for (size_t l = 0; l < MM_SCS_CHECK_LINES_MAX; l++)
            free(x->lines[k][l]);
    memset(x, 0, sizeof *x);
}
