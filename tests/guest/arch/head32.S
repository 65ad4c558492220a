/*
 * PVH entry for 32-bit guests: flat protected mode, paging off, %ebx =
 * physical address of struct hvm_start_info.  We load our own GDT (the
 * one we were started with may not exist), clear .bss and call C.
 */
#include "x86.h"

    .section .text.entry, "ax"
    .code32
    .globl _start32
_start32:
    cli
    cld
    mov     %ebx, %esi              /* keep start_info across set-up */
    lgdt    gdt_desc
    ljmp    $SEL_CS32, $1f
1:  mov     $SEL_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    mov     %eax, %fs
    mov     %eax, %gs
    mov     $__bss_start, %edi      /* the loader need not zero .bss */
    mov     $__bss_end, %ecx
    sub     %edi, %ecx
    xor     %eax, %eax
    rep stosb
    mov     $boot_stack_top, %esp
    push    %esi
    call    c_start
2:  hlt
    jmp     2b

    .section .bss.stack, "aw", @nobits
    .balign 16
    .globl boot_stack, boot_stack_top
boot_stack:
    .skip 16384
boot_stack_top:
