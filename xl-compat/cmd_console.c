/* xl console [-t pv|serial|vuart] [-n N] <Domain>. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_client.h"
#include "dominfo.h"
#include "xl.h"

int cmd_console(int argc, char **argv)
{
    const char *type = "pv";
    int opt, num = 0, fd;
    unsigned domid;

    while ((opt = xl_getopt(argc, argv, "n:t:", NULL, "console", 1)) != -1) {
        switch (opt) {
        case 't':
            if (strcmp(optarg, "pv") && strcmp(optarg, "serial") && strcmp(optarg, "vuart")) {
                fprintf(stderr, "console type supported are: pv, serial, vuart\n");
                return EXIT_FAILURE;
            }
            type = optarg;
            break;
        case 'n':
            num = atoi(optarg);
            break;
        }
    }
    domid = xl_find_domain(argv[optind]);
    /* Each domain has its primary PV console only: no emulated UART. */
    if (strcmp(type, "pv") || num != 0 || domid == 0) {
        fprintf(stderr, "xl: domain %u has no %s console %d (xenkvm gives each domain one "
                "PV console)\n", domid, type, num);
        fprintf(stderr, "Unable to attach console\n");
        return EXIT_FAILURE;
    }
    fd = xl_console_connect(domid);
    if (fd < 0) {
        perror("xl: console");
        fprintf(stderr, "Unable to attach console\n");
        return EXIT_FAILURE;
    }
    return xl_console_run(fd);
}
