/* Postcopy's page mover (postcopy.h): the source's sender, which puts a
 * requested page ahead of the background stream, and the destination's
 * userfaultfd thread. */
#include "postcopy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/userfaultfd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "vmm_socket_proto.h"

#define PC_PAGE 4096u

/* Destination page states: shared with backend processes (they read them
 * from the state memfd, lib/vmm_socket_proto.h). */
enum {
    PC_NOT_PENDING = XK_PC_PAGE_NOT_PENDING, PC_PENDING = XK_PC_PAGE_PENDING,
    PC_REQUESTED = XK_PC_PAGE_REQUESTED, PC_ARRIVED = XK_PC_PAGE_ARRIVED,
};

static int read_all(int fd, void *p, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = read(fd, (char *)p + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 ? -EPIPE : -errno;
        got += (size_t)r;
    }
    return 0;
}

static int writev_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

static int send_rec(int fd, uint32_t type, uint64_t arg, const void *page)
{
    uint32_t hdr[2] = { type, (uint32_t)(sizeof(arg) + (page ? PC_PAGE : 0)) };
    struct iovec iov[3] = {
        { hdr, sizeof(hdr) }, { &arg, sizeof(arg) }, { (void *)page, page ? PC_PAGE : 0 },
    };

    return writev_all(fd, iov, page ? 3 : 2);
}

/* ---- source ---- */

/* Source page flags. */
#define PC_TODO 1u      /* still to send */
#define PC_WAS  2u      /* pending at the switch-over */

static bool conn_lost(int rc)
{
    return rc == -EPIPE || rc == -ECONNRESET || rc == -ENOTCONN;
}

int pc_src_init(struct pc_src *s, const uint8_t *mem, uint64_t npages, const uint64_t *pending,
                uint64_t npend, char *msg)
{
    memset(s, 0, sizeof(*s));
    s->mem = mem;
    s->npages = npages;
    s->pending = pending;
    s->npend = npend;
    if (!(s->todo = calloc(npages ? npages : 1, 1))) {
        snprintf(msg, PC_MSG_LEN, "postcopy: out of memory");
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < npend; i++) {
        if (pending[i] >= npages) {
            snprintf(msg, PC_MSG_LEN, "postcopy: pending page %llu past the %llu pages",
                     (unsigned long long)pending[i], (unsigned long long)npages);
            pc_src_free(s);
            return -EINVAL;
        }
        s->left += !(s->todo[pending[i]] & PC_TODO);
        s->todo[pending[i]] = PC_TODO | PC_WAS;
    }
    return 0;
}

void pc_src_free(struct pc_src *s)
{
    free(s->todo);
    s->todo = NULL;
}

/* After a broken connection: the destination's list of the pages it
 * still misses replaces what was still to send (a page sent on the old
 * channel may never have arrived). */
static int src_resync(struct pc_src *s, int req_fd, char *msg)
{
    uint64_t hdr[2], pfn;
    int rc;

    if ((rc = read_all(req_fd, hdr, sizeof(hdr)))) {
        snprintf(msg, PC_MSG_LEN, "postcopy: reading the destination's missing pages: %s",
                 strerror(-rc));
        return conn_lost(rc) ? -ENOTCONN : rc;
    }
    if (hdr[0] != PC_REQ_RESUME || hdr[1] > s->npend) {
        snprintf(msg, PC_MSG_LEN, "postcopy: the destination's resume is malformed");
        return -EINVAL;
    }
    for (uint64_t i = 0; i < s->npend; i++)
        s->todo[s->pending[i]] &= (uint8_t)~PC_TODO;
    s->left = 0;
    for (uint64_t i = 0; i < hdr[1]; i++) {
        if ((rc = read_all(req_fd, &pfn, sizeof(pfn)))) {
            snprintf(msg, PC_MSG_LEN, "postcopy: reading the destination's missing pages: %s",
                     strerror(-rc));
            return conn_lost(rc) ? -ENOTCONN : rc;
        }
        if (pfn >= s->npages || !(s->todo[pfn] & PC_WAS)) {
            snprintf(msg, PC_MSG_LEN, "postcopy: the destination misses page %llu, "
                     "which was never pending", (unsigned long long)pfn);
            return -EINVAL;
        }
        s->left += !(s->todo[pfn] & PC_TODO);
        s->todo[pfn] |= PC_TODO;
    }
    s->next = 0;
    s->started = true;
    return 0;
}

