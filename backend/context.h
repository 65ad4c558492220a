/* The backend seam: everything a backend (domain 0's half of a PV device:
 * console, vbd, vif, pci) works with, whichever way it runs.
 *
 * Inside the guest's VMM the VMM fills it (hvm/backend_host.c); in a host
 * process of its own, backend_ctx_connect fills it over the VMM socket
 * (the memfd and its layout: XK_LINK_MEMORY; event channels: BIND).  A
 * backend reaches guest memory, grants and event channels only through
 * it: no struct vm, no hypercalls.  hvm/console.c is the example. */
#ifndef XK_BACKEND_CONTEXT_H
#define XK_BACKEND_CONTEXT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evtchn/backend.h"
#include "gnttab/gnttab.h"

struct evloop;
struct xk_backend_ctx;

struct xk_backend_ops {
    /* Host address of guest RAM frame GFN the backend may touch, or NULL
     * (what grants resolve through). */
    void *(*gfn_ptr)(struct xk_backend_ctx *ctx, uint64_t gfn);
    /* Bind domain 0's port MY_PORT to the guest's unbound PORT: E gets the
     * eventfds (notify_fd to raise the guest's port, event_fd readable
     * when the guest sent) and the channel socket.  0 or -errno. */
    int (*bind)(struct xk_backend_ctx *ctx, uint32_t port, uint32_t my_port,
                struct xk_evtchn *e);
};

struct xk_backend_ctx {
    uint32_t domid;             /* the guest (the frontend's domain) */
    const char *rundir;         /* run directory (sockets, pid files) or NULL */
    struct evloop *loop;        /* where the backend watches its fds */
    /* The guest-memory memfd, mapped whole. */
    int mem_fd;
    uint8_t *mem;
    uint64_t mem_pages;
    uint64_t special_page;      /* memfd page of special page 0 */
    struct gnt_view *grants;    /* the guest's grant table */
    const struct xk_backend_ops *ops;
    void *opaque;               /* the filler's */
    /* Filled by backend_ctx_connect only. */
    struct gnt_view own_grants;
    struct gnt_flat_ram flat;
    /* During a postcopy migration's destination phase: the page states
     * (lib/vmm_socket_proto.h, PC_PAGES) and the line to ask for a missing
     * page on (PC_FETCH, one request at a time under pc_lock).  A granted
     * page that has not arrived is fetched before the grant resolves to
     * it (backend/pc_fetch.c). */
    const uint8_t *pc_state;
    uint64_t pc_pages;
    size_t pc_len;
    int pc_fd;
    pthread_mutex_t pc_lock;
};

/* Special page IDX (guest_layout.h: SPECIAL_CONSOLE, SPECIAL_XENSTORE). */
void *backend_special_page(struct xk_backend_ctx *ctx, unsigned idx);
static inline void *backend_gfn_ptr(struct xk_backend_ctx *ctx, uint64_t gfn)
{
    return ctx->ops->gfn_ptr(ctx, gfn);
}
static inline int backend_bind(struct xk_backend_ctx *ctx, uint32_t port, uint32_t my_port,
                               struct xk_evtchn *e)
{
    return ctx->ops->bind(ctx, port, my_port, e);
}

/* In a host process: ask domain DOMID's VMM under RUNDIR for the guest's
 * memory, map it, attach the grant view; LOOP is the process's own.
 * 0, -ESRCH (no such domain), -EPROTO, or -errno. */
int backend_ctx_connect(struct xk_backend_ctx *ctx, const char *rundir, uint32_t domid,
                        struct evloop *loop);
/* Undo backend_ctx_connect (the mapping and the memfd). */
void backend_ctx_release(struct xk_backend_ctx *ctx);

#endif
