/* The GDT shared by both modes; selectors are named in include/x86.h. */
    .section .data
    .balign 16
    .globl gdt
gdt:
    .quad 0                     /* 0x00 null */
    .quad 0x00cf9a000000ffff    /* 0x08 flat 32-bit code, ring 0 */
    .quad 0x00cf92000000ffff    /* 0x10 flat data, ring 0 */
    .quad 0x00af9a000000ffff    /* 0x18 64-bit code, ring 0 */
    .quad 0x00cff2000000ffff    /* 0x20 flat data, ring 3 */
    .quad 0x00affa000000ffff    /* 0x28 64-bit code, ring 3 */
    .quad 0x00cffa000000ffff    /* 0x30 flat 32-bit code, ring 3 */
    .quad 0, 0                  /* 0x38 TSS, filled by tss_init() */
gdt_end:

    .balign 8
    .globl gdt_desc
gdt_desc:
    .word gdt_end - gdt - 1
    .long gdt
    .long 0
