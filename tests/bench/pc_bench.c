/* Postcopy's fault service time (hvm/postcopy.c): a thread touches a
 * pending page of a freshly armed destination; the page is asked for
 * over a socket pair, sent by the source thread, installed with
 * UFFDIO_COPY.  Reference in the same run: the bare round trip, a fault
 * on a registered memfd page resolved by a thread doing UFFDIO_COPY from
 * a buffer.  Medians of many runs, microseconds. */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "hvm/postcopy.h"
#include "bench_util.h"

#define NPAGES 64u
#define PG 4096u
#define RUNS 301

static uint8_t src_page[PG] __attribute__((aligned(4096)));

struct bare { int uffd; };

static void *bare_handler(void *a)
{
    struct bare *b = a;
    struct uffd_msg m;
    struct pollfd p = { .fd = b->uffd, .events = POLLIN };

    poll(&p, 1, -1);
    if (read(b->uffd, &m, sizeof(m)) != sizeof(m))
        return NULL;
    struct uffdio_copy c = { .dst = m.arg.pagefault.address & ~(uint64_t)(PG - 1),
                             .src = (uintptr_t)src_page, .len = PG };
    ioctl(b->uffd, UFFDIO_COPY, &c);
    return NULL;
}

static double bare_once(void)
{
    int fd = memfd_create("bare", MFD_CLOEXEC);
    uint8_t *m;
    struct bare b;
    pthread_t t;
    double t0, t1;

    if (ftruncate(fd, NPAGES * PG))
        return -1;
    m = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    b.uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    struct uffdio_api api = { .api = UFFD_API };
    struct uffdio_register reg = { .range = { (uintptr_t)m, NPAGES * PG },
                                   .mode = UFFDIO_REGISTER_MODE_MISSING };
    ioctl(b.uffd, UFFDIO_API, &api);
    ioctl(b.uffd, UFFDIO_REGISTER, &reg);
    pthread_create(&t, NULL, bare_handler, &b);
    t0 = bench_now_us();
    (void)*(volatile uint8_t *)(m + (NPAGES - 1) * PG);
    t1 = bench_now_us();
    pthread_join(t, NULL);
    close(b.uffd);
    munmap(m, NPAGES * PG);
    close(fd);
    return t1 - t0;
}

struct src { uint8_t *mem; uint64_t *pend; int out, req; };

static void *src_thread(void *a)
{
    struct src *s = a;
    struct pc_stats st;
    char msg[PC_MSG_LEN];

    pc_source_serve(s->mem, NPAGES, s->pend, NPAGES, s->out, s->req, &st, msg);
    return NULL;
}

static double pc_once(uint8_t *srcmem)
{
    int fd = memfd_create("pc", MFD_CLOEXEC), fwd[2], ret[2];
    uint64_t pend[NPAGES];
    struct pc_dest d;
    struct pc_stats st;
    char msg[PC_MSG_LEN];
    uint8_t *m;
    pthread_t t;
    double t0, t1;

    for (unsigned i = 0; i < NPAGES; i++)
        pend[i] = i;
    if (ftruncate(fd, NPAGES * PG))
        return -1;
    m = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd);
    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ret);
    struct src s = { srcmem, pend, fwd[0], ret[1] };
    if (pc_dest_arm(&d, fd, m, NPAGES, pend, NPAGES, msg) ||
        pc_dest_run(&d, fwd[1], ret[0], true, msg)) {
        fprintf(stderr, "pc_bench: %s\n", msg);
        exit(1);
    }
    pthread_create(&t, NULL, src_thread, &s);
    /* The last page: the background stream (ascending) starts only at
     * this first request, so it comes on demand. */
    t0 = bench_now_us();
    (void)*(volatile uint8_t *)(m + (NPAGES - 1) * PG);
    t1 = bench_now_us();
    pthread_join(t, NULL);
    pc_dest_wait(&d, &st, msg);
    for (int i = 0; i < 2; i++) {
        close(fwd[i]);
        close(ret[i]);
    }
    munmap(m, NPAGES * PG);
    close(fd);
    return t1 - t0;
}

int main(void)
{
    static double bare[RUNS], pc[RUNS];
    uint8_t *srcmem = malloc(NPAGES * PG);

    memset(srcmem, 0x5a, NPAGES * PG);
    memset(src_page, 0x5a, PG);
    for (int i = 0; i < RUNS; i++) {
        bare[i] = bare_once();
        pc[i] = pc_once(srcmem);
    }
    qsort(bare, RUNS, sizeof(double), bench_cmp_double);
    qsort(pc, RUNS, sizeof(double), bench_cmp_double);
    printf("BENCH postcopy_fault_us median %.1f p90 %.1f | bare_uffdio_copy_us median %.1f "
           "p90 %.1f | ratio %.2f (%d runs)\n", pc[RUNS / 2], pc[RUNS * 9 / 10], bare[RUNS / 2],
           bare[RUNS * 9 / 10], pc[RUNS / 2] / bare[RUNS / 2], RUNS);
    free(srcmem);
    return 0;
}
