/* The HVM_CONTEXT record of Xen's libxc stream: Xen's hvm save format
 * (<xen/arch-x86/hvm/save.h>: descriptors { u16 typecode, u16 instance,
 * u32 length } each followed by its data) mapped to and from KVM's vCPU
 * state (docs/migration.md). */
#ifndef XK_MIG_HVMCTX_H
#define XK_MIG_HVMCTX_H

#include <stdbool.h>
#include <stddef.h>

#include "savestate.h"
#include "vm.h"

/* HEADER; per up vCPU CPU; for type=hvm PIC (master, slave) and IOAPIC;
 * per vCPU LAPIC, LAPIC_REGS; for type=hvm PIT; per vCPU MTRR, CPU_XSAVE,
 * TSC_ADJUST, CPU_MSR (when some MSR is not 0); END — in Xen's order
 * (by type code).  A VM without KVM vCPUs writes HEADER and END.  The
 * vCPUs are paused.  0 or -errno with MSG. */
int hvmctx_save(struct vm *vm, struct ss_wr *w, char *msg);

enum hvmctx_mode {
    HVMCTX_CHECK,       /* check only */
    HVMCTX_APPLY,       /* load everything (a Xen image without xenkvm's records) */
    HVMCTX_PLATFORM,    /* load only PIC, IOAPIC and PIT (xenkvm's records
                           carry the rest) */
};

/* Check LEN bytes at BUF by Xen's rules (hvm_load): the header first and
 * valid, known type codes, every length as Xen requires it, instances
 * naming vCPUs of VM, END last with nothing after; PIC, IOAPIC and PIT
 * only for a type=hvm VM and in states KVM's devices can take; records
 * of devices this VMM has no model of only in their unused state
 * (mig_hvmrec.h).  HVMCTX_APPLY also loads the vCPUs' KVM state and the
 * platform devices from it and marks the vCPUs with a CPU record up.
 * 0, -EINVAL, -EPROTO or -EOPNOTSUPP (MSG says what and names the
 * record), or a KVM ioctl's error. */
int hvmctx_load(struct vm *vm, const void *buf, size_t len, enum hvmctx_mode mode, char *msg);

#endif
