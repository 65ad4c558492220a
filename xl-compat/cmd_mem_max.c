/* xl mem-max <Domain> <size>: the domain's maximum memory, as
 * libxl_domain_setmaxmem: not below memory/target, then the VMM's
 * max_pages (XEN_DOMCTL_max_mem: the size plus libxl's 1 MiB, which the
 * balloon cannot grow past), then memory/static-max, which bounds
 * mem-set.  Silent on success; exit 1 with xl's "cannot set domid N
 * static max memory to : SIZE" otherwise.  The VMM cannot add memory: a
 * maximum beyond what it was started with is refused. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "mem_size.h"
#include "paths.h"
#include "vmm_ctl.h"
#include "xl.h"
#include "xs_util.h"

#define MAXMEM_CONSTANT_KB 1024     /* LIBXL_MAXMEM_CONSTANT */

int cmd_mem_max(int argc, char **argv)
{
    const char *mem;
    unsigned domid;
    int64_t kb;
    char *target, *path;
    int rc;

    while (xl_getopt(argc, argv, "", NULL, "mem-max", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    mem = argv[optind + 1];
    kb = xl_parse_mem_size_kb(mem);
    if (kb == -1) {
        fprintf(stderr, "invalid memory size: %s\n", mem);
        return EXIT_FAILURE;
    }
    target = xl_xs_readf(XBT_NULL, "/local/domain/%u/memory/target", domid);
    if (domid == 0 || !target) {
        fprintf(stderr, "libxl: error: Domain %u:cannot get memory info from "
                "/local/domain/%u/memory/target\n", domid, domid);
        goto fail;
    }
    if ((uint64_t)kb < strtoull(target, NULL, 10)) {
        fprintf(stderr, "libxl: error: Domain %u:memory_static_max must be greater than or "
                "or equal to memory_dynamic_max\n", domid);
        goto fail;
    }
    if ((kb + MAXMEM_CONSTANT_KB) / 4 > UINT32_MAX ||
        (rc = vmm_ctl_maxmem(xl_rundir(), domid, (uint32_t)((kb + MAXMEM_CONSTANT_KB) / 4)))) {
        fprintf(stderr, "libxl: error: Domain %u:Failed to set max memory to %lld KiB: %s\n",
                domid, (long long)kb, (kb + MAXMEM_CONSTANT_KB) / 4 > UINT32_MAX || rc == -EINVAL
                ? "more than the domain was started with (xenkvm cannot add memory)"
                : strerror(-rc));
        goto fail;
    }
    path = xl_xasprintf("/local/domain/%u/memory/static-max", domid);
    rc = !xl_xs_writef(XBT_NULL, path, "%lld", (long long)kb);
    free(path);
    if (rc)
        goto fail;
    free(target);
    return EXIT_SUCCESS;
fail:
    free(target);
    fprintf(stderr, "cannot set domid %u static max memory to : %s\n", domid, mem);
    return EXIT_FAILURE;
}
