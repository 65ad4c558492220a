/*
 * PVH entry for 64-bit guests.  We arrive in 32-bit flat protected mode
 * with paging off and %ebx = physical address of struct hvm_start_info;
 * identity-map the first 1 GiB with 2 MiB pages (no 1 GiB pages: not every
 * CPU has them), enable PAE + EFER.LME + paging, and jump to 64-bit code.
 */
#include "x86.h"

#define PTE_P   0x001
#define PTE_RW  0x002
#define PTE_US  0x004   /* user bit everywhere: the ring-3 test needs it */
#define PTE_PS  0x080

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

    /* boot_pd: 512 x 2 MiB = identity map of [0, 1 GiB). */
    mov     $boot_pd, %edi
    mov     $(PTE_P | PTE_RW | PTE_US | PTE_PS), %eax
    mov     $512, %ecx
2:  mov     %eax, (%edi)
    movl    $0, 4(%edi)
    add     $0x200000, %eax
    add     $8, %edi
    loop    2b
    movl    $(boot_pd + PTE_P + PTE_RW + PTE_US), boot_pdpt
    movl    $(boot_pdpt + PTE_P + PTE_RW + PTE_US), boot_pml4

    mov     %cr4, %eax
    or      $X86_CR4_PAE, %eax
    mov     %eax, %cr4
    mov     $boot_pml4, %eax
    mov     %eax, %cr3
    mov     $X86_EFER_MSR, %ecx
    rdmsr
    or      $X86_EFER_LME, %eax
    wrmsr
    mov     %cr0, %eax
    or      $(X86_CR0_PG | X86_CR0_PE), %eax
    mov     %eax, %cr0
    ljmp    $SEL_CS64, $start64

    .code64
start64:
    mov     $SEL_DS, %eax
    mov     %eax, %ds
    mov     %eax, %es
    mov     %eax, %ss
    mov     %eax, %fs
    mov     %eax, %gs
    mov     $boot_stack_top, %rsp
    mov     %esi, %edi              /* zero-extends start_info */
    call    c_start
3:  hlt
    jmp     3b

    .section .bss.page, "aw", @nobits
    .balign 4096
    .globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:  .skip 4096
boot_pdpt:  .skip 4096
boot_pd:    .skip 4096

    .section .bss.stack, "aw", @nobits
    .balign 16
    .globl boot_stack, boot_stack_top
boot_stack:
    .skip 16384
boot_stack_top:
