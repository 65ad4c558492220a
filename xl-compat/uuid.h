/* Domain UUIDs: random (version 4) when the config gives none. */
#ifndef XL_UUID_H
#define XL_UUID_H

#include <stdint.h>

void xl_uuid_generate(uint8_t u[16]);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into OUT (37 bytes). */
void xl_uuid_format(const uint8_t u[16], char out[37]);

#endif
