/* The HVM params part: every HVMOP param slot, as HVMOP_get_param reads
 * it.  The callback via takes effect when the event channel part has put
 * the ports back. */
#include <errno.h>
#include <stdio.h>

#include "save.h"

#define VERSION 1

static int save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;

    pthread_mutex_lock(&vm->lock);
    ss_put_u32(w, HVM_NR_PARAMS);
    for (unsigned i = 0; i < HVM_NR_PARAMS; i++)
        ss_put_u64(w, vm->params[i]);
    pthread_mutex_unlock(&vm->lock);
    return 0;
}

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    uint64_t p[HVM_NR_PARAMS] = { 0 };
    uint32_t n = ss_get_u32(r);

    (void)version;
    (void)msg;
    /* An older build may have known fewer params; the rest stay 0. */
    if (!ss_check(r, n <= HVM_NR_PARAMS))
        return -EINVAL;
    for (uint32_t i = 0; i < n; i++)
        p[i] = ss_get_u64(r);
    /* The rings are guest frames and the ports ports of this domain. */
    if (!ss_check(r, p[HVM_PARAM_STORE_PFN] < PHYSMAP_MAX_GFN &&
                     p[HVM_PARAM_CONSOLE_PFN] < PHYSMAP_MAX_GFN &&
                     p[HVM_PARAM_STORE_EVTCHN] <= vm->max_evtchn_port &&
                     p[HVM_PARAM_CONSOLE_EVTCHN] <= vm->max_evtchn_port))
        return -EINVAL;
    pthread_mutex_lock(&vm->lock);
    for (unsigned i = 0; i < HVM_NR_PARAMS; i++)
        vm->params[i] = p[i];
    pthread_mutex_unlock(&vm->lock);
    return 0;
}

const struct ss_part vm_part_params = { "hvm-params", VM_PART_PARAMS, VERSION, save, restore };
