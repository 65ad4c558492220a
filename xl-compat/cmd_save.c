/* xl save [-c] [-p] DOM FILE [CONFIG]: the domain to FILE in Xen's
 * format (xl's save-file header, then the libxl/libxc stream the VMM
 * writes; docs/migration.md).  As xl's save_domain: the domain is stopped
 * while it is written (save_core.c), then destroyed, or left running with
 * -c (a checkpoint) or paused with -p; a failed save resumes it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "domain_ctl.h"
#include "dominfo.h"
#include "save_core.h"
#include "vmm_ctl.h"
#include "xl.h"

int cmd_save(int argc, char **argv)
{
    bool checkpoint = false, leave_paused = false, coop = false;
    const char *file, *config;
    struct xk_link_save r;
    unsigned domid;
    int opt, fd, rc;

    while ((opt = xl_getopt(argc, argv, "cpD", NULL, "save", 2)) != -1) {
        switch (opt) {
        case 'c': checkpoint = true; break;
        case 'p': leave_paused = true; break;
        case 'D': break;    /* disk snapshots: none are taken here */
        }
    }
    if (argc - optind > 3) {
        xl_help("save");
        return 2;
    }
    domid = xl_find_domain(argv[optind]);
    file = argv[optind + 1];
    config = argc - optind == 3 ? argv[optind + 2] : NULL;
    if (domid == 0) {
        fprintf(stderr, "Not saving domain 0: on xenkvm it is the host itself.\n");
        return EXIT_FAILURE;
    }
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "Failed to open temp file %s for writing\n", file);
        return EXIT_FAILURE;
    }
    rc = xl_save_domain(domid, fd, config, file, false, &coop, &r);
    if (close(fd) < 0 && !rc) {
        fprintf(stderr, "libxl: error: %s: %s\n", file, strerror(errno));
        xl_save_resume(domid, coop, true);
        rc = -1;
    }
    if (rc) {
        fprintf(stderr, "Failed to save domain, resuming domain\n");
        return EXIT_FAILURE;
    }
    /* -c or -p: the domain stays; a suspended guest's suspend is cancelled. */
    if (checkpoint || leave_paused)
        return xl_save_resume(domid, coop, !leave_paused) ? EXIT_FAILURE : EXIT_SUCCESS;
    if (xl_domain_destroy(domid)) {
        fprintf(stderr, "libxl: error: domain %u saved but not destroyed\n", domid);
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
