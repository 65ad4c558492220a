/* Unit tests for hvm/gva.c: page tables are built in a fake 4 MiB
 * guest-physical memory and gva_translate() must walk them as the MMU
 * would, in every paging mode a Xen HVM/PVH guest can be in. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hvm/gva.h"

/* ---- fake guest memory ------------------------------------------------- */

#define GMEM_SIZE (4ULL << 20)

static uint8_t *gmem;
static unsigned reads;          /* page-table reads done by the walker */

static int fake_read(void *opaque, uint64_t gpa, unsigned size, uint64_t *val)
{
    (void)opaque;
    reads++;
    if ((size != 4 && size != 8) || gpa >= GMEM_SIZE || size > GMEM_SIZE - gpa)
        return -1;
    *val = 0;
    for (unsigned i = 0; i < size; i++)
        *val |= (uint64_t)gmem[gpa + i] << (8 * i);
    return 0;
}

static void put32(uint64_t gpa, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        gmem[gpa + i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint64_t gpa, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        gmem[gpa + i] = (uint8_t)(v >> (8 * i));
}

static void gmem_reset(void)
{
    memset(gmem, 0, GMEM_SIZE);
}

/* ---- constants (Intel SDM vol. 3, chapter 4) -------------------------- */

#define CR0_PE   (1ULL << 0)
#define CR0_WP   (1ULL << 16)
#define CR0_PG   (1ULL << 31)
#define CR4_PSE  (1ULL << 4)
#define CR4_PAE  (1ULL << 5)
#define CR4_LA57 (1ULL << 12)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

#define P  (1ULL << 0)
#define RW (1ULL << 1)
#define US (1ULL << 2)
#define A  (1ULL << 5)
#define D  (1ULL << 6)
#define PS (1ULL << 7)
#define G  (1ULL << 8)
#define NX (1ULL << 63)

#define PAGE 4096ULL

/* Page-table pages used by the cases (all inside the fake memory). */
#define T0 0x100000ULL
#define T1 0x101000ULL
#define T2 0x102000ULL
#define T3 0x103000ULL
#define T4 0x104000ULL
#define T5 0x105000ULL
#define T6 0x106000ULL

static const struct paging_state ps_real = { .cr0 = 0 };
static const struct paging_state ps_prot = { .cr0 = CR0_PE };

static struct paging_state ps_32(uint64_t cr3, uint64_t cr4, bool wp)
{
    struct paging_state ps = { CR0_PE | CR0_PG | (wp ? CR0_WP : 0), cr3, cr4, 0 };
    return ps;
}

static struct paging_state ps_pae(uint64_t cr3, bool wp)
{
    return ps_32(cr3, CR4_PAE, wp);
}

static struct paging_state ps_long(uint64_t cr3, bool la57, bool wp)
{
    struct paging_state ps = {
        CR0_PE | CR0_PG | (wp ? CR0_WP : 0), cr3,
        CR4_PAE | (la57 ? CR4_LA57 : 0), EFER_LME | EFER_LMA,
    };
    return ps;
}

/* Translate and return the gpa, or ~0 on a fault. */
#define BAD (~0ULL)
static uint64_t xlate(const struct paging_state *ps, uint64_t gva, bool write)
{
    uint64_t gpa = 0x5a5a5a5a;

    if (gva_translate(ps, gva, write, fake_read, NULL, &gpa))
        return BAD;
    return gpa;
}

/* Index of GVA at the page-table level whose entries map 2^SHIFT bytes. */
static uint64_t ix(uint64_t gva, unsigned shift)
{
    return (gva >> shift) & 0x1ff;
}

/* ---- paging off ------------------------------------------------------- */

static void test_paging_off(void)
{
    gmem_reset();
    CHECK_EQ(xlate(&ps_real, 0, false), 0);
    CHECK_EQ(xlate(&ps_real, 0x12345, true), 0x12345);
    CHECK_EQ(xlate(&ps_prot, 0xfffff000, false), 0xfffff000);
    CHECK_EQ(xlate(&ps_prot, 0xffffffff, true), 0xffffffff);
    /* Outside long mode addresses are 32 bits: the top half is dropped. */
    CHECK_EQ(xlate(&ps_prot, 0x100000000ULL, false), 0);
    CHECK_EQ(xlate(&ps_prot, 0xdeadbeef00401234ULL, false), 0x00401234);
    /* Paging off ignores CR4.PAE/PSE and CR3 (no page-table reads). */
    {
        struct paging_state ps = { CR0_PE, 0xfffff000, CR4_PAE | CR4_PSE, 0 };
        reads = 0;
        CHECK_EQ(xlate(&ps, 0x00abc123, true), 0x00abc123);
        CHECK_EQ(reads, 0);
    }
}

/* ---- 2-level 32-bit paging -------------------------------------------- */

static void test_32bit_4k(void)
{
    struct paging_state ps = ps_32(T0, 0, true);

    gmem_reset();
    /* 0x00400000-0x00401fff: PDE 1 -> page table T1. */
    put32(T0 + 1 * 4, (uint32_t)(T1 | P | RW | US | A));
    put32(T1 + 0 * 4, 0x00200000 | P | RW | A | D);
    put32(T1 + 1 * 4, 0x00333000 | P | RW);
    put32(T1 + 1023 * 4, 0xfffff000 | P);               /* top of 4 GiB */
    /* 0xc0000000: PDE 768 -> page table T2. */
    put32(T0 + 768 * 4, (uint32_t)(T2 | P | RW));
    put32(T2 + 5 * 4, 0x00012000 | P | RW | G);

    CHECK_EQ(xlate(&ps, 0x00400000, false), 0x00200000);
    CHECK_EQ(xlate(&ps, 0x00400abc, true), 0x00200abc);
    CHECK_EQ(xlate(&ps, 0x00401fff, false), 0x00333fff);
    CHECK_EQ(xlate(&ps, 0x007ff123, false), 0xfffff123);
    CHECK_EQ(xlate(&ps, 0xc0005010, true), 0x00012010);
    /* Upper bits of a 64-bit gva are ignored outside long mode. */
    CHECK_EQ(xlate(&ps, 0xffffffff00400010ULL, false), 0x00200010);
    /* Unmapped: PTE 2 and PDE 0 not present. */
    CHECK_EQ(xlate(&ps, 0x00402000, false), BAD);
    CHECK_EQ(xlate(&ps, 0x00001000, false), BAD);
    /* A PDE with PS set but CR4.PSE clear is a pointer to a page table. */
    put32(T0 + 2 * 4, (uint32_t)(T3 | P | RW | PS));
    put32(T3 + 3 * 4, 0x00777000 | P | RW);
    CHECK_EQ(xlate(&ps, 0x00803456, false), 0x00777456);
    /* CR3's low 12 bits (PCD/PWT) are not part of the table address. */
    ps.cr3 = T0 | 0x18;
    CHECK_EQ(xlate(&ps, 0x00400abc, false), 0x00200abc);
}

static void test_32bit_pse(void)
{
    struct paging_state ps = ps_32(T0, CR4_PSE, true);

    gmem_reset();
    /* A 4 MiB page at 0x00800000 for gva 0x00400000. */
    put32(T0 + 1 * 4, 0x00800000 | P | RW | PS);
    /* A 4 MiB page at 0xff800000 for gva 0xc0000000, with PAT (bit 12). */
    put32(T0 + 768 * 4, 0xff800000 | P | RW | PS | (1u << 12));
    /* A 4 KiB mapping next to them still works. */
    put32(T0 + 2 * 4, (uint32_t)(T1 | P | RW));
    put32(T1 + 0, 0x00123000 | P | RW);

    CHECK_EQ(xlate(&ps, 0x00400000, false), 0x00800000);
    CHECK_EQ(xlate(&ps, 0x007fffff, true), 0x00bfffff);
    CHECK_EQ(xlate(&ps, 0x00512345, false), 0x00912345);
    CHECK_EQ(xlate(&ps, 0xc0000000, false), 0xff800000);
    CHECK_EQ(xlate(&ps, 0xc03ffffe, false), 0xffbffffe);
    CHECK_EQ(xlate(&ps, 0x00800fff, false), 0x00123fff);
    CHECK_EQ(xlate(&ps, 0x00c00000, false), BAD);
}

static void test_32bit_pse36(void)
{
    struct paging_state ps = ps_32(T0, CR4_PSE, true);

    gmem_reset();
    /* PSE-36: PDE bits 20:13 are physical address bits 39:32. */
    put32(T0 + 1 * 4, 0x00c00000 | (0x01u << 13) | P | RW | PS);
    put32(T0 + 2 * 4, 0xffc00000 | (0xffu << 13) | P | RW | PS);
    put32(T0 + 3 * 4, 0x00400000 | (0x5au << 13) | P | PS);

    CHECK_EQ(xlate(&ps, 0x00400000, false), 0x100c00000ULL);
    CHECK_EQ(xlate(&ps, 0x007abcde, false), 0x100fabcdeULL);
    CHECK_EQ(xlate(&ps, 0x00800000, false), 0xffffc00000ULL);
    CHECK_EQ(xlate(&ps, 0x00bfffff, false), 0xffffffffffULL);
    CHECK_EQ(xlate(&ps, 0x00c01000, false), 0x5a00401000ULL);
}

/* ---- PAE 3-level ------------------------------------------------------- */

static void test_pae(void)
{
    /* CR3 bits 31:5 locate the PDPT: put it 32-byte aligned, not 4 KiB. */
    const uint64_t pdpt = T0 + 0x60;
    struct paging_state ps = ps_pae(pdpt, true);

    gmem_reset();
    /* PDPTE 0 -> page directory T1; PDPTE 3 -> page directory T2. */
    put64(pdpt + 0 * 8, T1 | P);
    put64(pdpt + 3 * 8, T2 | P);
    /* gva 0x00200000: PDE 1 is a 2 MiB page at 0x00600000. */
    put64(T1 + 1 * 8, 0x00600000 | P | RW | PS);
    /* gva 0x00400000: PDE 2 -> page table T3 with 4 KiB pages. */
    put64(T1 + 2 * 8, T3 | P | RW);
    put64(T3 + 0 * 8, 0x00345000 | P | RW | NX);
    put64(T3 + 511 * 8, 0x1234567000ULL | P | RW);     /* above 4 GiB */
    /* gva 0xc0000000 (PDPTE 3): PDE 0 a 2 MiB page above 4 GiB, PAT set. */
    put64(T2 + 0 * 8, 0x80000000000ULL | P | PS | (1ULL << 12) | NX);
    /* gva 0xffe00000: PDE 511 of PDPTE 3. */
    put64(T2 + 511 * 8, T4 | P | RW);
    put64(T4 + 511 * 8, 0x00001000 | P | RW);

    CHECK_EQ(xlate(&ps, 0x00200000, false), 0x00600000);
    CHECK_EQ(xlate(&ps, 0x003fffff, true), 0x007fffff);
    CHECK_EQ(xlate(&ps, 0x00400123, true), 0x00345123);
    CHECK_EQ(xlate(&ps, 0x005ff008, false), 0x1234567008ULL);
    CHECK_EQ(xlate(&ps, 0xc0000000, false), 0x80000000000ULL);
    CHECK_EQ(xlate(&ps, 0xc01fffff, false), 0x800001fffffULL);
    CHECK_EQ(xlate(&ps, 0xfffffffc, false), 0x00001ffc);
    /* The upper half of a 64-bit gva is dropped outside long mode. */
    CHECK_EQ(xlate(&ps, 0xabcd000000200010ULL, false), 0x00600010);
    /* Not present: PDPTE 1, PDPTE 2, PDE 0, PTE 1. */
    CHECK_EQ(xlate(&ps, 0x40000000, false), BAD);
    CHECK_EQ(xlate(&ps, 0x80000000, false), BAD);
    CHECK_EQ(xlate(&ps, 0x00000000, false), BAD);
    CHECK_EQ(xlate(&ps, 0x00401000, false), BAD);
}

/* ---- long mode --------------------------------------------------------- */

/* A 4-level hierarchy used by several cases:
 *   gva 0x0000000040000000 (PML4 0, PDPT 1): 1 GiB page at 0x1_0000_0000
 *   gva 0x0000000000200000 (PML4 0, PDPT 0, PD 1): 2 MiB page at 0x00800000
 *   gva 0x0000000000400000 (PD 2 -> PT T3): 4 KiB pages
 *   gva 0xffff800000000000 (PML4 256 -> T4 -> T5 -> T6): 4 KiB page,
 *       read-only
 */
static void build_4level(uint64_t root)
{
    put64(root + 0 * 8, T1 | P | RW | US);
    put64(T1 + 0 * 8, T2 | P | RW);
    put64(T1 + 1 * 8, 0x100000000ULL | P | RW | PS);
    put64(T2 + 1 * 8, 0x00800000 | P | RW | PS | NX);
    put64(T2 + 2 * 8, T3 | P | RW);
    put64(T3 + 0 * 8, 0x00201000 | P | RW);
    put64(T3 + 1 * 8, 0x00377000 | P | RW | A | D | NX);
    put64(T3 + 511 * 8, 0xfffffffff000ULL | P | RW);    /* 52-bit max-ish */

    put64(root + 256 * 8, T4 | P | RW);
    put64(T4 + 0 * 8, T5 | P | RW);
    put64(T5 + 0 * 8, T6 | P | RW);
    put64(T6 + 0 * 8, 0x00abc000 | P);                  /* read-only */
}

static void test_long_4level(void)
{
    struct paging_state ps = ps_long(T0, false, true);

    gmem_reset();
    build_4level(T0);

    /* 1 GiB page. */
    CHECK_EQ(xlate(&ps, 0x40000000, false), 0x100000000ULL);
    CHECK_EQ(xlate(&ps, 0x7fffffff, true), 0x13fffffffULL);
    CHECK_EQ(xlate(&ps, 0x5abcdef0, false), 0x11abcdef0ULL);
    /* 2 MiB page; NX (bit 63) is not part of the address. */
    CHECK_EQ(xlate(&ps, 0x00200000, false), 0x00800000);
    CHECK_EQ(xlate(&ps, 0x003fffff, true), 0x009fffff);
    /* 4 KiB pages. */
    CHECK_EQ(xlate(&ps, 0x00400000, false), 0x00201000);
    CHECK_EQ(xlate(&ps, 0x00401fff, true), 0x00377fff);
    CHECK_EQ(xlate(&ps, 0x005ff123, false), 0xfffffffff123ULL);
    /* Upper half. */
    CHECK_EQ(xlate(&ps, 0xffff800000000042ULL, false), 0x00abc042);
    /* CR3's PCD/PWT bits are not part of the PML4 address. */
    ps.cr3 = T0 | 0x18;
    CHECK_EQ(xlate(&ps, 0x00400010, false), 0x00201010);
}

static void test_long_large_page_pat(void)
{
    struct paging_state ps = ps_long(T0, false, true);

    gmem_reset();
    /* Bit 12 of a large-page entry is PAT, not an address bit. */
    put64(T0, T1 | P | RW);
    put64(T1 + 0 * 8, T2 | P | RW);
    put64(T1 + 2 * 8, 0x80000000ULL | P | RW | PS | (1ULL << 12));
    put64(T2 + 3 * 8, 0x00e00000 | P | RW | PS | (1ULL << 12));
    CHECK_EQ(xlate(&ps, 0x80000000ULL, false), 0x80000000ULL);
    CHECK_EQ(xlate(&ps, 0x80001000ULL, false), 0x80001000ULL);
    CHECK_EQ(xlate(&ps, 0x00600000, false), 0x00e00000);
    CHECK_EQ(xlate(&ps, 0x00601000, false), 0x00e01000);
    /* Available bits (9-11, 52-62) are not address bits either. */
    put64(T2 + 4 * 8, T3 | P | RW | (0x7ULL << 9) | (0x7ffULL << 52));
    put64(T3 + 0, 0x00456000 | P | RW | (0x7ULL << 9) | (0x7ffULL << 52));
    CHECK_EQ(xlate(&ps, 0x00800000, false), 0x00456000);
}

static void test_long_5level(void)
{
    struct paging_state ps = ps_long(T0, true, true);
    const uint64_t lo = 0x00400000;                 /* PML5 0 */
    const uint64_t hi57 = 0x0002000000400000ULL;    /* PML5 2 */
    const uint64_t top = 0xff00000000400000ULL;     /* PML5 256, upper half */

    gmem_reset();
    /* PML5 (T0) entry 0 -> a PML4 at T4 holding the usual 4-level tree. */
    put64(T0 + 0 * 8, T4 | P | RW);
    put64(T4 + 0 * 8, T1 | P | RW);
    put64(T1 + 0, T2 | P | RW);
    put64(T2 + 2 * 8, T3 | P | RW);
    put64(T3 + 0, 0x00201000 | P | RW);
    /* Another PML5 entry, for an address using bits 48-56. */
    CHECK_EQ(ix(hi57, 48), 2);
    put64(T0 + 2 * 8, T5 | P | RW);
    put64(T5 + 0, T1 | P | RW);                     /* shares the PDPT */
    CHECK_EQ(ix(top, 48), 0x100);
    put64(T0 + 0x100 * 8, T5 | P | RW);

    CHECK_EQ(xlate(&ps, lo + 0x10, false), 0x00201010);
    CHECK_EQ(xlate(&ps, hi57 + 0x20, true), 0x00201020);
    CHECK_EQ(xlate(&ps, top + 0x30, false), 0x00201030);
    /* A 48-bit-canonical address that is outside every mapped PML5 slot. */
    CHECK_EQ(xlate(&ps, 0x0000800000400000ULL, false), BAD);
    /* 57-bit canonical rules: bit 56 must be copied into 63:57. */
    CHECK_EQ(xlate(&ps, 0x0200000000400000ULL, false), BAD);
    CHECK_EQ(xlate(&ps, 0x0100000000000000ULL | (1ULL << 57), false), BAD);
    CHECK_EQ(xlate(&ps, 0x7f00000000400000ULL, false), BAD);

    /* Without LA57, addresses using bits 48-56 are non-canonical. */
    ps.cr4 &= ~CR4_LA57;
    CHECK_EQ(xlate(&ps, hi57, false), BAD);
    CHECK_EQ(xlate(&ps, top, false), BAD);
}

static void test_noncanonical(void)
{
    struct paging_state ps = ps_long(T0, false, true);
    static const uint64_t bad[] = {
        0x0000800000000000ULL, 0x0000ffffffffffffULL, 0x0001000000000000ULL,
        0x8000000000000000ULL, 0xfffe000000000000ULL, 0xffff7fffffffffffULL,
        0x7fffffffffffffffULL, 0x0100000000400000ULL,
    };

    gmem_reset();
    build_4level(T0);
    /* The lowest and highest canonical addresses are fine when mapped. */
    CHECK_EQ(xlate(&ps, 0xffff800000000000ULL, false), 0x00abc000);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        reads = 0;
        CHECK_EQ(xlate(&ps, bad[i], false), BAD);
        CHECK_EQ(reads, 0);     /* refused before any table is read */
    }
    /* A non-canonical address whose low 48 bits are mapped still fails. */
    CHECK_EQ(xlate(&ps, 0x0001000000400000ULL, false), BAD);
    CHECK_EQ(xlate(&ps, 0xffff000000400000ULL, false), BAD);
    CHECK_EQ(xlate(&ps, 0x00400000, false), 0x00201000);
}

