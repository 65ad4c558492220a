/* The backend attachment part: whether the domain's xenstore ring was
 * attached to xenstored and its PV console served, with the ring frames
 * and ports they used.  The rings' contents travel with the physmap part
 * (special pages) and the ports with the evtchn part, where an
 * interdomain port whose far end was a backend comes back unbound; the
 * resumed VMM reconnects what vm->reattach names (xenstore_attach,
 * console_init), as a domain is reintroduced to xenstored after Xen's
 * restore. */
#include <errno.h>
#include <stdio.h>

#include "save.h"

#define VERSION 1

static void put_ring(struct ss_wr *w, bool on, uint64_t pfn, uint64_t port)
{
    ss_put_u8(w, on);
    ss_put_u64(w, pfn);
    ss_put_u32(w, (uint32_t)port);
}

static int save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;

    pthread_mutex_lock(&vm->lock);
    put_ring(w, vm->xs_chan >= 0 || vm->reattach.xenstore,
             vm->params[HVM_PARAM_STORE_PFN], vm->params[HVM_PARAM_STORE_EVTCHN]);
    put_ring(w, vm->console != NULL || vm->reattach.console,
             vm->params[HVM_PARAM_CONSOLE_PFN], vm->params[HVM_PARAM_CONSOLE_EVTCHN]);
    pthread_mutex_unlock(&vm->lock);
    return 0;
}

/* An attached ring must be where the params (restored before) say, in a
 * frame the map backs, on a port the table has. */
static bool ring_ok(struct vm *vm, uint8_t on, uint64_t pfn, uint32_t port,
                    unsigned pfn_param, unsigned port_param)
{
    struct evtchn_status st;
    uint64_t mpage;
    enum pm_kind kind;
    bool mapped;

    if (on > 1)
        return false;
    if (!on)
        return true;
    if (pfn != vm->params[pfn_param] || port != vm->params[port_param])
        return false;
    pthread_rwlock_rdlock(&vm->pm.lock);
    mapped = pfn < PHYSMAP_MAX_GFN && physmap_lookup(&vm->pm, pfn, &mpage, &kind, NULL);
    pthread_rwlock_unlock(&vm->pm.lock);
    return mapped && evtchn_status(&vm->evtchn, port, &st) == 0 &&
           st.status != EVTCHNSTAT_closed;
}

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    uint8_t xs_on = ss_get_u8(r);
    uint64_t xs_pfn = ss_get_u64(r);
    uint32_t xs_port = ss_get_u32(r);
    uint8_t con_on = ss_get_u8(r);
    uint64_t con_pfn = ss_get_u64(r);
    uint32_t con_port = ss_get_u32(r);

    (void)version;
    if (r->bad)
        return -EINVAL;
    if (!ring_ok(vm, xs_on, xs_pfn, xs_port, HVM_PARAM_STORE_PFN, HVM_PARAM_STORE_EVTCHN)) {
        snprintf(msg, SS_MSG_LEN, "the xenstore ring (pfn %#llx, port %u) is not the domain's",
                 (unsigned long long)xs_pfn, xs_port);
        r->bad = true;
        return -EINVAL;
    }
    if (!ring_ok(vm, con_on, con_pfn, con_port, HVM_PARAM_CONSOLE_PFN,
                 HVM_PARAM_CONSOLE_EVTCHN)) {
        snprintf(msg, SS_MSG_LEN, "the console ring (pfn %#llx, port %u) is not the domain's",
                 (unsigned long long)con_pfn, con_port);
        r->bad = true;
        return -EINVAL;
    }
    vm->reattach.xenstore = xs_on;
    vm->reattach.console = con_on;
    return 0;
}

const struct ss_part vm_part_attach = { "attachment", VM_PART_ATTACH, VERSION, save, restore };
