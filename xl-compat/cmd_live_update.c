/* xl live-update (xenkvm's own): replace running domains' VMM binary with
 * their guests running (docs/live-update.md).  Each VMM asks the new binary
 * whether it reads its state before anything stops; a refusal leaves that
 * domain's VMM as it was. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dominfo.h"
#include "paths.h"
#include "vmm_ctl.h"
#include "xl.h"

static int update_one(unsigned domid, const char *bin_path)
{
    struct xk_link_live_update r;
    int bin, rc;

    bin = open(bin_path, O_RDONLY | O_CLOEXEC);
    if (bin < 0) {
        fprintf(stderr, "xl: cannot open %s: %s\n", bin_path, strerror(errno));
        return -errno;
    }
    rc = vmm_ctl_live_update(xl_rundir(), domid, bin, &r);
    close(bin);
    if (rc) {
        fprintf(stderr, "xl: live update of domain %u failed: %s%s\n", domid,
                r.msg[0] ? r.msg : strerror(-rc),
                rc == -ECONNRESET ? " (the VMM went away)" : "");
        return rc;
    }
    printf("domain %u: live update to %s done, guest paused %.3f ms, %llu bytes of state\n",
           domid, bin_path, (double)r.pause_ns / 1e6, (unsigned long long)r.state_bytes);
    return 0;
}

int cmd_live_update(int argc, char **argv)
{
    static const struct option opts[] = {
        { "binary", required_argument, NULL, 'b' },
        { "all", no_argument, NULL, 'a' },
        { NULL, 0, NULL, 0 },
    };
    const char *bin = NULL;
    bool all = false;
    int ch, failed = 0;

    while ((ch = xl_getopt(argc, argv, "ab:", opts, "live-update", 0)) != -1) {
        if (ch == 'b')
            bin = optarg;
        else if (ch == 'a')
            all = true;
    }
    if (!bin)
        bin = xl_vmm_path();
    if (all == (optind < argc)) {
        fprintf(stderr, "xl live-update: give -a or one or more domains\n");
        xl_help("live-update");
        return 2;
    }
    if (all) {
        unsigned n;
        struct xl_dominfo *l = xl_dom_list(&n);

        for (unsigned i = 0; i < n; i++)
            if (l[i].domid != 0 && update_one(l[i].domid, bin))
                failed++;
        xl_dom_list_free(l, n);
    } else {
        for (int i = optind; i < argc; i++) {
            unsigned domid = xl_find_domain(argv[i]);
            if (domid == 0) {
                fprintf(stderr, "xl: domain 0 is the host: it has no VMM to update\n");
                failed++;
            } else if (update_one(domid, bin)) {
                failed++;
            }
        }
    }
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
