/* kvm_hold: keep one idle KVM VM open so that creating and destroying
 * the test VMs never flips a kernel static key (docs/nested-host.md,
 * "L1 stalls").  Each flip of a key from 0 to 1 or back rewrites the
 * kernel's code with int3-based patching (text_poke_bp), which livelocked
 * L1 under QEMU's multi-threaded TCG.  Linux 6.1 counts, per VM or vCPU:
 *   - preempt_notifier_key (kernel/sched/core.c), one per VM: its sites
 *     are in the scheduler's context switch;
 *   - kvm_xen_enabled (kvm.ko, deferred by a second), one per VM with a
 *     KVM_XEN_HVM_CONFIG hypercall MSR;
 *   - apic_sw_disabled (deferred), one per in-kernel LAPIC whose software
 *     enable bit (SPIV) is clear: every new vCPU until its guest sets it;
 *   - apic_hw_disabled (deferred), one per LAPIC whose APIC base MSR has
 *     the enable bit clear.
 * This VM takes one of each and keeps them until it is killed: its vCPU
 * never runs (SPIV stays clear) and its APIC base MSR is set disabled.
 * kvm_has_noapic_vcpu (vCPUs without an in-kernel LAPIC) is not taken:
 * every xenkvm VM has the in-kernel irqchip.
 *
 * usage: kvm_hold [--once]
 * Prints one "kvm_hold: holding ..." line once everything is held, then
 * sleeps until a signal ends it; --once exits 0 there instead (the test).
 * Exits 1 when a step fails, naming it.  Without CONFIG_KVM_XEN
 * (KVM_CAP_XEN_HVM 0) the Xen key is skipped and the line says so. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hvm/cpuid.h"
#include "hcall_transport.h"
#include "../unit/kvm_box.h"

#define MSR_APIC_BASE 0x1bu
#define APIC_BASE_ENABLE (1u << 11)

static int failed(const char *step)
{
    fprintf(stderr, "kvm_hold: %s: %s\n", step, strerror(errno));
    return 1;
}

/* The APIC base MSR of the vCPU, or -1. */
static long long apic_base(int vcpu)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e; } m;

    memset(&m, 0, sizeof(m));
    m.h.nmsrs = 1;
    m.e.index = MSR_APIC_BASE;
    if (ioctl(vcpu, KVM_GET_MSRS, &m) != 1)
        return -1;
    return (long long)m.e.data;
}

static int set_apic_base(int vcpu, unsigned long long v)
{
    struct { struct kvm_msrs h; struct kvm_msr_entry e; } m;

    memset(&m, 0, sizeof(m));
    m.h.nmsrs = 1;
    m.e.index = MSR_APIC_BASE;
    m.e.data = v;
    return ioctl(vcpu, KVM_SET_MSRS, &m) == 1 ? 0 : -1;
}

int main(int argc, char **argv)
{
    bool once = argc > 1 && !strcmp(argv[1], "--once");
    struct kvm_box k;
    long long base;
    uint32_t caps;
    char xen[64];

    if (argc > 2 || (argc == 2 && !once)) {
        fprintf(stderr, "usage: kvm_hold [--once]\n");
        return 2;
    }
    /* The VM, its in-kernel irqchip and vCPU 0 (its LAPIC starts with
     * SPIV clear: apic_sw_disabled). */
    if (!kvm_box_open(&k, false))
        return failed("a VM with the in-kernel irqchip and one vCPU");

    /* The VMM's kvm transport configuration (hvm/hcall_kvm_xen.c). */
    caps = xk_transport_host_caps(k.kvm);
    if (xk_transport_kvm_usable(caps)) {
        struct kvm_xen_hvm_config cfg;

        memset(&cfg, 0, sizeof(cfg));
        cfg.flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL;
        cfg.msr = XK_HYPERCALL_MSR;
        if (ioctl(k.vm, KVM_XEN_HVM_CONFIG, &cfg) < 0)
            return failed("KVM_XEN_HVM_CONFIG");
        snprintf(xen, sizeof(xen), "kvm_xen_enabled");
    } else {
        snprintf(xen, sizeof(xen), "no kvm_xen_enabled (KVM_CAP_XEN_HVM %#x)", caps);
    }

    /* apic_hw_disabled: the base MSR without its enable bit, read back. */
    base = apic_base(k.vcpu);
    if (base < 0)
        return failed("KVM_GET_MSRS (APIC base)");
    if (set_apic_base(k.vcpu, (unsigned long long)base & ~(unsigned long long)APIC_BASE_ENABLE) < 0)
        return failed("KVM_SET_MSRS (APIC base disabled)");
    base = apic_base(k.vcpu);
    if (base < 0 || (base & APIC_BASE_ENABLE)) {
        fprintf(stderr, "kvm_hold: the APIC base MSR reads back %#llx, still enabled\n", base);
        return 1;
    }

    printf("kvm_hold: holding preempt_notifier_key, apic_sw_disabled, "
           "apic_hw_disabled (APIC base %#llx), %s\n", base, xen);
    fflush(stdout);
    if (once) {
        kvm_box_close(&k);
        return 0;
    }
    for (;;)
        pause();
}
