/*
 * Guest side of event channels: EVTCHNOP wrappers, the 2-level and FIFO
 * consumers (scanned the way Linux's events_2l.c / events_fifo.c do), and
 * the upcall handlers for each delivery method (lib/evtchn.c).
 *
 * Delivered events are counted per port in evtchn_count[] and passed to
 * evtchn_hook if set.  Ports can be given a guest-side vCPU owner
 * (evtchn_owner[]) so that a vCPU's scan leaves other vCPUs' events pending,
 * as Linux's per-CPU active_evtchns() filter does.
 */
#ifndef GUEST_EVTCHN_H
#define GUEST_EVTCHN_H

#include <stdint.h>
#include <stdbool.h>
#include <xen/xen.h>
#include <xen/event_channel.h>
#include "hypercall.h"

/* Ports the guest-side tables track (the 64-bit 2-level ABI's limit). */
#define EVTCHN_TRACK 4096
/* Up to this many vCPUs have per-vCPU state here. */
#define EVTCHN_MAX_VCPUS 4

/* Interrupt vectors the delivery methods use. */
#define EV_VEC_CALLBACK 0xe0 /* HVM_PARAM_CALLBACK_IRQ, vector type */
#define EV_VEC_LAPIC    0xe1 /* HVMOP_set_evtchn_upcall_vector */
#define EV_VEC_GSI      0xe2 /* CALLBACK_IRQ GSI / PCI INTx via the IOAPIC */
#define EV_VEC_SPURIOUS 0xff

/* ---- EVTCHNOP wrappers: return the hypercall's rc, fill *port on 0. */
long ev_alloc_unbound(domid_t dom, domid_t remote, evtchn_port_t *port);
long ev_bind_interdomain(domid_t rdom, evtchn_port_t rport,
                         evtchn_port_t *lport);
long ev_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long ev_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
long ev_bind_pirq(uint32_t pirq, uint32_t flags, evtchn_port_t *port);
long ev_close(evtchn_port_t port);
long ev_send(evtchn_port_t port);
long ev_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st);
long ev_bind_vcpu(evtchn_port_t port, uint32_t vcpu);
long ev_unmask(evtchn_port_t port);
long ev_reset(domid_t dom);
long ev_set_priority(evtchn_port_t port, uint32_t prio);
/* EVTCHNSTAT_* of a port of this domain, or the negative rc. */
long ev_state(evtchn_port_t port);

/* Mask a port / clear its pending bit, whichever ABI is active;
 * ev_clear_pending says whether it was pending.  A masked port still wakes
 * SCHEDOP_poll, so a library can wait on it without taking interrupts. */
void ev_mask(evtchn_port_t port);
bool ev_clear_pending(evtchn_port_t port);

/* SCHEDOP_poll on ports with an absolute timeout (0: none). */
long ev_poll(const evtchn_port_t *ports, unsigned int n, uint64_t timeout);
/* Poll one port until it is pending (2-level or FIFO) or timeout_ns of
 * system time passed; true if it became pending.  Does not clear it. */
bool ev_wait_pending(evtchn_port_t port, uint64_t timeout_ns);

/* ---- 2-level bits in shared info / vcpu_info. */
#define EV_2L_BITS (sizeof(xen_ulong_t) * 8)
bool ev2l_pending(evtchn_port_t port);
bool ev2l_masked(evtchn_port_t port);
void ev2l_set_pending(evtchn_port_t port, bool on);
void ev2l_set_mask(evtchn_port_t port, bool on);
bool ev2l_sel(unsigned int vcpu, evtchn_port_t port);
struct vcpu_info *ev_vcpu_info(unsigned int vcpu);

/* ---- FIFO ABI. */
/* Switches to FIFO: control block for vcpu (its own page), event array
 * page 0 (ports 0-1023) with every word MASKED.  Returns the first
 * failing rc. */
long fifo_init_vcpu(unsigned int vcpu);
long fifo_expand(void);
bool fifo_active(void);
event_word_t *fifo_word(evtchn_port_t port);
struct evtchn_fifo_control_block *fifo_control(unsigned int vcpu);
/* Unmask as Linux does: clear MASKED, or EVTCHNOP_unmask if pending. */
void fifo_unmask(evtchn_port_t port);
void fifo_mask(evtchn_port_t port);
/* Forget the consumer's saved queue heads (after EVTCHNOP_reset). */
void fifo_forget(void);

/* ---- Consumption.  Scans the vCPU's pending events (2-level or FIFO,
 * whichever is active), clearing and counting each. */
void ev_scan(unsigned int vcpu);
/* The callback-style handler: clear upcall_pending, scan, repeat while
 * upcall_pending got set again (bounded). */
void ev_upcall(unsigned int vcpu);

extern volatile uint32_t evtchn_count[EVTCHN_TRACK];
extern volatile uint8_t evtchn_owner[EVTCHN_TRACK];
extern volatile uint8_t evtchn_last_vcpu[EVTCHN_TRACK];
/* Order in which ev_scan() delivered ports (ring, for FIFO order tests). */
#define EV_LOG 64
extern volatile evtchn_port_t ev_log[EV_LOG];
extern volatile unsigned int ev_log_len;
extern void (*volatile evtchn_hook)(evtchn_port_t port, unsigned int vcpu);
/* Upcall interrupts taken, per method and vCPU. */
extern volatile uint32_t ev_irq_count[4][EVTCHN_MAX_VCPUS];
enum { EV_VIA_VECTOR, EV_VIA_LAPIC, EV_VIA_GSI, EV_VIA_INTX };
/* Reset evtchn_count / logs (not the ABI). */
void ev_counts_clear(void);

/* The vCPU the caller runs on (CPUID leaf base+4). */
unsigned int ev_this_vcpu(void);

/* ---- Delivery set-up.  Each installs its handler first. */
/* HVM_PARAM_CALLBACK_IRQ = vector. */
long ev_via_vector(void);
/* HVMOP_set_evtchn_upcall_vector for vcpu (LAPIC must be enabled by it). */
long ev_via_lapic(unsigned int vcpu);
/* HVM_PARAM_CALLBACK_IRQ = GSI gsi; programs IOAPIC pin gsi (level,
 * high, to vCPU 0's APIC) unless gsi is out of the IOAPIC's range. */
long ev_via_gsi(unsigned int gsi);
/* HVM_PARAM_CALLBACK_IRQ = PCI INTx of 00:dev.0 pin intx (0 = INTA),
 * programming IOAPIC pin gsi. */
long ev_via_pci_intx(unsigned int dev, unsigned int intx, unsigned int gsi);
/* HVM_PARAM_CALLBACK_IRQ = 0 (none). */
long ev_via_none(void);
uint64_t ev_callback_value_pci(unsigned int dev, unsigned int intx);

#endif
