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
    /* .bss is not cleared here: ELF loaders (Xen's libelf, xenkvm's)
     * zero it, and on KVM in PVM mode code before long mode is emulated
     * instruction by instruction, so a 60 KiB rep stosb costs ~80 ms. */

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

    /* The boot page tables are built by the assembler, not at run time:
     * on KVM in PVM mode every instruction before long mode is emulated,
     * and a 512-entry loop there costs tens of milliseconds.
     * boot_pd: 512 x 2 MiB = identity map of [0, 1 GiB). */
    .section .data.page, "aw"
    .balign 4096
    .globl boot_pml4, boot_pdpt, boot_pd
boot_pml4:
    .quad   boot_pdpt + PTE_P + PTE_RW + PTE_US
    .fill   511, 8, 0
boot_pdpt:
    .quad   boot_pd + PTE_P + PTE_RW + PTE_US
    .fill   511, 8, 0
boot_pd:
    .set    i, 0
    .rept   512
    .quad   (i << 21) + PTE_P + PTE_RW + PTE_US + PTE_PS
    .set    i, i + 1
    .endr

    .section .bss.stack, "aw", @nobits
    .balign 16
    .globl boot_stack, boot_stack_top
boot_stack:
    .skip 16384
boot_stack_top:
