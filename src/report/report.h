/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report.h — the monthly report for an SME's executives (`mamori hub report`,
 * docs/hub.md "Monthly report"): one or two A4 pages in plain Japanese with
 * English second — attacks seen this month and per day (a plot), what the
 * shared list recognised, warnings received, sensor coverage, the ★ status
 * from the SCS view, and the next three steps.
 *
 * Every figure is read through mm_store_ops (never SQL) and only figures the
 * store can back are printed; what the store does not measure is said to be
 * not measured. PDF through Cairo + Pango with the IPAex Gothic font
 * embedded (the text stays selectable: pdftotext gives the Japanese back);
 * HTML is one self-contained file (the plot inline as a PNG drawn with
 * Cairo). Nothing here prints.
 */
#ifndef MM_REPORT_H
#define MM_REPORT_H

#include "core.h"
#include "hub.h"

#include <stdbool.h>
#include <stdint.h>

/* The font family every report names (fonts-ipaexfont). */
#define MM_REPORT_FONT "IPAexGothic"
/* Lines of text a report holds (its size). */
#define MM_REPORT_BLOCKS_MAX 48u

typedef enum mm_report_format {
    MM_REPORT_PDF = 0,
    MM_REPORT_HTML,
    MM_REPORT_TEXT, /* UTF-8 plain text: the body of the report mail */
} mm_report_format;

/* What the store says about one tenant and one month (JST). */
typedef struct mm_report {
    char tenant[MM_HUB_ID_MAX + 1];
    char name[257];
    int year, month, days;
    int days_elapsed;        /* days of the month up to now */
    int64_t from_ms, to_ms;  /* [from, to): the month in JST */
    uint64_t per_day[31];    /* alerts per JST day */
    uint64_t alerts;         /* alerts stored this month */
    uint64_t events;         /* plain events stored this month */
    uint64_t shared_alerts;  /* alerts of rules ioc.* (the shared list) */
    unsigned days_reporting; /* days with any event or alert */
    unsigned warnings, warn_hit, warn_supplier, warn_critical;
    bool has_conf; /* a confirmed ★ assessment exists */
    int achieved;  /* its ★ (3, 4, 0 = none) */
    char confirmed_date[16];
    unsigned buyers; /* customers linked in the graph */
    unsigned buyers_requiring, buyers_unmet;
    int required_max; /* highest ★ a customer requires, 0 none */
    int64_t generated_ms;
    /* incident cases (auth10's case store), when the store keeps them */
    bool has_cases;
    unsigned cases_opened, cases_closed; /* opened / closed in the month */
    /* dropped by a blocking sensor, as its counters measured it
     * (mm_hub_blocked_month); blocked.known false: not measured */
    mm_hub_blocked blocked;
} mm_report;

/* "YYYY-MM" → year, month; MM_EINVAL otherwise. */
mm_rc mm_report_month_parse(const char *s, int *year, int *month);

/* Reads the report's figures for `tenant` and the month. MM_ENOTFOUND for
 * an unknown tenant; MM_EINVAL when the store lacks an op it needs. */
mm_rc mm_report_collect(mm_store *st, const char *tenant, int year, int month,
                        int64_t now_ms, mm_report *r, mm_err *err);

/* One line of the report, Japanese and English. */
typedef enum mm_report_kind {
    MM_RB_TITLE = 0,
    MM_RB_HEADING,
    MM_RB_TEXT,
    MM_RB_PLOT, /* the attacks-per-day plot goes here */
    MM_RB_NOTE, /* small print */
} mm_report_kind;

typedef struct mm_report_block {
    mm_report_kind kind;
    char ja[512];
    char en[512];
} mm_report_block;

/* The report as lines (what the PDF and the HTML both show); *n gets how
 * many. blocks needs MM_REPORT_BLOCKS_MAX entries. */
void mm_report_blocks(const mm_report *r, mm_report_block *blocks, size_t *n);

/* Renders the report into out (PDF bytes or HTML text). MM_EIO when Cairo
 * fails; MM_ENOMEM. */
mm_rc mm_report_render(const mm_report *r, mm_report_format f, mm_buf *out,
                       mm_err *err);

/* The plot of alerts per day as a PNG (Cairo), width × height pixels. */
mm_rc mm_report_plot_png(const mm_report *r, int width, int height,
                         mm_buf *out, mm_err *err);

/* The monthly report by mail (report_mail = on in hub.conf): queues last
 * month's report (JST) as a plain-text mail in the outbox for every e-mail
 * preference of every tenant, once per tenant and month — the outbox rows
 * and the durable flag "report-mail:TENANT:YYYY-MM" are one transaction,
 * so a restart neither loses nor repeats it. Meant as the notifier's
 * hourly job (mm_hub_mail_conf.hourly, `ud` unused); *queued (may be NULL
 * through the hourly hook) gets the rows queued. */
mm_rc mm_report_mail_due(mm_store *st, int64_t now_ms, unsigned *queued,
                         mm_err *err);
mm_rc mm_report_mail_hourly(mm_store *st, int64_t now_ms, void *ud,
                            mm_err *err);

/* Frees the process-wide font caches (Cairo's and fontconfig's) the
 * rendering filled. Only when no other thread renders: the CLI calls it
 * once before it exits. */
void mm_report_release_fonts(void);

#endif /* MM_REPORT_H */
