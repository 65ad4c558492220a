/* What the guest learned about the hypervisor and its own boot. */
#ifndef GUEST_XEN_GUEST_H
#define GUEST_XEN_GUEST_H

#include <stdint.h>
#include <stdbool.h>
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>

struct xen_info {
    uint32_t base;          /* CPUID base leaf, 0 if Xen was not found */
    uint32_t version;       /* major << 16 | minor from leaf base+1 */
    uint32_t hcall_pages;   /* leaf base+2 eax */
    uint32_t hcall_msr;     /* leaf base+2 ebx */
    uint32_t hvm_flags;     /* leaf base+4 eax */
    uint32_t vcpu_id;       /* leaf base+4 ebx if flagged */
    uint32_t domid;         /* leaf base+4 ecx if flagged */
    bool has_vcpu_id, has_domid;
};

extern struct xen_info xen;
extern const struct hvm_start_info *start_info;
extern uint64_t tsc_khz; /* from pvclock once shared info is mapped */

/* Finds Xen through CPUID and installs the hypercall page; false if absent. */
bool xen_detect(void);
bool xen_init_hypercall_page(void);
/* Reads the vcpu id from CPUID leaf base+4 on the calling vCPU. */
uint32_t xen_cpuid_vcpu_id(void);

/* Total RAM in bytes and the highest RAM address + 1, from the memmap. */
uint64_t memmap_ram_bytes(void);
uint64_t memmap_ram_end(void);
/* The memmap type covering [addr, addr+1), or 0 if none does. */
uint32_t memmap_type_of(uint64_t addr);
const char *start_cmdline(void);
/* Is WORD a whole token of the command line? */
bool cmdline_has(const char *word);

/* Each guest program defines this; it runs after the framework is set up. */
void guest_main(void);

#endif
