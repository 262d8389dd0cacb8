/* SPDX-License-Identifier: Apache-2.0 */
/*
 * console-assets.h — the console's files (the folder console/) compiled into
 * the binary by scripts/embed-console, and served by console.c.
 */
#ifndef MM_HUB_CONSOLE_ASSETS_H
#define MM_HUB_CONSOLE_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct mm_hub_asset {
    const char *path; /* URL path, "/console/app.js" */
    const char *data;
    size_t len;
    const char *etag; /* quoted, from the bytes' checksum */
} mm_hub_asset;

/* Terminated by an entry with path NULL. */
extern const mm_hub_asset mm_hub_console_assets[];

struct MHD_Connection;

/* The asset a URL names: "/" is the console's index.html, "/console/<name>"
 * one of its files; NULL for anything else. */
const mm_hub_asset *mm_hub_console_asset(const char *url);
/* True for the URLs console.c answers ("/" and "/console/..."). */
bool mm_hub_console_asset_route(const char *url);
/* Answers a GET/HEAD of one of those URLs (304 on a matching
 * If-None-Match, 404 for an unknown file) with the console's security
 * headers; returns an enum MHD_Result. */
int mm_hub_console_asset_mhd(struct MHD_Connection *c, const char *url);

/* The tenant of the console session whose cookie the request carries (so
 * GET /api/v1/inbox also answers a logged-in person with their own
 * tenant's warnings); false without a live session. `cs` is the server's
 * mm_hub_console (api-console.c). */
struct mm_hub_console;
bool mm_hub_console_session_tenant(struct mm_hub_console *cs,
                                   struct MHD_Connection *c, char *tenant,
                                   size_t n);

#endif
