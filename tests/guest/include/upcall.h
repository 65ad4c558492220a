/*
 * Event delivery through HVM_PARAM_CALLBACK_IRQ with the "vector" type:
 * the hypervisor injects UPCALL_VECTOR while vcpu_info.evtchn_upcall_pending
 * is set and interrupts are enabled.  The handler clears the flag.
 */
#ifndef GUEST_UPCALL_H
#define GUEST_UPCALL_H

#include <stdint.h>
#include <xen/xen.h>

#define UPCALL_VECTOR 0xf3

/* Number of upcalls taken so far. */
extern volatile unsigned int upcall_count;

/* Installs the handler and sets HVM_PARAM_CALLBACK_IRQ; returns its rc. */
long upcall_init(void);

#endif
