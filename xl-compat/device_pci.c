/* device_pci.c: pci= at xl create: libxl's PVH refusal, then the VMM's
 * --pci argument from the entry (pci_spec.c). */
#include "device_pci.h"

#include <stdio.h>
#include <stdlib.h>

#include "pci_spec.h"

const char *xl_sysfs_root(void)
{
    const char *r = getenv("XENKVM_SYSFS_ROOT");

    return r && *r ? r : "/sys";
}

int xl_pci_prepare(struct domcfg *dc, const char *file)
{
    struct pci_spec p;
    char err[512];

    if (dc->type == DC_TYPE_PVH) {
        /* libxl__arch_passthrough_mode_setdefault */
        fprintf(stderr, "%s: passthrough not yet supported for x86 PVH guests\n", file);
        return -1;
    }
    if (pci_spec_parse(dc->pcis[0], &p, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s: %s\n", file, err);
        return -1;
    }
    free(dc->pci_vmm_arg);
    dc->pci_vmm_arg = pci_spec_vmm_arg(&p, xl_sysfs_root(), dc->pci_permissive,
                                       dc->pci_power_mgmt, err, sizeof(err));
    pci_spec_free(&p);
    if (!dc->pci_vmm_arg) {
        fprintf(stderr, "%s: %s\n", file, err);
        return -1;
    }
    return 0;
}
