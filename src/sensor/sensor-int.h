/* sensor-int.h — helpers shared by the sensor module's files only. */
#ifndef MM_SENSOR_INT_H
#define MM_SENSOR_INT_H

#include "sensor.h"

/* Writes `len` bytes to `path` atomically: "<path>.tmp", fsync, rename,
 * fsync of the directory. Nothing is left half-written. */
mm_rc mm_sensor_write_atomic(const char *path, const char *data, size_t len,
                             mm_err *err);

#endif
