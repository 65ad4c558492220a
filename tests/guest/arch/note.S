/* PVH boot: the ELF note that tells the loader our 32-bit physical entry. */
#include <xen/elfnote.h>

    .section .note.Xen, "a", @note
    .balign 4
    .long 2f - 1f               /* namesz */
    .long 4f - 3f               /* descsz */
    .long XEN_ELFNOTE_PHYS32_ENTRY
1:  .asciz "Xen"
2:  .balign 4
3:  .long _start32
4:  .balign 4
