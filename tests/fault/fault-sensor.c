/* SPDX-License-Identifier: Apache-2.0 */
/* fault-sensor.c — allocation failures in the sensor's config reader and
 * its offsets (state) file. */
#include "fault.h"
#include "sensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static mm_rc sc_config(mm_buf *out, mm_err *err)
{
    static const char *const files[] = {"fuzz/corpus/fuzz-conf/full.conf",
                                        "fuzz/corpus/fuzz-conf/uplink.conf",
                                        "fuzz/corpus/fuzz-conf/sensor.conf"};
    mm_rc rc = MM_OK;
    for (size_t i = 0; rc == MM_OK && i < sizeof files / sizeof *files; i++) {
        char path[1024];
        fault_src(files[i], path, sizeof path);
        mm_sensor_config *cfg = NULL;
        rc = mm_sensor_config_load(path, &cfg, err);
        /* the samples include invalid ones: only OOM is a failure here */
        if (rc != MM_OK && rc != MM_ENOMEM) {
            rc = mm_buf_printf(out, "%s: %s\n", files[i], err->msg);
            continue;
        }
        if (rc == MM_OK)
            rc = mm_buf_printf(out, "%s: %u inputs, %u allow\n", files[i],
                               cfg->n_inputs, cfg->n_allow);
        mm_sensor_config_free(cfg);
    }
    return rc;
}

static mm_rc sc_state(mm_buf *out, mm_err *err)
{
    char dir[512], path[600];
    fault_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/state.json", dir);
    mm_sensor_state_entry e[3];
    memset(e, 0, sizeof e);
    for (int i = 0; i < 3; i++) {
        snprintf(e[i].name, sizeof e[i].name, "in%d", i);
        snprintf(e[i].path, sizeof e[i].path, "/var/log/x%d.log", i);
        e[i].stats.parse.lines = 100u * (unsigned)i;
    }
    mm_rc rc = mm_sensor_state_save(path, e, 3, err);
    mm_sensor_state_entry *back = NULL;
    size_t n = 0;
    if (rc == MM_OK)
        rc = mm_sensor_state_load(path, &back, &n, err);
    for (size_t i = 0; rc == MM_OK && i < n; i++)
        rc = mm_buf_printf(out, "%s %s %llu\n", back[i].name, back[i].path,
                           (unsigned long long)back[i].stats.parse.lines);
    free(back);
    unlink(path);
    rmdir(dir);
    return rc;
}

int main(void)
{
    static const fault_scenario sc[] = {
        {"sensor config", sc_config, false, false},
        {"sensor state", sc_state, false, false},
    };
    return fault_main("fault-sensor", sc, sizeof sc / sizeof *sc);
}
