/* Postcopy page fetches from a host backend (pc_fetch.h). */
#include "pc_fetch.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "context.h"
#include "fd_pass.h"
#include "vmm_ctl.h"
#include "vmm_socket_proto.h"

static bool missing(const struct xk_backend_ctx *ctx, uint64_t pg)
{
    uint8_t s = __atomic_load_n(&ctx->pc_state[pg], __ATOMIC_ACQUIRE);

    return s == XK_PC_PAGE_PENDING || s == XK_PC_PAGE_REQUESTED;
}

int backend_pc_open(struct xk_backend_ctx *ctx)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_PC_PAGES }, r;
    struct pollfd p;
    struct stat st;
    int s, fd = -1, nfds = 0, rc;
    void *map;
    ssize_t n;

    ctx->pc_state = NULL;
    ctx->pc_fd = -1;
    s = xk_link_connect(ctx->rundir, ctx->domid);
    if (s < 0)
        return s;
    if (send(s, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m)) {
        rc = -errno;
        goto out;
    }
    p = (struct pollfd){ .fd = s, .events = POLLIN };
    if (poll(&p, 1, VMM_CTL_TIMEOUT_MS) <= 0) {
        rc = -ETIMEDOUT;
        goto out;
    }
    n = xk_recv_fds(s, &r, sizeof(r), &fd, 1, &nfds, 0);
    if (n != (ssize_t)sizeof(r) || r.magic != XK_LINK_MAGIC || r.type != XK_LINK_PC_PAGES) {
        rc = -EPROTO;
        goto out;
    }
    if (r.status) {
        /* -ENOENT: no postcopy, nothing to ask for (a VMM that does not
         * know PC_PAGES hangs up, answered above as -EPROTO). */
        rc = r.status == -ENOENT ? 0 : r.status;
        goto out;
    }
    if (nfds != 1 || fstat(fd, &st) < 0 || st.st_size <= 0) {
        rc = -EPROTO;
        goto out;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        rc = -errno;
        goto out;
    }
    pthread_mutex_init(&ctx->pc_lock, NULL);
    ctx->pc_len = (size_t)st.st_size;
    ctx->pc_pages = ctx->pc_len < ctx->mem_pages ? ctx->pc_len : ctx->mem_pages;
    ctx->pc_fd = s;
    ctx->pc_state = map;
    close(fd);
    return 0;
out:
    if (nfds == 1)
        close(fd);
    close(s);
    return rc;
}

/* Ask for memfd page PG and wait for the answer; 0 once it is there. */
static int fetch(struct xk_backend_ctx *ctx, uint64_t pg)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_PC_FETCH,
                             .port = (uint32_t)pg };
    int rc = 0;

    pthread_mutex_lock(&ctx->pc_lock);
    /* Another thread may have fetched it meanwhile. */
    if (missing(ctx, pg)) {
        ssize_t n = ctx->pc_fd < 0 ? -1 : send(ctx->pc_fd, &m, sizeof(m), MSG_NOSIGNAL);
        if (n == (ssize_t)sizeof(m)) {
            do
                n = recv(ctx->pc_fd, &m, sizeof(m), MSG_WAITALL);
            while (n < 0 && errno == EINTR);
        }
        if (n != (ssize_t)sizeof(m) || m.type != XK_LINK_PC_FETCH) {
            /* The VMM hung up: postcopy ended (every page there) or the
             * domain is gone.  The state says which. */
            if (ctx->pc_fd >= 0)
                close(ctx->pc_fd);
            ctx->pc_fd = -1;
            rc = missing(ctx, pg) ? -EIO : 0;
        } else {
            rc = m.status;
        }
    }
    pthread_mutex_unlock(&ctx->pc_lock);
    return rc;
}

void *backend_pc_gfn_ptr(void *opaque, uint64_t gfn)
{
    struct xk_backend_ctx *ctx = opaque;
    uint8_t *p = gnt_flat_ram_ptr(&ctx->flat, gfn);

    if (p && ctx->pc_state) {
        uint64_t pg = (uint64_t)(p - ctx->mem) / XK_LINK_PAGE_SIZE;
        if (pg < ctx->pc_pages && missing(ctx, pg) && fetch(ctx, pg))
            return NULL;        /* the grant fails as a bad page */
    }
    return p;
}

void backend_pc_close(struct xk_backend_ctx *ctx)
{
    if (!ctx->pc_state)
        return;
    munmap((void *)ctx->pc_state, ctx->pc_len);
    ctx->pc_state = NULL;
    if (ctx->pc_fd >= 0)
        close(ctx->pc_fd);
    ctx->pc_fd = -1;
    pthread_mutex_destroy(&ctx->pc_lock);
}
