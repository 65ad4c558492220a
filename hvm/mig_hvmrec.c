/* Names of Xen's HVM context records; what "unused" means for a device
 * this VMM does not model (mig_hvmrec.h). */
#include "mig_hvmrec.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <xen/hvm/save.h>

#include "savestate.h"

static const char *const names[] = {
    [0] = "END", [1] = "HEADER", [2] = "CPU", [3] = "PIC", [4] = "IOAPIC", [5] = "LAPIC",
    [6] = "LAPIC_REGS", [7] = "PCI_IRQ", [8] = "ISA_IRQ", [9] = "PCI_LINK", [10] = "PIT",
    [11] = "RTC", [12] = "HPET", [13] = "PMTIMER", [14] = "MTRR", [15] = "VIRIDIAN_DOMAIN",
    [16] = "CPU_XSAVE", [17] = "VIRIDIAN_VCPU", [18] = "VMCE_VCPU", [19] = "TSC_ADJUST",
    [20] = "CPU_MSR",
};

const char *hvmrec_name(uint16_t code)
{
    return code < sizeof(names) / sizeof(names[0]) ? names[code] : NULL;
}

static bool all_zero(const uint8_t *p, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        if (p[i])
            return false;
    return true;
}

#define HPET_CFG_ENABLE     1ULL        /* general configuration: ENABLE_CNF */
#define HPET_TN_INT_ENB     (1ULL << 2) /* timer N: Tn_INT_ENB_CNF */

int hvmrec_unmodelled(uint16_t code, uint16_t inst, const void *data, uint32_t len,
                      char *msg)
{
    const char *why = NULL;

    switch (code) {
    case HVM_SAVE_CODE(PCI_IRQ):
    case HVM_SAVE_CODE(ISA_IRQ):
        /* Line levels: the only device here that raises a line is the
         * callback, which is raised again from evtchn_upcall_pending
         * after a restore (irq_restored). */
        return 0;
    case HVM_SAVE_CODE(PCI_LINK):
        if (!all_zero(data, len))
            why = "its PCI INTx links are routed to ISA IRQs, and this VMM has no PCI-ISA "
                  "interrupt router";
        break;
    case HVM_SAVE_CODE(HPET): {
        struct hvm_hw_hpet h;
        bool used;
        memcpy(&h, data, sizeof(h));
        used = h.config & HPET_CFG_ENABLE;
        for (unsigned i = 0; i < HPET_TIMER_NUM; i++)
            used |= !!(h.timers[i].config & HPET_TN_INT_ENB);
        if (used)
            why = "the guest enabled its HPET, and this VMM has no HPET";
        break;
    }
    case HVM_SAVE_CODE(VMCE_VCPU): {
        /* Xen writes one for every vCPU; MCG_CAP is the host's. */
        struct hvm_vmce_vcpu v;
        memcpy(&v, data, sizeof(v));
        if (v.mci_ctl2_bank0 || v.mci_ctl2_bank1 || v.mcg_ext_ctl)
            why = "the guest set machine-check controls (MCi_CTL2, MCG_EXT_CTL), which this "
                  "VMM does not emulate";
        break;
    }
    case HVM_SAVE_CODE(RTC):
        if (!all_zero(data, len))
            why = "it carries the RTC's CMOS and clock, and this VMM has no RTC model";
        break;
    case HVM_SAVE_CODE(PMTIMER):
        if (!all_zero(data, len))
            why = "it carries the ACPI PM timer, and this VMM has no PM timer";
        break;
    case HVM_SAVE_CODE(VIRIDIAN_DOMAIN):
    case HVM_SAVE_CODE(VIRIDIAN_VCPU):
        if (!all_zero(data, len))
            why = "it carries Hyper-V (viridian) enlightenment state, and this VMM offers "
                  "no viridian interface";
        break;
    default:
        snprintf(msg, SS_MSG_LEN, "HVM restore: unknown entry typecode %u", code);
        return -EPROTO;
    }
    if (!why)
        return 0;
    snprintf(msg, SS_MSG_LEN, "HVM restore: the %s record (instance %u) cannot be loaded: %s",
             hvmrec_name(code), inst, why);
    return -EOPNOTSUPP;
}
