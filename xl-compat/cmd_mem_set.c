/* xl mem-set <Domain> <size>: the balloon target in memory/target, as
 * libxl_set_memory_target with enforce: never above memory/static-max.
 * Not below it while a PCI function is passed through with the kernel's
 * VFIO: its DMA mapping cannot follow the balloon (docs/pciback.md). */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_pci.h"
#include "dominfo.h"
#include "mem_size.h"
#include "xl.h"
#include "xs_util.h"

/* A function without a vfio-user server is the host's, through the
 * kernel's VFIO (xl_pci_xs_list): ballooning would free pages its IOMMU
 * mapping still holds, and xenkvm's VMM refuses decrease_reservation
 * then, which a Linux guest's balloon driver does not survive. */
static bool balloon_ok(unsigned domid, const char *mem)
{
    struct xl_pci_node *l;
    unsigned n = xl_pci_xs_list(domid, &l);
    bool ok = true;

    for (unsigned i = 0; i < n && ok; i++) {
        if (l[i].vfio_user)
            continue;
        fprintf(stderr, "libxl: error: Domain %u:PCI function %s is passed through with the "
                "kernel's VFIO, whose DMA mapping cannot follow the balloon: the target "
                "cannot be below memory_static_max\n", domid, l[i].bdf);
        fprintf(stderr, "cannot set domid %u dynamic max memory to : %s\n", domid, mem);
        ok = false;
    }
    xl_pci_list_free(l, n);
    return ok;
}

int cmd_mem_set(int argc, char **argv)
{
    const char *mem;
    unsigned domid;
    int64_t kb;
    char *smax, *path;
    bool ok;

    while (xl_getopt(argc, argv, "", NULL, "mem-set", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    mem = argv[optind + 1];
    kb = xl_parse_mem_size_kb(mem);
    if (kb == -1) {
        fprintf(stderr, "invalid memory size: %s\n", mem);
        return EXIT_FAILURE;
    }
    smax = xl_xs_readf(XBT_NULL, "/local/domain/%u/memory/static-max", domid);
    if (domid == 0 || !smax) {
        fprintf(stderr, "libxl: error: cannot get memory info from "
                "/local/domain/%u/memory/static-max\n", domid);
        fprintf(stderr, "cannot set domid %u dynamic max memory to : %s\n", domid, mem);
        free(smax);
        return EXIT_FAILURE;
    }
    if ((uint64_t)kb > strtoull(smax, NULL, 10)) {
        fprintf(stderr, "libxl: error: memory_dynamic_max must be less than or equal to "
                "memory_static_max\n");
        fprintf(stderr, "cannot set domid %u dynamic max memory to : %s\n", domid, mem);
        free(smax);
        return EXIT_FAILURE;
    }
    if ((uint64_t)kb < strtoull(smax, NULL, 10) && !balloon_ok(domid, mem)) {
        free(smax);
        return EXIT_FAILURE;
    }
    free(smax);
    path = xl_xasprintf("/local/domain/%u/memory/target", domid);
    ok = xl_xs_writef(XBT_NULL, path, "%lld", (long long)kb);
    free(path);
    if (!ok) {
        fprintf(stderr, "cannot set domid %u dynamic max memory to : %s\n", domid, mem);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