/* Each level of each mode: clearing P there makes the walk fail. */
static void test_not_present_each_level(void)
{
    /* Long mode 4-level, gva 0x00400000: PML4 0, PDPT 0, PD 2, PT 0. */
    {
        struct paging_state ps = ps_long(T0, false, true);
        const uint64_t entries[] = { T0 + 0, T1 + 0, T2 + 2 * 8, T3 + 0 };
        for (unsigned lvl = 0; lvl < 4; lvl++) {
            gmem_reset();
            build_4level(T0);
            CHECK_EQ(xlate(&ps, 0x00400000, false), 0x00201000);
            /* Clear only P: the rest of the entry still looks valid. */
            gmem[entries[lvl]] &= (uint8_t)~P;
            CHECK_EQ(xlate(&ps, 0x00400000, false), BAD);
            CHECK_EQ(xlate(&ps, 0x00400000, true), BAD);
        }
        /* A not-present 1 GiB and 2 MiB leaf. */
        gmem_reset();
        build_4level(T0);
        gmem[T1 + 1 * 8] &= (uint8_t)~P;
        CHECK_EQ(xlate(&ps, 0x40000000, false), BAD);
        gmem[T2 + 1 * 8] &= (uint8_t)~P;
        CHECK_EQ(xlate(&ps, 0x00200000, false), BAD);
    }
    /* 5-level: the PML5 entry. */
    {
        struct paging_state ps = ps_long(T0, true, true);
        gmem_reset();
        put64(T0, T4 | P | RW);
        put64(T4, T1 | P | RW);
        put64(T1, T2 | P | RW);
        put64(T2, T3 | P | RW);
        put64(T3, 0x5000 | P | RW);
        CHECK_EQ(xlate(&ps, 0x10, false), 0x5010);
        gmem[T0] &= (uint8_t)~P;
        CHECK_EQ(xlate(&ps, 0x10, false), BAD);
    }
    /* PAE: PDPTE, PDE, PTE. */
    {
        struct paging_state ps = ps_pae(T0, true);
        const uint64_t entries[] = { T0 + 0, T1 + 2 * 8, T2 + 0 };
        for (unsigned lvl = 0; lvl < 3; lvl++) {
            gmem_reset();
            put64(T0, T1 | P);
            put64(T1 + 2 * 8, T2 | P | RW);
            put64(T2, 0x6000 | P | RW);
            CHECK_EQ(xlate(&ps, 0x00400000, false), 0x6000);
            gmem[entries[lvl]] &= (uint8_t)~P;
            CHECK_EQ(xlate(&ps, 0x00400000, false), BAD);
        }
    }
    /* 32-bit: PDE, PTE, and a not-present 4 MiB PDE. */
    {
        struct paging_state ps = ps_32(T0, CR4_PSE, true);
        const uint64_t entries[] = { T0 + 1 * 4, T1 };
        for (unsigned lvl = 0; lvl < 2; lvl++) {
            gmem_reset();
            put32(T0 + 1 * 4, (uint32_t)(T1 | P | RW));
            put32(T1, 0x7000 | P | RW);
            CHECK_EQ(xlate(&ps, 0x00400000, false), 0x7000);
            gmem[entries[lvl]] &= (uint8_t)~P;
            CHECK_EQ(xlate(&ps, 0x00400000, false), BAD);
        }
        gmem_reset();
        put32(T0 + 2 * 4, 0x00c00000 | PS);
        CHECK_EQ(xlate(&ps, 0x00800000, false), BAD);
    }
}

