/* The backend seam filled from the VM (backend_host.h). */
#include "backend_host.h"

#include <string.h>

#include "grant.h"
#include "link.h"
#include "util.h"

static void *host_gfn_ptr(struct xk_backend_ctx *ctx, uint64_t gfn)
{
    return vm_gnttab_ram_ptr(ctx->opaque, gfn);
}

static int host_bind(struct xk_backend_ctx *ctx, uint32_t port, uint32_t my_port,
                     struct xk_evtchn *e)
{
    struct vm *vm = ctx->opaque;
    int fds[3], rc = link_bind_backend(vm, port, my_port, fds);

    if (rc)
        return rc;
    *e = (struct xk_evtchn){ .sock = fds[2], .notify_fd = fds[0], .event_fd = fds[1],
                             .domid = vm->domid, .port = port };
    return 0;
}

static const struct xk_backend_ops host_ops = {
    .gfn_ptr = host_gfn_ptr,
    .bind = host_bind,
};

void vm_backend_ctx(struct vm *vm, struct xk_backend_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->domid = vm->domid;
    ctx->rundir = vm->rundir;
    ctx->loop = vm->loop;
    ctx->mem_fd = vm->mem_fd;
    ctx->mem = vm->mem;
    ctx->mem_pages = vm->mem_size >> XK_PAGE_SHIFT;
    ctx->special_page = vm->xenpage0 + XENPAGE_SPECIAL0;
    ctx->grants = &vm->gnttab->view;
    ctx->ops = &host_ops;
    ctx->opaque = vm;
}
