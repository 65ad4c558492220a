/* make bench: save and restore throughput of Xen's migration stream
 * (hvm/mig_stream.c) for a VM whose RAM is all data, against a plain
 * loop writing and reading the same number of bytes to and from the same
 * file in the same run (the machine is shared: compare the ratios).  The
 * VM is built without KVM (tests/unit/vm_fixture.h); restore goes into a
 * fresh one each time, as a restoring VMM does.  Usage: mig_bench [MiB]
 * [rounds] [file]. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "hvm/mig_stream.h"
#include "vm_fixture.h"
#include "bench_util.h"

#define CHUNK (1u << 20)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned mib = argc > 1 ? (unsigned)atoi(argv[1]) : 256;
    unsigned rounds = argc > 2 ? (unsigned)atoi(argv[2]) : 5;
    const char *path = argc > 3 ? argv[3] : "/tmp/xenkvm-mig-bench.img";
    double t[4][16];
    struct vm a;
    uint64_t x = 0x9e3779b97f4a7c15ULL, bytes = 0;
    char msg[SS_MSG_LEN];

    if (rounds < 1 || rounds > 16 || mib < 16) {
        fprintf(stderr, "usage: mig_bench [MiB >= 16] [rounds 1..16] [file]\n");
        return 2;
    }
    vm_fixture_setup(&a, mib, 1);
    /* Every RAM page holds data (nothing is cheap as a zero page). */
    for (uint64_t *p = (uint64_t *)a.mem, *e = p + (a.ram_pages << 12) / 8; p < e; p++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        *p = x;
    }
    for (unsigned r = 0; r < rounds; r++) {
        struct mig_out out = { .fd = -1 };
        struct mig_in in = { .fd = -1 };
        struct mig_restored res;
        struct vm b;
        uint8_t *dst;
        int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
        double t0;

        if (fd < 0) {
            perror(path);
            return 1;
        }
        out.fd = fd;
        t0 = now();
        if (mig_save(&a, &out, MIG_XENKVM_STATE, NULL, msg) || fsync(fd)) {
            fprintf(stderr, "save: %s\n", msg);
            return 1;
        }
        t[0][r] = now() - t0;
        ss_wr_free(&out.buf);
        bytes = (uint64_t)lseek(fd, 0, SEEK_END);
        vm_fixture_setup(&b, mib, 1);
        lseek(fd, 0, SEEK_SET);
        in.fd = fd;
        t0 = now();
        if (mig_restore(&b, &in, &res, msg)) {
            fprintf(stderr, "restore: %s\n", msg);
            return 1;
        }
        t[1][r] = now() - t0;
        mig_in_free(&in);
        if (memcmp(a.mem, b.mem, a.ram_pages << 12)) {
            fprintf(stderr, "restored RAM differs\n");
            return 1;
        }
        vm_fixture_teardown(&b);
        /* The reference: the same bytes of RAM written in 1 MiB writes,
         * read back into fresh memory. */
        if (ftruncate(fd, 0) || lseek(fd, 0, SEEK_SET)) {
            perror("truncate");
            return 1;
        }
        t0 = now();
        for (uint64_t off = 0; off < bytes; off += CHUNK) {
            uint64_t n = bytes - off < CHUNK ? bytes - off : CHUNK;
            if (write(fd, a.mem + off % (a.ram_pages << 12), n) != (ssize_t)n) {
                perror("write");
                return 1;
            }
        }
        fsync(fd);
        t[2][r] = now() - t0;
        dst = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        lseek(fd, 0, SEEK_SET);
        t0 = now();
        for (uint64_t off = 0; off < bytes; off += CHUNK) {
            uint64_t n = bytes - off < CHUNK ? bytes - off : CHUNK;
            if (read(fd, dst + off, n) != (ssize_t)n) {
                perror("read");
                return 1;
            }
        }
        t[3][r] = now() - t0;
        munmap(dst, bytes);
        close(fd);
        unlink(path);
    }
    vm_fixture_teardown(&a);
    printf("# migration stream of a %u MiB VM, all data (%llu bytes), file %s; median (best) of %u\n",
           mib, (unsigned long long)bytes, path, rounds);
    {
        static const char *const names[4] = { "xenkvm save (mig_save)", "xenkvm restore (mig_restore)",
                                              "plain write loop, same bytes", "plain read loop, same bytes" };
        for (int k = 0; k < 4; k++) {
            qsort(t[k], rounds, sizeof(double), bench_cmp_double);
            printf("MIGBENCH %-30s %8.1f MiB/s (%.1f)\n", names[k],
                   bytes / t[k][rounds / 2] / 1048576.0, bytes / t[k][0] / 1048576.0);
        }
    }
    return 0;
}
