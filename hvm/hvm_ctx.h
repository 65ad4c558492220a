/* Starting a vCPU from a struct vcpu_hvm_context: the PVH boot state of
 * the BSP and VCPUOP_initialise for secondary vCPUs, with the checks of
 * Xen's arch_set_info_hvm_guest. */
#ifndef XK_HVM_CTX_H
#define XK_HVM_CTX_H

#include <linux/kvm.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/hvm/hvm_vcpu.h>

/* Validate CTX and turn it into KVM register state.  SREGS must hold the
 * vCPU's current special registers (APIC base etc. are kept).
 * Returns 0 or -EINVAL as Xen does. */
int hvm_ctx_to_kvm(const struct vcpu_hvm_context *ctx, struct kvm_regs *regs,
                   struct kvm_sregs *sregs);

/* The PVH entry state of docs/misc/pvh.pandoc: 32-bit flat protected
 * mode, paging off, %ebx = start_info. */
void hvm_ctx_pvh_boot(struct vcpu_hvm_context *ctx, uint32_t entry,
                      uint32_t start_info);

#endif
