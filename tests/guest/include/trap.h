/* Exceptions and interrupts: one IDT, 256 stubs, optional C handlers. */
#ifndef GUEST_TRAP_H
#define GUEST_TRAP_H

#include <stdint.h>

/* Register frame built by arch/vectors*.S; order matches the pushes. */
struct trap_frame {
#ifdef __x86_64__
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error;
    uint64_t ip, cs, flags, sp, ss;
#else
    uint32_t edi, esi, ebp, esp_unused, ebx, edx, ecx, eax;
    uint32_t vector, error;
    uint32_t ip, cs, flags, sp, ss; /* sp/ss only from ring 3 */
#endif
};

/* The accumulator, whatever the mode. */
#ifdef __x86_64__
#define TF_AX(f) ((f)->rax)
#else
#define TF_AX(f) ((f)->eax)
#endif

typedef void (*trap_handler_t)(struct trap_frame *f);

void trap_init(void);
/* Loads the (shared) IDT on the calling vCPU. */
void trap_load_idt(void);
/* Installs fn for vector; dpl 3 lets ring-3 code raise it with int. */
void trap_set_handler(unsigned int vector, trap_handler_t fn, unsigned int dpl);
/* Points the IDT gate for vector at an assembly entry point instead. */
void trap_set_gate(unsigned int vector, void (*entry)(void), unsigned int dpl);
/* Called from the assembly stubs. */
void trap_dispatch(struct trap_frame *f);

/* Ring-0 stack used when ring-3 code traps (64-bit TSS rsp0, 32-bit esp0). */
void tss_init(void);

#endif
