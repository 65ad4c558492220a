/* The records of Xen's HVM context by name, and the rule for those whose
 * device this VMM does not model (docs/migration.md, "HVM_CONTEXT"). */
#ifndef XK_MIG_HVMREC_H
#define XK_MIG_HVMREC_H

#include <stdint.h>

/* Xen's name of type CODE (<xen/arch-x86/hvm/save.h>), or NULL. */
const char *hvmrec_name(uint16_t code);

/* A record of an emulated device this VMM has no model of (PCI_IRQ,
 * ISA_IRQ, PCI_LINK, RTC, HPET, PMTIMER, VIRIDIAN_*, VMCE_VCPU), length
 * already checked: 0 when its state is what the device has when nobody
 * used it (then there is nothing to load), else -EOPNOTSUPP with MSG
 * naming the record and saying why. */
int hvmrec_unmodelled(uint16_t code, uint16_t inst, const void *data, uint32_t len,
                      char *msg);

#endif
