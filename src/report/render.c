/* SPDX-License-Identifier: Apache-2.0 */
/* render.c — the report on paper and on screen: A4 PDF through Cairo and
 * Pango (IPAex Gothic embedded, text selectable), self-contained HTML, and
 * the attacks-per-day plot drawn with Cairo. The lines come from
 * mm_report_blocks, so both forms say the same. Text is set with
 * pango_layout_set_text (never markup), so a tenant name cannot change the
 * layout. */
#include "report.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pango/pangocairo.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define A4_W 595.28
#define A4_H 841.89
#define MARGIN 48.0
#define PLOT_H 150.0

/* ---- the plot
 * ---------------------------------------------------------------
 */

/* Bars of alerts per day in (x, y, w, h), with the day numbers under every
 * fifth bar and the highest count on the left. */
static void plot(cairo_t *cr, const mm_report *r, double x, double y, double w,
                 double h)
{
    uint64_t max = 1;
    for (int d = 0; d < r->days; d++)
        if (r->per_day[d] > max)
            max = r->per_day[d];
    double left = 34, bottom = 16, pw = w - left, ph = h - bottom - 6;
    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 0.6);
    cairo_move_to(cr, x + left, y + 6);
    cairo_line_to(cr, x + left, y + 6 + ph);
    cairo_line_to(cr, x + w, y + 6 + ph);
    cairo_stroke(cr);
    double bw = pw / r->days;
    cairo_set_source_rgb(cr, 0.75, 0.22, 0.17);
    for (int d = 0; d < r->days; d++) {
        double bh = ph * (double)r->per_day[d] / (double)max;
        cairo_rectangle(cr, x + left + d * bw + bw * 0.15, y + 6 + ph - bh,
                        bw * 0.7, bh);
    }
    cairo_fill(cr);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    cairo_select_font_face(cr, MM_REPORT_FONT, CAIRO_FONT_SLANT_NORMAL,
                           CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, h / 18);
    char t[32];
    for (int d = 0; d < r->days; d += 5) {
        snprintf(t, sizeof t, "%d", d + 1);
        cairo_move_to(cr, x + left + d * bw + bw * 0.2, y + h - 3);
        cairo_show_text(cr, t);
    }
    snprintf(t, sizeof t, "%llu", (unsigned long long)max);
    cairo_move_to(cr, x + 2, y + 6 + h / 18);
    cairo_show_text(cr, t);
    cairo_move_to(cr, x + 2, y + 6 + ph);
    cairo_show_text(cr, "0");
    cairo_restore(cr);
}

static cairo_status_t to_buf(void *ud, const unsigned char *data,
                             unsigned int len)
{
    return mm_buf_append(ud, data, len) == MM_OK ? CAIRO_STATUS_SUCCESS
                                                 : CAIRO_STATUS_WRITE_ERROR;
}

mm_rc mm_report_plot_png(const mm_report *r, int width, int height,
                         mm_buf *out, mm_err *err)
{
    cairo_surface_t *s =
        cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t *cr = cairo_create(s);
    plot(cr, r, 0, 0, width, height);
    cairo_destroy(cr);
    cairo_status_t cs = cairo_surface_write_to_png_stream(s, to_buf, out);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS)
        return mm_err_set(err, MM_EIO, "report", 0, "plot: %s",
                          cairo_status_to_string(cs));
    return MM_OK;
}

/* ---- PDF ------------------------------------------------------------------
 */

typedef struct page {
    cairo_t *cr;
    PangoContext *pc; /* from the report's own font map */
    double y;
} page;

/* Sets `text` at the current position in the font `font`, in grey `g`, and
 * moves down; a new page when it would not fit. */
static void set_text(page *p, const char *text, const char *font, double g,
                     double gap)
{
    pango_cairo_update_context(p->cr, p->pc);
    PangoLayout *lay = pango_layout_new(p->pc);
    PangoFontDescription *fd = pango_font_description_from_string(font);
    pango_layout_set_font_description(lay, fd);
    pango_layout_set_width(lay, (int)((A4_W - 2 * MARGIN) * PANGO_SCALE));
    pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(lay, text, -1);
    int w, h;
    pango_layout_get_size(lay, &w, &h);
    double hh = (double)h / PANGO_SCALE;
    if (p->y + hh > A4_H - MARGIN) {
        cairo_show_page(p->cr);
        p->y = MARGIN;
    }
    cairo_set_source_rgb(p->cr, g, g, g);
    cairo_move_to(p->cr, MARGIN, p->y);
    pango_cairo_show_layout(p->cr, lay);
    p->y += hh + gap;
    pango_font_description_free(fd);
    g_object_unref(lay);
}

