/* xl vm-list: the guest domains (not domain 0) with their UUIDs, in xl
 * 4.17's layout: a header, then "UUID  ID    name" per domain. */
#include <stdio.h>
#include <stdlib.h>

#include "dominfo.h"
#include "xl.h"

int cmd_vm_list(int argc, char **argv)
{
    struct xl_dominfo *d;
    unsigned n;

    while (xl_getopt(argc, argv, "", NULL, "vm-list", 0) != -1)
        ;
    d = xl_dom_list(&n);
    printf("UUID                                  ID    name\n");
    for (unsigned i = 0; i < n; i++)
        if (d[i].domid != 0)
            printf("%s  %u    %-30s\n", d[i].uuid, d[i].domid, d[i].name ? d[i].name : "");
    xl_dom_list_free(d, n);
    return EXIT_SUCCESS;
}
