/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-deid-event.c — the de-identifier of plain events (mm_deid_event)
 * against the JSON path it replaced (event JSON → jansson → mm_deid_json →
 * print): any log line the parsers turn into an event must give the same
 * bytes under every de-identification setting, and never crash. The first
 * input byte picks the log type; the rest is the line. */
#include "parse.h"
#include "uplink.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_deid *ds[4];

static void setup(void)
{
    static const char secret[] = "fuzz-tenant-secret-0123";
    for (int i = 0; i < 4; i++) {
        if (mm_deid_new(i < 2 ? MM_DEID_HASH : MM_DEID_DROP, secret,
                        strlen(secret), i % 2 == 1, &ds[i], NULL) != MM_OK)
            abort();
        mm_deid_add_own_range(ds[i], "133.5.0.0/16", NULL);
        mm_deid_add_own_range(ds[i], "2001:db8:5::/48", NULL);
        mm_deid_add_own_domain(ds[i], "example-sme.co.jp", NULL);
    }
}

static char *via_json(const mm_deid *d, const mm_event *ev, int64_t now)
{
    mm_buf b;
    mm_buf_init(&b, 1u << 22);
    if (mm_event_to_json(ev, &b) != MM_OK)
        abort();
    json_error_t je;
    json_t *o = json_loadb(b.data, b.len, 0, &je);
    mm_buf_free(&b);
    if (!o)
        return NULL;
    json_object_set_new(json_object_get(o, "event"), "kind",
                        json_string("event"));
    if (!json_object_get(o, "@timestamp")) {
        char t[32];
        size_t n = mm_time_format(now, t, sizeof t);
        json_object_set_new(o, "@timestamp", json_stringn(t, n));
    }
    mm_deid_json(d, o);
    char *s = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ds[0])
        setup();
    if (size < 1)
        return 0;
    mm_logtype type = (mm_logtype)(data[0] % 8);
    mm_parse_opts po = {.year = 2024};
    mm_event ev;
    if (mm_parse_line(&po, type, (const char *)data + 1, size - 1, &ev) !=
        MM_OK)
        return 0;
    const int64_t now = 1765000000123;
    for (int i = 0; i < 4; i++) {
        char *want = via_json(ds[i], &ev, now);
        mm_buf b;
        mm_buf_init(&b, 1u << 22);
        size_t id_at = 0;
        mm_rc rc = mm_deid_event(ds[i], &ev, now, &b, &id_at);
        bool same =
            want ? rc == MM_OK && strcmp(b.data, want) == 0 : rc == MM_EPARSE;
        if (!same) {
            fprintf(stderr, "json:  %s\nevent: %s\n", want ? want : "-",
                    b.data ? b.data : "-");
            abort();
        }
        free(want);
        mm_buf_free(&b);
    }
    return 0;
}