/* Supervisor writes to read-only mappings fault only with CR0.WP; a
 * read-only entry at any level makes the whole translation read-only. */
static void test_write_protect(void)
{
    gmem_reset();
    build_4level(T0);
    {
        struct paging_state wp = ps_long(T0, false, true);
        struct paging_state nowp = ps_long(T0, false, false);
        const uint64_t ro = 0xffff800000000123ULL;      /* PTE without RW */

        CHECK_EQ(xlate(&wp, ro, false), 0x00abc123);
        CHECK_EQ(xlate(&wp, ro, true), BAD);
        CHECK_EQ(xlate(&nowp, ro, true), 0x00abc123);

        /* Read-only at the PDPT level (PTE writable). */
        gmem[T1 + 0] &= (uint8_t)~RW;
        CHECK_EQ(xlate(&wp, 0x00400000, false), 0x00201000);
        CHECK_EQ(xlate(&wp, 0x00400000, true), BAD);
        CHECK_EQ(xlate(&nowp, 0x00400000, true), 0x00201000);
        gmem[T1 + 0] |= RW;
        /* Read-only at the PML4 level. */
        gmem[T0 + 0] &= (uint8_t)~RW;
        CHECK_EQ(xlate(&wp, 0x40000000, true), BAD);
        CHECK_EQ(xlate(&nowp, 0x40000000, true), 0x100000000ULL);
        gmem[T0 + 0] |= RW;
        /* Read-only 1 GiB and 2 MiB leaves. */
        gmem[T1 + 1 * 8] &= (uint8_t)~RW;
        gmem[T2 + 1 * 8] &= (uint8_t)~RW;
        CHECK_EQ(xlate(&wp, 0x40000000, true), BAD);
        CHECK_EQ(xlate(&wp, 0x40000000, false), 0x100000000ULL);
        CHECK_EQ(xlate(&wp, 0x00200000, true), BAD);
        CHECK_EQ(xlate(&nowp, 0x00200000, true), 0x00800000);
    }
    /* 32-bit paging: read-only PTE, read-only PDE, read-only 4 MiB page. */
    gmem_reset();
    {
        struct paging_state wp = ps_32(T0, CR4_PSE, true);
        struct paging_state nowp = ps_32(T0, CR4_PSE, false);

        put32(T0 + 1 * 4, (uint32_t)(T1 | P | RW));
        put32(T1 + 0, 0x9000 | P);
        put32(T0 + 2 * 4, (uint32_t)(T2 | P));
        put32(T2 + 0, 0xa000 | P | RW);
        put32(T0 + 3 * 4, 0x00400000 | P | PS);
        CHECK_EQ(xlate(&wp, 0x00400000, true), BAD);
        CHECK_EQ(xlate(&nowp, 0x00400000, true), 0x9000);
        CHECK_EQ(xlate(&wp, 0x00800000, true), BAD);
        CHECK_EQ(xlate(&wp, 0x00800000, false), 0xa000);
        CHECK_EQ(xlate(&nowp, 0x00800000, true), 0xa000);
        CHECK_EQ(xlate(&wp, 0x00c00000, true), BAD);
        CHECK_EQ(xlate(&nowp, 0x00c00000, true), 0x00400000);
    }
    /* PAE: read-only PTE. */
    gmem_reset();
    {
        struct paging_state wp = ps_pae(T0, true);
        struct paging_state nowp = ps_pae(T0, false);

        put64(T0, T1 | P);
        put64(T1, T2 | P | RW);
        put64(T2, 0xb000 | P);
        CHECK_EQ(xlate(&wp, 0x10, true), BAD);
        CHECK_EQ(xlate(&wp, 0x10, false), 0xb010);
        CHECK_EQ(xlate(&nowp, 0x10, true), 0xb010);
    }
}

