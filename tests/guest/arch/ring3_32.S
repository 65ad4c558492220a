/* 32-bit counterpart of ring3_64.S: ring3_call(fn, stack_top) (cdecl). */
#include "x86.h"

    .section .text
    .code32
    .globl ring3_call
ring3_call:
    mov     4(%esp), %eax           /* fn */
    mov     8(%esp), %edx           /* user stack top */
    push    %ebx
    push    %ebp
    push    %esi
    push    %edi
    mov     %esp, ring3_saved_sp
    /* A far return to an outer ring (pops eip, cs, esp, ss); KVM's PVM
     * mode cannot emulate a 32-bit iret. */
    push    $SEL_UDS                /* ss */
    push    %edx                    /* esp */
    push    $SEL_UCS32              /* cs */
    push    %eax                    /* eip */
    mov     $SEL_UDS, %ecx          /* ring-3 data segments */
    mov     %ecx, %ds
    mov     %ecx, %es
    lret

    .globl ring3_return
ring3_return:
    mov     $SEL_DS, %ecx
    mov     %ecx, %ds
    mov     %ecx, %es
    mov     ring3_saved_sp, %esp
    pop     %edi
    pop     %esi
    pop     %ebp
    pop     %ebx
    ret

    /* Ring-3 body: the hypercall ring3_hcall_fn with two arguments. */
    .globl ring3_hypercall
ring3_hypercall:
    mov     ring3_hcall_args, %ebx
    mov     ring3_hcall_args + 4, %ecx
    mov     ring3_hcall_fn, %eax
    call    *%eax
    /* Back to ring 0 through #UD: KVM in PVM mode turns a ring-3
     * "int $n" into #UD, so a plain ud2 at a known address is the door. */
    .globl ring3_done
ring3_done:
    ud2

    .section .bss
    .balign 4
ring3_saved_sp:
    .skip 4
    .globl ring3_hcall_fn, ring3_hcall_args
ring3_hcall_fn:                     /* set by the C side */
    .skip 4
ring3_hcall_args:
    .skip 2 * 4
