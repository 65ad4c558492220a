/* The KVM_EXIT_XEN hypercall transport (hosts with CONFIG_KVM_XEN):
 * KVM writes the hypercall page when the guest writes the hypercall MSR,
 * and every vmcall/vmmcall reaches the VMM as KVM_EXIT_XEN.  The same
 * dispatcher serves it (hcall.c); docs/hypercall-transport.md. */
#ifndef XK_HCALL_KVM_XEN_H
#define XK_HCALL_KVM_XEN_H

#include "vm.h"

/* KVM_XEN_HVM_CONFIG with INTERCEPT_HCALL and the hypercall MSR: 0 or
 * -errno. */
int hcall_kvm_xen_enable(struct vm *vm);

/* Fill C from a KVM_EXIT_XEN hypercall exit; false for exits that are
 * not hypercalls. */
struct hcall;
bool hcall_kvm_xen_ctx(struct vcpu *v, const struct kvm_xen_exit *x,
                       struct hcall *c);

/* Handle one KVM_EXIT_XEN on V's thread (the result goes to KVM, which
 * writes rax and skips the instruction at the next KVM_RUN). */
void hcall_kvm_xen_exit(struct vcpu *v);

#endif