static void pdf_block(page *p, const mm_report *r, const mm_report_block *b)
{
    static const struct {
        const char *ja, *en;
        double gap;
    } style[] = {
        [MM_RB_TITLE] = {MM_REPORT_FONT " Bold 16", MM_REPORT_FONT " 10", 4},
        [MM_RB_HEADING] = {MM_REPORT_FONT " Bold 12", MM_REPORT_FONT " 8", 3},
        [MM_RB_TEXT] = {MM_REPORT_FONT " 10", MM_REPORT_FONT " 8", 4},
        [MM_RB_NOTE] = {MM_REPORT_FONT " 8", MM_REPORT_FONT " 7", 6},
    };
    if (b->kind == MM_RB_PLOT) {
        if (p->y + PLOT_H > A4_H - MARGIN) {
            cairo_show_page(p->cr);
            p->y = MARGIN;
        }
        plot(p->cr, r, MARGIN, p->y, A4_W - 2 * MARGIN, PLOT_H);
        p->y += PLOT_H + 4;
        return;
    }
    if (b->kind == MM_RB_HEADING)
        p->y += 8;
    set_text(p, b->ja, style[b->kind].ja, 0.1, 1);
    if (b->en[0])
        set_text(p, b->en, style[b->kind].en, 0.4, style[b->kind].gap);
}

static mm_rc render_pdf(const mm_report *r, const mm_report_block *b, size_t n,
                        mm_buf *out, mm_err *err)
{
    cairo_surface_t *s =
        cairo_pdf_surface_create_for_stream(to_buf, out, A4_W, A4_H);
    char title[600];
    snprintf(title, sizeof title, "%s", b[0].ja);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "mamori");
    /* An own font map, released when done, so nothing of it stays in the
     * process (the default one lives until exit). */
    PangoFontMap *fm = pango_cairo_font_map_new();
    page p = {cairo_create(s), pango_font_map_create_context(fm), MARGIN};
    for (size_t i = 0; i < n; i++)
        pdf_block(&p, r, &b[i]);
    cairo_show_page(p.cr);
    g_object_unref(p.pc);
    g_object_unref(fm);
    cairo_destroy(p.cr);
    cairo_surface_finish(s);
    cairo_status_t cs = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (cs != CAIRO_STATUS_SUCCESS)
        return mm_err_set(err, MM_EIO, "report", 0, "PDF: %s",
                          cairo_status_to_string(cs));
    return MM_OK;
}

/* ---- HTML -----------------------------------------------------------------
 */

static mm_rc html_text(mm_buf *out, const char *s)
{
    mm_rc rc = MM_OK;
    for (; rc == MM_OK && *s; s++) {
        const char *e = *s == '<'    ? "&lt;"
                        : *s == '>'  ? "&gt;"
                        : *s == '&'  ? "&amp;"
                        : *s == '"'  ? "&quot;"
                        : *s == '\'' ? "&#39;"
                                     : NULL;
        rc = e ? mm_buf_puts(out, e) : mm_buf_append(out, s, 1);
    }
    return rc;
}

