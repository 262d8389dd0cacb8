/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scs.h — the SCS (supply-chain security evaluation scheme, SCS評価制度)
 * ★3/★4 diagnosis: the requirement catalogue (data), answers, automatic
 * evidence from a mamori sensor or hub, the ★ decision, the gap list, the
 * suggested service tier, renewal, reports, and the expert's signed
 * confirmation. This header is the module's whole public surface.
 *
 * Ownership: every *_load/_new returns an object the caller frees with the
 * matching *_free (free of NULL is a no-op). Errors go into a caller-owned
 * mm_err, written only on failure. Nothing here prints.
 */
#ifndef MM_SCS_H
#define MM_SCS_H

#include "core.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- limits (default, and the threat each one guards) ------------------ */

/* a catalogue, answers or assessment file */
#define MM_SCS_FILE_MAX (1024u * 1024u)
#define MM_SCS_EVIDENCE_MAX (4u * 1024u * 1024u) /* one evidence file */
#define MM_SCS_ITEMS_MAX 512u                    /* items in a catalogue */
#define MM_SCS_TEXT_MAX 2048u                    /* one text value, bytes */
#define MM_SCS_ID_MAX 16u                        /* "4-5-2" and the like */
#define MM_SCS_PROBES_MAX 4u          /* evidence probes per criterion */
#define MM_SCS_PROBE_DS_MAX 8u        /* datasets named by one probe */
#define MM_SCS_EVIDENCE_FILES_MAX 16u /* --evidence given at most so often */
#define MM_SCS_NETWORKS_MAX 4096u     /* networks in an evidence file */
#define MM_SCS_REPORT_MAX (16u * 1024u * 1024u) /* any rendered output */

/* ---- catalogue ------------------------------------------------------------
 */

/* The 7 categories of the scheme: the six NIST CSF functions plus
 * business-partner management. */
typedef enum mm_scs_category {
    MM_SCS_CAT_GOVERNANCE = 0, /* "governance" ガバナンスの整備 (GV) */
    MM_SCS_CAT_PARTNERS,       /* "partners"   取引先管理 */
    MM_SCS_CAT_IDENTIFY,       /* "identify"   リスクの特定 (ID) */
    MM_SCS_CAT_PROTECT,        /* "protect"    攻撃等の防御 (PR) */
    MM_SCS_CAT_DETECT,         /* "detect"     攻撃等の検知 (DE) */
    MM_SCS_CAT_RESPOND, /* "respond"    インシデントへの対応 (RS) */
    MM_SCS_CAT_RECOVER, /* "recover"    インシデントからの復旧 (RC) */
    MM_SCS_CAT_COUNT
} mm_scs_category;

typedef enum mm_scs_kind {
    MM_SCS_KIND_TECHNICAL = 0, /* "technical" */
    MM_SCS_KIND_ORGANISATIONAL /* "organisational" */
} mm_scs_kind;

/* What closes a gap: an IT tool, or non-IT help of one of four sorts. */
typedef enum mm_scs_help {
    MM_SCS_HELP_IT_TOOL = 0, /* "it-tool"   ITツール */
    MM_SCS_HELP_POLICY,      /* "policy"    規程・ルールづくり */
    MM_SCS_HELP_PROCEDURE,   /* "procedure" 手順書づくり */
    MM_SCS_HELP_TRAINING,    /* "training"  教育・訓練 */
    MM_SCS_HELP_ROLE,        /* "role"      担当・体制づくり */
    MM_SCS_HELP_COUNT
} mm_scs_help;

/* Evidence probes (see docs/scs.md, "evidence = ..."). */
typedef enum mm_scs_probe_kind {
    MM_SCS_PROBE_SEEN = 0, /* seen:ds|ds within Nd — logs of these datasets */
    MM_SCS_PROBE_DENIED, /* denied:ds|ds within Nd — a firewall denied traffic
                          */
    MM_SCS_PROBE_HOSTS, /* hosts — hosts observed vs the declared inventory */
    MM_SCS_PROBE_NETWORKS, /* networks — networks observed vs the inventory */
    MM_SCS_PROBE_FEED, /* feed within Nd — shared feed applied and blocking */
    MM_SCS_PROBE_CHECK /* check:NAME within Nd — a finding the hub derived
                          (name in datasets[0]) */
} mm_scs_probe_kind;

