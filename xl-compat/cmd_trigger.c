/* xl trigger <Domain> <nmi|reset|init|power|sleep|s3resume> [<VCPU>]:
 * XEN_DOMCTL_sendtrigger through the domain's VMM.  Here only nmi does
 * something (an NMI to the vCPU); power and sleep fail with ENODEV (no
 * ACPI power management hardware), the rest with ENOSYS.  As xl 4.17: an
 * unknown trigger is `Invalid trigger "X"` (status 1); a failure of the
 * trigger itself is only logged, and the status is 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "trigger.h"
#include "xl.h"

int cmd_trigger(int argc, char **argv)
{
    const char *name;
    unsigned domid;
    long vcpu = 0;
    int trigger;
    char *end;

    while (xl_getopt(argc, argv, "", NULL, "trigger", 2) != -1)
        ;
    domid = xl_find_domain(argv[optind++]);
    name = argv[optind++];
    if (xl_trigger_from_string(name, &trigger)) {
        fprintf(stderr, "Invalid trigger \"%s\"\n", name);
        return EXIT_FAILURE;
    }
    if (optind < argc) {
        vcpu = strtol(argv[optind], &end, 10);
        if (vcpu == 0 && !strcmp(end, argv[optind]))
            fprintf(stderr, "Invalid vcpuid, using default vcpuid=0.\n\n");
    }
    xl_send_trigger(domid, name, trigger, vcpu < 0 ? ~0u : (unsigned)vcpu);
    return EXIT_SUCCESS;
}
