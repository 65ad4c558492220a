/* The netback fuzz harness (tests/fuzz/fuzz_netback.c) on pseudo-random
 * inputs shaped like tx and rx rings, so make check runs its properties
 * without clang.  The harness aborts on a violated property. */
#include "check.h"

#include <stddef.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/io/netif.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t seed = 88172645u;

static uint32_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

static void random_rings(void)
{
    static uint8_t in[4096];

    for (int n = 0; n < 2000; n++) {
        size_t len = 4 + rnd() % (sizeof(in) - 4);
        unsigned nreq = rnd() % 40;

        for (size_t i = 0; i < len; i++)
            in[i] = (uint8_t)rnd();
        in[1] = (uint8_t)nreq;
        if (n & 1)
            in[0] &= 0x7f;          /* req_prod as posted */
        /* Half the inputs look like packets: sizes and offsets that fit,
         * more_data chains, now and then an extra slot. */
        for (unsigned r = 0; (n & 2) && r < nreq && 4 + r * 12 + 12 <= len; r++) {
            uint8_t *s = in + 4 + r * 12;
            uint16_t off = (uint16_t)(rnd() % 4096), sz = (uint16_t)(rnd() % 5000);
            uint16_t fl = (uint16_t)(rnd() % 3 ? NETTXF_more_data : 0) |
                          (uint16_t)(rnd() % 8 ? 0 : NETTXF_extra_info) |
                          (uint16_t)(rnd() & (NETTXF_csum_blank | NETTXF_data_validated));

            s[3] &= 0x7f;
            memcpy(s + 4, &off, 2);
            memcpy(s + 6, &fl, 2);
            memcpy(s + 10, &sz, 2);
        }
        LLVMFuzzerTestOneInput(in, len);
    }
    CHECK(1);   /* reaching here: no property aborted */
}

int main(void)
{
    RUN(random_rings);
    return CHECK_DONE();
}
