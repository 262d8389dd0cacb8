/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scs-int.h — helpers shared by the files of the scs module. Not part of
 * the public surface (that is scs.h); nothing outside src/scs includes it.
 */
#ifndef MM_SCS_INT_H
#define MM_SCS_INT_H

#include "scs.h"

#include <jansson.h>

/* True when p[0..n) is valid UTF-8 without NUL or C0 controls other than
 * tab (text values of the catalogue and answers). */
bool scs_text_ok(const char *p, size_t n);
/* True when s is a string of at most `max` bytes that scs_text_ok accepts
 * (the check of every bounded text field of the answers, evidence and
 * signatures); false for NULL. */
bool scs_str_ok(const char *s, size_t max);
/* True for "N-N-N" with 1–3 digits per part. */
bool scs_id_ok(const char *s);
/* True for a real calendar date "YYYY-MM-DD" (years 2000–2999). */
bool scs_date_ok(const char *s);
/* Tenant ids as the hub has them: letters, digits, '.', '_', '-', 1..64. */
bool scs_tenant_ok(const char *s);
/* Assessor ids: letters, digits and '-', 1..32. */
bool scs_assessor_id_ok(const char *s);
/* Lower-case hex of `n` bytes into out (2n+1 bytes). */
void scs_hex(const uint8_t *p, size_t n, char *out);
/* 1-based line of the first occurrence of "\"key\"" in data, 0 if absent. */
unsigned scs_line_of_key(const char *data, size_t len, const char *key);
/* Parses JSON text with duplicate keys rejected; err gets line and column. */
json_t *scs_json_parse(const char *data, size_t len, const char *name,
                       mm_err *err);
/* Dumps `j` canonically (sorted keys, compact) or pretty into out. */
mm_rc scs_json_dump(const json_t *j, bool pretty, mm_buf *out);
/* Appends HTML-escaped text. */
mm_rc scs_html_esc(mm_buf *b, const char *s);
/* Level name "★3" / "★4" / "none". */
const char *scs_level_name(int level);
/* Parses "★3", "3", "★4", "4" (target) into 3/4; 0 if neither. */
int scs_level_parse(const char *s);
/* mm_file_parse, except that a missing file is MM_EIO too (as
 * mm_scs_read_file): the load of every scs document. */
mm_rc scs_file_parse(const char *path, size_t max, mm_file_parse_fn parse,
                     void *ud, mm_err *err);
/* True when a criterion of `level` is required for `target`: ★1/★2
 * (SECURITY ACTION) need the levels up to it, ★3/★4 (SCS) the SCS levels
 * up to it. */
bool scs_level_needs(int target, int level);
/* Met / total criteria per level (1..4): the ★ ladder. */
typedef struct scs_ladder {
    unsigned met[5], total[5];
} scs_ladder;
void scs_ladder_add(scs_ladder *l, int level, bool met);
/* Every criterion rung `level` needs is met (and it needs at least one). */
bool scs_ladder_reached(const scs_ladder *l, int level);
/* The highest rung reached: 4, 3 (SCS), 2, 1 (SECURITY ACTION) or 0. */
int scs_ladder_achieved(const scs_ladder *l);
/* A name in the documents and its Japanese and English labels: one row of
 * the tables of categories, help types and statuses. */
typedef struct {
    const char *name, *ja, *en;
} scs_names;
/* The index of the row called `name` in t[0..n), or -1. */
int scs_names_find(const scs_names *t, size_t n, const char *name);
/* The row's label in `lang`; `name` itself when no row has it. */
const char *scs_names_label(const scs_names *t, size_t n, const char *name,
                            mm_scs_lang lang);
/* Category from its name; false when unknown. */
bool scs_category_from_name(const char *s, mm_scs_category *out);

/* ---- answers internals (answers.c) ---- */
mm_scs_answer scs_answers_at(const mm_scs_answers *a, size_t item,
                             unsigned ci);
const char *scs_answers_note(const mm_scs_answers *a, size_t item);
const json_t *scs_answers_org(const mm_scs_answers *a);
const json_t *scs_answers_inventory(const mm_scs_answers *a);
const char *scs_answers_date(const mm_scs_answers *a); /* "" if not given */

/* ---- evidence internals (evidence.c) ---- */
typedef enum scs_verdict {
    SCS_EV_NONE = 0,   /* says nothing either way */
    SCS_EV_SUPPORTS,   /* shows the criterion is met */
    SCS_EV_CONTRADICTS /* shows it is not */
} scs_verdict;

/* The status of a criterion from its answer and the evidence verdict (the
 * rule table of docs/scs.md). */
mm_scs_status scs_status_from(mm_scs_answer answer, scs_verdict verdict);
/* Evaluates one probe of a criterion against one evidence file; writes the
 * reason in both languages. `inventory` is the answers' inventory or NULL. */
scs_verdict scs_evidence_eval(const mm_scs_evidence *ev,
                              const mm_scs_probe *pr, const json_t *inventory,
                              char *why_ja, size_t ja_len, char *why_en,
                              size_t en_len);
/* {"source","tenant","generated_at","window_days","sha256"} (new ref). */
json_t *scs_evidence_summary(const mm_scs_evidence *ev);
/* When the evidence's state was taken (generated_at, seconds). */
int64_t scs_evidence_time(const mm_scs_evidence *ev);
/* "source:tenant" label for findings. */
const char *scs_evidence_label(const mm_scs_evidence *ev);
/* Parses RFC 3339 ("2026-11-20T10:00:00Z", offsets, fractions) to seconds. */
bool scs_time_parse(const char *s, int64_t *out);
/* mm_cidr_parse of "a.b.c.d/nn" or "v6/nn" (the length is required). */
bool scs_cidr_parse(const char *s, mm_cidr *out);

/* ---- reports (report-text.c) ---- */
typedef struct scs_doc {
    json_t *root;       /* owns everything */
    const json_t *a;    /* the assessment */
    const json_t *conf; /* confirmation, or NULL */
} scs_doc;
/* Opens an assessment or confirmed document for rendering. */
mm_rc scs_doc_open(scs_doc *d, const char *text, size_t len, mm_err *err);
void scs_doc_close(scs_doc *d);
/* String member or "" */
const char *scs_jstr(const json_t *o, const char *key);
/* One line: every rung of the document's "ladder" (met/total, reached)
 * and the next rung; HTML-safe (only catalogue level names and numbers). */
mm_rc scs_ladder_text(const json_t *a, mm_scs_lang lang, bool html, mm_buf *o);
/* Label of a status name in the language (assess.c, beside the names). */
const char *scs_status_label(const char *status, mm_scs_lang lang);
/* Label of an answer name in the language. */
const char *scs_answer_label(const char *answer, mm_scs_lang lang);
/* Label of a help name: "ITツールで対応" / "規程・ルールづくり" ... */
const char *scs_help_label(const char *help, mm_scs_lang lang);
/* Category label from its name. */
const char *scs_category_label(const char *name, mm_scs_lang lang);

#endif
