/* Loading guest kernels and firmware from ELF images into guest memory. */
#ifndef XK_ELF_LOAD_H
#define XK_ELF_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where loadable segments may go: gpa_ptr returns the host address of
 * [gpa, gpa+len) when that whole range is guest RAM, else NULL. */
struct elf_guest_mem {
    void *(*gpa_ptr)(void *opaque, uint64_t gpa, uint64_t len);
    void *opaque;
};

enum elf_kind {
    ELF_KIND_PVH,       /* needs XEN_ELFNOTE_PHYS32_ENTRY; entered there */
    ELF_KIND_FIRMWARE,  /* HVM firmware_override: entered at e_entry */
};

struct elf_info {
    uint64_t entry;     /* 32-bit flat-mode physical entry point */
    uint64_t load_lo;   /* lowest physical byte loaded */
    uint64_t load_hi;   /* one past the highest physical byte (incl. bss) */
    bool is64;          /* ELFCLASS64 image */
};

/* Validate IMAGE (SIZE bytes) completely, then copy its PT_LOAD segments to
 * their physical addresses (p_paddr) and zero their bss.  Returns 0, or -1
 * with a one-line reason in ERR; nothing is written to guest memory unless
 * the whole image validated. */
int elf_load(const void *image, size_t size, enum elf_kind kind,
             const struct elf_guest_mem *mem, struct elf_info *info,
             char *err, size_t errlen);

#endif
