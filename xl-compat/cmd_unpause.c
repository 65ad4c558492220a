/* xl unpause: let a paused domain run again. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "xl.h"

int cmd_unpause(int argc, char **argv)
{
    unsigned domid;
    int rc;

    while (xl_getopt(argc, argv, "", NULL, "unpause", 1) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    rc = domid == 0 ? -EINVAL : xl_vmm_unpause(domid);
    if (rc) {
        /* Xen: unpausing a domain nobody paused is EINVAL. */
        fprintf(stderr, "libxl: error: unpausing domain %u: %s\n", domid, strerror(-rc));
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
