/* xl pause: stop a domain's vCPUs (its backends keep running). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "xl.h"

int cmd_pause(int argc, char **argv)
{
    unsigned domid;
    int rc;

    while (xl_getopt(argc, argv, "", NULL, "pause", 1) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    rc = domid == 0 ? -EPERM : xl_vmm_pause(domid);
    if (rc) {
        fprintf(stderr, "libxl: error: pausing domain %u: %s\n", domid, strerror(-rc));
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
