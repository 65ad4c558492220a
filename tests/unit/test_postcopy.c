/* Postcopy's page mover (hvm/postcopy.c) between two memfds in one
 * process: the source thread sends pending pages over a socket pair, the
 * destination installs them with userfaultfd; "guest" threads touching
 * pages that have not arrived wait for them.  Skips where userfaultfd is
 * refused. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "check.h"
#include "hvm/postcopy.h"
#include "vmm_socket_proto.h"

#define NPAGES 256u
#define PG 4096u

struct side {
    int fd;
    uint8_t *m;
};

static struct side side_new(void)
{
    struct side s = { memfd_create("pc-test", MFD_CLOEXEC), NULL };

    if (s.fd >= 0 && ftruncate(s.fd, NPAGES * PG) == 0)
        s.m = mmap(NULL, NPAGES * PG, PROT_READ | PROT_WRITE, MAP_SHARED, s.fd, 0);
    return s;
}

static void side_free(struct side *s)
{
    munmap(s->m, NPAGES * PG);
    close(s->fd);
}

/* Page P of the source: a pattern naming it; every 4th page is zero
 * (never written: not pending). */
static uint8_t pattern(uint64_t p, unsigned i) { return (uint8_t)(p * 7 + i / 64 + 1); }

static uint64_t fill_source(struct side *s, uint64_t *pending)
{
    uint64_t n = 0;

    for (uint64_t p = 0; p < NPAGES; p++) {
        if (p % 4 == 0)
            continue;
        for (unsigned i = 0; i < PG; i++)
            s->m[p * PG + i] = pattern(p, i);
        pending[n++] = p;
    }
    return n;
}

struct src_args {
    struct side *s;
    uint64_t *pending, npend;
    int out, req, rc;
    struct pc_stats st;
    char msg[PC_MSG_LEN];
};

static void *src_thread(void *a)
{
    struct src_args *x = a;

    x->rc = pc_source_serve(x->s->m, NPAGES, x->pending, x->npend, x->out, x->req, &x->st,
                            x->msg);
    return NULL;
}

struct guest_args {
    uint8_t *m;
    uint64_t first, bad;
};

/* A vCPU's view: reads every page, from FIRST on, and counts wrong bytes. */
static void *guest_thread(void *a)
{
    struct guest_args *g = a;

    for (uint64_t k = 0; k < NPAGES; k++) {
        uint64_t p = (g->first + k * 37) % NPAGES;
        for (unsigned i = 0; i < PG; i += 512)
            g->bad += g->m[p * PG + i] != (p % 4 ? pattern(p, i) : 0);
    }
    return NULL;
}

static bool uffd_usable(void)
{
    int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);

    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* The page a guest asks for first comes on demand, before the background
 * stream starts; the rest in the background; contents arrive intact. */
static void roundtrip(void)
{
    struct side src = side_new(), dst = side_new();
    uint64_t pending[NPAGES];
    int fwd[2], ret[2];
    struct src_args sa = { .s = &src, .pending = pending };
    struct guest_args g1 = { .first = NPAGES - 1 }, g2 = { .first = 3 };
    struct pc_dest d;
    struct pc_stats st;
    char msg[PC_MSG_LEN] = "";
    pthread_t ts, t1, t2;
    uint64_t peek;

    CHECK(src.m != MAP_FAILED && dst.m != MAP_FAILED);
    sa.npend = fill_source(&src, pending);
    /* A stale precopy copy at the destination: punched, then replaced. */
    memset(dst.m + 5 * PG, 0xee, PG);
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd));
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ret));
    sa.out = fwd[0];
    sa.req = ret[1];
    CHECK_EQ(pc_dest_arm(&d, dst.fd, dst.m, NPAGES, pending, sa.npend, msg), 0);
    /* The page states as a backend process maps them (PC_PAGES): pending
     * now, arrived at the end; the mapping outlives the destination's. */
    const uint8_t *states = mmap(NULL, NPAGES, PROT_READ, MAP_SHARED, d.state_fd, 0);
    CHECK(states != MAP_FAILED);
    for (uint64_t i = 0; i < sa.npend; i++)
        CHECK_EQ(states[pending[i]], XK_PC_PAGE_PENDING);
    CHECK_EQ(pc_dest_run(&d, fwd[1], ret[0], true, msg), 0);
    g1.m = g2.m = dst.m;
    pthread_create(&t1, NULL, guest_thread, &g1);
    /* The source starts once the first request is on the return path. */
    while (recv(ret[1], &peek, sizeof(peek), MSG_PEEK) != sizeof(peek))
        ;
    CHECK_EQ(peek, NPAGES - 1);
    pthread_create(&ts, NULL, src_thread, &sa);
    pthread_create(&t2, NULL, guest_thread, &g2);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_join(ts, NULL);
    CHECK_EQ(sa.rc, 0);
    CHECK_EQ(pc_dest_wait(&d, &st, msg), 0);
    CHECK_EQ(g1.bad + g2.bad, 0);
    CHECK(!memcmp(src.m, dst.m, NPAGES * PG));
    CHECK(st.on_demand >= 1);
    CHECK(st.background >= 1);
    CHECK_EQ(st.on_demand + st.background, sa.npend);
    CHECK_EQ(sa.st.on_demand + sa.st.background, sa.npend);
    /* The source counts pages sent because asked for; the destination
     * the pages a thread waited for (some were already on their way). */
    CHECK(sa.st.on_demand >= 1 && sa.st.on_demand <= st.on_demand);
    CHECK_EQ(st.clobbered, 0);
    for (uint64_t i = 0; i < sa.npend; i++)
        CHECK_EQ(states[pending[i]], XK_PC_PAGE_ARRIVED);
    munmap((void *)states, NPAGES);
    close(fwd[0]); close(fwd[1]); close(ret[0]); close(ret[1]);
    side_free(&src);
    side_free(&dst);
}

