/* SPDX-License-Identifier: Apache-2.0 */
/* assess.c — the ★ decision: answers plus evidence per criterion, the
 * scheme's all-items rule, the gap list, the service tier and the renewal
 * diff, built into one JSON document (the thing an expert signs). */
#include "scs-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Evidence taken more than this many days before the assessment date (or
 * more than a day after it) describes another time: it is listed as stale
 * and not used. */
#define EVIDENCE_STALE_DAYS 30

typedef struct row {
    size_t item;
    unsigned ci;
    int level;
    mm_scs_answer answer;
    scs_verdict verdict;
    mm_scs_status status;
    bool met;
    json_t *findings; /* array of {source, verdict, reason_ja, reason_en} */
} row;

struct mm_scs_assessment {
    const mm_scs_catalogue *cat;
    row *rows;
    size_t n_rows;
    int target;
    int achieved;
    size_t n_gaps;
    size_t n_contra;
    json_t *doc;
};

/* Each status: its name in the documents and its label for people (the
 * reports find the label by the name). */
static const scs_names statuses[] = {
    [MM_SCS_ST_MET] = {"met", "満たしている", "met"},
    [MM_SCS_ST_MET_BY_EVIDENCE] = {"met_by_evidence",
                                   "満たしている（自動の証拠による）",
                                   "met (by evidence)"},
    [MM_SCS_ST_NOT_MET] = {"not_met", "満たしていない", "not met"},
    [MM_SCS_ST_UNKNOWN] = {"unknown", "不明（満たしていない扱い）",
                           "unknown (counts as not met)"},
    [MM_SCS_ST_CONTRADICTED] =
        {"contradicted",
         "回答と自動の証拠が食い違い（解消するまで未達成の扱い）",
         "answer and evidence disagree (not met until resolved)"},
};

const char *mm_scs_status_name(mm_scs_status s)
{
    return (unsigned)s <= MM_SCS_ST_CONTRADICTED ? statuses[s].name : "?";
}

const char *scs_status_label(const char *st, mm_scs_lang lang)
{
    return scs_names_label(statuses, sizeof statuses / sizeof *statuses, st,
                           lang);
}

static const char *verdict_name(scs_verdict v)
{
    return v == SCS_EV_SUPPORTS      ? "supports"
           : v == SCS_EV_CONTRADICTS ? "contradicts"
                                     : "none";
}

void mm_scs_assessment_free(mm_scs_assessment *as)
{
    if (!as)
        return;
    for (size_t i = 0; i < as->n_rows; i++)
        json_decref(as->rows[i].findings);
    free(as->rows);
    json_decref(as->doc);
    free(as);
}

int mm_scs_achieved(const mm_scs_assessment *as)
{
    return as->achieved;
}
size_t mm_scs_gap_count(const mm_scs_assessment *as)
{
    return as->n_gaps;
}
size_t mm_scs_contradiction_count(const mm_scs_assessment *as)
{
    return as->n_contra;
}

mm_rc mm_scs_status_of(const mm_scs_assessment *as, const char *id, int level,
                       mm_scs_status *out)
{
    for (size_t i = 0; i < as->n_rows; i++)
        if (as->rows[i].level == level &&
            strcmp(as->cat->items[as->rows[i].item].id, id) == 0) {
            *out = as->rows[i].status;
            return MM_OK;
        }
    return MM_ENOTFOUND;
}

mm_rc mm_scs_assessment_json(const mm_scs_assessment *as, bool pretty,
                             mm_buf *out)
{
    mm_rc rc = scs_json_dump(as->doc, pretty, out);
    if (rc == MM_OK && pretty)
        rc = mm_buf_puts(out, "\n");
    return rc;
}

