/*
 * Secondary vCPU entry for VCPU_HVM_MODE_64B.  Xen starts the vCPU in long
 * mode with flat cached segments but no GDT or IDT of ours, so load both
 * before anything reloads a segment or takes an exception.  The stack
 * pointer comes from the initialise context.
 */
#include "x86.h"

    .section .text
    .code64
    .globl ap_entry64
ap_entry64:
    lgdt    gdt_desc(%rip)
    mov     $SEL_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    pushq   $SEL_CS64
    lea     1f(%rip), %rax
    push    %rax
    lretq
1:  call    ap_main
2:  hlt
    jmp     2b
