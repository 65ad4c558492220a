/* Domain UUIDs: random (version 4) when the config gives none (parsing
 * and formatting: lib/util.h). */
#ifndef XL_UUID_H
#define XL_UUID_H

#include <stdint.h>

void xl_uuid_generate(uint8_t u[16]);

#endif
