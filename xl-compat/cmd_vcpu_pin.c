/* xl vcpu-pin [-f] <Domain> <VCPU|all> <CPUs|all|-> [<soft CPUs|all|->]:
 * the hard affinity of a vCPU is its VMM thread's CPU affinity
 * (sched_setaffinity on the thread the VMM named "vcpuN").  Linux has no
 * soft affinity: a soft list other than "all" or "-" is refused.  As xl:
 * silent on success; exit 1 with "Could not set affinity for vcpu `N'."
 * or "Error: Invalid argument N as VCPU." on failure. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_affinity.h"
#include "dominfo.h"
#include "xl.h"

static const struct option opts[] = {
    { "force", 0, 0, 'f' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
};

int cmd_vcpu_pin(int argc, char **argv)
{
    const char *vcpu, *hard_s, *soft_s;
    struct xl_dominfo d;
    cpu_set_t hard;
    unsigned domid, first, last;
    long id = -1;
    char *end;
    int opt, rc = EXIT_FAILURE;

    while ((opt = xl_getopt(argc, argv, "f", opts, "vcpu-pin", 3)) != -1)
        ;   /* -f: no kernel override pinning to undo here */
    domid = xl_find_domain(argv[optind]);
    vcpu = argv[optind + 1];
    hard_s = argv[optind + 2];
    soft_s = argc > optind + 3 ? argv[optind + 3] : NULL;
    if (strcmp(vcpu, "all")) {
        errno = 0;
        id = strtol(vcpu, &end, 10);
        if (end == vcpu || *end || id < 0 || errno) {
            fprintf(stderr, "Error: Invalid argument %s as VCPU.\n", vcpu);
            return EXIT_FAILURE;
        }
    }
    if (strcmp(hard_s, "-") && xl_cpulist_parse(hard_s, &hard)) {
        fprintf(stderr, "Invalid cpu range \"%s\".\n", hard_s);
        return EXIT_FAILURE;
    }
    if (soft_s && strcmp(soft_s, "-") && strcmp(soft_s, "all")) {
        fprintf(stderr, "xl: soft affinity \"%s\": xenkvm has none (Linux schedules "
                "threads by hard affinity only)\n", soft_s);
        return EXIT_FAILURE;
    }
    if (domid == 0 || xl_dom_get(domid, &d) || !d.vmm_pid) {
        fprintf(stderr, "Could not set affinity%s.\n", domid == 0 ? " of domain 0 (the host)" : "");
        return EXIT_FAILURE;
    }
    if (!strcmp(hard_s, "-")) {
        xl_dominfo_free(&d);
        return EXIT_SUCCESS;    /* nothing to change */
    }
    first = id < 0 ? 0 : (unsigned)id;
    last = id < 0 ? d.max_vcpus - 1 : (unsigned)id;
    if (id >= 0 && (unsigned long)id >= d.max_vcpus) {
        fprintf(stderr, "Could not set affinity for vcpu `%ld'.\n", id);
        goto out;
    }
    for (unsigned v = first; d.max_vcpus && v <= last; v++) {
        pid_t tid = xl_vcpu_tid(d.vmm_pid, v);

        if (!tid || sched_setaffinity(tid, sizeof(hard), &hard)) {
            if (id >= 0)
                fprintf(stderr, "Could not set affinity for vcpu `%u'.\n", v);
            else
                fprintf(stderr, "Could not set affinity.\n");
            goto out;
        }
    }
    rc = EXIT_SUCCESS;
out:
    xl_dominfo_free(&d);
    return rc;
}
