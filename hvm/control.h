/* control.c: the VMM's control socket (lib/vmm_socket_proto.h) and what
 * domain 0 asks through it: pause, unpause, the domain's state. */
#ifndef XK_CONTROL_H
#define XK_CONTROL_H

#include "vmm_socket_proto.h"
#include "vm.h"

/* Listen on <rundir>/dom<N>.sock (a socket left by a dead VMM is taken
 * over), served on the event loop.  0 or -errno. */
int control_listen(struct vm *vm);
/* Live update: serve the listening socket FD kept across exec. */
int control_adopt(struct vm *vm, int fd);
/* Close and remove it. */
void control_shutdown(struct vm *vm);

/* Fill OUT for an XK_LINK_INFO reply (status 0).  Any thread. */
void vm_ctl_info(struct vm *vm, struct xk_link_info *out);
/* Xen's domain_pause_by_systemcontroller: count one more controller pause
 * (-EOVERFLOW past XK_LINK_MAX_PAUSE) and return once no vCPU runs guest
 * code.  The event loop, timers and backends go on. */
int vm_ctl_pause(struct vm *vm);
/* domain_unpause_by_systemcontroller: -EINVAL if no pause is outstanding;
 * at 0 the vCPUs run again. */
int vm_ctl_unpause(struct vm *vm);

#endif
