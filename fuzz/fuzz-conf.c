/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-conf.c — the INI reader and the sensor config built on it. */
#include "core.h"
#include "sensor.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_rc count_items(const mm_conf_item *it, void *ud, mm_err *err)
{
    (void)err;
    size_t *n = ud;
    /* Touch every string so the sanitizers see any bad pointer. */
    *n += strlen(it->section) + strlen(it->label) +
          (it->key ? strlen(it->key) + strlen(it->value) : 0);
    return MM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_err err;
    size_t n = 0;
    mm_conf_parse("fuzz.ini", (const char *)data, size, count_items, &n, &err);
    mm_sensor_config *cfg = NULL;
    if (mm_sensor_config_parse("fuzz.conf", (const char *)data, size, &cfg,
                               &err) == MM_OK)
        mm_sensor_config_free(cfg);
    return 0;
}
