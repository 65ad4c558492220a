/* A host backend during a postcopy migration's destination phase: guest
 * pages that have not arrived must not be touched through the backend's
 * mapping (the page would be allocated there as zeroes and the source's
 * copy could never be installed: UFFDIO_COPY fails with EEXIST).  The
 * grant view resolves frames through backend_pc_gfn_ptr, which asks the
 * VMM for a missing page and waits until it is there (lib/
 * vmm_socket_proto.h, PC_PAGES and PC_FETCH). */
#ifndef XK_BACKEND_PC_FETCH_H
#define XK_BACKEND_PC_FETCH_H

#include <stdint.h>

struct xk_backend_ctx;

/* Ask the VMM whether postcopy is filling the domain's memory; if so, map
 * the page states and keep the fetch line.  0 (postcopy or not), -errno. */
int backend_pc_open(struct xk_backend_ctx *ctx);
/* The grant view's frame lookup: guest frame GFN's address, after making
 * it present; NULL when it is not RAM or could not be fetched. */
void *backend_pc_gfn_ptr(void *ctx, uint64_t gfn);
void backend_pc_close(struct xk_backend_ctx *ctx);

#endif
