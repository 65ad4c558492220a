/* x86 architectural bits the VMM reads from guest state, in one place. */
#ifndef XK_X86_H
#define XK_X86_H

#include <stdbool.h>
#include <linux/kvm.h>

#define X86_CR0_PE    (1ULL << 0)
#define X86_CR0_ET    (1ULL << 4)
#define X86_CR0_WP    (1ULL << 16)
#define X86_CR0_PG    (1ULL << 31)
#define X86_CR4_PSE   (1ULL << 4)
#define X86_CR4_PAE   (1ULL << 5)
#define X86_CR4_PGE   (1ULL << 7)
#define X86_CR4_LA57  (1ULL << 12)
#define X86_EFER_SCE  (1ULL << 0)
#define X86_EFER_LME  (1ULL << 8)
#define X86_EFER_LMA  (1ULL << 10)
#define X86_EFER_NX   (1ULL << 11)
#define X86_RFLAGS_IF (1ULL << 9)
#define X86_RFLAGS_VM (1ULL << 17)

#define X86_PTE_P     (1ULL << 0)
#define X86_PTE_RW    (1ULL << 1)
#define X86_PTE_PS    (1ULL << 7)

/* 64-bit mode (long mode with a 64-bit code segment), where Xen uses the
 * native ABI; everything else gets the 32-bit (compat) one. */
static inline bool x86_mode64(const struct kvm_sregs *s)
{
    return (s->efer & X86_EFER_LMA) && s->cs.l;
}

/* The host's CPUID (<cpuid.h> is shadowed by hvm/cpuid.h here). */
static inline void x86_host_cpuid(unsigned leaf, unsigned sub, unsigned *a, unsigned *b,
                                  unsigned *c, unsigned *d)
{
    __asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

#endif
