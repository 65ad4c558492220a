/* xl dump-core: the domain's memory and vCPUs as Xen's dump-core file
 * (docs/misc/dump-core-format.txt, libxc's xc_core.c for an HVM guest). */
#ifndef XK_DUMP_CORE_H
#define XK_DUMP_CORE_H

#include <stdint.h>

#include "vm.h"

struct dump_core_stats {
    uint64_t bytes;     /* the file's size */
    uint64_t pages;     /* guest pages in .xen_pages */
};

/* Write the core of VM, whose vCPUs are out of guest mode (the sender
 * paused it), to FD from offset 0.  0 or -errno with MSG (160 bytes). */
int dump_core(struct vm *vm, int fd, struct dump_core_stats *st, char *msg);

#endif
