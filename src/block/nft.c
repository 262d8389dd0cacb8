/* SPDX-License-Identifier: Apache-2.0 */
/* nft.c — the kernel side through libnftables: read mamori's sets with
 * their per-element counters (JSON output), apply a plan in one atomic
 * batch, delete mamori's table. */
#include "block.h"

#include <jansson.h>
#include <nftables/libnftables.h>
#include <stdlib.h>
#include <string.h>

/* Runs one command buffer; output and errors are buffered so nothing is
 * printed. json: list output as JSON. *outp (may be NULL) gets a copy of
 * the output the caller frees. */
static mm_rc nft_run(const char *cmd, bool json, bool dry, char **outp,
                     mm_err *err)
{
    struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
    if (!ctx)
        return mm_err_set(err, MM_ENOMEM, "<nft>", 0, "out of memory");
    nft_ctx_buffer_output(ctx);
    nft_ctx_buffer_error(ctx);
    if (json)
        nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
    nft_ctx_set_dry_run(ctx, dry);
    int r = nft_run_cmd_from_buffer(ctx, cmd);
    mm_rc rc = MM_OK;
    if (r != 0) {
        const char *e = nft_ctx_get_error_buffer(ctx);
        /* first line of nft's message is the reason */
        size_t n = e ? strcspn(e, "\n") : 0;
        rc = mm_err_set(err, MM_EIO, "<nft>", 0,
                        "nftables が拒否しました / nftables refused: %.*s",
                        (int)(n > 300 ? 300 : n), e ? e : "");
    } else if (outp) {
        const char *o = nft_ctx_get_output_buffer(ctx);
        *outp = strdup(o ? o : "");
        if (!*outp)
            rc = mm_err_set(err, MM_ENOMEM, "<nft>", 0, "out of memory");
    }
    nft_ctx_free(ctx);
    return rc;
}

static bool elem_net(json_t *val, mm_cidr *c)
{
    if (json_is_string(val)) {
        const char *s = json_string_value(val);
        return mm_cidr_parse(s, strlen(s), c) == MM_OK;
    }
    json_t *pfx = json_object_get(val, "prefix");
    json_t *addr = json_object_get(pfx, "addr");
    json_t *len = json_object_get(pfx, "len");
    if (!json_is_string(addr) || !json_is_integer(len))
        return false;
    char buf[80];
    snprintf(buf, sizeof buf, "%s/%lld", json_string_value(addr),
             (long long)json_integer_value(len));
    return mm_cidr_parse(buf, strlen(buf), c) == MM_OK;
}

static unsigned ju(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) && json_integer_value(v) > 0
               ? (unsigned)json_integer_value(v)
               : 0;
}

static uint64_t ju64(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) && json_integer_value(v) > 0
               ? (uint64_t)json_integer_value(v)
               : 0;
}

/* One set's elements from `nft -j list set` into the plan (no allowlist,
 * no cap: this is what the kernel holds). */
static mm_rc parse_set(const char *js, mm_block_plan *out, mm_err *err)
{
    json_error_t je;
    json_t *root = json_loads(js, 0, &je);
    if (!root)
        return mm_err_set(err, MM_EPARSE, "<nft>", 0,
                          "unreadable nft JSON: %s", je.text);
    mm_rc rc = MM_OK;
    json_t *arr = json_object_get(root, "nftables"), *it;
    size_t i;
    json_array_foreach(arr, i, it)
    {
        json_t *elems = json_object_get(json_object_get(it, "set"), "elem");
        json_t *el;
        size_t j;
        json_array_foreach(elems, j, el)
        {
            json_t *e = json_object_get(el, "elem");
            mm_cidr c;
            if (!elem_net(json_object_get(e, "val"), &c) || rc != MM_OK)
                continue;
            size_t keep = out->n;
            rc = mm_block_plan_add(out, NULL, &c, ju(e, "timeout"));
            if (rc == MM_OK && out->n > keep) {
                mm_block_entry *b = &out->v[out->n - 1];
                json_t *cnt = json_object_get(e, "counter");
                b->ttl_s = ju(e, "timeout");
                b->expires_s = ju(e, "expires");
                b->packets = ju64(cnt, "packets");
                b->bytes = ju64(cnt, "bytes");
            }
        }
    }
    json_decref(root);
    return rc ? mm_err_set(err, rc, "<nft>", 0, "out of memory") : MM_OK;
}

/* True when mamori's table exists. */
static mm_rc table_exists(bool *yes, mm_err *err)
{
    char *out = NULL;
    mm_rc rc = nft_run("list tables inet", false, false, &out, err);
    if (rc != MM_OK)
        return rc;
    *yes = strstr(out, "table inet " MM_BLOCK_TABLE "\n") != NULL;
    free(out);
    return MM_OK;
}

mm_rc mm_block_status(mm_block_plan *out, mm_err *err)
{
    bool yes = false;
    mm_rc rc = table_exists(&yes, err);
    if (rc != MM_OK || !yes)
        return rc;
    static const char *const cmds[] = {
        "list set inet " MM_BLOCK_TABLE " " MM_BLOCK_SET_V4,
        "list set inet " MM_BLOCK_TABLE " " MM_BLOCK_SET_V6};
    /* the status holds every element the kernel has, whatever the cap */
    size_t max = out->max;
    out->max = (size_t)-1;
    for (size_t i = 0; i < 2 && rc == MM_OK; i++) {
        char *js = NULL;
        rc = nft_run(cmds[i], true, false, &js, err);
        if (rc == MM_OK)
            rc = parse_set(js, out, err);
        free(js);
    }
    out->max = max;
    if (rc == MM_OK)
        mm_block_plan_finish(out);
    return rc;
}

mm_rc mm_block_apply(const mm_block_plan *want, bool dry_run, mm_buf *script,
                     mm_err *err)
{
    /* an element can expire between reading the set and deleting it, which
     * fails the whole batch: read again and retry once */
    mm_rc rc = MM_OK;
    for (int attempt = 0; attempt < 2; attempt++) {
        mm_block_plan cur;
        mm_block_plan_init(&cur, 0);
        mm_buf b;
        mm_buf_init(&b, (size_t)64 * 1024 * 1024);
        rc = mm_block_status(&cur, err);
        if (rc == MM_OK && mm_block_render_nft(want, &cur, &b) != MM_OK)
            rc = mm_err_set(err, MM_ENOMEM, "<nft>", 0, "out of memory");
        if (rc == MM_OK)
            rc = nft_run(b.data, false, dry_run, NULL, err);
        if (script && b.data) {
            script->len = 0;
            if (mm_buf_append(script, b.data, b.len) != MM_OK)
                rc = rc ? rc : MM_ENOMEM;
        }
        mm_buf_free(&b);
        mm_block_plan_free(&cur);
        if (rc != MM_EIO || dry_run)
            break;
    }
    return rc;
}

mm_rc mm_block_remove(bool *removed, mm_err *err)
{
    bool yes = false;
    mm_rc rc = table_exists(&yes, err);
    if (rc == MM_OK && yes)
        rc = nft_run("delete table inet " MM_BLOCK_TABLE, false, false, NULL,
                     err);
    *removed = rc == MM_OK && yes;
    return rc;
}
