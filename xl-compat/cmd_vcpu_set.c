/* xl vcpu-set [-i] <Domain> <vCPUs>: how many vCPUs are online, as
 * libxl_set_vcpuonline does it for PV and PVH guests: the VMM created the
 * domain's maxvcpus vCPUs at start (those past vcpus= down), and the
 * toolstack writes cpu/<N>/availability = online for N below the count,
 * offline above, in one transaction; the guest's xenbus hotplug driver
 * (Linux's drivers/xen/cpu_hotplug.c) brings vCPUs up and down with
 * VCPUOP_initialise/up/down.  xl vcpu-list shows what the guest did.
 *
 * Errors as xl 4.17: a count that is no number, more vCPUs than the host
 * has CPUs without -i (--ignore-host), 0, or more than maxvcpus. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dominfo.h"
#include "xl.h"
#include "xs_util.h"

#define ERROR_FAIL (-3)     /* libxl's rc for the failures below */

/* libxl__set_vcpuonline_xenstore: every vCPU the domain has, one
 * transaction (redone when xenstored says so). */
static int write_availability(unsigned domid, unsigned max_vcpus, unsigned long online)
{
    for (;;) {
        xs_transaction_t t = xs_transaction_start(xl_xs());
        bool ok = t != XBT_NULL;

        for (unsigned i = 0; ok && i < max_vcpus; i++) {
            char path[64];
            snprintf(path, sizeof(path), "/local/domain/%u/cpu/%u/availability", domid, i);
            ok = xl_xs_write(t, path, i < online ? "online" : "offline");
        }
        if (t == XBT_NULL)
            return ERROR_FAIL;
        if (xs_transaction_end(xl_xs(), t, !ok))
            return ok ? 0 : ERROR_FAIL;
        if (errno != EAGAIN)
            return ERROR_FAIL;
    }
}

int cmd_vcpu_set(int argc, char **argv)
{
    static const struct option opts[] = {
        { "ignore-host", 0, 0, 'i' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
    };
    bool check_host = true;
    struct xl_dominfo d;
    unsigned long count;
    unsigned domid;
    const char *arg;
    char *end;
    int opt, rc;

    while ((opt = xl_getopt(argc, argv, "i", opts, "vcpu-set", 2)) != -1)
        if (opt == 'i')
            check_host = false;
    domid = xl_find_domain(argv[optind]);
    arg = argv[optind + 1];
    count = strtoul(arg, &end, 10);
    if (end == arg) {
        fprintf(stderr, "Error: Invalid argument.\n");
        return EXIT_FAILURE;
    }
    if (xl_dom_get(domid, &d)) {
        fprintf(stderr, "Domain %u does not exist.\n", domid);
        return EXIT_FAILURE;
    }
    if (!d.vmm_up || domid == 0) {
        /* Domain 0 is the host; a domain whose VMM does not answer has no
         * vCPU count to check against. */
        fprintf(stderr, "libxl: error: Domain %u:Getting domain info list: %s\n", domid,
                domid == 0 ? "domain 0 is the host" : "its VMM does not answer");
        xl_dominfo_free(&d);
        return EXIT_FAILURE;
    }
    if (check_host) {
        long host_cpus = sysconf(_SC_NPROCESSORS_ONLN);   /* xl info's nr_cpus */
        if (count > d.vcpu_online && (long)count > host_cpus) {
            fprintf(stderr, "You are overcommmitting! You have %ld physical CPUs and want %d "
                    "vCPUs! Aborting, use --ignore-host to continue\n", host_cpus, (int)count);
            xl_dominfo_free(&d);
            return EXIT_FAILURE;
        }
    }
    if (count == 0) {
        fprintf(stderr, "libxl: error: Domain %u:Requested 0 VCPUs!\n", domid);
        rc = ERROR_FAIL;
    } else if (count > d.max_vcpus) {
        fprintf(stderr, "libxl: error: Domain %u:Requested %d VCPUs, however maxcpus is %u!\n",
                domid, (int)count, d.max_vcpus);
        rc = ERROR_FAIL;
    } else {
        rc = write_availability(domid, d.max_vcpus, count);
    }
    if (rc)
        fprintf(stderr, "libxl_set_vcpuonline failed domid=%u max_vcpus=%d, rc: %d\n", domid,
                (int)count, rc);
    xl_dominfo_free(&d);
    return rc ? EXIT_FAILURE : EXIT_SUCCESS;
}