typedef struct mm_scs_probe {
    mm_scs_probe_kind kind;
    unsigned within_days; /* 0 when the probe has no window */
    bool any_dataset;     /* "*" */
    unsigned n_datasets;
    char datasets[MM_SCS_PROBE_DS_MAX][24];
} mm_scs_probe;

/* One criterion of an item at one level. A ★3 criterion is also required
 * at ★4; an item listed again at ★4 with a stricter wording has a second
 * criterion with level 4. */
typedef struct mm_scs_criterion {
    int level;                 /* 3 or 4 */
    char *group_ja, *group_en; /* heading it is listed under */
    char *text_ja, *text_en;   /* the published wording and its translation */
    mm_scs_help help;
    char *next_ja, *next_en; /* concrete next step when unmet */
    unsigned n_probes;
    mm_scs_probe probes[MM_SCS_PROBES_MAX];
} mm_scs_criterion;

typedef struct mm_scs_item {
    char id[MM_SCS_ID_MAX];
    unsigned line; /* catalogue line of its [item] header */
    mm_scs_category category;
    char csf[4]; /* "GV", "ID", "PR", "DE", "RS", "RC" or "-" */
    mm_scs_kind kind;
    bool has_also; /* also listed under a second category */
    mm_scs_category also_category;
    char *also_ja, *also_en; /* the wording there */
    unsigned n_crit;         /* 1, or 2 when stricter at ★4 */
    mm_scs_criterion crit[2];
} mm_scs_item;

typedef struct mm_scs_catalogue {
    char *path;
    char *version;
    char *source;
    char *note_ja, *note_en;
    bool partial;          /* "coverage = partial" */
    unsigned items_total4; /* items the source says ★4 has, 0 if not stated */
    uint8_t sha256[32];    /* of the file's bytes */
    size_t n_items;
    mm_scs_item *items;
    /* How long a confirmation of ★N stays valid, in days (valid_days_N;
     * 0 = not stated), and where that figure comes from (valid_source). */
    unsigned valid_days[5];
    char *valid_source;
    /* Every string above, owned by the catalogue and freed with it. */
    char **strings;
    size_t n_strings;
} mm_scs_catalogue;

/* Parses a catalogue from memory; `name` is used in error messages.
 * On failure returns MM_EPARSE/MM_ELIMIT/MM_ENOMEM with err naming file,
 * line and reason, and *out is NULL. */
mm_rc mm_scs_catalogue_parse(const char *data, size_t len, const char *name,
                             mm_scs_catalogue **out, mm_err *err);
/* Reads `path` (at most MM_SCS_FILE_MAX bytes) and parses it. */
mm_rc mm_scs_catalogue_load(const char *path, mm_scs_catalogue **out,
                            mm_err *err);
void mm_scs_catalogue_free(mm_scs_catalogue *cat);
/* The item with this ID, or NULL. */
const mm_scs_item *mm_scs_catalogue_find(const mm_scs_catalogue *cat,
                                         const char *id);

const char *mm_scs_category_name(mm_scs_category c); /* "governance" */
const char *mm_scs_kind_name(mm_scs_kind k);         /* "technical" */
const char *mm_scs_help_name(mm_scs_help h);         /* "it-tool" */

/* ---- answers ---------------------------------------------------------------
 */

typedef enum mm_scs_answer {
    MM_SCS_UNKNOWN = 0, /* "unknown" (also: left out) */
    MM_SCS_YES,         /* "yes" */
    MM_SCS_NO           /* "no" */
} mm_scs_answer;

const char *mm_scs_answer_name(mm_scs_answer a);

typedef struct mm_scs_answers mm_scs_answers; /* opaque */

/* Parses an answers file (JSON, docs/scs.md) against the catalogue. An
 * unknown requirement ID, a per-level answer for a level the item does not
 * have, a bad value or malformed JSON is MM_EPARSE with err saying which.
 * `cat` must outlive the answers. */
mm_rc mm_scs_answers_parse(const char *data, size_t len, const char *name,
                           const mm_scs_catalogue *cat, mm_scs_answers **out,
                           mm_err *err);
mm_rc mm_scs_answers_load(const char *path, const mm_scs_catalogue *cat,
                          mm_scs_answers **out, mm_err *err);
