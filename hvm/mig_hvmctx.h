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

/* HEADER; per up vCPU CPU; per vCPU LAPIC, LAPIC_REGS, MTRR, CPU_XSAVE,
 * TSC_ADJUST, CPU_MSR (when some MSR is not 0); END — in Xen's order
 * (by type code).  A VM without KVM vCPUs writes HEADER and END.  The
 * vCPUs are paused.  0 or -errno with MSG. */
int hvmctx_save(struct vm *vm, struct ss_wr *w, char *msg);

/* Check LEN bytes at BUF by Xen's rules (hvm_load): the header first and
 * valid, known type codes, every length as Xen requires it, instances
 * naming vCPUs of VM, END last with nothing after.  With APPLY, also load
 * the vCPUs' KVM state from it and mark the vCPUs with a CPU record up
 * (a Xen image without xenkvm's records).  0, -EINVAL or -EPROTO (MSG
 * says what), or a KVM ioctl's error. */
int hvmctx_load(struct vm *vm, const void *buf, size_t len, bool apply, char *msg);

#endif
