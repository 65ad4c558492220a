/* xl sysrq <Domain> <letter>: control/sysrq, as libxl_send_sysrq. */
#include <stdio.h>
#include <stdlib.h>

#include "dominfo.h"
#include "xl.h"
#include "xs_util.h"

int cmd_sysrq(int argc, char **argv)
{
    const char *key;
    unsigned domid;
    char *path;
    bool ok;

    while (xl_getopt(argc, argv, "", NULL, "sysrq", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    key = argv[optind + 1];
    if (key[0] == 0 || key[1] != 0) {
        fprintf(stderr, "Invalid sysrq.\n\n");
        xl_help("sysrq");
        return EXIT_FAILURE;
    }
    path = xl_xasprintf("/local/domain/%u/control/sysrq", domid);
    ok = xl_xs_write(XBT_NULL, path, key);
    free(path);
    if (!ok) {
        fprintf(stderr, "libxl: error: cannot send sysrq to domain %u\n", domid);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
