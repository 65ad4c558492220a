/* xl shutdown / xl reboot [-a] [-w] [-F] <Domain>. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "domain_ctl.h"
#include "dominfo.h"
#include "shutdown_reboot.h"
#include "xl.h"

int xl_shutdown_or_reboot(int argc, char **argv, bool reboot)
{
    static const struct option opts[] = {
        { "all", 0, 0, 'a' },
        { "wait", 0, 0, 'w' },
        { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    const char *what = reboot ? "reboot" : "shutdown";
    bool all = false, fallback = false;
    int wait_for_it = 0, opt, rc = 0;
    unsigned *ids, n = 0;

    while ((opt = xl_getopt(argc, argv, "awF", opts, what, 0)) != -1) {
        switch (opt) {
        case 'a': all = true; break;
        case 'w': wait_for_it++; break;
        case 'F': fallback = true; break;
        }
    }
    if (!argv[optind] && !all) {
        fprintf(stderr, "You must specify -a or a domain id.\n\n");
        return EXIT_FAILURE;
    }
    if (all) {
        unsigned nd;
        struct xl_dominfo *l = xl_dom_list(&nd);
        ids = xl_xmalloc(sizeof(*ids) * nd);
        for (unsigned i = 0; i < nd; i++)
            if (l[i].domid != 0)
                ids[n++] = l[i].domid;
        xl_dom_list_free(l, nd);
    } else {
        ids = xl_xmalloc(sizeof(*ids));
        ids[n++] = xl_find_domain(argv[optind]);
    }
    for (unsigned i = 0; i < n; i++) {
        fprintf(stderr, "%s domain %u\n", reboot ? "Rebooting" : "Shutting down", ids[i]);
        if (xl_domain_pvcontrol(ids[i], reboot ? "reboot" : "poweroff", fallback)) {
            free(ids);
            return EXIT_FAILURE;
        }
    }
    /* -w waits for shutdown or death, -ww for death. */
    if (wait_for_it && xl_wait_domains(ids, n, wait_for_it > 1))
        rc = EXIT_FAILURE;
    free(ids);
    return rc;
}
