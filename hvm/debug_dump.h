/* A state dump on demand (SIGQUIT to the VMM), the counterpart of Xen's
 * debug keys: what the VMM knows of a guest that stopped making progress. */
#ifndef XK_DEBUG_DUMP_H
#define XK_DEBUG_DUMP_H

#include "vm.h"

/* From any thread: log the VM-wide part (Xen time, per vCPU its gate
 * state, upcall routing, armed timers against now, vcpu_info flags, the
 * pending and unmasked event words) and ask every vCPU thread for its
 * part (kicked out of KVM_RUN). */
void debug_dump_vm(struct vm *vm);
/* On V's own thread, outside KVM_RUN: log its part if it was asked for
 * (registers, MP state, vCPU events, local APIC IRR/ISR and timer). */
void debug_dump_vcpu_if_asked(struct vcpu *v);

#endif
