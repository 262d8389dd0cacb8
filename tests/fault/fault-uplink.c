/* SPDX-License-Identifier: Apache-2.0 */
/* fault-uplink.c — allocation failures in the sensor's on-disk spool:
 * open (state file), append, read a batch back, acknowledge, reopen. */
#include "fault.h"
#include "uplink.h"

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Removes the spool directory's files (one level, plus rejected/). */
static void rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[1200];
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' &&
            (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, de->d_name);
        if (unlink(p) != 0)
            rm_tree(p);
    }
    closedir(d);
    rmdir(dir);
}

static mm_rc sc_spool(mm_buf *out, mm_err *err)
{
    char dir[512], sdir[600];
    fault_tmpdir(dir, sizeof dir);
    snprintf(sdir, sizeof sdir, "%s/spool", dir);
    mm_spool *sp = NULL;
    mm_spool_opts o = {0};
    mm_rc rc = mm_spool_open(sdir, &o, &sp, err);
    json_t *objs[4] = {NULL};
    for (size_t i = 0; rc == MM_OK && i < 4; i++) {
        objs[i] =
            json_pack("{s:{s:s}, s:{s:s}, s:I}", "event", "kind", "alert",
                      "source", "ip", "203.0.113.9", "n", (json_int_t)i);
        if (!objs[i])
            rc = mm_err_set(err, MM_ENOMEM, sdir, 0, "out of memory");
    }
    if (rc == MM_OK)
        rc = mm_spool_append(sp, objs, 4, true, NULL, NULL, err);
    for (size_t i = 0; i < 4; i++)
        json_decref(objs[i]);
    mm_spool_batch b;
    mm_spool_batch_init(&b);
    if (rc == MM_OK)
        rc = mm_spool_read(sp, &b, 3, 1 << 20, err);
    if (rc == MM_OK) {
        /* ids carry the random spool id: keep only what is stable */
        rc = mm_buf_printf(out, "%zu records up to %llu\n", b.n,
                           (unsigned long long)b.last_seq);
        if (rc == MM_OK && b.n)
            rc = mm_spool_reject(sp, b.seq[0], b.body.data + b.off[0],
                                 b.len[0], "fault test", err);
        if (rc == MM_OK)
            rc = mm_spool_ack(sp, b.last_seq, err);
    }
    mm_spool_batch_free(&b);
    mm_spool_close(sp);
    sp = NULL;
    /* reopen: state and the newest segment are read back */
    if (rc == MM_OK)
        rc = mm_spool_open(sdir, &o, &sp, err);
    if (rc == MM_OK) {
        mm_spool_stats st;
        mm_spool_get_stats(sp, &st);
        rc = mm_buf_printf(
            out,
            "next %llu acked %llu pending %llu "
            "rejected %llu\n",
            (unsigned long long)st.next_seq, (unsigned long long)st.acked,
            (unsigned long long)st.pending, (unsigned long long)st.rejected);
        mm_spool_close(sp);
    }
    rm_tree(sdir);
    rmdir(dir);
    return rc;
}

int main(void)
{
    static const fault_scenario sc[] = {
        {"uplink spool", sc_spool, false, false},
    };
    return fault_main("fault-uplink", sc, sizeof sc / sizeof *sc);
}
