/* The passed-through PCI functions (hvm/passthrough.c): a live-update part.
 * Its payload names the descriptors that cross the exec (the device
 * source's connection or VFIO fds, its mmap-ed regions, the MSI-X and INTx
 * eventfds); save and migration refuse a domain with a function. */
#include "live_update.h"
#include "passthrough.h"
#include "save.h"

/* 2: the DMA mappings as a list of ranges (they follow the balloon). */
#define VERSION 2

static int save(void *obj, struct ss_wr *w)
{
    return passthrough_save(obj, w, lu_keep_handover_fd, NULL);
}

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    return passthrough_restore(obj, r, version, msg);
}

const struct ss_part vm_part_pci = { "pci", VM_PART_PCI, VERSION, save, restore };
