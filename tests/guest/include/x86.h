/* Small wrappers for the x86 instructions the guests use. */
#ifndef GUEST_X86_H
#define GUEST_X86_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define X86_CR0_PE   0x00000001
#define X86_CR0_WP   0x00010000
#define X86_CR0_PG   0x80000000
#define X86_CR4_PSE  0x00000010
#define X86_CR4_PAE  0x00000020
#define X86_CR4_PGE  0x00000080
#define X86_EFER_MSR 0xc0000080
#define X86_EFER_LME 0x00000100
#define X86_EFER_LMA 0x00000400
#define X86_EFLAGS_IF 0x00000200

/* GDT selectors, laid out in arch/gdt.S. */
#define SEL_CS32   0x08
#define SEL_DS     0x10
#define SEL_CS64   0x18
#define SEL_UDS    0x23  /* ring-3 data, RPL 3 */
#define SEL_UCS64  0x2b  /* ring-3 64-bit code, RPL 3 */
#define SEL_UCS32  0x33  /* ring-3 32-bit code, RPL 3 */
#define SEL_TSS    0x38

#ifndef __ASSEMBLER__

static inline void outb(uint16_t port, uint8_t v)
{
    __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
    uint8_t v;
    __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void outw(uint16_t port, uint16_t v)
{
    asm volatile("outw %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
    uint16_t v;
    asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void outl(uint16_t port, uint32_t v)
{
    asm volatile("outl %0, %1" :: "a"(v), "Nd"(port));
}

static inline uint32_t inl(uint16_t port)
{
    uint32_t v;
    asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
    return v;
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b,
                         uint32_t *c, uint32_t *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d)
                     : "0"(leaf), "2"(0));
}

static inline uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v),
                     "d"((uint32_t)(v >> 32)) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

static inline unsigned long read_cr0(void)
{
    unsigned long v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline unsigned long read_cr2(void)
{
    unsigned long v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

static inline unsigned long read_cr3(void)
{
    unsigned long v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline unsigned long read_cr4(void)
{
    unsigned long v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

static inline void write_cr0(unsigned long v)
{
    __asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}

static inline void write_cr3(unsigned long v)
{
    __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}

static inline void write_cr4(unsigned long v)
{
    __asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline void invlpg(unsigned long va)
{
    __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }

static inline unsigned long read_flags(void)
{
    unsigned long f;
    __asm__ volatile("pushf; pop %0" : "=r"(f));
    return f;
}

#define READ_ONCE(x)     (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

#endif /* __ASSEMBLER__ */

#endif
