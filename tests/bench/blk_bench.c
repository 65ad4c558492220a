/* make bench: blkback's data path against the host's own io_uring on the
 * same file.  The "guest" is the host-side frontend (tests/blkfront/): a
 * memfd with a grant table and a ring, driven from this process's main
 * thread the way blkfront drives a ring (keep QD requests in flight, wait
 * for the backend's event, take responses, refill), so the emulated guest
 * CPU of this host does not dominate.  The backend is blkback's queue as
 * xenkvm-blkback runs it (its own thread and io_uring, O_DIRECT).  The
 * reference is a plain io_uring loop (O_DIRECT, readv/writev of the same
 * sizes at the same offsets and queue depth).
 *
 * usage: blk_bench [FILE] [SECONDS-PER-RUN]   (FILE: a 256 MiB file is
 * made there and removed after; default under /tmp) */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "blkback/blkqueue.h"
#include "tests/blkfront/hostfront.h"

#define FILE_BYTES (256ull << 20)
#define MAX_QD 32
#define MAX_LAT (1u << 22)

struct job {
    const char *name;
    unsigned bs;
    bool write, random;
    unsigned qd;
};

static const struct job jobs[] = {
    { "4k-randread-qd1", 4096, false, true, 1 },
    { "4k-randread-qd32", 4096, false, true, 32 },
    { "4k-randwrite-qd32", 4096, true, true, 32 },
    { "1m-seqread-qd4", 1 << 20, false, false, 4 },
    { "1m-seqwrite-qd4", 1 << 20, true, false, 4 },
};

struct result {
    uint64_t n;
    double secs, cpu_us;
    double p50_us, p99_us;
};

