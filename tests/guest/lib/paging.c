/* Page-table builders for the identity map plus the VMAP window. */
#include "lib.h"
#include "x86.h"
#include "paging.h"
#include "trap.h"
#include <xen/sched.h>

#define PTE_P  0x001ull
#define PTE_RW 0x002ull
#define PTE_US 0x004ull
#define PTE_PS 0x080ull
#define PTE_FLAGS (PTE_P | PTE_RW | PTE_US)

/* The window's tables in the 64-bit entry format (long mode and PAE). */
static uint64_t vmap_pd[512] __aligned(4096) __attribute__((section(".bss.page")));
static uint64_t vmap_pt[512] __aligned(4096) __attribute__((section(".bss.page")));

#ifdef __x86_64__
extern uint64_t boot_pdpt[512];

void paging_init(void)
{
    vmap_pd[0] = (uintptr_t)vmap_pt | PTE_FLAGS;
    boot_pdpt[VMAP_BASE >> 30] = (uintptr_t)vmap_pd | PTE_FLAGS;
    write_cr3(read_cr3());
}

enum paging_mode paging_mode(void) { return PAGING_LONG; }
#else
/* PAE: 4 PDPTEs (only P may be set), an identity PD of 2 MiB pages. */
static uint64_t pae_pdpt[4] __aligned(32);
static uint64_t pae_pd[512] __aligned(4096) __attribute__((section(".bss.page")));
/* 2-level: one PD of 4 MiB pages plus a 4 KiB table for the window. */
static uint32_t pd32[1024] __aligned(4096) __attribute__((section(".bss.page")));
static uint32_t pt32[1024] __aligned(4096) __attribute__((section(".bss.page")));
static enum paging_mode cur_mode = PAGING_NONE;

static void build_tables(void)
{
    unsigned int i;

    for (i = 0; i < 512; i++)
        pae_pd[i] = ((uint64_t)i << 21) | PTE_FLAGS | PTE_PS;
    pae_pdpt[0] = (uintptr_t)pae_pd | PTE_P;
    pae_pdpt[VMAP_BASE >> 30] = (uintptr_t)vmap_pd | PTE_P;
    vmap_pd[0] = (uintptr_t)vmap_pt | PTE_FLAGS;

    for (i = 0; i < 256; i++)
        pd32[i] = (i << 22) | (uint32_t)(PTE_FLAGS | PTE_PS);
    pd32[VMAP_BASE >> 22] = (uintptr_t)pt32 | (uint32_t)PTE_FLAGS;
}

/*
 * Setting CR0.PG is where a CPU (or a VMM) without this paging mode says
 * so, with #GP.  Catch that instead of crashing, so the guest can report
 * the mode as unavailable and carry on unpaged.
 */
extern const char pg_on_insn[], pg_on_fault[];

static void pg_on_gp(struct trap_frame *f)
{
    if (f->ip != (uintptr_t)pg_on_insn) {
        printf("EXCEPTION: vector 13 error 0x%lx ip 0x%lx\n",
               (unsigned long)f->error, (unsigned long)f->ip);
        guest_shutdown(SHUTDOWN_crash);
    }
    f->ip = (uintptr_t)pg_on_fault;
}

static __attribute__((noinline)) bool set_pg(unsigned long cr0)
{
    int ok;

    trap_set_handler(13, pg_on_gp, 0);
    __asm__ volatile(".globl pg_on_insn, pg_on_fault\n"
                     "pg_on_insn: mov %1, %%cr0\n\t"
                     "mov $1, %0\n\t"
                     "jmp 1f\n"
                     "pg_on_fault: xor %0, %0\n"
                     "1:"
                     : "=&r"(ok) : "r"(cr0) : "memory");
    trap_set_handler(13, NULL, 0);
    return ok;
}

bool paging_set_mode(enum paging_mode m)
{
    unsigned long cr4 = read_cr4();

    /* Identity-mapped code can drop paging, change format and resume. */
    write_cr0(read_cr0() & ~X86_CR0_PG);
    cur_mode = PAGING_NONE;
    if (m == PAGING_NONE)
        return true;
    if (m == PAGING_PAE) {
        write_cr4((cr4 | X86_CR4_PAE) & ~X86_CR4_PSE);
        write_cr3((uintptr_t)pae_pdpt);
    } else {
        write_cr4((cr4 | X86_CR4_PSE) & ~X86_CR4_PAE);
        write_cr3((uintptr_t)pd32);
    }
    if (!set_pg(read_cr0() | X86_CR0_PG)) {
        write_cr4(cr4 & ~(X86_CR4_PAE | X86_CR4_PSE));
        return false;
    }
    cur_mode = m;
    return true;
}

void paging_init(void)
{
    build_tables();
    if (!paging_set_mode(PAGING_PAE) && !paging_set_mode(PAGING_2LEVEL))
        printf("NOTE: enabling 32-bit paging (PAE and 2-level) raised #GP: "
               "running unpaged\n");
}

enum paging_mode paging_mode(void) { return cur_mode; }
#endif

const char *paging_mode_name(void)
{
    switch (paging_mode()) {
    case PAGING_LONG: return "4-level";
    case PAGING_PAE: return "pae";
    case PAGING_2LEVEL: return "2-level";
    default: return "no";
    }
}

void vmap_set(unsigned long va, uint64_t pa)
{
    unsigned long i = (va - VMAP_BASE) >> PAGE_SHIFT;

    vmap_pt[i] = (pa & ~0xfffull) | PTE_FLAGS;
#ifndef __x86_64__
    pt32[i] = (uint32_t)(pa & ~0xfffull) | (uint32_t)PTE_FLAGS;
#endif
    invlpg(va);
}

void vmap_clear(unsigned long va)
{
    unsigned long i = (va - VMAP_BASE) >> PAGE_SHIFT;

    vmap_pt[i] = 0;
#ifndef __x86_64__
    pt32[i] = 0;
#endif
    invlpg(va);
}

void *phys_page(uint64_t pa, unsigned int slot)
{
    pa &= ~0xfffull;
    if (pa < (1ull << 30) || paging_mode() == PAGING_NONE)
        return (void *)(uintptr_t)pa;
    vmap_set(VMAP_SLOT_VA(slot), pa);
    return (void *)VMAP_SLOT_VA(slot);
}