void mm_scs_answers_free(mm_scs_answers *a);
/* The answer for (item, level); MM_SCS_UNKNOWN when left out. */
mm_scs_answer mm_scs_answers_get(const mm_scs_answers *a, const char *id,
                                 int level);
const char *mm_scs_answers_org_name(const mm_scs_answers *a);
int mm_scs_answers_target(const mm_scs_answers *a); /* 3 or 4 */

/* ---- evidence --------------------------------------------------------------
 */

typedef struct mm_scs_evidence mm_scs_evidence; /* opaque; one file each */

/* Parses an evidence file written by a sensor or the hub (docs/scs.md). */
mm_rc mm_scs_evidence_parse(const char *data, size_t len, const char *name,
                            mm_scs_evidence **out, mm_err *err);
mm_rc mm_scs_evidence_load(const char *path, mm_scs_evidence **out,
                           mm_err *err);
void mm_scs_evidence_free(mm_scs_evidence *ev);

/* What a sensor or the hub knows, for writing an evidence file. */
typedef struct mm_scs_dataset_seen {
    const char *name;     /* ECS event.dataset, e.g. "netfilter" */
    int64_t last_seen_ms; /* 0 = never */
    uint64_t events;
    uint64_t denied; /* firewall denies among them */
} mm_scs_dataset_seen;

typedef struct mm_scs_evidence_state {
    const char *source; /* "sensor" or "hub" */
    const char *tenant; /* may be NULL */
    int64_t generated_at_ms;
    unsigned window_days;
    const mm_scs_dataset_seen *datasets;
    size_t n_datasets;
    bool has_hosts;
    uint64_t hosts_observed;
    const char *const *networks; /* CIDRs; NULL = not known */
    size_t n_networks;
    bool has_feed;
    bool feed_applied;
    int64_t feed_last_pull_ms;         /* 0 = never */
    const char *blocking;              /* "nftables", "none", ... */
    const struct mm_scs_check *checks; /* findings ("checks"), may be NULL */
    size_t n_checks;
} mm_scs_evidence_state;

/* A finding the hub derives from what it stored (docs/scs.md "Evidence
 * produced by the hub"): whether it is ok, when the newest data behind it
 * is from, and the source (rule, alert id, the log lines). */
#define MM_SCS_CHECKS_MAX 16u
#define MM_SCS_CHECK_LINES_MAX 8u
typedef struct mm_scs_check {
    const char *name; /* e.g. "auth_compromise" */
    bool ok;
    int64_t last_seen_ms; /* newest data behind it; 0 = none */
    const char *source;   /* e.g. "alert auth.vpn.success_after_failures" */
    const char *detail_ja, *detail_en;
    const char *const *lines; /* source log lines, at most 8 */
    size_t n_lines;
} mm_scs_check;

/* Appends the evidence file for `st` (JSON, docs/scs.md) to out. The result
 * is checked with mm_scs_evidence_parse, so what is written is always
 * accepted by `mamori scs assess --evidence`; MM_EINVAL otherwise. */
mm_rc mm_scs_evidence_write(const mm_scs_evidence_state *st, mm_buf *out,
                            mm_err *err);

/* ---- assessment ------------------------------------------------------------
 */

typedef struct mm_scs_assessment mm_scs_assessment; /* opaque */

/* Per-criterion outcome. */
typedef enum mm_scs_status {
    MM_SCS_ST_MET = 0, /* "met": answered yes, evidence agrees or is silent */
    MM_SCS_ST_MET_BY_EVIDENCE, /* "met_by_evidence": not answered, evidence
                                  supports */
    MM_SCS_ST_NOT_MET,         /* "not_met": answered no */
    MM_SCS_ST_UNKNOWN, /* "unknown": not answered, no supporting evidence */
    MM_SCS_ST_CONTRADICTED /* "contradicted": answer and evidence disagree */
} mm_scs_status;

const char *mm_scs_status_name(mm_scs_status s);

/* Runs the assessment. `ev` may be NULL/0; `previous` is the text of an
 * earlier assessment (plain or confirmed, JSON) or NULL. `today` is the
 * "YYYY-MM-DD" used when the answers carry no assessed_at. */
mm_rc mm_scs_assess(const mm_scs_catalogue *cat, const mm_scs_answers *ans,
                    mm_scs_evidence *const *ev, size_t n_ev,
                    const char *previous, size_t previous_len,
                    const char *previous_name, const char *today,
                    mm_scs_assessment **out, mm_err *err);
