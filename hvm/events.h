/* The VM's event channels: the evtchn library wired to guest memory and
 * to the upcall (irq.h), channels to other processes (link.h). */
#ifndef XK_EVENTS_H
#define XK_EVENTS_H

#include "vm.h"

#define XK_STORE_PORT   1       /* HVM_PARAM_STORE_EVTCHN */
#define XK_CONSOLE_PORT 2       /* HVM_PARAM_CONSOLE_EVTCHN */

/* Set up the port table (store and console ports unbound for domain 0,
 * as libxl leaves them), the event thread and interrupt lines.  After
 * vm_kvm_init and vcpu_create.  0 or -errno. */
int events_init(struct vm *vm);
/* Stop the event thread and release everything (after the vCPUs). */
void events_destroy(struct vm *vm);
/* The guest's width for shared structures changed (shinfo latch). */
void events_layout_changed(struct vm *vm);
/* Xen's hvm_local_events_need_delivery for SCHEDOP_block/poll: an upcall
 * is configured, pending for V, and V has interrupts enabled. */
bool events_need_delivery(struct vcpu *v);

#endif
