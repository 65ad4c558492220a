/* Shared bits for the event channel test guests (tests/guest/evtchn/). */
#ifndef EV_H
#define EV_H

#include "lib.h"
#include "x86.h"
#include "test.h"
#include "trap.h"
#include "hypercall.h"
#include "xen_guest.h"
#include "shinfo.h"
#include "paging.h"
#include "apic.h"
#include "evtchn.h"

/* Canonical but unmapped in every paging mode: copies from it fault. */
#define BAD_PTR ((void *)0x80000000ul)
/* A domid no domain has (below DOMID_FIRST_RESERVED). */
#define NO_SUCH_DOMID 0x7fe0
/* Far beyond any ABI's port space. */
#define HUGE_PORT 0x7fffffffu
/* Beyond every allocated bucket of a fresh domain (Xen allocates ports
 * in buckets of 64; port_is_valid() is port < valid_evtchns). */
#define UNALLOCATED_PORT 1000u
/* In the first bucket, never allocated by these tests. */
#define FREE_PORT 60u

#define MS 1000000ull

/* Hypervisor-internal in the public header (its continuation of reset),
 * but a guest can issue it. */
#ifndef EVTCHNOP_reset_cont
#define EVTCHNOP_reset_cont 14
#endif

/* Milliseconds of system time since t0 (ns). */
uint64_t ms_since(uint64_t t0);
/* Spin with interrupts as they are until *v != old or ms elapse. */
bool spin_until_change(volatile uint32_t *v, uint32_t old, unsigned int ms);
/* Spin (interrupts as they are) for ms of system time. */
void spin_ms(unsigned int ms);
/* Interrupts on for ms, then off again. */
void irq_window(unsigned int ms);
/* An IPI port to vCPU 0, unmasked (2-level) and quiet; 0 on failure. */
evtchn_port_t ipi_port(void);
/* Sends on p with interrupts enabled and waits up to 200 ms for the
 * handler to count it; returns with interrupts disabled. */
bool send_and_wait(evtchn_port_t p);
/* Closes every port in [first, last] that is open (ignores errors). */
void close_range(evtchn_port_t first, evtchn_port_t last);
/* Unmasks a port guest-side in whichever ABI is active (ev_mask is in
 * lib/evtchn.c). */
void ev_unmask_local(evtchn_port_t port);
/* Clears a port's pending bit (2-level) and the vCPU's selector/upcall
 * flag, so a test starts from a quiet state. */
void ev_quiesce(evtchn_port_t port, unsigned int vcpu);

#endif
