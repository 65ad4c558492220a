/* Postcopy's page mover (postcopy.h): the source's sender, which puts a
 * requested page ahead of the background stream, and the destination's
 * userfaultfd thread. */
#include "postcopy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/falloc.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#define PC_PAGE 4096u

/* Destination page states. */
enum { PC_NOT_PENDING, PC_PENDING, PC_REQUESTED, PC_ARRIVED };

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

int pc_source_serve(const uint8_t *mem, uint64_t npages, const uint64_t *pending,
                    uint64_t npend, int out_fd, int req_fd, struct pc_stats *st, char *msg)
{
    uint8_t *todo = calloc(npages ? npages : 1, 1);
    uint64_t next = 0, left = 0, sent = 0;
    bool started = req_fd < 0;
    int rc = 0;

    memset(st, 0, sizeof(*st));
    if (!todo) {
        snprintf(msg, PC_MSG_LEN, "postcopy: out of memory");
        return -ENOMEM;
    }
    for (uint64_t i = 0; i < npend; i++) {
        if (pending[i] >= npages) {
            snprintf(msg, PC_MSG_LEN, "postcopy: pending page %llu past the %llu pages",
                     (unsigned long long)pending[i], (unsigned long long)npages);
            rc = -EINVAL;
            goto out;
        }
        left += !todo[pending[i]];
        todo[pending[i]] = 1;
    }
    while (left) {
        struct pollfd p = { .fd = req_fd, .events = POLLIN };
        uint64_t pfn;
        bool asked = false;

        /* A request goes ahead of the background page; the background
         * waits for the first word from the destination. */
        if (req_fd >= 0 && poll(&p, 1, started ? 0 : -1) > 0) {
            if ((rc = read_all(req_fd, &pfn, sizeof(pfn)))) {
                snprintf(msg, PC_MSG_LEN, "postcopy: return path: %s", strerror(-rc));
                goto out;
            }
            started = true;
            if (pfn == PC_REQ_START)
                continue;
            st->requests++;
            if (pfn >= npages) {
                snprintf(msg, PC_MSG_LEN, "postcopy: destination asked for page %llu of %llu",
                         (unsigned long long)pfn, (unsigned long long)npages);
                rc = -EINVAL;
                goto out;
            }
            if (!todo[pfn])
                continue;       /* already sent, or never pending (a zero page) */
            asked = true;
        } else {
            while (!todo[pending[next]])
                next++;
            pfn = pending[next];
        }
        if ((rc = send_rec(out_fd, PC_REC_PAGE, pfn, mem + pfn * PC_PAGE))) {
            snprintf(msg, PC_MSG_LEN, "postcopy: sending page %llu: %s",
                     (unsigned long long)pfn, strerror(-rc));
            goto out;
        }
        todo[pfn] = 0;
        left--;
        sent++;
        if (asked)
            st->on_demand++;
        else
            st->background++;
    }
    if ((rc = send_rec(out_fd, PC_REC_END, sent, NULL)))
        snprintf(msg, PC_MSG_LEN, "postcopy: sending the end: %s", strerror(-rc));
out:
    free(todo);
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
        if (d->req_fd < 0)
            return 0;           /* no return path: it comes in the background */
        struct iovec iov = { &pfn, sizeof(pfn) };
        if ((rc = writev_all(d->req_fd, &iov, 1))) {
            dest_fail(d, rc, "return path broken", pfn);
            return rc;
        }
        d->state[pfn] = PC_REQUESTED;
        d->st.requests++;
        return 0;
    }
    case PC_REQUESTED:
        return 0;               /* woken when it arrives */
    default:
        wake(d, pfn);           /* installed while this fault was queued */
        return 0;
    }
}

/* One record from the source; 1 at its end. */
static int on_record(struct pc_dest *d, uint8_t *page)
{
    uint32_t hdr[2];
    uint64_t pfn;
    int rc;

    if ((rc = read_all(d->in_fd, hdr, sizeof(hdr))) || (rc = read_all(d->in_fd, &pfn, 8))) {
        dest_fail(d, rc, rc == -EPIPE ? "the source went away: the guest is lost"
                                      : "reading the postcopy stream", 0);
        return rc;
    }
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
    if ((rc = read_all(d->in_fd, page, PC_PAGE))) {
        dest_fail(d, rc, "postcopy stream truncated: the guest is lost", pfn);
        return rc;
    }
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
    if (d->state[pfn] == PC_REQUESTED)
        d->st.on_demand++;
    else
        d->st.background++;
    d->state[pfn] = PC_ARRIVED;
    d->left--;
    return 0;
}

static void *dest_thread(void *arg)
{
    struct pc_dest *d = arg;
    uint8_t *page = aligned_alloc(PC_PAGE, PC_PAGE);
    int rc = page ? 0 : -ENOMEM;

    if (!rc && !d->hold) {
        struct iovec iov = { &(uint64_t){ PC_REQ_START }, 8 };
        rc = writev_all(d->req_fd, &iov, 1);
    }
    while (!rc) {
        struct pollfd p[2] = { { .fd = d->uffd, .events = POLLIN },
                               { .fd = d->in_fd, .events = POLLIN } };
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = -errno;
            break;
        }
        if (p[0].revents & POLLIN)
            rc = on_fault(d);
        /* Faults first: a request goes out before the next page is read. */
        if (!rc && (p[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
            !(p[0].revents & POLLIN))
            rc = on_record(d, page);
    }
    if (rc < 0)
        dest_fail(d, rc, "postcopy stopped", 0);
    /* Unregistered, the range faults no more: every pending page is there
     * (or the guest is lost), the others read zero as holes. */
    struct uffdio_range r = { (uintptr_t)d->base, d->npages * PC_PAGE };
    ioctl(d->uffd, UFFDIO_UNREGISTER, &r);
    /* A fault queued after the last one served (a hole touched as the
     * end came) is let go: it faults again, unregistered. */
    ioctl(d->uffd, UFFDIO_WAKE, &r);
    free(page);
    return NULL;
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
    d->in_fd = d->req_fd = -1;
    d->uffd = -1;
    d->state = calloc(npages ? npages : 1, 1);
    if (!d->state) {
        snprintf(msg, PC_MSG_LEN, "postcopy: out of memory");
        return -ENOMEM;
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
    d->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
    if (d->uffd < 0 || ioctl(d->uffd, UFFDIO_API, &api) ||
        ioctl(d->uffd, UFFDIO_REGISTER, &reg)) {
        rc = -errno;
        snprintf(msg, PC_MSG_LEN, "postcopy: userfaultfd on guest memory: %s", strerror(errno));
        goto fail;
    }
    return 0;
fail:
    if (d->uffd >= 0)
        close(d->uffd);
    free(d->state);
    d->state = NULL;
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
    return rc;
}

int pc_dest_wait(struct pc_dest *d, struct pc_stats *st, char *msg)
{
    pthread_join(d->thread, NULL);
    close(d->uffd);
    free(d->state);
    d->state = NULL;
    *st = d->st;
    if (d->err)
        snprintf(msg, PC_MSG_LEN, "%s", d->msg);
    return d->err;
}

void pc_dest_disarm(struct pc_dest *d)
{
    if (d->uffd >= 0)
        close(d->uffd);
    d->uffd = -1;
    free(d->state);
    d->state = NULL;
}