/* Tables that point outside guest memory make the walk fail (the reader
 * says so) instead of reading garbage. */
static void test_table_outside_memory(void)
{
    const uint64_t far = 0x40000000ULL;     /* 1 GiB: beyond the 4 MiB */

    /* CR3 itself outside. */
    {
        struct paging_state ps = ps_long(far, false, true);
        gmem_reset();
        CHECK_EQ(xlate(&ps, 0x1000, false), BAD);
        ps = ps_32(far, 0, true);
        CHECK_EQ(xlate(&ps, 0x1000, false), BAD);
        ps = ps_pae(far, true);
        CHECK_EQ(xlate(&ps, 0x1000, false), BAD);
    }
    /* A PDPT pointer outside (long mode). */
    {
        struct paging_state ps = ps_long(T0, false, true);
        gmem_reset();
        put64(T0, far | P | RW);
        CHECK_EQ(xlate(&ps, 0x1000, false), BAD);
        /* ... and a page-table pointer outside at the PD level. */
        put64(T0, T1 | P | RW);
        put64(T1, T2 | P | RW);
        put64(T2, (GMEM_SIZE + 0x1000) | P | RW);
        CHECK_EQ(xlate(&ps, 0x1000, false), BAD);
        /* A leaf pointing outside memory is not the walker's business:
         * the translation is returned, the caller checks the gpa. */
        put64(T2, T3 | P | RW);
        put64(T3 + 1 * 8, far | P | RW);
        CHECK_EQ(xlate(&ps, 0x1000, false), far);
    }
    /* An entry straddling the end of memory: the last table slot of a
     * page table placed in the final page is fine, one beyond is not. */
    {
        struct paging_state ps = ps_32(T0, 0, true);
        gmem_reset();
        put32(T0 + 0, (uint32_t)((GMEM_SIZE - PAGE) | P | RW));
        put32(GMEM_SIZE - 4, 0x3000 | P | RW);
        CHECK_EQ(xlate(&ps, 0x003ff000, false), 0x3000);
        put32(T0 + 0, (uint32_t)(GMEM_SIZE | P | RW));
        CHECK_EQ(xlate(&ps, 0x00000000, false), BAD);
    }
    /* PAE: a page directory outside. */
    {
        struct paging_state ps = ps_pae(T0, true);
        gmem_reset();
        put64(T0, far | P);
        CHECK_EQ(xlate(&ps, 0x1000, false), BAD);
    }
}

