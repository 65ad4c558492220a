/* Emulated I/O ports: each device registers the ports it serves (kvmtool's
 * ioport__register), and a vCPU's port exit goes to the one that has it. */
#ifndef XK_IOPORT_H
#define XK_IOPORT_H

#include <stdbool.h>
#include <stdint.h>

struct vm;
struct vcpu;

/* One access of SIZE bytes at PORT; DATA is read from (out) or written
 * to.  False: not ours after all (the access is then unclaimed). */
typedef bool (*ioport_fn)(struct vcpu *v, uint16_t port, bool out, unsigned size,
                          uint8_t *data);

#define XK_MAX_IOPORT_RANGES 16

struct ioport_range {
    uint16_t first, count;
    ioport_fn fn;
};

/* Lives in struct vm; filled before the vCPUs start, read-only after. */
struct ioport_table {
    unsigned n;
    struct ioport_range r[XK_MAX_IOPORT_RANGES];
};

/* Give ports FIRST .. FIRST+COUNT-1 to FN: 0, -EEXIST if one is taken,
 * -ENOSPC when the table is full. */
int ioport_register(struct vm *vm, uint16_t first, uint16_t count, ioport_fn fn);
/* Serve one access; an unclaimed read sees all ones (a floating bus). */
void ioport_access(struct vcpu *v, uint16_t port, bool out, unsigned size, uint8_t *data);

#endif