mm_scs_status scs_status_from(mm_scs_answer answer, scs_verdict verdict)
{
    switch (answer) {
    case MM_SCS_YES:
        return verdict == SCS_EV_CONTRADICTS ? MM_SCS_ST_CONTRADICTED
                                             : MM_SCS_ST_MET;
    case MM_SCS_NO:
        return verdict == SCS_EV_SUPPORTS ? MM_SCS_ST_CONTRADICTED
                                          : MM_SCS_ST_NOT_MET;
    default:
        return verdict == SCS_EV_SUPPORTS ? MM_SCS_ST_MET_BY_EVIDENCE
                                          : MM_SCS_ST_UNKNOWN;
    }
}

/* Evaluates every probe of a criterion against every evidence file. */
static mm_rc eval_row(row *r, const mm_scs_criterion *c,
                      mm_scs_evidence *const *ev, const bool *stale,
                      size_t n_ev, const json_t *inventory)
{
    r->findings = json_array();
    if (!r->findings)
        return MM_ENOMEM;
    bool sup = false, con = false;
    for (size_t e = 0; e < n_ev; e++)
        for (unsigned p = 0; !stale[e] && p < c->n_probes; p++) {
            char ja[1024], en[1024]; /* room for a quoted source line */
            scs_verdict v = scs_evidence_eval(ev[e], &c->probes[p], inventory,
                                              ja, sizeof ja, en, sizeof en);
            if (v == SCS_EV_NONE)
                continue;
            sup |= v == SCS_EV_SUPPORTS;
            con |= v == SCS_EV_CONTRADICTS;
            json_t *f = json_pack(
                "{s:s, s:s, s:s, s:s}", "source", scs_evidence_label(ev[e]),
                "verdict", verdict_name(v), "reason_ja", ja, "reason_en", en);
            if (!f || json_array_append_new(r->findings, f) != 0)
                return MM_ENOMEM;
        }
    r->verdict = con   ? SCS_EV_CONTRADICTS
                 : sup ? SCS_EV_SUPPORTS
                       : SCS_EV_NONE;
    r->status = scs_status_from(r->answer, r->verdict);
    r->met =
        r->status == MM_SCS_ST_MET || r->status == MM_SCS_ST_MET_BY_EVIDENCE;
    return MM_OK;
}

