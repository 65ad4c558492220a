/* vCPU threads: the KVM run loop and exit handling. */
#ifndef XK_VCPU_H
#define XK_VCPU_H

#include "vm.h"

struct hcall;

/* I/O port the hypercall stubs write the hypercall number to. */
#define XK_HCALL_PORT 0x3a

/* Create vCPU ID in KVM, then give it the Xen CPUID (needs vm->clock). */
int vcpu_create(struct vm *vm, unsigned id);
int vcpu_set_cpuid(struct vcpu *v, const struct kvm_cpuid2 *host);
/* Start every vCPU thread; vCPU 0 runs from CTX, the others wait for
 * VCPUOP_initialise/VCPUOP_up. */
int vcpus_start(struct vm *vm, const struct vcpu_hvm_context *boot);
/* Wait until the VM stops; returns the exit status. */
int vm_wait(struct vm *vm);
/* Release the vCPUs after vm_wait (kept if one of them is stuck). */
void vcpus_destroy(struct vm *vm);

/* HVMOP_flush_tlbs: every vCPU flushes its TLB before running again. */
void vm_flush_tlbs(struct vm *vm);

/* Describe the current vCPU context for a hypercall (paging, width). */
void vcpu_hcall_ctx(struct vcpu *v, struct hcall *c);
/* Re-enter C's hypercall (hcall_continue): the guest resumes at linear
 * address RIP with C->a[0..2] in its argument registers. */
void vcpu_hcall_reenter(struct vcpu *v, const struct hcall *c, uint64_t rip);

/* Xen's VCPUOP_initialise / up / down / is_up on TARGET. */
int vcpu_initialise(struct vcpu *target, const struct vcpu_hvm_context *ctx);
int vcpu_up(struct vcpu *target);
int vcpu_down(struct vcpu *target);
int vcpu_is_up(struct vcpu *target);

/* Block the calling vCPU until woken (event, kick) or until the Xen system
 * time DEADLINE (0: none).  Returns false if the VM is stopping. */
bool vcpu_wait(struct vcpu *v, uint64_t deadline);
void vcpu_wake(struct vcpu *v);

/* Stop every other vCPU outside guest mode (for memslot changes). */
void vm_pause_others(struct vm *vm, struct vcpu *self);
void vm_unpause(struct vm *vm);

/* Record a shutdown and make every vCPU leave. */
void vm_shutdown(struct vm *vm, int exit_status);
/* Record a Xen SHUTDOWN_* reason (first one wins) and stop. */
void vm_shutdown_reason(struct vm *vm, unsigned reason);
/* Kick one vCPU out of KVM_RUN or a block/poll wait. */
void vcpu_kick(struct vcpu *v);

/* Xen's domain_resume for a domain that suspended (SHUTDOWN_suspend)
 * and whose vCPU threads have been joined (vm_wait): the shutdown is
 * forgotten and the vCPUs run again.  0 or -errno. */
int vm_resume(struct vm *vm);

#endif
