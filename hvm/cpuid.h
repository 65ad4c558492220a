/* The CPUID a Xen HVM guest sees: the host's KVM-supported leaves with the
 * hypervisor range replaced by Xen's leaves (xen/arch/x86/traps.c). */
#ifndef XK_CPUID_H
#define XK_CPUID_H

#include <stdint.h>
#include <linux/kvm.h>

#include "xen_version.h"
#define XK_CPUID_BASE 0x40000000u
#define XK_HYPERCALL_MSR 0x40000000u

struct xen_cpuid_params {
    uint32_t vcpu_id;
    uint32_t domid;
    uint32_t tsc_khz;
    uint32_t tsc_mul;
    int8_t tsc_shift;
};

/* Copy HOST's entries into OUT (capacity CAP entries) without any in the
 * hypervisor range 0x40000000-0x4fffffff, set the hypervisor-present bit
 * in leaf 1, and append Xen's leaves.  Returns 0 or -1 if OUT is too small. */
int cpuid_build(const struct kvm_cpuid2 *host, struct kvm_cpuid2 *out,
                uint32_t cap, const struct xen_cpuid_params *p);

/* Find the entry for FUNCTION/INDEX in a table, or NULL. */
const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *t,
                                          uint32_t function, uint32_t index);

#endif
