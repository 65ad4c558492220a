/*
 * Run a tiny routine at CPL3 and come back.  ring3_call(fn, stack_top)
 * saves the callee-saved registers, irets to fn in ring 3; fn ends with
 * a ud2 at ring3_done, which the #UD handler sends to ring3_return; that
 * restores the saved stack and returns fn's %rax to the caller.
 */
#include "x86.h"

    .section .text
    .code64
    .globl ring3_call
ring3_call:
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %rsp, ring3_saved_sp(%rip)
    push    $SEL_UDS                /* ss */
    push    %rsi                    /* rsp */
    pushfq
    push    $SEL_UCS64              /* cs */
    push    %rdi                    /* rip */
    iretq

    .globl ring3_return
ring3_return:
    mov     ring3_saved_sp(%rip), %rsp
    mov     $SEL_DS, %ecx
    mov     %ecx, %ds
    mov     %ecx, %es
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    ret

    /* Ring-3 body: the hypercall ring3_hcall_fn with two arguments. */
    .globl ring3_hypercall
ring3_hypercall:
    mov     ring3_hcall_args(%rip), %rdi
    mov     ring3_hcall_args + 8(%rip), %rsi
    mov     ring3_hcall_fn(%rip), %rax
    call    *%rax
    /* Back to ring 0 through #UD: KVM in PVM mode turns a ring-3
     * "int $n" into #UD, so a plain ud2 at a known address is the door. */
    .globl ring3_done
ring3_done:
    ud2

    .section .bss
    .balign 8
ring3_saved_sp:
    .skip 8
    .globl ring3_hcall_fn, ring3_hcall_args
ring3_hcall_fn:                     /* set by the C side */
    .skip 8
ring3_hcall_args:
    .skip 2 * 8