/* Two virtually adjacent pages mapped to far-apart physical pages, the
 * lower one at a higher address: each side of the boundary must land in
 * its own page. */
static void test_noncontiguous(void)
{
    gmem_reset();
    {
        struct paging_state ps = ps_long(T0, false, true);
        put64(T0, T1 | P | RW);
        put64(T1, T2 | P | RW);
        put64(T2 + 1 * 8, T3 | P | RW);                 /* gva 0x200000 */
        put64(T3 + 511 * 8, 0x003ff000 | P | RW);       /* gva 0x3ff000 */
        put64(T2 + 2 * 8, T4 | P | RW);                 /* gva 0x400000 */
        put64(T4 + 0, 0x00010000 | P | RW);             /* gva 0x400000 */
        CHECK_EQ(xlate(&ps, 0x003fffff, false), 0x003fffff);
        CHECK_EQ(xlate(&ps, 0x00400000, false), 0x00010000);
        CHECK_EQ(xlate(&ps, 0x003ff800, true), 0x003ff800);
        CHECK_EQ(xlate(&ps, 0x00400800, true), 0x00010800);
    }
    gmem_reset();
    {
        struct paging_state ps = ps_32(T0, 0, true);
        put32(T0, (uint32_t)(T1 | P | RW));
        put32(T1 + 7 * 4, 0x00300000 | P | RW);
        put32(T1 + 8 * 4, 0x00002000 | P | RW);
        CHECK_EQ(xlate(&ps, 0x7fff, false), 0x00300fff);
        CHECK_EQ(xlate(&ps, 0x8000, false), 0x00002000);
    }
}

int main(void)
{
    gmem = calloc(1, GMEM_SIZE);
    if (!gmem) {
        perror("calloc");
        return 2;
    }
    RUN(test_paging_off);
    RUN(test_32bit_4k);
    RUN(test_32bit_pse);
    RUN(test_32bit_pse36);
    RUN(test_pae);
    RUN(test_long_4level);
    RUN(test_long_large_page_pat);
    RUN(test_long_5level);
    RUN(test_noncanonical);
    RUN(test_not_present_each_level);
    RUN(test_write_protect);
    RUN(test_table_outside_memory);
    RUN(test_noncontiguous);
    free(gmem);
    return CHECK_DONE();
}
