/*
 * 256 interrupt stubs, 16 bytes apart, so the IDT entry for vector n is
 * trap_stubs + n * 16.  Each pushes a dummy error code where the CPU does
 * not, then the vector, and joins trap_common, which calls trap_dispatch().
 */
#include "x86.h"

    .section .text
    .code64
    .balign 16
    .globl trap_stubs
trap_stubs:
vec = 0
.rept 256
    .balign 16
    .if !(vec == 8 || vec == 10 || vec == 11 || vec == 12 || vec == 13 || vec == 14 || vec == 17 || vec == 21 || vec == 29 || vec == 30)
    push    $0
    .endif
    push    $vec
    jmp     trap_common
    vec = vec + 1
.endr

trap_common:
    push    %rax
    push    %rbx
    push    %rcx
    push    %rdx
    push    %rsi
    push    %rdi
    push    %rbp
    push    %r8
    push    %r9
    push    %r10
    push    %r11
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    cld
    mov     %rsp, %rdi
    call    trap_dispatch
    pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %r11
    pop     %r10
    pop     %r9
    pop     %r8
    pop     %rbp
    pop     %rdi
    pop     %rsi
    pop     %rdx
    pop     %rcx
    pop     %rbx
    pop     %rax
    add     $16, %rsp               /* vector and error code */
    iretq
