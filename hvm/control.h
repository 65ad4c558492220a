/* What domain 0's tools ask a VMM about its domain (lib/vmm_socket_proto.h). */
#ifndef XK_CONTROL_H
#define XK_CONTROL_H

#include "vmm_socket_proto.h"
#include "vm.h"

/* Fill OUT for an XK_LINK_INFO reply (status 0).  Any thread. */
void vm_ctl_info(struct vm *vm, struct xk_link_info *out);

#endif
