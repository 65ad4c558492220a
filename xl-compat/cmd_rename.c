/* xl rename <Domain> <NewDomainName>. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_tree.h"
#include "domain_limits.h"
#include "dominfo.h"
#include "xl.h"

int cmd_rename(int argc, char **argv)
{
    unsigned domid;
    int rc;

    while (xl_getopt(argc, argv, "", NULL, "rename", 2) != -1)
        ;
    if (strlen(argv[optind + 1]) > XK_NAME_MAX) {
        fprintf(stderr, "xl: the new name is %zu bytes long; at most %d (the console "
                "log is guest-NAME.log)\n", strlen(argv[optind + 1]), XK_NAME_MAX);
        return EXIT_FAILURE;
    }
    domid = xl_find_domain(argv[optind]);
    if (domid == 0) {
        fprintf(stderr, "Can't rename domain '%s'.\n", argv[optind]);
        return EXIT_FAILURE;
    }
    rc = xl_tree_rename(domid, argv[optind + 1]);
    if (rc == -EEXIST)
        fprintf(stderr, "libxl: error: domain with name \"%s\" already exists.\n",
                argv[optind + 1]);
    if (rc) {
        fprintf(stderr, "Can't rename domain '%s'.\n", argv[optind]);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