int pc_src_serve(struct pc_src *s, int out_fd, int req_fd, bool resume, char *msg)
{
    struct pc_stats *st = &s->st;
    int rc = 0;

    if (resume && (rc = src_resync(s, req_fd, msg)))
        return rc;
    if (req_fd < 0)
        s->started = true;
    while (s->left) {
        struct pollfd p = { .fd = req_fd, .events = POLLIN };
        uint64_t pfn;
        bool asked = false;

        /* A request goes ahead of the background page; the background
         * waits for the first word from the destination. */
        if (req_fd >= 0 && poll(&p, 1, s->started ? 0 : -1) > 0) {
            if ((rc = read_all(req_fd, &pfn, sizeof(pfn)))) {
                snprintf(msg, PC_MSG_LEN, "postcopy: return path: %s", strerror(-rc));
                return conn_lost(rc) ? -ENOTCONN : rc;
            }
            s->started = true;
            if (pfn == PC_REQ_START)
                continue;
            st->requests++;
            if (pfn >= s->npages) {
                snprintf(msg, PC_MSG_LEN, "postcopy: destination asked for page %llu of %llu",
                         (unsigned long long)pfn, (unsigned long long)s->npages);
                return -EINVAL;
            }
            if (!(s->todo[pfn] & PC_TODO))
                continue;       /* already sent, or never pending (a zero page) */
            asked = true;
        } else {
            while (!(s->todo[s->pending[s->next]] & PC_TODO))
                s->next++;
            pfn = s->pending[s->next];
        }
        if ((rc = send_rec(out_fd, PC_REC_PAGE, pfn, s->mem + pfn * PC_PAGE))) {
            snprintf(msg, PC_MSG_LEN, "postcopy: sending page %llu: %s",
                     (unsigned long long)pfn, strerror(-rc));
            return conn_lost(rc) ? -ENOTCONN : rc;
        }
        s->todo[pfn] &= (uint8_t)~PC_TODO;
        s->left--;
        s->sent++;
        if (asked) {
            st->on_demand++;
            /* The destination's thread installs it next: on a shared
             * host (loopback, 2 busy cores) it needs the CPU more than the
             * background stream does. */
            sched_yield();
        } else
            st->background++;
    }
    if ((rc = send_rec(out_fd, PC_REC_END, s->sent, NULL))) {
        snprintf(msg, PC_MSG_LEN, "postcopy: sending the end: %s", strerror(-rc));
        return conn_lost(rc) ? -ENOTCONN : rc;
    }
    return 0;
}

int pc_source_serve(const uint8_t *mem, uint64_t npages, const uint64_t *pending,
                    uint64_t npend, int out_fd, int req_fd, struct pc_stats *st, char *msg)
{
    struct pc_src s;
    int rc = pc_src_init(&s, mem, npages, pending, npend, msg);

    memset(st, 0, sizeof(*st));
    if (rc)
        return rc;
    rc = pc_src_serve(&s, out_fd, req_fd, false, msg);
    *st = s.st;
    pc_src_free(&s);
    return rc;
}

/* ---- destination ---- */

static void dest_fail(struct pc_dest *d, int err, const char *what, uint64_t pfn)
{
    if (d->err)
        return;
    d->err = err;
    snprintf(d->msg, PC_MSG_LEN, "postcopy: %s (page %llu)", what, (unsigned long long)pfn);
}

static void wake(struct pc_dest *d, uint64_t pfn)
{
    struct uffdio_range r = { (uintptr_t)d->base + pfn * PC_PAGE, PC_PAGE };

    ioctl(d->uffd, UFFDIO_WAKE, &r);
}

static int send_req(struct pc_dest *d, uint64_t pfn)
{
    struct iovec iov = { &pfn, sizeof(pfn) };

    return writev_all(d->req_fd, &iov, 1);
}

static int on_fault(struct pc_dest *d)
{
    struct uffd_msg m;
    ssize_t r = read(d->uffd, &m, sizeof(m));
    uint64_t pfn;

    if (r < 0)
        return errno == EAGAIN || errno == EINTR ? 0 : -errno;
    if (r != sizeof(m) || m.event != UFFD_EVENT_PAGEFAULT)
        return 0;
    pfn = (m.arg.pagefault.address - (uintptr_t)d->base) / PC_PAGE;
    if (pfn >= d->npages)
        return 0;
    switch (d->state[pfn]) {
    case PC_NOT_PENDING: {
        /* A page never written on the source: a zero page. */
        struct uffdio_zeropage z = { .range = { (uintptr_t)d->base + pfn * PC_PAGE, PC_PAGE } };
        /* On failure (EEXIST: there already; EAGAIN) the thread is woken
         * to fault again. */
        if (ioctl(d->uffd, UFFDIO_ZEROPAGE, &z))
            wake(d, pfn);
        else
            d->st.zero_filled++;
        return 0;
    }
    case PC_PENDING: {
        int rc;
        if (d->req_fd < 0 && !d->paused)
            return 0;           /* no return path: it comes in the background */
        /* Paused: asked for again once the connection is back. */
        __atomic_store_n(&d->state[pfn], PC_REQUESTED, __ATOMIC_RELEASE);
        d->st.requests++;
        if (!d->paused && !d->req_lost && (rc = send_req(d, pfn))) {
            if (!conn_lost(rc))
                return rc;
            /* The return path is gone, but what the source sent before
             * may still be on its way: read on; the end of the forward
             * direction pauses. */
            d->req_lost = true;
        }
        return 0;
    }
    case PC_REQUESTED:
        return 0;               /* woken when it arrives */
    default:
        wake(d, pfn);           /* installed while this fault was queued */
        return 0;
    }
}

