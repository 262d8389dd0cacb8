/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-scs-answers.c — every JSON input of the scs module on the same
 * bytes: answers (then the full assessment and its reports), evidence,
 * a previous assessment (renewal), a report document and a confirmed
 * document (verify). */
#include "scs.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char catalogue[] =
    "format = mamori-scs-catalogue 1\nversion = fuzz\nsource = fuzz\ncoverage "
    "= partial\n"
    "[item 1-2-1]\ncategory = governance\ncsf = GV\nkind = "
    "organisational\nlevel = 3\n"
    "group_ja = g\ngroup_en = g\ntext_ja = t\ntext_en = t\nhelp = "
    "role\nnext_ja = n\nnext_en = n\n"
    "[item 3-1-1]\ncategory = identify\ncsf = ID\nkind = technical\nlevel = "
    "3\n"
    "group_ja = g\ngroup_en = g\ntext_ja = t\ntext_en = t\nhelp = "
    "it-tool\nnext_ja = n\nnext_en = n\n"
    "evidence = hosts\n"
    "[item 3-1-2]\ncategory = identify\ncsf = ID\nkind = technical\nlevel = "
    "3\n"
    "group_ja = g\ngroup_en = g\ntext_ja = t\ntext_en = t\nhelp = "
    "it-tool\nnext_ja = n\nnext_en = n\n"
    "evidence = networks\n"
    "[item 4-5-2]\ncategory = protect\ncsf = PR\nkind = technical\nlevel = 4\n"
    "group_ja = g\ngroup_en = g\ntext_ja = t\ntext_en = t\nhelp = "
    "it-tool\nnext_ja = n\nnext_en = n\n"
    "evidence = feed within 7d; check:auth_compromise within 30d\n"
    "[item 5-1-1]\ncategory = detect\ncsf = DE\nkind = technical\nlevel = "
    "3+4\n"
    "group_ja = g\ngroup_en = g\ntext_ja = t\ntext_en = t\nhelp = "
    "it-tool\nnext_ja = n\nnext_en = n\n"
    "evidence = seen:netfilter|kv within 7d; denied:netfilter within 30d\n"
    "group4_ja = g\ngroup4_en = g\ntext4_ja = t\ntext4_en = t\nhelp4 = "
    "it-tool\n"
    "next4_ja = n\nnext4_en = n\nevidence4 = seen:* within 1d\n";

static const char answers_ok[] =
    "{\"organisation\":{\"name\":\"f\"},\"target\":\"★4\",\"answers\":{\"1-2-"
    "1\":\"yes\"},"
    "\"inventory\":{\"hosts\":3,\"networks\":[\"10.0.0.0/8\"]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mm_scs_catalogue *cat;
    if (!cat && mm_scs_catalogue_parse(catalogue, sizeof catalogue - 1, "cat",
                                       &cat, NULL) != MM_OK)
        __builtin_trap();
    const char *text = (const char *)data;
    mm_err err;
    mm_buf b;
    mm_buf_init(&b, MM_SCS_REPORT_MAX);

    /* as answers */
    mm_scs_answers *ans = NULL;
    mm_scs_evidence *ev = NULL;
    mm_scs_assessment *as = NULL;
    if (mm_scs_answers_parse(text, size, "a", cat, &ans, &err) == MM_OK &&
        mm_scs_assess(cat, ans, NULL, 0, NULL, 0, NULL, "2026-11-21", &as,
                      &err) == MM_OK) {
        mm_scs_assessment_json(as, false, &b);
        mm_buf out;
        mm_buf_init(&out, MM_SCS_REPORT_MAX);
        mm_scs_report_html(b.data, b.len, MM_SCS_JA, false, &out, &err);
        mm_buf_reset(&out);
        mm_scs_report_text(b.data, b.len, MM_SCS_EN, &out, &err);
        mm_buf_free(&out);
        mm_scs_assessment_free(as);
        as = NULL;
    }
    mm_scs_answers_free(ans);
    ans = NULL;

    /* as evidence and as a previous assessment, with fixed answers */
    mm_buf_reset(&b);
    if (mm_scs_answers_parse(answers_ok, sizeof answers_ok - 1, "a", cat, &ans,
                             &err) != MM_OK)
        __builtin_trap();
    mm_rc erc = mm_scs_evidence_parse(text, size, "e", &ev, &err);
    if (mm_scs_assess(cat, ans, erc == MM_OK ? &ev : NULL,
                      erc == MM_OK ? 1 : 0, text, size, "p", "2026-11-21", &as,
                      &err) == MM_OK) {
        mm_scs_assessment_json(as, true, &b);
        mm_scs_assessment_free(as);
    }
    mm_scs_evidence_free(ev);
    mm_scs_answers_free(ans);

    /* as a report document and a confirmed document */
    mm_buf_reset(&b);
    mm_scs_report_html(text, size, MM_SCS_EN, true, &b, &err);
    mm_buf_reset(&b);
    mm_scs_report_text(text, size, MM_SCS_JA, &b, &err);
    (void)mm_scs_verify(text, size, "c", NULL, &err);
    mm_buf_free(&b);
    return 0;
}
