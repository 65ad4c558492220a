/* The controller pause count (Xen's controller_pause_count): a domain
 * saved while paused by `xl pause` comes back paused as often. */
#include <errno.h>
#include <stdio.h>

#include "vmm_socket_proto.h"
#include "save.h"

#define VERSION 1

static int save(void *obj, struct ss_wr *w)
{
    struct vm *vm = obj;

    pthread_mutex_lock(&vm->lock);
    ss_put_u32(w, vm->ctl_pause_count);
    pthread_mutex_unlock(&vm->lock);
    return 0;
}

static int restore(void *obj, struct ss_rd *r, uint32_t version, char *msg)
{
    struct vm *vm = obj;
    uint32_t n = ss_get_u32(r);

    (void)version;
    (void)msg;
    if (!ss_check(r, n <= XK_LINK_MAX_PAUSE))
        return -EINVAL;
    pthread_mutex_lock(&vm->lock);
    vm->ctl_pause_count = n;
    pthread_mutex_unlock(&vm->lock);
    return 0;
}

const struct ss_part vm_part_control = { "control", VM_PART_CONTROL, VERSION, save, restore };
