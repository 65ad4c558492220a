/* Guest-virtual to guest-physical translation by walking the guest's own
 * page tables, in whatever paging mode it runs (as Xen's copy_from_guest
 * does for HVM guests). */
#ifndef XK_GVA_H
#define XK_GVA_H

#include <stdbool.h>
#include <stdint.h>

struct paging_state {
    uint64_t cr0, cr3, cr4, efer;
};

/* Reads a SIZE-byte (4 or 8) little-endian page-table entry at guest
 * physical GPA; returns 0, or -1 if GPA is not guest memory. */
typedef int (*gva_read_fn)(void *opaque, uint64_t gpa, unsigned size,
                           uint64_t *val);

/* Translate GVA for a supervisor access (a write when WRITE; then read-only
 * mappings fault when CR0.WP is set).  Returns 0 and *GPA, or -1 on a
 * fault: not present, reserved/non-canonical address, unreadable table. */
int gva_translate(const struct paging_state *ps, uint64_t gva, bool write,
                  gva_read_fn rd, void *opaque, uint64_t *gpa);

#endif
