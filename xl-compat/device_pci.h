/* device_pci.h: xl's side of PCI passthrough (docs/pciback.md). */
#ifndef XL_DEVICE_PCI_H
#define XL_DEVICE_PCI_H

#include "domcfg.h"

/* The sysfs root: $XENKVM_SYSFS_ROOT (tests' fake trees), else /sys. */
const char *xl_sysfs_root(void);

/* Check a config's pci= for xl create and set dc->pci_vmm_arg: PVH gets
 * libxl's refusal.  0, or -1 after a message naming FILE. */
int xl_pci_prepare(struct domcfg *dc, const char *file);

#endif