void mm_scs_assessment_free(mm_scs_assessment *as);

/* The level achieved: 4, 3 or 0 (none). */
int mm_scs_achieved(const mm_scs_assessment *as);
/* Status of (item, level); MM_ENOTFOUND if the catalogue has no such row. */
mm_rc mm_scs_status_of(const mm_scs_assessment *as, const char *id, int level,
                       mm_scs_status *out);
size_t mm_scs_gap_count(const mm_scs_assessment *as);
size_t mm_scs_contradiction_count(const mm_scs_assessment *as);

/* The assessment as JSON (pretty when `pretty`, otherwise the canonical
 * form: sorted keys, compact, UTF-8). */
mm_rc mm_scs_assessment_json(const mm_scs_assessment *as, bool pretty,
                             mm_buf *out);

/* ---- reports
 * ------------------------------------------------------------------- */

typedef enum mm_scs_lang { MM_SCS_JA = 0, MM_SCS_EN } mm_scs_lang;

/* Renders an assessment document (the JSON of mm_scs_assessment_json, or a
 * confirmed file) as console text or a self-contained A4 HTML report.
 * `verified` says whether the confirmation (if any) was checked and valid;
 * it is shown as such. */
mm_rc mm_scs_report_text(const char *assessment_json, size_t len,
                         mm_scs_lang lang, mm_buf *out, mm_err *err);
mm_rc mm_scs_report_html(const char *assessment_json, size_t len,
                         mm_scs_lang lang, bool verified, mm_buf *out,
                         mm_err *err);

/* Lists the catalogue: level 0 = all, 3 = required at ★3, 4 = required at ★4.
 */
mm_rc mm_scs_catalogue_table(const mm_scs_catalogue *cat, int level,
                             mm_scs_lang lang, mm_buf *out);
mm_rc mm_scs_catalogue_json(const mm_scs_catalogue *cat, int level,
                            mm_buf *out);

/* ---- expert confirmation (Ed25519) ----------------------------------------
 */

#define MM_SCS_PK_HEX 64  /* public key, hex characters */
#define MM_SCS_SK_HEX 128 /* secret key, hex characters */

/* Makes a key pair as lower-case hex (NUL-terminated). */
mm_rc mm_scs_keygen(char pk_hex[MM_SCS_PK_HEX + 1],
                    char sk_hex[MM_SCS_SK_HEX + 1]);

typedef struct mm_scs_expert {
    const char *name;            /* 登録セキスペ's name */
    const char *registration_no; /* 6 digits, e.g. "012345" */
    const char *date;            /* YYYY-MM-DD */
    const char *tenant; /* the hub tenant it is for ("tenant"), or NULL */
} mm_scs_expert;

/* True when `s` is a registration number of the right shape (6 digits). */
bool mm_scs_registration_no_valid(const char *s);

/* Signs an assessment document (JSON text as written by `assess --format
 * json`) and writes the confirmed document (canonical JSON + "\n") to out. */
mm_rc mm_scs_confirm(const char *assessment_json, size_t len, const char *name,
                     const mm_scs_expert *expert, const char *sk_hex,
                     mm_buf *out, mm_err *err);

/* Checks a confirmed document. Returns MM_OK when it is canonical and the
 * signature is valid (and, when `pk_hex` is non-NULL, made by that key);
 * MM_EINVAL when it was altered or signed by another key (err says why);
 * MM_EPARSE when it is not a confirmed document at all. */
mm_rc mm_scs_verify(const char *confirmed_json, size_t len, const char *name,
                    const char *pk_hex, mm_err *err);

/* ---- small helpers shared with the CLI ------------------------------------
 */

/* Reads a whole file of at most `max` bytes into a NUL-terminated heap
 * buffer (*out, caller frees): mm_file_read, except that a missing file is
 * MM_EIO too. MM_EIO / MM_ELIMIT with err set. */
mm_rc mm_scs_read_file(const char *path, size_t max, char **out, size_t *len,
                       mm_err *err);

/* ---- the chain of trust (trust.c, sign.c, util.c) ---------------------- */

/* Where the catalogue is: `given`, else $MAMORI_SCS_CATALOGUE, next to the
 * binary (../data, ../../data), /usr/share/mamori/scs/, then ./data. */