static const char *path;
static double run_secs = 2.0;
static double *lat;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_now(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t next_off(const struct job *j, uint64_t *seq)
{
    if (!j->random) {
        uint64_t o = *seq;
        *seq = (*seq + j->bs) % FILE_BYTES;
        return o;
    }
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (rng % (FILE_BYTES / j->bs)) * j->bs;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static void finish(struct result *r, double t0, double c0)
{
    uint64_t n = r->n < MAX_LAT ? r->n : MAX_LAT;

    r->secs = now() - t0;
    r->cpu_us = (cpu_now() - c0) * 1e6 / (double)(r->n ? r->n : 1);
    qsort(lat, n, sizeof(*lat), cmp_double);
    r->p50_us = n ? lat[n / 2] * 1e6 : 0;
    r->p99_us = n ? lat[n * 99 / 100] * 1e6 : 0;
}

/* --- the reference: the host's own io_uring ----------------------------- */

static void run_host(const struct job *j, struct result *r)
{
    struct io_uring ring;
    struct iovec iov[MAX_QD];
    double start[MAX_QD], t0, c0, end;
    uint64_t seq = 0;
    unsigned inflight = 0;
    int fd = open(path, O_RDWR | O_DIRECT);

    memset(r, 0, sizeof(*r));
    if (fd < 0 || io_uring_queue_init(64, &ring, 0)) {
        perror("host io_uring");
        exit(1);
    }
    for (unsigned i = 0; i < j->qd; i++) {
        iov[i].iov_len = j->bs;
        if (posix_memalign(&iov[i].iov_base, 4096, j->bs))
            exit(1);
        memset(iov[i].iov_base, 0x5a, j->bs);
    }
    t0 = now();
    c0 = cpu_now();
    end = t0 + run_secs;
    for (unsigned i = 0; i < j->qd; i++) {
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        off_t off = (off_t)next_off(j, &seq);

        if (j->write)
            io_uring_prep_writev(sqe, fd, &iov[i], 1, off);
        else
            io_uring_prep_readv(sqe, fd, &iov[i], 1, off);
        io_uring_sqe_set_data64(sqe, i);
        start[i] = now();
        inflight++;
    }
    io_uring_submit(&ring);
    while (inflight) {
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        double t;

        io_uring_submit_and_wait(&ring, 1);
        t = now();
        io_uring_for_each_cqe(&ring, head, cqe) {
            unsigned i = (unsigned)io_uring_cqe_get_data64(cqe);

            if (cqe->res != (int)j->bs) {
                fprintf(stderr, "host I/O failed: %d\n", cqe->res);
                exit(1);
            }
            if (r->n < MAX_LAT)
                lat[r->n] = t - start[i];
            r->n++;
            seen++;
            inflight--;
            if (t < end) {
                struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
                off_t off = (off_t)next_off(j, &seq);

                if (j->write)
                    io_uring_prep_writev(sqe, fd, &iov[i], 1, off);
                else
                    io_uring_prep_readv(sqe, fd, &iov[i], 1, off);
                io_uring_sqe_set_data64(sqe, i);
                start[i] = t;
                inflight++;
            }
        }
        io_uring_cq_advance(&ring, seen);
    }
    finish(r, t0, c0);
    io_uring_queue_exit(&ring);
    close(fd);
    for (unsigned i = 0; i < j->qd; i++)
        free(iov[i].iov_base);
}

/* --- blkback, driven by the host-side frontend -------------------------- */

struct slot {
    uint64_t data_gfn, ind_gfn;
    grant_ref_t ref[256], ind_ref;
    double start;
};

static void put_request(struct hf_ring *fr, const struct job *j, struct slot *s, unsigned id,
                        uint64_t off)
{
    union blk_slot req;
    uint8_t op = j->write ? BLKIF_OP_WRITE : BLKIF_OP_READ;

    if (j->bs == 4096) {
        struct hf_seg seg = { s->ref[0], 0, 7 };
        hf_make_rw(fr, &req, op, id, off >> 9, 1, &seg);
    } else {
        hf_make_indirect(fr, &req, op, id, off >> 9, (uint16_t)(j->bs / 4096), 1, &s->ind_ref);
    }
    hf_put(fr, &req);
}

static void run_blkback(const struct job *j, struct result *r)
{
    static struct hf_guest g;
    static bool guest_ok;
    struct slot slots[MAX_QD];
    struct blk_disk disk;
    struct blk_target tgt;
    struct hf_ring fr;
    struct blk_ring ring;
    struct xk_evtchn ev;
    struct blk_queue q;
    unsigned pages = j->bs / 4096, inflight = 0;
    double t0, c0, end;
    uint64_t seq = 0;

    memset(r, 0, sizeof(*r));
    if (!guest_ok && hf_guest_init(&g, 1, 8192)) {
        fprintf(stderr, "cannot set up the host-side guest\n");
        exit(1);
    }
    guest_ok = true;
    g.next_gfn = 1;             /* each run reuses the guest's RAM */
    if (blkdisk_open(&disk, path, false)) {
        perror("blkback disk");
        exit(1);
    }
    tgt = (struct blk_target){ .ctx = &g.ctx, .disk = &disk,
                               .lim = { .sectors = disk.size >> 9, .sector_size = 512,
                                        .flush = true, .barrier = true, .discard = true } };
    if (hf_ring_init(&fr, &g, BLK_LAYOUT_NATIVE, 2, false) ||
        blkring_map(&ring, &g.ctx, fr.ref, fr.nr_pages, BLK_LAYOUT_NATIVE, "bench") ||
        backend_bind(&g.ctx, fr.port, fr.port, &ev) ||
        blkqueue_start(&q, &tgt, "bench", &ring, &ev, NULL)) {
        fprintf(stderr, "cannot start the blkback queue\n");
        exit(1);
    }
    for (unsigned i = 0; i < j->qd; i++) {
        struct slot *s = &slots[i];

        s->data_gfn = hf_alloc_pages(&g, pages);
        memset(hf_page(&g, s->data_gfn), 0x5a, (size_t)pages * 4096);
        for (unsigned k = 0; k < pages; k++)
            s->ref[k] = hf_grant(&g, s->data_gfn + k, false);
        if (pages > 1) {
            s->ind_gfn = hf_alloc_pages(&g, 1);
            for (unsigned k = 0; k < pages; k++) {
                struct hf_seg seg = { s->ref[k], 0, 7 };
                hf_write_indirect(&g, s->ind_gfn, k, &seg);
            }
            s->ind_ref = hf_grant(&g, s->ind_gfn, true);
        }
    }
    t0 = now();
    c0 = cpu_now();
    end = t0 + run_secs;
    for (unsigned i = 0; i < j->qd; i++) {
        slots[i].start = now();
        put_request(&fr, j, &slots[i], i, next_off(j, &seq));
        inflight++;
    }
    hf_push(&fr);
    while (inflight) {
        struct hf_rsp rsp;
        bool any = false;
        double t;

        while (hf_take_response(&fr, &rsp)) {
            t = now();
            if (rsp.status != BLKIF_RSP_OKAY || rsp.id >= j->qd) {
                fprintf(stderr, "blkback I/O failed: status %d\n", rsp.status);
                exit(1);
            }
            if (r->n < MAX_LAT)
                lat[r->n] = t - slots[rsp.id].start;
            r->n++;
            inflight--;
            if (t < end) {
                slots[rsp.id].start = t;
                put_request(&fr, j, &slots[rsp.id], (unsigned)rsp.id, next_off(j, &seq));
                inflight++;
                any = true;
            }
        }
        if (any)
            hf_push(&fr);
        else if (inflight)
            hf_wait_irq(&g, fr.port, 1000);     /* as blkfront sleeps */
    }
    finish(r, t0, c0);
    blkqueue_stop(&q);
    hf_ring_fini(&fr);
    blkdisk_close(&disk);
}

static void make_file(void)
{
    static uint8_t buf[1 << 20];
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    memset(buf, 0xa5, sizeof(buf));
    for (uint64_t o = 0; fd >= 0 && o < FILE_BYTES; o += sizeof(buf))
        if (pwrite(fd, buf, sizeof(buf), (off_t)o) != sizeof(buf)) {
            perror("bench file");
            exit(1);
        }
    if (fd < 0 || fsync(fd) || close(fd)) {
        perror("bench file");
        exit(1);
    }
}

static void show(const char *who, const struct job *j, const struct result *r)
{
    double iops = (double)r->n / r->secs;

    printf("BLK %-18s %-8s iops %9.0f  MB/s %8.1f  p50 %8.1f us  p99 %8.1f us  cpu/req %6.1f us\n",
           j->name, who, iops, iops * j->bs / 1e6, r->p50_us, r->p99_us, r->cpu_us);
}

int main(int argc, char **argv)
{
    char tmp[] = "/tmp/xk-blkbench-XXXXXX";
    int fd;

    if (argc > 1) {
        path = argv[1];
    } else {
        fd = mkstemp(tmp);
        if (fd < 0)
            return 1;
        close(fd);
        path = tmp;
    }
    if (argc > 2)
        run_secs = atof(argv[2]);
    lat = malloc(sizeof(*lat) * MAX_LAT);
    make_file();
    printf("# blkback (host-side frontend, one queue, order-2 ring, O_DIRECT) vs the host's io_uring\n");
    printf("# on the same %llu MiB file, %.1f s per run; ratios blkback/host (latency: host/blkback)\n",
           FILE_BYTES >> 20, run_secs);
    for (unsigned i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
        struct result h, b;

        run_host(&jobs[i], &h);
        run_blkback(&jobs[i], &b);
        show("host", &jobs[i], &h);
        show("blkback", &jobs[i], &b);
        printf("RATIO %-18s iops %.3f  p50 %.3f  p99 %.3f  cpu/req %.2fx\n", jobs[i].name,
               ((double)b.n / b.secs) / ((double)h.n / h.secs), h.p50_us / b.p50_us,
               h.p99_us / b.p99_us, b.cpu_us / h.cpu_us);
        fflush(stdout);
    }
    unlink(path);
    return 0;
}
