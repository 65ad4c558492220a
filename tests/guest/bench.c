/*
 * bench64.elf: cost of a bare port-I/O exit versus a hypercall, in TSC
 * cycles per operation.  Prints
 *   BENCH portio <n> cycles
 *   BENCH hypercall <n> cycles
 *   BENCH ratio_hypercall_portio <x.xx>
 * using the median of several rounds.  N is sized so a run takes about a
 * second at ~8 us per exit.  (Boot-to-first-line time is measured by the
 * host.)
 */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "xen_guest.h"

#define ROUNDS 7
#define N      8000 /* per round and kind: 2 * 7 * 8000 exits ~ 0.9 s */

static uint64_t median(uint64_t *v, unsigned int n)
{
    unsigned int i, j;

    for (i = 1; i < n; i++)
        for (j = i; j > 0 && v[j - 1] > v[j]; j--) {
            uint64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return v[n / 2];
}

static uint64_t round_portio(void)
{
    uint64_t t0 = rdtsc();
    unsigned int i;

    for (i = 0; i < N; i++)
        outb(0x80, 0);
    return udiv64(rdtsc() - t0, N, NULL);
}

static uint64_t round_hypercall(void)
{
    uint64_t t0 = rdtsc();
    unsigned int i;

    for (i = 0; i < N; i++)
        HYPERVISOR_xen_version(XENVER_version, NULL);
    return udiv64(rdtsc() - t0, N, NULL);
}

void guest_main(void)
{
    uint64_t pio[ROUNDS], hc[ROUNDS], p, h, ratio100;
    unsigned int r;

    /* Interleave the rounds so drift hits both kinds alike. */
    for (r = 0; r < ROUNDS; r++) {
        pio[r] = round_portio();
        hc[r] = round_hypercall();
    }
    p = median(pio, ROUNDS);
    h = median(hc, ROUNDS);
    ratio100 = p ? udiv64(h * 100 + p / 2, (uint32_t)p, NULL) : 0;
    printf("BENCH portio %llu cycles\n", (unsigned long long)p);
    printf("BENCH hypercall %llu cycles\n", (unsigned long long)h);
    printf("BENCH ratio_hypercall_portio %llu.%02llu\n",
           (unsigned long long)(ratio100 / 100),
           (unsigned long long)(ratio100 % 100));
    guest_shutdown(SHUTDOWN_poweroff);
}
