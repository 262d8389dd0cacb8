/* SPDX-License-Identifier: Apache-2.0 */
/* trust.c — what a receiver (the hub) needs to trust a confirmed ★: the ★
 * recomputed from the document's own signed answers and evidence verdicts
 * with the catalogue's all-items rule, so a signed `achieved` that the
 * answers do not support is caught (issue 12 §1). */
#include "scs-int.h"

#include <string.h>

/* Index of s in names[0..n), or 0 (the "unknown"/"none" entry). */
static int index_of(const char *s, const char *const *names, int n)
{
    for (int i = 0; s && i < n; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return 0;
}

static const char *const answer_names[] = {
    [MM_SCS_UNKNOWN] = "unknown", [MM_SCS_YES] = "yes", [MM_SCS_NO] = "no"};
static const char *const verdict_names[] = {[SCS_EV_NONE] = "none",
                                            [SCS_EV_SUPPORTS] = "supports",
                                            [SCS_EV_CONTRADICTS] =
                                                "contradicts"};

/* The document's row for (id, level, stricter), or NULL. */
static const json_t *find_row(const json_t *items, const char *id, int level,
                              bool stricter)
{
    size_t i;
    const json_t *r;
    json_array_foreach(items, i, r)
    {
        const char *rid = json_string_value(json_object_get(r, "id"));
        if (rid && strcmp(rid, id) == 0 &&
            json_integer_value(json_object_get(r, "level")) == level &&
            json_is_true(json_object_get(r, "stricter")) == stricter)
            return r;
    }
    return NULL;
}

/* Whether (item, criterion) is met according to the document's row. */
static bool row_met(const json_t *items, const mm_scs_item *it, unsigned ci)
{
    const json_t *r = find_row(items, it->id, it->crit[ci].level, ci == 1);
    if (!r)
        return false; /* left out: unknown, not met */
    mm_scs_status st = scs_status_from(
        (mm_scs_answer)index_of(
            json_string_value(json_object_get(r, "answer")), answer_names, 3),
        (scs_verdict)index_of(
            json_string_value(json_object_get(r, "evidence")), verdict_names,
            3));
    return st == MM_SCS_ST_MET || st == MM_SCS_ST_MET_BY_EVIDENCE;
}

mm_rc mm_scs_recompute(const mm_scs_catalogue *cat, const char *doc,
                       size_t len, const char *name, int *achieved,
                       int *claimed, mm_err *err)
{
    *achieved = 0;
    *claimed = -1;
    json_t *root = scs_json_parse(doc, len, name, err);
    if (!root)
        return MM_EPARSE;
    const json_t *a = json_object_get(root, "assessment");
    if (!a)
        a = root;
    const json_t *items = json_object_get(a, "items");
    if (!json_is_array(items)) {
        json_decref(root);
        return mm_err_set(err, MM_EPARSE, name, 0,
                          "診断結果に items がありません / the assessment "
                          "has no items");
    }
    const char *cl = json_string_value(json_object_get(a, "achieved"));
    int lv = cl ? scs_level_parse(cl) : 0;
    *claimed = lv >= 3 ? lv : lv || (cl && strcmp(cl, "none") == 0) ? 0 : -1;
    scs_ladder lad;
    memset(&lad, 0, sizeof lad);
    for (size_t i = 0; i < cat->n_items; i++)
        for (unsigned c = 0; c < cat->items[i].n_crit; c++)
            scs_ladder_add(&lad, cat->items[i].crit[c].level,
                           row_met(items, &cat->items[i], c));
    /* the SCS rungs only: a confirmation is about ★3/★4 */
    *achieved = scs_ladder_reached(&lad, 4)   ? 4
                : scs_ladder_reached(&lad, 3) ? 3
                                              : 0;
    json_decref(root);
    return MM_OK;
}
