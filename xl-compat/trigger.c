/* Triggers (see trigger.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "paths.h"
#include "trigger.h"
#include "vmm_ctl.h"
#include "vmm_socket_proto.h"

#define TRIGGER_S3RESUME 5      /* libxl's own: an HVM param, no domctl */

int xl_trigger_from_string(const char *name, int *out)
{
    static const struct { const char *name; int t; } names[] = {
        { "power", XK_TRIGGER_POWER }, { "sleep", XK_TRIGGER_SLEEP },
        { "nmi", XK_TRIGGER_NMI }, { "init", XK_TRIGGER_INIT },
        { "reset", XK_TRIGGER_RESET }, { "s3resume", TRIGGER_S3RESUME },
    };

    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (!strcasecmp(name, names[i].name)) {
            *out = names[i].t;
            return 0;
        }
    return -1;
}

void xl_send_trigger(unsigned domid, const char *name, int trigger, unsigned vcpu)
{
    int rc = trigger == TRIGGER_S3RESUME ? -ENOSYS
                                         : vmm_ctl_trigger(xl_rundir(), domid, trigger, vcpu);

    if (rc)
        fprintf(stderr, "libxl: error: Domain %u:Send trigger '%s' failed: %s\n", domid, name,
                strerror(-rc));
}
