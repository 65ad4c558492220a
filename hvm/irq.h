/* irq.c: delivery of the event channel upcall (callback via, per-vCPU
 * vectors). */
#ifndef XK_IRQ_H
#define XK_IRQ_H

#include <stdbool.h>
#include <stdint.h>

#include "vm.h"

int irq_init(struct vm *vm);
void irq_destroy(struct vm *vm);
void irq_upcall(struct vm *vm, unsigned vcpu);
/* On V's thread before each guest entry: inject a due callback vector. */
void irq_vcpu_entry(struct vcpu *v);
/* HVM_PARAM_CALLBACK_IRQ was set to VAL. */
void irq_set_callback(struct vm *vm, uint64_t val);
/* HVMOP_set_evtchn_upcall_vector. */
int irq_set_upcall_vector(struct vm *vm, uint32_t vcpu, uint8_t vector);
/* After a restore (save/restore, migration, live update) has set the
 * vCPUs' local APICs as saved: an upcall raised while the earlier parts
 * were restored (a timer that expired during the pause) went to an APIC
 * that restore then overwrote.  The upcall vector is an edge sent only
 * when evtchn_upcall_pending goes up, so a vCPU whose flag is up would
 * never hear of an event again (Linux hung after a live update): every
 * vCPU with the flag up is offered its upcall once more. */
void irq_restored(struct vm *vm);
/* Does the guest take events by vector (the callback via is a vector, or
 * vCPU 0 has an upcall vector)?  Xen's is_hvm_pv_evtchn_domain. */
bool irq_pv_evtchn(struct vm *vm);

/* The routes of the PIC and IOAPIC lines into E (room for
 * IRQ_LEGACY_ROUTES): KVM's default ones, but for a type=hvm domain
 * (HVM) ISA IRQ 0, where KVM's PIT raises "GSI 0", reaches IOAPIC pin 2
 * as Xen's hvm_isa_irq_to_gsi puts it (and PC firmware's MADT override
 * says), and GSI 2 is that pin, not the PIC's cascade.  Returns the
 * count. */
#define IRQ_LEGACY_ROUTES (16 + 24)
unsigned irq_legacy_routes(struct kvm_irq_routing_entry *e, bool hvm);

/* Install them as KVM's whole routing table (before any other route). */
int irq_set_legacy_routes(struct vm *vm);
/* Is vCPU V's evtchn_upcall_pending set? */
bool irq_upcall_pending(struct vm *vm, unsigned vcpu);

#endif
