/* The primary console device, as libxl__device_console_add writes it for
 * xenconsoled: the frontend is the domain's own console/ directory. */
#include <stdio.h>

#include "device.h"
#include "xl.h"

#define CONSOLE_LIMIT 1048576   /* LIBXL_XENCONSOLE_LIMIT */

void xl_device_console_add(xs_transaction_t t, unsigned domid,
                           const struct xl_vmm_rings *r, const char *tty)
{
    char port[16], ref[32], limit[16], dom[32];
    struct xl_device d;

    snprintf(port, sizeof(port), "%u", r->console_port);
    snprintf(ref, sizeof(ref), "%llu", (unsigned long long)r->console_pfn);
    snprintf(limit, sizeof(limit), "%d", CONSOLE_LIMIT);
    snprintf(dom, sizeof(dom), "/local/domain/%u/console", domid);
    {
        const char *back[] = {
            "online", "1", "state", "1", "protocol", "vt100", NULL,
        };
        const char *front_ro[] = {
            "limit", limit, "type", "xenconsoled", "output", "pty", "tty", tty,
            "port", port, "ring-ref", ref, NULL,
        };

        xl_device_init(&d, domid, "console", 0, dom);
        xl_device_write(t, &d, back, front_ro);
        xl_device_free(&d);
    }
}
