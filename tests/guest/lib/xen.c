/* Xen detection through CPUID, hypercall page set-up and boot info helpers. */
#include "lib.h"
#include "x86.h"
#include "hypercall.h"
#include "xen_guest.h"
#include <xen/arch-x86/cpuid.h>

struct xen_info xen;
const struct hvm_start_info *start_info;
uint64_t tsc_khz = 2000000; /* replaced by a pvclock-derived value */

/* The VMM writes its 32-byte stubs here after the MSR write. */
uint8_t hypercall_page[4096] __aligned(4096) __attribute__((section(".bss.page")));

bool xen_detect(void)
{
    uint32_t base, a, b, c, d;

    for (base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
         base += 0x100) {
        cpuid(base, &a, &b, &c, &d);
        if (b == XEN_CPUID_SIGNATURE_EBX && c == XEN_CPUID_SIGNATURE_ECX &&
            d == XEN_CPUID_SIGNATURE_EDX && a - base >= 2)
            break;
    }
    if (base >= XEN_CPUID_FIRST_LEAF + 0x10000)
        return false;

    xen.base = base;
    cpuid(base + 1, &a, &b, &c, &d);
    xen.version = a;
    cpuid(base + 2, &a, &b, &c, &d);
    xen.hcall_pages = a;
    xen.hcall_msr = b;
    cpuid(base, &a, &b, &c, &d);
    if (a >= base + 4) {
        cpuid(base + 4, &a, &b, &c, &d);
        xen.hvm_flags = a;
        xen.has_vcpu_id = a & XEN_HVM_CPUID_VCPU_ID_PRESENT;
        xen.has_domid = a & XEN_HVM_CPUID_DOMID_PRESENT;
        xen.vcpu_id = b;
        xen.domid = c;
    }
    return true;
}

uint32_t xen_cpuid_vcpu_id(void)
{
    uint32_t a, b, c, d;

    cpuid(xen.base + 4, &a, &b, &c, &d);
    return (a & XEN_HVM_CPUID_VCPU_ID_PRESENT) ? b : ~0u;
}

bool xen_init_hypercall_page(void)
{
    /* Page-fill happens on the MSR write; the address is guest-physical
     * (identity-mapped here, so the symbol address is the physical one). */
    if (!xen.base || xen.hcall_pages < 1)
        return false;
    memset(hypercall_page, 0xcc, sizeof(hypercall_page));
    wrmsr(xen.hcall_msr, (uintptr_t)hypercall_page);
    /* Xen's stubs start with "mov $nr, %eax": opcode 0xb8. */
    return hypercall_page[0] != 0xcc;
}

long hvm_get_param(unsigned int index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
    long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);

    if (rc == 0 && value)
        *value = p.value;
    return rc;
}

long hvm_set_param(unsigned int index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index,
                               .value = value };
    return HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

long sched_shutdown(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };
    return HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
}

void guest_shutdown(unsigned int reason)
{
    if (xen.base)
        sched_shutdown(reason);
    /* Still here: no Xen, or the VMM ignored us.  Triple fault is the
     * last resort every VMM notices. */
    printf("shutdown(%u) returned; forcing a triple fault\n", reason);
    for (;;) {
        static const struct { uint16_t limit; uintptr_t base; }
            __attribute__((packed)) empty = { 0, 0 };
        __asm__ volatile("lidt %0; ud2" : : "m"(empty));
    }
}

static const struct hvm_memmap_table_entry *memmap(uint32_t *n)
{
    if (!start_info || start_info->version < 1 || !start_info->memmap_paddr) {
        *n = 0;
        return NULL;
    }
    *n = start_info->memmap_entries;
    return (const void *)(uintptr_t)start_info->memmap_paddr;
}

uint64_t memmap_ram_bytes(void)
{
    uint32_t n, i;
    const struct hvm_memmap_table_entry *m = memmap(&n);
    uint64_t total = 0;

    for (i = 0; i < n; i++)
        if (m[i].type == XEN_HVM_MEMMAP_TYPE_RAM)
            total += m[i].size;
    return total;
}

uint64_t memmap_ram_end(void)
{
    uint32_t n, i;
    const struct hvm_memmap_table_entry *m = memmap(&n);
    uint64_t end = 0;

    for (i = 0; i < n; i++)
        if (m[i].type == XEN_HVM_MEMMAP_TYPE_RAM && m[i].addr + m[i].size > end)
            end = m[i].addr + m[i].size;
    return end;
}

uint32_t memmap_type_of(uint64_t addr)
{
    uint32_t n, i;
    const struct hvm_memmap_table_entry *m = memmap(&n);

    for (i = 0; i < n; i++)
        if (addr >= m[i].addr && addr - m[i].addr < m[i].size)
            return m[i].type;
    return 0;
}

const char *start_cmdline(void)
{
    if (!start_info || !start_info->cmdline_paddr)
        return "";
    return (const char *)(uintptr_t)start_info->cmdline_paddr;
}

bool cmdline_has(const char *word)
{
    const char *p = start_cmdline();
    size_t n = strlen(word);

    while (*p) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, word, n) && (p[n] == ' ' || p[n] == 0))
            return true;
        while (*p && *p != ' ')
            p++;
    }
    return false;
}
