/* xl dump-core <Domain> <filename>: Xen's dump-core ELF file of the
 * domain's memory and vCPUs (libxl_domain_core_dump / xc_domain_dumpcore),
 * written by its VMM (DUMP_CORE, hvm/dump_core.c) to the file xl opens
 * (mode 0600, as libxc creates it).  The domain is paused meanwhile, so
 * the file is one consistent moment, and runs on after (it stays paused if
 * it was).  Silent on success; "core dump failed (rc=-3)" and status 1
 * otherwise, after libxl's reason. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dominfo.h"
#include "lifecycle.h"
#include "paths.h"
#include "vmm_ctl.h"
#include "vmm_socket_proto.h"
#include "xl.h"

#define ERROR_FAIL (-3)

int xl_dump_core(unsigned domid, const char *file, bool pause, char *why, size_t why_len)
{
    struct xk_link_save r;
    int fd, rc;

    memset(&r, 0, sizeof(r));
    if (domid == 0) {
        snprintf(why, why_len, "domain 0 is the host");
        return ERROR_FAIL;
    }
    fd = open(file, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(why, why_len, "%s", strerror(errno));
        return ERROR_FAIL;
    }
    rc = pause ? xl_vmm_pause(domid) : 0;
    if (rc) {
        snprintf(r.msg, sizeof(r.msg), "pausing it: %s", strerror(-rc));
    } else {
        rc = vmm_ctl_dump_core(xl_rundir(), domid, fd, &r);
        if (rc && !r.msg[0])
            snprintf(r.msg, sizeof(r.msg), "%s", strerror(-rc));
        if (pause)
            xl_vmm_unpause(domid);
    }
    close(fd);
    snprintf(why, why_len, "%s", r.msg);
    return rc ? ERROR_FAIL : 0;
}

int cmd_dump_core(int argc, char **argv)
{
    char why[200];
    unsigned domid;
    int rc;

    while (xl_getopt(argc, argv, "", NULL, "dump-core", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind]);
    rc = xl_dump_core(domid, argv[optind + 1], true, why, sizeof(why));
    if (!rc)
        return EXIT_SUCCESS;
    fprintf(stderr, "libxl: error: Domain %u:Core dumping domain to %s: %s\n", domid,
            argv[optind + 1], why);
    fprintf(stderr, "core dump failed (rc=%d)\n", rc);
    return EXIT_FAILURE;
}