static json_t *item_json(const mm_scs_catalogue *cat, const row *r,
                         const mm_scs_answers *ans)
{
    const mm_scs_item *it = &cat->items[r->item];
    const mm_scs_criterion *c = &it->crit[r->ci];
    json_t *j = json_pack(
        "{s:s, s:I, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, "
        "s:s,"
        " s:O}",
        "id", it->id, "level", (json_int_t)r->level, "stricter", r->ci == 1,
        "category", mm_scs_category_name(it->category), "csf", it->csf, "kind",
        mm_scs_kind_name(it->kind), "group_ja", c->group_ja, "group_en",
        c->group_en, "text_ja", c->text_ja, "text_en", c->text_en, "answer",
        mm_scs_answer_name(r->answer), "status", mm_scs_status_name(r->status),
        "met", r->met, "evidence", verdict_name(r->verdict), "findings",
        r->findings);
    if (!j)
        return NULL;
    const char *note = scs_answers_note(ans, r->item);
    if (note && json_object_set_new(j, "note", json_string(note)) != 0) {
        json_decref(j);
        return NULL;
    }
    if (it->has_also && json_object_set_new(j, "also_category",
                                            json_string(mm_scs_category_name(
                                                it->also_category))) != 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}

static json_t *gap_json(const mm_scs_catalogue *cat, const row *r)
{
    const mm_scs_item *it = &cat->items[r->item];
    const mm_scs_criterion *c = &it->crit[r->ci];
    json_t *g = json_pack(
        "{s:s, s:I, s:b, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
        it->id, "level", (json_int_t)r->level, "stricter", r->ci == 1,
        "status", mm_scs_status_name(r->status), "category",
        mm_scs_category_name(it->category), "text_ja", c->text_ja, "text_en",
        c->text_en, "help", mm_scs_help_name(c->help), "closable_with",
        c->help == MM_SCS_HELP_IT_TOOL ? "it" : "non-it", "next_ja",
        c->next_ja, "next_en", c->next_en, "answer",
        mm_scs_answer_name(r->answer));
    if (!g)
        return NULL;
    /* evidence against the criterion says why, in the company's terms */
    size_t i;
    json_t *f;
    json_array_foreach(r->findings, i, f)
    {
        const char *v = json_string_value(json_object_get(f, "verdict"));
        if (v && strcmp(v, "contradicts") == 0) {
            json_object_set(g, "evidence_ja", json_object_get(f, "reason_ja"));
            json_object_set(g, "evidence_en", json_object_get(f, "reason_en"));
            break;
        }
    }
    return g;
}

static json_t *contra_json(const mm_scs_catalogue *cat, const row *r)
{
    const mm_scs_item *it = &cat->items[r->item];
    return json_pack("{s:s, s:I, s:s, s:s, s:O}", "id", it->id, "level",
                     (json_int_t)r->level, "answer",
                     mm_scs_answer_name(r->answer), "evidence",
                     verdict_name(r->verdict), "findings", r->findings);
}

static json_t *tier_json(int target, const json_t *org)
{
    json_t *o = json_object_get(org, "onsite_responder");
    bool onsite = o && json_is_true(o);
    char name[16];
    /* from SECURITY ACTION ★1/★2 the next service step is SCS★3's */
    snprintf(name, sizeof name, "SCS★%d%s", target < 3 ? 3 : target & 7,
             onsite ? "" : "+");
    char ja[512], en[512];
    if (onsite) {
        snprintf(ja, sizeof ja,
                 "事故が起きたときに社内で現場対応できる人がいるため、"
                 "駆けつけ支援なしの「%s」で足ります。",
                 name);
        snprintf(en, sizeof en,
                 "Someone in the company can handle an incident on "
                 "site, so %s without on-site help is enough.",
                 name);
    } else if (o) {
        snprintf(ja, sizeof ja,
                 "事故が起きたときに社内で現場対応できる人がいないため、"
                 "駆けつけ支援の付いた「%s」をお勧めします。",
                 name);
        snprintf(en, sizeof en,
                 "No one in the company can handle an incident on site, "
                 "so %s, with on-site help, is suggested.",
                 name);
    } else {
        snprintf(ja, sizeof ja,
                 "事故のときに社内で現場対応できる人がいるか回答がないため、"
                 "駆けつけ支援の付いた「%"
                 "s」をお勧めします（いる場合は回答ファイルの "
                 "onsite_responder を true にしてください）。",
                 name);
        snprintf(
            en, sizeof en,
            "The answers do not say whether anyone can handle an "
            "incident on site, so %s, with on-site help, is suggested (set "
            "onsite_responder to true in the answers if someone can).",
            name);
    }
    return json_pack("{s:s, s:b, s:s, s:s}", "name", name, "onsite_help",
                     !onsite, "reason_ja", ja, "reason_en", en);
}

/* Takes the assessment out of a plain or confirmed document. */
static const json_t *prev_assessment(const json_t *root)
{
    const json_t *a = json_object_get(root, "assessment");
    if (json_is_object(a) && json_object_get(root, "confirmation"))
        root = a;
    const char *f = json_string_value(json_object_get(root, "format"));
    if (!f || strcmp(f, "mamori-scs-assessment 1") != 0 ||
        !json_is_array(json_object_get(root, "items")))
        return NULL;
    return root;
}

static mm_rc renewal_json(const mm_scs_assessment *as, const char *text,
                          size_t len, const char *name, json_t **out,
                          mm_err *err)
{
    *out = NULL;
    if (len > MM_SCS_FILE_MAX)
        return mm_err_set(err, MM_ELIMIT, name, 0,
                          "ファイルが大きすぎます / file "
                          "too large");
    json_t *root = scs_json_parse(text, len, name, err);
    if (!root)
        return MM_EPARSE;
    const json_t *prev = prev_assessment(root);
    if (!prev) {
        json_decref(root);
        return mm_err_set(
            err, MM_EPARSE, name, 0,
            "前回の診断結果ではありません / "
            "not a previous assessment (want the output of `mamori "
            "scs assess --format json` or a confirmed file)");
    }
    json_t *items = json_object_get(prev, "items");
    json_t *r = json_pack(
        "{s:{s:O, s:O, s:O}, s:[], s:[], s:[], s:[]}", "previous",
        "assessed_at",
        json_object_get(prev, "assessed_at")
            ? json_object_get(prev, "assessed_at")
            : json_null(),
        "achieved",
        json_object_get(prev, "achieved") ? json_object_get(prev, "achieved")
                                          : json_null(),
        "catalogue_version",
        json_object_get(json_object_get(prev, "catalogue"), "version")
            ? json_object_get(json_object_get(prev, "catalogue"), "version")
            : json_null(),
        "became_met", "regressed", "still_open", "new");
    if (!r) {
        json_decref(root);
        return mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
    }
    for (size_t i = 0; i < as->n_rows; i++) {
        const row *cur = &as->rows[i];
        const char *id = as->cat->items[cur->item].id;
        if ((cur->level <= 2) != (as->target <= 2))
            continue;   /* the other ladder (SECURITY ACTION / SCS) */
        int found = -1; /* -1 absent, 0 not met, 1 met */
        size_t k;
        json_t *p;
        json_array_foreach(items, k, p)
        {
            const char *pid = json_string_value(json_object_get(p, "id"));
            json_t *pl = json_object_get(p, "level");
            if (pid && strcmp(pid, id) == 0 && json_is_integer(pl) &&
                json_integer_value(pl) == cur->level) {
                found = json_is_true(json_object_get(p, "met")) ? 1 : 0;
                break;
            }
        }
        const char *bucket = found < 0                 ? "new"
                             : found == 0 && cur->met  ? "became_met"
                             : found == 1 && !cur->met ? "regressed"
                             : found == 0              ? "still_open"
                                                       : NULL;
        if (!bucket)
            continue;
        json_t *e = json_pack("{s:s, s:I, s:s}", "id", id, "level",
                              (json_int_t)cur->level, "status",
                              mm_scs_status_name(cur->status));
        if (!e || json_array_append_new(json_object_get(r, bucket), e) != 0) {
            json_decref(r);
            json_decref(root);
            return mm_err_set(err, MM_ENOMEM, name, 0, "out of memory");
        }
    }
    json_decref(root);
    *out = r;
    return MM_OK;
}

/* "ladder": every rung the catalogue has, with met/total and whether it
 * is reached; "next": the first rung above the one achieved (or null). */
static mm_rc ladder_json(json_t *doc, const scs_ladder *lad, int achieved)
{
    json_t *arr = json_array();
    if (!arr || json_object_set_new(doc, "ladder", arr) != 0)
        return MM_ENOMEM;
    int next = 0;
    for (int l = 1; l <= 4; l++) {
        if (!lad->total[l])
            continue;
        bool reached = scs_ladder_reached(lad, l);
        if (!next && l > achieved)
            next = l;
        json_t *r = json_pack(
            "{s:s, s:s, s:I, s:I, s:b}", "level", scs_level_name(l), "scheme",
            l <= 2 ? "SECURITY ACTION" : "SCS", "met", (json_int_t)lad->met[l],
            "total", (json_int_t)lad->total[l], "reached", reached);
        if (json_array_append_new(arr, r) != 0)
            return MM_ENOMEM;
    }
    json_t *n = next ? json_string(scs_level_name(next)) : json_null();
    return json_object_set_new(doc, "next", n) == 0 ? MM_OK : MM_ENOMEM;
}

static mm_rc build_doc(mm_scs_assessment *as, const mm_scs_answers *ans,
                       mm_scs_evidence *const *ev, const bool *stale,
                       size_t n_ev, const char *today, const scs_ladder *lad)
{
    const mm_scs_catalogue *cat = as->cat;
    char sha[65];
    scs_hex(cat->sha256, 32, sha);
    const char *date =
        scs_answers_date(ans)[0] ? scs_answers_date(ans) : today;
    unsigned met3 = lad->met[3], tot3 = lad->total[3];
    unsigned met4 = met3 + lad->met[4], tot4 = tot3 + lad->total[4];
    json_t *doc = json_pack(
        "{s:s, s:s, s:{s:s, s:s, s:b, s:I, s:I}, s:O, s:s, s:s, s:s,"
        " s:{s:{s:I, s:I}, s:{s:I, s:I}}, s:[], s:[], s:[], s:[], s:o}",
        "format", "mamori-scs-assessment 1", "tool", "mamori " MM_VERSION,
        "catalogue", "version", cat->version, "sha256", sha, "partial",
        cat->partial, "items", (json_int_t)cat->n_items, "items_total_4",
        (json_int_t)cat->items_total4, "organisation", scs_answers_org(ans),
        "assessed_at", date, "target", scs_level_name(as->target), "achieved",
        scs_level_name(as->achieved), "levels", "3", "met", (json_int_t)met3,
        "total", (json_int_t)tot3, "4", "met", (json_int_t)met4, "total",
        (json_int_t)tot4, "items", "gaps", "contradictions", "evidence",
        "tier", tier_json(as->target, scs_answers_org(ans)));
    if (!doc)
        return MM_ENOMEM;
    as->doc = doc;
    json_t *items = json_object_get(doc, "items");
    json_t *gaps = json_object_get(doc, "gaps");
    json_t *contra = json_object_get(doc, "contradictions");
    json_t *evs = json_object_get(doc, "evidence");
    for (size_t i = 0; i < as->n_rows; i++) {
        const row *r = &as->rows[i];
        if (json_array_append_new(items, item_json(cat, r, ans)) != 0)
            return MM_ENOMEM;
        if (!r->met && scs_level_needs(as->target, r->level)) {
            if (json_array_append_new(gaps, gap_json(cat, r)) != 0)
                return MM_ENOMEM;
            as->n_gaps++;
        }
        if (r->status == MM_SCS_ST_CONTRADICTED) {
            if (json_array_append_new(contra, contra_json(cat, r)) != 0)
                return MM_ENOMEM;
            as->n_contra++;
        }
    }
    for (size_t e = 0; e < n_ev; e++) {
        json_t *sum = scs_evidence_summary(ev[e]);
        if (!sum ||
            json_object_set_new(sum, "stale", json_boolean(stale[e])) != 0) {
            json_decref(sum); /* not yet owned by the document */
            return MM_ENOMEM;
        }
        if (json_array_append_new(evs, sum) != 0)
            return MM_ENOMEM;
    }
    if (lad->total[1] + lad->total[2] > 0) {
        /* SECURITY ACTION rungs: "1" its own items, "2" up to ★2 */
        json_t *lv = json_object_get(doc, "levels");
        if (json_object_set_new(lv, "1",
                                json_pack("{s:I, s:I}", "met",
                                          (json_int_t)lad->met[1], "total",
                                          (json_int_t)lad->total[1])) ||
            json_object_set_new(
                lv, "2",
                json_pack("{s:I, s:I}", "met",
                          (json_int_t)(lad->met[1] + lad->met[2]), "total",
                          (json_int_t)(lad->total[1] + lad->total[2]))) ||
            ladder_json(doc, lad, as->achieved) != MM_OK)
            return MM_ENOMEM;
    }
    if (cat->note_ja &&
        json_object_set_new(json_object_get(doc, "catalogue"), "note_ja",
                            json_string(cat->note_ja)))
        return MM_ENOMEM;
    if (cat->note_en &&
        json_object_set_new(json_object_get(doc, "catalogue"), "note_en",
                            json_string(cat->note_en)))
        return MM_ENOMEM;
    return MM_OK;
}

mm_rc mm_scs_assess(const mm_scs_catalogue *cat, const mm_scs_answers *ans,
                    mm_scs_evidence *const *ev, size_t n_ev,
                    const char *previous, size_t previous_len,
                    const char *previous_name, const char *today,
                    mm_scs_assessment **out, mm_err *err)
{
    *out = NULL;
    if (!today || !scs_date_ok(today))
        return mm_err_set(err, MM_EINVAL, "--today", 0,
                          "日付が正しくありません / "
                          "not a date YYYY-MM-DD: '%.16s'",
                          today ? today : "");
    mm_scs_assessment *as = calloc(1, sizeof *as);
    size_t n = 0;
    for (size_t i = 0; i < cat->n_items; i++)
        n += cat->items[i].n_crit;
    if (as)
        as->rows = calloc(n ? n : 1, sizeof *as->rows);
    if (!as || !as->rows) {
        mm_scs_assessment_free(as);
        return mm_err_set(err, MM_ENOMEM, "", 0, "out of memory");
    }
    as->cat = cat;
    as->target = mm_scs_answers_target(ans);
    const json_t *inv = scs_answers_inventory(ans);
    const char *date =
        scs_answers_date(ans)[0] ? scs_answers_date(ans) : today;
    int64_t day = mm_time_from_civil((int)strtol(date, NULL, 10),
                                     (int)strtol(date + 5, NULL, 10),
                                     (int)strtol(date + 8, NULL, 10), 0, 0, 0);
    bool stale[MM_SCS_EVIDENCE_FILES_MAX] = {false};
    if (n_ev > MM_SCS_EVIDENCE_FILES_MAX) {
        mm_scs_assessment_free(as);
        return mm_err_set(err, MM_ELIMIT, "--evidence", 0,
                          "too many evidence files");
    }
    for (size_t e = 0; e < n_ev; e++) {
        int64_t t = scs_evidence_time(ev[e]);
        stale[e] = t < day - (int64_t)EVIDENCE_STALE_DAYS * 86400 ||
                   t > day + 2 * 86400;
    }
    mm_rc rc = MM_OK;
    for (size_t i = 0; i < cat->n_items && rc == MM_OK; i++)
        for (unsigned c = 0; c < cat->items[i].n_crit && rc == MM_OK; c++) {
            row *r = &as->rows[as->n_rows++];
            r->item = i;
            r->ci = c;
            r->level = cat->items[i].crit[c].level;
            r->answer = scs_answers_at(ans, i, c);
            rc = eval_row(r, &cat->items[i].crit[c], ev, stale, n_ev, inv);
        }
    if (rc == MM_OK) {
        scs_ladder lad;
        memset(&lad, 0, sizeof lad);
        for (size_t i = 0; i < as->n_rows; i++)
            scs_ladder_add(&lad, as->rows[i].level, as->rows[i].met);
        as->achieved = scs_ladder_achieved(&lad);
        rc = build_doc(as, ans, ev, stale, n_ev, today, &lad);
    }
    if (rc != MM_OK) {
        mm_scs_assessment_free(as);
        return mm_err_set(err, rc, "", 0, "out of memory");
    }
    if (previous) {
        json_t *ren;
        rc = renewal_json(as, previous, previous_len,
                          previous_name ? previous_name : "<previous>", &ren,
                          err);
        if (rc == MM_OK && json_object_set_new(as->doc, "renewal", ren) != 0)
            rc = mm_err_set(err, MM_ENOMEM, "", 0, "out of memory");
        if (rc != MM_OK) {
            mm_scs_assessment_free(as);
            return rc;
        }
    }
    *out = as;
    return MM_OK;
}
