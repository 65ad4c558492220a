/* The emulated platform devices of a type=hvm guest in Xen's HVM context
 * (<xen/arch-x86/hvm/save.h>): PIC (two instances, master and slave),
 * IOAPIC and PIT, mapped to and from KVM's in-kernel irqchip and PIT
 * (docs/migration.md).  PVH domains have none of them, as on Xen. */
#ifndef XK_MIG_PLATFORM_H
#define XK_MIG_PLATFORM_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>
#include <xen/hvm/save.h>

#include "savestate.h"
#include "vm.h"

#define KVM_IOAPIC_BASE 0xfec00000ULL

/* Field by field, as Xen writes its structures.  The *_to_kvm ones take
 * K as KVM_GET_* gave it (KVM's own fields Xen has no place for, such as
 * the ELCR mask, stay) and return 0, or -EINVAL with MSG saying why Xen's
 * state cannot be KVM's. */
void pic_kvm_to_xen(const struct kvm_pic_state *k, bool master, struct hvm_hw_vpic *x);
int pic_xen_to_kvm(const struct hvm_hw_vpic *x, unsigned inst, struct kvm_pic_state *k,
                   char *msg);
void ioapic_kvm_to_xen(const struct kvm_ioapic_state *k, struct hvm_hw_vioapic *x);
int ioapic_xen_to_kvm(const struct hvm_hw_vioapic *x, struct kvm_ioapic_state *k, char *msg);
void pit_kvm_to_xen(const struct kvm_pit_state2 *k, struct hvm_hw_pit *x);
int pit_xen_to_kvm(const struct hvm_hw_pit *x, struct kvm_pit_state2 *k, char *msg);

/* Append the records of type CODE (PIC, IOAPIC or PIT) for VM, nothing
 * for a PVH domain.  0 or -errno with MSG. */
int platform_save(struct vm *vm, uint16_t code, struct ss_wr *w, char *msg);

/* Whether CODE is one of the records this file handles. */
bool platform_code(uint16_t code);

/* Check a record of type CODE, instance INST (its length already
 * checked); with APPLY, also load it into VM's KVM.  0, or -EINVAL /
 * -EOPNOTSUPP with MSG. */
int platform_load(struct vm *vm, uint16_t code, uint16_t inst, const void *data, bool apply,
                  char *msg);

#endif
