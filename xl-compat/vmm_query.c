/* xl's view of a VMM: its INFO reply in libxl_dominfo's terms, and the
 * controller pause (lib/vmm_ctl.h). */
#include <stdlib.h>
#include <string.h>

#include "dominfo.h"
#include "exit_codes.h"
#include "lifecycle.h"
#include "paths.h"
#include "vmm_ctl.h"
#include "xl.h"

bool xl_vmm_query(struct xl_dominfo *d)
{
    struct xk_link_info *i = xl_xmalloc(sizeof(*i));
    unsigned n;

    if (vmm_ctl_info(xl_rundir(), d->domid, i) || i->status) {
        free(i);
        return false;
    }
    d->vmm_up = true;
    d->paused = i->flags & XK_INFO_PAUSED;
    d->running = i->flags & XK_INFO_RUNNING;
    d->blocked = i->flags & XK_INFO_BLOCKED;
    d->pvcontrol = i->flags & XK_INFO_PV_CONTROL;
    if (i->flags & XK_INFO_SHUTDOWN) {
        /* The reason the monitor acts on: the VMM's exit status mapped as
         * the monitor maps it (a triple fault is a reboot, as on Xen). */
        int r = xk_shutdown_for_exit(i->exit_status);
        if (r >= 0) {
            d->shutdown = true;
            d->shutdown_reason = r;
            d->running = d->blocked = false;
        } else {
            d->dying = true;
        }
    }
    d->current_kb = i->mem_kib;
    d->max_kb = i->max_mem_kib;
    d->cpu_time_ns = i->cpu_time_ns;
    d->max_vcpus = i->nr_vcpus;
    d->vcpu_online = i->online_vcpus;
    d->rings.store_pfn = i->store_pfn;
    d->rings.store_port = i->store_port;
    d->rings.console_pfn = i->console_pfn;
    d->rings.console_port = i->console_port;
    n = i->nr_vcpus < XK_LINK_MAX_VCPUS ? i->nr_vcpus : XK_LINK_MAX_VCPUS;
    free(d->vcpus);
    d->vcpus = calloc(n ? n : 1, sizeof(*d->vcpus));
    for (unsigned k = 0; d->vcpus && k < n; k++) {
        d->vcpus[k].online = i->vcpu[k].online;
        d->vcpus[k].running = i->vcpu[k].running;
        d->vcpus[k].blocked = i->vcpu[k].blocked;
        d->vcpus[k].time_ns = i->vcpu[k].cpu_time_ns;
        d->vcpus[k].cpu = i->vcpu[k].cpu == XK_INFO_NO_CPU ? 0 : (int)i->vcpu[k].cpu;
    }
    free(i);
    return true;
}

int xl_vmm_pause(unsigned domid)
{
    return vmm_ctl_pause(xl_rundir(), domid);
}

int xl_vmm_unpause(unsigned domid)
{
    return vmm_ctl_unpause(xl_rundir(), domid);
}
