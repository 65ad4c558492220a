/* xl destroy: terminate a domain immediately. */
#include <stdio.h>
#include <stdlib.h>

#include "domain_ctl.h"
#include "dominfo.h"
#include "xl.h"

int cmd_destroy(int argc, char **argv)
{
    unsigned domid;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "f", NULL, "destroy", 1)) != -1)
        ;   /* -f: domain 0 is the host here, never destroyed */
    domid = xl_find_domain(argv[optind]);
    if (domid == 0) {
        fprintf(stderr, "Not destroying domain 0: on xenkvm it is the host itself.\n\n");
        return EXIT_FAILURE;
    }
    rc = xl_domain_destroy(domid);
    if (rc) {
        fprintf(stderr, "destroy failed (rc=%d)\n", rc);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
