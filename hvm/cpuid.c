#include "cpuid.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <xen/arch-x86/cpuid.h>

/* Append an entry; SIGNIFICANT marks leaves whose subleaf (index) matters. */
static struct kvm_cpuid_entry2 *add(struct kvm_cpuid2 *out, uint32_t cap,
                                    uint32_t fn, uint32_t idx, bool significant)
{
    struct kvm_cpuid_entry2 *e;

    if (out->nent >= cap)
        return NULL;
    e = &out->entries[out->nent++];
    memset(e, 0, sizeof(*e));
    e->function = fn;
    e->index = idx;
    e->flags = significant ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
    return e;
}

const struct kvm_cpuid_entry2 *cpuid_find(const struct kvm_cpuid2 *t,
                                          uint32_t function, uint32_t index)
{
    for (uint32_t i = 0; i < t->nent; i++) {
        const struct kvm_cpuid_entry2 *e = &t->entries[i];
        if (e->function == function &&
            (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index))
            return e;
    }
    return NULL;
}

int cpuid_build(const struct kvm_cpuid2 *host, struct kvm_cpuid2 *out,
                uint32_t cap, const struct xen_cpuid_params *p)
{
    const uint32_t base = XK_CPUID_BASE;
    struct kvm_cpuid_entry2 *e;

    out->nent = 0;
    out->padding = 0;
    for (uint32_t i = 0; i < host->nent; i++) {
        const struct kvm_cpuid_entry2 *h = &host->entries[i];

        /* KVM's own paravirt leaves would contradict the Xen signature. */
        if (h->function >= 0x40000000u && h->function <= 0x4fffffffu)
            continue;
        if (out->nent >= cap)
            return -1;
        e = &out->entries[out->nent++];
        *e = *h;
        if (e->function == 1)
            e->ecx |= 1u << 31;         /* running under a hypervisor */
        /* Leaf 1 EBX[31:24] and leaf 0xb/0x1f EDX carry the APIC id. */
        if (e->function == 1)
            e->ebx = (e->ebx & 0x00ffffffu) | (p->vcpu_id << 24);
        if (e->function == 0xb || e->function == 0x1f)
            e->edx = p->vcpu_id;
    }

    /* Leaf 0: range and signature. */
    if (!(e = add(out, cap, base, 0, false)))
        return -1;
    e->eax = base + XEN_CPUID_MAX_NUM_LEAVES;
    e->ebx = XEN_CPUID_SIGNATURE_EBX;
    e->ecx = XEN_CPUID_SIGNATURE_ECX;
    e->edx = XEN_CPUID_SIGNATURE_EDX;

    /* Leaf 1: version. */
    if (!(e = add(out, cap, base + 1, 0, false)))
        return -1;
    e->eax = (XK_XEN_MAJOR << 16) | XK_XEN_MINOR;

    /* Leaf 2: one hypercall page, installed through this MSR. */
    if (!(e = add(out, cap, base + 2, 0, false)))
        return -1;
    e->eax = 1;
    e->ebx = XK_HYPERCALL_MSR;

    /* Leaf 3: time.  The TSC is never emulated; it is reliable (invariant,
     * the same on all vCPUs) and the guest TSC runs at the host rate. */
    if (!(e = add(out, cap, base + 3, 0, true)))
        return -1;
    e->eax = 1u << 1;
    e->ebx = 2;                          /* TSC_MODE_NEVER_EMULATE */
    e->ecx = p->tsc_khz;
    if (!(e = add(out, cap, base + 3, 1, true)))
        return -1;
    e->ecx = p->tsc_mul;
    e->edx = (uint32_t)(int32_t)p->tsc_shift;
    if (!(e = add(out, cap, base + 3, 2, true)))
        return -1;
    e->eax = p->tsc_khz;

    /* Leaf 4: HVM features, vCPU id and domid (subleaf 0 only). */
    if (!(e = add(out, cap, base + 4, 0, true)))
        return -1;
    e->eax = XEN_HVM_CPUID_IOMMU_MAPPINGS | XEN_HVM_CPUID_VCPU_ID_PRESENT |
             XEN_HVM_CPUID_DOMID_PRESENT | XEN_HVM_CPUID_UPCALL_VECTOR;
    e->ebx = p->vcpu_id;
    e->ecx = p->domid;

    /* Leaf 5: PV-only parameters, zero for HVM.  Missing subleaves of
     * leaves in range read as zero (KVM's rule for in-range leaves). */
    if (!add(out, cap, base + 5, 0, false))
        return -1;
    return 0;
}
