/* sensor-int.h — helpers shared by the sensor module's files only. */
#ifndef MM_SENSOR_INT_H
#define MM_SENSOR_INT_H

#include "sensor.h"


#endif