/* One record from the source; 1 at its end.  A read that fails leaves
 * the page pending (the connection may come back). */
static int on_record(struct pc_dest *d, uint8_t *page)
{
    uint32_t hdr[2];
    uint64_t pfn;
    int rc;

    if ((rc = read_all(d->in_fd, hdr, sizeof(hdr))) || (rc = read_all(d->in_fd, &pfn, 8)))
        return rc;
    if (hdr[0] == PC_REC_END && hdr[1] == 8) {
        if (d->left) {
            dest_fail(d, -EINVAL, "the source ended with pages missing", d->left);
            return -EINVAL;
        }
        return 1;
    }
    if (hdr[0] != PC_REC_PAGE || hdr[1] != 8 + PC_PAGE || pfn >= d->npages ||
        (d->state[pfn] != PC_PENDING && d->state[pfn] != PC_REQUESTED)) {
        dest_fail(d, -EINVAL, "malformed postcopy record or a page not pending", pfn);
        return -EINVAL;
    }
    if ((rc = read_all(d->in_fd, page, PC_PAGE)))
        return rc;
    struct uffdio_copy c = {
        .dst = (uintptr_t)d->base + pfn * PC_PAGE, .src = (uintptr_t)page, .len = PC_PAGE,
    };
    if (ioctl(d->uffd, UFFDIO_COPY, &c)) {
        if (errno != EEXIST) {
            dest_fail(d, -errno, "UFFDIO_COPY failed", pfn);
            return -errno;
        }
        /* Touched through another mapping before it arrived: its content
         * is not the source's.  Counted and reported, never silent. */
        d->st.clobbered++;
        dest_fail(d, -EEXIST, "a page was touched through another mapping before it arrived",
                  pfn);
        wake(d, pfn);
    }
    d->left--;
    if (d->state[pfn] == PC_REQUESTED) {
        d->st.on_demand++;
        __atomic_store_n(&d->state[pfn], PC_ARRIVED, __ATOMIC_RELEASE);
        /* A thread waits for this page: let it run now.  Woken on this
         * CPU it would otherwise wait until this thread sleeps, i.e. until
         * the background stream queued behind the page is installed (on
         * 2 busy cores that made a fault cost the whole stream). */
        sched_yield();
        return 0;
    }
    d->st.background++;
    __atomic_store_n(&d->state[pfn], PC_ARRIVED, __ATOMIC_RELEASE);
    return 0;
}

/* The connection broke: the pages stay pending, a thread touching one
 * waits (as QEMU's postcopy-paused); the waiter hears of it. */
static void enter_pause(struct pc_dest *d, int why)
{
    pthread_mutex_lock(&d->lock);
    d->paused = true;
    d->pauses++;
    d->in_fd = d->req_fd = -1;
    snprintf(d->pmsg, PC_MSG_LEN, "postcopy paused: the connection to the source was lost "
             "(%s) with %llu pages missing", strerror(-why), (unsigned long long)d->left);
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
}

/* A new connection: the source learns every page still missing, and the
 * ones a thread waits for are asked for again. */
static int resync(struct pc_dest *d)
{
    uint64_t hdr[2] = { PC_REQ_RESUME, 0 };
    struct iovec iov = { hdr, sizeof(hdr) };
    uint64_t *list = malloc((d->left ? d->left : 1) * sizeof(*list));
    int rc;

    if (!list)
        return -ENOMEM;
    for (uint64_t i = 0; i < d->npages; i++)
        if (d->state[i] == PC_PENDING || d->state[i] == PC_REQUESTED)
            list[hdr[1]++] = i;
    if (!(rc = writev_all(d->req_fd, &iov, 1))) {
        struct iovec l = { list, hdr[1] * sizeof(*list) };
        rc = hdr[1] ? writev_all(d->req_fd, &l, 1) : 0;
    }
    for (uint64_t i = 0; !rc && i < hdr[1]; i++)
        if (d->state[list[i]] == PC_REQUESTED)
            rc = send_req(d, list[i]);
    free(list);
    return rc;
}

