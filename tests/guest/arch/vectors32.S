/*
 * 256 interrupt stubs, 16 bytes apart (see vectors64.S for the layout).
 */
#include "x86.h"

    .section .text
    .code32
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
    pusha
    mov     $SEL_DS, %eax           /* ring-3 code may have left user DS */
    mov     %eax, %ds
    mov     %eax, %es
    cld
    push    %esp
    call    trap_dispatch
    add     $4, %esp
    popa
    add     $8, %esp                /* vector and error code */
    testb   $3, 4(%esp)             /* back to ring 3 needs a real iret */
    jnz     1f
    /*
     * Same-privilege return without iret: KVM's PVM mode cannot emulate a
     * 32-bit iret (internal error), so restore EFLAGS and pop EIP, then
     * drop CS and EFLAGS from the frame.
     */
    pushl   8(%esp)
    popf
    ret     $8
1:  iret
