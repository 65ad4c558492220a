/* The VM's event channels: the evtchn library wired to guest memory,
 * interrupt delivery, timers and the control socket. */
#ifndef XK_EVENTS_H
#define XK_EVENTS_H

#include "vm.h"

#define XK_STORE_PORT   1       /* HVM_PARAM_STORE_EVTCHN */
#define XK_CONSOLE_PORT 2       /* HVM_PARAM_CONSOLE_EVTCHN */

/* Set up the port table (store and console ports unbound for domain 0,
 * as libxl leaves them), the event thread, timers, interrupt lines and,
 * with a run directory, the control socket.  After vm_kvm_init and
 * vcpu_create.  0 or -errno. */
int events_init(struct vm *vm);
/* Stop the event thread and release everything (after the vCPUs). */
void events_destroy(struct vm *vm);
/* The guest's width for shared structures changed (shinfo latch). */
void events_layout_changed(struct vm *vm);
/* Xen's hvm_local_events_need_delivery for SCHEDOP_block/poll: an upcall
 * is configured, pending for V, and V has interrupts enabled. */
bool events_need_delivery(struct vcpu *v);

/* events_state.c: the domain's event state as bytes (save/restore,
 * migration).  events_save returns the length or -errno; events_restore
 * takes a stream from a VMM with the same vCPU count and port limit. */
size_t events_save_size(struct vm *vm);
int events_save(struct vm *vm, void *buf, size_t len);
int events_restore(struct vm *vm, const void *buf, size_t len);

/* irq.c: delivery of the upcall. */
int irq_init(struct vm *vm);
void irq_destroy(struct vm *vm);
void irq_upcall(struct vm *vm, unsigned vcpu);
/* On V's thread before each guest entry: inject a due callback vector. */
void irq_vcpu_entry(struct vcpu *v);
/* HVM_PARAM_CALLBACK_IRQ was set to VAL. */
void irq_set_callback(struct vm *vm, uint64_t val);
/* HVMOP_set_evtchn_upcall_vector. */
int irq_set_upcall_vector(struct vm *vm, uint32_t vcpu, uint8_t vector);
/* Is vCPU V's evtchn_upcall_pending set? */
bool irq_upcall_pending(struct vm *vm, unsigned vcpu);

/* timer.c: Xen's per-vCPU singleshot and periodic timers (VIRQ_TIMER). */
int timers_init(struct vm *vm);
void timers_destroy(struct vm *vm);
/* Singleshot at Xen system time DEADLINE (past: fire now); 0 stops. */
void timer_singleshot(struct vcpu *v, uint64_t deadline);
/* Periodic with PERIOD ns (0 stops); the next tick is a period after
 * periodic_last, so a restored timer carries on where it was. */
void timer_periodic(struct vcpu *v, uint64_t period);

/* link.c: channels to other processes. */
int link_listen(struct vm *vm);
void link_shutdown(struct vm *vm);
/* After the event thread stopped: free the channels still bound. */
void link_free_all(struct vm *vm);
/* Does domain DOMID exist (its VMM listens in our run directory)? */
bool link_domain_exists(struct vm *vm, domid_t domid);
/* Does any domain with an id of FIRST or more exist (Xen's for_each_domain
 * search of XEN_DOMCTL_getdomaininfo)? */
bool link_domain_exists_from(struct vm *vm, domid_t first);
/* EVTCHNOP_bind_interdomain to another domain: the local port or -errno. */
int link_bind_remote(struct vm *vm, domid_t rdom, uint32_t rport);
/* Bind a host backend inside this process to the guest's unbound PORT
 * (domain 0's side gets BACKEND_PORT): fills FDS with the backend's
 * notify and event eventfds and its channel socket.  0 or -errno. */
int link_bind_backend(struct vm *vm, uint32_t port, uint32_t backend_port,
                      int fds[3]);
void link_send(void *opaque, struct evtchn_link *l);
void link_close(void *opaque, struct evtchn_link *l);

/* xs_conn.c: attach the guest's xenstore ring to xenstored at PATH (its
 * VMM socket); 0 or -errno.  Detach on exit. */
int xenstore_attach(struct vm *vm, const char *path);
void xenstore_detach(struct vm *vm);

/* pci.c: config space (ports 0xcf8-0xcff): host bridge and the Xen
 * platform device at 00:01.0.  True if PORT was ours. */
void pci_init(struct vm *vm);
bool pci_io(struct vm *vm, uint16_t port, bool out, unsigned size, uint8_t *data);
#define XK_PLATFORM_DEV 1

#endif
