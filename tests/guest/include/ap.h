/* Starting a second vCPU in the 64-bit guests: arch/ap64.S's ap_entry64
 * switches to the given stack and calls the guest's ap_main(). */
#ifndef GUEST_AP_H
#define GUEST_AP_H

#include <stdint.h>
#include <string.h>
#include <xen/xen.h>
#include <xen/hvm/hvm_vcpu.h>

#include "x86.h"

void ap_entry64(void);
void ap_main(void);

/* A VCPUOP_initialise context that enters ap_entry64 in long mode on the
 * caller's page tables, with STACK_TOP as its stack. */
static inline void ap_context64(vcpu_hvm_context_t *ctx, void *stack_top)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = VCPU_HVM_MODE_64B;
    ctx->cpu_regs.x86_64.rip = (uintptr_t)ap_entry64;
    ctx->cpu_regs.x86_64.rsp = (uintptr_t)stack_top;
    ctx->cpu_regs.x86_64.rflags = 0x2;
    ctx->cpu_regs.x86_64.cr0 = read_cr0();
    ctx->cpu_regs.x86_64.cr3 = read_cr3();
    ctx->cpu_regs.x86_64.cr4 = read_cr4();
    ctx->cpu_regs.x86_64.efer = rdmsr(X86_EFER_MSR);
}

#endif
