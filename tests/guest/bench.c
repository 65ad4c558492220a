/*
 * bench64.elf: cost of a bare port-I/O exit versus a hypercall, in TSC
 * cycles per operation.  Prints
 *   BENCH portio <n> cycles
 *   BENCH hypercall <n> cycles
 *   BENCH call_portio <n> cycles      (the same exit behind a call)
 *   BENCH loop_iteration <n> cycles   (guest code alone, no exit)
 *   BENCH ratio_hypercall_portio <x.xx>
 *   BENCH ratio_hypercall_call_portio <x.xx>
 * using the median of several rounds.  N is sized so a run takes about a
 * second at ~8 us per exit.  (Boot-to-first-line time is measured by the
 * host.)
 */
#include "bench.h"
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "xen_guest.h"

#define ROUNDS 7
#define N      8000 /* per round and kind: 2 * 7 * 8000 exits ~ 0.9 s */

static uint64_t round_portio(void)
{
    uint64_t t0 = rdtsc();
    unsigned int i;

    for (i = 0; i < N; i++)
        outb(0x80, 0);
    return udiv64(rdtsc() - t0, N, NULL);
}

/* The same exit reached the way a hypercall is: a call into a stub with
 * the hypercall's argument set-up.  On a host that emulates guest
 * instructions (KVM in PVM mode) this separates the transport's cost from
 * the guest's instruction count. */
__attribute__((noinline)) static long call_stub(long a, long b, long c)
{
    asm volatile("outb %%al, $0x80" :: "a"(0), "D"(a), "S"(b), "d"(c) : "memory");
    return 0;
}

static uint64_t round_call_portio(void)
{
    uint64_t t0 = rdtsc();
    unsigned int i;

    for (i = 0; i < N; i++)
        call_stub(XENVER_version, 0, 0);
    return udiv64(rdtsc() - t0, N, NULL);
}

/* Guest code with no exit at all: what one loop iteration costs. */
static uint64_t round_loop(void)
{
    uint64_t t0 = rdtsc();
    unsigned long x = 0, i;

    for (i = 0; i < N; i++) {
        x += i;
        asm volatile("" : "+r"(x));
    }
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
    uint64_t pio[ROUNDS], hc[ROUNDS], cpio[ROUNDS], loop[ROUNDS], p, h, cp, l;
    unsigned int r;

    /* Interleave the rounds so drift hits both kinds alike. */
    for (r = 0; r < ROUNDS; r++) {
        pio[r] = round_portio();
        hc[r] = round_hypercall();
        cpio[r] = round_call_portio();
        loop[r] = round_loop();
    }
    p = bench_median(pio, ROUNDS);
    h = bench_median(hc, ROUNDS);
    cp = bench_median(cpio, ROUNDS);
    l = bench_median(loop, ROUNDS);
    printf("BENCH portio %llu cycles\n", (unsigned long long)p);
    printf("BENCH hypercall %llu cycles\n", (unsigned long long)h);
    printf("BENCH call_portio %llu cycles\n", (unsigned long long)cp);
    printf("BENCH loop_iteration %llu cycles\n", (unsigned long long)l);
    bench_print_ratio("ratio_hypercall_portio", h, p);
    bench_print_ratio("ratio_hypercall_call_portio", h, cp);
    guest_shutdown(SHUTDOWN_poweroff);
}
