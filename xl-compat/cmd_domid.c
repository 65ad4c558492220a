/* xl domid: a domain name to its domain id. */
#include <stdio.h>
#include <stdlib.h>

#include "domain_tree.h"
#include "xl.h"
#include "xs_util.h"

int cmd_domid(int argc, char **argv)
{
    int domid;

    while (xl_getopt(argc, argv, "", NULL, "domid", 1) != -1)
        ;
    domid = xl_tree_name_to_domid(XBT_NULL, argv[optind]);
    if (domid < 0) {
        fprintf(stderr, "Can't get domid of domain name '%s', maybe this domain does not "
                "exist.\n", argv[optind]);
        return EXIT_FAILURE;
    }
    printf("%d\n", domid);
    return EXIT_SUCCESS;
}
