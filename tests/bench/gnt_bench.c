/* make bench: backend grant copy and take/release throughput for 4 KiB
 * pages through gnttab/, against plain memcpy of the same bytes in the
 * same run (the machine is shared: compare the ratios, not the times).
 * Median and best of 15 interleaved rounds of N operations each. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "gnt_fixture.h"
#include "bench_util.h"

#define N 50000
#define ROUNDS 15
#define NREFS 8

static struct gnt_fixture F;
static uint8_t buf[GNT_PAGE_SIZE];

static double now_ns(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

enum { B_MEMCPY, B_COPY_FROM, B_COPY_TO, B_TAKE_RELEASE, B_TAKE_COPY, NB };
static const char *const names[NB] = {
    "memcpy 4 KiB (reference)", "gnt_copy_from 4 KiB", "gnt_copy_to 4 KiB",
    "gnt_take+gnt_release", "gnt_take+memcpy 4 KiB+gnt_release",
};

/* ns per operation for one round of benchmark B. */
static double run(int b)
{
    volatile int sink = 0;
    double t0 = now_ns();

    for (int i = 0; i < N; i++) {
        grant_ref_t ref = 8 + (i % NREFS);
        uint8_t *page = F.ram.base + (size_t)(1 + i % NREFS) * GNT_PAGE_SIZE;
        struct gnt_handle h;

        switch (b) {
        case B_MEMCPY:
            memcpy(buf, page, GNT_PAGE_SIZE);
            break;
        case B_COPY_FROM:
            sink += gnt_copy_from(&F.view, 0, ref, 0, buf, GNT_PAGE_SIZE);
            break;
        case B_COPY_TO:
            sink += gnt_copy_to(&F.view, 0, ref, 0, buf, GNT_PAGE_SIZE);
            break;
        case B_TAKE_RELEASE:
        case B_TAKE_COPY:
            sink += gnt_take(&F.view, 0, ref, GNT_READ, &h);
            if (b == B_TAKE_COPY)
                memcpy(buf, h.ptr, GNT_PAGE_SIZE);
            gnt_release(&h);
            break;
        }
        sink += buf[i % GNT_PAGE_SIZE];
    }
    (void)sink;
    return (now_ns() - t0) / N;
}

int main(void)
{
    double t[NB][ROUNDS], med[NB], best[NB];

    if (fix_init(&F, GNT_DEFAULT_MAX_FRAMES))
        return 1;
    for (int r = 0; r < NREFS; r++) {
        memset(F.ram.base + (size_t)(1 + r) * GNT_PAGE_SIZE, r, GNT_PAGE_SIZE);
        fix_grant_v1(&F, 8 + r, 0, 1 + r, GTF_permit_access);
    }
    /* Interleave the benchmarks round by round so drift hits all alike. */
    for (int r = 0; r < ROUNDS; r++)
        for (int b = 0; b < NB; b++)
            t[b][r] = run(b);
    printf("# gnttab bench: %d ops x %d rounds; ns/op median (best); ratio to memcpy of\n"
           "# 4 KiB, median (best)\n", N, ROUNDS);
    for (int b = 0; b < NB; b++) {
        qsort(t[b], ROUNDS, sizeof(double), bench_cmp_double);
        med[b] = t[b][ROUNDS / 2];
        best[b] = t[b][0];
        printf("BENCH gnttab %-36s %7.1f (%6.1f) ns/op  ratio %5.2f (%5.2f)\n",
               names[b], med[b], best[b], med[b] / med[B_MEMCPY],
               best[b] / best[B_MEMCPY]);
    }
    fix_fini(&F);
    return 0;
}