/* The resume or stop asked for by another thread: 1 to stop. */
static int on_control(struct pc_dest *d)
{
    uint64_t v;
    int rc = 0;

    if (read(d->efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        return -errno;
    pthread_mutex_lock(&d->lock);
    if (d->stop) {
        pthread_mutex_unlock(&d->lock);
        return 1;
    }
    if (d->paused && d->new_in >= 0) {
        d->in_fd = d->new_in;
        d->req_fd = d->new_req;
        d->new_in = d->new_req = -1;
        d->paused = false;
        d->req_lost = false;
        rc = 2;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static void *dest_thread(void *arg)
{
    struct pc_dest *d = arg;
    uint8_t *page = aligned_alloc(PC_PAGE, PC_PAGE);
    int rc = page ? 0 : -ENOMEM;

    if (!rc && !d->hold && (rc = send_req(d, PC_REQ_START)) && conn_lost(rc)) {
        d->req_lost = true;
        rc = 0;
    }
    while (!rc) {
        struct pollfd p[3] = { { .fd = d->uffd, .events = POLLIN },
                               { .fd = d->efd, .events = POLLIN },
                               { .fd = d->paused ? -1 : d->in_fd, .events = POLLIN } };
        if (poll(p, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (p[1].revents & POLLIN) {
            rc = on_control(d);
            if (rc == 2 && (rc = resync(d)) == 0)
                rc = 0;
            if (rc == 1)
                break;
        }
        if (!rc && (p[0].revents & POLLIN))
            rc = on_fault(d);
        /* Faults first: a request goes out before the next page is read. */
        if (!rc && !d->paused && (p[2].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !(p[0].revents & POLLIN))
            rc = on_record(d, page);
        if (rc < 0 && conn_lost(rc) && !d->err) {
            enter_pause(d, rc);
            rc = 0;
        }
    }
    if (rc < 0)
        dest_fail(d, rc, "postcopy stopped", 0);
    if (rc == 1 && d->stop && d->left)
        dest_fail(d, -ECANCELED, "stopped with pages missing: the guest is lost", d->left);
    /* Unregistered, the range faults no more: every pending page is there
     * (or the guest is lost), the others read zero as holes. */
    struct uffdio_range r = { (uintptr_t)d->base, d->npages * PC_PAGE };
    ioctl(d->uffd, UFFDIO_UNREGISTER, &r);
    /* A fault queued after the last one served (a hole touched as the
     * end came) is let go: it faults again, unregistered. */
    ioctl(d->uffd, UFFDIO_WAKE, &r);
    free(page);
    pthread_mutex_lock(&d->lock);
    d->done = true;
    pthread_cond_broadcast(&d->cond);
    pthread_mutex_unlock(&d->lock);
    return NULL;
}

static void dest_release(struct pc_dest *d)
{
    if (d->uffd >= 0)
        close(d->uffd);
    if (d->efd >= 0)
        close(d->efd);
    d->uffd = d->efd = -1;
    if (d->state)
        munmap(d->state, d->state_len);
    if (d->state_fd >= 0)
        close(d->state_fd);
    d->state = NULL;
    d->state_fd = -1;
}

int pc_dest_arm(struct pc_dest *d, int mem_fd, uint8_t *base, uint64_t npages,
                const uint64_t *pending, uint64_t npend, char *msg)
{
    struct uffdio_api api = { .api = UFFD_API };
    struct uffdio_register reg = {
        .range = { (uintptr_t)base, npages * PC_PAGE }, .mode = UFFDIO_REGISTER_MODE_MISSING,
    };
    int rc;

    memset(d, 0, sizeof(*d));
    d->base = base;
    d->npages = npages;
    d->in_fd = d->req_fd = d->new_in = d->new_req = -1;
    d->uffd = d->efd = -1;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->cond, NULL);
    /* In a memfd: backend processes map it to know which pages they must
     * ask for before touching them (lib/vmm_socket_proto.h, PC_PAGES). */
    d->state_len = npages ? npages : 1;
    d->state_fd = memfd_create("xenkvm-postcopy-pages", MFD_CLOEXEC);
    if (d->state_fd < 0 || ftruncate(d->state_fd, (off_t)d->state_len) ||
        (d->state = mmap(NULL, d->state_len, PROT_READ | PROT_WRITE, MAP_SHARED, d->state_fd,
                         0)) == MAP_FAILED) {
        rc = -errno;
        snprintf(msg, PC_MSG_LEN, "postcopy: page states: %s", strerror(errno));
        if (d->state_fd >= 0)
            close(d->state_fd);
        d->state_fd = -1;
        d->state = NULL;
        return rc;
    }
    for (uint64_t i = 0; i < npend; i++) {
        if (pending[i] >= npages) {
            snprintf(msg, PC_MSG_LEN, "postcopy: pending page %llu past the %llu pages",
                     (unsigned long long)pending[i], (unsigned long long)npages);
            rc = -EINVAL;
            goto fail;
        }
        d->left += d->state[pending[i]] == PC_NOT_PENDING;
        d->state[pending[i]] = PC_PENDING;
        /* A precopy copy of a page changed since is stale: a hole faults. */
        if (fallocate(mem_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                      (off_t)(pending[i] * PC_PAGE), PC_PAGE)) {
            rc = -errno;
            snprintf(msg, PC_MSG_LEN, "postcopy: punching page %llu: %s",
                     (unsigned long long)pending[i], strerror(errno));
            goto fail;
        }
    }
    d->npend = d->left;
    d->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    d->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (d->efd < 0 || d->uffd < 0 || ioctl(d->uffd, UFFDIO_API, &api) ||
        ioctl(d->uffd, UFFDIO_REGISTER, &reg)) {
        rc = -errno;
        snprintf(msg, PC_MSG_LEN, "postcopy: userfaultfd on guest memory: %s", strerror(errno));
        goto fail;
    }
    return 0;
fail:
    dest_release(d);
    return rc;
}

int pc_dest_run(struct pc_dest *d, int in_fd, int req_fd, bool hold, char *msg)
{
    int rc;

    d->hold = hold;
    d->in_fd = in_fd;
    d->req_fd = req_fd;
    if ((rc = -pthread_create(&d->thread, NULL, dest_thread, d)))
        snprintf(msg, PC_MSG_LEN, "postcopy: thread: %s", strerror(-rc));
    else
        d->started = true;
    return rc;
}

int pc_dest_resume(struct pc_dest *d, int in_fd, int req_fd, char *msg)
{
    uint64_t one = 1;
    int rc = 0;

    pthread_mutex_lock(&d->lock);
    if (!d->started || d->done || !d->paused || d->new_in >= 0) {
        rc = -EBUSY;
        snprintf(msg, PC_MSG_LEN, "postcopy: the destination is not paused");
    } else {
        d->new_in = in_fd;
        d->new_req = req_fd;
    }
    pthread_mutex_unlock(&d->lock);
    if (!rc && write(d->efd, &one, sizeof(one)) != sizeof(one))
        rc = -errno;
    return rc;
}

int pc_dest_state_fd(struct pc_dest *d)
{
    int fd = -1;

    pthread_mutex_lock(&d->lock);
    /* Released only after the thread is done (pc_dest_wait). */
    if (!d->done && d->state_fd >= 0)
        fd = fcntl(d->state_fd, F_DUPFD_CLOEXEC, 0);
    pthread_mutex_unlock(&d->lock);
    return fd;
}

bool pc_dest_paused(struct pc_dest *d)
{
    bool p;

    pthread_mutex_lock(&d->lock);
    p = d->started && d->paused && !d->done;
    pthread_mutex_unlock(&d->lock);
    return p;
}


int pc_dest_wait(struct pc_dest *d, struct pc_stats *st, char *msg)
{
    pthread_mutex_lock(&d->lock);
    while (!d->done && d->pauses == d->seen)
        pthread_cond_wait(&d->cond, &d->lock);
    if (!d->done) {
        /* Paused: the thread lives on, waiting for pc_dest_resume. */
        d->seen = d->pauses;
        *st = d->st;
        snprintf(msg, PC_MSG_LEN, "%s", d->pmsg);
        pthread_mutex_unlock(&d->lock);
        return -ENOTCONN;
    }
    pthread_mutex_unlock(&d->lock);
    pthread_join(d->thread, NULL);
    d->started = false;
    dest_release(d);
    *st = d->st;
    if (d->err)
        snprintf(msg, PC_MSG_LEN, "%s", d->msg);
    return d->err;
}

void pc_dest_disarm(struct pc_dest *d)
{
    if (d->started) {
        uint64_t one = 1;
        pthread_mutex_lock(&d->lock);
        d->stop = true;
        pthread_mutex_unlock(&d->lock);
        if (write(d->efd, &one, sizeof(one)) != sizeof(one))
            close(d->uffd);     /* the thread's poll then fails */
        pthread_join(d->thread, NULL);
        d->started = false;
    }
    dest_release(d);
}
