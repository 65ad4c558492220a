/* pci.c: config space (ports 0xcf8-0xcff): the host bridge and the Xen
 * platform device at 00:01.0. */
#ifndef XK_PCI_H
#define XK_PCI_H

#include "vm.h"

#define XK_PLATFORM_DEV 1

/* Reset the device and register its ports (ioport.h).  0 or -errno. */
int pci_init(struct vm *vm);

#endif
