/* SPDX-License-Identifier: Apache-2.0 */
/* answers.c — the company's answers (JSON, docs/scs.md), checked against
 * the catalogue: unknown IDs, bad values and malformed files are errors. */
#include "scs-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ORG_FIELDS_MAX 32u
#define ORG_STR_MAX 512u
#define NOTE_MAX 2000u

struct mm_scs_answers {
    const mm_scs_catalogue *cat;
    json_t *org;       /* validated copy of "organisation" */
    json_t *inventory; /* validated copy of "inventory", or NULL */
    int target;
    char assessed_at[11];    /* "" when not given */
    mm_scs_answer (*ans)[2]; /* per item, per criterion */
    char **notes;            /* per item, or NULL */
};

const char *mm_scs_answer_name(mm_scs_answer a)
{
    return a == MM_SCS_YES ? "yes" : a == MM_SCS_NO ? "no" : "unknown";
}

void mm_scs_answers_free(mm_scs_answers *a)
{
    if (!a)
        return;
    if (a->notes)
        for (size_t i = 0; i < a->cat->n_items; i++)
            free(a->notes[i]);
    free(a->notes);
    free(a->ans);
    json_decref(a->org);
    json_decref(a->inventory);
    free(a);
}

typedef struct actx {
    const char *data;
    size_t len;
    const char *name;
    mm_err *err;
} actx;