void mm_scs_catalogue_path(const char *given, char *out, size_t outlen);

/* True when p[0..n) is valid UTF-8 without NUL or control characters
 * other than tab (the text check of catalogues and answers). */
bool mm_scs_text_valid(const char *p, size_t n);

/* True when a criterion of `level` is required for `target` (★1/★2:
 * SECURITY ACTION levels up to it; ★3/★4: the SCS levels up to it). */
bool mm_scs_level_needs(int target, int level);

/* "★1".."★4" or "1".."4" → 1..4; 0 for anything else. */
int mm_scs_level_parse(const char *s);

/* Parses an RFC 3339 time ("2026-11-20T10:00:00Z", offsets, fractions)
 * into milliseconds since the epoch; false when it is not one. */
bool mm_scs_time_parse_ms(const char *s, int64_t *ms);

/* Days since 1970-01-01 of "YYYY-MM-DD"; -1 when it is not a date. */
int64_t mm_scs_date_days(const char *date);

/* Recomputes the ★ of an assessment or confirmed document from its own
 * per-criterion answers and evidence verdicts with `cat`'s all-items rule
 * (a criterion the document leaves out is not met). *achieved gets 4, 3 or
 * 0; *claimed the document's `achieved` (4, 3, 0 for "none", -1 when
 * missing or unreadable). MM_EPARSE when it is not an assessment. */
mm_rc mm_scs_recompute(const mm_scs_catalogue *cat, const char *doc,
                       size_t len, const char *name, int *achieved,
                       int *claimed, mm_err *err);

/* A third-party assessor (★4 needs one) countersigning a confirmation. */
typedef struct mm_scs_assessor {
    const char *name;        /* the assessing body's name */
    const char *assessor_id; /* its registry id: letters, digits, '-' */
    const char *date;        /* YYYY-MM-DD */
    const char *tenant;      /* the hub tenant it is for, or NULL */
} mm_scs_assessor;

/* Adds the assessor's Ed25519 countersignature ("assessor") to a valid
 * confirmed document; the signature covers the whole document, the
 * expert's signature included. mm_scs_verify then checks both. */
mm_rc mm_scs_countersign(const char *confirmed, size_t len, const char *name,
                         const mm_scs_assessor *as, const char *sk_hex,
                         mm_buf *out, mm_err *err);

/* ---- questions (questions.c): the criteria asked in plain words -------- */

/* The question for criterion `c` in `lang`: a published question as it is,
 * a requirement as "「…」はできていますか？" (the interview and the console
 * both ask this). */
mm_rc mm_scs_question(const mm_scs_criterion *c, mm_scs_lang lang,
                      mm_buf *out);
/* True when an item is answered per level for `target` (both criteria of a
 * ★3+★4 item asked at ★4: {"3":"yes","4":"no"}). */
bool mm_scs_question_per_level(const mm_scs_item *it, int target);
/* Every question of `target` (1..4) in catalogue order, as JSON:
 * {"target","catalogue","total","questions":[{"n","id","level",
 * "per_level","group_ja","group_en","question_ja","question_en","hint_ja",
 * "hint_en"}]}. MM_EINVAL for a bad target. */
mm_rc mm_scs_questions_json(const mm_scs_catalogue *cat, int target,
                            mm_buf *out);

/* ---- an expert's signed requests to the hub (request.c) ------------------
 */

#define MM_SCS_SIG_HEX 128 /* Ed25519 signature, hex characters */

/* Signs one request of a registered expert to the hub: Ed25519 with the
 * expert's secret key over "mamori-scs-expert-request 1\n" METHOD "\n"
 * PATH "\n" TS_MS "\n" hex(SHA-256(body)). The hub accepts it from the
 * registered public key within a few minutes of ts_ms. */
mm_rc mm_scs_request_sign(const char *sk_hex, const char *method,
                          const char *path, int64_t ts_ms, const char *body,
                          size_t len, char sig_hex[MM_SCS_SIG_HEX + 1],
                          mm_err *err);
/* True when sig_hex is pk_hex's signature of that request. */
bool mm_scs_request_verify(const char *pk_hex, const char *method,
                           const char *path, int64_t ts_ms, const char *body,
                           size_t len, const char *sig_hex);

#endif /* MM_SCS_H */
