/* SPDX-License-Identifier: Apache-2.0 */
/* fault-hub.c — allocation failures in the hub: batch decoding (fast path
 * and reference), and one batch ingested into a fresh store, correlated and
 * read back as the shared feed. */
#include "fault.h"
#include "hub.h"
#include "hub-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOW 1795000000000LL

static const char batch[] =
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"a1\","
    "\"kind\":"
    "\"alert\",\"severity\":\"medium\"},\"rule\":{\"id\":\"ssh.bruteforce\"},"
    "\"source\":{\"ip\":\"45.33.32.156\"}}\n"
    "{\"@timestamp\":\"2026-11-22T01:02:03.5+09:00\",\"event\":{\"id\":\"x1\","
    "\"kind\":\"event\"},\"source\":{\"ip\":\"::ffff:45.33.32.156\"},"
    "\"user\":{\"name\":[\"root\",\"admin\",\"root\",7,\"oracle\"]}}\n"
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"日本\","
    "\"kind\":"
    "\"event\"},\"url\":{\"path\":\"/"
    "%E3%83%AD%E3%82%B0\"},\"source\":{\"domain\":"
    "\"EXAMPLE.jp\"}}\n"
    "{\"@timestamp\":\"2026-11-22T00:00:00Z\",\"event\":{\"id\":\"a2\","
    "\"kind\":"
    "\"alert\",\"severity\":3},\"rule\":{\"id\":\"web.scan\"},\"source\":"
    "{\"ip\":\"2001:db8::7\"},\"destination\":{\"domain\":\"C2.Example\"}}\n";

static mm_rc digest(const mm_hub_batch *b, mm_buf *out)
{
    mm_rc rc = MM_OK;
    for (size_t i = 0; rc == MM_OK && i < b->n; i++)
        rc = mm_buf_printf(out, "%s %d %s %s\n", b->ev[i].id, b->ev[i].alert,
                           b->ev[i].rule_id, b->ev[i].src_text);
    return rc;
}

static mm_rc sc_decode(mm_buf *out, mm_err *err)
{
    mm_hub_batch b, r;
    mm_rc rc = mm_hub_batch_decode(batch, sizeof batch - 1, false, &b, err);
    if (rc != MM_OK)
        return rc;
    rc = digest(&b, out);
    mm_hub_batch_free(&b);
    if (rc == MM_OK)
        rc = mm_hub_batch_decode_ref(batch, sizeof batch - 1, false, &r, err);
    if (rc != MM_OK)
        return rc;
    rc = digest(&r, out);
    mm_hub_batch_free(&r);
    return rc;
}

static mm_rc add_tenant(mm_store *st, const char *id, mm_err *err)
{
    mm_tenant t;
    memset(&t, 0, sizeof t);
    snprintf(t.id, sizeof t.id, "%s", id);
    snprintf(t.name, sizeof t.name, "Tenant %s", id);
    t.kind = MM_TK_SME;
    mm_hub_token_hash(id, strlen(id), t.token_hash, sizeof t.token_hash);
    return mm_store_tenant_put(st, &t, err);
}

static mm_rc sc_ingest(mm_buf *out, mm_err *err)
{
    char dir[512], path[600];
    fault_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/hub.db", dir);
    mm_store *st = NULL;
    mm_hub *h = NULL;
    mm_rc rc = mm_store_open(path, &st, err);
    if (rc == MM_OK)
        rc = add_tenant(st, "a", err);
    if (rc == MM_OK)
        rc = add_tenant(st, "b", err);
    mm_hub_params p;
    mm_hub_params_default(&p);
    p.k = 2;
    if (rc == MM_OK)
        rc = mm_hub_new(st, &p, &h, err);
    static const char *const tenants[] = {"a", "b"};
    for (size_t i = 0; rc == MM_OK && i < 2; i++) {
        mm_hub_batch b;
        rc = mm_hub_batch_decode(batch, sizeof batch - 1, false, &b, err);
        if (rc != MM_OK)
            break;
        mm_hub_ingest_result r;
        rc = mm_hub_ingest(h, mm_hub_tenant_by_id(h, tenants[i]), &b, NOW, &r,
                           err);
        mm_hub_batch_free(&b);
    }
    if (rc == MM_OK)
        rc = mm_hub_feed_json(h, -1, NOW, out, err);
    if (rc == MM_OK)
        rc = mm_hub_feed_txt(h, NOW, out, err);
    if (rc == MM_OK)
        rc = mm_hub_feed_nft(h, NOW, out, err);
    if (rc == MM_OK)
        rc = mm_hub_feed_stix(h, NOW, out, err);
    if (rc == MM_OK)
        rc = mm_hub_escalations_stix(st, NOW, out, err);
    if (rc == MM_OK)
        rc = mm_hub_campaigns_json(st, out, err);
    mm_hub_free(h);
    if (st)
        mm_store_close(st);
    char f[700];
    static const char *const names[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(f, sizeof f, "%s/%s", dir, names[i]);
        unlink(f);
    }
    rmdir(dir);
    return rc;
}

static mm_rc count_ioc(const mm_stateioc *s, void *ud)
{
    (void)s;
    (*(size_t *)ud)++;
    return MM_OK;
}

/* The ACSC indicator sample through the IOC importer's parser. */
static mm_rc sc_ioc(mm_buf *out, mm_err *err)
{
    char path[1024];
    fault_src("data/samples/acsc-2020-008-iocs.ndjson", path, sizeof path);
    char *text;
    size_t len, n = 0;
    mm_rc rc = mm_file_read(path, 0, &text, &len, err);
    if (rc != MM_OK)
        return rc;
    rc = mm_hub_ioc_parse(path, text, len, count_ioc, &n, err);
    free(text);
    if (rc == MM_OK)
        rc = mm_buf_printf(out, "%zu indicators", n);
    return rc;
}

int main(void)
{
    static const fault_scenario sc[] = {
        {"hub batch decode", sc_decode, false, false},
        {"hub ingest+feed", sc_ingest, false, false},
        {"hub ioc import", sc_ioc, false, true},
    };
    return fault_main("fault-hub", sc, sizeof sc / sizeof *sc);
}
