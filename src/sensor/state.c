/* SPDX-License-Identifier: Apache-2.0 */
/* state.c — the offsets file: JSON, written atomically, read back strictly. */
#include "sensor-int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_VERSION 1
#define STATE_MAX_BYTES (4u * 1024u * 1024u)
#define STATE_MAX_ENTRIES 1024u

static json_t *entry_to_json(const mm_sensor_state_entry *e)
{
    const mm_parse_stats *p = &e->stats.parse;
    json_t *o = json_pack(
        "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "name", e->name,
        "path", e->path, "lines", (json_int_t)p->lines, "events",
        (json_int_t)p->events, "skipped", (json_int_t)p->skipped, "unparsed",
        (json_int_t)p->unparsed, "truncated", (json_int_t)p->truncated,
        "rotations", (json_int_t)e->stats.rotations, "truncations",
        (json_int_t)e->stats.truncations, "valid", (json_int_t)e->pos.valid);
    if (!o)
        return NULL;
    if (e->pos.valid) {
        char hash[17];
        snprintf(hash, sizeof hash, "%016llx",
                 (unsigned long long)e->pos.head_hash);
        json_t *f = json_pack(
            "{s:I, s:I, s:I, s:i, s:s, s:I, s:b}", "dev",
            (json_int_t)e->pos.dev, "ino", (json_int_t)e->pos.ino, "offset",
            (json_int_t)e->pos.offset, "head_len", (int)e->pos.head_len,
            "head_hash", hash, "seen_ns", (json_int_t)e->pos.seen_ns,
            "skipping", (int)e->pos.skipping);
        if (!f || json_object_set_new(o, "file", f) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

mm_rc mm_sensor_state_save(const char *path,
                           const mm_sensor_state_entry *entries, size_t n,
                           mm_err *err)
{
    json_t *arr = json_array();
    json_t *root =
        json_pack("{s:i, s:o}", "version", STATE_VERSION, "sources", arr);
    if (!root)
        return mm_err_set(err, MM_ENOMEM, path, 0, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *o = entry_to_json(&entries[i]);
        if (!o || json_array_append_new(arr, o) != 0) {
            json_decref(root);
            return mm_err_set(err, MM_ENOMEM, path, 0, "out of memory");
        }
    }
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return mm_err_set(err, MM_ENOMEM, path, 0, "out of memory");
    size_t len = strlen(text);
    text[len] = '\0';
    mm_buf b;
    mm_buf_init(&b, 0);
    mm_rc rc = mm_buf_append(&b, text, len);
    free(text);
    if (rc == MM_OK)
        rc = mm_buf_puts(&b, "\n");
    if (rc == MM_OK)
        rc = mm_file_write_atomic(path, b.data, b.len, 0640, err);
    else
        mm_err_set(err, rc, path, 0, "out of memory");
    mm_buf_free(&b);
    return rc;
}

/* A non-negative integer member; false when missing or of another type. */
static bool get_u64(json_t *o, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static mm_rc entry_from_json(json_t *o, mm_sensor_state_entry *e,
                             const char *path, size_t idx, mm_err *err)
{
    memset(e, 0, sizeof *e);
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *fpath = json_string_value(json_object_get(o, "path"));
    mm_parse_stats *p = &e->stats.parse;
    uint64_t valid = 0;
    if (!json_is_object(o) || !name || !fpath ||
        strlen(name) >= sizeof e->name || strlen(fpath) >= sizeof e->path ||
        !get_u64(o, "lines", &p->lines) || !get_u64(o, "events", &p->events) ||
        !get_u64(o, "skipped", &p->skipped) ||
        !get_u64(o, "unparsed", &p->unparsed) ||
        !get_u64(o, "truncated", &p->truncated) ||
        !get_u64(o, "rotations", &e->stats.rotations) ||
        !get_u64(o, "truncations", &e->stats.truncations) ||
        !get_u64(o, "valid", &valid) || valid > 1)
        return mm_err_set(err, MM_EPARSE, path, 0,
                          "source %zu: missing or bad member", idx + 1);
    snprintf(e->name, sizeof e->name, "%s", name);
    snprintf(e->path, sizeof e->path, "%s", fpath);
    if (!valid)
        return MM_OK;
    json_t *f = json_object_get(o, "file");
    uint64_t head_len, seen_ns;
    const char *hash = json_string_value(json_object_get(f, "head_hash"));
    char *end = NULL;
    if (!json_is_object(f) || !get_u64(f, "dev", &e->pos.dev) ||
        !get_u64(f, "ino", &e->pos.ino) ||
        !get_u64(f, "offset", &e->pos.offset) ||
        !get_u64(f, "head_len", &head_len) ||
        !get_u64(f, "seen_ns", &seen_ns) || head_len > MM_SENSOR_HEAD_BYTES ||
        !hash || strlen(hash) != 16 ||
        !json_is_boolean(json_object_get(f, "skipping")))
        return mm_err_set(err, MM_EPARSE, path, 0,
                          "source %zu: missing or bad file position", idx + 1);
    e->pos.head_hash = strtoull(hash, &end, 16);
    if (!end || *end)
        return mm_err_set(err, MM_EPARSE, path, 0, "source %zu: bad head_hash",
                          idx + 1);
    e->pos.head_len = (uint32_t)head_len;
    e->pos.seen_ns = (int64_t)seen_ns;
    e->pos.skipping = json_is_true(json_object_get(f, "skipping"));
    e->pos.valid = true;
    return MM_OK;
}

mm_rc mm_sensor_state_load(const char *path, mm_sensor_state_entry **out,
                           size_t *n, mm_err *err)
{
    *out = NULL;
    *n = 0;
    char *text;
    size_t len;
    mm_rc rc = mm_file_read(path, STATE_MAX_BYTES, &text, &len, err);
    if (rc != MM_OK)
        return rc;
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    free(text);
    if (!root)
        return mm_err_set(err, MM_EPARSE, path, (unsigned)je.line,
                          "not valid JSON: %s", je.text);
    json_t *ver = json_object_get(root, "version");
    json_t *arr = json_object_get(root, "sources");
    if (!json_is_integer(ver) || json_integer_value(ver) != STATE_VERSION ||
        !json_is_array(arr) || json_array_size(arr) > STATE_MAX_ENTRIES) {
        json_decref(root);
        return mm_err_set(err, MM_EPARSE, path, 0,
                          "not a mamori state file of version %d",
                          STATE_VERSION);
    }
    size_t cnt = json_array_size(arr);
    mm_sensor_state_entry *ents = calloc(cnt ? cnt : 1, sizeof *ents);
    if (!ents) {
        json_decref(root);
        return mm_err_set(err, MM_ENOMEM, path, 0, "out of memory");
    }
    for (size_t i = 0; i < cnt; i++) {
        rc = entry_from_json(json_array_get(arr, i), &ents[i], path, i, err);
        if (rc != MM_OK) {
            free(ents);
            json_decref(root);
            return rc;
        }
    }
    json_decref(root);
    *out = ents;
    *n = cnt;
    return MM_OK;
}