static mm_rc aerr(actx *c, const char *near_key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static mm_rc aerr(actx *c, const char *near_key, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    unsigned line = near_key ? scs_line_of_key(c->data, c->len, near_key) : 0;
    return mm_err_set(c->err, MM_EPARSE, c->name, line, "%s", msg);
}

static bool answer_from(const char *s, mm_scs_answer *out)
{
    static const struct {
        const char *s;
        mm_scs_answer a;
    } t[] = {
        {"yes", MM_SCS_YES},
        {"no", MM_SCS_NO},
        {"unknown", MM_SCS_UNKNOWN},
        {"はい", MM_SCS_YES},
        {"いいえ", MM_SCS_NO},
        {"不明", MM_SCS_UNKNOWN},
        {"わからない", MM_SCS_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof t / sizeof *t; i++)
        if (strcmp(s, t[i].s) == 0) {
            *out = t[i].a;
            return true;
        }
    return false;
}

static mm_rc parse_value(actx *c, const char *id, json_t *v, mm_scs_answer *a)
{
    if (!json_is_string(v) || !answer_from(json_string_value(v), a))
        return aerr(c, id,
                    "%s: 回答は \"yes\" / \"no\" / \"unknown\" のどれかです "
                    "/ the answer must be \"yes\", \"no\" or \"unknown\"",
                    id);
    return MM_OK;
}

static mm_rc parse_answer(actx *c, mm_scs_answers *A, size_t idx,
                          const char *id, json_t *v)
{
    const mm_scs_item *it = &A->cat->items[idx];
    mm_scs_answer *slot = A->ans[idx];
    if (json_is_string(v)) {
        mm_scs_answer a;
        mm_rc rc = parse_value(c, id, v, &a);
        slot[0] = slot[1] = a;
        return rc;
    }
    if (!json_is_object(v))
        return aerr(c, id,
                    "%s: 回答は文字列か {\"3\":…, \"4\":…} です / the "
                    "answer must be a string or an object",
                    id);
    const char *k;
    json_t *val;
    bool plain = false, per_level = false;
    json_object_foreach(v, k, val)
    {
        if (strcmp(k, "answer") == 0) {
            mm_scs_answer a;
            if (parse_value(c, id, val, &a) != MM_OK)
                return MM_EPARSE;
            slot[0] = slot[1] = a;
            plain = true;
        } else if (strcmp(k, "3") == 0 || strcmp(k, "4") == 0) {
            int lvl = k[0] - '0';
            int ci = -1;
            for (unsigned i = 0; i < it->n_crit; i++)
                if (it->crit[i].level == lvl)
                    ci = (int)i;
            if (ci < 0 || (it->n_crit == 1 && lvl != it->crit[0].level))
                return aerr(c, id,
                            "%s: この項目に ★%d の基準はありません / item "
                            "%s has no ★%d criterion (its level is %s)",
                            id, lvl, id, lvl,
                            it->n_crit == 2
                                ? "3+4"
                                : scs_level_name(it->crit[0].level));
            if (parse_value(c, id, val, &slot[ci]) != MM_OK)
                return MM_EPARSE;
            per_level = true;
        } else if (strcmp(k, "note") == 0) {
            const char *s = json_string_value(val);
            if (!scs_str_ok(s, NOTE_MAX))
                return aerr(c, id,
                            "%s: note は %u バイトまでの文字列です / note "
                            "must be a string of at most %u bytes",
                            id, NOTE_MAX, NOTE_MAX);
            free(A->notes[idx]);
            A->notes[idx] = strdup(s);
            if (!A->notes[idx])
                return mm_err_set(c->err, MM_ENOMEM, c->name, 0,
                                  "out of memory");
        } else {
            return aerr(c, id,
                        "%s: 不明なキー \"%s\" です / unknown key \"%s\" "
                        "(answer, 3, 4, note)",
                        id, k, k);
        }
    }
    if (plain && per_level)
        return aerr(c, id,
                    "%s: \"answer\" と \"3\"/\"4\" は同時に使えません / give "
                    "either \"answer\" or per-level answers, not both",
                    id);
    if (!plain && !per_level)
        return aerr(c, id, "%s: 回答がありません / no answer given", id);
    return MM_OK;
}

/* The answers keep their own copy of a checked object. */
static mm_rc keep_copy(actx *c, json_t **dst, json_t *src)
{
    *dst = json_deep_copy(src);
    return *dst ? MM_OK
                : mm_err_set(c->err, MM_ENOMEM, c->name, 0, "out of memory");
}

/* Every organisation field: a short text key; onsite_responder true or
 * false; any other a short string, an integer or true/false. */
static mm_rc org_fields_check(actx *c, json_t *org)
{
    const char *k;
    json_t *v;
    json_object_foreach(org, k, v)
    {
        if (!scs_str_ok(k, 64))
            return aerr(c, "organisation",
                        "organisation のキーが不正です / bad "
                        "organisation key");
        if (strcmp(k, "onsite_responder") == 0 && !json_is_boolean(v))
            return aerr(
                c, k,
                "organisation.onsite_responder は true か false です "
                "/ organisation.onsite_responder must be true or false");
        if (json_is_string(v)) {
            const char *s = json_string_value(v);
            if (!scs_str_ok(s, ORG_STR_MAX))
                return aerr(
                    c, k,
                    "organisation.%s が長すぎるか制御文字を含みます "
                    "/ organisation.%s is too long (limit %u bytes) or "
                    "holds control characters",
                    k, k, ORG_STR_MAX);
        } else if (!json_is_integer(v) && !json_is_boolean(v)) {
            return aerr(
                c, k,
                "organisation.%s は文字列・整数・true/false のどれか"
                "です / organisation.%s must be a string, an integer or "
                "true/false",
                k, k);
        }
    }
    return MM_OK;
}

static mm_rc parse_org(actx *c, mm_scs_answers *A, json_t *org)
{
    if (!json_is_object(org))
        return aerr(c, "organisation",
                    "\"organisation\" はオブジェクトです / "
                    "\"organisation\" must be an object with a \"name\"");
    if (json_object_size(org) > ORG_FIELDS_MAX)
        return aerr(c, "organisation",
                    "organisation の項目が多すぎます / too "
                    "many organisation fields (limit %u)",
                    ORG_FIELDS_MAX);
    const char *name = json_string_value(json_object_get(org, "name"));
    if (!name || !*name)
        return aerr(c, "organisation",
                    "organisation.name (会社名) がありません "
                    "/ organisation.name is missing or empty");
    mm_rc rc = org_fields_check(c, org);
    return rc != MM_OK ? rc : keep_copy(c, &A->org, org);
}

static mm_rc parse_inventory(actx *c, mm_scs_answers *A, json_t *inv)
{
    if (!json_is_object(inv))
        return aerr(c, "inventory",
                    "\"inventory\" はオブジェクトです / "
                    "\"inventory\" must be an object");
    const char *k;
    json_t *v;
    json_object_foreach(inv, k, v)
    {
        if (strcmp(k, "hosts") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > 10000000)
                return aerr(
                    c, "inventory",
                    "inventory.hosts は 0 以上の整数です "
                    "/ inventory.hosts must be a non-negative integer");
        } else if (strcmp(k, "networks") == 0) {
            if (!json_is_array(v) || json_array_size(v) > MM_SCS_NETWORKS_MAX)
                return aerr(c, "inventory",
                            "inventory.networks は CIDR の配列です "
                            "/ inventory.networks must be an array of CIDRs "
                            "(at most %u)",
                            MM_SCS_NETWORKS_MAX);
            size_t i;
            json_t *n;
            json_array_foreach(v, i, n)
            {
                mm_cidr cidr;
                if (!scs_cidr_parse(json_string_value(n), &cidr))
                    return aerr(
                        c, "networks",
                        "inventory.networks[%zu] は "
                        "\"192.168.1.0/24\" の形です / "
                        "inventory.networks[%zu] must be a CIDR such as "
                        "\"192.168.1.0/24\"",
                        i, i);
            }
        } else {
            return aerr(c, "inventory",
                        "inventory の不明なキー \"%s\" / unknown "
                        "inventory key \"%s\" (hosts, networks)",
                        k, k);
        }
    }
    return keep_copy(c, &A->inventory, inv);
}

mm_rc mm_scs_answers_parse(const char *data, size_t len, const char *name,
                           const mm_scs_catalogue *cat, mm_scs_answers **out,
                           mm_err *err)
{
    *out = NULL;
    if (len > MM_SCS_FILE_MAX)
        return mm_err_set(err, MM_ELIMIT, name, 0,
                          "ファイルが大きすぎます / "
                          "file too large (limit %u bytes)",
                          MM_SCS_FILE_MAX);
    actx c = {data, len, name, err};
    json_t *root = scs_json_parse(data, len, name, err);
    if (!root)
        return MM_EPARSE;
    mm_scs_answers *A = calloc(1, sizeof *A);
    mm_rc rc = MM_OK;
    if (!A) {
        json_decref(root);
        return mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    }
    A->cat = cat;
    A->ans = calloc(cat->n_items ? cat->n_items : 1, sizeof *A->ans);
    A->notes = calloc(cat->n_items ? cat->n_items : 1, sizeof *A->notes);
    if (!A->ans || !A->notes) {
        rc = mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
        goto done;
    }
    if (!json_is_object(root)) {
        rc = aerr(&c, NULL,
                  "回答ファイルは JSON オブジェクトです / the answers "
                  "file must be a JSON object");
        goto done;
    }
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "organisation") && strcmp(k, "target") &&
            strcmp(k, "answers") && strcmp(k, "assessed_at") &&
            strcmp(k, "inventory") && strcmp(k, "comment") &&
            strncmp(k, "x-", 2) != 0) {
            rc =
                aerr(&c, k,
                     "不明なキー \"%s\" です / unknown key \"%s\" "
                     "(organisation, target, answers, assessed_at, inventory, "
                     "comment, x-…)",
                     k, k);
            goto done;
        }
    }
    if ((rc = parse_org(&c, A, json_object_get(root, "organisation"))) !=
        MM_OK)
        goto done;
    const char *t = json_string_value(json_object_get(root, "target"));
    A->target = t ? scs_level_parse(t) : 0;
    if (!A->target) {
        rc = aerr(&c, "target",
                  "\"target\" は \"★1\"〜\"★4\" です / \"target\" "
                  "must be \"★1\", \"★2\", \"★3\" or \"★4\"");
        goto done;
    }
    json_t *at = json_object_get(root, "assessed_at");
    if (at) {
        const char *s = json_string_value(at);
        if (!s || !scs_date_ok(s)) {
            rc = aerr(&c, "assessed_at",
                      "assessed_at は YYYY-MM-DD の日付です / "
                      "assessed_at must be a date YYYY-MM-DD");
            goto done;
        }
        memcpy(A->assessed_at, s, 11);
    }
    json_t *inv = json_object_get(root, "inventory");
    if (inv && (rc = parse_inventory(&c, A, inv)) != MM_OK)
        goto done;
    json_t *answers = json_object_get(root, "answers");
    if (!json_is_object(answers)) {
        rc = aerr(&c, "answers",
                  "\"answers\" がないかオブジェクトではありません "
                  "/ \"answers\" is missing or not an object");
        goto done;
    }
    json_object_foreach(answers, k, v)
    {
        const mm_scs_item *it = mm_scs_catalogue_find(cat, k);
        if (!it) {
            char shown[40];
            snprintf(shown, sizeof shown, "%s", k);
            bool safe = scs_text_ok(shown, strlen(shown));
            rc = aerr(&c, safe ? k : NULL,
                      "不明な要求事項IDです / unknown "
                      "requirement ID \"%s\" (not in catalogue %s)",
                      safe ? shown : "?", cat->version);
            goto done;
        }
        if ((rc = parse_answer(&c, A, (size_t)(it - cat->items), k, v)) !=
            MM_OK)
            goto done;
    }
