/* The fuzz harness (tests/fuzz/fuzz_gnttab.c) on pseudo-random inputs and
 * a few shaped ones, so make check builds it and runs its properties
 * without clang.  The harness aborts on a violated property. */
#include "check.h"

#include <stddef.h>
#include <stdint.h>

#include "gnttab/gnttab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t seed = 2463534242u;

static uint32_t rnd(void)
{
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    return seed;
}

static void random_inputs(void)
{
    static uint8_t in[4096];

    for (int n = 0; n < 3000; n++) {
        size_t len = rnd() % sizeof(in);

        for (size_t i = 0; i < len; i++)
            in[i] = (uint8_t)rnd();
        /* Bias entries towards grants to domain 0 of guest frames. */
        for (size_t i = 2; i + 8 <= len / 2 && (n & 1); i += 8) {
            in[i] = (uint8_t)(GTF_permit_access | (rnd() & 0x104 ? GTF_readonly : 0));
            in[i + 1] = (uint8_t)(rnd() & 1 ? GTF_sub_page >> 8 : 0);
            in[i + 2] = in[i + 3] = 0;
            in[i + 4] = (uint8_t)(rnd() % 20);
        }
        LLVMFuzzerTestOneInput(in, len);
    }
    CHECK(1);   /* reaching here: no property aborted */
}

int main(void)
{
    RUN(random_inputs);
    return CHECK_DONE();
}
