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
    /* .bss is not cleared here: ELF loaders (Xen's libelf, xenkvm's)
     * zero it, and on KVM in PVM mode code before long mode is emulated
     * instruction by instruction, so a 60 KiB rep stosb costs ~80 ms. */
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
