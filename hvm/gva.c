#include "gva.h"

#include "x86.h"

#define ADDR_52  0x000ffffffffff000ULL

static int walk_level(uint64_t entry, bool write, bool wp)
{
    if (!(entry & X86_PTE_P))
        return -1;
    if (write && wp && !(entry & X86_PTE_RW))
        return -1;
    return 0;
}

/* 4- and 5-level paging (long mode) and 3-level PAE paging share this walk:
 * 9 bits per level, 8-byte entries, large pages at the 1 GiB and 2 MiB
 * levels. */
static int walk64(const struct paging_state *ps, uint64_t gva, bool write,
                  gva_read_fn rd, void *opaque, uint64_t *gpa, int levels)
{
    bool wp = ps->cr0 & X86_CR0_WP;
    uint64_t table, entry;
    int shift;

    if (levels == 3) {
        /* PAE: CR3 points at 4 PDPTEs (32-byte aligned). */
        uint64_t pdpte_addr = (ps->cr3 & 0xffffffe0ULL) + ((gva >> 30) & 3) * 8;
        if (rd(opaque, pdpte_addr, 8, &entry) || !(entry & X86_PTE_P))
            return -1;
        table = entry & ADDR_52;
        shift = 21;
    } else {
        table = ps->cr3 & ADDR_52;
        shift = 12 + 9 * (levels - 1);
    }
    for (; shift >= 12; shift -= 9) {
        uint64_t idx = (gva >> shift) & 0x1ff;
        if (rd(opaque, table + idx * 8, 8, &entry) || walk_level(entry, write, wp))
            return -1;
        if (shift == 12) {
            *gpa = (entry & ADDR_52) | (gva & 0xfff);
            return 0;
        }
        if ((entry & X86_PTE_PS) && (shift == 21 || shift == 30)) {
            uint64_t mask = (1ULL << shift) - 1;
            *gpa = (entry & ADDR_52 & ~mask) | (gva & mask);
            return 0;
        }
        table = entry & ADDR_52;
    }
    return -1;
}

/* Legacy 2-level paging: 4-byte entries, 4 MiB pages with CR4.PSE. */
static int walk32(const struct paging_state *ps, uint32_t gva, bool write,
                  gva_read_fn rd, void *opaque, uint64_t *gpa)
{
    bool wp = ps->cr0 & X86_CR0_WP;
    uint64_t pde, pte;

    if (rd(opaque, (ps->cr3 & 0xfffff000ULL) + (gva >> 22) * 4, 4, &pde) ||
        walk_level(pde, write, wp))
        return -1;
    if ((pde & X86_PTE_PS) && (ps->cr4 & X86_CR4_PSE)) {
        /* PSE-36: bits 13..20 of the PDE give physical bits 32..39. */
        uint64_t base = (pde & 0xffc00000ULL) | ((pde & 0x1fe000ULL) << 19);
        *gpa = base | (gva & 0x3fffff);
        return 0;
    }
    if (rd(opaque, (pde & 0xfffff000ULL) + ((gva >> 12) & 0x3ff) * 4, 4, &pte) ||
        walk_level(pte, write, wp))
        return -1;
    *gpa = (pte & 0xfffff000ULL) | (gva & 0xfff);
    return 0;
}

int gva_translate(const struct paging_state *ps, uint64_t gva, bool write,
                  gva_read_fn rd, void *opaque, uint64_t *gpa)
{
    if (ps->efer & X86_EFER_LMA) {
        int la57 = (ps->cr4 & X86_CR4_LA57) != 0;
        int bits = la57 ? 57 : 48;
        /* Non-canonical addresses fault (#GP on hardware). */
        int64_t sx = (int64_t)(gva << (64 - bits)) >> (64 - bits);
        if ((uint64_t)sx != gva)
            return -1;
        return walk64(ps, gva, write, rd, opaque, gpa, la57 ? 5 : 4);
    }
    gva &= 0xffffffffULL;
    if (!(ps->cr0 & X86_CR0_PG)) {
        *gpa = gva;
        return 0;
    }
    if (ps->cr4 & X86_CR4_PAE)
        return walk64(ps, gva, write, rd, opaque, gpa, 3);
    return walk32(ps, (uint32_t)gva, write, rd, opaque, gpa);
}
