/* xl domname: a domain id to its name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "xl.h"

int cmd_domname(int argc, char **argv)
{
    struct xl_dominfo d;
    char *end;
    long id;

    while (xl_getopt(argc, argv, "", NULL, "domname", 1) != -1)
        ;
    id = strtol(argv[optind], &end, 10);
    if (end == argv[optind]) {
        fprintf(stderr, "Invalid domain id.\n\n");
        return EXIT_FAILURE;
    }
    if (id < 0 || id > 0xffff || xl_dom_get((unsigned)id, &d)) {
        fprintf(stderr, "Can't get domain name of domain id '%u', maybe this domain does "
                "not exist.\n", (unsigned)id);
        return EXIT_FAILURE;
    }
    printf("%s\n", d.name);
    xl_dominfo_free(&d);
    return EXIT_SUCCESS;
}
