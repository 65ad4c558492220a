/* A backend context filled in a host process of its own (context.h). */
#include "context.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fd_pass.h"
#include "guest_layout.h"
#include "pc_fetch.h"
#include "vmm_ctl.h"

void *backend_special_page(struct xk_backend_ctx *ctx, unsigned idx)
{
    if (idx >= XK_NR_SPECIAL || ctx->special_page + idx >= ctx->mem_pages)
        return NULL;
    return ctx->mem + (ctx->special_page + idx) * XK_LINK_PAGE_SIZE;
}

static void *remote_gfn_ptr(struct xk_backend_ctx *ctx, uint64_t gfn)
{
    return ctx->pc_state ? backend_pc_gfn_ptr(ctx, gfn) : gnt_flat_ram_ptr(&ctx->flat, gfn);
}

static int remote_bind(struct xk_backend_ctx *ctx, uint32_t port, uint32_t my_port,
                       struct xk_evtchn *e)
{
    return xk_evtchn_bind(ctx->rundir, ctx->domid, port, my_port, e);
}

static const struct xk_backend_ops remote_ops = {
    .gfn_ptr = remote_gfn_ptr,
    .bind = remote_bind,
};

int backend_ctx_connect(struct xk_backend_ctx *ctx, const char *rundir, uint32_t domid,
                        struct evloop *loop)
{
    struct xk_link_msg m = { .magic = XK_LINK_MAGIC, .type = XK_LINK_MEMORY };
    struct xk_link_memory r;
    struct pollfd p;
    int s, fd = -1, nfds = 0, rc;
    ssize_t n;
    void *mem;

    memset(ctx, 0, sizeof(*ctx));
    ctx->mem_fd = -1;
    s = xk_link_connect(rundir, domid);
    if (s < 0)
        return s == -ENOENT || s == -ECONNREFUSED ? -ESRCH : s;
    if (send(s, &m, sizeof(m), MSG_NOSIGNAL) != sizeof(m)) {
        rc = -errno;
        close(s);
        return rc;
    }
    p = (struct pollfd){ .fd = s, .events = POLLIN };
    if (poll(&p, 1, VMM_CTL_TIMEOUT_MS) <= 0) {
        close(s);
        return -ETIMEDOUT;
    }
    n = xk_recv_fds(s, &r, sizeof(r), &fd, 1, &nfds, 0);
    close(s);
    if (n != (ssize_t)sizeof(r) || r.magic != XK_LINK_MAGIC || r.type != XK_LINK_MEMORY) {
        rc = -EPROTO;
        goto fail;
    }
    if (r.status) {
        rc = r.status < 0 ? r.status : -EPROTO;
        goto fail;
    }
    if (nfds != 1 || r.ram_pages > r.mem_pages || r.lowmem_pages > r.ram_pages ||
        r.special_page + XK_NR_SPECIAL > r.mem_pages || r.grant_page >= r.mem_pages) {
        rc = -EPROTO;
        goto fail;
    }
    mem = mmap(NULL, r.mem_pages * XK_LINK_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
               fd, 0);
    if (mem == MAP_FAILED) {
        rc = -errno;
        goto fail;
    }
    ctx->domid = domid;
    ctx->rundir = rundir;
    ctx->loop = loop;
    ctx->mem_fd = fd;
    ctx->mem = mem;
    ctx->mem_pages = r.mem_pages;
    ctx->special_page = r.special_page;
    ctx->flat = (struct gnt_flat_ram){ ctx->mem, r.lowmem_pages, r.ram_pages };
    ctx->ops = &remote_ops;
    ctx->pc_fd = -1;
    /* A postcopy destination's pages may not all be there yet: grants
     * resolve through the fetching lookup then (pc_fetch.h). */
    if ((rc = backend_pc_open(ctx))) {
        backend_ctx_release(ctx);
        return rc;
    }
    rc = ctx->pc_state
             ? gnt_view_init(&ctx->own_grants, ctx->mem + r.grant_page * XK_LINK_PAGE_SIZE,
                             (domid_t)domid, backend_pc_gfn_ptr, ctx)
             : gnt_view_init(&ctx->own_grants, ctx->mem + r.grant_page * XK_LINK_PAGE_SIZE,
                             (domid_t)domid, gnt_flat_ram_ptr, &ctx->flat);
    if (rc) {
        backend_ctx_release(ctx);
        return rc;
    }
    ctx->grants = &ctx->own_grants;
    return 0;
fail:
    if (nfds == 1)
        close(fd);
    return rc;
}

void backend_ctx_release(struct xk_backend_ctx *ctx)
{
    backend_pc_close(ctx);
    if (ctx->mem)
        munmap(ctx->mem, ctx->mem_pages * XK_LINK_PAGE_SIZE);
    if (ctx->mem_fd >= 0)
        close(ctx->mem_fd);
    ctx->mem = NULL;
    ctx->mem_fd = -1;
}