/* A page touched through another mapping of the memfd before it arrived
 * (what a backend process would do) cannot be installed: the destination
 * says so instead of leaving the guest a zero page silently. */
static void other_mapping_is_reported(void)
{
    struct side src = side_new(), dst = side_new();
    uint64_t pending[NPAGES];
    int fwd[2], ret[2];
    struct src_args sa = { .s = &src, .pending = pending, .req = -1 };
    struct pc_dest d;
    struct pc_stats st;
    char msg[PC_MSG_LEN] = "";
    pthread_t ts;
    uint8_t *other;

    sa.npend = fill_source(&src, pending);
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd));
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ret));
    sa.out = fwd[0];
    CHECK_EQ(pc_dest_arm(&d, dst.fd, dst.m, NPAGES, pending, sa.npend, msg), 0);
    CHECK_EQ(pc_dest_run(&d, fwd[1], ret[0], true, msg), 0);
    other = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, dst.fd, 9 * PG);
    CHECK(other != MAP_FAILED);
    other[0] = 1;       /* page 9 is pending */
    pthread_create(&ts, NULL, src_thread, &sa);
    pthread_join(ts, NULL);
    CHECK_EQ(sa.rc, 0);
    CHECK_EQ(pc_dest_wait(&d, &st, msg), -EEXIST);
    CHECK_EQ(st.clobbered, 1);
    CHECK(strstr(msg, "another mapping") != NULL);
    munmap(other, PG);
    close(fwd[0]); close(fwd[1]); close(ret[0]); close(ret[1]);
    side_free(&src);
    side_free(&dst);
}

/* A connection that breaks mid-stream (a source that died looks the
 * same): the destination pauses, says so, and can still be stopped (a
 * thread waiting on a page is let go). */
static void broken_connection_pauses(void)
{
    struct side dst = side_new();
    uint64_t pending[2] = { 1, 2 };
    int fwd[2], ret[2];
    struct pc_dest d;
    struct pc_stats st;
    char msg[PC_MSG_LEN] = "";

    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd));
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ret));
    CHECK_EQ(pc_dest_arm(&d, dst.fd, dst.m, NPAGES, pending, 2, msg), 0);
    CHECK_EQ(pc_dest_run(&d, fwd[1], ret[0], true, msg), 0);
    close(fwd[0]);
    CHECK_EQ(pc_dest_wait(&d, &st, msg), -ENOTCONN);
    CHECK(strstr(msg, "connection to the source was lost") != NULL);
    CHECK(strstr(msg, "2 pages missing") != NULL);
    CHECK(pc_dest_paused(&d));
    /* Not paused a second time: a resume is refused while it runs. */
    pc_dest_disarm(&d);
    close(fwd[1]); close(ret[0]); close(ret[1]);
    side_free(&dst);
}

