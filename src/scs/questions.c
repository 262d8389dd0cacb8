/* SPDX-License-Identifier: Apache-2.0 */
/* questions.c — the catalogue's criteria as plain questions, one per
 * criterion of a rung: the wording `mamori scs interview` prints on a
 * terminal and the console's self-assessment shows (through the hub's
 * GET /api/v1/scs/questions), so both ask exactly the same thing. */
#include "scs-int.h"

#include <string.h>

static bool ends_with(const char *t, const char *suffix)
{
    size_t n = strlen(t), m = strlen(suffix);
    return n >= m && strcmp(t + n - m, suffix) == 0;
}

mm_rc mm_scs_question(const mm_scs_criterion *c, mm_scs_lang lang, mm_buf *out)
{
    const char *t = lang == MM_SCS_JA ? c->text_ja : c->text_en;
    /* a published question as it is, a slogan ("…！") or a requirement
     * as "is this done / in place?" */
    if (ends_with(t, "？") || ends_with(t, "?"))
        return mm_buf_puts(out, t);
    if (ends_with(t, "！"))
        return mm_buf_printf(out,
                             lang == MM_SCS_JA ? "%s — できていますか？"
                                               : "%s — is this done?",
                             t);
    return mm_buf_printf(out,
                         lang == MM_SCS_JA ? "「%s」はできていますか？"
                                           : "Is this in place: %s?",
                         t);
}

bool mm_scs_question_per_level(const mm_scs_item *it, int target)
{
    return it->n_crit == 2 && target == 4;
}

static json_t *question_json(const mm_scs_item *it, const mm_scs_criterion *c,
                             unsigned n, int target)
{
    mm_buf ja, en;
    mm_buf_init(&ja, MM_SCS_TEXT_MAX * 2);
    mm_buf_init(&en, MM_SCS_TEXT_MAX * 2);
    json_t *q = NULL;
    if (mm_scs_question(c, MM_SCS_JA, &ja) == MM_OK &&
        mm_scs_question(c, MM_SCS_EN, &en) == MM_OK)
        q = json_pack("{s:I, s:s, s:i, s:b, s:s, s:s, s:s, s:s, s:s, s:s}",
                      "n", (json_int_t)n, "id", it->id, "level", c->level,
                      "per_level", mm_scs_question_per_level(it, target),
                      "group_ja", c->group_ja, "group_en", c->group_en,
                      "question_ja", ja.data, "question_en", en.data,
                      "hint_ja", c->next_ja, "hint_en", c->next_en);
    mm_buf_free(&ja);
    mm_buf_free(&en);
    return q;
}

mm_rc mm_scs_questions_json(const mm_scs_catalogue *cat, int target,
                            mm_buf *out)
{
    if (target < 1 || target > 4)
        return MM_EINVAL;
    json_t *arr = json_array();
    json_t *doc =
        arr ? json_pack("{s:s, s:s, s:o}", "target", scs_level_name(target),
                        "catalogue", cat->version, "questions", arr)
            : NULL;
    if (!doc) {
        json_decref(arr);
        return MM_ENOMEM;
    }
    unsigned n = 0;
    for (size_t i = 0; i < cat->n_items; i++) {
        const mm_scs_item *it = &cat->items[i];
        for (unsigned c = 0; c < it->n_crit; c++) {
            if (!mm_scs_level_needs(target, it->crit[c].level))
                continue;
            json_t *q = question_json(it, &it->crit[c], ++n, target);
            if (!q || json_array_append_new(arr, q) != 0) {
                json_decref(doc);
                return MM_ENOMEM;
            }
        }
    }
    if (json_object_set_new(doc, "total", json_integer(n)) != 0) {
        json_decref(doc);
        return MM_ENOMEM;
    }
    mm_rc rc = scs_json_dump(doc, false, out);
    json_decref(doc);
    return rc;
}