static mm_rc html_plot(const mm_report *r, mm_buf *out, mm_err *err)
{
    mm_buf png;
    mm_buf_init(&png, 4u << 20);
    mm_rc rc = mm_report_plot_png(r, 990, 300, &png, err);
    if (rc == MM_OK) {
        size_t bl =
            sodium_base64_ENCODED_LEN(png.len, sodium_base64_VARIANT_ORIGINAL);
        char *b64 = malloc(bl);
        if (!b64) {
            mm_buf_free(&png);
            return mm_err_set(err, MM_ENOMEM, "report", 0, "out of memory");
        }
        sodium_bin2base64(b64, bl, (const unsigned char *)png.data, png.len,
                          sodium_base64_VARIANT_ORIGINAL);
        rc = mm_buf_printf(out,
                           "<img alt=\"日ごとの攻撃の警報 / attack alerts per "
                           "day\" src=\"data:image/png;base64,%s\">\n",
                           b64);
        free(b64);
    }
    mm_buf_free(&png);
    return rc;
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
    "'none'; img-src data:; style-src 'unsafe-inline'\">\n"
    "<style>\n@page{size:A4;margin:15mm}\nbody{font-family:\"" MM_REPORT_FONT
    "\",\"IPAexGothic\",\"Noto Sans CJK JP\",sans-serif;max-width:180mm;"
    "margin:auto;color:#1a1a1a;line-height:1.5}\nh1{font-size:16pt}"
    "h2{font-size:12pt;margin:1.2em 0 .2em}\np{margin:.2em 0}"
    ".en{color:#666;font-size:8.5pt;margin-bottom:.4em}.note{font-size:8pt}"
    "img{width:100%}\n</style>\n";

static mm_rc render_html(const mm_report *r, const mm_report_block *b,
                         size_t n, mm_buf *out, mm_err *err)
{
    static const char *const tag[] = {[MM_RB_TITLE] = "h1",
                                      [MM_RB_HEADING] = "h2",
                                      [MM_RB_TEXT] = "p",
                                      [MM_RB_NOTE] = "p class=\"note\""};
    mm_rc rc = mm_buf_puts(out, html_head);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "<title>");
    if (rc == MM_OK)
        rc = html_text(out, b[0].ja);
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "</title>\n</head>\n<body>\n");
    for (size_t i = 0; rc == MM_OK && i < n; i++) {
        if (b[i].kind == MM_RB_PLOT) {
            rc = html_plot(r, out, err);
            if (rc != MM_OK)
                return rc;
            continue;
        }
        const char *t = tag[b[i].kind];
        size_t tl = strcspn(t, " ");
        rc = mm_buf_printf(out, "<%s>", t);
        if (rc == MM_OK)
            rc = html_text(out, b[i].ja);
        if (rc == MM_OK)
            rc = mm_buf_printf(out, "</%.*s>\n<p class=\"en\" lang=\"en\">",
                               (int)tl, t);
        if (rc == MM_OK)
            rc = html_text(out, b[i].en);
        if (rc == MM_OK)
            rc = mm_buf_puts(out, "</p>\n");
    }
    if (rc == MM_OK)
        rc = mm_buf_puts(out, "</body>\n</html>\n");
    return rc == MM_OK ? MM_OK
                       : mm_err_set(err, rc, "report", 0, "HTML too large");
}

/* Plain text: each line in Japanese, then English; the plot as the days
 * that had alerts. */
static mm_rc render_text(const mm_report *r, const mm_report_block *b,
                         size_t n, mm_buf *out, mm_err *err)
{
    mm_rc rc = MM_OK;
    for (size_t i = 0; rc == MM_OK && i < n; i++) {
        if (b[i].kind == MM_RB_PLOT) {
            rc = mm_buf_puts(out, "  日ごと / per day:");
            for (int d = 0; rc == MM_OK && d < r->days; d++)
                if (r->per_day[d])
                    rc = mm_buf_printf(out, " %d日 %llu", d + 1,
                                       (unsigned long long)r->per_day[d]);
            rc = rc == MM_OK ? mm_buf_puts(out, "\n") : rc;
            continue;
        }
        rc = mm_buf_printf(out, "%s%s%s\n%s%s\n",
                           b[i].kind == MM_RB_HEADING ? "\n■ " : "", b[i].ja,
                           b[i].kind == MM_RB_TITLE ? "\n" : "",
                           b[i].kind == MM_RB_HEADING ? "  " : "", b[i].en);
    }
    return rc == MM_OK ? MM_OK
                       : mm_err_set(err, rc, "report", 0, "text too large");
}

mm_rc mm_report_render(const mm_report *r, mm_report_format f, mm_buf *out,
                       mm_err *err)
{
    mm_report_block *b = calloc(MM_REPORT_BLOCKS_MAX, sizeof *b);
    if (!b)
        return mm_err_set(err, MM_ENOMEM, "report", 0, "out of memory");
    size_t n = 0;
    mm_report_blocks(r, b, &n);
    mm_rc rc = f == MM_REPORT_PDF    ? render_pdf(r, b, n, out, err)
               : f == MM_REPORT_HTML ? render_html(r, b, n, out, err)
                                     : render_text(r, b, n, out, err);
    free(b);
    return rc;
}

void mm_report_release_fonts(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}
