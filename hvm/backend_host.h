/* backend_host.c: the backend seam filled inside the VMM, for backends
 * that run in the guest's own VMM process (the PV console). */
#ifndef XK_BACKEND_HOST_H
#define XK_BACKEND_HOST_H

#include "backend/context.h"
#include "vm.h"

/* Fill CTX for VM's backends: its memfd, grant table, event loop and run
 * directory; event channels bind in-process (link.c).  After events_init;
 * CTX must outlive the backends. */
void vm_backend_ctx(struct vm *vm, struct xk_backend_ctx *ctx);

#endif
