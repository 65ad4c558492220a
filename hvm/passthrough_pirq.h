/* passthrough_pirq.h: a passed-through function's interrupts delivered as
 * Xen PIRQ events (xl.cfg hvm_pirq=1) instead of through KVM's APIC and
 * IOAPIC routes.  Two cases, as on Xen:
 *
 * - an MSI/MSI-X message in Xen's pirq encoding (vector 0, the pirq in the
 *   address's destination ID bits 12-19 and 40-63: Linux's
 *   xen_msi_compose_msg) raises the port bound to that pirq
 *   (hvm_pci_msi_assert / send_guest_pirq); before a port is bound it
 *   waits, as Xen keeps the MSI masked until EVTCHNOP_bind_pirq;
 * - a GSI the guest mapped with PHYSDEVOP_map_pirq: the INTx of the
 *   functions on it raises the bound port instead of the IOAPIC pin
 *   (assert_gsi), and PHYSDEVOP_eoi unmasks the device, which fires again
 *   while its line is still up (Xen's "level and still asserted: notify
 *   again").
 *
 * The device's eventfds are watched on the event thread while they are
 * diverted; otherwise they stay KVM irqfds (passthrough.c). */
#ifndef XK_PASSTHROUGH_PIRQ_H
#define XK_PASSTHROUGH_PIRQ_H

#include <stdbool.h>
#include <stdint.h>

struct vm;

int passthrough_pirq_init(struct vm *vm);
/* After events_destroy (the event thread is gone). */
void passthrough_pirq_destroy(struct vm *vm);

/* The pirq an MSI message ADDR/DATA names in Xen's encoding, or -1 when
 * it is an ordinary APIC message or the domain has no hvm_pirq. */
int64_t passthrough_pirq_msi_decode(struct vm *vm, uint64_t addr, uint32_t data);

/* Vector VEC of the function at SLOT signals FD and its message names
 * PIRQ: deliver FD's signals to PIRQ (the caller has taken FD off KVM).
 * For vector i of a multi-message MSI the caller decodes the message with
 * i taken off the data and passes the pirq i after the one it names. */
void passthrough_pirq_msix_watch(struct vm *vm, unsigned slot, unsigned vec, int fd,
                                 uint32_t pirq);
/* The vector's message is an APIC one again (or it goes): stop. */
void passthrough_pirq_msix_unwatch(struct vm *vm, unsigned slot, unsigned vec);

/* The INTx of the function at SLOT: trigger and resample eventfds on
 * GSI.  Registered while the function is on the bus. */
void passthrough_pirq_intx_add(struct vm *vm, unsigned slot, unsigned gsi, int trig, int res);
/* The function leaves: forget its vectors and INTx.  True when its INTx
 * was diverted (so its KVM irqfd is no longer assigned). */
bool passthrough_pirq_slot_gone(struct vm *vm, unsigned slot);

/* The guest mapped or unmapped GSI pirqs: divert each INTx whose GSI is
 * mapped, give back to the IOAPIC those that are no longer. */
void passthrough_pirq_gsi_sync(struct vm *vm);
/* A line the VMM drives itself (the hot-plug SCI) is now at LEVEL.  When
 * the guest mapped GSI to a pirq, a rise raises the pirq's port instead
 * (assert_irq -> assert_gsi): true, and the IOAPIC pin must stay low. */
bool passthrough_pirq_gsi_level(struct vm *vm, unsigned gsi, bool level);
/* PHYSDEVOP_eoi of GSI's pirq: unmask the functions that fired on it. */
void passthrough_pirq_gsi_eoi(struct vm *vm, unsigned gsi);

#endif