static void put_page_rec(int fd, uint64_t pfn, const uint8_t *page, size_t len)
{
    uint32_t hdr[2] = { PC_REC_PAGE, 8 + PG };

    CHECK_EQ(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
    CHECK_EQ(write(fd, &pfn, 8), 8);
    CHECK_EQ(write(fd, page, len), (ssize_t)len);
}

/* Broken after one page and half of another, then resumed on a new
 * connection: the destination lists what it misses (the half page among
 * them), the source sends exactly those, a thread waiting meanwhile gets
 * its page, and every page arrives intact. */
static void broken_connection_resumes(void)
{
    struct side src = side_new(), dst = side_new();
    uint64_t pending[NPAGES];
    int fwd[2], ret[2], fwd2[2], ret2[2];
    struct guest_args g = { .first = 7 };
    struct pc_dest d;
    struct pc_src ps;
    struct pc_stats st;
    char msg[PC_MSG_LEN] = "", smsg[PC_MSG_LEN] = "";
    uint64_t n = fill_source(&src, pending);
    pthread_t tg;

    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd));
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ret));
    CHECK_EQ(pc_dest_arm(&d, dst.fd, dst.m, NPAGES, pending, n, msg), 0);
    CHECK_EQ(pc_dest_run(&d, fwd[1], ret[0], true, msg), 0);
    put_page_rec(fwd[0], pending[0], src.m + pending[0] * PG, PG);
    put_page_rec(fwd[0], pending[1], src.m + pending[1] * PG, PG / 2);
    close(fwd[0]);
    close(ret[1]);
    CHECK_EQ(pc_dest_wait(&d, &st, msg), -ENOTCONN);
    CHECK_EQ(st.background, 1);
    g.m = dst.m;
    pthread_create(&tg, NULL, guest_thread, &g);     /* waits on a missing page */
    /* A resume while the old connection's state is gone: a new one. */
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd2));
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ret2));
    CHECK_EQ(pc_src_init(&ps, src.m, NPAGES, pending, n, smsg), 0);
    CHECK_EQ(pc_dest_resume(&d, fwd2[1], ret2[0], msg), 0);
    CHECK_EQ(pc_dest_resume(&d, fwd2[1], ret2[0], msg), -EBUSY);
    CHECK_EQ(pc_src_serve(&ps, fwd2[0], ret2[1], true, smsg), 0);
    CHECK_EQ(pc_dest_wait(&d, &st, msg), 0);
    pthread_join(tg, NULL);
    CHECK_EQ(g.bad, 0);
    CHECK(!memcmp(src.m, dst.m, NPAGES * PG));
    /* The page that arrived whole is not sent again; the half one is. */
    CHECK_EQ(ps.sent, n - 1);
    CHECK_EQ(st.on_demand + st.background, n);
    CHECK_EQ(st.clobbered, 0);
    pc_src_free(&ps);
    close(fwd[1]); close(ret[0]); close(fwd2[0]); close(fwd2[1]); close(ret2[0]);
    close(ret2[1]);
    side_free(&src);
    side_free(&dst);
}

/* The source's side of a broken connection: -ENOTCONN, its state kept. */
static void source_pauses_on_broken_connection(void)
{
    struct side src = side_new();
    uint64_t pending[NPAGES];
    int fwd[2], ret[2];
    struct pc_src ps;
    char msg[PC_MSG_LEN] = "";
    uint64_t n = fill_source(&src, pending), start = PC_REQ_START;

    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd));
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ret));
    CHECK_EQ(pc_src_init(&ps, src.m, NPAGES, pending, n, msg), 0);
    CHECK_EQ(write(ret[0], &start, 8), 8);
    close(fwd[1]);
    CHECK_EQ(pc_src_serve(&ps, fwd[0], ret[1], false, msg), -ENOTCONN);
    CHECK_EQ(ps.left, n);
    pc_src_free(&ps);
    close(fwd[0]); close(ret[0]); close(ret[1]);
    side_free(&src);
}

/* Bad requests on the return path are refused, not served. */
static void bad_request_is_refused(void)
{
    struct side src = side_new();
    uint64_t pending[NPAGES], bad = NPAGES + 5;
    int fwd[2], ret[2];
    struct pc_stats st;
    char msg[PC_MSG_LEN] = "";
    uint64_t n = fill_source(&src, pending);

    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fwd));
    CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ret));
    CHECK_EQ(write(ret[0], &bad, sizeof(bad)), sizeof(bad));
    /* Drain the forward side so a full buffer does not block the source. */
    CHECK(!fcntl(fwd[1], F_SETFL, O_NONBLOCK));
    shutdown(fwd[1], SHUT_RD);
    CHECK_EQ(pc_source_serve(src.m, NPAGES, pending, n, fwd[0], ret[1], &st, msg), -EINVAL);
    CHECK(strstr(msg, "asked for page") != NULL);
    close(fwd[0]); close(fwd[1]); close(ret[0]); close(ret[1]);
    side_free(&src);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    if (!uffd_usable()) {
        printf("SKIP: postcopy: userfaultfd: %s\n", strerror(errno));
        return 0;
    }
    RUN(roundtrip);
    RUN(other_mapping_is_reported);
    RUN(broken_connection_pauses);
    RUN(broken_connection_resumes);
    RUN(source_pauses_on_broken_connection);
    RUN(bad_request_is_refused);
    return CHECK_DONE();
}
