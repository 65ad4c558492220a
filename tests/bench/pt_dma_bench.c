/* Ballooning with a passed-through function (pciback/pt_dma.c): the cost
 * of a page leaving a vfio-user function's DMA mappings (unmap, two maps)
 * and coming back (two unmaps, one map), per page, against the test device
 * server at SOCKET.  References in the same run: one bare vfio-user
 * request (DEVICE_GET_INFO) and the memfd hole punch the balloon does
 * anyway.  Medians of 5 rounds of N scattered pages, microseconds.
 *   pt_dma_bench SOCKET [N] */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "pciback/devsrc.h"
#include "pciback/pt_dma.h"
#include "bench_util.h"

#define PG 4096ull
#define RAM (32ull << 20)
#define ROUNDS 5

static uint64_t page(unsigned i)
{
    return (1 + i * 37ull) % (RAM / PG) * PG;      /* scattered, never adjacent */
}

int main(int argc, char **argv)
{
    unsigned n = argc > 2 ? (unsigned)atoi(argv[2]) : 60;
    double out[ROUNDS], in[ROUNDS], rt[ROUNDS], punch[ROUNDS], t;
    struct pt_devsrc *s;
    struct pt_dev_info di;
    struct pt_dma d;
    uint8_t *mem;
    int fd = memfd_create("pt_dma_bench", MFD_CLOEXEC);

    if (argc < 2 || !n || fd < 0 || ftruncate(fd, RAM) < 0 ||
        (mem = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED ||
        vfu_client_open(argv[1], &s) < 0) {
        fprintf(stderr, "usage: pt_dma_bench SOCKET [N] (a vfu_testdev listening)\n");
        return 2;
    }
    pt_dma_init(&d, s, fd, mem);
    if (pt_dma_add(&d, 0, RAM, 0) < 0)
        return 1;
    for (unsigned r = 0; r < ROUNDS; r++) {
        t = bench_now_us();
        for (unsigned i = 0; i < n; i++)
            if (pt_dma_remove(&d, page(i), PG) < 0)
                return 1;
        out[r] = (bench_now_us() - t) / n;
        t = bench_now_us();
        for (unsigned i = 0; i < n; i++)
            if (pt_dma_add(&d, page(i), PG, page(i)) < 0)
                return 1;
        in[r] = (bench_now_us() - t) / n;
        if (d.n != 1)
            return 1;
        t = bench_now_us();
        for (unsigned i = 0; i < n; i++)
            s->ops->get_info(s, &di);
        rt[r] = (bench_now_us() - t) / n;
        t = bench_now_us();
        for (unsigned i = 0; i < n; i++)
            fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)page(i), PG);
        punch[r] = (bench_now_us() - t) / n;
    }
    qsort(out, ROUNDS, sizeof(double), bench_cmp_double);
    qsort(in, ROUNDS, sizeof(double), bench_cmp_double);
    qsort(rt, ROUNDS, sizeof(double), bench_cmp_double);
    qsort(punch, ROUNDS, sizeof(double), bench_cmp_double);
    printf("page out of the DMA mappings  %8.1f us  (%u scattered pages, up to %u mappings)\n",
           out[ROUNDS / 2], n, n + 1);
    printf("page back (joined again)      %8.1f us\n", in[ROUNDS / 2]);
    printf("vfio-user round trip          %8.1f us  out/round trip %.2f\n", rt[ROUNDS / 2],
           out[ROUNDS / 2] / rt[ROUNDS / 2]);
    printf("memfd hole punch              %8.1f us\n", punch[ROUNDS / 2]);
    pt_dma_clear(&d, true);
    pt_devsrc_close(s);
    return 0;
}