done:
    json_decref(root);
    if (rc != MM_OK) {
        mm_scs_answers_free(A);
        return rc;
    }
    *out = A;
    return MM_OK;
}

/* What mm_scs_answers_load hands to parse_file. */
typedef struct answers_load {
    const mm_scs_catalogue *cat;
    mm_scs_answers **out;
} answers_load;

/* mm_scs_answers_parse as an mm_file_parse_fn. */
static mm_rc parse_file(const char *text, size_t len, const char *path,
                        void *ud, mm_err *err)
{
    answers_load *l = ud;
    return mm_scs_answers_parse(text, len, path, l->cat, l->out, err);
}

mm_rc mm_scs_answers_load(const char *path, const mm_scs_catalogue *cat,
                          mm_scs_answers **out, mm_err *err)
{
    *out = NULL;
    answers_load l = {cat, out};
    return scs_file_parse(path, MM_SCS_FILE_MAX, parse_file, &l, err);
}

mm_scs_answer mm_scs_answers_get(const mm_scs_answers *a, const char *id,
                                 int level)
{
    const mm_scs_item *it = mm_scs_catalogue_find(a->cat, id);
    if (!it)
        return MM_SCS_UNKNOWN;
    for (unsigned i = 0; i < it->n_crit; i++)
        if (it->crit[i].level == level || it->n_crit == 1)
            return a->ans[it - a->cat->items][i];
    return MM_SCS_UNKNOWN;
}

const char *mm_scs_answers_org_name(const mm_scs_answers *a)
{
    return json_string_value(json_object_get(a->org, "name"));
}

int mm_scs_answers_target(const mm_scs_answers *a)
{
    return a->target;
}

/* ---- internal accessors for assess.c ---------------------------------------
 */

mm_scs_answer scs_answers_at(const mm_scs_answers *a, size_t item, unsigned ci)
{
    return a->ans[item][ci];
}
const char *scs_answers_note(const mm_scs_answers *a, size_t item)
{
    return a->notes[item];
}
const json_t *scs_answers_org(const mm_scs_answers *a)
{
    return a->org;
}
const json_t *scs_answers_inventory(const mm_scs_answers *a)
{
    return a->inventory;
}
const char *scs_answers_date(const mm_scs_answers *a)
{
    return a->assessed_at;
}
