/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-state.c — the sensor's offsets file loader on hostile bytes. */
#include "sensor.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("state", 0);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    mm_sensor_state_entry *e = NULL;
    size_t n = 0;
    mm_err err;
    if (mm_sensor_state_load(path, &e, &n, &err) == MM_OK)
        free(e);
    close(fd);
    return 0;
}
