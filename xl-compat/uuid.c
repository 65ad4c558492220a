/* UUID generation and formatting (RFC 4122 version 4). */
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "uuid.h"

void xl_uuid_generate(uint8_t u[16])
{
    if (getrandom(u, 16, 0) != 16) {
        /* No entropy source: still unique enough for one host. */
        srand((unsigned)time(NULL) ^ (unsigned)getpid());
        for (int i = 0; i < 16; i++)
            u[i] = (uint8_t)rand();
    }
    u[6] = (u[6] & 0x0f) | 0x40;
    u[8] = (u[8] & 0x3f) | 0x80;
}
