/* The port table (ioport.h). */
#include "ioport.h"

#include <errno.h>
#include <string.h>

#include "log.h"
#include "passthrough.h"
#include "vm.h"

int ioport_register(struct vm *vm, uint16_t first, uint16_t count, ioport_fn fn)
{
    struct ioport_table *t = &vm->ioports;
    unsigned end = (unsigned)first + count;

    for (unsigned i = 0; i < t->n; i++)
        if (first < t->r[i].first + t->r[i].count && t->r[i].first < end)
            return -EEXIST;
    if (t->n == XK_MAX_IOPORT_RANGES)
        return -ENOSPC;
    t->r[t->n++] = (struct ioport_range){ first, count, fn };
    return 0;
}

void ioport_access(struct vcpu *v, uint16_t port, bool out, unsigned size, uint8_t *data)
{
    const struct ioport_table *t = &v->vm->ioports;

    for (unsigned i = 0; i < t->n; i++)
        if (port >= t->r[i].first && port - t->r[i].first < t->r[i].count) {
            if (t->r[i].fn(v, port, out, size, data))
                return;
            break;
        }
    /* The passed-through functions' I/O BARs move with the guest's BAR
     * writes, so they are looked up here rather than registered. */
    if (passthrough_pio(v->vm, port, size, out, data))
        return;
    if (!out)
        memset(data, 0xff, size);
    log_debug("vCPU %u: unclaimed port %s %#x size %u", v->id,
              out ? "write" : "read", port, size);
}
