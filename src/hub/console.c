/* SPDX-License-Identifier: Apache-2.0 */
/* console.c — serves the web console (the files in console/, compiled into the
 * binary by scripts/embed-console): GET / is its index.html, GET
 * /console/<name> its scripts and styles. Every reply carries a strict
 * Content-Security- Policy (only our own scripts and styles, no inline code,
 * no framing), nosniff and no-referrer, and an ETag so a browser revalidates
 * cheaply. The data the console shows comes from the JSON API (api-console.c).
 */
#include "console-assets.h"
#include "hub-int.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

static const char csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
    "form-action 'self'";

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".json", "application/json"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof *types; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].type;
    return "application/octet-stream";
}

bool mm_hub_console_asset_route(const char *url)
{
    return strcmp(url, "/") == 0 || strncmp(url, "/console/", 9) == 0;
}

const mm_hub_asset *mm_hub_console_asset(const char *url)
{
    if (strcmp(url, "/") == 0)
        url = "/console/index.html";
    for (const mm_hub_asset *a = mm_hub_console_assets; a->path; a++)
        if (strcmp(a->path, url) == 0)
            return a;
    return NULL;
}

static void security_headers(struct MHD_Response *r)
{
    MHD_add_response_header(r, "Content-Security-Policy", csp);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
}

int mm_hub_console_asset_mhd(struct MHD_Connection *c, const char *url)
{
    static const char missing[] =
        "{\"error\":\"そのファイルはありません / no such file\"}";
    const mm_hub_asset *a = mm_hub_console_asset(url);
    const char *inm = MHD_lookup_connection_value(
        c, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    unsigned status = !a ? 404 : inm && strcmp(inm, a->etag) == 0 ? 304 : 200;
    struct MHD_Response *r =
        status == 200 ? MHD_create_response_from_buffer(
                            a->len, (void *)a->data, MHD_RESPMEM_PERSISTENT)
        : status == 304
            ? MHD_create_response_from_buffer(0, (void *)"",
                                              MHD_RESPMEM_PERSISTENT)
            : MHD_create_response_from_buffer(
                  sizeof missing - 1, (void *)missing, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    security_headers(r);
    if (a) {
        MHD_add_response_header(r, "Content-Type", type_of(a->path));
        MHD_add_response_header(r, "ETag", a->etag);
        /* revalidate every time: a new binary may carry a new console */
        MHD_add_response_header(r, "Cache-Control", "no-cache");
    } else {
        MHD_add_response_header(r, "Content-Type", "application/json");
        MHD_add_response_header(r, "Cache-Control", "no-store");
    }
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Asks the console API who the session is (GET /api/v1/session through
 * mm_hub_console_handle: the same expiry and store checks). */
bool mm_hub_console_session_tenant(struct mm_hub_console *cs,
                                   struct MHD_Connection *c, char *tenant,
                                   size_t n)
{
    const char *cookie =
        MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "mamori_session");
    if (!cs || !cookie)
        return false;
    mm_hub_http_req rq = {
        .method = "GET", .path = "/api/v1/session", .cookie_session = cookie};
    mm_hub_http_resp o;
    memset(&o, 0, sizeof o);
    mm_buf_init(&o.body, 64 * 1024);
    mm_hub_console_handle(cs, &rq, mm_now_ms(), &o);
    json_t *j = o.status == 200 ? json_loadb(o.body.data ? o.body.data : "",
                                             o.body.len, 0, NULL)
                                : NULL;
    const char *t = json_string_value(json_object_get(j, "tenant"));
    bool ok = t && *t && strlen(t) < n;
    if (ok)
        snprintf(tenant, n, "%s", t);
    json_decref(j);
    mm_buf_free(&o.body);
    return ok;
}
