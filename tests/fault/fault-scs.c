/* SPDX-License-Identifier: Apache-2.0 */
/* fault-scs.c — allocation failures in the supply-chain self-assessment:
 * catalogue, answers and evidence files, the assessment and its reports. */
#include "fault.h"
#include "scs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The catalogue, made once outside the counted part (kept for the process)
 * for the scenarios that are not about loading it. */
static const mm_scs_catalogue *catalogue(void)
{
    static mm_scs_catalogue *cat;
    char cp[1024];
    if (!cat)
        mm_scs_catalogue_load(
            fault_src("data/scs/catalogue.txt", cp, sizeof cp), &cat, NULL);
    return cat;
}

static mm_rc sc_catalogue(mm_buf *out, mm_err *err)
{
    char cp[1024];
    mm_scs_catalogue *cat = NULL;
    mm_rc rc = mm_scs_catalogue_load(
        fault_src("data/scs/catalogue.txt", cp, sizeof cp), &cat, err);
    if (rc == MM_OK)
        rc = mm_scs_catalogue_table(cat, 4, MM_SCS_EN, out);
    if (rc == MM_OK)
        rc = mm_scs_catalogue_json(cat, 3, out);
    mm_scs_catalogue_free(cat);
    return rc;
}

/* Answers (+ evidence) → assessment JSON in `out`. */
static mm_rc assess(const char *answers, const char *evidence, mm_buf *out,
                    mm_err *err)
{
    char ap[1024], ep[1024];
    const mm_scs_catalogue *cat = catalogue();
    if (!cat)
        return MM_EINTERNAL;
    mm_scs_answers *ans = NULL;
    mm_scs_evidence *ev = NULL;
    mm_scs_assessment *as = NULL;
    mm_rc rc =
        mm_scs_answers_load(fault_src(answers, ap, sizeof ap), cat, &ans, err);
    if (rc == MM_OK && evidence)
        rc =
            mm_scs_evidence_load(fault_src(evidence, ep, sizeof ep), &ev, err);
    if (rc == MM_OK)
        rc = mm_scs_assess(cat, ans, ev ? &ev : NULL, ev ? 1 : 0, NULL, 0,
                           NULL, "2026-11-21", &as, err);
    if (rc == MM_OK)
        rc = mm_scs_assessment_json(as, false, out);
    mm_scs_assessment_free(as);
    mm_scs_evidence_free(ev);
    mm_scs_answers_free(ans);
    return rc;
}

static mm_rc sc_star3(mm_buf *out, mm_err *err)
{
    return assess("tests/data/scs/star3.json", NULL, out, err);
}

static mm_rc sc_star4_evidence(mm_buf *out, mm_err *err)
{
    return assess("tests/data/scs/star4.json",
                  "tests/data/scs/evidence-contradicts.json", out, err);
}

/* Text and HTML reports of a ★4 assessment made once, outside. */
static mm_rc sc_reports(mm_buf *out, mm_err *err)
{
    static mm_buf js;
    if (!js.data) {
        mm_buf_init(&js, MM_SCS_REPORT_MAX);
        if (assess("tests/data/scs/star4.json",
                   "tests/data/scs/evidence-good.json", &js, err) != MM_OK)
            return MM_EINTERNAL;
    }
    mm_rc rc = mm_scs_report_text(js.data, js.len, MM_SCS_JA, out, err);
    if (rc == MM_OK)
        rc = mm_scs_report_html(js.data, js.len, MM_SCS_EN, false, out, err);
    return rc;
}

/* Expert confirmation of the assessment, then verification. */
static mm_rc sc_sign(mm_buf *out, mm_err *err)
{
    static mm_buf js;
    static char pk[MM_SCS_PK_HEX + 1], sk[MM_SCS_SK_HEX + 1];
    if (!js.data) {
        mm_buf_init(&js, MM_SCS_REPORT_MAX);
        if (assess("tests/data/scs/star3.json", NULL, &js, err) != MM_OK ||
            mm_scs_keygen(pk, sk) != MM_OK)
            return MM_EINTERNAL;
    }
    mm_scs_expert ex = {"山田 太郎", "012345", "2026-11-21", NULL};
    mm_buf conf;
    mm_buf_init(&conf, MM_SCS_REPORT_MAX);
    mm_rc rc = mm_scs_confirm(js.data, js.len, "a.json", &ex, sk, &conf, err);
    if (rc == MM_OK)
        rc = mm_scs_verify(conf.data, conf.len, "c.json", pk, err);
    if (rc == MM_OK)
        rc = mm_buf_printf(out, "%zu bytes confirmed", conf.len);
    mm_buf_free(&conf);
    return rc;
}

int main(void)
{
    static const fault_scenario sc[] = {
        {"scs catalogue", sc_catalogue, false, false},
        {"scs assess star3", sc_star3, false, false},
        {"scs assess star4+evidence", sc_star4_evidence, false, false},
        {"scs reports", sc_reports, false, false},
        {"scs confirm+verify", sc_sign, false, false},
    };
    return fault_main("fault-scs", sc, sizeof sc / sizeof *sc);
}
