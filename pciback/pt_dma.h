/* pt_dma.h: the DMA mappings of one passed-through function, kept as
 * ranges of IOVA over the guest memfd so that they can follow the balloon:
 * a page the guest gives back leaves the device's view, a page populated
 * again comes back (Xen removes and adds the IOMMU entries the same way).
 * Device sources only unmap whole mappings (vfio-user regions, VFIO type1
 * v2 mappings), so taking a page out of a larger range unmaps the range
 * and maps the pieces left of it, on sources that allow that while the
 * device runs (ops->dma_remap); elsewhere it is refused. */
#ifndef XK_PCIBACK_PT_DMA_H
#define XK_PCIBACK_PT_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "devsrc.h"
#include "savestate.h"

struct pt_dma_range {
    uint64_t iova, size, fd_off;
};

struct pt_dma {
    struct pt_devsrc *src;
    int fd;                     /* the guest memfd */
    uint8_t *mem;               /* its mapping here: vaddr = mem + fd_off */
    struct pt_dma_range *r;     /* sorted by iova, never overlapping */
    unsigned n, cap;
};

void pt_dma_init(struct pt_dma *m, struct pt_devsrc *src, int fd, uint8_t *mem);
/* Let the device reach the memfd bytes at FD_OFF as [iova, iova+size)
 * (page aligned).  Joined with a neighbour contiguous in both spaces when
 * the source can remap.  Already mapped so: 0; overlapping another
 * mapping: -EEXIST; the source's error otherwise. */
int pt_dma_add(struct pt_dma *m, uint64_t iova, uint64_t size, uint64_t fd_off);
/* Whether the memfd bytes [fd_off, fd_off+size) can leave the device's
 * view: always, unless that splits a mapping of a source that cannot
 * remap. */
bool pt_dma_can_remove(const struct pt_dma *m, uint64_t fd_off, uint64_t size);
/* Take them out wherever mapped.  -EBUSY, nothing changed, when
 * pt_dma_can_remove says no; a source error (an unmap refused, no room
 * for the pieces): that range stays as it was, the bytes still reachable
 * (the caller keeps the memory). */
int pt_dma_remove(struct pt_dma *m, uint64_t fd_off, uint64_t size);
/* Unmap everything (UNMAP: through the source) and free the list. */
void pt_dma_clear(struct pt_dma *m, bool unmap);

/* Live update: the ranges (the mappings stay in the source). */
void pt_dma_save(const struct pt_dma *m, struct ss_wr *w);
int pt_dma_restore(struct pt_dma *m, struct ss_rd *r);
/* An old VMM's record: one range for low RAM, one at 4 GiB. */
int pt_dma_restore_v1(struct pt_dma *m, uint64_t low, uint64_t high);

#endif
